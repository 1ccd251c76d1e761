using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Scheduler.Calendar;
using Scheduler.Database;
using Scheduler.Silo;
using Scheduler.TestSupport;

namespace Scheduler.IntegrationTests.Infrastructure;

/// <summary>
/// The whole system in one test process: silos configured exactly as Scheduler.Silo configures them
/// (real ADO.NET clustering, storage and reminders on PostgreSQL) and the web front end through
/// WebApplicationFactory, connected to them as an external Orleans client.
/// </summary>
public sealed class SchedulerApp : IAsyncDisposable
{
    private readonly List<IHost> _silos = [];
    private readonly List<WebFactory> _extraFrontEnds = [];
    private WebFactory? _web;
    // Null when the caller brought its own database; otherwise ours to drop.
    private FreshDatabase? _database;

    public required string ConnectionString { get; init; }
    public string ClusterId { get; } = "test-" + Guid.NewGuid().ToString("N")[..8];
    public StorageFaults Faults { get; } = new();

    /// <summary>When set, the first silo serves Prometheus metrics on this loopback port.</summary>
    public int? SiloMetricsPort { get; init; }

    /// <summary>When set, the silos collect the Orleans Dashboard's statistics (SCHEDULER_ORLEANS_DASHBOARD on a silo).</summary>
    public bool OrleansDashboard { get; init; }

    /// <summary>Where the front ends send mail (SCHEDULER_SMTP): the mails a user would get.</summary>
    public SmtpSink Mail { get; } = new();

    /// <summary>Front-end configuration on top of the defaults (abuse limits relaxed: tests measure the product).</summary>
    public Dictionary<string, string> WebSettings { get; } = new()
    {
        ["RateLimits:Profile"] = "relaxed",
        // Hub connections' tokens checked every second (HubTokenWatch), so a test sees a revoked one close quickly.
        ["SCHEDULER_HUB_TOKEN_CHECK"] = "00:00:01",
    };

    /// <summary>
    /// When set, requests reach the front ends over a connection from this address (the test server
    /// has none): what the forwarded-headers and loopback checks see. Read per request.
    /// </summary>
    public System.Net.IPAddress? ConnectionAddress { get; set; }

    /// <summary>When set, grains and Orleans' reminder service read this clock (the runtime keeps real time).</summary>
    public FakeTimeProvider? Time { get; init; }

    /// <param name="prepare">Runs on the fresh database before the schema is brought up to date (an upgrade test loads an older version's data here).</param>
    public static async Task<SchedulerApp> StartAsync(string name, int silos = 1, FakeTimeProvider? time = null, Func<string, Task>? prepare = null)
    {
        var database = await FreshDatabase.CreateAsync(name);
        var app = new SchedulerApp { ConnectionString = database.ConnectionString, Time = time, _database = database };
        if (prepare is not null) await prepare(app.ConnectionString);
        await SchedulerDatabase.MigrateAsync(app.ConnectionString);
        await app.StartSilosAsync(silos);
        return app;
    }

    /// <summary>
    /// Like <see cref="StartAsync"/>, with the first silo serving Prometheus metrics on <paramref name="siloMetricsPort"/>
    /// and the silos collecting the Orleans Dashboard's statistics when <paramref name="orleansDashboard"/>.
    /// </summary>
    public static async Task<SchedulerApp> StartWithAsync(string name, int? siloMetricsPort = null, bool orleansDashboard = false)
    {
        var database = await FreshDatabase.CreateAsync(name);
        var app = new SchedulerApp
        {
            ConnectionString = database.ConnectionString,
            _database = database,
            SiloMetricsPort = siloMetricsPort,
            OrleansDashboard = orleansDashboard,
        };
        await SchedulerDatabase.MigrateAsync(app.ConnectionString);
        await app.StartSilosAsync(1);
        return app;
    }

