using System.Net;
using Scheduler.IntegrationTests.Infrastructure;

namespace Scheduler.IntegrationTests;

public sealed class OpenApiTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task The_openapi_document_describes_every_api_route_and_every_problem_type()
    {
        var response = await fixture.Anonymous.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Json();
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToHashSet();
        foreach (var expected in new[]
        {
            "/api/users", "/api/auth/token", "/api/me", "/api/event-types", "/api/event-types/{id}", "/api/event-types/{id}/slots",
            "/api/availability", "/api/availability/{id}", "/api/bookings", "/api/bookings/{id}", "/api/bookings/{id}/cancel",
            "/api/bookings/{id}/confirm", "/api/events", "/api/events/{id}", "/api/notifications", "/api/notifications/unread-count",
            "/api/notifications/{id}/read", "/healthz",
        })
            Assert.Contains(expected, paths);
        var description = document["info"]!["description"]!.GetValue<string>();
        foreach (var token in new[] { "validation", "unauthorized", "not-found", "email-taken", "slot-unavailable", "outside-availability", "idempotency-mismatch", "invalid-status", "has-bookings", "retry" })
            Assert.Contains($"`{token}`", description);
        var booking = document["paths"]!["/api/bookings"]!["post"]!;
        Assert.NotNull(booking["responses"]!["201"]);
        Assert.NotNull(booking["responses"]!["default"]!["content"]!["application/problem+json"]);
        Assert.NotNull(document["components"]!["securitySchemes"]!["Bearer"]);
    }

    [Fact]
    public async Task A_browsable_api_reference_is_served()
    {
        var response = await fixture.Anonymous.GetAsync("/docs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(html.Contains("openapi/v1.json", StringComparison.Ordinal), html);
    }
}
