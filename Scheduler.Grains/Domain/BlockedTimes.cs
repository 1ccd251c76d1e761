using NodaTime;

namespace Scheduler.Domain;

/// <summary>Limits of blocked time (an organizer's event without bookings, e.g. "out of office").</summary>
public static class BlockedTimes
{
    /// <summary>The longest single block.</summary>
    public static readonly Duration MaxLength = Duration.FromDays(366);

    /// <summary>Errors under "start"/"end" when [start, end) is not a valid block.</summary>
    public static IReadOnlyList<FieldError> Validate(Instant start, Instant end)
    {
        if (end <= start)
        {
            return [new FieldError("end", "Must be after start.")];
        }

        return end - start > MaxLength ? [new FieldError("end", "At most 366 days after start.")] : [];
    }
}
