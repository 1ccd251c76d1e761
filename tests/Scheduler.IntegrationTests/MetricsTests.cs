using System.Net;
using System.Net.Sockets;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>Operators read the engine on /metrics (Prometheus text): the silo's commits and decisions, the front end's HTTP (to its token or loopback only).</summary>
public sealed class MetricsTests : IAsyncLifetime
{
    private SchedulerApp _app = null!;
    private readonly int _siloMetricsPort = FreeLoopbackPort();

    private const string MetricsToken = "a scraper's secret";

    public async Task InitializeAsync()
    {
        _app = await SchedulerApp.StartWithAsync("metrics", siloMetricsPort: _siloMetricsPort);
        _app.WebSettings["SCHEDULER_METRICS_TOKEN"] = MetricsToken;
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task The_silo_exports_decisions_commits_and_batch_sizes_and_the_front_end_its_requests()
    {
        var anonymous = _app.CreateClient();
        var (_, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).StatusCode);

        using var scraper = new HttpClient();
        string silo = "";
        await Eventually(async () =>
        {
            silo = await scraper.GetStringAsync($"http://127.0.0.1:{_siloMetricsPort}/metrics");
            return silo.Contains("scheduler_commit_batch_size", StringComparison.Ordinal);
        }, what: "the silo's commit metrics");
        Assert.Contains("scheduler_bookings_total{", silo);
        Assert.Contains("outcome=\"Created\"", silo);
        Assert.Contains("outcome=\"SlotUnavailable\"", silo);
        Assert.Contains("scheduler_booking_decision_duration_milliseconds_bucket", silo);
        Assert.Contains("scheduler_commit_duration_milliseconds_bucket", silo);

        // The front end's counters are everyone's traffic: only a scraper with the token (or on this
        // machine: RunShSmokeTests) reads them; anyone else finds nothing there.
        await (await anonymous.GetAsync("/metrics")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Scrape(anonymous, "not the secret")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Scrape(anonymous, MetricsToken[..^1])).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var web = await Scrape(anonymous, MetricsToken);
        Assert.Equal(HttpStatusCode.OK, web.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await web.Content.ReadAsStringAsync());
    }

    private static async Task<HttpResponseMessage> Scrape(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }
}
