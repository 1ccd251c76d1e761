using Npgsql;

namespace Scheduler.Web.Baseline;

/// <summary>
/// The baseline's own tables, in their own schema <c>baseline</c>, created at start-up when the baseline
/// is enabled (idempotent, under an advisory lock so two front ends starting together don't race). Not
/// an Evolve migration on purpose: the baseline is not the product and never part of its schema.
/// </summary>
public static class BaselineSchema
{
    private const long LockKey = 0x5343_4842_4153_45; // "SCHBASE"

    public const string Sql = """
        create extension if not exists btree_gist;
        create schema if not exists baseline;
        create table if not exists baseline.users (
          id uuid primary key,
          email text not null unique,            -- lower-cased
          name text not null,
          time_zone text not null default 'UTC',
          created_at timestamptz not null default now()
        );
        create table if not exists baseline.event_types (
          id uuid primary key,
          user_id uuid not null references baseline.users,
          title text not null,
          duration_minutes integer not null check (duration_minutes between 1 and 1440),
          active boolean not null default true,
          created_at timestamptz not null default now()
        );
        create table if not exists baseline.availability (
          id uuid primary key,
          user_id uuid not null references baseline.users,
          day_of_week integer not null check (day_of_week between 0 and 6), -- 0 = Sunday, as extract(dow)
          start_time time not null,
          end_time time not null,                 -- '24:00' allowed
          check (start_time < end_time)
        );
        create index if not exists availability_user on baseline.availability (user_id);
        create table if not exists baseline.bookings (
          id uuid primary key,
          event_type_id uuid not null references baseline.event_types,
          organizer_id uuid not null references baseline.users,
          user_id uuid not null references baseline.users,
          name text not null,
          email text not null,
          notes text,
          status text not null default 'Confirmed' check (status in ('Pending', 'Confirmed', 'Cancelled')),
          start_time timestamptz not null,
          end_time timestamptz not null,
          created_at timestamptz not null default now(),
          updated_at timestamptz not null default now(),
          active boolean generated always as (status in ('Pending', 'Confirmed')) stored,
          -- The whole double-booking guard: no two active bookings of one organizer overlap.
          constraint bookings_no_overlap exclude using gist
            (organizer_id with =, tstzrange(start_time, end_time, '[)') with &&) where (active)
        );
        create index if not exists bookings_organizer_start on baseline.bookings (organizer_id, start_time);
        create table if not exists baseline.notifications (
          id uuid primary key,
          user_id uuid not null references baseline.users,
          booking_id uuid not null references baseline.bookings,
          kind text not null,
          message text not null,
          sent_at timestamptz not null default now(),
          read_at timestamptz
        );
        create index if not exists notifications_booking on baseline.notifications (booking_id);
        create index if not exists notifications_user on baseline.notifications (user_id, sent_at desc);
        create table if not exists baseline.idempotency_keys (
          organizer_id uuid not null,
          key text not null,
          fingerprint text not null,
          status integer,                         -- null while the first request is deciding
          body text,
          created_at timestamptz not null default now(),
          primary key (organizer_id, key)
        );
        """;

    public static async Task EnsureCreated(NpgsqlDataSource source, CancellationToken ct = default)
    {
        await using var connection = await source.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var gate = new NpgsqlCommand($"select pg_advisory_xact_lock({LockKey})", connection, transaction))
            await gate.ExecuteNonQueryAsync(ct);
        await using (var create = new NpgsqlCommand(Sql, connection, transaction))
            await create.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
