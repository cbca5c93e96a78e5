#!/usr/bin/env node
// Reference implementation of the Socket.IO conformance server contract
// (../SIO_CONTRACT.md), on Node's socket.io 4.8.4. The sio-*.test.mjs files in
// ../test are validated against this server.
//
// Usage: node reference/sio-server.mjs --profile <sio|sio-full|sio3> --port <P> [--parser msgpack]
//        [--redis URL [--sharded]] [--name NAME] [ignored extra args]
//
//   - listens on 127.0.0.1:P, prints `listening on 127.0.0.1:P` once ready
//   - Socket.IO at path /socket.io/, pingInterval 300, pingTimeout 200,
//     connectTimeout 1000, maxHttpBufferSize 1000000, allowEIO3 false,
//     transports polling+websocket, CORS any origin, no client bundle served
//   - namespaces and events: see SIO_CONTRACT.md
import http from "node:http";
import { parseArgs } from "./args.mjs";
import { Server } from "socket.io";
import msgpackParser from "socket.io-msgpack-parser";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createAdapter as createStreamsAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";

const args = parseArgs(process.argv.slice(2), ["sio", "sio-full", "sio3"]);
// sio3: sio-full that also accepts Engine.IO v3 / Socket.IO v4 clients (socket.io-client 2.x)
const FULL = args.profile === "sio-full" || args.profile === "sio3";
const EIO3 = args.profile === "sio3";
// --node-options (with sio-full): SIO_CONTRACT.md "Node options"
const NODE_OPTIONS = FULL && args.nodeOptions;

const httpServer = http.createServer((req, res) => {
  // socket.io handles its own path; everything else is a 404
  if (!req.url.startsWith("/socket.io/")) {
    res.writeHead(404).end();
  }
});

const io = new Server(httpServer, {
  path: "/socket.io/",
  serveClient: false,
  pingInterval: 300,
  pingTimeout: 200,
  connectTimeout: 1000,
  maxHttpBufferSize: 1e6,
  transports: ["polling", "websocket"],
  allowUpgrades: true,
  allowEIO3: EIO3,
  cors: { origin: "*" },
  ...(args.parser === "msgpack" ? { parser: msgpackParser } : {}),
  ...(args.cookie ? { cookie: true } : {}),
  ...(args.noTrailingSlash ? { addTrailingSlash: false } : {}),
  ...(NODE_OPTIONS ? { cleanupEmptyChildNamespaces: true } : {}),
  ...(args.recovery
    ? { connectionStateRecovery: { maxDisconnectionDuration: args.recoveryMs, skipMiddlewares: args.recoverySkip } }
    : {}),
});

if (args.redis) {
  const pub = createClient({ url: args.redis });
  const sub = pub.duplicate();
  // A Redis restart must not kill the server (node-redis reconnects by itself).
  pub.on("error", (e) => console.error(`redis pub: ${e.message}`));
  sub.on("error", (e) => console.error(`redis sub: ${e.message}`));
  await Promise.all([pub.connect(), sub.connect()]);
  if (args.streams) io.adapter(createStreamsAdapter(pub));
  else io.adapter(args.sharded ? createShardedAdapter(pub, sub) : createAdapter(pub, sub));
}

const connectionErrors = [];
if (NODE_OPTIONS) {
  // Node's generateId is a method of the engine to override.
  let next = 0;
  io.engine.generateId = () => `nodeopt-${String(next++).padStart(12, "0")}`;
  io.engine.on("connection_error", (err) => {
    connectionErrors.push({ code: err.code, message: err.message, context: err.context });
  });
}

function setupNodeOptions(socket) {
  socket.on("connection-errors", (ack) => ack(connectionErrors.splice(0)));
  socket.on("nsp-exists", (name, ack) => ack(io._nsps.has(name)));
  socket.on("big", (n, compress) => socket.compress(compress).emit("big", "x".repeat(n)));
  socket.on("big-all", (n, compress) => root.compress(compress).emit("big", "x".repeat(n)));
  socket.on("disconnect", (reason, description) => {
    root.to("observers").emit("left-described", {
      id: socket.id,
      reason,
      description: description?.message ?? null,
    });
  });
}

const byJson = (a, b) => {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
};
const sortedIds = (sockets) => sockets.map((s) => s.id).sort();

// ---------------------------------------------------------------------------
// Profile sio

const root = io.of("/");
root.on("connection", (socket) => {
  if (FULL) setupFull(socket);
  if (NODE_OPTIONS) setupNodeOptions(socket);
  socket.emit("auth", socket.handshake.auth);
  socket.on("message", (...a) => socket.emit("message-back", ...a));
  socket.on("message-with-ack", (...a) => {
    const ack = a.pop();
    if (typeof ack === "function") ack(...a);
  });
});

io.of("/custom").on("connection", (socket) => {
  socket.emit("auth", socket.handshake.auth);
});

// ---------------------------------------------------------------------------
// Profile sio-full

if (FULL) {
  // Cluster (SIO_CONTRACT.md): server-side listeners.
  root.on("sse", (...a) => root.local.emit("sse-received", ...a));
  root.on("sse-ack", (arg, cb) => cb(`${args.name}:${typeof arg === "string" ? arg : JSON.stringify(arg)}`));
}

