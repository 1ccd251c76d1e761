#!/usr/bin/env bash
# Runs every test. Without SCHEDULER_DB it starts a throwaway PostgreSQL (installing it if needed)
# and removes it afterwards; with SCHEDULER_DB set, tests create their own databases on that server.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh
source scripts/prereqs.sh

ensure_test_prerequisites

if [ -z "${SCHEDULER_DB:-}" ]; then
  pg_ensure_installed
  tmp="$(mktemp -d /tmp/scheduler-test-XXXXXX)"
  chmod 755 "$tmp"
  cleanup() { pg_stop "$tmp/pgdata"; rm -rf "$tmp"; }
  trap cleanup EXIT
  # A throwaway cluster: durability across OS crashes is not what the tests check.
  SCHEDULER_PG_FSYNC=off SCHEDULER_PG_MAX_CONNECTIONS=1000 pg_start "$tmp/pgdata" "$(free_port)" postgres
fi

results="$(mktemp -d /tmp/scheduler-results-XXXXXX)"
dotnet build Scheduler.sln -c Release -nologo -clp:ErrorsOnly
# Test projects run one after another: the machine has two cores and the integration suites each
# start silos, web hosts and Postgres connections of their own.
status=0
dotnet test Scheduler.sln -c Release --no-build -nologo -m:1 \
  --logger "console;verbosity=normal" --logger trx --results-directory "$results" "$@" || status=$?

# One closing line for all test projects together.
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed))); failed=$((failed + $(get failed)))
  skipped=$((skipped + $(get notExecuted)))
done
rm -rf "$results"
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$passed" -gt 0 ] || status=1
exit "$status"
