using Orleans.Concurrency;

namespace Scheduler;

/// <summary>What a booking mail tells its booker.</summary>
[GenerateSerializer, Alias("scheduler.BookingMailKind")]
public enum BookingMailKind
{
    /// <summary>A booking was made (confirmed at once, or waiting for the organizer: the booking's status says which).</summary>
    Booked = 0,

    /// <summary>The organizer confirmed a pending booking.</summary>
    Confirmed = 1,

    /// <summary>The organizer cancelled a booking (or declined a pending one, or withdrew its event type).</summary>
    CancelledByOrganizer = 2,

    /// <summary>The booking starts soon (its event type's <c>reminderMinutes</c>).</summary>
    Reminder = 3,

    /// <summary>To the organizer, not the booker: a booking waits for their confirmation.</summary>
    RequestToOrganizer = 4,
}

/// <summary>A mail to a booking's booker, for a front end to send; <see cref="ManageToken"/> when the sender knows it.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.BookingMail")]
public sealed record BookingMail(
    [property: Id(0)] BookingMailKind Kind,
    [property: Id(1)] BookingView Booking,
    [property: Id(2)] string? ManageToken);

/// <summary>A front end's mail sender, as the silos reach it (one per web process).</summary>
[Alias("scheduler.IMailObserver")]
public interface IMailObserver : IGrainObserver
{
    /// <summary>Queues the mail; answers once it is queued (not sent).</summary>
    [Alias("OnBookingMail")]
    Task OnBookingMail(BookingMail mail);
}

/// <summary>
/// Hands mails decided in a silo (reminders) to exactly one subscribed front end, which owns the mail
/// settings; front ends subscribe and refresh like they do with <see cref="IRelayGrain"/>. One
/// activation (key 0): reminders are few next to bookings.
/// </summary>
[Alias("scheduler.IMailRelayGrain")]
public interface IMailRelayGrain : IGrainWithIntegerKey
{
    [Alias("Subscribe")]
    Task Subscribe(IMailObserver observer);

    [Alias("Unsubscribe")]
    Task Unsubscribe(IMailObserver observer);

    /// <summary>Passes the mail to one front end (another if that one fails); dropped and logged when none answers.</summary>
    [Alias("Send"), OneWay]
    Task Send(BookingMail mail);
}
