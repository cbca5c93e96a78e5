// The chat's Prometheus endpoint (`--metrics`): real traffic from the npm socket.io-client
// (one polling-only client, one that upgrades to websocket), then /metrics is scraped and the
// sessions by transport, sockets, packets and bytes in/out, upgrades and disconnect reasons
// must have moved. Without --metrics there is no /metrics.
//
// Every test starts its own chat server on a free port and kills it (by PID) at the end.

import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";

import { io as connect } from "socket.io-client";

import { TIMEOUT, freePort, sleep, startChat } from "./harness.mjs";

/** Parses the Prometheus text format: `name{k="v",..}` (labels sorted) -> value. */
function parse(text) {
  const out = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels = m[2] ? [...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => `${k}=${v}`).sort() : [];
    out.set(`${m[1]}{${labels.join(",")}}`, Number(m[3]));
  }
  return out;
}

async function scrape(url) {
  const res = await fetch(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type"), /^text\/plain; version=0\.0\.4/);
  return parse(await res.text());
}

/** The value of `name` with these labels (`k=v`), 0 when absent. */
const value = (metrics, name, ...labels) => metrics.get(`${name}{${labels.sort().join(",")}}`) ?? 0;

/** Scrapes until `check(metrics)` holds (the server updates them as events happen). */
async function until(url, what, check) {
  const deadline = Date.now() + TIMEOUT;
  let metrics;
  for (;;) {
    metrics = await scrape(url);
    if (check(metrics)) return metrics;
    if (Date.now() > deadline) {
      const dump = [...metrics].filter(([k]) => /^(socketio|engineio)_/.test(k)).map(([k, v]) => `${k} ${v}`).join("\n");
      assert.fail(`${what} never held; last scrape:\n${dump}`);
    }
    await sleep(50);
  }
}

async function connected(socket) {
  if (!socket.connected) await once(socket, "connect");
}

test("--metrics serves Prometheus metrics that follow real clients", async (t) => {
  const server = await startChat(await freePort(), ["--metrics"]);
  const clients = [];
  t.after(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  // Described metrics are there before any traffic.
  const empty = await scrape(server.url);
  assert.equal(value(empty, "socketio_sockets", "namespace=/"), 0);

  const polling = connect(server.url, { forceNew: true, reconnection: false, transports: ["polling"] });
  const upgrading = connect(server.url, { forceNew: true, reconnection: false });
  clients.push(polling, upgrading);
  await Promise.all([connected(polling), connected(upgrading)]);
  if (upgrading.io.engine.transport.name !== "websocket") await once(upgrading.io.engine, "upgrade");
  // Packets in: any event counts, handled or not.
  polling.emit("metrics-probe", "x".repeat(100));
  upgrading.emit("metrics-probe", 1);

  const live = await until(
    server.url,
    "2 sockets on /, one session per transport, 4 packets in",
    (m) =>
      value(m, "socketio_sockets", "namespace=/") === 2 &&
      value(m, "engineio_sessions", "transport=polling") === 1 &&
      value(m, "engineio_sessions", "transport=websocket") === 1 &&
      value(m, "socketio_packets_in_total") >= 4,
  );
  assert.equal(value(live, "engineio_sessions_opened_total", "transport=polling"), 2);
  assert.equal(value(live, "engineio_upgrades_total"), 1);
  assert.equal(value(live, "socketio_sockets_connected_total", "namespace=/"), 2);
  assert.ok(value(live, "socketio_rooms", "namespace=/") >= 2, "each socket's own room");
  assert.ok(value(live, "socketio_packets_out_total") >= 2, "the CONNECT replies");
  assert.ok(value(live, "engineio_messages_in_total") >= 4);
  assert.ok(value(live, "engineio_bytes_in_total") > 100, "the probe's payload");
  assert.ok(value(live, "engineio_messages_out_total") >= 2);
  assert.ok(value(live, "engineio_bytes_out_total") > 0);

  // The polling client leaves the namespace; the other's transport closes under it.
  polling.disconnect();
  upgrading.io.engine.close();
  const gone = await until(
    server.url,
    "both sockets gone",
    (m) =>
      value(m, "socketio_sockets", "namespace=/") === 0 &&
      value(m, "engineio_sessions", "transport=polling") === 0 &&
      value(m, "engineio_sessions", "transport=websocket") === 0,
  );
  assert.equal(value(gone, "socketio_disconnects_total", "reason=client namespace disconnect"), 1);
  assert.equal(value(gone, "socketio_disconnects_total", "reason=transport close"), 1);
  assert.equal(value(gone, "engineio_sessions_closed_total", "reason=transport close"), 2);
  assert.equal(value(gone, "socketio_rooms", "namespace=/"), 0);
});

test("without --metrics there is no /metrics", async (t) => {
  const server = await startChat(await freePort());
  t.after(() => server.stop());
  const res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 404);
});
