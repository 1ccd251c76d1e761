using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Ical.Net.CalendarComponents;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// An organizer's calendar feed: a secret URL a calendar app subscribes to, listing the calendar's
/// bookings (recent and upcoming, not the cancelled ones). The silos' clock is controlled, so some
/// bookings end during the test.
/// </summary>
public sealed class CalendarFeedTests() : ClockedApp("calendar-feed")
{
    private static async Task<IReadOnlyList<CalendarEvent>> Entries(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString());
        var calendar = Ical.Net.Calendar.Load(await response.Content.ReadAsStringAsync());
        Assert.NotNull(calendar);
        return [.. calendar!.Events.OrderBy(e => e.DtStart!.AsUtc)];
    }

    private static async Task<string> NewFeed(HttpClient organizer, string password = "correct horse")
    {
        var created = await organizer.PostAsJsonAsync("/api/me/calendar-feed", new { currentPassword = password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var url = (await created.Json())["url"]!.GetValue<string>();
        // The front end's public address, then the path a calendar app fetches.
        return new Uri(url).PathAndQuery;
    }

    [Fact]
    public async Task A_feed_lists_the_calendars_recent_and_upcoming_bookings_for_whoever_holds_its_current_url_only()
    {
        var anonymous = App.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(App);
        var requested = await organizer.Client.PostAsJsonAsync("/api/event-types", new
        {
            title = "Consultation", description = "On request", durationMinutes = 30, location = "Office", requiresConfirmation = true,
        });
        var requestType = (await requested.Json())["id"]!.GetValue<Guid>();
        async Task<Guid> Book(Guid type, string time, string name)
        {
            var response = await anonymous.PostAsJsonAsync("/api/bookings", new
            {
                eventTypeId = type, start = At(FutureMonday, time), name, email = $"{name.ToLowerInvariant()}-{Guid.NewGuid():N}@example.com", notes = $"{name}'s notes",
            });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            return (await response.Json())["id"]!.GetValue<Guid>();
        }
        var ended = await Book(eventTypeId, "09:30", "Ada");
        var cancelled = await Book(eventTypeId, "10:00", "Ben");
        var ahead = await Book(eventTypeId, "12:00", "Cy");
        var pending = await Book(requestType, "14:00", "Dee");
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{cancelled}/cancel", new { reason = "Ill" })).StatusCode);

        // No feed until one is made, and only with the current password (a stolen access token ends within the hour; a feed would not).
        await (await organizer.Client.GetAsync("/api/me/calendar-feed")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        foreach (var body in new object[] { new { }, new { currentPassword = "not my password" } })
        {
            var refused = await (await organizer.Client.PostAsJsonAsync("/api/me/calendar-feed", body)).AssertProblem(HttpStatusCode.BadRequest, "validation");
            Assert.NotNull(refused["errors"]!["currentPassword"]);
        }
        await (await organizer.Client.GetAsync("/api/me/calendar-feed")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var feed = await NewFeed(organizer.Client);
        Assert.StartsWith($"/api/organizers/{organizer.Id}/calendar.ics?token=", feed);
        var shown = await (await organizer.Client.GetAsync("/api/me/calendar-feed")).Json();
        Assert.NotNull(shown["createdAt"]);
        Assert.Null(shown["url"]); // shown once, when made

        // 10:45 in Berlin: Ada's booking has ended; it stays in the feed beside what is ahead.
        Time.SetUtcNow(DateTimeOffset.Parse(At(FutureMonday, "10:45")));
        var entries = await Entries(await anonymous.GetAsync(feed));
        Assert.Equal([$"{ended}@scheduler", $"{ahead}@scheduler", $"{pending}@scheduler"], entries.Select(e => e.Uid));
        Assert.Equal("Intro call: Ada", entries[0].Summary);
        Assert.Contains("Ada's notes", entries[0].Description);
        Assert.Contains("@example.com", entries[0].Description);
        Assert.Equal("Video", entries[0].Location);
        Assert.Equal(DateTimeOffset.Parse(At(FutureMonday, "09:30")).UtcDateTime, entries[0].DtStart!.AsUtc);
        Assert.Equal("CONFIRMED", entries[1].Status);
        Assert.Equal("Consultation: Dee", entries[2].Summary);
        Assert.Equal("TENTATIVE", entries[2].Status);

        // Nobody else's: a wrong secret, none, or this secret for another organizer's calendar (its MAC
        // names this organizer: refused before the cluster is asked).
        var other = await anonymous.SignUpAndSignIn(App);
        var token = feed[(feed.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        foreach (var wrong in new[]
                 {
                     feed[..^4] + (feed[^4..] == "AAAA" ? "BBBB" : "AAAA"), $"/api/organizers/{organizer.Id}/calendar.ics",
                     $"/api/organizers/{other.Id}/calendar.ics?token={token}", $"/api/organizers/{Guid.NewGuid()}/calendar.ics?token={token}",
                 })
            await (await anonymous.GetAsync(wrong)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        // Signed in changes nothing: another organizer cannot read it without the secret either.
        await (await other.Client.GetAsync($"/api/organizers/{organizer.Id}/calendar.ics")).AssertProblem(HttpStatusCode.NotFound, "not-found");

        // A new URL ends the old one.
        var renewed = await NewFeed(organizer.Client);
        Assert.NotEqual(feed, renewed);
        await (await anonymous.GetAsync(feed)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(3, (await Entries(await anonymous.GetAsync(renewed))).Count);

        // "Sign out everywhere" ends it too: whoever had the account cannot keep reading it.
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.PostAsJsonAsync("/api/auth/revoke", new { everywhere = true })).StatusCode);
        await (await anonymous.GetAsync(renewed)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var again = App.CreateClient();
        again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await anonymous.TokenFor(organizer.Email, "correct horse"));
        await (await again.GetAsync("/api/me/calendar-feed")).AssertProblem(HttpStatusCode.NotFound, "not-found");

        // A new password ends it as well.
        Time.Advance(TimeSpan.FromMinutes(1));
        var beforePasswordChange = await NewFeed(again);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(beforePasswordChange)).StatusCode);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.OK, (await again.PatchAsJsonAsync("/api/me", new { currentPassword = "correct horse", password = "a brand new passphrase" })).StatusCode);
        await (await anonymous.GetAsync(beforePasswordChange)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await anonymous.TokenFor(organizer.Email, "a brand new passphrase"));

        // And so does a reset by whoever reads the address's mail.
        Time.Advance(TimeSpan.FromMinutes(1));
        var beforeReset = await NewFeed(again, "a brand new passphrase");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(beforeReset)).StatusCode);
        Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email = organizer.Email })).StatusCode);
        var reset = (await App.Mail.WaitForMailsTo(organizer.Email, which: m => m.ResetToken is not null)).Single();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/api/auth/reset-password", new { token = reset.ResetToken, password = "the owner's own passphrase" })).StatusCode);
        await (await anonymous.GetAsync(beforeReset)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        again.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await anonymous.TokenFor(organizer.Email, "the owner's own passphrase"));

        // Made again, then turned off.
        Time.Advance(TimeSpan.FromMinutes(1));
        var last = await NewFeed(again, "the owner's own passphrase");
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync(last)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await again.DeleteAsync("/api/me/calendar-feed")).StatusCode);
        await (await anonymous.GetAsync(last)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await again.GetAsync("/api/me/calendar-feed")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        Assert.Equal(HttpStatusCode.NoContent, (await again.DeleteAsync("/api/me/calendar-feed")).StatusCode);

        // 14:31: Dee's request has ended unanswered; it can no longer be confirmed or declined.
        Time.SetUtcNow(DateTimeOffset.Parse(At(FutureMonday, "14:31")));
        await (await again.PostAsync($"/api/bookings/{pending}/confirm", null)).AssertProblem(HttpStatusCode.Conflict, "invalid-status");
        await (await again.PostAsJsonAsync($"/api/bookings/{pending}/cancel", new { reason = "too late" })).AssertProblem(HttpStatusCode.Conflict, "invalid-status");
        Assert.Equal("Pending", (await (await again.GetAsync($"/api/bookings/{pending}")).Json())["status"]!.GetValue<string>());
    }
}
