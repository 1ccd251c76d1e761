using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Time.Testing;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Forgotten passwords, and an address someone else signed up with: a link mailed to the address sets
/// a new password, verifies the address and ends every earlier token, so its owner takes the account
/// back. Asking never says whether an address has an account.
/// </summary>
public sealed class PasswordResetTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.App.CreateClient();

    [Fact]
    public async Task The_owner_of_an_address_takes_back_the_account_someone_else_signed_up_with_it()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = $"owner-{Guid.NewGuid():N}@example.com";
        var booked = await Anonymous.PostAsJsonAsync("/api/bookings",
            new { eventTypeId, start = At(FutureMonday, "09:00"), name = "Owner", email, notes = "private: my diagnosis" });
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var bookingId = (await booked.Json())["id"]!.GetValue<Guid>();

        // Mallory signs up with the owner's address and never sees its mail: her sign-up holds the address.
        var mallory = await Anonymous.SignUpAndSignIn(fixture.App, "UTC", email, verify: false);
        Assert.Equal(HttpStatusCode.Created, (await mallory.Client.PostAsJsonAsync("/api/event-types", new { title = "Mallory's", durationMinutes = 30 })).StatusCode);
        var ownSignUp = await Anonymous.PostAsJsonAsync("/api/users", new { name = "Owner", email, password = "owner password", timeZone = "UTC" });
        await ownSignUp.AssertProblem(HttpStatusCode.Conflict, "email-taken");

        // The owner asks for a reset (in other letters' case) and follows the link that reaches the address.
        Assert.Equal(HttpStatusCode.Accepted, (await Anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = email.ToUpperInvariant() })).StatusCode);
        var token = await ResetTokenMailedTo(email);
        Assert.Equal(64, token.Length);
        var reset = await Anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token, password = "owner password" });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var user = await reset.Json();
        Assert.Equal(mallory.Id, user["id"]!.GetValue<Guid>());
        Assert.True(user["emailVerified"]!.GetValue<bool>());

        // Mallory is out: her token ends at once, her password no longer works.
        await (await mallory.Client.GetAsync("/api/me")).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        await (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email, password = "correct horse" }))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid-credentials");

        // The owner signs in with the new password and, the address now proved, sees what was booked with it.
        var owner = fixture.App.CreateClient();
        owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await Anonymous.TokenFor(email, "owner password"));
        var mine = await (await owner.GetAsync("/api/bookings?role=booker")).JsonArray();
        Assert.Equal(bookingId, Assert.Single(mine)!["id"]!.GetValue<Guid>());
        Assert.Equal("private: my diagnosis", mine[0]!["notes"]!.GetValue<string>());

        // The link worked once.
        await (await Anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token, password = "mallory again" }))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid-reset");
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task A_forged_link_in_an_accounts_name_is_refused_and_leaves_the_real_one_working()
    {
        var account = await Anonymous.SignUpAndSignIn(fixture.App, "UTC");
        Assert.Equal(HttpStatusCode.Accepted, (await Anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = account.Email })).StatusCode);
        var real = await ResetTokenMailedTo(account.Email);

        // User ids are public (an event type shows its organizer's): the account's id with a made-up secret.
        var forged = new byte[48];
        account.Id.TryWriteBytes(forged.AsSpan(0, 16), bigEndian: true, out _);
        System.Security.Cryptography.RandomNumberGenerator.Fill(forged.AsSpan(16));
        var forgedToken = Convert.ToBase64String(forged).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.Equal(real[..21], forgedToken[..21]); // the same 16-byte id in front
        await (await Anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = forgedToken, password = "the forger's password" }))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid-reset");
        await (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = account.Email, password = "the forger's password" }))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
        Assert.Equal(HttpStatusCode.OK, (await account.Client.GetAsync("/api/me")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await Anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = real, password = "the owner's password" })).StatusCode);
        Assert.NotNull(await Anonymous.TokenFor(account.Email, "the owner's password"));
    }

    [Fact]
    public async Task No_token_signed_in_with_the_old_password_outlives_a_reset_that_raced_it()
    {
        var account = await Anonymous.SignUpAndSignIn(fixture.App, "UTC");
        Assert.Equal(HttpStatusCode.Accepted, (await Anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = account.Email })).StatusCode);
        var token = await ResetTokenMailedTo(account.Email);

        // Sign-ins with the old password keep going while the reset happens (the intruder's loop).
        var tokens = new System.Collections.Concurrent.ConcurrentBag<string>();
        var refused = 0;
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
        {
            var client = fixture.App.CreateClient();
            while (!stop.IsCancellationRequested)
            {
                var answer = await client.PostAsJsonAsync("/api/auth/token", new { email = account.Email, password = "correct horse" });
                if (answer.StatusCode == HttpStatusCode.OK) tokens.Add((await answer.Json())["accessToken"]!.GetValue<string>());
                else if (answer.StatusCode == HttpStatusCode.Unauthorized) Interlocked.Increment(ref refused);
            }
        })).ToList();
        await Eventually(() => Task.FromResult(tokens.Count >= 6), what: "sign-ins before the reset");
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token, password = "the new password" })).StatusCode);
        // Every loop's sign-in in flight at the reset has finished once the old password is refused.
        await Eventually(() => Task.FromResult(Volatile.Read(ref refused) >= 6), what: "the old password refused after the reset");
        await stop.CancelAsync();
        await Task.WhenAll(loops);

        foreach (var old in tokens)
        {
            var me = await fixture.App.CreateClient().SendAsync(Scheduler.TestSupport.Requests.Authorized(HttpMethod.Get, "/api/me", old));
            Assert.Equal(HttpStatusCode.Unauthorized, me.StatusCode);
        }
    }

    [Fact]
    public async Task Signing_up_on_a_bookers_address_keeps_the_address_as_the_account_writes_it()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = $"spelled-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "16:00"), email.ToUpperInvariant())).StatusCode);
        var created = await Anonymous.PostAsJsonAsync("/api/users", new { name = "Spelled", email, password = "long-enough", timeZone = "UTC" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(email, (await created.Json())["email"]!.GetValue<string>());
        // The verification mail goes to the address as the account wrote it (the booking's mail went as the booking wrote it).
        var verification = Assert.Single(await fixture.App.Mail.WaitForMailsTo(email, which: m => m.VerificationToken is not null));
        Assert.Equal(email, Assert.Single(verification.Recipients));
    }

    [Fact]
    public async Task Asking_answers_alike_for_every_address_and_mails_only_an_account_at_most_once_a_minute()
    {
        var account = await Anonymous.SignUpAndSignIn(fixture.App, "UTC");
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var bookerOnly = $"booker-{Guid.NewGuid():N}@example.com";
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "10:00"), bookerOnly)).StatusCode);
        var nobody = $"nobody-{Guid.NewGuid():N}@example.com";

        // Requests are handled in order: once the account's second request is answered by the last
        // address's mail, every earlier one has been handled too.
        foreach (var address in new[] { nobody, bookerOnly, account.Email, account.Email })
        {
            var asked = await Anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = address });
            Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
            Assert.Equal("", await asked.Content.ReadAsStringAsync());
        }
        var last = await Anonymous.SignUpAndSignIn(fixture.App, "UTC");
        Assert.Equal(HttpStatusCode.Accepted, (await Anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = last.Email })).StatusCode);
        await ResetTokenMailedTo(last.Email);

        Assert.Empty(fixture.App.Mail.MailsTo(nobody));
        // The booker-only address got its booking's mail, and no reset link: it has no account.
        Assert.All(fixture.App.Mail.MailsTo(bookerOnly), m => Assert.True(m.IsBookingMail, m.Subject));
        Assert.Single(fixture.App.Mail.MailsTo(account.Email), m => m.ResetToken is not null);

        await (await Anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = "not an address" }))
            .AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await Anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = "%%%", password = "long enough password" }))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid-reset");
    }

    private async Task<string> ResetTokenMailedTo(string email)
    {
        string? token = null;
        await Eventually(() => Task.FromResult((token = fixture.App.Mail.MailsTo(email).Select(m => m.ResetToken).LastOrDefault(t => t is not null)) is not null),
            what: $"a reset mail to {email}");
        return token!;
    }
}

