#!/usr/bin/env bash
# Brings up everything: PostgreSQL (unless SCHEDULER_DB is set), the Orleans silos and the web front
# ends, in the foreground. Ctrl-C or SIGTERM stops all of it.
#
#   SCHEDULER_DB            Npgsql connection string; when set, no PostgreSQL is started
#   SCHEDULER_URLS          where the web front end listens (default http://127.0.0.1:5080)
#   SCHEDULER_SILO_PORT     silo-to-silo port (default 11111)
#   SCHEDULER_GATEWAY_PORT  client gateway port (default 30000)
#   SCHEDULER_SILOS         how many silos (default 1); silo i uses SILO_PORT+i and GATEWAY_PORT+i
#   SCHEDULER_WEBS          how many front ends (default 1); front end j listens on the port of
#                           SCHEDULER_URLS + j, which must then be one http://host:port URL
#   SCHEDULER_SKIP_BUILD    1: use the existing Release build instead of building first
#   SCHEDULER_DATA_DIR      where the private PostgreSQL keeps its data between runs
#                           (default /var/lib/scheduler as root, else ~/.local/share/scheduler)
#   SCHEDULER_PG_PORT       port of the private PostgreSQL (default 55432)
#   SCHEDULER_METRICS_PORT  when set, silo i serves Prometheus metrics on 127.0.0.1:PORT+i/metrics
#   SCHEDULER_ORLEANS_DASHBOARD 1: silos collect the Orleans Dashboard's statistics and front end j serves
#                           it to operators on http://127.0.0.1:DASHBOARD_PORT+j/orleans-dashboard/ only
#   SCHEDULER_ORLEANS_DASHBOARD_PORT  first front end's operator (loopback) port (default 5090)
#   SCHEDULER_PROBE_TIMEOUT seconds one start-up probe may take (default 5; see scripts/probes.sh)
#   SCHEDULER_SMTP          host:port of the mail server; when unset, a local sink is started and
#                           every mail lands in $SCHEDULER_DATA_DIR/mail.log (SCHEDULER_MAIL_SINK_PORT)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/postgres.sh
source scripts/prereqs.sh
source scripts/probes.sh # listening, healthy, wait_for: bounded probes of the started processes

say() { printf '[run] %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

urls="${SCHEDULER_URLS:-http://127.0.0.1:5080}"
silos="${SCHEDULER_SILOS:-1}"
webs="${SCHEDULER_WEBS:-1}"
silo_port="${SCHEDULER_SILO_PORT:-11111}"
gateway_port="${SCHEDULER_GATEWAY_PORT:-30000}"
[[ "$silos" =~ ^[1-9][0-9]*$ ]] || die "SCHEDULER_SILOS must be a positive number, not '$silos'"
[[ "$webs" =~ ^[1-9][0-9]*$ ]] || die "SCHEDULER_WEBS must be a positive number, not '$webs'"
dashboard=""
case "${SCHEDULER_ORLEANS_DASHBOARD:-}" in
  1 | true) dashboard=1 ;;
  "" | 0 | false) ;;
  *) die "SCHEDULER_ORLEANS_DASHBOARD must be 1 or 0, not '$SCHEDULER_ORLEANS_DASHBOARD'" ;;
esac
dashboard_port="${SCHEDULER_ORLEANS_DASHBOARD_PORT:-5090}"
[[ "$dashboard_port" =~ ^[1-9][0-9]*$ ]] || die "SCHEDULER_ORLEANS_DASHBOARD_PORT must be a port number, not '$dashboard_port'"
one_http_url='^http://[^/:;,]+:[0-9]+/?$'
if [ "$webs" -gt 1 ] && ! [[ "$urls" =~ $one_http_url ]]; then
  die "with SCHEDULER_WEBS > 1, SCHEDULER_URLS must be one http://host:port URL, not '$urls'"
fi
if [ "$(id -u)" -eq 0 ]; then default_data=/var/lib/scheduler; else default_data="${XDG_DATA_HOME:-$HOME/.local/share}/scheduler"; fi
DATA_DIR="${SCHEDULER_DATA_DIR:-$default_data}"

# Where front end j listens: SCHEDULER_URLS as given for a single front end, else its port + j.
first_url="${urls%%[;,]*}"
hostport="${first_url#*://}"; hostport="${hostport%%/*}"
host="${hostport%:*}"; base_port="${hostport##*:}"
web_urls=()
if [ "$webs" -eq 1 ]; then
  web_urls=("$urls")
else
  for ((j = 0; j < webs; j++)); do web_urls+=("http://$host:$((base_port + j))"); done
fi

pids=()
started_pg=""
stopping=""
shutdown() {
  [ -n "$stopping" ] && return
  stopping=1
  trap - INT TERM EXIT
  say "stopping…"
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # All of them stop at once; whoever is still running after 10 s is killed.
  for _ in $(seq 1 100); do
    any_running || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  [ -n "$started_pg" ] && pg_stop "$DATA_DIR/pgdata"
  say "stopped"
}
trap 'shutdown; exit 130' INT
trap 'shutdown; exit 143' TERM
trap shutdown EXIT

