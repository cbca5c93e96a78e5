// Shared harness of the Engine.IO conformance suite.
//
// THE SERVER CONTRACT
// The command in env CONFORMANCE_SERVER (a shell-style string, split here, run
// without a shell from the conformance/ folder) is started as
//     <cmd> --profile <eio|eio3> --port <P> [$CONFORMANCE_SERVER_ARGS...]
// It must listen on 127.0.0.1:P and print the line `listening on 127.0.0.1:P`
// to stdout once ready. It is an Engine.IO server at path `/engine.io/` with
//   pingInterval 300 ms, pingTimeout 200 ms, maxPayload (maxHttpBufferSize)
//   1000000 bytes, upgradeTimeout 10000 ms (default), transports polling and
//   websocket, allowUpgrades true, CORS allowing any origin (the Node `cors`
//   module with `origin: "*"`; reflecting the request origin is accepted too).
// It sends every received message back unchanged (text as text, binary as
// binary), except that a text message exactly `__close__` makes the server close
// that session (server-initiated close) instead of echoing it.
// Profile `eio3`: the same with allowEIO3 true. Profile `eio`: EIO=3 (and a
// missing EIO) is refused with code 5.
//
// Profiles `sio` and `sio-full`: a Socket.IO server at path `/socket.io/`,
// specified in ../SIO_CONTRACT.md (tests: sio-*.test.mjs).
// The Node reference for every profile is `node reference/server.mjs`; a
// command naming reference/eio-server.mjs or reference/sio-server.mjs is
// pointed at the script matching the profile.
//
// Env:
//   CONFORMANCE_SERVER       command (required), e.g. `node reference/server.mjs`
//   CONFORMANCE_SERVER_ARGS  extra args appended (e.g. `--integration axum`)
//   CONFORMANCE_REFERENCE=1  the server is Node's engine.io: skips the few
//                            checks where the Node server is known to be buggy
//   CONFORMANCE_STARTUP_TIMEOUT_MS  wait for the listening line (default 60000)
//   CONFORMANCE_PARSER=msgpack  socket.io-client sockets use socket.io-msgpack-parser
//                            (the server must be started with `--parser msgpack`;
//                            run-suite.sh then runs only the socket.io-client files)

import { spawn } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { test, before, after, describe } from "node:test";
import WebSocket from "ws";

export const CONFORMANCE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const IS_REFERENCE = process.env.CONFORMANCE_REFERENCE === "1";

export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;
export const MAX_PAYLOAD = 1000000;
export const ENGINE_PATH = "/engine.io/";
export const SIO_PATH = "/socket.io/";

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// Command line splitting (POSIX-shell-like: quotes and backslashes, no expansion)

export function splitCommand(str) {
  const out = [];
  let cur = "";
  let has = false;
  let i = 0;
  while (i < str.length) {
    const c = str[i];
    if (c === "'") {
      const end = str.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in command: ${str}`);
      cur += str.slice(i + 1, end);
      has = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      while (i < str.length && str[i] !== '"') {
        if (str[i] === "\\" && i + 1 < str.length && '"\\$`'.includes(str[i + 1])) {
          cur += str[i + 1];
          i += 2;
        } else {
          cur += str[i++];
        }
      }
      if (i >= str.length) throw new Error(`unterminated " in command: ${str}`);
      has = true;
      i++;
    } else if (c === "\\" && i + 1 < str.length) {
      cur += str[i + 1];
      has = true;
      i += 2;
    } else if (/\s/.test(c)) {
      if (has) out.push(cur);
      cur = "";
      has = false;
      i++;
    } else {
      cur += c;
      has = true;
      i++;
    }
  }
  if (has) out.push(cur);
  return out;
}

// ---------------------------------------------------------------------------
// Server process management

const liveChildren = new Set();
process.on("exit", () => {
  for (const child of liveChildren) {
    try {
      child.kill("SIGKILL");
    } catch {}
  }
});

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const LOG_CAP = 256 * 1024;

