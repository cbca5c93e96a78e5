//! The report: medians of a JSON-lines results file (one line per loadgen run), with ratios
//! to the Node server and to the raw ceiling, as Markdown; and the criterion headline numbers.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// The label of the raw ceiling server in results files.
pub const RAW: &str = "raw";
/// The label of the Node reference server in results files.
pub const NODE: &str = "node";
/// Our server on one node, the reference of the cluster and recovery ratios (the extra
/// servers below run the same integration).
pub const OURS: &str = "ours-hyper";
/// Node with `connectionStateRecovery: {}`.
pub const NODE_RECOVERY: &str = "node-recovery";
/// Ours with `connection_state_recovery(Default::default())`.
pub const OURS_RECOVERY: &str = "ours-recovery";
/// Two Node servers on one Redis (`@socket.io/redis-adapter`).
pub const NODE_CLUSTER: &str = "node-cluster";
/// Two of our servers on one Redis (`socketio_adapter_redis::create_adapter`).
pub const OURS_CLUSTER: &str = "ours-cluster";

/// Whether a server label is one of the extra cases (recovery on, clusters), reported in
/// their own sections rather than in the main table.
pub fn is_extra(server: &str) -> bool {
    server.ends_with("-recovery") || server.ends_with("-cluster")
}

/// One loadgen result line.
#[derive(Clone, Debug)]
pub struct Record {
    /// Server label (`raw`, `node`, `ours-hyper`, ...).
    pub server: String,
    /// Scenario name.
    pub scenario: String,
    /// Figures by name.
    pub metrics: Vec<(String, f64)>,
    /// Load generator CPU share over the window.
    pub loadgen_cpu: f64,
    /// Server CPU share over the window, if known.
    pub server_cpu: Option<f64>,
    /// Client errors.
    pub errors: u64,
}

/// Parses a results file; lines that are not loadgen results are skipped.
pub fn parse(text: &str) -> Vec<Record> {
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|v| {
            let metrics = v.get("metrics")?.as_object()?;
            Some(Record {
                server: v.get("server")?.as_str()?.to_owned(),
                scenario: v.get("scenario")?.as_str()?.to_owned(),
                metrics: metrics
                    .iter()
                    .filter_map(|(k, m)| Some((k.clone(), m.as_f64()?)))
                    .collect(),
                loadgen_cpu: v
                    .get("loadgen_cpu")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::NAN),
                server_cpu: v.get("server_cpu").and_then(Value::as_f64),
                errors: v.get("errors").and_then(Value::as_u64).unwrap_or(0),
            })
        })
        .collect()
}

/// The median of some values (mean of the two middle ones for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

/// Whether a higher value of this metric is better (throughputs) or lower (latency, memory).
pub fn higher_is_better(metric: &str) -> bool {
    metric.ends_with("_per_s")
}

/// The issue's targets: (scenario, metric, bound on ours/raw, whether the bound is a minimum).
pub const TARGETS: [(&str, &str, f64, bool); 5] = [
    ("connect", "conn_per_s", 0.9, true),
    ("echo-100", "acks_per_s", 0.9, true),
    ("echo-100x8", "rtt_p99_ms", 2.0, false),
    ("broadcast", "deliveries_per_s", 0.9, true),
    ("idle", "kib_per_conn", 1.1, false),
];

/// (scenario, server).
type CellKey = (String, String);
/// Values of each metric, in order of first appearance.
type MetricValues = Vec<(String, Vec<f64>)>;

/// CPU shares and errors of one cell.
#[derive(Clone, Default)]
struct CpuCell {
    loadgen: Vec<f64>,
    server: Vec<f64>,
    errors: u64,
    runs: usize,
}

struct Summary {
    servers: Vec<String>,
    scenarios: Vec<String>,
    /// (scenario, server) -> metric -> values
    values: BTreeMap<CellKey, MetricValues>,
    cpu: BTreeMap<CellKey, CpuCell>,
}

