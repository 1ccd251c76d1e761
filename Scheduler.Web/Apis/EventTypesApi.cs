using Microsoft.AspNetCore.Http.HttpResults;
using NodaTime;
using Scheduler.Domain;
using Scheduler.Web.Hosting;
using Scheduler.Web.Mail;

namespace Scheduler.Web.Apis;

public static class EventTypesApi
{
    /// <summary>
    /// An event type. The scheduling settings are optional and off when absent or null:
    /// <c>slotIntervalMinutes</c> (step between candidate starts; default the duration),
    /// <c>bufferBeforeMinutes</c>/<c>bufferAfterMinutes</c> (kept free around each booking),
    /// <c>minimumNoticeMinutes</c>, <c>maxDaysInFuture</c> (0 = today only, organizer's zone),
    /// <c>maxBookingsPerDay</c>, <c>maxBookingsPerWeek</c> (ISO weeks, organizer's zone); <c>listed</c>
    /// (default false): shown on the organizer's public page, <c>/u/{organizerId}</c>, while active.
    /// </summary>
    public sealed record EventTypeRequest(
        string? Title, string? Description, int? DurationMinutes, string? Location, bool? Active, bool? RequiresConfirmation, int? ReminderMinutes,
        int? SlotIntervalMinutes = null, int? BufferBeforeMinutes = null, int? BufferAfterMinutes = null, int? MinimumNoticeMinutes = null,
        int? MaxDaysInFuture = null, int? MaxBookingsPerDay = null, int? MaxBookingsPerWeek = null, bool? Listed = null);

    /// <summary>
    /// The organizer as booking pages show them. <c>mailsBookers</c>: whether bookers on their pages are
    /// mailed their booking and its link (the organizer has confirmed their address; README, "Booking mails").
    /// </summary>
    public sealed record OrganizerDto(Guid Id, string Name, string TimeZone, bool MailsBookers)
    {
        public static OrganizerDto From(UserProfile organizer) => new(organizer.Id, organizer.Name, organizer.TimeZone, organizer.EmailVerified);
    }

    /// <summary>One of an organizer's bookable event types as their public page lists it.</summary>
    public sealed record PublicEventTypeDto(Guid Id, string Title, string Description, int DurationMinutes, string Location, bool RequiresConfirmation);

    /// <summary>An organizer's public page: who they are and what can be booked with them.</summary>
    public sealed record OrganizerPageDto(OrganizerDto Organizer, IReadOnlyList<PublicEventTypeDto> EventTypes);

