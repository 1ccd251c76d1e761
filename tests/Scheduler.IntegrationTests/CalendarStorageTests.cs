using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Scheduler.Calendar;
using Scheduler.IntegrationTests.Infrastructure;
using Scheduler.Storage;
using static Scheduler.IntegrationTests.Infrastructure.Api;

namespace Scheduler.IntegrationTests;

/// <summary>
/// The calendar's commits on the real PostgreSQL: stale writers lose, the database backstops the
/// grain, a refused booking writes nothing, and one booker's row can never fail a batch.
/// </summary>
public sealed class CalendarStorageTests : IAsyncLifetime
{
    private SchedulerApp _app = null!;

    public async Task InitializeAsync() => _app = await SchedulerApp.StartAsync("storage");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<long> Scalar(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<List<Guid>> UserIdsOf(Guid[] bookingIds)
    {
        await using var connection = new NpgsqlConnection(_app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select distinct user_id from bookings where id = any($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = bookingIds });
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    private Task<long> Execute(string sql, params object[] values) => Scalar(sql + " returning 1", values);

    private async Task<string> RowCounts() =>
        string.Join(", ", await Task.WhenAll(
            new[] { "users", "events", "bookings", "notifications", "idempotency_replies", "calendars" }
                .Select(async table => $"{table}={await Scalar($"select count(*) from {table}")}")));

    [Fact]
    public async Task A_stale_activation_cannot_commit_and_its_callers_get_503_with_nothing_stored()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).StatusCode);

        // Another activation (a cluster split) committed behind this one's back.
        Assert.Equal(1, await Execute("update calendars set version = version + 1 where organizer_id = $1", organizer.Id));
        await (await anonymous.Book(eventTypeId, At(FutureMonday, "10:00"), "stale@example.com", "stale-key"))
            .AssertProblem(HttpStatusCode.ServiceUnavailable, "retry");
        Assert.Equal(0, await Scalar("select count(*) from bookings where email = 'stale@example.com'"));
        Assert.Equal(0, await Scalar("select count(*) from users where email = 'stale@example.com'"));
        Assert.Equal(0, await Scalar("select count(*) from idempotency_replies where key = 'stale-key'"));
        Assert.Equal(0, await Scalar("select count(*) from bookings where idempotency_key = 'stale-key'"));

