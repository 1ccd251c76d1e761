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
        return CommitAndPublishAsync(commit, changes.Pushes.ToList());
    }

    private async Task CommitAndPublishAsync(CalendarCommit commit, List<(Guid BookingId, BookingChangeKind Kind)> pushes)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        CommitResult result;
        try
        {
            result = await store.CommitAsync(commit);
        }
        catch (Exception e)
        {
            SchedulerMetrics.FailedCommits.Add(1, new KeyValuePair<string, object?>("reason", e is CalendarVersionConflictException ? "version-conflict" : "storage"));
            throw;
        }
        SchedulerMetrics.CommitTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        SchedulerMetrics.CommitBatchSize.Record(commit.NewBookings.Count + commit.ChangedBookings.Count);
        State.Version = result.Version;
        // Anonymous bookings belong to whichever user holds the booker's address: the commit said which.
        foreach (var (bookingId, userId) in result.BookingUsers)
        {
            if (State.Bookings.TryGetValue(bookingId, out var booking)) booking.UserId = userId;
        }
        foreach (var (key, bookingId) in commit.Replies.Where(r => r.BookingId is not null).Select(r => (r.Key, r.BookingId!.Value))
                     .Concat(commit.NewBookings.Where(b => b.IdempotencyKey is not null).Select(b => (b.IdempotencyKey!, b.Id))))
        {
            if (result.BookingUsers.TryGetValue(bookingId, out var user)
                && State.IdempotencyKeys.TryGetValue(key, out var stored) && stored.Booking is not null)
                stored.Booking = stored.Booking with { UserId = user };
        }
        Publish(pushes, commit.Notifications);
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
    private void Notify(BookingRecord booking, BookingChangeKind change, string organizer, string booker)
    {
        var now = Now;
        Changes.Notifications.Add(new NotificationRow(Guid.CreateVersion7(now), OrganizerId, booking.Id, organizer, change, now));
        if (booking.Anonymous || booking.UserId != OrganizerId)
        {
            // Null: the booker of this booking, as the commit resolves it.
            Changes.Notifications.Add(new NotificationRow(Guid.CreateVersion7(now), booking.Anonymous ? null : booking.UserId, booking.Id, booker, change, now));
        }
    }

    /// <summary>
    /// Pushes one commit's durable changes to live clients of the organizer and the bookers, as one
    /// one-way message. Best effort: a client that misses it still finds the notifications in the table.
    /// </summary>
    private void Publish(List<(Guid BookingId, BookingChangeKind Kind)> pushes, IReadOnlyList<NotificationRow> notifications)
    {
        if (pushes.Count == 0 && notifications.Count == 0) return;
        var now = Now;
        var changes = new List<BookingChange>(pushes.Count);
        foreach (var (bookingId, kind) in pushes)
        {
            if (!State.Bookings.TryGetValue(bookingId, out var booking)) continue;
            var audience = booking.UserId == OrganizerId ? new[] { OrganizerId } : new[] { OrganizerId, booking.UserId };
            changes.Add(new BookingChange(kind, ToView(booking), now, audience));
        }
        var views = new List<NotificationView>(notifications.Count);
        foreach (var n in notifications)
        {
            var userId = n.UserId ?? (State.Bookings.TryGetValue(n.BookingId, out var b) ? b.UserId : Guid.Empty);
            if (userId == Guid.Empty || (n.UserId is null && userId == OrganizerId)) continue;
            views.Add(new NotificationView(n.Id, userId, n.Message, n.SentAt, null, n.BookingId, n.Kind, userId == OrganizerId));
        }
        try
        {
            _ = LiveRelay.For(GrainFactory, OrganizerId).Publish(new LiveBatch(changes, views));
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Calendar {Organizer}: live publish skipped", OrganizerId);
        }
    }

    /// <summary>Tells live clients about a booking change once the commit holding it is durable.</summary>
    private void PushAfterCommit(BookingRecord booking, BookingChangeKind kind) => Changes.Pushes.Add((booking.Id, kind));

    /// <summary>An "outbox" reminder armed by an earlier version (which delivered notifications after the write) is no longer needed.</summary>
    private async Task RetireOutboxReminder()
    {
        if (await this.GetReminder("outbox") is { } reminder) await this.UnregisterReminder(reminder);
    }
}
