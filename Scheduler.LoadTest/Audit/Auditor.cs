using Npgsql;
using Scheduler.LoadTest.Database;
using Scheduler.LoadTest.Engine;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Audit;

/// <summary>The verdict: passed only if no check found a violation.</summary>
public sealed record AuditReport(
    bool Passed,
    int Requests,
    int Acknowledged,
    int Stored,
    int UnknownOutcomeStored,
    int UnknownOutcomeNotStored,
    IReadOnlyDictionary<string, int> Violations,
    IReadOnlyList<Violation> Examples,
    IReadOnlyList<string> Notes,
    bool SqlChecked);

/// <summary>
/// After every run: reads the run's bookings (and notifications) back through the API and, with
/// <c>--db</c>, from SQL, and checks them against what the load tester was told.
/// </summary>
public sealed class Auditor(ITarget target, TimeSpan settleTimeout)
{
    public const int BookerSample = 5;

    /// <summary>The product's relations may be views over stored JSON, slow under load: give SQL time.</summary>
    private const int SqlTimeoutSeconds = 300;

    public async Task<AuditReport> Run(
        IReadOnlyList<Calendar> calendars, IReadOnlyCollection<BookingRecord> ledger, DateOnly firstDay, string? db,
        IReadOnlyList<string> scenarioViolations, CancellationToken ct)
    {
        var notes = new List<string>();
        var lastDay = ledger.Count == 0 ? firstDay : DateOnly.FromDateTime(ledger.Max(r => r.Request.Start).UtcDateTime).AddDays(1);
        var stored = new List<StoredBooking>();
        foreach (var calendar in calendars) stored.AddRange(await target.Bookings(calendar, firstDay, lastDay, ct));

        var violations = AuditRules.Check(ledger, stored).ToList();
        var (unknownStored, unknownNotStored) = AuditRules.Unknown(ledger, stored);
        var acceptedIds = ledger.Where(r => r.Outcome == Outcome.Accepted).Select(r => r.Response!.Id!.Value).ToHashSet();
        var accepted = stored.Where(b => acceptedIds.Contains(b.Id)).ToList();

        var organizerChecked = await CheckNotifications(calendars, accepted, violations, notes, ct);
        var sqlChecked = false;
        if (db is not null)
        {
            try
            {
                await CheckSql(db, calendars, acceptedIds, organizerChecked, violations, notes, ct);
                sqlChecked = true;
            }
            catch (NpgsqlException e)
            {
                // An audit that could not finish cannot vouch for the run.
                violations.Add(new Violation(AuditRules.Incomplete, "SQL audit failed: " + e.Message));
            }
        }
        violations.AddRange(scenarioViolations.Select(v => new Violation(AuditRules.MissingPush, v)));

        var counts = violations.GroupBy(v => v.Check).ToDictionary(g => g.Key, g => g.Count());
        var examples = violations.GroupBy(v => v.Check).SelectMany(g => g.Take(5)).ToList();
        return new AuditReport(violations.Count == 0, ledger.Count, acceptedIds.Count, stored.Count, unknownStored, unknownNotStored,
            counts, examples, notes, sqlChecked);
    }

    /// <summary>Notifications are delivered after the 201 (an outbox): waits up to the settle time for all of them.</summary>
    private async Task<bool> CheckNotifications(
        IReadOnlyList<Calendar> calendars, List<StoredBooking> accepted, List<Violation> violations, List<string> notes, CancellationToken ct)
    {
        var sample = accepted.OrderBy(b => b.Id).Take(BookerSample).ToList();
        var settling = System.Diagnostics.Stopwatch.StartNew(); // bounds the wait; measures nothing
        while (true)
        {
            var missing = new List<Violation>();
            var organizerChecked = true;
            var bookersChecked = 0;
            var pageNotes = new HashSet<string>();
            foreach (var calendar in calendars)
            {
                var mine = accepted.Where(b => b.OrganizerId == calendar.OrganizerId).ToList();
                var seen = await target.Notifications(calendar, mine, sample.Where(b => b.OrganizerId == calendar.OrganizerId).ToList(), ct);
                if (seen.Note is not null) pageNotes.Add(seen.Note);
                organizerChecked &= seen.OrganizerChecked;
                bookersChecked += seen.BookersChecked.Count;
                if (seen.OrganizerChecked)
                {
                    missing.AddRange(mine.Where(b => !seen.ForOrganizer.Contains(b.Id))
                        .Select(b => new Violation(AuditRules.MissingNotification, $"organizer {b.OrganizerId} has no notification of {b.Id}")));
                }
                missing.AddRange(mine.Where(b => seen.BookersChecked.Contains(b.Id) && !seen.ForBooker.Contains(b.Id))
                    .Select(b => new Violation(AuditRules.MissingNotification, $"booker {b.Email} has no notification of {b.Id}")));
            }
            if (missing.Count == 0 || settling.Elapsed >= settleTimeout)
            {
                violations.AddRange(missing);
                notes.AddRange(pageNotes);
                notes.Add($"notifications through the API: organizer's for {(organizerChecked ? "every" : "no")} accepted booking, bookers' for {bookersChecked} sampled bookings");
                return organizerChecked;
            }
            await Task.Delay(500, ct);
        }
    }

