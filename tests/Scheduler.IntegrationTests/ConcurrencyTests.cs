using System.Net;
using System.Net.Http.Json;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>The promise of the product: a flood of concurrent bookers never double-books anyone.</summary>
public sealed class ConcurrencyTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public async Task A_slow_database_does_not_tear_the_calendar_written_while_bookers_keep_deciding()
    {
        // Storage continues on other threads while the reentrant calendar keeps deciding: each write
        // must still carry a consistent snapshot, and every acknowledged booking must be in it.
        var app = await SchedulerApp.StartAsync("slowdb");
        await using var _ = app;
        app.Faults.WriteLatency = TimeSpan.FromMilliseconds(3);
        var anonymous = app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(app, durationMinutes: 15);
        var starts = Enumerable.Range(0, 10)
            .Select(d => FutureMonday.AddDays(d))
            .Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            .SelectMany(d => Enumerable.Range(0, 32).Select(q => $"{d:yyyy-MM-dd}T{9 + q / 4:00}:{q % 4 * 15:00}:00+01:00"))
            .ToList();

        var responses = await Task.WhenAll(starts.Select((start, i) => app.CreateClient().Book(eventTypeId, start, $"slow-{i}@example.com")));

        var unexpected = responses.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.True(unexpected.Count == 0, string.Join("\n", await Task.WhenAll(unexpected.Take(3).Select(async r => $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}"))));
        await app.RestartAsync();
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", organizer.Token);
        Assert.Equal(starts.Count, (await (await client.GetAsync("/api/bookings?limit=1000")).JsonArray()).Count);
    }

    private HttpClient Anonymous => fixture.Anonymous;

    [Fact]
    public async Task Two_hundred_bookers_racing_for_one_slot_get_one_booking_and_199_conflicts()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var start = At(FutureMonday, "10:00");

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            fixture.App.CreateClient().Book(eventTypeId, start, $"racer-{i}-{Guid.NewGuid():N}@example.com")));

        var unexpected = responses.Where(r => r.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict)).ToList();
        Assert.True(unexpected.Count == 0, string.Join("\n", await Task.WhenAll(unexpected.Select(async r => $"{(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}"))));
        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(199, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var listed = await (await organizer.Client.GetAsync("/api/bookings")).JsonArray();
        Assert.Single(listed);
        var winner = await responses.Single(r => r.StatusCode == HttpStatusCode.Created).Json();
        Assert.Equal(winner["id"]!.GetValue<Guid>(), listed[0]!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task Two_hundred_bookers_on_two_hundred_distinct_slots_all_get_their_booking()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App, durationMinutes: 15);
        // 32 quarter-hour slots a weekday: 200 slots span seven weekdays.
        var starts = Enumerable.Range(0, 14)
            .Select(d => FutureMonday.AddDays(d))
            .Where(d => d.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday))
            .SelectMany(d => Enumerable.Range(0, 32).Select(q => $"{d:yyyy-MM-dd}T{9 + q / 4:00}:{q % 4 * 15:00}:00+01:00"))
            .Take(200)
            .ToList();

        var responses = await Task.WhenAll(starts.Select((start, i) =>
            fixture.App.CreateClient().Book(eventTypeId, start, $"distinct-{i}@example.com")));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var listed = await (await organizer.Client.GetAsync("/api/bookings?limit=1000")).JsonArray();
        Assert.Equal(200, listed.Count);
        Assert.Equal(200, listed.Select(b => b!["start"]!.GetValue<DateTimeOffset>()).Distinct().Count());
    }

    [Fact]
    public async Task Fifty_concurrent_sign_ups_with_one_email_create_one_user()
    {
        var email = $"popular-{Guid.NewGuid():N}@example.com";
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            fixture.App.CreateClient().PostAsJsonAsync("/api/users", new { name = $"Twin {i}", email, password = $"password-{i:000}", timeZone = "UTC" })));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(49, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var winner = Array.FindIndex(responses, r => r.StatusCode == HttpStatusCode.Created);
        // Only the winner's password opens the account.
        Assert.Equal(HttpStatusCode.OK, (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email, password = $"password-{winner:000}" })).StatusCode);
        var loser = winner == 0 ? 1 : 0;
        Assert.Equal(HttpStatusCode.Unauthorized, (await Anonymous.PostAsJsonAsync("/api/auth/token", new { email, password = $"password-{loser:000}" })).StatusCode);
    }

    [Fact]
    public async Task Twenty_concurrent_posts_with_one_idempotency_key_make_one_booking()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            fixture.App.CreateClient().Book(eventTypeId, At(FutureMonday, "13:30"), "same-person@example.com", key)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (await r.Json())["id"]!.GetValue<Guid>()));
        Assert.Single(ids.Distinct());
        Assert.Single(await (await organizer.Client.GetAsync("/api/bookings")).JsonArray());
    }
}
