using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>The seed's tables in plain SQL say exactly what the API says.</summary>
public sealed class SqlViewsTests : IAsyncLifetime
{
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("sqlviews");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<List<Dictionary<string, object?>>> Query(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Dictionary<string, object?>>();
        while (await reader.ReadAsync())
            rows.Add(Enumerable.Range(0, reader.FieldCount).ToDictionary(reader.GetName, i => reader.IsDBNull(i) ? null : reader.GetValue(i)));
        return rows;
    }

    private static DateTimeOffset Utc(object? value) => new((DateTime)value!, TimeSpan.Zero);

    /// <summary>timestamptz keeps whole microseconds (rounded); the API shows .NET's 100 ns ticks.</summary>
    private static void SameInstant(JsonNode? api, object? sql)
    {
        var difference = (api!.GetValue<DateTimeOffset>() - Utc(sql)).Duration();
        Assert.True(difference <= TimeSpan.FromMicroseconds(1), $"API {api} vs SQL {Utc(sql):O}");
    }

    [Fact]
    public async Task The_six_relations_answer_who_booked_what_when_exactly_as_the_api_does()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        await organizer.Client.PostAsJsonAsync("/api/availability", new { dayOfWeek = "Saturday", startTime = "20:00", endTime = "24:00" });
        var booker = await anonymous.SignUpAndSignIn(_app);
        var kept = await (await booker.Client.Book(eventTypeId, At(FutureMonday, "09:00"))).Json();
        var dropped = await (await anonymous.Book(eventTypeId, At(FutureMonday, "10:00"), "walk-in@example.com")).Json();
        await organizer.Client.PostAsJsonAsync($"/api/bookings/{dropped["id"]}/cancel", new { reason = "Double-booked elsewhere" });
        await Eventually(async () => (await organizer.Client.Notifications()).Count == 3, what: "the organizer's notifications");

        // users: never a password or its hash.
        var me = await (await organizer.Client.GetAsync("/api/me")).Json();
        var userRow = Assert.Single(await Query("select * from users where id = @id", ("id", organizer.Id)));
        // The seed's columns first, as the views had them; then what the table adds (the normalized
        // address, when the account proved it owns it, and since when its tokens count).
        Assert.Equal(["id", "name", "email", "time_zone", "created_at", "updated_at", "has_password"], userRow.Keys.Take(7));
        Assert.Equal(["email_normalized", "email_verified_at", "tokens_valid_after"], userRow.Keys.Skip(7));
        Assert.NotNull(userRow["email_verified_at"]);
        Assert.Equal(me["name"]!.GetValue<string>(), userRow["name"]);
        Assert.Equal(me["email"]!.GetValue<string>(), userRow["email"]);
        Assert.Equal(me["timeZone"]!.GetValue<string>(), userRow["time_zone"]);
        SameInstant(me["createdAt"], userRow["created_at"]);
        SameInstant(me["updatedAt"], userRow["updated_at"]);

        // event_types
        var eventType = await (await organizer.Client.GetAsync($"/api/event-types/{eventTypeId}")).Json();
        var typeRow = Assert.Single(await Query("select * from event_types where user_id = @id", ("id", organizer.Id)));
        Assert.Equal(eventTypeId, typeRow["id"]);
        Assert.Equal(eventType["title"]!.GetValue<string>(), typeRow["title"]);
        Assert.Equal(eventType["description"]!.GetValue<string>(), typeRow["description"]);
        Assert.Equal(eventType["durationMinutes"]!.GetValue<int>(), typeRow["duration_minutes"]);
        Assert.Equal(eventType["location"]!.GetValue<string>(), typeRow["location"]);
        SameInstant(eventType["createdAt"], typeRow["created_at"]);

        // availability, with 24:00 as a time
        var rules = await (await organizer.Client.GetAsync("/api/availability")).JsonArray();
        var ruleRows = await Query("select id, day_of_week, start_time::text as start_time, end_time::text as end_time from availability where user_id = @id", ("id", organizer.Id));
        Assert.Equal(rules.Count, ruleRows.Count);
        foreach (var rule in rules)
        {
            var row = Assert.Single(ruleRows, r => (Guid)r["id"]! == rule!["id"]!.GetValue<Guid>());
            Assert.Equal(rule!["dayOfWeek"]!.GetValue<string>(), row["day_of_week"]);
            Assert.Equal(rule["startTime"]!.GetValue<string>() + ":00", row["start_time"]);
            Assert.Equal(rule["endTime"]!.GetValue<string>() + ":00", row["end_time"]);
        }

