#!/usr/bin/env bash
# Where a booking's WAL goes: per table and per relation and kind of WAL record. Starts ./run.sh on a
# fresh private PostgreSQL (stock settings, as bench.sh does), takes a CHECKPOINT, runs one load-tester
# scenario against the product, and reads the WAL written between the LSNs around it with pg_waldump,
# each record's relfilenode looked up in pg_class. Divides by the bookings the run stored. Stops all it
# started. This is how README's "Where the WAL goes" was measured.
#
#   scripts/wal-breakdown.sh                              hot-calendar, 64 bookers, 6 000 bookings
#   scripts/wal-breakdown.sh many-calendars -m 20 -n 6000 any load-tester scenario and arguments
#
#   WAL_PORT   web port; the silo, gateway, metrics and PostgreSQL ports follow from it (default 5380)
#   WAL_OUT    folder for waldump.txt, the relation map and the breakdown (default loadtest-reports/wal-<UTC time>)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/private-run.sh

say() { printf '[wal] %s\n' "$*" >&2; }

args=("$@")
[ "${#args[@]}" -eq 0 ] && args=(hot-calendar -c 64 -n 6000)
web_port="${WAL_PORT:-5380}"
pg_port=$((web_port + 50000))
url="http://127.0.0.1:$web_port"
out="${WAL_OUT:-loadtest-reports/wal-$(date -u +%Y%m%d-%H%M%S)}"
mkdir -p "$out"

say "building (Release)…"
dotnet build Scheduler.LoadTest/Scheduler.LoadTest.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build Scheduler.Silo/Scheduler.Silo.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build Scheduler.Web/Scheduler.Web.csproj -c Release -nologo -v quiet -clp:ErrorsOnly

data="$(mktemp -d /tmp/scheduler-wal-XXXXXX)"
trap 'private_run_stop "$data" "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting ./run.sh (log: $data/run.log)"
private_run_start "$data" "$web_port" wal || exit 1

bindir="$(pg_bindir)"
export PGPASSWORD; PGPASSWORD="$(cat "$data/pg-password")"
q() { "$bindir/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d scheduler -XAtc "$1"; }

q "checkpoint" >/dev/null
start="$(q "select pg_current_wal_lsn()")"
before="$(q "select count(*) from bookings")"
say "load: ${args[*]}"
dotnet Scheduler.LoadTest/bin/Release/net10.0/Scheduler.LoadTest.dll "${args[@]}" --url "$url" --no-live \
  --out "$out" >"$out/loadtest.log" 2>&1 || { tail -30 "$out/loadtest.log" >&2; say "the load test failed"; exit 1; }
end="$(q "select pg_current_wal_lsn()")"
bookings=$(( $(q "select count(*) from bookings") - before ))
[ "$bookings" -gt 0 ] || { say "no bookings stored"; exit 1; }
wal="$(q "select pg_wal_lsn_diff('$end', '$start')::bigint")"

# Each relation file's relation, and the table an index belongs to (a relation's own name otherwise).
q "select c.relfilenode, c.relname, coalesce(t.relname, c.relname)
   from pg_class c left join pg_index i on i.indexrelid = c.oid left join pg_class t on t.oid = i.indrelid
   where c.relfilenode <> 0" | tr '|' ' ' >"$out/relmap.txt"
"$bindir/pg_waldump" -p "$data/pgdata/pg_wal" -s "$start" -e "$end" >"$out/waldump.txt" 2>/dev/null || true

{
  printf 'bookings stored %d, WAL %d bytes: %d bytes per booking (%s .. %s)\n\n' \
    "$bookings" "$wal" $((wal / bookings)) "$start" "$end"
  awk -v n="$bookings" '
    NR == FNR { rel[$1] = $2; table[$1] = $3; next }
    {
      if (!match($0, /len \(rec\/tot\): *[0-9]+\/ *[0-9]+/)) next
      len = substr($0, RSTART, RLENGTH); sub(/.*\/ */, "", len)
      rmgr = $2; sub(/,$/, "", rmgr)
      kind = $0; sub(/.*desc: /, "", kind); split(kind, words, " "); kind = rmgr ":" words[1]
      if ($0 ~ /FPW/) kind = kind " (full page)"
      name = "-"; owner = "(no relation: commits, …)"
      if (match($0, /rel [0-9]+\/[0-9]+\/[0-9]+/)) {
        split(substr($0, RSTART + 4, RLENGTH - 4), path, "/")
        name = (path[3] in rel) ? rel[path[3]] : "relfilenode " path[3]
        owner = (path[3] in table) ? table[path[3]] : name
      }
      # A foreign key check locks the row it finds: counted apart from the table that holds the row.
      if (kind ~ /^Heap:LOCK/) owner = "row locks (foreign-key checks)"
      # Mapped catalogs (relfilenode 0 in pg_class): the server housekeeping.
      if (name ~ /^relfilenode /) owner = "system catalogs"
      bytes[name "\t" kind] += len; records[name "\t" kind]++
      group[owner] += len; total += len
    }
    END {
      printf "%10s  %s\n", "B/booking", "table with its indexes"
      for (g in group) printf "%10.1f  %s\n", group[g] / n, g | "sort -rn"
      close("sort -rn")
      printf "%10.1f  all records (the WAL per booking above also counts page headers and alignment)\n\n", total / n
      printf "%10s %10s  %s\n", "B/booking", "rec/bkg", "relation, record"
      for (k in bytes) { split(k, p, "\t"); printf "%10.1f %10.2f  %s %s\n", bytes[k] / n, records[k] / n, p[1], p[2] | "sort -rn | head -40" }
    }' "$out/relmap.txt" "$out/waldump.txt"
} | tee "$out/breakdown.txt"
say "waldump, relation map and breakdown in $out"
