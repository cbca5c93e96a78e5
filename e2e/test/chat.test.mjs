// The chat example (examples/chat) in headless Chromium: several pages chatting through our
// Rust server, with the official socket.io-client served by that server.
//
// Every test starts its own chat server on a free port and kills it (by PID) at the end.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import {
  CLIENT_DIST,
  EVERYONE,
  SCREENSHOT_DIR,
  TIMEOUT,
  countText,
  freePort,
  joinRoom,
  launchBrowser,
  log,
  openChat,
  send,
  sleep,
  startChat,
  transportOf,
  waitText,
} from "./harness.mjs";

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A fresh server for one test, and the pages it opens; everything is closed at the end. */
async function setup(t) {
  const server = await startChat(await freePort());
  const pages = [];
  t.after(async () => {
    for (const p of pages) await p.close().catch(() => {});
    await server.stop();
  });
  return {
    server,
    async open(name, opts) {
      const chat = await openChat(browser, server.url, name, opts);
      pages.push(chat);
      return chat;
    },
    /** No uncaught exception on any page. */
    checkErrors() {
      for (const p of pages) assert.deepEqual(p.errors.map(String), [], `page errors on ${p.name}'s page`);
    },
  };
}

const message = (channel = EVERYONE) => log(channel, "li.message");

/** Waits until the page shows nobody typing. */
const noTyping = (page) =>
  page.waitForFunction(() => document.getElementById("typing").textContent === "", null, { timeout: TIMEOUT });

