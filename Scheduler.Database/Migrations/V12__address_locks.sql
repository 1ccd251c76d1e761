-- Creating a user for an address takes the address's lock (issue 7: WAL per booking).
--
-- A calendar's commit copies its anonymous bookers' new users with COPY, which PostgreSQL writes as
-- one WAL record per page instead of one per row, and without the extra record of an ON CONFLICT
-- insert. COPY cannot skip a row whose address another transaction created a moment before, and such
-- a row would fail the whole batch. So whoever creates a user for an address (the commit for its new
-- bookers, sign-up for its account) first takes that address's transaction-level advisory lock, then
-- reads whether the address has a user, in a statement of its own that sees anything committed by the
-- lock's previous holder. Locks are taken in one order (by their key), so two commits that share new
-- addresses cannot deadlock on them. Advisory locks write no WAL; the unique index on
-- email_normalized stays the backstop.
create or replace function lock_user_addresses(p_addresses text[]) returns void
language plpgsql volatile as $fn$
begin
  -- Class 7 (two-key form): nothing else in this database uses it. Two addresses sharing a 32-bit
  -- hash only wait for each other.
  perform pg_advisory_xact_lock(7, k)
  from (select distinct hashtext(a) as k from unnest(p_addresses) as a) keys
  order by k;
end
$fn$;
