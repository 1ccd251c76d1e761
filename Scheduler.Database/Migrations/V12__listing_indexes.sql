-- The listing indexes drop their trailing id (issue 7: WAL per booking).
--
-- GET /api/bookings (organizer and booker) and GET /api/events page by (start_time, id). Their indexes
-- were (owner, start_time, id): 40-byte keys, three of them written by every booking. Without the id
-- they are 24-byte keys (57 bytes of WAL less per booking, measured); the listings still read them in
-- start order and sort only the rows that share a start time (an incremental sort), and the keyset
-- condition (start_time, id) > (…) still bounds the index scan by its start time.
drop index if exists bookings_organizer_start;
create index bookings_organizer_start on bookings (organizer_id, start_time);
drop index if exists bookings_booker_start;
create index bookings_booker_start on bookings (user_id, start_time);
drop index if exists events_user_start;
create index events_user_start on events (user_id, start_time);
