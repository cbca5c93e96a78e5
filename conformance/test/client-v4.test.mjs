// Official engine.io-client 6.6 (Engine.IO v4) against the server under test.
import assert from "node:assert/strict";
import { describe } from "node:test";
import { Socket } from "engine.io-client";
import {
  useServer,
  serverTest,
  waitEvent,
  messageQueue,
  toBuffer,
  isBinary,
  sleep,
  pollGet,
  errorBody,

  PING_INTERVAL,
  PING_TIMEOUT,
  MAX_PAYLOAD,
} from "./harness.mjs";

const srv = useServer("eio");

/** Opens a client socket; resolves once `open` fired. */
async function connect(ctx, opts) {
  const socket = new Socket(ctx.server.base, { path: "/engine.io/", ...opts });
  ctx.defer(() => socket.close());
  const errors = [];
  socket.on("error", (e) => errors.push(e));
  socket.on("close", (reason, desc) => {
    socket._closeReason = reason;
    socket._closeDesc = desc;
  });
  try {
    await waitEvent(socket, "open", 3000);
  } catch (e) {
    throw new Error(`${e.message}; client errors: ${errors.map((x) => x?.message ?? String(x)).join(", ")}`);
  }
  return socket;
}

async function echoChecks(socket) {
  const q = messageQueue(socket);
  socket.send("hello");
  assert.equal(await q.next(), "hello");

  const utf = "héllo wörld € 😀";
  socket.send(utf);
  assert.equal(await q.next(), utf);

  socket.send(Uint8Array.from([1, 2, 3, 4]));
  const b1 = await q.next();
  assert.ok(isBinary(b1), `binary echo came back as ${typeof b1}: ${JSON.stringify(b1)}`);
  assert.deepEqual([...toBuffer(b1)], [1, 2, 3, 4]);

  socket.send(Buffer.from([0, 255, 30, 10, 0x1e]));
  const b2 = await q.next();
  assert.ok(isBinary(b2));
  assert.deepEqual([...toBuffer(b2)], [0, 255, 30, 10, 0x1e]);

  // a text message that looks like a number / packet must stay text
  socket.send("4");
  assert.equal(await q.next(), "4");
}

for (const transport of ["polling", "websocket"]) {
  describe(`engine.io-client 6 (${transport} only)`, () => {
    serverTest(srv, `${transport}: connects with the handshake values of the contract`, async (ctx) => {
      const socket = await connect(ctx, { transports: [transport] });
      assert.equal(socket.transport.name, transport);
      assert.equal(typeof socket.id, "string");
      assert.equal(socket.id.length, 20);
      assert.equal(socket._pingInterval, PING_INTERVAL);
      assert.equal(socket._pingTimeout, PING_TIMEOUT);
      assert.equal(socket._maxPayload, MAX_PAYLOAD);
    });

    serverTest(srv, `${transport}: text and binary messages are echoed unchanged`, async (ctx) => {
      const socket = await connect(ctx, { transports: [transport] });
      await echoChecks(socket);
      assert.equal(socket.transport.name, transport);
    });

    serverTest(srv, `${transport}: 50 messages sent in one tick arrive in order`, async (ctx) => {
      const socket = await connect(ctx, { transports: [transport] });
      const q = messageQueue(socket);
      const sent = [];
      for (let i = 0; i < 50; i++) {
        const m = i % 5 === 4 ? Buffer.from([i, i + 1]) : `msg-${i}`;
        sent.push(m);
        socket.send(m);
      }
      for (let i = 0; i < sent.length; i++) {
        const got = await q.next();
        if (typeof sent[i] === "string") assert.equal(got, sent[i], `message #${i}`);
        else assert.deepEqual([...toBuffer(got)], [...sent[i]], `message #${i}`);
      }
    });

    serverTest(srv, `${transport}: heartbeat keeps the session open for 1.5 s (>= 3 pings)`, async (ctx) => {
      const socket = await connect(ctx, { transports: [transport] });
      let pings = 0;
      let closed = null;
      socket.on("ping", () => pings++);
      socket.on("close", (r) => (closed = r));
      await sleep(1500);
      assert.equal(closed, null, `socket closed: ${closed}`);
      assert.equal(socket.readyState, "open");
      assert.ok(pings >= 3, `only ${pings} pings in 1.5 s with pingInterval ${PING_INTERVAL}`);
      assert.ok(pings <= 6, `${pings} pings in 1.5 s with pingInterval ${PING_INTERVAL}`);
      // still usable
      const q = messageQueue(socket);
      socket.send("still here");
      assert.equal(await q.next(), "still here");
    });

    serverTest(srv, `${transport}: server-side close (message __close__) closes the client with "transport close"`, async (ctx) => {
      const socket = await connect(ctx, { transports: [transport] });
      const q = messageQueue(socket);
      const closed = waitEvent(socket, "close", 2000);
      socket.send("__close__");
      const [reason] = await closed;
      assert.equal(reason, "transport close");
      assert.equal(q.pending, 0, "__close__ must not be echoed");
      // and the session is gone on the server
      await sleep(50);
      const res = await pollGet(ctx.server, socket.id, { timeout: 1000 });
      assert.equal(res.status, 400);
      assert.deepEqual(errorBody(res), { code: 1, message: "Session ID unknown" });
    });

    serverTest(srv, `${transport}: client close() emits "forced close" and the server forgets the session`, async (ctx) => {
      const socket = await connect(ctx, { transports: [transport] });
      const sid = socket.id;
      const closed = waitEvent(socket, "close", 2000);
      socket.close();
      const [reason] = await closed;
      assert.equal(reason, "forced close");
      // well below pingInterval + pingTimeout: the session must be gone because of the close, not a timeout
      await sleep(100);
      const res = await pollGet(ctx.server, sid, { timeout: 1000 });
      assert.equal(res.status, 400, `GET after close answered ${res.status} ${JSON.stringify(res.text)}`);
      assert.deepEqual(errorBody(res), { code: 1, message: "Session ID unknown" });
    });
  });
}

