#!/usr/bin/env node
// Soak test (issue 7): opens and closes Engine.IO sessions in waves against the conformance
// server's `hard` profile (src/hardening.rs) and checks that nothing leaks: at the end the
// server reports zero sessions and its RSS (/proc/<pid>/status VmRSS) is back within 5% of
// where it was after the warm-up. Not part of the default test run: `scripts/soak.sh`.
//
// Each wave mixes three kinds of sessions, a third each:
//   - polling: handshake, POST a message, GET the echo, POST `1` (client close);
//   - websocket: handshake over websocket, a message and its echo, close;
//   - abandoned upgrade: polling handshake, websocket upgrade with `2probe`/`3probe`, then
//     both peers vanish (websocket dropped, no more polling): the server's timers end it.
// A wave ends when the server reports zero sessions again; the next wave starts then.
//
// Usage: node soak/soak.mjs [--server PATH] [--integration NAME] [--sessions N] [--wave N]
//        [--warmup-waves N] [--deadline-s N]
// Defaults: ../target/release/conformance-server, hyper, 10000 sessions in waves of 500,
// 10 warm-up waves, 300 s deadline. Exit code 0 = pass. Traffic stays on 127.0.0.1.
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { freePort, parseArgs, rssKb, sleep } from "./common.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const args = parseArgs();
const SERVER = path.resolve(args.server ?? path.join(HERE, "../../target/release/conformance-server"));
const INTEGRATION = args.integration ?? "hyper";
const SESSIONS = Number(args.sessions ?? 10000);
const WAVE = Number(args.wave ?? 500);
const WARMUP_WAVES = Number(args["warmup-waves"] ?? 10);
const DEADLINE = Date.now() + 1000 * Number(args["deadline-s"] ?? 300);
const CONCURRENCY = 100;
const RS = "\x1e";

// One keep-alive pool per wave, closed when the wave is over (idle connections held by the
// client would otherwise count in the server's memory).
let agent = new http.Agent({ keepAlive: true, maxSockets: 256 });


let port;
const base = () => `http://127.0.0.1:${port}/engine.io/`;
const wsBase = () => `ws://127.0.0.1:${port}/engine.io/`;

function req(url, { method = "GET", body } = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request(url, { method, agent, headers: body ? { "Content-Type": "text/plain" } : {} }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    r.setTimeout(5000, () => r.destroy(new Error(`timeout ${method} ${url}`)));
    r.on("error", reject);
    r.end(body);
  });
}

async function pollingHandshake() {
  const res = await req(`${base()}?EIO=4&transport=polling`);
  if (res.status !== 200) throw new Error(`handshake ${res.status} ${res.text}`);
  return JSON.parse(res.text.slice(1)).sid;
}

function wsOpen(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const queue = [];
    const waiters = [];
    ws.on("message", (d, bin) => {
      const m = bin ? d : d.toString();
      if (m === "2") return void ws.send("3");
      const w = waiters.shift();
      if (w) w(m);
      else queue.push(m);
    });
    ws.next = () =>
      queue.length
        ? Promise.resolve(queue.shift())
        : new Promise((res, rej) => {
            const t = setTimeout(() => rej(new Error("ws: no message within 5 s")), 5000);
            waiters.push((m) => (clearTimeout(t), res(m)));
          });
    ws.on("open", () => resolve(ws));
    ws.on("error", reject);
  });
}

async function pollingSession(i) {
  const sid = await pollingHandshake();
  const url = `${base()}?EIO=4&transport=polling&sid=${sid}`;
  await req(url, { method: "POST", body: `4soak-${i}` });
  for (;;) {
    const got = await req(url);
    if (got.text.split(RS).includes(`4soak-${i}`)) break;
    if (got.status !== 200) throw new Error(`GET ${got.status}`);
  }
  await req(url, { method: "POST", body: "1" });
}

async function websocketSession(i) {
  const ws = await wsOpen(`${wsBase()}?EIO=4&transport=websocket`);
  await ws.next(); // open packet
  ws.send(`4soak-${i}`);
  const m = await ws.next();
  if (m !== `4soak-${i}`) throw new Error(`ws echo ${m}`);
  ws.close();
}

