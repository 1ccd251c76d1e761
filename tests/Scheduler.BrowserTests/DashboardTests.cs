using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;
using static Scheduler.TestSupport.Requests;

namespace Scheduler.BrowserTests;

/// <summary>
/// What an organizer does on the dashboard besides watching: sets an event type to need their
/// confirmation and gives it scheduling limits, then confirms one booking and declines another with a
/// reason, which the booker reads on the manage page.
/// </summary>
[Collection(SchedulerSystemCollection.Name)]
public sealed class DashboardTests(SchedulerSystem system)
{
    private static readonly string Day = SchedulerSystem.FutureWeekday().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task An_organizer_sets_confirmation_and_limits_then_confirms_one_booking_and_declines_another()
    {
        var organizer = await system.NewOrganizer("Cora Confirmer");
        await using var context = await system.NewContext("Europe/Berlin");
        var dashboard = await SchedulerSystem.SignedInDashboard(context, organizer.Email, organizer.Password);

        // Edit "Intro call": confirmation required, a slot every hour, 15 minutes free after each.
        await dashboard.Locator("#event-types li", new() { HasText = "Intro call" }).GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Expect(dashboard.Locator("#et-reminder")).ToHaveValueAsync("60");
        await Expect(dashboard.Locator("#et-interval")).ToHaveValueAsync("");
        await dashboard.CheckAsync("input[name=requiresConfirmation]");
        await dashboard.FillAsync("#et-interval", "60");
        await dashboard.FillAsync("#et-buffer-after", "15");
        await dashboard.ClickAsync("#event-type-save");
        await Expect(dashboard.Locator("#event-type-form-heading")).ToHaveTextAsync("New event type");

        var stored = (await system.Get("/api/event-types", organizer.Token)).AsArray().Single(e => e!["id"]!.GetValue<Guid>() == organizer.EventTypeId)!;
        Assert.True(stored["requiresConfirmation"]!.GetValue<bool>());
        Assert.Equal(60, stored["slotIntervalMinutes"]!.GetValue<int>());
        Assert.Equal(15, stored["bufferAfterMinutes"]!.GetValue<int>());
        Assert.Equal(60, stored["reminderMinutes"]!.GetValue<int>());
        // Fields left empty stay "no limit".
        Assert.Null(stored["bufferBeforeMinutes"]);
        Assert.Null(stored["maxBookingsPerDay"]);
        Assert.Equal("Thirty minutes to get to know each other.", stored["description"]!.GetValue<string>());

        // The form shows them back.
        await dashboard.Locator("#event-types li", new() { HasText = "Intro call" }).GetByRole(AriaRole.Button, new() { Name = "Edit" }).ClickAsync();
        await Expect(dashboard.Locator("#et-interval")).ToHaveValueAsync("60");
        await Expect(dashboard.Locator("#et-buffer-after")).ToHaveValueAsync("15");
        await Expect(dashboard.Locator("input[name=requiresConfirmation]")).ToBeCheckedAsync();
        await dashboard.ClickAsync("#event-type-cancel");

        // Two visitors book the first two hourly slots: both arrive live, pending.
        var slots = (await system.Get($"/api/event-types/{organizer.EventTypeId}/slots?from={Day}&to={Day}&timeZone=Europe/Berlin", organizer.Token))["slots"]!.AsArray();
        Assert.Equal(["09:00", "10:00"], slots.Take(2).Select(s => s!["start"]!.GetValue<string>()[11..16]));
        var first = await SystemBook(organizer.EventTypeId, slots[0]!["start"]!.GetValue<string>(), "Pia Pending");
        var second = await SystemBook(organizer.EventTypeId, slots[1]!["start"]!.GetValue<string>(), "Dan Declined");
        Assert.Equal("Pending", first.Status);

        var firstRow = dashboard.Locator("#bookings tr", new() { HasText = "Pia Pending" });
        var secondRow = dashboard.Locator("#bookings tr", new() { HasText = "Dan Declined" });
        await Expect(firstRow).ToContainTextAsync("Pending");
        await Expect(secondRow).ToContainTextAsync("Pending");

        await firstRow.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(firstRow).ToContainTextAsync("Confirmed");
        await Expect(firstRow.GetByRole(AriaRole.Button, new() { Name = "Confirm" })).ToHaveCountAsync(0);
        await Expect(firstRow.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeVisibleAsync();
        Assert.Equal("Confirmed", (await ReadWithManageToken(first))["status"]!.GetValue<string>());

        await secondRow.GetByRole(AriaRole.Button, new() { Name = "Decline" }).ClickAsync();
        await secondRow.GetByRole(AriaRole.Textbox).FillAsync("Fully booked that morning");
        await system.Screenshot(dashboard, "dashboard-decline");
        await secondRow.GetByRole(AriaRole.Button, new() { Name = "Decline booking" }).ClickAsync();
        await Expect(secondRow).ToHaveCountAsync(0);
        var declined = await ReadWithManageToken(second);
        Assert.Equal("Cancelled", declined["status"]!.GetValue<string>());
        Assert.Equal("organizer", declined["cancelledBy"]!.GetValue<string>());
        Assert.Equal("Fully booked that morning", declined["cancellationReason"]!.GetValue<string>());

        // The booker reads why on the manage page.
        var manage = await context.NewPageAsync();
        await manage.GotoAsync($"/manage/{second.Id}?token={Uri.EscapeDataString(second.ManageToken)}");
        await Expect(manage.Locator("#cancelled-note")).ToHaveTextAsync("The organizer cancelled this booking. Reason: Fully booked that morning");
        await Expect(manage.Locator("#pending-note")).ToBeHiddenAsync();

        // A visitor booking on the public page is told it waits for the organizer, and so is its manage page.
        var visitor = await context.NewPageAsync();
        await visitor.GotoAsync($"/book/{organizer.EventTypeId}?date={Day}");
        var eleven = slots[2]!["start"]!.GetValue<string>();
        await visitor.Locator($".slot[data-start=\"{eleven}\"]").ClickAsync();
        await visitor.FillAsync("#name", "Vera Visitor");
        await visitor.FillAsync("#email", $"vera-{Guid.NewGuid():N}@example.com");
        await visitor.ClickAsync("#submit");
        await Expect(visitor.Locator("#confirmation-heading")).ToHaveTextAsync("Booking requested");
        await Expect(visitor.Locator("#confirmation-text")).ToContainTextAsync("Cora Confirmer confirms each booking");
        await Expect(dashboard.Locator("#bookings tr", new() { HasText = "Vera Visitor" })).ToContainTextAsync("Pending");
        await visitor.ClickAsync("#manage-link");
        await Expect(visitor.Locator("#pending-note")).ToBeVisibleAsync();
        await Expect(visitor.Locator("#status")).ToHaveTextAsync("Pending");

        // "Waiting for my confirmation" lists only Vera's; confirming it there empties the list, and
        // all upcoming bookings show both confirmed ones.
        await dashboard.SelectOptionAsync("#bookings-filter", "Pending");
        await Expect(dashboard.Locator("#bookings tr")).ToHaveCountAsync(1);
        var vera = dashboard.Locator("#bookings tr", new() { HasText = "Vera Visitor" });
        await vera.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Expect(dashboard.Locator("#bookings tr")).ToHaveCountAsync(0);
        await Expect(dashboard.Locator("#no-bookings")).ToHaveTextAsync("Nothing waits for your confirmation.");
        await dashboard.SelectOptionAsync("#bookings-filter", "");
        await Expect(dashboard.Locator("#bookings tr")).ToHaveCountAsync(2);
        await Expect(dashboard.Locator("#bookings tr", new() { HasText = "Vera Visitor" })).ToContainTextAsync("Confirmed");
        await Expect(dashboard.Locator("#event-types li", new() { HasText = "Intro call" })).ToContainTextAsync("you confirm");
    }

    [Fact]
    public async Task An_organizer_blocks_time_and_changes_one_days_hours_on_the_dashboard_and_the_slots_follow()
    {
        var organizer = await system.NewOrganizer("Tim Off");
        await using var context = await system.NewContext("Europe/Berlin");
        var dashboard = await SchedulerSystem.SignedInDashboard(context, organizer.Email, organizer.Password);
        await Expect(dashboard.Locator("#blocks")).ToContainTextAsync("None.");

        var day = SchedulerSystem.FutureWeekday();
        string Date(int plus) => day.AddDays(plus).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        async Task<List<string>> Slots(int plus) =>
            (await system.Get($"/api/event-types/{organizer.EventTypeId}/slots?from={Date(plus)}&to={Date(plus)}&timeZone=Europe/Berlin", organizer.Token))["slots"]!
                .AsArray().Select(s => s!["start"]!.GetValue<string>()[11..16]).ToList();
        var fullDay = await Slots(0);
        Assert.Equal(16, fullDay.Count);

        // A dentist's appointment, 10:00 to 12:00 on the browser's clock (Berlin).
        await dashboard.FillAsync("#block-title", "Dentist");
        await dashboard.FillAsync("#block-start", $"{Date(0)}T10:00");
        await dashboard.FillAsync("#block-end", $"{Date(0)}T12:00");
        // A double click blocks the time once.
        await dashboard.DblClickAsync("#block-save");
        var block = dashboard.Locator("#blocks li", new() { HasText = "Dentist" });
        await Expect(block).ToContainTextAsync("10:00");
        await Expect(dashboard.Locator("#block-message")).ToHaveTextAsync("Blocked.");
        Assert.Single((await system.Get("/api/events/blocked", organizer.Token)).AsArray());
        Assert.Equal(fullDay.Except(["10:00", "10:30", "11:00", "11:30"]), await Slots(0));
        // An end before the start is refused at its field.
        await dashboard.FillAsync("#block-start", $"{Date(0)}T15:00");
        await dashboard.FillAsync("#block-end", $"{Date(0)}T14:00");
        await dashboard.ClickAsync("#block-save");
        await Expect(dashboard.Locator("#block-form [data-error-for=end]")).Not.ToBeEmptyAsync();

        // The next day off entirely, the one after only 13:00–15:00.
        await dashboard.FillAsync("#override-date", Date(1));
        await dashboard.ClickAsync("#override-save");
        await Expect(dashboard.Locator("#overrides li", new() { HasText = "day off" })).ToHaveCountAsync(1);
        await dashboard.FillAsync("#override-date", Date(2));
        await dashboard.FillAsync("#override-start", "13:00");
        await dashboard.FillAsync("#override-end", "15:00");
        await dashboard.ClickAsync("#override-save");
        await Expect(dashboard.Locator("#overrides li", new() { HasText = "13:00–15:00" })).ToHaveCountAsync(1);
        Assert.Empty(await Slots(1));
        Assert.Equal(["13:00", "13:30", "14:00", "14:30"], await Slots(2));
        await system.Screenshot(dashboard, "dashboard-time-off");

        // Removing them gives the slots back.
        await block.GetByRole(AriaRole.Button, new() { Name = "Remove" }).ClickAsync();
        await Expect(dashboard.Locator("#blocks")).ToContainTextAsync("None.");
        await dashboard.Locator($"#overrides li[data-date=\"{Date(1)}\"]").GetByRole(AriaRole.Button).ClickAsync();
        await Expect(dashboard.Locator($"#overrides li[data-date=\"{Date(1)}\"]")).ToHaveCountAsync(0);
        Assert.Equal(fullDay, await Slots(0));
        Assert.Equal(16, (await Slots(1)).Count);
        Assert.Equal(["13:00", "13:30", "14:00", "14:30"], await Slots(2));
    }

    [Fact]
    public async Task Bookings_and_notifications_beyond_the_first_page_come_with_show_more()
    {
        var organizer = await system.NewOrganizer("Paula Paged");
        var from = SchedulerSystem.FutureWeekday();
        var to = from.AddDays(13);
        var slots = (await system.Get($"/api/event-types/{organizer.EventTypeId}/slots?from={from:yyyy-MM-dd}&to={to:yyyy-MM-dd}&timeZone=Europe/Berlin", organizer.Token))["slots"]!
            .AsArray().Select(s => s!["start"]!.GetValue<string>()).Take(105).ToList();
        Assert.Equal(105, slots.Count);
        // Five bookers at a time, as visitors would arrive.
        foreach (var chunk in slots.Chunk(5))
            await Task.WhenAll(chunk.Select(async (start, i) =>
                Assert.Equal(HttpStatusCode.Created, (await system.BookThroughApi(organizer.EventTypeId, start, $"Booker {start}")).StatusCode)));

        await using var context = await system.NewContext("Europe/Berlin");
        var dashboard = await SchedulerSystem.SignedInDashboard(context, organizer.Email, organizer.Password);
        await Expect(dashboard.Locator("#bookings tr")).ToHaveCountAsync(100);
        await dashboard.ClickAsync("#more-bookings");
        await Expect(dashboard.Locator("#bookings tr")).ToHaveCountAsync(105);
        await Expect(dashboard.Locator("#more-bookings")).ToBeHiddenAsync();
        // In order of start, the last one last.
        await Expect(dashboard.Locator("#bookings tr").Last).ToHaveAttributeAsync("data-start", new System.Text.RegularExpressions.Regex(
            "^" + System.Text.RegularExpressions.Regex.Escape(DateTimeOffset.Parse(slots[^1], CultureInfo.InvariantCulture).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture))));

        await dashboard.ClickAsync("#notifications-button");
        await Expect(dashboard.Locator("#notifications li")).ToHaveCountAsync(50);
        await dashboard.ClickAsync("#more-notifications");
        await Expect(dashboard.Locator("#notifications li")).ToHaveCountAsync(100);
        await dashboard.ClickAsync("#more-notifications");
        await Expect(dashboard.Locator("#notifications li")).ToHaveCountAsync(105);
        await Expect(dashboard.Locator("#more-notifications")).ToBeHiddenAsync();
        await Expect(dashboard.Locator("#unread-badge")).ToHaveTextAsync("105");
    }

