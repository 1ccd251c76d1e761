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
            .ToArray();
        Array.Sort(sorted, (a, b) => a.Start.CompareTo(b.Start));
        var starts = new List<Instant>(sorted.Length);
        var ends = new List<Instant>(sorted.Length);
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

    private BusyTimes(Instant[] starts, Instant[] ends)
    {
        _starts = starts;
        _ends = ends;
    }

    public static BusyTimes None { get; } = new([]);

    /// <summary>Busy times of bookings that each block their own buffers too.</summary>
    public static BusyTimes FromBookings(IEnumerable<BookedTime> bookings) => new(bookings.Select(b => b.Blocks));

    /// <summary>Number of intervals after merging overlapping and touching ones.</summary>
    public int Count => _starts.Length;

    /// <summary>
    /// These busy times and one more interval, in time linear in <see cref="Count"/> (two binary
    /// searches and a copy) rather than a rebuild's sort: what a calendar needs after each new
    /// booking. A removal (a cancellation) needs a rebuild, since merged intervals forget their parts.
    /// </summary>
    public BusyTimes With(Interval interval)
    {
        var start = interval.HasStart ? interval.Start : Instant.MinValue;
        var end = interval.HasEnd ? interval.End : Instant.MaxValue;

        // Intervals [first, afterLast) overlap or touch the new one: every earlier one ends before
        // it starts, every later one starts after it ends (starts and ends both ascend).
        var first = FirstEndingAtOrAfter(start);
        var afterLast = FirstStartingAfter(end);
        if (first < afterLast)
        {
            start = _starts[first] < start ? _starts[first] : start;
            end = _ends[afterLast - 1] > end ? _ends[afterLast - 1] : end;
        }

        var count = _starts.Length - (afterLast - first) + 1;
        var starts = new Instant[count];
        var ends = new Instant[count];
        Array.Copy(_starts, starts, first);
        Array.Copy(_ends, ends, first);
        starts[first] = start;
        ends[first] = end;
        Array.Copy(_starts, afterLast, starts, first + 1, _starts.Length - afterLast);
        Array.Copy(_ends, afterLast, ends, first + 1, _ends.Length - afterLast);
        return new BusyTimes(starts, ends);
    }

    /// <summary>
    /// True when [<paramref name="start"/>, <paramref name="end"/>) overlaps a busy interval,
    /// both half-open: a booking that ends exactly when a slot starts does not block it.
    /// </summary>
    public bool Overlaps(Instant start, Instant end)
    {
        // First interval that ends after the query starts; every earlier one ends too soon.
        var low = FirstEndingAfter(start);
        return low < _starts.Length && _starts[low] < end;
    }

    private int FirstEndingAfter(Instant instant) => FirstAbove(_ends, instant, orEqual: false);

    private int FirstEndingAtOrAfter(Instant instant) => FirstAbove(_ends, instant, orEqual: true);

    private int FirstStartingAfter(Instant instant) => FirstAbove(_starts, instant, orEqual: false);

    /// <summary>The first index whose value is above <paramref name="instant"/> (or equal to it, when <paramref name="orEqual"/>).</summary>
    private static int FirstAbove(Instant[] ascending, Instant instant, bool orEqual)
    {
        int low = 0, high = ascending.Length;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            if (ascending[mid] > instant || (orEqual && ascending[mid] == instant))
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }
}
