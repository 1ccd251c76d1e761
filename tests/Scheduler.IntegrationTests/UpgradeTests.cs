using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Scheduler.Database;
using Scheduler.IntegrationTests.Infrastructure;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// A database written by the JSON-document version (schema V5, grain state in orleans_storage) comes
/// up under this version with every user, event type, booking and notification intact.
/// </summary>
public sealed class UpgradeTests : IAsyncLifetime
{
    // What the fixture holds (Fixtures/v5-state.sql, captured from ./run.sh of that version).
    private static readonly Guid Olga = Guid.Parse("133042c8-96aa-4930-bec1-fc88701f07d0");
    private static readonly Guid IntroCall = Guid.Parse("27fad740-d04d-4127-bff0-d7a88ae1ef1a");
    private static readonly Guid AnnasBooking = Guid.Parse("21cbf52b-c839-4bdc-b751-4bc386c8309c");
    private static readonly Guid BobsBooking = Guid.Parse("866ee231-2193-49fb-af84-8743d6c45999");
    private static readonly Guid CarlsBooking = Guid.Parse("808f586f-4831-493d-9a4f-bf84a1b1908d");
    private static readonly Guid PiasBooking = Guid.Parse("33801f14-d833-40e1-bf23-4f075458cab1");
    private const string AnnasManageToken = "yEIwE6qWMEm-wfyIcB8H0JSXmpw9KgPx2FIjSf_gWz7tUdDRL5y46A";

    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("upgrade", prepare: LoadVersion5StateAsync);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static async Task LoadVersion5StateAsync(string connectionString)
    {
        await SchedulerDatabase.MigrateToAsync(connectionString, "5");
        var fixture = await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Fixtures", "v5-state.sql"));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var load = new NpgsqlCommand(fixture, connection);
        await load.ExecuteNonQueryAsync();
        // The fixture's Idempotency-Key replies were answered on the day it was captured; calendars
        // keep replies 25 hours. Dated now, they stand for a key answered just before the upgrade,
        // whatever day the test runs.
        await using var recent = new NpgsqlCommand("""
            update orleans_storage s
               set payload = convert_to(jsonb_set(x.state, '{IdempotencyKeys}',
                     (select jsonb_object_agg(k.key, jsonb_set(k.value, '{CreatedAt}', to_jsonb(now())))
                      from jsonb_each(x.state->'IdempotencyKeys') k))::text, 'UTF8')
              from (select grain_id_n0, grain_id_n1, convert_from(payload, 'UTF8')::jsonb as state
                    from orleans_storage where grain_type = 'calendar') x
             where s.grain_type = 'calendar' and s.grain_id_n0 = x.grain_id_n0 and s.grain_id_n1 = x.grain_id_n1
               and jsonb_typeof(x.state->'IdempotencyKeys') = 'object' and x.state->'IdempotencyKeys' <> '{}'::jsonb
            """, connection);
        Assert.True(await recent.ExecuteNonQueryAsync() > 0, "the fixture holds a calendar with Idempotency-Key replies");
    }

    [Fact]
    public async Task Users_event_types_availability_bookings_and_notifications_survive_the_move_to_tables()
    {
        var anonymous = _app.CreateClient();
        // Passwords moved to credentials: both accounts still sign in.
        var olga = _app.CreateClient();
        olga.DefaultRequestHeaders.Authorization = new("Bearer", await anonymous.TokenFor("olga@example.com", "correct horse 1"));
        var bob = _app.CreateClient();
        bob.DefaultRequestHeaders.Authorization = new("Bearer", await anonymous.TokenFor("bob@example.com", "bob password 1"));

        var me = await (await olga.GetAsync("/api/me")).Json();
        Assert.Equal(Olga, me["id"]!.GetValue<Guid>());
        Assert.Equal("Europe/Berlin", me["timeZone"]!.GetValue<string>());

        var types = await (await olga.GetAsync("/api/event-types")).JsonArray();
        Assert.Equal(["Intro call", "Old type"], types.Select(t => t!["title"]!.GetValue<string>()));
        Assert.Equal(15, types[0]!["reminderMinutes"]!.GetValue<int>());
        Assert.True(types[1]!["requiresConfirmation"]!.GetValue<bool>());

        var rules = await (await olga.GetAsync("/api/availability")).JsonArray();
        Assert.Equal(["Monday 09:00-17:00", "Tuesday 09:00-24:00"],
            rules.Select(r => $"{r!["dayOfWeek"]} {r["startTime"]}-{r["endTime"]}"));

        var bookings = await (await olga.GetAsync("/api/bookings?from=2030-01-01&to=2030-01-31")).JsonArray();
        Assert.Equal([AnnasBooking, BobsBooking, CarlsBooking, PiasBooking], bookings.Select(b => b!["id"]!.GetValue<Guid>()));
        Assert.Equal(["Confirmed", "Confirmed", "Cancelled", "Pending"], bookings.Select(b => b!["status"]!.GetValue<string>()));
        Assert.Equal("cannot make it", bookings[2]!["cancellationReason"]!.GetValue<string>());
        Assert.Equal("first", bookings[0]!["notes"]!.GetValue<string>());

        // The booker's own listing is now a query on bookings.
        var bobs = await (await bob.GetAsync("/api/bookings?role=booker&from=2030-01-01&to=2030-01-31")).JsonArray();
        Assert.Equal([BobsBooking], bobs.Select(b => b!["id"]!.GetValue<Guid>()));

        // Notifications, the read one still read.
        var notes = await olga.Notifications();
        Assert.Equal(5, notes.Count);
        Assert.Single(notes, n => n!["readAt"] is not null);
        Assert.Equal(4, (await (await olga.GetAsync("/api/notifications/unread-count")).Json())["count"]!.GetValue<int>());
        var bobsNotes = await bob.Notifications();
        Assert.Equal([BobsBooking], bobsNotes.Select(n => n!["bookingId"]!.GetValue<Guid>()));

        // Manage tokens issued before the upgrade still work (the calendar's MAC key moved too).
        var viaToken = await anonymous.GetAsync($"/api/bookings/{AnnasBooking}?token={AnnasManageToken}");
        Assert.Equal(HttpStatusCode.OK, viaToken.StatusCode);

        // The Idempotency-Key answered before the upgrade replays the same booking.
        var replay = new HttpRequestMessage(HttpMethod.Post, "/api/bookings")
        {
            Content = JsonContent.Create(new { eventTypeId = IntroCall, start = "2030-01-07T09:00:00+01:00", name = "Anna Anonymous", email = "anna@example.com", notes = "first" }),
        };
        replay.Headers.Add("Idempotency-Key", "legacy-key-1");
        var replayed = await anonymous.SendAsync(replay);
        Assert.Equal(HttpStatusCode.Created, replayed.StatusCode);
        Assert.Equal(AnnasBooking, (await replayed.Json())["id"]!.GetValue<Guid>());

        // Migrated bookings still hold their slots; the cancelled one's slot is free again.
        await (await anonymous.Book(IntroCall, "2030-01-07T10:00:00+01:00")).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(IntroCall, "2030-01-08T11:00:00+01:00")).StatusCode);
    }
}
