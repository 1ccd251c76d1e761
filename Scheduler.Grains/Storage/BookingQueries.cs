using Npgsql;
using Scheduler.Calendar;
using Scheduler.Domain;

namespace Scheduler.Storage;

/// <summary>
/// The bounds a listing query asks for, already turned into instants: <see cref="EndsAfter"/> when
/// no dates were given (what has not ended yet), else start in [<see cref="StartFrom"/>, <see cref="StartBefore"/>);
/// <see cref="EndedBefore"/> for what has ended (the past, then read most recent first, <see cref="Descending"/>).
/// </summary>
public sealed record ListingRange(
    DateTimeOffset? EndsAfter, DateTimeOffset? StartFrom, DateTimeOffset? StartBefore,
    DateTimeOffset? AfterStart, Guid? AfterId, int Limit,
    DateTimeOffset? EndedBefore = null, bool Descending = false);

/// <summary>Reads of the history (past and cancelled bookings, events) straight from the tables, keyset-paged.</summary>
public sealed class BookingQueries(NpgsqlDataSource db)
{
    /// <summary>
    /// The longest a booking and its event can last (the event type's duration, 1 to 1 440 minutes in
    /// every version; the database holds new rows to it, V15): "not ended yet" then also means "started
    /// at most this long ago", which bounds the index range a listing reads, however much history the
    /// calendar holds. Blocked time (up to 366 days) that started earlier is found by its own index.
    /// </summary>
    internal static readonly TimeSpan LongestBooking = TimeSpan.FromMinutes(EventTypeSettings.MaxDurationMinutes);

    public async Task<BookingRecord?> FindBooking(Guid organizerId, Guid bookingId)
    {
        await using var command = db.CreateCommand(
            $"select {PostgresCalendarStore.BookingColumns} from bookings where id = $1 and organizer_id = $2");
        command.Parameters.Add(new() { Value = bookingId });
        command.Parameters.Add(new() { Value = organizerId });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? PostgresCalendarStore.ReadBooking(reader) : null;
    }

