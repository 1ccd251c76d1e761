#!/usr/bin/env bash
# Measures the product against the baseline (the plain-PostgreSQL design under /baseline) on this
# machine: starts everything with ./run.sh on a fresh private PostgreSQL (stock settings: fsync on,
# max_connections 100), runs each scenario against both with the database counters (--db), prints
# each run, the side-by-side comparison with ratios, and where the reports are. Stops all it started.
#
#   scripts/bench.sh                 hot-calendar only (64 concurrent bookers, 15 s)
#   scripts/bench.sh all             hot-calendar many-calendars hot-calendar-1000 hot-slot browse browse-max live history
#                                    (many-calendars right after hot-calendar: the storage issue compares the two, so they
#                                    run on the same database and silo state, before the 1000-booker run grows both)
#                                    (hot-calendar-1000: 1000 concurrent bookers; browse: open loop at 200 req/s
#                                    for latency; browse-max: closed loop, 32 concurrent, for throughput)
#   scripts/bench.sh hot-slot browse the named scenarios
#   scripts/bench.sh history         the product on a calendar holding 10 000 past and 2 000 future bookings
#                                    against the product on an empty one, and the reload time from the silo's log
#
#   BENCH_DURATION     seconds of measured load per run (default 15)
#   BENCH_WARMUP       seconds of unmeasured load before each throughput run (hot-calendar, hot-calendar-1000,
#                      many-calendars, browse-max; product and baseline alike), so that no compared run is the
#                      one paying for cold code paths; the database counters and batch sizes include it (default 3)
#   BENCH_FIRST_WARMUP seconds of one unreported hot-calendar run against each target before the first scenario, so
#                      that the first compared run is not the one meeting a fresh silo (default 15; 0: none)
#   BENCH_CONCURRENCY  hot-calendar / many-calendars concurrency (default 64)
#   BENCH_OUT          report folder (default loadtest-reports/bench-<UTC time>)
#   BENCH_PORT         web port; the silo, gateway, silo-metrics and PostgreSQL ports follow from it (default 5280)
#
# Product runs also read the silos' commit batch sizes from their Prometheus endpoints
# (SCHEDULER_METRICS_PORT = BENCH_PORT + 4000, silo i on + i) with --metrics.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/private-run.sh

say() { printf '[bench] %s\n' "$*" >&2; }

scenarios=("$@")
[ "${#scenarios[@]}" -eq 0 ] && scenarios=(hot-calendar)
[ "${scenarios[0]}" = all ] && scenarios=(hot-calendar many-calendars hot-calendar-1000 hot-slot browse browse-max live history)
duration="${BENCH_DURATION:-15}"
warmup="${BENCH_WARMUP:-3}"
first_warmup="${BENCH_FIRST_WARMUP:-15}"
concurrency="${BENCH_CONCURRENCY:-64}"
out="${BENCH_OUT:-loadtest-reports/bench-$(date -u +%Y%m%d-%H%M%S)}"
web_port="${BENCH_PORT:-5280}"
url="http://127.0.0.1:$web_port"
metrics_port=$((web_port + 4000))
metrics=()
for ((i = 0; i < ${SCHEDULER_SILOS:-1}; i++)); do metrics+=("http://127.0.0.1:$((metrics_port + i))/metrics"); done
metrics_list="$(IFS=,; echo "${metrics[*]}")"

say "building (Release)…"
dotnet build Scheduler.LoadTest/Scheduler.LoadTest.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build Scheduler.Silo/Scheduler.Silo.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build Scheduler.Web/Scheduler.Web.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
loadtest=(dotnet Scheduler.LoadTest/bin/Release/net10.0/Scheduler.LoadTest.dll)

# A fresh cluster each time, so every bench starts from the same empty database.
data="$(mktemp -d /tmp/scheduler-bench-XXXXXX)"
log="$data/run.log"
# run.sh's log (silo and front-end logs: the cause of any 5xx) stays with the reports.
trap 'private_run_stop "$data" "$out"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "starting ./run.sh with the baseline enabled (log: $log)"
private_run_start "$data" "$web_port" bench SCHEDULER_BASELINE=1 || exit 1
db="$(private_run_db "$data" "$web_port")"

