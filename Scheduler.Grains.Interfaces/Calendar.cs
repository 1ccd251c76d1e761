using System.Text.Json.Serialization;
using Orleans.Concurrency;

namespace Scheduler;

/// <summary>An organizer's bookable template.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.EventTypeView")]
public sealed record EventTypeView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid UserId,
    [property: Id(2)] string Title,
    [property: Id(3)] string Description,
    [property: Id(4)] int DurationMinutes,
    [property: Id(5)] string Location,
    [property: Id(6)] bool Active,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] DateTimeOffset UpdatedAt,
    [property: Id(9)] bool RequiresConfirmation = false,
    [property: Id(10)] int ReminderMinutes = EventTypeDraft.DefaultReminderMinutes,
    [property: Id(11)] int? SlotIntervalMinutes = null,
    [property: Id(12)] int? BufferBeforeMinutes = null,
    [property: Id(13)] int? BufferAfterMinutes = null,
    [property: Id(14)] int? MinimumNoticeMinutes = null,
    [property: Id(15)] int? MaxDaysInFuture = null,
    [property: Id(16)] int? MaxBookingsPerDay = null,
    [property: Id(17)] int? MaxBookingsPerWeek = null,
    [property: Id(18)] bool Listed = false);

/// <summary>
/// What an organizer sends to create or replace an event type. The calendar validates the
/// scheduling settings itself (the domain's EventTypeSettings) before storing them.
/// </summary>
[GenerateSerializer, Immutable, Alias("scheduler.EventTypeDraft")]
public sealed record EventTypeDraft(
    [property: Id(0)] string Title,
    [property: Id(1)] string Description,
    [property: Id(2)] int DurationMinutes,
    [property: Id(3)] string Location,
    [property: Id(4)] bool Active = true,
    [property: Id(5)] bool RequiresConfirmation = false,
    [property: Id(6)] int ReminderMinutes = EventTypeDraft.DefaultReminderMinutes,
    [property: Id(7)] int? SlotIntervalMinutes = null,
    [property: Id(8)] int? BufferBeforeMinutes = null,
    [property: Id(9)] int? BufferAfterMinutes = null,
    [property: Id(10)] int? MinimumNoticeMinutes = null,
    [property: Id(11)] int? MaxDaysInFuture = null,
    [property: Id(12)] int? MaxBookingsPerDay = null,
    [property: Id(13)] int? MaxBookingsPerWeek = null,
    [property: Id(14)] bool Listed = false)
{
    /// <summary>Confirmed bookings remind organizer and booker this long before the start (0 = never).</summary>
    public const int DefaultReminderMinutes = 60;
}

/// <summary>A weekly availability rule: local times in the organizer's zone, minutes since midnight (end may be 1440).</summary>
[GenerateSerializer, Immutable, Alias("scheduler.AvailabilityRuleView")]
public sealed record AvailabilityRuleView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DayOfWeek DayOfWeek,
    [property: Id(2)] int StartMinute,
    [property: Id(3)] int EndMinute,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("scheduler.AvailabilityRuleDraft")]
public sealed record AvailabilityRuleDraft(
    [property: Id(0)] DayOfWeek DayOfWeek,
    [property: Id(1)] int StartMinute,
    [property: Id(2)] int EndMinute);

/// <summary>One invalid input field as the calendar's rules name it; the web layer answers 400 validation with these.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.InvalidField")]
public sealed record InvalidField(
    [property: Id(0)] string Field,
    [property: Id(1)] string Message);

/// <summary>An event type as stored, or why the calendar refused the draft.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.EventTypeOutcome")]
public sealed record EventTypeOutcome(
    [property: Id(0)] EventTypeView? EventType,
    [property: Id(1)] IReadOnlyList<InvalidField> Errors);

/// <summary>The weekly rules after a change (and the rule added, if one was), or why the calendar refused it.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.AvailabilityOutcome")]
public sealed record AvailabilityOutcome(
    [property: Id(0)] IReadOnlyList<AvailabilityRuleView> Rules,
    [property: Id(1)] AvailabilityRuleView? Added,
    [property: Id(2)] IReadOnlyList<InvalidField> Errors);

