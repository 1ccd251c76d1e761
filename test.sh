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
  SCHEDULER_PG_FSYNC=off pg_start "$tmp/pgdata" "$(free_port)" postgres
fi

dotnet build Scheduler.sln -c Release -nologo -clp:ErrorsOnly
# Test projects run one after another: the machine has two cores and the integration suites each
# start silos, web hosts and Postgres connections of their own.
dotnet test Scheduler.sln -c Release --no-build -nologo -m:1 \
  --logger "console;verbosity=normal" "$@"
