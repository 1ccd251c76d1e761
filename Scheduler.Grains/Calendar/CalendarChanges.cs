namespace Scheduler.Calendar;

/// <summary>
/// What the decisions of one group commit changed: the rows the next commit writes. Decisions add
/// to it synchronously; <see cref="Snapshot"/> turns it into immutable rows on the grain's turn.
/// </summary>
public sealed class CalendarChanges
{
    public HashSet<Guid> EventTypes { get; } = [];
    public bool Availability { get; set; }

    /// <summary>Dates whose override was set or removed (their rows are replaced).</summary>
    public HashSet<DateOnly> Overrides { get; } = [];
    /// <summary>Bookings decided in this batch (inserted).</summary>
    public HashSet<Guid> NewBookings { get; } = [];

    /// <summary>Existing bookings whose status or reminder changed (updated).</summary>
    public HashSet<Guid> Bookings { get; } = [];
    public List<EventRecord> NewEvents { get; } = [];

    /// <summary>Blocked time removed (deleted after this batch's inserts).</summary>
    public HashSet<Guid> RemovedBlocks { get; } = [];
    public List<NotificationRow> Notifications { get; } = [];
    public List<IdempotencyRecord> Replies { get; } = [];

    /// <summary>Booking changes to push to live clients once the commit holding them is durable.</summary>
    public List<(Guid BookingId, BookingChangeKind Kind)> Pushes { get; } = [];

    /// <summary>Delete Idempotency-Key replies created before this instant.</summary>
    public DateTimeOffset? PruneRepliesBefore { get; set; }

    public bool IsEmpty =>
        EventTypes.Count == 0 && !Availability && Overrides.Count == 0 && RemovedBlocks.Count == 0 && NewBookings.Count == 0 && Bookings.Count == 0 && NewEvents.Count == 0
        && Notifications.Count == 0 && Replies.Count == 0 && PruneRepliesBefore is null;

    /// <summary>
    /// Whether a reply is stored in the row of the booking it created (<c>bookings.idempotency_*</c>)
    /// rather than as a row of <c>idempotency_replies</c>: when that booking is new in this batch and the
    /// fingerprint is the front end's SHA-256 prefix (hex), which the row keeps as bytes: 16 of them
    /// (32 from a front end of the version before, which sent the whole hash).
    /// </summary>
    private bool Folds(IdempotencyRecord reply) =>
        reply is { Kind: BookingOutcomeKind.Created, Booking: { } booking } && NewBookings.Contains(booking.Id)
        && reply.Fingerprint.Length is 32 or 64 && reply.Fingerprint.All(char.IsAsciiHexDigitUpper);

    private static BookingRow WithReply(BookingRow row, Dictionary<Guid, IdempotencyRecord> folded) =>
        folded.TryGetValue(row.Id, out var reply)
            ? row with { IdempotencyKey = reply.Key, IdempotencyFingerprint = Convert.FromHexString(reply.Fingerprint), IdempotencyStatus = reply.Booking!.Status }
            : row;

    /// <summary>
    /// Copies the changed rows out of the live state. Must run on the grain's turn, before any await:
    /// later decisions mutate the live records.
    /// </summary>
    public CalendarCommit Snapshot(CalendarState state, DateTimeOffset now)
    {
        var folded = new Dictionary<Guid, IdempotencyRecord>();
        foreach (var reply in Replies)
        {
            if (Folds(reply)) folded.TryAdd(reply.Booking!.Id, reply);
        }
        return new(
            state.OrganizerId,
            state.Version,
            state.TimeZone,
            state.TokenKey,
            state.BookingReminderDue,
            now,
            state.EventTypes.Where(e => EventTypes.Contains(e.Id)).Select(EventTypeRow.From).ToList(),
            Availability ? state.Availability.Select(AvailabilityRow.From).ToList() : null,
            NewEvents.ToList(),
            NewBookings.Select(id => WithReply(BookingRow.From(state.Bookings[id]), folded)).ToList(),
            Bookings.Where(id => !NewBookings.Contains(id)).Select(id => BookingRow.From(state.Bookings[id])).ToList(),
            Notifications.ToList(),
            Replies.Where(r => !(r.Booking is { } b && folded.TryGetValue(b.Id, out var f) && ReferenceEquals(f, r))).Select(r => new ReplyRow(r.Key, r.Fingerprint, r.Kind, r.Booking?.Id, r.Booking?.Status, r.CreatedAt)).ToList(),
            PruneRepliesBefore,
            Overrides.ToList(),
            Overrides.Where(state.Overrides.ContainsKey).Select(d => DateOverrideRow.From(state.Overrides[d])).ToList(),
            RemovedBlocks.ToList());
    }
}

