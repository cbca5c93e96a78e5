// Raw HTTP checks of the compression of polling answers (protocol.md 1.7; Node's
// `httpCompression`, on by default with threshold 1024): a polling GET answer of at least
// 1024 bytes is gzip- or deflate-encoded as the request's Accept-Encoding prefers (npm
// `accepts`: q-values, then header order, then gzip); smaller answers, requests accepting
// neither coding, error answers and POST answers go out as they are.
// Framing is not checked: Node streams a compressed answer chunked, a server may as well
// send it with a Content-Length (then it must be the compressed length).
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { describe } from "node:test";
import {
  useServer,
  serverTest,
  request,
  pollingHandshake,
  pollGet,
  pollPost,
  normType,
  RS,
} from "./harness.mjs";

const srv = useServer("eio");

const THRESHOLD = 1024;

const HANDSHAKE_RE =
  /^0\{"sid":"([A-Za-z0-9_-]{20})","upgrades":\["websocket"\],"pingInterval":300,"pingTimeout":200,"maxPayload":1000000\}$/;

/** The body of a response with its Content-Encoding undone (and checked). */
function decode(res) {
  const encoding = res.headers["content-encoding"];
  if (res.headers["content-length"] !== undefined) {
    assert.equal(Number(res.headers["content-length"]), res.body.length, "Content-Length is the length sent");
  }
  if (encoding === undefined) return res.text;
  if (encoding === "gzip") return zlib.gunzipSync(res.body).toString("utf8");
  // zlib-wrapped deflate (RFC 1950), as Node's zlib.createDeflate writes it; not raw deflate
  if (encoding === "deflate") return zlib.inflateSync(res.body).toString("utf8");
  throw new Error(`unexpected Content-Encoding ${encoding}`);
}

/**
 * POSTs `body` (one payload) on a fresh session and GETs the echo with `headers`.
 * The first ping comes 300 ms after the handshake; should it slip into the answer, the
 * whole exchange is retried so that the answer is exactly the echo (its size matters here).
 * Returns { res, text } (text: the decoded body).
 */
async function echoed(server, body, headers = {}) {
  const want = body;
  let last;
  for (let attempt = 0; attempt < 3; attempt++) {
    const { sid } = await pollingHandshake(server);
    const post = await pollPost(server, sid, body);
    assert.equal(post.status, 200);
    assert.equal(post.text, "ok");
    const res = await pollGet(server, sid, { headers });
    assert.equal(res.status, 200);
    assert.equal(normType(res.headers["content-type"]), "text/plain;charset=utf-8");
    const text = decode(res);
    last = { res, text };
    if (text === want) return last;
    // a ping came along: the answer is the echo and `2` in some order
    assert.deepEqual(text.split(RS).filter((p) => p !== "2").join(RS), want, "echo");
  }
  return last;
}

const big = (n, c = "x") => "4" + c.repeat(n - 1);

