#!/usr/bin/env bash
# Runs every test of the workspace: formatting, lints, the Rust tests, the layering check, the
# conformance suite (official npm clients) against every integration, and the browser tests.
# Needs cargo; Node >= 20 with npm, and Debian's chromium, redis-server and haproxy (installed
# here with apt-get when run as root, otherwise it says which apt-get to run).
# Usage: ./scripts/test-all.sh        (from anywhere; installs the npm packages it needs)
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
# A clean build gains nothing from incremental compilation's bookkeeping.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
step() { printf '\n==> [%dm%02ds] %s\n' $(((SECONDS - started) / 60)) $(((SECONDS - started) % 60)) "$*"; }

# The Debian packages the tests start themselves: installed when run as root, otherwise one
# line says which apt-get to run. Checked first, so a missing one costs no build time.
missing=()
command -v node >/dev/null || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v haproxy >/dev/null || missing+=(haproxy)
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    step "apt-get install ${missing[*]}"
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  else
    echo "test-all.sh: ${missing[*]} missing: run \`sudo apt-get install -y ${missing[*]}\`" >&2
    exit 1
  fi
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "fuzz targets compile (their own workspace; checked early, run at the end)"
cargo check --manifest-path fuzz/Cargo.toml --bins --locked

step "sans-IO crates depend on no runtime"
for crate in engineio-codec engineio-proto; do
  if cargo tree -e normal -p "$crate" --locked | grep -E '^[^a-z]*(tokio|hyper|http-body) ' ; then
    echo "error: $crate depends on a runtime crate" >&2
    exit 1
  fi
done

step "cargo test --workspace"
cargo test --workspace --locked

step "cargo doc (broken links and bad doc markup are errors; reuses the test build's dependencies)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked

step "criterion benches of the codecs build"
cargo bench --locked -p engineio-codec -p socketio-codec --no-run

step "release build: conformance-server and -emitter, the chat, the benchmark's binaries (one cargo run)"
cargo build --release --locked -p conformance -p chat-example -p bench --bins

step "conformance suite (official npm clients): every integration, JSON and msgpack parsers"
server="$PWD/target/release/conformance-server"
(cd conformance && [ -d node_modules ] || npm ci --no-audit --no-fund)
# conformance_pass NAME PARSER INTEGRATION: one pass of the suite, its output in $logs/NAME.log.
logs="$(mktemp -d)"
conformance_pass() {
  CONFORMANCE_PARSER="$2" CONFORMANCE_SERVER="$server" CONFORMANCE_SERVER_ARGS="--integration $3" \
    bash conformance/run-suite.sh > "$logs/$1.log" 2>&1
}
# A lane runs its passes one after the other and stops at the first failure.
lane() {
  local pass name parser integration
  for pass in "$@"; do
    IFS=: read -r name parser integration <<< "$pass"
    echo "    started $name ($(date +%T))"
    conformance_pass "$name" "$parser" "$integration" || { echo "conformance FAILED: $name" >&2; return 1; }
    echo "    passed  $name: $(tail -n 1 "$logs/$name.log") ($(date +%T))"
  done
}
# warp-filter: warp's Filter inside warp::serve (websockets through warp::ws()), the other way
# to mount on warp. Two lanes side by side (CONFORMANCE_LANES=1: one after the other); each
# pass starts its own servers on free ports, so they do not meet.
lane_a=(hyper:json:hyper hyper-msgpack:msgpack:hyper axum:json:axum axum-msgpack:msgpack:axum warp-filter:json:warp-filter)
lane_b=(actix:json:actix actix-msgpack:msgpack:actix warp:json:warp warp-msgpack:msgpack:warp)
if [ "${CONFORMANCE_LANES:-2}" = 1 ]; then
  lane "${lane_a[@]}" "${lane_b[@]}" && status=0 || status=$?
else
  lane "${lane_a[@]}" & a=$!
  lane "${lane_b[@]}" & b=$!
  status=0
  wait "$a" || status=1
  wait "$b" || status=1
fi
for log in "$logs"/*.log; do
  step "conformance log: $(basename "$log" .log)"
  cat "$log"
done
if [ "$status" != 0 ]; then
  echo "conformance FAILED (the logs above; the failed pass is named before them)" >&2
  exit 1
fi
rm -rf "$logs"

step "scale-out: Rust and Node servers on redis-server, the Redis emitters, haproxy sticky sessions"
CONFORMANCE_SERVER="$server" bash conformance/run-cluster.sh || { echo "cluster tests FAILED" >&2; exit 1; }

step "browser tests of the chat demo (headless Chromium)"
cargo build --release --locked -p chat-example
CHAT_BIN="$PWD/target/release/chat" bash e2e/run.sh

step "fuzz smoke run (cargo-fuzz, every decoder and the state machine)"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
FUZZ_SECONDS="${FUZZ_SECONDS:-10}" bash fuzz/smoke.sh

step "benchmark quick mode (proves the bench builds and runs; numbers not asserted)"
bash bench/run.sh --quick --no-rt

step "all tests passed"