/// <summary>One commit's rows, immutable: what <see cref="ICalendarStore.CommitAsync"/> writes in one transaction.</summary>
public sealed record CalendarCommit(
    Guid OrganizerId,
    long ExpectedVersion,
    string? TimeZone,
    string? TokenKey,
    DateTimeOffset? BookingReminderDue,
    DateTimeOffset Now,
    IReadOnlyList<EventTypeRow> EventTypes,
    IReadOnlyList<AvailabilityRow>? Availability,
    IReadOnlyList<EventRecord> NewEvents,
    IReadOnlyList<BookingRow> NewBookings,
    IReadOnlyList<BookingRow> ChangedBookings,
    IReadOnlyList<NotificationRow> Notifications,
    IReadOnlyList<ReplyRow> Replies,
    DateTimeOffset? PruneRepliesBefore,
    IReadOnlyList<DateOnly>? OverrideDates = null,
    IReadOnlyList<DateOverrideRow>? Overrides = null,
    IReadOnlyList<Guid>? RemovedBlocks = null);

public sealed record EventTypeRow(
    Guid Id, string Title, string Description, int DurationMinutes, string Location, bool Active,
    bool RequiresConfirmation, int ReminderMinutes, bool Deleted, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    int? SlotIntervalMinutes = null, int? BufferBeforeMinutes = null, int? BufferAfterMinutes = null, int? MinimumNoticeMinutes = null,
    int? MaxDaysInFuture = null, int? MaxBookingsPerDay = null, int? MaxBookingsPerWeek = null, bool Listed = false)
{
    public static EventTypeRow From(EventTypeRecord r) => new(
        r.Id, r.Title, r.Description, r.DurationMinutes, r.Location, r.Active, r.RequiresConfirmation,
        r.ReminderMinutes, r.Deleted, r.CreatedAt, r.UpdatedAt, r.SlotIntervalMinutes, r.BufferBeforeMinutes,
        r.BufferAfterMinutes, r.MinimumNoticeMinutes, r.MaxDaysInFuture, r.MaxBookingsPerDay, r.MaxBookingsPerWeek, r.Listed);
}

/// <summary>A date override's row and its windows (none: unavailable all day).</summary>
public sealed record DateOverrideRow(DateOnly Date, IReadOnlyList<OverrideWindow> Windows, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static DateOverrideRow From(DateOverrideRecord r) => new(r.Date, r.Windows.ToList(), r.CreatedAt, r.UpdatedAt);
}

public sealed record AvailabilityRow(
    Guid Id, DayOfWeek DayOfWeek, int StartMinute, int EndMinute, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static AvailabilityRow From(AvailabilityRecord r) => new(r.Id, r.DayOfWeek, r.StartMinute, r.EndMinute, r.CreatedAt, r.UpdatedAt);
}

public sealed record BookingRow(
    Guid Id, Guid EventId, Guid EventTypeId, Guid UserId, bool Anonymous, string Name, string Email, string? Notes,
    BookingStatus Status, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? CancellationReason, BookingParty? CancelledBy, bool ReminderSent, byte[] ManageTokenHash,
    int BufferBeforeMinutes = 0, int BufferAfterMinutes = 0,
    string? IdempotencyKey = null, byte[]? IdempotencyFingerprint = null, BookingStatus? IdempotencyStatus = null)
{
    public static BookingRow From(BookingRecord b) => new(
        b.Id, b.EventId, b.EventTypeId, b.UserId, b.Anonymous, b.Name, b.Email, b.Notes, b.Status, b.Start, b.End,
        b.CreatedAt, b.UpdatedAt, b.CancellationReason, b.CancelledBy, b.ReminderSent, b.ManageTokenHash,
        b.BufferBeforeMinutes, b.BufferAfterMinutes);
}

/// <summary>
/// A notification decided with a booking change. <see cref="UserId"/> null means "the booker of
/// <see cref="BookingId"/>", whose user the commit itself determines for anonymous bookings.
/// </summary>
public sealed record NotificationRow(Guid Id, Guid? UserId, Guid BookingId, string Message, BookingChangeKind Kind, DateTimeOffset SentAt);

/// <summary>An Idempotency-Key's answer: the outcome, and for a booking its id and status as first answered.</summary>
public sealed record ReplyRow(string Key, string Fingerprint, BookingOutcomeKind Kind, Guid? BookingId, BookingStatus? BookingStatus, DateTimeOffset CreatedAt);

/// <summary>What a commit tells the calendar back: the booker user each written booking ended up with.</summary>
public sealed record CommitResult(long Version, IReadOnlyDictionary<Guid, Guid> BookingUsers);
