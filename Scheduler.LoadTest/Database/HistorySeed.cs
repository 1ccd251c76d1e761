using Npgsql;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Database;

/// <summary>
/// Gives a run's calendar a history before the load (hot-calendar <c>--history PAST,FUTURE</c>, product
/// only, needs <c>--db</c>): PAST bookings that ended long ago and FUTURE ones beyond the run's slots,
/// written straight into the product's tables, as years of use would have left them. The calendar
/// is already active (its organizer was just set up), so the seed also moves the calendar's version on,
/// as another activation's commit would: the calendar's next commit fails (503, which the careful
/// client retries) and it reloads its working set from the tables, history included. That first
/// booking is made here, before the measured load; the silo logs how long the reload took
/// ("Calendar … loaded in … ms").
/// </summary>
public static class HistorySeed
{
    /// <summary>History bookings' bookers use this domain; the audit traces no request to them.</summary>
    public const string Domain = "history.loadtest.example";

    public static bool IsHistory(string email) => email.EndsWith("@" + Domain, StringComparison.OrdinalIgnoreCase);

    /// <summary>Future history starts this far after the run's first day: beyond any slot the load books.</summary>
    public static readonly TimeSpan FutureOffset = TimeSpan.FromDays(3650);

    public static async Task Write(string db, Calendar calendar, int past, int future, DateOnly firstDay, string runId, CancellationToken ct)
    {
        await using var source = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(db) { ApplicationName = "scheduler-loadtest-history" }.ConnectionString);
        await using var connection = await source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var email = $"history-{runId}@{Domain}";
        var firstFuture = new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + FutureOffset;
        await using var command = new NpgsqlCommand("""
            with booker as (
              insert into users (id, name, email, time_zone, created_at, updated_at, has_password, email_normalized)
              values (gen_random_uuid(), 'History', $1, 'UTC', now(), now(), false, lower($1))
              returning id),
            slots as (
              -- Past: 30-minute bookings on a 60-minute grid, the last one ending a year ago.
              select now() - interval '1 year' - make_interval(hours => k) as s, k from generate_series(1, $3) k
              union all
              -- Future: the same grid from far beyond the run's own slots.
              select $4::timestamptz + make_interval(hours => k), -k from generate_series(1, $5) k),
            made as (
              select gen_random_uuid() as event, gen_random_uuid() as booking, s, k from slots),
            events as (
              insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
              select m.event, $2, t.user_id, t.title, t.description, m.s, m.s + interval '30 minutes', t.location, least(m.s, now()), least(m.s, now())
              from made m, event_types t where t.id = $2
              returning id)
            insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                                  created_at, updated_at, name, email, manage_token_hash)
            select m.booking, m.event, b.id, $6, $2, 'Confirmed', m.s, m.s + interval '30 minutes',
                   least(m.s, now()) - interval '1 day', least(m.s, now()) - interval '1 day', 'History ' || m.k, $1,
                   sha256(m.booking::text::bytea)
            from made m, booker b
            """, connection, transaction);
        command.Parameters.AddWithValue(email);
        command.Parameters.AddWithValue(calendar.EventTypeId);
        command.Parameters.AddWithValue(past);
        command.Parameters.AddWithValue(firstFuture);
        command.Parameters.AddWithValue(future);
        command.Parameters.AddWithValue(calendar.OrganizerId);
        command.CommandTimeout = 300;
        var written = await command.ExecuteNonQueryAsync(ct);
        if (written != past + future) throw new InvalidOperationException($"history: {written} bookings written, not {past + future}");
        // What another activation's commit would have done: the active calendar is now stale.
        await using (var bump = new NpgsqlCommand("update calendars set version = version + 1 where organizer_id = $1", connection, transaction))
        {
            bump.Parameters.AddWithValue(calendar.OrganizerId);
            await bump.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    /// <summary>A booking beyond the run's slots that makes the calendar notice the history and reload it.</summary>
    public static BookingRequest Touch(Calendar calendar, DateOnly firstDay, string runId) =>
        new(calendar, new DateTimeOffset(firstDay.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + FutureOffset - TimeSpan.FromDays(1),
            "History touch", $"touch-{runId}@{Domain}", $"{runId}-history-touch");
}
