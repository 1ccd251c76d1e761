namespace Scheduler.Calendar;

// Persisted as plain JSON (System.Text.Json). Properties are only ever added, never renamed:
// stored calendars must keep loading.

public sealed class CalendarState
{
    /// <summary>The organizer's user id (also the grain key), kept in the JSON for SQL views.</summary>
    public Guid OrganizerId { get; set; }

    /// <summary>The organizer's IANA zone, copied from the user (availability is read in it).</summary>
    public string? TimeZone { get; set; }

    /// <summary>Base64 key for the MACs behind manage tokens; the tokens themselves are never stored.</summary>
    public string? TokenKey { get; set; }

    public List<EventTypeRecord> EventTypes { get; set; } = [];
    public List<AvailabilityRecord> Availability { get; set; } = [];
    public Dictionary<Guid, BookingRecord> Bookings { get; set; } = [];
    public Dictionary<Guid, EventRecord> Events { get; set; } = [];
    public Dictionary<string, IdempotencyRecord> IdempotencyKeys { get; set; } = [];

    /// <summary>When the calendar's one booking reminder is set to fire next (null: not armed).</summary>
    public DateTimeOffset? BookingReminderDue { get; set; }

    /// <summary>Side effects decided with a booking, delivered at least once after the write.</summary>
    public List<OutboxMessage> Outbox { get; set; } = [];
}

public sealed class EventTypeRecord
{
    public Guid Id { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public int DurationMinutes { get; set; }
    public string Location { get; set; } = "";
    public bool Active { get; set; } = true;
    public bool RequiresConfirmation { get; set; }
    public int ReminderMinutes { get; set; } = EventTypeDraft.DefaultReminderMinutes;
    public bool Deleted { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class AvailabilityRecord
{
    public Guid Id { get; set; }
    public DayOfWeek DayOfWeek { get; set; }
    public int StartMinute { get; set; }
    public int EndMinute { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class BookingRecord
{
    public Guid Id { get; set; }
    public Guid EventId { get; set; }
    public Guid EventTypeId { get; set; }
    public Guid UserId { get; set; }
    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    public string? Notes { get; set; }
    public BookingStatus Status { get; set; }
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? CancellationReason { get; set; }
    public string? CancelledBy { get; set; }

    /// <summary>The "starts soon" reminder went out (at most once per booking).</summary>
    public bool ReminderSent { get; set; }

    /// <summary>SHA-256 (hex) of the manage token.</summary>
    public string ManageTokenHash { get; set; } = "";

    public bool IsActive => Status is BookingStatus.Pending or BookingStatus.Confirmed;
}

/// <summary>The seed's Event: the concrete occurrence a booking reserves.</summary>
public sealed class EventRecord
{
    public Guid Id { get; set; }
    public Guid EventTypeId { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Location { get; set; } = "";
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    public List<Guid> BookingIds { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>What a booking request with an Idempotency-Key was answered, kept at least 24 hours.</summary>
public sealed class IdempotencyRecord
{
    public string Fingerprint { get; set; } = "";
    public BookingOutcomeKind Kind { get; set; }
    /// <summary>The booking as first returned (replays return the original body).</summary>
    public BookingView? Booking { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum OutboxKind
{
    /// <summary>Tell the booker's account which organizer holds the booking.</summary>
    RecordBooking = 0,
    /// <summary>Put a notification into a user's inbox.</summary>
    Notify = 1,
}

/// <summary>A side effect of a decision, written in the same state write as the decision.</summary>
public sealed class OutboxMessage
{
    public Guid Id { get; set; }
    public OutboxKind Kind { get; set; }
    public Guid UserId { get; set; }
    public Guid BookingId { get; set; }
    public string? Message { get; set; }
    /// <summary>created, confirmed, cancelled (later: rescheduled).</summary>
    public string? Change { get; set; }
    public DateTimeOffset SentAt { get; set; }
}