export class ServerProcess {
  constructor(argv, port) {
    this.argv = argv;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.wsBase = `ws://127.0.0.1:${port}`;
    this.log = ""; // interleaved stdout/stderr, capped at the tail
    this.logOffset = 0; // bytes dropped from the front of `log`
    this.exit = null;
    this.child = spawn(argv[0], argv.slice(1), {
      cwd: CONFORMANCE_DIR,
      stdio: ["ignore", "pipe", "pipe"],
      env: process.env,
    });
    liveChildren.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.on("exit", (code, signal) => {
        this.exit = { code, signal };
        liveChildren.delete(this.child);
        resolve(this.exit);
      });
      this.child.on("error", (err) => {
        this.exit = { error: err };
        liveChildren.delete(this.child);
        resolve(this.exit);
      });
    });
    this.child.stdout.setEncoding("utf8");
    this.child.stderr.setEncoding("utf8");
    this.child.stdout.on("data", (d) => this._append(d, "stdout"));
    this.child.stderr.on("data", (d) => this._append(d, "stderr"));
  }

  _append(d, stream) {
    if (stream === "stdout") this._stdoutBuf = (this._stdoutBuf ?? "") + d;
    this.log += d;
    if (this.log.length > LOG_CAP) {
      const drop = this.log.length - LOG_CAP;
      this.log = this.log.slice(drop);
      this.logOffset += drop;
    }
    this._onOutput?.();
  }

  /** Position in the log, to be used with logSince(). */
  get logMark() {
    return this.logOffset + this.log.length;
  }

  logSince(mark) {
    const start = Math.max(0, mark - this.logOffset);
    return this.log.slice(start);
  }

  waitListening(timeoutMs) {
    const want = `listening on 127.0.0.1:${this.port}`;
    return new Promise((resolve, reject) => {
      const check = () => {
        const lines = (this._stdoutBuf ?? "").split(/\r?\n/);
        if (lines.slice(0, -1).some((l) => l.trim() === want)) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`server did not print "${want}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this._onOutput = null;
      };
      this._onOutput = check;
      this.exited.then((e) => {
        if (this._onOutput === check) {
          done();
          reject(new Error(`server exited before listening: ${JSON.stringify(e)}`));
        }
      });
      check();
    });
  }

  async stop() {
    if (this.exit) return this.exit;
    try {
      this.child.kill("SIGTERM");
    } catch {}
    const t = setTimeout(() => {
      try {
        this.child.kill("SIGKILL");
      } catch {}
    }, 2000);
    const e = await this.exited;
    clearTimeout(t);
    return e;
  }

  url(query = "") {
    return `${this.base}${ENGINE_PATH}${query ? "?" + query : ""}`;
  }

  wsUrl(query = "") {
    return `${this.wsBase}${ENGINE_PATH}${query ? "?" + query : ""}`;
  }

  /** Engine.IO endpoint of a Socket.IO profile (path /socket.io/). */
  sioUrl(query = "") {
    return `${this.base}${SIO_PATH}${query ? "?" + query : ""}`;
  }

  sioWsUrl(query = "") {
    return `${this.wsBase}${SIO_PATH}${query ? "?" + query : ""}`;
  }
}

// The Node reference servers: reference/server.mjs serves every profile; the
// per-protocol scripts only their own, so a command naming one of them is
// pointed at the right script for the profile (any other command is untouched).
const REFERENCE_SCRIPTS = { eio: "eio-server.mjs", eio3: "eio-server.mjs", sio: "sio-server.mjs", "sio-full": "sio-server.mjs", sio3: "sio-server.mjs" };
// Hardening profiles (bad-input.test.mjs): see ../src/hardening.rs.
REFERENCE_SCRIPTS.hard = "hardening-server.mjs";
REFERENCE_SCRIPTS["hard-max"] = "hardening-server.mjs";

function referenceScriptFor(argv, profile) {
  const want = REFERENCE_SCRIPTS[profile];
  if (!want) return argv;
  return argv.map((a) => {
    const m = /^(.*?)((?:^|[\\/])reference[\\/])(eio|sio)-server\.mjs$/.exec(a);
    return m ? `${m[1]}${m[2]}${want}` : a;
  });
}

export async function startServer({ profile = "eio", extra: fileArgs = [] } = {}) {
  const cmd = process.env.CONFORMANCE_SERVER;
  if (!cmd || !cmd.trim()) {
    throw new Error(
      "CONFORMANCE_SERVER is not set (e.g. CONFORMANCE_SERVER='node reference/eio-server.mjs')",
    );
  }
  const extra = splitCommand(process.env.CONFORMANCE_SERVER_ARGS ?? "");
  const timeoutMs = Number(process.env.CONFORMANCE_STARTUP_TIMEOUT_MS ?? 60000);
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const parser = process.env.CONFORMANCE_PARSER === "msgpack" ? ["--parser", "msgpack"] : [];
    const argv = [...referenceScriptFor(splitCommand(cmd), profile), "--profile", profile, "--port", String(port), ...extra, ...fileArgs, ...parser];
    const srv = new ServerProcess(argv, port);
    try {
      await srv.waitListening(timeoutMs);
      return srv;
    } catch (err) {
      const exitedByItself = srv.exit !== null;
      await srv.stop();
      lastErr = new Error(
        `${err.message}\ncommand: ${JSON.stringify(argv)}\n--- server output ---\n${srv.log || "(none)"}`,
      );
      // an early exit may be a port race: retry with another port (not after a timeout)
      if (!exitedByItself || srv.exit.error) break;
    }
  }
  throw lastErr;
}

/**
 * Registers before/after hooks starting one server for the current file (or
 * describe block). Returns a handle whose `.server` is the ServerProcess.
 */
export function useServer(profile = "eio", extra = []) {
  const handle = { server: null, profile };
  before(async () => {
    handle.server = await startServer({ profile, extra });
  }, { timeout: 70000 });
  after(async () => {
    await handle.server?.stop();
    // Safety net: a client handle leaked by a test must not keep this test file
    // alive (the runner would wait for it). Unref'd, so it never delays a clean exit.
    setTimeout(() => {
      process.stderr.write("conformance harness: test file still alive 5 s after its last test, forcing exit\n");
      process.exit();
    }, 5000).unref();
  });
  return handle;
}

/**
 * A test case bound to a server handle. The body gets a context with
 * `defer(fn)` (cleanups, run in reverse order whatever the outcome) and the
 * server. The body is raced against `timeout` ms (default 5000) so a hang fails
 * fast; on failure the server's output during the test is appended.
 */
export function serverTest(handle, name, opts, fn) {
  if (typeof opts === "function") {
    fn = opts;
    opts = {};
  }
  const timeout = opts.timeout ?? 5000;
  const testOpts = { ...opts, timeout: timeout + 5000 };
  test(name, testOpts, async (t) => {
    const srv = handle.server;
    if (!srv) throw new Error("server not started");
    const mark = srv.logMark;
    const cleanups = [];
    const ctx = {
      t,
      server: srv,
      defer: (f) => cleanups.push(f),
    };
    let timer;
    try {
      await Promise.race([
        fn(ctx),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`test body did not finish within ${timeout} ms`)),
            timeout,
          );
        }),
      ]);
    } catch (err) {
      let extra = `\n--- server output during this test ---\n${srv.logSince(mark) || "(none)"}`;
      if (srv.exit) extra += `\n--- server process exited: ${JSON.stringify(srv.exit)}`;
      if (err && typeof err === "object") {
        try {
          const stack = err.stack; // formatted lazily: read it before touching the message
          err.message = String(err.message) + extra;
          if (typeof stack === "string") err.stack = stack + extra;
        } catch {}
      }
      throw err;
    } finally {
      clearTimeout(timer);
      for (const c of cleanups.reverse()) {
        try {
          await c();
        } catch {}
      }
    }
    if (srv.exit) throw new Error(`server process exited during the test: ${JSON.stringify(srv.exit)}`);
  });
}

// ---------------------------------------------------------------------------
// Raw HTTP

/**
 * One HTTP request on a fresh connection (no keep-alive pool).
 * Resolves { status, headers, body: Buffer, text } or, when the server resets
 * the connection and `allowReset` is set, { reset: true, error }.
 */
export function request(url, { method = "GET", headers = {}, body, timeout = 3000, allowReset = false } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const h = { ...headers };
    let payload = body;
    if (typeof payload === "string") payload = Buffer.from(payload, "utf8");
    if (payload && h["content-length"] === undefined && h["Content-Length"] === undefined) {
      h["Content-Length"] = payload.length;
    }
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers: h,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode, headers: res.headers, body: b, text: b.toString("utf8") });
        });
        res.on("error", (err) => {
          clearTimeout(timer);
          if (allowReset) resolve({ reset: true, error: err });
          else reject(err);
        });
      },
    );
    const timer = setTimeout(() => {
      req.destroy(new Error(`${method} ${url} got no response within ${timeout} ms`));
    }, timeout);
    req.on("error", (err) => {
      clearTimeout(timer);
      if (allowReset && !/got no response/.test(err.message)) resolve({ reset: true, error: err });
      else reject(err);
    });
    if (payload) req.end(payload);
    else req.end();
  });
}

export const RS = "\x1e";

/** GET of a v4 polling handshake; returns { sid, open (parsed JSON), res }. */
export async function pollingHandshake(srv, extraQuery = "", eio = 4) {
  const res = await request(srv.url(`EIO=${eio}&transport=polling${extraQuery}`));
  if (res.status !== 200) throw new Error(`handshake status ${res.status}: ${res.text}`);
  let text = res.text;
  if (eio === 3) {
    const m = /^(\d+):/.exec(text);
    if (!m) throw new Error(`bad v3 handshake payload: ${text}`);
    text = text.slice(m[0].length);
  }
  if (text[0] !== "0") throw new Error(`handshake body is not an open packet: ${res.text}`);
  const open = JSON.parse(text.slice(1));
  return { sid: open.sid, open, res };
}

export function pollUrl(srv, sid, eio = 4, extra = "") {
  return srv.url(`EIO=${eio}&transport=polling&sid=${encodeURIComponent(sid)}${extra}`);
}

export function pollGet(srv, sid, opts = {}) {
  return request(pollUrl(srv, sid, opts.eio ?? 4, opts.extra ?? ""), { timeout: opts.timeout ?? 3000, headers: opts.headers });
}

export function pollPost(srv, sid, body, opts = {}) {
  return request(pollUrl(srv, sid, opts.eio ?? 4, opts.extra ?? ""), {
    method: "POST",
    body,
    headers: { "Content-Type": "text/plain;charset=UTF-8", ...(opts.headers ?? {}) },
    timeout: opts.timeout ?? 3000,
    allowReset: opts.allowReset ?? false,
  });
}

/** Parse an Engine.IO JSON error body and check status + code + message. */
export function errorBody(res) {
  try {
    return JSON.parse(res.text);
  } catch {
    return { unparsable: res.text };
  }
}

export const ERROR_MESSAGES = {
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
};

/** Media type + charset, normalised: `text/plain; charset=UTF-8` -> `text/plain;charset=utf-8`. */
export function normType(ct) {
  return String(ct ?? "")
    .toLowerCase()
    .replace(/\s+/g, "");
}

// ---------------------------------------------------------------------------
// Raw WebSocket

export class WsConn {
  constructor(url, { autoPong = false, headers } = {}) {
    this.url = url;
    this.autoPong = autoPong;
    this.queue = [];
    this.waiters = [];
    this.closeInfo = null;
    this.ws = new WebSocket(url, { headers, perMessageDeflate: false });
    this.outcome = new Promise((resolve) => {
      this.ws.on("open", () => resolve({ type: "open" }));
      this.ws.on("unexpected-response", (req, res) => {
        const chunks = [];
        const fin = () => {
          resolve({ type: "refused", status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") });
          req.destroy();
        };
        res.on("data", (c) => chunks.push(c));
        res.on("end", fin);
        res.on("error", fin);
        res.on("aborted", fin);
        res.on("close", fin);
      });
      this.ws.on("error", (err) => resolve({ type: "error", error: err }));
    });
    this.closed = new Promise((resolve) => {
      this.ws.on("close", (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const w of this.waiters.splice(0)) w.reject(new Error(`websocket closed (${code}) while waiting for a message`));
        resolve(this.closeInfo);
      });
    });
    this.ws.on("error", () => {}); // surfaced through outcome/closed
    this.ws.on("message", (data, isBinary) => {
      const msg = isBinary ? { binary: true, data: Buffer.from(data) } : { binary: false, data: data.toString("utf8") };
      if (this.autoPong && !msg.binary && msg.data === "2") {
        this.send("3");
        return;
      }
      const w = this.waiters.shift();
      if (w) w.resolve(msg);
      else this.queue.push(msg);
    });
  }

  /** Resolves once open; throws if refused or errored. */
  async open() {
    const o = await this.outcome;
    if (o.type !== "open") throw new Error(`websocket ${this.url} not opened: ${JSON.stringify(o.type === "error" ? o.error.message : o)}`);
  }

  next(timeout = 2000) {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    if (this.closeInfo) return Promise.reject(new Error(`websocket closed (${this.closeInfo.code}), no message`));
    return new Promise((resolve, reject) => {
      const w = {
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no websocket message within ${timeout} ms`));
      }, timeout);
      this.waiters.push(w);
    });
  }

  /** Next text message (fails on a binary one). */
  async nextText(timeout = 2000) {
    const m = await this.next(timeout);
    if (m.binary) throw new Error(`expected a text frame, got binary <${m.data.toString("hex")}>`);
    return m.data;
  }

  send(data) {
    this.ws.send(data);
  }

  /** Resolves with close info, or throws if not closed within `timeout`. */
  async waitClosed(timeout = 2000) {
    let timer;
    try {
      return await Promise.race([
        this.closed,
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`websocket not closed within ${timeout} ms`)), timeout);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  terminate() {
    try {
      this.ws.terminate();
    } catch {}
  }
}

