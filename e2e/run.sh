#!/usr/bin/env bash
# Browser tests of the chat example (examples/chat) in headless Chromium.
#
# Needs Node >= 20, cargo, Debian's Chromium (`apt-get install -y chromium`; no browser is
# downloaded), and for the cluster test (scripts/cluster.sh) redis-server and haproxy. Installs the npm packages (npm ci), builds the chat unless CHAT_BIN names a
# binary, and runs the tests. The exit code is the result; the last line reads
# `e2e: N passed, N failed, N skipped`. The screenshots land in e2e/screenshots/ (chat.png,
# admin.png: the Socket.IO Admin UI watching the chat).
# Tests: chat.test.mjs (one chat process), admin.test.mjs (the Admin UI), cluster.test.mjs
# (two chat processes on Redis behind HAProxy).
set -euo pipefail
cd "$(dirname "$0")"

npm ci --no-audit --no-fund --loglevel=error
if [ -z "${CHAT_BIN:-}" ]; then
  (cd .. && cargo build --release -p chat-example)
  CHAT_BIN="$(cd .. && pwd)/target/release/chat"
  export CHAT_BIN
fi
exec npm test --silent
