namespace Scheduler.Users;

public sealed class InboxState
{
    /// <summary>The owner's user id (also the grain key), kept in the JSON for SQL views.</summary>
    public Guid UserId { get; set; }

    /// <summary>Oldest first.</summary>
    public List<NotificationRecord> Notifications { get; set; } = [];
}

public sealed class NotificationRecord
{
    public Guid Id { get; set; }
    public string Message { get; set; } = "";
    public DateTimeOffset SentAt { get; set; }
    public DateTimeOffset? ReadAt { get; set; }
    public Guid? BookingId { get; set; }
    public string? Kind { get; set; }
}

/// <summary>
/// A user's notifications. Deliveries are at least once, so each one is keyed by the id the
/// calendar gave it when it made the decision: a redelivery is recognised and dropped.
/// </summary>
public sealed class InboxGrain(
    [PersistentState("inbox", "scheduler")] IPersistentState<InboxState> store,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(SchedulerClock.Key)] TimeProvider clock) : DurableGrain, IInboxGrain
{
    /// <summary>The inbox keeps the newest notifications; the oldest read ones go first.</summary>
    public const int Capacity = 2000;

    private HashSet<Guid> _ids = [];

    private List<NotificationRecord> Items => store.State.Notifications;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ids = Items.Select(n => n.Id).ToHashSet();
        store.State.UserId = this.GetPrimaryKey();
        return Task.CompletedTask;
    }

    public Task Deliver(NotificationView notification) => DeliverMany([notification]);

    public async Task DeliverMany(IReadOnlyList<NotificationView> notifications)
    {
        var added = new List<NotificationRecord>();
        foreach (var notification in notifications)
        {
            if (!_ids.Add(notification.Id)) continue;
            var record = new NotificationRecord
            {
                Id = notification.Id, Message = notification.Message, SentAt = notification.SentAt,
                BookingId = notification.BookingId, Kind = notification.Kind,
            };
            // Keep oldest-first order even when outboxes of several calendars interleave.
            Items.Insert(Items.FindLastIndex(n => n.SentAt <= record.SentAt) + 1, record);
            added.Add(record);
        }
        if (added.Count == 0) return;
        Trim();
        // Not durable means unknown: reload from storage, so a redelivery is judged by what was stored.
        await WriteOrRetryLaterAsync(store);
        // Live clients hear of them now; the inbox is the durable copy.
        var relay = LiveRelay.For(GrainFactory, this.GetPrimaryKey());
        foreach (var record in added) _ = relay.PublishNotification(ToView(record));
    }

    private void Trim()
    {
        while (Items.Count > Capacity)
        {
            var victim = Items.FindIndex(n => n.ReadAt is not null);
            if (victim < 0) victim = 0;
            _ids.Remove(Items[victim].Id);
            Items.RemoveAt(victim);
        }
    }

    public Task<NotificationPage> List(int limit, NotificationCursor? before)
    {
        IEnumerable<NotificationRecord> newestFirst = Enumerable.Reverse(Items);
        if (before is not null)
            newestFirst = newestFirst.Where(n => n.SentAt < before.SentAt || (n.SentAt == before.SentAt && n.Id.CompareTo(before.Id) < 0));
        var page = newestFirst.OrderByDescending(n => n.SentAt).ThenByDescending(n => n.Id).Take(limit + 1).Select(ToView).ToList();
        var hasMore = page.Count > limit;
        if (hasMore) page.RemoveAt(page.Count - 1);
        return Task.FromResult(new NotificationPage(page, hasMore));
    }

    public async Task<NotificationView?> MarkRead(Guid notificationId)
    {
        var record = Items.Find(n => n.Id == notificationId);
        if (record is null) return null;
        if (record.ReadAt is null)
        {
            record.ReadAt = clock.GetUtcNow();
            await store.WriteStateAsync();
        }
        return ToView(record);
    }

    public Task<int> UnreadCount() => Task.FromResult(Items.Count(n => n.ReadAt is null));

    private NotificationView ToView(NotificationRecord n) =>
        new(n.Id, this.GetPrimaryKey(), n.Message, n.SentAt, n.ReadAt, n.BookingId, n.Kind);
}
