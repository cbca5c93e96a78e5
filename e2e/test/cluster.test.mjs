// The chat scaled out, as the README's "Scaling out" shows it: `scripts/cluster.sh` starts a
// redis-server, two chat processes on the Redis adapter and HAProxy in front of them with
// cookie stickiness. Chromium pages that land on different processes chat with each other
// (everyone, rooms, the user list); stopping the script stops every process it started.
//
// Needs Debian's redis-server and haproxy (the script says which apt-get line to run).

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import {
  CHAT_BIN,
  E2E_DIR,
  EVERYONE,
  TIMEOUT,
  freePort,
  joinRoom,
  launchBrowser,
  log,
  openChat,
  send,
  waitText,
} from "./harness.mjs";

const SCRIPT = path.join(E2E_DIR, "..", "scripts", "cluster.sh");

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Runs scripts/cluster.sh until it prints the URL; resolves with its PIDs and a stop(). */
async function startCluster(port, nodes) {
  const proc = spawn("bash", [SCRIPT, "--nodes", String(nodes), "--port", String(port)], {
    env: { ...process.env, CHAT_BIN },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve(code ?? signal)));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`cluster.sh did not start within 60 s:\n${output}`)), 60000);
    proc.stdout.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
      if (output.includes(`open http://127.0.0.1:${port}/`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    proc.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`cluster.sh exited (${code}):\n${output}`));
    });
  });
  const pids = [...output.matchAll(/\(pid (\d+)\)/g)].map((m) => Number(m[1]));
  return {
    url: `http://127.0.0.1:${port}`,
    pids,
    output: () => output,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
  };
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The chat process a page's polling requests are pinned to: HAProxy's prefix of the `io` cookie. */
async function processOf(chat) {
  const io = (await chat.page.context().cookies()).find((c) => c.name === "io");
  assert.ok(io, "the handshake set the io cookie");
  const [server, sid] = io.value.split("~");
  assert.ok(sid, `HAProxy prefixed the cookie: ${io.value}`);
  return server;
}

describe("the chat on two processes behind HAProxy (scripts/cluster.sh)", () => {
  test("pages on different processes chat, share rooms and the user list; stop ends every process", { timeout: 120000 }, async (t) => {
    const cluster = await startCluster(await freePort(), 2);
    const pages = [];
    t.after(async () => {
      for (const p of pages) await p.close().catch(() => {});
      await cluster.stop();
    });
    assert.equal(cluster.pids.length, 4, `redis-server, two chats, haproxy:\n${cluster.output()}`);

    const alice = await openChat(browser, cluster.url, "alice");
    pages.push(alice);
    const bob = await openChat(browser, cluster.url, "bob");
    pages.push(bob);
    const [a, b] = [await processOf(alice), await processOf(bob)];
    assert.match(a, /^chat[12]$/);
    assert.match(b, /^chat[12]$/);
    assert.notEqual(a, b, "the second page lands on the other process");

    // The user list is the whole cluster's.
    for (const p of [alice, bob]) {
      await p.page.locator("#user-count", { hasText: "2" }).waitFor({ timeout: TIMEOUT });
    }
    // Messages to everyone, both ways.
    await send(alice.page, "hello from alice");
    await waitText(bob.page, log(EVERYONE, "li.message"), "hello from alice");
    await send(bob.page, "hello from bob");
    await waitText(alice.page, log(EVERYONE, "li.message"), "hello from bob");
    // A room spans the processes.
    await joinRoom(alice.page, "ops");
    await joinRoom(bob.page, "ops");
    await send(bob.page, "deploying");
    await waitText(alice.page, log("ops", "li.message"), "deploying");

    // Ctrl-C of the script (SIGTERM here): everything it started stops.
    await cluster.stop();
    const left = cluster.pids.filter(alive);
    assert.deepEqual(left, [], "no process of the cluster is left");
  });
});
