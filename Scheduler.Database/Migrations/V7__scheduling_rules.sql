-- The slot engine's rules (issue 11): event type settings, each booking's buffers, date overrides,
-- and blocked time (the seed's Events without an event type or bookings). Safe to run again by hand.

-- Event type settings; null = off (the interval defaults to the duration).
alter table event_types add column if not exists slot_interval_minutes integer;
alter table event_types add column if not exists buffer_before_minutes integer;
alter table event_types add column if not exists buffer_after_minutes integer;
alter table event_types add column if not exists minimum_notice_minutes integer;
alter table event_types add column if not exists max_days_in_future integer;
alter table event_types add column if not exists max_bookings_per_day integer;
alter table event_types add column if not exists max_bookings_per_week integer;

-- A booking keeps the buffers its event type asked for when it was made, so a later change of the
-- event type's settings never makes two existing bookings overlap.
alter table bookings add column if not exists buffer_before_minutes integer not null default 0;
alter table bookings add column if not exists buffer_after_minutes integer not null default 0;

-- The time a booking keeps from everyone else: [start − buffer before, end + buffer after).
-- timestamptz ± interval is only STABLE in general (day and month units depend on the session's
-- zone); with minutes alone it is the same in every zone, so this wrapper is honestly IMMUTABLE,
-- which an exclusion constraint's expression must be.
create or replace function booking_blocks(
  p_start timestamptz, p_end timestamptz, p_before integer, p_after integer) returns tstzrange
language sql immutable parallel safe as $$
  select tstzrange(p_start - make_interval(mins => p_before), p_end + make_interval(mins => p_after), '[)')
$$;

-- The backstop behind the calendar grain now compares the ranges with their buffers, exactly as the
-- slot engine does (a booking and its buffers never overlap another booking or its buffers). With
-- zero buffers (every booking made before this version) it is the constraint V6 created.
alter table bookings drop constraint if exists bookings_no_overlap;
alter table bookings add constraint bookings_no_overlap exclude using gist (
  organizer_id with =, booking_blocks(start_time, end_time, buffer_before_minutes, buffer_after_minutes) with &&
) where (status in ('Pending', 'Confirmed'));

-- Blocked time ("out of office") is an Event with no event type and no bookings.
alter table events alter column event_type_id drop not null;
-- The calendar loads its blocks that have not ended (GET /api/events already pages by events_user_start).
create index if not exists events_user_blocks on events (user_id, end_time) where event_type_id is null;

-- Date overrides: for a local date in the organizer's zone, availability replacing the weekly rules.
-- No intervals = unavailable all day; otherwise exactly the date's intervals.
create table if not exists date_overrides (
  user_id uuid not null references users (id),
  date date not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (user_id, date)
);

create table if not exists date_override_intervals (
  user_id uuid not null,
  date date not null,
  start_time time not null,
  -- 24:00:00 is a valid time: a window running to midnight.
  end_time time not null,
  check (start_time < end_time),
  foreign key (user_id, date) references date_overrides (user_id, date) on delete cascade
);
create index if not exists date_override_intervals_date on date_override_intervals (user_id, date);
