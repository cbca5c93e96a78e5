#!/usr/bin/env bash
# The conformance suite on a machine with no CPU to spare (issue 10: the heartbeat cases must
# hold under full load). Starts one busy loop per core at normal priority (what `stress -c N`
# does: a server then gets about half a core when it wants one), runs the conformance suite
# against the release conformance server while they spin, then stops them by PID. Not part of
# scripts/test-all.sh: it takes a few minutes, and CI machines have neighbours of their own.
#
#   scripts/stress.sh                          # the whole suite through hyper
#   STRESS_INTEGRATION=warp scripts/stress.sh  # another integration
#   scripts/stress.sh test/raw-websocket.test.mjs   # extra args go to node --test (e.g. files)
#   STRESS_NICE=19 scripts/stress.sh           # gentler: the loops only take idle cycles
#
# Last run (2026-11-30, 2 cores, two busy loops plus two cargo builds, load average ~9):
# 478 passed, 0 failed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

cargo build --release --locked -p conformance --bins
server="$root/target/release/conformance-server"
(cd conformance && { [ -d node_modules ] || npm ci --no-audit --no-fund; })

cores="$(nproc)"
nice_level="${STRESS_NICE:-0}"
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop EXIT INT TERM
for _ in $(seq "$cores"); do
  nice -n "$nice_level" bash -c 'while :; do :; done' &
  pids+=($!)
done
echo "stress: $cores busy loops at nice $nice_level (pids ${pids[*]}); load average $(cut -d' ' -f1-3 /proc/loadavg)"

status=0
CONFORMANCE_SERVER="$server" CONFORMANCE_SERVER_ARGS="--integration ${STRESS_INTEGRATION:-hyper}" \
  bash conformance/run-suite.sh "$@" || status=$?
echo "stress: load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$status"
