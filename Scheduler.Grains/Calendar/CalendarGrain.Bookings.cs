using System.Security.Cryptography;
using System.Text;
using NodaTime;
using NodaTime.Text;
using Scheduler.Domain;
using Scheduler.Storage;

namespace Scheduler.Calendar;

public sealed partial class CalendarGrain
{
    private static readonly TimeSpan IdempotencyRetention = TimeSpan.FromHours(25);
    private static readonly LocalDateTimePattern MessageTime = LocalDateTimePattern.CreateWithInvariantCulture("ddd d MMM uuuu, HH:mm");

    private DateTimeOffset _lastPrune;

    public async Task<BookingOutcome> Book(BookingRequest request)
    {
        _writer.ThrowIfBroken();
        // Anonymous bookers: a new user id their address gets if it has no user yet, time-ordered
        // (UUIDv7) so the users' and bookers' index entries are appended rather than scattered over
        // random pages (less WAL). The commit settles who holds the address: an address that already
        // has a user keeps it, and two calendars creating one address meet at its unique index.
        var anonymous = request.BookerId == Guid.Empty;
        var bookerId = anonymous ? Guid.CreateVersion7(Now) : request.BookerId;
        if (request.IdempotencyKey is { } key && State.IdempotencyKeys.TryGetValue(key, out var earlier))
        {
            if (!Fingerprints.Same(earlier.Fingerprint, request.Fingerprint))
                return new BookingOutcome(BookingOutcomeKind.IdempotencyMismatch, null, null, false);
            // The first request may still be waiting for its commit: answer only what is durable.
            await _writer.WhenDurableAsync();
            return Replay(earlier);
        }

        var deciding = System.Diagnostics.Stopwatch.GetTimestamp();
        var outcome = Decide(request, bookerId, anonymous);
        SchedulerMetrics.DecisionTime.Record(System.Diagnostics.Stopwatch.GetElapsedTime(deciding).TotalMilliseconds);
        SchedulerMetrics.Bookings.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Kind.ToString()));
        if (request.IdempotencyKey is { } newKey)
        {
            var reply = new IdempotencyRecord
            {
                Key = newKey,
                Fingerprint = request.Fingerprint ?? "",
                Kind = outcome.Kind,
                Booking = outcome.Booking,
                CreatedAt = Now,
                AnsweredHere = true,
            };
            State.IdempotencyKeys[newKey] = reply;
            Changes.Replies.Add(reply);
            PruneIdempotencyKeys();
        }
        // A refused booking without a key writes nothing at all.
        if (outcome.Kind != BookingOutcomeKind.Created && request.IdempotencyKey is null) return outcome;
        await _writer.CommitAsync();
        if (outcome.Kind != BookingOutcomeKind.Created) return outcome;

        var booking = State.Bookings[outcome.Booking!.Id];
        RearmBookingReminder(changed: booking);
        // The view after the commit names the booker's user as stored.
        return outcome with { Booking = ToView(booking) };
    }

    /// <summary>The decision itself: synchronous, so no other call can interleave with it.</summary>
    private BookingOutcome Decide(BookingRequest request, Guid bookerId, bool anonymous)
    {
        var eventType = FindEventType(request.EventTypeId);
        if (eventType is null)
            return new BookingOutcome(BookingOutcomeKind.EventTypeNotFound, null, null, false);
        // An inactive event type offers nothing: like any start that is not a slot.
        if (!eventType.Active)
            return new BookingOutcome(BookingOutcomeKind.OutsideAvailability, null, null, false, "This event type is not taking bookings.");

        // The same request the slot listing uses, so a start is accepted iff it would be listed now.
        var start = Instant.FromDateTimeOffset(request.Start);
        var slots = SlotRequestFor(eventType);
        var assessment = SlotEngine.Assess(slots, start);
        switch (assessment.Verdict)
        {
            case StartVerdict.Taken:
                return new BookingOutcome(BookingOutcomeKind.SlotUnavailable, null, null, false, Explain(assessment.Reason, eventType));
            case StartVerdict.OutsideAvailability:
                return new BookingOutcome(BookingOutcomeKind.OutsideAvailability, null, null, false, Explain(assessment.Reason, eventType));
        }

        var now = Now;
        // Time-ordered ids (UUIDv7): each commit appends to the primary-key indexes instead of
        // touching random pages, which keeps PostgreSQL's WAL (full-page images) small.
        var bookingId = Guid.CreateVersion7(now);
        // The booking keeps its event type's buffers as they are now (later settings changes leave it alone).
        var booked = slots.BookingAt(start);
        var end = booked.End;
        var token = ManageToken(bookingId);
        var occurrence = new EventRecord
        {
            Id = Guid.CreateVersion7(now),
            EventTypeId = eventType.Id,
            Title = eventType.Title,
            Description = eventType.Description,
            Location = eventType.Location,
            Start = start.ToDateTimeOffset(),
            End = end.ToDateTimeOffset(),
            CreatedAt = now,
            UpdatedAt = now,
        };
        var booking = new BookingRecord
        {
            Id = bookingId,
            EventId = occurrence.Id,
            EventTypeId = eventType.Id,
            OrganizerId = OrganizerId,
            UserId = bookerId,
            Anonymous = anonymous,
            Name = request.Name,
            Email = request.Email,
            Notes = request.Notes,
            Status = eventType.RequiresConfirmation ? BookingStatus.Pending : BookingStatus.Confirmed,
            Start = occurrence.Start,
            End = occurrence.End,
            CreatedAt = now,
            UpdatedAt = now,
            BufferBeforeMinutes = (int)booked.BufferBefore.TotalMinutes,
            BufferAfterMinutes = (int)booked.BufferAfter.TotalMinutes,
            ManageTokenHash = Hash(token),
        };
        State.Bookings[bookingId] = booking;
        Changes.NewEvents.Add(occurrence);
        Changes.NewBookings.Add(bookingId);
        Booked(booked, eventType.Id);
        PushAfterCommit(booking, BookingChangeKind.Created);
        var pending = booking.Status == BookingStatus.Pending ? " It awaits your confirmation." : "";
        Notify(booking, BookingChangeKind.Created,
            // The booker's address is on the booking the notification links to.
            organizer: $"{booking.Name} booked {Describe(booking)}.{pending}",
            booker: booking.Status == BookingStatus.Pending
                ? $"Your booking of {Describe(booking)} is requested and awaits the organizer's confirmation."
                : $"Your booking of {Describe(booking)} is confirmed.");
        return new BookingOutcome(BookingOutcomeKind.Created, ToView(booking), token, false);
    }

    private BookingOutcome Replay(IdempotencyRecord earlier)
    {
        var unknown = !earlier.AnsweredHere;
        earlier.AnsweredHere = true;
        return new(earlier.Kind, earlier.Booking, earlier.Booking is { } b ? ManageToken(b.Id) : null, true, FirstAnswerUnknown: unknown);
    }

    private void PruneIdempotencyKeys()
    {
        var now = Now;
        if (now - _lastPrune < TimeSpan.FromMinutes(10)) return;
        _lastPrune = now;
        foreach (var (key, _) in State.IdempotencyKeys.Where(kv => now - kv.Value.CreatedAt > IdempotencyRetention).ToList())
            State.IdempotencyKeys.Remove(key);
        Changes.PruneRepliesBefore = now - IdempotencyRetention;
    }

    /// <summary>A booking of this calendar: from memory when it can still matter for decisions, else from the table.</summary>
    private async Task<BookingRecord?> FindBooking(Guid bookingId)
    {
        if (State.Bookings.TryGetValue(bookingId, out var known)) return known;
        var stored = await Db.Read(() => queries.FindBooking(OrganizerId, bookingId));
        if (stored is null) return null;
        // Another call may have loaded (and changed) it while we read.
        if (State.Bookings.TryGetValue(bookingId, out known)) return known;
        State.Bookings[bookingId] = stored;
        return stored;
    }

    public async Task<BookingView?> GetBooking(Guid bookingId) =>
        await FindBooking(bookingId) is { } b ? ToView(b) : null;

    public async Task<bool> IsManageTokenValid(Guid bookingId, string manageToken)
    {
        if (await FindBooking(bookingId) is not { } booking) return false;
        var expected = booking.ManageTokenHash;
        // 16 bytes since 2026-11-29; bookings made before keep their 32 (the whole SHA-256).
        if (expected.Length is not (ManageTokenHashBytes or 32)) return false;
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(manageToken)).AsSpan(0, expected.Length);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    public async Task<string?> GetManageToken(Guid bookingId) =>
        await FindBooking(bookingId) is { } booking ? KnownManageToken(booking) : null;

    /// <summary>
    /// The booking's manage token derived again, if the booking accepts it (bookings migrated from the
    /// old format kept their own random tokens); never creates the calendar's key.
    /// </summary>
    private string? KnownManageToken(BookingRecord booking)
    {
        if (State.TokenKey is null) return null;
        var token = ManageToken(booking.Id);
        var expected = booking.ManageTokenHash;
        if (expected.Length is not (ManageTokenHashBytes or 32)) return null;
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(token)).AsSpan(0, expected.Length);
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? token : null;
    }

    public async Task<CancelOutcome> Cancel(Guid bookingId, string? reason, BookingParty cancelledBy)
    {
        _writer.ThrowIfBroken();
        var booking = await FindBooking(bookingId);
        _writer.ThrowIfBroken();
        if (booking is null) return new CancelOutcome(CancelOutcomeKind.NotFound, null);
        if (booking.Status == BookingStatus.Cancelled)
        {
            await _writer.WhenDurableAsync();
            return new CancelOutcome(CancelOutcomeKind.AlreadyCancelled, ToView(booking));
        }
        // What has ended is history: cancelling it afterwards would rewrite the organizer's past and
        // notify both of a cancellation that never freed anything.
        if (booking.End <= Now) return new CancelOutcome(CancelOutcomeKind.Ended, ToView(booking));
        CancelBooking(booking, reason, cancelledBy);
        await _writer.CommitAsync();
        return new CancelOutcome(CancelOutcomeKind.Cancelled, ToView(booking));
    }

    private void CancelBooking(BookingRecord booking, string? reason, BookingParty cancelledBy)
    {
        booking.Status = BookingStatus.Cancelled;
        booking.CancellationReason = reason;
        booking.CancelledBy = cancelledBy;
        booking.UpdatedAt = Now;
        Changes.Bookings.Add(booking.Id);
        Released(booking);
        PushAfterCommit(booking, BookingChangeKind.Cancelled);
        var because = string.IsNullOrWhiteSpace(reason) ? "" : $" Reason: {reason}";
        var by = StoredText.Of(cancelledBy);
        Notify(booking, BookingChangeKind.Cancelled,
            organizer: $"Cancelled by the {by}: {booking.Name}'s booking of {Describe(booking)}.{because}",
            booker: $"Your booking of {Describe(booking)} was cancelled by the {by}.{because}");
    }

    public async Task<ConfirmOutcome> Confirm(Guid bookingId)
    {
        _writer.ThrowIfBroken();
        var booking = await FindBooking(bookingId);
        _writer.ThrowIfBroken();
        if (booking is null) return new ConfirmOutcome(ConfirmOutcomeKind.NotFound, null);
        if (booking.Status == BookingStatus.Pending && booking.End <= Now) return new ConfirmOutcome(ConfirmOutcomeKind.Ended, ToView(booking));
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
        Changes.Bookings.Add(booking.Id);
        PushAfterCommit(booking, BookingChangeKind.Confirmed);
        Notify(booking, BookingChangeKind.Confirmed,
            organizer: $"You confirmed {booking.Name}'s booking of {Describe(booking)}.",
            booker: $"Your booking of {Describe(booking)} is confirmed.");
        await _writer.CommitAsync();
        RearmBookingReminder(changed: booking);
        return new ConfirmOutcome(ConfirmOutcomeKind.Confirmed, ToView(booking));
    }

    public async Task<BookingPage> ListBookings(BookingListQuery query)
    {
        var items = await Db.Read(() => queries.ListBookings("organizer_id", OrganizerId, Listings.Range(query, _zone, Now), query.Status));
        var (page, hasMore) = Listings.Take(items, query.Limit);
        return new BookingPage(page.Select(ToView).ToList(), hasMore);
    }

    public async Task<EventPage> ListEvents(BookingListQuery query)
    {
        var items = await Db.Read(() => queries.ListEvents(OrganizerId, Listings.Range(query, _zone, Now)));
        var (page, hasMore) = Listings.Take(items, query.Limit);
        return new EventPage(page, hasMore);
    }

    public async Task<EventView?> GetEvent(Guid eventId) =>
        (await Db.Read(() => queries.ListEvents(OrganizerId, new ListingRange(null, null, null, null, null, 1), eventId))).FirstOrDefault();

    private BookingView ToView(BookingRecord b) => new(
        b.Id, b.EventId, b.EventTypeId, OrganizerId, b.UserId, b.Name, b.Email, b.Notes, b.Status,
        b.Start, b.End, b.CreatedAt, b.UpdatedAt, b.CancellationReason, b.CancelledBy);

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

    /// <summary>
    /// A manage token carries 192 bits of MAC under the calendar's secret key; its stored hash keeps
    /// 128 bits of SHA-256, still beyond guessing or inverting, and 16 bytes less in every booking row.
    /// </summary>
    private const int ManageTokenHashBytes = 16;

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token))[..ManageTokenHashBytes];
}
