// Custom node:test reporter that prints only the closing summary, as TAP-style
// lines (`# tests N`, `# pass N`, `# fail N`, ...) followed by one plain line
// `e2e: N passed, N failed, N skipped`. Used next to the spec reporter
// (see package.json) so the run ends with machine-readable totals.
export default async function* summaryReporter(source) {
  const summary = {};
  for await (const event of source) {
    if (event.type !== "test:diagnostic") continue;
    const m = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)$/.exec(
      event.data.message ?? "",
    );
    if (m && (event.data.nesting ?? 0) === 0) summary[m[1]] = m[2];
  }
  const keys = ["tests", "suites", "pass", "fail", "cancelled", "skipped", "todo", "duration_ms"];
  let out = "\n";
  for (const k of keys) if (summary[k] !== undefined) out += `# ${k} ${summary[k]}\n`;
  const fail = Number(summary.fail ?? 0) + Number(summary.cancelled ?? 0);
  out += `e2e: ${summary.pass ?? 0} passed, ${fail} failed, ${summary.skipped ?? 0} skipped\n`;
  yield out;
}
