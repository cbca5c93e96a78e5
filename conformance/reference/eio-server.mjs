#!/usr/bin/env node
// Reference implementation of the conformance server contract, on Node's
// engine.io 6.6.x. The suite in ../test is validated against this server.
//
// Usage: node reference/eio-server.mjs --profile <eio|eio3> --port <P> [ignored extra args]
//
// Contract (see ../test/harness.mjs for the full text):
//   - listens on 127.0.0.1:P, prints `listening on 127.0.0.1:P` once ready
//   - Engine.IO at path /engine.io/, pingInterval 300, pingTimeout 200,
//     maxHttpBufferSize 1000000, upgradeTimeout 10000 (default),
//     transports polling+websocket, allowUpgrades true, CORS any origin
//   - echoes every message unchanged (text as text, binary as binary)
//   - a text message exactly `__close__` makes the server close that session
//   - profile eio3 = the same with allowEIO3 true; profile eio refuses EIO=3
import http from "node:http";
import { parseArgs } from "./args.mjs";
import { Server } from "engine.io";

const args = parseArgs(process.argv.slice(2), ["eio", "eio3"]);

const httpServer = http.createServer((req, res) => {
  // engine.io handles its own path; everything else is a 404
  if (!req.url.startsWith("/engine.io/")) {
    res.writeHead(404).end();
  }
});

const engine = new Server({
  pingInterval: 300,
  pingTimeout: 200,
  maxHttpBufferSize: 1e6,
  transports: ["polling", "websocket"],
  allowUpgrades: true,
  allowEIO3: args.profile === "eio3",
  // the `cors` module with origin "*" answers `Access-Control-Allow-Origin: *`
  cors: { origin: "*" },
});
engine.attach(httpServer, { path: "/engine.io/" });

engine.on("connection", (socket) => {
  socket.on("message", (data) => {
    if (data === "__close__") {
      socket.close();
      return;
    }
    socket.send(data);
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
