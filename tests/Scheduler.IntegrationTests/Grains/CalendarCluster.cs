using Orleans.TestingHost;
using Scheduler.Database;
using Scheduler.Silo;
using Scheduler.TestSupport;

namespace Scheduler.IntegrationTests.Grains;

/// <summary>
/// An in-process Orleans cluster (one silo) whose silos are configured by the product's own
/// <see cref="SiloConfiguration.UseScheduler"/>: grain storage and reminders on a fresh, migrated
/// PostgreSQL database. The test cluster supplies membership and transport; no HTTP is involved.
/// </summary>
public sealed class CalendarCluster : IAsyncLifetime
{
    private FreshDatabase? _database;
    private InProcessTestCluster? _cluster;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("Not initialised.");

    public IClusterClient Client => Cluster.Client;

    /// <summary>Makes the calendars' next commits fail, before or after reaching the database.</summary>
    public Infrastructure.StorageFaults Faults { get; } = new();

    public async Task InitializeAsync()
    {
        _database = await FreshDatabase.CreateAsync("grains");
        await SchedulerDatabase.MigrateAsync(_database.ConnectionString);
        var connectionString = _database.ConnectionString;
        var builder = new InProcessTestClusterBuilder();
        builder.ConfigureSilo((silo, siloBuilder) => siloBuilder.UseScheduler(new SchedulerSiloOptions
        {
            ConnectionString = connectionString,
            SiloPort = silo.SiloPort,
            GatewayPort = silo.GatewayPort,
            WrapCalendarStore = inner => new Infrastructure.FaultyCalendarStore(inner, Faults),
        }));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
        if (_database is not null) await _database.DisposeAsync();
    }
}