    private async Task CheckSql(
        string db, IReadOnlyList<Calendar> calendars, HashSet<Guid> acceptedIds, bool organizerNotifications,
        List<Violation> violations, List<string> notes, CancellationToken ct)
    {
        await using var source = DbProbe.ForAudit(db);
        var schema = target.SqlSchema;
        var organizers = calendars.Select(c => c.OrganizerId).ToArray();
        var ids = acceptedIds.ToArray();

        // One pass per organizer in start order (the relations may be views over JSON: no self-join):
        // a booking overlaps an earlier-starting one iff it starts before the latest end seen so far.
        await using (var overlap = source.CreateCommand($"""
            select id, previous from (
              select id, start_time,
                     max(end_time) over earlier as reach,
                     lag(id) over (partition by organizer_id order by start_time, end_time, id) as previous
              from {schema}.bookings
              where organizer_id = any($1) and status in ('Pending', 'Confirmed')
              window earlier as (partition by organizer_id order by start_time, end_time, id rows between unbounded preceding and 1 preceding)
            ) ordered
            where start_time < reach
            """))
        {
            overlap.CommandTimeout = SqlTimeoutSeconds;
            overlap.Parameters.AddWithValue(organizers);
            await using var reader = await overlap.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                violations.Add(new Violation(AuditRules.DoubleBooking, $"SQL: {reader.GetGuid(0)} overlaps an earlier booking (e.g. {reader.GetGuid(1)})"));
        }
        await using (var lost = source.CreateCommand($"select id from unnest($1::uuid[]) id except select id from {schema}.bookings where organizer_id = any($2)"))
        {
            lost.CommandTimeout = SqlTimeoutSeconds;
            lost.Parameters.AddWithValue(ids);
            lost.Parameters.AddWithValue(organizers);
            await using var reader = await lost.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                violations.Add(new Violation(AuditRules.Lost, $"SQL: 201 {reader.GetGuid(0)} has no row in {schema}.bookings"));
        }

        var settling = System.Diagnostics.Stopwatch.StartNew(); // bounds the wait; measures nothing
        while (true)
        {
            var missing = new List<Violation>();
            await using (var command = source.CreateCommand($"""
                select b.id, coalesce(bool_or(n.user_id = b.organizer_id), false), coalesce(bool_or(n.user_id = b.user_id), false)
                from {schema}.bookings b left join {schema}.notifications n on n.booking_id = b.id
                where b.organizer_id = any($2) and b.id = any($1)
                group by b.id
                """))
            {
                command.CommandTimeout = SqlTimeoutSeconds;
                command.Parameters.AddWithValue(ids);
                command.Parameters.AddWithValue(organizers);
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    if (organizerNotifications && !reader.GetBoolean(1))
                        missing.Add(new Violation(AuditRules.MissingNotification, $"SQL: no organizer notification of {reader.GetGuid(0)}"));
                    if (!reader.GetBoolean(2))
                        missing.Add(new Violation(AuditRules.MissingNotification, $"SQL: no booker notification of {reader.GetGuid(0)}"));
                }
            }
            if (missing.Count == 0 || settling.Elapsed >= settleTimeout)
            {
                violations.AddRange(missing);
                notes.Add($"SQL ({schema}): overlaps, {ids.Length} acknowledged rows and their {(organizerNotifications ? "organizer and booker" : "booker")} notifications checked");
                return;
            }
            await Task.Delay(500, ct);
        }
    }
}
