-- One version check for all the calendars of a commit-queue transaction (issue 7, many-calendars).
--
-- calendar_commit_version (V6) was called once per calendar: a PL/pgSQL call and an UPDATE statement
-- each, about two thirds of a call per booking when twenty calendars share a transaction. This does
-- the same compare-and-increment for every calendar of the transaction in two statements: insert the
-- calendars written for the first time (expected version 0), update the others where their version
-- is still the expected one, and fail the whole transaction with SQLSTATE SC409 (changing nothing)
-- if any calendar missed. It returns each calendar's new version, in the order given.
-- calendar_commit_version stays for silos of the previous version during a rolling upgrade.
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
     set version = c.version + 1, time_zone = x.zone, token_key = x.token, booking_reminder_due = x.due, updated_at = x.now
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
