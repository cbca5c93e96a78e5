// Official socket.io-client 4.8 against profile `sio` (SIO_CONTRACT.md): connect,
// auth, events, acks, binary, several namespaces on one connection, invalid
// namespaces. Every case runs over websocket only, polling only and the default
// (polling then upgrade).
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
  toBuffer,
  request,
  errorBody,
  sleep,
  SioEvents,
} from "./harness.mjs";

const srv = useServer("sio");
// a hanging case fails within 3 s
const sioTest = (name, fn) => serverTest(srv, name, { timeout: 3000 }, fn);

const ARGS = [
  "héllo wörld € 😀 \u2028 \\ \"quoted\" \n\t",
  { z: 1, a: 2, m: { y: [1, 2, { b: null, a: true }], x: "" } },
  42,
  -7.25,
  0,
  9007199254740991,
  null,
  true,
  false,
  [],
  {},
  [1, "two", [3, [4]], { "k e y": "日本語" }],
  "",
];

forEachSioTransport("socket.io-client on profile sio", (setup) => {
  const T = setup.name;

  sioTest(`${T}: connects to / with a 20-char socket id distinct from the engine id`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    assert.equal(typeof socket.id, "string");
    assert.equal(socket.id.length, 20, `socket id ${socket.id}`);
    assert.match(socket.id, /^[A-Za-z0-9_-]{20}$/);
    const eid = socket.io.engine.id;
    assert.equal(typeof eid, "string");
    assert.notEqual(socket.id, eid, "socket id must not be the engine id");
    assert.equal(socket.io.engine.transport.name, setup.final);
    assert.deepEqual(await events.next("auth"), [{}], "auth event without auth");
  });

  sioTest(`${T}: the auth object comes back in the auth event (order kept)`, async (ctx) => {
    const auth = { token: "abc", n: 1, nested: { z: [1, 2], a: null }, u: "ü€" };
    const { events } = await sioConnect(ctx, setup, "/", { auth });
    const [got] = await events.next("auth");
    assert.deepEqual(got, auth);
    assert.equal(JSON.stringify(got), JSON.stringify(auth));
  });

  sioTest(`${T}: two clients get different socket ids`, async (ctx) => {
    const a = await sioConnect(ctx, setup);
    const b = await sioConnect(ctx, setup);
    assert.notEqual(a.socket.id, b.socket.id);
    assert.notEqual(a.socket.io.engine.id, b.socket.io.engine.id);
  });

  sioTest(`${T}: message -> message-back with the same arguments (JSON text equal)`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    socket.emit("message", ...ARGS);
    const got = await events.next("message-back");
    assert.equal(JSON.stringify(got), JSON.stringify(ARGS));
  });

  sioTest(`${T}: message with no argument -> message-back with no argument`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    socket.emit("message");
    assert.deepEqual(await events.next("message-back"), []);
  });

  sioTest(`${T}: 30 messages come back in order`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    for (let i = 0; i < 30; i++) socket.emit("message", i, `m${i}`);
    for (let i = 0; i < 30; i++) assert.deepEqual(await events.next("message-back"), [i, `m${i}`]);
  });

  sioTest(`${T}: a 200 kB string argument is echoed`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    const big = "x€".repeat(100000);
    socket.emit("message", big);
    const [got] = await events.next("message-back", 3000);
    assert.equal(got.length, big.length);
    assert.equal(got, big);
  });

  sioTest(`${T}: ack round trip with several arguments`, async (ctx) => {
    const { socket } = await sioConnect(ctx, setup);
    const resp = await sioAck(socket, "message-with-ack", ...ARGS);
    assert.equal(JSON.stringify(resp), JSON.stringify(ARGS));
  });

  sioTest(`${T}: ack with no argument`, async (ctx) => {
    const { socket } = await sioConnect(ctx, setup);
    assert.deepEqual(await sioAck(socket, "message-with-ack"), []);
  });

  sioTest(`${T}: 20 acks in flight each get their own answer`, async (ctx) => {
    const { socket } = await sioConnect(ctx, setup);
    const all = await Promise.all(Array.from({ length: 20 }, (_, i) => sioAck(socket, "message-with-ack", i, { i })));
    all.forEach((resp, i) => assert.deepEqual(resp, [i, { i }]));
  });

  sioTest(`${T}: binary arguments (Buffer, Uint8Array, nested) are echoed as binary`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    const args = [
      Buffer.from([1, 2, 3]),
      "text",
      Uint8Array.from([0, 255, 0x1e, 10]),
      { nested: Buffer.from("nested"), list: [Buffer.from([7]), 1, { deep: Uint8Array.from([8, 9]) }] },
      [Buffer.alloc(0), null],
    ];
    socket.emit("message", ...args);
    const got = await events.next("message-back");
    assert.ok(isBinary(got[0]), `first arg came back as ${typeof got[0]}`);
    assert.ok(isBinary(got[3].nested));
    assert.ok(isBinary(got[3].list[2].deep));
    assert.deepEqual(normBinary(got), normBinary(args));
  });

  sioTest(`${T}: binary in acks both ways`, async (ctx) => {
    const { socket } = await sioConnect(ctx, setup);
    const args = [Buffer.from([4, 5, 6]), { a: [Uint8Array.from([1]), "b"] }];
    const resp = await sioAck(socket, "message-with-ack", ...args);
    assert.ok(isBinary(resp[0]));
    assert.ok(isBinary(resp[1].a[0]));
    assert.deepEqual(normBinary(resp), normBinary(args));
  });

  sioTest(`${T}: a large binary argument (300 kB) is echoed`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    const buf = Buffer.alloc(300000, 0xab);
    buf[0] = 1;
    buf[buf.length - 1] = 2;
    socket.emit("message", buf);
    const [got] = await events.next("message-back", 3000);
    assert.ok(toBuffer(got).equals(buf));
  });

  sioTest(`${T}: / and /custom share one engine connection (Manager)`, async (ctx) => {
    const root = await sioConnect(ctx, setup);
    const custom = root.socket.io.socket("/custom", { auth: { ns: "custom" } });
    const cev = new SioEvents(custom); // the Manager is open: CONNECT already sent (autoConnect)
    await sioWaitConnect(custom);
    assert.equal(custom.io, root.socket.io, "same Manager");
    assert.equal(custom.io.engine.id, root.socket.io.engine.id);
    assert.notEqual(custom.id, root.socket.id);
    assert.equal(custom.id.length, 20);
    assert.notEqual(custom.id, root.socket.io.engine.id);
    assert.deepEqual(await root.events.next("auth"), [{}]);
    assert.deepEqual(await cev.next("auth"), [{ ns: "custom" }]);
    // / still works with /custom joined
    root.socket.emit("message", "still here");
    assert.deepEqual(await root.events.next("message-back"), ["still here"]);
  });

  sioTest(`${T}: /custom alone (no / socket) gets its auth event`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup, "/custom", { auth: { x: 1 } });
    assert.equal(socket.nsp, "/custom");
    assert.deepEqual(await events.next("auth"), [{ x: 1 }]);
  });

  sioTest(`${T}: leaving /custom keeps / connected on the same engine`, async (ctx) => {
    const root = await sioConnect(ctx, setup);
    const custom = root.socket.io.socket("/custom"); // autoConnect: sends CONNECT
    await sioWaitConnect(custom);
    const eid = root.socket.io.engine.id;
    custom.disconnect();
    await sleep(100);
    assert.equal(root.socket.connected, true);
    assert.equal(root.socket.io.engine.id, eid);
    root.socket.emit("message", 1);
    assert.deepEqual(await root.events.next("message-back"), [1]);
  });

  sioTest(`${T}: invalid namespace -> connect_error "Invalid namespace"`, async (ctx) => {
    const { socket } = await sioSocket(ctx, setup, "/random");
    const err = await sioWaitConnectError(socket);
    assert.equal(err.message, "Invalid namespace");
    assert.equal(socket.connected, false);
  });

  sioTest(`${T}: profile sio has no /private, /ordered, /handshake nor dynamic namespaces`, async (ctx) => {
    for (const nsp of ["/private", "/ordered", "/handshake", "/dyn-1"]) {
      const { socket } = await sioSocket(ctx, setup, nsp, { auth: { token: "secret" } });
      const err = await sioWaitConnectError(socket);
      assert.equal(err.message, "Invalid namespace", nsp);
    }
  });

  sioTest(`${T}: an invalid namespace on a shared connection leaves / working`, async (ctx) => {
    const root = await sioConnect(ctx, setup);
    const bad = root.socket.io.socket("/nope");
    const err = await sioWaitConnectError(bad);
    assert.equal(err.message, "Invalid namespace");
    await sleep(50);
    assert.equal(root.socket.connected, true);
    root.socket.emit("message", "ok");
    assert.deepEqual(await root.events.next("message-back"), ["ok"]);
  });

  sioTest(`${T}: disconnect then connect again gives a new socket id and a new auth event`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup, "/", { auth: { round: 1 } });
    assert.deepEqual(await events.next("auth"), [{ round: 1 }]);
    const id1 = socket.id;
    socket.disconnect();
    assert.equal(socket.connected, false);
    socket.auth = { round: 2 };
    socket.connect();
    await sioWaitConnect(socket);
    assert.notEqual(socket.id, id1);
    assert.deepEqual(await events.next("auth"), [{ round: 2 }]);
  });

  sioTest(`${T}: stays connected while idle across several heartbeats (1.2 s)`, async (ctx) => {
    const { socket, events } = await sioConnect(ctx, setup);
    const id = socket.id;
    await sleep(1200);
    assert.equal(socket.connected, true);
    assert.equal(socket.id, id);
    socket.emit("message", "after idle");
    assert.deepEqual(await events.next("message-back"), ["after idle"]);
  });

  sioTest(`${T}: events emitted before the connection is established are delivered`, async (ctx) => {
    const { socket, events } = await sioSocket(ctx, setup);
    socket.emit("message", "buffered");
    await sioWaitConnect(socket);
    assert.deepEqual(await events.next("message-back"), ["buffered"]);
    await sioWaitTransport(socket, setup);
  });
});

