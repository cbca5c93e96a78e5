// Raw wire checks of Socket.IO v5 over Engine.IO v4 (protocol.md section 2)
// against profile `sio-full` (SIO_CONTRACT.md): exact packets over a raw
// websocket and raw HTTP long-polling, decoder errors, namespace state errors,
// connect timeout, disconnect reasons seen by an observer.
import assert from "node:assert/strict";
import { describe } from "node:test";
import {
  useServer,
  serverTest,
  openWs,
  request,
  errorBody,
  sleep,
  sioConnect,
  sioAck,
  SIO_TRANSPORT_SETUPS,
  RS,
} from "./harness.mjs";

const srv = useServer("sio-full");
// a hanging case fails within 3 s
const sioTest = (name, fn) => serverTest(srv, name, { timeout: 3000 }, fn);
const WS_SETUP = SIO_TRANSPORT_SETUPS.find((s) => s.name === "websocket");

const CONNECT_RE = (nsp = "") => new RegExp(`^40${nsp ? nsp.replace(/[/]/g, "\\/") + "," : ""}\\{"sid":"([A-Za-z0-9_-]{20})"\\}$`);

/** Raw websocket Engine.IO session on /socket.io/ (pings answered). Returns { ws, eid }. */
async function wsSession(ctx, { autoPong = true } = {}) {
  const ws = openWs(ctx, ctx.server.sioWsUrl("EIO=4&transport=websocket"), { autoPong });
  await ws.open();
  const open = await ws.nextText();
  assert.equal(open[0], "0", `open packet: ${open}`);
  const eid = JSON.parse(open.slice(1)).sid;
  return { ws, eid };
}

/** Sends CONNECT for `nsp` (optional auth JSON text); checks the reply and the auth event. Returns the socket id. */
async function wsConnect(ws, nsp = "/", authJson = "", expectAuth = authJson || "{}") {
  const prefix = nsp === "/" ? "" : `${nsp},`;
  ws.send(`40${prefix}${authJson}`);
  const reply = await ws.nextText();
  const m = CONNECT_RE(nsp === "/" ? "" : nsp).exec(reply);
  assert.ok(m, `CONNECT reply for ${nsp}: ${reply}`);
  assert.equal(await ws.nextText(), `42${prefix}["auth",${expectAuth}]`);
  return m[1];
}

/** Asserts no frame arrives within `ms` and the connection is still open. */
async function expectSilence(ws, ms = 150) {
  await sleep(ms);
  assert.deepEqual(ws.queue, [], "unexpected frames");
  assert.equal(ws.closeInfo, null, "connection closed");
}

/** Asserts the server closes the connection (no further frame but optional close packet). */
async function expectClosed(ws, timeout = 1000) {
  await ws.waitClosed(timeout);
  const frames = ws.queue.filter((m) => m.binary || m.data !== "1");
  assert.deepEqual(frames, [], "frames before the close");
}

// ----------------------------------------------------------------- raw polling

async function pollOpen(server) {
  const res = await request(server.sioUrl("EIO=4&transport=polling"));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text[0], "0");
  return JSON.parse(res.text.slice(1)).sid;
}

