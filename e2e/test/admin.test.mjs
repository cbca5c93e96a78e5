// The Socket.IO Admin UI (npm @socket.io/admin-ui 0.5.1) on the chat example: the chat started
// with --admin-user/--admin-password serves the /admin namespace (socketio-admin) and the UI's
// files at /admin/. The UI runs in headless Chromium with the network closed (its CDN
// stylesheets never answer), logs in through its connection form and shows the chat clients.
//
// Every test starts its own chat server on a free port and kills it (by PID) at the end.

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, test } from "node:test";

import { io as connect } from "socket.io-client";

import { ADMIN_UI_DIST, SCREENSHOT_DIR, TIMEOUT, freePort, launchBrowser, openChat, sleep, startChat } from "./harness.mjs";

const USER = "admin";
const PASSWORD = "changeit";
const ADMIN_ARGS = ["--admin-user", USER, "--admin-password", PASSWORD];

let browser;

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
});

/** A fresh server for one test, and what it opens; everything is closed at the end. */
async function setup(t, args = ADMIN_ARGS) {
  const server = await startChat(await freePort(), args);
  const closers = [];
  t.after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
    await server.stop();
  });
  return {
    server,
    async chat(name) {
      const chat = await openChat(browser, server.url, name);
      closers.push(chat.close);
      return chat;
    },
    async admin() {
      const admin = await openAdmin(server.url);
      closers.push(admin.close);
      return admin;
    },
    /** A Node socket.io-client, closed at the end. */
    client(nsp, opts) {
      const socket = connect(`${server.url}${nsp}`, { forceNew: true, reconnection: false, ...opts });
      closers.push(async () => socket.close());
      return socket;
    },
  };
}

/**
 * Opens the UI in a fresh context where nothing but this machine answers: requests to other
 * hosts (the fonts and icons CDNs of the UI's index.html) hang, as on a closed network.
 */
async function openAdmin(base) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const held = [];
  await context.route(
    (url) => url.hostname !== "127.0.0.1" && url.hostname !== "localhost",
    (route) => held.push(route),
  );
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  // Not "load": that waits for every stylesheet, and the CDN ones never come.
  await page.goto(`${base}/admin/`, { waitUntil: "domcontentloaded" });
  return {
    page,
    errors,
    held,
    async close() {
      for (const route of held) await route.abort().catch(() => {});
      await context.close();
    },
  };
}

/** Fills the UI's connection form and submits it. */
async function fillConnectionForm(page, base, password) {
  const dialog = page.locator(".v-dialog--active");
  await dialog.getByLabel("Server URL").fill(base);
  await dialog.getByLabel("Username").fill(USER);
  await dialog.getByLabel("Password").fill(password);
  const pathField = dialog.getByLabel("Path");
  if (!(await pathField.isVisible())) await dialog.getByText("Advanced options").click();
  await pathField.fill("/socket.io");
  await dialog.getByRole("button", { name: "Connect" }).click();
}

/** The (visible) status chip of the UI's top bar, reading `text`. */
const status = (page, text) => page.locator("header .v-chip__content:visible").filter({ hasText: text }).first();

/** Waits until a table row reads exactly `cells`. */
function waitRow(page, cells) {
  return page.waitForFunction(
    (want) =>
      [...document.querySelectorAll("tr")].some((tr) => {
        const got = [...tr.querySelectorAll("td")].map((td) => td.textContent.trim());
        return want.every((w, i) => got[i] === w);
      }),
    cells,
    { timeout: TIMEOUT },
  );
}

