using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Issue 10, finding 4: each abuse limit bites (429 problem+json with Retry-After) and recovers once
/// Retry-After has passed. Limits are small here and windows short (a front end of its own per test).
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private const int Limit = 3;
    private SchedulerApp _app = null!;
    private HttpClient? _client;

    /// <summary>The front end, started on first use with the limits set so far.</summary>
    private HttpClient Anonymous => _client ??= _app.CreateClient();

    public async Task InitializeAsync()
    {
        _app = await SchedulerApp.StartAsync("rate-limits");
        _app.WebSettings["RateLimits:Profile"] = "default";
        _app.WebSettings["RateLimits:Window"] = "00:00:05";
        foreach (var limit in new[] { "SignInPerIp", "FailedSignInsPerAccount", "SignUpPerIp", "PublicPerIp", "BookingsPerOrganizer" })
            _app.WebSettings[$"RateLimits:{limit}"] = "1000";
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private void Lower(string name) => _app.WebSettings[$"RateLimits:{name}"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Sends until refused: at most <see cref="Limit"/> calls pass per window, so a 429 comes within
    /// two windows' worth. Checks the refusal, waits its Retry-After (bounded), and checks that the
    /// next call is served again.
    /// </summary>
    private static async Task BitesAndRecovers(Func<int, Task<HttpResponseMessage>> send, HttpStatusCode served)
    {
        HttpResponseMessage? refused = null;
        var sent = 0;
        while (refused is null && sent < 2 * Limit + 1)
        {
            var response = await send(sent++);
            if (response.StatusCode == HttpStatusCode.TooManyRequests) refused = response;
            else Assert.Equal(served, response.StatusCode);
        }
        Assert.True(refused is not null, $"no 429 after {sent} calls");
        await refused!.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        var retryAfter = int.Parse(refused.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 6);

        await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(300));
        Assert.Equal(served, (await send(sent)).StatusCode);
    }

    [Fact]
    public async Task Sign_ins_per_client_are_limited_and_recover()
    {
        Lower("SignInPerIp");
        var user = await Anonymous.SignUpAndSignIn(_app, verify: false);
        await BitesAndRecovers(_ => Anonymous.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "correct horse" }), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Failed_sign_ins_make_the_account_wait_even_with_the_right_password_then_it_works()
    {
        Lower("FailedSignInsPerAccount");
        var user = await Anonymous.SignUpAndSignIn(_app, verify: false);
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 2 * Limit + 1 && refused is null; i++)
        {
            var wrong = await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "wrong password " + i });
            if (wrong.StatusCode == HttpStatusCode.TooManyRequests) refused = wrong;
            else await wrong.AssertProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }
        Assert.NotNull(refused);
        await refused!.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        // The right password straight after is refused too: guessing gains nothing by interleaving it.
        var right = await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "correct horse" });
        await right.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        // Another account is not affected.
        var other = await Anonymous.SignUpAndSignIn(_app, verify: false);
        Assert.NotNull(other.Token);

        var retryAfter = int.Parse(right.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 6);
        await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(300));
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "correct horse" })).StatusCode);
    }

    [Fact]
    public async Task Sign_ups_per_client_are_limited_and_recover()
    {
        Lower("SignUpPerIp");
        await BitesAndRecovers(_ => Anonymous.PostAsJsonAsync("/api/users",
            new { name = "N", email = $"flood-{Guid.NewGuid():N}@example.com", password = "long enough", timeZone = "UTC" }), HttpStatusCode.Created);
    }

    [Fact]
    public async Task Public_slot_reads_per_client_are_limited_and_recover()
    {
        Lower("PublicPerIp");
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(_app);
        await BitesAndRecovers(_ => Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}"), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bookings_per_organizer_are_limited_and_recover()
    {
        Lower("BookingsPerOrganizer");
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(_app);
        var times = new[] { "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00" };
        await BitesAndRecovers(i => Anonymous.Book(eventTypeId, At(FutureMonday, times[i])), HttpStatusCode.Created);
    }
}
