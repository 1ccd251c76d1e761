-- A booking created with an Idempotency-Key keeps its reply in its own row (issue 7: WAL per booking).
--
-- The reply to a request that created a booking is that booking as first answered: its row plus the
-- status it was created with. Until now each such reply was a row of idempotency_replies of its own
-- (a heap tuple, an ON CONFLICT speculative insertion and a primary-key entry on a random key, per
-- booking). Now the booking's row carries the key, the request's fingerprint (SHA-256, 32 bytes) and
-- the status it was answered with; the calendar loads those of the last 25 hours with its working set
-- (they start after they were made, so the organizer's start-time index finds them). Refusals with a
-- key, and replies stored by earlier versions, stay in idempotency_replies.
alter table bookings add column if not exists idempotency_key text;
alter table bookings add column if not exists idempotency_fingerprint bytea;
alter table bookings add column if not exists idempotency_status text;