describe("admin UI in Chromium", () => {
  test("the UI logs in and lists the chat clients, live; the CDN being unreachable does not matter", async (t) => {
    const s = await setup(t);
    const alice = await s.chat("alice");
    const bob = await s.chat("bob");
    const aliceId = await alice.page.evaluate(() => window.chat.socket.id);
    const bobId = await bob.page.evaluate(() => window.chat.socket.id);

    const admin = await s.admin();
    const page = admin.page;
    // The page runs although the CDN stylesheets never answered.
    await page.locator(".v-dialog--active").getByLabel("Server URL").waitFor({ timeout: TIMEOUT });
    assert.ok(admin.held.length >= 2, `the CDN requests were held (${admin.held.map((r) => r.request().url())})`);

    // A wrong password: refused, the form stays.
    await fillConnectionForm(page, s.server.url, "wrong");
    await page.locator(".v-dialog--active").getByText(/invalid credentials/i).waitFor({ timeout: TIMEOUT });

    await fillConnectionForm(page, s.server.url, PASSWORD);
    await status(page, /^connected$/i).waitFor({ timeout: TIMEOUT });
    await page.locator(".v-dialog--active").waitFor({ state: "detached", timeout: TIMEOUT });

    // Dashboard: the main namespace holds the two chat sockets, the admin one its own.
    await waitRow(page, ["/", "2"]);
    await waitRow(page, ["/admin", "1"]);
    // Let a stats period pass, so that the charts have the traffic.
    await sleep(2500);
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = path.join(SCREENSHOT_DIR, "admin.png");
    await page.screenshot({ path: file });
    assert.ok(fs.statSync(file).size > 10000, "screenshot written");
    console.log(`screenshot: ${file}`);

    // Sockets page: both chat sockets by id, with their transport.
    await page.getByText("Sockets", { exact: true }).first().click();
    await page.getByText(aliceId, { exact: true }).waitFor({ timeout: TIMEOUT });
    await page.getByText(bobId, { exact: true }).waitFor({ timeout: TIMEOUT });
    await sleep(500); // the page transition
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "admin-sockets.png") });

    // Live: bob leaves, his socket goes from the list (socket_disconnected); a new one comes.
    await bob.close();
    await page.getByText(bobId, { exact: true }).waitFor({ state: "detached", timeout: TIMEOUT });
    const carol = await s.chat("carol");
    const carolId = await carol.page.evaluate(() => window.chat.socket.id);
    await page.getByText(carolId, { exact: true }).waitFor({ timeout: TIMEOUT });
    await page.getByText(aliceId, { exact: true }).waitFor({ timeout: TIMEOUT });

    assert.deepEqual(admin.errors.map(String), [], "no page error on the admin page");
    assert.deepEqual(alice.errors.map(String), [], "no page error on alice's page");
  });

  test("the admin namespace: credentials, the session event before the connect, session reuse, CORS", async (t) => {
    const s = await setup(t);

    const refused = s.client("/admin", { auth: { username: USER, password: "nope" } });
    const err = await new Promise((resolve) => refused.on("connect_error", resolve));
    assert.equal(err.message, "invalid credentials");

    const admin = s.client("/admin", { auth: { username: USER, password: PASSWORD } });
    const order = [];
    let session;
    admin.on("session", (id) => {
      session = id;
      order.push(`session connected=${admin.connected}`);
    });
    const config = new Promise((resolve) => admin.on("config", resolve));
    const sockets = new Promise((resolve) => admin.on("all_sockets", resolve));
    admin.on("connect", () => order.push("connect"));
    assert.deepEqual((await config).supportedFeatures, [
      "EMIT",
      "JOIN",
      "LEAVE",
      "DISCONNECT",
      "MJOIN",
      "MLEAVE",
      "MDISCONNECT",
      "AGGREGATED_EVENTS",
      "ALL_EVENTS",
    ]);
    assert.match(session, /^[0-9a-f]{16}$/);
    // socket.io-client holds an event that arrives before the CONNECT, then hands it over
    // when connected, before its own "connect".
    assert.deepEqual(order, ["session connected=true", "connect"]);
    const all = await sockets;
    assert.deepEqual(
      all.map((sock) => sock.nsp),
      ["/admin"],
    );
    assert.deepEqual(Object.keys(all[0]), ["id", "clientId", "transport", "nsp", "data", "handshake", "rooms"]);
    assert.equal(all[0].id, admin.id);
    assert.equal(all[0].clientId, admin.io.engine.id.slice(0, 12));
    assert.equal(all[0].handshake.address, "127.0.0.1");
    assert.equal(all[0].handshake.auth, undefined, "credentials never leave");

    const stats = await new Promise((resolve) => admin.once("server_stats", resolve));
    // Engine sessions: this one, and the refused client's unless it has closed already.
    assert.ok(stats.clientsCount >= 1 && stats.clientsCount <= 2, `clientsCount ${stats.clientsCount}`);
    assert.equal(typeof stats.uptime, "number");
    assert.ok(Array.isArray(stats.aggregatedEvents));
    assert.deepEqual(
      stats.namespaces.map((n) => [n.name, n.socketsCount]),
      [
        ["/", 0],
        ["/admin", 1],
      ],
    );

    // A later connection with the session id: no password, no new session.
    const again = s.client("/admin", { auth: { sessionId: session } });
    let newSession = false;
    again.on("session", () => (newSession = true));
    await new Promise((resolve, reject) => {
      again.on("connect", resolve);
      again.on("connect_error", reject);
    });
    assert.equal(newSession, false);

    // CORS with credentials for the page's own origins only.
    const { port } = s.server;
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const res = await fetch(`${s.server.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("access-control-allow-origin"), origin);
      assert.equal(res.headers.get("access-control-allow-credentials"), "true");
    }
    const other = await fetch(`${s.server.url}/socket.io/?EIO=4&transport=polling`, {
      headers: { origin: "http://example.com" },
    });
    assert.equal(other.headers.get("access-control-allow-origin"), null);

    // The UI's files, under /admin/.
    assert.equal((await fetch(`${s.server.url}/admin`, { redirect: "manual" })).headers.get("location"), "/admin/");
    const index = await (await fetch(`${s.server.url}/admin/`)).text();
    assert.match(index, /<title>Socket.IO Admin UI<\/title>/);
    const js = await fetch(`${s.server.url}/admin/js/app.0d7d7845.js`);
    assert.equal(js.status, 200);
    assert.equal(
      (await js.arrayBuffer()).byteLength,
      fs.statSync(path.join(ADMIN_UI_DIST, "js", "app.0d7d7845.js")).size,
    );
  });

  test("without --admin-user and --admin-password there is no admin namespace and no UI", async (t) => {
    const s = await setup(t, []);
    assert.equal((await fetch(`${s.server.url}/admin/`)).status, 404);
    const socket = s.client("/admin", { auth: { username: USER, password: PASSWORD } });
    const err = await new Promise((resolve) => socket.on("connect_error", resolve));
    assert.equal(err.message, "Invalid namespace");
    assert.doesNotMatch(s.server.output(), /admin UI/);
  });
});
