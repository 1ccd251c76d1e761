using NodaTime;
using Scheduler.Domain;
using Scheduler.Storage;

namespace Scheduler.Calendar;

/// <summary>
/// An organizer's calendar. Reentrant on purpose: every decision is made synchronously (no await
/// between reading the state and changing it), then callers await a shared group commit that
/// writes the rows the decisions changed in one transaction, so concurrent bookers are both
/// serialized and batched. In memory it keeps only what it needs to decide (see
/// <see cref="CalendarState"/>); the history is read from the tables. Split by topic: event types
/// and availability here, date overrides, blocked time and the slot engine's inputs in
/// CalendarGrain.Rules.cs, bookings and events in CalendarGrain.Bookings.cs, commits and live pushes
/// in CalendarGrain.Commit.cs, reminders in CalendarGrain.Reminders.cs.
/// </summary>
[Reentrant]
public sealed partial class CalendarGrain(
    ICalendarStore store,
    BookingQueries queries,
    [Microsoft.Extensions.DependencyInjection.FromKeyedServices(SchedulerClock.Key)] TimeProvider clock,
    Microsoft.Extensions.Options.IOptions<CalendarOptions> options,
    ILogger<CalendarGrain> logger) : Grain, ICalendarGrain, IRemindable
{
    private GroupCommit<CalendarChanges> _writer = null!;
    private DateTimeZone _zone = DateTimeZone.Utc;
    private CalendarState _state = new();

    private CalendarState State => _state;
    private CalendarChanges Changes => _writer.Pending;
    private Guid OrganizerId => this.GetPrimaryKey();

    /// <summary>Whole microseconds, as PostgreSQL keeps them: what is in memory equals what is stored.</summary>
    private DateTimeOffset Now
    {
        get
        {
            var now = clock.GetUtcNow();
            return new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        }
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var loading = System.Diagnostics.Stopwatch.StartNew();
        var snapshot = await Db.Read(() => store.LoadAsync(OrganizerId, Now, IdempotencyRetention));
        logger.LogInformation(
            "Calendar {Organizer} loaded in {Milliseconds} ms: {Bookings} active bookings, {Replies} idempotency replies, version {Version}",
            OrganizerId, loading.ElapsedMilliseconds, snapshot.ActiveBookings.Count, snapshot.Replies.Count, snapshot.Version);
        _state = new CalendarState
        {
            OrganizerId = OrganizerId,
            Version = snapshot.Version,
            // The profile's zone is the truth (PATCH /api/me stores it first, then tells the calendar):
            // a calendar whose copy was not stored (its commit failed) reloads into the right zone.
            TimeZone = snapshot.OrganizerTimeZone ?? snapshot.TimeZone ?? "UTC",
            TokenKey = snapshot.TokenKey,
            BookingReminderDue = snapshot.BookingReminderDue,
            EventTypes = snapshot.EventTypes,
            Availability = snapshot.Availability,
            Bookings = snapshot.ActiveBookings.ToDictionary(b => b.Id),
            // The newest answer per key (a key whose reply expired may have been answered again).
            IdempotencyKeys = snapshot.Replies.OrderBy(r => r.CreatedAt).GroupBy(r => r.Key).ToDictionary(g => g.Key, g => g.Last()),
            Overrides = new SortedDictionary<DateOnly, DateOverrideRecord>(snapshot.Overrides.ToDictionary(o => o.Date)),
            Blocks = snapshot.Blocks,
        };
        _writer = new GroupCommit<CalendarChanges>(() => new CalendarChanges(), WriteAsync, OnWriteFailed, () => store.CommitsIdle(OrganizerId));
        _zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(State.TimeZone!) ?? DateTimeZone.Utc;
        // Also after a crash between a booking's commit and its reminder's registration.
        RearmBookingReminder();
    }

    public async Task SetTimeZone(string timeZone)
    {
        _writer.ThrowIfBroken();
        // Already this zone: still only once it is stored (an identical change may be in flight).
        if (State.TimeZone == timeZone)
        {
            await _writer.WhenDurableAsync();
            return;
        }
        State.TimeZone = timeZone;
        _zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? DateTimeZone.Utc;
        await _writer.CommitAsync();
    }

    // ---- event types -------------------------------------------------------------------------

    public async Task<EventTypeOutcome> CreateEventType(EventTypeDraft draft)
    {
        _writer.ThrowIfBroken();
        // The domain's ranges, here where the decision is made: whoever calls, no stored settings throw on a slot read.
        if (Invalid(SettingsOf(draft).Validate()) is { } errors) return new EventTypeOutcome(null, errors);
        var id = Guid.NewGuid();
        // The directory entry is written first: an event type that exists must be findable. A
        // failure after it leaves only a dangling pointer, which reads as "not found".
        await GrainFactory.GetGrain<IEventTypeDirectoryGrain>(id).Register(OrganizerId);
        var now = Now;
        var record = new EventTypeRecord { Id = id, CreatedAt = now, UpdatedAt = now };
        Apply(record, draft);
        State.EventTypes.Add(record);
        Changes.EventTypes.Add(id);
        await _writer.CommitAsync();
        return new EventTypeOutcome(ToView(record), []);
    }

    public async Task<EventTypeOutcome?> UpdateEventType(Guid eventTypeId, EventTypeDraft draft)
    {
        _writer.ThrowIfBroken();
        var record = FindEventType(eventTypeId);
        if (record is null) return null;
        if (Invalid(SettingsOf(draft).Validate()) is { } errors) return new EventTypeOutcome(null, errors);
        // Existing bookings keep the buffers they were made with; new settings apply to new bookings.
        var reminderBefore = record.ReminderMinutes;
        Apply(record, draft);
        record.UpdatedAt = Now;
        Changes.EventTypes.Add(record.Id);
        await _writer.CommitAsync();
        // Its bookings' reminders are due at the new time (an earlier one needs the reminder armed earlier).
        if (record.ReminderMinutes != reminderBefore) RearmBookingReminder();
        return new EventTypeOutcome(ToView(record), []);
    }

    public async Task<DeleteEventTypeResult> DeleteEventType(Guid eventTypeId, bool cancelBookings)
    {
        _writer.ThrowIfBroken();
        var record = FindEventType(eventTypeId);
        if (record is null) return new(DeleteEventTypeOutcome.NotFound, []);
        var now = Now;
        var future = State.Bookings.Values.Where(b => b.EventTypeId == eventTypeId && b.IsActive && b.End > now).ToList();
        if (future.Count > 0 && !cancelBookings) return new(DeleteEventTypeOutcome.HasBookings, []);
        foreach (var booking in future) CancelBooking(booking, "The event type was withdrawn by the organizer.", BookingParty.Organizer);
        // Kept as a tombstone: existing bookings still name it.
        record.Deleted = true;
        record.UpdatedAt = now;
        Changes.EventTypes.Add(record.Id);
        await _writer.CommitAsync();
        return new(DeleteEventTypeOutcome.Deleted, future.Select(ToView).ToList());
    }

    public Task<EventTypeView?> GetEventType(Guid eventTypeId) =>
        Task.FromResult(FindEventType(eventTypeId) is { } r ? ToView(r) : null);

    public Task<IReadOnlyList<EventTypeView>> ListEventTypes() =>
        Task.FromResult<IReadOnlyList<EventTypeView>>(
            State.EventTypes.Where(e => !e.Deleted).OrderBy(e => e.CreatedAt).Select(ToView).ToList());

    private EventTypeRecord? FindEventType(Guid id) => State.EventTypes.Find(e => e.Id == id && !e.Deleted);

    private static void Apply(EventTypeRecord record, EventTypeDraft draft)
    {
        record.Title = draft.Title;
        record.Description = draft.Description;
        record.DurationMinutes = draft.DurationMinutes;
        record.Location = draft.Location;
        record.Active = draft.Active;
        record.RequiresConfirmation = draft.RequiresConfirmation;
        record.Listed = draft.Listed;
        record.ReminderMinutes = draft.ReminderMinutes;
        record.SlotIntervalMinutes = draft.SlotIntervalMinutes;
        record.BufferBeforeMinutes = draft.BufferBeforeMinutes;
        record.BufferAfterMinutes = draft.BufferAfterMinutes;
        record.MinimumNoticeMinutes = draft.MinimumNoticeMinutes;
        record.MaxDaysInFuture = draft.MaxDaysInFuture;
        record.MaxBookingsPerDay = draft.MaxBookingsPerDay;
        record.MaxBookingsPerWeek = draft.MaxBookingsPerWeek;
    }

    private static EventTypeSettings SettingsOf(EventTypeDraft d) => new(d.DurationMinutes)
    {
        ReminderMinutes = d.ReminderMinutes,
        SlotIntervalMinutes = d.SlotIntervalMinutes,
        BufferBeforeMinutes = d.BufferBeforeMinutes,
        BufferAfterMinutes = d.BufferAfterMinutes,
        MinimumNoticeMinutes = d.MinimumNoticeMinutes,
        MaxDaysInFuture = d.MaxDaysInFuture,
        MaxBookingsPerDay = d.MaxBookingsPerDay,
        MaxBookingsPerWeek = d.MaxBookingsPerWeek,
    };

    private static EventTypeSettings SettingsOf(EventTypeRecord r) => new(r.DurationMinutes)
    {
        ReminderMinutes = r.ReminderMinutes,
        SlotIntervalMinutes = r.SlotIntervalMinutes,
        BufferBeforeMinutes = r.BufferBeforeMinutes,
        BufferAfterMinutes = r.BufferAfterMinutes,
        MinimumNoticeMinutes = r.MinimumNoticeMinutes,
        MaxDaysInFuture = r.MaxDaysInFuture,
        MaxBookingsPerDay = r.MaxBookingsPerDay,
        MaxBookingsPerWeek = r.MaxBookingsPerWeek,
    };

    /// <summary>The domain's errors as the contract carries them; null when there are none.</summary>
    private static IReadOnlyList<InvalidField>? Invalid(IEnumerable<FieldError?> errors)
    {
        var list = errors.OfType<FieldError>().Select(e => new InvalidField(e.Field, e.Message)).ToList();
        return list.Count == 0 ? null : list;
    }

    private EventTypeView ToView(EventTypeRecord r) => new(
        r.Id, OrganizerId, r.Title, r.Description, r.DurationMinutes, r.Location, r.Active, r.CreatedAt, r.UpdatedAt,
        r.RequiresConfirmation, r.ReminderMinutes, r.SlotIntervalMinutes, r.BufferBeforeMinutes, r.BufferAfterMinutes,
        r.MinimumNoticeMinutes, r.MaxDaysInFuture, r.MaxBookingsPerDay, r.MaxBookingsPerWeek, r.Listed);

    // ---- availability ------------------------------------------------------------------------

    public Task<IReadOnlyList<AvailabilityRuleView>> GetAvailability() => Task.FromResult(AvailabilityViews());

    public async Task<AvailabilityOutcome> ReplaceAvailability(IReadOnlyList<AvailabilityRuleDraft> rules)
    {
        _writer.ThrowIfBroken();
        var errors = rules.Select((r, i) => CheckRule(r, $"[{i}]")).Append(AvailabilityRules.CheckCount(rules.Count));
        if (Invalid(errors) is { } invalid) return new AvailabilityOutcome(AvailabilityViews(), null, invalid);
        var now = Now;
        State.Availability = rules.Select(r => NewRule(r, now)).ToList();
        Changes.Availability = true;
        _rules = null;
        await _writer.CommitAsync();
        return new AvailabilityOutcome(AvailabilityViews(), null, []);
    }

    public async Task<AvailabilityOutcome> AddAvailability(AvailabilityRuleDraft rule)
    {
        _writer.ThrowIfBroken();
        // Counted here, in the same turn as the add: two concurrent adds cannot both pass the limit.
        if (Invalid([CheckRule(rule, "body"), AvailabilityRules.CheckCount(State.Availability.Count + 1)]) is { } invalid)
            return new AvailabilityOutcome(AvailabilityViews(), null, invalid);
        var record = NewRule(rule, Now);
        State.Availability.Add(record);
        Changes.Availability = true;
        _rules = null;
        await _writer.CommitAsync();
        return new AvailabilityOutcome(AvailabilityViews(), ToView(record), []);
    }

    public async Task<bool> RemoveAvailability(Guid ruleId)
    {
        _writer.ThrowIfBroken();
        if (State.Availability.RemoveAll(r => r.Id == ruleId) == 0) return false;
        Changes.Availability = true;
        _rules = null;
        await _writer.CommitAsync();
        return true;
    }

    private static FieldError? CheckRule(AvailabilityRuleDraft rule, string field) =>
        AvailabilityRules.Validate(NodaTime.Extensions.DayOfWeekExtensions.ToIsoDayOfWeek(rule.DayOfWeek), rule.StartMinute, rule.EndMinute) is { } error
            ? new FieldError(field, error)
            : null;

    private static AvailabilityRecord NewRule(AvailabilityRuleDraft r, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(),
        DayOfWeek = r.DayOfWeek,
        StartMinute = r.StartMinute,
        EndMinute = r.EndMinute,
        CreatedAt = now,
        UpdatedAt = now,
    };

    private IReadOnlyList<AvailabilityRuleView> AvailabilityViews() =>
        State.Availability
            .OrderBy(r => ((int)r.DayOfWeek + 6) % 7).ThenBy(r => r.StartMinute).ThenBy(r => r.EndMinute)
            .Select(ToView).ToList();

    private static AvailabilityRuleView ToView(AvailabilityRecord r) =>
        new(r.Id, r.DayOfWeek, r.StartMinute, r.EndMinute, r.CreatedAt, r.UpdatedAt);

    // ---- slots -------------------------------------------------------------------------------

    public Task<SlotList?> GetSlots(Guid eventTypeId, DateOnly from, DateOnly to, string? timeZone)
    {
        _writer.ThrowIfBroken();
        var eventType = FindEventType(eventTypeId);
        if (eventType is null) return Task.FromResult<SlotList?>(null);
        var viewerZone = timeZone is null ? _zone : DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? _zone;
        // Inactive means absent: like the event type's public read, its slots are 404 (issue 10).
        if (!eventType.Active) return Task.FromResult<SlotList?>(null);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var (rangeStart, rangeEnd) = SlotEngine.DateRange(LocalDate.FromDateOnly(from), LocalDate.FromDateOnly(to), viewerZone);
        var slots = SlotEngine.Slots(SlotRequestFor(eventType), rangeStart, rangeEnd)
            .Select(s => new SlotView(s.Start.ToDateTimeOffset(), s.End.ToDateTimeOffset()))
            .ToList();
        SchedulerMetrics.SlotQueryTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return Task.FromResult<SlotList?>(new SlotList(eventTypeId, viewerZone.Id, slots));
    }
}
