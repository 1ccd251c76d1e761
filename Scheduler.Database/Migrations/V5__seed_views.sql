-- The seed's six relations as plain SQL, for operators ("who booked what, when").
--
-- They are views over the grains' stored state (System.Text.Json in orleans_storage.payload), so
-- they are exactly as consistent as the grains themselves: there is no second copy to drift, and
-- no second write on the booking path. They are read-only; the grains remain the only writers.
-- Password hashes and manage-token hashes are never exposed.
-- Safe to run again: every object is created with "or replace".

create or replace view scheduler_state as
select s.grain_type, convert_from(s.payload, 'UTF8')::jsonb as state, s.modified_on
from orleans_storage s
where s.payload is not null and s.grain_type in ('user', 'calendar', 'inbox');

create or replace function scheduler_minutes_to_time(minutes integer) returns time
language sql immutable as $$
  select case when minutes >= 1440 then time '24:00' else time '00:00' + make_interval(mins => minutes) end
$$;

create or replace view users as
select (state->>'Id')::uuid as id,
       state->>'Name' as name,
       state->>'Email' as email,
       state->>'TimeZone' as time_zone,
       (state->>'CreatedAt')::timestamptz as created_at,
       (state->>'UpdatedAt')::timestamptz as updated_at,
       (state->>'PasswordHash') is not null as has_password
from scheduler_state
where grain_type = 'user' and state ? 'Id' and state->>'Name' is not null;

create or replace view event_types as
select (e->>'Id')::uuid as id,
       (c.state->>'OrganizerId')::uuid as user_id,
       e->>'Title' as title,
       e->>'Description' as description,
       (e->>'DurationMinutes')::integer as duration_minutes,
       e->>'Location' as location,
       (e->>'CreatedAt')::timestamptz as created_at,
       (e->>'UpdatedAt')::timestamptz as updated_at,
       coalesce((e->>'Active')::boolean, true) as active,
       coalesce((e->>'RequiresConfirmation')::boolean, false) as requires_confirmation
from scheduler_state c
cross join lateral jsonb_array_elements(coalesce(c.state->'EventTypes', '[]'::jsonb)) e
where c.grain_type = 'calendar' and c.state ? 'OrganizerId'
  and not coalesce((e->>'Deleted')::boolean, false);

create or replace view events as
select (e.value->>'Id')::uuid as id,
       (e.value->>'EventTypeId')::uuid as event_type_id,
       (c.state->>'OrganizerId')::uuid as user_id,
       e.value->>'Title' as title,
       e.value->>'Description' as description,
       (e.value->>'Start')::timestamptz as start_time,
       (e.value->>'End')::timestamptz as end_time,
       e.value->>'Location' as location,
       (e.value->>'CreatedAt')::timestamptz as created_at,
       (e.value->>'UpdatedAt')::timestamptz as updated_at
from scheduler_state c
cross join lateral jsonb_each(coalesce(c.state->'Events', '{}'::jsonb)) e
where c.grain_type = 'calendar' and c.state ? 'OrganizerId';

create or replace view availability as
select (a->>'Id')::uuid as id,
       (c.state->>'OrganizerId')::uuid as user_id,
       (array['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'])[(a->>'DayOfWeek')::integer + 1] as day_of_week,
       scheduler_minutes_to_time((a->>'StartMinute')::integer) as start_time,
       scheduler_minutes_to_time((a->>'EndMinute')::integer) as end_time,
       (a->>'CreatedAt')::timestamptz as created_at,
       (a->>'UpdatedAt')::timestamptz as updated_at
from scheduler_state c
cross join lateral jsonb_array_elements(coalesce(c.state->'Availability', '[]'::jsonb)) a
where c.grain_type = 'calendar' and c.state ? 'OrganizerId';

create or replace view bookings as
select (b.value->>'Id')::uuid as id,
       (b.value->>'EventId')::uuid as event_id,
       (b.value->>'UserId')::uuid as user_id,
       (c.state->>'OrganizerId')::uuid as organizer_id,
       (b.value->>'EventTypeId')::uuid as event_type_id,
       (array['Pending', 'Confirmed', 'Cancelled'])[(b.value->>'Status')::integer + 1] as status,
       (b.value->>'Start')::timestamptz as start_time,
       (b.value->>'End')::timestamptz as end_time,
       (b.value->>'CreatedAt')::timestamptz as created_at,
       (b.value->>'UpdatedAt')::timestamptz as updated_at,
       b.value->>'Name' as name,
       b.value->>'Email' as email,
       b.value->>'Notes' as notes,
       b.value->>'CancellationReason' as cancellation_reason,
       b.value->>'CancelledBy' as cancelled_by
from scheduler_state c
cross join lateral jsonb_each(coalesce(c.state->'Bookings', '{}'::jsonb)) b
where c.grain_type = 'calendar' and c.state ? 'OrganizerId';

create or replace view notifications as
select (n->>'Id')::uuid as id,
       (i.state->>'UserId')::uuid as user_id,
       n->>'Message' as message,
       (n->>'SentAt')::timestamptz as sent_at,
       (n->>'ReadAt')::timestamptz as read_at,
       (n->>'BookingId')::uuid as booking_id,
       n->>'Kind' as kind
from scheduler_state i
cross join lateral jsonb_array_elements(coalesce(i.state->'Notifications', '[]'::jsonb)) n
where i.grain_type = 'inbox' and i.state ? 'UserId';
