#!/usr/bin/env bash
# The benchmark, in one command: builds everything (release), then runs every scenario of the
# load generator against every server, several times, interleaved, with the server pinned to
# CPU 0 and the load generator to CPU 1, and prints a Markdown table of medians with ratios to
# Node's socket.io and to the raw websocket ceiling (also written to bench/results/latest.md).
#
# Usage: bench/run.sh [--quick | --observability] [--runs N] [--duration SECS] [--no-rt]
#                     [--scenarios A,B,..] [--servers X,Y,..]
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
#   --scenarios, --servers: run only these (a partial run: no criterion benches), e.g.
#                   `--scenarios echo-100,broadcast,recover-1000` for the cases below.
# Extra servers in some scenarios (both modes):
#   - node-recovery, ours-recovery (connection state recovery on, issue 12) in echo-100,
#     broadcast and recover-1000 (the time to recover a socket that missed 1000 events);
#   - node-cluster, ours-cluster (issue 11) in broadcast: two server processes sharing one
#     redis-server (the classic Redis adapter), the receivers split between them; both servers
#     and redis-server on CPU 0. Skipped, with a message, when redis-server is not installed.
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
only_scenarios=""
only_servers=""
usage="usage: bench/run.sh [--quick | --observability] [--runs N] [--duration SECS] [--no-rt] [--scenarios A,B] [--servers X,Y]"
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) mode=quick; runs=1; duration=1; warmup=0.3 ;;
    --observability) mode=observability ;;
    --runs) runs="$2"; shift ;;
    --duration) duration="$2"; shift ;;
    --no-rt) rt=no ;;
    --scenarios) only_scenarios=",$2,"; shift ;;
    --servers) only_servers=",$2,"; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
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
server_prio=()
if [ "$rt" = yes ] && chrt -f 10 true 2>/dev/null; then
  prio=(chrt -f 10)
else
  rt=no
fi

step "build (release): bench-server, raw-server, loadgen, bench-report"
cargo build --release --locked -p bench --bins
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/release"

if [ "$mode" != observability ]; then
  step "Node reference server (socket.io 4.8.4, @socket.io/redis-adapter 8.3.0; lockfile pinned)"
  if [ ! -d bench/node/node_modules/socket.io ] || [ ! -d bench/node/node_modules/@socket.io/redis-adapter ]; then
    (cd bench/node && npm ci --no-audit --no-fund)
  fi
fi

scenarios=(connect echo-1 echo-100 echo-100x8 broadcast idle polling-echo recover-1000)
case "$mode" in
  quick) servers=(raw node ours-hyper) ;;
  observability)
    servers=(ours-hyper ours-info ours-prom)
    scenarios=(echo-1 echo-100 echo-100x8 broadcast) ;;
  *) servers=(raw node ours-hyper ours-axum ours-actix ours-warp) ;;
esac

cluster=yes
if ! command -v redis-server > /dev/null; then
  cluster=no
  echo "note: redis-server is not installed: the cluster case (node-cluster, ours-cluster) is skipped" >&2
fi

# servers_for SCENARIO: the servers of a scenario (the main ones plus the extra cases).
servers_for() {
  local list=()
  case "$1" in
    recover-1000) ;;
    *) list=("${servers[@]}") ;;
  esac
  if [ "$mode" != observability ]; then
    case "$1" in
      echo-100|recover-1000) list+=(node-recovery ours-recovery) ;;
      broadcast)
        list+=(node-recovery ours-recovery)
        if [ "$cluster" = yes ]; then list+=(node-cluster ours-cluster); fi
        ;;
    esac
  fi
  local server
  for server in "${list[@]}"; do
    if [ -z "$only_servers" ] || [[ "$only_servers" == *",$server,"* ]]; then
      echo "$server"
    fi
  done
}

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
# The processes of the server side (a cluster: its two servers, then its redis-server) and
# the ports of its servers (comma-separated).
server_pids=()
ports=""

# Stops every process of the server side, by PID, servers before their Redis.
# A process that ignores SIGTERM for 3 s gets SIGKILL (a server stuck at start-up must not
# hold the run).
stop_server() {
  local pid _
  for pid in "${server_pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${server_pids[@]}"; do
    for _ in $(seq 1 30); do
      [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = "" ] && break
      [ "$(ps -o stat= -p "$pid" 2>/dev/null | cut -c1)" = Z ] && break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  server_pids=()
}
trap stop_server EXIT INT TERM

# start_server LABEL: starts it pinned to CPU 0 on fresh ports; sets server_pids and ports.
start_server() {
  local attempt
  for attempt in 1 2 3 4 5; do
    if try_start_server "$1"; then
      return 0
    fi
  done
  echo "error: server $1 did not start:" >&2
  cat "$logdir/$1"-*.log >&2
  exit 1
}

try_start_server() {
  server_prio=("${prio[@]}")
  port=$((port + 1))
  ports="$port"
  case "$1" in
    node-cluster|ours-cluster)
      # Without real-time priority: three SCHED_FIFO processes on one core starve each other
      # at start-up (a FIFO task is never preempted by its peers), and a Node server then
      # spins while its twin never starts.
      server_prio=()
      local redis_port=$port
      port=$((port + 2))
      ports="$((redis_port + 1)),$port"
      start_redis "$1" "$redis_port" || return 1
      local p
      for p in $((redis_port + 1)) "$port"; do
        launch "${1%-cluster}" "$1-$p" "$p" --redis "redis://127.0.0.1:$redis_port" || return 1
      done
      ;;
    node-recovery|ours-recovery) launch "${1%-recovery}" "$1-$port" "$port" --recovery ;;
    ours-info) launch ours "$1-$port" "$port" --tracing info ;;
    ours-prom) launch ours "$1-$port" "$port" --metrics ;;
    *) launch "$1" "$1-$port" "$port" ;;
  esac
}

