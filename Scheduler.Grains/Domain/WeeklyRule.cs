using NodaTime;

namespace Scheduler.Domain;

/// <summary>
/// One weekly availability interval in the organizer's local time: from <see cref="StartMinute"/>
/// (inclusive) to <see cref="EndMinute"/> (exclusive), in minutes since local midnight.
/// </summary>
/// <remarks>
/// Minutes rather than <see cref="LocalTime"/> because the end may be 24:00 (1440), which
/// <see cref="LocalTime"/> cannot hold. The constructor rejects invalid rules, and the properties
/// have no setters, so no <c>with</c> expression can produce one either.
/// </remarks>
public sealed record WeeklyRule
{
    public const int MinutesPerDay = 24 * 60;

    public WeeklyRule(IsoDayOfWeek day, int startMinute, int endMinute)
    {
        if (AvailabilityRules.Validate(day, startMinute, endMinute) is { } error)
        {
            throw new ArgumentException(error);
        }

        Day = day;
        StartMinute = startMinute;
        EndMinute = endMinute;
    }

    public IsoDayOfWeek Day { get; }

    public int StartMinute { get; }

    /// <summary>Exclusive end; 1440 means the end of the day (24:00).</summary>
    public int EndMinute { get; }

    public override string ToString() =>
        $"{AvailabilityRules.FormatDay(Day)} {AvailabilityRules.FormatTime(StartMinute)}-{AvailabilityRules.FormatTime(EndMinute)}";
}
