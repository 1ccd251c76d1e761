using Orleans.Utilities;

namespace Scheduler.Live;

/// <summary>
/// In-memory fan-out of live changes to front ends (no state: a lost relay activation only loses
/// pushes until front ends re-subscribe; durable notifications are in the table regardless).
/// Reentrant: publishing to one slow front end must not hold up the others or new subscriptions.
/// </summary>
[Reentrant]
public sealed class RelayGrain(ILogger<RelayGrain> logger) : Grain, IRelayGrain
{
    private readonly ObserverManager<ILiveObserver> _observers = new(LiveRelay.RefreshPeriod * 3, logger);

    public Task Subscribe(ILiveObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(ILiveObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public Task Publish(LiveBatch batch) => _observers.Notify(o => o.OnLive(batch));

    public Task PublishTokensRevoked(Guid userId) => _observers.Notify(o => o.OnTokensRevoked(userId));
}
