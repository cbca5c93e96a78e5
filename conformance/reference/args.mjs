// Command line of the reference servers: `--profile <name> --port <P>` (also `--x=v`),
// `--parser json|msgpack`, `--redis URL [--sharded]` (a cluster through
// @socket.io/redis-adapter), `--name NAME`; anything else (e.g. `--integration axum`) is meaningless for
// Node and ignored.
// Exits with status 2 on a profile the calling server does not implement.
export function parseArgs(argv, profiles) {
  const out = { profile: profiles[0], port: 0, parser: "json", redis: null, sharded: false, streams: false, name: "node", cookie: false, nodeOptions: false, noTrailingSlash: false, recovery: false, recoveryMs: 120000, recoverySkip: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--profile") out.profile = argv[++i];
    else if (a.startsWith("--profile=")) out.profile = a.slice("--profile=".length);
    else if (a === "--port") out.port = Number(argv[++i]);
    else if (a.startsWith("--port=")) out.port = Number(a.slice("--port=".length));
    else if (a === "--parser") out.parser = argv[++i];
    else if (a === "--redis") out.redis = argv[++i];
    else if (a === "--sharded") out.sharded = true;
    else if (a === "--streams") out.streams = true;
    else if (a === "--cookie") out.cookie = true;
    else if (a === "--node-options") out.nodeOptions = true;
    else if (a === "--no-trailing-slash") out.noTrailingSlash = true;
    else if (a === "--recovery") out.recovery = true;
    else if (a === "--recovery-duration-ms") out.recoveryMs = Number(argv[++i]);
    else if (a === "--recovery-no-skip") out.recoverySkip = false;
    else if (a === "--name") out.name = argv[++i];
    else if (a.startsWith("--parser=")) out.parser = a.slice("--parser=".length);
  }
  if (!["json", "msgpack"].includes(out.parser)) {
    console.error(`unknown parser: ${out.parser}`);
    process.exit(2);
  }
  if (!profiles.includes(out.profile)) {
    console.error(`unknown profile: ${out.profile}`);
    process.exit(2);
  }
  return out;
}
