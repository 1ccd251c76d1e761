using NodaTime;
using Scheduler.Storage;

namespace Scheduler;

/// <summary>
/// The date semantics every listing shares (bookings, events, a booker's bookings): without
/// from/to, what has not ended yet; from/to are inclusive dates in the owner's zone, matched
/// on start; ascending by (start, id), continuing after the cursor (the queries in BookingQueries).
/// The past (bookings only): what has ended, descending by (start, id), continuing before the cursor.
/// </summary>
internal static class Listings
{
    /// <summary>The query's dates as instants in <paramref name="zone"/>, for a keyset query over the tables.</summary>
    public static ListingRange Range(BookingListQuery query, DateTimeZone zone, DateTimeOffset now) => new(
        // The past: what has ended by now, whatever the dates; else without dates what has not ended.
        EndsAfter: !query.Past && query.From is null && query.To is null ? now : null,
        EndedBefore: query.Past ? now : null,
        Descending: query.Past,
        StartFrom: query.From is { } from ? LocalDate.FromDateOnly(from).AtStartOfDayInZone(zone).ToInstant().ToDateTimeOffset() : null,
        StartBefore: query.To is { } to ? LocalDate.FromDateOnly(to).PlusDays(1).AtStartOfDayInZone(zone).ToInstant().ToDateTimeOffset() : null,
        AfterStart: query.AfterStart,
        AfterId: query.AfterId,
        Limit: query.Limit);

    /// <summary>At most <paramref name="limit"/> items, and whether more follow.</summary>
    public static (List<T> Items, bool HasMore) Take<T>(IReadOnlyList<T> ordered, int limit)
    {
        var page = ordered.Take(limit + 1).ToList();
        var hasMore = page.Count > limit;
        if (hasMore) page.RemoveAt(page.Count - 1);
        return (page, hasMore);
    }
}
