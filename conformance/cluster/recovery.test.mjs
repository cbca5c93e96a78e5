// Connection state recovery across servers (CLUSTER_MODE=streams only): Rust and Node
// servers on @socket.io/redis-streams-adapter's wire format share one Redis stream and the
// sessions kept in Redis, so a client that drops from one server recovers on another one,
// Rust or Node, both ways, with its id, rooms, data and the events it missed.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis, STREAMS, ack, client, startNode, startRust } from "./harness.mjs";

const isOffset = (v) => typeof v === "string" && /^\d+-\d+$/.test(v);

function ctest(name, fn, timeout = 15000) {
  test(name, { timeout }, async () => {
    const cleanup = [];
    try {
      await fn(cleanup);
    } finally {
      for (const f of cleanup.reverse()) {
        try {
          await f();
        } catch {}
      }
    }
  });
}

/**
 * A client of `from` drops; events are sent meanwhile; a client of `to` comes with the first
 * one's pid and last offset. Returns what the second one saw.
 */
async function dropAndRecover(c, cleanup, from, to) {
  const obs = await client(c.a, cleanup);
  await ack(obs.socket, "join", "observers");
  const sender = await client(c.n, cleanup);
  const first = await client(from, cleanup);
  // Its connection handler's "auth" event goes through the stream too: waited for, so that the
  // offset the client keeps is that of "before" (stream ids reach a client in the order of the
  // servers that deliver them, not of the stream).
  await first.events.next("auth", 5000);
  await ack(first.socket, "join", "room-x");
  await ack(first.socket, "set-data", { who: "first" });
  sender.socket.emit("broadcast-all", "before");
  const [before, offset] = await first.events.next("all-msg", 5000);
  assert.equal(before, "before");
  assert.ok(isOffset(offset), `a stream id as offset: ${offset}`);
  const id = first.socket.id;
  const pid = first.socket._pid;
  const left = new Promise((resolve) => {
    const wait = () =>
      obs.events.next("left", 8000).then(([l]) => (l.id === id ? resolve(l) : wait()));
    wait();
  });
  first.socket.io.engine.close();
  assert.equal((await left).reason, "transport close");
  // Missed while away: to everybody, to its room, a volatile one.
  sender.socket.emit("broadcast-all", "m1");
  await sender.events.next("all-msg", 5000);
  sender.socket.emit("to-rooms", ["room-x", sender.socket.id], "m2");
  await sender.events.next("room-msg", 5000);
  sender.socket.emit("volatile-all", "v");
  await sender.events.next("volatile-all-msg", 5000);
  const log = [];
  const second = await client(to, cleanup, {
    session: { pid, offset: first.socket._lastOffset },
    onSocket: (s) => {
      s.onAny((name, ...args) => log.push([name, args]));
      s.on("connect", () => log.push(["(connect)", [s.recovered]]));
    },
  });
  return { id, second, log };
}

async function expectRecovered({ id, second, log }) {
  assert.equal(second.socket.id, id, "same id");
  assert.equal(second.socket.recovered, true);
  const missed = log.slice(0, 4).map(([name, args]) =>
    name === "(connect)" ? [name, args] : (assert.ok(isOffset(args.at(-1)), name), [name, args.slice(0, -1)]),
  );
  // The Node streams adapter replays the volatile broadcast too (it reads every broadcast of the
  // stream back), with its stream id: so do we, on this adapter.
  assert.deepEqual(missed, [
    ["all-msg", ["m1"]],
    ["room-msg", ["m2"]],
    ["volatile-all-msg", ["v"]],
    ["(connect)", [true]],
  ]);
  assert.equal(await ack(second.socket, "recovered"), true);
  assert.ok((await ack(second.socket, "rooms")).includes("room-x"));
  assert.deepEqual(await ack(second.socket, "get-data"), { who: "first" });
}

describe("connection state recovery across servers (streams adapter)", { skip: !STREAMS && "CLUSTER_MODE=streams only" }, () => {
  const c = {};
  before(async () => {
    c.redis = await Redis.start({ persistent: true });
    [c.a, c.b, c.n, c.n2] = await Promise.all([
      startRust("rust-a", c.redis, ["--recovery"]),
      startRust("rust-b", c.redis, ["--recovery"]),
      startNode("node", c.redis, ["--recovery"]),
      startNode("node-2", c.redis, ["--recovery"]),
    ]);
  }, { timeout: 70000 });
  after(async () => {
    await Promise.all([c.a, c.b, c.n, c.n2].map((s) => s?.stop()));
    await c.redis?.stop();
  });

  ctest("the reference: a client of a Node server recovers on another Node server", async (cleanup) => {
    await expectRecovered(await dropAndRecover(c, cleanup, c.n, c.n2));
  });

  ctest("a client of a Rust server recovers on another Rust server", async (cleanup) => {
    await expectRecovered(await dropAndRecover(c, cleanup, c.a, c.b));
  });

  ctest("a client of a Rust server recovers on the Node server", async (cleanup) => {
    await expectRecovered(await dropAndRecover(c, cleanup, c.b, c.n));
  });

  ctest("a client of the Node server recovers on a Rust server", async (cleanup) => {
    await expectRecovered(await dropAndRecover(c, cleanup, c.n, c.a));
  });

  ctest("a session is taken once: a second try gets a new session", async (cleanup) => {
    const r = await dropAndRecover(c, cleanup, c.a, c.b);
    await expectRecovered(r);
    const again = await client(c.a, cleanup, { session: { pid: r.second.socket._pid, offset: "1-0" } });
    assert.equal(again.socket.recovered, false);
  });

  ctest("redis-server restarted: a session written before is still recovered", async (cleanup) => {
    const obs = await client(c.b, cleanup);
    await ack(obs.socket, "join", "observers");
    const first = await client(c.a, cleanup);
    await first.events.next("auth", 5000);
    first.socket.emit("broadcast-all", "x");
    await first.events.next("all-msg", 5000);
    const id = first.socket.id;
    const left = new Promise((resolve) => {
      const wait = () => obs.events.next("left", 8000).then(([l]) => (l.id === id ? resolve(l) : wait()));
      wait();
    });
    first.socket.io.engine.close();
    await left;
    await c.redis.restart();
    // The servers reconnect by themselves; the session and the stream survived (append-only file).
    let second;
    for (let i = 0; i < 50 && !second; i++) {
      try {
        second = await client(c.b, cleanup, { session: { pid: first.socket._pid, offset: first.socket._lastOffset } });
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(second, "a client connects again");
    assert.equal(second.socket.recovered, true);
    assert.equal(second.socket.id, id);
  }, 30000);
});