impl Summary {
    fn new(records: &[Record]) -> Self {
        let mut servers: Vec<String> = Vec::new();
        let mut scenarios: Vec<String> = Vec::new();
        let mut values: BTreeMap<CellKey, MetricValues> = BTreeMap::new();
        let mut cpu: BTreeMap<CellKey, CpuCell> = BTreeMap::new();
        for r in records {
            if !servers.contains(&r.server) {
                servers.push(r.server.clone());
            }
            if !scenarios.contains(&r.scenario) {
                scenarios.push(r.scenario.clone());
            }
            let key = (r.scenario.clone(), r.server.clone());
            let entry = values.entry(key.clone()).or_default();
            for (name, v) in &r.metrics {
                match entry.iter_mut().find(|(n, _)| n == name) {
                    Some((_, list)) => list.push(*v),
                    None => entry.push((name.clone(), vec![*v])),
                }
            }
            let c = cpu.entry(key).or_default();
            c.loadgen.push(r.loadgen_cpu);
            if let Some(s) = r.server_cpu {
                c.server.push(s);
            }
            c.errors += r.errors;
            c.runs += 1;
        }
        // raw and node first, then ours in order of appearance.
        servers.sort_by_key(|s| match s.as_str() {
            RAW => 0,
            NODE => 1,
            _ => 2,
        });
        Summary {
            servers,
            scenarios,
            values,
            cpu,
        }
    }

