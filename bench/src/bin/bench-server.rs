//! `bench-server --port P [--integration hyper|axum|actix|warp|warp-filter] [--redis URL]
//! [--recovery] [--recovery-duration-ms N] [--exit-after SECS] [--tracing off|info|debug]
//! [--metrics]`: our Socket.IO server with the benchmark
//! contract, on `127.0.0.1:P` at `/socket.io/`, namespace `/`:
//!
//! - `echo`: answered by calling the ack with the same arguments;
//! - `broadcast`: answered by emitting `msg` with the same arguments to every socket of the
//!   namespace, the sender included.
//!
//! Production settings: `Config::default()` (Node's defaults: ping interval 25 s, ping
//! timeout 20 s, CORS off). Prints `listening on 127.0.0.1:P` when ready.
//!
//! - `--redis URL`: joins a cluster through Redis with the classic adapter
//!   (`socketio_adapter_redis::create_adapter`, Node's `@socket.io/redis-adapter` format), so
//!   that a broadcast reaches the clients of every server on that Redis.
//! - `--recovery`: connection state recovery on with Node's defaults
//!   (`ConnectionStateRecovery::default()`, Node's `connectionStateRecovery: {}`);
//!   `--recovery-duration-ms N` also sets its `max_disconnection_duration` (the recovery soak
//!   uses a short one).
//! - `--exit-after SECS` makes it exit normally after that long (for profilers that write
//!   their data at exit, such as heaptrack).
//!
//! Observability (for `bench/run.sh --observability`, which checks that it costs nothing):
//!
//! - `--tracing off|info|debug` (default `off`): installs a `tracing-subscriber` fmt
//!   subscriber at that level, writing to stderr (`off` installs none). At `info` the session
//!   and socket spans are built and entered, and nothing is written in steady state.
//! - `--metrics` installs the Prometheus recorder of `metrics-exporter-prometheus` (no HTTP
//!   listener; the figures are kept, never scraped). Without it no recorder is installed.

use std::process::ExitCode;
use std::time::Duration;

use socketio::{AckSender, Args, ConnectionStateRecovery, Namespace, SocketIo, SocketRef};

/// The command line.
struct Options {
    port: u16,
    integration: String,
    exit_after: Option<f64>,
    redis: Option<String>,
    recovery: Option<ConnectionStateRecovery>,
    tracing: Option<tracing::Level>,
    metrics: bool,
}

fn parse_args() -> Result<Options, String> {
    let mut opts = Options {
        port: 3000,
        integration: "hyper".to_owned(),
        exit_after: None,
        redis: None,
        recovery: None,
        tracing: None,
        metrics: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => opts.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--integration" => opts.integration = value()?,
            "--exit-after" => {
                opts.exit_after = Some(value()?.parse().map_err(|e| format!("--exit-after: {e}"))?)
            }
            "--redis" => opts.redis = Some(value()?),
            "--recovery" => {
                opts.recovery.get_or_insert_with(Default::default);
            }
            "--recovery-duration-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|e| format!("--recovery-duration-ms: {e}"))?;
                opts.recovery
                    .get_or_insert_with(Default::default)
                    .max_disconnection_duration = Duration::from_millis(ms);
            }
            "--tracing" => {
                opts.tracing = match value()?.as_str() {
                    "off" => None,
                    "info" => Some(tracing::Level::INFO),
                    "debug" => Some(tracing::Level::DEBUG),
                    other => return Err(format!("--tracing: off, info or debug, not {other}")),
                }
            }
            "--metrics" => opts.metrics = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !conformance::serve::INTEGRATIONS.contains(&opts.integration.as_str()) {
        return Err(format!("unknown integration {}", opts.integration));
    }
    Ok(opts)
}

/// The server of the benchmark contract, on the memory adapter or on Redis.
async fn server(opts: &Options) -> Result<SocketIo, String> {
    let mut builder = SocketIo::builder();
    if let Some(url) = &opts.redis {
        let conn = socketio_adapter_redis::RedisConnection::connect(url)
            .await
            .map_err(|e| format!("redis {url}: {e}"))?;
        builder = builder.adapter(socketio_adapter_redis::create_adapter(
            conn,
            Default::default(),
        ));
    }
    if let Some(recovery) = opts.recovery {
        builder = builder.connection_state_recovery(recovery);
    }
    let io = builder.build();
    io.on_connection(|socket: SocketRef| {
        socket.on("echo", |args: Args, ack: AckSender| ack.send_args(args));
        socket.on("broadcast", |nsp: Namespace, args: Args| {
            nsp.emit_args("msg", args)
        });
    });
    Ok(io)
}

#[tokio::main]
async fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench-server: {e}");
            return ExitCode::from(2);
        }
    };
    // Both before the server is built (it registers its metrics then).
    if let Some(level) = opts.tracing {
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(std::io::stderr)
            .init();
    }
    if opts.metrics {
        if let Err(e) = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder() {
            eprintln!("bench-server: metrics recorder: {e}");
            return ExitCode::from(1);
        }
    }
    let io = match server(&opts).await {
        Ok(io) => io,
        Err(e) => {
            eprintln!("bench-server: {e}");
            return ExitCode::from(1);
        }
    };
    let port = opts.port;
    let listener = match std::net::TcpListener::bind(("127.0.0.1", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("bench-server: bind 127.0.0.1:{port}: {e}");
            return ExitCode::from(1);
        }
    };
    println!("listening on 127.0.0.1:{port}");
    if let Some(secs) = opts.exit_after {
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs_f64(secs)).await;
            std::process::exit(0);
        });
    }
    match conformance::serve::serve(&opts.integration, listener, io).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-server: {e}");
            ExitCode::from(1)
        }
    }
}
