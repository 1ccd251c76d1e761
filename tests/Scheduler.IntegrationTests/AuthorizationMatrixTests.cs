using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Every route against every kind of caller: anonymous, a booker holding a manage token, the
/// signed-in booker, organizer A (who owns everything here) and organizer B, also with a manage
/// token that is not valid for the booking. Allowed callers get the route's success status and
/// body; denied callers get 401 when they must sign in, and otherwise exactly what an unknown id
/// gets: 404 not-found.
/// </summary>
public sealed class AuthorizationMatrixTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    /// <summary>
    /// Who calls. The last two are organizer B signed in and also presenting a manage token that is
    /// not valid for A's booking: one forged in A's name (A's id, a made-up MAC), one valid for
    /// another of A's bookings. Being signed in must not skip the token's check.
    /// </summary>
    public enum Caller { Anonymous, TokenHolder, Booker, OrganizerB, OrganizerA, OrganizerBWithForgedToken, OrganizerBWithOtherBookingsToken }

    /// <summary>What an allowed call answers: null if the body has the expected shape, else what is wrong.</summary>
    private delegate string? Shape(JsonNode? body, Scenario s, Caller caller);

    private sealed record Route(
        string Method, string Template, Func<Scenario, string> Path, Func<Scenario, Caller, object?>? Body,
        Caller[] Allowed, bool SignInRequired, HttpStatusCode Status, Shape Expect, bool FreshToken = false);

    private sealed record Scenario(
        Organizer A, Organizer B, Organizer Booker, Guid EventTypeId, Guid BookingId, string ManageToken, Guid EventId,
        Guid RuleId, Guid NotificationId, string OtherBookingsToken, string ForgedToken, Guid BlockId,
        IReadOnlyDictionary<Caller, string> VerificationTokens, IReadOnlyDictionary<Caller, string> FreshTokens,
        IReadOnlyDictionary<Caller, string> ResetTokens, string FeedPath);

    private static readonly Caller[] Everyone = Enum.GetValues<Caller>();
    private static readonly Caller[] SignedIn = Everyone.Where(IsSignedIn).ToArray();
    private static readonly Caller[] Owner = [Caller.OrganizerA];
    private static readonly Caller[] BookingParties = [Caller.TokenHolder, Caller.Booker, Caller.OrganizerA];
    /// <summary>Callers that send nothing but what the route's URL says (no manage token of their own beside it).</summary>
    private static readonly Caller[] WithoutManageToken = [Caller.Anonymous, Caller.Booker, Caller.OrganizerB, Caller.OrganizerA];

    /// <summary>A date none of the bookings above falls on.</summary>
    private static readonly DateOnly OverrideDate = FutureMonday.AddDays(7);

    private static bool IsSignedIn(Caller caller) => caller is not (Caller.Anonymous or Caller.TokenHolder);

    // Shapes of allowed answers.
    private static readonly Shape NoBody = (body, _, _) => body is null ? null : "expected no body";
    private static readonly Shape AnArray = (body, _, _) => body is JsonArray ? null : "expected an array";
    private static Shape Has(string field, Func<Scenario, Caller, object> value) =>
        (body, s, caller) => body is JsonObject o && o[field] is JsonValue v && v.ToString() == value(s, caller).ToString()
            ? null
            : $"expected {field} = {value(s, caller)}";
    private static Shape Has(string field) =>
        (body, _, _) => body is JsonObject o && o[field] is JsonValue v && v.ToString().Length > 0 ? null : $"expected a {field}";
    private static Shape IdIs(Func<Scenario, Guid> id) => Has("id", (s, _) => id(s));
    private static Shape TextWith(string fragment) =>
        (body, _, _) => body is JsonValue v && v.TryGetValue<string>(out var text) && text.Contains(fragment, StringComparison.Ordinal)
            ? null
            : $"expected text with {fragment}";
    private static Shape All(params Shape[] shapes) => (body, s, caller) => shapes.Select(shape => shape(body, s, caller)).FirstOrDefault(e => e is not null);

    private static Guid IdOf(Scenario s, Caller caller) => caller switch
    {
        Caller.OrganizerA => s.A.Id,
        Caller.Booker => s.Booker.Id,
        _ => s.B.Id,
    };

    // Rows run in order on one scenario; within a row, allowed callers go last (A last of all),
    // so a destructive call cannot hide a later denial.
    private static readonly Route[] Routes =
    [
        new("GET", "/healthz", _ => "/healthz", null, Everyone, false, HttpStatusCode.OK, Has("status", (_, _) => "ok")),
        new("GET", "/problems/{token}", _ => "/problems/not-found", null, Everyone, false, HttpStatusCode.OK, Has("status", (_, _) => 404)),
        new("GET", Scheduler.Web.Hosting.OpenApi.DocumentRoute, _ => "/openapi/v1.json", null, Everyone, false, HttpStatusCode.OK, Has("openapi")),
        // Served to loopback callers and SCHEDULER_METRICS_TOKEN holders only (MetricsTests, RunShSmokeTests): no API caller.
        new("GET", "/metrics", _ => "/metrics", null, [], false, HttpStatusCode.OK, TextWith("# TYPE")),
        new("POST", "/api/users", _ => "/api/users", (_, _) => new { name = "N", email = $"u-{Guid.NewGuid():N}@example.com", password = "long-enough", timeZone = "UTC" }, Everyone, false,
            HttpStatusCode.Created, All(Has("id"), Has("timeZone", (_, _) => "UTC"))),
        new("POST", "/api/auth/token", _ => "/api/auth/token", (s, _) => new { email = s.A.Email, password = "correct horse" }, Everyone, false,
            HttpStatusCode.OK, All(Has("accessToken"), Has("tokenType", (_, _) => "Bearer"))),
        new("GET", "/api/me", _ => "/api/me", null, SignedIn, true, HttpStatusCode.OK, Has("id", (s, c) => IdOf(s, c))),
        // A mailed link's token works for whoever holds it (each caller follows one of its own).
        new("POST", "/api/auth/verify-email", _ => "/api/auth/verify-email", (s, c) => new { token = s.VerificationTokens[c] }, Everyone, false,
            HttpStatusCode.OK, Has("emailVerified", (_, _) => "true")),
        // Anyone may ask; the answer never says whether the address has an account.
        new("POST", "/api/auth/forgot-password", _ => "/api/auth/forgot-password", (s, _) => new { email = s.A.Email }, Everyone, false,
            HttpStatusCode.Accepted, NoBody),
        // Anyone may ask; the links go only to the address, and the answer never says whether it booked.
        new("POST", "/api/bookings/links", _ => "/api/bookings/links", (s, _) => new { email = s.A.Email }, Everyone, false,
            HttpStatusCode.Accepted, NoBody),
        // A mailed reset link's token works for whoever holds it (each caller follows one, for an account of its own).
        new("POST", "/api/auth/reset-password", _ => "/api/auth/reset-password", (s, c) => new { token = s.ResetTokens[c], password = "a new long password" },
            Everyone, false, HttpStatusCode.OK, Has("emailVerified", (_, _) => "true")),
        // Every signed-in caller here has verified its address already: asking for a new link is 409.
        new("POST", "/api/me/verify-email", _ => "/api/me/verify-email", null, SignedIn, true, HttpStatusCode.Conflict,
            Has("type", (_, _) => "/problems/already-verified")),
        new("PATCH", "/api/me", _ => "/api/me", (_, _) => new { name = "Renamed" }, SignedIn, true, HttpStatusCode.OK,
            All(Has("id", (s, c) => IdOf(s, c)), Has("name", (_, _) => "Renamed"))),
        new("GET", "/api/event-types", _ => "/api/event-types", null, SignedIn, true, HttpStatusCode.OK, AnArray),
        new("POST", "/api/event-types", _ => "/api/event-types", (_, _) => new { title = "More", durationMinutes = 30 }, SignedIn, true,
            HttpStatusCode.Created, All(Has("title", (_, _) => "More"), Has("userId", (s, c) => IdOf(s, c)))),
        new("GET", "/api/event-types/{id:guid}", s => $"/api/event-types/{s.EventTypeId}", null, Everyone, false, HttpStatusCode.OK, IdIs(s => s.EventTypeId)),
        new("GET", "/api/event-types/{id:guid}/slots", s => $"/api/event-types/{s.EventTypeId}/slots?from=2031-03-03&to=2031-03-04", null, Everyone, false,
            HttpStatusCode.OK, All(Has("eventTypeId", (s, _) => s.EventTypeId), Has("timeZone"))),
        new("PUT", "/api/event-types/{id:guid}", s => $"/api/event-types/{s.EventTypeId}", (_, _) => new { title = "Intro call", durationMinutes = 30, location = "Video", listed = true }, Owner, true,
            HttpStatusCode.OK, IdIs(s => s.EventTypeId)),
        new("GET", "/api/availability", _ => "/api/availability", null, SignedIn, true, HttpStatusCode.OK, AnArray),
        new("POST", "/api/availability", _ => "/api/availability", (_, _) => new { dayOfWeek = "Sunday", startTime = "10:00", endTime = "11:00" }, SignedIn, true,
            HttpStatusCode.Created, All(Has("id"), Has("dayOfWeek", (_, _) => "Sunday"))),
        new("DELETE", "/api/availability/{id:guid}", s => $"/api/availability/{s.RuleId}", null, Owner, true, HttpStatusCode.NoContent, NoBody),
        new("GET", "/api/availability/overrides", _ => "/api/availability/overrides", null, SignedIn, true, HttpStatusCode.OK, AnArray),
        // Only A has an override on this date (Arrange), so anyone else's delete is an unknown date: 404.
        new("DELETE", "/api/availability/overrides/{date}", _ => $"/api/availability/overrides/{OverrideDate:yyyy-MM-dd}", null, Owner, true, HttpStatusCode.NoContent, NoBody),
        new("PUT", "/api/availability/overrides/{date}", _ => $"/api/availability/overrides/{OverrideDate:yyyy-MM-dd}", (_, _) => new { unavailable = true }, SignedIn, true,
            HttpStatusCode.OK, All(Has("date", (_, _) => $"{OverrideDate:yyyy-MM-dd}"), Has("unavailable", (_, _) => "true"))),
        new("PUT", "/api/availability", _ => "/api/availability", (_, _) => new[] { new { dayOfWeek = "Monday", startTime = "09:00", endTime = "17:00" } }, SignedIn, true,
            HttpStatusCode.OK, AnArray),
        // Each caller books a slot of its own (10:00 onwards; A still has its Monday), so every allowed booking can succeed.
        new("POST", "/api/bookings", _ => "/api/bookings", (s, c) => new { eventTypeId = s.EventTypeId, start = At(FutureMonday, $"{10 + (int)c}:00"), name = "N", email = $"b-{Guid.NewGuid():N}@example.com" }, Everyone, false,
            HttpStatusCode.Created, All(Has("eventTypeId", (s, _) => s.EventTypeId), Has("manageToken"), Has("status", (_, _) => "Confirmed"))),
        new("GET", "/api/bookings", _ => "/api/bookings", null, SignedIn, true, HttpStatusCode.OK, AnArray),
        new("GET", "/api/bookings/{id:guid}", s => $"/api/bookings/{s.BookingId}", null, BookingParties, false, HttpStatusCode.OK, IdIs(s => s.BookingId)),
        new("GET", "/api/bookings/{id:guid}/calendar.ics", s => $"/api/bookings/{s.BookingId}/calendar.ics", null, BookingParties, false, HttpStatusCode.OK,
            (body, s, _) => body?.GetValue<string>() is { } text && text.Contains($"UID:{s.BookingId}@scheduler", StringComparison.Ordinal) ? null : "expected the booking's calendar file"),
        // A's calendar feed: whoever holds its URL, signed in or not, as long as the URL is all they send
        // (a second token parameter beside it is not the URL's secret). Wrong secrets: CalendarFeedTests.
        new("GET", "/api/organizers/{id:guid}/calendar.ics", s => s.FeedPath, null, WithoutManageToken, false, HttpStatusCode.OK,
            (body, s, _) => body?.GetValue<string>() is { } text && text.Contains($"UID:{s.BookingId}@scheduler", StringComparison.Ordinal) ? null : "expected A's calendar feed"),
        // Each signed-in caller makes a feed of its own, reads when it was made, and ends it.
        new("POST", "/api/me/calendar-feed", _ => "/api/me/calendar-feed", (_, _) => new { currentPassword = "correct horse" }, SignedIn, true, HttpStatusCode.Created,
            (body, s, caller) => body?["url"]?.GetValue<string>() is { } url && url.Contains($"/api/organizers/{IdOf(s, caller)}/calendar.ics?token=", StringComparison.Ordinal)
                ? null : "expected a feed URL of the caller's own calendar"),
        new("GET", "/api/me/calendar-feed", _ => "/api/me/calendar-feed", null, SignedIn, true, HttpStatusCode.OK, Has("createdAt")),
        new("DELETE", "/api/me/calendar-feed", _ => "/api/me/calendar-feed", null, SignedIn, true, HttpStatusCode.NoContent, NoBody),
        new("POST", "/api/bookings/{id:guid}/confirm", s => $"/api/bookings/{s.BookingId}/confirm", null, Owner, true, HttpStatusCode.OK,
            All(IdIs(s => s.BookingId), Has("status", (_, _) => "Confirmed"))),
        new("POST", "/api/bookings/{id:guid}/cancel", s => $"/api/bookings/{s.BookingId}/cancel", (_, _) => new { reason = "matrix" }, BookingParties, false, HttpStatusCode.OK,
            All(IdIs(s => s.BookingId), Has("status", (_, _) => "Cancelled"))),
        new("GET", "/api/events", _ => "/api/events", null, SignedIn, true, HttpStatusCode.OK, AnArray),
        // A's public page (A listed the event type above): anyone reads it.
        new("GET", "/api/organizers/{id:guid}", s => $"/api/organizers/{s.A.Id}", null, Everyone, false, HttpStatusCode.OK,
            (body, s, _) => body?["organizer"]?["id"]?.GetValue<Guid>() == s.A.Id && body["eventTypes"]!.AsArray().Any(e => e!["id"]!.GetValue<Guid>() == s.EventTypeId)
                ? null : "expected A's page with A's event type"),
        // Everyone signed in lists their own blocked time: A's block, and nobody else's.
        new("GET", "/api/events/blocked", _ => "/api/events/blocked", null, SignedIn, true, HttpStatusCode.OK,
            (body, s, caller) => body is System.Text.Json.Nodes.JsonArray items
                && items.Any(i => i!["id"]!.GetValue<Guid>() == s.BlockId) == (caller == Caller.OrganizerA) ? null : "expected exactly the caller's blocks"),
        new("POST", "/api/events", _ => "/api/events", (_, _) => new { title = "Away", start = At(OverrideDate, "09:00"), end = At(OverrideDate, "12:00") }, SignedIn, true,
            HttpStatusCode.Created, All(Has("title", (_, _) => "Away"), Has("userId", (s, c) => IdOf(s, c)))),
        new("GET", "/api/events/{id:guid}", s => $"/api/events/{s.EventId}", null, Owner, true, HttpStatusCode.OK, IdIs(s => s.EventId)),
        new("DELETE", "/api/events/{id:guid}", s => $"/api/events/{s.BlockId}", null, Owner, true, HttpStatusCode.NoContent, NoBody),
        new("GET", "/api/notifications", _ => "/api/notifications", null, SignedIn, true, HttpStatusCode.OK, AnArray),
        new("GET", "/api/notifications/unread-count", _ => "/api/notifications/unread-count", null, SignedIn, true, HttpStatusCode.OK, Has("count")),
        new("POST", "/api/notifications/{id:guid}/read", s => $"/api/notifications/{s.NotificationId}/read", null, Owner, true, HttpStatusCode.OK,
            All(IdIs(s => s.NotificationId), Has("readAt"))),
        // The bookings above are future and active: the owner deletes the event type with them.
        new("DELETE", "/api/event-types/{id:guid}", s => $"/api/event-types/{s.EventTypeId}?cancelBookings=true", null, Owner, true, HttpStatusCode.NoContent, NoBody),
        // Revoking ends the caller's token: each caller revokes a token of its own, issued for this row.
        new("POST", "/api/auth/revoke", _ => "/api/auth/revoke", (_, _) => new { everywhere = false }, SignedIn, true, HttpStatusCode.NoContent, NoBody, FreshToken: true),
        new("*", "/hubs/notifications/negotiate", _ => "/hubs/notifications/negotiate?negotiateVersion=1", null, SignedIn, true, HttpStatusCode.OK, Has("connectionToken")),
    ];

    private async Task<Scenario> Arrange()
    {
        var anonymous = fixture.Anonymous;
        var (a, eventTypeId) = await anonymous.OrganizerWithEventType(fixture.App);
        var b = await anonymous.SignUpAndSignIn(fixture.App);
        var booker = await anonymous.SignUpAndSignIn(fixture.App);
        var booked = await booker.Client.Book(eventTypeId, At(FutureMonday, "09:00"));
        Assert.Equal(HttpStatusCode.Created, booked.StatusCode);
        var booking = await booked.Json();
        var other = await anonymous.Book(eventTypeId, At(FutureMonday, "09:30"));
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        var rules = await a.Client.GetAsync("/api/availability");
        Assert.Equal(HttpStatusCode.OK, rules.StatusCode);
        var rule = (await rules.JsonArray())[0]!["id"]!.GetValue<Guid>();
        var dateOverride = await a.Client.PutAsJsonAsync($"/api/availability/overrides/{OverrideDate:yyyy-MM-dd}", new { unavailable = true });
        Assert.Equal(HttpStatusCode.OK, dateOverride.StatusCode);
        var block = await a.Client.PostAsJsonAsync("/api/events", new { title = "Away", start = At(OverrideDate, "13:00"), end = At(OverrideDate, "14:00") });
        Assert.Equal(HttpStatusCode.Created, block.StatusCode);
        await Eventually(async () => (await a.Client.Notifications()).Count > 0, what: "A's first notification");
        var notification = (await a.Client.Notifications())[0]!["id"]!.GetValue<Guid>();
        var verificationTokens = new Dictionary<Caller, string>();
        foreach (var caller in Everyone)
        {
            var email = $"verify-{Guid.NewGuid():N}@example.com";
            var created = await anonymous.PostAsJsonAsync("/api/users", new { name = "V", email, password = "long-enough", timeZone = "UTC" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            verificationTokens[caller] = (await fixture.App.Mail.WaitForMailsTo(email)).Single().VerificationToken!;
        }
        var resetTokens = new Dictionary<Caller, string>();
        foreach (var caller in Everyone)
        {
            var email = $"reset-{Guid.NewGuid():N}@example.com";
            var created = await anonymous.PostAsJsonAsync("/api/users", new { name = "R", email, password = "long-enough", timeZone = "UTC" });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await anonymous.PostAsJsonAsync("/api/auth/forgot-password", new { email })).StatusCode);
            resetTokens[caller] = (await fixture.App.Mail.WaitForMailsTo(email, 2)).Select(m => m.ResetToken).Single(t => t is not null)!;
        }
        var feed = await a.Client.PostAsJsonAsync("/api/me/calendar-feed", new { currentPassword = "correct horse" });
        Assert.Equal(HttpStatusCode.Created, feed.StatusCode);
        var feedPath = new Uri((await feed.Json())["url"]!.GetValue<string>()).PathAndQuery;
        var freshTokens = new Dictionary<Caller, string>();
        foreach (var caller in Everyone.Where(IsSignedIn))
        {
            var email = caller switch { Caller.OrganizerA => a.Email, Caller.Booker => booker.Email, _ => b.Email };
            freshTokens[caller] = await anonymous.TokenFor(email, "correct horse");
        }
        return new Scenario(a, b, booker, eventTypeId, booking["id"]!.GetValue<Guid>(), booking["manageToken"]!.GetValue<string>(),
            booking["eventId"]!.GetValue<Guid>(), rule, notification, (await other.Json())["manageToken"]!.GetValue<string>(),
            ManageTokenFormat.Encode(a.Id, RandomNumberGenerator.GetBytes(ManageTokenFormat.MacLength)),
            (await block.Json())["id"]!.GetValue<Guid>(), verificationTokens, freshTokens, resetTokens, feedPath);
    }

    private static HttpRequestMessage Request(Route route, Scenario s, Caller caller)
    {
        var path = route.Path(s);
        var manageToken = caller switch
        {
            Caller.TokenHolder => s.ManageToken,
            Caller.OrganizerBWithForgedToken => s.ForgedToken,
            Caller.OrganizerBWithOtherBookingsToken => s.OtherBookingsToken,
            _ => null,
        };
        if (manageToken is not null) path += (path.Contains('?') ? "&" : "?") + "token=" + Uri.EscapeDataString(manageToken);
        var request = new HttpRequestMessage(new HttpMethod(route.Method == "*" ? "POST" : route.Method), path);
        if (route.Body is { } body) request.Content = JsonContent.Create(body(s, caller));
        var token = caller switch
        {
            Caller.OrganizerA => s.A.Token,
            Caller.Booker => s.Booker.Token,
            Caller.OrganizerB or Caller.OrganizerBWithForgedToken or Caller.OrganizerBWithOtherBookingsToken => s.B.Token,
            _ => null,
        };
        if (token is not null && route.FreshToken) token = s.FreshTokens[caller];
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task Every_route_admits_exactly_the_callers_it_should()
    {
        var s = await Arrange();
        var client = fixture.App.CreateClient();
        var failures = new List<string>();
        foreach (var route in Routes)
        {
            var order = Everyone.OrderBy(c => route.Allowed.Contains(c)).ThenBy(c => c == Caller.OrganizerA);
            foreach (var caller in order)
            {
                using var response = await client.SendAsync(Request(route, s, caller));
                var text = await response.Content.ReadAsStringAsync();
                var failure = route.Allowed.Contains(caller)
                    ? Allowed(route, s, caller, response, text)
                    : Denied(route.SignInRequired && !IsSignedIn(caller) ? HttpStatusCode.Unauthorized : HttpStatusCode.NotFound, response);
                if (failure is not null) failures.Add($"{route.Method} {route.Template} as {caller}: {failure}; got {(int)response.StatusCode} {text}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>An allowed call succeeds: the route's 2xx status and the body it promises, not merely "not denied".</summary>
    private static string? Allowed(Route route, Scenario s, Caller caller, HttpResponseMessage response, string text)
    {
        if (response.StatusCode != route.Status) return $"expected {(int)route.Status}";
        JsonNode? body;
        // Text answers (Prometheus metrics) are matched as one string.
        if (response.Content.Headers.ContentType?.MediaType is { } type && !type.Contains("json", StringComparison.Ordinal))
            return route.Expect(JsonValue.Create(text), s, caller);
        try { body = text.Length == 0 ? null : JsonNode.Parse(text); }
        catch (JsonException) { return "expected JSON"; }
        return route.Expect(body, s, caller);
    }

    private static string? Denied(HttpStatusCode expected, HttpResponseMessage response) =>
        response.StatusCode == expected ? null : $"expected {(int)expected}";

    [Fact]
    public async Task Organizer_B_sees_none_of_As_resources_in_any_listing()
    {
        var s = await Arrange();
        var listings = new[] { "/api/event-types", "/api/availability", "/api/availability/overrides", "/api/bookings", "/api/bookings?role=booker", "/api/events", "/api/events/blocked", "/api/notifications" };
        var ids = new[] { s.EventTypeId, s.BookingId, s.EventId, s.RuleId, s.NotificationId, s.BlockId }.Select(i => i.ToString()).ToList();
        foreach (var listing in listings)
        {
            // Only an answered listing can show that nothing leaked: a 401 or 500 also "contains none of the ids".
            var response = await s.B.Client.GetAsync(listing);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{listing}: {(int)response.StatusCode} {body}");
            Assert.IsType<JsonArray>(JsonNode.Parse(body));
            Assert.All(ids, id => Assert.DoesNotContain(id, body));
        }
    }

    [Fact]
    public void The_matrix_covers_every_route_the_application_maps()
    {
        var endpoints = fixture.App.WebServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        var pages = new[] { "/book/", "/manage", "/u/", "/dashboard", "/docs", "/verify-email", "/reset-password" };
        var mapped = endpoints
            .Where(e => e.RoutePattern.RawText is { } raw && !pages.Any(p => raw.StartsWith(p, StringComparison.Ordinal)) && raw != "/")
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"))
            .Where(r => !r.Contains("/hubs/notifications", StringComparison.Ordinal) || r.EndsWith("/negotiate", StringComparison.Ordinal))
            .ToHashSet();
        var covered = Routes.Select(r => $"{r.Method} {r.Template}").ToHashSet();
        var uncovered = mapped.Except(covered).ToList();
        Assert.True(uncovered.Count == 0, "Routes missing from the matrix: " + string.Join(", ", uncovered));
    }
}
