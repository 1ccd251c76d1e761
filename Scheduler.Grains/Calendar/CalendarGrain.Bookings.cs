using System.Security.Cryptography;
using System.Text;
using NodaTime;
using NodaTime.Text;
using Scheduler.Domain;

namespace Scheduler.Calendar;

public sealed partial class CalendarGrain
{
    private static readonly TimeSpan IdempotencyRetention = TimeSpan.FromHours(25);
    private static readonly LocalDateTimePattern MessageTime = LocalDateTimePattern.CreateWithInvariantCulture("ddd d MMM uuuu, HH:mm");

    private BusyTimes? _busy;
    private DateTimeOffset _lastPrune;

    private BusyTimes Busy => _busy ??= new BusyTimes(
        State.Bookings.Values.Where(b => b.IsActive)
            .Select(b => new Interval(Instant.FromDateTimeOffset(b.Start), Instant.FromDateTimeOffset(b.End))));

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
            await CommitWithOutboxAsync(outcome.Kind == BookingOutcomeKind.Created);
        if (outcome.Kind == BookingOutcomeKind.Created)
        {
            DeliverOutbox();
            PublishChange(State.Bookings[outcome.Booking!.Id], "created");
            RearmBookingReminder();
        }
        return outcome;
    }

    /// <summary>The decision itself: synchronous, so no other call can interleave with it.</summary>
    private BookingOutcome Decide(BookingRequest request)
    {
        var eventType = FindEventType(request.EventTypeId);
        if (eventType is null)
            return new BookingOutcome(BookingOutcomeKind.EventTypeNotFound, null, null, false);
        // An inactive event type offers nothing: like any start that is not a slot.
        if (!eventType.Active)
            return new BookingOutcome(BookingOutcomeKind.OutsideAvailability, null, null, false);

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
            Name = request.Name, Email = request.Email, Notes = request.Notes,
            Status = eventType.RequiresConfirmation ? BookingStatus.Pending : BookingStatus.Confirmed,
            Start = occurrence.Start, End = occurrence.End, CreatedAt = now, UpdatedAt = now,
            ManageTokenHash = Hash(token),
        };
        State.Events[occurrence.Id] = occurrence;
        State.Bookings[bookingId] = booking;
        _busy = null;
        State.Outbox.Add(new OutboxMessage
        {
            Id = Guid.NewGuid(), Kind = OutboxKind.RecordBooking, UserId = request.BookerId, BookingId = bookingId, SentAt = now,
        });
        var pending = booking.Status == BookingStatus.Pending ? " It awaits your confirmation." : "";
        Notify(booking, "created",
            organizer: $"New booking: {booking.Name} <{booking.Email}> booked {Describe(booking)}.{pending}",
            booker: booking.Status == BookingStatus.Pending
                ? $"Your booking of {Describe(booking)} is requested and awaits the organizer's confirmation."
                : $"Your booking of {Describe(booking)} is confirmed.");
        return new BookingOutcome(BookingOutcomeKind.Created, ToView(booking), token, false);
    }

    private BookingOutcome Replay(IdempotencyRecord earlier) =>
        new(earlier.Kind, earlier.Booking, earlier.Booking is { } b ? ManageToken(b.Id) : null, true);

    private void PruneIdempotencyKeys()
    {
        var now = Now;
        if (now - _lastPrune < TimeSpan.FromMinutes(10)) return;
        _lastPrune = now;
        foreach (var (key, _) in State.IdempotencyKeys.Where(kv => now - kv.Value.CreatedAt > IdempotencyRetention).ToList())
            State.IdempotencyKeys.Remove(key);
    }

    public Task<BookingView?> GetBooking(Guid bookingId) =>
        Task.FromResult(State.Bookings.TryGetValue(bookingId, out var b) ? ToView(b) : null);

    public Task<IReadOnlyList<BookingView>> GetBookings(IReadOnlyList<Guid> bookingIds) =>
        Task.FromResult<IReadOnlyList<BookingView>>(bookingIds
            .Select(id => State.Bookings.GetValueOrDefault(id))
            .OfType<BookingRecord>()
            .Select(ToView)
            .ToList());

    public Task<bool> IsManageTokenValid(Guid bookingId, string manageToken)
    {
        if (!State.Bookings.TryGetValue(bookingId, out var booking)) return Task.FromResult(false);
        var expected = Convert.FromHexString(booking.ManageTokenHash);
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(manageToken));
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
        CancelBooking(booking, reason, cancelledBy);
        await CommitWithOutboxAsync(true);
        DeliverOutbox();
        PublishChange(booking, "cancelled");
        return new CancelOutcome(CancelOutcomeKind.Cancelled, ToView(booking));
    }

    private void CancelBooking(BookingRecord booking, string? reason, string cancelledBy)
    {
        booking.Status = BookingStatus.Cancelled;
        booking.CancellationReason = reason;
        booking.CancelledBy = cancelledBy;
        booking.UpdatedAt = Now;
        _busy = null;
        var because = string.IsNullOrWhiteSpace(reason) ? "" : $" Reason: {reason}";
        Notify(booking, "cancelled",
            organizer: $"Cancelled by the {cancelledBy}: {booking.Name}'s booking of {Describe(booking)}.{because}",
            booker: $"Your booking of {Describe(booking)} was cancelled by the {cancelledBy}.{because}");
    }

    public async Task<ConfirmOutcome> Confirm(Guid bookingId)
    {
        _writer.ThrowIfBroken();
        if (!State.Bookings.TryGetValue(bookingId, out var booking))
            return new ConfirmOutcome(ConfirmOutcomeKind.NotFound, null);
        switch (booking.Status)
        {
            case BookingStatus.Cancelled:
                return new ConfirmOutcome(ConfirmOutcomeKind.InvalidStatus, ToView(booking));
            case BookingStatus.Confirmed:
                await _writer.WhenDurableAsync();
                return new ConfirmOutcome(ConfirmOutcomeKind.AlreadyConfirmed, ToView(booking));
        }
        booking.Status = BookingStatus.Confirmed;
        booking.UpdatedAt = Now;
        Notify(booking, "confirmed",
            organizer: $"You confirmed {booking.Name}'s booking of {Describe(booking)}.",
            booker: $"Your booking of {Describe(booking)} is confirmed.");
        await CommitWithOutboxAsync(true);
        DeliverOutbox();
        PublishChange(booking, "confirmed");
        RearmBookingReminder();
        return new ConfirmOutcome(ConfirmOutcomeKind.Confirmed, ToView(booking));
    }

    public Task<BookingPage> ListBookings(BookingListQuery query)
    {
        var bookings = Listings.Filter(State.Bookings.Values, b => b.Start, b => b.End, b => b.Id, query, _zone, Now);
        if (query.Status is { } status) bookings = bookings.Where(b => b.Status == status);
        var (items, hasMore) = Listings.Take(bookings, query.Limit);
        return Task.FromResult(new BookingPage(items.Select(ToView).ToList(), hasMore));
    }

    public Task<EventPage> ListEvents(BookingListQuery query)
    {
        var (items, hasMore) = Listings.Take(Listings.Filter(State.Events.Values, e => e.Start, e => e.End, e => e.Id, query, _zone, Now), query.Limit);
        return Task.FromResult(new EventPage(items.Select(ToView).ToList(), hasMore));
    }

    public Task<EventView?> GetEvent(Guid eventId) =>
        Task.FromResult(State.Events.TryGetValue(eventId, out var e) ? ToView(e) : null);

    private BookingView ToView(BookingRecord b) => new(
        b.Id, b.EventId, b.EventTypeId, OrganizerId, b.UserId, b.Name, b.Email, b.Notes, b.Status,
        b.Start, b.End, b.CreatedAt, b.UpdatedAt, b.CancellationReason, b.CancelledBy);

    private EventView ToView(EventRecord e) => new(
        e.Id, e.EventTypeId, OrganizerId, e.Title, e.Description, e.Start, e.End, e.Location, e.CreatedAt, e.UpdatedAt, e.BookingIds);

    /// <summary>"Intro call on Mon 3 Mar 2031, 09:00 (Europe/Berlin)".</summary>
    private string Describe(BookingRecord booking)
    {
        var title = State.EventTypes.Find(e => e.Id == booking.EventTypeId)?.Title ?? "your event";
        var local = Instant.FromDateTimeOffset(booking.Start).InZone(_zone).LocalDateTime;
        return $"{title} on {MessageTime.Format(local)} ({_zone.Id})";
    }

    // ---- manage tokens -----------------------------------------------------------------------

    private string ManageToken(Guid bookingId)
    {
        State.TokenKey ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var mac = HMACSHA256.HashData(Convert.FromBase64String(State.TokenKey), bookingId.ToByteArray());
        return ManageTokenFormat.Encode(OrganizerId, mac);
    }

    private static string Hash(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
