using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Notifications are rows written in the transaction of the decision they report: once a booking is
/// acknowledged its notifications exist, a crash cannot lose them, a retried commit cannot double
/// them, and none is ever dropped for lack of room.
/// </summary>
public sealed class NotificationRecoveryTests : IAsyncLifetime
{
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("recovery");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_silo_crash_right_after_the_answers_loses_no_notification_and_duplicates_none()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var booker = await anonymous.SignUpAndSignIn(_app);
        foreach (var time in new[] { "09:00", "10:00", "11:00" })
            Assert.Equal(HttpStatusCode.Created, (await booker.Client.Book(eventTypeId, At(FutureMonday, time))).StatusCode);

        await _app.RestartAsync(crash: true);

        // No waiting: whatever was acknowledged is already stored, notifications included.
        var organizerClient = _app.CreateClient();
        organizerClient.DefaultRequestHeaders.Authorization = new("Bearer", organizer.Token);
        var bookerClient = _app.CreateClient();
        bookerClient.DefaultRequestHeaders.Authorization = new("Bearer", booker.Token);
        var organizerInbox = await organizerClient.Notifications();
        var bookerInbox = await bookerClient.Notifications();
        Assert.Equal(3, organizerInbox.Count);
        Assert.Equal(3, bookerInbox.Count);
        Assert.Equal(3, organizerInbox.Select(n => n!["id"]!.GetValue<Guid>()).Distinct().Count());
        Assert.All(organizerInbox, n => Assert.Equal("created", n!["kind"]!.GetValue<string>()));
        Assert.Equal(3, organizerInbox.Select(n => n!["bookingId"]!.GetValue<Guid>()).Distinct().Count());
        Assert.All(bookerInbox, n => Assert.Equal(booker.Id, n!["userId"]!.GetValue<Guid>()));
    }

    [Fact]
    public async Task A_commit_whose_answer_was_lost_is_stored_once_with_its_notifications_when_retried()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var booker = await anonymous.SignUpAndSignIn(_app);
        var key = Guid.NewGuid().ToString();

        _app.Faults.FailNextWrites("calendar", 1, FaultMode.FailAfterWrite);
        await (await booker.Client.Book(eventTypeId, At(FutureMonday, "14:00"), booker.Email, key)).AssertProblem(HttpStatusCode.ServiceUnavailable, "retry");
        var retried = await booker.Client.Book(eventTypeId, At(FutureMonday, "14:00"), booker.Email, key);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var bookingId = (await retried.Json())["id"]!.GetValue<Guid>();

        Assert.Equal([bookingId], (await (await organizer.Client.GetAsync("/api/bookings")).JsonArray()).Select(b => b!["id"]!.GetValue<Guid>()));
        Assert.Equal([bookingId], (await organizer.Client.Notifications()).Select(n => n!["bookingId"]!.GetValue<Guid>()));
        Assert.Equal([bookingId], (await booker.Client.Notifications()).Select(n => n!["bookingId"]!.GetValue<Guid>()));
    }

    [Fact]
    public async Task An_organizer_with_more_than_two_thousand_notifications_sees_every_one_of_them()
    {
        var anonymous = _app.CreateClient();
        var organizer = await anonymous.SignUpAndSignIn(_app, "UTC");
        var rules = Enum.GetNames<DayOfWeek>().Select(day => new { dayOfWeek = day, startTime = "00:00", endTime = "24:00" });
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PutAsJsonAsync("/api/availability", rules)).StatusCode);
        var created = await organizer.Client.PostAsJsonAsync("/api/event-types", new { title = "Quick", description = "", durationMinutes = 5, location = "Phone" });
        var eventTypeId = (await created.Json())["id"]!.GetValue<Guid>();

        const int bookings = 2050;
        var starts = Enumerable.Range(0, bookings).Select(i => new DateTimeOffset(FutureMonday.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddMinutes(5 * i)).ToList();
        using var gate = new SemaphoreSlim(32);
        var answers = await Task.WhenAll(starts.Select(async start =>
        {
            await gate.WaitAsync();
            try { return (await anonymous.Book(eventTypeId, start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"))).StatusCode; }
            finally { gate.Release(); }
        }));
        Assert.All(answers, status => Assert.Equal(HttpStatusCode.Created, status));

        // Page through all of them with the Link header, as a client would.
        var seen = new HashSet<Guid>();
        var next = "/api/notifications?limit=1000";
        while (next is not null)
        {
            var page = await organizer.Client.GetAsync(next);
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            foreach (var n in await page.JsonArray()) Assert.True(seen.Add(n!["id"]!.GetValue<Guid>()), "no notification is listed twice");
            next = page.Headers.TryGetValues("Link", out var links) ? NextLink(links.Single()) : null;
        }
        Assert.Equal(bookings, seen.Count);
        var unread = await (await organizer.Client.GetAsync("/api/notifications/unread-count")).Json();
        Assert.Equal(bookings, unread["count"]!.GetValue<int>());
    }

    private static string? NextLink(string header)
    {
        var start = header.IndexOf('<');
        var end = header.IndexOf('>');
        if (start < 0 || end < start) return null;
        var uri = new Uri(header[(start + 1)..end], UriKind.RelativeOrAbsolute);
        return uri.IsAbsoluteUri ? uri.PathAndQuery : uri.ToString();
    }
}