    /// The same figures, for the servers `keep` accepts (and the scenarios they ran).
    fn only(&self, keep: impl Fn(&str) -> bool) -> Summary {
        let servers: Vec<String> = self.servers.iter().filter(|x| keep(x)).cloned().collect();
        let scenarios = self
            .scenarios
            .iter()
            .filter(|sc| {
                servers
                    .iter()
                    .any(|x| self.cpu.contains_key(&((*sc).clone(), x.clone())))
            })
            .cloned()
            .collect();
        let kept = |key: &CellKey| keep(&key.1);
        Summary {
            servers,
            scenarios,
            values: self
                .values
                .iter()
                .filter(|(k, _)| kept(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            cpu: self
                .cpu
                .iter()
                .filter(|(k, _)| kept(k))
                .map(|(k, c)| (k.clone(), c.clone()))
                .collect(),
        }
    }

    fn has(&self, scenario: &str, server: &str) -> bool {
        self.cpu
            .contains_key(&(scenario.to_owned(), server.to_owned()))
    }

    /// "loadgen / server" CPU shares of a cell, with its errors.
    fn cpu_cell(&self, scenario: &str, server: &str) -> String {
        match self.cpu.get(&(scenario.to_owned(), server.to_owned())) {
            Some(c) => {
                let mut cell = format!(
                    "{} / {}",
                    fmt_value(median(&c.loadgen)),
                    fmt_value(median(&c.server))
                );
                if c.errors > 0 {
                    cell.push_str(&format!(" ({} errors)", c.errors));
                }
                cell
            }
            None => "n/a".to_owned(),
        }
    }

    fn get(&self, scenario: &str, server: &str, metric: &str) -> f64 {
        self.values
            .get(&(scenario.to_owned(), server.to_owned()))
            .and_then(|m| m.iter().find(|(n, _)| n == metric))
            .map_or(f64::NAN, |(_, v)| median(v))
    }

    fn metrics_of(&self, scenario: &str) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for server in &self.servers {
            if let Some(m) = self.values.get(&(scenario.to_owned(), server.clone())) {
                for (n, _) in m {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
        }
        names
    }
}

fn fmt_value(v: f64) -> String {
    if !v.is_finite() {
        "n/a".to_owned()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn fmt_ratio(v: f64, reference: f64) -> Option<String> {
    if !v.is_finite() || !reference.is_finite() || reference == 0.0 {
        return None;
    }
    Some(format!("{:.2}×", v / reference))
}

/// The Markdown comparison of variants of one server against `baseline` (for example tracing
/// on vs off): for each scenario and metric, the median of each server, the spread of its runs
/// (min-max as a share of the median: the noise), and its ratio to the baseline's median.
///
/// Each record with a throughput (`*_per_s`) and the server's CPU share also gets
/// `server_cpu_us_per_op`: the server's CPU time per operation (µs), a cost figure that does
/// not need a saturated server.
pub fn comparison_markdown(records: &[Record], baseline: &str) -> String {
    let records: Vec<Record> = records.iter().cloned().map(with_cpu_per_op).collect();
    let s = Summary::new(&records);
    let others: Vec<&String> = s.servers.iter().filter(|x| *x != baseline).collect();
    let mut out = String::new();
    out.push_str(&format!(
        "Medians of the runs; `±` is the spread of the runs (max - min) / median; ratios are \
         value / `{baseline}` (`↑` higher is better, `↓` lower is better); \
         `server_cpu_us_per_op` is the server's CPU time per ack or delivery.\n\n\
         | scenario | metric | {baseline} |"
    ));
    for o in &others {
        out.push_str(&format!(" {o} |"));
    }
    out.push_str("\n|---|---|---:|");
    for _ in &others {
        out.push_str("---:|");
    }
    out.push('\n');
    for scenario in &s.scenarios {
        for metric in s.metrics_of(scenario) {
            let arrow = if higher_is_better(&metric) {
                "↑"
            } else {
                "↓"
            };
            let base = s.get(scenario, baseline, &metric);
            out.push_str(&format!(
                "| {scenario} | {metric} {arrow} | {} |",
                cell_with_spread(&s, scenario, baseline, &metric)
            ));
            for o in &others {
                let v = s.get(scenario, o, &metric);
                let ratio = if v.is_finite() && base.is_finite() && base != 0.0 {
                    format!("{:.3}×", v / base)
                } else {
                    "n/a".into()
                };
                out.push_str(&format!(
                    " {} ({ratio}) |",
                    cell_with_spread(&s, scenario, o, &metric)
                ));
            }
            out.push('\n');
        }
    }
    out
}

/// Adds `server_cpu_us_per_op` (server CPU share / throughput, in µs) when both are known.
fn with_cpu_per_op(mut r: Record) -> Record {
    let throughput = r
        .metrics
        .iter()
        .find(|(n, _)| higher_is_better(n))
        .map(|(_, v)| *v);
    if let (Some(cpu), Some(ops)) = (r.server_cpu, throughput) {
        if ops > 0.0 {
            r.metrics
                .push(("server_cpu_us_per_op".into(), cpu / ops * 1e6));
        }
    }
    r
}

/// `median ±spread%` of one cell.
fn cell_with_spread(s: &Summary, scenario: &str, server: &str, metric: &str) -> String {
    let values = s
        .values
        .get(&(scenario.to_owned(), server.to_owned()))
        .and_then(|m| m.iter().find(|(n, _)| n == metric))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let med = median(&values);
    if !med.is_finite() {
        return "n/a".into();
    }
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if med == 0.0 || values.len() < 2 {
        return fmt_value(med);
    }
    format!("{} ±{:.1}%", fmt_value(med), (max - min) / med * 100.0)
}

/// The Markdown report of `records`: a table of medians with ratios to Node and raw, the CPU
/// shares, and the issue's targets; then the cluster and recovery cases, when present.
pub fn markdown(records: &[Record]) -> String {
    let all = Summary::new(records);
    let mut out = main_tables(&all.only(|server| !is_extra(server)));
    out.push_str(&cluster_section(&all));
    out.push_str(&recovery_section(&all));
    out
}

/// The main table, CPU table and targets over every server of `s`.
fn main_tables(s: &Summary) -> String {
    let mut out = String::new();
    let runs = s.cpu.values().map(|c| c.runs).max().unwrap_or(0);
    out.push_str(&format!(
        "Medians of {runs} run(s) per cell. Ratios are value / reference (`↑` higher is better, `↓` lower is better).\n\n"
    ));
    out.push_str("| scenario | metric |");
    for server in &s.servers {
        out.push_str(&format!(" {server} |"));
    }
    out.push('\n');
    out.push_str("|---|---|");
    for _ in &s.servers {
        out.push_str("---:|");
    }
    out.push('\n');
    for scenario in &s.scenarios {
        for metric in s.metrics_of(scenario) {
            let arrow = if metric == "lost" {
                "↓"
            } else if higher_is_better(&metric) {
                "↑"
            } else {
                "↓"
            };
            out.push_str(&format!("| {scenario} | {metric} {arrow} |"));
            let raw = s.get(scenario, RAW, &metric);
            let node = s.get(scenario, NODE, &metric);
            for server in &s.servers {
                let v = s.get(scenario, server, &metric);
                let mut cell = fmt_value(v);
                if metric != "lost" && metric != "rss_mib" {
                    let mut ratios = Vec::new();
                    if server != RAW {
                        if let Some(r) = fmt_ratio(v, raw) {
                            ratios.push(format!("{r} raw"));
                        }
                    }
                    if server != RAW && server != NODE {
                        if let Some(r) = fmt_ratio(v, node) {
                            ratios.push(format!("{r} node"));
                        }
                    }
                    if !ratios.is_empty() {
                        cell.push_str(&format!(" ({})", ratios.join(", ")));
                    }
                }
                out.push_str(&format!(" {cell} |"));
            }
            out.push('\n');
        }
    }

    out.push_str("\nCPU share over the measured window, median (1.00 = one core busy): load generator / server. Errors: client errors summed over runs.\n\n");
    out.push_str("| scenario |");
    for server in &s.servers {
        out.push_str(&format!(" {server} |"));
    }
    out.push_str("\n|---|");
    for _ in &s.servers {
        out.push_str("---:|");
    }
    out.push('\n');
    for scenario in &s.scenarios {
        out.push_str(&format!("| {scenario} |"));
        for server in &s.servers {
            out.push_str(&format!(" {} |", s.cpu_cell(scenario, server)));
        }
        out.push('\n');
    }

    let ours: Vec<&String> = s
        .servers
        .iter()
        .filter(|x| x.as_str() != RAW && x.as_str() != NODE)
        .collect();
    out.push_str("\nTargets of the issue (ratio to raw):\n\n| target |");
    for server in &ours {
        out.push_str(&format!(" {server} |"));
    }
    out.push_str(" node |\n|---|");
    for _ in 0..=ours.len() {
        out.push_str("---:|");
    }
    out.push('\n');
    for (scenario, metric, bound, minimum) in TARGETS {
        let op = if minimum { "≥" } else { "≤" };
        out.push_str(&format!("| {scenario} {metric} {op} {bound}× raw |"));
        let raw = s.get(scenario, RAW, metric);
        for server in ours.iter().map(|x| x.as_str()).chain([NODE]) {
            let ratio = s.get(scenario, server, metric) / raw;
            if ratio.is_finite() {
                let ok = if minimum {
                    ratio >= bound
                } else {
                    ratio <= bound
                };
                let mark = if ok { "met" } else { "missed" };
                out.push_str(&format!(" {ratio:.2}× {mark} |"));
            } else {
                out.push_str(" n/a |");
            }
        }
        out.push('\n');
    }
    out
}

/// "met" or "missed": whether `ratio` is at least (`minimum`) or at most `bound`.
fn verdict(ratio: f64, bound: f64, minimum: bool) -> String {
    if !ratio.is_finite() {
        return "n/a".to_owned();
    }
    let ok = if minimum {
        ratio >= bound
    } else {
        ratio <= bound
    };
    format!("{ratio:.2}× {}", if ok { "met" } else { "missed" })
}

/// The cluster case (issue 11): `broadcast` on two servers sharing one Redis, against one node.
fn cluster_section(s: &Summary) -> String {
    const SCENARIO: &str = "broadcast";
    if !s.has(SCENARIO, OURS_CLUSTER) && !s.has(SCENARIO, NODE_CLUSTER) {
        return String::new();
    }
    let mut out = String::from(
        "\n## Cluster: two servers on one Redis (issue 11)\n\n\
         `broadcast` with its receivers split between two server processes that share one \
         `redis-server` (the classic adapter: ours `socketio_adapter_redis::create_adapter`, \
         Node `@socket.io/redis-adapter` 8.3.0 on `redis` 4.7.1), the sender on the first. Both \
         servers and `redis-server` run on CPU 0, so a cluster has the CPU of one node: the \
         difference to one node is the cost of the adapter. Server CPU is summed over the three \
         processes. Medians.\n\n\
         | server | deliveries_per_s ↑ | latency_p50_ms ↓ | latency_p99_ms ↓ | lost ↓ | CPU loadgen / server |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for server in [NODE, NODE_CLUSTER, OURS, OURS_CLUSTER] {
        if !s.has(SCENARIO, server) {
            continue;
        }
        let name = match server {
            NODE | OURS => format!("{server} (one node)"),
            _ => format!("{server} (two nodes + Redis)"),
        };
        out.push_str(&format!("| {name} |"));
        for metric in [
            "deliveries_per_s",
            "latency_p50_ms",
            "latency_p99_ms",
            "lost",
        ] {
            out.push_str(&format!(
                " {} |",
                fmt_value(s.get(SCENARIO, server, metric))
            ));
        }
        out.push_str(&format!(" {} |\n", s.cpu_cell(SCENARIO, server)));
    }
    let rate = |server| s.get(SCENARIO, server, "deliveries_per_s");
    let p99 = |server| s.get(SCENARIO, server, "latency_p99_ms");
    out.push_str("\n| target (deliveries/s) | ratio |\n|---|---:|\n");
    out.push_str(&format!(
        "| ours-cluster ≥ 5× node-cluster | {} |\n",
        verdict(rate(OURS_CLUSTER) / rate(NODE_CLUSTER), 5.0, true)
    ));
    out.push_str(&format!(
        "| ours-cluster ≥ 0.6× ours on one node ({OURS}) | {} |\n",
        verdict(rate(OURS_CLUSTER) / rate(OURS), 0.6, true)
    ));
    out.push_str(&format!(
        "| for reference: node-cluster / node on one node | {} |\n",
        fmt_ratio(rate(NODE_CLUSTER), rate(NODE)).unwrap_or_else(|| "n/a".to_owned())
    ));
    out.push_str(&format!(
        "| for reference: latency p99, ours-cluster / node-cluster (↓) | {} |\n",
        fmt_ratio(p99(OURS_CLUSTER), p99(NODE_CLUSTER)).unwrap_or_else(|| "n/a".to_owned())
    ));
    out
}

/// The recovery cases (issue 12): throughput with recovery on vs off, and `recover-1000`.
fn recovery_section(s: &Summary) -> String {
    let on_off = [
        ("echo-100", "acks_per_s"),
        ("broadcast", "deliveries_per_s"),
        ("broadcast", "latency_p99_ms"),
    ];
    let any_on_off = on_off
        .iter()
        .any(|(sc, _)| s.has(sc, OURS_RECOVERY) || s.has(sc, NODE_RECOVERY));
    let recover = "recover-1000";
    let any_recover = s.has(recover, OURS_RECOVERY) || s.has(recover, NODE_RECOVERY);
    if !any_on_off && !any_recover {
        return String::new();
    }
    let mut out = String::from("\n## Connection state recovery (issue 12)\n");
    if any_on_off {
        out.push_str(
            "\nThe cost of having it on: the same scenario with recovery on \
             (`bench-server --recovery`: `connection_state_recovery(Default::default())`; \
             `node server.mjs --recovery`: `connectionStateRecovery: {}`) and off, in the same \
             run. Every broadcast event then carries an offset and is kept for replay (acks are \
             not). Target: ours on ≥ 0.9× ours off.\n\n\
             | scenario | metric | node | node-recovery | on / off | ours-hyper | ours-recovery | on / off |\n\
             |---|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for (scenario, metric) in on_off {
            let arrow = if higher_is_better(metric) {
                "↑"
            } else {
                "↓"
            };
            let v = |server| s.get(scenario, server, metric);
            let ratio = |on: f64, off: f64| fmt_ratio(on, off).unwrap_or_else(|| "n/a".to_owned());
            let ours = if higher_is_better(metric) {
                verdict(v(OURS_RECOVERY) / v(OURS), 0.9, true)
            } else {
                ratio(v(OURS_RECOVERY), v(OURS))
            };
            out.push_str(&format!(
                "| {scenario} | {metric} {arrow} | {} | {} | {} | {} | {} | {ours} |\n",
                fmt_value(v(NODE)),
                fmt_value(v(NODE_RECOVERY)),
                ratio(v(NODE_RECOVERY), v(NODE)),
                fmt_value(v(OURS)),
                fmt_value(v(OURS_RECOVERY)),
            ));
        }
    }
    if any_recover {
        out.push_str(
            "\n`recover-1000`: the time to recover a socket that missed 1000 broadcast events, \
             from its reconnect (TCP connect) to the CONNECT reply and every missed event; \
             medians over runs of each figure (p50/p99 over the recoveries of a run).\n\n\
             | metric | node-recovery | ours-recovery |\n|---|---:|---:|\n",
        );
        for metric in s.metrics_of(recover) {
            let node = s.get(recover, NODE_RECOVERY, &metric);
            let ours = s.get(recover, OURS_RECOVERY, &metric);
            let mut cell = fmt_value(ours);
            if metric.ends_with("_ms") {
                if let Some(r) = fmt_ratio(ours, node) {
                    cell.push_str(&format!(" ({r} node)"));
                }
            }
            let arrow = if metric.ends_with("_ms") { " ↓" } else { "" };
            out.push_str(&format!(
                "| {metric}{arrow} | {} | {cell} |\n",
                fmt_value(node)
            ));
        }
        out.push_str(&format!(
            "| CPU loadgen / server | {} | {} |\n",
            s.cpu_cell(recover, NODE_RECOVERY),
            s.cpu_cell(recover, OURS_RECOVERY)
        ));
    }
    out
}

/// The criterion results under `dir` (`target/criterion`) written after `since`
/// (modification time), as a Markdown table of mean times.
pub fn criterion_markdown(dir: &Path, since: Option<std::time::SystemTime>) -> String {
    let mut rows = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return String::new();
    };
    for entry in entries.flatten() {
        let new = entry.path().join("new");
        let (Ok(bench), Ok(estimates)) = (
            std::fs::read_to_string(new.join("benchmark.json")),
            std::fs::read_to_string(new.join("estimates.json")),
        ) else {
            continue;
        };
        if let Some(since) = since {
            let fresh = std::fs::metadata(new.join("estimates.json"))
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= since);
            if !fresh {
                continue;
            }
        }
        let (Ok(bench), Ok(estimates)) = (
            serde_json::from_str::<Value>(&bench),
            serde_json::from_str::<Value>(&estimates),
        ) else {
            continue;
        };
        let id = bench.get("full_id").and_then(Value::as_str).unwrap_or("?");
        let mean = estimates
            .pointer("/mean/point_estimate")
            .and_then(Value::as_f64);
        if let Some(mean) = mean {
            rows.push((id.to_owned(), mean));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::from("| codec bench | mean time |\n|---|---:|\n");
    for (id, ns) in rows {
        let time = if ns >= 1000.0 {
            format!("{:.2} µs", ns / 1000.0)
        } else {
            format!("{ns:.1} ns")
        };
        out.push_str(&format!("| {id} | {time} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_to_a_baseline_with_spread() {
        let line = |server: &str, v: f64| {
            format!(
                r#"{{"server":"{server}","scenario":"echo-100","metrics":{{"acks_per_s":{v}}},"loadgen_cpu":0.5,"server_cpu":1.0,"errors":0}}"#
            )
        };
        let text = [
            line("ours-hyper", 100.0),
            line("ours-hyper", 110.0),
            line("ours-hyper", 90.0),
            line("ours-info", 99.0),
            line("ours-info", 97.0),
            line("ours-info", 98.0),
        ]
        .join("\n");
        let md = comparison_markdown(&parse(&text), "ours-hyper");
        assert!(
            md.contains("| echo-100 | acks_per_s ↑ | 100 ±20.0% | 98.0 ±2.0% (0.980×) |"),
            "{md}"
        );
    }

    #[test]
    fn medians_and_ratios() {
        let lines = [
            r#"{"server":"raw","scenario":"echo-100","metrics":{"acks_per_s":100.0},"loadgen_cpu":0.5,"server_cpu":1.0,"errors":0}"#,
            r#"{"server":"raw","scenario":"echo-100","metrics":{"acks_per_s":300.0},"loadgen_cpu":0.5,"server_cpu":1.0,"errors":0}"#,
            r#"{"server":"raw","scenario":"echo-100","metrics":{"acks_per_s":200.0},"loadgen_cpu":0.5,"server_cpu":1.0,"errors":0}"#,
            r#"{"server":"ours-hyper","scenario":"echo-100","metrics":{"acks_per_s":180.0},"loadgen_cpu":0.4,"server_cpu":1.0,"errors":0}"#,
            "not json",
        ];
        let records = parse(&lines.join("\n"));
        assert_eq!(records.len(), 4);
        let md = markdown(&records);
        assert!(
            md.contains("| echo-100 | acks_per_s ↑ | 200 | 180 (0.90× raw) |"),
            "{md}"
        );
        assert!(md.contains("0.90× met"), "{md}");
        assert_eq!(median(&[1.0, 4.0, 2.0, 3.0]), 2.5);
    }
}
