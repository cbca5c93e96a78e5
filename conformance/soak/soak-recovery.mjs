#!/usr/bin/env node
// Recovery soak: 10,000 Socket.IO sessions dropped and never recovered. The store of
// connection state recovery returns to empty after `maxDisconnectionDuration` with no
// traffic at all (the server's expiry timer, not a later call, removes them), and the
// server's memory comes back to where it was after a warm-up. Not part of the default test
// run: `scripts/soak-recovery.sh`.
//
// Against the release conformance server, profile `sio-full` with `--recovery
// --recovery-duration-ms N` and Node's default ping (SIO_CONTRACT.md). Raw Socket.IO v5 over
// websocket (`ws`):
//   1. warm-up: the same round (below) once, and its expiry;
//   2. baseline memory;
//   3. N sockets of `/` connect, in waves; each gets the `auth` event, then every
//      `broadcast-all` (`nsp.emit("all-msg", i)`) sent by one of them: the store keeps those
//      packets (with their offsets);
//   4. every transport is dropped (TCP reset, no DISCONNECT packet: reason `transport close`),
//      so the server persists every session; none reconnects;
//   5. the store is read (`__recovery_stats__`, asked from `/custom` so that `/` is not
//      touched): N sessions and its packets;
//   6. nothing at all is sent until the last session's expiry plus a margin;
//   7. the store is read again: it must be empty, and the memory back within the tolerance.
//
// Memory is the server's RSS (/proc/<pid>/status VmRSS). glibc keeps most of what a process
// frees (it returns the top of its heap only): after 10,000 connections are gone, RSS stays
// at its peak, leak or not. So, as bench's recovery-soak (`--trim`), each reading also has
// the server return its allocator's free pages first (`malloc_trim(0)` through
// `gdb --readnever -p PID -batch`, about 0.4 s): that resident memory is the live memory, and
// it is what the tolerance applies to. Without gdb (`--trim off`, or gdb not installed) only
// the store counts are checked and raw RSS is printed. The warm-up is a full round because
// the peak of N live connections leaves structures sized for it (the engine's session
// table, the runtime's slabs): a baseline taken before any such peak would not compare.
//
// Usage: node soak/soak-recovery.mjs [--server PATH] [--sessions N] [--wave N] [--warmup N]
//        [--broadcasts N] [--duration-ms N] [--tolerance PCT] [--trim auto|on|off]
//        [--deadline-s N]
// Defaults: ../target/release/conformance-server, 10000 sessions in waves of 500, a warm-up
// of as many, 10 broadcasts, 5000 ms recovery duration, 10% tolerance, trim when gdb is
// there, 170 s deadline. Exit code 0 = pass. Traffic stays on 127.0.0.1.
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { freePort, parseArgs, rssKb, sleep } from "./common.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const SERVER = path.resolve(args.server ?? path.join(HERE, "../../target/release/conformance-server"));
const SESSIONS = Number(args.sessions ?? 10000);
const WAVE = Number(args.wave ?? 500);
const WARMUP = Number(args.warmup ?? SESSIONS);
const BROADCASTS = Number(args.broadcasts ?? 10);
const DURATION_MS = Number(args["duration-ms"] ?? 5000);
const TOLERANCE = Number(args.tolerance ?? 10);
const TRIM = args.trim ?? "auto";
const DEADLINE = Date.now() + 1000 * Number(args["deadline-s"] ?? 170);
const CONCURRENCY = 100;
// After the expiry: the timer's own latency and the last closes being handled.
const MARGIN_MS = 1500;

const left = () => DEADLINE - Date.now();


