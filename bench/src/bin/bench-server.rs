//! `bench-server --port P [--integration hyper|axum|actix|warp|warp-filter]`: our Socket.IO server with the
//! benchmark contract, on `127.0.0.1:P` at `/socket.io/`, namespace `/`:
//!
//! - `echo`: answered by calling the ack with the same arguments;
//! - `broadcast`: answered by emitting `msg` with the same arguments to every socket of the
//!   namespace, the sender included.
//!
//! Production settings: `Config::default()` (Node's defaults: ping interval 25 s, ping
//! timeout 20 s, CORS off). Prints `listening on 127.0.0.1:P` when ready.
//!
//! `--exit-after SECS` makes it exit normally after that long (for profilers that write
//! their data at exit, such as heaptrack).
//!
//! Observability (for `bench/run.sh --observability`, which checks that it costs nothing):
//!
//! - `--tracing off|info|debug` (default `off`): installs a `tracing-subscriber` fmt
//!   subscriber at that level, writing to stderr (`off` installs none). At `info` the session
//!   and socket spans are built and entered, and nothing is written in steady state.
//! - `--metrics` installs the Prometheus recorder of `metrics-exporter-prometheus` (no HTTP
//!   listener; the figures are kept, never scraped). Without it no recorder is installed.

use std::process::ExitCode;

use socketio::{AckSender, Config, Namespace, SocketIo, SocketRef};

/// The command line.
struct Args {
    port: u16,
    integration: String,
    exit_after: Option<f64>,
    tracing: Option<tracing::Level>,
    metrics: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut port = 3000;
    let mut exit_after = None;
    let mut integration = "hyper".to_owned();
    let mut tracing = None;
    let mut metrics = false;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--integration" => integration = value()?,
            "--exit-after" => {
                exit_after = Some(value()?.parse().map_err(|e| format!("--exit-after: {e}"))?)
            }
            "--tracing" => {
                tracing = match value()?.as_str() {
                    "off" => None,
                    "info" => Some(tracing::Level::INFO),
                    "debug" => Some(tracing::Level::DEBUG),
                    other => return Err(format!("--tracing: off, info or debug, not {other}")),
                }
            }
            "--metrics" => metrics = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !conformance::serve::INTEGRATIONS.contains(&integration.as_str()) {
        return Err(format!("unknown integration {integration}"));
    }
    Ok(Args {
        port,
        integration,
        exit_after,
        tracing,
        metrics,
    })
}

/// The server of the benchmark contract.
fn server() -> SocketIo {
    let io = SocketIo::new(Config::default());
    io.on_connection(|socket: SocketRef| {
        socket.on("echo", |args: socketio::Args, ack: AckSender| {
            ack.send_args(args)
        });
        socket.on("broadcast", |nsp: Namespace, args: socketio::Args| {
            nsp.emit_args("msg", args)
        });
    });
    io
}

#[tokio::main]
async fn main() -> ExitCode {
    let Args {
        port,
        integration,
        exit_after,
        tracing,
        metrics,
    } = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench-server: {e}");
            return ExitCode::from(2);
        }
    };
    // Both before the server is built (it registers its metrics then).
    if let Some(level) = tracing {
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(std::io::stderr)
            .init();
    }
    if metrics {
        if let Err(e) = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder() {
            eprintln!("bench-server: metrics recorder: {e}");
            return ExitCode::from(1);
        }
    }
    let listener = match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench-server: bind 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    println!("listening on 127.0.0.1:{port}");
    if let Some(secs) = exit_after {
        tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_secs_f64(secs)).await;
            std::process::exit(0);
        });
    }
    match conformance::serve::serve(&integration, listener, server()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-server: {e}");
            ExitCode::from(1)
        }
    }
}
