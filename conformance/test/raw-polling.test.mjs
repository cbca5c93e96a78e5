// Raw HTTP checks of the Engine.IO v4 polling transport (protocol.md 1.3, 1.5-1.7, 1.9, 1.11).
import assert from "node:assert/strict";
import { describe } from "node:test";
import {
  useServer,
  serverTest,
  request,
  pollingHandshake,
  pollGet,
  pollPost,
  pollUrl,
  errorBody,
  normType,
  sleep,
  RS,
  ERROR_MESSAGES,
  MAX_PAYLOAD,
  PING_INTERVAL,
  PING_TIMEOUT,
} from "./harness.mjs";

const srv = useServer("eio");

const HANDSHAKE_RE =
  /^0\{"sid":"([A-Za-z0-9_-]{20})","upgrades":\["websocket"\],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000\}$/;

function assertError(res, code, httpStatus = 400) {
  assert.equal(res.status, httpStatus, `status for code ${code} (body ${JSON.stringify(res.text)})`);
  assert.equal(normType(res.headers["content-type"]), "application/json", "error content type");
  assert.equal(res.text, JSON.stringify({ code, message: ERROR_MESSAGES[code] }), "exact error body");
}

/** Drops ping packets ("2") from a v4 payload; returns the remaining packets. */
function packets(text, { dropPings = true } = {}) {
  const p = text.split(RS);
  return dropPings ? p.filter((x) => x !== "2") : p;
}

/** Session is gone: a GET for the sid is answered 400 code 1. */
async function assertGone(s, sid, what = "") {
  const res = await pollGet(s, sid, { timeout: 1000 });
  assert.equal(res.status, 400, `${what}: GET for the closed sid answered ${res.status} ${JSON.stringify(res.text)}`);
  assert.equal(res.text, '{"code":1,"message":"Session ID unknown"}', what);
}

describe("v4 polling handshake", () => {
  serverTest(srv, "GET handshake: 200, text/plain UTF-8, exact open packet with key order", async ({ server }) => {
    const res = await request(server.url("EIO=4&transport=polling"));
    assert.equal(res.status, 200);
    assert.equal(normType(res.headers["content-type"]), "text/plain;charset=utf-8");
    assert.match(res.text, HANDSHAKE_RE);
  });

  serverTest(srv, "handshake ignores the t cache buster and unknown query parameters", async ({ server }) => {
    const res = await request(server.url("EIO=4&transport=polling&t=OeX9k2a&foo=bar"));
    assert.equal(res.status, 200);
    assert.match(res.text, HANDSHAKE_RE);
  });

  serverTest(srv, "two handshakes give two different sids", async ({ server }) => {
    const a = await pollingHandshake(server);
    const b = await pollingHandshake(server);
    assert.notEqual(a.sid, b.sid);
  });
});

