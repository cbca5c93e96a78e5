//! The conformance server: `conformance-server --profile eio|eio3|sio|sio-full|sio3|hard|hard-max --port P
//! [--integration hyper|axum|actix|warp|warp-filter]`.
//!
//! An Engine.IO server on `127.0.0.1:P` at `/engine.io/` (ping interval 300 ms, ping timeout
//! 200 ms, max payload 1e6, CORS any origin) that echoes every message; the text message
//! `__close__` makes it close that session instead. Prints `listening on 127.0.0.1:P` when ready.

use std::process::ExitCode;
use std::time::Duration;

use engineio::{CloseReason, Config, Cors, Data, EngineIo, Handler, Socket};

struct Echo;

impl Handler for Echo {
    type Connection = Socket;

    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        socket
    }

    fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) {
        if matches!(&data, Data::Text(t) if t == "__close__") {
            socket.close();
        } else if let Err(e) = socket.try_send(data) {
            eprintln!("echo failed for {}: {e}", socket.sid());
        }
    }

    fn on_disconnect(&self, _socket: Socket, _reason: CloseReason, _now: std::time::Instant) {}
}

struct Args {
    profile: String,
    port: u16,
    integration: String,
    sio: conformance::sio::Options,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        profile: "eio".into(),
        port: 3000,
        integration: "hyper".into(),
        sio: conformance::sio::Options {
            name: "rust".into(),
            ..conformance::sio::Options::default()
        },
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--profile" => args.profile = value()?,
            "--port" => args.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--integration" => args.integration = value()?,
            "--redis" => args.sio.redis = Some(value()?),
            "--sharded" => args.sio.sharded = true,
            "--streams" => args.sio.streams = true,
            "--cookie" => args.sio.cookie = true,
            "--node-options" => args.sio.node_options = true,
            "--no-trailing-slash" => args.sio.no_trailing_slash = true,
            "--recovery" => {
                args.sio.recovery.get_or_insert_with(Default::default);
            }
            "--recovery-duration-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|e| format!("--recovery-duration-ms: {e}"))?;
                args.sio
                    .recovery
                    .get_or_insert_with(Default::default)
                    .max_disconnection_duration = Duration::from_millis(ms);
            }
            "--recovery-no-skip" => {
                args.sio
                    .recovery
                    .get_or_insert_with(Default::default)
                    .skip_middlewares = false;
            }
            "--ping-interval-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|e| format!("--ping-interval-ms: {e}"))?;
                args.sio.ping_interval = Some(Duration::from_millis(ms));
            }
            "--ping-timeout-ms" => {
                let ms: u64 = value()?
                    .parse()
                    .map_err(|e| format!("--ping-timeout-ms: {e}"))?;
                args.sio.ping_timeout = Some(Duration::from_millis(ms));
            }
            "--name" => args.sio.name = value()?,
            "--parser" => {
                args.sio.msgpack = match value()?.as_str() {
                    "json" => false,
                    "msgpack" => true,
                    other => return Err(format!("--parser: unknown parser {other}")),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn eio_config(allow_eio3: bool) -> Config {
    Config {
        path: "/engine.io".into(),
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        max_http_buffer_size: 1_000_000,
        cors: Some(Cors::any()),
        allow_eio3,
        ..Config::default()
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("conformance-server: {e}");
            return ExitCode::from(2);
        }
    };
    let config = match args.profile.as_str() {
        "eio" => Some(eio_config(false)),
        "eio3" => Some(eio_config(true)),
        "sio" | "sio-full" | "sio3" => None,
        // The hardening profiles (src/hardening.rs) build their own config.
        p if conformance::hardening::PROFILES.contains(&p) => None,
        other => {
            eprintln!("conformance-server: unknown profile {other}");
            return ExitCode::from(2);
        }
    };
    if !conformance::serve::INTEGRATIONS.contains(&args.integration.as_str()) {
        eprintln!(
            "conformance-server: unknown integration {}",
            args.integration
        );
        return ExitCode::from(2);
    }
    let listener = match std::net::TcpListener::bind(("127.0.0.1", args.port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("conformance-server: bind: {e}");
            return ExitCode::from(1);
        }
    };
    println!("listening on 127.0.0.1:{}", args.port);
    let served = match config {
        Some(config) => {
            let engine = EngineIo::new(config, Echo);
            conformance::serve::serve(&args.integration, listener, engine).await
        }
        None if conformance::hardening::PROFILES.contains(&args.profile.as_str()) => {
            let engine = conformance::hardening::server(&args.profile);
            conformance::serve::serve(&args.integration, listener, engine).await
        }
        None => {
            let options = conformance::sio::Options {
                full: args.profile != "sio",
                eio3: args.profile == "sio3",
                ..args.sio
            };
            let adapter = match &options.redis {
                Some(url) => match conformance::sio::redis_adapter(url, &options).await {
                    Ok(adapter) => Some(adapter),
                    Err(e) => {
                        eprintln!("conformance-server: redis {url}: {e}");
                        return ExitCode::from(1);
                    }
                },
                None => None,
            };
            let io = conformance::sio::server(&options, adapter);
            conformance::serve::serve(&args.integration, listener, io).await
        }
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conformance-server: {e}");
            ExitCode::from(1)
        }
    }
}
