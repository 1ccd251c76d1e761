using Orleans.Concurrency;

namespace Scheduler;

/// <summary>A booking change as pushed to live clients; <see cref="Audience"/> are the user ids to tell.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.BookingChange")]
public sealed record BookingChange(
    [property: Id(0)] BookingChangeKind Kind,
    [property: Id(1)] BookingView Booking,
    [property: Id(2)] DateTimeOffset PublishedAt,
    [property: Id(3)] IReadOnlyList<Guid> Audience);

/// <summary>A front end's receiver of live changes (one per web process).</summary>
[Alias("scheduler.ILiveObserver")]
public interface ILiveObserver : IGrainObserver
{
    [Alias("OnBookingChanged"), OneWay]
    Task OnBookingChanged(BookingChange change);

    [Alias("OnNotification"), OneWay]
    Task OnNotification(NotificationView notification);
}

/// <summary>
/// Fans live changes out to every subscribed front end. There are <see cref="LiveRelay.Partitions"/>
/// of them; a change goes to the partition of its organizer (or user), and every front end
/// subscribes to all partitions, re-subscribing periodically so a relay that moved to another silo
/// (or a front end that died) heals within one refresh period.
/// </summary>
[Alias("scheduler.IRelayGrain")]
public interface IRelayGrain : IGrainWithIntegerKey
{
    [Alias("Subscribe")]
    Task Subscribe(ILiveObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(ILiveObserver observer);

    [Alias("PublishBookingChange"), OneWay]
    Task PublishBookingChange(BookingChange change);

    [Alias("PublishNotification"), OneWay]
    Task PublishNotification(NotificationView notification);
}

public static class LiveRelay
{
    public const int Partitions = 4;

    /// <summary>Front ends refresh their subscription this often; a relay forgets silent ones after three periods.</summary>
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(20);

    public static IRelayGrain For(IGrainFactory grains, Guid userId) =>
        grains.GetGrain<IRelayGrain>((long)((uint)userId.GetHashCode() % Partitions));
}
