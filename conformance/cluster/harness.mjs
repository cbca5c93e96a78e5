// Harness of the cluster tests: a real redis-server, Rust and Node servers on it, and
// socket.io-client clients on each (Debian's redis-server and the npm packages of
// ../package.json; everything started here on free ports and stopped by PID).
//
// Env:
//   CONFORMANCE_SERVER        the Rust conformance-server binary (required)
//   CONFORMANCE_SERVER_ARGS   extra args for it (e.g. `--integration axum`)
//   CONFORMANCE_EMITTER       the Rust conformance-emitter binary (default: next to the server)
//   CLUSTER_MODE              classic (default: createAdapter), sharded (createShardedAdapter) or
//                             streams (@socket.io/redis-streams-adapter)

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { io as ioClient } from "socket.io-client";
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";
import { CONFORMANCE_DIR, ServerProcess, SioEvents, freePort, sleep, splitCommand } from "../test/harness.mjs";

const require = createRequire(import.meta.url);

export const MODE = process.env.CLUSTER_MODE ?? "classic";
export const SHARDED = MODE === "sharded";
export const STREAMS = MODE === "streams";

/** A redis-server on a free port (no persistence), stopped and restarted by PID. */
export class Redis {
  /** `persistent`: an append-only file in a temporary folder, fsynced on every write. */
  static async start({ persistent = false } = {}) {
    const r = new Redis(await freePort(), persistent);
    await r.launch();
    return r;
  }

  constructor(port, persistent = false) {
    this.port = port;
    this.url = `redis://127.0.0.1:${port}`;
    this.child = null;
    this.dir = null;
    if (persistent) {
      const { mkdtempSync } = require("node:fs");
      this.dir = mkdtempSync(path.join(require("node:os").tmpdir(), "redis-"));
    }
  }

  async launch() {
    const persistence = this.dir
      ? ["--dir", this.dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""]
      : ["--save", "", "--appendonly", "no"];
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", ...persistence];
    this.child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.exited = new Promise((resolve) => this.child.on("exit", resolve));
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (await canConnect(this.port)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not listen on ${this.port}`);
  }

  /** Stops it (SIGTERM, then SIGKILL). */
  async stop() {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill("SIGTERM");
    const t = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await this.exited;
    clearTimeout(t);
  }

  async restart() {
    await this.stop();
    await this.launch();
  }
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function launch(argv, port) {
  const srv = new ServerProcess(argv, port);
  await srv.waitListening(60000);
  return srv;
}

function clusterArgs(name, redis, extra) {
  const mode = SHARDED ? ["--sharded"] : STREAMS ? ["--streams"] : [];
  return ["--profile", "sio-full", "--redis", redis.url, "--name", name, ...mode, ...extra];
}

/** A Rust conformance server named `name` in the cluster (`extra`: more arguments). */
export async function startRust(name, redis, extra = []) {
  const cmd = process.env.CONFORMANCE_SERVER;
  if (!cmd) throw new Error("CONFORMANCE_SERVER is not set");
  const port = await freePort();
  const more = splitCommand(process.env.CONFORMANCE_SERVER_ARGS ?? "");
  return launch([...splitCommand(cmd), ...clusterArgs(name, redis, extra), "--port", String(port), ...more], port);
}

/** A Node reference server (socket.io 4.8.4 + @socket.io/redis-adapter 8.3.0). */
export async function startNode(name, redis, extra = []) {
  const port = await freePort();
  return launch(["node", "reference/sio-server.mjs", ...clusterArgs(name, redis, extra), "--port", String(port)], port);
}

/**
 * Debian's haproxy in front of `servers`, balancing handshakes round robin and pinning a
 * session by Engine.IO's `io` cookie (`cookie io prefix indirect nocache`, as the Socket.IO
 * documentation advises). Stopped by PID.
 */
export async function startHaproxy(servers, dir) {
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const os = await import("node:os");
  const port = await freePort();
  const root = dir ?? mkdtempSync(path.join(os.tmpdir(), "haproxy-"));
  const lines = [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  timeout connect 5s",
    "  timeout client 60s",
    "  timeout server 60s",
    "  timeout tunnel 1h",
    "frontend fe",
    `  bind 127.0.0.1:${port}`,
    "  default_backend be",
    "backend be",
    "  balance roundrobin",
    "  cookie io prefix indirect nocache",
    ...servers.map((s, i) => `  server s${i} 127.0.0.1:${s.port} cookie s${i}`),
    "",
  ];
  const cfg = path.join(root, "haproxy.cfg");
  writeFileSync(cfg, lines.join("\n"));
  const child = spawn("haproxy", ["-f", cfg, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const deadline = Date.now() + 10000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`haproxy did not start:\n${log}`);
    await sleep(50);
  }
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    log: () => log,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * A socket.io-client socket on `server` (websocket unless `transports` says otherwise) with its
 * events recorded; resolves once connected. `cleanup` collects what to close. `session`
 * ({pid, offset}) makes it ask for the recovery of an earlier socket's session.
 */
export async function client(server, cleanup, { nsp = "/", transports = ["websocket"], auth, withCredentials, onSocket, session } = {}) {
  const socket = ioClient(server.base + nsp, {
    path: "/socket.io/",
    forceNew: true,
    reconnection: false,
    transports,
    auth,
    withCredentials,
  });
  cleanup.push(() => socket.disconnect());
  const events = new SioEvents(socket);
  if (session) {
    // What a client reconnecting through a load balancer carries: the session of a socket that
    // was connected to another server (the client sends both in its CONNECT packet).
    socket._pid = session.pid;
    socket._lastOffset = session.offset;
  }
  onSocket?.(socket);
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no connection to ${server.base}`)), 5000);
    socket.once("connect", () => {
      clearTimeout(t);
      resolve();
    });
    socket.once("connect_error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
  return { socket, events };
}

