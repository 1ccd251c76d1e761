using System.Security.Cryptography;
using NodaTime;
using Scheduler.Domain;

namespace Scheduler.Calendar;

/// <summary>
/// An organizer's calendar. Reentrant on purpose: every decision is made synchronously (no await
/// between reading the state and changing it), then callers await a shared group-commit write, so
/// concurrent bookers are both serialized and batched.
/// </summary>
[Reentrant]
public sealed class CalendarGrain(
    [PersistentState("calendar", "scheduler")] IPersistentState<CalendarState> store,
    TimeProvider clock,
    ILogger<CalendarGrain> logger) : Grain, ICalendarGrain
{
    private static readonly TimeSpan IdempotencyRetention = TimeSpan.FromHours(25);

    private DurableWriter _writer = null!;
    private DateTimeZone _zone = DateTimeZone.Utc;
    private BusyTimes? _busy;
    private bool _delivering;
    private DateTimeOffset _lastPrune;

    private CalendarState State => store.State;
    private Guid OrganizerId => this.GetPrimaryKey();
    private DateTimeOffset Now => clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writer = new DurableWriter(() => store.WriteStateAsync(), OnWriteFailed);
        if (State.TimeZone is null)
        {
            var organizer = await GrainFactory.GetGrain<IUserGrain>(OrganizerId).Get();
            State.TimeZone = organizer?.TimeZone ?? "UTC";
        }
        _zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(State.TimeZone) ?? DateTimeZone.Utc;
        if (State.Outbox.Count > 0) DeliverOutbox();
    }

    private void OnWriteFailed(Exception error)
    {
        logger.LogError(error, "Calendar {Organizer}: state write failed; refusing decisions and reloading", OrganizerId);
        DeactivateOnIdle();
    }

    // ---- event types -------------------------------------------------------------------------

    public async Task<EventTypeView> CreateEventType(EventTypeDraft draft)
    {
        _writer.ThrowIfBroken();
        var id = Guid.NewGuid();
        // The directory entry is written first: an event type that exists must be findable. A
        // failure after it leaves only a dangling pointer, which reads as "not found".
        await GrainFactory.GetGrain<IEventTypeDirectoryGrain>(id).Register(OrganizerId);
        var now = Now;
        var record = new EventTypeRecord { Id = id, CreatedAt = now, UpdatedAt = now };
        Apply(record, draft);
        State.EventTypes.Add(record);
        await _writer.CommitAsync();
        return ToView(record);
    }

    public async Task<EventTypeView?> UpdateEventType(Guid eventTypeId, EventTypeDraft draft)
    {
        _writer.ThrowIfBroken();
        var record = FindEventType(eventTypeId);
        if (record is null) return null;
        Apply(record, draft);
        record.UpdatedAt = Now;
        await _writer.CommitAsync();
        return ToView(record);
    }

    public async Task<bool> DeleteEventType(Guid eventTypeId)
    {
        _writer.ThrowIfBroken();
        var record = FindEventType(eventTypeId);
        if (record is null) return false;
        // Kept as a tombstone: existing bookings still name it.
        record.Deleted = true;
        record.UpdatedAt = Now;
        await _writer.CommitAsync();
        return true;
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
    }

    private EventTypeView ToView(EventTypeRecord r) =>
        new(r.Id, OrganizerId, r.Title, r.Description, r.DurationMinutes, r.Location, r.Active, r.CreatedAt, r.UpdatedAt);

    // ---- availability ------------------------------------------------------------------------

    public Task<IReadOnlyList<AvailabilityRuleView>> GetAvailability() => Task.FromResult(AvailabilityViews());

    public async Task<IReadOnlyList<AvailabilityRuleView>> ReplaceAvailability(IReadOnlyList<AvailabilityRuleDraft> rules)
    {
        _writer.ThrowIfBroken();
        var now = Now;
        State.Availability = rules.Select(r => NewRule(r, now)).ToList();
        await _writer.CommitAsync();
        return AvailabilityViews();
    }

    public async Task<AvailabilityRuleView> AddAvailability(AvailabilityRuleDraft rule)
    {
        _writer.ThrowIfBroken();
        var record = NewRule(rule, Now);
        State.Availability.Add(record);
        await _writer.CommitAsync();
        return ToView(record);
    }

    public async Task<bool> RemoveAvailability(Guid ruleId)
    {
        _writer.ThrowIfBroken();
        if (State.Availability.RemoveAll(r => r.Id == ruleId) == 0) return false;
        await _writer.CommitAsync();
        return true;
    }

    private static AvailabilityRecord NewRule(AvailabilityRuleDraft r, DateTimeOffset now) => new()
    {
        Id = Guid.NewGuid(), DayOfWeek = r.DayOfWeek, StartMinute = r.StartMinute, EndMinute = r.EndMinute,
        CreatedAt = now, UpdatedAt = now,
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
        if (eventType is null || !eventType.Active) return Task.FromResult<SlotList?>(null);
        var viewerZone = timeZone is null ? _zone : DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? _zone;
        var (rangeStart, rangeEnd) = SlotEngine.DateRange(LocalDate.FromDateOnly(from), LocalDate.FromDateOnly(to), viewerZone);
        var slots = SlotEngine.Slots(SlotRequestFor(eventType), rangeStart, rangeEnd)
            .Select(s => new SlotView(s.Start.ToDateTimeOffset(), s.End.ToDateTimeOffset()))
            .ToList();
        return Task.FromResult<SlotList?>(new SlotList(eventTypeId, viewerZone.Id, slots));
    }

    private SlotRequest SlotRequestFor(EventTypeRecord eventType) => new(
        _zone,
        State.Availability.Select(r => new WeeklyRule(NodaTime.Extensions.DayOfWeekExtensions.ToIsoDayOfWeek(r.DayOfWeek), r.StartMinute, r.EndMinute)).ToList(),
        Duration.FromMinutes(eventType.DurationMinutes),
        Busy,
        Instant.FromDateTimeOffset(Now));

    private BusyTimes Busy => _busy ??= new BusyTimes(
        State.Bookings.Values.Where(b => b.IsActive)
            .Select(b => new Interval(Instant.FromDateTimeOffset(b.Start), Instant.FromDateTimeOffset(b.End))));

    // ---- bookings ----------------------------------------------------------------------------

    public async Task<BookingOutcome> Book(BookingRequest request)
    {
        _writer.ThrowIfBroken();
        if (request.IdempotencyKey is { } key && State.IdempotencyKeys.TryGetValue(key, out var earlier))
        {
            if (earlier.Fingerprint != request.Fingerprint)
                return new BookingOutcome(BookingOutcomeKind.IdempotencyMismatch, null, null, false);
            // The first request may still be waiting for its write: answer only what is durable.
            await _writer.WhenDurableAsync();
            return Replay(earlier);
        }

        var outcome = Decide(request);
        if (request.IdempotencyKey is { } newKey)
        {
            State.IdempotencyKeys[newKey] = new IdempotencyRecord
            {
                Fingerprint = request.Fingerprint ?? "", Kind = outcome.Kind, Booking = outcome.Booking, CreatedAt = Now,
            };
            PruneIdempotencyKeys();
        }
        if (outcome.Kind == BookingOutcomeKind.Created || request.IdempotencyKey is not null)
            await _writer.CommitAsync();
        if (outcome.Kind == BookingOutcomeKind.Created) DeliverOutbox();
        return outcome;
    }

    /// <summary>The decision itself: synchronous, so no other call can interleave with it.</summary>
    private BookingOutcome Decide(BookingRequest request)
    {
        var eventType = FindEventType(request.EventTypeId);
        if (eventType is null || !eventType.Active)
            return new BookingOutcome(BookingOutcomeKind.EventTypeNotFound, null, null, false);

        var start = Instant.FromDateTimeOffset(request.Start);
        switch (SlotEngine.Classify(SlotRequestFor(eventType), start))
        {
            case StartVerdict.Taken:
                return new BookingOutcome(BookingOutcomeKind.SlotUnavailable, null, null, false);
            case StartVerdict.OutsideAvailability:
                return new BookingOutcome(BookingOutcomeKind.OutsideAvailability, null, null, false);
        }

        var now = Now;
        var bookingId = Guid.NewGuid();
        var end = start + Duration.FromMinutes(eventType.DurationMinutes);
        var token = ManageToken(bookingId);
        var occurrence = new EventRecord
        {
            Id = Guid.NewGuid(), EventTypeId = eventType.Id, Title = eventType.Title, Description = eventType.Description,
            Location = eventType.Location, Start = start.ToDateTimeOffset(), End = end.ToDateTimeOffset(),
            BookingIds = [bookingId], CreatedAt = now, UpdatedAt = now,
        };
        var booking = new BookingRecord
        {
            Id = bookingId, EventId = occurrence.Id, EventTypeId = eventType.Id, UserId = request.BookerId,
            Name = request.Name, Email = request.Email, Notes = request.Notes, Status = BookingStatus.Confirmed,
            Start = occurrence.Start, End = occurrence.End, CreatedAt = now, UpdatedAt = now,
            ManageTokenHash = Hash(token),
        };
        State.Events[occurrence.Id] = occurrence;
        State.Bookings[bookingId] = booking;
        State.Outbox.Add(new OutboxMessage { Id = Guid.NewGuid(), UserId = request.BookerId, BookingId = bookingId });
        _busy = null;
        return new BookingOutcome(BookingOutcomeKind.Created, ToView(booking), token, false);
    }

    private BookingOutcome Replay(IdempotencyRecord earlier) =>
        new(earlier.Kind, earlier.Booking, earlier.Booking is { } b ? ManageToken(b.Id) : null, true);

    private void PruneIdempotencyKeys()
    {
        var now = Now;
        if (now - _lastPrune < TimeSpan.FromMinutes(10)) return;
        _lastPrune = now;
        foreach (var (key, record) in State.IdempotencyKeys.Where(kv => now - kv.Value.CreatedAt > IdempotencyRetention).ToList())
            State.IdempotencyKeys.Remove(key);
    }

    public Task<BookingView?> GetBooking(Guid bookingId) =>
        Task.FromResult(State.Bookings.TryGetValue(bookingId, out var b) ? ToView(b) : null);

    public Task<bool> IsManageTokenValid(Guid bookingId, string manageToken)
    {
        if (!State.Bookings.TryGetValue(bookingId, out var booking)) return Task.FromResult(false);
        var expected = Convert.FromHexString(booking.ManageTokenHash);
        var actual = SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(manageToken));
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(expected, actual));
    }

    public async Task<CancelOutcome> Cancel(Guid bookingId, string? reason, string cancelledBy)
    {
        _writer.ThrowIfBroken();
        if (!State.Bookings.TryGetValue(bookingId, out var booking))
            return new CancelOutcome(CancelOutcomeKind.NotFound, null);
        if (booking.Status == BookingStatus.Cancelled)
        {
            await _writer.WhenDurableAsync();
            return new CancelOutcome(CancelOutcomeKind.AlreadyCancelled, ToView(booking));
        }
        booking.Status = BookingStatus.Cancelled;
        booking.CancellationReason = reason;
        booking.CancelledBy = cancelledBy;
        booking.UpdatedAt = Now;
        _busy = null;
        await _writer.CommitAsync();
        return new CancelOutcome(CancelOutcomeKind.Cancelled, ToView(booking));
    }

    public Task<BookingPage> ListBookings(BookingListQuery query)
    {
        IEnumerable<BookingRecord> bookings = State.Bookings.Values;
        if (query.From is null && query.To is null)
        {
            var now = Now;
            bookings = bookings.Where(b => b.End >= now);
        }
        if (query.From is { } from)
        {
            var start = LocalDate.FromDateOnly(from).AtStartOfDayInZone(_zone).ToDateTimeOffset();
            bookings = bookings.Where(b => b.Start >= start);
        }
        if (query.To is { } to)
        {
            var end = LocalDate.FromDateOnly(to).PlusDays(1).AtStartOfDayInZone(_zone).ToDateTimeOffset();
            bookings = bookings.Where(b => b.Start < end);
        }
        if (query.Status is { } status) bookings = bookings.Where(b => b.Status == status);
        if (query.AfterStart is { } afterStart)
        {
            var afterId = query.AfterId ?? Guid.Empty;
            bookings = bookings.Where(b => b.Start > afterStart || (b.Start == afterStart && b.Id.CompareTo(afterId) > 0));
        }
        var page = bookings.OrderBy(b => b.Start).ThenBy(b => b.Id).Take(query.Limit + 1).Select(ToView).ToList();
        var hasMore = page.Count > query.Limit;
        if (hasMore) page.RemoveAt(page.Count - 1);
        return Task.FromResult(new BookingPage(page, hasMore));
    }

    public async Task SetTimeZone(string timeZone)
    {
        _writer.ThrowIfBroken();
        if (State.TimeZone == timeZone) return;
        State.TimeZone = timeZone;
        _zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(timeZone) ?? DateTimeZone.Utc;
        // A calendar that was never written reads the zone from the user when it activates.
        if (store.RecordExists) await _writer.CommitAsync();
    }

    private BookingView ToView(BookingRecord b) => new(
        b.Id, b.EventId, b.EventTypeId, OrganizerId, b.UserId, b.Name, b.Email, b.Notes, b.Status,
        b.Start, b.End, b.CreatedAt, b.UpdatedAt, b.CancellationReason, b.CancelledBy);

    // ---- manage tokens -----------------------------------------------------------------------

    private string ManageToken(Guid bookingId)
    {
        State.TokenKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var mac = HMACSHA256.HashData(Convert.FromBase64String(State.TokenKey), bookingId.ToByteArray());
        return ManageTokenFormat.Encode(OrganizerId, mac);
    }

    private static string Hash(string token) =>
        Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token)));

    // ---- outbox ------------------------------------------------------------------------------

    /// <summary>
    /// Delivers durable side effects to their grains, at least once (receivers are idempotent).
    /// Delivered messages leave the outbox in memory; storage forgets them with the next write,
    /// and a reactivation may deliver a few again, which receivers ignore.
    /// </summary>
    private void DeliverOutbox()
    {
        if (_delivering) return;
        _delivering = true;
        _ = DeliverAsync();

        async Task DeliverAsync()
        {
            try
            {
                while (State.Outbox.Count > 0 && !_writer.IsBroken)
                {
                    // Only side effects of durable decisions leave: the outbox is in decision order.
                    await _writer.WhenDurableAsync();
                    var message = State.Outbox[0];
                    await GrainFactory.GetGrain<IUserGrain>(message.UserId).RecordBooking(message.BookingId, OrganizerId);
                    State.Outbox.Remove(message);
                }
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Calendar {Organizer}: outbox delivery failed; retrying later", OrganizerId);
                this.RegisterGrainTimer(() => { DeliverOutbox(); return Task.CompletedTask; },
                    new GrainTimerCreationOptions(TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan));
            }
            finally
            {
                _delivering = false;
            }
        }
    }
}
