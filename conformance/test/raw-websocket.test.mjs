// Raw WebSocket checks of Engine.IO v4 (protocol.md 1.3, 1.5, 1.6, 1.8-1.10).
import assert from "node:assert/strict";
import { describe } from "node:test";
import {
  useServer,
  serverTest,
  openWs,
  pollingHandshake,
  pollGet,
  pollPost,
  sleep,
  RS,
  MAX_PAYLOAD,
  PING_INTERVAL,
  PING_TIMEOUT,
} from "./harness.mjs";

const srv = useServer("eio");

const WS_HANDSHAKE_RE =
  /^0\{"sid":"([A-Za-z0-9_-]{20})","upgrades":\[\],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000\}$/;

/** Opens a websocket session; returns { ws, sid }. */
async function wsSession(ctx, { autoPong = true } = {}) {
  const ws = openWs(ctx, ctx.server.wsUrl("EIO=4&transport=websocket"), { autoPong });
  await ws.open();
  const open = await ws.nextText();
  const m = WS_HANDSHAKE_RE.exec(open);
  assert.ok(m, `open packet: ${open}`);
  return { ws, sid: m[1] };
}

/**
 * A websocket attempt that must not produce a session: either refused at HTTP
 * level (status in `statuses`), or accepted then closed without any packet.
 */
async function assertNoSession(ws, { statuses = [400], allowAcceptThenClose = true, what = "", message } = {}) {
  const o = await Promise.race([ws.outcome, sleep(2000).then(() => ({ type: "timeout" }))]);
  if (o.type === "refused") {
    assert.ok(statuses.includes(o.status), `${what}: refused with ${o.status}, expected one of ${statuses}`);
    if (message !== undefined) assert.equal(o.body, message, `${what}: body of the refusal`);
    return o;
  }
  if (o.type === "error") {
    // socket destroyed during the handshake, without an HTTP answer
    assert.ok(allowAcceptThenClose, `${what}: connection dropped (${o.error.message}) instead of an HTTP 400`);
    return o;
  }
  assert.ok(o.type === "open", `${what}: no outcome within 2 s`);
  assert.ok(allowAcceptThenClose, `${what}: the upgrade was accepted (101) instead of refused`);
  const close = await ws.waitClosed(1500);
  assert.equal(ws.queue.length, 0, `${what}: got packets ${JSON.stringify(ws.queue)}`);
  return { type: "closed", close };
}