describe("httpCompression of polling answers", () => {
  serverTest(srv, "compress: a 2000-byte echo polled with Accept-Encoding gzip is gzip-encoded", async ({ server }) => {
    const msg = big(2000);
    const { res, text } = await echoed(server, msg, { "Accept-Encoding": "gzip" });
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.equal(res.body.subarray(0, 2).toString("hex"), "1f8b", "gzip magic");
    assert.ok(res.body.length < msg.length / 10, `compressed to ${res.body.length} bytes`);
    assert.equal(text, msg);
  });

  serverTest(srv, "compress: with Accept-Encoding deflate the answer is a zlib (not raw deflate) stream", async ({ server }) => {
    const msg = big(3000, "é");
    const { res, text } = await echoed(server, msg, { "Accept-Encoding": "deflate" });
    assert.equal(res.headers["content-encoding"], "deflate");
    assert.equal(res.body[0] & 0x0f, 8, "zlib header: CM 8 (deflate)");
    assert.equal(((res.body[0] << 8) | res.body[1]) % 31, 0, "zlib header check bits");
    assert.equal(text, msg);
  });

  serverTest(srv, "compress: threshold is 1024 bytes of body (1023 plain, 1024 compressed, UTF-8 bytes)", async ({ server }) => {
    const below = await echoed(server, big(THRESHOLD - 1), { "Accept-Encoding": "gzip" });
    assert.equal(below.res.headers["content-encoding"], undefined, "1023-byte answer");
    assert.equal(below.res.body.length, THRESHOLD - 1);
    const at = await echoed(server, big(THRESHOLD), { "Accept-Encoding": "gzip" });
    assert.equal(at.res.headers["content-encoding"], "gzip", "1024-byte answer");
    assert.equal(at.text, big(THRESHOLD));
    // 1 + 341 * 3 = 1024 bytes in 342 characters
    const euros = "4" + "€".repeat(341);
    const utf8 = await echoed(server, euros, { "Accept-Encoding": "gzip" });
    assert.equal(utf8.res.headers["content-encoding"], "gzip", "1024 UTF-8 bytes");
    assert.equal(utf8.text, euros);
  });

  serverTest(srv, "compress: the threshold applies to the whole payload, not to each packet", async ({ server }) => {
    const parts = [big(400, "a"), big(400, "b"), big(400, "c")];
    const { res, text } = await echoed(server, parts.join(RS), { "Accept-Encoding": "gzip" });
    assert.equal(res.headers["content-encoding"], "gzip");
    assert.deepEqual(text.split(RS), parts);
  });

  serverTest(srv, "compress: small answers and requests without Accept-Encoding are not compressed", async ({ server }) => {
    const small = await echoed(server, "4hello", { "Accept-Encoding": "gzip, deflate" });
    assert.equal(small.res.headers["content-encoding"], undefined);
    assert.equal(small.res.text, "4hello");
    const none = await echoed(server, big(5000));
    assert.equal(none.res.headers["content-encoding"], undefined);
    assert.equal(none.res.text, big(5000));
  });

  serverTest(srv, "compress: Accept-Encoding negotiation (q-values, order, *, identity) as Node's `accepts`", async ({ server }) => {
    const cases = [
      ["gzip;q=0, deflate", "deflate"],
      ["gzip, deflate", "gzip"],
      ["deflate, gzip", "deflate"],
      ["gzip;q=0.5, deflate;q=0.9", "deflate"],
      ["*", "gzip"],
      ["*;q=0, deflate", "deflate"],
      ["GZIP", "gzip"],
      ["identity", undefined],
      ["br", undefined],
      ["gzip;q=0, deflate;q=0", undefined],
    ];
    const msg = big(1500);
    for (const [accept, want] of cases) {
      const { res, text } = await echoed(server, msg, { "Accept-Encoding": accept });
      assert.equal(res.headers["content-encoding"], want, `Accept-Encoding: ${accept}`);
      assert.equal(text, msg, `Accept-Encoding: ${accept}`);
    }
  });

  serverTest(srv, "compress: the handshake answer (about 100 bytes) goes out plain even when gzip is accepted", async ({ server }) => {
    const res = await request(server.url("EIO=4&transport=polling"), { headers: { "Accept-Encoding": "gzip, deflate" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers["content-encoding"], undefined);
    assert.match(res.text, HANDSHAKE_RE);
  });

  serverTest(srv, "compress: error answers and POST `ok` are not compressed", async ({ server }) => {
    const headers = { "Accept-Encoding": "gzip, deflate" };
    const err = await request(server.url("EIO=4&transport=polling&sid=nope"), { headers });
    assert.equal(err.status, 400);
    assert.equal(err.headers["content-encoding"], undefined);
    assert.equal(err.text, '{"code":1,"message":"Session ID unknown"}');
    const { sid } = await pollingHandshake(server);
    const post = await pollPost(server, sid, big(5000), { headers });
    assert.equal(post.status, 200);
    assert.equal(post.headers["content-encoding"], undefined);
    assert.equal(post.text, "ok");
  });
});
