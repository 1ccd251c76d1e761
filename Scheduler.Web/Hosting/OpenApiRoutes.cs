namespace Scheduler.Web.Hosting;

/// <summary>Who may call an operation, as the OpenAPI document states it.</summary>
public enum ApiAccess
{
    /// <summary>Anyone; a bearer token changes nothing.</summary>
    Anonymous,
    /// <summary>Anyone; a bearer token, when sent, changes the answer (signed-in booker, owner's view).</summary>
    OptionalBearer,
    /// <summary>A bearer token, or the booking's manage token as <c>?token=</c>.</summary>
    BearerOrManageToken,
}

/// <summary>What the document says about one route beyond what its endpoint metadata tells.</summary>
/// <param name="OperationId">Stable name for generated clients' methods.</param>
/// <param name="Access">For anonymous routes: whether a bearer or manage token changes the answer (routes requiring authorization are Bearer).</param>
/// <param name="Problems">Problem tokens the handler itself can answer with, beyond the generic ones (see <see cref="OpenApiOperations"/>).</param>
public sealed record RouteDoc(string OperationId, ApiAccess Access = ApiAccess.Anonymous, params string[] Problems)
{
    /// <summary>For handlers without XML docs (lambdas).</summary>
    public string? Summary { get; init; }

    /// <summary>Query parameters the handler insists on, though bound as optional strings (so a missing one is a 400 naming it).</summary>
    public string[] RequiredParameters { get; init; } = [];
}

/// <summary>
/// The routes' operation ids and the problem types their handlers return, in one table (keyed like the
/// README's API table). Generic responses (400 validation, 401, 404 on ids, 415, 503 retry, 500) are
/// derived from endpoint metadata for every route, so a route missing here still gets them and a
/// derived operation id; a test checks every entry still names a real route.
/// </summary>
public static class OpenApiRoutes
{
    public static readonly IReadOnlyDictionary<string, RouteDoc> Table = new Dictionary<string, RouteDoc>
    {
        ["GET /healthz"] = new("getHealth") { Summary = "Whether this front end reaches a live silo: 200 ok, or 503 retry." },
        ["POST /api/users"] = new("signUp", ApiAccess.Anonymous, "email-taken"),
        ["POST /api/auth/token"] = new("issueToken", ApiAccess.Anonymous, "invalid-credentials"),
        ["POST /api/auth/verify-email"] = new("postAuthVerifyEmail", ApiAccess.Anonymous, "invalid-verification"),
        ["POST /api/me/verify-email"] = new("postMeVerifyEmail", ApiAccess.Anonymous, "already-verified"),
        ["POST /api/auth/forgot-password"] = new("forgotPassword"),
        ["POST /api/bookings/links"] = new("mailBookingLinks"),
        ["POST /api/auth/reset-password"] = new("resetPassword", ApiAccess.Anonymous, "invalid-reset"),
        ["GET /api/me"] = new("getMe"),
        ["POST /api/me/calendar-feed"] = new("createCalendarFeed", ApiAccess.Anonymous, "rate-limited"),
        ["GET /api/me/calendar-feed"] = new("getCalendarFeed", ApiAccess.Anonymous, "not-found"),
        ["DELETE /api/me/calendar-feed"] = new("deleteCalendarFeed"),
        ["GET /api/organizers/{id}/calendar.ics"] = new("getOrganizerCalendarFeed", ApiAccess.Anonymous, "rate-limited"),
        ["PATCH /api/me"] = new("updateMe", ApiAccess.Anonymous, "rate-limited"),
        ["POST /api/event-types"] = new("createEventType"),
        ["GET /api/event-types"] = new("listEventTypes"),
        ["GET /api/event-types/{id}"] = new("getEventType", ApiAccess.OptionalBearer),
        ["GET /api/organizers/{id}"] = new("getOrganizerPage"),
        ["PUT /api/event-types/{id}"] = new("updateEventType"),
        ["DELETE /api/event-types/{id}"] = new("deleteEventType", ApiAccess.Anonymous, "has-bookings"),
        ["GET /api/event-types/{id}/slots"] = new("listSlots") { RequiredParameters = ["from", "to"] },
        ["GET /api/availability"] = new("getAvailability"),
        ["PUT /api/availability"] = new("replaceAvailability"),
        ["POST /api/availability"] = new("addAvailabilityRule"),
        ["DELETE /api/availability/{id}"] = new("deleteAvailabilityRule"),
        ["POST /api/bookings"] = new("createBooking", ApiAccess.OptionalBearer,
            "not-found", "slot-unavailable", "outside-availability", "idempotency-mismatch"),
        ["GET /api/bookings"] = new("listBookings"),
        ["GET /api/bookings/{id}"] = new("getBooking", ApiAccess.BearerOrManageToken),
        ["GET /api/bookings/{id}/calendar.ics"] = new("getBookingCalendar", ApiAccess.BearerOrManageToken),
        ["POST /api/bookings/{id}/cancel"] = new("cancelBooking", ApiAccess.BearerOrManageToken, "invalid-status"),
        ["POST /api/bookings/{id}/confirm"] = new("confirmBooking", ApiAccess.Anonymous, "invalid-status"),
        ["GET /api/events"] = new("listEvents"),
        ["GET /api/events/blocked"] = new("listBlockedTime"),
        ["GET /api/events/{id}"] = new("getEvent"),
        ["GET /api/notifications"] = new("listNotifications"),
        ["GET /api/notifications/unread-count"] = new("getUnreadNotificationCount"),
        ["POST /api/notifications/{id}/read"] = new("markNotificationRead"),
    };
}
