#!/usr/bin/env node
// Single entry point of the Node reference servers: dispatches on --profile.
//   eio, eio3     -> eio-server.mjs (Engine.IO, see ../test/harness.mjs)
//   sio, sio-full, sio3 -> sio-server.mjs (Socket.IO, see ../SIO_CONTRACT.md)
//   hard, hard-max -> hardening-server.mjs (see ../src/hardening.rs)
// Usage: node reference/server.mjs --profile <profile> --port <P> [ignored extra args]
const argv = process.argv.slice(2);
let profile = "eio";
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--profile") profile = argv[i + 1];
  else if (argv[i].startsWith("--profile=")) profile = argv[i].slice("--profile=".length);
}
if (profile === "eio" || profile === "eio3") await import("./eio-server.mjs");
else if (profile === "sio" || profile === "sio-full" || profile === "sio3") await import("./sio-server.mjs");
else if (profile === "hard" || profile === "hard-max") await import("./hardening-server.mjs");
else {
  console.error(`unknown profile: ${profile}`);
  process.exit(2);
}
