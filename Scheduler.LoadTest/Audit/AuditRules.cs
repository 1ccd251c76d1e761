using Scheduler.LoadTest.Database;
using Scheduler.LoadTest.Engine;
using Scheduler.LoadTest.Targets;

namespace Scheduler.LoadTest.Audit;

/// <summary>One broken promise found by the audit, with enough detail to look it up.</summary>
public sealed record Violation(string Check, string Detail);

/// <summary>
/// The audit's rules as a pure function of what the load tester was told (the ledger) and what the
/// server lists afterwards. Every request used its own booker email, so a stored booking is traced
/// back to its request by email.
/// </summary>
public static class AuditRules
{
    public const string DoubleBooking = "double-booking";
    public const string Lost = "lost";
    public const string Changed = "changed";
    public const string ExistsThoughRefused = "exists-though-refused";
    public const string Duplicate = "duplicate";
    public const string Unrequested = "unrequested";
    public const string MissingNotification = "missing-notification";
    public const string MissingPush = "missing-push";
    public const string Incomplete = "audit-incomplete";

    public static IEnumerable<Violation> Check(IReadOnlyCollection<BookingRecord> ledger, IReadOnlyCollection<StoredBooking> stored)
    {
        // No two active bookings of one organizer overlap ([start, end)).
        foreach (var organizer in stored.Where(b => b.Active).GroupBy(b => b.OrganizerId))
        {
            StoredBooking? reaching = null;
            foreach (var booking in organizer.OrderBy(b => b.Start).ThenBy(b => b.End))
            {
                if (reaching is not null && booking.Start < reaching.End)
                {
                    yield return new Violation(DoubleBooking,
                        $"organizer {organizer.Key}: {reaching.Id} {reaching.Start:O}–{reaching.End:O} overlaps {booking.Id} {booking.Start:O}–{booking.End:O}");
                }
                if (reaching is null || booking.End > reaching.End) reaching = booking;
            }
        }

        // Bookings of a calendar's --history were written into the tables, not requested: they count
        // for overlaps (above), never as requests' bookings.
        stored = stored.Where(b => !HistorySeed.IsHistory(b.Email)).ToList();
        ledger = ledger.Where(r => !HistorySeed.IsHistory(r.Request.Email)).ToList();
        var byId = stored.GroupBy(b => b.Id).ToDictionary(g => g.Key, g => g.First());
        var byEmail = stored.GroupBy(b => b.Email, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.OrdinalIgnoreCase);

        foreach (var record in ledger)
        {
            var email = record.Request.Email;
            if (record.Outcome == Outcome.Accepted)
            {
                var answer = record.Response!;
                if (!byId.TryGetValue(answer.Id!.Value, out var found))
                {
                    yield return new Violation(Lost, $"201 {answer.Id} for {email} at {answer.Start:O} is not stored");
                }
                else if (found.Start != answer.Start || found.End != answer.End || !found.Active
                    || found.OrganizerId != record.Request.Calendar.OrganizerId)
                {
                    yield return new Violation(Changed,
                        $"201 {answer.Id} said {answer.Start:O}–{answer.End:O}; stored {found.Start:O}–{found.End:O} {found.Status} organizer {found.OrganizerId}");
                }
            }
            else if (record.Outcome is Outcome.Refused or Outcome.Rejected && byEmail.ContainsKey(email))
            {
                yield return new Violation(ExistsThoughRefused,
                    $"{email} was answered {record.Response?.Status} {record.Response?.ProblemType} but {byEmail[email][0].Id} is stored");
            }
        }

        foreach (var (email, bookings) in byEmail)
        {
            if (bookings.Count > 1)
                yield return new Violation(Duplicate, $"{email} has {bookings.Count} bookings: {string.Join(", ", bookings.Select(b => b.Id))}");
        }

        var requested = ledger.Select(r => r.Request.Email).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var booking in stored.Where(b => !requested.Contains(b.Email)))
            yield return new Violation(Unrequested, $"{booking.Id} for {booking.Email} matches no request of this run");
    }

    /// <summary>Requests whose outcome the client never learned (errors after all retries), and whether they were stored.</summary>
    public static (int Stored, int NotStored) Unknown(IReadOnlyCollection<BookingRecord> ledger, IReadOnlyCollection<StoredBooking> stored)
    {
        var emails = stored.Select(b => b.Email).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unknown = ledger.Where(r => r.Outcome == Outcome.Error).ToList();
        var found = unknown.Count(r => emails.Contains(r.Request.Email));
        return (found, unknown.Count - found);
    }
}
