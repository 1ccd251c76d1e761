namespace Scheduler;

/// <summary>A message to a user (the seed's Notification), with when it was sent and read.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.NotificationView")]
public sealed record NotificationView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] string Message,
    [property: Id(3)] DateTimeOffset SentAt,
    [property: Id(4)] DateTimeOffset? ReadAt,
    [property: Id(5)] Guid? BookingId,
    [property: Id(6)] BookingChangeKind? Kind,
    [property: Id(7)] bool AboutOwnCalendar = false);

[GenerateSerializer, Immutable, Alias("scheduler.NotificationPage")]
public sealed record NotificationPage(
    [property: Id(0)] IReadOnlyList<NotificationView> Items,
    [property: Id(1)] bool HasMore);

/// <summary>
/// A user's notifications, as the calendars wrote them (in the transaction of the decision they report).
/// </summary>
[Alias("scheduler.IInboxGrain")]
public interface IInboxGrain : IGrainWithGuidKey
{
    /// <summary>Newest first; <paramref name="before"/> continues after the last item of a page.</summary>
    [Alias("List"), Orleans.Concurrency.ReadOnly]
    Task<NotificationPage> List(int limit, NotificationCursor? before);

    [Alias("MarkRead")]
    Task<NotificationView?> MarkRead(Guid notificationId);

    [Alias("UnreadCount"), Orleans.Concurrency.ReadOnly]
    Task<int> UnreadCount();
}

[GenerateSerializer, Immutable, Alias("scheduler.NotificationCursor")]
public sealed record NotificationCursor(
    [property: Id(0)] DateTimeOffset SentAt,
    [property: Id(1)] Guid Id);
