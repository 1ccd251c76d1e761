using Npgsql;

namespace Scheduler.Database.Tests;

/// <summary>
/// V13 keys the exclusion constraint by the calendar's number (and V15 the organizer listings of bookings and
/// events): bookings (and events) stored before it get their
/// organizer's, organizers whose bookings were written without a calendar row get one, and writers
/// that do not name the number (the previous version's silos) are still backstopped.
/// </summary>
public sealed class CalendarNumberMigrationTests
{
    private const string Organizer = "00000000-0000-4000-8000-000000000001";
    private const string Other = "00000000-0000-4000-8000-000000000002";

    /// <summary>Two organizers; only <see cref="Organizer"/> has its calendar's row (at version 7).</summary>
    private const string TwoOrganizersOneCalendar = $"""
        insert into users (id, name, email, time_zone, created_at, updated_at, email_normalized)
        values ('{Organizer}', 'Org', 'org@example.com', 'UTC', now(), now(), 'org@example.com'),
               ('{Other}', 'Other', 'other@example.com', 'UTC', now(), now(), 'other@example.com');
        insert into calendars (organizer_id, version, created_at, updated_at) values ('{Organizer}', 7, now(), now());
        """;

    [Fact]
    public async Task Bookings_stored_before_V13_get_their_calendars_number_and_stay_backstopped()
    {
        await using var database = FreshDatabase.Named("schema");
        await SchedulerDatabase.MigrateToAsync(database.ConnectionString, "12");
        var queries = new StoredQueries(database.ConnectionString);
        // Two organizers with a booking each at the same time; only the first has its calendar's row.
        await queries.ExecuteAsync($"""
            {TwoOrganizersOneCalendar}
            insert into event_types (id, user_id, title, description, duration_minutes, location, created_at, updated_at)
            select gen_random_uuid(), id, 'Call', '', 30, '', now(), now() from users;
            insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
            select gen_random_uuid(), t.id, t.user_id, 'Call', '', '2031-03-03T09:00Z', '2031-03-03T09:30Z', '', now(), now() from event_types t;
            insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                                  created_at, updated_at, name, email, manage_token_hash)
            select gen_random_uuid(), e.id, e.user_id, e.user_id, e.event_type_id, 'Confirmed', e.start_time, e.end_time,
                   now(), now(), 'Ada', 'ada@example.com', '\x00'::bytea from events e;
            """);

        await SchedulerDatabase.MigrateAsync(database.ConnectionString);

        Assert.Equal(0, await queries.ScalarAsync<long>("""
            select count(*) from bookings b left join calendars c on c.organizer_id = b.organizer_id
            where c.number is null or b.calendar_number is distinct from c.number
            """));
        Assert.Equal(2, await queries.ScalarAsync<long>("select count(distinct calendar_number) from bookings"));
        // The calendar that had a row keeps its version; the other starts at 1, as V6 started the ones it moved.
        Assert.Equal(7, await queries.ScalarAsync<long>($"select version from calendars where organizer_id = '{Organizer}'"));
        Assert.Equal(1, await queries.ScalarAsync<long>($"select version from calendars where organizer_id = '{Other}'"));

        // A writer that does not name the number, overlapping the first organizer's booking: refused.
        var overlap = await Assert.ThrowsAsync<PostgresException>(() => queries.ExecuteAsync($"""
            insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                                  created_at, updated_at, name, email, manage_token_hash)
            select gen_random_uuid(), event_id, user_id, organizer_id, event_type_id, 'Confirmed', '2031-03-03T09:15Z', '2031-03-03T09:45Z',
                   now(), now(), 'Bob', 'bob@example.com', '\x00'::bytea from bookings where organizer_id = '{Organizer}'
            """));
        Assert.Equal(PostgresErrorCodes.ExclusionViolation, overlap.SqlState);
    }

    [Fact]
    public async Task Events_stored_before_V15_get_their_calendars_number_and_writers_that_do_not_name_it_too()
    {
        await using var database = FreshDatabase.Named("schema");
        await SchedulerDatabase.MigrateToAsync(database.ConnectionString, "14");
        var queries = new StoredQueries(database.ConnectionString);
        // An organizer with a calendar row and a booked event, another with only a block (no calendar row).
        await queries.ExecuteAsync($"""
            {TwoOrganizersOneCalendar}
            insert into event_types (id, user_id, title, description, duration_minutes, location, created_at, updated_at)
            values (gen_random_uuid(), '{Organizer}', 'Call', '', 30, '', now(), now());
            insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
            select gen_random_uuid(), t.id, t.user_id, 'Call', '', '2031-03-03T09:00Z', '2031-03-03T09:30Z', '', now(), now() from event_types t;
            insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
            values (gen_random_uuid(), null, '{Other}', 'Busy', '', '2031-03-03T10:00Z', '2031-03-03T11:00Z', '', now(), now());
            """);

        await SchedulerDatabase.MigrateAsync(database.ConnectionString);

        const string Mismatched = """
            select count(*) from events e left join calendars c on c.organizer_id = e.user_id
            where c.number is null or e.calendar_number is distinct from c.number
            """;
        Assert.Equal(0, await queries.ScalarAsync<long>(Mismatched));
        Assert.Equal(2, await queries.ScalarAsync<long>("select count(distinct calendar_number) from events"));
        Assert.Equal(7, await queries.ScalarAsync<long>($"select version from calendars where organizer_id = '{Organizer}'"));
        Assert.Equal(1, await queries.ScalarAsync<long>($"select version from calendars where organizer_id = '{Other}'"));

        // A writer that does not name the number (the previous version's silo) still files the event under its calendar.
        await queries.ExecuteAsync($"""
            insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
            values (gen_random_uuid(), null, '{Organizer}', 'Lunch', '', '2031-03-03T12:00Z', '2031-03-03T13:00Z', '', now(), now())
            """);
        Assert.Equal(0, await queries.ScalarAsync<long>(Mismatched));
        Assert.Equal(2, await queries.ScalarAsync<long>($"""
            select count(*) from events where calendar_number = (select number from calendars where organizer_id = '{Organizer}')
            """));
    }
}