/// <summary>A local time window of a date override, in minutes since midnight (end may be 1440).</summary>
[GenerateSerializer, Immutable, Alias("scheduler.OverrideWindow")]
public sealed record OverrideWindow(
    [property: Id(0)] int StartMinute,
    [property: Id(1)] int EndMinute);

/// <summary>Availability for one local date replacing the weekly rules; no windows = unavailable all day.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.DateOverrideView")]
public sealed record DateOverrideView(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] IReadOnlyList<OverrideWindow> Windows,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable, Alias("scheduler.DateOverrideDraft")]
public sealed record DateOverrideDraft(
    [property: Id(0)] DateOnly Date,
    [property: Id(1)] IReadOnlyList<OverrideWindow> Windows);

[GenerateSerializer, Immutable, Alias("scheduler.DateOverrideOutcome")]
public sealed record DateOverrideOutcome(
    [property: Id(0)] DateOverrideView? Override,
    [property: Id(1)] IReadOnlyList<InvalidField> Errors);

/// <summary>Blocked time ("out of office"): an Event with no event type and no bookings.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.BlockedTimeDraft")]
public sealed record BlockedTimeDraft(
    [property: Id(0)] string Title,
    [property: Id(1)] DateTimeOffset Start,
    [property: Id(2)] DateTimeOffset End);

[GenerateSerializer, Immutable, Alias("scheduler.BlockedTimeOutcome")]
public sealed record BlockedTimeOutcome(
    [property: Id(0)] EventView? Event,
    [property: Id(1)] IReadOnlyList<InvalidField> Errors);

[GenerateSerializer, Immutable, Alias("scheduler.SlotView")]
public sealed record SlotView(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] DateTimeOffset End);

/// <summary>Free slots of an event type; <see cref="TimeZone"/> is the zone the dates were read in.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.SlotList")]
public sealed record SlotList(
    [property: Id(0)] Guid EventTypeId,
    [property: Id(1)] string TimeZone,
    [property: Id(2)] IReadOnlyList<SlotView> Slots);

[GenerateSerializer, Alias("scheduler.BookingStatus")]
public enum BookingStatus
{
    Pending = 0,
    Confirmed = 1,
    Cancelled = 2,
}

/// <summary>What happened to a booking: the kind of a live change and of a notification ("created", …, as stored and shown).</summary>
[GenerateSerializer, Alias("scheduler.BookingChangeKind")]
[JsonConverter(typeof(JsonStringEnumConverter<BookingChangeKind>))]
public enum BookingChangeKind
{
    [JsonStringEnumMemberName("created")] Created = 0,
    [JsonStringEnumMemberName("confirmed")] Confirmed = 1,
    [JsonStringEnumMemberName("cancelled")] Cancelled = 2,
    [JsonStringEnumMemberName("reminder")] Reminder = 3,
}

/// <summary>Who acted on a booking, e.g. who cancelled it ("organizer" or "booker", as stored and shown).</summary>
[GenerateSerializer, Alias("scheduler.BookingParty")]
[JsonConverter(typeof(JsonStringEnumConverter<BookingParty>))]
public enum BookingParty
{
    [JsonStringEnumMemberName("organizer")] Organizer = 0,
    [JsonStringEnumMemberName("booker")] Booker = 1,
}

[GenerateSerializer, Immutable, Alias("scheduler.BookingView")]
public sealed record BookingView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid EventId,
    [property: Id(2)] Guid EventTypeId,
    [property: Id(3)] Guid OrganizerId,
    [property: Id(4)] Guid UserId,
    [property: Id(5)] string Name,
    [property: Id(6)] string Email,
    [property: Id(7)] string? Notes,
    [property: Id(8)] BookingStatus Status,
    [property: Id(9)] DateTimeOffset Start,
    [property: Id(10)] DateTimeOffset End,
    [property: Id(11)] DateTimeOffset CreatedAt,
    [property: Id(12)] DateTimeOffset UpdatedAt,
    [property: Id(13)] string? CancellationReason,
    [property: Id(14)] BookingParty? CancelledBy);

