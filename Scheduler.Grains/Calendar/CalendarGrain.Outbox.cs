namespace Scheduler.Calendar;

public sealed partial class CalendarGrain
{
    private const string OutboxReminder = "outbox";
    private const int MaxDeliveryBatch = 500;
    private bool _delivering;
    private bool _outboxReminderArmed;

    /// <summary>
    /// Commits the decisions taken so far. When they added side effects, the "outbox" reminder is
    /// armed alongside the write and before the caller hears back, so a silo crash right after
    /// the write cannot strand them: the reminder wakes the calendar on another silo to deliver.
    /// </summary>
    private async Task CommitWithOutboxAsync(bool addedSideEffects)
    {
        var arming = addedSideEffects ? ArmOutboxReminder() : Task.CompletedTask;
        await _writer.CommitAsync();
        await arming;
    }

    private async Task ArmOutboxReminder()
    {
        if (_outboxReminderArmed) return;
        _outboxReminderArmed = true;
        try
        {
            var period = options.Value.RetryPeriod;
            await this.RegisterOrUpdateReminder(OutboxReminder, period, period);
        }
        catch (Exception e)
        {
            // The decision is durable either way; without the reminder its side effects wait for
            // the calendar's next activation instead.
            _outboxReminderArmed = false;
            logger.LogWarning(e, "Calendar {Organizer}: could not arm the outbox reminder", OrganizerId);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == BookingReminder)
        {
            await SendDueBookingReminders();
            return;
        }
        if (reminderName != OutboxReminder) return;
        if (State.Outbox.Count > 0)
        {
            _outboxReminderArmed = true;
            DeliverOutbox();
            return;
        }
        // Nothing left to deliver: stop waking up.
        if (await this.GetReminder(OutboxReminder) is { } reminder) await this.UnregisterReminder(reminder);
        _outboxReminderArmed = false;
    }

    /// <summary>
    /// Queues a notification for the organizer and the booker in the outbox, which the caller's
    /// state write makes durable together with the decision.
    /// </summary>
    private void Notify(BookingRecord booking, string change, string organizer, string booker)
    {
        var now = Now;
        State.Outbox.Add(new OutboxMessage
        {
            Id = Guid.NewGuid(), Kind = OutboxKind.Notify, UserId = OrganizerId, BookingId = booking.Id,
            Change = change, Message = organizer, SentAt = now,
        });
        if (booking.UserId != OrganizerId)
        {
            State.Outbox.Add(new OutboxMessage
            {
                Id = Guid.NewGuid(), Kind = OutboxKind.Notify, UserId = booking.UserId, BookingId = booking.Id,
                Change = change, Message = booker, SentAt = now,
            });
        }
    }

    /// <summary>
    /// Pushes a durable booking change to live clients of the organizer and the booker. Best effort
    /// (one-way): a client that misses it still finds the notification in its inbox.
    /// </summary>
    private void PublishChange(BookingRecord booking, string kind)
    {
        try
        {
            var audience = booking.UserId == OrganizerId ? new[] { OrganizerId } : new[] { OrganizerId, booking.UserId };
            _ = LiveRelay.For(GrainFactory, OrganizerId).PublishBookingChange(new BookingChange(kind, ToView(booking), Now, audience));
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Calendar {Organizer}: live publish skipped", OrganizerId);
        }
    }

    /// <summary>
    /// Delivers durable side effects to their grains, at least once (receivers are idempotent).
    /// Delivered messages leave the outbox in memory; storage forgets them with the next write,
    /// and a reactivation may deliver a few again, which receivers ignore.
    /// </summary>
    private void DeliverOutbox()
    {
        if (_delivering) return;
        _delivering = true;
        _ = DeliverAsync();

        async Task DeliverAsync()
        {
            try
            {
                while (State.Outbox.Count > 0 && !_writer.IsBroken)
                {
                    // Only side effects of durable decisions leave: the outbox is in decision order,
                    // and everything decided so far is durable once this completes.
                    await _writer.WhenDurableAsync();
                    var batch = State.Outbox.Take(MaxDeliveryBatch).ToList();
                    // One call per recipient (their messages in order, in one write), recipients in parallel.
                    var deliveries = batch.GroupBy(m => (m.Kind, m.UserId))
                        .Select(async group =>
                        {
                            await Deliver(group.Key.Kind, group.Key.UserId, group.ToList());
                            return group.ToList();
                        })
                        .ToList();
                    try
                    {
                        await Task.WhenAll(deliveries);
                    }
                    finally
                    {
                        var delivered = deliveries.Where(d => d.IsCompletedSuccessfully).SelectMany(d => d.Result).ToHashSet();
                        State.Outbox.RemoveAll(delivered.Contains);
                    }
                }
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Calendar {Organizer}: outbox delivery failed; retrying shortly", OrganizerId);
                // A broken calendar is deactivating: its next activation delivers from storage.
                if (!_writer.IsBroken)
                    this.RegisterGrainTimer(() => { DeliverOutbox(); return Task.CompletedTask; },
                        new GrainTimerCreationOptions(TimeSpan.FromSeconds(2), Timeout.InfiniteTimeSpan));
            }
            finally
            {
                _delivering = false;
            }
        }
    }

    private async Task Deliver(OutboxKind kind, Guid userId, IReadOnlyList<OutboxMessage> messages)
    {
        switch (kind)
        {
            case OutboxKind.RecordBooking:
                var user = GrainFactory.GetGrain<IUserGrain>(userId);
                foreach (var message in messages) await user.RecordBooking(message.BookingId, OrganizerId);
                break;
            case OutboxKind.Notify:
                await GrainFactory.GetGrain<IInboxGrain>(userId).DeliverMany(messages
                    .Select(m => new NotificationView(m.Id, m.UserId, m.Message ?? "", m.SentAt, null, m.BookingId, m.Change))
                    .ToList());
                break;
        }
    }
}