describe("chat in Chromium", () => {
  test("the server serves the official client bundle like serveClient", async (t) => {
    const { server } = await setup(t);
    const js = await fetch(`${server.url}/socket.io/socket.io.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get("content-type"), "application/javascript; charset=utf-8");
    assert.equal(js.headers.get("cache-control"), "public, max-age=0");
    const etag = js.headers.get("etag");
    assert.match(etag, /^"[^"]+"$/);
    assert.equal(await js.text(), fs.readFileSync(path.join(CLIENT_DIST, "socket.io.js"), "utf8"));

    const again = await fetch(`${server.url}/socket.io/socket.io.js`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);

    for (const [file, type] of [
      ["socket.io.min.js", "application/javascript; charset=utf-8"],
      ["socket.io.js.map", "application/json; charset=utf-8"],
      ["socket.io.min.js.map", "application/json; charset=utf-8"],
      ["socket.io.esm.min.js", "application/javascript; charset=utf-8"],
      ["socket.io.esm.min.js.map", "application/json; charset=utf-8"],
    ]) {
      const res = await fetch(`${server.url}/socket.io/${file}`);
      assert.equal(res.status, 200, file);
      assert.equal(res.headers.get("content-type"), type, file);
      assert.equal((await res.arrayBuffer()).byteLength, fs.statSync(path.join(CLIENT_DIST, file)).size, file);
    }
    // Anything else under /socket.io/ is Engine.IO's (a request without EIO is refused).
    assert.equal((await fetch(`${server.url}/socket.io/nope.js`)).status, 400);
  });

  test("two pages chat: a message reaches everyone and the sender sees it delivered (ack)", async (t) => {
    const s = await setup(t);
    const alice = await s.open("alice");
    const bob = await s.open("bob");

    await send(alice.page, "hello bob");
    await waitText(bob.page, message(), "hello bob");
    const received = bob.page.locator(message()).filter({ hasText: "hello bob" });
    assert.equal(await received.locator(".from").textContent(), "alice");

    // The sender: its own copy, marked delivered by the ack, and not duplicated by the echo.
    const mine = alice.page.locator(`${message()}.mine`).filter({ hasText: "hello bob" });
    await mine.and(alice.page.locator(".delivered")).waitFor({ timeout: TIMEOUT });
    assert.equal(await mine.locator(".state").textContent(), "✓ delivered");

    await send(bob.page, "hi alice");
    await waitText(alice.page, message(), "hi alice");
    await bob.page.locator(`${message()}.mine.delivered`).filter({ hasText: "hi alice" }).waitFor({ timeout: TIMEOUT });
    assert.equal(await countText(alice.page, message(), "hello bob"), 1);
    assert.equal(await countText(bob.page, message(), "hi alice"), 1);
    s.checkErrors();
  });

  test("join, typing and leave notices reach the others and not the sender", async (t) => {
    const s = await setup(t);
    const alice = await s.open("alice");
    const bob = await s.open("bob");
    const carol = await s.open("carol");

    // carol joined: alice and bob are told (socket.broadcast), carol is not.
    await waitText(alice.page, log(EVERYONE, ".notice"), "carol joined");
    await waitText(bob.page, log(EVERYONE, ".notice"), "carol joined");
    await waitText(alice.page, log(EVERYONE, ".notice"), "bob joined");
    assert.equal(await countText(carol.page, log(EVERYONE, ".notice"), "joined"), 0);
    // Everyone has the same user list.
    for (const p of [alice, bob, carol]) {
      await p.page.locator("#user-count", { hasText: "3" }).waitFor({ timeout: TIMEOUT });
      assert.deepEqual(
        (await p.page.locator("#users li").allTextContents()).map((n) => n.replace(" (you)", "")),
        ["alice", "bob", "carol"],
      );
    }

    // carol types: the others see it, carol does not.
    await carol.page.type("#input", "hey every", { delay: 20 });
    await waitText(alice.page, "#typing", "carol is typing");
    await waitText(bob.page, "#typing", "carol is typing");
    assert.equal(await carol.page.locator("#typing").textContent(), "");
    // Sending stops the notice.
    await carol.page.type("#input", "one", { delay: 20 });
    await carol.page.press("#input", "Enter");
    await waitText(alice.page, message(), "hey everyone");
    await noTyping(alice.page);
    await waitText(bob.page, message(), "hey everyone");
    await noTyping(bob.page);

    // carol leaves: the others are told and the user list shrinks.
    await carol.close();
    await waitText(alice.page, log(EVERYONE, ".notice"), "carol left");
    await waitText(bob.page, log(EVERYONE, ".notice"), "carol left");
    await alice.page.locator("#user-count", { hasText: "2" }).waitFor({ timeout: TIMEOUT });
    s.checkErrors();
  });

  test("room messages stay in the room", async (t) => {
    const s = await setup(t);
    const alice = await s.open("alice");
    const bob = await s.open("bob");
    const carol = await s.open("carol");

    await joinRoom(alice.page, "rust");
    await joinRoom(bob.page, "rust");
    // The room is told about bob (socket.to(room)); carol, outside, is not.
    await waitText(alice.page, log("rust", ".notice"), "bob joined #rust");

    await send(alice.page, "only for rustaceans");
    await waitText(bob.page, message("rust"), "only for rustaceans");
    await alice.page.locator(`${message("rust")}.mine.delivered`).waitFor({ timeout: TIMEOUT });
    // Not in bob's "everyone" channel either.
    assert.equal(await countText(bob.page, message(EVERYONE), "only for rustaceans"), 0);

    // bob types in the room: alice sees it, carol does not.
    await bob.page.type("#input", "typing in the room", { delay: 10 });
    await waitText(alice.page, "#typing", "bob is typing");

    // A message to everyone after it: once carol has it, she would have had the room one too.
    await alice.page.click(`.channel[data-channel=""]`);
    await send(alice.page, "public announcement");
    await waitText(carol.page, message(), "public announcement");
    assert.equal(await carol.page.locator("#typing").textContent(), "");
    assert.equal(await countText(carol.page, "li", "only for rustaceans"), 0);
    assert.equal(await carol.page.locator(`.log[data-channel="rust"]`).count(), 0);
    assert.equal(await countText(carol.page, "li", "bob joined #rust"), 0);

    // bob leaves the room: alice is told, and room messages stop reaching him.
    await bob.page.fill("#input", "");
    await bob.page.click("#leave");
    await waitText(alice.page, log("rust", ".notice"), "bob left #rust");
    await alice.page.click(`.channel[data-channel="rust"]`);
    await send(alice.page, "bob is gone");
    await alice.page.locator(`${message("rust")}.mine.delivered`).filter({ hasText: "bob is gone" }).waitFor({ timeout: TIMEOUT });
    await alice.page.click(`.channel[data-channel=""]`);
    await send(alice.page, "second announcement");
    await waitText(bob.page, message(), "second announcement");
    assert.equal(await countText(bob.page, "li", "bob is gone"), 0);
    s.checkErrors();
  });

  test("a long-polling page chats with a websocket page", async (t) => {
    const s = await setup(t);
    const poller = await s.open("poller", { transport: "polling" });
    const ws = await s.open("surfer");
    // The default page starts with polling and upgrades to websocket.
    await ws.page.locator("#status[data-transport=websocket]").waitFor({ timeout: TIMEOUT });
    assert.equal(await transportOf(ws.page), "websocket");

    await send(poller.page, "sent over long-polling");
    await waitText(ws.page, message(), "sent over long-polling");
    await poller.page.locator(`${message()}.mine.delivered`).waitFor({ timeout: TIMEOUT });

    await send(ws.page, "sent over websocket");
    await waitText(poller.page, message(), "sent over websocket");
    await ws.page.locator(`${message()}.mine.delivered`).waitFor({ timeout: TIMEOUT });

    await joinRoom(poller.page, "mixed");
    await joinRoom(ws.page, "mixed");
    await send(ws.page, "room over both transports");
    await waitText(poller.page, message("mixed"), "room over both transports");

    // The forced page never left polling.
    assert.equal(await transportOf(poller.page), "polling");
    assert.equal(await poller.page.locator("#status").getAttribute("data-transport"), "polling");
    s.checkErrors();
  });

  test("killing and restarting the server: the pages reconnect and chat again", async (t) => {
    const s = await setup(t);
    const alice = await s.open("alice");
    const bob = await s.open("bob", { transport: "polling" });
    await alice.page.locator("#status[data-transport=websocket]").waitFor({ timeout: TIMEOUT });
    await joinRoom(alice.page, "ops");
    await joinRoom(bob.page, "ops");

    await s.server.stop();
    for (const p of [alice, bob]) {
      await p.page.locator("#status:not([data-state=connected])").waitFor({ timeout: TIMEOUT });
    }
    const stateWhileDown = await alice.page.locator("#status").textContent();
    assert.match(stateWhileDown, /disconnected|reconnecting/);

    // Same port: the clients' automatic reconnection finds the new server.
    await sleep(300);
    const port = s.server.port;
    const restarted = await startChat(port);
    t.after(() => restarted.stop());

    for (const p of [alice, bob]) {
      await p.page.locator("#status[data-state=connected]").waitFor({ timeout: TIMEOUT });
      await waitText(p.page, log(EVERYONE, ".notice"), "Reconnected.");
      await p.page.locator("#user-count", { hasText: "2" }).waitFor({ timeout: TIMEOUT });
    }

    // The page logged in again with its rooms: room messages flow again.
    await send(alice.page, "back in ops");
    await waitText(bob.page, message("ops"), "back in ops");
    await alice.page.locator(`${message("ops")}.mine.delivered`).filter({ hasText: "back in ops" }).waitFor({ timeout: TIMEOUT });

    await bob.page.click(`.channel[data-channel=""]`);
    await send(bob.page, "polling survived the restart");
    await waitText(alice.page, message(), "polling survived the restart");
    await bob.page.locator(`${message()}.mine.delivered`).filter({ hasText: "polling survived" }).waitFor({ timeout: TIMEOUT });
    s.checkErrors();
  });

  test("screenshot of a conversation", async (t) => {
    const s = await setup(t);
    const alice = await s.open("alice");
    const bob = await s.open("bob", { transport: "polling" });
    const carol = await s.open("carol");

    await joinRoom(alice.page, "rustaceans");
    await joinRoom(carol.page, "rustaceans");
    await alice.page.click(`.channel[data-channel=""]`);
    await carol.page.click(`.channel[data-channel=""]`);
    await send(bob.page, "Hi all! I'm on long-polling today");
    await waitText(alice.page, message(), "long-polling today");
    await send(alice.page, "Welcome bob! This page talks to a Rust server (axum + socketio).");
    await waitText(carol.page, message(), "Rust server");
    await send(carol.page, "And the client bundle comes from /socket.io/socket.io.js, no CDN.");
    await waitText(alice.page, message(), "no CDN");
    await carol.page.click(`.channel[data-channel="rustaceans"]`);
    await send(carol.page, "psst, only the room sees this");
    await waitText(alice.page, ".channel[data-channel=rustaceans] .badge", "1");
    await bob.page.type("#input", "typing something", { delay: 10 });
    await waitText(alice.page, "#typing", "bob is typing");
    await alice.page.locator(`${message()}.mine.delivered`).waitFor({ timeout: TIMEOUT });

    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, "chat.png");
    await alice.page.screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 10000, "screenshot written");
    console.log(`screenshot: ${file}`);
    s.checkErrors();
  });
});