/// <summary>
/// A booking attempt, validated by the front end; the calendar decides whether it fits.
/// <see cref="BookerId"/> is the signed-in booker, or <see cref="Guid.Empty"/> for an anonymous
/// booking, whose user the calendar's commit finds (or creates) by <see cref="Email"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("scheduler.BookingRequest")]
public sealed record BookingRequest(
    [property: Id(0)] Guid EventTypeId,
    [property: Id(1)] DateTimeOffset Start,
    [property: Id(2)] Guid BookerId,
    [property: Id(3)] string Name,
    [property: Id(4)] string Email,
    [property: Id(5)] string? Notes,
    [property: Id(6)] string? IdempotencyKey,
    [property: Id(7)] string? Fingerprint);

[GenerateSerializer, Alias("scheduler.BookingOutcomeKind")]
public enum BookingOutcomeKind
{
    Created = 0,
    SlotUnavailable = 1,
    OutsideAvailability = 2,
    IdempotencyMismatch = 3,
    EventTypeNotFound = 4,
}

/// <summary>
/// The calendar's answer to a booking attempt. <see cref="ManageToken"/> is only present on
/// <see cref="BookingOutcomeKind.Created"/> (first answer and idempotent replays); <see cref="Detail"/>
/// says which scheduling rule refused a start (for the problem's detail).
/// </summary>
[GenerateSerializer, Immutable, Alias("scheduler.BookingOutcome")]
public sealed record BookingOutcome(
    [property: Id(0)] BookingOutcomeKind Kind,
    [property: Id(1)] BookingView? Booking,
    [property: Id(2)] string? ManageToken,
    [property: Id(3)] bool Replayed,
    [property: Id(4)] string? Detail = null,
    // A replay by an activation that did not give the first answer (it was loaded from storage, as
    // after a commit whose answer was lost): whether that answer reached the caller is unknown. Only
    // the first such replay in an activation says so.
    [property: Id(5)] bool FirstAnswerUnknown = false);

[GenerateSerializer, Immutable, Alias("scheduler.BookingListQuery")]
public sealed record BookingListQuery(
    [property: Id(0)] DateOnly? From,
    [property: Id(1)] DateOnly? To,
    [property: Id(2)] BookingStatus? Status,
    [property: Id(3)] int Limit,
    [property: Id(4)] DateTimeOffset? AfterStart,
    [property: Id(5)] Guid? AfterId,
    // Only what has ended, most recent first (the cursor then continues backwards). Absent in
    // queries from front ends of earlier versions: false, their ascending listings.
    [property: Id(6)] bool Past = false);

[GenerateSerializer, Immutable, Alias("scheduler.BookingPage")]
public sealed record BookingPage(
    [property: Id(0)] IReadOnlyList<BookingView> Items,
    [property: Id(1)] bool HasMore);

[GenerateSerializer, Alias("scheduler.CancelOutcomeKind")]
public enum CancelOutcomeKind
{
    Cancelled = 0,
    AlreadyCancelled = 1,
    NotFound = 2,
    /// <summary>The booking has ended: it happened (or was missed) and stays as it was.</summary>
    Ended = 3,
}

[GenerateSerializer, Immutable, Alias("scheduler.CancelOutcome")]
public sealed record CancelOutcome(
    [property: Id(0)] CancelOutcomeKind Kind,
    [property: Id(1)] BookingView? Booking);

[GenerateSerializer, Alias("scheduler.ConfirmOutcomeKind")]
public enum ConfirmOutcomeKind
{
    Confirmed = 0,
    AlreadyConfirmed = 1,
    /// <summary>A cancelled booking cannot be confirmed.</summary>
    InvalidStatus = 2,
    NotFound = 3,
    /// <summary>The booking has ended: too late to confirm (or to decline).</summary>
    Ended = 4,
}

[GenerateSerializer, Immutable, Alias("scheduler.ConfirmOutcome")]
public sealed record ConfirmOutcome(
    [property: Id(0)] ConfirmOutcomeKind Kind,
    [property: Id(1)] BookingView? Booking);