# launch KIND LOG PORT [ARGS..]: one server process pinned to CPU 0, waited for until it
# listens; its PID goes first in server_pids (stopped before the Redis it uses).
launch() {
  local kind="$1" log="$logdir/$2.log" p="$3"
  shift 3
  case "$kind" in
    raw) "${server_prio[@]}" taskset -c 0 "$bin/raw-server" --port "$p" > "$log" 2>&1 & ;;
    node) "${server_prio[@]}" taskset -c 0 node bench/node/server.mjs --port "$p" "$@" > "$log" 2>&1 & ;;
    ours) "${server_prio[@]}" taskset -c 0 "$bin/bench-server" --port "$p" "$@" > "$log" 2>&1 & ;;
    ours-*) "${server_prio[@]}" taskset -c 0 "$bin/bench-server" --port "$p" --integration "${kind#ours-}" "$@" > "$log" 2>&1 & ;;
  esac
  local pid=$!
  server_pids=("$pid" "${server_pids[@]}")
  wait_for_log "$pid" "$log" "listening on 127.0.0.1:$p" && return 0
  stop_server
  return 1
}

# start_redis LABEL PORT: a redis-server without persistence pinned to CPU 0.
start_redis() {
  local log="$logdir/$1-redis-$2.log"
  "${server_prio[@]}" taskset -c 0 redis-server --port "$2" --bind 127.0.0.1 --save '' --appendonly no \
    > "$log" 2>&1 &
  local pid=$!
  server_pids+=("$pid")
  wait_for_log "$pid" "$log" "Ready to accept connections" && return 0
  stop_server
  return 1
}

# wait_for_log PID LOG TEXT: waits (10 s at most) for TEXT in LOG while PID lives.
wait_for_log() {
  for _ in $(seq 1 100); do
    if grep -q "$3" "$2" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$1" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

if [ -n "$only_scenarios" ]; then
  kept=()
  for scenario in "${scenarios[@]}"; do
    if [[ "$only_scenarios" == *",$scenario,"* ]]; then kept+=("$scenario"); fi
  done
  scenarios=("${kept[@]}")
fi
partial=no
if [ -n "$only_scenarios$only_servers" ]; then partial=yes; fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
started=$SECONDS
step "$mode run: ${#scenarios[@]} scenarios x their servers x $runs run(s) -> $results"
for run in $(seq 1 "$runs"); do
  for scenario in "${scenarios[@]}"; do
    mapfile -t list < <(servers_for "$scenario")
    if [ ${#list[@]} -eq 0 ]; then continue; fi
    # Rotate the server order each run, so no server always follows the same one.
    offset=$(( (run - 1) % ${#list[@]} ))
    order=("${list[@]:$offset}" "${list[@]:0:$offset}")
    for server in "${order[@]}"; do
      if [ "$server" = raw ] && [ "$scenario" = polling-echo ]; then
        continue # the raw ceiling has no polling transport
      fi
      start_server "$server"
      clients="$(clients_for "$scenario")"
      "${prio[@]}" taskset -c 1 "$bin/loadgen" --scenario "$scenario" --ports "$ports" \
        --server-pid "$(IFS=,; echo "${server_pids[*]}")" --label "$server" --run "$run" \
        --duration "$duration" --warmup "$warmup" ${clients:+--clients "$clients"} \
        >> "$results"
      stop_server
    done
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"
elapsed=$((SECONDS - started))

marker="$logdir/criterion-start"
if [ "$mode" = full ] && [ "$partial" = no ]; then
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
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); one command: \`bench/run.sh$( [ "$mode" = quick ] && echo ' --quick')$( [ -n "$only_scenarios" ] && echo " --scenarios ${only_scenarios:1:-1}")$( [ -n "$only_servers" ] && echo " --servers ${only_servers:1:-1}")\`"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB; $(uname -sr)"
  echo "- server pinned to CPU 0, load generator to CPU 1 (taskset); real-time priority (chrt -f): $rt; each server started fresh (by PID) for each scenario and stopped by that PID"
  echo "- versions: $(rustc --version); node $(node --version); socket.io $(node -p 'require("./bench/node/node_modules/socket.io/package.json").version'), engine.io $(node -p 'require("./bench/node/node_modules/engine.io/package.json").version'), ws $(node -p 'require("./bench/node/node_modules/ws/package.json").version'), @socket.io/redis-adapter $(node -p 'require("./bench/node/node_modules/@socket.io/redis-adapter/package.json").version'), redis $(node -p 'require("./bench/node/node_modules/redis/package.json").version')"
  if [ "$cluster" = yes ]; then
    echo "- cluster case: $(redis-server --version | cut -d' ' -f1-3), one per cluster run, pinned to CPU 0 with both servers"
  else
    echo "- cluster case skipped: redis-server is not installed"
  fi
  echo "- load average before / after: $load_before / $load_after (other work on the machine adds noise); load phase took ${elapsed}s"
  echo "- the raw ceiling sends no pings and has no polling transport (polling-echo: n/a)"
  echo
  if [ "$mode" = full ] && [ "$partial" = no ]; then
    "$bin/bench-report" "$results" --criterion "$target/criterion" --newer-than "$marker"
  else
    "$bin/bench-report" "$results"
  fi
} > "$report"
cp "$results" bench/results/latest.jsonl
rm -rf "$logdir"
cat "$report"
