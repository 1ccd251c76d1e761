# shellcheck shell=bash
# PostgreSQL helpers shared by run.sh and test.sh. Source this file; it defines functions only.
#
#   pg_ensure_installed            install Debian's postgresql package if no initdb can be found
#   pg_start DATADIR PORT DBNAME   initialise (first time) and start a private cluster on 127.0.0.1:PORT,
#                                  then export SCHEDULER_DB for database DBNAME
#   pg_stop DATADIR                fast shutdown of that cluster
#
# The cluster runs with PostgreSQL's stock settings (max_connections = 100, fsync on), as a managed
# PostgreSQL would give them; only ./test.sh's throwaway cluster changes them (SCHEDULER_PG_FSYNC,
# SCHEDULER_PG_MAX_CONNECTIONS) to run many test fixtures side by side.
# The cluster listens on loopback only, authenticates with a generated password (scram-sha-256) kept
# in DATADIR/../pg-password (mode 600), and runs as the `postgres` user when we are root, because
# PostgreSQL refuses to run as root.

pg_log() { printf '[postgres] %s\n' "$*" >&2; }

pg_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v initdb)")"; return 0
  fi
  return 1
}

pg_ensure_installed() {
  if pg_bindir >/dev/null; then return 0; fi
  pg_log "no PostgreSQL server found: installing Debian's postgresql package"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >&2
  $sudo apt-get install -y -qq postgresql >&2
  pg_bindir >/dev/null || { pg_log "PostgreSQL install failed"; return 1; }
}

# Run a command as the user that owns the cluster.
pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_start() {
  local datadir="$1" port="$2" dbname="$3"
  local bindir; bindir="$(pg_bindir)" || { pg_log "no initdb found"; return 1; }
  local parent; parent="$(dirname "$datadir")"
  local pwfile="$parent/pg-password"
  mkdir -p "$parent"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    chown postgres: "$parent"
  fi
  if [ ! -s "$datadir/PG_VERSION" ]; then
    pg_log "initialising a new cluster in $datadir"
    [ -s "$pwfile" ] || (umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$pwfile")
    [ "$(id -u)" -eq 0 ] && chown postgres: "$pwfile"
    pg_as_owner "$bindir/initdb" -D "$datadir" -U postgres --pwfile="$pwfile" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if pg_as_owner "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1; then
    pg_log "already running ($datadir)"
  else
    pg_as_owner "$bindir/pg_ctl" -D "$datadir" -w -t 60 -l "$datadir/server.log" \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $datadir${SCHEDULER_PG_MAX_CONNECTIONS:+ -c max_connections=$SCHEDULER_PG_MAX_CONNECTIONS} -c fsync=${SCHEDULER_PG_FSYNC:-on}" \
      start >/dev/null || { pg_log "start failed; see $datadir/server.log"; tail -20 "$datadir/server.log" >&2; return 1; }
  fi
  local password; password="$(cat "$pwfile")"
  export SCHEDULER_DB="Host=127.0.0.1;Port=$port;Username=postgres;Password=$password;Database=$dbname"
}

pg_stop() {
  local datadir="$1"
  local bindir; bindir="$(pg_bindir)" || return 0
  [ -s "$datadir/PG_VERSION" ] || return 0
  pg_as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null 2>&1 || true
}

# A TCP port nobody listens on (best effort).
free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}
