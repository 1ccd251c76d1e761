-- Forgotten passwords, and addresses taken by someone else's sign-up.
--
-- A reset link is mailed to the address; following it sets a new password. Whoever follows it has
-- proved the address, so the reset also verifies it and ends every token issued before (the one who
-- signed up with an address they do not own, and never verified it, loses the account to the owner).
-- Links are single use and expire; only the SHA-256 of the secret is kept, as for email_verifications.
create table if not exists password_resets (
  token_hash bytea primary key,
  user_id uuid not null references users (id),
  -- The address the link was mailed to: it resets the account only while the account holds it.
  email_normalized text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  used_at timestamptz
);
create index if not exists password_resets_user on password_resets (user_id, created_at);
