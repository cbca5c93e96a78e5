#!/usr/bin/env bash
# Runs the cluster tests (cluster/*.test.mjs): a redis-server, two Rust servers
# ($CONFORMANCE_SERVER, with $CONFORMANCE_SERVER_ARGS) and one Node server on it, official
# clients on each; the classic format, then the sharded one. Needs Debian's redis-server.
#   CONFORMANCE_SERVER=/work/main/target/release/conformance-server ./run-cluster.sh
# Arguments, if any, are node --test options placed before the test files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -z "${CONFORMANCE_SERVER:-}" ]; then
  echo "run-cluster.sh: CONFORMANCE_SERVER is not set" >&2
  exit 2
fi
command -v redis-server >/dev/null || { echo "run-cluster.sh: redis-server is missing: apt-get install -y redis-server" >&2; exit 2; }
[ -d node_modules ] || npm ci --no-audit --no-fund
status=0
for mode in 0 1; do
  CLUSTER_SHARDED=$mode node --test --test-concurrency=1 \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./test/summary-reporter.mjs --test-reporter-destination=stdout \
    "$@" cluster/*.test.mjs || status=1
done
exit "$status"
