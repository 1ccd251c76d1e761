using Orleans.Utilities;

namespace Scheduler.Live;

/// <summary>
/// Passes each mail to one subscribed front end, taking them in turn; a front end that fails is
/// dropped from the list (it re-subscribes within <see cref="LiveRelay.RefreshPeriod"/> if it lives)
/// and the next one is tried. No state: a mail in flight when this activation is lost is not sent,
/// like any mail still queued in a front end that stops (booking mails are best effort).
/// </summary>
[Reentrant]
public sealed class MailRelayGrain(ILogger<MailRelayGrain> logger) : Grain, IMailRelayGrain
{
    private readonly ObserverManager<IMailObserver> _observers = new(LiveRelay.RefreshPeriod * 3, logger);
    private int _next;

    public Task Subscribe(IMailObserver observer)
    {
        _observers.Subscribe(observer, observer);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(IMailObserver observer)
    {
        _observers.Unsubscribe(observer);
        return Task.CompletedTask;
    }

    public async Task Send(BookingMail mail)
    {
        _observers.ClearExpired();
        var candidates = _observers.ToList();
        for (var tried = 0; tried < candidates.Count; tried++)
        {
            var observer = candidates[(int)((uint)_next++ % (uint)candidates.Count)];
            try
            {
                await observer.OnBookingMail(mail);
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A front end did not take the {Kind} mail for booking {BookingId}; trying another", mail.Kind, mail.Booking.Id);
                _observers.Unsubscribe(observer);
            }
        }
        logger.LogWarning("No front end took the {Kind} mail for booking {BookingId}: it was not sent", mail.Kind, mail.Booking.Id);
    }
}