# A fresh silo and front end are slower for their first seconds of load (JIT tiers, thread pool and GC
# heap sizes) than each run's own --warmup covers: without this, whichever scenario ran first was
# measured 10-15 % slower than the same scenario run second. One unreported run against each target.
if [ "$first_warmup" -gt 0 ]; then
  say "warming up: unreported hot-calendar runs of $first_warmup s against the baseline and the product"
  "${loadtest[@]}" hot-calendar --target baseline --url "$url" -d "$first_warmup" --out "$out/warmup-baseline" --no-live >/dev/null 2>&1 || true
  "${loadtest[@]}" hot-calendar --target product --url "$url" -d "$first_warmup" --out "$out/warmup-product" --no-live >/dev/null 2>&1 || true
fi

args_for() { # SCENARIO
  case "$1" in
    hot-calendar) echo "-c $concurrency -d $duration --warmup $warmup" ;;
    hot-calendar-1000) echo "-c 1000 -d $duration --warmup $warmup" ;;
    hot-slot) echo "-c 1000 -n 1000" ;;
    many-calendars) echo "-c $concurrency -m 20 -d $duration --warmup $warmup" ;;
    browse) echo "--rate 200 -c 64 -m 16 -d $duration" ;;
    browse-max) echo "-c 32 -m 16 -d $duration --warmup $warmup" ;;
    live) echo "--rate 200 -c 64 -m 16 -d $duration" ;;
    history) echo "-c $concurrency -d 10 --warmup 3" ;;
    *) say "unknown scenario $1"; exit 2 ;;
  esac
}

status=0
summary=()
for scenario in "${scenarios[@]}"; do
  # The baseline first: its pool is small and fixed, while the product's pools keep up to ~100 idle
  # connections open after a run, which would leave a later baseline run too few under max_connections.
  targets=(baseline product)
  [ "$scenario" = live ] && targets=(product) # the baseline has no live pushes
  # history: the product on a calendar that already holds 10 000 past and 2 000 future bookings,
  # against the product on an empty one (hot-calendar, 8 000 bookings each).
  [ "$scenario" = history ] && targets=(empty history)
  command="${scenario%-1000}"
  command="${command%-max}"
  reports=()
  if [ "$scenario" = history ]; then
    command=hot-calendar
    # Neither compared run may be the one that pays for a cold process (JIT, first activations).
    say "history: warming up with an unreported hot-calendar run of 10 s"
    "${loadtest[@]}" hot-calendar --url "$url" -d 10 --out "$out/history-warmup" --no-live >/dev/null 2>&1 || true
  fi
  for target in "${targets[@]}"; do
    run_out="$out/$scenario-$target"
    # The product's group commits: batch sizes from the silos' metrics (the baseline makes none).
    batch_args=()
    [ "$target" != baseline ] && batch_args=(--metrics "$metrics_list")
    [ "$target" = history ] && batch_args+=(--history 10000,2000)
    as="$target"
    [ "$scenario" = history ] && as=product
    say "$scenario ($target): ${loadtest[*]} $command --target $as $(args_for "$scenario") --url $url ${batch_args[*]} --db … --out $run_out"
    # shellcheck disable=SC2046
    SCHEDULER_MAIL_LOG="$data/mail.log" "${loadtest[@]}" "$command" --target "$as" $(args_for "$scenario") --url "$url" "${batch_args[@]}" --db "$db" --out "$run_out" --no-live \
      || status=$?
    report="$(find "$run_out" -name report.json 2>/dev/null | sort | tail -1)"
    if [ -n "$report" ]; then reports+=("$report"); fi
  done
  if [ "${#reports[@]}" -eq 2 ]; then
    [ "$scenario" = history ] && say "history: left column with the history, right column the empty calendar"
    "${loadtest[@]}" compare "${reports[1]}" "${reports[0]}" # product, baseline (history: with history, empty)
  fi
  if [ "$scenario" = history ]; then
    say "the calendar's reload with its history (silo log):"
    grep -h "loaded in" "$log" | grep -v " 0 active bookings" | tail -1 >&2 || true
  fi
  summary+=("$scenario: ${reports[*]}")
done

say "reports (report.html beside each report.json; run.sh's log in $out/run.log):"
for line in "${summary[@]}"; do say "  $line"; done
[ "$status" -eq 0 ] || say "at least one run failed its audit or could not run (exit $status)"
exit "$status"
