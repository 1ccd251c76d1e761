using NodaTime;
using Scheduler.Domain;

namespace Scheduler.Calendar;

/// <summary>
/// Date overrides, blocked time, and the slot engine's inputs. Listing slots and deciding a booking
/// both build their <see cref="SlotRequest"/> with <see cref="SlotRequestFor"/>, so a start is
/// accepted iff it would be listed. The engine's inputs are cached and kept current by the decisions
/// that change them: a new booking or block adds one interval (<see cref="BusyTimes.With"/>), a
/// cancellation rebuilds.
/// </summary>
public sealed partial class CalendarGrain
{
    private IReadOnlyList<WeeklyRule>? _rules;
    private IReadOnlyList<DateOverride>? _overrides;
    private BusyTimes? _busy;
    private BusyTimes? _blocked;
    private readonly Dictionary<Guid, BookingStarts> _starts = [];

    private IReadOnlyList<WeeklyRule> Rules => _rules ??= State.Availability
        .Select(r => new WeeklyRule(NodaTime.Extensions.DayOfWeekExtensions.ToIsoDayOfWeek(r.DayOfWeek), r.StartMinute, r.EndMinute))
        .ToList();

    private IReadOnlyList<DateOverride> Overrides => _overrides ??= State.Overrides.Values
        .Select(o => new DateOverride(LocalDate.FromDateOnly(o.Date), o.Windows.Select(w => new TimeWindow(w.StartMinute, w.EndMinute)).ToList()))
        .ToList();

    /// <summary>Every active booking of the organizer, each with the buffers it was made with.</summary>
    private BusyTimes Busy => _busy ??= BusyTimes.FromBookings(
        State.Bookings.Values.Where(b => b.IsActive).Select(b => new BookedTime(
            Instant.FromDateTimeOffset(b.Start), Instant.FromDateTimeOffset(b.End),
            Duration.FromMinutes(b.BufferBeforeMinutes), Duration.FromMinutes(b.BufferAfterMinutes))));

    private BusyTimes Blocked => _blocked ??= new BusyTimes(
        State.Blocks.Select(b => new Interval(Instant.FromDateTimeOffset(b.Start), Instant.FromDateTimeOffset(b.End))));

    /// <summary>Starts of one event type's active bookings, for its daily and weekly limits.</summary>
    private BookingStarts StartsOf(Guid eventTypeId)
    {
        if (!_starts.TryGetValue(eventTypeId, out var starts))
        {
            starts = new BookingStarts(State.Bookings.Values
                .Where(b => b.IsActive && b.EventTypeId == eventTypeId)
                .Select(b => Instant.FromDateTimeOffset(b.Start)));
            _starts[eventTypeId] = starts;
        }
        return starts;
    }

    private SlotRequest SlotRequestFor(EventTypeRecord eventType) =>
        SlotRequest.For(_zone, Rules, SettingsOf(eventType), Busy, Instant.FromDateTimeOffset(Now)) with
        {
            Overrides = Overrides,
            Blocked = Blocked,
            // Only the daily and weekly limits read them: without limits, no index to keep (a hot
            // calendar's would be copied on every booking).
            EventTypeBookings = eventType.MaxBookingsPerDay is null && eventType.MaxBookingsPerWeek is null
                ? BookingStarts.None
                : StartsOf(eventType.Id),
        };

    /// <summary>A new active booking: one more busy interval and start, without a rebuild (a hot calendar holds thousands).</summary>
    private void Booked(BookedTime booked, Guid eventTypeId)
    {
        _busy = _busy?.With(booked.Blocks);
        if (_starts.TryGetValue(eventTypeId, out var starts)) _starts[eventTypeId] = starts.With(booked.Start);
    }

    /// <summary>A booking stopped being active: merged intervals forget their parts, so rebuild on next use.</summary>
    private void Released(BookingRecord booking)
    {
        _busy = null;
        _starts.Remove(booking.EventTypeId);
    }

    /// <summary>Why a start is refused, for the problem's detail.</summary>
    private static string Explain(StartReason reason, EventTypeRecord eventType) => reason switch
    {
        StartReason.Past => "This start is in the past.",
        StartReason.WithinMinimumNotice => $"Bookings need at least {eventType.MinimumNoticeMinutes} minutes' notice.",
        StartReason.BeyondMaxDaysInFuture => $"Bookings open at most {eventType.MaxDaysInFuture} days ahead.",
        StartReason.Blocked => "The organizer has blocked this time.",
        StartReason.Busy => "This time, or the buffer it needs, overlaps another booking. Pick another slot.",
        StartReason.DailyLimitReached => $"This event type is fully booked on that day (at most {eventType.MaxBookingsPerDay}).",
        StartReason.WeeklyLimitReached => $"This event type is fully booked that week (at most {eventType.MaxBookingsPerWeek}).",
        _ => "This start is not one of the event type's slots.",
    };

