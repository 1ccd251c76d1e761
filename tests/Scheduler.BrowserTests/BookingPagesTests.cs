using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.BrowserTests;

/// <summary>
/// The public booking page, the manage page and the organizer dashboard in a real browser against the
/// system as ./run.sh starts it. Visitors' browsers are in New York, the organizer's calendar in Berlin.
/// </summary>
[Collection(SchedulerSystemCollection.Name)]
public sealed class BookingPagesTests(SchedulerSystem system)
{
    private const string VisitorZone = "America/New_York";
    private static readonly DateOnly Day = SchedulerSystem.FutureWeekday();
    private static readonly string DayText = Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The slot button starting at a local time (the page shows slots in the visitor's zone).</summary>
    private static ILocator Slot(IPage page, string localTime) => page.Locator($".slot[data-start^=\"{DayText}T{localTime}\"]");

    private static async Task<IPage> OpenBookingPage(IBrowserContext context, Guid eventTypeId)
    {
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/book/{eventTypeId}?date={DayText}");
        await Expect(page.Locator("#event-title")).ToHaveTextAsync("Intro call");
        return page;
    }

    private static async Task FillDetails(IPage page, string name, string email)
    {
        await page.FillAsync("#name", name);
        await page.FillAsync("#email", email);
        await page.FillAsync("#notes", "Looking forward to it");
    }

    [Fact]
    public async Task A_booking_made_on_the_public_page_appears_live_on_the_organizers_dashboard()
    {
        var organizer = await system.NewOrganizer();
        await using var organizerContext = await system.NewContext("Europe/Berlin");
        var dashboard = await SchedulerSystem.SignedInDashboard(organizerContext, organizer.Email, organizer.Password);
        await Expect(dashboard.Locator("#unread-badge")).ToHaveTextAsync("0");
        await Expect(dashboard.Locator("#event-types .booking-link")).ToHaveAttributeAsync("href", $"/book/{organizer.EventTypeId}");

        await using var visitorContext = await system.NewContext(VisitorZone);
        var booking = await OpenBookingPage(visitorContext, organizer.EventTypeId);
        await Slot(booking, "10:00").ClickAsync();
        await FillDetails(booking, "Ada Lovelace", "ada@example.com");
        await booking.ClickAsync("#submit");
        await Expect(booking.Locator("#confirmation")).ToBeVisibleAsync();

        // No reload: the row and the badge come over SignalR.
        var row = dashboard.Locator("#bookings tr", new() { HasText = "Ada Lovelace" });
        await Expect(row).ToBeVisibleAsync();
        await Expect(row).ToContainTextAsync("ada@example.com");
        await Expect(row.Locator(".booker-notes")).ToHaveTextAsync("Looking forward to it");
        await Expect(row).ToContainTextAsync("Confirmed");
        await Expect(dashboard.Locator("#unread-badge")).ToHaveTextAsync("1");
        await system.Screenshot(dashboard, "dashboard-live-booking");
    }

    [Fact]
    public async Task A_slot_taken_while_the_visitor_fills_the_form_shows_just_taken_and_a_refreshed_list()
    {
        var organizer = await system.NewOrganizer();
        await using var context = await system.NewContext(VisitorZone);
        var page = await OpenBookingPage(context, organizer.EventTypeId);
        var slot = Slot(page, "10:00");
        await slot.ClickAsync();
        var start = (await slot.GetAttributeAsync("data-start"))!;
        await FillDetails(page, "Slow Visitor", "slow@example.com");

        var rival = await system.BookThroughApi(organizer.EventTypeId, start, "Fast Visitor");
        Assert.Equal(HttpStatusCode.Created, rival.StatusCode);

        await page.ClickAsync("#submit");
        await Expect(page.Locator("#message")).ToContainTextAsync("just taken — pick another");
        await Expect(page.Locator($".slot[data-start=\"{start}\"]")).ToHaveCountAsync(0);
        await Expect(Slot(page, "10:30")).ToBeVisibleAsync(); // the rest of the day is still offered
        await Expect(page.Locator("#confirmation")).ToBeHiddenAsync();
        await system.Screenshot(page, "booking-just-taken");
    }

    [Fact]
    public async Task A_link_with_a_date_the_page_cannot_show_opens_at_today_without_an_error()
    {
        var organizer = await system.NewOrganizer();
        await using var context = await system.NewContext(VisitorZone);
        var page = await context.NewPageAsync();
        static string Today() => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(TimeProvider.System.GetUtcNow(), TimeZoneInfo.FindSystemTimeZoneById(VisitorZone)).DateTime)
            .ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var date in new[] { "9999-12-31", "2031-02-30", "10000-01-01", "1999-01-01" })
        {
            var before = Today();
            await page.GotoAsync($"/book/{organizer.EventTypeId}?date={date}");
            await Expect(page.Locator("#event-title")).ToHaveTextAsync("Intro call");
            await Expect(page.Locator("#dates button").First).ToHaveAttributeAsync("data-date", new System.Text.RegularExpressions.Regex(
                $"^({before}|{Today()})$")); // today, also across the visitor's midnight
            await Expect(page.Locator("#message")).ToBeEmptyAsync();
            await Expect(page.Locator("#load-error")).ToBeEmptyAsync();
        }
    }

    [Theory]
    [InlineData("Not/AZone")]
    [InlineData("Etc/GMT+14")]
    [InlineData("<b>Europe/Berlin</b>")]
    public async Task A_link_with_a_zone_the_browser_does_not_know_shows_the_visitors_zone_and_its_slots(string zone)
    {
        var organizer = await system.NewOrganizer();
        await using var context = await system.NewContext(VisitorZone);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/book/{organizer.EventTypeId}?date={DayText}&zone={Uri.EscapeDataString(zone)}");
        await Expect(page.Locator("#event-title")).ToHaveTextAsync("Intro call");
        await Expect(page.Locator("#zone")).ToHaveValueAsync(VisitorZone);
        await Expect(Slot(page, "10:00")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task The_mailed_link_opens_the_booking_on_another_device()
    {
        var organizer = await system.NewOrganizer(verified: true);
        var email = $"ada-{Guid.NewGuid():N}@example.com";
        await using (var laptop = await system.NewContext(VisitorZone))
        {
            var page = await OpenBookingPage(laptop, organizer.EventTypeId);
            await Slot(page, "09:00").ClickAsync();
            await FillDetails(page, "Ada Lovelace", email);
            await page.ClickAsync("#submit");
            await Expect(page.Locator("#confirmation-email")).ToHaveTextAsync(email);
            await Expect(page.Locator("#confirmation-mailed")).ToBeVisibleAsync();
            await Expect(page.Locator("#confirmation")).ToContainTextAsync("we mail the details and this link to that address");
        }

        // The booker closed the tab; the mail brings the booking back on another device.
        var mail = Assert.Single(await system.Mail.WaitForMailsTo(email));
        Assert.Equal("Booked: Intro call with Olga Organizer", mail.Subject);
        await using var phone = await system.NewContext(VisitorZone);
        var manage = await phone.NewPageAsync();
        await manage.GotoAsync(mail.ManageLink!);
        await Expect(manage.Locator("#status")).ToHaveTextAsync("Confirmed");
        await Expect(manage.Locator("#time")).ToContainTextAsync("09:00 – 09:30");
    }

    [Fact]
    public async Task A_booker_who_lost_the_link_gets_it_again_by_mail_from_the_booking_page()
    {
        var organizer = await system.NewOrganizer(verified: true);
        var email = $"lost-{Guid.NewGuid():N}@example.com";
        // 15:00 in the organizer's Berlin, whatever the season.
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var local = Day.ToDateTime(new TimeOnly(15, 0));
        var start = new DateTimeOffset(local, berlin.GetUtcOffset(local)).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);
        var booked = await SchedulerSystem.Expect(HttpStatusCode.Created, await system.Http.PostAsJsonAsync("/api/bookings",
            new { eventTypeId = organizer.EventTypeId, start, name = "Lin Lost", email }));
        var bookingId = booked["id"]!.GetValue<Guid>();

        await using var context = await system.NewContext(VisitorZone);
        var page = await OpenBookingPage(context, organizer.EventTypeId);
        await page.ClickAsync("#find-bookings");
        await Expect(page.Locator("#title")).ToHaveTextAsync("Find your bookings");
        await page.FillAsync("#links-email", email);
        await page.ClickAsync("#links-send");
        await Expect(page.Locator("#links-sent")).ToBeVisibleAsync();

        var mail = (await system.Mail.WaitForMailsTo(email, which: m => m.Subject == "Your upcoming bookings")).Single();
        var link = Assert.Single(mail.ManageLinks);
        Assert.Contains($"/manage/{bookingId}?token=", link);
        await page.GotoAsync(link);
        await Expect(page.Locator("#status")).ToHaveTextAsync("Confirmed");
        await Expect(page.Locator("#booker")).ToContainTextAsync(email);
    }

    [Fact]
    public async Task The_confirmation_shows_the_visitors_zone_and_its_manage_link_cancels_the_booking()
    {
        var organizer = await system.NewOrganizer();
        await using var context = await system.NewContext(VisitorZone);
        var page = await OpenBookingPage(context, organizer.EventTypeId);
        await Expect(page.Locator("#zone")).ToHaveValueAsync(VisitorZone); // detected from the browser
        await system.Screenshot(page, "booking-page");

        await Slot(page, "10:00").ClickAsync();
        await FillDetails(page, "Grace Hopper", "grace@example.com");
        await page.ClickAsync("#submit");

        await Expect(page.Locator("#confirmation-time")).ToContainTextAsync("10:00 – 10:30");
        await Expect(page.Locator("#confirmation-time")).ToContainTextAsync(Day.DayOfWeek.ToString());
        await Expect(page.Locator("#confirmation-zone")).ToHaveTextAsync($"Times in {VisitorZone}");
        // This organizer never confirmed their address: the page promises no mail.
        await Expect(page.Locator("#confirmation-mailed")).ToBeHiddenAsync();
        await system.Screenshot(page, "booking-confirmed");

        // "Add to your calendar" downloads the booking as an iCalendar file.
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#calendar-link"));
        Assert.EndsWith(".ics", download.SuggestedFilename);
        var ics = await File.ReadAllTextAsync((await download.PathAsync())!);
        Assert.Contains("BEGIN:VEVENT", ics);
        Assert.Contains("SUMMARY:Intro call with Olga Organizer", ics);
        Assert.Contains("STATUS:CONFIRMED", ics);

        await page.ClickAsync("#manage-link");
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex(@"/manage/[0-9a-f-]{36}\?token="));
        await Expect(page.Locator("#status")).ToHaveTextAsync("Confirmed");
        await Expect(page.Locator("#time")).ToContainTextAsync("10:00 – 10:30");
        await page.FillAsync("#reason", "Something came up");
        await page.ClickAsync("#cancel");
        await Expect(page.Locator("#status")).ToHaveTextAsync("Cancelled");
        await Expect(page.Locator("#cancelled-note")).ToContainTextAsync("Something came up");
        // The manage page's copy now says it is cancelled, for the calendar app to update its entry.
        var cancelledCopy = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#calendar-link"));
        Assert.Contains("STATUS:CANCELLED", await File.ReadAllTextAsync((await cancelledCopy.PathAsync())!));
        await system.Screenshot(page, "manage-cancelled");

        var bookingId = page.Url.Split('/', '?')[4];
        var stored = await system.Get($"/api/bookings/{bookingId}", organizer.Token);
        Assert.Equal("Cancelled", stored["status"]!.GetValue<string>());
    }
}