describe("v4 polling data flow", () => {
  serverTest(srv, "POST 4hello: 200 text/html `ok`, echoed on the next GET", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const post = await pollPost(server, sid, "4hello");
    assert.equal(post.status, 200);
    assert.equal(normType(post.headers["content-type"]), "text/html");
    assert.equal(post.text, "ok");
    const get = await pollGet(server, sid);
    assert.equal(get.status, 200);
    assert.equal(normType(get.headers["content-type"]), "text/plain;charset=utf-8");
    assert.deepEqual(packets(get.text), ["4hello"]);
  });

  serverTest(srv, "binary message as b+base64 in a payload is echoed as b+base64", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    assert.equal((await pollPost(server, sid, "bAQIDBA==")).text, "ok");
    const get = await pollGet(server, sid);
    assert.deepEqual(packets(get.text), ["bAQIDBA=="]);
  });

  serverTest(srv, "several packets in one POST come back in one GET, in order", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const body = ["4a", "4b", "bAQI=", "4€ü", "4c"].join(RS);
    assert.equal((await pollPost(server, sid, body)).text, "ok");
    await sleep(50); // let an asynchronous echo handler queue all five
    const get = await pollGet(server, sid);
    assert.deepEqual(packets(get.text), ["4a", "4b", "bAQI=", "4€ü", "4c"], "all five in one GET");
  });

  serverTest(srv, "a pending GET is released by a message", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const pending = pollGet(server, sid);
    await sleep(30);
    assert.equal((await pollPost(server, sid, "4wake")).text, "ok");
    const get = await pending;
    assert.equal(get.status, 200);
    // the echo may be split over two GETs if the server flushes per packet; here it is one packet
    assert.deepEqual(packets(get.text), ["4wake"]);
  });

  serverTest(srv, "POST body of exactly maxPayload bytes is accepted and echoed", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const body = "4" + "x".repeat(MAX_PAYLOAD - 1);
    const post = await pollPost(server, sid, body, { timeout: 4000 });
    assert.equal(post.status, 200);
    assert.equal(post.text, "ok");
    const get = await pollGet(server, sid, { timeout: 4000 });
    assert.deepEqual(packets(get.text), [body]);
  });

  serverTest(srv, "POST body over maxPayload: 413, dropped, session stays usable", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    // 1 byte over, counted in UTF-8 bytes (the € is 3 bytes)
    const big = "4" + "x".repeat(MAX_PAYLOAD - 3) + "€";
    assert.equal(Buffer.byteLength(big), MAX_PAYLOAD + 1);
    assert.ok(big.length < MAX_PAYLOAD);
    const post = await pollPost(server, sid, big, { timeout: 4000, allowReset: true });
    assert.ok(!post.reset, `connection reset instead of a 413: ${post.error?.message}`);
    assert.equal(post.status, 413);
    assert.equal(post.text, "");
    // still usable, and the big message was not delivered
    assert.equal((await pollPost(server, sid, "4after")).text, "ok");
    const get = await pollGet(server, sid);
    assert.deepEqual(packets(get.text), ["4after"]);
  });
});

describe("v4 polling heartbeat", () => {
  serverTest(srv, "first ping: a GET after the handshake returns exactly `2` after ~pingInterval", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const t0 = Date.now();
    const get = await pollGet(server, sid);
    const dt = Date.now() - t0;
    assert.equal(get.status, 200);
    assert.equal(get.text, "2");
    assert.ok(dt >= PING_INTERVAL - 80, `ping after ${dt} ms, pingInterval is ${PING_INTERVAL}`);
    assert.ok(dt < PING_INTERVAL + 250, `ping after ${dt} ms, pingInterval is ${PING_INTERVAL}`);
  });

  serverTest(srv, "answering pings with `3` keeps the session alive over several intervals", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const t0 = Date.now();
    let pings = 0;
    while (Date.now() - t0 < 1500) {
      const get = await pollGet(server, sid);
      assert.equal(get.status, 200, `GET after ${Date.now() - t0} ms: ${get.status} ${get.text}`);
      assert.equal(get.text, "2");
      pings++;
      const post = await pollPost(server, sid, "3");
      assert.equal(post.text, "ok");
    }
    assert.ok(pings >= 4, `${pings} pings in 1.5 s`);
    assert.equal((await pollPost(server, sid, "4alive")).text, "ok");
    assert.deepEqual(packets((await pollGet(server, sid)).text), ["4alive"]);
  });

  serverTest(srv, "no pong: session gone pingInterval + pingTimeout after the handshake (GET 400 code 1)", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const t0 = Date.now();
    // alive before the deadline: the ping comes, but we do not answer it
    const first = await pollGet(server, sid);
    assert.equal(first.text, "2");
    const deadline = PING_INTERVAL + PING_TIMEOUT + 120;
    await sleep(Math.max(0, deadline - (Date.now() - t0)));
    await assertGone(server, sid, `GET ${Date.now() - t0} ms after the handshake`);
  });

  serverTest(srv, "ordinary traffic is not a pong: session still times out", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const t0 = Date.now();
    const first = await pollGet(server, sid);
    assert.equal(first.text, "2");
    assert.equal((await pollPost(server, sid, "4busy")).text, "ok");
    await sleep(Math.max(0, PING_INTERVAL + PING_TIMEOUT + 120 - (Date.now() - t0)));
    await assertGone(server, sid, "after messages without pong");
  });
});

