using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Apis;

/// <summary>The seed's Events: concrete occurrences on the organizer's calendar.</summary>
public static class EventsApi
{
    public sealed record EventDto(
        Guid Id, Guid EventTypeId, Guid UserId, string Title, string Description, DateTimeOffset Start, DateTimeOffset End,
        string Location, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<Guid> BookingIds)
    {
        public static EventDto From(EventView e) => new(
            e.Id, e.EventTypeId, e.UserId, e.Title, e.Description, e.Start, e.End, e.Location, e.CreatedAt, e.UpdatedAt, e.BookingIds);
    }

    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/events").WithTags("Events").RequireAuthorization();
        api.MapGet("/", List);
        api.MapGet("/{id:guid}", Get);
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

    /// <summary>One of the organizer's events.</summary>
    public static async Task<Results<Ok<EventDto>, ProblemHttpResult>> Get(Guid id, HttpContext http, IGrainFactory grains)
    {
        var found = await grains.GetGrain<ICalendarGrain>(http.User.RequiredUserId()).GetEvent(id);
        return found is null ? Problems.NotFound("event") : TypedResults.Ok(EventDto.From(found));
    }
}