    // ---- date overrides ----------------------------------------------------------------------

    public Task<IReadOnlyList<DateOverrideView>> GetDateOverrides() =>
        Task.FromResult<IReadOnlyList<DateOverrideView>>(State.Overrides.Values.Select(ToView).ToList());

    public async Task<DateOverrideOutcome> SetDateOverride(DateOverrideDraft draft)
    {
        _writer.ThrowIfBroken();
        var errors = new List<FieldError?>();
        if (draft.Date.Year is < 1900 or > 9000) errors.Add(new FieldError("date", "A date between the years 1900 and 9000."));
        if (draft.Windows.Count > DateOverrides.MaxWindowsPerDate)
            errors.Add(new FieldError("intervals", $"At most {DateOverrides.MaxWindowsPerDate} intervals."));
        errors.AddRange(draft.Windows.Select((w, i) =>
            AvailabilityRules.ValidateTimes(w.StartMinute, w.EndMinute) is { } e ? new FieldError($"intervals[{i}]", e) : null));
        var existing = State.Overrides.GetValueOrDefault(draft.Date);
        // Counted in the same turn as the change: concurrent PUTs cannot pass the limit together.
        if (existing is null) errors.Add(DateOverrides.CheckCount(State.Overrides.Count + 1));
        if (Invalid(errors) is { } invalid) return new DateOverrideOutcome(null, invalid);

        var now = Now;
        var record = existing ?? new DateOverrideRecord { Date = draft.Date, CreatedAt = now };
        record.Windows = draft.Windows.OrderBy(w => w.StartMinute).ThenBy(w => w.EndMinute).ToList();
        record.UpdatedAt = now;
        State.Overrides[draft.Date] = record;
        Changes.Overrides.Add(draft.Date);
        _overrides = null;
        await _writer.CommitAsync();
        return new DateOverrideOutcome(ToView(record), []);
    }

    public async Task<bool> RemoveDateOverride(DateOnly date)
    {
        _writer.ThrowIfBroken();
        if (!State.Overrides.Remove(date)) return false;
        Changes.Overrides.Add(date);
        _overrides = null;
        await _writer.CommitAsync();
        return true;
    }

    private static DateOverrideView ToView(DateOverrideRecord r) => new(r.Date, r.Windows.ToList(), r.CreatedAt, r.UpdatedAt);

    // ---- blocked time ------------------------------------------------------------------------

    public async Task<BlockedTimeOutcome> BlockTime(BlockedTimeDraft draft)
    {
        _writer.ThrowIfBroken();
        var start = Instant.FromDateTimeOffset(draft.Start);
        var end = Instant.FromDateTimeOffset(draft.End);
        if (Invalid(BlockedTimes.Validate(start, end)) is { } invalid) return new BlockedTimeOutcome(null, invalid);

        var now = Now;
        var block = new EventRecord
        {
            Id = Guid.CreateVersion7(now),
            EventTypeId = null,
            Title = draft.Title,
            Description = "",
            Location = "",
            Start = Microseconds(start),
            End = Microseconds(end),
            CreatedAt = now,
            UpdatedAt = now,
        };
        State.Blocks.Add(block);
        Changes.NewEvents.Add(block);
        _blocked = _blocked?.With(new Interval(Instant.FromDateTimeOffset(block.Start), Instant.FromDateTimeOffset(block.End)));
        await _writer.CommitAsync();
        return new BlockedTimeOutcome(
            new EventView(block.Id, null, OrganizerId, block.Title, block.Description, block.Start, block.End, block.Location,
                block.CreatedAt, block.UpdatedAt, []),
            []);
    }

    public Task<IReadOnlyList<EventView>> ListBlocks()
    {
        var now = Now;
        IReadOnlyList<EventView> blocks = State.Blocks.Where(b => b.End > now).OrderBy(b => b.Start).ThenBy(b => b.Id)
            .Select(b => new EventView(b.Id, null, OrganizerId, b.Title, b.Description, b.Start, b.End, b.Location, b.CreatedAt, b.UpdatedAt, []))
            .ToList();
        return Task.FromResult(blocks);
    }

    public async Task<bool> RemoveBlock(Guid eventId)
    {
        _writer.ThrowIfBroken();
        if (State.Blocks.RemoveAll(b => b.Id == eventId) == 0) return false;
        Changes.RemovedBlocks.Add(eventId);
        // Merged intervals forget their parts: rebuild on next use.
        _blocked = null;
        await _writer.CommitAsync();
        return true;
    }

    /// <summary>In UTC, whole microseconds, as PostgreSQL keeps it: what is in memory equals what is stored.</summary>
    private static DateTimeOffset Microseconds(Instant instant)
    {
        var utc = instant.ToDateTimeOffset();
        return new DateTimeOffset(utc.UtcTicks - utc.UtcTicks % 10, TimeSpan.Zero);
    }
}
