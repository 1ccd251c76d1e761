-- The seed's six entities become real tables, the system of record (they were views over grain
-- JSON in V5). The calendar grain writes the rows its decisions changed, one transaction per group
-- commit, guarded by a version per calendar; an exclusion constraint backstops the grain.
--
-- The data the JSON-document version stored (orleans_storage rows of grain types user, calendar,
-- inbox) is moved into the tables here, in the same transaction as the schema change. Those rows
-- are left in orleans_storage untouched (nothing reads them any more), so a failed upgrade can be
-- rolled back to the previous version with its data as it was.

create extension if not exists btree_gist;

-- V5's views make way for the tables (only if they are still views: this script may be re-run by hand).
do $$
declare
  v text;
begin
  foreach v in array array['notifications', 'bookings', 'availability', 'events', 'event_types', 'users'] loop
    if exists (select 1 from pg_views where schemaname = current_schema() and viewname = v) then
      execute format('drop view %I', v);
    end if;
  end loop;
end
$$;

create table if not exists users (
  id uuid primary key,
  name text not null,
  email text not null,
  time_zone text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  -- Whether the user can sign in (has a row in credentials). Never the password or its hash.
  has_password boolean not null default false,
  -- trim + lower-case (invariant), as GrainKeys.NormalizeEmail computes it: one user per address.
  email_normalized text not null
);
create unique index if not exists users_email_normalized on users (email_normalized);

-- Password hashes live apart from the users table, so a query over users can never leak them.
create table if not exists credentials (
  user_id uuid primary key references users (id),
  password_hash text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

-- One row per organizer's calendar grain: its version (compare-and-increment in every commit, so
-- a stale duplicate activation cannot overwrite newer decisions) and its small settings.
create table if not exists calendars (
  organizer_id uuid primary key,
  version bigint not null,
  time_zone text,
  -- Base64 key for the MACs behind manage tokens; the tokens themselves are never stored.
  token_key text,
  booking_reminder_due timestamptz,
  created_at timestamptz not null,
  updated_at timestamptz not null
);

create table if not exists event_types (
  id uuid primary key,
  user_id uuid not null references users (id),
  title text not null,
  description text not null,
  duration_minutes integer not null,
  location text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  active boolean not null default true,
  requires_confirmation boolean not null default false,
  reminder_minutes integer not null default 60,
  -- Deleted event types stay as tombstones: their bookings still name them.
  deleted boolean not null default false
);
create index if not exists event_types_user on event_types (user_id);

create table if not exists availability (
  id uuid primary key,
  user_id uuid not null references users (id),
  day_of_week text not null check (day_of_week in ('Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday')),
  start_time time not null,
  -- 24:00:00 is a valid time: a window running to midnight.
  end_time time not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  check (start_time < end_time)
);
create index if not exists availability_user on availability (user_id);