function hasGdb() {
  try {
    execFileSync("gdb", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Has the server return its allocator's free pages: glibc's `malloc_trim(0)`, through gdb. */
function mallocTrim(pid) {
  const out = execFileSync("gdb", ["--readnever", "-nx", "-batch", "-p", String(pid), "-ex", "call (int) malloc_trim(0)"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (!out.includes("$1 = ")) throw new Error(`gdb could not call malloc_trim in ${pid}: ${out}`);
}

/** RSS in kB, and with `trim` the RSS after a `malloc_trim(0)` too. */
function reading(pid, trim) {
  const raw = rssKb(pid);
  if (!trim) return { raw, live: NaN };
  mallocTrim(pid);
  return { raw, live: rssKb(pid) };
}

const kb = (r) => (Number.isNaN(r.live) ? `${r.raw} kB` : `${r.raw} kB (${r.live} kB trimmed)`);

let port;
/** Connections the server closed (they should all stay until the client drops them). */
let serverClosed = 0;

/**
 * A Socket.IO socket of `nsp` over a raw websocket: answers pings, counts `all-msg` events,
 * resolves acks. Resolves once the CONNECT reply came.
 */
function sioSocket(nsp = "/") {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    const prefix = nsp === "/" ? "" : `${nsp},`;
    const sock = { ws, all: 0, acks: new Map(), nextId: 0 };
    const timer = setTimeout(() => (ws.terminate(), reject(new Error(`connect ${nsp}: no reply within 10 s`))), 10000);
    ws.on("message", (d) => {
      const m = d.toString();
      if (m === "2") return void ws.send("3");
      if (m.startsWith("0")) return void ws.send(`40${prefix}`);
      if (m.startsWith(`40${prefix}{`)) {
        clearTimeout(timer);
        return void resolve(sock);
      }
      if (m.startsWith(`42${prefix}["all-msg"`)) sock.all++;
      else if (m.startsWith(`43${prefix}`)) {
        const body = m.slice(2 + prefix.length);
        const id = Number(/^\d+/.exec(body)[0]);
        const done = sock.acks.get(id);
        sock.acks.delete(id);
        done?.(JSON.parse(body.slice(String(id).length)));
      } else if (m.startsWith("44")) {
        clearTimeout(timer);
        reject(new Error(`connect ${nsp} refused: ${m}`));
      }
    });
    ws.on("error", (e) => (clearTimeout(timer), reject(e)));
    ws.on("close", (code) => {
      clearTimeout(timer);
      if (!sock.dropped) {
        serverClosed++;
        reject(new Error(`connect ${nsp}: closed by the server (${code}) before the CONNECT reply`));
      }
    });
    sock.emit = (...data) => ws.send(`42${prefix}${JSON.stringify(data)}`);
    sock.emitWithAck = (...data) =>
      new Promise((res, rej) => {
        const id = sock.nextId++;
        const t = setTimeout(() => rej(new Error(`no ack for ${data[0]} within 5 s`)), 5000);
        sock.acks.set(id, (v) => (clearTimeout(t), res(v)));
        ws.send(`42${prefix}${id}${JSON.stringify(data)}`);
      });
  });
}

/** What the store of `/` keeps: asked from `/custom`, which then leaves (not kept). */
async function storeOfRoot() {
  const s = await sioSocket("/custom");
  const [stats] = await s.emitWithAck("__recovery_stats__");
  s.ws.send("41/custom,");
  s.dropped = true;
  s.ws.close();
  return stats["/"] ?? { sessions: NaN, packets: NaN, bytes: NaN };
}

/** Connects `n` sockets of `/` in waves; `onWave` after each. */
async function connectAll(n, onWave = () => {}) {
  const sockets = [];
  for (let done = 0; done < n; ) {
    if (left() < 0) throw new Error(`deadline reached after ${done} connections`);
    const size = Math.min(WAVE, n - done);
    let next = 0;
    const worker = async () => {
      while (next < size) {
        next++;
        sockets.push(await sioSocket("/"));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, size) }, worker));
    done += size;
    onWave(done);
  }
  return sockets;
}

/** One socket broadcasts `count` events to every socket of `/`; waits until all got them. */
async function broadcast(sockets, count) {
  for (let i = 0; i < count; i++) sockets[0].emit("broadcast-all", i);
  const want = count * sockets.length;
  for (;;) {
    const got = sockets.reduce((sum, s) => sum + s.all, 0);
    if (got >= want) return got;
    if (left() < 0) throw new Error(`broadcasts: ${got} of ${want} received at the deadline`);
    await sleep(100);
  }
}

/** Drops every transport (TCP reset: no DISCONNECT, no close frame). */
function drop(sockets) {
  for (const s of sockets) {
    s.dropped = true;
    s.ws.terminate();
  }
}

/** Waits until the store of `/` keeps `n` sessions (the server handled every close). */
async function untilKept(n) {
  for (;;) {
    const store = await storeOfRoot();
    if (store.sessions >= n) return store;
    if (left() < 0) throw new Error(`only ${store.sessions} of ${n} sessions kept at the deadline`);
    await sleep(100);
  }
}

/** A full round: connect, broadcasts, drop; returns the store once every session is kept. */
async function round(n, onWave) {
  const sockets = await connectAll(n, onWave);
  const received = await broadcast(sockets, BROADCASTS);
  drop(sockets);
  const tDrop = Date.now();
  const store = await untilKept(n);
  return { received, store, keptAfterMs: Date.now() - tDrop, tDrop };
}

async function main() {
  const trim = TRIM === "on" || (TRIM === "auto" && hasGdb());
  port = await freePort();
  const child = spawn(
    SERVER,
    [
      ...["--profile", "sio-full", "--port", String(port)],
      ...["--recovery", "--recovery-duration-ms", String(DURATION_MS)],
      // Node's defaults, instead of the contract's 300 ms / 200 ms (SIO_CONTRACT.md)
      ...["--ping-interval-ms", "25000", "--ping-timeout-ms", "20000"],
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      // as soak.mjs: glibc malloc with one arena and fixed trim/mmap thresholds, so that RSS
      // follows the live heap more closely (overridable from the environment)
      env: { MALLOC_ARENA_MAX: "1", MALLOC_MMAP_THRESHOLD_: "65536", MALLOC_TRIM_THRESHOLD_: "65536", ...process.env },
    },
  );
  process.on("exit", () => child.kill("SIGKILL"));
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("listening on") && resolve());
    child.on("exit", (c) => reject(new Error(`server exited (${c})`)));
    setTimeout(() => reject(new Error("server did not start")), 10000);
  });
  const pid = child.pid;
  const t0 = Date.now();
  console.log(
    `soak-recovery: ${path.basename(SERVER)} --profile sio-full --recovery --recovery-duration-ms ${DURATION_MS} (ping 25 s), pid ${pid}; ` +
      `memory readings ${trim ? "raw and after malloc_trim(0) (gdb)" : "raw only (no gdb: RSS not checked)"}; RSS at start ${rssKb(pid)} kB`,
  );

  // 1. warm-up
  if (WARMUP > 0) {
    const w = await round(WARMUP);
    await sleep(Math.max(0, w.tDrop + w.keptAfterMs + DURATION_MS + MARGIN_MS - Date.now()));
    const after = await storeOfRoot();
    console.log(
      `soak-recovery: warm-up ${WARMUP} sockets, ${w.received} broadcast packets received, ${w.store.sessions} sessions kept; after the expiry: ${after.sessions} sessions, ${after.packets} packets`,
    );
    if (after.sessions !== 0 || after.packets !== 0) throw new Error("warm-up: the store did not empty");
  }
  await sleep(500);
  // 2. baseline
  const base = reading(pid, trim);
  console.log(`soak-recovery: baseline RSS ${kb(base)}`);

  // 3-5. the round
  let peak = base.raw;
  const m = await round(SESSIONS, (done) => {
    peak = Math.max(peak, rssKb(pid));
    if (done % 2500 === 0 || done === SESSIONS) {
      console.log(`soak-recovery: ${done} sockets connected, RSS ${rssKb(pid)} kB, closed by the server so far: ${serverClosed}`);
    }
  });
  const kept = reading(pid, trim);
  peak = Math.max(peak, kept.raw);
  console.log(
    `soak-recovery: ${SESSIONS} sockets got ${m.received} broadcast packets (${BROADCASTS} each); transports dropped; ` +
      `the store keeps ${m.store.sessions} sessions, ${m.store.packets} packets, ~${m.store.bytes} bytes ` +
      `(all kept ${m.keptAfterMs} ms after the drop); RSS ${kb(kept)}`,
  );

  // 6. no traffic at all until past the expiry of the last session kept
  await sleep(Math.max(0, m.tDrop + m.keptAfterMs + DURATION_MS + MARGIN_MS - Date.now()));
  const end = reading(pid, trim);
  // 7. the store, read once
  const store = await storeOfRoot();
  console.log(
    `soak-recovery: ${Date.now() - m.tDrop} ms after the drop, with no traffic in between: ${store.sessions} sessions, ${store.packets} packets, ${store.bytes} bytes kept`,
  );
  const drift = (r) => (100 * (r - (trim ? base.live : base.raw))) / (trim ? base.live : base.raw);
  const endDrift = drift(trim ? end.live : end.raw);
  console.log(
    `soak-recovery: RSS baseline ${kb(base)}, peak ${peak} kB (connected), store full ${kb(kept)}, after expiry ${kb(end)}: ` +
      `${endDrift >= 0 ? "+" : ""}${endDrift.toFixed(2)}% vs baseline${trim ? " (trimmed)" : ""}, tolerance ${TOLERANCE}%`,
  );
  console.log(`soak-recovery: total ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  child.kill("SIGTERM");
  const full = m.store.sessions === SESSIONS && m.store.packets > 0 && serverClosed === 0;
  const empty = store.sessions === 0 && store.packets === 0 && store.bytes === 0;
  const rssOk = !trim || Math.abs(endDrift) <= TOLERANCE;
  if (!full) console.log(`soak-recovery: the store did not keep every session (closed by the server: ${serverClosed})`);
  if (!empty) console.log("soak-recovery: the store is not empty after the expiry");
  if (!rssOk) console.log("soak-recovery: the server's live memory did not come back within the tolerance");
  if (!trim) console.log("soak-recovery: RSS not checked (no gdb for malloc_trim; raw RSS stays at its peak with glibc)");
  const ok = full && empty && rssOk;
  console.log(ok ? "soak-recovery: PASS" : "soak-recovery: FAIL");
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(`soak-recovery: FAIL: ${e.stack ?? e}`);
  process.exit(1);
});
