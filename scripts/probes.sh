# shellcheck shell=bash
# Start-up probes for run.sh. Source this file; it defines functions only. Every probe and every wait
# is bounded: a port that accepts a connection and then never answers (a hung process, something
# else on the port) counts as "not up yet", so start-up fails at its deadline instead of hanging.
#
#   listening PORT                      something accepts TCP connections on 127.0.0.1:PORT
#   healthy URL                         GET URL/healthz answers 200
#   wait_for WHAT SECONDS CHECK ARG...  polls CHECK ARG for each ARG until all pass; calls the
#                                       caller's `die` if `all_running` fails or time runs out
#
#   SCHEDULER_PROBE_TIMEOUT  seconds one probe may take, connecting included (default 5)

# Each probe runs in its own bash under `timeout`: bash's /dev/tcp has no connect or read timeout.
_probe() { # SCRIPT ARG...
  timeout "${SCHEDULER_PROBE_TIMEOUT:-5}" bash -c "$@" 2>/dev/null
}

listening() { # PORT
  _probe 'exec 4<>"/dev/tcp/127.0.0.1/$1"' _ "$1"
}

healthy() { # URL
  local hp="${1#*://}"; hp="${hp%%/*}"
  local status
  status="$(_probe '
    exec 3<>"/dev/tcp/${1%:*}/${1##*:}" || exit 1
    printf "GET /healthz HTTP/1.0\r\nHost: %s\r\n\r\n" "$1" >&3
    read -r _ status _ <&3 || exit 1
    printf %s "$status"' _ "$hp")" || return 1
  [ "$status" = "200" ]
}

wait_for() { # WHAT SECONDS CHECK ARG...
  local what="$1" seconds="$2" check="$3"; shift 3
  local deadline=$((SECONDS + seconds)) pending=("$@") next arg
  while [ "${#pending[@]}" -gt 0 ]; do
    next=()
    for arg in "${pending[@]}"; do "$check" "$arg" || next+=("$arg"); done
    pending=("${next[@]}")
    [ "${#pending[@]}" -eq 0 ] && return 0
    all_running || die "a process exited while waiting for $what"
    [ "$SECONDS" -lt "$deadline" ] || die "$what not up after ${seconds}s: ${pending[*]}"
    sleep 0.5
  done
}
