namespace Scheduler.Domain;

/// <summary>
/// Why a start is or is not offered: the first rule that refuses it, in the order the engine
/// checks them (everything that does not depend on other bookings first, so that
/// <see cref="StartVerdict.Taken"/> means exactly "offered but for other bookings").
/// </summary>
public enum StartReason
{
    /// <summary>Offered.</summary>
    Offered,

    /// <summary>Not on the slot grid of an availability window of its local date (weekly rules or that date's override), or its slot would pass the window's end.</summary>
    NotAvailable,

    /// <summary>Starts before now.</summary>
    Past,

    /// <summary>Starts before now plus the event type's minimum notice.</summary>
    WithinMinimumNotice,

    /// <summary>Its local date is more than the event type's maximum days in the future after today.</summary>
    BeyondMaxDaysInFuture,

    /// <summary>The slot or its buffers overlap blocked time (an organizer's event without bookings).</summary>
    Blocked,

    /// <summary>The slot or its buffers overlap another booking or that booking's buffers.</summary>
    Busy,

    /// <summary>The event type already has its maximum of active bookings on that local date.</summary>
    DailyLimitReached,

    /// <summary>The event type already has its maximum of active bookings in that ISO week.</summary>
    WeeklyLimitReached,
}

/// <summary>A verdict and the rule behind it.</summary>
public readonly record struct StartAssessment(StartReason Reason)
{
    public StartVerdict Verdict => Reason switch
    {
        StartReason.Offered => StartVerdict.Offered,
        StartReason.Busy or StartReason.DailyLimitReached or StartReason.WeeklyLimitReached => StartVerdict.Taken,
        _ => StartVerdict.OutsideAvailability,
    };
}
