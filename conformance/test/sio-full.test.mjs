// Official socket.io-client 4.8 against profile `sio-full` (SIO_CONTRACT.md):
// middlewares, dynamic namespaces, handshake, rooms, broadcasts, server->client
// acks, fetchSockets / socketsJoin / disconnectSockets, socket.data, catch-all
// listeners, disconnections and their reasons, reconnection. Every case runs over
// websocket only, polling only and the default (polling then upgrade).
import assert from "node:assert/strict";
import {
  useServer,
  serverTest,
  forEachSioTransport,
  sioSocket,
  sioConnect,
  sioWaitConnect,
  sioWaitConnectError,
  sioWaitTransport,
  sioAck,
  normBinary,
  isBinary,
  eventually,
  sleep,
  SioEvents,
} from "./harness.mjs";

const srv = useServer("sio-full");
// a hanging case fails within 3 s
const sioTest = (name, fn) => serverTest(srv, name, { timeout: 3000 }, fn);

let counter = 0;
/** A name unique in this run (rooms must not collide with earlier cases). */
const uniq = (prefix = "room") => `${prefix}-${process.pid}-${++counter}`;

/** Connects `n` clients to / (sequentially: deterministic ids order is not needed). */
async function connectMany(ctx, setup, n, opts) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await sioConnect(ctx, setup, "/", opts));
  return out;
}

async function join(c, room) {
  assert.deepEqual(await sioAck(c.socket, "join", room), []);
}

/** Waits until the namespace / holds exactly the given clients (earlier cases' sockets gone). */
async function quiesce(c, clients) {
  const want = clients.map((x) => x.socket.id).sort();
  await eventually(
    async () => {
      const [ids] = await sioAck(c.socket, "fetch-sockets");
      return JSON.stringify(ids) === JSON.stringify(want) ? true : ids;
    },
    1500,
    30,
    `fetch-sockets == ${JSON.stringify(want)}`,
  );
}

/** Resolves with the reason of the next `disconnect` event of a client socket. */
function nextDisconnect(socket, timeout = 2000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off("disconnect", on);
      reject(new Error(`no "disconnect" within ${timeout} ms`));
    }, timeout);
    const on = (reason) => {
      clearTimeout(timer);
      resolve(reason);
    };
    socket.once("disconnect", on);
  });
}

/** A client in room `observers` (it receives the `left` events). */
async function observer(ctx, setup) {
  const c = await sioConnect(ctx, setup);
  await join(c, "observers");
  return c;
}

/** The `left` event about socket `id` (skips the ones about other sockets). */
async function nextLeft(obs, id, timeout = 2000) {
  const end = Date.now() + timeout;
  for (;;) {
    const [info] = await obs.events.next("left", Math.max(1, end - Date.now()));
    if (info && info.id === id) return info;
  }
}