/// <summary>What deleting an event type did, and the bookings it cancelled (as they now are).</summary>
[GenerateSerializer, Immutable, Alias("scheduler.DeleteEventTypeResult")]
public sealed record DeleteEventTypeResult(
    [property: Id(0)] DeleteEventTypeOutcome Outcome,
    [property: Id(1)] IReadOnlyList<BookingView> Cancelled);

[GenerateSerializer, Alias("scheduler.DeleteEventTypeOutcome")]
public enum DeleteEventTypeOutcome
{
    Deleted = 0,
    NotFound = 1,
    /// <summary>Future active bookings exist and the caller did not ask to cancel them.</summary>
    HasBookings = 2,
}

/// <summary>The seed's Event: the concrete occurrence bookings reserve; without an event type it is blocked time.</summary>
[GenerateSerializer, Immutable, Alias("scheduler.EventView")]
public sealed record EventView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid? EventTypeId,
    [property: Id(2)] Guid UserId,
    [property: Id(3)] string Title,
    [property: Id(4)] string Description,
    [property: Id(5)] DateTimeOffset Start,
    [property: Id(6)] DateTimeOffset End,
    [property: Id(7)] string Location,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt,
    [property: Id(10)] IReadOnlyList<Guid> BookingIds);

[GenerateSerializer, Immutable, Alias("scheduler.EventPage")]
public sealed record EventPage(
    [property: Id(0)] IReadOnlyList<EventView> Items,
    [property: Id(1)] bool HasMore);

/// <summary>
/// One grain per organizer: event types, weekly availability and bookings. Every decision that could
/// double-book the organizer is made here, one at a time, and acknowledged only once durable.
/// </summary>
[Alias("scheduler.ICalendarGrain")]
public interface ICalendarGrain : IGrainWithGuidKey
{
    /// <summary>Creates an event type, or refuses settings the scheduling rules do not allow.</summary>
    [Alias("CreateEventType")]
    Task<EventTypeOutcome> CreateEventType(EventTypeDraft draft);

    /// <summary>Replaces an event type (null: no such event type), or refuses invalid settings.</summary>
    [Alias("UpdateEventType")]
    Task<EventTypeOutcome?> UpdateEventType(Guid eventTypeId, EventTypeDraft draft);

    /// <summary>Deletes an event type; with future active bookings only if <paramref name="cancelBookings"/>, which cancels them.</summary>
    /// <summary>Deletes an event type; with <paramref name="cancelBookings"/>, cancels its future active bookings and answers them (their bookers are mailed).</summary>
    [Alias("DeleteEventType.v2")]
    Task<DeleteEventTypeResult> DeleteEventType(Guid eventTypeId, bool cancelBookings);

    [Alias("GetEventType"), ReadOnly]
    Task<EventTypeView?> GetEventType(Guid eventTypeId);

    [Alias("ListEventTypes"), ReadOnly]
    Task<IReadOnlyList<EventTypeView>> ListEventTypes();

    [Alias("GetAvailability"), ReadOnly]
    Task<IReadOnlyList<AvailabilityRuleView>> GetAvailability();

    /// <summary>Replaces all weekly rules; refused (nothing changes) beyond the rule limit or with an invalid rule.</summary>
    [Alias("ReplaceAvailability")]
    Task<AvailabilityOutcome> ReplaceAvailability(IReadOnlyList<AvailabilityRuleDraft> rules);

    /// <summary>Adds one weekly rule; refused when the calendar already holds the maximum.</summary>
    [Alias("AddAvailability")]
    Task<AvailabilityOutcome> AddAvailability(AvailabilityRuleDraft rule);

    [Alias("RemoveAvailability")]
    Task<bool> RemoveAvailability(Guid ruleId);

    /// <summary>Date overrides, by date.</summary>
    [Alias("GetDateOverrides"), ReadOnly]
    Task<IReadOnlyList<DateOverrideView>> GetDateOverrides();

    /// <summary>Sets (creates or replaces) the override of one date; refused beyond the override limit.</summary>
    [Alias("SetDateOverride")]
    Task<DateOverrideOutcome> SetDateOverride(DateOverrideDraft draft);

    [Alias("RemoveDateOverride")]
    Task<bool> RemoveDateOverride(DateOnly date);

