using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Scheduler.IntegrationTests.Infrastructure;

namespace Scheduler.LoadTest.Tests;

/// <summary>
/// The product started in-process (silo + web front end, the integration tests' harness, on a fresh
/// database) with the baseline enabled, served by Kestrel on a real port so the load tester drives it
/// by URL exactly as it drives a deployment; the silo serves its Prometheus metrics on a port of its own.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private IAsyncDisposable? _web;

    public SchedulerApp App { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    /// <summary>The silo's Prometheus endpoint (SCHEDULER_METRICS_PORT in a deployment): commit batch sizes.</summary>
    public Uri SiloMetrics { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var metricsPort = FreePort();
        App = await SchedulerApp.StartWithAsync("loadtest", siloMetricsPort: metricsPort);
        SiloMetrics = new Uri($"http://127.0.0.1:{metricsPort}/metrics");
        var port = FreePort();
        // The front end binds SCHEDULER_URLS itself (UseUrls), which wins over a port given to UseKestrel.
        var web = App.FrontEnd(0).WithWebHostBuilder(b => b
            .UseSetting("SCHEDULER_BASELINE", "1")
            .UseSetting("SCHEDULER_URLS", $"http://127.0.0.1:{port}"));
        web.UseKestrel();
        web.StartServer();
        _web = web;
        Url = new Uri($"http://127.0.0.1:{port}");

        using var http = new HttpClient { BaseAddress = Url };
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if ((await http.GetAsync("/healthz")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) when (waited.Elapsed < TimeSpan.FromSeconds(60))
            {
            }
            if (waited.Elapsed > TimeSpan.FromSeconds(60)) throw new TimeoutException("the in-process front end never answered /healthz 200");
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_web is not null) await _web.DisposeAsync();
        await App.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "in-process system";
}
