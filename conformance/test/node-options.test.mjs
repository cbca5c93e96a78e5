// Node server options and events (SIO_CONTRACT.md "Node options"; profile sio-full started
// with `--node-options`, and with `--no-trailing-slash`): the engine's `connection_error`
// event (code, message, context), `generateId`, `addTrailingSlash`,
// `cleanupEmptyChildNamespaces`, `compress(false)` on polling answers, and the description
// Node gives the "disconnect" listeners.

import assert from "node:assert/strict";
import zlib from "node:zlib";
import { describe } from "node:test";
import {
  RS,
  openWs,
  request,
  serverTest,
  sioAck,
  sioConnect,
  sioSocket,
  sioWaitConnect,
  useServer,
} from "./harness.mjs";

const POLLING = { name: "polling", opts: { transports: ["polling"] }, final: "polling" };
const WEBSOCKET = { name: "websocket", opts: { transports: ["websocket"] }, final: "websocket" };

/** A raw Engine.IO v4 polling session on the Socket.IO path: { sid, url }. */
async function rawSession(server) {
  const res = await request(server.sioUrl("EIO=4&transport=polling"));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text[0], "0");
  const { sid } = JSON.parse(res.text.slice(1));
  return { sid, url: server.sioUrl(`EIO=4&transport=polling&sid=${sid}`) };
}

/** A raw session joined to `/`: { sid, url, id } (id: the Socket.IO socket id). */
async function rawSocket(server) {
  const s = await rawSession(server);
  const post = await request(s.url, { method: "POST", body: "40" });
  assert.equal(post.text, "ok");
  const get = await request(s.url);
  const m = /^40\{"sid":"([^"]+)"/.exec(get.text);
  assert.ok(m, `CONNECT reply: ${get.text}`);
  return { ...s, id: m[1] };
}

function decode(res) {
  const encoding = res.headers["content-encoding"];
  if (encoding === undefined) return res.text;
  if (encoding === "gzip") return zlib.gunzipSync(res.body).toString("utf8");
  if (encoding === "deflate") return zlib.inflateSync(res.body).toString("utf8");
  throw new Error(`unexpected Content-Encoding ${encoding}`);
}