describe("v4 websocket session", () => {
  serverTest(srv, "handshake: first frame is the open packet with upgrades []", async (ctx) => {
    await wsSession(ctx);
  });

  serverTest(srv, "text frame 4hello echoed as text, binary frame echoed as binary (raw bytes, no type byte)", async (ctx) => {
    const { ws } = await wsSession(ctx);
    ws.send("4hello");
    assert.equal(await ws.nextText(), "4hello");
    ws.send("4€ 😀");
    assert.equal(await ws.nextText(), "4€ 😀");
    ws.send(Buffer.from([1, 2, 3, 4]));
    const m = await ws.next();
    assert.equal(m.binary, true, `binary echo came back as text ${JSON.stringify(m.data)}`);
    assert.deepEqual([...m.data], [1, 2, 3, 4]);
    ws.send(Buffer.from([]));
    const e = await ws.next();
    assert.equal(e.binary, true);
    assert.equal(e.data.length, 0);
  });

  serverTest(srv, "burst of 100 frames echoed in order", async (ctx) => {
    const { ws } = await wsSession(ctx);
    for (let i = 0; i < 100; i++) ws.send(`4n${i}`);
    for (let i = 0; i < 100; i++) assert.equal(await ws.nextText(), `4n${i}`);
  });

  serverTest(srv, "first ping `2` arrives ~pingInterval after open", async (ctx) => {
    const ws = openWs(ctx, ctx.server.wsUrl("EIO=4&transport=websocket"));
    await ws.open();
    assert.match(await ws.nextText(), WS_HANDSHAKE_RE);
    const t0 = Date.now();
    assert.equal(await ws.nextText(1000), "2");
    const dt = Date.now() - t0;
    assert.ok(dt >= PING_INTERVAL - 80 && dt < PING_INTERVAL + 250, `ping after ${dt} ms`);
  });

  serverTest(srv, "ponging keeps the websocket session open for 1.5 s", async (ctx) => {
    const ws = openWs(ctx, ctx.server.wsUrl("EIO=4&transport=websocket"));
    await ws.open();
    await ws.nextText();
    const t0 = Date.now();
    let pings = 0;
    while (Date.now() - t0 < 1500) {
      assert.equal(await ws.nextText(1000), "2");
      pings++;
      ws.send("3");
    }
    assert.ok(pings >= 4, `${pings} pings`);
    ws.send("4alive");
    assert.equal(await ws.nextText(), "4alive");
  });

  serverTest(srv, "no pong: the websocket is closed after pingInterval + pingTimeout", async (ctx) => {
    const ws = openWs(ctx, ctx.server.wsUrl("EIO=4&transport=websocket"));
    await ws.open();
    await ws.nextText();
    const t0 = Date.now();
    assert.equal(await ws.nextText(1000), "2");
    await ws.waitClosed(PING_INTERVAL + PING_TIMEOUT + 300);
    const dt = Date.now() - t0;
    assert.ok(dt >= PING_INTERVAL + PING_TIMEOUT - 100, `closed too early (${dt} ms)`);
  });

  serverTest(srv, "__close__ closes the websocket (server-initiated close)", async (ctx) => {
    const { ws, sid } = await wsSession(ctx);
    ws.send("4__close__");
    await ws.waitClosed(1000);
    for (const m of ws.queue) assert.ok(!m.binary && m.data === "1", `unexpected frame before close: ${JSON.stringify(m)}`);
    const res = await pollGet(ctx.server, sid, { timeout: 1000 });
    assert.equal(res.status, 400);
    assert.equal(res.text, '{"code":1,"message":"Session ID unknown"}');
  });

  serverTest(srv, "invalid text frame `abc` closes the connection (parse error)", async (ctx) => {
    const { ws, sid } = await wsSession(ctx);
    ws.send("abc");
    await ws.waitClosed(1000);
    const res = await pollGet(ctx.server, sid, { timeout: 1000 });
    assert.equal(res.text, '{"code":1,"message":"Session ID unknown"}');
  });

  serverTest(srv, "frame of exactly maxPayload bytes accepted; one byte more closes the connection", async (ctx) => {
    const { ws, sid } = await wsSession(ctx);
    const exact = "4" + "y".repeat(MAX_PAYLOAD - 1);
    ws.send(exact);
    assert.equal(await ws.nextText(3000), exact);
    ws.send("4" + "y".repeat(MAX_PAYLOAD));
    const close = await ws.waitClosed(2000);
    // ws answers 1009 (message too big); any close is accepted, the session must be gone
    assert.ok(close.code >= 1000, `close code ${close.code}`);
    await sleep(50);
    const res = await pollGet(ctx.server, sid, { timeout: 1000 });
    assert.equal(res.text, '{"code":1,"message":"Session ID unknown"}');
  });

  serverTest(srv, "client closing the websocket ends the session", async (ctx) => {
    const { ws, sid } = await wsSession(ctx);
    ws.ws.close();
    await ws.waitClosed(1000);
    await sleep(50);
    const res = await pollGet(ctx.server, sid, { timeout: 1000 });
    assert.equal(res.text, '{"code":1,"message":"Session ID unknown"}');
  });
});

describe("v4 websocket refusals", () => {
  serverTest(srv, "unknown transport / missing transport on an upgrade request: HTTP 400", async (ctx) => {
    for (const q of ["EIO=4&transport=foo", "EIO=4"]) {
      const ws = openWs(ctx, ctx.server.wsUrl(q));
      await assertNoSession(ws, { allowAcceptThenClose: false, what: q, message: "Transport unknown" });
    }
  });

  serverTest(srv, "upgrade with an unknown sid: HTTP 400", async (ctx) => {
    const ws = openWs(ctx, ctx.server.wsUrl("EIO=4&transport=websocket&sid=AAAAAAAAAAAAAAAAAAAA"));
    await assertNoSession(ws, { allowAcceptThenClose: false, what: "unknown sid", message: "Session ID unknown" });
  });

  serverTest(srv, "EIO=3 or no EIO on a websocket, profile eio: no session (400, or 101 then closed)", async (ctx) => {
    for (const q of ["EIO=3&transport=websocket", "transport=websocket"]) {
      const ws = openWs(ctx, ctx.server.wsUrl(q));
      await assertNoSession(ws, { what: q });
    }
  });

  serverTest(srv, "upgrade request with transport=polling: no session (400, or 101 then closed)", async (ctx) => {
    const ws = openWs(ctx, ctx.server.wsUrl("EIO=4&transport=polling"));
    await assertNoSession(ws, { what: "transport=polling" });
  });
});

