-- Accounts prove they own their address before they see what was booked with it (issue 10).
--
-- An account is a users row with a credentials row. Anonymous bookings are attached to the users row
-- holding their address (created by the calendar's commit when there is none), so the row an account
-- signs up onto may already carry a stranger's bookings and notifications. Until email_verified_at is
-- set, the account sees none of them: booker listings, booker notifications, live booker pushes and the
-- booker's access to a booking all require a verified address. Verifying is the merge: nothing moves,
-- the account simply starts to count as that address's booker.

-- Accounts from before this version were the only account their address ever had and have been using
-- their bookings as theirs: they keep them (marked verified at upgrade time) rather than being locked
-- out until they find a mail. Only when the column is new, so running this script again by hand
-- cannot verify an account that signed up since.
do $$
begin
  if not exists (select 1 from information_schema.columns
                 where table_schema = current_schema() and table_name = 'users' and column_name = 'email_verified_at') then
    alter table users add column email_verified_at timestamptz;
    update users u set email_verified_at = c.created_at from credentials c where c.user_id = u.id;
  end if;
end
$$;

-- Links mailed to prove an address: single use, expiring. Only the SHA-256 of the secret is kept.
create table if not exists email_verifications (
  token_hash bytea primary key,
  user_id uuid not null references users (id),
  -- The address the link was mailed to: a link proves that address, not whatever the row holds later.
  email_normalized text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index if not exists email_verifications_user on email_verifications (user_id);

-- Tokens that can end. Access tokens issued before tokens_valid_after are refused (sign out
-- everywhere; every password change sets it), and a token revoked by itself is listed here until it
-- would have expired anyway.
alter table users add column if not exists tokens_valid_after timestamptz;

create table if not exists revoked_tokens (
  token_id uuid primary key,
  user_id uuid not null references users (id),
  expires_at timestamptz not null
);
create index if not exists revoked_tokens_user on revoked_tokens (user_id, expires_at);