    [Fact]
    public async Task Past_bookings_open_on_request_most_recent_first_with_who_cancelled_and_page_on_with_show_older()
    {
        var organizer = await system.NewOrganizer("Pia Past");
        await system.AddPastBookings(organizer, 51);
        var upcoming = (await system.Get($"/api/event-types/{organizer.EventTypeId}/slots?from={Day}&to={Day}&timeZone=Europe/Berlin", organizer.Token))["slots"]![0]!["start"]!.GetValue<string>();
        await SchedulerSystem.Expect(HttpStatusCode.Created, await system.BookThroughApi(organizer.EventTypeId, upcoming, "Uma Upcoming"));

        await using var context = await system.NewContext("Europe/Berlin");
        var page = await SchedulerSystem.SignedInDashboard(context, organizer.Email, organizer.Password);
        // The upcoming list has only what is ahead; the past stays closed until asked for.
        await Expect(page.Locator("#bookings tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#bookings tr")).ToContainTextAsync("Uma Upcoming");
        await Expect(page.Locator("#past")).ToBeHiddenAsync();

        await page.Locator("#past-bookings summary").ClickAsync();
        var rows = page.Locator("#past tr");
        await Expect(rows).ToHaveCountAsync(50);
        // Yesterday's first: cancelled by its booker, with the reason; then the day before, confirmed.
        await Expect(rows.Nth(0)).ToContainTextAsync("Past booker 1");
        await Expect(rows.Nth(0)).ToContainTextAsync("Cancelled");
        await Expect(rows.Nth(0)).ToContainTextAsync("by the booker: Flu");
        var yesterday = TimeProvider.System.GetUtcNow().UtcDateTime.Date.AddDays(-1).AddHours(10);
        var inBerlin = TimeZoneInfo.ConvertTimeFromUtc(yesterday, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        await Expect(rows.Nth(0)).ToContainTextAsync(inBerlin.ToString("HH:mm", CultureInfo.InvariantCulture));
        await Expect(rows.Nth(1)).ToContainTextAsync("Past booker 2");
        await Expect(rows.Nth(1)).ToContainTextAsync("Confirmed");
        await Expect(rows.Nth(1)).ToContainTextAsync("Intro call");
        await Expect(page.Locator("#past")).Not.ToContainTextAsync("Uma Upcoming");
        await system.Screenshot(page, "dashboard-past");

        await page.ClickAsync("#more-past");
        await Expect(rows).ToHaveCountAsync(51);
        await Expect(rows.Nth(50)).ToContainTextAsync("Past booker 51");
        await Expect(page.Locator("#more-past")).ToBeHiddenAsync();
        Assert.Equal(51, (await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.bookingId)")).Distinct().Count());
    }

    [Fact]
    public async Task An_organizer_makes_a_calendar_feed_address_a_calendar_app_reads_then_turns_it_off()
    {
        var organizer = await system.NewOrganizer("Fay Feed");
        var slot = (await system.Get($"/api/event-types/{organizer.EventTypeId}/slots?from={Day}&to={Day}&timeZone=Europe/Berlin", organizer.Token))["slots"]![0]!["start"]!.GetValue<string>();
        var booked = await SchedulerSystem.Expect(HttpStatusCode.Created, await system.BookThroughApi(organizer.EventTypeId, slot, "Finn Feedreader"));

        await using var context = await system.NewContext("Europe/Berlin");
        var page = await SchedulerSystem.SignedInDashboard(context, organizer.Email, organizer.Password);
        await Expect(page.Locator("#feed-status")).ToContainTextAsync("Make an address your calendar app subscribes to");
        // It asks for the password first.
        await page.FillAsync("#feed-password", "not the password");
        await page.ClickAsync("#feed-create");
        await Expect(page.Locator("#feed-error")).ToHaveTextAsync("That is not your password.");
        await Expect(page.Locator("#feed-new")).ToBeHiddenAsync();
        await page.FillAsync("#feed-password", organizer.Password);
        await page.ClickAsync("#feed-create");
        await Expect(page.Locator("#feed-url")).ToBeVisibleAsync();
        var url = await page.Locator("#feed-url").InputValueAsync();
        Assert.StartsWith($"{system.BaseAddress.ToString().TrimEnd('/')}/api/organizers/", url);

        // What a calendar app fetches: no session, only the address.
        using var calendarApp = new HttpClient();
        var feed = await calendarApp.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        Assert.Equal("text/calendar", feed.Content.Headers.ContentType?.MediaType);
        var text = await feed.Content.ReadAsStringAsync();
        Assert.Contains($"UID:{booked["id"]}@scheduler", text);
        Assert.Contains("SUMMARY:Intro call: Finn Feedreader", text);

        // Shown once: after a reload the page says it works but cannot show it again.
        await page.ReloadAsync();
        await Expect(page.Locator("#feed-status")).ToContainTextAsync("is working");
        await Expect(page.Locator("#feed-new")).ToBeHiddenAsync();
        await page.ClickAsync("#feed-delete");
        await Expect(page.Locator("#feed-status")).ToContainTextAsync("Make an address your calendar app subscribes to");
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(url)).StatusCode);
    }

