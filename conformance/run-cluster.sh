#!/usr/bin/env bash
# Runs the scale-out tests with a redis-server (and haproxy) started here:
#  1. cluster/*.test.mjs: two Rust servers ($CONFORMANCE_SERVER + $CONFORMANCE_SERVER_ARGS) and one
#     Node server on one redis-server, official clients on each; sticky sessions behind haproxy;
#     connection state recovery across servers; the classic format, the sharded one, the streams
#     adapter;
#  2. the Socket.IO part of the conformance suite against one Rust server on the Redis adapter
#     (classic, then sharded), so that every operation goes through the adapter.
# Needs Debian's redis-server and haproxy.
#   CONFORMANCE_SERVER=/work/main/target/release/conformance-server ./run-cluster.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [ -z "${CONFORMANCE_SERVER:-}" ]; then
  echo "run-cluster.sh: CONFORMANCE_SERVER is not set" >&2
  exit 2
fi
for bin in redis-server haproxy; do
  command -v "$bin" >/dev/null || { echo "run-cluster.sh: $bin is missing: apt-get install -y redis-server haproxy" >&2; exit 2; }
done
[ -d node_modules ] || npm ci --no-audit --no-fund
reporters=(--test-reporter=spec --test-reporter-destination=stdout
  --test-reporter=./test/summary-reporter.mjs --test-reporter-destination=stdout)
status=0
for mode in classic sharded streams; do
  CLUSTER_MODE=$mode node --test --test-concurrency=1 "${reporters[@]}" "$@" cluster/*.test.mjs || status=1
done

# One node on the Redis adapter: a redis-server on a free port, stopped by PID at the end.
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
for sharded in "" "--sharded"; do
  CONFORMANCE_SERVER_ARGS="${CONFORMANCE_SERVER_ARGS:-} --redis redis://127.0.0.1:$port $sharded" \
    node --test --test-concurrency=1 "${reporters[@]}" "$@" \
    test/sio-client.test.mjs test/sio-full.test.mjs test/sio-raw.test.mjs || status=1
done
exit "$status"
