// Sticky sessions: two Rust servers (with the `io` session cookie) on one redis-server, behind
// Debian's haproxy balancing round robin and pinning by cookie. Long-polling clients must stay
// on the server that holds their session (every poll and POST, then the upgrade); websocket
// clients spread over both servers; everybody still reaches everybody through Redis.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis, ack, client, startHaproxy, startRust } from "./harness.mjs";

describe("sticky sessions behind haproxy (cookie io)", () => {
  const c = {};
  before(async () => {
    c.redis = await Redis.start();
    [c.a, c.b] = await Promise.all([
      startRust("rust-a", c.redis, ["--cookie"]),
      startRust("rust-b", c.redis, ["--cookie"]),
    ]);
    c.lb = await startHaproxy([c.a, c.b]);
  }, { timeout: 70000 });
  after(async () => {
    await c.lb?.stop();
    await Promise.all([c.a?.stop(), c.b?.stop()]);
    await c.redis?.stop();
  });

  async function run(name, fn) {
    test(name, { timeout: 20000 }, async () => {
      const cleanup = [];
      try {
        await fn(cleanup);
      } finally {
        for (const f of cleanup.reverse()) {
          try {
            await f();
          } catch {}
        }
      }
    });
  }

  run("polling clients stay pinned to their server, upgrade, and reach each other", async (cleanup) => {
    const clients = [];
    for (let i = 0; i < 6; i++) {
      // withCredentials: the Node client keeps the cookie (a browser does it by itself).
      clients.push(await client(c.lb, cleanup, { transports: ["polling"], withCredentials: true }));
    }
    const names = await Promise.all(clients.map((x) => ack(x.socket, "server-name")));
    assert.deepEqual([...new Set(names)].sort(), ["rust-a", "rust-b"], "round robin over both servers");
    // Many polls and posts later, every session is still where it was.
    for (let round = 0; round < 3; round++) {
      clients[round].socket.emit("broadcast-all", "round", round);
      for (const x of clients) assert.deepEqual(await x.events.next("all-msg", 5000), ["round", round]);
    }
    assert.deepEqual(await Promise.all(clients.map((x) => ack(x.socket, "server-name"))), names);
    for (const x of clients) assert.equal(x.socket.io.engine.transport.name, "polling");
  });

  run("polling then upgrade: the websocket reaches the same server", async (cleanup) => {
    const clients = [];
    for (let i = 0; i < 4; i++) {
      clients.push(await client(c.lb, cleanup, { transports: ["polling", "websocket"], withCredentials: true }));
    }
    await Promise.all(
      clients.map(
        (x) =>
          new Promise((resolve, reject) => {
            if (x.socket.io.engine.transport.name === "websocket") return resolve();
            const t = setTimeout(() => reject(new Error("no upgrade")), 5000);
            x.socket.io.engine.once("upgrade", () => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    const names = await Promise.all(clients.map((x) => ack(x.socket, "server-name")));
    assert.deepEqual([...new Set(names)].sort(), ["rust-a", "rust-b"]);
    clients[0].socket.emit("broadcast-all", "upgraded");
    for (const x of clients) assert.deepEqual(await x.events.next("all-msg", 5000), ["upgraded"]);
  });

  run("websocket clients spread over both servers", async (cleanup) => {
    const clients = [];
    for (let i = 0; i < 6; i++) clients.push(await client(c.lb, cleanup, { transports: ["websocket"] }));
    const names = await Promise.all(clients.map((x) => ack(x.socket, "server-name")));
    assert.deepEqual([...new Set(names)].sort(), ["rust-a", "rust-b"]);
    clients[5].socket.emit("broadcast-all", "ws");
    for (const x of clients) assert.deepEqual(await x.events.next("all-msg", 5000), ["ws"]);
  });

  run("without the cookie a polling client breaks (the pinning is what makes it work)", async (cleanup) => {
    // No withCredentials: the Node client drops the cookie, haproxy balances every request,
    // and a poll lands on the server that does not know the session.
    const { io } = await import("socket.io-client");
    const socket = io(c.lb.base, { path: "/socket.io/", forceNew: true, reconnection: false, transports: ["polling"] });
    cleanup.push(() => socket.disconnect());
    const outcome = await new Promise((resolve) => {
      socket.once("connect_error", () => resolve("error"));
      socket.once("disconnect", () => resolve("disconnect"));
      setTimeout(() => resolve("alive"), 3000);
    });
    assert.notEqual(outcome, "alive");
  });
});