/** Opens a raw websocket; registers its termination with ctx.defer. */
export function openWs(ctx, url, opts) {
  const c = new WsConn(url, opts);
  ctx.defer(() => c.terminate());
  return c;
}

// ---------------------------------------------------------------------------
// Event helpers for the official clients

export function waitEvent(emitter, name, timeout = 2000, what = name) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off?.(name, on);
      reject(new Error(`no "${what}" event within ${timeout} ms`));
    }, timeout);
    const on = (...args) => {
      clearTimeout(timer);
      resolve(args.length <= 1 ? args[0] : args);
    };
    emitter.once(name, on);
  });
}

/** Collects `message` events of a client socket into a queue. */
export function messageQueue(socket) {
  const queue = [];
  const waiters = [];
  socket.on("message", (data) => {
    const w = waiters.shift();
    if (w) w(data);
    else queue.push(data);
  });
  return {
    next(timeout = 2000) {
      if (queue.length) return Promise.resolve(queue.shift());
      return new Promise((resolve, reject) => {
        const w = (d) => {
          clearTimeout(timer);
          resolve(d);
        };
        const timer = setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error(`no message within ${timeout} ms`));
        }, timeout);
        waiters.push(w);
      });
    },
    get pending() {
      return queue.length;
    },
  };
}