    public async Task StartSilosAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            // SCHEDULER_TEST_LOGS=Information (or Debug, Warning) shows the silos' logs while debugging a test.
            if (Enum.TryParse<LogLevel>(Environment.GetEnvironmentVariable("SCHEDULER_TEST_LOGS"), out var level))
                builder.Logging.AddSimpleConsole().SetMinimumLevel(level).AddFilter("Scheduler", level).AddFilter("Orleans.Runtime.ReminderService", level).AddFilter("Orleans.Reminders", level);
            var options = new SchedulerSiloOptions
            {
                ConnectionString = ConnectionString,
                ClusterId = ClusterId,
                SiloPort = FreePort(),
                GatewayPort = FreePort(),
                MetricsPort = i == 0 ? SiloMetricsPort : null,
                OrleansDashboard = OrleansDashboard,
                WrapStorage = inner => new FaultyStorage(inner, Faults),
                WrapCalendarStore = inner => new FaultyCalendarStore(inner, Faults),
                // Reminders retry every two seconds instead of every minute, so reminder tests finish quickly.
                Configure = silo =>
                {
                    silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
                    silo.Services.Configure<CalendarOptions>(o => o.RetryPeriod = TimeSpan.FromSeconds(2));
                    if (Time is { } time)
                    {
                        silo.Services.AddKeyedSingleton<TimeProvider>(SchedulerClock.Key, time);
                        silo.Services.AddKeyedSingleton<TimeProvider>(Orleans.Reminders.ReminderTimeProviderNames.Reminders, time);
                    }
                },
            };
            builder.UseOrleans(silo => silo.UseScheduler(options));
            var host = builder.Build();
            await host.StartAsync();
            _silos.Add(host);
        }
    }

    public async Task StopSilosAsync(bool crash = false)
    {
        // A cancelled token makes Orleans skip the graceful steps (no deactivation, no handoff).
        using var abort = new CancellationTokenSource();
        if (crash) abort.Cancel();
        foreach (var silo in _silos)
        {
            try { await silo.StopAsync(abort.Token); }
            catch (OperationCanceledException) when (crash) { }
        }
        foreach (var silo in _silos) silo.Dispose();
        _silos.Clear();
    }

    /// <summary>Stops everything and starts it again on the same database.</summary>
    public async Task RestartAsync(bool crash = false, Action? whileDown = null)
    {
        await DisposeWebAsync();
        await StopSilosAsync(crash);
        whileDown?.Invoke();
        await StartSilosAsync(1);
    }

    public HttpClient CreateClient()
    {
        _web ??= new WebFactory(this);
        return _web.CreateClient();
    }

    public IServiceProvider WebServices => (_web ??= new WebFactory(this)).Services;

    /// <summary>The main front end (index 0) or another web process of the same deployment.</summary>
    public WebApplicationFactory<Program> FrontEnd(int index)
    {
        if (index == 0) return _web ??= new WebFactory(this);
        while (_extraFrontEnds.Count < index) _extraFrontEnds.Add(new WebFactory(this));
        return _extraFrontEnds[index - 1];
    }

    private async Task DisposeWebAsync()
    {
        if (_web is not null) await _web.DisposeAsync();
        _web = null;
        foreach (var web in _extraFrontEnds) await web.DisposeAsync();
        _extraFrontEnds.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await DisposeWebAsync();
        await StopSilosAsync();
        if (_database is not null) await _database.DisposeAsync();
        _database = null;
        await Mail.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class WebFactory(SchedulerApp app) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("SCHEDULER_DB", app.ConnectionString);
            builder.UseSetting("SCHEDULER_CLUSTER_ID", app.ClusterId);
            builder.UseSetting("SCHEDULER_SMTP", app.Mail.Address);
            foreach (var (key, value) in app.WebSettings) builder.UseSetting(key, value);
            builder.ConfigureLogging(logging => { logging.ClearProviders(); if (Environment.GetEnvironmentVariable("SCHEDULER_TEST_WEB_LOGS") == "1") logging.AddSimpleConsole(); });
            builder.ConfigureServices(services => services.AddSingleton<Microsoft.AspNetCore.Hosting.IStartupFilter>(new ConnectionAddressFilter(app)));
        }
    }

    /// <summary>Sets each request's connection address to <see cref="ConnectionAddress"/>, before anything of the product runs.</summary>
    private sealed class ConnectionAddressFilter(SchedulerApp app) : Microsoft.AspNetCore.Hosting.IStartupFilter
    {
        public Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> Configure(Action<Microsoft.AspNetCore.Builder.IApplicationBuilder> next) => builder =>
        {
            builder.Use(nextMiddleware => context =>
            {
                if (app.ConnectionAddress is { } address) context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(builder);
        };
    }
}
