#!/usr/bin/env bash
# The benchmark, in one command: builds everything (release), then runs every scenario of the
# load generator against every server, several times, interleaved, with the server pinned to
# CPU 0 and the load generator to CPU 1, and prints a Markdown table of medians with ratios to
# Node's socket.io and to the raw websocket ceiling (also written to bench/results/latest.md).
#
# Usage: bench/run.sh [--quick | --observability] [--runs N] [--duration SECS] [--no-rt]
#   full (default): servers raw, node, ours through hyper, axum, actix and warp; 3 runs;
#                   4 s measured per throughput scenario; plus the codecs' criterion benches.
#   --quick:        tiny client counts, 1 run, 1 s per scenario, servers raw, node, ours-hyper
#                   (CI runs it once to prove the whole chain works).
#   --observability: the cost of tracing and metrics: our server through hyper with tracing off
#                   and no metrics recorder (ours-hyper, the baseline), with a tracing
#                   subscriber at INFO (ours-info), and with the Prometheus recorder
#                   (ours-prom); scenarios echo-1, echo-100, echo-100x8 and broadcast; 3 runs.
#                   The report compares each with the baseline (bench/results/observability.md).
#   --no-rt:        do not run the server and the load generator as SCHED_FIFO (see below).
# When allowed (root), the server and the load generator run with real-time priority
# (`chrt -f 10`): on a shared 2-core machine, ordinary processes (a compiler) otherwise take
# their cores for milliseconds at a time and the figures measure the scheduler, not the
# servers. The kernel's RT throttling (95% per second) still leaves the rest of the machine
# a share, and adds up to ~50 ms stalls per second at saturation (seen in p99.9 only).
# Raw results (one JSON line per loadgen run) go to bench/results/<mode>-<date>.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=full
runs=3
duration=4
warmup=1
rt=yes
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick; runs=1; duration=1; warmup=0.3 ;;
    --observability) mode=observability ;;
    --runs) runs="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --no-rt) rt=no ;;
    *) echo "usage: bench/run.sh [--quick | --observability] [--runs N] [--duration SECS] [--no-rt]" >&2; exit 2 ;;
  esac
  shift
done

step() { printf '\n==> %s\n' "$*" >&2; }

# 5000 idle connections need file descriptors on both sides.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 12000 ]; then
  echo "warning: open-files limit $(ulimit -n) is low for the idle scenario" >&2
fi

prio=()
if [ "$rt" = yes ] && chrt -f 10 true 2>/dev/null; then
  prio=(chrt -f 10)
else
  rt=no
fi

step "build (release): bench-server, raw-server, loadgen, bench-report"
cargo build --release --locked -p bench --bins
bin="${CARGO_TARGET_DIR:-$PWD/target}/release"

if [ "$mode" != observability ]; then
  step "Node reference server (socket.io 4.8.4, lockfile pinned)"
  if [ ! -d bench/node/node_modules/socket.io ]; then
    (cd bench/node && npm ci --no-audit --no-fund)
  fi
fi

scenarios=(connect echo-1 echo-100 echo-100x8 broadcast idle polling-echo)
case "$mode" in
  quick) servers=(raw node ours-hyper) ;;
  observability)
    servers=(ours-hyper ours-info ours-prom)
    scenarios=(echo-1 echo-100 echo-100x8 broadcast) ;;
  *) servers=(raw node ours-hyper ours-axum ours-actix ours-warp) ;;
esac

clients_for() {
  case "$mode:$1" in
    quick:connect) echo 300 ;;
    quick:broadcast) echo 100 ;;
    quick:idle) echo 500 ;;
    full:connect) echo 3000 ;;
    *) echo "" ;;
  esac
}

mkdir -p bench/results
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="bench/results/$mode-$stamp.jsonl"
: > "$results"
logdir="$(mktemp -d)"
# Below the ephemeral range (32768-60999), so no client socket holds a server port.
port=21000
server_pid=""

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT INT TERM

# start_server LABEL: starts it pinned to CPU 0 on a fresh port; sets server_pid and port.
start_server() {
  local attempt
  for attempt in 1 2 3 4 5; do
    if try_start_server "$1"; then
      return 0
    fi
  done
  echo "error: server $1 did not start:" >&2
  cat "$logdir/$1-$port.log" >&2
  exit 1
}