describe("v4 polling closing and error handling", () => {
  serverTest(srv, "server close (__close__): the pending GET gets the close packet `1`, then 400 code 1", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const pending = pollGet(server, sid);
    await sleep(30);
    // Node destroys the POST request while closing: a reset of this POST is tolerated
    const post = await pollPost(server, sid, "4__close__", { allowReset: true });
    if (!post.reset) assert.equal(post.status, 200);
    const get = await pending;
    assert.equal(get.status, 200);
    assert.deepEqual(packets(get.text), ["1"]);
    await assertGone(server, sid, "after server close");
  });

  serverTest(srv, "server close without a pending GET: the next GET gets `1`", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const post = await pollPost(server, sid, "4__close__", { allowReset: true });
    if (!post.reset) assert.equal(post.status, 200);
    const get = await pollGet(server, sid, { timeout: 1000 });
    // Node answers `6\x1e1` (noop + close); a clean implementation may answer `1` or have dropped the session already
    if (get.status === 200) assert.deepEqual(packets(get.text).filter((p) => p !== "6"), ["1"]);
    else assert.equal(get.text, '{"code":1,"message":"Session ID unknown"}');
    await assertGone(server, sid, "after the close packet was delivered");
  });

  serverTest(srv, "POST `1` (client close): pending GET answered `6`, POST ok, then 400 code 1", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const pending = pollGet(server, sid);
    await sleep(30);
    const post = await pollPost(server, sid, "1");
    assert.equal(post.status, 200);
    assert.equal(post.text, "ok");
    const get = await pending;
    assert.equal(get.status, 200);
    assert.equal(get.text, "6");
    await assertGone(server, sid, "after client close");
  });

  serverTest(srv, "POST `1` followed by a message in the same payload: the message is ignored", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    assert.equal((await pollPost(server, sid, `1${RS}4ignored`)).text, "ok");
    await assertGone(server, sid, "after client close");
  });

  serverTest(srv, "duplicate GET: the second is refused, the first answered `1`, then 400 code 1", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const first = pollGet(server, sid);
    await sleep(50);
    const second = await pollGet(server, sid, { timeout: 1000 });
    assert.ok(second.status === 400 || second.status === 500, `second GET answered ${second.status}`);
    const firstRes = await first;
    assert.equal(firstRes.status, 200);
    assert.equal(firstRes.text, "1");
    await assertGone(server, sid, "after duplicate GET");
  });

  for (const [label, body] of [
    ["abc", "abc"],
    ["empty body", ""],
    ["unknown packet type 7", "7"],
    ["good packet then bad one", `4fine${RS}abc`],
  ]) {
    serverTest(srv, `parse error POST (${label}) closes the session`, async ({ server }) => {
      const { sid } = await pollingHandshake(server);
      const post = await pollPost(server, sid, body, { allowReset: true });
      // Node answers 200 `ok` (and may destroy the request); a 400 or a reset is tolerated
      if (!post.reset) assert.ok([200, 400].includes(post.status), `POST answered ${post.status}`);
      await assertGone(server, sid, `after POST ${JSON.stringify(body)}`);
    });
  }

  serverTest(srv, "v4 client ping over POST (`2`) closes the session (invalid heartbeat direction)", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const post = await pollPost(server, sid, "2", { allowReset: true });
    if (!post.reset) assert.ok([200, 400].includes(post.status), `POST answered ${post.status}`);
    await assertGone(server, sid, "after client ping");
  });

  serverTest(srv, "binary content type POST on v4: 400, empty body, session closed", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const post = await pollPost(server, sid, Buffer.from([0, 1, 255, 4, 1]), {
      headers: { "Content-Type": "application/octet-stream" },
    });
    assert.equal(post.status, 400);
    assert.equal(post.text, "");
    await assertGone(server, sid, "after binary POST");
  });

  serverTest(srv, "known sid with method PUT: 500 with empty body, session kept", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const res = await request(pollUrl(server, sid), { method: "PUT", body: "4x" });
    assert.equal(res.status, 500);
    assert.equal(res.text, "");
    assert.equal((await pollPost(server, sid, "4still")).text, "ok");
    assert.deepEqual(packets((await pollGet(server, sid)).text), ["4still"]);
  });
});

