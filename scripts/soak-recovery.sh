#!/usr/bin/env bash
# Recovery soak (its own command, not in the default test run, bounded in time): 10,000
# Socket.IO sockets connect to the release conformance server (profile `sio-full` with
# connection state recovery, 5 s maxDisconnectionDuration), get broadcast packets, then drop
# their transport and never come back. Passes when the store kept every session, is empty
# after the expiry with no traffic in between (the expiry timer, not a later call, removed
# them), and the server's RSS is within 10% of its RSS after a warm-up. Prints the figures.
# Traffic stays on 127.0.0.1.
#   scripts/soak-recovery.sh
#   SOAK_ARGS="--sessions 20000 --duration-ms 10000 --deadline-s 300" scripts/soak-recovery.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p conformance --bin conformance-server
server="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/conformance-server"
cd conformance
[ -d node_modules ] || npm ci --no-audit --no-fund
# 10,000 websockets on each side, plus the warm-up's being closed.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
# shellcheck disable=SC2086
timeout 300 node soak/soak-recovery.mjs --server "$server" ${SOAK_ARGS:-}