    [Fact]
    public async Task A_user_sees_and_cancels_the_bookings_they_made_with_other_organizers()
    {
        var host = await system.NewOrganizer("Hana Host");
        // Bea has an account with a confirmed address, and books Hana's page with it.
        var email = $"bea-{Guid.NewGuid():N}@example.com";
        await SchedulerSystem.Expect(HttpStatusCode.Created, await system.Http.PostAsJsonAsync("/api/users",
            new { name = "Bea Booker", email, password = "bea's passphrase", timeZone = "Europe/Berlin" }));
        var mail = (await system.Mail.WaitForMailsTo(email)).Single();
        await SchedulerSystem.Expect(HttpStatusCode.OK, await system.Http.PostAsJsonAsync("/api/auth/verify-email", new { token = mail.VerificationToken }));
        var slot = (await system.Get($"/api/event-types/{host.EventTypeId}/slots?from={Day}&to={Day}&timeZone=Europe/Berlin", host.Token))["slots"]![0]!["start"]!.GetValue<string>();
        var booked = await SchedulerSystem.Expect(HttpStatusCode.Created, await system.Http.PostAsJsonAsync("/api/bookings",
            new { eventTypeId = host.EventTypeId, start = slot, name = "Bea Booker", email }));

        await using var context = await system.NewContext("Europe/Berlin");
        var page = await SchedulerSystem.SignedInDashboard(context, email, "bea's passphrase");
        var item = page.Locator("#my-bookings li");
        await Expect(item).ToHaveCountAsync(1);
        await Expect(item).ToContainTextAsync("Intro call with Hana Host");
        await Expect(item).ToContainTextAsync("09:00");
        // Bea is no organizer of it: it is not among her calendar's bookings.
        await Expect(page.Locator("#bookings tr")).ToHaveCountAsync(0);

        await item.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(page.Locator("#my-bookings-card")).ToBeHiddenAsync();
        var cancelled = await system.Get($"/api/bookings/{booked["id"]}", host.Token);
        Assert.Equal("Cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Equal("booker", cancelled["cancelledBy"]!.GetValue<string>());

        // A hundred and one more: the list pages on with Show more, each booking once.
        var from = SchedulerSystem.FutureWeekday();
        var more = (await system.Get($"/api/event-types/{host.EventTypeId}/slots?from={from.AddDays(1):yyyy-MM-dd}&to={from.AddDays(14):yyyy-MM-dd}&timeZone=Europe/Berlin", host.Token))["slots"]!
            .AsArray().Select(s => s!["start"]!.GetValue<string>()).Take(101).ToList();
        Assert.Equal(101, more.Count);
        foreach (var chunk in more.Chunk(5))
            await Task.WhenAll(chunk.Select(async start => Assert.Equal(HttpStatusCode.Created,
                (await system.Http.PostAsJsonAsync("/api/bookings", new { eventTypeId = host.EventTypeId, start, name = "Bea Booker", email })).StatusCode)));
        await page.ReloadAsync();
        // The first page's hundred hold the booking she cancelled, which is not shown.
        await Expect(item).ToHaveCountAsync(99);
        await page.ClickAsync("#more-mine");
        await Expect(item).ToHaveCountAsync(101);
        await Expect(page.Locator("#more-mine")).ToBeHiddenAsync();
        Assert.Equal(101, (await item.EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.bookingId)")).Distinct().Count());
    }

    [Fact]
    public async Task An_event_type_is_deleted_from_the_dashboard_after_asking_and_its_upcoming_bookings_only_when_told()
    {
        var organizer = await system.NewOrganizer("Dee Leter");
        var slot = (await system.Get($"/api/event-types/{organizer.EventTypeId}/slots?from={Day}&to={Day}&timeZone=Europe/Berlin", organizer.Token))["slots"]![0]!["start"]!.GetValue<string>();
        var booked = await SystemBook(organizer.EventTypeId, slot, "Kept Waiting");
        await using var context = await system.NewContext("Europe/Berlin");
        var dashboard = await SchedulerSystem.SignedInDashboard(context, organizer.Email, organizer.Password);
        await Expect(dashboard.Locator("#bookings tr", new() { HasText = "Kept Waiting" })).ToBeVisibleAsync();

        var item = dashboard.Locator("#event-types li", new() { HasText = "Intro call" });
        await item.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        // Keeping it changes nothing.
        await item.GetByRole(AriaRole.Button, new() { Name = "Keep" }).ClickAsync();
        await Expect(item.Locator(".delete-confirm")).ToHaveCountAsync(0);
        await item.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await item.Locator(".delete-confirm").GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        // It has an upcoming booking: asked again, and nothing is deleted yet.
        await Expect(item.Locator(".delete-confirm")).ToContainTextAsync("has upcoming bookings");
        Assert.Equal("Confirmed", (await system.Get($"/api/bookings/{booked.Id}", organizer.Token))["status"]!.GetValue<string>());
        await item.GetByRole(AriaRole.Button, new() { Name = "Delete and cancel them" }).ClickAsync();

        await Expect(dashboard.Locator("#event-types li", new() { HasText = "Intro call" })).ToHaveCountAsync(0);
        await Expect(dashboard.Locator("#bookings tr", new() { HasText = "Kept Waiting" })).ToHaveCountAsync(0);
        var cancelled = await system.Get($"/api/bookings/{booked.Id}", organizer.Token);
        Assert.Equal("Cancelled", cancelled["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, (await system.Http.GetAsync($"/api/event-types/{organizer.EventTypeId}")).StatusCode);
    }

    private sealed record Booked(Guid Id, string ManageToken, string Status);

    private async Task<Booked> SystemBook(Guid eventTypeId, string start, string name)
    {
        var response = await system.BookThroughApi(eventTypeId, start, name);
        var body = await SchedulerSystem.Expect(HttpStatusCode.Created, response);
        return new Booked(body["id"]!.GetValue<Guid>(), body["manageToken"]!.GetValue<string>(), body["status"]!.GetValue<string>());
    }

    private async Task<System.Text.Json.Nodes.JsonNode> ReadWithManageToken(Booked booking) =>
        await SchedulerSystem.Expect(HttpStatusCode.OK,
            await system.Http.GetAsync($"/api/bookings/{booking.Id}?token={Uri.EscapeDataString(booking.ManageToken)}"));
}