describe("v4 error table (protocol.md 1.6)", () => {
  serverTest(srv, "code 0: unknown transport", async ({ server }) => {
    assertError(await request(server.url("EIO=4&transport=foo")), 0);
    assertError(await request(server.url("EIO=4&transport=flashsocket")), 0);
  });

  serverTest(srv, "code 0: missing transport", async ({ server }) => {
    assertError(await request(server.url("EIO=4")), 0);
    assertError(await request(server.url("")), 0);
  });

  serverTest(srv, "code 0 wins over a bad sid and a bad EIO (validation order)", async ({ server }) => {
    assertError(await request(server.url("EIO=3&transport=foo&sid=nope")), 0);
  });

  serverTest(srv, "code 1: unknown sid on GET and POST", async ({ server }) => {
    assertError(await request(server.url("EIO=4&transport=polling&sid=nope")), 1);
    assertError(
      await request(server.url("EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA"), { method: "POST", body: "4x" }),
      1,
    );
  });

  serverTest(srv, "code 2: POST without sid (bad handshake method)", async ({ server }) => {
    assertError(await request(server.url("EIO=4&transport=polling"), { method: "POST", body: "4x" }), 2);
  });

  serverTest(srv, "code 3: transport=websocket on a plain GET without upgrade", async ({ server }) => {
    assertError(await request(server.url("EIO=4&transport=websocket")), 3);
  });

  serverTest(srv, "code 5: EIO=3 on profile eio", async ({ server }) => {
    assertError(await request(server.url("EIO=3&transport=polling")), 5);
  });

  serverTest(srv, "code 5: missing EIO and unknown EIO values on profile eio", async ({ server }) => {
    assertError(await request(server.url("transport=polling")), 5);
    assertError(await request(server.url("EIO=5&transport=polling")), 5);
    assertError(await request(server.url("EIO=abc&transport=polling")), 5);
  });
});

describe("CORS", () => {
  const origin = "http://example.test:8080";
  const okOrigin = (v) => v === "*" || v === origin;

  serverTest(srv, "handshake with an Origin header carries Access-Control-Allow-Origin", async ({ server }) => {
    const res = await request(server.url("EIO=4&transport=polling"), { headers: { Origin: origin } });
    assert.equal(res.status, 200);
    assert.ok(okOrigin(res.headers["access-control-allow-origin"]), `ACAO: ${res.headers["access-control-allow-origin"]}`);
  });

  serverTest(srv, "POST and GET on a session carry Access-Control-Allow-Origin", async ({ server }) => {
    const { sid } = await pollingHandshake(server);
    const post = await pollPost(server, sid, "4cors", { headers: { Origin: origin } });
    assert.equal(post.text, "ok");
    assert.ok(okOrigin(post.headers["access-control-allow-origin"]));
    const get = await pollGet(server, sid, { headers: { Origin: origin } });
    assert.ok(okOrigin(get.headers["access-control-allow-origin"]));
    assert.deepEqual(packets(get.text), ["4cors"]);
  });

  serverTest(srv, "error responses carry Access-Control-Allow-Origin too", async ({ server }) => {
    const res = await request(server.url("EIO=4&transport=polling&sid=nope"), { headers: { Origin: origin } });
    assertError(res, 1);
    assert.ok(okOrigin(res.headers["access-control-allow-origin"]));
  });

  serverTest(srv, "OPTIONS preflight: 204 with allow-origin and allow-methods", async ({ server }) => {
    const res = await request(server.url("EIO=4&transport=polling"), {
      method: "OPTIONS",
      headers: {
        Origin: origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
      },
    });
    assert.equal(res.status, 204);
    assert.ok(okOrigin(res.headers["access-control-allow-origin"]), `ACAO: ${res.headers["access-control-allow-origin"]}`);
    const methods = String(res.headers["access-control-allow-methods"] ?? "").toUpperCase();
    assert.match(methods, /\bPOST\b/);
    assert.match(methods, /\bGET\b/);
  });
});
