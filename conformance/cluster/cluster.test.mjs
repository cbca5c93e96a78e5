// Scale-out: two Rust servers and one Node server (socket.io 4.8.4 + @socket.io/redis-adapter
// 8.3.0) on one redis-server, socket.io-client 4.8 clients on each. Everything each server
// does for its own clients must reach the clients of the others, both directions, with the
// classic format, the sharded one (CLUSTER_MODE=sharded, Node: createShardedAdapter) or the
// streams adapter (CLUSTER_MODE=streams, Node: @socket.io/redis-streams-adapter).
// See harness.mjs for the environment.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { MODE, Redis, ack, client, eventually, nodeEmitter, roomSubscribers, rustEmit, startNode, startRust } from "./harness.mjs";

function cluster() {
  const c = { redis: null, a: null, b: null, n: null };
  before(async () => {
    c.redis = await Redis.start();
    [c.a, c.b, c.n] = await Promise.all([
      startRust("rust-a", c.redis),
      startRust("rust-b", c.redis),
      startNode("node", c.redis),
    ]);
  }, { timeout: 70000 });
  after(async () => {
    await Promise.all([c.a, c.b, c.n].map((s) => s?.stop()));
    await c.redis?.stop();
  });
  return c;
}

/** A test with a list of cleanups run at the end, whatever happens. */
function ctest(name, fn, timeout = 15000) {
  test(name, { timeout }, async () => {
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

/** One client on each server: a (Rust A), b (Rust B), c (Node). */
async function trio(c, cleanup, opts = {}) {
  const [a, b, n] = await Promise.all([client(c.a, cleanup, opts), client(c.b, cleanup, opts), client(c.n, cleanup, opts)]);
  return { a, b, n };
}

const toHex = (buf) => Buffer.from(buf).toString("hex");

describe(`cluster (${MODE}): broadcasts, rooms, acks, sockets and server-side emits across Rust and Node servers`, () => {
  const c = cluster();

  ctest("a broadcast from any server reaches the clients of all three", async (cleanup) => {
    const t = await trio(c, cleanup);
    for (const [from, who] of [[t.a, "a"], [t.b, "b"], [t.n, "n"]]) {
      from.socket.emit("broadcast-all", "from", who);
      for (const x of [t.a, t.b, t.n]) assert.deepEqual(await x.events.next("all-msg", 5000), ["from", who]);
    }
  });

  ctest("to(room) reaches the members on every server, and only them", async (cleanup) => {
    const t = await trio(c, cleanup);
    await ack(t.b.socket, "join", "r1");
    await ack(t.n.socket, "join", "r1");
    await roomSubscribers(c.redis, "r1", 2);
    t.a.socket.emit("to-room", "r1", "hello-r1");
    assert.deepEqual(await t.b.events.next("room-msg", 5000), ["hello-r1"]);
    assert.deepEqual(await t.n.events.next("room-msg", 5000), ["hello-r1"]);
    // Node's server sends the same way: to a room that has members on Rust servers.
    t.n.socket.emit("to-room", "r1", "again");
    assert.deepEqual(await t.b.events.next("room-msg", 5000), ["again"]);
    assert.deepEqual(await t.n.events.next("room-msg", 5000), ["again"]);
    // The sentinel goes the same way after: nothing else was queued for a.
    t.a.socket.emit("broadcast-all", "sentinel");
    await t.a.events.next("all-msg", 5000);
    assert.equal(t.a.events.pending("room-msg"), 0);
  });

  ctest("except(room) and socket.broadcast skip the right sockets on every server", async (cleanup) => {
    const t = await trio(c, cleanup);
    await ack(t.n.socket, "join", "quiet");
    t.b.socket.emit("except-room", "quiet", "x");
    assert.deepEqual(await t.a.events.next("except-msg", 5000), ["x"]);
    assert.deepEqual(await t.b.events.next("except-msg", 5000), ["x"]);
    t.b.socket.emit("broadcast", "from-b");
    assert.deepEqual(await t.a.events.next("broadcast-msg", 5000), ["from-b"]);
    assert.deepEqual(await t.n.events.next("broadcast-msg", 5000), ["from-b"]);
    for (const x of [t.a, t.b, t.n]) {
      t.b.socket.emit("broadcast-all", "sentinel");
      await x.events.next("all-msg", 5000);
    }
    assert.equal(t.n.events.pending("except-msg"), 0, "the member of the excepted room got it");
    assert.equal(t.b.events.pending("broadcast-msg"), 0, "the sender got its own socket.broadcast");
  });

  ctest("local and volatile flags: local stays on its server, volatile reaches idle clients", async (cleanup) => {
    const t = await trio(c, cleanup);
    const a2 = await client(c.a, cleanup);
    t.a.socket.emit("local-broadcast", "here");
    assert.deepEqual(await t.a.events.next("local-msg", 5000), ["here"]);
    assert.deepEqual(await a2.events.next("local-msg", 5000), ["here"]);
    t.a.socket.emit("broadcast-all", "sentinel");
    for (const x of [t.b, t.n]) {
      await x.events.next("all-msg", 5000);
      assert.equal(x.events.pending("local-msg"), 0);
    }
    t.n.socket.emit("volatile-all", "v");
    assert.deepEqual(await t.a.events.next("volatile-all-msg", 5000), ["v"]);
    assert.deepEqual(await t.b.events.next("volatile-all-msg", 5000), ["v"]);
  });

  ctest("binary data crosses servers both ways", async (cleanup) => {
    const t = await trio(c, cleanup);
    t.a.socket.emit("broadcast-all", Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) });
    for (const x of [t.b, t.n]) {
      const [bin, obj] = await x.events.next("all-msg", 5000);
      assert.equal(toHex(bin), "010203");
      assert.equal(toHex(obj.nested), "0405");
    }
    t.n.socket.emit("broadcast-all", Buffer.from([9]));
    const [bin] = await t.b.events.next("all-msg", 5000);
    assert.equal(toHex(bin), "09");
  });

  ctest("fetchSockets lists every server's sockets with their handshake auth, rooms and data", async (cleanup) => {
    const a = await client(c.a, cleanup, { auth: { user: "a" } });
    const b = await client(c.b, cleanup, { auth: { user: "b" } });
    const n = await client(c.n, cleanup, { auth: { user: "n" } });
    await ack(a.socket, "set-data", { who: "a", n: 1 });
    await ack(b.socket, "set-data", { who: "b", list: [1, 2] });
    await ack(n.socket, "set-data", { who: "n" });
    await ack(b.socket, "join", "fetch-room");
    const expected = [
      { id: a.socket.id, rooms: [a.socket.id].sort(), data: { who: "a", n: 1 }, auth: { user: "a" } },
      { id: b.socket.id, rooms: [b.socket.id, "fetch-room"].sort(), data: { who: "b", list: [1, 2] }, auth: { user: "b" } },
      { id: n.socket.id, rooms: [n.socket.id].sort(), data: { who: "n" }, auth: { user: "n" } },
    ].sort((x, y) => (x.id < y.id ? -1 : 1));
    for (const from of [a, b, n]) {
      assert.deepEqual(await ack(from.socket, "fetch-details"), expected);
    }
    assert.deepEqual(await ack(n.socket, "room-sockets", "fetch-room"), [b.socket.id]);
  });

  ctest("socketsJoin and socketsLeave reach the sockets of every server", async (cleanup) => {
    const t = await trio(c, cleanup);
    await ack(t.b.socket, "join", "j1");
    await ack(t.n.socket, "join", "j1");
    await ack(t.a.socket, "make-join", "j1", "j2");
    await eventually(async () => {
      assert.ok((await ack(t.b.socket, "rooms")).includes("j2"));
      assert.ok((await ack(t.n.socket, "rooms")).includes("j2"));
    });
    assert.ok(!(await ack(t.a.socket, "rooms")).includes("j2"));
    await ack(t.n.socket, "make-leave", "j2", "j1");
    await eventually(async () => {
      assert.ok(!(await ack(t.b.socket, "rooms")).includes("j1"));
      assert.ok(!(await ack(t.n.socket, "rooms")).includes("j1"));
    });
  });

  ctest("disconnectSockets reaches the sockets of every server", async (cleanup) => {
    const t = await trio(c, cleanup);
    await ack(t.b.socket, "join", "bye");
    await ack(t.n.socket, "join", "bye");
    const reasons = Promise.all(
      [t.b, t.n].map((x) => new Promise((resolve) => x.socket.once("disconnect", resolve))),
    );
    t.a.socket.emit("disconnect-room", "bye", () => {});
    assert.deepEqual(await reasons, ["io server disconnect", "io server disconnect"]);
    assert.ok(t.a.socket.connected);
  });

  ctest("serverSideEmit reaches the other servers, both directions", async (cleanup) => {
    const t = await trio(c, cleanup);
    t.a.socket.emit("sse", "from-a", 1);
    assert.deepEqual(await t.b.events.next("sse-received", 5000), ["from-a", 1]);
    assert.deepEqual(await t.n.events.next("sse-received", 5000), ["from-a", 1]);
    t.n.socket.emit("sse", "from-node");
    assert.deepEqual(await t.a.events.next("sse-received", 5000), ["from-node"]);
    assert.deepEqual(await t.b.events.next("sse-received", 5000), ["from-node"]);
    assert.equal(t.n.events.pending("sse-received"), 0, "the sending server does not get its own");
  });

  ctest("serverSideEmitWithAck collects one answer per other server, both directions", async (cleanup) => {
    const t = await trio(c, cleanup);
    assert.deepEqual(await ack(t.a.socket, "sse-with-ack", "q"), { responses: ["node:q", "rust-b:q"] });
    assert.deepEqual(await ack(t.n.socket, "sse-with-ack", "q"), { responses: ["rust-a:q", "rust-b:q"] });
  });

  ctest("broadcast with acks across servers, and its timeout when one client holds back", async (cleanup) => {
    const t = await trio(c, cleanup);
    for (const [x, who] of [[t.a, "a"], [t.b, "b"], [t.n, "n"]]) x.socket.on("ask", (q, cb) => cb(`${who}:${q}`));
    assert.deepEqual(await ack(t.n.socket, "ask-all", "q"), { error: null, answers: ["a:q", "b:q", "n:q"] });
    assert.deepEqual(await ack(t.a.socket, "ask-all", "r"), { error: null, answers: ["a:r", "b:r", "n:r"] });
    t.b.socket.off("ask");
    t.b.socket.on("ask", () => {}); // never answers
    assert.deepEqual(await ack(t.a.socket, "ask-all", "s"), { error: "timeout", answers: ["a:s", "n:s"] });
    assert.deepEqual(await ack(t.n.socket, "ask-all", "t"), { error: "timeout", answers: ["a:t", "n:t"] });
  });

  ctest("polling clients take part like websocket ones", async (cleanup) => {
    const t = await trio(c, cleanup, { transports: ["polling"] });
    t.b.socket.emit("broadcast-all", "over-polling");
    for (const x of [t.a, t.b, t.n]) assert.deepEqual(await x.events.next("all-msg", 5000), ["over-polling"]);
  });

  if (MODE === "classic") {
    ctest("Node's @socket.io/redis-emitter reaches the clients of the Rust servers", async (cleanup) => {
      const t = await trio(c, cleanup);
      const emitter = await nodeEmitter(c.redis, cleanup);
      emitter.emit("from-emitter", 1, Buffer.from([7]));
      for (const x of [t.a, t.b, t.n]) {
        const [one, bin] = await x.events.next("from-emitter", 5000);
        assert.equal(one, 1);
        assert.equal(toHex(bin), "07");
      }
      await ack(t.b.socket, "join", "em");
      emitter.to("em").emit("room-only", "x");
      assert.deepEqual(await t.b.events.next("room-only", 5000), ["x"]);
      emitter.in("em").socketsJoin("em2");
      await eventually(async () => assert.ok((await ack(t.b.socket, "rooms")).includes("em2")));
      emitter.serverSideEmit("sse", "via-emitter");
      for (const x of [t.a, t.b, t.n]) assert.deepEqual(await x.events.next("sse-received", 5000), ["via-emitter"]);
      const gone = new Promise((resolve) => t.b.socket.once("disconnect", resolve));
      emitter.in("em").disconnectSockets();
      assert.equal(await gone, "io server disconnect");
    });

    ctest("our emitter reaches the clients of the Node server (and of the Rust ones)", async (cleanup) => {
      const t = await trio(c, cleanup);
      await rustEmit(c.redis, ["emit", "from-rust-emitter", '["hi",{"$bin":[1,2]}]']);
      for (const x of [t.a, t.b, t.n]) {
        const [hi, bin] = await x.events.next("from-rust-emitter", 5000);
        assert.equal(hi, "hi");
        assert.equal(toHex(bin), "0102");
      }
      await ack(t.n.socket, "join", "re");
      await rustEmit(c.redis, ["--to", "re", "emit", "room-only", '["x"]']);
      assert.deepEqual(await t.n.events.next("room-only", 5000), ["x"]);
      await rustEmit(c.redis, ["--to", "re", "join", "re2"]);
      await eventually(async () => assert.ok((await ack(t.n.socket, "rooms")).includes("re2")));
      await rustEmit(c.redis, ["sse", "sse", '"via-rust-emitter"']);
      for (const x of [t.a, t.b, t.n]) assert.deepEqual(await x.events.next("sse-received", 5000), ["via-rust-emitter"]);
      const gone = new Promise((resolve) => t.n.socket.once("disconnect", resolve));
      await rustEmit(c.redis, ["--to", "re", "disconnect"]);
      assert.equal(await gone, "io server disconnect");
    });
  }
});

describe(`cluster (${MODE}) faults: a node killed, redis-server restarted`, () => {
  const c = cluster();

  ctest("a killed node's sockets disappear; the others go on", async (cleanup) => {
    const t = await trio(c, cleanup);
    assert.equal((await ack(t.a.socket, "fetch-details")).length, 3);
    await c.b.child.kill("SIGKILL");
    await c.b.exited;
    await eventually(async () => {
      const details = await ack(t.a.socket, "fetch-details");
      assert.deepEqual(details.map((d) => d.id).sort(), [t.a.socket.id, t.n.socket.id].sort());
    }, 8000);
    t.n.socket.emit("broadcast-all", "still-here");
    assert.deepEqual(await t.a.events.next("all-msg", 5000), ["still-here"]);
    assert.deepEqual(await ack(t.a.socket, "sse-with-ack", "q"), { responses: ["node:q"] });
  }, 30000);

  ctest("redis-server restarted mid-traffic: broadcasts resume within 5 s, no server dies", async (cleanup) => {
    const t = { a: await client(c.a, cleanup), n: await client(c.n, cleanup) };
    t.a.socket.emit("broadcast-all", "before");
    assert.deepEqual(await t.n.events.next("all-msg", 5000), ["before"]);
    await c.redis.stop();
    // Local delivery goes on while Redis is down.
    t.a.socket.emit("local-broadcast", "alone");
    assert.deepEqual(await t.a.events.next("local-msg", 5000), ["alone"]);
    const restarted = Date.now();
    await c.redis.launch();
    // Each direction: Rust A -> Node, Node -> Rust A.
    for (const [from, to, what] of [[t.a, t.n, "rust to node"], [t.n, t.a, "node to rust"]]) {
      let n = 0;
      await eventually(async () => {
        from.socket.emit("broadcast-all", `after-${n++}`);
        let got;
        do {
          got = await to.events.next("all-msg", 300).catch(() => null);
        } while (got && !got[0].startsWith("after-"));
        assert.ok(got, `${what}: not yet`);
      }, 10000, 10);
      const took = Date.now() - restarted;
      assert.ok(took < 5000, `${what}: broadcasts resumed after ${took} ms`);
    }
    assert.equal(c.a.exit, null, "the Rust server is alive");
  }, 30000);
});