forEachSioTransport("socket.io-client on profile sio-full", (setup) => {
  const T = setup.name;

  // ------------------------------------------------------------------ middlewares

  sioTest(`${T}: /private middleware refuses without auth (message + data)`, async (ctx) => {
    const { socket } = await sioSocket(ctx, setup, "/private");
    const err = await sioWaitConnectError(socket);
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { reason: "bad token" });
    assert.equal(socket.connected, false);
  });

  sioTest(`${T}: /private middleware refuses a wrong token`, async (ctx) => {
    const { socket } = await sioSocket(ctx, setup, "/private", { auth: { token: "Secret" } });
    const err = await sioWaitConnectError(socket);
    assert.equal(err.message, "not authorized");
    assert.deepEqual(err.data, { reason: "bad token" });
  });

  sioTest(`${T}: /private middleware accepts the right token`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup, "/private", { auth: { token: "secret", extra: [1] } });
    assert.equal(socket.connected, true);
    assert.equal(socket.id.length, 20);
    assert.deepEqual(await events.next("auth"), [{ token: "secret", extra: [1] }]);
  });

  sioTest(`${T}: a middleware refusal leaves / working on the same connection`, async (ctx) => {
    const root = await sioConnect(ctx, setup);
    const priv = root.socket.io.socket("/private", { auth: { token: "nope" } });
    const err = await sioWaitConnectError(priv);
    assert.equal(err.message, "not authorized");
    await sleep(50);
    assert.equal(root.socket.connected, true);
    root.socket.emit("message", "alive");
    assert.deepEqual(await root.events.next("message-back"), ["alive"]);
  });

  sioTest(`${T}: /ordered middlewares run in registration order`, async (ctx) => {
    const { events } = await sioConnect(ctx, setup, "/ordered");
    assert.deepEqual(await events.next("trail"), [["a", "b"]]);
  });

  // ------------------------------------------------------------ dynamic namespaces

  sioTest(`${T}: dynamic namespace /dyn-42 is created on demand`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup, "/dyn-42");
    assert.equal(socket.connected, true);
    assert.deepEqual(await events.next("nsp"), ["/dyn-42"]);
  });

  sioTest(`${T}: two dynamic namespaces on one connection`, async (ctx) => {
    const a = await sioConnect(ctx, setup, "/dyn-1");
    const b = a.socket.io.socket("/dyn-2");
    const bev = new SioEvents(b);
    await sioWaitConnect(b);
    assert.equal(b.io.engine.id, a.socket.io.engine.id);
    assert.deepEqual(await a.events.next("nsp"), ["/dyn-1"]);
    assert.deepEqual(await bev.next("nsp"), ["/dyn-2"]);
  });

  sioTest(`${T}: names not matching the dynamic pattern are invalid`, async (ctx) => {
    for (const nsp of ["/dyn-x", "/dyn-", "/dyn-12a", "/xdyn-1"]) {
      const { socket } = await sioSocket(ctx, setup, nsp);
      const err = await sioWaitConnectError(socket);
      assert.equal(err.message, "Invalid namespace", nsp);
    }
  });

  // -------------------------------------------------------------------- handshake

  sioTest(`${T}: handshake details (query, auth, url, address, time, headers)`, async (ctx) => {
    const { events } = await sioConnect(ctx, setup, "/handshake", {
      query: { foo: "bar", n: "1", utf: "é €" },
      auth: { tok: "x", n: 2 },
    });
    const [h] = await events.next("handshake");
    assert.deepEqual(h, {
      query: { foo: "bar", n: "1", utf: "é €" },
      auth: { tok: "x", n: 2 },
      url_has_path: true,
      has_address: true,
      has_time: true,
      has_headers: true,
    });
  });

  sioTest(`${T}: handshake without query nor auth`, async (ctx) => {
    const { events } = await sioConnect(ctx, setup, "/handshake");
    const [h] = await events.next("handshake");
    assert.deepEqual(h.query, {});
    assert.deepEqual(h.auth, {});
  });

  // ------------------------------------------------------------------------ rooms

  sioTest(`${T}: rooms: own id first, join adds, leave removes`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    const id = c.socket.id;
    assert.deepEqual(await sioAck(c.socket, "rooms"), [[id]]);
    const r1 = uniq("b");
    const r2 = uniq("a");
    await join(c, r1);
    await join(c, r2);
    await join(c, r1); // joining twice is a no-op
    assert.deepEqual(await sioAck(c.socket, "rooms"), [[id, r1, r2].sort()]);
    assert.deepEqual(await sioAck(c.socket, "leave", r1), []);
    assert.deepEqual(await sioAck(c.socket, "rooms"), [[id, r2].sort()]);
    assert.deepEqual(await sioAck(c.socket, "leave", "never-joined"), []);
    assert.deepEqual(await sioAck(c.socket, "rooms"), [[id, r2].sort()]);
  });

  sioTest(`${T}: to(room) reaches exactly the room members`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const room = uniq();
    await join(c1, room);
    await join(c2, room);
    c3.socket.emit("to-room", room, "hi", { n: 1 });
    assert.deepEqual(await c1.events.next("room-msg"), ["hi", { n: 1 }]);
    assert.deepEqual(await c2.events.next("room-msg"), ["hi", { n: 1 }]);
    await c3.events.none("room-msg", 150, "sender outside the room");
    await c1.events.none("room-msg", 0, "only once");
  });

  sioTest(`${T}: to(room) includes the sender when it is a member`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const room = uniq();
    await join(c1, room);
    await join(c2, room);
    c1.socket.emit("to-room", room, "from member");
    assert.deepEqual(await c1.events.next("room-msg"), ["from member"]);
    assert.deepEqual(await c2.events.next("room-msg"), ["from member"]);
    await c3.events.none("room-msg", 150);
  });

  sioTest(`${T}: to(room) to a room without members reaches nobody`, async (ctx) => {
    const [c1, c2] = await connectMany(ctx, setup, 2);
    c1.socket.emit("to-room", uniq("empty"), "x");
    await sleep(150);
    await c1.events.none("room-msg", 0);
    await c2.events.none("room-msg", 0);
  });

  sioTest(`${T}: socket.to(room) excludes the sender`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const room = uniq();
    await join(c1, room);
    await join(c2, room);
    c1.socket.emit("to-room-from-socket", room, "not me", [1, 2]);
    assert.deepEqual(await c2.events.next("room-msg"), ["not me", [1, 2]]);
    await c1.events.none("room-msg", 150, "sender");
    await c3.events.none("room-msg", 0, "non member");
  });

  sioTest(`${T}: to([rooms]) reaches each member once`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const a = uniq("a");
    const b = uniq("b");
    await join(c1, a);
    await join(c1, b);
    await join(c2, b);
    c3.socket.emit("to-rooms", [a, b], "multi");
    assert.deepEqual(await c1.events.next("room-msg"), ["multi"]);
    assert.deepEqual(await c2.events.next("room-msg"), ["multi"]);
    await sleep(150);
    assert.equal(c1.events.pending("room-msg"), 0, "member of both rooms got it twice");
    assert.equal(c2.events.pending("room-msg"), 0);
    await c3.events.none("room-msg", 0);
  });

  sioTest(`${T}: except(room) reaches everybody else, sender included`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const room = uniq();
    await join(c1, room);
    c3.socket.emit("except-room", room, "ex", null);
    assert.deepEqual(await c2.events.next("except-msg"), ["ex", null]);
    assert.deepEqual(await c3.events.next("except-msg"), ["ex", null]);
    await c1.events.none("except-msg", 150, "member of the excluded room");
  });

  sioTest(`${T}: socket.broadcast reaches everybody but the sender`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    c1.socket.emit("broadcast", "b", { k: [true] });
    assert.deepEqual(await c2.events.next("broadcast-msg"), ["b", { k: [true] }]);
    assert.deepEqual(await c3.events.next("broadcast-msg"), ["b", { k: [true] }]);
    await c1.events.none("broadcast-msg", 150, "sender");
  });

  sioTest(`${T}: nsp.emit reaches everybody, sender included`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    c2.socket.emit("broadcast-all", "all", 3);
    for (const c of [c1, c2, c3]) assert.deepEqual(await c.events.next("all-msg"), ["all", 3]);
    await sleep(100);
    for (const c of [c1, c2, c3]) assert.equal(c.events.pending("all-msg"), 0, "received twice");
  });

  sioTest(`${T}: broadcasts stay in their namespace (/custom gets nothing)`, async (ctx) => {
    const c1 = await sioConnect(ctx, setup);
    const custom = await sioConnect(ctx, setup, "/custom");
    c1.socket.emit("broadcast-all", "only /");
    assert.deepEqual(await c1.events.next("all-msg"), ["only /"]);
    await custom.events.none("all-msg", 150);
  });

  sioTest(`${T}: broadcast with binary arguments`, async (ctx) => {
    const [c1, c2] = await connectMany(ctx, setup, 2);
    const room = uniq();
    await join(c2, room);
    c1.socket.emit("to-room", room, Buffer.from([1, 2]), { b: Buffer.from([3]) });
    const got = await c2.events.next("room-msg");
    assert.ok(isBinary(got[0]));
    assert.deepEqual(normBinary(got), [{ $bin: "0102" }, { b: { $bin: "03" } }]);
  });

  sioTest(`${T}: volatile emit reaches a connected client`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    await sleep(50);
    // a volatile packet may be dropped while the transport is not writable (e.g.
    // between two polling GETs): up to 3 attempts, one must arrive
    let got;
    for (let i = 0; i < 3 && !got; i++) {
      c.socket.emit("volatile", "v", i);
      got = await c.events.next("volatile-msg", 400).catch(() => null);
    }
    assert.ok(got, "no volatile-msg in 3 attempts");
    assert.equal(got[0], "v");
  });

  // ---------------------------------------------------------- server -> client acks

  sioTest(`${T}: server->client ack answered`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    c.socket.on("ask", (arg, cb) => cb(`re: ${arg}`));
    assert.deepEqual(await sioAck(c.socket, "ask-me", "question"), [{ answer: "re: question" }]);
  });

  sioTest(`${T}: server->client ack with binary both ways`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    let seen;
    c.socket.on("ask", (arg, cb) => {
      seen = arg;
      cb({ bin: Buffer.from([9, 8, 7]) });
    });
    const resp = await sioAck(c.socket, "ask-me", Buffer.from([1, 2]));
    assert.ok(isBinary(seen), "the ask argument arrives as binary");
    assert.deepEqual(normBinary(seen), { $bin: "0102" });
    assert.ok(isBinary(resp[0].answer.bin));
    assert.deepEqual(normBinary(resp), [{ answer: { bin: { $bin: "090807" } } }]);
  });

  sioTest(`${T}: server->client ack times out when the client does not answer`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    let asked = null;
    c.socket.on("ask", (arg) => {
      asked = arg; // never calls the ack
    });
    const t0 = Date.now();
    assert.deepEqual(await sioAck(c.socket, "ask-me", 5), [{ error: "timeout" }]);
    const dt = Date.now() - t0;
    assert.equal(asked, 5);
    assert.ok(dt >= 400, `timed out after ${dt} ms, expected ~500`);
  });

  sioTest(`${T}: broadcast with acks collects every answer`, async (ctx) => {
    const cs = await connectMany(ctx, setup, 3);
    cs.forEach((c, i) => c.socket.on("ask", (arg, cb) => cb({ from: `c${i}`, arg })));
    await quiesce(cs[0], cs);
    const [resp] = await sioAck(cs[1].socket, "ask-all", "q");
    assert.deepEqual(resp, {
      error: null,
      answers: [
        { from: "c0", arg: "q" },
        { from: "c1", arg: "q" },
        { from: "c2", arg: "q" },
      ],
    });
  });

  sioTest(`${T}: broadcast with acks times out when a client does not answer`, async (ctx) => {
    const cs = await connectMany(ctx, setup, 3);
    cs[0].socket.on("ask", (arg, cb) => cb("zz"));
    cs[2].socket.on("ask", (arg, cb) => cb("aa"));
    await quiesce(cs[0], cs);
    const t0 = Date.now();
    const [resp] = await sioAck(cs[0].socket, "ask-all", 1);
    const dt = Date.now() - t0;
    assert.deepEqual(resp, { error: "timeout", answers: ["aa", "zz"] });
    assert.ok(dt >= 400, `answered after ${dt} ms, expected ~500`);
  });

  // ------------------------------------------------------------- server-side utils

  sioTest(`${T}: fetchSockets lists the connected sockets of /`, async (ctx) => {
    const cs = await connectMany(ctx, setup, 3);
    await quiesce(cs[2], cs);
    cs[1].socket.disconnect();
    await quiesce(cs[2], [cs[0], cs[2]]);
  });

  sioTest(`${T}: in(room).fetchSockets lists the room members`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const room = uniq();
    assert.deepEqual(await sioAck(c3.socket, "room-sockets", room), [[]]);
    await join(c1, room);
    await join(c2, room);
    assert.deepEqual(await sioAck(c3.socket, "room-sockets", room), [[c1.socket.id, c2.socket.id].sort()]);
    // a socket id is a room too
    assert.deepEqual(await sioAck(c3.socket, "room-sockets", c1.socket.id), [[c1.socket.id]]);
  });

  sioTest(`${T}: socketsJoin / socketsLeave move the sockets of a room`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const a = uniq("a");
    const b = uniq("b");
    await join(c1, a);
    await join(c2, a);
    assert.deepEqual(await sioAck(c3.socket, "make-join", a, b), []);
    assert.deepEqual(await sioAck(c3.socket, "room-sockets", b), [[c1.socket.id, c2.socket.id].sort()]);
    assert.deepEqual(await sioAck(c1.socket, "rooms"), [[c1.socket.id, a, b].sort()]);
    assert.deepEqual(await sioAck(c3.socket, "rooms"), [[c3.socket.id]]);
    // the moved sockets receive what is sent to the new room
    c3.socket.emit("to-room", b, "in b");
    assert.deepEqual(await c1.events.next("room-msg"), ["in b"]);
    assert.deepEqual(await c2.events.next("room-msg"), ["in b"]);
    assert.deepEqual(await sioAck(c3.socket, "make-leave", a, b), []);
    assert.deepEqual(await sioAck(c3.socket, "room-sockets", b), [[]]);
    assert.deepEqual(await sioAck(c1.socket, "rooms"), [[c1.socket.id, a].sort()]);
  });

  sioTest(`${T}: disconnectSockets disconnects the room members ("io server disconnect")`, async (ctx) => {
    const [c1, c2, c3] = await connectMany(ctx, setup, 3);
    const room = uniq();
    await join(c1, room);
    await join(c2, room);
    const d1 = nextDisconnect(c1.socket);
    const d2 = nextDisconnect(c2.socket);
    assert.deepEqual(await sioAck(c3.socket, "disconnect-room", room), []);
    assert.equal(await d1, "io server disconnect");
    assert.equal(await d2, "io server disconnect");
    assert.equal(c3.socket.connected, true);
    assert.deepEqual(await sioAck(c3.socket, "room-sockets", room), [[]]);
    await sleep(100);
    assert.equal(c1.socket.connected, false, "no automatic reconnection after io server disconnect");
  });

  sioTest(`${T}: socket.data is per socket and settable`, async (ctx) => {
    const [c1, c2] = await connectMany(ctx, setup, 2);
    assert.deepEqual(await sioAck(c1.socket, "get-data"), [{}]);
    const data = { z: 1, a: [1, "x", null], o: { k: "é" } };
    assert.deepEqual(await sioAck(c1.socket, "set-data", data), []);
    const [got] = await sioAck(c1.socket, "get-data");
    assert.equal(JSON.stringify(got), JSON.stringify(data));
    assert.deepEqual(await sioAck(c2.socket, "get-data"), [{}]);
    assert.deepEqual(await sioAck(c1.socket, "set-data", "str"), []);
    assert.deepEqual(await sioAck(c1.socket, "get-data"), ["str"]);
  });

  // ------------------------------------------------------------- catch-all listeners

  sioTest(`${T}: onAny logs incoming events in order`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    assert.deepEqual(await sioAck(c.socket, "any-log"), [[]]);
    c.socket.emit("message", 1);
    c.socket.emit("unknown-event", { x: 1 });
    c.socket.emit("message-with-ack", 2, () => {});
    await sioAck(c.socket, "join", uniq());
    assert.deepEqual(await sioAck(c.socket, "any-log"), [["any-log", "message", "unknown-event", "message-with-ack", "join"]]);
  });

  sioTest(`${T}: onAnyOutgoing logs the events sent to the socket`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    await c.events.next("auth");
    c.socket.emit("message", 1);
    await c.events.next("message-back");
    const room = uniq();
    await join(c, room);
    c.socket.emit("to-room", room, "r");
    await c.events.next("room-msg");
    c.socket.on("ask", (a, cb) => cb(a));
    await sioAck(c.socket, "ask-me", 1);
    // acks are not events: none of the acks above is logged
    assert.deepEqual(await sioAck(c.socket, "emit-outgoing-log"), [["auth", "message-back", "room-msg", "ask"]]);
  });

  // --------------------------------------------------------------------- binary

  sioTest(`${T}: binary-back echoes binary arguments`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    const args = [{ list: [Buffer.from([0xff]), Buffer.from("ab")] }, Uint8Array.from([5])];
    c.socket.emit("binary-back", ...args);
    const got = await c.events.next("binary-back");
    assert.ok(isBinary(got[1]));
    assert.deepEqual(normBinary(got), normBinary(args));
  });

  sioTest(`${T}: server-emitted binary event`, async (ctx) => {
    const c = await sioConnect(ctx, setup);
    c.socket.emit("server-emit-binary");
    const got = await c.events.next("bin");
    assert.ok(isBinary(got[0]));
    assert.ok(isBinary(got[1].nested));
    assert.deepEqual(normBinary(got), [{ $bin: "010203" }, { nested: { $bin: "0405" } }]);
  });

  // ------------------------------------------------------------- disconnections

  sioTest(`${T}: disconnect-me: "io server disconnect", other namespace stays connected`, async (ctx) => {
    const obs = await observer(ctx, setup);
    const c = await sioConnect(ctx, setup);
    const custom = c.socket.io.socket("/custom");
    await sioWaitConnect(custom);
    const room = uniq();
    await join(c, room);
    const eid = c.socket.io.engine.id;
    const id = c.socket.id;
    const d = nextDisconnect(c.socket);
    c.socket.emit("disconnect-me");
    assert.equal(await d, "io server disconnect");
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: [room], reason: "server namespace disconnect" });
    await sleep(100);
    assert.equal(custom.connected, true);
    assert.equal(c.socket.connected, false, "no automatic reconnection after io server disconnect");
    assert.equal(c.socket.io.engine.id, eid);
    // the connection is still usable: / can be joined again on it
    c.socket.connect();
    await sioWaitConnect(c.socket);
    assert.equal(c.socket.io.engine.id, eid);
    assert.notEqual(c.socket.id, id);
    c.socket.emit("message", "back");
    assert.deepEqual(await c.events.next("message-back"), ["back"]);
  });

  sioTest(`${T}: close-me: every namespace gets "io server disconnect" and the connection closes`, async (ctx) => {
    const obs = await observer(ctx, setup);
    const c = await sioConnect(ctx, setup);
    const custom = c.socket.io.socket("/custom");
    await sioWaitConnect(custom);
    const id = c.socket.id;
    const d1 = nextDisconnect(c.socket);
    const d2 = nextDisconnect(custom);
    const engineClosed = new Promise((resolve) => c.socket.io.engine.once("close", (reason) => resolve(reason)));
    c.socket.emit("close-me");
    assert.equal(await d1, "io server disconnect");
    assert.equal(await d2, "io server disconnect");
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: [], reason: "server namespace disconnect" });
    const reason = await Promise.race([engineClosed, sleep(1500).then(() => "(engine still open)")]);
    assert.ok(["forced close", "transport close"].includes(reason), `engine close reason: ${reason}`);
    await sleep(100);
    assert.equal(c.socket.connected, false);
    assert.equal(custom.connected, false);
  });

  sioTest(`${T}: client socket.disconnect(): observer sees "client namespace disconnect" and the rooms`, async (ctx) => {
    const obs = await observer(ctx, setup);
    const c = await sioConnect(ctx, setup);
    const r1 = uniq("zeta");
    const r2 = uniq("alpha");
    await join(c, r1);
    await join(c, r2);
    const id = c.socket.id;
    c.socket.disconnect();
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: [r1, r2].sort(), reason: "client namespace disconnect" });
  });

  sioTest(`${T}: client closing the connection: observer sees "transport close"`, async (ctx) => {
    const obs = await observer(ctx, setup);
    const c = await sioConnect(ctx, setup);
    const room = uniq();
    await join(c, room);
    const id = c.socket.id;
    c.socket.io.engine.close();
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: [room], reason: "transport close" });
  });

  sioTest(`${T}: disconnectSockets: observer sees "server namespace disconnect"`, async (ctx) => {
    const obs = await observer(ctx, setup);
    const [c1, c2] = await connectMany(ctx, setup, 2);
    const room = uniq();
    await join(c1, room);
    const id = c1.socket.id;
    await sioAck(c2.socket, "disconnect-room", room);
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: [room], reason: "server namespace disconnect" });
  });

  sioTest(`${T}: the server closing the engine ("transport close") triggers a reconnection`, async (ctx) => {
    const obs = await observer(ctx, setup);
    const c = await sioConnect(ctx, setup, "/", {
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
      randomizationFactor: 0,
      auth: { again: true },
    });
    assert.deepEqual(await c.events.next("auth"), [{ again: true }]);
    const id1 = c.socket.id;
    const eid1 = c.socket.io.engine.id;
    const reconnected = new Promise((resolve) => c.socket.io.once("reconnect", resolve));
    const d = nextDisconnect(c.socket);
    c.socket.emit("close-engine");
    assert.equal(await d, "transport close");
    assert.deepEqual(await nextLeft(obs, id1), { id: id1, rooms: [], reason: "forced close" });
    await Promise.race([reconnected, sleep(2500).then(() => assert.fail("no reconnect within 2.5 s"))]);
    await sioWaitConnect(c.socket);
    assert.deepEqual(await c.events.next("auth"), [{ again: true }], "a new auth event after reconnecting");
    assert.notEqual(c.socket.id, id1);
    assert.notEqual(c.socket.io.engine.id, eid1);
    c.socket.emit("message", "reconnected");
    assert.deepEqual(await c.events.next("message-back"), ["reconnected"]);
    await sioWaitTransport(c.socket, setup);
  });
});
