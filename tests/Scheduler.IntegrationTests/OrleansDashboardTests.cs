using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.IntegrationTests.Infrastructure;
using Scheduler.Web.Hosting;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// A deployment with the Orleans Dashboard switched on (SCHEDULER_ORLEANS_DASHBOARD=1): the silos collect
/// its statistics, and a front end served by Kestrel on real ports — its public listener and its
/// loopback operator listener (SCHEDULER_ORLEANS_DASHBOARD_PORT) — serves it on the operator listener only.
/// </summary>
public sealed class OrleansDashboardFixture : IAsyncLifetime
{
    private WebApplicationFactory<Program>? _web;

    public SchedulerApp App { get; private set; } = null!;
    public Uri Public { get; private set; } = null!;
    public Uri Operator { get; private set; } = null!;
    public IServiceProvider WebServices => _web!.Services;

    public async Task InitializeAsync()
    {
        App = await SchedulerApp.StartWithAsync("dashboard", orleansDashboard: true);
        var (publicPort, operatorPort) = (FreePort(), FreePort());
        // The front end binds SCHEDULER_URLS and the operator listener itself (UseUrls), which wins over UseKestrel's port.
        var web = App.FrontEnd(0).WithWebHostBuilder(b => b
            .UseSetting("SCHEDULER_URLS", $"http://127.0.0.1:{publicPort}")
            .UseSetting("SCHEDULER_ORLEANS_DASHBOARD", "1")
            .UseSetting("SCHEDULER_ORLEANS_DASHBOARD_PORT", operatorPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        web.UseKestrel();
        web.StartServer();
        _web = web;
        Public = new Uri($"http://127.0.0.1:{publicPort}");
        Operator = new Uri($"http://127.0.0.1:{operatorPort}");
        using var http = new HttpClient { BaseAddress = Public };
        await Eventually(async () =>
        {
            try
            {
                return (await http.GetAsync("/healthz")).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), "the front end's /healthz");
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

/// <summary>Operators get the Orleans Dashboard on the front end's loopback operator listener, and nobody gets it anywhere else.</summary>
public sealed class OrleansDashboardTests(OrleansDashboardFixture fixture) : IClassFixture<OrleansDashboardFixture>
{
    private const string Dashboard = OrleansDashboardSettings.Path;

    [Fact]
    public async Task An_operator_on_the_loopback_listener_gets_the_dashboard_page_and_the_clusters_silos_and_grains()
    {
        // Some grain traffic for the dashboard to show: a booking activates the organizer's calendar.
        var anonymous = fixture.App.CreateClient();
        var (_, eventTypeId) = await anonymous.OrganizerWithEventType(fixture.App);
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).StatusCode);

        using var operatorClient = new HttpClient { BaseAddress = fixture.Operator };
        var page = await operatorClient.GetAsync(Dashboard + "/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Orleans Dashboard</title>", await page.Content.ReadAsStringAsync());
        // Its own CSP: script still from this origin only, inline style allowed for its graphs.
        var csp = string.Join(' ', page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self';", csp);
        Assert.Contains("style-src 'self' 'unsafe-inline'", csp);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.GetAsync(Dashboard + "/index.min.js")).StatusCode);

        // Its data: the cluster's silo, active, and the calendar grain among the grain statistics.
        JsonNode counters = null!;
        await Eventually(async () =>
        {
            var response = await operatorClient.GetAsync(Dashboard + "/DashboardCounters");
            if (response.StatusCode != HttpStatusCode.OK) return false;
            counters = await response.Json();
            return counters["simpleGrainStats"]!.AsArray().Any(s => s!["grainType"]!.GetValue<string>().EndsWith("CalendarGrain", StringComparison.Ordinal));
        }, TimeSpan.FromSeconds(30), "the calendar grain in the dashboard's grain statistics");
        var host = Assert.Single(counters["hosts"]!.AsArray());
        Assert.Equal("Active", host!["status"]!.GetValue<string>());
        Assert.Equal(1, counters["totalActiveHostCount"]!.GetValue<int>());
    }

    [Fact]
    public async Task On_the_public_listener_every_dashboard_route_is_not_found_whoever_asks()
    {
        var organizer = await fixture.App.CreateClient().SignUpAndSignIn(fixture.App);
        var paths = DashboardRoutes().Select(ConcretePath).Distinct().ToList();
        Assert.Contains(Dashboard + "/DashboardCounters", paths);
        Assert.Contains(Dashboard + "/GrainState", paths);
        Assert.Contains(Dashboard + "/Trace", paths);

        using var anonymous = new HttpClient { BaseAddress = fixture.Public };
        using var signedIn = new HttpClient { BaseAddress = fixture.Public };
        signedIn.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", organizer.Token);
        foreach (var path in paths.Append(Dashboard))
        {
            foreach (var client in new[] { anonymous, signedIn })
            {
                var response = await client.GetAsync(path);
                // The same answer as a path that does not exist: nothing says a dashboard is there.
                await response.AssertProblem(HttpStatusCode.NotFound, "not-found");
                Assert.False(response.Headers.Contains("WWW-Authenticate"), $"{path} invites credentials");
            }
        }
    }

    [Fact]
    public void Every_dashboard_route_declares_the_operator_policy()
    {
        var routes = DashboardRoutes().ToList();
        Assert.NotEmpty(routes);
        Assert.All(routes, route =>
        {
            var policies = route.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
            Assert.True(policies.Contains(OrleansDashboardAccess.Policy), $"{route.RoutePattern.RawText} lacks the operator policy");
            Assert.Null(route.Metadata.GetMetadata<IAllowAnonymous>());
        });
    }

    [Fact]
    public async Task The_dashboard_is_not_in_the_API_document()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Public };
        var document = await (await anonymous.GetAsync("/openapi/v1.json")).Json();
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/bookings", paths);
        Assert.DoesNotContain(paths, p => p.Contains("orleans-dashboard", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Without_the_setting_no_front_end_maps_the_dashboard()
    {
        // The harness's own front end runs with the defaults: the dashboard is off.
        var web = fixture.App.CreateClient();
        await (await web.GetAsync(Dashboard + "/")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await web.GetAsync(Dashboard + "/DashboardCounters")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var mapped = fixture.App.WebServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        Assert.DoesNotContain(mapped, e => e.RoutePattern.RawText?.StartsWith(Dashboard, StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("127.0.0.1", true, true)]
    [InlineData("::ffff:127.0.0.1", true, true)]
    [InlineData("::1", true, true)]
    [InlineData("10.0.0.7", true, false)]
    [InlineData("127.0.0.1", false, false)]
    public void Only_a_loopback_caller_on_the_operator_port_is_an_operator(string remote, bool onOperatorPort, bool expected)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        http.Connection.LocalPort = onOperatorPort ? 5090 : 5080;
        Assert.Equal(expected, OrleansDashboardAccess.IsOperatorRequest(http, 5090));
    }

    private IEnumerable<RouteEndpoint> DashboardRoutes() =>
        fixture.WebServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith(Dashboard, StringComparison.Ordinal) == true);

    /// <summary>A path the route matches: each parameter ({page:int}, {*address}, {**path}) given a value.</summary>
    private static string ConcretePath(RouteEndpoint route) =>
        "/" + string.Join('/', route.RoutePattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => parameter.ParameterPolicies.Any() ? "1" : "x",
            _ => "",
        }))));
}
