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

-- Bookings already carry the number (V13).
create index if not exists bookings_calendar_start on bookings (calendar_number, start_time);
drop index if exists bookings_organizer_start;

-- Events get it the same way: the commit names it (a subselect in the same statement); writers that
-- do not (the previous version's silos during a rolling upgrade, rows written by hand) get their
-- organizer's from this trigger.
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

-- Events of organizers without a calendar row (only ever written by hand) get one at version 1, as
-- V13 did for bookings.
insert into calendars (organizer_id, version, created_at, updated_at)
select distinct e.user_id, 1, now(), now()
from events e
where not exists (select 1 from calendars c where c.organizer_id = e.user_id)
on conflict do nothing;

-- The old index goes first, so the backfill does not maintain it.
drop index if exists events_user_start;
update events e set calendar_number = c.number
from calendars c
where c.organizer_id = e.user_id and e.calendar_number is distinct from c.number;
alter table events alter column calendar_number set not null;
create index if not exists events_calendar_start on events (calendar_number, start_time);
