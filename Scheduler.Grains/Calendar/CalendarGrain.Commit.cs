using Scheduler.Storage;

namespace Scheduler.Calendar;

/// <summary>
/// Group commits and what follows them. Decisions add their changed rows to <see cref="Changes"/>;
/// each commit writes one batch's rows in one transaction under the calendar's version. After the
/// commit, and only then, live clients hear of the changes (best effort: the tables are the truth).
/// </summary>
public sealed partial class CalendarGrain
{
    /// <summary>
    /// Runs on the grain's turn up to <see cref="ICalendarStore.CommitAsync"/>: the rows are copied
    /// out of the live state before any other decision can interleave.
    /// </summary>
    private Task WriteAsync(CalendarChanges changes)
    {
        var commit = changes.Snapshot(_state, Now);
        return CommitAndPublishAsync(commit);
    }

    private async Task CommitAndPublishAsync(CalendarCommit commit)
    {
        var result = await store.CommitAsync(commit);
        State.Version = result.Version;
        // Anonymous bookings belong to whichever user holds the booker's address: the commit said which.
        foreach (var (bookingId, userId) in result.BookingUsers)
        {
            if (State.Bookings.TryGetValue(bookingId, out var booking)) booking.UserId = userId;
        }
        foreach (var reply in commit.Replies)
        {
            if (reply.BookingId is { } bookingId && result.BookingUsers.TryGetValue(bookingId, out var user)
                && State.IdempotencyKeys.TryGetValue(reply.Key, out var stored) && stored.Booking is not null)
                stored.Booking = stored.Booking with { UserId = user };
        }
        PublishNotifications(commit.Notifications);
    }

    private void OnWriteFailed(Exception error)
    {
        if (error is CalendarVersionConflictException)
            logger.LogWarning("Calendar {Organizer}: another activation committed first; refusing decisions and reloading", OrganizerId);
        else
            logger.LogError(error, "Calendar {Organizer}: commit failed; refusing decisions and reloading", OrganizerId);
        DeactivateOnIdle();
    }

    /// <summary>
    /// Queues a notification for the organizer and the booker; the commit writes them in the same
    /// transaction as the decision they report.
    /// </summary>
    private void Notify(BookingRecord booking, string change, string organizer, string booker)
    {
        var now = Now;
        Changes.Notifications.Add(new NotificationRow(Guid.CreateVersion7(now), OrganizerId, booking.Id, organizer, change, now));
        if (booking.Anonymous || booking.UserId != OrganizerId)
        {
            // Null: the booker of this booking, as the commit resolves it.
            Changes.Notifications.Add(new NotificationRow(Guid.CreateVersion7(now), booking.Anonymous ? null : booking.UserId, booking.Id, booker, change, now));
        }
    }

    private void PublishNotifications(IReadOnlyList<NotificationRow> notifications)
    {
        foreach (var n in notifications)
        {
            var userId = n.UserId ?? (State.Bookings.TryGetValue(n.BookingId, out var b) ? b.UserId : Guid.Empty);
            if (userId == Guid.Empty || (n.UserId is null && userId == OrganizerId)) continue;
            try
            {
                _ = LiveRelay.For(GrainFactory, userId)
                    .PublishNotification(new NotificationView(n.Id, userId, n.Message, n.SentAt, null, n.BookingId, n.Kind, userId == OrganizerId));
            }
            catch (Exception e)
            {
                logger.LogDebug(e, "Calendar {Organizer}: live notification skipped", OrganizerId);
            }
        }
    }

    /// <summary>
    /// Pushes a durable booking change to live clients of the organizer and the booker. Best effort
    /// (one-way): a client that misses it still finds the notification in the table.
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

    /// <summary>An "outbox" reminder armed by an earlier version (which delivered notifications after the write) is no longer needed.</summary>
    private async Task RetireOutboxReminder()
    {
        if (await this.GetReminder("outbox") is { } reminder) await this.UnregisterReminder(reminder);
    }
}
