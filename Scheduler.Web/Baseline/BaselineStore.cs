using System.Text.Json;
using Npgsql;

namespace Scheduler.Web.Baseline;

/// <summary>
/// The baseline's SQL: what a team would write against PostgreSQL without the product's grains. Every
/// booking decision is one transaction; the exclusion constraint on <c>baseline.bookings</c> is what
/// refuses an overlap, however many requests race.
/// </summary>
public sealed class BaselineStore(NpgsqlDataSource source)
{
    public sealed record Rule(int DayOfWeek, TimeOnly Start, TimeOnly End, bool EndOfDay);

    public sealed record SlotRow(DateTimeOffset Start, DateTimeOffset End);

    public sealed record BookingRow(
        Guid Id, Guid EventTypeId, Guid OrganizerId, Guid UserId, string Name, string Email, string? Notes, string Status,
        DateTimeOffset Start, DateTimeOffset End, DateTimeOffset CreatedAt);

    public sealed record NotificationRow(Guid Id, Guid UserId, Guid BookingId, string Kind, DateTimeOffset SentAt);

    public enum BookKind { Created, SlotUnavailable, OutsideAvailability, NotFound, IdempotencyMismatch }

    /// <summary>A decision, or the replay of the one stored for the same Idempotency-Key.</summary>
    public sealed record BookResult(BookKind Kind, BookingRow? Booking);

    public async Task<Guid?> CreateOrganizer(string name, string email, string timeZone, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var command = source.CreateCommand(
            "insert into baseline.users (id, email, name, time_zone) values ($1, $2, $3, $4) on conflict (email) do nothing");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(email.ToLowerInvariant());
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(timeZone);
        return await command.ExecuteNonQueryAsync(ct) == 1 ? id : null;
    }