    /// <summary>Blocks time on the organizer's calendar: no event type offers slots overlapping it.</summary>
    [Alias("BlockTime")]
    Task<BlockedTimeOutcome> BlockTime(BlockedTimeDraft draft);

    /// <summary>Blocked time that has not ended yet, by start (what the calendar holds in memory: no read).</summary>
    [Alias("ListBlocks"), ReadOnly]
    Task<IReadOnlyList<EventView>> ListBlocks();

    /// <summary>Removes blocked time that has not ended yet (false: no such block, or it is history).</summary>
    [Alias("RemoveBlock")]
    Task<bool> RemoveBlock(Guid eventId);

    /// <summary>
    /// Free slots whose start lies in [from 00:00, to+1 00:00) in <paramref name="timeZone"/>
    /// (null: the organizer's zone). Null when the event type does not exist or is inactive.
    /// </summary>
    [Alias("GetSlots"), ReadOnly]
    Task<SlotList?> GetSlots(Guid eventTypeId, DateOnly from, DateOnly to, string? timeZone);

    [Alias("Book")]
    Task<BookingOutcome> Book(BookingRequest request);

    [Alias("GetBooking")]
    Task<BookingView?> GetBooking(Guid bookingId);

    [Alias("IsManageTokenValid")]
    Task<bool> IsManageTokenValid(Guid bookingId, string manageToken);

    /// <summary>
    /// The booking's manage token, for a mail to its booker (the front end mails it after a confirmation
    /// or an organizer's cancellation). Null when the booking is unknown or its token cannot be derived
    /// again (bookings made before tokens were derived from the calendar's key).
    /// </summary>
    [Alias("GetManageToken"), ReadOnly]
    Task<string?> GetManageToken(Guid bookingId);

    [Alias("Cancel")]
    Task<CancelOutcome> Cancel(Guid bookingId, string? reason, BookingParty cancelledBy);

    [Alias("Confirm")]
    Task<ConfirmOutcome> Confirm(Guid bookingId);

    [Alias("ListBookings")]
    Task<BookingPage> ListBookings(BookingListQuery query);

    /// <summary>Events paged like bookings (query's Status is ignored).</summary>
    [Alias("ListEvents")]
    Task<EventPage> ListEvents(BookingListQuery query);

    [Alias("GetEvent")]
    Task<EventView?> GetEvent(Guid eventId);

    /// <summary>The organizer's IANA zone changed (availability rules are read in it).</summary>
    [Alias("SetTimeZone")]
    Task SetTimeZone(string timeZone);
}

/// <summary>Maps an event type id to its organizer (one grain per event type; written once).</summary>
[Alias("scheduler.IEventTypeDirectoryGrain")]
public interface IEventTypeDirectoryGrain : IGrainWithGuidKey
{
    [Alias("Register")]
    Task Register(Guid organizerId);

    [Alias("GetOrganizer")]
    Task<Guid?> GetOrganizer();
}

/// <summary>The service-wide key that signs API access tokens, created once and kept in storage.</summary>
[Alias("scheduler.ISigningKeyGrain")]
public interface ISigningKeyGrain : IGrainWithIntegerKey
{
    [Alias("GetKey")]
    Task<byte[]> GetKey();
}

/// <summary>
/// Layout of a booking's manage token, shared by the calendar (which issues it) and the front end
/// (which routes it): 16 bytes of organizer id, then a 24-byte MAC of the booking id, base64url.
/// </summary>
public static class ManageTokenFormat
{
    public const int MacLength = 24;

    public static string Encode(Guid organizerId, ReadOnlySpan<byte> mac)
    {
        Span<byte> buffer = stackalloc byte[16 + MacLength];
        organizerId.TryWriteBytes(buffer);
        mac[..MacLength].CopyTo(buffer[16..]);
        return Convert.ToBase64String(buffer).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryReadOrganizer(string token, out Guid organizerId)
    {
        organizerId = Guid.Empty;
        if (string.IsNullOrEmpty(token) || token.Length > 64) return false;
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
        Span<byte> bytes = stackalloc byte[48];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != 16 + MacLength) return false;
        organizerId = new Guid(bytes[..16]);
        return true;
    }
}
