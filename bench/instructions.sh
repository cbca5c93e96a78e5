#!/usr/bin/env bash
# The cost of tracing and metrics in instructions, a figure that other work on the machine does
# not disturb (unlike throughput: see bench/README.md, "Noise").
#
# Runs the bench server under valgrind's callgrind (which counts every user-space instruction it
# executes, by function) with the load generator against it, and reports, per operation (an ack
# of an echo, a delivery of a broadcast):
#   - all the server's instructions over the run (connection set-up included, so an over-estimate
#     of the steady-state cost per operation);
#   - with a tracing subscriber at INFO: the instructions spent entering, exiting, cloning and
#     closing spans (`tracing_core::dispatcher::Dispatch::{enter,exit,clone_span,try_close}`,
#     inclusive: the subscriber's work included);
#   - with the Prometheus recorder: the instructions spent in the recorder's counter and gauge
#     handles (`CounterFn`/`GaugeFn` of metrics-util's registry);
# and the share of the total. Cases: baseline (no subscriber, no recorder), tracing-info (no
# recorder), prometheus (no subscriber); scenarios echo-1, echo-100x8, broadcast. Kernel time
# (socket reads and writes) is not counted: the share of CPU time is smaller than the share of
# instructions.
#
# Usage: bench/instructions.sh [--duration SECS]   (needs valgrind; ~4 min)
# Writes bench/results/instructions.md. Builds the release binaries first (as bench/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

duration=6
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration="$2"; shift ;;
    *) echo "usage: bench/instructions.sh [--duration SECS]" >&2; exit 2 ;;
  esac
  shift
done
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is missing (apt-get install -y valgrind)" >&2; exit 1; }

cargo build --release --locked -p bench --bins >&2
bin="${CARGO_TARGET_DIR:-$PWD/target}/release"
ulimit -n "$(ulimit -Hn)"
logdir="$(mktemp -d)"
port=22000
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$logdir"' EXIT
trap 'exit 130' INT TERM

# Inclusive instructions of the functions matching a regex, summed (callgrind_annotate lines
# "  1,234 (0.12%)  file:function [binary]": only the function's own entries, not callers' "=>").
inclusive() {
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null \
    | awk -v re="$2" '/^ *[0-9,]+ \(/ && $0 ~ re && $0 !~ /=>/ { gsub(",", "", $1); s += $1 } END { printf "%.0f", s }'
}

# run CASE SCENARIO: prints "<total instructions> <observability instructions> <operations>".
run() {
  local flags=() pattern='^NOTHING$'
  case "$1" in
    baseline) ;;
    tracing-info)
      flags=(--tracing info)
      pattern='tracing_core::dispatcher::Dispatch::(enter|exit|clone_span|try_close) [[]' ;;
    prometheus)
      flags=(--metrics)
      pattern='<metrics_util::registry::[a-z_:]*Generational<T> as metrics::handles::(CounterFn|GaugeFn)>::(increment|decrement|set)' ;;
  esac
  port=$((port + 1))
  local log="$logdir/$1-$2.log" out="$logdir/$1-$2.callgrind"
  valgrind --tool=callgrind --callgrind-out-file="$out" \
    "$bin/bench-server" --port "$port" "${flags[@]}" > "$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    grep -q "listening on 127.0.0.1:$port" "$log" && break
    sleep 0.1
  done
  local line
  if ! line="$("$bin/loadgen" --scenario "$2" --port "$port" --duration "$duration" --warmup 0 --label "$1" 2> "$log.loadgen")"; then
    echo "instructions.sh: loadgen failed ($1, $2):" >&2
    cat "$log.loadgen" "$log" >&2
    stop_server
    exit 1
  fi
  stop_server
  local total obs ops
  total="$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log")"
  obs="$(inclusive "$out" "$pattern")"
  # operations = throughput x window
  ops="$(printf '%s' "$line" | sed -n 's/.*"\(acks_per_s\|deliveries_per_s\)":\([0-9.e+]*\).*/\2/p' | awk -v d="$duration" '{printf "%.0f", $1 * d}')"
  echo "${total:-0} ${obs:-0} ${ops:-0}"
}

cases=(baseline tracing-info prometheus)
scenarios=(echo-1 echo-100x8 broadcast)
out="bench/results/instructions.md"
mkdir -p bench/results
{
  echo "# Instructions per operation (callgrind)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); one command: \`bench/instructions.sh\` (window ${duration}s, no warm-up)"
  echo "- $(valgrind --version); $(rustc --version)"
  echo "- per operation (an ack, a delivery): all the server's user-space instructions over the run (connection set-up included), and those spent in span enter/exit/clone/close (tracing-info) or in the recorder's handles (prometheus), with their share"
  echo
  echo "| scenario | baseline: all | tracing-info: all | tracing-info: spans | prometheus: all | prometheus: recorder |"
  echo "|---|---:|---:|---:|---:|---:|"
} > "$out"
for scenario in "${scenarios[@]}"; do
  row="| $scenario |"
  for c in "${cases[@]}"; do
    read -r total obs ops < <(run "$c" "$scenario")
    echo "$scenario $c: $total instructions, $obs in observability, $ops operations" >&2
    all="$(awk -v t="$total" -v n="$ops" 'BEGIN { if (n > 0) printf "%.0f", t / n; else print "n/a" }')"
    row="$row $all |"
    if [ "$c" != baseline ]; then
      row="$row $(awk -v o="$obs" -v t="$total" -v n="$ops" 'BEGIN { if (n > 0 && t > 0) printf "%.0f (%.2f%%)", o / n, o / t * 100; else print "n/a" }') |"
    fi
  done
  echo "$row" >> "$out"
done
cat "$out"
