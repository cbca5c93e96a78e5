// Connection state recovery (profile sio-full started with `--recovery`): official
// socket.io-client 4.8 sockets drop their transport and come back with their id, rooms,
// data and every event they missed, in order, exactly once, before anything new; and do not
// come back when they should not. Every case runs over websocket and over polling.

import assert from "node:assert/strict";
import { describe } from "node:test";
import { SIO_TRANSPORT_SETUPS, serverTest, sioAck, sioSocket, sioWaitConnect, sleep, useServer } from "./harness.mjs";

/** A socket whose events and `connect`s are logged in one list, in arrival order. */
async function socketWithLog(ctx, setup, nsp = "/", opts = {}) {
  const { socket, events } = await sioSocket(ctx, setup, nsp, opts);
  const log = [];
  socket.onAny((name, ...args) => log.push([name, args]));
  socket.on("connect", () => log.push(["(connect)", [socket.recovered]]));
  await sioWaitConnect(socket);
  return { socket, events, log };
}

/** A socket in the room "observers": it hears "left" when a socket of `/` leaves. */
async function observer(ctx, setup) {
  const o = await socketWithLog(ctx, setup);
  await ack1(o.socket, "join", "observers");
  return o;
}

/**
 * Drops the transport of `root` (a socket of `/`) as a network loss would, and waits until
 * the server has seen it (`obs` hears "left"), so that a reconnection cannot overtake it.
 */
async function drop(root, obs) {
  const id = root.id;
  const gone = new Promise((resolve) => root.once("disconnect", resolve));
  root.io.engine.close();
  await gone;
  for (;;) {
    const [left] = await obs.events.next("left", 4000);
    if (left.id === id) return left;
  }
}

/** Reconnects a dropped socket and waits for its `connect`. */
async function reconnect(socket) {
  socket.connect();
  await sioWaitConnect(socket, 4000);
}

/** The first argument of an ack. */
const ack1 = async (socket, event, ...args) => (await sioAck(socket, event, ...args))[0];

/**
 * A socket of /ordered sharing its connection with a socket of `/`: the trail its
 * middlewares leave in `socket.data`, before and after a drop and a recovery.
 */
async function orderedTrails(ctx, setup) {
  const obs = await observer(ctx, setup);
  const root = await socketWithLog(ctx, setup, "/", { reconnection: false });
  const ordered = root.socket.io.socket("/ordered"); // connects by itself (autoConnect)
  const trails = [];
  ordered.on("trail", (trail) => trails.push(trail));
  await sioWaitConnect(ordered);
  while (trails.length < 1) await new Promise((r) => ordered.once("trail", r));
  await drop(root.socket, obs);
  const back = new Promise((r) => ordered.once("trail", r));
  await reconnect(root.socket); // the manager reconnects /ordered too
  await back;
  assert.equal(ordered.recovered, true);
  return trails;
}

const isOffset = (v) => typeof v === "string" && v.length > 0;
/** The arguments of a logged event without its offset (the last argument). */
const withoutOffset = ([name, args]) => {
  assert.ok(isOffset(args[args.length - 1]), `${name} carries an offset: ${JSON.stringify(args)}`);
  return [name, args.slice(0, -1)];
};

