using System.Net;
using System.Net.Http.Json;
using Ical.Net.CalendarComponents;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// "Add to calendar": a booking as an iCalendar file, for whoever may read the booking, that a calendar
/// app files under the booking's UID and updates when it is fetched again after a change.
/// </summary>
public sealed class BookingCalendarFileTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;

    private static async Task<CalendarEvent> Entry(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        var calendar = Ical.Net.Calendar.Load(await response.Content.ReadAsStringAsync());
        Assert.NotNull(calendar);
        return Assert.Single(calendar!.Events);
    }

    [Fact]
    public async Task The_booker_and_the_organizer_each_get_the_booking_for_their_calendar_and_a_later_copy_updates_it()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var booked = await (await Anonymous.PostAsJsonAsync("/api/bookings", new
        {
            eventTypeId, start = At(FutureMonday, "09:00"), name = "Cal Booker", email = $"cal-{Guid.NewGuid():N}@example.com", notes = "Bring the plans",
        })).Json();
        var id = booked["id"]!.GetValue<Guid>();
        var token = booked["manageToken"]!.GetValue<string>();
        var url = $"/api/bookings/{id}/calendar.ics";

        var mine = await Entry(await Anonymous.GetAsync($"{url}?token={Uri.EscapeDataString(token)}"));
        Assert.Equal($"{id}@scheduler", mine.Uid);
        Assert.Equal(DateTimeOffset.Parse(booked["start"]!.GetValue<string>()).UtcDateTime, mine.DtStart!.AsUtc);
        Assert.Equal(DateTimeOffset.Parse(booked["end"]!.GetValue<string>()).UtcDateTime, mine.DtEnd!.AsUtc);
        Assert.Equal("Intro call with Olga Organizer", mine.Summary);
        Assert.Equal("Video", mine.Location);
        Assert.Equal("CONFIRMED", mine.Status);
        Assert.Contains($"/manage/{id}?token=", mine.Description);

        // The organizer's copy names the booker and their notes, and carries no manage link.
        var theirs = await Entry(await organizer.Client.GetAsync(url));
        Assert.Equal($"{id}@scheduler", theirs.Uid);
        Assert.Equal("Intro call: Cal Booker", theirs.Summary);
        Assert.Contains("Bring the plans", theirs.Description);
        Assert.DoesNotContain("/manage/", theirs.Description);

        // Nobody else: a made-up token, another organizer, no credentials at all.
        await (await Anonymous.GetAsync($"{url}?token=not-a-token")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await Anonymous.GetAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var other = await Anonymous.SignUpAndSignIn(fixture.App);
        await (await other.Client.GetAsync(url)).AssertProblem(HttpStatusCode.NotFound, "not-found");

        // Cancelled: the same UID, a later SEQUENCE, STATUS:CANCELLED with the reason.
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel", new { reason = "Flooded office" })).StatusCode);
        var cancelled = await Entry(await Anonymous.GetAsync($"{url}?token={Uri.EscapeDataString(token)}"));
        Assert.Equal(mine.Uid, cancelled.Uid);
        Assert.Equal("CANCELLED", cancelled.Status);
        Assert.True(cancelled.Sequence > mine.Sequence, $"{cancelled.Sequence} after {mine.Sequence}");
        Assert.Contains("Flooded office", cancelled.Description);
    }

    [Fact]
    public async Task A_booking_that_waits_for_the_organizer_is_tentative()
    {
        var (organizer, _) = await Anonymous.OrganizerWithEventType(fixture.App);
        var type = await (await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Review", description = "", durationMinutes = 30, location = "", requiresConfirmation = true })).Json();
        var booked = await (await Anonymous.Book(type["id"]!.GetValue<Guid>(), At(FutureMonday, "10:00"))).Json();
        var entry = await Entry(await organizer.Client.GetAsync($"/api/bookings/{booked["id"]}/calendar.ics"));
        Assert.Equal("TENTATIVE", entry.Status);
        Assert.Null(entry.Location);
        Assert.Contains("Waiting for the organizer's confirmation", entry.Description);
    }
}
