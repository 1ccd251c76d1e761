namespace Scheduler.Domain;

/// <summary>
/// A stretch of one local day, in minutes since local midnight: from <see cref="StartMinute"/>
/// (inclusive) to <see cref="EndMinute"/> (exclusive; 1440 means 24:00). Date overrides are made of
/// these; a <see cref="WeeklyRule"/> is one of these on a day of the week.
/// </summary>
public sealed record TimeWindow
{
    public TimeWindow(int startMinute, int endMinute)
    {
        if (AvailabilityRules.ValidateTimes(startMinute, endMinute) is { } error)
        {
            throw new ArgumentException(error);
        }

        StartMinute = startMinute;
        EndMinute = endMinute;
    }

    public int StartMinute { get; }

    /// <summary>Exclusive end; 1440 means the end of the day (24:00).</summary>
    public int EndMinute { get; }

    public override string ToString() =>
        $"{AvailabilityRules.FormatTime(StartMinute)}-{AvailabilityRules.FormatTime(EndMinute)}";
}
