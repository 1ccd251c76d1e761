using Orleans.Utilities;

namespace Scheduler.Live;

/// <summary>
/// Passes each mail to one subscribed front end, taking them in turn; a front end that fails or does
/// not answer within <see cref="AnswerTimeout"/> is dropped from the list (it re-subscribes within
/// <see cref="LiveRelay.RefreshPeriod"/> if it lives) and the next one is tried. While no front end
/// is subscribed (a fresh activation, before the front ends' next refresh) mails wait here, at most
/// <see cref="WaitingLimit"/> of them for at most <see cref="WaitingTime"/>, and go to the first front
/// end that subscribes. No state: mails waiting when this activation is lost are not sent, like mails
/// still queued in a front end that stops (booking mails are best effort); every loss is counted in
/// <c>scheduler.mail.dropped</c> (reason <c>no-front-end</c>).
/// </summary>
[Reentrant]
public sealed class MailRelayGrain(ILogger<MailRelayGrain> logger, TimeProvider clock) : Grain, IMailRelayGrain
{
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan WaitingTime = LiveRelay.RefreshPeriod * 3;
    public const int WaitingLimit = 1000;

    private readonly ObserverManager<IMailObserver> _observers = new(LiveRelay.RefreshPeriod * 3, logger);
    private readonly Queue<(BookingMail Mail, DateTimeOffset Since)> _waiting = new();
    private int _next;

    public Task Subscribe(IMailObserver observer)
    {
        _observers.Subscribe(observer, observer);
        var now = clock.GetUtcNow();
        var flushing = new List<BookingMail>(_waiting.Count);
        while (_waiting.TryDequeue(out var waiting))
        {
            if (now - waiting.Since <= WaitingTime) flushing.Add(waiting.Mail);
            else Lost(waiting.Mail, "waited too long for a front end");
        }
        // Not awaited here: a subscription must not wait for mail.
        foreach (var mail in flushing) _ = Send(mail);
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
                await observer.OnBookingMail(mail).WaitAsync(AnswerTimeout);
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A front end did not take the {Kind} mail for booking {BookingId}; trying another", mail.Kind, mail.Booking.Id);
                _observers.Unsubscribe(observer);
            }
        }
        if (_waiting.Count >= WaitingLimit) Lost(_waiting.Dequeue().Mail, "too many mails waited for a front end");
        _waiting.Enqueue((mail, clock.GetUtcNow()));
    }

    private void Lost(BookingMail mail, string why)
    {
        SchedulerMetrics.MailsDropped.Add(1, new KeyValuePair<string, object?>("reason", "no-front-end"));
        logger.LogWarning("The {Kind} mail for booking {BookingId} was not sent: {Why}", mail.Kind, mail.Booking.Id, why);
    }
}
