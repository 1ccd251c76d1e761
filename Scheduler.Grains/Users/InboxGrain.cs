using Scheduler.Storage;

namespace Scheduler.Users;

/// <summary>
/// A user's notifications: a thin reader over the notifications table, which the calendars write
/// in the same transaction as each decision. Keeps nothing, so any number of activations may serve.
/// </summary>
[StatelessWorker]
public sealed class InboxGrain(
    NotificationStore notifications,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(SchedulerClock.Key)] TimeProvider clock) : Grain, IInboxGrain
{
    public Task<NotificationPage> List(int limit, NotificationCursor? before) =>
        Db.Read(() => notifications.List(this.GetPrimaryKey(), limit, before));

    public Task<NotificationView?> MarkRead(Guid notificationId)
    {
        var now = clock.GetUtcNow();
        return Db.Read(() => notifications.MarkRead(this.GetPrimaryKey(), notificationId,
            new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero)));
    }

    public Task<int> UnreadCount() => Db.Read(() => notifications.UnreadCount(this.GetPrimaryKey()));
}
