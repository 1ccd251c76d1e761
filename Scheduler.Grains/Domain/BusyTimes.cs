using NodaTime;

namespace Scheduler.Domain;

/// <summary>
/// The organizer's busy intervals (active bookings of every event type), prepared for fast
/// overlap queries. Build it once per change of bookings; each query is a binary search, because a
/// busy calendar holds thousands of bookings and a booking page asks about hundreds of candidates.
/// </summary>
public sealed class BusyTimes
{
    // Sorted, disjoint and non-touching: overlapping or touching intervals are merged on
    // construction, which does not change the answer for half-open intervals and makes the ends
    // ascending, so one binary search finds the only interval that can overlap a query.
    private readonly Instant[] _starts;
    private readonly Instant[] _ends;

    public BusyTimes(IEnumerable<Interval> intervals)
    {
        var sorted = intervals
            .Select(i => (Start: i.HasStart ? i.Start : Instant.MinValue, End: i.HasEnd ? i.End : Instant.MaxValue))
            .OrderBy(i => i.Start)
            .ToList();
        var starts = new List<Instant>(sorted.Count);
        var ends = new List<Instant>(sorted.Count);
        foreach (var (start, end) in sorted)
        {
            if (ends.Count > 0 && start <= ends[^1])
            {
                if (end > ends[^1])
                {
                    ends[^1] = end;
                }
            }
            else
            {
                starts.Add(start);
                ends.Add(end);
            }
        }

        _starts = [.. starts];
        _ends = [.. ends];
    }

    public static BusyTimes None { get; } = new([]);

    /// <summary>Busy times of bookings that each block their own buffers too.</summary>
    public static BusyTimes FromBookings(IEnumerable<BookedTime> bookings) => new(bookings.Select(b => b.Blocks));

    /// <summary>Number of intervals after merging overlapping and touching ones.</summary>
    public int Count => _starts.Length;

    /// <summary>
    /// True when [<paramref name="start"/>, <paramref name="end"/>) overlaps a busy interval,
    /// both half-open: a booking that ends exactly when a slot starts does not block it.
    /// </summary>
    public bool Overlaps(Instant start, Instant end)
    {
        // First interval that ends after the query starts; every earlier one ends too soon.
        int low = 0, high = _ends.Length;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            if (_ends[mid] > start)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low < _starts.Length && _starts[low] < end;
    }
}
