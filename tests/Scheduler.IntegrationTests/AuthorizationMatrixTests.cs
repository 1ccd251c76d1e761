using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// Every route against every kind of caller: anonymous, a booker holding a manage token, the
/// signed-in booker, organizer A (who owns everything here) and organizer B. Denied callers get
/// 401 when they must sign in, and otherwise exactly what an unknown id gets: 404 not-found.
/// </summary>
public sealed class AuthorizationMatrixTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    public enum Caller { Anonymous, TokenHolder, Booker, OrganizerB, OrganizerA }

    private sealed record Route(string Method, string Template, Func<Scenario, string> Path, Func<Scenario, object?>? Body, Caller[] Allowed, bool SignInRequired);

    private sealed record Scenario(
        Organizer A, Organizer B, Organizer Booker, Guid EventTypeId, Guid BookingId, string ManageToken, Guid EventId,
        Guid RuleId, Guid NotificationId);

    private static readonly Caller[] Everyone = Enum.GetValues<Caller>();
    private static readonly Caller[] SignedIn = [Caller.Booker, Caller.OrganizerB, Caller.OrganizerA];
    private static readonly Caller[] Owner = [Caller.OrganizerA];
    private static readonly Caller[] BookingParties = [Caller.TokenHolder, Caller.Booker, Caller.OrganizerA];

    // Rows run in order on one scenario; within a row, allowed callers go last (A last of all),
    // so a destructive call cannot hide a later denial.
    private static readonly Route[] Routes =
    [
        new("GET", "/healthz", _ => "/healthz", null, Everyone, false),
        new("GET", "/problems/{token}", _ => "/problems/not-found", null, Everyone, false),
        new("GET", "/openapi/{documentName}.json", _ => "/openapi/v1.json", null, Everyone, false),
        new("POST", "/api/users", _ => "/api/users", _ => new { name = "N", email = $"u-{Guid.NewGuid():N}@example.com", password = "long-enough", timeZone = "UTC" }, Everyone, false),
        new("POST", "/api/auth/token", _ => "/api/auth/token", s => new { email = s.A.Email, password = "correct horse" }, Everyone, false),
        new("GET", "/api/me", _ => "/api/me", null, SignedIn, true),
        new("PATCH", "/api/me", _ => "/api/me", _ => new { name = "Renamed" }, SignedIn, true),
        new("GET", "/api/event-types", _ => "/api/event-types", null, SignedIn, true),
        new("POST", "/api/event-types", _ => "/api/event-types", _ => new { title = "More", durationMinutes = 30 }, SignedIn, true),
        new("GET", "/api/event-types/{id:guid}", s => $"/api/event-types/{s.EventTypeId}", null, Everyone, false),
        new("GET", "/api/event-types/{id:guid}/slots", s => $"/api/event-types/{s.EventTypeId}/slots?from=2031-03-03&to=2031-03-04", null, Everyone, false),
        new("PUT", "/api/event-types/{id:guid}", s => $"/api/event-types/{s.EventTypeId}", _ => new { title = "Intro call", durationMinutes = 30, location = "Video" }, Owner, true),
        new("GET", "/api/availability", _ => "/api/availability", null, SignedIn, true),
        new("POST", "/api/availability", _ => "/api/availability", _ => new { dayOfWeek = "Sunday", startTime = "10:00", endTime = "11:00" }, SignedIn, true),
        new("DELETE", "/api/availability/{id:guid}", s => $"/api/availability/{s.RuleId}", null, Owner, true),
        new("PUT", "/api/availability", _ => "/api/availability", _ => new[] { new { dayOfWeek = "Monday", startTime = "09:00", endTime = "17:00" } }, SignedIn, true),
        new("POST", "/api/bookings", _ => "/api/bookings", s => new { eventTypeId = s.EventTypeId, start = At(FutureMonday, "15:00"), name = "N", email = $"b-{Guid.NewGuid():N}@example.com" }, Everyone, false),
        new("GET", "/api/bookings", _ => "/api/bookings", null, SignedIn, true),
        new("GET", "/api/bookings/{id:guid}", s => $"/api/bookings/{s.BookingId}", null, BookingParties, false),
        new("POST", "/api/bookings/{id:guid}/confirm", s => $"/api/bookings/{s.BookingId}/confirm", null, Owner, true),
        new("POST", "/api/bookings/{id:guid}/cancel", s => $"/api/bookings/{s.BookingId}/cancel", _ => new { reason = "matrix" }, BookingParties, false),
        new("GET", "/api/events", _ => "/api/events", null, SignedIn, true),
        new("GET", "/api/events/{id:guid}", s => $"/api/events/{s.EventId}", null, Owner, true),
        new("GET", "/api/notifications", _ => "/api/notifications", null, SignedIn, true),
        new("GET", "/api/notifications/unread-count", _ => "/api/notifications/unread-count", null, SignedIn, true),
        new("POST", "/api/notifications/{id:guid}/read", s => $"/api/notifications/{s.NotificationId}/read", null, Owner, true),
        new("DELETE", "/api/event-types/{id:guid}", s => $"/api/event-types/{s.EventTypeId}", null, Owner, true),
        new("*", "/hubs/notifications/negotiate", _ => "/hubs/notifications/negotiate?negotiateVersion=1", null, SignedIn, true),
    ];

    private async Task<Scenario> Arrange()
    {
        var anonymous = fixture.Anonymous;
        var (a, eventTypeId) = await anonymous.OrganizerWithEventType(fixture.App);
        var b = await anonymous.SignUpAndSignIn(fixture.App);
        var booker = await anonymous.SignUpAndSignIn(fixture.App);
        var booking = await (await booker.Client.Book(eventTypeId, At(FutureMonday, "09:00"))).Json();
        var rule = (await (await a.Client.GetAsync("/api/availability")).JsonArray())[0]!["id"]!.GetValue<Guid>();
        await Eventually(async () => (await a.Client.Notifications()).Count > 0, what: "A's first notification");
        var notification = (await a.Client.Notifications())[0]!["id"]!.GetValue<Guid>();
        return new Scenario(a, b, booker, eventTypeId, booking["id"]!.GetValue<Guid>(), booking["manageToken"]!.GetValue<string>(),
            booking["eventId"]!.GetValue<Guid>(), rule, notification);
    }

    private HttpRequestMessage Request(Route route, Scenario s, Caller caller)
    {
        var path = route.Path(s);
        if (caller == Caller.TokenHolder) path += (path.Contains('?') ? "&" : "?") + "token=" + Uri.EscapeDataString(s.ManageToken);
        var request = new HttpRequestMessage(new HttpMethod(route.Method == "*" ? "POST" : route.Method), path);
        if (route.Body is { } body) request.Content = JsonContent.Create(body(s));
        var token = caller switch
        {
            Caller.OrganizerA => s.A.Token,
            Caller.OrganizerB => s.B.Token,
            Caller.Booker => s.Booker.Token,
            _ => null,
        };
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
                var status = (int)response.StatusCode;
                var allowed = route.Allowed.Contains(caller);
                var signedIn = caller is Caller.Booker or Caller.OrganizerA or Caller.OrganizerB;
                var expected = allowed ? "allowed" : route.SignInRequired && !signedIn ? "401" : "404";
                var ok = expected switch
                {
                    "allowed" => status is not (401 or 403 or 404) && status < 500,
                    "401" => status == 401,
                    _ => status == 404,
                };
                if (!ok) failures.Add($"{route.Method} {route.Template} as {caller}: expected {expected}, got {status} {await response.Content.ReadAsStringAsync()}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Organizer_B_sees_none_of_As_resources_in_any_listing()
    {
        var s = await Arrange();
        var listings = new[] { "/api/event-types", "/api/availability", "/api/bookings", "/api/bookings?role=booker", "/api/events", "/api/notifications" };
        var ids = new[] { s.EventTypeId, s.BookingId, s.EventId, s.RuleId, s.NotificationId }.Select(i => i.ToString()).ToList();
        foreach (var listing in listings)
        {
            var body = await (await s.B.Client.GetAsync(listing)).Content.ReadAsStringAsync();
            Assert.All(ids, id => Assert.DoesNotContain(id, body));
        }
    }

    [Fact]
    public void The_matrix_covers_every_route_the_application_maps()
    {
        var endpoints = fixture.App.WebServices.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        var pages = new[] { "/book/", "/manage/", "/dashboard", "/docs" };
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