describe("engine.io-client 6 (polling with upgrade)", () => {
  serverTest(srv, "upgrades from polling to websocket and keeps echoing", async (ctx) => {
    const socket = new Socket(ctx.server.base, { path: "/engine.io/", transports: ["polling", "websocket"] });
    ctx.defer(() => socket.close());
    const upgraded = waitEvent(socket, "upgrade", 3000);
    await waitEvent(socket, "open", 3000);
    assert.equal(socket.transport.name, "polling", "first transport must be polling");
    const q = messageQueue(socket);
    socket.send("before upgrade");
    const transport = await upgraded;
    assert.equal(transport.name, "websocket");
    assert.equal(socket.transport.name, "websocket");
    assert.equal(await q.next(), "before upgrade");
    await echoChecks(socket);
    assert.equal(socket.transport.name, "websocket");
    // the old polling sid is now refused for polling
    const res = await pollGet(ctx.server, socket.id, { timeout: 1000 });
    assert.equal(res.status, 400);
    assert.deepEqual(errorBody(res), { code: 3, message: "Bad request" });
  });

  serverTest(srv, "messages sent while upgrading are all delivered in order", async (ctx) => {
    const socket = new Socket(ctx.server.base, { path: "/engine.io/", transports: ["polling", "websocket"] });
    ctx.defer(() => socket.close());
    const upgraded = waitEvent(socket, "upgrade", 3000);
    await waitEvent(socket, "open", 3000);
    const q = messageQueue(socket);
    const sent = [];
    // spread sends over the upgrade window
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 5; i++) {
        const m = `r${round}-m${i}`;
        sent.push(m);
        socket.send(m);
      }
      await sleep(10);
    }
    await upgraded;
    for (let i = 0; i < sent.length; i++) assert.equal(await q.next(), sent[i], `message #${i}`);
  });

  serverTest(srv, "heartbeat after upgrade keeps the session open for 1.5 s", async (ctx) => {
    const socket = new Socket(ctx.server.base, { path: "/engine.io/", transports: ["polling", "websocket"] });
    ctx.defer(() => socket.close());
    await waitEvent(socket, "upgrade", 3000);
    let pings = 0;
    let closed = null;
    socket.on("ping", () => pings++);
    socket.on("close", (r) => (closed = r));
    await sleep(1500);
    assert.equal(closed, null, `socket closed: ${closed}`);
    assert.ok(pings >= 3, `only ${pings} pings in 1.5 s`);
  });
});

describe("engine.io-client 6 (max payload)", () => {
  serverTest(srv, "websocket: a message of exactly maxPayload bytes is accepted, one byte more closes", async (ctx) => {
    const socket = await connect(ctx, { transports: ["websocket"] });
    const q = messageQueue(socket);
    // binary frames carry the raw bytes: frame size = message size
    const exact = Buffer.alloc(MAX_PAYLOAD, 7);
    socket.send(exact);
    const back = toBuffer(await q.next(3000));
    assert.equal(back.length, MAX_PAYLOAD);
    const closed = waitEvent(socket, "close", 2000);
    socket.send(Buffer.alloc(MAX_PAYLOAD + 1, 7));
    const [reason] = await closed;
    assert.equal(reason, "transport close");
  });
});