// ---------------------------------------------------------------------------
// Engine.IO level requirements of profile sio (raw HTTP)

sioTest("engine: polling handshake on /socket.io/ carries the profile values", async ({ server }) => {
  const res = await request(server.sioUrl("EIO=4&transport=polling"));
  assert.equal(res.status, 200);
  assert.equal(res.text[0], "0");
  const open = JSON.parse(res.text.slice(1));
  assert.equal(open.sid.length, 20);
  assert.deepEqual(open.upgrades, ["websocket"]);
  assert.equal(open.pingInterval, 300);
  assert.equal(open.pingTimeout, 200);
  assert.equal(open.maxPayload, 1000000);
});

sioTest("engine: EIO=3 handshake is refused with code 5", async ({ server }) => {
  const res = await request(server.sioUrl("EIO=3&transport=polling"));
  assert.equal(res.status, 400);
  assert.deepEqual(errorBody(res), { code: 5, message: "Unsupported protocol version" });
});

sioTest("engine: CORS allows any origin on the polling handshake", async ({ server }) => {
  const res = await request(server.sioUrl("EIO=4&transport=polling"), { headers: { Origin: "http://example.com" } });
  assert.equal(res.status, 200);
  const acao = res.headers["access-control-allow-origin"];
  assert.ok(acao === "*" || acao === "http://example.com", `access-control-allow-origin: ${acao}`);
});
