using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Web.Hosting;

namespace Scheduler.Web.Apis;

public static class NotificationsApi
{
    public sealed record NotificationDto(Guid Id, Guid UserId, string Message, DateTimeOffset SentAt, DateTimeOffset? ReadAt, Guid? BookingId, string? Kind)
    {
        /// <summary>The kind as the API has always shown it: "created", "confirmed", "cancelled", "reminder".</summary>
        public static NotificationDto From(NotificationView n) =>
            new(n.Id, n.UserId, n.Message, n.SentAt, n.ReadAt, n.BookingId, n.Kind?.ToString().ToLowerInvariant());
    }

    public sealed record UnreadCount(int Count);

    public static IEndpointRouteBuilder MapNotificationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notifications").WithTags("Notifications").RequireAuthorization();
        api.MapGet("/", List);
        api.MapGet("/unread-count", Unread);
        api.MapPost("/{id:guid}/read", MarkRead);
        return app;
    }

    /// <summary>The caller's notifications, newest first, paged with <c>limit</c> and a <c>Link</c> header.</summary>
    public static async Task<Results<Ok<IEnumerable<NotificationDto>>, ProblemHttpResult>> List(
        HttpContext http, IGrainFactory grains, int? limit, string? cursor)
    {
        var v = new Validator();
        var take = Paging.Limit(limit, v);
        NotificationCursor? before = null;
        if (cursor is not null && (before = Decode(cursor)) is null) v.Add("cursor", "Not a cursor from a Link header.");
        if (!v.IsValid) return Problems.Validation(v.Errors);

        var page = await grains.GetGrain<IInboxGrain>(http.User.RequiredUserId()).List(take, before);
        if (page.HasMore)
            http.Response.Headers.Link = Paging.NextLink(http.Request, Encode(page.Items[^1]));
        return TypedResults.Ok(page.Items.Select(NotificationDto.From));
    }

    /// <summary>How many of the caller's notifications are unread.</summary>
    public static async Task<Ok<UnreadCount>> Unread(HttpContext http, IGrainFactory grains) =>
        TypedResults.Ok(new UnreadCount(await grains.GetGrain<IInboxGrain>(http.User.RequiredUserId()).UnreadCount()));

    /// <summary>Marks one of the caller's notifications read (idempotent).</summary>
    public static async Task<Results<Ok<NotificationDto>, ProblemHttpResult>> MarkRead(Guid id, HttpContext http, IGrainFactory grains)
    {
        var read = await grains.GetGrain<IInboxGrain>(http.User.RequiredUserId()).MarkRead(id);
        return read is null ? Problems.NotFound("notification") : TypedResults.Ok(NotificationDto.From(read));
    }

    private static string Encode(NotificationView n) =>
        Paging.EncodeCursor(n.SentAt, n.Id);

    private static NotificationCursor? Decode(string cursor) =>
        Paging.DecodeCursor(cursor) is { } c ? new NotificationCursor(c.Item1, c.Item2) : null;
}
