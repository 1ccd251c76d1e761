using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// GET /api/bookings?past=true: what has ended, most recent first, keyset-paged backwards. The
/// silos' clock is controlled, so bookings made ahead of time end without waiting.
/// </summary>
public sealed class PastBookingsTests() : ClockedApp("past-bookings")
{
    private static async Task<List<string>> Starts(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.JsonArray()).Select(b => Berlin(b!["start"]!.GetValue<DateTimeOffset>()))];
    }

    private static string Berlin(DateTimeOffset instant) => instant.ToOffset(TimeSpan.FromHours(1)).ToString("HH:mm");

    private static string? Next(HttpResponseMessage page) =>
        page.Headers.TryGetValues("Link", out var links) ? links.Single()[1..links.Single().IndexOf('>')] : null;

    [Fact]
    public async Task Past_bookings_are_the_ended_ones_most_recent_first_paged_backwards_for_organizer_and_booker()
    {
        var anonymous = App.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(App);
        var booker = await anonymous.SignUpAndSignIn(App);
        var email = (await (await booker.Client.GetAsync("/api/me")).Json())["email"]!.GetValue<string>();
        foreach (var time in new[] { "09:30", "10:00", "10:30", "12:00" })
            Assert.Equal(HttpStatusCode.Created, (await booker.Client.Book(eventTypeId, At(FutureMonday, time), email)).StatusCode);
        // Someone else's booking on the same calendar: the organizer's past, not this booker's.
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).StatusCode);
        var all = await (await organizer.Client.GetAsync("/api/bookings")).JsonArray();
        var cancelled = all.Single(b => Berlin(b!["start"]!.GetValue<DateTimeOffset>()) == "10:00")!["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{cancelled}/cancel", new { reason = "Ill" })).StatusCode);

        // Nothing has ended yet.
        Assert.Empty(await Starts(await organizer.Client.GetAsync("/api/bookings?past=true")));

        // 10:45 in Berlin: 09:00, 09:30 and the cancelled 10:00 have ended; 10:30 is under way, 12:00 ahead.
        Time.SetUtcNow(DateTimeOffset.Parse(At(FutureMonday, "10:45")));
        Assert.Equal(["10:00", "09:30", "09:00"], await Starts(await organizer.Client.GetAsync("/api/bookings?past=true")));
        Assert.Equal(["10:30", "12:00"], await Starts(await organizer.Client.GetAsync("/api/bookings")));
        var past = await (await organizer.Client.GetAsync("/api/bookings?past=true")).JsonArray();
        Assert.Equal("Cancelled", past[0]!["status"]!.GetValue<string>());
        Assert.Equal("Ill", past[0]!["cancellationReason"]!.GetValue<string>());

        // One at a time: each page continues before the last one, and the last page has no Link.
        var seen = new List<string>();
        string? url = "/api/bookings?past=true&limit=1";
        while (url is not null)
        {
            var page = await organizer.Client.GetAsync(url);
            var starts = await Starts(page);
            Assert.Single(starts);
            seen.AddRange(starts);
            url = Next(page);
            if (url is not null) Assert.Contains("past=true", url);
        }
        Assert.Equal(["10:00", "09:30", "09:00"], seen);

        // Filters still apply: a status, and dates (on the start, in the organizer's zone).
        Assert.Equal(["09:30", "09:00"], await Starts(await organizer.Client.GetAsync("/api/bookings?past=true&status=Confirmed")));
        var day = FutureMonday.ToString("yyyy-MM-dd");
        Assert.Equal(["10:00", "09:30", "09:00"], await Starts(await organizer.Client.GetAsync($"/api/bookings?past=true&from={day}&to={day}")));
        Assert.Empty(await Starts(await organizer.Client.GetAsync($"/api/bookings?past=true&from={FutureMonday.AddDays(1):yyyy-MM-dd}")));

        // The booker's own past, across organizers: not the stranger's 09:00.
        Assert.Equal(["10:00", "09:30"], await Starts(await booker.Client.GetAsync("/api/bookings?role=booker&past=true")));
        Assert.Equal(["10:30", "12:00"], await Starts(await booker.Client.GetAsync("/api/bookings?role=booker")));

        // A past listing is the caller's only.
        Assert.Empty(await Starts(await booker.Client.GetAsync("/api/bookings?past=true")));
        await (await anonymous.GetAsync("/api/bookings?past=true")).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        var wrong = await (await organizer.Client.GetAsync("/api/bookings?past=maybe")).AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(wrong["errors"]!["past"]);

        // The past stays as it was: an ended booking can no longer be cancelled, by either side.
        var endedId = past[1]!["id"]!.GetValue<Guid>();
        await (await booker.Client.PostAsJsonAsync($"/api/bookings/{endedId}/cancel", new { reason = "late" })).AssertProblem(HttpStatusCode.Conflict, "invalid-status");
        await (await organizer.Client.PostAsJsonAsync($"/api/bookings/{endedId}/cancel", new { reason = "late" })).AssertProblem(HttpStatusCode.Conflict, "invalid-status");
        Assert.Equal("Confirmed", (await (await organizer.Client.GetAsync($"/api/bookings/{endedId}")).Json())["status"]!.GetValue<string>());
        // One under way still can be (it has not ended).
        var underWay = (await (await organizer.Client.GetAsync("/api/bookings")).JsonArray())[0]!["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{underWay}/cancel", new { reason = "ran late" })).StatusCode);
    }
}
