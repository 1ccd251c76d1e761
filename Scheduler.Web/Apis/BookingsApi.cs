using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Scheduler.Web.Hosting;
using Scheduler.Web.Mail;

namespace Scheduler.Web.Apis;

public static class BookingsApi
{
    public sealed record CreateBookingRequest(string? EventTypeId, string? Start, string? Name, string? Email, string? Notes);

    public sealed record CancelRequest(string? Reason);

    /// <summary>
    /// A booking. <c>userId</c> (the booker's user) is shown to the organizer and the signed-in booker
    /// only: answering an anonymous booking or a manage-token holder with it would tell anyone the
    /// user id of the account holding any address they book with.
    /// </summary>
    public sealed record BookingDto(
        Guid Id, Guid EventId, Guid EventTypeId, Guid OrganizerId, Guid? UserId, string Name, string Email, string? Notes,
        BookingStatus Status, DateTimeOffset Start, DateTimeOffset End, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
        string? CancellationReason, string? CancelledBy,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ManageToken = null)
    {
        public static BookingDto From(BookingView b, string? manageToken = null, bool showUser = true) => new(
            b.Id, b.EventId, b.EventTypeId, b.OrganizerId, showUser ? b.UserId : null, b.Name, b.Email, b.Notes, b.Status, b.Start, b.End,
            b.CreatedAt, b.UpdatedAt, b.CancellationReason, PartyText(b.CancelledBy), manageToken);

        /// <summary>"organizer" or "booker", as the API has always shown them.</summary>
        private static string? PartyText(BookingParty? party) => party switch
        {
            BookingParty.Organizer => "organizer",
            BookingParty.Booker => "booker",
            _ => null,
        };
    }

    public const int MaxIdempotencyKeyLength = 200;

