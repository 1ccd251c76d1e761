using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>"Starts soon" reminders, driven by a controlled clock rather than by waiting.</summary>
public sealed class BookingReminderTests() : ClockedApp("reminders")
{
    /// <summary>
    /// Orleans' reminder service waits on the clock it is given, even for "due now" ticks, so the
    /// clock keeps moving a second at a time while we wait for the outcome.
    /// </summary>
    private Task AdvanceUntil(Func<Task<bool>> check, string what) =>
        Eventually(async () =>
        {
            Time.Advance(TimeSpan.FromSeconds(1));
            return await check();
        }, within: TimeSpan.FromSeconds(60), what: what);

    private static async Task<List<string>> Reminders(HttpClient client) =>
        (await client.Notifications()).Where(n => n!["kind"]!.GetValue<string>() == "reminder")
            .Select(n => n!["bookingId"]!.GetValue<Guid>().ToString()).ToList();

    [Fact]
    public async Task A_confirmed_booking_is_reminded_before_its_start_a_cancelled_one_never_and_reminders_survive_a_restart()
    {
        var anonymous = App.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(App);
        var eventType = await (await organizer.Client.GetAsync($"/api/event-types/{eventTypeId}")).Json();
        Assert.Equal(60, eventType["reminderMinutes"]!.GetValue<int>());
        var booker = await anonymous.SignUpAndSignIn(App);

        var keptBooking = await (await booker.Client.Book(eventTypeId, At(FutureMonday, "09:00"))).Json();
        var kept = keptBooking["id"]!.GetValue<Guid>();
        var keptEmail = keptBooking["email"]!.GetValue<string>();
        var cancelled = (await (await booker.Client.Book(eventTypeId, At(FutureMonday, "09:30"), keptEmail)).Json())["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{cancelled}/cancel", new { reason = "no" })).StatusCode);
        var laterBooking = await (await booker.Client.Book(eventTypeId, At(FutureMonday, "12:00"), keptEmail)).Json();
        var later = laterBooking["id"]!.GetValue<Guid>();

        // 07:01 UTC: an hour before 09:00 Berlin has passed, not yet for 09:30 or 12:00.
        Time.Advance(TimeSpan.FromMinutes(61));
        await AdvanceUntil(async () => (await Reminders(organizer.Client)).Count == 1 && (await Reminders(booker.Client)).Count == 1,
            "the 09:00 booking's reminders");
        Assert.Equal([kept.ToString()], await Reminders(organizer.Client));
        // The booking's address is mailed too, with the link to the booking.
        var reminder = Assert.Single(await App.Mail.WaitForMailsTo(keptEmail, which: m => m.Subject.StartsWith("Reminder:", StringComparison.Ordinal)));
        Assert.Equal("Reminder: Intro call with Olga Organizer at 09:00", reminder.Subject);
        Assert.Contains($"/manage/{kept}?token=", reminder.ManageLink);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/bookings/{kept}?token={Uri.EscapeDataString(reminder.ManageToken!)}")).StatusCode);

        // 08:31 UTC: the cancelled 09:30 booking would be due now, but it never fires.
        Time.Advance(TimeSpan.FromMinutes(90));
        await App.RestartAsync();
        var organizerAfter = App.CreateClient();
        organizerAfter.DefaultRequestHeaders.Authorization = new("Bearer", organizer.Token);

        // 10:01 UTC: an hour before 12:00 Berlin. The reminder was armed before the restart.
        Time.Advance(TimeSpan.FromMinutes(90));
        await AdvanceUntil(async () => (await Reminders(organizerAfter)).Count == 2, "the 12:00 booking's reminder after a restart");
        Assert.Equal([later.ToString(), kept.ToString()], await Reminders(organizerAfter));
        Assert.DoesNotContain(cancelled.ToString(), await Reminders(organizerAfter));
        // Mailed after the restart too (the new front end subscribed to the mail relay); never for the cancelled booking.
        var reminders = await App.Mail.WaitForMailsTo(keptEmail, 2, which: m => m.Subject.StartsWith("Reminder:", StringComparison.Ordinal));
        Assert.Equal(["Reminder: Intro call with Olga Organizer at 09:00", "Reminder: Intro call with Olga Organizer at 12:00"], reminders.Select(m => m.Subject));
        Assert.DoesNotContain(reminders, m => m.Text.Contains(cancelled.ToString(), StringComparison.Ordinal));
    }

    /// <summary>
    /// After a tick the reminder is re-armed for the next booking, which the table learns only with the
    /// calendar's next commit. A calendar reloaded before that reads the passed time; a booking due
    /// earlier than what is armed must still be reminded on time.
    /// </summary>
    [Fact]
    public async Task A_booking_made_after_a_reload_is_reminded_even_though_the_stored_reminder_time_had_passed()
    {
        var anonymous = App.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(App);
        var first = (await (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).Json())["id"]!.GetValue<Guid>();
        var late = (await (await anonymous.Book(eventTypeId, At(FutureMonday, "16:00"))).Json())["id"]!.GetValue<Guid>();

        // 07:01 UTC: the 09:00 booking's reminder; the tick then re-arms for the 16:00 booking's (due 15:00 Berlin).
        Time.Advance(TimeSpan.FromMinutes(61));
        await AdvanceUntil(async () => (await Reminders(organizer.Client)).Count == 1, "the 09:00 booking's reminder");
        Assert.Equal([first.ToString()], await Reminders(organizer.Client));
        var rearmed = DateTimeOffset.Parse(At(FutureMonday, "15:00"));
        await Eventually(async () => await ReminderStart(organizer.Id) is { } start && Math.Abs((start - rearmed).TotalSeconds) < 1,
            what: "the reminder re-armed for the 16:00 booking");

        // The silo goes down before the calendar commits again (a crash: nothing is written on the way
        // down), so the calendar reloads the due time it stored with the tick, which has passed.
        await App.RestartAsync(crash: true);
        var organizerAfter = App.CreateClient();
        organizerAfter.DefaultRequestHeaders.Authorization = new("Bearer", organizer.Token);
        var soon = (await (await App.CreateClient().Book(eventTypeId, At(FutureMonday, "10:00"))).Json())["id"]!.GetValue<Guid>();

        // 08:01 UTC: an hour before 10:00 Berlin.
        Time.SetUtcNow(DateTimeOffset.Parse(At(FutureMonday, "09:01")));
        await AdvanceUntil(async () => (await Reminders(organizerAfter)).Count == 2, "the 10:00 booking's reminder after the reload");
        Assert.Equal([soon.ToString(), first.ToString()], await Reminders(organizerAfter));
        Assert.DoesNotContain(late.ToString(), await Reminders(organizerAfter));
    }

    /// <summary>When the calendar's booking reminder is registered to fire next (Orleans' reminder table).</summary>
    private async Task<DateTimeOffset?> ReminderStart(Guid organizerId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select start_time from orleans_reminders where reminder_name = 'booking-reminders' and grain_id like '%' || $1 || '%'", connection);
        command.Parameters.Add(new() { Value = organizerId.ToString("N") });
        return await command.ExecuteScalarAsync() is DateTime start ? new DateTimeOffset(start, TimeSpan.Zero) : null;
    }

    [Fact]
    public async Task An_event_type_with_reminder_minutes_zero_sends_none()
    {
        var anonymous = App.CreateClient();
        var organizer = await anonymous.SignUpAndSignIn(App);
        await organizer.Client.PutAsJsonAsync("/api/availability", new[] { new { dayOfWeek = "Monday", startTime = "09:00", endTime = "17:00" } });
        var quiet = (await (await organizer.Client.PostAsJsonAsync("/api/event-types", new { title = "Quiet", durationMinutes = 30, reminderMinutes = 0 })).Json())["id"]!.GetValue<Guid>();
        var loud = (await (await organizer.Client.PostAsJsonAsync("/api/event-types", new { title = "Loud", durationMinutes = 30, reminderMinutes = 30 })).Json())["id"]!.GetValue<Guid>();
        var silent = (await (await anonymous.Book(quiet, At(FutureMonday, "09:00"))).Json())["id"]!.GetValue<Guid>();
        var reminded = (await (await anonymous.Book(loud, At(FutureMonday, "10:00"))).Json())["id"]!.GetValue<Guid>();

        // 08:31 UTC: past 30 minutes before 10:00 Berlin (09:00 UTC is its start).
        Time.Advance(TimeSpan.FromMinutes(151));
        await AdvanceUntil(async () => (await Reminders(organizer.Client)).Count == 1, "the Loud booking's reminder");
        Assert.Equal([reminded.ToString()], await Reminders(organizer.Client));
        Assert.DoesNotContain(silent.ToString(), await Reminders(organizer.Client));
    }
}
