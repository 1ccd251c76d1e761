namespace Scheduler.Calendar;

/// <summary>
/// "Starts soon" reminders. One Orleans reminder per calendar, armed for the next due booking and
/// re-armed when it fires, so a booking costs a reminder-table write only when it becomes the
/// earliest one due. Whether a booking is due is decided at tick time, so cancelled or moved
/// bookings simply do not qualify any more.
/// </summary>
public sealed partial class CalendarGrain
{
    private const string BookingReminder = "booking-reminders";
    private bool _rearming;

    /// <summary>Confirmed, future, not yet reminded bookings whose event type wants a reminder.</summary>
    private IEnumerable<(BookingRecord Booking, DateTimeOffset Due)> RemindableBookings(DateTimeOffset now) =>
        from b in State.Bookings.Values
        where b.Status == BookingStatus.Confirmed && !b.ReminderSent && b.Start > now
        let minutes = State.EventTypes.Find(e => e.Id == b.EventTypeId)?.ReminderMinutes ?? 0
        where minutes > 0
        select (b, b.Start - TimeSpan.FromMinutes(minutes));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        switch (reminderName)
        {
            case BookingReminder:
                await SendDueBookingReminders();
                break;
            case "outbox":
                await RetireOutboxReminder();
                break;
        }
    }

    private DateTimeOffset? DueOf(BookingRecord b, DateTimeOffset now)
    {
        if (b.Status != BookingStatus.Confirmed || b.ReminderSent || b.Start <= now) return null;
        var minutes = State.EventTypes.Find(e => e.Id == b.EventTypeId)?.ReminderMinutes ?? 0;
        return minutes > 0 ? b.Start - TimeSpan.FromMinutes(minutes) : null;
    }

    private async Task SendDueBookingReminders()
    {
        var now = Now;
        logger.LogDebug("Calendar {Organizer}: booking reminder tick at {Now}", OrganizerId, now);
        var due = RemindableBookings(now).Where(r => r.Due <= now).Select(r => r.Booking).ToList();
        foreach (var booking in due)
        {
            booking.ReminderSent = true;
            Changes.Bookings.Add(booking.Id);
            Notify(booking, BookingChangeKind.Reminder,
                organizer: $"Starting soon: {booking.Name}'s booking of {Describe(booking)}.",
                booker: $"Reminder: your booking of {Describe(booking)} starts soon.");
        }
        if (due.Count > 0)
        {
            await _writer.CommitAsync();
            // Stored: the bookers' reminder mails go to a front end (the silo has no mailer).
            MailReminders(due);
        }
        // The reminder keeps ticking (every retry period) until it is re-armed for the next booking.
        RearmBookingReminder(afterTick: true);
    }

    private void MailReminders(List<BookingRecord> due)
    {
        var relay = GrainFactory.GetGrain<IMailRelayGrain>(0);
        foreach (var booking in due)
        {
            try
            {
                _ = relay.Send(new BookingMail(BookingMailKind.Reminder, ToView(booking), KnownManageToken(booking)));
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Calendar {Organizer}: reminder mail for {BookingId} skipped", OrganizerId, booking.Id);
            }
        }
    }

    /// <summary>
    /// Makes sure the reminder fires no later than the next booking due; never blocks the caller.
    /// The reminder's period is short (the retry period): Orleans skips ticks missed while no silo
    /// was up, so a due time that passed during an outage is caught by the next short tick.
    /// </summary>
    /// <param name="changed">
    /// The one booking that changed, when only one did: then the armed reminder stays right unless
    /// that booking is due earlier, and the bookings need no scan (a hot calendar books hundreds a second).
    /// </param>
    /// <summary>Whether <c>State.BookingReminderDue</c> is what this activation registered (not a value loaded with the calendar).</summary>
    private bool _reminderArmedHere;

    private void RearmBookingReminder(bool afterTick = false, BookingRecord? changed = null)
    {
        if (_rearming || _writer.IsBroken) return;
        var now = Now;
        // A loaded time that has passed says nothing about the registration now: the tick that came
        // then re-armed it for a later time, which reaches the table only with the next commit (a
        // calendar reloaded before that reads the old time). What this activation armed it knows.
        DateTimeOffset? known = State.BookingReminderDue is { } remembered && (_reminderArmedHere || remembered > now) ? remembered : null;
        if (!afterTick && changed is not null)
        {
            var due = DueOf(changed, now);
            if (due is null) return;
            if (known is { } armedAt && armedAt <= due) return;
        }
        var dues = RemindableBookings(now).Select(r => r.Due).ToList();
        DateTimeOffset? next = dues.Count > 0 ? dues.Min() : null;
        var armed = afterTick ? DateTimeOffset.MinValue : known;
        // Armed early enough already: the tick re-arms for whatever is next then.
        if (next is not null && armed is not null && armed <= next && !afterTick) return;
        if (next is null && armed is null && State.BookingReminderDue is null) return;
        _rearming = true;
        _ = Rearm(next);

        async Task Rearm(DateTimeOffset? target)
        {
            try
            {
                if (target is { } at)
                {
                    var dueIn = at - Now;
                    await this.RegisterOrUpdateReminder(BookingReminder, dueIn < TimeSpan.Zero ? TimeSpan.Zero : dueIn, options.Value.RetryPeriod);
                }
                else if (await this.GetReminder(BookingReminder) is { } reminder)
                {
                    await this.UnregisterReminder(reminder);
                }
                logger.LogDebug("Calendar {Organizer}: booking reminder armed for {Due}", OrganizerId, target);
                // Remembered with the calendar's next commit; after a restart at worst one extra re-arm.
                State.BookingReminderDue = target;
                _reminderArmedHere = true;
                _rearming = false;
                // Bookings decided while this registration was in flight may need an earlier time.
                RearmBookingReminder();
            }
            catch (Exception e)
            {
                _rearming = false;
                logger.LogWarning(e, "Calendar {Organizer}: could not arm the booking reminder", OrganizerId);
            }
        }
    }
}