    public static IEndpointRouteBuilder MapBookingsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/bookings").WithTags("Bookings");
        api.MapPost("/", Create).AllowAnonymous().RequireRateLimiting(RateLimits.Public);
        api.MapGet("/", List).RequireAuthorization();
        api.MapGet("/{id:guid}", Get).AllowAnonymous();
        api.MapGet("/{id:guid}/calendar.ics", BookingCalendarFile.Get).AllowAnonymous()
            .Produces(StatusCodes.Status200OK, contentType: BookingCalendarFile.ContentType);
        api.MapPost("/{id:guid}/cancel", Cancel).AllowAnonymous();
        api.MapPost("/{id:guid}/confirm", Confirm).RequireAuthorization();
        // Each call may mail the address: limited like sign-ups, and per mailbox in BookingLinks.
        api.MapPost("/links", MailLinks).AllowAnonymous().RequireRateLimiting(RateLimits.SignUp);
        return app;
    }

    /// <summary>
    /// Books a slot. Anonymous bookers become password-less users found by email; signed-in callers
    /// book as themselves. With an <c>Idempotency-Key</c>, a retry returns the original answer. The
    /// address is mailed the booking with its manage link (once, not for a replay).
    /// </summary>
    public static async Task<Results<Created<BookingDto>, ProblemHttpResult>> Create(
        CreateBookingRequest? body, HttpContext http, IGrainFactory grains, OrganizerDirectory directory, OrganizerThrottle throttle,
        BookingMails mails, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey)
    {
        var v = new Validator();
        var caller = http.User.UserId();
        var profile = caller is { } id ? await grains.GetGrain<IUserGrain>(id).Get() : null;
        var eventTypeId = v.Id("eventTypeId", body?.EventTypeId);
        var start = v.Instant("start", body?.Start);
        var name = profile is not null && string.IsNullOrWhiteSpace(body?.Name) ? profile.Name : v.RequiredText("name", body?.Name, 200);
        var email = profile is not null && string.IsNullOrWhiteSpace(body?.Email) ? profile.Email : v.Email("email", body?.Email);
        var notes = v.Text("notes", body?.Notes, 2000);
        if (http.Request.Headers["Idempotency-Key"].Count > 1)
            v.Add("Idempotency-Key", "One Idempotency-Key per request.");
        else if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl)))
            v.Add("Idempotency-Key", $"1 to {MaxIdempotencyKeyLength} printable characters.");
        if (!v.IsValid) return Problems.Validation(v.Errors);

        if (await directory.FindOrganizer(eventTypeId!.Value) is not { } organizerId) return Problems.NotFound("event type");
        if (throttle.TryBook(organizerId) is { } wait)
        {
            RateLimits.SetRetryAfter(http, wait);
            return Problems.Result("rate-limited", "This organizer is taking too many bookings right now: retry shortly.");
        }
        // Anonymous bookers (Guid.Empty): the calendar's commit finds or creates the user holding the
        // address, in the same transaction as the booking; nothing is written for a refused booking.
        var bookerId = profile?.Id ?? Guid.Empty;

        var request = new BookingRequest(eventTypeId.Value, start!.Value, bookerId, name!, email!, notes, idempotencyKey,
            idempotencyKey is null ? null : Fingerprint(eventTypeId.Value, start.Value, name!, email!, notes, caller));
        var outcome = await grains.GetGrain<ICalendarGrain>(organizerId).Book(request);
        // Stored by now. A replay was mailed the first time, unless the first answer may not have
        // arrived (the calendar that gave it is gone, as after a 503 whose commit happened).
        if (outcome is { Kind: BookingOutcomeKind.Created, Booking: { } booked } && (!outcome.Replayed || outcome.FirstAnswerUnknown))
            mails.QueueCreated(booked, outcome.ManageToken, replay: outcome.Replayed);
        return outcome.Kind switch
        {
            BookingOutcomeKind.Created => TypedResults.Created($"/api/bookings/{outcome.Booking!.Id}", BookingDto.From(outcome.Booking, outcome.ManageToken, showUser: profile is not null)),
            BookingOutcomeKind.SlotUnavailable => Problems.Result("slot-unavailable", outcome.Detail ?? "Someone else just booked this time. Pick another slot."),
            BookingOutcomeKind.OutsideAvailability => Problems.Result("outside-availability", outcome.Detail ?? "This start is not one of the event type's slots."),
            BookingOutcomeKind.IdempotencyMismatch => Problems.Result("idempotency-mismatch", "Use a new Idempotency-Key for a different request."),
            _ => Problems.NotFound("event type"),
        };
    }

    /// <summary>An address whose bookings' links should be mailed to it.</summary>
    public sealed record MailLinksRequest(string? Email);

    /// <summary>
    /// Mails the address the links to its upcoming bookings ("lost your link?"). Answers 202 for any
    /// well-formed address, and at once: neither the answer nor its timing says whether anything was booked with it.
    /// </summary>
    public static Results<Accepted, ProblemHttpResult> MailLinks(MailLinksRequest? body, BookingLinks links)
    {
        var v = new Validator();
        var email = v.KnownEmail("email", body?.Email);
        if (!v.IsValid) return Problems.Validation(v.Errors);
        links.Request(email!);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>Identifies "the same request" for Idempotency-Key replays.</summary>
    private static string Fingerprint(Guid eventTypeId, DateTimeOffset start, string name, string email, string? notes, Guid? caller)
    {
        var canonical = string.Join('\n', eventTypeId.ToString("N"), start.UtcTicks.ToString(CultureInfo.InvariantCulture),
            name, GrainKeys.NormalizeEmail(email), notes ?? "", caller?.ToString("N") ?? "anonymous");
        // 128 bits of SHA-256 (hex): plenty to tell two requests apart, and 16 bytes less in every
        // booking row that keeps its reply.
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)), 0, 16);
    }

    /// <summary>
    /// The organizer's bookings (with <c>role=booker</c>: the caller's own bookings across
    /// organizers), ascending by start, all statuses. Without from/to: those not yet ended.
    /// from/to are inclusive dates in the organizer's (booker: the caller's) zone, matched on start.
    /// With past=true: only those that have ended, most recent first (from/to still narrow them).
    /// </summary>
    public static async Task<Results<Ok<IEnumerable<BookingDto>>, ProblemHttpResult>> List(
        HttpContext http, IGrainFactory grains,
        string? from, string? to, string? status, int? limit, string? cursor, string? role, string? past)
    {
        var v = new Validator();
        DateOnly? fromDate = from is null ? null : v.Date("from", from);
        DateOnly? toDate = to is null ? null : v.Date("to", to);
        if (fromDate is { } f && toDate is { } t && t < f) v.Add("to", "Must not be before from.");
        BookingStatus? statusFilter = null;
        if (status is not null)
        {
            // One name exactly (Enum.TryParse would also take "Pending,Confirmed", or a repeated parameter, as a flag sum).
            if (Enum.GetNames<BookingStatus>().FirstOrDefault(n => string.Equals(n, status, StringComparison.OrdinalIgnoreCase)) is { } name)
                statusFilter = Enum.Parse<BookingStatus>(name);
            else v.Add("status", "One of Pending, Confirmed, Cancelled.");
        }
        var take = Paging.Limit(limit, v);
        (DateTimeOffset Start, Guid Id)? after = null;
        if (cursor is not null)
        {
            after = Paging.DecodeCursor(cursor);
            if (after is null) v.Add("cursor", "Not a cursor from a Link header.");
        }
        var asBooker = string.Equals(role, "booker", StringComparison.OrdinalIgnoreCase);
        if (role is not null && !asBooker && !string.Equals(role, "organizer", StringComparison.OrdinalIgnoreCase))
            v.Add("role", "organizer or booker.");
        var pastOnly = false;
        if (past is not null && !bool.TryParse(past, out pastOnly)) v.Add("past", "true or false.");
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var query = new BookingListQuery(fromDate, toDate, statusFilter, take, after?.Start, after?.Id, pastOnly);
        var page = asBooker
            ? await grains.GetGrain<IUserGrain>(http.User.RequiredUserId()).ListBookingsAsBooker(query)
            : await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).ListBookings(query);
        if (page.HasMore)
        {
            var last = page.Items[^1];
            http.Response.Headers.Link = Paging.NextLink(http.Request, Paging.EncodeCursor(last.Start, last.Id));
        }
        return TypedResults.Ok(page.Items.Select(b => BookingDto.From(b)));
    }

    /// <summary>A booking, for its organizer, its signed-in booker, or the holder of its manage token.</summary>
    public static async Task<Results<Ok<BookingDto>, ProblemHttpResult>> Get(
        Guid id, string? token, HttpContext http, BookingAccess access)
    {
        var found = await access.Find(id, http.User, token);
        return found is null ? Problems.NotFound("booking") : TypedResults.Ok(BookingDto.From(found.Booking, showUser: found.Role != BookingRole.TokenHolder));
    }

    /// <summary>Confirms a pending booking (organizer only), and mails the booker. Confirming twice changes nothing; a cancelled booking cannot be confirmed.</summary>
    public static async Task<Results<Ok<BookingDto>, ProblemHttpResult>> Confirm(Guid id, HttpContext http, BookingAccess access, BookingMails mails)
    {
        var found = await access.Find(id, http.User, null);
        if (found is null || found.Role != BookingRole.Organizer) return Problems.NotFound("booking");
        var outcome = await found.Calendar.Confirm(id);
        if (outcome is { Kind: ConfirmOutcomeKind.Confirmed, Booking: { } confirmed }) mails.Queue(BookingMailKind.Confirmed, confirmed);
        return outcome.Kind switch
        {
            ConfirmOutcomeKind.Confirmed or ConfirmOutcomeKind.AlreadyConfirmed => TypedResults.Ok(BookingDto.From(outcome.Booking!)),
            ConfirmOutcomeKind.InvalidStatus => Problems.Result("invalid-status", "A cancelled booking cannot be confirmed."),
            ConfirmOutcomeKind.Ended => Problems.Result("invalid-status", "This booking has ended; it can no longer be confirmed."),
            _ => Problems.NotFound("booking"),
        };
    }

    /// <summary>Cancels a booking (idempotent: cancelling twice answers the cancelled booking). The organizer's cancellation is mailed to the booker.</summary>
    public static async Task<Results<Ok<BookingDto>, ProblemHttpResult>> Cancel(
        Guid id, string? token, CancelRequest? body, HttpContext http, BookingAccess access, BookingMails mails)
    {
        var v = new Validator();
        var reason = v.Text("reason", body?.Reason, 1000);
        if (!v.IsValid) return Problems.Validation(v.Errors);
        var found = await access.Find(id, http.User, token);
        if (found is null) return Problems.NotFound("booking");
        var outcome = await found.Calendar.Cancel(id, reason, found.Role == BookingRole.Organizer ? BookingParty.Organizer : BookingParty.Booker);
        // The booker learns of the organizer's cancellation (or refusal); a booker who cancels sees it on the page.
        if (outcome is { Kind: CancelOutcomeKind.Cancelled, Booking: { } cancelled } && found.Role == BookingRole.Organizer)
            mails.Queue(BookingMailKind.CancelledByOrganizer, cancelled);
        if (outcome.Kind == CancelOutcomeKind.Ended) return Problems.Result("invalid-status", "This booking has ended; it can no longer be cancelled.");
        return outcome.Booking is null ? Problems.NotFound("booking") : TypedResults.Ok(BookingDto.From(outcome.Booking, showUser: found.Role != BookingRole.TokenHolder));
    }
}
