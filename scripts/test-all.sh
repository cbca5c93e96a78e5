#!/usr/bin/env bash
# Runs every test of the workspace: formatting, lints, the Rust tests, the layering check, the
# conformance suite (official npm clients) against every integration, and the browser tests.
# Needs cargo, Node >= 20 with npm, and Debian's Chromium (apt-get install -y chromium).
# Usage: ./scripts/test-all.sh        (from anywhere; installs the npm packages it needs)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "fuzz targets compile (their own workspace; checked early, run at the end)"
cargo check --manifest-path fuzz/Cargo.toml --bins --locked

step "cargo doc (broken links and bad doc markup are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "sans-IO crates depend on no runtime"
for crate in engineio-codec engineio-proto; do
  if cargo tree -e normal -p "$crate" --locked | grep -E '^[^a-z]*(tokio|hyper|http-body) ' ; then
    echo "error: $crate depends on a runtime crate" >&2
    exit 1
  fi
done

step "cargo test --workspace"
cargo test --workspace --locked

step "criterion benches build"
cargo bench --workspace --locked --no-run

step "build conformance-server and conformance-emitter (release)"
cargo build --release --locked -p conformance --bins

step "conformance suite (official npm clients)"
server="$PWD/target/release/conformance-server"
for integration in ${CONFORMANCE_INTEGRATIONS:-hyper axum actix warp}; do
  step "conformance through --integration $integration"
  CONFORMANCE_SERVER="$server" CONFORMANCE_SERVER_ARGS="--integration $integration" \
    bash conformance/run-suite.sh || { echo "conformance FAILED through integration: $integration" >&2; exit 1; }
  step "conformance through --integration $integration with the msgpack parser"
  CONFORMANCE_PARSER=msgpack CONFORMANCE_SERVER="$server" CONFORMANCE_SERVER_ARGS="--integration $integration" \
    bash conformance/run-suite.sh || { echo "msgpack conformance FAILED through integration: $integration" >&2; exit 1; }
done
# warp's Filter inside warp::serve (websockets through warp::ws()), the other way to mount on warp.
step "conformance through --integration warp-filter"
CONFORMANCE_SERVER="$server" CONFORMANCE_SERVER_ARGS="--integration warp-filter" \
  bash conformance/run-suite.sh || { echo "conformance FAILED through integration: warp-filter" >&2; exit 1; }

step "scale-out: Rust and Node servers on redis-server, the Redis emitters, haproxy sticky sessions"
for bin in redis-server haproxy; do
  command -v "$bin" >/dev/null || { echo "error: $bin is missing: apt-get install -y redis-server haproxy" >&2; exit 1; }
done
CONFORMANCE_SERVER="$server" bash conformance/run-cluster.sh || { echo "cluster tests FAILED" >&2; exit 1; }

step "browser tests of the chat demo (headless Chromium)"
if [ ! -x /usr/bin/chromium ]; then
  echo "error: /usr/bin/chromium is missing: apt-get install -y chromium" >&2
  exit 1
fi
cargo build --release --locked -p chat-example
CHAT_BIN="$PWD/target/release/chat" bash e2e/run.sh

step "fuzz smoke run (cargo-fuzz, every decoder and the state machine)"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" bash fuzz/smoke.sh

step "benchmark quick mode (proves the bench builds and runs; numbers not asserted)"
bash bench/run.sh --quick --no-rt

step "all tests passed"