/** Bytes of a received binary message (Buffer, ArrayBuffer or typed array). */
export function toBuffer(data) {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new Error(`not binary: ${typeof data} ${JSON.stringify(data)}`);
}

export function isBinary(data) {
  return Buffer.isBuffer(data) || data instanceof ArrayBuffer || ArrayBuffer.isView(data);
}

/** Polls `fn` until it returns true or `timeout` passes. */
export async function eventually(fn, timeout = 1000, every = 20, what = "condition") {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last === true) return;
    await sleep(every);
  }
  throw new Error(`${what} not reached within ${timeout} ms (last: ${JSON.stringify(last)})`);
}

// ---------------------------------------------------------------------------
// Socket.IO (profiles sio / sio-full, see ../SIO_CONTRACT.md)

/**
 * The three transport setups every Socket.IO client case runs over:
 * websocket only, polling only, and the default (polling, then upgrade to
 * websocket; `sioConnect` waits for the upgrade unless `waitUpgrade: false`).
 */
export const SIO_TRANSPORT_SETUPS = [
  { name: "websocket", opts: { transports: ["websocket"] }, final: "websocket" },
  { name: "polling", opts: { transports: ["polling"] }, final: "polling" },
  { name: "default", opts: {}, final: "websocket" },
];

/** Runs `fn(setup)` inside one describe block per transport setup. */
export function forEachSioTransport(title, fn) {
  for (const setup of SIO_TRANSPORT_SETUPS) {
    describe(`${title} [${setup.name}]`, () => fn(setup));
  }
}