describe("Node options (--node-options)", () => {
  const srv = useServer("sio-full", ["--node-options"]);

  serverTest(srv, "generateId: the handshake sid is the server generator's", async (ctx) => {
    const { sid } = await rawSession(ctx.server);
    assert.match(sid, /^nodeopt-\d{12}$/);
    const { socket } = await sioConnect(ctx, WEBSOCKET, "/");
    assert.match(socket.io.engine.id, /^nodeopt-\d{12}$/);
    assert.notEqual(socket.io.engine.id, sid);
    // The socket id is still a random one, not the engine's.
    assert.doesNotMatch(socket.id, /^nodeopt-/);
  });

  serverTest(srv, "connection_error: every refused request is reported with Node's code, message and context", async (ctx) => {
    const { socket } = await sioConnect(ctx, WEBSOCKET, "/");
    await sioAck(socket, "connection-errors"); // forget what came before
    const s = await rawSession(ctx.server);
    const cases = [
      ["GET", "EIO=4&transport=carrier-pigeon", 400],
      ["GET", "EIO=4", 400],
      ["GET", "EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA", 400],
      ["PUT", "EIO=4&transport=polling", 400],
      ["GET", "EIO=4&transport=websocket", 400],
      ["GET", "EIO=3&transport=polling", 400],
      ["GET", "transport=polling", 400],
      ["GET", `EIO=3&transport=polling&sid=${s.sid}`, 400],
    ];
    for (const [method, query, status] of cases) {
      const res = await request(ctx.server.sioUrl(query), { method });
      assert.equal(res.status, status, `${method} ${query}: ${res.text}`);
    }
    const [errors] = await sioAck(socket, "connection-errors");
    assert.deepEqual(errors, [
      { code: 0, message: "Transport unknown", context: { transport: "carrier-pigeon" } },
      { code: 0, message: "Transport unknown", context: {} },
      { code: 1, message: "Session ID unknown", context: { sid: "AAAAAAAAAAAAAAAAAAAA" } },
      { code: 2, message: "Bad handshake method", context: { method: "PUT" } },
      { code: 3, message: "Bad request", context: { name: "TRANSPORT_HANDSHAKE_ERROR" } },
      { code: 5, message: "Unsupported protocol version", context: { protocol: 3 } },
      { code: 5, message: "Unsupported protocol version", context: { protocol: 3 } },
      { code: 3, message: "Bad request", context: { name: "PROTOCOL_MISMATCH", protocol: 3, previousProtocol: 4 } },
    ]);
  });

  serverTest(srv, "connection_error: polling a session that moved to websocket is TRANSPORT_MISMATCH", async (ctx) => {
    const { socket } = await sioConnect(ctx, WEBSOCKET, "/");
    await sioAck(socket, "connection-errors");
    const s = await rawSession(ctx.server);
    const ws = openWs(ctx, ctx.server.sioWsUrl(`EIO=4&transport=websocket&sid=${s.sid}`));
    await ws.open();
    ws.send("2probe");
    assert.equal((await ws.next()).data, "3probe");
    ws.send("5");
    // The upgrade is done once the server answers on the websocket.
    ws.send("40");
    assert.match((await ws.next()).data, /^40\{"sid":/);
    const res = await request(s.url);
    assert.equal(res.status, 400);
    assert.deepEqual(JSON.parse(res.text), { code: 3, message: "Bad request" });
    const [errors] = await sioAck(socket, "connection-errors");
    assert.deepEqual(errors, [
      {
        code: 3,
        message: "Bad request",
        context: { name: "TRANSPORT_MISMATCH", transport: "polling", previousTransport: "websocket" },
      },
    ]);
  });

  serverTest(srv, "cleanupEmptyChildNamespaces: a dynamic child goes when its last socket leaves", async (ctx) => {
    // Two connections, each with a socket of `/` and one of the child /dyn-4711; a question
    // asked on a connection after its socket left the child is answered after the server
    // handled the leaving (same connection, in order).
    const { socket: rootA } = await sioConnect(ctx, WEBSOCKET, "/");
    const { socket: rootB } = await sioConnect(ctx, WEBSOCKET, "/");
    const dynA = rootA.io.socket("/dyn-4711");
    const dynB = rootB.io.socket("/dyn-4711");
    await Promise.all([sioWaitConnect(dynA), sioWaitConnect(dynB)]);
    assert.deepEqual(await sioAck(rootA, "nsp-exists", "/dyn-4711"), [true]);
    dynA.disconnect();
    assert.deepEqual(await sioAck(rootA, "nsp-exists", "/dyn-4711"), [true], "one socket is left");
    dynB.disconnect();
    assert.deepEqual(await sioAck(rootB, "nsp-exists", "/dyn-4711"), [false], "the last socket left");
    assert.deepEqual(await sioAck(rootB, "nsp-exists", "/"), [true], "the main namespace stays");
    // Connecting again makes a new child.
    dynA.connect();
    await sioWaitConnect(dynA);
    assert.deepEqual(await sioAck(rootA, "nsp-exists", "/dyn-4711"), [true]);
  });

  /**
   * Asks the raw socket `s` to emit a `size`-character "big" event (`event`: "big" for
   * socket.compress(flag), "big-all" for io.compress(flag)) and polls it with gzip accepted.
   * Returns the answer; retried when the heartbeat's ping slips in (a ping is sent with
   * compress, as in Node, and would change the outcome).
   */
  async function bigAnswer(server, event, compress) {
    for (let attempt = 0; attempt < 5; attempt++) {
      const s = await rawSocket(server);
      const post = await request(s.url, { method: "POST", body: `42${JSON.stringify([event, 3000, compress])}` });
      assert.equal(post.text, "ok");
      const res = await request(s.url, { headers: { "Accept-Encoding": "gzip" } });
      assert.equal(res.status, 200);
      const packets = decode(res).split(RS);
      if (packets.includes("2")) continue;
      assert.deepEqual(packets, [`42["big","${"x".repeat(3000)}"]`]);
      return res;
    }
    throw new Error("a ping came along every time");
  }

  serverTest(srv, "compress(false): a polling answer of compress:false packets is not compressed above the threshold", async (ctx) => {
    for (const event of ["big", "big-all"]) {
      const plain = await bigAnswer(ctx.server, event, false);
      assert.equal(plain.headers["content-encoding"], undefined, `${event} compress(false)`);
      const gzip = await bigAnswer(ctx.server, event, true);
      assert.equal(gzip.headers["content-encoding"], "gzip", `${event} compress(true)`);
    }
  });

  serverTest(srv, "disconnect description: a transport error is described, a transport close is not", async (ctx) => {
    const { socket: obs, events } = await sioConnect(ctx, WEBSOCKET, "/");
    await sioAck(obs, "join", "observers");
    const next = async (id) => {
      for (;;) {
        const [left] = await events.next("left-described", 3000);
        if (left.id === id) return left;
      }
    };
    // Two polling GETs at once: the second is an overlap (unless the heartbeat's ping
    // answered the first one in between: then again with a new session).
    for (let attempt = 0; ; attempt++) {
      assert.ok(attempt < 5, "a ping came along every time");
      const raw = await rawSocket(ctx.server);
      const answers = await Promise.all([request(raw.url), request(raw.url)]);
      if (!answers.some((a) => a.status === 400)) continue;
      assert.deepEqual(answers.map((a) => [a.status, a.text]).sort(), [[200, "1"], [400, ""]]);
      assert.deepEqual(await next(raw.id), { id: raw.id, reason: "transport error", description: "overlap from client" });
      break;
    }
    // A client that closes its websocket.
    const { socket: leaving } = await sioConnect(ctx, WEBSOCKET, "/");
    const id = leaving.id;
    leaving.io.engine.close();
    assert.deepEqual(await next(id), { id, reason: "transport close", description: null });
  });

  serverTest(srv, "addTrailingSlash (default true): the path without its slash is not the server's", async (ctx) => {
    const res = await request(`${ctx.server.base}/socket.io?EIO=4&transport=polling`);
    assert.equal(res.status, 404);
    const ok = await request(`${ctx.server.base}/socket.io/?EIO=4&transport=polling`);
    assert.equal(ok.status, 200);
  });
});

describe("addTrailingSlash false (--no-trailing-slash)", () => {
  const srv = useServer("sio-full", ["--no-trailing-slash"]);

  serverTest(srv, "addTrailingSlash false: /socket.io?EIO=4 (no slash) is a handshake, /socket.io/ still is", async (ctx) => {
    for (const path of ["/socket.io?", "/socket.io/?"]) {
      const res = await request(`${ctx.server.base}${path}EIO=4&transport=polling`);
      assert.equal(res.status, 200, path);
      assert.match(res.text, /^0\{"sid":"[A-Za-z0-9_-]{20}"/, path);
    }
    // The official client connects with a path without the slash.
    const { socket } = await sioSocket(ctx, POLLING, "/", { path: "/socket.io", addTrailingSlash: false });
    await sioWaitConnect(socket);
  });
});
