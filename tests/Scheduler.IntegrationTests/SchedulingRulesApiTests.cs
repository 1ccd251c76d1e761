using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>One system whose calendars read a pinned clock: FutureMonday (a Monday in early March), 07:00 in Berlin.</summary>
public sealed class PinnedClockFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(FutureMonday.ToDateTime(new TimeOnly(6, 0)), TimeSpan.Zero));
    public SchedulerApp App { get; private set; } = null!;
    public HttpClient Anonymous { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        App = await SchedulerApp.StartAsync("rules", time: Time);
        Anonymous = App.CreateClient();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// The slot engine's rules through the HTTP API: event type settings, date overrides and blocked
/// time, each both listed and enforced by the booking decision (a start is booked iff it is listed).
/// The organizers are in Berlin (+01:00 in early March), available 09:00–17:00 on weekdays.
/// </summary>
public sealed class SchedulingRulesApiTests(PinnedClockFixture fixture) : IClassFixture<PinnedClockFixture>
{
    private HttpClient Anonymous => fixture.Anonymous;
    private static readonly DateOnly Tuesday = FutureMonday.AddDays(1);
    private static readonly DateOnly Wednesday = FutureMonday.AddDays(2);

    private async Task<(Organizer Organizer, Guid EventTypeId)> OrganizerWith(object settings)
    {
        var (organizer, plain) = await Anonymous.OrganizerWithEventType(fixture.App);
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(settings, Api.Web))!.AsObject();
        body["title"] = "Rules";
        body["durationMinutes"] ??= 30;
        var put = await organizer.Client.PutAsJsonAsync($"/api/event-types/{plain}", body);
        Assert.True(put.StatusCode == HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        return (organizer, plain);
    }

    private async Task<Guid> AnotherEventType(Organizer organizer, object? settings = null)
    {
        var body = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(settings ?? new { }, Api.Web))!.AsObject();
        body["title"] = "Other";
        body["durationMinutes"] ??= 30;
        var created = await organizer.Client.PostAsJsonAsync("/api/event-types", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.Json())["id"]!.GetValue<Guid>();
    }

    /// <summary>Local "HH:mm" starts of the slots offered on <paramref name="date"/> in Berlin.</summary>
    private async Task<List<string>> Slots(Guid eventTypeId, DateOnly date)
    {
        var response = await Anonymous.GetAsync($"/api/event-types/{eventTypeId}/slots?from={date:yyyy-MM-dd}&to={date:yyyy-MM-dd}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Json())["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()[11..16]).ToList();
    }

    private static List<string> Grid(string from, string to, int stepMinutes)
    {
        var times = new List<string>();
        for (var t = TimeOnly.Parse(from); t < TimeOnly.Parse(to); t = t.AddMinutes(stepMinutes)) times.Add(t.ToString("HH:mm"));
        return times;
    }

    [Fact]
    public async Task Settings_are_validated_stored_and_read_back()
    {
        var (organizer, eventTypeId) = await OrganizerWith(new
        {
            slotIntervalMinutes = 15,
            bufferBeforeMinutes = 5,
            bufferAfterMinutes = 10,
            minimumNoticeMinutes = 60,
            maxDaysInFuture = 30,
            maxBookingsPerDay = 4,
            maxBookingsPerWeek = 12,
        });
        var read = await (await Anonymous.GetAsync($"/api/event-types/{eventTypeId}")).Json();
        Assert.Equal(15, read["slotIntervalMinutes"]!.GetValue<int>());
        Assert.Equal(5, read["bufferBeforeMinutes"]!.GetValue<int>());
        Assert.Equal(10, read["bufferAfterMinutes"]!.GetValue<int>());
        Assert.Equal(60, read["minimumNoticeMinutes"]!.GetValue<int>());
        Assert.Equal(30, read["maxDaysInFuture"]!.GetValue<int>());
        Assert.Equal(4, read["maxBookingsPerDay"]!.GetValue<int>());
        Assert.Equal(12, read["maxBookingsPerWeek"]!.GetValue<int>());

        var invalid = await organizer.Client.PostAsJsonAsync("/api/event-types",
            new { title = "Bad", durationMinutes = 30, bufferBeforeMinutes = -1, slotIntervalMinutes = 0, maxBookingsPerDay = 0 });
        var problem = await invalid.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]!["bufferBeforeMinutes"]);
        Assert.NotNull(problem["errors"]!["slotIntervalMinutes"]);
        Assert.NotNull(problem["errors"]!["maxBookingsPerDay"]);

        // Replacing without the settings turns them off.
        var put = await organizer.Client.PutAsJsonAsync($"/api/event-types/{eventTypeId}", new { title = "Plain", durationMinutes = 30 });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Null((await put.Json())["bufferAfterMinutes"]);
    }

    [Fact]
    public async Task Slot_interval_sets_the_grid_of_offered_and_bookable_starts()
    {
        var (_, eventTypeId) = await OrganizerWith(new { slotIntervalMinutes = 15 });
        Assert.Equal(Grid("09:00", "16:45", 15), await Slots(eventTypeId, Tuesday));

        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(Tuesday, "09:15"))).StatusCode);
        await (await Anonymous.Book(eventTypeId, At(Tuesday, "10:10"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        // 09:15–09:45 is booked: the starts 09:00, 09:15 and 09:30 would overlap it.
        var slots = await Slots(eventTypeId, Tuesday);
        Assert.Equal(["09:45", "10:00"], slots.Take(2));
    }

    [Fact]
    public async Task A_bookings_buffers_block_its_neighbours_of_every_event_type()
    {
        var (organizer, buffered) = await OrganizerWith(new { bufferBeforeMinutes = 30, bufferAfterMinutes = 15 });
        var plain = await AnotherEventType(organizer);

        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(buffered, At(Tuesday, "12:00"))).StatusCode);
        // The booking keeps 11:30–12:45: a plain 30-minute slot at 11:00 ends at 11:30 (touching is fine), 11:30 and 12:30 overlap.
        var plainSlots = await Slots(plain, Tuesday);
        Assert.Contains("11:00", plainSlots);
        Assert.DoesNotContain("11:30", plainSlots);
        Assert.DoesNotContain("12:30", plainSlots);
        Assert.Contains("13:00", plainSlots);
        var taken = await (await Anonymous.Book(plain, At(Tuesday, "12:30"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.Contains("buffer", taken["detail"]!.GetValue<string>());

        // A buffered candidate's own buffers must stay clear of other bookings: with a plain booking at 14:00,
        // the buffered type cannot start at 13:30 (its 15 minutes after run into 14:00) nor at 14:30 (its 30 before).
        Assert.Contains("13:30", await Slots(buffered, Tuesday));
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(plain, At(Tuesday, "14:00"))).StatusCode);
        var bufferedSlots = await Slots(buffered, Tuesday);
        Assert.DoesNotContain("13:30", bufferedSlots);
        Assert.DoesNotContain("14:30", bufferedSlots);
        Assert.Contains("15:00", bufferedSlots);
        await (await Anonymous.Book(buffered, At(Tuesday, "13:30"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(buffered, At(Tuesday, "15:00"))).StatusCode);

        // Stored with the booking, and the database's backstop compares the widened ranges.
        await using var connection = new NpgsqlConnection(fixture.App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select buffer_before_minutes, buffer_after_minutes from bookings where event_type_id = $1 order by start_time limit 1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = buffered });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((30, 15), (reader.GetInt32(0), reader.GetInt32(1)));
    }

    [Fact]
    public async Task Minimum_notice_hides_and_refuses_starts_too_soon()
    {
        // Now is 07:00 in Berlin: with three hours' notice the first start is 10:00.
        var (_, eventTypeId) = await OrganizerWith(new { minimumNoticeMinutes = 180 });
        Assert.Equal(Grid("10:00", "17:00", 30), await Slots(eventTypeId, FutureMonday));
        var refused = await (await Anonymous.Book(eventTypeId, At(FutureMonday, "09:30"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        Assert.Contains("notice", refused["detail"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(FutureMonday, "10:00"))).StatusCode);
    }

    [Fact]
    public async Task Max_days_in_future_closes_the_booking_window()
    {
        var (_, eventTypeId) = await OrganizerWith(new { maxDaysInFuture = 1 });
        Assert.NotEmpty(await Slots(eventTypeId, Tuesday));
        Assert.Empty(await Slots(eventTypeId, Wednesday));
        await (await Anonymous.Book(eventTypeId, At(Wednesday, "10:00"))).AssertProblem((HttpStatusCode)422, "outside-availability");
    }

    [Fact]
    public async Task The_daily_limit_turns_further_bookings_that_day_into_a_conflict()
    {
        var (_, eventTypeId) = await OrganizerWith(new { maxBookingsPerDay = 2 });
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(Tuesday, "10:00"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(Tuesday, "11:00"))).StatusCode);
        Assert.Empty(await Slots(eventTypeId, Tuesday));
        var full = await (await Anonymous.Book(eventTypeId, At(Tuesday, "12:00"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.Contains("day", full["detail"]!.GetValue<string>());
        Assert.Equal(Grid("09:00", "17:00", 30), await Slots(eventTypeId, Wednesday));
    }

    [Fact]
    public async Task The_weekly_limit_counts_the_iso_week_and_a_cancellation_frees_a_place()
    {
        var (organizer, eventTypeId) = await OrganizerWith(new { maxBookingsPerWeek = 1 });
        var first = await Anonymous.Book(eventTypeId, At(Tuesday, "10:00"));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Empty(await Slots(eventTypeId, Wednesday));
        await (await Anonymous.Book(eventTypeId, At(Wednesday, "10:00"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.NotEmpty(await Slots(eventTypeId, FutureMonday.AddDays(7)));

        var id = (await first.Json())["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PostAsJsonAsync($"/api/bookings/{id}/cancel", new { reason = "moved" })).StatusCode);
        Assert.NotEmpty(await Slots(eventTypeId, Wednesday));
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(Wednesday, "10:00"))).StatusCode);
    }

    [Fact]
    public async Task Date_overrides_replace_the_weekly_rules_of_their_date()
    {
        var (organizer, eventTypeId) = await Anonymous.OrganizerWithEventType(fixture.App);

        var off = await organizer.Client.PutAsJsonAsync($"/api/availability/overrides/{Tuesday:yyyy-MM-dd}", new { unavailable = true });
        Assert.True(off.StatusCode == HttpStatusCode.OK, await off.Content.ReadAsStringAsync());
        Assert.True((await off.Json())["unavailable"]!.GetValue<bool>());
        Assert.Empty(await Slots(eventTypeId, Tuesday));
        await (await Anonymous.Book(eventTypeId, At(Tuesday, "10:00"))).AssertProblem((HttpStatusCode)422, "outside-availability");

        // A Saturday has no weekly rules; an override opens it.
        var saturday = FutureMonday.AddDays(5);
        var open = await organizer.Client.PutAsJsonAsync($"/api/availability/overrides/{saturday:yyyy-MM-dd}",
            new { intervals = new[] { new { startTime = "13:00", endTime = "14:00" }, new { startTime = "20:00", endTime = "24:00" } } });
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(["13:00", "13:30", "20:00", "20:30", "21:00", "21:30", "22:00", "22:30", "23:00", "23:30"], await Slots(eventTypeId, saturday));
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(eventTypeId, At(saturday, "13:30"))).StatusCode);

        var list = await (await organizer.Client.GetAsync("/api/availability/overrides")).JsonArray();
        Assert.Equal([$"{Tuesday:yyyy-MM-dd}", $"{saturday:yyyy-MM-dd}"], list.Select(o => o!["date"]!.GetValue<string>()));
        Assert.Equal("24:00", list[1]!["intervals"]![1]!["endTime"]!.GetValue<string>());

        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.DeleteAsync($"/api/availability/overrides/{Tuesday:yyyy-MM-dd}")).StatusCode);
        Assert.Equal(Grid("09:00", "17:00", 30), await Slots(eventTypeId, Tuesday));
        await (await organizer.Client.DeleteAsync($"/api/availability/overrides/{Tuesday:yyyy-MM-dd}")).AssertProblem(HttpStatusCode.NotFound, "not-found");

        var both = await organizer.Client.PutAsJsonAsync($"/api/availability/overrides/{Tuesday:yyyy-MM-dd}",
            new { unavailable = true, intervals = new[] { new { startTime = "13:00", endTime = "14:00" } } });
        Assert.NotNull((await both.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["intervals"]);
        var backwards = await organizer.Client.PutAsJsonAsync("/api/availability/overrides/2031-02-30",
            new { intervals = new[] { new { startTime = "14:00", endTime = "13:00" } } });
        var problem = await backwards.AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.NotNull(problem["errors"]!["date"]);
        Assert.NotNull(problem["errors"]!["intervals[0].endTime"]);
    }

    [Fact]
    public async Task Blocked_time_removes_overlapping_slots_of_every_event_type_and_is_listed_as_an_event()
    {
        var (organizer, first) = await Anonymous.OrganizerWithEventType(fixture.App);
        var second = await AnotherEventType(organizer, new { durationMinutes = 60 });

        var created = await organizer.Client.PostAsJsonAsync("/api/events",
            new { title = "Dentist", start = At(Tuesday, "10:15"), end = At(Tuesday, "11:00") });
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var block = await created.Json();
        Assert.Null(block["eventTypeId"]);
        Assert.Equal("Dentist", block["title"]!.GetValue<string>());
        Assert.Empty(block["bookingIds"]!.AsArray());

        var firstSlots = await Slots(first, Tuesday);
        Assert.Contains("09:30", firstSlots);
        Assert.DoesNotContain("10:00", firstSlots);
        Assert.DoesNotContain("10:30", firstSlots);
        Assert.Contains("11:00", firstSlots);
        Assert.DoesNotContain("10:00", await Slots(second, Tuesday));
        Assert.DoesNotContain("09:30", await Slots(second, Tuesday));
        var refused = await (await Anonymous.Book(first, At(Tuesday, "10:30"))).AssertProblem((HttpStatusCode)422, "outside-availability");
        Assert.Contains("blocked", refused["detail"]!.GetValue<string>());

        var events = await (await organizer.Client.GetAsync($"/api/events?from={Tuesday:yyyy-MM-dd}&to={Tuesday:yyyy-MM-dd}")).JsonArray();
        Assert.Contains(events, e => e!["id"]!.GetValue<Guid>() == block["id"]!.GetValue<Guid>());
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.GetAsync($"/api/events/{block["id"]}")).StatusCode);
        // The blocked-time listing holds the blocks only (not the booking's event), earliest first.
        var earlier = await (await organizer.Client.PostAsJsonAsync("/api/events",
            new { title = "School run", start = At(Tuesday, "08:00"), end = At(Tuesday, "08:30") })).Json();
        Assert.Equal(HttpStatusCode.Created, (await Anonymous.Book(first, At(Tuesday.AddDays(1), "14:00"))).StatusCode);
        var blocked = await (await organizer.Client.GetAsync("/api/events/blocked")).JsonArray();
        Assert.Equal([earlier["id"]!.GetValue<Guid>(), block["id"]!.GetValue<Guid>()], blocked.Select(b => b!["id"]!.GetValue<Guid>()));
        Assert.All(blocked, b => Assert.Null(b!["eventTypeId"]));
        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.DeleteAsync($"/api/events/{earlier["id"]}")).StatusCode);

        var backwards = await organizer.Client.PostAsJsonAsync("/api/events",
            new { title = "Nope", start = At(Tuesday, "11:00"), end = At(Tuesday, "10:00") });
        Assert.NotNull((await backwards.AssertProblem(HttpStatusCode.BadRequest, "validation"))["errors"]!["end"]);

        // Removing the block gives its slots back; an event with bookings is not blocked time.
        Assert.Equal(HttpStatusCode.NoContent, (await organizer.Client.DeleteAsync($"/api/events/{block["id"]}")).StatusCode);
        Assert.Equal(Grid("09:00", "17:00", 30), await Slots(first, Tuesday));
        await (await organizer.Client.GetAsync($"/api/events/{block["id"]}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        var booked = await (await Anonymous.Book(first, At(Tuesday, "10:30"))).Json();
        await (await organizer.Client.DeleteAsync($"/api/events/{booked["eventId"]}")).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task The_rule_limit_is_enforced_by_the_calendar_even_for_concurrent_adds()
    {
        var organizer = await Anonymous.SignUpAndSignIn(fixture.App);
        var rules = Enumerable.Range(0, 199).Select(i => new { dayOfWeek = "Monday", startTime = $"{i / 60 % 24:00}:{i % 60:00}", endTime = "23:59" });
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PutAsJsonAsync("/api/availability", rules)).StatusCode);
        var adds = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
            organizer.Client.PostAsJsonAsync("/api/availability", new { dayOfWeek = "Friday", startTime = "09:00", endTime = "10:00" })));
        Assert.Equal(1, adds.Count(a => a.StatusCode == HttpStatusCode.Created));
        Assert.Equal(4, adds.Count(a => a.StatusCode == HttpStatusCode.BadRequest));
        Assert.Equal(200, (await (await organizer.Client.GetAsync("/api/availability")).JsonArray()).Count);
    }

    [Fact]
    public async Task Settings_overrides_blocks_and_buffers_survive_a_reload_of_the_calendar()
    {
        await using var app = await SchedulerApp.StartAsync("rules-reload", time: fixture.Time);
        var anonymous = app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(app);
        var put = await organizer.Client.PutAsJsonAsync($"/api/event-types/{eventTypeId}",
            new { title = "Rules", durationMinutes = 30, bufferAfterMinutes = 30, maxBookingsPerDay = 3 });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PutAsJsonAsync($"/api/availability/overrides/{Wednesday:yyyy-MM-dd}", new { unavailable = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await organizer.Client.PostAsJsonAsync("/api/events",
            new { title = "Away", start = At(Tuesday, "15:00"), end = At(Tuesday, "17:00") })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(Tuesday, "10:00"))).StatusCode);
        var before = await SlotsIn(anonymous, eventTypeId);

        await app.RestartAsync();
        anonymous = app.CreateClient();
        Assert.Equal(before, await SlotsIn(anonymous, eventTypeId));
        Assert.DoesNotContain("10:30", before[..before.IndexOf("|")]);
        await (await anonymous.Book(eventTypeId, At(Tuesday, "10:30"))).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");

        static async Task<string> SlotsIn(HttpClient client, Guid id)
        {
            string Of(JsonNode body) => string.Join(",", body["slots"]!.AsArray().Select(s => s!["start"]!.GetValue<string>()[11..16]));
            var tuesday = await (await client.GetAsync($"/api/event-types/{id}/slots?from={Tuesday:yyyy-MM-dd}&to={Tuesday:yyyy-MM-dd}")).Json();
            var wednesday = await (await client.GetAsync($"/api/event-types/{id}/slots?from={Wednesday:yyyy-MM-dd}&to={Wednesday:yyyy-MM-dd}")).Json();
            return Of(tuesday) + "|" + Of(wednesday);
        }
    }
}
