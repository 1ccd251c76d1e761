using Orleans.Concurrency;

namespace Scheduler;

/// <summary>A booking change as pushed to live clients; <see cref="Audience"/> are the user ids to tell.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.BookingChange")]
public sealed record BookingChange(
    [property: Id(0)] BookingChangeKind Kind,
    [property: Id(1)] BookingView Booking,
    [property: Id(2)] DateTimeOffset PublishedAt,
    [property: Id(3)] IReadOnlyList<Guid> Audience);

/// <summary>
/// What one calendar commit made durable, for live clients: its booking changes and its new
/// notifications, pushed as one message (a hot calendar commits dozens of bookings at once).
/// </summary>
[GenerateSerializer, Immutable, Alias("scheduler.LiveBatch")]
public sealed record LiveBatch(
    [property: Id(0)] IReadOnlyList<BookingChange> Changes,
    [property: Id(1)] IReadOnlyList<NotificationView> Notifications);

/// <summary>A front end's receiver of live changes (one per web process).</summary>
[Alias("scheduler.ILiveObserver")]
public interface ILiveObserver : IGrainObserver
{
    [Alias("OnLive"), OneWay]
    Task OnLive(LiveBatch batch);

    /// <summary>Some of the user's tokens stopped counting (revoked, signed out everywhere, new password): re-check their live connections now.</summary>
    [Alias("OnTokensRevoked"), OneWay]
    Task OnTokensRevoked(Guid userId);
}

/// <summary>
/// Fans live changes out to every subscribed front end. There are <see cref="LiveRelay.Partitions"/>
/// of them; a calendar's changes go to the partition of its organizer, and every front end
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

    [Alias("Publish"), OneWay]
    Task Publish(LiveBatch batch);

    [Alias("PublishTokensRevoked"), OneWay]
    Task PublishTokensRevoked(Guid userId);
}

public static class LiveRelay
{
    public const int Partitions = 4;

    /// <summary>Front ends refresh their subscription this often; a relay forgets silent ones after three periods.</summary>
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(20);

    public static IRelayGrain For(IGrainFactory grains, Guid userId) =>
        grains.GetGrain<IRelayGrain>((long)((uint)userId.GetHashCode() % Partitions));
}
