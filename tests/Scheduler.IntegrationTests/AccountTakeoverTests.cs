using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Issue 10, finding 1: signing up with an address someone booked with must not hand over their
/// bookings. The account sees them only after following the link mailed to the address.
/// </summary>
public sealed class AccountTakeoverTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    private async Task<Organizer> SignUpUnverified(string email, string name = "Mallory")
    {
        var created = await Anonymous.PostAsJsonAsync("/api/users", new { name, email, password = "mallory-password", timeZone = "UTC" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var user = await created.Json();
        Assert.False(user["emailVerified"]!.GetValue<bool>());
        var token = await Anonymous.TokenFor(email, "mallory-password");
        var client = fixture.App.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return new Organizer(user["id"]!.GetValue<Guid>(), email, token, client);
    }

    [Fact]
    public async Task A_sign_up_with_a_bookers_address_sees_nothing_of_theirs_until_the_mailed_link_is_followed()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = $"victim-{Guid.NewGuid():N}@example.com";
        var booked = await Anonymous.PostAsJsonAsync("/api/bookings",
            new { eventTypeId, start = At(FutureMonday, "09:00"), name = "Victim", email, notes = "private: my diagnosis" });
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var bookingId = (await booked.Json())["id"]!.GetValue<Guid>();

        var account = await SignUpUnverified(email);
        // A booking made with the address after the sign-up is not the account's either (yet).
        var later = await Anonymous.Book(eventTypeId, At(FutureMonday, "10:00"), email);
        Assert.Equal(HttpStatusCode.Created, later.StatusCode);
        var laterId = (await later.Json())["id"]!.GetValue<Guid>();

        Assert.Empty(await (await account.Client.GetAsync("/api/bookings?role=booker")).JsonArray());
        Assert.Empty(await account.Client.Notifications());
        Assert.Equal(0, (await (await account.Client.GetAsync("/api/notifications/unread-count")).Json())["count"]!.GetValue<int>());
        foreach (var id in new[] { bookingId, laterId })
        {
            await (await account.Client.GetAsync($"/api/bookings/{id}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
            await (await account.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel", new { reason = "mine now" }))
                .AssertProblem(HttpStatusCode.NotFound, "not-found");
        }

        // The owner of the address follows the link mailed to it: now the account is that booker.
        var verified = await Anonymous.FollowVerificationLink(fixture.App, email);
        Assert.True(verified["emailVerified"]!.GetValue<bool>());
        var mine = await (await account.Client.GetAsync("/api/bookings?role=booker")).JsonArray();
        Assert.Equal(new[] { bookingId, laterId }, mine.Select(b => b!["id"]!.GetValue<Guid>()));
        Assert.Equal("private: my diagnosis", mine[0]!["notes"]!.GetValue<string>());
        Assert.Equal(new[] { laterId, bookingId }, (await account.Client.Notifications()).Select(n => n!["bookingId"]!.GetValue<Guid>()));
        var one = await account.Client.GetAsync($"/api/bookings/{bookingId}");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.True((await (await account.Client.GetAsync("/api/me")).Json())["emailVerified"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_verification_link_works_once()
    {
        var email = $"once-{Guid.NewGuid():N}@example.com";
        await SignUpUnverified(email);
        var mail = (await fixture.App.Mail.WaitForMailsTo(email)).Single();
        Assert.NotNull(mail.VerificationToken);
        // 48 bytes in base64url: 16 of user id, 32 (256 bits) of secret.
        Assert.Equal(64, mail.VerificationToken!.Length);

        var first = await Anonymous.PostAsJsonAsync("/api/auth/verify-email", new { token = mail.VerificationToken });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var again = await Anonymous.PostAsJsonAsync("/api/auth/verify-email", new { token = mail.VerificationToken });
        await again.AssertProblem(HttpStatusCode.BadRequest, "invalid-verification");
        // A forged token (right user, wrong secret) and garbage are refused alike.
        var forged = mail.VerificationToken[..22] + new string('A', 42);
        await (await Anonymous.PostAsJsonAsync("/api/auth/verify-email", new { token = forged })).AssertProblem(HttpStatusCode.BadRequest, "invalid-verification");
        await (await Anonymous.PostAsJsonAsync("/api/auth/verify-email", new { token = "%%%" })).AssertProblem(HttpStatusCode.BadRequest, "invalid-verification");
    }

    [Fact]
    public async Task An_anonymous_booking_with_an_accounts_address_shows_in_its_bookings_with_no_more_rights_than_the_manage_token()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var owner = await Anonymous.SignUpAndSignIn(fixture.App, "UTC");

        var booked = await Anonymous.Book(eventTypeId, At(FutureMonday, "11:00"), owner.Email.ToUpperInvariant());
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var booking = await booked.Json();
        // The anonymous answer does not map the address to the account's id.
        Assert.Null(booking["userId"]);
        Assert.DoesNotContain(owner.Id.ToString(), await booked.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var id = booking["id"]!.GetValue<Guid>();
        var byToken = await Anonymous.GetAsync($"/api/bookings/{id}?token={Uri.EscapeDataString(booking["manageToken"]!.GetValue<string>())}");
        Assert.Null((await byToken.Json())["userId"]);

        // It is the account's address: the booking is in its bookings and it may view and cancel it,
        // as the manage token may; confirming stays the organizer's.
        var mine = await (await owner.Client.GetAsync("/api/bookings?role=booker")).JsonArray();
        Assert.Contains(mine, b => b!["id"]!.GetValue<Guid>() == id);
        await (await owner.Client.PostAsync($"/api/bookings/{id}/confirm", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var cancelled = await owner.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel", new { reason = "cannot make it" });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("booker", (await cancelled.Json())["cancelledBy"]!.GetValue<string>());
        Assert.NotNull((await (await organizer.Client.GetAsync($"/api/bookings/{id}")).Json())["userId"]);
    }

    [Fact]
    public async Task A_refused_booking_writes_no_row()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var taken = await Anonymous.Book(eventTypeId, At(FutureMonday, "13:00"));
        Assert.Equal(HttpStatusCode.Created, taken.StatusCode);
        var keyed = await Anonymous.Book(eventTypeId, At(FutureMonday, "14:00"), idempotencyKey: "k-" + Guid.NewGuid());
        Assert.Equal(HttpStatusCode.Created, keyed.StatusCode);
        var key = keyed.RequestMessage!.Headers.GetValues("Idempotency-Key").Single();

        var refusals = new (string What, Func<Task<HttpResponseMessage>> Send, HttpStatusCode Status, string Problem)[]
        {
            ("taken slot", () => Anonymous.Book(eventTypeId, At(FutureMonday, "13:00"), $"new-{Guid.NewGuid():N}@example.com"), HttpStatusCode.Conflict, "slot-unavailable"),
            ("off the grid", () => Anonymous.Book(eventTypeId, At(FutureMonday, "13:10"), $"new-{Guid.NewGuid():N}@example.com"), HttpStatusCode.UnprocessableEntity, "outside-availability"),
            ("outside the rules", () => Anonymous.Book(eventTypeId, At(FutureMonday.AddDays(-1), "10:00"), $"new-{Guid.NewGuid():N}@example.com"), HttpStatusCode.UnprocessableEntity, "outside-availability"),
            ("unknown event type", () => Anonymous.Book(Guid.NewGuid(), At(FutureMonday, "15:00"), $"new-{Guid.NewGuid():N}@example.com"), HttpStatusCode.NotFound, "not-found"),
            ("key reused", () => Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), $"new-{Guid.NewGuid():N}@example.com", key), HttpStatusCode.UnprocessableEntity, "idempotency-mismatch"),
            ("invalid email", () => Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), "not an address"), HttpStatusCode.BadRequest, "validation"),
            ("offset beyond 14:00", () => Anonymous.Book(eventTypeId, "2031-03-03T10:00:00+15:00", $"new-{Guid.NewGuid():N}@example.com"), HttpStatusCode.BadRequest, "validation"),
        };
        foreach (var (what, send, status, problem) in refusals)
        {
            var before = await RowCounts();
            await (await send()).AssertProblem(status, problem);
            Assert.True(before == await RowCounts(), $"{what}: rows changed");
        }
        Assert.Equal(2, (await (await organizer.Client.GetAsync("/api/bookings")).JsonArray()).Count);
    }

    private async Task<string> RowCounts()
    {
        await using var connection = new NpgsqlConnection(fixture.App.ConnectionString);
        await connection.OpenAsync();
        var tables = new[] { "users", "credentials", "bookings", "events", "notifications", "idempotency_replies", "email_verifications", "calendars" };
        await using var command = new NpgsqlCommand(
            "select " + string.Join(" || ',' || ", tables.Select(t => $"'{t}=' || (select count(*) from {t})")) +
            " || ',' || (select coalesce(sum(version), 0) from calendars)", connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}

/// <summary>Links expire: after 24 hours a link is refused, and a new one can be asked for.</summary>
public sealed class VerificationExpiryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("verify-expiry", time: _time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_link_older_than_24_hours_is_refused_and_a_new_one_works()
    {
        var anonymous = _app.CreateClient();
        var account = await anonymous.SignUpAndSignIn(_app, "UTC", verify: false);
        var first = (await _app.Mail.WaitForMailsTo(account.Email)).Single();

        _time.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        await (await anonymous.PostAsJsonAsync("/api/auth/verify-email", new { token = first.VerificationToken }))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid-verification");
        Assert.False((await (await account.Client.GetAsync("/api/me")).Json())["emailVerified"]!.GetValue<bool>());

        Assert.Equal(HttpStatusCode.Accepted, (await account.Client.PostAsync("/api/me/verify-email", null)).StatusCode);
        await anonymous.FollowVerificationLink(_app, account.Email, mailNumber: 2);
        Assert.True((await (await account.Client.GetAsync("/api/me")).Json())["emailVerified"]!.GetValue<bool>());
        await (await account.Client.PostAsync("/api/me/verify-email", null)).AssertProblem(HttpStatusCode.Conflict, "already-verified");
    }

    [Fact]
    public async Task An_account_gets_at_most_one_link_a_minute_and_five_live_links()
    {
        var anonymous = _app.CreateClient();
        var account = await anonymous.SignUpAndSignIn(_app, "UTC", verify: false);
        await _app.Mail.WaitForMailsTo(account.Email);
        var again = await account.Client.PostAsync("/api/me/verify-email", null);
        await again.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        Assert.Equal("60", again.Headers.GetValues("Retry-After").Single());

        for (var mails = 2; mails <= 5; mails++)
        {
            _time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal(HttpStatusCode.Accepted, (await account.Client.PostAsync("/api/me/verify-email", null)).StatusCode);
            await _app.Mail.WaitForMailsTo(account.Email, mails);
        }
        _time.Advance(TimeSpan.FromMinutes(2));
        var full = await account.Client.PostAsync("/api/me/verify-email", null);
        await full.AssertProblem(HttpStatusCode.TooManyRequests, "rate-limited");
        // Retry-After says when the oldest link expires, not another minute.
        Assert.Equal((int)(EmailVerification.Lifetime - TimeSpan.FromMinutes(10)).TotalSeconds, int.Parse(full.Headers.GetValues("Retry-After").Single()));

        // Once the first link has expired there is room again.
        _time.Advance(EmailVerification.Lifetime - TimeSpan.FromMinutes(9));
        var token = await anonymous.TokenFor(account.Email, "correct horse");
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/me/verify-email", null)).StatusCode);
        Assert.Equal(6, (await _app.Mail.WaitForMailsTo(account.Email, 6)).Count);
    }
}
