// Socket.IO protocol v4 (Engine.IO v3): the official socket.io-client 2.5 against profile
// `sio3` (sio-full that also accepts EIO=3, see SIO_CONTRACT.md). Covers the implicit join of
// `/`, events, acks, binary, namespaces with a query (the v4 "auth"), invalid namespace and
// middleware errors in their v4 shape, rooms, and a server-side namespace disconnect. Every
// case runs over websocket only and polling only.
import assert from "node:assert/strict";
import ioV2 from "sio-client-v2";
import { useServer, serverTest, waitEvent, normBinary, isBinary, toBuffer } from "./harness.mjs";

const srv = useServer("sio3");
const v2Test = (name, fn) => serverTest(srv, name, { timeout: 3000 }, fn);

const SETUPS = [
  { name: "websocket", transports: ["websocket"] },
  { name: "polling", transports: ["polling"] },
];

function connect(ctx, setup, nsp = "/", query) {
  const url = `http://127.0.0.1:${ctx.server.port}${nsp}`;
  const socket = ioV2(url, {
    path: "/socket.io",
    transports: setup.transports,
    forceNew: true,
    reconnection: false,
    ...(query ? { query } : {}),
  });
  ctx.defer(() => socket.io.engine && socket.io.engine.close());
  ctx.defer(() => socket.close());
  return socket;
}

function ack(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for ${event}`)), 2000);
    socket.emit(event, ...args, (...answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

for (const setup of SETUPS) {
  const T = setup.name;

  v2Test(`${T}: connects to / implicitly; the server's auth is {} and the id is the engine id`, async (ctx) => {
    const socket = connect(ctx, setup);
    const auth = waitEvent(socket, "auth");
    await waitEvent(socket, "connect");
    assert.deepEqual(await auth, {});
    assert.equal(socket.io.engine.transport.name, setup.transports[0]);
    assert.equal(socket.id, socket.io.engine.id);
  });

  v2Test(`${T}: message-back with several JSON arguments`, async (ctx) => {
    const socket = connect(ctx, setup);
    await waitEvent(socket, "connect");
    const args = ["héllo €", { b: 1, a: [true, null] }, 42, -1.5];
    const back = waitEvent(socket, "message-back");
    socket.emit("message", ...args);
    assert.deepEqual(await back, args);
  });

  v2Test(`${T}: ack round trip`, async (ctx) => {
    const socket = connect(ctx, setup);
    await waitEvent(socket, "connect");
    assert.deepEqual(await ack(socket, "message-with-ack", 1, "two", { three: 3 }), [1, "two", { three: 3 }]);
  });

  v2Test(`${T}: binary in events both ways`, async (ctx) => {
    const socket = connect(ctx, setup);
    await waitEvent(socket, "connect");
    const back = waitEvent(socket, "binary-back");
    socket.emit("binary-back", Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) });
    const got = await back;
    assert.ok(isBinary(got[0]), "first argument arrives as binary");
    assert.deepEqual(normBinary(got), normBinary([Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) }]));
    assert.deepEqual([...toBuffer(got[1].nested)], [4, 5]);
  });

  v2Test(`${T}: binary in an ack`, async (ctx) => {
    const socket = connect(ctx, setup);
    await waitEvent(socket, "connect");
    const answer = await ack(socket, "message-with-ack", Buffer.from([9, 8, 7]));
    assert.deepEqual([...toBuffer(answer[0])], [9, 8, 7]);
  });

  v2Test(`${T}: a namespace with a query: the query is the handshake auth`, async (ctx) => {
    const socket = connect(ctx, setup, "/custom", { token: "abc", n: "1" });
    const auth = waitEvent(socket, "auth");
    await waitEvent(socket, "connect");
    assert.deepEqual(await auth, { token: "abc", n: "1" });
  });

  v2Test(`${T}: invalid namespace: error event with "Invalid namespace"`, async (ctx) => {
    const socket = connect(ctx, setup, "/random");
    const err = await waitEvent(socket, "error");
    const message = typeof err === "string" ? err : err?.message;
    assert.equal(message, "Invalid namespace");
  });

  v2Test(`${T}: middleware refusal: error event with err.data`, async (ctx) => {
    const socket = connect(ctx, setup, "/private");
    const err = await waitEvent(socket, "error");
    assert.deepEqual(err, { reason: "bad token" });
  });

  v2Test(`${T}: middleware success with the token in the query`, async (ctx) => {
    const socket = connect(ctx, setup, "/private", { token: "secret" });
    const auth = waitEvent(socket, "auth");
    await waitEvent(socket, "connect");
    assert.deepEqual(await auth, { token: "secret" });
  });

  v2Test(`${T}: rooms: a room message reaches the member only`, async (ctx) => {
    const a = connect(ctx, setup);
    const b = connect(ctx, setup);
    await Promise.all([waitEvent(a, "connect"), waitEvent(b, "connect")]);
    const room = `v2-${T}-${Math.random().toString(36).slice(2)}`;
    await ack(a, "join", room);
    let bGot = false;
    b.on("room-msg", () => (bGot = true));
    const msg = waitEvent(a, "room-msg");
    b.emit("to-room", room, "hi");
    assert.equal(await msg, "hi");
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(bGot, false, "the non-member got nothing");
  });

  v2Test(`${T}: disconnect-me: the client sees "io server disconnect"`, async (ctx) => {
    const socket = connect(ctx, setup);
    await waitEvent(socket, "connect");
    const reason = waitEvent(socket, "disconnect");
    socket.emit("disconnect-me");
    assert.equal(await reason, "io server disconnect");
  });
}
