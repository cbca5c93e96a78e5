//! `loadgen --scenario NAME (--port P | --ports P1,P2,..) [--server-pid PID[,PID..]]
//! [--clients N] [--duration SECS] [--warmup SECS] [--concurrency N] [--label NAME] [--run N]`
//!
//! Runs one scenario against a Socket.IO server on `127.0.0.1:P` on one thread and prints one
//! JSON line to stdout (`{"server":..,"scenario":..,"run":..,"metrics":{..},"loadgen_cpu":..,
//! "server_cpu":..,"errors":..}`) and a human-readable line to stderr. Scenarios:
//! `connect`, `echo-1`, `echo-100`, `echo-100x8`, `broadcast`, `idle`, `polling-echo` (see
//! `bench::scenarios`), `recover-1000` (see `bench::recovery`).
//!
//! A cluster: `--ports` spreads the clients over several servers in turn (the broadcasting
//! client of `broadcast` on the first), and `--server-pid` takes every PID of the server side
//! (its servers and its Redis): CPU shares and memory are summed over them.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use bench::scenarios::{self, Options, Scenario};

struct Args {
    scenario: Scenario,
    opts: Options,
    label: String,
    run: u32,
}

fn parse_args() -> Result<Args, String> {
    let mut scenario = None;
    let mut ports = vec![3000u16];
    let mut server_pids = Vec::new();
    let mut clients = None;
    let mut duration = 5.0f64;
    let mut warmup = 1.0f64;
    let mut label = "server".to_owned();
    let mut run = 1;
    let mut concurrency = 50;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let bad = |e: &dyn std::fmt::Display| format!("{flag}: {e}");
        match flag.as_str() {
            "--scenario" => {
                let name = value()?;
                scenario = Some(
                    Scenario::from_name(&name).ok_or_else(|| format!("unknown scenario {name}"))?,
                );
            }
            "--port" | "--ports" => ports = list(&value()?).map_err(|e| bad(&e))?,
            "--server-pid" => server_pids = list(&value()?).map_err(|e| bad(&e))?,
            "--clients" => clients = Some(value()?.parse().map_err(|e| bad(&e))?),
            "--duration" => duration = value()?.parse().map_err(|e| bad(&e))?,
            "--warmup" => warmup = value()?.parse().map_err(|e| bad(&e))?,
            "--label" => label = value()?,
            "--concurrency" => concurrency = value()?.parse().map_err(|e| bad(&e))?,
            "--run" => run = value()?.parse().map_err(|e| bad(&e))?,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let scenario = scenario.ok_or("--scenario is required")?;
    Ok(Args {
        scenario,
        opts: Options {
            addrs: ports
                .iter()
                .map(|port| SocketAddr::from(([127, 0, 0, 1], *port)))
                .collect(),
            server_pids,
            clients: clients.unwrap_or_else(|| scenario.default_clients()),
            warmup: Duration::from_secs_f64(warmup),
            duration: Duration::from_secs_f64(duration),
            connect_concurrency: concurrency,
        },
        label,
        run,
    })
}

/// A comma-separated list of numbers (at least one).
fn list<T: std::str::FromStr>(text: &str) -> Result<Vec<T>, String>
where
    T::Err: std::fmt::Display,
{
    let items = text
        .split(',')
        .map(|item| {
            item.trim()
                .parse::<T>()
                .map_err(|e| format!("{item:?}: {e}"))
        })
        .collect::<Result<Vec<T>, String>>()?;
    if items.is_empty() {
        return Err("empty list".into());
    }
    Ok(items)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("loadgen: {e}");
            return ExitCode::from(2);
        }
    };
    if bench::proc::raise_nofile_limit().is_none() {
        eprintln!("loadgen: could not raise the open-files limit");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("building the tokio runtime");
    let local = tokio::task::LocalSet::new();
    let outcome = local.block_on(&runtime, scenarios::run(args.scenario, &args.opts));

    let metrics: serde_json::Map<String, serde_json::Value> = outcome
        .metrics
        .iter()
        .map(|(k, v)| ((*k).to_owned(), round(*v).into()))
        .collect();
    let line = serde_json::json!({
        "server": args.label,
        "scenario": args.scenario.name(),
        "run": args.run,
        "clients": args.opts.clients,
        "metrics": metrics,
        "loadgen_cpu": round(outcome.loadgen_cpu),
        "server_cpu": outcome.server_cpu.map(round),
        "errors": outcome.errors,
        "first_error": outcome.first_error,
    });
    println!("{line}");
    let figures: Vec<String> = outcome
        .metrics
        .iter()
        .map(|(k, v)| format!("{k}={}", round(*v)))
        .collect();
    eprintln!(
        "{:<12} {:<13} run {} | {} | loadgen cpu {:.0}% server cpu {} | errors {}",
        args.label,
        args.scenario.name(),
        args.run,
        figures.join(" "),
        outcome.loadgen_cpu * 100.0,
        outcome
            .server_cpu
            .map_or("?".to_owned(), |c| format!("{:.0}%", c * 100.0)),
        outcome.errors,
    );
    if let Some(e) = &outcome.first_error {
        eprintln!("  first error: {e}");
    }
    ExitCode::SUCCESS
}

/// Four significant figures are plenty for a benchmark table.
fn round(v: f64) -> f64 {
    if !v.is_finite() || v == 0.0 {
        return if v.is_finite() { v } else { -1.0 };
    }
    let magnitude = v.abs().log10().floor() as i32;
    let scale = 10f64.powi(3 - magnitude);
    (v * scale).round() / scale
}
