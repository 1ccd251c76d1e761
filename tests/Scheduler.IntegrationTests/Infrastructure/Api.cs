using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduler.IntegrationTests.Infrastructure;

/// <summary>Small helpers that drive the HTTP API the way a client would.</summary>
public static class Api
{
    /// <summary>A Monday far enough ahead that its slots are never in the past (<see cref="Scheduler.TestSupport.TestDates.FutureMonday"/>).</summary>
    public static readonly DateOnly FutureMonday = Scheduler.TestSupport.TestDates.FutureMonday;

    public sealed record Organizer(Guid Id, string Email, string Token, HttpClient Client);

    /// <summary>Signs up, follows the mailed verification link (unless <paramref name="verify"/> is false) and signs in.</summary>
    public static async Task<Organizer> SignUpAndSignIn(this HttpClient anonymous, SchedulerApp app, string timeZone = "Europe/Berlin", string? email = null, bool verify = true)
    {
        email ??= $"org-{Guid.NewGuid():N}@example.com";
        var created = await anonymous.PostAsJsonAsync("/api/users", new { name = "Olga Organizer", email, password = "correct horse", timeZone });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Json())["id"]!.GetValue<Guid>();
        if (verify) await anonymous.FollowVerificationLink(app, email);
        var token = await anonymous.TokenFor(email, "correct horse");
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new Organizer(id, email, token, client);
    }

    /// <summary>Reads the <paramref name="mailNumber"/>th verification mail to <paramref name="email"/> and posts its link's token, as the page does.</summary>
    public static async Task<JsonNode> FollowVerificationLink(this HttpClient anonymous, SchedulerApp app, string email, int mailNumber = 1)
    {
        var mails = await app.Mail.WaitForMailsTo(email, mailNumber, which: m => m.VerificationToken is not null);
        var token = mails[mailNumber - 1].VerificationToken;
        Assert.NotNull(token);
        var verified = await anonymous.PostAsJsonAsync("/api/auth/verify-email", new { token });
        Assert.Equal(HttpStatusCode.OK, verified.StatusCode);
        return await verified.Json();
    }

    public static async Task<string> TokenFor(this HttpClient client, string email, string password)
    {
        var response = await client.PostAsJsonAsync("/api/auth/token", new { email, password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Json())["accessToken"]!.GetValue<string>();
    }

    /// <summary>An organizer with a 30-minute event type, available 09:00–17:00 on weekdays.</summary>
    public static async Task<(Organizer Organizer, Guid EventTypeId)> OrganizerWithEventType(this HttpClient anonymous, SchedulerApp app, int durationMinutes = 30, string timeZone = "Europe/Berlin")
    {
        var organizer = await anonymous.SignUpAndSignIn(app, timeZone);
        var rules = new[] { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday" }
            .Select(day => new { dayOfWeek = day, startTime = "09:00", endTime = "17:00" });
        var put = await organizer.Client.PutAsJsonAsync("/api/availability", rules);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var eventType = await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Intro call", description = "Thirty minutes to get to know each other", durationMinutes, location = "Video" });
        Assert.Equal(HttpStatusCode.Created, eventType.StatusCode);
        return (organizer, (await eventType.Json())["id"]!.GetValue<Guid>());
    }

    public static Task<HttpResponseMessage> Book(this HttpClient client, Guid eventTypeId, string start, string? email = null, string? idempotencyKey = null, string name = "Bob Booker")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/bookings")
        {
            Content = JsonContent.Create(new { eventTypeId, start, name, email = email ?? $"booker-{Guid.NewGuid():N}@example.com" }),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return client.SendAsync(request);
    }

    public static async Task<JsonNode> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("empty body");
    }

    public static async Task<JsonArray> JsonArray(this HttpResponseMessage response) => (await response.Json()).AsArray();

    /// <summary>Asserts an RFC 9457 problem with the given status and type token.</summary>
    public static async Task<JsonNode> AssertProblem(this HttpResponseMessage response, HttpStatusCode status, string token)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.EndsWith("/" + token, problem["type"]!.GetValue<string>());
        Assert.Equal((int)status, problem["status"]!.GetValue<int>());
        return problem;
    }

    /// <summary>
    /// Polls until <paramref name="check"/> holds, for side effects that arrive asynchronously
    /// (outbox deliveries). Bounded: fails with the last observation after <paramref name="within"/>.
    /// </summary>
    public static async Task Eventually(Func<Task<bool>> check, TimeSpan? within = null, string? what = null)
    {
        // A monotonic stopwatch, not the wall clock: this bounds the wait, it measures nothing.
        var limit = within ?? TimeSpan.FromSeconds(20);
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (!await check())
        {
            if (elapsed.Elapsed > limit) Assert.Fail($"Timed out waiting for {what ?? "the condition"}.");
            await Task.Delay(50);
        }
    }

    public static async Task<JsonArray> Notifications(this HttpClient client) =>
        await (await client.GetAsync("/api/notifications?limit=1000")).JsonArray();

    public static string At(DateOnly date, string time, string offset = "+01:00") => $"{date:yyyy-MM-dd}T{time}:00{offset}";

    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
}