/**
 * Records every non-reserved event a socket.io-client socket receives
 * (through onAny, so it must be created before the events arrive).
 */
export class SioEvents {
  constructor(socket) {
    this.socket = socket;
    this.all = []; // [name, args] in order of arrival
    this.queues = new Map();
    this.waiters = new Map();
    socket.onAny((name, ...args) => {
      this.all.push([name, args]);
      const ws = this.waiters.get(name);
      if (ws && ws.length) ws.shift()(args);
      else {
        if (!this.queues.has(name)) this.queues.set(name, []);
        this.queues.get(name).push(args);
      }
    });
  }

  /** Arguments of the next `name` event (waits up to `timeout` ms). */
  next(name, timeout = 2000) {
    const q = this.queues.get(name);
    if (q && q.length) return Promise.resolve(q.shift());
    return new Promise((resolve, reject) => {
      const w = (args) => {
        clearTimeout(timer);
        resolve(args);
      };
      const timer = setTimeout(() => {
        const ws = this.waiters.get(name);
        const i = ws ? ws.indexOf(w) : -1;
        if (i >= 0) ws.splice(i, 1);
        reject(new Error(`no "${name}" event within ${timeout} ms (got: ${JSON.stringify(this.all.map((e) => e[0]))})`));
      }, timeout);
      if (!this.waiters.has(name)) this.waiters.set(name, []);
      this.waiters.get(name).push(w);
    });
  }

