#!/usr/bin/env node
// Reference implementation of the hardening profiles `hard` and `hard-max`
// (contract: the header of ../src/hardening.rs; tests: ../test/bad-input.test.mjs),
// on Node's engine.io 6.6.x.
//
// Usage: node reference/hardening-server.mjs --profile <hard|hard-max> --port <P> [ignored extra args]
//
//   - Engine.IO at /engine.io/, pingInterval 300, pingTimeout 200, upgradeTimeout 500,
//     maxHttpBufferSize 1000, allowEIO3 true, CORS allow-list ["http://allowed.test"],
//     allowRequest refusing requests that carry an `x-deny` header (403, code 4, "Forbidden")
//   - echoes every message; text commands __close__, __stats__, __burst__:<n>,
//     __flood__:<n>:<size> as in src/hardening.rs
//
// Limits engine.io does not have are emulated here, by the application:
//   - max buffered packets (8): a message is dropped when the socket's writeBuffer holds 8
//     packets already (the Rust server bounds its queue the same way);
//   - max sessions (profile hard-max: 2): refused in allowRequest with the message
//     "Too many sessions" (403 `{"code":4,"message":"Too many sessions"}`, the answer the Rust
//     server's `max_sessions` gives);
//   - POST read timeout (500 ms): Node's own `requestTimeout` of the HTTP server (408 and the
//     socket destroyed; engine.io then closes the session: "data request connection closed
//     prematurely"), checked every 100 ms.
// Node has no bound on a websocket peer that stops reading (ws buffers without limit): the
// slow-consumer rows are skipped against this server (documented in bad-input.test.mjs).
import http from "node:http";
import { parseArgs } from "./args.mjs";
import { Server } from "engine.io";

const args = parseArgs(process.argv.slice(2), ["hard", "hard-max"]);
const MAX_SESSIONS = args.profile === "hard-max" ? 2 : Infinity;
const MAX_BUFFERED = 8;

const httpServer = http.createServer({ requestTimeout: 500, connectionsCheckingInterval: 100 }, (req, res) => {
  if (!req.url.startsWith("/engine.io/")) res.writeHead(404).end();
});

const engine = new Server({
  pingInterval: 300,
  pingTimeout: 200,
  upgradeTimeout: 500,
  maxHttpBufferSize: 1000,
  transports: ["polling", "websocket"],
  allowUpgrades: true,
  allowEIO3: true,
  cors: { origin: ["http://allowed.test"] },
  allowRequest: (req, cb) => {
    if (req.headers["x-deny"] !== undefined) return cb(null, false);
    if (engine.clientsCount >= MAX_SESSIONS) return cb("Too many sessions", false);
    cb(null, true);
  },
});
engine.attach(httpServer, { path: "/engine.io/" });

const trySend = (socket, data) => {
  if (socket.writeBuffer.length >= MAX_BUFFERED) return false;
  socket.send(data);
  return true;
};

engine.on("connection", (socket) => {
  socket.on("message", (data) => {
    if (typeof data !== "string") return void trySend(socket, data);
    if (data === "__close__") return void socket.close();
    if (data === "__stats__") {
      const sids = Object.keys(engine.clients).sort();
      return void trySend(socket, `stats:${JSON.stringify({ count: engine.clientsCount, sids })}`);
    }
    let m;
    if ((m = /^__burst__:(\d+)$/.exec(data))) {
      for (let i = 0; i < Number(m[1]); i++) if (!trySend(socket, `b${i}`)) break;
      return;
    }
    if ((m = /^__flood__:(\d+):(\d+)$/.exec(data))) {
      const chunk = "x".repeat(Math.min(Number(m[2]), 1 << 20));
      for (let i = 0; i < Number(m[1]); i++) if (!trySend(socket, chunk)) break;
      return;
    }
    trySend(socket, data);
  });
});

httpServer.listen(args.port, "127.0.0.1", () => {
  const { port } = httpServer.address();
  process.stdout.write(`listening on 127.0.0.1:${port}\n`);
});

function shutdown() {
  engine.close();
  httpServer.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
