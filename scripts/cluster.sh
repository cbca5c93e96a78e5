#!/usr/bin/env bash
# The chat demo scaled out, with one command: a redis-server, N chat processes (examples/chat
# with --redis and --cookie) and HAProxy in front of them with cookie stickiness, as the
# Socket.IO documentation sets up Node servers. Everything runs on 127.0.0.1; Ctrl-C (or
# SIGTERM) stops every process this script started, by PID.
#
#   scripts/cluster.sh                 # http://127.0.0.1:3000/, two chat processes
#   scripts/cluster.sh --nodes 3 --port 8080
#
# Needs cargo, Node >= 20 (npm) and Debian's redis-server and haproxy: installed with apt-get
# when run as root, else the line to run is printed. CHAT_BIN names a chat binary to use
# instead of building one. The processes' output goes to a temporary folder, printed at start.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

nodes=2
port=3000
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="$2"; shift ;;
    --port) port="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: scripts/cluster.sh [--nodes N] [--port P]" >&2; exit 2 ;;
  esac
  shift
done
case "$nodes" in ''|*[!0-9]*) echo "cluster.sh: --nodes needs a number" >&2; exit 2 ;; esac
[ "$nodes" -ge 1 ] || { echo "cluster.sh: --nodes must be at least 1" >&2; exit 2; }

command -v npm >/dev/null || { echo "cluster.sh: npm not found (install Node.js >= 20)" >&2; exit 1; }
missing=()
for pkg in redis-server haproxy; do command -v "$pkg" >/dev/null || missing+=("$pkg"); done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "cluster.sh: ${missing[*]} missing: run \`sudo apt-get install -y ${missing[*]}\`" >&2
    exit 1
  fi
fi

# The browser client the chat serves (pinned in e2e/package-lock.json).
if [ ! -f e2e/node_modules/socket.io-client/dist/socket.io.js ] \
  || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
export CHAT_CLIENT_DIR="${CHAT_CLIENT_DIR:-$root/e2e/node_modules/socket.io-client/dist}"
if [ -z "${CHAT_BIN:-}" ]; then
  command -v cargo >/dev/null || { echo "cluster.sh: cargo not found (install Rust: https://rustup.rs)" >&2; exit 1; }
  cargo build --release -p chat-example
  CHAT_BIN="$root/target/release/chat"
fi

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
wait_port() { # port pid what
  for _ in $(seq 200); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    kill -0 "$2" 2>/dev/null || { echo "cluster.sh: $3 exited; its output:" >&2; cat "$4" >&2; return 1; }
    sleep 0.05
  done
  echo "cluster.sh: $3 did not listen on port $1 within 10 s" >&2
  return 1
}

dir="$(mktemp -d "${TMPDIR:-/tmp}/chat-cluster.XXXXXX")"
pids=()
stop() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "stopped: ${pids[*]}"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

redis_port="$(free_port)"
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$dir/redis.log" 2>&1 &
pids+=($!)
wait_port "$redis_port" "$!" redis-server "$dir/redis.log"
echo "redis-server: 127.0.0.1:$redis_port (pid $!)"

servers=()
for i in $(seq "$nodes"); do
  p="$(free_port)"
  "$CHAT_BIN" --port "$p" --redis "redis://127.0.0.1:$redis_port" --cookie >"$dir/chat-$i.log" 2>&1 &
  pids+=($!)
  wait_port "$p" "$!" "chat process $i" "$dir/chat-$i.log"
  echo "chat process $i: 127.0.0.1:$p (pid $!)"
  servers+=("  server chat$i 127.0.0.1:$p cookie chat$i")
done

# As the Socket.IO documentation's HAProxy setup: the `io` cookie of the handshake prefixed
# with the server's name, so that a polling client's requests all reach the process that holds
# its session (a websocket is one connection: it stays where it is); new clients go to the
# process with the fewest connections (long-lived websockets make round robin uneven).
cat >"$dir/haproxy.cfg" <<EOF
global
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  timeout tunnel 1h
frontend chat
  bind 127.0.0.1:$port
  default_backend chats
backend chats
  balance leastconn
  cookie io prefix indirect nocache
$(printf '%s\n' "${servers[@]}")
EOF
haproxy -f "$dir/haproxy.cfg" -db >"$dir/haproxy.log" 2>&1 &
pids+=($!)
wait_port "$port" "$!" haproxy "$dir/haproxy.log"
echo "haproxy: 127.0.0.1:$port (pid $!)"
echo "logs: $dir"
echo "open http://127.0.0.1:$port/ in two browsers (or a normal and a private window: tabs of one browser"
echo "share the cookie, so they stay on one process); they chat across processes (Ctrl-C stops)"

# Until Ctrl-C, or until one of them exits.
wait -n "${pids[@]}" || true
echo "cluster.sh: a process exited; stopping the others" >&2
exit 1