  /** Number of queued (not yet consumed) `name` events. */
  pending(name) {
    return this.queues.get(name)?.length ?? 0;
  }

  /** Asserts that no `name` event is received (or queued) within `ms`. */
  async none(name, ms = 150, what = "") {
    await sleep(ms);
    const q = this.queues.get(name) ?? [];
    if (q.length) {
      throw new Error(`${what ? what + ": " : ""}unexpected "${name}" event(s): ${JSON.stringify(q)}`);
    }
  }
}

export const SIO_PARSER = process.env.CONFORMANCE_PARSER ?? "json";

let sioClientModule;
let msgpackParserModule;
async function sioClient() {
  sioClientModule ??= await import("socket.io-client");
  return sioClientModule;
}

/** The socket.io-client `parser` option for CONFORMANCE_PARSER. */
async function parserOption() {
  if (SIO_PARSER !== "msgpack") return {};
  msgpackParserModule ??= (await import("socket.io-msgpack-parser")).default;
  return { parser: msgpackParserModule };
}

/**
 * Creates a socket.io-client socket for namespace `nsp` on a new Manager
 * (forceNew, no reconnection unless overridden, 2 s connect timeout) with the
 * transport setup, registers its cleanup, and records its events. Does not wait.
 * Returns { socket, events }.
 */
