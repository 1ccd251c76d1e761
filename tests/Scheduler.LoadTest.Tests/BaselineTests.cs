using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Scheduler.LoadTest.Tests;

/// <summary>The baseline's promise is its exclusion constraint: concurrent bookers of one slot get one booking.</summary>
[Collection(SystemCollection.Name)]
public sealed class BaselineTests(SystemFixture system)
{
    [Fact]
    public async Task Fifty_concurrent_bookers_of_one_baseline_slot_get_one_booking_and_the_exclusion_constraint_refuses_any_overlap()
    {
        using var http = new HttpClient { BaseAddress = system.Url };
        var organizer = await Post(http, "/baseline/organizers", new { name = "Constraint", email = $"constraint-{Guid.NewGuid():N}@example.com", timeZone = "UTC" });
        var organizerId = organizer.GetProperty("id").GetGuid();
        (await http.PutAsJsonAsync($"/baseline/organizers/{organizerId}/availability",
            Enum.GetNames<DayOfWeek>().Select(d => new { dayOfWeek = d, startTime = "00:00", endTime = "24:00" }))).EnsureSuccessStatusCode();
        var eventType = await Post(http, $"/baseline/organizers/{organizerId}/event-types", new { title = "Race", durationMinutes = 30 });
        var start = DateTime.UtcNow.Date.AddDays(2).AddHours(10);

        var answers = await Task.WhenAll(Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await http.PostAsJsonAsync("/baseline/bookings", new
            {
                eventTypeId = eventType.GetProperty("id").GetGuid(),
                start = start.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'"),
                name = $"Racer {i}",
                email = $"racer-{i}-{Guid.NewGuid():N}@example.com",
            });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            return (response.StatusCode, Type: body.TryGetProperty("type", out var t) ? t.GetString() : null);
        }));

        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.Created);
        Assert.Equal(49, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict && a.Type == "/problems/slot-unavailable"));

        // The refusal is the constraint's: an overlapping row written straight to the table is refused too.
        await using var connection = new NpgsqlConnection(system.App.ConnectionString);
        await connection.OpenAsync();
        await using var overlap = new NpgsqlCommand("""
            insert into baseline.bookings (id, event_type_id, organizer_id, user_id, name, email, start_time, end_time)
            select gen_random_uuid(), event_type_id, organizer_id, user_id, 'Sneaky', 'sneaky@example.com', start_time + interval '15 minutes', end_time + interval '15 minutes'
            from baseline.bookings where organizer_id = $1
            """, connection);
        overlap.Parameters.AddWithValue(organizerId);
        var refused = await Assert.ThrowsAsync<PostgresException>(() => overlap.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.ExclusionViolation, refused.SqlState);
        Assert.Equal("bookings_no_overlap", refused.ConstraintName);

        await using var count = new NpgsqlCommand("select count(*) from baseline.bookings where organizer_id = $1 and active", connection);
        count.Parameters.AddWithValue(organizerId);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    private static async Task<JsonElement> Post(HttpClient http, string path, object body)
    {
        using var response = await http.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
