namespace Scheduler.LoadTest.Targets;

/// <summary>
/// A server design the load tester can drive: the product's public API or the baseline. Everything a
/// scenario or the audit needs goes through here, over HTTP only.
/// </summary>
public interface ITarget
{
    /// <summary>Signs up an organizer (fresh names), sets their weekly availability and creates the event type.</summary>
    Task<Calendar> CreateCalendar(string runId, int index, CalendarShape shape, CancellationToken ct);

    /// <summary>One attempt; the caller retries with the same Idempotency-Key.</summary>
    Task<BookingResponse> Book(BookingRequest request, CancellationToken ct);

    /// <summary>Free slots of the calendar's event type between two dates (inclusive, UTC).</summary>
    Task<IReadOnlyList<Slot>> Slots(Calendar calendar, DateOnly from, DateOnly to, CancellationToken ct);

    /// <summary>Every booking of the calendar's organizer starting on those dates, all statuses.</summary>
    Task<IReadOnlyList<StoredBooking>> Bookings(Calendar calendar, DateOnly from, DateOnly to, CancellationToken ct);

    /// <summary>Notifications of the organizer and (all or a sample of) the bookers, for the audit.</summary>
    Task<NotificationsSeen> Notifications(Calendar calendar, IReadOnlyList<StoredBooking> accepted, IReadOnlyList<StoredBooking> bookerSample, CancellationToken ct);

    /// <summary>The PostgreSQL schema holding the <c>bookings</c> and <c>notifications</c> relations (SQL audit).</summary>
    string SqlSchema { get; }

    /// <summary>The relative URL of the SignalR hub, or null when the target has none.</summary>
    string? HubPath { get; }
}
