//! The chat demo: the classic Socket.IO tutorial chat, served by axum from Rust.
//!
//! One port (default 3000) serves three things:
//!
//! - the page (`/`, `/chat.js`, `/style.css`: plain HTML, CSS and JavaScript embedded in the
//!   binary from `static/`);
//! - the official browser client, `/socket.io/socket.io.js` (and `.min.js`, the ESM build and the
//!   source maps), read from the `socket.io-client` npm package at startup, as Node's
//!   `serveClient` does (`socketio::Config::serve_client`). Nothing comes from a CDN;
//! - the chat over Socket.IO (`/socket.io/`), mounted on the axum router with
//!   `socketio_axum::EngineIoLayer`.
//!
//! What the chat shows of the Socket.IO API (see `chat.rs`):
//!
//! - nicknames kept per socket (`socket.extensions`, Node's `socket.data`) and a user list;
//! - messages to everyone with `io.emit` (the sender receives its own message too), and an ack
//!   so the sender sees its message marked "delivered";
//! - "user joined/left" and "is typing" notices to everyone else with `socket.broadcast()`;
//! - rooms the user joins and leaves (`socket.join`, `socket.leave`), messages to one room with
//!   `io.to(room)` and room notices with `socket.to(room)`;
//! - automatic reconnection: the client reconnects by itself, the page shows the connection state
//!   and logs in again (nickname and rooms) on every connect.
//!
//! Run it from the workspace root with `scripts/chat.sh` (installs the client package, then
//! builds and starts the server), or by hand:
//!
//! ```text
//! (cd e2e && npm ci)
//! cargo run --release -p chat-example -- [--port P] [--client-dir DIR]
//! ```
//!
//! and open <http://127.0.0.1:3000/> in two browser tabs. `?transport=polling` (or
//! `websocket`) in the page URL forces one transport; `?name=alice` fills in the nickname.

mod chat;
mod web;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use socketio::SocketIo;
use socketio_axum::EngineIoLayer;

const USAGE: &str = "\
usage: chat [--port P] [--client-dir DIR]

  --port P          port to listen on, on 127.0.0.1 (default: $PORT, else 3000; 0 picks one)
  --client-dir DIR  the dist/ folder of the socket.io-client npm package
                    (default: $CHAT_CLIENT_DIR, else e2e/node_modules/socket.io-client/dist
                    of the workspace)
  -h, --help        this help";

/// Where the client package is installed, relative to the workspace root.
const CLIENT_DIST: &str = "e2e/node_modules/socket.io-client/dist";

/// The command line, resolved.
#[derive(Debug, PartialEq)]
struct Options {
    port: u16,
    client_dir: PathBuf,
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1), |k| std::env::var(k).ok()) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("chat: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("chat: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(options: Options) -> Result<(), String> {
    // Fail early, with a hint, when the client package is missing.
    socketio::Config::load_client_files(&options.client_dir).map_err(|e| {
        format!(
            "{e}\nInstall the browser client first: `npm ci` in e2e/ (scripts/chat.sh does it), \
             or pass --client-dir with the dist/ folder of the socket.io-client package."
        )
    })?;
    let io = SocketIo::new(socketio::Config {
        serve_client: Some(options.client_dir),
        ..socketio::Config::default()
    });
    chat::register(&io);
    let app = web::router().layer(EngineIoLayer::new(io.clone()));

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", options.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {addr}");
    let _ = writeln!(
        out,
        "open http://{addr}/ in two browser tabs (Ctrl-C stops)"
    );
    let _ = out.flush();

    tokio::select! {
        served = axum::serve(listener, app) => served.map_err(|e| format!("server error: {e}")),
        _ = tokio::signal::ctrl_c() => {
            // Tell the clients (they show "disconnected" at once instead of timing out).
            io.close().await;
            Ok(())
        }
    }
}

/// Reads the arguments (`Ok(None)`: help was asked for); `env` looks up `PORT` and
/// `CHAT_CLIENT_DIR`.
fn parse_args(
    mut args: impl Iterator<Item = String>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<Options>, String> {
    let mut port = env("PORT").filter(|p| !p.is_empty());
    let mut client_dir = env("CHAT_CLIENT_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.into())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--port" | "-p" => port = Some(value("--port")?),
            "--client-dir" => client_dir = Some(PathBuf::from(value("--client-dir")?)),
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("invalid port `{p}`"))?,
        None => 3000,
    };
    Ok(Some(Options {
        port,
        client_dir: client_dir.unwrap_or_else(default_client_dir),
    }))
}

/// `e2e/node_modules/socket.io-client/dist` under the current directory when it is there (a run
/// from the workspace root), else under the workspace this binary was built in.
fn default_client_dir() -> PathBuf {
    let here = PathBuf::from(CLIENT_DIST);
    if here.is_dir() {
        return here;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = workspace.join(CLIENT_DIST);
    if built.is_dir() {
        built
    } else {
        here
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Option<Options>, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        parse_args(args.iter().map(|a| a.to_string()), move |k| {
            env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn port_from_flag_env_or_default() {
        let port = |args: &[&str], env: &[(&str, &str)]| {
            parse(args, env).ok().flatten().map(|o| o.port).unwrap_or(1)
        };
        assert_eq!(port(&[], &[]), 3000);
        assert_eq!(port(&[], &[("PORT", "4000")]), 4000);
        assert_eq!(port(&["--port", "5000"], &[("PORT", "4000")]), 5000);
        assert_eq!(port(&["--port=5001"], &[]), 5001);
        assert!(parse(&["--port", "x"], &[]).is_err());
        assert!(parse(&["--port"], &[]).is_err());
        assert!(parse(&[], &[("PORT", "70000")]).is_err());
    }

    #[test]
    fn client_dir_and_help() {
        let dir = parse(&["--client-dir", "/x/dist"], &[("CHAT_CLIENT_DIR", "/y")])
            .ok()
            .flatten()
            .map(|o| o.client_dir);
        assert_eq!(dir, Some(PathBuf::from("/x/dist")));
        let dir = parse(&[], &[("CHAT_CLIENT_DIR", "/y")])
            .ok()
            .flatten()
            .map(|o| o.client_dir);
        assert_eq!(dir, Some(PathBuf::from("/y")));
        assert_eq!(parse(&["--help"], &[]), Ok(None));
        assert!(parse(&["--bogus"], &[]).is_err());
    }
}
