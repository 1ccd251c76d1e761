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
        foreach (var limit in new[] { "SignInPerIp", "FailedSignInsPerAccount", "SignUpPerIp", "PublicPerIp", "BookingsPerOrganizer",
                     "CalendarFeedFetchesPerOrganizer" })
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

    /// <summary>Fails sign-ins to <paramref name="email"/> from <paramref name="client"/> until refused; returns the refusal.</summary>
    private static async Task<HttpResponseMessage> FailUntilRefused(HttpClient client, string email)
    {
        for (var i = 0; i < 2 * Limit + 1; i++)
        {
            var wrong = await client.PostAsJsonAsync("/api/auth/token", new { email, password = "wrong password " + i });
            if (wrong.StatusCode == HttpStatusCode.TooManyRequests)
            {
                await wrong.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
                return wrong;
            }
            await wrong.AssertProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        }
        Assert.Fail($"no 429 after {2 * Limit + 1} failed sign-ins");
        return null!;
    }

    private static Task<HttpResponseMessage> SignIn(HttpClient client, string email) =>
        client.PostAsJsonAsync("/api/auth/token", new { email, password = "correct horse" });

    [Fact]
    public async Task Failed_sign_ins_make_the_account_wait_even_with_the_right_password_then_it_works()
    {
        Lower("FailedSignInsPerAccount");
        var user = await Anonymous.SignUpAndSignIn(_app, verify: false);
        // A guesser in a browser that never signed in to the account.
        var stranger = _app.CreateClient();
        await FailUntilRefused(stranger, user.Email);
        // The right password straight after is refused too: guessing gains nothing by interleaving it.
        var right = await SignIn(stranger, user.Email);
        await right.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        // Another account is not affected.
        var other = await Anonymous.SignUpAndSignIn(_app, verify: false);
        Assert.NotNull(other.Token);

        var retryAfter = int.Parse(right.Headers.GetValues("Retry-After").Single());
        Assert.InRange(retryAfter, 1, 6);
        await Task.Delay(TimeSpan.FromSeconds(retryAfter) + TimeSpan.FromMilliseconds(300));
        Assert.Equal(HttpStatusCode.OK, (await SignIn(stranger, user.Email)).StatusCode);
    }

    [Fact]
    public async Task A_strangers_failures_do_not_lock_the_owner_out_of_a_browser_that_signed_in_before()
    {
        Lower("FailedSignInsPerAccount");
        // Nothing here waits for a window to pass: a long one, so none passes between the steps.
        _app.WebSettings["RateLimits:Window"] = "00:02:00";
        var owner = _app.CreateClient();
        var user = await owner.SignUpAndSignIn(_app, verify: false);
        var ownerCookie = Assert.Single(DeviceCookies(await SignIn(owner, user.Email)));
        Assert.Contains("httponly", ownerCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", ownerCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/auth/token", ownerCookie, StringComparison.OrdinalIgnoreCase);

        var stranger = _app.CreateClient();
        await FailUntilRefused(stranger, user.Email);
        await (await SignIn(stranger, user.Email)).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");

        // The owner's browser still signs in, with its token working.
        var signedIn = await SignIn(owner, user.Email);
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        var token = (await signedIn.Json())["accessToken"]!.GetValue<string>();
        using (var me = new HttpRequestMessage(HttpMethod.Get, "/api/me"))
        {
            me.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await owner.SendAsync(me)).StatusCode);
        }

        // A cookie altered in one character, or presented for another account (under its name or the
        // other account's), counts for nothing.
        var (name, value) = NameAndValue(ownerCookie);
        var forged = value[..^2] + (value[^2] == 'A' ? 'B' : 'A') + value[^1];
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInWithCookie(user.Email, name, forged)).StatusCode);
        var secondBrowser = _app.CreateClient();
        var second = await secondBrowser.SignUpAndSignIn(_app, verify: false);
        var (secondName, _) = NameAndValue(Assert.Single(DeviceCookies(await SignIn(secondBrowser, second.Email))));
        Assert.NotEqual(name, secondName);
        // The owner's browser signs in to the second account too (before anyone locks it).
        Assert.Equal(HttpStatusCode.OK, (await SignIn(owner, second.Email)).StatusCode);
        await FailUntilRefused(_app.CreateClient(), second.Email);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInWithCookie(second.Email, name, value)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInWithCookie(second.Email, secondName, value)).StatusCode);
        // The genuine cookie, sent by any client, is what the owner's browser holds.
        Assert.Equal(HttpStatusCode.OK, (await SignInWithCookie(user.Email, name, value)).StatusCode);
        // One browser remembers both accounts: signing in to the second did not make it forget the first.
        Assert.Equal(HttpStatusCode.OK, (await SignIn(owner, second.Email)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SignIn(owner, user.Email)).StatusCode);

        // The owner's browser has a budget of its own: its own failures still make it wait.
        await FailUntilRefused(owner, user.Email);
        await (await SignIn(owner, user.Email)).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
    }

    [Fact]
    public async Task An_owner_locked_out_on_a_new_browser_gets_in_by_resetting_the_password_there()
    {
        Lower("FailedSignInsPerAccount");
        _app.WebSettings["RateLimits:Window"] = "00:02:00";
        // Whoever signed up (maybe not the address's owner) holds a device cookie from signing in.
        var squatter = _app.CreateClient();
        var user = await squatter.SignUpAndSignIn(_app, verify: false);
        var (name, value) = NameAndValue(Assert.Single(DeviceCookies(await SignIn(squatter, user.Email))));
        await FailUntilRefused(_app.CreateClient(), user.Email);

        // A browser that never signed in is held like the stranger's…
        var newBrowser = _app.CreateClient();
        await (await SignIn(newBrowser, user.Email)).AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        // …until the owner resets the password in it: the link proves the mailbox.
        Assert.Equal(HttpStatusCode.Accepted, (await newBrowser.PostAsJsonAsync("/api/auth/forgot-password", new { email = user.Email })).StatusCode);
        string? token = null;
        await Eventually(() => Task.FromResult((token = _app.Mail.MailsTo(user.Email).Select(m => m.ResetToken).LastOrDefault(t => t is not null)) is not null),
            what: "the reset mail");
        Assert.Equal(HttpStatusCode.OK, (await newBrowser.PostAsJsonAsync("/api/auth/reset-password", new { token, password = "new horse battery" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await newBrowser.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "new horse battery" })).StatusCode);
        // Strangers are still held, and so is every cookie given under the old password: the signer-up's
        // browser cannot use it to guess the new one.
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await _app.CreateClient().PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "new horse battery" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInWithCookie(user.Email, name, value, "new horse battery")).StatusCode);
    }

    [Fact]
    public async Task A_changed_password_ends_the_device_cookies_given_under_the_old_one_but_the_changing_browser_keeps_its_place()
    {
        Lower("FailedSignInsPerAccount");
        _app.WebSettings["RateLimits:Window"] = "00:02:00";
        var laptop = _app.CreateClient();
        var user = await laptop.SignUpAndSignIn(_app, verify: false);
        var (name, oldValue) = NameAndValue(Assert.Single(DeviceCookies(await SignIn(laptop, user.Email))));
        // The password changes from the laptop (the dashboard calls the API from the browser).
        using (var change = new HttpRequestMessage(HttpMethod.Patch, "/api/me")
        {
            Content = JsonContent.Create(new { currentPassword = "correct horse", password = "brand new horse" }),
        })
        {
            change.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", user.Token);
            var changed = await laptop.SendAsync(change);
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Single(DeviceCookies(changed));
        }
        await FailUntilRefused(_app.CreateClient(), user.Email);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await SignInWithCookie(user.Email, name, oldValue, "brand new horse")).StatusCode);
        Assert.Equal(HttpStatusCode.OK,
            (await laptop.PostAsJsonAsync("/api/auth/token", new { email = user.Email, password = "brand new horse" })).StatusCode);
    }

    [Fact]
    public async Task A_token_cannot_be_used_to_guess_the_current_password()
    {
        Lower("FailedSignInsPerAccount");
        _app.WebSettings["RateLimits:Window"] = "00:02:00";
        var user = await _app.CreateClient().SignUpAndSignIn(_app, verify: false);
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 2 * Limit + 1 && refused is null; i++)
        {
            var wrong = await user.Client.PatchAsJsonAsync("/api/me", new { currentPassword = "guess " + i, password = "taken over now" });
            if (wrong.StatusCode == HttpStatusCode.TooManyRequests) refused = wrong;
            else await wrong.AssertProblem(HttpStatusCode.BadRequest, "validation");
        }
        Assert.NotNull(refused);
        await refused!.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single()) >= 1);
        // The right one is held too, and nothing changed: the old password still signs in.
        await (await user.Client.PatchAsJsonAsync("/api/me", new { currentPassword = "correct horse", password = "taken over now" }))
            .AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal(HttpStatusCode.OK, (await SignIn(_app.CreateClient(), user.Email)).StatusCode);
        // Renaming needs no password and is not held.
        Assert.Equal(HttpStatusCode.OK, (await user.Client.PatchAsJsonAsync("/api/me", new { name = "Still Me" })).StatusCode);
    }

    private static IEnumerable<string> DeviceCookies(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies.Where(c => c.StartsWith("scheduler-device-", StringComparison.Ordinal)) : [];

    private static (string Name, string Value) NameAndValue(string setCookie)
    {
        var pair = setCookie.Split(';')[0];
        var equals = pair.IndexOf('=');
        return (pair[..equals], pair[(equals + 1)..]);
    }

    private async Task<HttpResponseMessage> SignInWithCookie(string email, string name, string value, string password = "correct horse")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/token")
        {
            Content = JsonContent.Create(new { email, password }),
        };
        request.Headers.Add("Cookie", $"{name}={value}");
        return await _app.CreateClient().SendAsync(request);
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
    public async Task Fetches_of_one_calendar_feed_are_limited_and_recover()
    {
        Lower("CalendarFeedFetchesPerOrganizer");
        var organizer = await Anonymous.SignUpAndSignIn(_app);
        var made = await organizer.Client.PostAsJsonAsync("/api/me/calendar-feed", new { currentPassword = "correct horse" });
        var feed = new Uri((await made.Json())["url"]!.GetValue<string>()).PathAndQuery;
        await BitesAndRecovers(_ => Anonymous.GetAsync(feed), HttpStatusCode.OK);
    }

    [Fact]
    public async Task Bookings_per_organizer_are_limited_and_recover()
    {
        Lower("BookingsPerOrganizer");
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(_app);
        var times = new[] { "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00" };
        await BitesAndRecovers(i => Anonymous.Book(eventTypeId, At(FutureMonday, times[i])), HttpStatusCode.Created);
    }

    [Fact]
    public async Task One_organizers_page_makes_Scheduler_mail_at_most_its_share_whoever_the_bookers_are()
    {
        _app.WebSettings["RateLimits:BookingMailsPerOrganizer"] = "3";
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(_app);
        var (_, otherEventType) = await Anonymous.OrganizerWithEventType(_app);
        var bookers = Enumerable.Range(0, 5).Select(i => $"stranger-{i}-{Guid.NewGuid():N}@example.com").ToList();
        for (var i = 0; i < bookers.Count; i++)
            Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, $"{9 + i:00}:00"), bookers[i])).StatusCode);
        // Another organizer's page still mails: the share is per organizer. Its mail comes after the
        // five queued before it (one front end sends in order).
        var other = $"other-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(otherEventType, At(FutureMonday, "09:00"), other)).StatusCode);
        await _app.Mail.WaitForMailsTo(other);
        Assert.Equal(3, bookers.Count(b => _app.Mail.MailsTo(b).Count == 1));
        Assert.All(bookers, b => Assert.True(_app.Mail.MailsTo(b).Count <= 1));
    }
}
