using NodaTime;

namespace Scheduler.Domain;

/// <summary>
/// The start instants of one event type's active bookings, sorted, for the per-day and per-week
/// limits: counting the bookings of a day or week is two binary searches, whatever the history.
/// </summary>
public sealed class BookingStarts
{
    private readonly Instant[] _starts;

    public BookingStarts(IEnumerable<Instant> starts)
    {
        _starts = [.. starts];
        Array.Sort(_starts);
    }

    private BookingStarts(Instant[] sorted) => _starts = sorted;

    /// <summary>These starts and one more, by one copy instead of a sort: what a new booking needs.</summary>
    public BookingStarts With(Instant start)
    {
        var index = FirstAtOrAfter(start);
        var starts = new Instant[_starts.Length + 1];
        Array.Copy(_starts, starts, index);
        starts[index] = start;
        Array.Copy(_starts, index, starts, index + 1, _starts.Length - index);
        return new BookingStarts(starts);
    }

    public static BookingStarts None { get; } = new([]);

    public int Count => _starts.Length;

    /// <summary>How many starts lie in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public int CountIn(Instant from, Instant to) => to <= from ? 0 : FirstAtOrAfter(to) - FirstAtOrAfter(from);

    /// <summary>The starts in [<paramref name="from"/>, <paramref name="to"/>), ascending.</summary>
    public ReadOnlySpan<Instant> Between(Instant from, Instant to)
    {
        var first = FirstAtOrAfter(from);
        return to <= from ? [] : _starts.AsSpan(first, FirstAtOrAfter(to) - first);
    }

    private int FirstAtOrAfter(Instant instant)
    {
        int low = 0, high = _starts.Length;
        while (low < high)
        {
            var mid = low + (high - low) / 2;
            if (_starts[mid] < instant)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
