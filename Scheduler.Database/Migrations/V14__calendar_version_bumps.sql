-- A calendar's row changes in every commit only by its version (issue 7, WAL per booking).
--
-- V11's compare-and-increment also set updated_at on every commit. PostgreSQL logs an update on the
-- same page (a HOT update) as the bytes between the first and the last that changed, so a new
-- updated_at made it log the version, the time zone, the 44-character token key, the reminder time
-- and both timestamps: about 150 bytes per calendar per commit instead of about 80. With twenty
-- calendars sharing a transaction (many-calendars) that was 0.7 row updates, about 50 bytes of WAL,
-- per booking. updated_at now says when the calendar's settings (time zone, token key, reminder
-- time) last changed; the version says how often it was written.
create or replace function calendar_commit_versions(
  p_organizers uuid[], p_expected bigint[], p_time_zones text[], p_token_keys text[],
  p_reminder_dues timestamptz[], p_nows timestamptz[]) returns setof bigint
language plpgsql volatile as $fn$
declare
  written bigint;
  stale uuid;
begin
  insert into calendars (organizer_id, version, time_zone, token_key, booking_reminder_due, created_at, updated_at)
  select x.organizer, 1, x.zone, x.token, x.due, x.now, x.now
  from unnest(p_organizers, p_expected, p_time_zones, p_token_keys, p_reminder_dues, p_nows)
       as x(organizer, expected, zone, token, due, now)
  where x.expected = 0
  order by x.organizer
  on conflict do nothing;
  get diagnostics written = row_count;
  if written <> (select count(*) from unnest(p_expected) as e(v) where e.v = 0) then
    select x.organizer into stale
    from unnest(p_organizers, p_expected, p_nows) as x(organizer, expected, now)
    join calendars c on c.organizer_id = x.organizer
    where x.expected = 0 and c.created_at is distinct from x.now
    limit 1;
    raise exception 'calendar % was first written by another activation', stale using errcode = 'SC409';
  end if;

  update calendars c
     set version = c.version + 1, time_zone = x.zone, token_key = x.token, booking_reminder_due = x.due,
         -- Only when the calendar's settings change: a bump of the version alone leaves every other
         -- byte of the row as it was, so PostgreSQL logs the new version's 8 bytes, not the row.
         updated_at = case when (c.time_zone, c.token_key, c.booking_reminder_due) is distinct from (x.zone, x.token, x.due)
                           then x.now else c.updated_at end
    from unnest(p_organizers, p_expected, p_time_zones, p_token_keys, p_reminder_dues, p_nows)
         as x(organizer, expected, zone, token, due, now)
   where x.expected > 0 and c.organizer_id = x.organizer and c.version = x.expected;
  get diagnostics written = row_count;
  if written <> (select count(*) from unnest(p_expected) as e(v) where e.v > 0) then
    select x.organizer into stale
    from unnest(p_organizers, p_expected) as x(organizer, expected)
    where x.expected > 0
      and not exists (select 1 from calendars c where c.organizer_id = x.organizer and c.version = x.expected + 1)
    limit 1;
    raise exception 'calendar % is no longer at the version its commit expected', stale using errcode = 'SC409';
  end if;

  return query select case when x.expected = 0 then 1::bigint else x.expected + 1 end
               from unnest(p_expected) with ordinality as x(expected, n)
               order by x.n;
end
$fn$;