export async function sioSocket(ctx, setup, nsp = "/", opts = {}) {
  const { io } = await sioClient();
  const socket = io(ctx.server.base + nsp, {
    path: SIO_PATH,
    forceNew: true,
    reconnection: false,
    timeout: 2000,
    ...(await parserOption()),
    ...setup.opts,
    ...opts,
  });
  const events = new SioEvents(socket);
  ctx.defer(() => closeSioManager(socket));
  return { socket, events };
}

/** Stops a client socket's Manager for good (no reconnection) and its engine. */
export function closeSioManager(socket) {
  try {
    socket.io.reconnection(false);
  } catch {}
  try {
    socket.disconnect();
  } catch {}
  try {
    socket.io.engine?.close();
  } catch {}
}

/** Resolves once `socket` is connected; throws on connect_error or timeout. */
export function sioWaitConnect(socket, timeout = 2500) {
  if (socket.connected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
    };
    const onConnect = () => {
      done();
      resolve();
    };
    const onError = (err) => {
      done();
      reject(new Error(`connect_error: ${err?.message} ${JSON.stringify(err?.data)}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`socket not connected within ${timeout} ms`));
    }, timeout);
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

/** Resolves with the Error of the next connect_error (fails on connect). */
export function sioWaitConnectError(socket, timeout = 2500) {
  return new Promise((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      socket.off("connect", onConnect);
      socket.off("connect_error", onError);
    };
    const onConnect = () => {
      done();
      reject(new Error(`connected to ${socket.nsp} (id ${socket.id}) instead of connect_error`));
    };
    const onError = (err) => {
      done();
      resolve(err);
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no connect_error within ${timeout} ms`));
    }, timeout);
    socket.on("connect", onConnect);
    socket.on("connect_error", onError);
  });
}

/** Waits until the engine of `socket` runs the transport its setup ends on. */
export async function sioWaitTransport(socket, setup, timeout = 2000) {
  await eventually(
    () => socket.io.engine?.transport?.name === setup.final,
    timeout,
    10,
    `transport ${setup.final}`,
  );
}

/**
 * Connects a client (see sioSocket) and waits for `connect` and, on the
 * default setup, for the upgrade to websocket (opts.waitUpgrade false skips it).
 * Returns { socket, events }.
 */
export async function sioConnect(ctx, setup, nsp = "/", opts = {}) {
  const { waitUpgrade = true, ...clientOpts } = opts;
  const c = await sioSocket(ctx, setup, nsp, clientOpts);
  await sioWaitConnect(c.socket);
  if (waitUpgrade) await sioWaitTransport(c.socket, setup);
  return c;
}

/** Emits `event` with an ack; resolves with the ack's arguments (array). */
export function sioAck(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(2000).emit(event, ...args, (err, ...resp) => {
      if (err) reject(new Error(`no ack for "${event}" within 2000 ms: ${err.message}`));
      else resolve(resp);
    });
  });
}

/** A JSON-comparable copy of a value in which each binary becomes { $bin: "<hex>" }. */
export function normBinary(v) {
  if (isBinary(v)) return { $bin: toBuffer(v).toString("hex") };
  if (Array.isArray(v)) return v.map(normBinary);
  if (v && typeof v === "object") {
    const o = {};
    for (const [k, x] of Object.entries(v)) o[k] = normBinary(x);
    return o;
  }
  return v;
}

// ---------------------------------------------------------------------------
// Raw TCP (bad-input.test.mjs): requests and websocket frames byte by byte

/**
 * A raw TCP connection to the server. `send(bytes)` writes, `end()` half-closes
 * (FIN), `received()` is everything read so far (Buffer), `waitFor(pred, ms)`
 * waits until pred(received) is true, `closed` resolves when the server closed
 * or reset it. `pause()` stops reading (a peer that does not read).
 */
