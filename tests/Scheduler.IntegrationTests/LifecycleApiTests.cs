using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>Events, confirmation, notifications, booker listings, accounts and event-type lifecycle.</summary>
public sealed class LifecycleApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    private async Task<(Organizer Organizer, Guid EventTypeId)> OrganizerNeedingConfirmation()
    {
        var (organizer, _) = await Anonymous.OrganizerWithEventType(fixture.App);
        var created = await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Screening", durationMinutes = 30, location = "Phone", requiresConfirmation = true });
        Assert.True((await created.Json())["requiresConfirmation"]!.GetValue<bool>());
        return (organizer, (await created.Json())["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Each_booking_creates_its_event_visible_to_the_organizer_only()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var booking = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).Json();
        var eventId = booking["eventId"]!.GetValue<Guid>();

        var listed = await (await organizer.Client.GetAsync("/api/events")).JsonArray();
        var occurrence = Assert.Single(listed);
        Assert.Equal(eventId, occurrence!["id"]!.GetValue<Guid>());
        Assert.Equal(eventTypeId, occurrence["eventTypeId"]!.GetValue<Guid>());
        Assert.Equal(organizer.Id, occurrence["userId"]!.GetValue<Guid>());
        Assert.Equal("Intro call", occurrence["title"]!.GetValue<string>());
        Assert.Equal("Video", occurrence["location"]!.GetValue<string>());
        Assert.Equal(booking["start"]!.GetValue<DateTimeOffset>(), occurrence["start"]!.GetValue<DateTimeOffset>());
        Assert.Equal(booking["end"]!.GetValue<DateTimeOffset>(), occurrence["end"]!.GetValue<DateTimeOffset>());
        Assert.Equal([booking["id"]!.GetValue<Guid>()], occurrence["bookingIds"]!.AsArray().Select(b => b!.GetValue<Guid>()));

        var one = await organizer.Client.GetAsync($"/api/events/{eventId}");
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        var other = await Anonymous.SignUpAndSignIn(fixture.App);
        await (await other.Client.GetAsync($"/api/events/{eventId}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Empty(await (await other.Client.GetAsync("/api/events")).JsonArray());
        var mondayOnly = await (await organizer.Client.GetAsync($"/api/events?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}")).JsonArray();
        Assert.Single(mondayOnly);
        Assert.Empty(await (await organizer.Client.GetAsync($"/api/events?from={FutureMonday.AddDays(1):yyyy-MM-dd}&to={FutureMonday.AddDays(1):yyyy-MM-dd}")).JsonArray());
    }

    [Fact]
    public async Task A_pending_booking_is_confirmed_once_and_a_cancelled_one_cannot_be()
    {
        var (organizer, eventTypeId) = await OrganizerNeedingConfirmation();
        var pending = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "10:00"))).Json();
        Assert.Equal("Pending", pending["status"]!.GetValue<string>());
        var id = pending["id"]!.GetValue<Guid>();
        var token = pending["manageToken"]!.GetValue<string>();

        // A pending booking holds its slot.
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "10:00"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        // Only the organizer confirms: the booker's token does not.
        await (await Anonymous.PostAsync($"/api/bookings/{id}/confirm?token={token}", null)).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");

        var confirmed = await organizer.Client.PostAsync($"/api/bookings/{id}/confirm", null);
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var body = await confirmed.Json();
        Assert.Equal("Confirmed", body["status"]!.GetValue<string>());
        var again = await organizer.Client.PostAsync($"/api/bookings/{id}/confirm", null);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(body.ToJsonString(), (await again.Json()).ToJsonString());

        var other = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "11:00"))).Json();
        await organizer.Client.PostAsJsonAsync($"/api/bookings/{other["id"]}/cancel", new { reason = "No" });
        await (await organizer.Client.PostAsync($"/api/bookings/{other["id"]}/confirm", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-status");
        await (await organizer.Client.PostAsync($"/api/bookings/{Guid.NewGuid()}/confirm", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task Every_booking_change_notifies_organizer_and_booker_newest_first()
    {
        var (organizer, eventTypeId) = await OrganizerNeedingConfirmation();
        var booker = await Anonymous.SignUpAndSignIn(fixture.App);
        var booking = await (await booker.Client.Book(eventTypeId, At(FutureMonday, "14:00"))).Json();
        var id = booking["id"]!.GetValue<Guid>();
        await organizer.Client.PostAsync($"/api/bookings/{id}/confirm", null);
        await booker.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel", new { reason = "Changed my mind" });

        await Eventually(async () => (await organizer.Client.Notifications()).Count == 3 && (await booker.Client.Notifications()).Count == 3,
            what: "three notifications each");
        var mine = await organizer.Client.Notifications();
        Assert.Equal(["cancelled", "confirmed", "created"], mine.Select(n => n!["kind"]!.GetValue<string>()));
        Assert.All(mine, n => Assert.Equal(organizer.Id, n!["userId"]!.GetValue<Guid>()));
        Assert.All(mine, n => Assert.Equal(id, n!["bookingId"]!.GetValue<Guid>()));
        Assert.Contains("Changed my mind", mine[0]!["message"]!.GetValue<string>());
        Assert.Contains("Screening", mine[2]!["message"]!.GetValue<string>());
        var sentAt = mine.Select(n => n!["sentAt"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(sentAt.OrderDescending(), sentAt);
        Assert.All(mine, n => Assert.Null(n!["readAt"]?.GetValue<DateTimeOffset?>()));

        Assert.Equal(3, (await (await organizer.Client.GetAsync("/api/notifications/unread-count")).Json())["count"]!.GetValue<int>());
        var firstId = mine[0]!["id"]!.GetValue<Guid>();
        var read = await organizer.Client.PostAsync($"/api/notifications/{firstId}/read", null);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.NotNull((await read.Json())["readAt"]);
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsync($"/api/notifications/{firstId}/read", null)).StatusCode);
        Assert.Equal(2, (await (await organizer.Client.GetAsync("/api/notifications/unread-count")).Json())["count"]!.GetValue<int>());
        // Someone else's notification is not found.
        await (await booker.Client.PostAsync($"/api/notifications/{firstId}/read", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");

        var page = await organizer.Client.GetAsync("/api/notifications?limit=2");
        Assert.Equal(2, (await page.JsonArray()).Count);
        var link = page.Headers.GetValues("Link").Single();
        var rest = await (await organizer.Client.GetAsync(link[1..link.IndexOf('>')])).JsonArray();
        Assert.Equal(mine[2]!["id"]!.GetValue<Guid>(), Assert.Single(rest)!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task A_signed_in_booker_lists_their_bookings_across_organizers()
    {
        var (_, first) = await Anonymous.OrganizerWithEventType(fixture.App);
        var (_, second) = await Anonymous.OrganizerWithEventType(fixture.App, timeZone: "America/New_York");
        var booker = await Anonymous.SignUpAndSignIn(fixture.App);
        var a = await (await booker.Client.Book(first, At(FutureMonday, "09:00"))).Json();
        var b = await (await booker.Client.Book(second, At(FutureMonday, "09:00", "-05:00"))).Json();
        await Anonymous.Book(first, At(FutureMonday, "10:00")); // someone else's

        var mine = await (await booker.Client.GetAsync("/api/bookings?role=booker")).JsonArray();
        Assert.Equal([a["id"]!.GetValue<Guid>(), b["id"]!.GetValue<Guid>()], mine.Select(x => x!["id"]!.GetValue<Guid>()));
        Assert.Empty(await (await booker.Client.GetAsync("/api/bookings")).JsonArray());
        await (await booker.Client.GetAsync("/api/bookings?role=spy")).AssertProblem(HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task A_user_changes_name_zone_and_password()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App, durationMinutes: 60);
        var patched = await organizer.Client.PatchAsJsonAsync("/api/me", new { name = "Olga O.", timeZone = "Asia/Kolkata" });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("Olga O.", (await patched.Json())["name"]!.GetValue<string>());
        Assert.Equal("Asia/Kolkata", (await patched.Json())["timeZone"]!.GetValue<string>());

        // Availability is read in the new zone: 09:00 is now 09:00 in Kolkata.
        var slots = await (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}")).Json();
        Assert.Equal("Asia/Kolkata", slots["timeZone"]!.GetValue<string>());
        Assert.Equal(At(FutureMonday, "09:00", "+05:30"), slots["slots"]![0]!["start"]!.GetValue<string>());

        await (await organizer.Client.PatchAsJsonAsync("/api/me", new { password = "brand-new-password" })).AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await organizer.Client.PatchAsJsonAsync("/api/me", new { password = "brand-new-password", currentPassword = "wrong" })).AssertProblem(HttpStatusCode.BadRequest, "validation");
        await (await organizer.Client.PatchAsJsonAsync("/api/me", new { timeZone = "Atlantis/Capital" })).AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PatchAsJsonAsync("/api/me", new { password = "brand-new-password", currentPassword = "correct horse" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = organizer.Email, password = "correct horse" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email = organizer.Email, password = "brand-new-password" })).StatusCode);
    }

    [Fact]
    public async Task An_inactive_event_type_and_its_slots_are_absent_but_it_keeps_its_bookings()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var booking = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).Json();

        var put = await organizer.Client.PutAsJsonAsync($"/api/event-types/{eventTypeId}", new { title = "Intro call", durationMinutes = 30, active = false });
        Assert.False((await put.Json())["active"]!.GetValue<bool>());

        await (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.GetAsync($"/api/event-types/{eventTypeId}")).StatusCode);
        // Inactive means absent: its slots are 404 too, for anyone (they would otherwise reveal the organizer's zone).
        foreach (var caller in new[] { Anonymous, organizer.Client })
            await (await caller.GetAsync($"/api/event-types/{eventTypeId}/slots?from={FutureMonday:yyyy-MM-dd}&to={FutureMonday:yyyy-MM-dd}"))
                .AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Anonymous.Book(eventTypeId, At(FutureMonday, "10:00"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        var kept = await (await organizer.Client.GetAsync($"/api/bookings/{booking["id"]}")).Json();
        Assert.Equal("Confirmed", kept["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Deleting_an_event_type_with_future_bookings_needs_cancel_bookings_which_notifies_bookers()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var booker = await Anonymous.SignUpAndSignIn(fixture.App);
        var booking = await (await booker.Client.Book(eventTypeId, At(FutureMonday, "09:00"))).Json();

        await (await organizer.Client.DeleteAsync($"/api/event-types/{eventTypeId}")).AssertProblem(HttpStatusCode.Conflict, "has-bookings");
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.DeleteAsync($"/api/event-types/{eventTypeId}?cancelBookings=true")).StatusCode);
        await (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var cancelled = await (await booker.Client.GetAsync($"/api/bookings/{booking["id"]}")).Json();
        Assert.Equal("Cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Equal("organizer", cancelled["cancelledBy"]!.GetValue<string>());
        await Eventually(async () => (await booker.Client.Notifications()).Any(n => n!["kind"]!.GetValue<string>() == "cancelled"),
            what: "the booker's cancellation notice");
    }
}
