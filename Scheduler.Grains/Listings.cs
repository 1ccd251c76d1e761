using NodaTime;

namespace Scheduler;

/// <summary>
/// The date semantics every listing shares (bookings, events, a booker's bookings): without
/// from/to, what has not ended yet; from/to are inclusive dates in <paramref name="zone"/>, matched
/// on start; ascending by (start, id), continuing after the cursor.
/// </summary>
internal static class Listings
{
    public static IEnumerable<T> Filter<T>(
        IEnumerable<T> items, Func<T, DateTimeOffset> start, Func<T, DateTimeOffset> end, Func<T, Guid> id,
        BookingListQuery query, DateTimeZone zone, DateTimeOffset now)
    {
        if (query.From is null && query.To is null) items = items.Where(i => end(i) >= now);
        if (query.From is { } from)
        {
            var lower = LocalDate.FromDateOnly(from).AtStartOfDayInZone(zone).ToDateTimeOffset();
            items = items.Where(i => start(i) >= lower);
        }
        if (query.To is { } to)
        {
            var upper = LocalDate.FromDateOnly(to).PlusDays(1).AtStartOfDayInZone(zone).ToDateTimeOffset();
            items = items.Where(i => start(i) < upper);
        }
        if (query.AfterStart is { } afterStart)
        {
            var afterId = query.AfterId ?? Guid.Empty;
            items = items.Where(i => start(i) > afterStart || (start(i) == afterStart && id(i).CompareTo(afterId) > 0));
        }
        return items.OrderBy(start).ThenBy(id);
    }

    /// <summary>At most <paramref name="limit"/> items, and whether more follow.</summary>
    public static (List<T> Items, bool HasMore) Take<T>(IEnumerable<T> ordered, int limit)
    {
        var page = ordered.Take(limit + 1).ToList();
        var hasMore = page.Count > limit;
        if (hasMore) page.RemoveAt(page.Count - 1);
        return (page, hasMore);
    }
}