try_start_server() {
  port=$((port + 1))
  local log="$logdir/$1-$port.log"
  case "$1" in
    raw) "${prio[@]}" taskset -c 0 "$bin/raw-server" --port "$port" > "$log" 2>&1 & ;;
    node) "${prio[@]}" taskset -c 0 node bench/node/server.mjs --port "$port" > "$log" 2>&1 & ;;
    ours-info) "${prio[@]}" taskset -c 0 "$bin/bench-server" --port "$port" --tracing info > "$log" 2>&1 & ;;
    ours-prom) "${prio[@]}" taskset -c 0 "$bin/bench-server" --port "$port" --metrics > "$log" 2>&1 & ;;
    ours-*) "${prio[@]}" taskset -c 0 "$bin/bench-server" --port "$port" --integration "${1#ours-}" > "$log" 2>&1 & ;;
  esac
  server_pid=$!
  for _ in $(seq 1 100); do
    if grep -q "listening on 127.0.0.1:$port" "$log" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  stop_server
  return 1
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started=$SECONDS
step "$mode run: ${#servers[@]} servers x ${#scenarios[@]} scenarios x $runs run(s) -> $results"
for run in $(seq 1 "$runs"); do
  # Rotate the server order each run, so no server always follows the same one.
  offset=$(( (run - 1) % ${#servers[@]} ))
  order=("${servers[@]:$offset}" "${servers[@]:0:$offset}")
  for scenario in "${scenarios[@]}"; do
    for server in "${order[@]}"; do
      if [ "$server" = raw ] && [ "$scenario" = polling-echo ]; then
        continue # the raw ceiling has no polling transport
      fi
      start_server "$server"
      clients="$(clients_for "$scenario")"
      "${prio[@]}" taskset -c 1 "$bin/loadgen" --scenario "$scenario" --port "$port" \
        --server-pid "$server_pid" --label "$server" --run "$run" \
        --duration "$duration" --warmup "$warmup" ${clients:+--clients "$clients"} \
        >> "$results"
      stop_server
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
elapsed=$((SECONDS - started))

marker="$logdir/criterion-start"
if [ "$mode" = full ]; then
  step "criterion benches of the codecs"
  touch "$marker"
  cargo bench --locked -p engineio-codec -p socketio-codec > bench/results/criterion.txt 2>&1
fi

if [ "$mode" = observability ]; then
  report="bench/results/observability.md"
  {
    echo "# Observability cost (tracing and metrics)"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); one command: \`bench/run.sh --observability$( [ "$runs" != 3 ] && echo " --runs $runs")\`"
    echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores; $(uname -sr); $(rustc --version)"
    echo "- our server through hyper, pinned to CPU 0, the load generator to CPU 1; real-time priority (chrt -f): $rt; $runs run(s), interleaved"
    echo "- ours-hyper: no tracing subscriber, no metrics recorder (the baseline); ours-info: a tracing-subscriber fmt subscriber at INFO (spans built and entered, nothing written), no recorder; ours-prom: no subscriber, the Prometheus recorder installed"
    echo "- load average before / after: $load_before / $load_after; load phase took ${elapsed}s"
    echo
    "$bin/bench-report" "$results" --baseline ours-hyper
  } > "$report"
  cp "$results" bench/results/observability.jsonl
  rm -rf "$logdir"
  cat "$report"
  exit 0
fi

report="bench/results/latest.md"
{
  echo "# Benchmark results ($mode mode)"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); one command: \`bench/run.sh$( [ "$mode" = quick ] && echo ' --quick')\`"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(uname -sr)"
  echo "- server pinned to CPU 0, load generator to CPU 1 (taskset); real-time priority (chrt -f): $rt; each server started fresh (by PID) for each scenario and stopped by that PID"
  echo "- versions: $(rustc --version); node $(node --version); socket.io $(node -p 'require("./bench/node/node_modules/socket.io/package.json").version'), engine.io $(node -p 'require("./bench/node/node_modules/engine.io/package.json").version'), ws $(node -p 'require("./bench/node/node_modules/ws/package.json").version')"
  echo "- load average before / after: $load_before / $load_after (other work on the machine adds noise); load phase took ${elapsed}s"
  echo "- the raw ceiling sends no pings and has no polling transport (polling-echo: n/a)"
  echo
  if [ "$mode" = full ]; then
    "$bin/bench-report" "$results" --criterion target/criterion --newer-than "$marker"
  else
    "$bin/bench-report" "$results"
  fi
} > "$report"
cp "$results" bench/results/latest.jsonl
rm -rf "$logdir"
cat "$report"
