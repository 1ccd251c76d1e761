using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Domain;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Apis;

/// <summary>
/// The seed's Events: concrete occurrences on the organizer's calendar. An event without an event
/// type (<c>eventTypeId: null</c>) is blocked time: no event type offers slots overlapping it.
/// </summary>
public static class EventsApi
{
    /// <summary>Blocked time ("out of office"): instants with their offsets, end after start, at most 366 days.</summary>
    public sealed record BlockRequest(string? Title, string? Start, string? End);

    public sealed record EventDto(
        Guid Id, Guid? EventTypeId, Guid UserId, string Title, string Description, DateTimeOffset Start, DateTimeOffset End,
        string Location, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<Guid> BookingIds)
    {
        public static EventDto From(EventView e) => new(
            e.Id, e.EventTypeId, e.UserId, e.Title, e.Description, e.Start, e.End, e.Location, e.CreatedAt, e.UpdatedAt, e.BookingIds);
    }

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/events").WithTags("Events").RequireAuthorization();
        api.MapGet("/", List);
        api.MapGet("/blocked", ListBlocked);
        api.MapPost("/", Block);
        api.MapGet("/{id:guid}", Get);
        api.MapDelete("/{id:guid}", Unblock);
        return app;
    }

    /// <summary>The organizer's events, ascending by start; dates and paging as for bookings.</summary>
    public static async Task<Results<Ok<IEnumerable<EventDto>>, ProblemHttpResult>> List(
        HttpContext http, IGrainFactory grains, string? from, string? to, int? limit, string? cursor)
    {
        var v = new Validator();
        DateOnly? fromDate = from is null ? null : v.Date("from", from);
        DateOnly? toDate = to is null ? null : v.Date("to", to);
        if (fromDate is { } f && toDate is { } t && t < f) v.Add("to", "Must not be before from.");
        var take = Paging.Limit(limit, v);
        (DateTimeOffset Start, Guid Id)? after = null;
        if (cursor is not null && (after = Paging.DecodeCursor(cursor)) is null) v.Add("cursor", "Not a cursor from a Link header.");
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var page = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId())
            .ListEvents(new BookingListQuery(fromDate, toDate, null, take, after?.Start, after?.Id));
        if (page.HasMore)
            http.Response.Headers.Link = Paging.NextLink(http.Request, Paging.EncodeCursor(page.Items[^1].Start, page.Items[^1].Id));
        return TypedResults.Ok(page.Items.Select(EventDto.From));
    }

    /// <summary>The caller's blocked time that has not ended yet, ascending by start (all of it: no paging).</summary>
    public static async Task<Ok<IEnumerable<EventDto>>> ListBlocked(HttpContext http, IGrainFactory grains) =>
        TypedResults.Ok((await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).ListBlocks()).Select(EventDto.From));

    /// <summary>Blocks time on the caller's calendar: an event with no event type and no bookings.</summary>
    public static async Task<Results<Created<EventDto>, ProblemHttpResult>> Block(BlockRequest? body, HttpContext http, IGrainFactory grains)
    {
        var v = new Validator();
        var title = v.RequiredText("title", body?.Title, 200);
        var start = v.Instant("start", body?.Start);
        var end = v.Instant("end", body?.End);
        if (start is { } s && end is { } e)
            v.Add(BlockedTimes.Validate(NodaTime.Instant.FromDateTimeOffset(s), NodaTime.Instant.FromDateTimeOffset(e)));
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var outcome = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId())
            .BlockTime(new BlockedTimeDraft(title!, start!.Value, end!.Value));
        if (outcome.Event is not { } block)
        {
            v.Add(outcome.Errors);
            return Problems.Validation(v.Errors);
        }
        return TypedResults.Created($"/api/events/{block.Id}", EventDto.From(block));
    }

    /// <summary>Removes blocked time that has not ended; events with bookings, and ended blocks, are not removable (404).</summary>
    public static async Task<Results<NoContent, ProblemHttpResult>> Unblock(Guid id, HttpContext http, IGrainFactory grains)
    {
        var removed = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).RemoveBlock(id);
        return removed ? TypedResults.NoContent() : Problems.NotFound("blocked time");
    }

    /// <summary>One of the organizer's events.</summary>
    public static async Task<Results<Ok<EventDto>, ProblemHttpResult>> Get(Guid id, HttpContext http, IGrainFactory grains)
    {
        var found = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).GetEvent(id);
        return found is null ? Problems.NotFound("event") : TypedResults.Ok(EventDto.From(found));
    }
}
