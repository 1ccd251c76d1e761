-- An organizer's calendar feed: a secret URL that calendar apps subscribe to (GET
-- /api/organizers/{id}/calendar.ics?token=…), listing the calendar's bookings. One per user; making a
-- new one replaces it. Only the SHA-256 of the secret is kept, as for verification and reset links.
-- A feed made before the account's tokens_valid_after ("sign out everywhere", a new password, a
-- reset) no longer works: whoever may have taken the account cannot keep reading it through a feed.
create table if not exists calendar_feeds (
  user_id uuid primary key references users (id),
  token_hash bytea not null,
  created_at timestamptz not null
);