describe("connection state recovery (maxDisconnectionDuration 2 min, skipMiddlewares)", () => {
  const handle = useServer("sio-full", ["--recovery"]);
  for (const setup of SIO_TRANSPORT_SETUPS) {
    const t = (name, fn) => serverTest(handle, `${setup.name}: ${name}`, { timeout: 8000 }, (ctx) => fn(ctx));

    t("CONNECT reply carries a pid; events carry an offset, volatile and ack'd ones do not", async (ctx) => {
      const a = await socketWithLog(ctx, setup);
      assert.ok(isOffset(a.socket._pid), "the client got a pid");
      a.socket.emit("broadcast-all", "x");
      const [x, offset] = await a.events.next("all-msg");
      assert.equal(x, "x");
      assert.ok(isOffset(offset));
      a.socket.emit("volatile-all", "v");
      assert.deepEqual(await a.events.next("volatile-all-msg"), ["v"]);
      a.socket.on("ask", (q, cb) => cb(q));
      const answer = await ack1(a.socket, "ask-all", "q");
      assert.deepEqual(answer, { error: null, answers: ["q"] });
    });

    t("a dropped socket comes back with its id, rooms and data, and the events it missed in order, once, before new ones", async (ctx) => {
      const a = await socketWithLog(ctx, setup, "/", { reconnection: false });
      await a.events.next("auth"); // the first connection's
      const b = await observer(ctx, setup);
      await ack1(a.socket, "join", "r1");
      await ack1(b.socket, "join", "r1");
      await ack1(a.socket, "set-data", { x: 1 });
      b.socket.emit("broadcast-all", "before");
      await a.events.next("all-msg");
      await b.events.next("all-msg");
      const id = a.socket.id;
      assert.equal((await drop(a.socket, b)).reason, "transport close");
      a.log.length = 0;
      // Missed while away: a broadcast, a room emit, an emit to a's own room; a volatile
      // broadcast and a broadcast with acks are not kept.
      b.socket.emit("broadcast-all", "m1");
      await b.events.next("all-msg");
      b.socket.emit("to-room", "r1", "m2");
      await b.events.next("room-msg");
      b.socket.emit("to-rooms", [id, b.socket.id], "m3");
      await b.events.next("room-msg");
      b.socket.emit("volatile-all", "v");
      await b.events.next("volatile-all-msg");
      b.socket.on("ask", (q, cb) => cb(q));
      assert.deepEqual(await ack1(b.socket, "ask-all", "q"), { error: null, answers: ["q"] });
      await reconnect(a.socket);
      assert.equal(a.socket.id, id, "same id");
      assert.equal(a.socket.recovered, true);
      // The missed events, then the CONNECT; the connection handler runs again after it
      // (it emits "auth", whose payload now holds the pid and offset the client sent).
      await a.events.next("auth");
      assert.deepEqual(
        a.log.slice(0, 4).map((e) => (e[0] === "(connect)" ? e : withoutOffset(e))),
        [["all-msg", ["m1"]], ["room-msg", ["m2"]], ["room-msg", ["m3"]], ["(connect)", [true]]],
      );
      assert.deepEqual(a.log.slice(4).map((e) => e[0]), ["auth"]);
      assert.equal(await ack1(a.socket, "recovered"), true, "recovered on the server too");
      assert.deepEqual(await ack1(a.socket, "rooms"), [id, "r1"].sort());
      assert.deepEqual(await ack1(a.socket, "get-data"), { x: 1 });
      b.socket.emit("broadcast-all", "new");
      await b.events.next("all-msg");
      await ack1(a.socket, "rooms"); // a round trip: "new" has reached a
      assert.deepEqual(
        a.log.filter((e) => e[0] === "all-msg").map((e) => withoutOffset(e)[1][0]),
        ["m1", "new"],
        "each once",
      );
    });

    t("connect middlewares are skipped on recovery (the trail stays as it was)", async (ctx) => {
      assert.deepEqual(await orderedTrails(ctx, setup), [["a", "b"], ["a", "b"]]);
    });

    t("a client that left with disconnect() gets a new session", async (ctx) => {
      const a = await socketWithLog(ctx, setup, "/", { reconnection: false });
      const id = a.socket.id;
      a.socket.emit("broadcast-all", "x");
      await a.events.next("all-msg");
      a.socket.disconnect();
      await reconnect(a.socket);
      assert.notEqual(a.socket.id, id);
      assert.equal(a.socket.recovered, false);
      assert.equal(await ack1(a.socket, "recovered"), false);
    });

    t("an unknown pid or an unknown offset gets a new session", async (ctx) => {
      const fresh = await socketWithLog(ctx, setup, "/", { auth: { pid: "nope", offset: "nope" } });
      assert.equal(fresh.socket.recovered, false);
      assert.equal(await ack1(fresh.socket, "recovered"), false);
      const obs = await observer(ctx, setup);
      const a = await socketWithLog(ctx, setup, "/", { reconnection: false });
      const pid = a.socket._pid;
      const id = a.socket.id;
      await drop(a.socket, obs);
      const other = await socketWithLog(ctx, setup, "/", { auth: { pid, offset: "not-an-offset" } });
      assert.notEqual(other.socket.id, id);
      assert.equal(other.socket.recovered, false);
    });
  }
});

describe("connection state recovery: expiry (maxDisconnectionDuration 300 ms)", () => {
  const handle = useServer("sio-full", ["--recovery", "--recovery-duration-ms", "300"]);
  for (const setup of SIO_TRANSPORT_SETUPS) {
    serverTest(handle, `${setup.name}: a session older than maxDisconnectionDuration is not recovered`, async (ctx) => {
      const obs = await observer(ctx, setup);
      const a = await socketWithLog(ctx, setup, "/", { reconnection: false });
      const id = a.socket.id;
      a.socket.emit("broadcast-all", "x");
      await a.events.next("all-msg");
      await drop(a.socket, obs);
      await sleep(600); // the duration itself is what is tested
      await reconnect(a.socket);
      assert.notEqual(a.socket.id, id);
      assert.equal(a.socket.recovered, false);
    });
  }
});

describe("connection state recovery: middlewares run again (skipMiddlewares false)", () => {
  const handle = useServer("sio-full", ["--recovery", "--recovery-no-skip"]);
  for (const setup of SIO_TRANSPORT_SETUPS) {
    serverTest(handle, `${setup.name}: the trail grows on recovery`, async (ctx) => {
      assert.deepEqual(await orderedTrails(ctx, setup), [["a", "b"], ["a", "b", "a", "b"]]);
    });
  }
});