any_running() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
all_running() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || return 1; done
}

if [ -z "${SCHEDULER_DB:-}" ]; then
  pg_ensure_installed
  mkdir -p "$DATA_DIR"
  pg_start "$DATA_DIR/pgdata" "${SCHEDULER_PG_PORT:-55432}" scheduler
  started_pg=1
  say "PostgreSQL on 127.0.0.1:${SCHEDULER_PG_PORT:-55432}, data in $DATA_DIR/pgdata"
fi
export SCHEDULER_DB

# Mail (verification links): a real server if SCHEDULER_SMTP names one, else a local sink that
# accepts everything and writes each message to mail.log.
if [ -z "${SCHEDULER_SMTP:-}" ]; then
  ensure_mail_sink_prerequisites
  mkdir -p "$DATA_DIR"
  mail_port="${SCHEDULER_MAIL_SINK_PORT:-$(free_port)}"
  /usr/bin/python3 -u -m aiosmtpd -n --smtputf8 -l "127.0.0.1:$mail_port" >>"$DATA_DIR/mail.log" 2>&1 &
  pids+=($!)
  wait_for "mail sink" 30 listening "$mail_port"
  export SCHEDULER_SMTP="127.0.0.1:$mail_port"
  say "mail goes to a local sink on 127.0.0.1:$mail_port: read it in $DATA_DIR/mail.log"
fi

silo_dir=Scheduler.Silo/bin/Release/net10.0
web_dir=Scheduler.Web/bin/Release/net10.0
if [ "${SCHEDULER_SKIP_BUILD:-}" = 1 ]; then
  [ -f "$silo_dir/Scheduler.Silo.dll" ] && [ -f "$web_dir/Scheduler.Web.dll" ] \
    || die "SCHEDULER_SKIP_BUILD=1 but there is no Release build: run dotnet build -c Release first"
else
  ensure_build_prerequisites
  say "building…"
  dotnet build Scheduler.Silo/Scheduler.Silo.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
  dotnet build Scheduler.Web/Scheduler.Web.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
fi

# Each process runs from its build output so it finds its appsettings.json.
gateways=()
for ((i = 0; i < silos; i++)); do
  # Silo i serves Prometheus metrics on SCHEDULER_METRICS_PORT + i when that is set.
  (cd "$silo_dir" || exit 1
   if [ -n "${SCHEDULER_METRICS_PORT:-}" ]; then export SCHEDULER_METRICS_PORT=$((SCHEDULER_METRICS_PORT + i)); fi
   # Silos collect the Orleans Dashboard's statistics when it is on (front ends serve it).
   if [ -n "$dashboard" ]; then export SCHEDULER_ORLEANS_DASHBOARD=1; else unset SCHEDULER_ORLEANS_DASHBOARD; fi
   SCHEDULER_SILO_PORT=$((silo_port + i)) SCHEDULER_GATEWAY_PORT=$((gateway_port + i)) exec dotnet Scheduler.Silo.dll) &
  pids+=($!)
  gateways+=($((gateway_port + i)))
done
# Front ends wait for a gateway anyway; starting them once the silos listen saves their retries.
wait_for "silo gateways" 120 listening "${gateways[@]}"

dashboards=()
for ((j = 0; j < webs; j++)); do
  # Front end j serves the Orleans Dashboard (when on) on its own loopback port, SCHEDULER_ORLEANS_DASHBOARD_PORT + j.
  (cd "$web_dir" || exit 1
   if [ -n "$dashboard" ]; then
     export SCHEDULER_ORLEANS_DASHBOARD=1 SCHEDULER_ORLEANS_DASHBOARD_PORT=$((dashboard_port + j))
   else
     unset SCHEDULER_ORLEANS_DASHBOARD SCHEDULER_ORLEANS_DASHBOARD_PORT
   fi
   SCHEDULER_URLS="${web_urls[$j]}" exec dotnet Scheduler.Web.dll) &
  pids+=($!)
  [ -n "$dashboard" ] && dashboards+=("http://127.0.0.1:$((dashboard_port + j))/orleans-dashboard/")
done
# A front end answers /healthz 200 once it reaches the cluster.
health_urls=()
for url in "${web_urls[@]}"; do health_urls+=("${url%%[;,]*}"); done
wait_for "front ends" 180 healthy "${health_urls[@]}"
say "Scheduler is up: ${health_urls[*]}  (gateways ${gateways[*]}; API under /api, health at /healthz; Ctrl-C to stop)"
if [ -n "$dashboard" ]; then say "Orleans Dashboard (operators, from this machine only): ${dashboards[*]}"; fi

# Stay in the foreground until a process exits or we are told to stop.
wait -n "${pids[@]}" || true
say "a process exited; shutting down the rest"
exit 1