    public async Task<bool> ReplaceAvailability(Guid organizerId, IReadOnlyList<Rule> rules, CancellationToken ct)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var exists = new NpgsqlCommand("select 1 from baseline.users where id = $1 for update", connection, transaction))
        {
            exists.Parameters.AddWithValue(organizerId);
            if (await exists.ExecuteScalarAsync(ct) is null) return false;
        }
        await using (var delete = new NpgsqlCommand("delete from baseline.availability where user_id = $1", connection, transaction))
        {
            delete.Parameters.AddWithValue(organizerId);
            await delete.ExecuteNonQueryAsync(ct);
        }
        foreach (var rule in rules)
        {
            // time '24:00' is PostgreSQL's end of day; TimeOnly has no such value.
            await using var insert = new NpgsqlCommand(
                "insert into baseline.availability (id, user_id, day_of_week, start_time, end_time) values ($1, $2, $3, $4, case when $6 then time '24:00' else $5 end)",
                connection, transaction);
            insert.Parameters.AddWithValue(Guid.CreateVersion7());
            insert.Parameters.AddWithValue(organizerId);
            insert.Parameters.AddWithValue(rule.DayOfWeek);
            insert.Parameters.AddWithValue(rule.Start);
            insert.Parameters.AddWithValue(rule.End);
            insert.Parameters.AddWithValue(rule.EndOfDay);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<Guid?> CreateEventType(Guid organizerId, string title, int durationMinutes, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        await using var command = source.CreateCommand("""
            insert into baseline.event_types (id, user_id, title, duration_minutes)
            select $1, id, $3, $4 from baseline.users where id = $2
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(organizerId);
        command.Parameters.AddWithValue(title);
        command.Parameters.AddWithValue(durationMinutes);
        return await command.ExecuteNonQueryAsync(ct) == 1 ? id : null;
    }

    /// <summary>
    /// Free slots, computed in SQL: each date's availability windows (local times in the organizer's
    /// zone) cut into duration-long candidates, minus the past, minus anything overlapping an active booking.
    /// Null when the event type does not exist (or is inactive).
    /// </summary>
    public async Task<(string TimeZone, List<SlotRow> Slots)?> Slots(Guid eventTypeId, DateOnly from, DateOnly to, CancellationToken ct)
    {
        await using var command = source.CreateCommand("""
            with et as (
              select et.user_id, et.duration_minutes as minutes, u.time_zone as zone
              from baseline.event_types et join baseline.users u on u.id = et.user_id
              where et.id = $1 and et.active
            ),
            candidates as (
              select ((d::date + a.start_time) + make_interval(mins => et.minutes * k)) at time zone et.zone as start_time, et.minutes, et.user_id
              from et
              join baseline.availability a on a.user_id = et.user_id
              cross join generate_series($2::date, $3::date, interval '1 day') d
              cross join lateral generate_series(0, (extract(epoch from a.end_time - a.start_time) / 60)::int / et.minutes - 1) k
              where extract(dow from d)::int = a.day_of_week
            )
            select (select zone from et), c.start_time, c.start_time + make_interval(mins => c.minutes)
            from candidates c
            where c.start_time > now()
              and not exists (
                select 1 from baseline.bookings b
                where b.organizer_id = c.user_id and b.active
                  and tstzrange(b.start_time, b.end_time, '[)') && tstzrange(c.start_time, c.start_time + make_interval(mins => c.minutes), '[)'))
            union all
            select zone, null, null from et
            order by 2 nulls first
            """);
        command.Parameters.AddWithValue(eventTypeId);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        string? zone = null;
        var slots = new List<SlotRow>();
        while (await reader.ReadAsync(ct))
        {
            zone = reader.GetString(0);
            if (!reader.IsDBNull(1)) slots.Add(new SlotRow(reader.GetFieldValue<DateTimeOffset>(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        return zone is null ? null : (zone, slots);
    }

    /// <summary>
    /// Books in one transaction: look up the event type and check in SQL that the start is one of its
    /// slots and not already taken, claim the Idempotency-Key (a concurrent duplicate waits on it and then
    /// replays), then one round trip inserts the booker, the booking and both notifications. The check
    /// only saves work: what refuses a racing overlap is the exclusion constraint (SQLSTATE 23P01).
    /// </summary>
    public async Task<BookResult> Book(Guid eventTypeId, DateTimeOffset start, string name, string email, string? notes,
        string? idempotencyKey, string fingerprint, CancellationToken ct)
    {
        // Two transactions inserting overlapping rows at the same moment can deadlock on the constraint's
        // index (PostgreSQL then aborts one after deadlock_timeout): decide that one again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await BookOnce(eventTypeId, start, name, email, notes, idempotencyKey, fingerprint, ct);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure && attempt < 3)
            {
            }
        }
    }

    private async Task<BookResult> BookOnce(Guid eventTypeId, DateTimeOffset start, string name, string email, string? notes,
        string? idempotencyKey, string fingerprint, CancellationToken ct)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        Guid organizerId;
        int minutes;
        bool offered;
        bool taken;
        await using (var lookup = new NpgsqlCommand("""
            select et.user_id, et.duration_minutes,
                   et.active and $2 > now() and exists (
                     select 1 from baseline.availability a
                     cross join lateral (select $2 at time zone u.time_zone as local) t
                     where a.user_id = et.user_id
                       and a.day_of_week = extract(dow from t.local)::int
                       and t.local >= t.local::date + a.start_time
                       and t.local + make_interval(mins => et.duration_minutes) <= t.local::date + a.end_time
                       and mod(extract(epoch from t.local - (t.local::date + a.start_time))::bigint, et.duration_minutes * 60) = 0),
                   exists (
                     select 1 from baseline.bookings b
                     where b.organizer_id = et.user_id and b.active
                       and tstzrange(b.start_time, b.end_time, '[)') && tstzrange($2, $2 + make_interval(mins => et.duration_minutes), '[)'))
            from baseline.event_types et join baseline.users u on u.id = et.user_id
            where et.id = $1
            """, connection, transaction))
        {
            lookup.Parameters.AddWithValue(eventTypeId);
            lookup.Parameters.AddWithValue(start);
            await using var reader = await lookup.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct)) return new BookResult(BookKind.NotFound, null);
            organizerId = reader.GetGuid(0);
            minutes = reader.GetInt32(1);
            offered = reader.GetBoolean(2);
            taken = reader.GetBoolean(3);
        }

        if (idempotencyKey is not null)
        {
            await using var claim = new NpgsqlCommand(
                "insert into baseline.idempotency_keys (organizer_id, key, fingerprint) values ($1, $2, $3) on conflict do nothing",
                connection, transaction);
            claim.Parameters.AddWithValue(organizerId);
            claim.Parameters.AddWithValue(idempotencyKey);
            claim.Parameters.AddWithValue(fingerprint);
            if (await claim.ExecuteNonQueryAsync(ct) == 0)
                return await Replay(connection, transaction, organizerId, idempotencyKey, fingerprint, ct);
        }

        if (!offered)
        {
            await Remember(connection, transaction, organizerId, idempotencyKey, BookKind.OutsideAvailability, null, ct);
            await transaction.CommitAsync(ct);
            return new BookResult(BookKind.OutsideAvailability, null);
        }

        if (taken)
        {
            // Already booked (committed before this statement began): refuse without writing a conflicting row.
            await Remember(connection, transaction, organizerId, idempotencyKey, BookKind.SlotUnavailable, null, ct);
            await transaction.CommitAsync(ct);
            return new BookResult(BookKind.SlotUnavailable, null);
        }

        var id = Guid.CreateVersion7();
        var end = start.AddMinutes(minutes);
        var normalized = email.ToLowerInvariant();
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                Command("""
                    insert into baseline.users (id, email, name) values ($1, $2, $3)
                    on conflict (email) do nothing
                    """, Guid.CreateVersion7(), normalized, name),
                Command("""
                    insert into baseline.bookings (id, event_type_id, organizer_id, user_id, name, email, notes, start_time, end_time)
                    select $1, $2, $3, u.id, $4, $5, $6, $7, $8 from baseline.users u where u.email = $9
                    returning user_id, created_at
                    """, id, eventTypeId, organizerId, name, email, (object?)notes ?? DBNull.Value, start, end, normalized),
                Command("""
                    insert into baseline.notifications (id, user_id, booking_id, kind, message)
                    select gen_random_uuid(), r.user_id, b.id, 'created', r.message
                    from baseline.bookings b
                    cross join lateral (values (b.organizer_id, 'New booking: ' || b.name), (b.user_id, 'Your booking is confirmed')) r(user_id, message)
                    where b.id = $1
                    """, id),
            },
        };
        BookingRow booking;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            booking = new BookingRow(id, eventTypeId, organizerId, reader.GetGuid(0), name, email, notes, "Confirmed", start, end,
                reader.GetFieldValue<DateTimeOffset>(1));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ExclusionViolation)
        {
            await transaction.RollbackAsync(ct);
            // The claim rolled back with the booking: remember the refusal on its own (same connection:
            // asking the pool for a second one while holding this one can starve a small pool).
            await Remember(connection, null, organizerId, idempotencyKey, BookKind.SlotUnavailable, null, ct, fingerprint);
            return new BookResult(BookKind.SlotUnavailable, null);
        }
        await Remember(connection, transaction, organizerId, idempotencyKey, BookKind.Created, booking, ct);
        await transaction.CommitAsync(ct);
        return new BookResult(BookKind.Created, booking);
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }

    /// <summary>Stores the answer under the key (a claimed row is updated; with a fingerprint, a new row is inserted).</summary>
    private static async Task Remember(NpgsqlConnection connection, NpgsqlTransaction? transaction, Guid organizerId, string? key,
        BookKind kind, BookingRow? booking, CancellationToken ct, string? fingerprint = null)
    {
        if (key is null) return;
        var body = booking is null ? null : JsonSerializer.Serialize(booking);
        await using var command = fingerprint is null
            ? new NpgsqlCommand("update baseline.idempotency_keys set status = $3, body = $4 where organizer_id = $1 and key = $2", connection, transaction)
            : new NpgsqlCommand("insert into baseline.idempotency_keys (organizer_id, key, status, body, fingerprint) values ($1, $2, $3, $4, $5) on conflict do nothing", connection, transaction);
        command.Parameters.AddWithValue(organizerId);
        command.Parameters.AddWithValue(key);
        command.Parameters.AddWithValue((int)kind);
        command.Parameters.AddWithValue((object?)body ?? DBNull.Value);
        if (fingerprint is not null) command.Parameters.AddWithValue(fingerprint);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<BookResult> Replay(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid organizerId, string key,
        string fingerprint, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(
            "select fingerprint, status, body from baseline.idempotency_keys where organizer_id = $1 and key = $2", connection, transaction);
        command.Parameters.AddWithValue(organizerId);
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        if (reader.GetString(0) != fingerprint) return new BookResult(BookKind.IdempotencyMismatch, null);
        var kind = (BookKind)reader.GetInt32(1);
        var booking = reader.IsDBNull(2) ? null : JsonSerializer.Deserialize<BookingRow>(reader.GetString(2));
        return new BookResult(kind, booking);
    }

    public async Task<List<BookingRow>> Bookings(Guid organizerId, DateOnly from, DateOnly to, CancellationToken ct)
    {
        await using var command = source.CreateCommand("""
            select id, event_type_id, organizer_id, user_id, name, email, notes, status, start_time, end_time, created_at
            from baseline.bookings
            where organizer_id = $1 and start_time >= $2::date at time zone 'UTC' and start_time < ($3::date + 1) at time zone 'UTC'
            order by start_time, id
            """);
        command.Parameters.AddWithValue(organizerId);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<BookingRow>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new BookingRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetGuid(3), reader.GetString(4),
                reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetFieldValue<DateTimeOffset>(9), reader.GetFieldValue<DateTimeOffset>(10)));
        }
        return rows;
    }

    /// <summary>Notifications (organizer's and bookers') about an organizer's bookings.</summary>
    public async Task<List<NotificationRow>> Notifications(Guid organizerId, CancellationToken ct)
    {
        await using var command = source.CreateCommand("""
            select n.id, n.user_id, n.booking_id, n.kind, n.sent_at
            from baseline.notifications n join baseline.bookings b on b.id = n.booking_id
            where b.organizer_id = $1
            order by n.sent_at, n.id
            """);
        command.Parameters.AddWithValue(organizerId);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<NotificationRow>();
        while (await reader.ReadAsync(ct))
            rows.Add(new NotificationRow(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        return rows;
    }
}
