#!/usr/bin/env bash
# Brings up everything: PostgreSQL (unless SCHEDULER_DB is set), one Orleans silo and the web front
# end, in the foreground. Ctrl-C or SIGTERM stops all of it.
#
#   SCHEDULER_DB            Npgsql connection string; when set, no PostgreSQL is started
#   SCHEDULER_URLS          where the web front end listens (default http://127.0.0.1:5080)
#   SCHEDULER_SILO_PORT     silo-to-silo port (default 11111)
#   SCHEDULER_GATEWAY_PORT  client gateway port (default 30000)
#   SCHEDULER_DATA_DIR      where the private PostgreSQL keeps its data between runs
#                           (default /var/lib/scheduler as root, else ~/.local/share/scheduler)
#   SCHEDULER_PG_PORT       port of the private PostgreSQL (default 55432)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh

export SCHEDULER_URLS="${SCHEDULER_URLS:-http://127.0.0.1:5080}"
if [ "$(id -u)" -eq 0 ]; then default_data=/var/lib/scheduler; else default_data="${XDG_DATA_HOME:-$HOME/.local/share}/scheduler"; fi
DATA_DIR="${SCHEDULER_DATA_DIR:-$default_data}"

say() { printf '[run] %s\n' "$*" >&2; }

pids=()
started_pg=""
stopping=""
shutdown() {
  [ -n "$stopping" ] && return
  stopping=1
  trap - INT TERM EXIT
  say "stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  [ -n "$started_pg" ] && pg_stop "$DATA_DIR/pgdata"
  say "stopped"
}
trap 'shutdown; exit 130' INT
trap 'shutdown; exit 143' TERM
trap shutdown EXIT

if [ -z "${SCHEDULER_DB:-}" ]; then
  pg_ensure_installed
  mkdir -p "$DATA_DIR"
  pg_start "$DATA_DIR/pgdata" "${SCHEDULER_PG_PORT:-55432}" scheduler
  started_pg=1
  say "PostgreSQL on 127.0.0.1:${SCHEDULER_PG_PORT:-55432}, data in $DATA_DIR/pgdata"
fi
export SCHEDULER_DB

say "building…"
dotnet build Scheduler.Silo/Scheduler.Silo.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build Scheduler.Web/Scheduler.Web.csproj -c Release -nologo -v quiet -clp:ErrorsOnly

# Each process runs from its build output so it finds its appsettings.json.
(cd Scheduler.Silo/bin/Release/net10.0 && exec dotnet Scheduler.Silo.dll) &
pids+=($!)
# The front end waits for a gateway anyway; starting it once the silo listens saves its retries.
gateway_port="${SCHEDULER_GATEWAY_PORT:-30000}"
for _ in $(seq 1 120); do
  if { exec 4<>"/dev/tcp/127.0.0.1/$gateway_port"; } 2>/dev/null; then exec 4<&- 4>&-; break; fi
  kill -0 "${pids[0]}" 2>/dev/null || { say "the silo exited during start-up"; exit 1; }
  sleep 0.5
done
(cd Scheduler.Web/bin/Release/net10.0 && exec dotnet Scheduler.Web.dll) &
pids+=($!)

# Wait for the front end to report a reachable cluster (bash's /dev/tcp: no curl needed).
first_url="${SCHEDULER_URLS%%[;,]*}"
hostport="${first_url#*://}"; hostport="${hostport%%/*}"
host="${hostport%:*}"; port="${hostport##*:}"
healthy() {
  { exec 3<>"/dev/tcp/$host/$port"; } 2>/dev/null || return 1
  printf 'GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n' "$hostport" >&3
  local status; read -r _ status _ <&3 || true
  exec 3<&- 3>&-
  [ "$status" = "200" ]
}
for _ in $(seq 1 180); do
  if healthy; then
    say "Scheduler is up: $first_url  (API under /api, health at /healthz; Ctrl-C to stop)"
    break
  fi
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { say "a process exited during start-up"; exit 1; }; done
  sleep 1
done

# Stay in the foreground until a process exits or we are told to stop.
wait -n "${pids[@]}"
say "a process exited; shutting down the rest"
exit 1