    /// <summary>Bookings of an organizer (<paramref name="column"/> organizer_id) or of a booker (user_id).</summary>
    public async Task<List<BookingRecord>> ListBookings(string column, Guid owner, ListingRange range, BookingStatus? status)
    {
        if (column is not ("organizer_id" or "user_id")) throw new ArgumentOutOfRangeException(nameof(column));
        await using var command = db.CreateCommand();
        var where = Where(command, column, owner, range, LongestBooking);
        // The organizer's listing index is keyed by the calendar's number (V15).
        if (column == "organizer_id") where = $"calendar_number = {PostgresCalendarStore.CalendarNumber} and {where}";
        if (status is { } s)
        {
            command.Parameters.Add(new() { Value = s.ToString() });
            where += $" and status = ${command.Parameters.Count}";
        }
        command.Parameters.Add(new() { Value = range.Limit + 1 });
        var order = range.Descending ? "start_time desc, id desc" : "start_time, id";
        command.CommandText = $"select {PostgresCalendarStore.BookingColumns} from bookings where {where} " +
                              $"order by {order} limit ${command.Parameters.Count}";
        var items = new List<BookingRecord>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) items.Add(PostgresCalendarStore.ReadBooking(reader));
        return items;
    }

    public async Task<List<EventView>> ListEvents(Guid organizerId, ListingRange range, Guid? eventId = null)
    {
        await using var command = db.CreateCommand();
        string where;
        var from = "events e";
        int? limit = null;
        if (eventId is { } id)
        {
            command.Parameters.Add(new() { Value = organizerId });
            command.Parameters.Add(new() { Value = id });
            where = "e.user_id = $1 and e.id = $2";
        }
        else if (range.EndsAfter is { } endsAfter)
        {
            // What has not ended: events that started within the longest a booking lasts (the
            // calendar's index), and blocked time that started before and has not ended (a few rows of
            // the blocks' own index, events_user_blocks, by end time).
            var common = Where(command, "e.user_id", organizerId, range, null, "e.");
            command.Parameters.Add(new() { Value = endsAfter - LongestBooking });
            var since = command.Parameters.Count;
            command.Parameters.Add(new() { Value = range.Limit + 1 });
            limit = command.Parameters.Count;
            from = $"""
                ((select e.* from events e
                  where e.calendar_number = {PostgresCalendarStore.CalendarNumber} and {common} and e.start_time >= ${since}
                  order by e.start_time, e.id limit ${limit})
                 union all
                 (select e.* from events e
                  where {common} and e.event_type_id is null and e.start_time < ${since}
                  order by e.start_time, e.id limit ${limit})) as e
                """;
            where = "true";
        }
        else
        {
            where = $"e.calendar_number = {PostgresCalendarStore.CalendarNumber} and " + Where(command, "e.user_id", organizerId, range, null, "e.");
        }
        if (limit is null)
        {
            command.Parameters.Add(new() { Value = range.Limit + 1 });
            limit = command.Parameters.Count;
        }
        command.CommandText = $"""
            select e.id, e.event_type_id, e.user_id, e.title, e.description, e.start_time, e.end_time, e.location,
                   e.created_at, e.updated_at,
                   array(select b.id from bookings b
                         where b.calendar_number = e.calendar_number and b.start_time = e.start_time and b.event_id = e.id
                         order by b.created_at, b.id)
            from {from} where {where} order by e.start_time, e.id limit ${limit}
            """;
        var items = new List<EventView>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            items.Add(new EventView(
                reader.GetGuid(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9),
                reader.GetFieldValue<Guid[]>(10)));
        }
        return items;
    }

    /// <summary>The organizer of a booking whose booker is <paramref name="userId"/>, if any.</summary>
    public async Task<Guid?> FindBookingOrganizer(Guid userId, Guid bookingId)
    {
        await using var command = db.CreateCommand("select organizer_id from bookings where id = $1 and user_id = $2");
        command.Parameters.Add(new() { Value = bookingId });
        command.Parameters.Add(new() { Value = userId });
        return await command.ExecuteScalarAsync() is Guid organizer ? organizer : null;
    }

    /// <summary>
    /// The owner ($1) and the range's bounds; with <paramref name="longest"/>, "not ended" also bounds
    /// the start (see <see cref="LongestBooking"/>).
    /// </summary>
    private static string Where(NpgsqlCommand command, string column, Guid owner, ListingRange range, TimeSpan? longest, string prefix = "")
    {
        command.Parameters.Add(new() { Value = owner });
        var where = $"{column} = $1";
        void Add(string condition, object value)
        {
            command.Parameters.Add(new() { Value = value });
            where += " and " + condition.Replace("@", "$" + command.Parameters.Count);
        }
        if (range.EndsAfter is { } endsAfter)
        {
            Add($"{prefix}end_time >= @", endsAfter);
            if (longest is { } bound) Add($"{prefix}start_time >= @", endsAfter - bound);
        }
        if (range.EndedBefore is { } endedBefore)
        {
            // What ended started before it ended: the start bound lets the index scan (backwards)
            // begin at now instead of at the calendar's last booking.
            Add($"{prefix}end_time < @", endedBefore);
            Add($"{prefix}start_time < @", endedBefore);
        }
        if (range.StartFrom is { } from) Add($"{prefix}start_time >= @", from);
        if (range.StartBefore is { } before) Add($"{prefix}start_time < @", before);
        if (range.AfterStart is { } afterStart)
        {
            Add($"({prefix}start_time, {prefix}id) {(range.Descending ? "<" : ">")} (@", afterStart);
            command.Parameters.Add(new() { Value = range.AfterId ?? Guid.Empty });
            where += $", ${command.Parameters.Count})";
        }
        return where;
    }
}
