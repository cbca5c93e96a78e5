// Drives a chat server (examples/chat, or docs/chat-server-node.js) through a scripted session
// of three clients (valid and invalid payloads, rooms, typing, acks, a disconnect) and prints
// what each client received, one JSON line per packet, client by client. Two servers behave
// the same when the outputs are equal:
//
//   node docs/chat-compare.mjs 3000 > rust.txt; node docs/chat-compare.mjs 3001 > node.txt
//   diff rust.txt node.txt
//
// Needs `socket.io-client` (from e2e/node_modules or conformance/node_modules).
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { io } = (() => {
  for (const dir of ["e2e", "conformance"]) {
    try {
      return createRequire(path.join(root, dir, "node_modules", "x.js"))("socket.io-client");
    } catch {
      // try the next one
    }
  }
  throw new Error("socket.io-client not found: run `npm ci` in e2e/ or conformance/");
})();

const port = process.argv[2];
const url = `http://127.0.0.1:${port}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = [];
const ids = new Map();
const norm = (v) => JSON.parse(JSON.stringify(v ?? null, (k, x) => {
  if (k === "time") return typeof x === "number" && Math.abs(x - Date.now()) < 60000 ? "<now>" : x;
  if (typeof x === "string" && ids.has(x)) return `<id ${ids.get(x)}>`;
  if (typeof x === "string" && x.length > 40) return `<${[...x].length} chars>`;
  return x;
}));

function client(name, opts = {}) {
  const s = io(url, { transports: ["websocket"], forceNew: true, reconnection: false, ...opts });
  s.onAny((ev, ...args) => log.push([name, "got", ev, norm(args)]));
  return new Promise((res) => s.on("connect", () => { ids.set(s.id, name); res(s); }));
}
async function ask(name, s, ev, ...args) {
  try {
    const r = await s.timeout(400).emitWithAck(ev, ...args);
    log.push([name, "ack", ev, norm(r)]);
  } catch (e) {
    log.push([name, "no ack", ev]);
  }
  await sleep(50);
}
const emit = async (name, s, ev, ...args) => { s.emit(ev, ...args); await sleep(80); };

const a = await client("a");
const b = await client("b");
const c = await client("c");
await ask("a", a, "login", { name: " alice ", rooms: ["r1", " r2 ", "", "bad\n", "x".repeat(25)] });
await ask("b", b, "login", { name: "bob" });
await ask("b", b, "login", { name: "Bobby", returning: true });
await ask("c", c, "login", { name: "" });
await ask("c", c, "login", { name: "x".repeat(25) });
await ask("c", c, "login", { name: "a\u0007b" });
await ask("c", c, "login", 42);
await ask("c", c, "login", { name: "carol", rooms: null });
await ask("c", c, "login", { name: "carol", returning: null });
await ask("c", c, "chat message", { text: "hi" });
await ask("c", c, "join room", "r1");
await ask("c", c, "leave room", "r1");
await emit("c", c, "typing", { typing: true });
await ask("a", a, "chat message", { text: "  hi all  ", cid: "c1" });
await ask("a", a, "chat message", { text: "   " });
await ask("a", a, "chat message", { text: "é".repeat(2000) });
await ask("a", a, "chat message", { text: "é".repeat(2001) });
await ask("a", a, "chat message", { text: "yo", room: "r9" });
await ask("a", a, "chat message", { text: "yo", room: " r1 ", cid: null });
await ask("a", a, "chat message", { text: "yo", room: "  " });
await ask("a", a, "chat message", { text: 5 });
await ask("a", a, "chat message", { text: "own id", room: a.id });
await emit("a", a, "typing", { typing: true });
await emit("a", a, "typing", { typing: false, room: "r1" });
await emit("a", a, "typing", { typing: true, room: "r9" });
await emit("a", a, "typing", { typing: "yes" });
await ask("b", b, "join room", " r1 ");
await ask("b", b, "join room", "r1");
await ask("b", b, "join room", "");
await ask("b", b, "join room", "y".repeat(25));
await ask("b", b, "join room", 7);
await emit("a", a, "typing", { typing: true, room: "r1" });
await ask("a", a, "chat message", { text: "room msg", room: "r1" });
for (let i = 0; i < 16; i++) await ask("b", b, "join room", `many${i}`);
await ask("b", b, "leave room", " r1 ");
await ask("b", b, "leave room", "r1");
await ask("b", b, "leave room", b.id);
await ask("a", a, "chat message", { text: "after leave", room: "r1" });
b.emit("login", { name: "no-ack" }); await sleep(100);
b.disconnect();
await sleep(200);
a.disconnect(); c.disconnect();
await sleep(100);
// Packets of different clients interleave by timing: print each client's in its own order.
for (const name of ["a", "b", "c"]) {
  for (const l of log.filter(([who]) => who === name)) console.log(JSON.stringify(l));
}
process.exit(0);
