using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Behind a reverse proxy (SCHEDULER_TRUSTED_PROXIES): the forwarded client is who the per-IP limits
/// and /metrics see, but only when the connection comes from a listed proxy; anyone else's
/// X-Forwarded-For is ignored. A front end configured to believe everyone's does not start.
/// </summary>
public sealed class TrustedProxiesTests : IAsyncLifetime
{
    private static readonly IPAddress Proxy = IPAddress.Parse("10.0.0.5");
    private SchedulerApp _app = null!;

    public async Task InitializeAsync()
    {
        _app = await SchedulerApp.StartAsync("proxies");
        _app.WebSettings["RateLimits:Profile"] = "default";
        _app.WebSettings["RateLimits:Window"] = "00:02:00";
        _app.WebSettings["RateLimits:SignInPerIp"] = "2";
        _app.WebSettings["RateLimits:FailedSignInsPerAccount"] = "1000";
        _app.WebSettings["SCHEDULER_TRUSTED_PROXIES"] = "10.0.0.5, 127.0.0.1";
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, IPAddress from, string? forwardedFor = null, string? proto = null, object? body = null)
    {
        _app.ConnectionAddress = from;
        using var request = new HttpRequestMessage(method, path);
        if (forwardedFor is not null) request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (proto is not null) request.Headers.Add("X-Forwarded-Proto", proto);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await _app.CreateClient().SendAsync(request);
    }

    private Task<HttpResponseMessage> SignIn(IPAddress from, string? forwardedFor = null) =>
        Send(HttpMethod.Post, "/api/auth/token", from, forwardedFor, body: new { email = "nobody@example.com", password = "whatever it is" });

    [Fact]
    public async Task Per_client_limits_follow_the_forwarded_client_only_through_a_listed_proxy()
    {
        // Through the proxy: each client has its own two sign-ins.
        foreach (var client in new[] { "203.0.113.1", "203.0.113.2" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(Proxy, client)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(Proxy, client)).StatusCode);
            await (await SignIn(Proxy, client)).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        }
        // Straight from elsewhere: a made-up X-Forwarded-For changes nothing, the connection is the client.
        var direct = IPAddress.Parse("198.51.100.7");
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(direct, "203.0.113.3")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignIn(direct, "203.0.113.4")).StatusCode);
        await (await SignIn(direct, "203.0.113.5")).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
    }

    [Fact]
    public async Task Metrics_are_local_only_for_a_local_client_and_never_for_a_forwarded_or_claimed_one()
    {
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/metrics", IPAddress.Loopback)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Get, "/metrics", IPAddress.IPv6Loopback)).StatusCode);
        // A proxy on this machine forwarding someone else's request.
        await (await Send(HttpMethod.Get, "/metrics", IPAddress.Loopback, "203.0.113.9")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        // Someone elsewhere claiming to be local, directly or through the listed proxy.
        await (await Send(HttpMethod.Get, "/metrics", IPAddress.Parse("198.51.100.7"), "127.0.0.1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Send(HttpMethod.Get, "/metrics", Proxy, "127.0.0.1")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        // Other methods and spellings do not tell the path exists.
        foreach (var (method, path) in new[] { (HttpMethod.Post, "/metrics"), (HttpMethod.Put, "/METRICS/"), (HttpMethod.Options, "/metrics") })
            await (await Send(method, path, IPAddress.Parse("198.51.100.7"))).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task A_sign_in_through_an_https_proxy_gets_a_secure_device_cookie()
    {
        _app.ConnectionAddress = Proxy;
        var user = await _app.CreateClient().SignUpAndSignIn(_app, verify: false);
        var plain = await Send(HttpMethod.Post, "/api/auth/token", Proxy, "203.0.113.20", body: new { email = user.Email, password = "correct horse" });
        var secure = await Send(HttpMethod.Post, "/api/auth/token", Proxy, "203.0.113.21", "https", new { email = user.Email, password = "correct horse" });
        string Cookie(HttpResponseMessage r) => r.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("scheduler-device-", StringComparison.Ordinal));
        Assert.DoesNotContain("secure", Cookie(plain), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", Cookie(secure), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("SCHEDULER_TRUSTED_PROXIES", "proxy.example")]
    [InlineData("FORWARDEDHEADERS_ENABLED", "true")]
    public void A_front_end_that_would_believe_the_wrong_callers_does_not_start(string setting, string value)
    {
        _app.WebSettings[setting] = value;
        var refused = Assert.ThrowsAny<Exception>(() => _app.CreateClient());
        Assert.Contains(setting == "FORWARDEDHEADERS_ENABLED" ? "SCHEDULER_TRUSTED_PROXIES" : "'proxy.example'", refused.ToString());
    }
}