async function abandonedUpgrade() {
  const sid = await pollingHandshake();
  const ws = await wsOpen(`${wsBase()}?EIO=4&transport=websocket&sid=${sid}`);
  ws.send("2probe");
  const m = await ws.next();
  if (m !== "3probe") throw new Error(`probe answered ${m}`);
  ws.terminate(); // both peers vanish: no `5`, no more polling
}

async function wave(offset, n) {
  let next = 0;
  const kinds = [pollingSession, websocketSession, abandonedUpgrade];
  const worker = async () => {
    while (next < n) {
      const i = offset + next++;
      await kinds[((i % 3) + 3) % 3](i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, worker));
  agent.destroy();
  agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
}

/** Sessions in the engine table, not counting the websocket session that asks. */
async function sessionCount() {
  const ws = await wsOpen(`${wsBase()}?EIO=4&transport=websocket`);
  await ws.next();
  ws.send("4__stats__");
  let m;
  do m = await ws.next();
  while (!m.startsWith("4stats:"));
  ws.terminate();
  return JSON.parse(m.slice("4stats:".length)).count - 1;
}

async function settle(what) {
  const t0 = Date.now();
  for (;;) {
    const n = await sessionCount();
    if (n === 0) return Date.now() - t0;
    if (Date.now() > DEADLINE) throw new Error(`${what}: ${n} sessions still open at the deadline`);
    await sleep(250);
  }
}

async function main() {
  port = await freePort();
  const child = spawn(SERVER, ["--profile", "hard", "--port", String(port), "--integration", INTEGRATION], {
    stdio: ["ignore", "pipe", "inherit"],
    // glibc malloc with one arena and fixed trim/mmap thresholds, so that RSS follows the
    // live heap instead of per-thread arena caching (overridable from the environment)
    env: { MALLOC_ARENA_MAX: "1", MALLOC_MMAP_THRESHOLD_: "65536", MALLOC_TRIM_THRESHOLD_: "65536", ...process.env },
  });
  process.on("exit", () => child.kill("SIGKILL"));
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("listening on") && resolve());
    child.on("exit", (c) => reject(new Error(`server exited (${c})`)));
    setTimeout(() => reject(new Error("server did not start")), 10000);
  });
  const pid = child.pid;
  const rssStart = rssKb(pid);
  console.log(`soak: server ${path.basename(SERVER)} --integration ${INTEGRATION}, pid ${pid}, RSS at start ${rssStart} kB`);

  const t0 = Date.now();
  for (let w = 0; w < WARMUP_WAVES; w++) {
    await wave(-WAVE * (w + 1), WAVE);
    await settle("warm-up");
  }
  await sleep(500);
  const rssWarm = rssKb(pid);
  console.log(`soak: warm-up ${WARMUP_WAVES * WAVE} sessions, then 0 open; RSS ${rssWarm} kB`);

  let peakRss = rssWarm;
  let done = 0;
  let w = 0;
  while (done < SESSIONS) {
    if (Date.now() > DEADLINE) throw new Error(`deadline reached after ${done} sessions`);
    const n = Math.min(WAVE, SESSIONS - done);
    await wave(done, n);
    done += n;
    // a wave is over when the server has closed every session of it (timers included)
    await settle(`wave ${w + 1}`);
    w++;
    peakRss = Math.max(peakRss, rssKb(pid));
    if (w % 5 === 0) console.log(`soak: ${done} sessions (wave ${w}), RSS ${rssKb(pid)} kB`);
  }
  const openedIn = Date.now() - t0;
  const settleMs = await settle("end");
  await sleep(500);
  const rssEnd = rssKb(pid);
  const count = await sessionCount();
  const drift = (100 * (rssEnd - rssWarm)) / rssWarm;
  console.log(`soak: ${done} sessions in ${w} waves of ${WAVE} (polling, websocket, abandoned upgrade) in ${openedIn} ms`);
  console.log(`soak: sessions open at the end: ${count} (settled ${settleMs} ms after the last wave)`);
  console.log(`soak: RSS start ${rssStart} kB, after warm-up ${rssWarm} kB, peak ${peakRss} kB, end ${rssEnd} kB (${drift >= 0 ? "+" : ""}${drift.toFixed(2)}% vs warm-up)`);
  child.kill("SIGTERM");
  agent.destroy();
  const ok = count === 0 && Math.abs(drift) <= 5;
  console.log(ok ? "soak: PASS" : "soak: FAIL");
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  console.error(`soak: FAIL: ${e.stack ?? e}`);
  process.exit(1);
});