        // bookings and events, joined the way an operator would
        var apiBookings = await (await organizer.Client.GetAsync("/api/bookings")).JsonArray();
        var joined = await Query("""
            select b.id, b.status, b.start_time, b.end_time, b.user_id, b.event_id, b.event_type_id, b.email as booking_email, u.email as user_email,
                   e.title, e.start_time as event_start, t.title as type_title, b.created_at, b.updated_at
            from bookings b
            join users u on u.id = b.user_id
            join events e on e.id = b.event_id
            join event_types t on t.id = b.event_type_id
            where b.organizer_id = @id
            order by b.start_time
            """, ("id", organizer.Id));
        Assert.Equal(apiBookings.Select(b => b!["id"]!.GetValue<Guid>()), joined.Select(r => (Guid)r["id"]!));
        foreach (var (api, row) in apiBookings.Zip(joined))
        {
            Assert.Equal(api!["status"]!.GetValue<string>(), row["status"]);
            SameInstant(api["start"], row["start_time"]);
            SameInstant(api["end"], row["end_time"]);
            SameInstant(api["updatedAt"], row["updated_at"]);
            Assert.Equal(api["userId"]!.GetValue<Guid>(), row["user_id"]);
            Assert.Equal(api["eventId"]!.GetValue<Guid>(), row["event_id"]);
            Assert.Equal(api["email"]!.GetValue<string>(), row["booking_email"]);
            Assert.Equal(Utc(row["start_time"]), Utc(row["event_start"]));
            Assert.Equal("Intro call", row["type_title"]);
        }
        Assert.Equal("Cancelled", joined.Single(r => (Guid)r["id"]! == dropped["id"]!.GetValue<Guid>())["status"]);
        Assert.Equal("Confirmed", joined.Single(r => (Guid)r["id"]! == kept["id"]!.GetValue<Guid>())["status"]);
        // The booker's account behind each booking: the signed-in booker, and the walk-in's password-less user.
        Assert.Equal(booker.Email, joined.Single(r => (Guid)r["id"]! == kept["id"]!.GetValue<Guid>())["user_email"]);
        Assert.Equal("walk-in@example.com", joined.Single(r => (Guid)r["id"]! == dropped["id"]!.GetValue<Guid>())["user_email"]);

        var apiEvents = await (await organizer.Client.GetAsync("/api/events")).JsonArray();
        var eventRows = await Query("select id, title, location, start_time from events where user_id = @id order by start_time", ("id", organizer.Id));
        Assert.Equal(apiEvents.Select(e => e!["id"]!.GetValue<Guid>()), eventRows.Select(r => (Guid)r["id"]!));

        // notifications
        var apiNotes = await organizer.Client.Notifications();
        var noteRows = await Query("select id, message, sent_at, read_at from notifications where user_id = @id order by sent_at desc, id desc", ("id", organizer.Id));
        Assert.Equal(apiNotes.Select(n => n!["id"]!.GetValue<Guid>()), noteRows.Select(r => (Guid)r["id"]!));
        Assert.Equal(apiNotes.Select(n => n!["message"]!.GetValue<string>()), noteRows.Select(r => (string)r["message"]!));
        Assert.All(noteRows, r => Assert.Null(r["read_at"]));

        // Secrets never reach SQL: no column or value holds a password hash or manage token.
        var userRowText = string.Join("\n", (await Query("select row_to_json(u)::text as j from users u")).Select(r => r["j"]));
        Assert.DoesNotContain("AQAAAA", userRowText); // Identity v3 password hashes start like this
        Assert.DoesNotContain("PasswordHash", userRowText, StringComparison.OrdinalIgnoreCase);
        var bookingRowText = string.Join("\n", (await Query("select row_to_json(b)::text as j from bookings b")).Select(r => r["j"]));
        Assert.DoesNotContain(kept["manageToken"]!.GetValue<string>(), bookingRowText);
        Assert.DoesNotContain("ManageTokenHash", bookingRowText, StringComparison.OrdinalIgnoreCase);
    }
}