        // The calendar reloads: the retry decides afresh on the newer state and is stored once.
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "10:00"), "stale@example.com", "stale-key")).StatusCode);
        Assert.Equal(1, await Scalar("select count(*) from bookings where email = 'stale@example.com'"));
    }

    [Fact]
    public async Task A_commit_of_bookings_only_bumps_the_calendars_version_and_keeps_its_settings_time()
    {
        // PostgreSQL logs an update of the calendar's row as the bytes that changed: the version alone
        // (V14), not a new updated_at and everything between. updated_at moves when settings change.
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        // The first booking arms the calendar's booking reminder; the time it is due rides a later commit.
        const string Armed = "select count(*) from calendars where organizer_id = $1 and booking_reminder_due is not null";
        var hour = 9;
        do Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, $"{hour:00}:00"), $"early{hour}@example.com")).StatusCode);
        while (++hour < 13 && await Scalar(Armed, organizer.Id) == 0);
        Assert.Equal(1, await Scalar(Armed, organizer.Id));
        const string Version = "select version from calendars where organizer_id = $1";
        const string Updated = "select (extract(epoch from updated_at) * 1000000)::bigint from calendars where organizer_id = $1";
        var (version, updated) = (await Scalar(Version, organizer.Id), await Scalar(Updated, organizer.Id));

        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "14:00"), "later1@example.com")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "15:00"), "later2@example.com")).StatusCode);
        Assert.True(await Scalar(Version, organizer.Id) >= version + 2, "each booking's commit bumps the version");
        Assert.Equal(updated, await Scalar(Updated, organizer.Id));

        Assert.Equal(HttpStatusCode.OK, (await organizer.Client.PatchAsJsonAsync("/api/me", new { timeZone = "Asia/Kolkata" })).StatusCode);
        Assert.Equal(1, await Scalar("select count(*) from calendars where organizer_id = $1 and time_zone = 'Asia/Kolkata'", organizer.Id));
        Assert.True(await Scalar(Updated, organizer.Id) > updated, "a new time zone is a change of the calendar's settings");
    }

    [Fact]
    public async Task Listings_of_what_has_not_ended_show_a_day_long_booking_and_a_long_block_under_way_and_not_what_ended()
    {
        // The default listings read only what started at most as long ago as a booking (24 h) or an
        // event (a 366-day block) can last; these rows sit right at those bounds.
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var template = (await (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).Json())["id"]!.GetValue<Guid>();
        var now = TimeProvider.System.GetUtcNow();
        async Task<Guid> Past(DateTimeOffset start, DateTimeOffset end)
        {
            var (eventId, bookingId) = (Guid.NewGuid(), Guid.NewGuid());
            Assert.Equal(1, await Execute("""
                insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
                select $2, e.event_type_id, e.user_id, e.title, e.description, $3, $4, e.location, now(), now()
                from events e join bookings b on b.event_id = e.id where b.id = $1
                """, template, eventId, start, end));
            Assert.Equal(1, await Execute("""
                insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                                      created_at, updated_at, name, email, manage_token_hash)
                select $2, $3, user_id, organizer_id, event_type_id, 'Confirmed', $4, $5, now(), now(), name, email, 'x'
                from bookings where id = $1
                """, template, bookingId, eventId, start, end));
            return bookingId;
        }
        var underWay = await Past(now.AddMinutes(-1439), now.AddMinutes(1));
        var ended = await Past(now.AddMinutes(-2000), now.AddMinutes(-1441));
        var block = Guid.NewGuid();
        Assert.Equal(1, await Execute("""
            insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
            values ($1, null, $2, 'Sabbatical', '', $3, $4, '', now(), now())
            """, block, organizer.Id, now.AddDays(-365), now.AddDays(1)));

        var bookings = (await (await organizer.Client.GetAsync("/api/bookings")).JsonArray()).Select(b => b!["id"]!.GetValue<Guid>()).ToList();
        Assert.Contains(underWay, bookings);
        Assert.Contains(template, bookings);
        Assert.DoesNotContain(ended, bookings);
        var events = (await (await organizer.Client.GetAsync("/api/events")).JsonArray()).Select(e => e!["id"]!.GetValue<Guid>()).ToList();
        Assert.Contains(block, events);
        Assert.Equal(3, events.Count);

        // Paged one by one, in start order, across the long block and the recent events.
        var paged = new List<Guid>();
        for (var url = "/api/events?limit=1"; url is not null && paged.Count < 10;)
        {
            var page = await organizer.Client.GetAsync(url);
            paged.AddRange((await page.JsonArray()).Select(e => e!["id"]!.GetValue<Guid>()));
            url = page.Headers.TryGetValues("Link", out var link) ? link.Single()[1..link.Single().IndexOf('>')] : null;
        }
        Assert.Equal(events, paged);
        Assert.Equal(block, paged[0]);
    }

    [Fact]
    public async Task Two_writers_on_one_calendar_row_the_second_one_fails_and_stores_nothing()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var store = new PostgresCalendarStore(NpgsqlDataSource.Create(_app.ConnectionString));
        var now = TimeProvider.System.GetUtcNow();
        var loaded = await store.LoadAsync(organizer.Id, now, TimeSpan.FromHours(25));
        Assert.True(loaded.Version > 0);

        CalendarCommit CommitOf(string email) => new(
            organizer.Id, loaded.Version, loaded.TimeZone, loaded.TokenKey, loaded.BookingReminderDue, now,
            [], null, [], [], [], [], [new ReplyRow(email, "fingerprint", BookingOutcomeKind.SlotUnavailable, null, null, now)], null);

        var first = await store.CommitAsync(CommitOf("first-writer"));
        Assert.Equal(loaded.Version + 1, first.Version);
        await Assert.ThrowsAsync<CalendarVersionConflictException>(() => store.CommitAsync(CommitOf("second-writer")));
        Assert.Equal(1, await Scalar("select count(*) from idempotency_replies where key = 'first-writer'"));
        Assert.Equal(0, await Scalar("select count(*) from idempotency_replies where key = 'second-writer'"));
        Assert.Equal(loaded.Version + 1, await Scalar("select version from calendars where organizer_id = $1", organizer.Id));
    }

    [Fact]
    public async Task Two_activations_writing_a_calendar_for_the_first_time_the_second_one_fails_with_the_others_of_its_transaction()
    {
        var anonymous = _app.CreateClient();
        var (organizer, _) = await anonymous.OrganizerWithEventType(_app);
        var store = new PostgresCalendarStore(NpgsqlDataSource.Create(_app.ConnectionString));
        var now = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var existing = await store.LoadAsync(organizer.Id, now, TimeSpan.FromHours(25));
        var fresh = Guid.NewGuid();
        var tag = Guid.NewGuid().ToString("N");

        CalendarCommit CommitOf(Guid calendar, long expected, string key) => new(
            calendar, expected, "UTC", null, null, now,
            [], null, [], [], [], [], [new ReplyRow($"{key}-{tag}", "fingerprint", BookingOutcomeKind.SlotUnavailable, null, null, now)], null);

        var first = await store.CommitManyAsync([CommitOf(fresh, 0, "first")]);
        Assert.Equal(1, first[0].Version);
        // A second activation that also found no row, in one transaction with a calendar whose version is right.
        await Assert.ThrowsAsync<CalendarVersionConflictException>(() =>
            store.CommitManyAsync([CommitOf(fresh, 0, "second"), CommitOf(organizer.Id, existing.Version, "beside")]));
        Assert.Equal(1, await Scalar("select version from calendars where organizer_id = $1", fresh));
        Assert.Equal(existing.Version, await Scalar("select version from calendars where organizer_id = $1", organizer.Id));
        Assert.Equal(0, await Scalar("select count(*) from idempotency_replies where key in ($1, $2)", $"second-{tag}", $"beside-{tag}"));
        // Alone and at the right versions, both are written, and the versions come back in the order given.
        var next = await store.CommitManyAsync([CommitOf(organizer.Id, existing.Version, "beside"), CommitOf(fresh, 1, "second")]);
        Assert.Equal([existing.Version + 1, 2], next.Select(r => r.Version));
    }

    [Fact]
    public async Task A_transaction_of_several_calendars_is_all_or_nothing_and_the_queue_fails_only_the_stale_calendar()
    {
        var anonymous = _app.CreateClient();
        var organizers = (await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => anonymous.OrganizerWithEventType(_app)))).Select(o => o.Organizer.Id).ToArray();
        var dataSource = NpgsqlDataSource.Create(_app.ConnectionString);
        var store = new PostgresCalendarStore(dataSource);
        // A fixed instant: the commits' times are data here, and nothing in these calendars depends on the clock.
        var now = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero);
        var loaded = await Task.WhenAll(organizers.Select(o => store.LoadAsync(o, now, TimeSpan.FromHours(25))));
        var tag = Guid.NewGuid().ToString("N");

        CalendarCommit CommitOf(int i, string key) => new(
            organizers[i], loaded[i].Version, loaded[i].TimeZone, loaded[i].TokenKey, loaded[i].BookingReminderDue, now,
            [], null, [], [], [], [], [new ReplyRow($"{key}-{tag}", "fingerprint", BookingOutcomeKind.SlotUnavailable, null, null, now)], null);
        Task<long> Stored(string key) => Scalar("select count(*) from idempotency_replies where key = $1", $"{key}-{tag}");

        // Another activation of the middle calendar committed behind this one's back.
        Assert.Equal(1, await Execute("update calendars set version = version + 1 where organizer_id = $1", organizers[1]));

        // One transaction: the stale calendar fails it, and nothing of the other two is written.
        await Assert.ThrowsAsync<CalendarVersionConflictException>(() =>
            store.CommitManyAsync([CommitOf(0, "together-0"), CommitOf(1, "together-1"), CommitOf(2, "together-2")]));
        Assert.Equal(0, await Stored("together-0") + await Stored("together-1") + await Stored("together-2"));
        Assert.Equal(loaded[0].Version, await Scalar("select version from calendars where organizer_id = $1", organizers[0]));

        // Through the silo's queue (one writer, so commits arriving together share a transaction):
        // only the stale calendar's commit fails; the others are stored with their versions.
        var queue = new CalendarCommitQueue(store, Microsoft.Extensions.Logging.Abstractions.NullLogger<CalendarCommitQueue>.Instance, maxWrites: 1);
        var commits = Enumerable.Range(0, 3).Select(i => queue.CommitAsync(CommitOf(i, $"queued-{i}"))).ToArray();
        Assert.Equal(loaded[0].Version + 1, (await commits[0]).Version);
        Assert.Equal(loaded[2].Version + 1, (await commits[2]).Version);
        await Assert.ThrowsAsync<CalendarVersionConflictException>(() => commits[1]);
        Assert.Equal(1, await Stored("queued-0"));
        Assert.Equal(0, await Stored("queued-1"));
        Assert.Equal(1, await Stored("queued-2"));
    }

    [Fact]
    public async Task Notifications_whose_ids_do_not_carry_their_time_are_still_marked_read()
    {
        var anonymous = _app.CreateClient();
        var (organizer, _) = await anonymous.OrganizerWithEventType(_app);
        // Rows as an older version stored them (random ids), and a UUIDv7 whose time is not its sent_at.
        var legacy = Guid.NewGuid();
        var skewed = Guid.CreateVersion7(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero));
        foreach (var (id, sent) in new[] { (legacy, "2025-01-01T10:00:00Z"), (skewed, "2025-06-01T10:00:00Z") })
        {
            Assert.Equal(1, await Execute("""
                insert into notifications (id, user_id, message, sent_at, booking_id, kind, created_at, updated_at)
                values ($1, $2, 'From before', $3::timestamptz, null, null, $3::timestamptz, $3::timestamptz)
                """, id, organizer.Id, sent));
        }
        foreach (var id in new[] { legacy, skewed })
        {
            var read = await organizer.Client.PostAsync($"/api/notifications/{id}/read", null);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.NotNull((await read.Json())["readAt"]);
        }
        Assert.Equal(0, await Scalar("select count(*) from notifications where id = any($1) and read_at is null", new[] { legacy, skewed }));
        await (await organizer.Client.PostAsync($"/api/notifications/{Guid.CreateVersion7(new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.Zero))}/read", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");
        // UUIDv7 ids from the last milliseconds a date can hold (the year 9999) are unknown ids too.
        foreach (var id in new[] { "e677d21f-dbff-7000-8000-000000000000", "e677d21f-dbfe-7000-8000-000000000000", "ffffffff-ffff-7fff-bfff-ffffffffffff" })
            await (await organizer.Client.PostAsync($"/api/notifications/{id}/read", null)).AssertProblem(HttpStatusCode.NotFound, "not-found");
    }

    [Fact]
    public async Task The_exclusion_constraint_backstops_the_grain_and_fails_the_whole_commit()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var existing = await (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), "first@example.com")).Json();

        // A decision the grain cannot know about: an active booking written behind its back (the
        // test-only path a logic bug would take), overlapping 11:00–11:30 Berlin.
        Assert.Equal(1, await Execute($"""
            insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                                  created_at, updated_at, name, email, manage_token_hash)
            select gen_random_uuid(), event_id, user_id, organizer_id, event_type_id, 'Confirmed',
                   '{FutureMonday:yyyy-MM-dd}T10:00:00Z', '{FutureMonday:yyyy-MM-dd}T10:30:00Z', now(), now(), 'Ghost', 'ghost@example.com', 'x'
            from bookings where id = $1
            """, existing["id"]!.GetValue<Guid>()));
        var before = await RowCounts();

        await (await anonymous.Book(eventTypeId, At(FutureMonday, "11:00"), "overlap@example.com"))
            .AssertProblem(HttpStatusCode.ServiceUnavailable, "retry");
        // Nothing of the failed batch is stored: not the booking, its event, its user or notifications.
        Assert.Equal(before, await RowCounts());

        // The calendar reloaded and now knows the slot is taken.
        await (await anonymous.Book(eventTypeId, At(FutureMonday, "11:00"), "overlap@example.com"))
            .AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "12:00"), "overlap@example.com")).StatusCode);
    }

    [Fact]
    public async Task The_exclusion_constraint_compares_bookings_with_their_buffers()
    {
        var anonymous = _app.CreateClient();
        var (_, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        var existing = (await (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), "first@example.com")).Json())["id"]!.GetValue<Guid>();

        // Rows written behind the grain's back, as a logic bug would: [start − before, end + after) may not overlap.
        Task<long> Insert(string start, string end, int before, int after) => Execute($"""
            insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                                  created_at, updated_at, name, email, manage_token_hash, buffer_before_minutes, buffer_after_minutes)
            select gen_random_uuid(), event_id, user_id, organizer_id, event_type_id, 'Confirmed',
                   '{start}', '{end}', now(), now(), 'Ghost', 'ghost@example.com', 'x', {before}, {after}
            from bookings where id = $1
            """, existing);

        Assert.Equal(1, await Insert($"{FutureMonday:yyyy-MM-dd}T12:00:00Z", $"{FutureMonday:yyyy-MM-dd}T12:30:00Z", 0, 15));
        // A row written without its calendar's number (as by hand, or by a silo of the version before
        // V13) gets its organizer's, which is what the constraint compares.
        Assert.Equal(1, await Scalar("""
            select count(*) from bookings b join calendars c on c.organizer_id = b.organizer_id
            where b.organizer_id = (select organizer_id from bookings where id = $1) and b.name = 'Ghost' and b.calendar_number = c.number
            """, existing));
        var intoBuffer = await Assert.ThrowsAsync<PostgresException>(() => Insert($"{FutureMonday:yyyy-MM-dd}T12:30:00Z", $"{FutureMonday:yyyy-MM-dd}T13:00:00Z", 0, 0));
        Assert.Equal(PostgresErrorCodes.ExclusionViolation, intoBuffer.SqlState);
        var buffersMeet = await Assert.ThrowsAsync<PostgresException>(() => Insert($"{FutureMonday:yyyy-MM-dd}T13:00:00Z", $"{FutureMonday:yyyy-MM-dd}T13:30:00Z", 20, 0));
        Assert.Equal(PostgresErrorCodes.ExclusionViolation, buffersMeet.SqlState);
        // Touching ranges do not overlap: 12:00–12:45 (with its buffer after) and 12:45–13:15.
        Assert.Equal(1, await Insert($"{FutureMonday:yyyy-MM-dd}T12:45:00Z", $"{FutureMonday:yyyy-MM-dd}T13:15:00Z", 0, 0));
    }

    [Fact]
    public async Task A_refused_booking_writes_nothing_and_with_a_key_only_its_reply()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).StatusCode);
        var before = await RowCounts();

        await (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), "taken@example.com")).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        await (await anonymous.Book(eventTypeId, At(FutureMonday, "09:10"), "offgrid@example.com")).AssertProblem(HttpStatusCode.UnprocessableEntity, "outside-availability");
        await (await anonymous.Book(Guid.NewGuid(), At(FutureMonday, "09:30"), "nobody@example.com")).AssertProblem(HttpStatusCode.NotFound, "not-found");
        await (await anonymous.Book(eventTypeId, At(FutureMonday, "10:00"), "nul@example.com", name: "Null\u0000Byte"))
            .AssertProblem(HttpStatusCode.BadRequest, "validation");
        Assert.Equal(before, await RowCounts());

        await (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"), "keyed@example.com", "refused-key")).AssertProblem(HttpStatusCode.Conflict, "slot-unavailable");
        Assert.Equal(1, await Scalar("select count(*) from idempotency_replies where key = 'refused-key'"));
        Assert.Equal(0, await Scalar("select count(*) from users where email = 'keyed@example.com'"));
    }

    [Fact]
    public async Task Text_postgres_cannot_store_is_refused_before_any_decision()
    {
        var anonymous = _app.CreateClient();
        var (organizer, eventTypeId) = await anonymous.OrganizerWithEventType(_app);
        foreach (var (field, body) in new (string, object)[]
        {
            ("name", new { eventTypeId, start = At(FutureMonday, "09:00"), name = "\u0000", email = "a@example.com" }),
            ("notes", new { eventTypeId, start = At(FutureMonday, "09:00"), name = "Ann", email = "a@example.com", notes = "x\u0000y" }),
        })
        {
            var problem = await (await anonymous.PostAsJsonAsync("/api/bookings", body)).AssertProblem(HttpStatusCode.BadRequest, "validation");
            Assert.NotNull(problem["errors"]![field]);
        }
        // An unpaired surrogate escaped in the JSON itself (a client serializer would have replaced it).
        var raw = new StringContent(
            $$"""{"eventTypeId":"{{eventTypeId}}","start":"{{At(FutureMonday, "09:00")}}","name":"lone \ud800 surrogate","email":"a@example.com"}""",
            System.Text.Encoding.UTF8, "application/json");
        var lone = await anonymous.PostAsync("/api/bookings", raw);
        Assert.NotEqual(HttpStatusCode.Created, lone.StatusCode);
        Assert.True((int)lone.StatusCode < 500, $"refused as the client's fault, not {(int)lone.StatusCode}");
        var title = await organizer.Client.PostAsJsonAsync("/api/event-types", new { title = "a\u0000b", description = "", durationMinutes = 30, location = "" });
        await title.AssertProblem(HttpStatusCode.BadRequest, "validation");
        // The calendar still books normally afterwards.
        Assert.Equal(HttpStatusCode.Created, (await anonymous.Book(eventTypeId, At(FutureMonday, "09:00"))).StatusCode);
    }

    [Fact]
    public async Task Two_calendars_creating_the_same_new_booker_at_once_both_succeed_with_one_user()
    {
        var anonymous = _app.CreateClient();
        var calendars = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => anonymous.OrganizerWithEventType(_app)));
        var email = $"Same.Person+{Guid.NewGuid():N}@Example.com";

        var answers = await Task.WhenAll(calendars.SelectMany(c => new[] { "09:00", "10:00", "11:00" }
            .Select(time => _app.CreateClient().Book(c.EventTypeId, At(FutureMonday, time), email))));
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
        var bookingIds = (await Task.WhenAll(answers.Select(a => a.Json()))).Select(b => b["id"]!.GetValue<Guid>()).ToArray();
        var userIds = await UserIdsOf(bookingIds);
        Assert.Single(userIds);
        Assert.Equal(1, await Scalar("select count(*) from users where email_normalized = $1", email.ToLowerInvariant()));
        Assert.Equal(12, await Scalar("select count(*) from bookings where user_id = $1", userIds[0]));
        // Each booker notification reached that one user.
        Assert.Equal(12, await Scalar("select count(*) from notifications where user_id = $1", userIds[0]));
    }

    [Fact]
    public async Task A_sign_up_and_bookings_creating_the_same_new_address_at_once_all_succeed_with_one_user()
    {
        var anonymous = _app.CreateClient();
        var calendars = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => anonymous.OrganizerWithEventType(_app)));
        for (var round = 0; round < 3; round++)
        {
            var email = $"racing-{round}-{Guid.NewGuid():N}@example.com";
            var signUp = _app.CreateClient().PostAsJsonAsync("/api/users", new { name = "Racer", email, password = "racer-password", timeZone = "UTC" });
            var bookings = calendars.SelectMany(c => new[] { "09:00", "10:00" }
                .Select(time => _app.CreateClient().Book(c.EventTypeId, At(FutureMonday.AddDays(round), time), email))).ToList();
            Assert.Equal(HttpStatusCode.Created, (await signUp).StatusCode);
            var answers = await Task.WhenAll(bookings);
            Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.StatusCode));
            var bookingIds = (await Task.WhenAll(answers.Select(a => a.Json()))).Select(b => b["id"]!.GetValue<Guid>()).ToArray();
            var userIds = await UserIdsOf(bookingIds);
            Assert.Single(userIds);
            Assert.Equal(1, await Scalar("select count(*) from users where email_normalized = $1", email));
            Assert.Equal(1, await Scalar("select count(*) from credentials where user_id = $1", userIds[0]));
        }
    }
}
