-- The organizer's listings of bookings and events are keyed by the calendar's 4-byte number (V13)
-- instead of the organizer's 16-byte uuid: (calendar_number, start_time).
--
-- Two things change. Each entry is 8 bytes smaller. And PostgreSQL's B-tree splits a full page where
-- an organizer's entries are appended (a "localized ascending" insertion) at the new entry, leaving
-- the left page full, only when entries are at most 16 bytes of key (nbtsplitloc.c,
-- _bt_afternewitemoff): with the uuid every calendar that was not the index's rightmost split its
-- pages half-and-half, leaving them half empty and logging half a page per split. With twenty
-- calendars writing at once that was about 47 bytes of WAL per booking; with one, it depended on
-- whether its uuid sorted last (±100 bytes per booking between otherwise equal runs).
--
-- Queries by organizer find the number in calendars first (a calendar's row exists from its first
-- commit, which writes every booking and event it has).

-- In the order every commit takes its locks (calendars, then events, then bookings), so that a
-- commit running while this migrates waits for it instead of deadlocking with it (PostgreSQL would
-- end the migration, not the commit).

-- Events of organizers without a calendar row (only ever written by hand) get one at version 1, as
-- V13 did for bookings.
insert into calendars (organizer_id, version, created_at, updated_at)
select distinct e.user_id, 1, now(), now()
from events e
where not exists (select 1 from calendars c where c.organizer_id = e.user_id)
on conflict do nothing;

-- Events get the number as bookings did: the commit names it (a subselect in the same statement);
-- writers that do not (the previous version's silos during a rolling upgrade, rows written by hand)
-- get their organizer's from this trigger.
alter table events add column if not exists calendar_number integer;

create or replace function events_calendar_number() returns trigger
language plpgsql as $$
begin
  select c.number into new.calendar_number from calendars c where c.organizer_id = new.user_id;
  return new;
end
$$;
drop trigger if exists events_calendar_number on events;
create trigger events_calendar_number before insert on events
  for each row when (new.calendar_number is null) execute function events_calendar_number();

-- The old index goes first, so the backfill does not maintain it.
drop index if exists events_user_start;
update events e set calendar_number = c.number
from calendars c
where c.organizer_id = e.user_id and e.calendar_number is distinct from c.number;
alter table events alter column calendar_number set not null;
create index if not exists events_calendar_start on events (calendar_number, start_time);

-- Bookings already carry the number (V13).
create index if not exists bookings_calendar_start on bookings (calendar_number, start_time);
drop index if exists bookings_organizer_start;

-- The listings of what has not ended yet read only what started at most as long ago as a booking
-- (1 440 minutes: every version has refused longer event types) or an event (a booking's, or blocked
-- time of up to 366 days) can last (BookingQueries). The database holds new rows to that; existing
-- rows were all written within it (NOT VALID: not checked again, so the upgrade cannot fail on them).
alter table bookings drop constraint if exists bookings_longest;
alter table bookings add constraint bookings_longest check (end_time - start_time <= interval '1440 minutes') not valid;
alter table events drop constraint if exists events_longest;
alter table events add constraint events_longest check (
  end_time - start_time <= case when event_type_id is null then interval '366 days' else interval '1440 minutes' end) not valid;
