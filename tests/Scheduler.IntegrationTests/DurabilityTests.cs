using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>An acknowledged booking is on disk: failed writes are never acknowledged, restarts lose nothing.</summary>
public sealed class DurabilityTests : IAsyncLifetime
{
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("durability");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData(FaultMode.FailBeforeWrite)]
    [InlineData(FaultMode.FailAfterWrite)]
    public async Task A_failed_write_answers_503_and_a_retry_with_the_same_key_tells_the_truth(FaultMode mode)
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var key = Guid.NewGuid().ToString();
        var start = At(FutureMonday, mode == FaultMode.FailBeforeWrite ? "09:00" : "09:30");

        _app.Faults.FailNextWrites("calendar", 1, mode);
        // A client that accepts only HTML still gets the problem (as JSON), not an empty 503.
        var htmlOnly = _app.CreateClient();
        htmlOnly.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var failed = await htmlOnly.Book(eventTypeId, start, "unlucky@example.com", key);
        await failed.AssertProblem(HttpStatusCode.ServiceUnavailable, "retry");
        Assert.True(failed.Headers.RetryAfter is not null, "Retry-After tells the client when to retry");

        var retried = await anonymous.Book(eventTypeId, start, "unlucky@example.com", key);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        var booking = await retried.Json();
        var listed = await (await organizer.Client.GetAsync("/api/bookings")).JsonArray();
        Assert.Equal([booking["id"]!.GetValue<Guid>()], listed.Select(b => b!["id"]!.GetValue<Guid>()));
    }

    [Fact]
    public async Task Concurrent_bookers_caught_by_a_failed_write_are_never_told_booked()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app, durationMinutes: 15);
        var starts = Enumerable.Range(0, 32).Select(q => $"{FutureMonday.AddDays(1):yyyy-MM-dd}T{9 + q / 4:00}:{q % 4 * 15:00}:00+01:00").ToList();

        _app.Faults.FailNextWrites("calendar", 1, FaultMode.FailBeforeWrite);
        var responses = await Task.WhenAll(starts.Select((s, i) => _app.CreateClient().Book(eventTypeId, s, $"batch-{i}@example.com", $"batch-{i}")));

        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.ServiceUnavailable);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable }));
        // Every 201 is in storage; every 503 retried with its key ends up booked exactly once.
        var retried = await Task.WhenAll(starts.Select((s, i) => _app.CreateClient().Book(eventTypeId, s, $"batch-{i}@example.com", $"batch-{i}")));
        Assert.All(retried, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        for (var i = 0; i < starts.Count; i++)
        {
            if (responses[i].StatusCode == HttpStatusCode.Created)
                Assert.Equal((await responses[i].Json())["id"]!.GetValue<Guid>(), (await retried[i].Json())["id"]!.GetValue<Guid>());
        }
        await _app.RestartAsync();
        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", organizer.Token);
        var listed = await (await client.GetAsync("/api/bookings?limit=1000")).JsonArray();
        Assert.Equal(32, listed.Count);
    }

    [Fact]
    public async Task An_Idempotency_Key_replays_the_first_answer_after_a_restart_even_when_the_booking_changed_since()
    {
        var anonymous = _app.CreateClient();
        var (organizer, _) = await anonymous.OrganizerWithEventType(_app);
        var type = await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Screening", durationMinutes = 30, location = "Phone", requiresConfirmation = true });
        var eventTypeId = (await type.Json())["id"]!.GetValue<Guid>();
        var start = At(FutureMonday.AddDays(3), "09:00");
        var key = Guid.NewGuid().ToString();

        var first = await anonymous.Book(eventTypeId, start, "replayed@example.com", key);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var answered = await first.Json();
        Assert.Equal("Pending", answered["status"]!.GetValue<string>());
        var id = answered["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsync($"/api/bookings/{id}/confirm", null)).StatusCode);

        // The calendar reloads its replies from the tables.
        await _app.RestartAsync();
        var again = await _app.CreateClient().Book(eventTypeId, start, "replayed@example.com", key);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var replayed = await again.Json();
        Assert.Equal(id, replayed["id"]!.GetValue<Guid>());
        Assert.Equal("Pending", replayed["status"]!.GetValue<string>());
        Assert.Equal(answered["manageToken"]!.GetValue<string>(), replayed["manageToken"]!.GetValue<string>());
        // The same key with another request is still recognised as a different request.
        await (await _app.CreateClient().Book(eventTypeId, At(FutureMonday.AddDays(3), "10:00"), "replayed@example.com", key))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-mismatch");
    }

    [Fact]
    public async Task Bookings_stored_with_the_whole_sha256_keep_their_manage_tokens_and_replays()
    {
        var anonymous = _app.CreateClient();
        var (_, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var start = At(FutureMonday.AddDays(4), "09:00");
        var key = Guid.NewGuid().ToString();
        var first = await (await anonymous.Book(eventTypeId, start, "before-upgrade@example.com", key)).Json();
        var id = first["id"]!.GetValue<Guid>();
        var token = first["manageToken"]!.GetValue<string>();

        // The row as the version before wrote it: the whole SHA-256 of the manage token, and a
        // 32-byte fingerprint whose first half is what the front end sends now.
        await using (var connection = new NpgsqlConnection(_app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                update bookings
                   set manage_token_hash = sha256(convert_to($2, 'UTF8')),
                       idempotency_fingerprint = idempotency_fingerprint || substring(sha256('second half'::bytea) from 1 for 16)
                 where id = $1 and length(manage_token_hash) = 16 and length(idempotency_fingerprint) = 16
                """, connection);
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            command.Parameters.Add(new NpgsqlParameter { Value = token });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }
        await _app.RestartAsync();

        var client = _app.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/bookings/{id}?token={Uri.EscapeDataString(token)}")).StatusCode);
        var forged = token[..^2] + (token[^2..] == "AA" ? "BB" : "AA");
        Assert.NotEqual(HttpStatusCode.OK, (await client.GetAsync($"/api/bookings/{id}?token={Uri.EscapeDataString(forged)}")).StatusCode);
        var again = await client.Book(eventTypeId, start, "before-upgrade@example.com", key);
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(id, (await again.Json())["id"]!.GetValue<Guid>());
        await (await client.Book(eventTypeId, At(FutureMonday.AddDays(4), "10:00"), "before-upgrade@example.com", key))
            .AssertProblem(HttpStatusCode.UnprocessableEntity, "idempotency-mismatch");
        var cancel = await client.PostAsJsonAsync($"/api/bookings/{id}/cancel?token={Uri.EscapeDataString(token)}", new { reason = "moved" });
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
    }

    [Fact]
    public async Task Every_acknowledged_booking_survives_a_full_restart_and_keeps_its_slot()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var starts = new[] { "09:00", "10:00", "11:00", "12:00", "13:00" }.Select(t => At(FutureMonday.AddDays(2), t)).ToList();
        var acknowledged = new List<Guid>();
        foreach (var start in starts)
        {
            var response = await anonymous.Book(eventTypeId, start);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            acknowledged.Add((await response.Json())["id"]!.GetValue<Guid>());
        }

        await _app.RestartAsync();

        var client = _app.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", organizer.Token);
        var listed = await (await client.GetAsync("/api/bookings")).JsonArray();
        Assert.Equal(acknowledged.Order(), listed.Select(b => b!["id"]!.GetValue<Guid>()).Order());
        foreach (var start in starts)
            await (await client.Book(eventTypeId, start)).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
    }
}
