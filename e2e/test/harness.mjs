// Harness of the chat browser tests: start/stop the chat binary, drive Chromium pages.
//
// Env:
//   CHAT_BIN          the chat binary (default ../target/release/chat; build it with
//                     `cargo build --release -p chat-example`)
//   CHROMIUM_PATH     the browser (default /usr/bin/chromium, Debian's `chromium` package)
//   E2E_TIMEOUT_MS    how long a single wait may take (default 15000)

import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const CHAT_BIN = process.env.CHAT_BIN || path.join(E2E_DIR, "..", "target", "release", "chat");
export const CLIENT_DIST = path.join(E2E_DIR, "node_modules", "socket.io-client", "dist");
export const ADMIN_UI_DIST = path.join(E2E_DIR, "node_modules", "@socket.io", "admin-ui", "ui", "dist");
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const TIMEOUT = Number(process.env.E2E_TIMEOUT_MS || 15000);
export const SCREENSHOT_DIR = path.join(E2E_DIR, "screenshots");

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A port nobody listens on right now. */
export async function freePort() {
  const srv = net.createServer();
  srv.listen(0, "127.0.0.1");
  await once(srv, "listening");
  const { port } = srv.address();
  srv.close();
  await once(srv, "close");
  return port;
}

// Servers still running when the test process exits are killed (by PID) on the way out.
const live = new Set();
process.on("exit", () => {
  for (const proc of live) {
    try {
      process.kill(proc.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * Starts the chat on `port` and resolves once it printed `listening on 127.0.0.1:<port>`.
 * `args` go to the chat binary too (e.g. `--admin-user`, `--admin-password`).
 * Returns { proc, port, url, stop() }; stop() kills it by PID (SIGKILL) and waits for the exit.
 */
export async function startChat(port, args = []) {
  if (!fs.existsSync(CHAT_BIN)) {
    throw new Error(`no chat binary at ${CHAT_BIN}: run \`cargo build --release -p chat-example\` or set CHAT_BIN`);
  }
  const proc = spawn(CHAT_BIN, ["--port", String(port), "--client-dir", CLIENT_DIST, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  live.add(proc);
  const exited = new Promise((resolve) =>
    proc.once("exit", (code, signal) => {
      live.delete(proc);
      resolve([code, signal]);
    }),
  );
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chat did not start within 30 s:\n${output}`)), 30000);
    const done = (err) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    proc.stdout.setEncoding("utf8").on("data", (chunk) => {
      output += chunk;
      if (output.includes(`listening on 127.0.0.1:${port}`)) done();
    });
    proc.stderr.setEncoding("utf8").on("data", (chunk) => (output += chunk));
    proc.on("error", done);
    exited.then(([code, signal]) => done(new Error(`chat exited early (${code ?? signal}):\n${output}`)));
  });
  try {
    await ready;
  } catch (e) {
    if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid, "SIGKILL");
    throw e;
  }
  return {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      process.kill(proc.pid, "SIGKILL");
      await exited;
    },
  };
}

/** Launches Debian's Chromium headless (no browser download). */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/**
 * Opens the chat in a fresh browser context as `name` and waits until logged in.
 * `transport`: "polling" or "websocket" forces one (`?transport=`); default lets it upgrade.
 */
export async function openChat(browser, base, name, { transport } = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 680 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const query = new URLSearchParams({ name });
  if (transport) query.set("transport", transport);
  await page.goto(`${base}/?${query}`);
  await page.click("#login-form button");
  await page.locator("#status[data-state=connected]").waitFor({ timeout: TIMEOUT });
  await waitText(page, log(EVERYONE, ".notice"), `Welcome, ${name}!`);
  return {
    page,
    name,
    errors,
    close: () => context.close(),
  };
}

export const EVERYONE = "";

/** The selector of items of one channel's log ("" is everyone). */
export function log(channel, what = "li") {
  return `.log[data-channel="${channel}"] ${what}`;
}

/** Waits until an element matching `selector` contains `text` (hidden ones count: inactive channels). */
export async function waitText(page, selector, text, timeout = TIMEOUT) {
  await page.locator(selector).filter({ hasText: text }).first().waitFor({ state: "attached", timeout });
}

/** How many elements matching `selector` contain `text`. */
export function countText(page, selector, text) {
  return page.locator(selector).filter({ hasText: text }).count();
}

/** Types and sends a message in the active channel. */
export async function send(page, text) {
  await page.fill("#input", text);
  await page.press("#input", "Enter");
}

/** Joins a room and waits until its channel is active. */
export async function joinRoom(page, room) {
  await page.fill("#room-name", room);
  await page.click("#join-form button");
  await waitText(page, log(room, ".notice"), `You joined #${room}`);
}

/** The transport in use, as the client reports it. */
export function transportOf(page) {
  return page.evaluate(() => window.chat.socket.io.engine.transport.name);
}