    public sealed record EventTypeDto(
        Guid Id, Guid UserId, string Title, string Description, int DurationMinutes, string Location, bool Active,
        bool RequiresConfirmation, int ReminderMinutes, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
        int? SlotIntervalMinutes, int? BufferBeforeMinutes, int? BufferAfterMinutes, int? MinimumNoticeMinutes,
        int? MaxDaysInFuture, int? MaxBookingsPerDay, int? MaxBookingsPerWeek, bool Listed,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] OrganizerDto? Organizer = null)
    {
        public static EventTypeDto From(EventTypeView e, OrganizerDto? organizer = null) => new(
            e.Id, e.UserId, e.Title, e.Description, e.DurationMinutes, e.Location, e.Active, e.RequiresConfirmation,
            e.ReminderMinutes, e.CreatedAt, e.UpdatedAt, e.SlotIntervalMinutes, e.BufferBeforeMinutes, e.BufferAfterMinutes,
            e.MinimumNoticeMinutes, e.MaxDaysInFuture, e.MaxBookingsPerDay, e.MaxBookingsPerWeek, e.Listed, organizer);
    }

    public sealed record SlotDto(string Start, string End);

    public sealed record SlotsResponse(Guid EventTypeId, string TimeZone, IReadOnlyList<SlotDto> Slots);

    public const int MaxSlotDays = 62;

    public static IEndpointRouteBuilder MapEventTypesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/event-types").WithTags("Event types");
        api.MapPost("/", Create).RequireAuthorization();
        api.MapGet("/", ListMine).RequireAuthorization();
        api.MapGet("/{id:guid}", GetPublic).AllowAnonymous();
        api.MapPut("/{id:guid}", Update).RequireAuthorization();
        api.MapDelete("/{id:guid}", Delete).RequireAuthorization();
        api.MapGet("/{id:guid}/slots", Slots).AllowAnonymous().RequireRateLimiting(RateLimits.Public);
        app.MapGet("/api/organizers/{id:guid}", GetOrganizerPage).WithTags("Event types").AllowAnonymous().RequireRateLimiting(RateLimits.Public);
        return app;
    }

    private static EventTypeDraft? Validate(EventTypeRequest? body, Validator v)
    {
        var title = v.RequiredText("title", body?.Title, 200);
        var description = v.Text("description", body?.Description, 5000) ?? "";
        var location = v.Text("location", body?.Location, 500) ?? "";
        if (body?.DurationMinutes is not { } duration) { v.Add("durationMinutes", "Required."); return null; }
        // The ranges live in the domain; the calendar checks them again inside its decision.
        var settings = new EventTypeSettings(duration)
        {
            ReminderMinutes = body.ReminderMinutes ?? EventTypeSettings.DefaultReminderMinutes,
            SlotIntervalMinutes = body.SlotIntervalMinutes,
            BufferBeforeMinutes = body.BufferBeforeMinutes,
            BufferAfterMinutes = body.BufferAfterMinutes,
            MinimumNoticeMinutes = body.MinimumNoticeMinutes,
            MaxDaysInFuture = body.MaxDaysInFuture,
            MaxBookingsPerDay = body.MaxBookingsPerDay,
            MaxBookingsPerWeek = body.MaxBookingsPerWeek,
        };
        v.Add(settings.Validate());
        return v.IsValid
            ? new EventTypeDraft(title!, description, duration, location, body.Active ?? true, body.RequiresConfirmation ?? false,
                settings.ReminderMinutes, settings.SlotIntervalMinutes, settings.BufferBeforeMinutes, settings.BufferAfterMinutes,
                settings.MinimumNoticeMinutes, settings.MaxDaysInFuture, settings.MaxBookingsPerDay, settings.MaxBookingsPerWeek,
                body.Listed ?? false)
            : null;
    }

    /// <summary>Creates an event type owned by the caller.</summary>
    public static async Task<Results<Created<EventTypeDto>, ProblemHttpResult>> Create(
        EventTypeRequest? body, HttpContext http, IGrainFactory grains)
    {
        var v = new Validator();
        var draft = Validate(body, v);
        if (draft is null) return Problems.Validation(v.Errors);
        var outcome = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).CreateEventType(draft);
        if (outcome.EventType is not { } created) return Refused(outcome.Errors);
        return TypedResults.Created($"/api/event-types/{created.Id}", EventTypeDto.From(created));
    }

    /// <summary>The caller's event types.</summary>
    public static async Task<Ok<IEnumerable<EventTypeDto>>> ListMine(HttpContext http, IGrainFactory grains)
    {
        var list = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).ListEventTypes();
        return TypedResults.Ok(list.Select(e => EventTypeDto.From(e)));
    }

    /// <summary>Public view of an event type, with its organizer (inactive ones are visible to their owner only).</summary>
    public static async Task<Results<Ok<EventTypeDto>, ProblemHttpResult>> GetPublic(
        Guid id, HttpContext http, IGrainFactory grains, OrganizerDirectory directory)
    {
        if (await directory.FindOrganizer(id) is not { } organizerId) return Problems.NotFound("event type");
        var eventType = await grains.GetGrain<ICalendarGrain>(organizerId).GetEventType(id);
        if (eventType is null || (!eventType.Active && http.User.UserId() != organizerId)) return Problems.NotFound("event type");
        var organizer = await grains.GetGrain<IUserGrain>(organizerId).Get();
        return TypedResults.Ok(EventTypeDto.From(eventType,
            organizer is null ? null : OrganizerDto.From(organizer)));
    }

    /// <summary>
    /// An organizer's public page: their name and zone and the active event types they chose to list
    /// there (<c>listed</c>), oldest first. Only for someone who lists at least one (anyone else is 404,
    /// like an unknown id: a user id alone tells nobody a name, and an unlisted link stays private).
    /// </summary>
    public static async Task<Results<Ok<OrganizerPageDto>, ProblemHttpResult>> GetOrganizerPage(Guid id, IGrainFactory grains)
    {
        if (await grains.GetGrain<IUserGrain>(id).Get() is not { HasPassword: true } organizer) return Problems.NotFound("organizer");
        var offered = (await grains.GetGrain<ICalendarGrain>(id).ListEventTypes())
            .Where(e => e.Active && e.Listed)
            .Select(e => new PublicEventTypeDto(e.Id, e.Title, e.Description, e.DurationMinutes, e.Location, e.RequiresConfirmation))
            .ToList();
        if (offered.Count == 0) return Problems.NotFound("organizer");
        return TypedResults.Ok(new OrganizerPageDto(OrganizerDto.From(organizer), offered));
    }

    /// <summary>Replaces an event type (owner only).</summary>
    public static async Task<Results<Ok<EventTypeDto>, ProblemHttpResult>> Update(
        Guid id, EventTypeRequest? body, HttpContext http, IGrainFactory grains)
    {
        var v = new Validator();
        var draft = Validate(body, v);
        if (draft is null) return Problems.Validation(v.Errors);
        var outcome = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).UpdateEventType(id, draft);
        if (outcome is null) return Problems.NotFound("event type");
        return outcome.EventType is { } updated ? TypedResults.Ok(EventTypeDto.From(updated)) : Refused(outcome.Errors);
    }

    private static ProblemHttpResult Refused(IReadOnlyList<InvalidField> errors)
    {
        var v = new Validator();
        v.Add(errors);
        return Problems.Validation(v.Errors);
    }

    /// <summary>
    /// Deletes an event type (owner only). Past bookings stay; future active ones block the delete
    /// (409 has-bookings) unless <c>cancelBookings=true</c>, which cancels them, notifies their bookers and mails them.
    /// </summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, bool? cancelBookings, HttpContext http, IGrainFactory grains, BookingMails mails)
    {
        var result = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).DeleteEventType(id, cancelBookings ?? false);
        foreach (var cancelled in result.Cancelled) mails.Queue(BookingMailKind.CancelledByOrganizer, cancelled);
        return result.Outcome switch
        {
            DeleteEventTypeOutcome.Deleted => TypedResults.NoContent(),
            DeleteEventTypeOutcome.HasBookings => Problems.Result("has-bookings"),
            _ => Problems.NotFound("event type"),
        };
    }

    /// <summary>
    /// Free slots whose start lies in [from 00:00, to+1 00:00) in <c>timeZone</c> (default: the
    /// organizer's), with offsets of that zone.
    /// </summary>
    public static async Task<Results<Ok<SlotsResponse>, ProblemHttpResult>> Slots(
        Guid id, string? from, string? to, string? timeZone, IGrainFactory grains, OrganizerDirectory directory)
    {
        var v = new Validator();
        var fromDate = v.Date("from", from);
        var toDate = v.Date("to", to);
        var zone = v.TimeZone("timeZone", timeZone, required: false);
        if (fromDate is { } f && toDate is { } t)
        {
            if (t < f) v.Add("to", "Must not be before from.");
            else if (t.DayNumber - f.DayNumber + 1 > MaxSlotDays) v.Add("to", $"At most {MaxSlotDays} dates per request.");
        }
        if (!v.IsValid) return Problems.Validation(v.Errors);

        if (await directory.FindOrganizer(id) is not { } organizerId) return Problems.NotFound("event type");
        var list = await grains.GetGrain<ICalendarGrain>(organizerId).GetSlots(id, fromDate!.Value, toDate!.Value, zone?.Id);
        if (list is null) return Problems.NotFound("event type");
        var viewerZone = DateTimeZoneProviders.Tzdb[list.TimeZone];
        return TypedResults.Ok(new SlotsResponse(id, list.TimeZone,
            list.Slots.Select(s => new SlotDto(TimeText.Format(s.Start, viewerZone), TimeText.Format(s.End, viewerZone))).ToList()));
    }
}