/** Emits with an ack and resolves with the answer. */
export function ack(socket, event, ...args) {
  return socket.timeout(8000).emitWithAck(event, ...args);
}

/** Runs our emitter once (see ../src/bin/conformance-emitter.rs). */
export function rustEmit(redis, args) {
  const bin =
    process.env.CONFORMANCE_EMITTER ??
    path.join(path.dirname(splitCommand(process.env.CONFORMANCE_SERVER ?? "")[0] ?? ""), "conformance-emitter");
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ["--redis", redis.url, ...args], { cwd: CONFORMANCE_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`conformance-emitter ${args.join(" ")}: exit ${code}: ${err}`))));
  });
}

/** Node's emitter (@socket.io/redis-emitter 5.1) on its own connection. */
export async function nodeEmitter(redis, cleanup) {
  const client = createClient({ url: redis.url });
  await client.connect();
  cleanup.push(() => client.quit());
  return new Emitter(client);
}

/** `redis-cli` against `redis`; resolves with its output lines. */
export function redisCli(redis, args) {
  return new Promise((resolve, reject) => {
    const child = spawn("redis-cli", ["-p", String(redis.port), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out.trim().split("\n")) : reject(new Error(`redis-cli ${args.join(" ")}: ${code}`))));
  });
}

/**
 * In the sharded format, a server subscribes to a room's channel after one of its sockets
 * joins the room, asynchronously (Node's adapter does the same): a broadcast to the room right
 * after the join may go out before. Waits until `count` servers listen on the room's channel
 * (nothing to wait for in the other formats).
 */
export async function roomSubscribers(redis, room, count, nsp = "/") {
  if (!SHARDED) return;
  const channel = `socket.io#${nsp}#${room}#`;
  await eventually(async () => {
    const lines = await redisCli(redis, ["PUBSUB", "SHARDNUMSUB", channel]);
    const n = Number(lines.at(-1));
    if (!(n >= count)) throw new Error(`${n} servers listen on ${channel}, waiting for ${count}`);
  });
}

/** Retries `fn` until it does not throw, or throws its last error after `timeout` ms. */
export async function eventually(fn, timeout = 5000, every = 100) {
  const deadline = Date.now() + timeout;
  let last;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await sleep(every);
    }
  }
  throw last;
}

export { sleep };
