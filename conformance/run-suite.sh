#!/usr/bin/env bash
# Runs the Engine.IO conformance suite against the server command in
# $CONFORMANCE_SERVER (optional extra server args in $CONFORMANCE_SERVER_ARGS).
#   CONFORMANCE_SERVER=/work/main/target/release/conformance-server ./run-suite.sh
#   CONFORMANCE_SERVER="node reference/eio-server.mjs" CONFORMANCE_REFERENCE=1 ./run-suite.sh
# Arguments, if any, are node --test options placed before the test files
# (e.g. ./run-suite.sh --test-name-pattern=upgrade). Exit code = test result.
# With CONFORMANCE_PARSER=msgpack, only the socket.io-client files run, with the client's
# `parser` option set to socket.io-msgpack-parser and the server given `--parser msgpack`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [ -z "${CONFORMANCE_SERVER:-}" ]; then
  echo "run-suite.sh: CONFORMANCE_SERVER is not set" >&2
  echo "  e.g. CONFORMANCE_SERVER=\"node reference/eio-server.mjs\" CONFORMANCE_REFERENCE=1 $0" >&2
  exit 2
fi
export CONFORMANCE_SERVER
export CONFORMANCE_SERVER_ARGS="${CONFORMANCE_SERVER_ARGS:-}"
export CONFORMANCE_REFERENCE="${CONFORMANCE_REFERENCE:-}"

if [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund
fi

files=(test/*.test.mjs)
if [ "${CONFORMANCE_PARSER:-json}" = msgpack ]; then
  files=(test/sio-client.test.mjs test/sio-full.test.mjs test/recovery.test.mjs)
fi
# same flags as the `test` script in package.json, with the extra options before the files
exec node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./test/summary-reporter.mjs --test-reporter-destination=stdout \
  "$@" "${files[@]}"
