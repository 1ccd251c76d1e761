namespace Scheduler.Calendar;

// The calendar's working set in memory. The tables (Migrations/V6__seed_tables.sql) are the
// system of record; CalendarStore loads these records from them and writes the changed ones back.

/// <summary>
/// What a calendar holds in memory to decide: its settings, event types, weekly rules, date
/// overrides, blocked time not yet ended, the active bookings that can still collide or count toward
/// a daily or weekly limit (not ended, or ended within the last 8 days; plus any this activation
/// touched) and the Idempotency-Key replies of the last 25 hours. Everything else (past bookings, events,
/// notifications) lives only in the tables and is read from there.
/// </summary>
public sealed class CalendarState
{
    public Guid OrganizerId { get; set; }

    /// <summary>The calendar row's version this activation last read or wrote (0: no row yet).</summary>
    public long Version { get; set; }

    /// <summary>The organizer's IANA zone, copied from the user (availability is read in it).</summary>
    public string? TimeZone { get; set; }

    /// <summary>Base64 key for the MACs behind manage tokens; the tokens themselves are never stored.</summary>
    public string? TokenKey { get; set; }

    public List<EventTypeRecord> EventTypes { get; set; } = [];
    public List<AvailabilityRecord> Availability { get; set; } = [];
    public Dictionary<Guid, BookingRecord> Bookings { get; set; } = [];
    public Dictionary<string, IdempotencyRecord> IdempotencyKeys { get; set; } = [];

    /// <summary>Date overrides by local date (all of them: at most DateOverrides.MaxOverrides).</summary>
    public SortedDictionary<DateOnly, DateOverrideRecord> Overrides { get; set; } = [];

    /// <summary>Blocked time that has not ended: the organizer's events without an event type.</summary>
    public List<EventRecord> Blocks { get; set; } = [];

    /// <summary>When the calendar's one booking reminder is set to fire next (null: not armed).</summary>
    public DateTimeOffset? BookingReminderDue { get; set; }
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

    /// <summary>Shown on the organizer's public page (when active).</summary>
    public bool Listed { get; set; }
    public int ReminderMinutes { get; set; } = EventTypeDraft.DefaultReminderMinutes;
    public int? SlotIntervalMinutes { get; set; }
    public int? BufferBeforeMinutes { get; set; }
    public int? BufferAfterMinutes { get; set; }
    public int? MinimumNoticeMinutes { get; set; }
    public int? MaxDaysInFuture { get; set; }
    public int? MaxBookingsPerDay { get; set; }
    public int? MaxBookingsPerWeek { get; set; }
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
    public Guid OrganizerId { get; set; }

    /// <summary>
    /// The booker's user. For an anonymous booking this is decided by the commit: the user that holds
    /// the booker's email address (created with an id derived from it when there is none).
    /// </summary>
    public Guid UserId { get; set; }

    /// <summary>Booked without signing in: the commit finds the booker's user by email.</summary>
    public bool Anonymous { get; set; }

    public string Name { get; set; } = "";
    public string Email { get; set; } = "";
    public string? Notes { get; set; }
    public BookingStatus Status { get; set; }
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }

    /// <summary>The event type's buffers when the booking was made: it keeps [Start − before, End + after) from others.</summary>
    public int BufferBeforeMinutes { get; set; }
    public int BufferAfterMinutes { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public string? CancellationReason { get; set; }
    public BookingParty? CancelledBy { get; set; }

    /// <summary>The "starts soon" reminder went out (at most once per booking).</summary>
    public bool ReminderSent { get; set; }

    /// <summary>SHA-256 of the manage token.</summary>
    public byte[] ManageTokenHash { get; set; } = [];

    public bool IsActive => Status is BookingStatus.Pending or BookingStatus.Confirmed;
}

/// <summary>The seed's Event: the concrete occurrence a booking reserves, or blocked time (no event type, no bookings).</summary>
public sealed class EventRecord
{
    public Guid Id { get; set; }
    public Guid? EventTypeId { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public string Location { get; set; } = "";
    public DateTimeOffset Start { get; set; }
    public DateTimeOffset End { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>What a booking request with an Idempotency-Key was answered, kept at least 24 hours.</summary>
public sealed class IdempotencyRecord
{
    public string Key { get; set; } = "";
    public string Fingerprint { get; set; } = "";
    public BookingOutcomeKind Kind { get; set; }
    /// <summary>The booking as first returned (replays return the original body).</summary>
    public BookingView? Booking { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Whether this activation gave the first answer, or a replay of it (not stored: false for what was loaded).</summary>
    public bool AnsweredHere { get; set; }
}


/// <summary>A date override: no windows means unavailable all day.</summary>
public sealed class DateOverrideRecord
{
    public DateOnly Date { get; set; }
    public List<OverrideWindow> Windows { get; set; } = [];
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