create table if not exists events (
  id uuid primary key,
  event_type_id uuid not null references event_types (id),
  user_id uuid not null references users (id),
  title text not null,
  description text not null,
  start_time timestamptz not null,
  end_time timestamptz not null,
  location text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- GET /api/events: the organizer's events by (start, id), keyset-paged.
create index if not exists events_user_start on events (user_id, start_time, id);

create table if not exists bookings (
  id uuid primary key,
  event_id uuid not null references events (id),
  user_id uuid not null references users (id),
  organizer_id uuid not null references users (id),
  event_type_id uuid not null references event_types (id),
  status text not null check (status in ('Pending', 'Confirmed', 'Cancelled')),
  start_time timestamptz not null,
  end_time timestamptz not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  name text not null,
  email text not null,
  notes text,
  cancellation_reason text,
  cancelled_by text,
  -- SHA-256 of the manage token; the token itself is never stored.
  manage_token_hash bytea not null,
  reminder_sent boolean not null default false,
  check (start_time < end_time),
  -- The backstop behind the calendar grain: no two active bookings of one organizer overlap.
  constraint bookings_no_overlap exclude using gist (
    organizer_id with =, tstzrange(start_time, end_time, '[)') with &&
  ) where (status in ('Pending', 'Confirmed'))
);
-- GET /api/bookings (organizer) and the calendar's working set (active, not yet ended); also an
-- event's bookings (an event and its bookings share organizer and start). Every index here is
-- written by every booking: add one only for a listing the API offers.
create index if not exists bookings_organizer_start on bookings (organizer_id, start_time, id);
-- GET /api/bookings?role=booker
create index if not exists bookings_booker_start on bookings (user_id, start_time, id);

create table if not exists notifications (
  id uuid primary key,
  user_id uuid not null references users (id),
  message text not null,
  sent_at timestamptz not null,
  read_at timestamptz,
  booking_id uuid references bookings (id),
  kind text,
  created_at timestamptz not null,
  updated_at timestamptz not null
);
-- GET /api/notifications: newest first, keyset-paged; the unread count reads the same index.
create index if not exists notifications_user_sent on notifications (user_id, sent_at desc, id desc);

-- What a booking request with an Idempotency-Key was answered, per organizer, kept >= 24 hours.
create table if not exists idempotency_replies (
  organizer_id uuid not null,
  key text not null,
  fingerprint text not null,
  outcome text not null,
  booking_id uuid,
  -- The booking's status in the first answer: with the booking's row it rebuilds the original body
  -- (a replay returns what the first answer said, not the booking's state now).
  booking_status text,
  -- Replies stored by the JSON-document version: the body itself (System.Text.Json of BookingView).
  reply jsonb,
  created_at timestamptz not null,
  primary key (organizer_id, key)
);

-- Server-side secrets generated once per deployment (e.g. the key behind user ids derived from emails).
create table if not exists scheduler_secrets (
  name text primary key,
  secret bytea not null,
  created_at timestamptz not null default now()
);

-- ---- moving the JSON-document version's data -----------------------------------------------

drop table if exists pg_temp.legacy_state;
create temporary table legacy_state on commit drop as
select s.grain_type, convert_from(s.payload, 'UTF8')::jsonb as state
from orleans_storage s
where s.payload is not null and s.grain_type in ('user', 'calendar', 'inbox');

create or replace function pg_temp.legacy_time(minutes integer) returns time
language sql immutable as $$
  select case when minutes >= 1440 then time '24:00' else time '00:00' + make_interval(mins => minutes) end
$$;

insert into users (id, name, email, time_zone, created_at, updated_at, has_password, email_normalized)
select (state->>'Id')::uuid, state->>'Name', state->>'Email', coalesce(state->>'TimeZone', 'UTC'),
       (state->>'CreatedAt')::timestamptz, (state->>'UpdatedAt')::timestamptz,
       state->>'PasswordHash' is not null, lower(btrim(state->>'Email'))
from legacy_state
where grain_type = 'user' and state ? 'Id' and state->>'Name' is not null
on conflict do nothing;

insert into credentials (user_id, password_hash, created_at, updated_at)
select u.id, s.state->>'PasswordHash', u.created_at, u.updated_at
from legacy_state s join users u on u.id = (s.state->>'Id')::uuid
where s.grain_type = 'user' and s.state->>'PasswordHash' is not null
on conflict do nothing;

insert into calendars (organizer_id, version, time_zone, token_key, booking_reminder_due, created_at, updated_at)
select (state->>'OrganizerId')::uuid, 1, state->>'TimeZone', state->>'TokenKey',
       (state->>'BookingReminderDue')::timestamptz, now(), now()
from legacy_state
where grain_type = 'calendar' and state ? 'OrganizerId'
on conflict do nothing;

insert into event_types (id, user_id, title, description, duration_minutes, location, created_at, updated_at,
                         active, requires_confirmation, reminder_minutes, deleted)
select (e->>'Id')::uuid, (c.state->>'OrganizerId')::uuid, e->>'Title', coalesce(e->>'Description', ''),
       (e->>'DurationMinutes')::integer, coalesce(e->>'Location', ''),
       (e->>'CreatedAt')::timestamptz, (e->>'UpdatedAt')::timestamptz,
       coalesce((e->>'Active')::boolean, true), coalesce((e->>'RequiresConfirmation')::boolean, false),
       coalesce((e->>'ReminderMinutes')::integer, 60), coalesce((e->>'Deleted')::boolean, false)
from legacy_state c
cross join lateral jsonb_array_elements(coalesce(c.state->'EventTypes', '[]'::jsonb)) e
where c.grain_type = 'calendar' and c.state ? 'OrganizerId'
on conflict do nothing;

insert into availability (id, user_id, day_of_week, start_time, end_time, created_at, updated_at)
select (a->>'Id')::uuid, (c.state->>'OrganizerId')::uuid,
       (array['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])[(a->>'DayOfWeek')::integer + 1],
       pg_temp.legacy_time((a->>'StartMinute')::integer), pg_temp.legacy_time((a->>'EndMinute')::integer),
       (a->>'CreatedAt')::timestamptz, (a->>'UpdatedAt')::timestamptz
from legacy_state c
cross join lateral jsonb_array_elements(coalesce(c.state->'Availability', '[]'::jsonb)) a
where c.grain_type = 'calendar' and c.state ? 'OrganizerId'
on conflict do nothing;

insert into events (id, event_type_id, user_id, title, description, start_time, end_time, location, created_at, updated_at)
select (e.value->>'Id')::uuid, (e.value->>'EventTypeId')::uuid, (c.state->>'OrganizerId')::uuid,
       e.value->>'Title', coalesce(e.value->>'Description', ''),
       (e.value->>'Start')::timestamptz, (e.value->>'End')::timestamptz, coalesce(e.value->>'Location', ''),
       (e.value->>'CreatedAt')::timestamptz, (e.value->>'UpdatedAt')::timestamptz
from legacy_state c
cross join lateral jsonb_each(coalesce(c.state->'Events', '{}'::jsonb)) e
where c.grain_type = 'calendar' and c.state ? 'OrganizerId'
on conflict do nothing;

insert into bookings (id, event_id, user_id, organizer_id, event_type_id, status, start_time, end_time,
                      created_at, updated_at, name, email, notes, cancellation_reason, cancelled_by,
                      manage_token_hash, reminder_sent)
select (b.value->>'Id')::uuid, (b.value->>'EventId')::uuid, (b.value->>'UserId')::uuid,
       (c.state->>'OrganizerId')::uuid, (b.value->>'EventTypeId')::uuid,
       (array['Pending', 'Confirmed', 'Cancelled'])[(b.value->>'Status')::integer + 1],
       (b.value->>'Start')::timestamptz, (b.value->>'End')::timestamptz,
       (b.value->>'CreatedAt')::timestamptz, (b.value->>'UpdatedAt')::timestamptz,
       b.value->>'Name', b.value->>'Email', b.value->>'Notes',
       b.value->>'CancellationReason', b.value->>'CancelledBy',
       decode(coalesce(b.value->>'ManageTokenHash', ''), 'hex'), coalesce((b.value->>'ReminderSent')::boolean, false)
from legacy_state c
cross join lateral jsonb_each(coalesce(c.state->'Bookings', '{}'::jsonb)) b
where c.grain_type = 'calendar' and c.state ? 'OrganizerId'
on conflict do nothing;

insert into idempotency_replies (organizer_id, key, fingerprint, outcome, booking_id, reply, created_at)
select (c.state->>'OrganizerId')::uuid, k.key, coalesce(k.value->>'Fingerprint', ''),
       (array['Created', 'SlotUnavailable', 'OutsideAvailability', 'IdempotencyMismatch', 'EventTypeNotFound'])[(k.value->>'Kind')::integer + 1],
       (k.value->'Booking'->>'Id')::uuid, k.value->'Booking', (k.value->>'CreatedAt')::timestamptz
from legacy_state c
cross join lateral jsonb_each(coalesce(c.state->'IdempotencyKeys', '{}'::jsonb)) k
where c.grain_type = 'calendar' and c.state ? 'OrganizerId'
on conflict do nothing;

-- Delivered notifications (inboxes), then any the calendars' outboxes had not delivered yet.
insert into notifications (id, user_id, message, sent_at, read_at, booking_id, kind, created_at, updated_at)
select (n->>'Id')::uuid, (i.state->>'UserId')::uuid, n->>'Message', (n->>'SentAt')::timestamptz,
       (n->>'ReadAt')::timestamptz, (n->>'BookingId')::uuid, n->>'Kind',
       (n->>'SentAt')::timestamptz, coalesce((n->>'ReadAt')::timestamptz, (n->>'SentAt')::timestamptz)
from legacy_state i
cross join lateral jsonb_array_elements(coalesce(i.state->'Notifications', '[]'::jsonb)) n
where i.grain_type = 'inbox' and i.state ? 'UserId'
  and exists (select 1 from users u where u.id = (i.state->>'UserId')::uuid)
on conflict do nothing;

insert into notifications (id, user_id, message, sent_at, read_at, booking_id, kind, created_at, updated_at)
select (m->>'Id')::uuid, (m->>'UserId')::uuid, coalesce(m->>'Message', ''), (m->>'SentAt')::timestamptz,
       null, (m->>'BookingId')::uuid, m->>'Change', (m->>'SentAt')::timestamptz, (m->>'SentAt')::timestamptz
from legacy_state c
cross join lateral jsonb_array_elements(coalesce(c.state->'Outbox', '[]'::jsonb)) m
where c.grain_type = 'calendar' and (m->>'Kind')::integer = 1
  and exists (select 1 from users u where u.id = (m->>'UserId')::uuid)
on conflict do nothing;

drop function if exists scheduler_minutes_to_time(integer);
drop view if exists scheduler_state;

-- The first statement of every calendar commit: compare-and-increment of the calendar's version
-- (expected 0: the calendar was never written, so its row must not exist yet). A mismatch means
-- another activation of the same calendar committed in between: the whole commit fails with
-- SQLSTATE SC409 and changes nothing. Taking the row lock first also orders concurrent commits of
-- one calendar (there should be none, but a cluster split can make two activations).
create or replace function calendar_commit_version(
  p_organizer uuid, p_expected bigint, p_time_zone text, p_token_key text,
  p_reminder_due timestamptz, p_now timestamptz) returns bigint
language plpgsql volatile as $fn$
declare
  new_version bigint;
begin
  if p_expected = 0 then
    insert into calendars (organizer_id, version, time_zone, token_key, booking_reminder_due, created_at, updated_at)
    values (p_organizer, 1, p_time_zone, p_token_key, p_reminder_due, p_now, p_now)
    on conflict do nothing;
    if not found then
      raise exception 'calendar % was first written by another activation', p_organizer using errcode = 'SC409';
    end if;
    return 1;
  end if;
  update calendars
     set version = version + 1, time_zone = p_time_zone, token_key = p_token_key,
         booking_reminder_due = p_reminder_due, updated_at = p_now
   where organizer_id = p_organizer and version = p_expected
  returning version into new_version;
  if new_version is null then
    raise exception 'calendar % is no longer at version %', p_organizer, p_expected using errcode = 'SC409';
  end if;
  return new_version;
end
$fn$;
