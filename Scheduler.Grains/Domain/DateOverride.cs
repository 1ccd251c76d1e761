using NodaTime;

namespace Scheduler.Domain;

/// <summary>
/// Availability for one local date in the organizer's zone that replaces the weekly rules of that
/// date: no windows means unavailable all day; otherwise exactly these windows (merged like rules).
/// </summary>
public sealed record DateOverride
{
    public DateOverride(LocalDate date, IReadOnlyList<TimeWindow> windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        Date = date;
        Windows = [.. windows];
    }

    /// <summary>The organizer is unavailable the whole of <paramref name="date"/>.</summary>
    public static DateOverride Unavailable(LocalDate date) => new(date, []);

    public LocalDate Date { get; }

    public IReadOnlyList<TimeWindow> Windows { get; }

    public bool IsUnavailable => Windows.Count == 0;

    public override string ToString() =>
        $"{Date:uuuu-MM-dd} {(IsUnavailable ? "unavailable" : string.Join(",", Windows))}";
}
