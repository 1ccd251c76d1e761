using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Scheduler.Database.Tests;

/// <summary>
/// One real silo on a freshly migrated database, using all three ADO.NET providers, plus an external
/// client that finds the silo's gateway through the membership table.
/// </summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public const string StorageName = "store";

    private FreshDatabase? _database;
    private IHost? _silo;
    private IHost? _client;

    public string ClusterId { get; } = "cluster-" + Guid.NewGuid().ToString("N")[..8];

    public string ServiceId { get; } = "service-" + Guid.NewGuid().ToString("N")[..8];

    public FreshDatabase Database => _database ?? throw new InvalidOperationException("Not initialised.");

    public IHost Silo => _silo ?? throw new InvalidOperationException("Not initialised.");

    public IClusterClient Client => (_client ?? throw new InvalidOperationException("Not initialised."))
        .Services.GetRequiredService<IClusterClient>();

    public async Task InitializeAsync()
    {
        _database = await MigratedDatabase.CreateAsync();
        var connectionString = _database.ConnectionString;

        _silo = BuildSilo(connectionString, ClusterId, ServiceId);
        await _silo.StartAsync();

        var clientBuilder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        clientBuilder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        clientBuilder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => { o.ClusterId = ClusterId; o.ServiceId = ServiceId; });
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = SchedulerDatabase.AdoNetInvariant;
                o.ConnectionString = connectionString;
            });
        });
        _client = clientBuilder.Build();
        await _client.StartAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var host in new[] { _client, _silo })
        {
            if (host is null)
            {
                continue;
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await host.StopAsync(timeout.Token);
            host.Dispose();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>A silo host configured the way Scheduler.Silo should configure one.</summary>
    public static IHost BuildSilo(string connectionString, string clusterId, string serviceId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => { o.ClusterId = clusterId; o.ServiceId = serviceId; });
            silo.ConfigureEndpoints(IPAddress.Loopback, FreePort(), FreePort());
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = SchedulerDatabase.AdoNetInvariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage(StorageName, o =>
            {
                o.Invariant = SchedulerDatabase.AdoNetInvariant;
                o.ConnectionString = connectionString;
            });
            silo.UseSystemTextJsonGrainStorageSerializer();
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = SchedulerDatabase.AdoNetInvariant;
                o.ConnectionString = connectionString;
            });
        });
        return builder.Build();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