const pollPath = (server, sid) => server.sioUrl(`EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);

async function pPost(server, sid, body) {
  const res = await request(pollPath(server, sid), {
    method: "POST",
    body,
    headers: { "Content-Type": "text/plain;charset=UTF-8" },
  });
  return res;
}

/**
 * GETs until `n` packets other than pings and noops were received (pings are answered);
 * returns the packets. A close packet `1` or an HTTP error ends the collection.
 */
async function pCollect(server, sid, n, timeout = 2000) {
  const out = [];
  const end = Date.now() + timeout;
  while (out.length < n) {
    if (Date.now() > end) throw new Error(`only ${JSON.stringify(out)} within ${timeout} ms`);
    const res = await request(pollPath(server, sid), { timeout: 2000 });
    if (res.status !== 200) {
      out.push(`HTTP ${res.status} ${res.text}`);
      break;
    }
    for (const p of res.text.split(RS)) {
      if (p === "2") await pPost(server, sid, "3");
      else if (p !== "6") out.push(p); // noop: Node releases a pending GET with it

    }
    if (out.includes("1")) break;
  }
  return out;
}

describe("raw websocket: CONNECT", () => {
  sioTest("40 -> 40{sid} (20 chars, not the engine id), then the auth event", async (ctx) => {
    const { ws, eid } = await wsSession(ctx);
    const sid = await wsConnect(ws);
    assert.notEqual(sid, eid);
  });

  sioTest("CONNECT payload is the auth object (key order kept)", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws, "/", '{"z":1,"token":"t","a":[null,{"b":"é"}]}');
  });

  sioTest("40/custom, -> 40/custom,{sid} and a namespaced auth event", async (ctx) => {
    const { ws } = await wsSession(ctx);
    const s1 = await wsConnect(ws, "/custom", '{"x":"y"}');
    const s2 = await wsConnect(ws, "/");
    assert.notEqual(s1, s2);
  });

  sioTest("40/custom without a comma is accepted", async (ctx) => {
    const { ws } = await wsSession(ctx);
    ws.send("40/custom");
    assert.match(await ws.nextText(), CONNECT_RE("/custom"));
    assert.equal(await ws.nextText(), '42/custom,["auth",{}]');
  });

  sioTest("unknown namespace -> 44/random,{message} and the connection stays open", async (ctx) => {
    const { ws } = await wsSession(ctx);
    ws.send("40/random,");
    assert.equal(await ws.nextText(), '44/random,{"message":"Invalid namespace"}');
    ws.send('40/random,{"a":1}');
    assert.equal(await ws.nextText(), '44/random,{"message":"Invalid namespace"}');
    ws.send("40/random");
    assert.equal(await ws.nextText(), '44/random,{"message":"Invalid namespace"}');
    await wsConnect(ws);
  });

  sioTest("dynamic namespace over the wire", async (ctx) => {
    const { ws } = await wsSession(ctx);
    ws.send("40/dyn-7,");
    assert.match(await ws.nextText(), CONNECT_RE("/dyn-7"));
    assert.equal(await ws.nextText(), '42/dyn-7,["nsp","/dyn-7"]');
    ws.send("40/dyn-x,");
    assert.equal(await ws.nextText(), '44/dyn-x,{"message":"Invalid namespace"}');
  });

  sioTest("middleware refusal -> 44/private,{message,data}; the right token connects", async (ctx) => {
    const { ws } = await wsSession(ctx);
    ws.send("40/private,");
    assert.equal(await ws.nextText(), '44/private,{"message":"not authorized","data":{"reason":"bad token"}}');
    ws.send('40/private,{"token":"nope"}');
    assert.equal(await ws.nextText(), '44/private,{"message":"not authorized","data":{"reason":"bad token"}}');
    await wsConnect(ws, "/private", '{"token":"secret"}');
  });

  sioTest("/ordered: trail event after the CONNECT reply", async (ctx) => {
    const { ws } = await wsSession(ctx);
    ws.send("40/ordered,");
    assert.match(await ws.nextText(), CONNECT_RE("/ordered"));
    assert.equal(await ws.nextText(), '42/ordered,["trail",["a","b"]]');
  });

  sioTest("CONNECT twice for the same namespace closes the connection", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send("40");
    await expectClosed(ws);
  });

  sioTest("CONNECT_ERROR (44) from the client closes the connection", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send("44");
    await expectClosed(ws);
  });

  sioTest("CONNECT with a non-object payload closes the connection", async (ctx) => {
    for (const bad of ['40"x"', "40[1]", "40{bad json", '40null']) {
      const { ws } = await wsSession(ctx);
      ws.send(bad);
      await expectClosed(ws).catch((e) => assert.fail(`${bad}: ${e.message}`));
    }
  });
});

describe("raw websocket: events and acks", () => {
  sioTest("event -> event back, exact JSON text", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    const args = '"a",1,-2.5,{"z":null,"a":[true,false,{}]},"€😀",[]';
    ws.send(`42["message",${args}]`);
    assert.equal(await ws.nextText(), `42["message-back",${args}]`);
  });

  sioTest("4212[message-with-ack,1] -> 4312[1]", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('4212["message-with-ack",1]');
    assert.equal(await ws.nextText(), "4312[1]");
    ws.send('420["message-with-ack"]');
    assert.equal(await ws.nextText(), "430[]");
    ws.send('42987654["message-with-ack","x",{"y":[2]}]');
    assert.equal(await ws.nextText(), '43987654["x",{"y":[2]}]');
  });

  sioTest("an event name may be a number", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send("42[1]");
    await expectSilence(ws);
    ws.send('42["message",1]');
    assert.equal(await ws.nextText(), '42["message-back",1]');
  });

  sioTest("binary event: 451-[..placeholder..] + frame -> same back", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('451-["binary-back",{"_placeholder":true,"num":0}]');
    ws.send(Buffer.from([1, 2, 3]));
    assert.equal(await ws.nextText(), '451-["binary-back",{"_placeholder":true,"num":0}]');
    const bin = await ws.next();
    assert.ok(bin.binary);
    assert.equal(bin.data.toString("hex"), "010203");
  });

  sioTest("binary event with two attachments, nested", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('452-["binary-back",{"a":{"_placeholder":true,"num":0}},[1,{"_placeholder":true,"num":1}]]');
    ws.send(Buffer.from([0xaa]));
    ws.send(Buffer.from([0xbb, 0xcc]));
    assert.equal(
      await ws.nextText(),
      '452-["binary-back",{"a":{"_placeholder":true,"num":0}},[1,{"_placeholder":true,"num":1}]]',
    );
    assert.equal((await ws.next()).data.toString("hex"), "aa");
    assert.equal((await ws.next()).data.toString("hex"), "bbcc");
  });

  sioTest("binary ack: 451-13[..] + frame -> 461-13[..] + frame", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('451-13["message-with-ack",{"_placeholder":true,"num":0}]');
    ws.send(Buffer.from([9]));
    assert.equal(await ws.nextText(), '461-13[{"_placeholder":true,"num":0}]');
    assert.equal((await ws.next()).data.toString("hex"), "09");
  });

  sioTest("server-emitted binary: 452-[bin,...] + 2 frames", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('42["server-emit-binary"]');
    assert.equal(
      await ws.nextText(),
      '452-["bin",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]',
    );
    assert.equal((await ws.next()).data.toString("hex"), "010203");
    assert.equal((await ws.next()).data.toString("hex"), "0405");
  });

  sioTest("server->client acks: distinct ids, answers routed by id", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('4270["ask-me","q1"]');
    ws.send('4271["ask-me","q2"]');
    const a1 = /^42(\d+)\["ask","q1"\]$/.exec(await ws.nextText());
    const a2 = /^42(\d+)\["ask","q2"\]$/.exec(await ws.nextText());
    assert.ok(a1 && a2, "ask packets with an ack id");
    assert.notEqual(a1[1], a2[1]);
    ws.send(`43${a2[1]}["second"]`);
    assert.equal(await ws.nextText(), '4371[{"answer":"second"}]');
    ws.send(`43${a1[1]}["first","ignored"]`);
    assert.equal(await ws.nextText(), '4370[{"answer":"first"}]');
    // a second answer for the same id is ignored
    ws.send(`43${a1[1]}["again"]`);
    await expectSilence(ws);
  });

  sioTest("server->client ack answered with binary (BINARY_ACK from the client)", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('425["ask-me",1]');
    const a = /^42(\d+)\["ask",1\]$/.exec(await ws.nextText());
    assert.ok(a);
    ws.send(`461-${a[1]}[{"_placeholder":true,"num":0}]`);
    ws.send(Buffer.from([7, 7]));
    assert.equal(await ws.nextText(), '461-5[{"answer":{"_placeholder":true,"num":0}}]');
    assert.equal((await ws.next()).data.toString("hex"), "0707");
  });

  sioTest("an ACK with an unknown id is ignored", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('43999["x"]');
    await expectSilence(ws, 100);
    ws.send('42["message",1]');
    assert.equal(await ws.nextText(), '42["message-back",1]');
  });
});

describe("raw websocket: DISCONNECT and state errors", () => {
  sioTest("41 -> no reply, the connection stays open, / can be joined again", async (ctx) => {
    const { ws } = await wsSession(ctx);
    const s1 = await wsConnect(ws);
    ws.send("41");
    await expectSilence(ws, 400); // past a ping round trip
    const s2 = await wsConnect(ws);
    assert.notEqual(s1, s2);
  });

  sioTest("41/custom, leaves /custom only", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    await wsConnect(ws, "/custom");
    ws.send("41/custom,");
    await expectSilence(ws);
    ws.send('42["message","still"]');
    assert.equal(await ws.nextText(), '42["message-back","still"]');
  });

  sioTest("an event for a namespace not joined closes the connection", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('42/custom,["message"]');
    await expectClosed(ws);
  });

  sioTest("DISCONNECT for a namespace not joined closes the connection", async (ctx) => {
    const { ws } = await wsSession(ctx);
    ws.send("41");
    await expectClosed(ws);
  });

  sioTest("an event after leaving the namespace closes the connection", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    await wsConnect(ws, "/custom");
    ws.send("41");
    await sleep(50);
    ws.send('42["message",1]');
    await expectClosed(ws);
  });

  for (const [what, frame] of [
    ["42abc (bad ack id / JSON)", "42abc"],
    ["42{} (data not an array)", "42{}"],
    ["42[] (no event name)", "42[]"],
    ['42["disconnect"] (reserved name)', '42["disconnect"]'],
    ["42[{}] (event name not a string)", "42[{}]"],
    ["unknown packet type 9", '49["message"]'],
    ["45 without attachment count", '45["binary-back"]'],
    ["41 with a payload", "41{}"],
  ]) {
    sioTest(`malformed packet ${what} closes the connection`, async (ctx) => {
      const { ws } = await wsSession(ctx);
      await wsConnect(ws);
      ws.send(frame);
      await expectClosed(ws);
    });
  }

  sioTest("a binary frame when no attachment is expected closes the connection", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send(Buffer.from([1]));
    await expectClosed(ws);
  });

  sioTest("a text packet while attachments are expected closes the connection", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    ws.send('451-["binary-back",{"_placeholder":true,"num":0}]');
    ws.send('42["message",1]');
    await expectClosed(ws);
  });

  sioTest("disconnect-me -> 41 and the connection stays open", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    await wsConnect(ws, "/custom");
    ws.send('42["disconnect-me"]');
    assert.equal(await ws.nextText(), "41");
    await expectSilence(ws, 100);
    await wsConnect(ws);
  });

  sioTest("close-me -> 41 for every namespace, then the connection closes", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await wsConnect(ws);
    await wsConnect(ws, "/custom");
    ws.send('42["close-me"]');
    const got = [await ws.nextText(), await ws.nextText()];
    assert.deepEqual(got, ["41", "41/custom,"]);
    await expectClosed(ws);
  });
});

describe("raw websocket: connect timeout (1000 ms)", () => {
  sioTest("a session that never sends CONNECT is closed after ~1000 ms", async (ctx) => {
    const t0 = Date.now();
    const { ws } = await wsSession(ctx);
    await ws.waitClosed(2500);
    const dt = Date.now() - t0;
    assert.ok(dt >= 800 && dt <= 2000, `closed after ${dt} ms`);
    assert.deepEqual(ws.queue.filter((m) => m.data !== "1"), []);
  });

  sioTest("refused CONNECTs only: still closed by the connect timeout", async (ctx) => {
    const t0 = Date.now();
    const { ws } = await wsSession(ctx);
    ws.send("40/random,");
    assert.equal(await ws.nextText(), '44/random,{"message":"Invalid namespace"}');
    ws.send("40/private,");
    assert.match(await ws.nextText(), /^44\/private,/);
    await ws.waitClosed(2500);
    const dt = Date.now() - t0;
    assert.ok(dt >= 800 && dt <= 2000, `closed after ${dt} ms`);
  });

  sioTest("a CONNECT within the delay keeps the session past it", async (ctx) => {
    const { ws } = await wsSession(ctx);
    await sleep(600);
    await wsConnect(ws);
    await expectSilence(ws, 800);
    ws.send('42["message","late"]');
    assert.equal(await ws.nextText(), '42["message-back","late"]');
  });

  sioTest("polling: a session that never sends CONNECT is closed after ~1000 ms", async ({ server }) => {
    const t0 = Date.now();
    const sid = await pollOpen(server);
    const packets = await pCollect(server, sid, 1, 2500);
    const dt = Date.now() - t0;
    assert.ok(packets[0] === "1" || /^HTTP 400/.test(packets[0]), `got ${JSON.stringify(packets)}`);
    assert.ok(dt >= 800 && dt <= 2000, `closed after ${dt} ms`);
  });
});

describe("raw polling", () => {
  sioTest("POST 40 -> GET 40{sid} and the auth event", async ({ server }) => {
    const sid = await pollOpen(server);
    assert.equal((await pPost(server, sid, "40")).text, "ok");
    const packets = await pCollect(server, sid, 2);
    assert.match(packets[0], CONNECT_RE());
    assert.notEqual(CONNECT_RE().exec(packets[0])[1], sid);
    assert.equal(packets[1], '42["auth",{}]');
  });

  sioTest("several packets in one POST are handled in order", async ({ server }) => {
    const sid = await pollOpen(server);
    // two CONNECTs in one payload
    assert.equal((await pPost(server, sid, ['40{"k":"v"}', "40/custom,"].join(RS))).text, "ok");
    const packets = await pCollect(server, sid, 4);
    const rootAt = packets.findIndex((p) => CONNECT_RE().test(p));
    const customAt = packets.findIndex((p) => CONNECT_RE("/custom").test(p));
    assert.ok(rootAt >= 0 && customAt >= 0, JSON.stringify(packets));
    assert.equal(packets[rootAt + 1], '42["auth",{"k":"v"}]');
    assert.equal(packets[customAt + 1], '42/custom,["auth",{}]');
    // events and acks in one payload
    const body = ['42["message",1]', '4211["message-with-ack","x"]', '42["message",2]', '4212["message-with-ack"]'].join(RS);
    assert.equal((await pPost(server, sid, body)).text, "ok");
    assert.deepEqual(await pCollect(server, sid, 4), ['42["message-back",1]', '4311["x"]', '42["message-back",2]', "4312[]"]);
  });

  sioTest("binary event over polling (base64 attachment)", async ({ server }) => {
    const sid = await pollOpen(server);
    await pPost(server, sid, "40");
    await pCollect(server, sid, 2);
    const body = ['451-["binary-back",{"_placeholder":true,"num":0}]', "bAQID"].join(RS);
    assert.equal((await pPost(server, sid, body)).text, "ok");
    const packets = await pCollect(server, sid, 2);
    assert.deepEqual(packets, ['451-["binary-back",{"_placeholder":true,"num":0}]', "bAQID"]);
  });

  sioTest("a malformed packet over polling closes the session", async ({ server }) => {
    const sid = await pollOpen(server);
    await pPost(server, sid, "40");
    await pCollect(server, sid, 2);
    await pPost(server, sid, "42abc");
    const packets = await pCollect(server, sid, 1);
    assert.ok(packets[0] === "1" || /^HTTP 400/.test(packets[0]), `got ${JSON.stringify(packets)}`);
    const after = await request(pollPath(server, sid));
    assert.equal(after.status, 400);
    assert.equal(errorBody(after).code, 1);
  });

  sioTest("EIO=3 is refused with code 5 (and so is a missing EIO)", async ({ server }) => {
    for (const q of ["EIO=3&transport=polling", "transport=polling"]) {
      const res = await request(server.sioUrl(q));
      assert.equal(res.status, 400, q);
      assert.deepEqual(errorBody(res), { code: 5, message: "Unsupported protocol version" }, q);
    }
  });
});

describe("server-side disconnect reasons of raw clients", () => {
  /** Official websocket client in room observers. */
  async function observer(ctx) {
    const c = await sioConnect(ctx, WS_SETUP);
    assert.deepEqual(await sioAck(c.socket, "join", "observers"), []);
    return c;
  }
  async function nextLeft(obs, id, timeout = 2000) {
    const end = Date.now() + timeout;
    for (;;) {
      const [info] = await obs.events.next("left", Math.max(1, end - Date.now()));
      if (info.id === id) return info;
    }
  }

  sioTest("websocket dropped -> transport close", async (ctx) => {
    const obs = await observer(ctx);
    const { ws } = await wsSession(ctx);
    const id = await wsConnect(ws);
    ws.send('4213["join","r-raw"]');
    assert.equal(await ws.nextText(), "4313[]");
    ws.terminate();
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: ["r-raw"], reason: "transport close" });
  });

  sioTest("pings not answered -> ping timeout", async (ctx) => {
    const obs = await observer(ctx);
    const { ws } = await wsSession(ctx, { autoPong: false });
    ws.send("40");
    const m = CONNECT_RE().exec(await ws.nextText());
    assert.ok(m);
    const t0 = Date.now();
    assert.deepEqual(await nextLeft(obs, m[1], 2000), { id: m[1], rooms: [], reason: "ping timeout" });
    assert.ok(Date.now() - t0 <= 1500);
  });

  sioTest("41 -> client namespace disconnect", async (ctx) => {
    const obs = await observer(ctx);
    const { ws } = await wsSession(ctx);
    const id = await wsConnect(ws);
    ws.send("41");
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: [], reason: "client namespace disconnect" });
  });

  sioTest("polling close packet -> transport close", async (ctx) => {
    const { server } = ctx;
    const obs = await observer(ctx);
    const sid = await pollOpen(server);
    await pPost(server, sid, "40");
    const [reply] = await pCollect(server, sid, 1);
    const id = CONNECT_RE().exec(reply)[1];
    assert.equal((await pPost(server, sid, "1")).text, "ok");
    assert.deepEqual(await nextLeft(obs, id), { id, rooms: [], reason: "transport close" });
  });

  // a Socket.IO decoder error closes the Engine.IO connection from the server side
  sioTest("malformed packet -> forced close", async (ctx) => {
    const obs = await observer(ctx);
    const { ws } = await wsSession(ctx);
    const id = await wsConnect(ws);
    ws.send("42abc");
    const info = await nextLeft(obs, id);
    assert.deepEqual(info, { id, rooms: [], reason: "forced close" });
  });

  sioTest("CONNECT twice -> forced close", async (ctx) => {
    const obs = await observer(ctx);
    const { ws } = await wsSession(ctx);
    const id = await wsConnect(ws);
    ws.send("40");
    const info = await nextLeft(obs, id);
    assert.deepEqual(info, { id, rooms: [], reason: "forced close" });
  });
});