export class RawConn {
  constructor(srv) {
    this.chunks = [];
    this.isClosed = false;
    this.socket = net.connect({ host: "127.0.0.1", port: srv.port });
    this.socket.on("error", () => {});
    this.connected = new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
    this.closed = new Promise((resolve) => {
      this.socket.on("close", () => {
        this.isClosed = true;
        resolve();
      });
    });
    this.socket.on("data", (d) => {
      this.chunks.push(d);
      this._notify?.();
    });
    this.socket.on("end", () => this._notify?.());
  }

  async send(bytes) {
    await this.connected;
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()));
  }

  end() {
    this.socket.end();
  }

  pause() {
    this.socket.pause();
  }

  destroy() {
    this.socket.destroy();
  }

  received() {
    return Buffer.concat(this.chunks);
  }

  /** Resolves when pred(received Buffer) is true; rejects after `timeout` ms. */
  waitFor(pred, timeout = 2000, what = "data") {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (pred(this.received())) {
          clearTimeout(timer);
          this._notify = null;
          resolve(this.received());
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this._notify = null;
        reject(new Error(`raw connection: no ${what} within ${timeout} ms (got ${JSON.stringify(this.received().toString("latin1").slice(0, 300))})`));
      }, timeout);
      this._notify = check;
      this.closed.then(() => this._notify === check && check());
      check();
    });
  }

  /** Resolves true when the server closed the connection within `timeout` ms, else false. */
  async waitClosed(timeout = 2000) {
    let timer;
    const t = new Promise((r) => (timer = setTimeout(() => r(false), timeout)));
    const r = await Promise.race([this.closed.then(() => true), t]);
    clearTimeout(timer);
    return r;
  }
}

/** Parses the first HTTP response in `buf`: { status, headers, body } or null when incomplete. */
export function parseRawResponse(buf) {
  const text = buf.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = text.slice(0, end).split("\r\n");
  const status = Number(lines[0].split(" ")[1]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(":");
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  const rest = buf.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
  if (headers["content-length"] !== undefined) {
    const n = Number(headers["content-length"]);
    if (rest.length < n) return null;
    return { status, headers, body: rest.subarray(0, n).toString("utf8") };
  }
  if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    let body = "";
    let i = 0;
    const s = rest.toString("latin1");
    for (;;) {
      const nl = s.indexOf("\r\n", i);
      if (nl < 0) return null;
      const size = parseInt(s.slice(i, nl), 16);
      if (Number.isNaN(size)) return null;
      if (size === 0) return { status, headers, body: Buffer.from(body, "latin1").toString("utf8") };
      if (s.length < nl + 2 + size + 2) return null;
      body += s.slice(nl + 2, nl + 2 + size);
      i = nl + 2 + size + 2;
    }
  }
  if (status === 101 || status === 204 || status === 304) return { status, headers, body: "" };
  return null;
}

/** A masked client websocket frame (FIN set). opcode 1 text, 2 binary, 8 close. */
export function wsFrame(opcode, payload) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, "utf8");
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  let header;
  if (data.length < 126) header = Buffer.from([0x80 | opcode, 0x80 | data.length]);
  else if (data.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 126;
    header.writeUInt16BE(data.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(data.length), 2);
  }
  const masked = Buffer.alloc(data.length);
  for (let i = 0; i < data.length; i++) masked[i] = data[i] ^ mask[i & 3];
  return Buffer.concat([header, mask, masked]);
}

/** Opens a raw websocket over TCP (101 read); returns the RawConn and the bytes after the 101 head. */
export async function rawWebSocket(srv, pathAndQuery, extraHeaders = "") {
  const conn = new RawConn(srv);
  await conn.send(
    `GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n${extraHeaders}\r\n`,
  );
  const buf = await conn.waitFor((b) => b.includes("\r\n\r\n"), 2000, "101 response");
  const res = parseRawResponse(buf);
  if (!res || res.status !== 101) throw new Error(`raw websocket refused: ${buf.toString("latin1").slice(0, 200)}`);
  return conn;
}
