// The Node reference server of the benchmark:
//   node server.mjs --port P [--redis URL] [--recovery] [--recovery-duration-ms N]
// socket.io 4.8.4 with its defaults (ping interval 25 s, ping timeout 20 s, CORS off), at
// /socket.io/, namespace "/":
//   - "echo": answered by calling the ack with the same arguments;
//   - "broadcast": answered by emitting "msg" with the same arguments to every socket of the
//     namespace, the sender included.
// --redis URL: joins a cluster through @socket.io/redis-adapter 8.3.0 (classic format,
//   `createAdapter(pub, sub)` on two node-redis 4.7.1 clients), like `bench-server --redis`.
// --recovery: `connectionStateRecovery: {}` (Node's defaults: 2 min, skip middlewares);
//   --recovery-duration-ms N sets its `maxDisconnectionDuration`.
// Prints "listening on 127.0.0.1:P" when ready (after the Redis clients are connected).
import { createServer } from "node:http";
import { Server } from "socket.io";

const argv = process.argv.slice(2);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const port = Number(opt("--port") ?? 3000);
const redisUrl = opt("--redis");
const recovery = argv.includes("--recovery") || opt("--recovery-duration-ms") !== undefined;

const options = { serveClient: false };
if (recovery) {
  options.connectionStateRecovery = {};
  if (opt("--recovery-duration-ms") !== undefined) {
    options.connectionStateRecovery.maxDisconnectionDuration = Number(opt("--recovery-duration-ms"));
  }
}

const httpServer = createServer();
const io = new Server(httpServer, options);

if (redisUrl) {
  const { createClient } = await import("redis");
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const pub = createClient({ url: redisUrl });
  const sub = pub.duplicate();
  pub.on("error", (e) => console.error(`redis pub: ${e.message}`));
  sub.on("error", (e) => console.error(`redis sub: ${e.message}`));
  await Promise.all([pub.connect(), sub.connect()]);
  io.adapter(createAdapter(pub, sub));
}

io.on("connection", (socket) => {
  socket.on("echo", (...args) => {
    const ack = args.pop();
    if (typeof ack === "function") ack(...args);
  });
  socket.on("broadcast", (...args) => {
    if (typeof args[args.length - 1] === "function") args.pop();
    io.emit("msg", ...args);
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`listening on 127.0.0.1:${port}`);
});
