# shellcheck shell=bash
# ./run.sh on a fresh private PostgreSQL, for the measuring scripts (bench.sh, wal-breakdown.sh).
# Source this file after scripts/postgres.sh; it defines functions only.
#
#   private_run_start DATA WEB_PORT NAME [VAR=VALUE ...]
#       starts ./run.sh (already built: SCHEDULER_SKIP_BUILD) with its cluster and PostgreSQL in DATA,
#       the web on WEB_PORT and the other ports from it (silo +6000, gateway +25000, silo metrics +4000,
#       PostgreSQL +50000), PostgreSQL's stock max_connections and fsync, rate limits relaxed, the
#       VAR=VALUE settings added (they win); waits until it is up
#       (300 s at most) or fails. Its log is DATA/run.log.
#   private_run_stop DATA [KEEP_LOG_IN]
#       stops what private_run_start started, copies the log into KEEP_LOG_IN, removes DATA.
#   private_run_db DATA WEB_PORT
#       prints the Npgsql connection string of its database.

_private_run_pid=""

private_run_start() { # DATA WEB_PORT NAME [VAR=VALUE ...]
  local data="$1" web_port="$2" name="$3"; shift 3
  chmod 755 "$data"
  env SCHEDULER_SKIP_BUILD=1 SCHEDULER_DATA_DIR="$data" SCHEDULER_URLS="http://127.0.0.1:$web_port" \
    SCHEDULER_SILO_PORT=$((web_port + 6000)) SCHEDULER_GATEWAY_PORT=$((web_port + 25000)) \
    SCHEDULER_METRICS_PORT=$((web_port + 4000)) SCHEDULER_PG_PORT=$((web_port + 50000)) \
    SCHEDULER_PG_MAX_CONNECTIONS=100 SCHEDULER_PG_FSYNC=on \
    SCHEDULER_CLUSTER_ID="$name-$web_port" RateLimits__Profile=relaxed "$@" \
    ./run.sh >"$data/run.log" 2>&1 &
  _private_run_pid=$!
  for _ in $(seq 1 300); do
    grep -q "Scheduler is up" "$data/run.log" 2>/dev/null && return 0
    kill -0 "$_private_run_pid" 2>/dev/null || { tail -30 "$data/run.log" >&2; echo "run.sh exited" >&2; return 1; }
    sleep 1
  done
  tail -30 "$data/run.log" >&2
  echo "run.sh not up after 300 s" >&2
  return 1
}

private_run_stop() { # DATA [KEEP_LOG_IN]
  local data="$1" keep="${2:-}"
  if [ -n "$_private_run_pid" ] && kill -0 "$_private_run_pid" 2>/dev/null; then
    kill -TERM "$_private_run_pid" 2>/dev/null || true
    wait "$_private_run_pid" 2>/dev/null || true
  fi
  pg_stop "$data/pgdata"
  if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$data/run.log" "$keep/run.log" 2>/dev/null || true; fi
  rm -rf "$data"
}

private_run_db() { # DATA WEB_PORT
  echo "Host=127.0.0.1;Port=$(($2 + 50000));Username=postgres;Password=$(cat "$1/pg-password");Database=scheduler"
}
