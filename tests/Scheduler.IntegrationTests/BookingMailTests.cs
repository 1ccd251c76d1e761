using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using Scheduler.TestSupport;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Mail to bookers (README, "Mail"): the booking with its manage link when it is made, and again when
/// the organizer confirms, declines or cancels it. One front end sends its mails in the order it
/// queued them, so a test proves that a mail was *not* sent by booking for a fresh address afterwards
/// and waiting for that mail: anything queued before it has been sent by then.
/// </summary>
public sealed class BookingMailTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.App.CreateClient();

    private static string NewAddress(string who) => $"{who}-{Guid.NewGuid():N}@example.com";

    /// <summary>Books for a fresh address and waits for its mail: every mail queued before has gone out.</summary>
    private async Task Barrier(Guid eventTypeId, string start)
    {
        var address = NewAddress("barrier");
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, start, address)).StatusCode);
        await fixture.App.Mail.WaitForMailsTo(address);
    }

    [Fact]
    public async Task A_booker_is_mailed_the_booking_with_links_that_open_and_cancel_it_and_only_once()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = NewAddress("booker");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/bookings")
        {
            Content = JsonContent.Create(new { eventTypeId, start = At(FutureMonday, "09:00"), name = "Bob Booker", email, notes = "my private notes" }),
        };
        request.Headers.Add("Idempotency-Key", "mail-once");
        var booked = await Anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var bookingId = (await booked.Json())["id"]!.GetValue<Guid>();

        var mail = Assert.Single(await fixture.App.Mail.WaitForMailsTo(email));
        Assert.Equal([email], mail.Recipients);
        Assert.Equal("Booked: Intro call with Olga Organizer", mail.Subject);
        // The time in the organizer's zone, named; what the organizer wrote; nothing the booker typed.
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{FutureMonday:dddd d MMMM yyyy}, 09:00 to 09:30 (Europe/Berlin)"), mail.Text);
        Assert.Contains("Where: Video", mail.Text);
        Assert.DoesNotContain("Bob Booker", mail.Text);
        Assert.DoesNotContain("my private notes", mail.Text);

        // The manage link is the booking's and its token opens it, its calendar file, and cancels it.
        Assert.Matches($"^https?://[^/]+/manage/{bookingId}\\?token=", mail.ManageLink);
        var token = mail.ManageToken!;
        var seen = await Anonymous.GetAsync($"/api/bookings/{bookingId}?token={Uri.EscapeDataString(token)}");
        Assert.Equal(HttpStatusCode.OK, seen.StatusCode);
        Assert.Equal("my private notes", (await seen.Json())["notes"]!.GetValue<string>());
        var file = await Anonymous.GetAsync(mail.CalendarFilePath);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Contains($"UID:{bookingId}@scheduler", await file.Content.ReadAsStringAsync());

        // A replay of the request answers again but mails nothing; a refused booking mails nothing.
        var replay = new HttpRequestMessage(HttpMethod.Post, "/api/bookings")
        {
            Content = JsonContent.Create(new { eventTypeId, start = At(FutureMonday, "09:00"), name = "Bob Booker", email, notes = "my private notes" }),
        };
        replay.Headers.Add("Idempotency-Key", "mail-once");
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.SendAsync(replay)).StatusCode);
        var refused = NewAddress("refused");
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), refused)).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        // The booker cancelling with the link sees it on the page: no mail for that either.
        var cancelled = await Anonymous.PostAsJsonAsync($"/api/bookings/{bookingId}/cancel?token={Uri.EscapeDataString(token)}", new { reason = "changed my mind" });
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        await Barrier(eventTypeId, At(FutureMonday, "10:00"));
        Assert.Single(fixture.App.Mail.MailsTo(email));
        Assert.Empty(fixture.App.Mail.MailsTo(refused));
    }

    [Fact]
    public async Task A_retry_after_an_unknown_outcome_still_brings_the_booking_mail_once()
    {
        var (_, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = NewAddress("unlucky");
        // The commit happens, but its answer is lost: the booker is told 503, retry.
        fixture.App.Faults.FailNextWrites("calendar", 1, FaultMode.FailAfterWrite);
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "13:00"), email, "lost-answer")).AssertProblem(HttpStatusCode.ServiceUnavailable, "retry");
        var retried = await Anonymous.Book(eventTypeId, At(FutureMonday, "13:00"), email, "lost-answer");
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var bookingId = (await retried.Json())["id"]!.GetValue<Guid>();
        var mail = Assert.Single(await fixture.App.Mail.WaitForMailsTo(email));
        Assert.Matches($"^https?://[^/]+/manage/{bookingId}\\?token=", mail.ManageLink);

        // Retrying once more (an answer that did arrive) mails nothing more.
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "13:00"), email, "lost-answer")).StatusCode);
        await Barrier(eventTypeId, At(FutureMonday, "13:30"));
        Assert.Single(fixture.App.Mail.MailsTo(email));
    }

    [Fact]
    public async Task A_booking_waiting_for_confirmation_is_mailed_as_requested_then_as_confirmed_or_declined()
    {
        var (organizer, plainEventType) = await Anonymous.OrganizerWithEventType(fixture.App);
        var created = await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Deep dive", durationMinutes = 60, location = "Office 3", requiresConfirmation = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var eventTypeId = (await created.Json())["id"]!.GetValue<Guid>();

        var confirmedBooker = NewAddress("confirmed");
        var confirmedBooking = (await (await Anonymous.Book(eventTypeId, At(FutureMonday, "11:00"), confirmedBooker)).Json())["id"]!.GetValue<Guid>();
        var requested = Assert.Single(await fixture.App.Mail.WaitForMailsTo(confirmedBooker));
        Assert.Equal("Requested: Deep dive with Olga Organizer", requested.Subject);
        Assert.Contains("you will get another mail when they confirm or decline it", requested.Text);
        Assert.NotNull(requested.ManageLink);
        // The organizer is told a booking waits for them, with the way to their dashboard; no manage link.
        var request = Assert.Single(await fixture.App.Mail.WaitForMailsTo(organizer.Email, which: m => m.Subject.StartsWith("Booking request:", StringComparison.Ordinal)));
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"Booking request: Deep dive, {FutureMonday:dddd d MMMM yyyy}, 11:00 to 12:00 (Europe/Berlin)"), request.Subject);
        Assert.Contains("  Who:   Bob Booker", request.Text);
        Assert.Matches(@"https?://[^/\s]+/dashboard\n", request.Text);
        Assert.Null(request.ManageLink);

        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsync($"/api/bookings/{confirmedBooking}/confirm", null)).StatusCode);
        var mails = await fixture.App.Mail.WaitForMailsTo(confirmedBooker, 2);
        var confirmed = mails[1];
        Assert.Equal("Confirmed: Deep dive with Olga Organizer", confirmed.Subject);
        Assert.Contains("Olga Organizer confirmed your booking.", confirmed.Text);
        Assert.Contains("11:00 to 12:00 (Europe/Berlin)", confirmed.Text);
        // The confirmation mail carries the booker's own working link again.
        Assert.Equal(requested.ManageLink, confirmed.ManageLink);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.GetAsync($"/api/bookings/{confirmedBooking}?token={Uri.EscapeDataString(confirmed.ManageToken!)}")).StatusCode);
        // Confirming again changes nothing and mails nothing.
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsync($"/api/bookings/{confirmedBooking}/confirm", null)).StatusCode);

        var declinedBooker = NewAddress("declined");
        var declinedBooking = (await (await Anonymous.Book(eventTypeId, At(FutureMonday, "14:00"), declinedBooker)).Json())["id"]!.GetValue<Guid>();
        await fixture.App.Mail.WaitForMailsTo(declinedBooker);
        Assert.Equal(HttpStatusCode.OK,
            (await organizer.Client.PostAsJsonAsync($"/api/bookings/{declinedBooking}/cancel", new { reason = "I am away that week" })).StatusCode);
        var declined = (await fixture.App.Mail.WaitForMailsTo(declinedBooker, 2))[1];
        Assert.Equal("Cancelled: Deep dive with Olga Organizer", declined.Subject);
        Assert.Contains("Olga Organizer cancelled your booking, saying: \"I am away that week\"", declined.Text);
        // Nothing left to manage, but the calendar file now says cancelled, for the entry the booker added.
        Assert.Null(declined.ManageLink);
        var file = await Anonymous.GetAsync(declined.CalendarFilePath);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        Assert.Contains("STATUS:CANCELLED", await file.Content.ReadAsStringAsync());

        await Barrier(plainEventType, At(FutureMonday, "16:00"));
        Assert.Equal(2, fixture.App.Mail.MailsTo(confirmedBooker).Count);
        Assert.Equal(2, fixture.App.Mail.MailsTo(declinedBooker).Count);
        // One request mail per pending booking, none for the plain event type's barrier booking.
        Assert.Equal(2, fixture.App.Mail.MailsTo(organizer.Email).Count(m => m.Subject.StartsWith("Booking request:", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Withdrawing_an_event_type_with_its_bookings_mails_each_booker_the_cancellation()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var (_, otherEventType) = await Anonymous.OrganizerWithEventType(fixture.App);
        var bookers = new[] { NewAddress("first"), NewAddress("second") };
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), bookers[0])).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "10:00"), bookers[1])).StatusCode);
        foreach (var booker in bookers) await fixture.App.Mail.WaitForMailsTo(booker);

        // Refused without cancelBookings: nothing changes, nobody is mailed.
        await (await organizer.Client.DeleteAsync($"/api/event-types/{eventTypeId}")).AssertProblem(HttpStatusCode.Conflict, "has-bookings");
        await Barrier(otherEventType, At(FutureMonday, "09:00"));
        Assert.All(bookers, booker => Assert.Single(fixture.App.Mail.MailsTo(booker)));

        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.DeleteAsync($"/api/event-types/{eventTypeId}?cancelBookings=true")).StatusCode);
        foreach (var booker in bookers)
        {
            var cancelled = (await fixture.App.Mail.WaitForMailsTo(booker, 2))[1];
            Assert.Equal("Cancelled: Intro call with Olga Organizer", cancelled.Subject);
            Assert.Contains("The event type was withdrawn by the organizer.", cancelled.Text);
        }
    }

    [Fact]
    public async Task One_mailbox_gets_a_bounded_number_of_booking_mails_and_reserved_domains_get_none()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        // Someone books eleven slots in a stranger's name, varying the "+tag" and the case: the
        // stranger's mailbox gets ten "booked" mails in the hour, not eleven.
        var mailbox = $"victim-{Guid.NewGuid():N}";
        var addresses = Enumerable.Range(1, 11).Select(i => i % 2 == 0 ? $"{mailbox}+{i}@example.com" : $"{mailbox.ToUpperInvariant()}+{i}@Example.com").ToList();
        var bookings = new List<Guid>();
        for (var i = 0; i < addresses.Count; i++)
        {
            var booked = await Anonymous.Book(eventTypeId, At(FutureMonday, $"{9 + i / 2:00}:{(i % 2) * 30:00}"), addresses[i]);
            Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
            bookings.Add((await booked.Json())["id"]!.GetValue<Guid>());
        }
        // An address under a top-level domain that never takes mail (RFC 2606, RFC 6761) gets none.
        var reserved = $"booker-{Guid.NewGuid():N}@loadtest.example";
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), reserved)).StatusCode);

        await Barrier(eventTypeId, At(FutureMonday, "16:00"));
        var received = addresses.SelectMany(a => fixture.App.Mail.MailsTo(a)).Distinct().ToList();
        Assert.Equal(10, received.Count);
        Assert.All(received, m => Assert.StartsWith("Booked: Intro call", m.Subject));
        Assert.Empty(fixture.App.Mail.MailsTo(reserved));

        // The organizer's own news has a budget of its own: the flood did not use it up.
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{bookings[^1]}/cancel", new { reason = "double booked" })).StatusCode);
        var cancelled = (await fixture.App.Mail.WaitForMailsTo(addresses[^1], which: m => m.Subject.StartsWith("Cancelled:", StringComparison.Ordinal))).Single();
        Assert.Contains("saying: \"double booked\"", cancelled.Text);
    }

    [Fact]
    public async Task Organizers_text_goes_in_on_one_line_under_a_fixed_sender_line_and_unverified_organizers_mail_no_one()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = NewAddress("booker");
        var bookingId = (await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), email)).Json())["id"]!.GetValue<Guid>();
        await fixture.App.Mail.WaitForMailsTo(email);
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{bookingId}/cancel",
            new { reason = "Sorry.\r\n\r\nURGENT: your account is locked, sign in at http://phish.example/\u202Egnp.exe" })).StatusCode);
        var cancelled = (await fixture.App.Mail.WaitForMailsTo(email, 2))[1];
        var lines = cancelled.Text.Split('\n');
        Assert.DoesNotContain(lines, line => line.StartsWith("URGENT", StringComparison.Ordinal));
        Assert.Contains("saying: \"Sorry. URGENT: your account is locked, sign in at http://phish.example/ gnp.exe\"", cancelled.Text);
        Assert.Contains("Sent by Scheduler for Olga Organizer, whose booking page this booking was made on.", cancelled.Text);

        // An organizer who never proved their address cannot make Scheduler mail anyone.
        var unverified = await Anonymous.SignUpAndSignIn(fixture.App, "Europe/Berlin", verify: false);
        Assert.Equal(HttpStatusCode.OK, (await unverified.Client.PutAsJsonAsync("/api/availability",
            new[] { new { dayOfWeek = "Monday", startTime = "09:00", endTime = "17:00" } })).StatusCode);
        var created = await unverified.Client.PostAsJsonAsync("/api/event-types", new { title = "Free prize", durationMinutes = 30 });
        var unverifiedType = (await created.Json())["id"]!.GetValue<Guid>();
        // Booking pages can tell: only the verified organizer's page says its bookers are mailed.
        Assert.False((await (await Anonymous.GetAsync($"/api/event-types/{unverifiedType}")).Json())["organizer"]!["mailsBookers"]!.GetValue<bool>());
        Assert.True((await (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}")).Json())["organizer"]!["mailsBookers"]!.GetValue<bool>());
        var target = NewAddress("target");
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(unverifiedType, At(FutureMonday, "09:00"), target)).StatusCode);
        await Barrier(eventTypeId, At(FutureMonday, "10:00"));
        Assert.Empty(fixture.App.Mail.MailsTo(target));
    }

    [Fact]
    public async Task Lost_links_are_mailed_to_the_address_for_its_upcoming_bookings_only_and_the_answer_never_says_whether_it_booked()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var (_, otherEventType) = await Anonymous.OrganizerWithEventType(fixture.App);
        var email = NewAddress("forgetful");
        var first = (await (await Anonymous.Book(eventTypeId, At(FutureMonday, "11:00"), email)).Json())["id"]!.GetValue<Guid>();
        var second = (await (await Anonymous.Book(otherEventType, At(FutureMonday, "09:00"), email.ToUpperInvariant())).Json())["id"]!.GetValue<Guid>();
        var withdrawn = (await (await Anonymous.Book(eventTypeId, At(FutureMonday, "13:00"), email)).Json())["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{withdrawn}/cancel", new { reason = "no" })).StatusCode);
        // A page whose organizer never proved their address: its booking is not listed (its text is theirs).
        var unverified = await Anonymous.SignUpAndSignIn(fixture.App, "Europe/Berlin", verify: false);
        await unverified.Client.PutAsJsonAsync("/api/availability", new[] { new { dayOfWeek = "Monday", startTime = "09:00", endTime = "17:00" } });
        var unverifiedType = (await (await unverified.Client.PostAsJsonAsync("/api/event-types", new { title = "Click here", durationMinutes = 30 })).Json())["id"]!.GetValue<Guid>();
        var hidden = (await (await Anonymous.Book(unverifiedType, At(FutureMonday, "10:00"), email)).Json())["id"]!.GetValue<Guid>();

        var nobody = NewAddress("nobody");
        foreach (var address in new[] { nobody, email })
        {
            var asked = await Anonymous.PostAsJsonAsync("/api/bookings/links", new { email = address });
            Assert.Equal(HttpStatusCode.Accepted, asked.StatusCode);
            Assert.Equal("", await asked.Content.ReadAsStringAsync());
        }
        var mail = Assert.Single(await fixture.App.Mail.WaitForMailsTo(email, which: m => m.Subject == "Your upcoming bookings"));
        // Earliest first, the cancelled one left out; each link opens its booking.
        Assert.Equal([second, first], mail.ManageLinks.Select(link => Guid.Parse(link.Split('/', '?')[4])));
        foreach (var link in mail.ManageLinks)
        {
            var path = new Uri(link).PathAndQuery.Replace("/manage/", "/api/bookings/", StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await Anonymous.GetAsync(path)).StatusCode);
        }
        Assert.DoesNotContain(withdrawn.ToString(), mail.Text);
        Assert.DoesNotContain(hidden.ToString(), mail.Text);
        Assert.DoesNotContain("Click here", mail.Text);
        Assert.Empty(fixture.App.Mail.MailsTo(nobody)); // asked before the address that did book: handled in order

        // Three a mailbox an hour: a fourth request is answered alike and mails nothing.
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await Anonymous.PostAsJsonAsync("/api/bookings/links", new { email })).StatusCode);
        var barrier = NewAddress("barrier");
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), barrier)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await Anonymous.PostAsJsonAsync("/api/bookings/links", new { email = barrier })).StatusCode);
        await fixture.App.Mail.WaitForMailsTo(barrier, which: m => m.Subject == "Your upcoming bookings");
        Assert.Equal(3, fixture.App.Mail.MailsTo(email).Count(m => m.Subject == "Your upcoming bookings"));

        await (await Anonymous.PostAsJsonAsync("/api/bookings/links", new { email = "not an address" })).AssertProblem(HttpStatusCode.BadRequest, "validation");
    }
}
