#!/usr/bin/env bash
# Soak test (issue 7; its own command, not in the default test run, bounded in time):
# 10,000 Engine.IO sessions opened and closed in waves of 500 (polling, websocket and abandoned
# upgrades, a third each) against the release conformance server (profile `hard`), after 5,000
# warm-up sessions. Passes when the server ends with zero sessions and its RSS is within 5% of
# its RSS after the warm-up. Prints the figures. Traffic stays on 127.0.0.1.
#   scripts/soak.sh                              # through hyper
#   SOAK_INTEGRATIONS="hyper axum actix warp" scripts/soak.sh
#   SOAK_ARGS="--sessions 20000 --deadline-s 600" scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p conformance --bin conformance-server
cd conformance
[ -d node_modules ] || npm ci --no-audit --no-fund
for integration in ${SOAK_INTEGRATIONS:-hyper}; do
  echo "==> soak through --integration $integration"
  # shellcheck disable=SC2086
  timeout 900 node soak/soak.mjs --integration "$integration" ${SOAK_ARGS:-}
done
