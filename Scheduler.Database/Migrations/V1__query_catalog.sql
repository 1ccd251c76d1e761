-- The catalogue the Orleans ADO.NET providers read their SQL from, by key, once per process.
-- Orleans names it without quotes, so it must be the folded, lower-case name in a schema on the
-- search_path. Later migrations add their rows with INSERT ... ON CONFLICT DO UPDATE, so re-running
-- a script (by hand, or after a failed half-run) converges instead of failing on duplicates.
create table if not exists orleansquery (
  querykey text primary key,
  querytext text not null
);
