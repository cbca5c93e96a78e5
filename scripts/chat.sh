#!/usr/bin/env bash
# Runs the chat demo (examples/chat) with one command, on a fresh machine too:
# installs the official browser client (socket.io-client) and the Admin UI files (@socket.io/admin-ui),
# both pinned in e2e/package-lock.json,
# with `npm ci`, then builds and starts the server. Needs cargo and Node >= 20 (npm).
#
#   scripts/chat.sh                 # http://127.0.0.1:3000/
#   scripts/chat.sh --port 8080     # arguments go to the chat binary (see --help)
#   scripts/chat.sh --admin-user admin --admin-password changeit
#                                   # + the Socket.IO Admin UI at http://127.0.0.1:3000/admin/
#                                   # (CHAT_ADMIN_USER / CHAT_ADMIN_PASSWORD work too, and keep
#                                   # the password out of the process list)
#   scripts/chat.sh --metrics       # + Prometheus metrics at http://127.0.0.1:3000/metrics
#                                   # (RUST_LOG=info,socketio=debug,engineio=debug logs every
#                                   # connect, upgrade and disconnect, with their spans)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

command -v npm >/dev/null || { echo "chat.sh: npm not found (install Node.js >= 20)" >&2; exit 1; }
command -v cargo >/dev/null || { echo "chat.sh: cargo not found (install Rust: https://rustup.rs)" >&2; exit 1; }

# The client bundle the server serves at /socket.io/socket.io.js, and the Admin UI's files
# (served at /admin/ with --admin-user/--admin-password).
if [ ! -f e2e/node_modules/socket.io-client/dist/socket.io.js ] \
  || [ ! -f e2e/node_modules/@socket.io/admin-ui/ui/dist/index.html ] \
  || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
  (cd e2e && npm ci --no-audit --no-fund --loglevel=error)
fi

export CHAT_CLIENT_DIR="${CHAT_CLIENT_DIR:-$root/e2e/node_modules/socket.io-client/dist}"
export CHAT_ADMIN_UI_DIR="${CHAT_ADMIN_UI_DIR:-$root/e2e/node_modules/@socket.io/admin-ui/ui/dist}"
exec cargo run --release -p chat-example -- "$@"