describe("v4 upgrade polling -> websocket (raw)", () => {
  serverTest(srv, "probe, noop for the pending GET, upgrade, then polling refused with code 3", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    const pending = pollGet(server, sid); // held: nothing queued yet
    await sleep(20);
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    await ws.open();
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    const get = await pending;
    assert.equal(get.status, 200);
    assert.equal(get.text, "6", "a GET pending during the upgrade is released with a noop");
    ws.send("5");
    await sleep(50);
    ws.send("4upgraded");
    assert.equal(await ws.nextText(), "4upgraded");
    const after = await pollGet(server, sid, { timeout: 1000 });
    assert.equal(after.status, 400);
    assert.equal(after.text, '{"code":3,"message":"Bad request"}');
    const post = await pollPost(server, sid, "4x", { timeout: 1000 });
    assert.equal(post.status, 400);
    assert.equal(post.text, '{"code":3,"message":"Bad request"}');
  });

  serverTest(srv, "GET issued after 3probe returns exactly `6`", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    await ws.open();
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    const get = await pollGet(server, sid, { timeout: 1000 });
    assert.equal(get.status, 200);
    assert.equal(get.text, "6");
    ws.send("5");
    ws.send("4done");
    assert.equal(await ws.nextText(), "4done");
  });

  serverTest(srv, "2probe and 5 back-to-back; packets buffered before the switch are flushed on the websocket", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    // queue an echo on the polling transport that nobody GETs
    assert.equal((await pollPost(server, sid, `4one${RS}4two`)).text, "ok");
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    await ws.open();
    ws.send("2probe");
    ws.send("5");
    assert.equal(await ws.nextText(), "3probe");
    const got = [await ws.nextText(), await ws.nextText()];
    assert.deepEqual(got, ["4one", "4two"]);
    ws.send("4three");
    assert.equal(await ws.nextText(), "4three");
  });

  serverTest(srv, "upgraded session keeps its heartbeat on the websocket (pings answered, alive after 1 s)", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`));
    await ws.open();
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    ws.send("5");
    const t0 = Date.now();
    let pings = 0;
    while (Date.now() - t0 < 1000) {
      const m = await ws.nextText(1000);
      assert.equal(m, "2");
      pings++;
      ws.send("3");
    }
    assert.ok(pings >= 2, `${pings} pings`);
    ws.send("4ok");
    assert.equal(await ws.nextText(), "4ok");
  });

  serverTest(srv, "upgraded session that stops ponging is closed by the heartbeat timeout", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`));
    await ws.open();
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    ws.send("5");
    const t0 = Date.now();
    assert.equal(await ws.nextText(1000), "2");
    await ws.waitClosed(PING_TIMEOUT + 300);
    assert.ok(Date.now() - t0 >= PING_TIMEOUT - 80, `closed ${Date.now() - t0} ms after the ping`);
    const res = await pollGet(server, sid, { timeout: 1000 });
    assert.equal(res.text, '{"code":1,"message":"Session ID unknown"}');
  });

  serverTest(srv, "a second websocket for an upgraded sid is closed; the first keeps working", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    await ws.open();
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    ws.send("5");
    await sleep(50);
    const ws2 = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    const o = await Promise.race([ws2.outcome, sleep(2000).then(() => ({ type: "timeout" }))]);
    if (o.type === "open") {
      ws2.send("2probe");
      await ws2.waitClosed(1000);
      assert.ok(!ws2.queue.some((m) => m.data === "3probe"), "second websocket must not answer the probe");
    } else {
      assert.ok(o.type === "refused" || o.type === "error", `second websocket: ${o.type}`);
    }
    ws.send("4first");
    assert.equal(await ws.nextText(), "4first");
  });

  serverTest(srv, "a second websocket while the first is still upgrading is closed", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    await ws.open();
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    const ws2 = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    const o = await Promise.race([ws2.outcome, sleep(2000).then(() => ({ type: "timeout" }))]);
    if (o.type === "open") {
      ws2.send("2probe");
      await ws2.waitClosed(1000);
      assert.ok(!ws2.queue.some((m) => m.data === "3probe"), "second websocket must not answer the probe");
    } else {
      assert.ok(o.type === "refused" || o.type === "error", `second websocket: ${o.type}`);
    }
    ws.send("5");
    ws.send("4first");
    assert.equal(await ws.nextText(), "4first");
  });

  serverTest(srv, "a message instead of 5 on the probing websocket aborts the upgrade; polling continues", async (ctx) => {
    const { server } = ctx;
    const { sid } = await pollingHandshake(server);
    const ws = openWs(ctx, server.wsUrl(`EIO=4&transport=websocket&sid=${sid}`), { autoPong: true });
    await ws.open();
    ws.send("2probe");
    assert.equal(await ws.nextText(), "3probe");
    ws.send("4not-an-upgrade");
    await ws.waitClosed(1000);
    // session still on polling; the stray message is not delivered
    assert.equal((await pollPost(server, sid, "4poll")).text, "ok");
    const get = await pollGet(server, sid, { timeout: 1000 });
    assert.equal(get.status, 200);
    const seen = get.text.split(RS).filter((p) => p !== "6" && p !== "2");
    assert.deepEqual(seen, ["4poll"], "polling echo, and nothing from the aborted websocket");
    assert.ok(!seen.includes("4not-an-upgrade"), "message sent on the aborted websocket must not be echoed");
  });
});