function setupCluster(socket) {
  socket.on("server-name", (ack) => ack(args.name));
  socket.on("recovered", (ack) => ack(socket.recovered));
  socket.on("sse", (...a) => root.serverSideEmit("sse", ...a));
  socket.on("sse-with-ack", async (arg, ack) => {
    try {
      const responses = await root.serverSideEmitWithAck("sse-ack", arg);
      ack({ responses: [...responses].sort(byJson) });
    } catch (err) {
      ack({ error: err.message });
    }
  });
  socket.on("local-broadcast", (...a) => root.local.emit("local-msg", ...a));
  socket.on("fetch-details", async (ack) => {
    try {
      const sockets = await root.fetchSockets();
      const details = sockets
        .map((s) => ({ id: s.id, rooms: [...s.rooms].sort(), data: s.data, auth: s.handshake.auth }))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      ack(details);
    } catch (err) {
      ack({ error: err.message });
    }
  });
}

function setupFull(socket) {
  setupCluster(socket);
  const nsp = root;
  const incoming = [];
  const outgoing = [];
  // catch-all listeners are registered before anything is emitted to the socket
  socket.onAny((event, ...a) => {
    if (event === "any-log") {
      const ack = a[a.length - 1];
      if (typeof ack === "function") ack([...incoming]);
    }
    incoming.push(event);
  });
  socket.onAnyOutgoing((event) => outgoing.push(event));

  let roomsAtDisconnecting = [];
  socket.on("disconnecting", () => {
    roomsAtDisconnecting = [...socket.rooms].filter((r) => r !== socket.id).sort();
  });
  socket.on("disconnect", (reason) => {
    nsp.to("observers").emit("left", { id: socket.id, rooms: roomsAtDisconnecting, reason });
  });

  socket.on("join", (room, ack) => {
    socket.join(room);
    ack();
  });
  socket.on("leave", (room, ack) => {
    socket.leave(room);
    ack();
  });
  socket.on("rooms", (ack) => ack([...socket.rooms].sort()));
  socket.on("to-room", (room, ...a) => nsp.to(room).emit("room-msg", ...a));
  socket.on("to-room-from-socket", (room, ...a) => socket.to(room).emit("room-msg", ...a));
  socket.on("to-rooms", (rooms, ...a) => nsp.to(rooms).emit("room-msg", ...a));
  socket.on("except-room", (room, ...a) => nsp.except(room).emit("except-msg", ...a));
  socket.on("broadcast", (...a) => socket.broadcast.emit("broadcast-msg", ...a));
  socket.on("broadcast-all", (...a) => nsp.emit("all-msg", ...a));
  socket.on("volatile", (...a) => socket.volatile.emit("volatile-msg", ...a));
  socket.on("volatile-all", (...a) => nsp.volatile.emit("volatile-all-msg", ...a));
  socket.on("ask-me", (arg, ack) => {
    socket.timeout(500).emit("ask", arg, (err, answer) => ack(err ? { error: "timeout" } : { answer }));
  });
  socket.on("ask-all", (arg, ack) => {
    nsp.timeout(500).emit("ask", arg, (err, answers) =>
      ack({ error: err ? "timeout" : null, answers: [...answers].sort(byJson) }),
    );
  });
  socket.on("fetch-sockets", async (ack) => ack(sortedIds(await nsp.fetchSockets())));
  socket.on("room-sockets", async (room, ack) => ack(sortedIds(await nsp.in(room).fetchSockets())));
  socket.on("make-join", (room, target, ack) => {
    nsp.in(room).socketsJoin(target);
    ack();
  });
  socket.on("make-leave", (room, target, ack) => {
    nsp.in(room).socketsLeave(target);
    ack();
  });
  socket.on("disconnect-room", (room, ack) => {
    nsp.in(room).disconnectSockets();
    if (typeof ack === "function") ack();
  });
  socket.on("set-data", (obj, ack) => {
    socket.data = obj;
    ack();
  });
  socket.on("get-data", (ack) => ack(socket.data ?? null));
  socket.on("disconnect-me", () => socket.disconnect());
  socket.on("close-me", () => socket.disconnect(true));
  socket.on("close-engine", () => socket.conn.close());
  socket.on("binary-back", (...a) => socket.emit("binary-back", ...a));
  socket.on("emit-outgoing-log", (ack) => ack([...outgoing]));
  socket.on("server-emit-binary", () => {
    socket.emit("bin", Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) });
  });
}

if (FULL) {
  const priv = io.of("/private");
  priv.use((socket, next) => {
    if (socket.handshake.auth?.token === "secret") return next();
    const err = new Error("not authorized");
    err.data = { reason: "bad token" };
    next(err);
  });
  priv.on("connection", (socket) => socket.emit("auth", socket.handshake.auth));

  const ordered = io.of("/ordered");
  ordered.use((socket, next) => {
    socket.data.trail = [...(socket.data.trail ?? []), "a"];
    next();
  });
  ordered.use((socket, next) => {
    socket.data.trail = [...(socket.data.trail ?? []), "b"];
    next();
  });
  ordered.on("connection", (socket) => socket.emit("trail", socket.data.trail));

  io.of(/^\/dyn-\d+$/).on("connection", (socket) => socket.emit("nsp", socket.nsp.name));

  const OMIT = new Set(["EIO", "transport", "t", "sid", "b64"]);
  io.of("/handshake").on("connection", (socket) => {
    const h = socket.handshake;
    const query = {};
    for (const [k, v] of Object.entries(h.query ?? {})) if (!OMIT.has(k)) query[k] = v;
    socket.emit("handshake", {
      query,
      auth: h.auth,
      url_has_path: typeof h.url === "string" && h.url.startsWith("/socket.io/"),
      has_address: typeof h.address === "string" && h.address.length > 0,
      has_time: typeof h.time === "string",
      has_headers: typeof h.headers === "object" && h.headers !== null,
    });
  });
}

httpServer.listen(args.port, "127.0.0.1", () => {
  const { port } = httpServer.address();
  process.stdout.write(`listening on 127.0.0.1:${port}\n`);
});

function shutdown() {
  io.close();
  httpServer.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