/// <summary>Reset links expire after an hour, and using one ends the account's older ones.</summary>
public sealed class PasswordResetExpiryTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(TimeProvider.System.GetUtcNow());
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("reset-expiry", time: _time);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_link_works_for_an_hour_and_a_used_one_ends_the_others()
    {
        var anonymous = _app.CreateClient();
        var account = await anonymous.SignUpAndSignIn(_app, "UTC");

        var first = await AskForLink(anonymous, account.Email, 1);
        _time.Advance(TimeSpan.FromMinutes(2));
        var second = await AskForLink(anonymous, account.Email, 2);
        // Weak passwords are refused as at sign-up, and leave the link usable.
        await (await anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = second, password = "password" }))
            .AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = second, password = "second password" })).StatusCode);
        await (await anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = first, password = "first password" }))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid-reset");

        _time.Advance(TimeSpan.FromMinutes(2));
        var third = await AskForLink(anonymous, account.Email, 3);
        _time.Advance(PasswordReset.Lifetime + TimeSpan.FromMinutes(1));
        await (await anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = third, password = "third password" }))
            .AssertProblem(HttpStatusCode.BadRequest, "invalid-reset");

        Assert.NotNull(await anonymous.TokenFor(account.Email, "second password"));
        await (await anonymous.PostAsJsonAsync("/api/auth/token", new { email = account.Email, password = "correct horse" }))
            .AssertProblem(HttpStatusCode.Unauthorized, "invalid-credentials");
    }

    [Fact]
    public async Task An_address_gets_at_most_three_reset_mails_an_hour_however_many_ask()
    {
        var anonymous = _app.CreateClient();
        var account = await anonymous.SignUpAndSignIn(_app, "UTC");
        for (var i = 1; i <= 3; i++)
        {
            await AskForLink(anonymous, account.Email, i);
            _time.Advance(TimeSpan.FromMinutes(2));
        }
        // The fourth request is answered like the others, and mails nothing: a later account's mail
        // (the queue is handled in order) shows it was handled.
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = account.Email })).StatusCode);
        var other = await anonymous.SignUpAndSignIn(_app, "UTC");
        await AskForLink(anonymous, other.Email, 1);
        Assert.Equal(3, _app.Mail.MailsTo(account.Email).Count(m => m.ResetToken is not null));

        // Once the first link has expired, there is room for one more.
        _time.Advance(PasswordReset.Lifetime - TimeSpan.FromMinutes(5));
        await AskForLink(anonymous, account.Email, 4);
    }

    private async Task<string> AskForLink(HttpClient anonymous, string email, int number)
    {
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email })).StatusCode);
        string? token = null;
        await Eventually(() => Task.FromResult((token = _app.Mail.MailsTo(email).Select(m => m.ResetToken).Where(t => t is not null).ElementAtOrDefault(number - 1)) is not null),
            what: $"reset mail #{number}");
        return token!;
    }
}
