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
//! With `--admin-user U --admin-password W`, it also serves the [Socket.IO Admin UI]: the
//! `/admin` namespace (`socketio-admin`, basic authentication, the password hashed with
//! bcrypt at start-up) and the UI itself at `/admin/` (the `ui/dist` files of the npm package
//! `@socket.io/admin-ui`, installed next to the client by `npm ci` in `e2e/`). The UI connects
//! with credentials, so the server allows its own origin (`http://127.0.0.1:P`,
//! `http://localhost:P`) with CORS credentials. Without both options there is no admin
//! namespace at all.
//!
//! [Socket.IO Admin UI]: https://socket.io/docs/v4/admin-ui/
//!
//! With `--redis redis://HOST:PORT`, it joins the other chat processes on that Redis through
//! the Redis adapter (`socketio-adapter-redis`, the wire format of Node's
//! `@socket.io/redis-adapter`): messages, room messages and the user list reach the users of
//! every process. With `--cookie`, the handshake sets Engine.IO's `io` cookie, which a load
//! balancer uses to keep a polling client on one process (`scripts/cluster.sh` runs two of
//! them behind HAProxy that way).
//!
//! With `--metrics`, `/metrics` serves the server's metrics (sessions by transport, sockets
//! and rooms by namespace, packets and bytes, disconnect reasons, ...; the list is in
//! `socketio::metrics`) in the Prometheus text format (see `metrics.rs`). Logs go to stderr
//! through a `tracing` subscriber filtered by `RUST_LOG` (default `info`; `RUST_LOG=info,
//! socketio=debug,engineio=debug` shows every connect, upgrade and disconnect, with the
//! session's and the socket's span).
//!
//! Run it from the workspace root with `scripts/chat.sh` (installs the client package, then
//! builds and starts the server), or by hand:
//!
//! ```text
//! (cd e2e && npm ci)
//! cargo run --release -p chat-example -- [--port P] [--client-dir DIR] [--metrics]
//!     [--admin-user U --admin-password W [--admin-ui-dir DIR]] [--redis URL] [--cookie]
//! ```
//!
//! and open <http://127.0.0.1:3000/> in two browser tabs. `?transport=polling` (or
//! `websocket`) in the page URL forces one transport; `?name=alice` fills in the nickname.
//! The admin UI is at <http://127.0.0.1:3000/admin/>: its connection form takes the server
//! URL `http://127.0.0.1:3000`, the user name and password, and the path `/socket.io`.

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod admin_ui;
mod chat;
mod metrics;
mod web;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use socketio::SocketIo;
use socketio_axum::EngineIoLayer;

const USAGE: &str = "\
usage: chat [--port P] [--client-dir DIR] [--metrics] [--admin-user U --admin-password W [--admin-ui-dir DIR]]
            [--redis URL] [--cookie]

  --port P              port to listen on, on 127.0.0.1 (default: $PORT, else 3000; 0 picks one)
  --client-dir DIR      the dist/ folder of the socket.io-client npm package
                        (default: $CHAT_CLIENT_DIR, else e2e/node_modules/socket.io-client/dist
                        of the workspace)
  --metrics             serve the server's metrics at /metrics, in the Prometheus text format
                        (default: off; on when $CHAT_METRICS is 1 or true)
  --admin-user U        serve the Socket.IO Admin UI at /admin/ (namespace /admin) for user U
                        (default: $CHAT_ADMIN_USER); needs --admin-password
  --admin-password W    its password (default: $CHAT_ADMIN_PASSWORD, which other users of the
                        machine cannot read in the process list); hashed with bcrypt at start-up
  --admin-ui-dir DIR    the ui/dist folder of the @socket.io/admin-ui npm package
                        (default: $CHAT_ADMIN_UI_DIR, else
                        e2e/node_modules/@socket.io/admin-ui/ui/dist of the workspace)
  --redis URL           share the chat with the other processes on this Redis (redis://HOST:PORT,
                        default: $CHAT_REDIS_URL): the Redis adapter
  --cookie              set the `io` cookie on the handshake, for a load balancer's sticky
                        sessions (HAProxy: `cookie io prefix`)
  -h, --help            this help

Without --admin-user and --admin-password there is no admin namespace.";

/// Where the client package is installed, relative to the workspace root.
const CLIENT_DIST: &str = "e2e/node_modules/socket.io-client/dist";

/// The command line, resolved.
#[derive(Debug, PartialEq)]
struct Options {
    port: u16,
    client_dir: PathBuf,
    /// Serve `/metrics`.
    metrics: bool,
    /// The Admin UI, when asked for.
    admin: Option<AdminLogin>,
    /// The Redis of the cluster, when there is one.
    redis: Option<String>,
    /// Engine.IO's `io` cookie on the handshake (sticky sessions).
    cookie: bool,
}

/// Who may use the Admin UI, and where its files are.
#[derive(PartialEq)]
struct AdminLogin {
    user: String,
    password: String,
    ui_dir: PathBuf,
}

impl std::fmt::Debug for AdminLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminLogin")
            .field("user", &self.user)
            .field("ui_dir", &self.ui_dir)
            .finish_non_exhaustive()
    }
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
    // Logs on stderr, filtered by RUST_LOG (default `info`).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    // Before the server is built: it registers its metrics then.
    let prometheus = if options.metrics {
        Some(metrics::install()?)
    } else {
        None
    };
    // Fail early, with a hint, when the client package is missing.
    socketio::Config::load_client_files(&options.client_dir).map_err(|e| {
        format!(
            "{e}\nInstall the browser client first: `npm ci` in e2e/ (scripts/chat.sh does it), \
             or pass --client-dir with the dist/ folder of the socket.io-client package."
        )
    })?;
    let admin_ui = match &options.admin {
        Some(admin) => Some(admin_ui::AdminUi::load(&admin.ui_dir).map_err(|e| {
            format!(
                "{e}\nInstall the Admin UI first: `npm ci` in e2e/ (scripts/chat.sh does it), \
                 or pass --admin-ui-dir with the ui/dist/ folder of the @socket.io/admin-ui package."
            )
        })?),
        None => None,
    };

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", options.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("no local address: {e}"))?;

    let mut config = socketio::Config {
        serve_client: Some(options.client_dir),
        ..socketio::Config::default()
    };
    if options.admin.is_some() {
        // The Admin UI connects with `withCredentials: true`; served from here, it may be
        // opened as 127.0.0.1 or as localhost.
        let port = addr.port();
        config.engine.cors = Some(socketio::Cors {
            origin: socketio::CorsOrigin::List(vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
            ]),
            credentials: true,
        });
    }
    if options.cookie {
        config.engine.cookie = Some(socketio::CookieOptions::default());
    }
    let io = match &options.redis {
        Some(url) => {
            let conn = socketio_adapter_redis::RedisConnection::connect(url)
                .await
                .map_err(|e| format!("redis {url}: {e}"))?;
            let adapter = socketio_adapter_redis::create_adapter(conn, Default::default());
            SocketIo::with_adapter(config, adapter)
        }
        None => SocketIo::new(config),
    };
    chat::register(&io);
    let mut app = web::router();
    if let Some(handle) = prometheus {
        app = app.merge(metrics::router(handle));
    }
    if let (Some(admin), Some(ui)) = (options.admin, admin_ui) {
        let hash = bcrypt::hash(&admin.password, bcrypt::DEFAULT_COST)
            .map_err(|e| format!("cannot hash the admin password: {e}"))?;
        let auth = socketio_admin::Auth::basic(admin.user, hash);
        socketio_admin::instrument(&io, socketio_admin::AdminOptions::new(auth))
            .map_err(|e| format!("admin: {e}"))?;
        app = app.merge(admin_ui::router(ui));
    }
    let app = app.layer(EngineIoLayer::new(io.clone()));

    let mut out = std::io::stdout();
    let _ = writeln!(out, "listening on {addr}");
    if let Some(url) = &options.redis {
        let _ = writeln!(out, "sharing the chat through {url}");
    }
    let _ = writeln!(
        out,
        "open http://{addr}/ in two browser tabs (Ctrl-C stops)"
    );
    if options.metrics {
        let _ = writeln!(out, "metrics: http://{addr}/metrics");
    }
    if io.namespaces().iter().any(|ns| ns.name() == "/admin") {
        let _ = writeln!(
            out,
            "admin UI: http://{addr}/admin/ (server URL http://{addr})"
        );
    }
    let _ = out.flush();

    // With the peer address, which the handshake (and the admin UI) shows.
    let service = app.into_make_service_with_connect_info::<SocketAddr>();
    tokio::select! {
        served = axum::serve(listener, service) => served.map_err(|e| format!("server error: {e}")),
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
    let mut admin_user = env("CHAT_ADMIN_USER").filter(|u| !u.is_empty());
    let mut admin_password = env("CHAT_ADMIN_PASSWORD").filter(|p| !p.is_empty());
    let mut metrics = env("CHAT_METRICS").is_some_and(|v| v == "1" || v == "true");
    let mut admin_ui_dir = env("CHAT_ADMIN_UI_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from);
    let mut redis = env("CHAT_REDIS_URL").filter(|u| !u.is_empty());
    let mut cookie = false;
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
            "--metrics" => metrics = true,
            "--admin-user" => admin_user = Some(value("--admin-user")?),
            "--admin-password" => admin_password = Some(value("--admin-password")?),
            "--admin-ui-dir" => admin_ui_dir = Some(PathBuf::from(value("--admin-ui-dir")?)),
            "--redis" => redis = Some(value("--redis")?),
            "--cookie" => cookie = true,
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
    let admin = match (admin_user, admin_password) {
        (Some(user), Some(password)) if !user.is_empty() && !password.is_empty() => {
            Some(AdminLogin {
                user,
                password,
                ui_dir: admin_ui_dir.unwrap_or_else(|| workspace_dir(admin_ui::UI_DIST)),
            })
        }
        (None, None) => None,
        _ => {
            return Err(
                "the Admin UI needs both --admin-user and --admin-password (non-empty)".into(),
            )
        }
    };
    if let Some(url) = &redis {
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            return Err(format!(
                "invalid --redis `{url}`: expected redis://HOST:PORT"
            ));
        }
    }
    Ok(Some(Options {
        port,
        client_dir: client_dir.unwrap_or_else(default_client_dir),
        metrics,
        admin,
        redis,
        cookie,
    }))
}

/// `e2e/node_modules/socket.io-client/dist` under the current directory when it is there (a run
/// from the workspace root), else under the workspace this binary was built in.
fn default_client_dir() -> PathBuf {
    workspace_dir(CLIENT_DIST)
}

/// `relative` under the current directory when it is there (a run from the workspace root),
/// else under the workspace this binary was built in.
fn workspace_dir(relative: &str) -> PathBuf {
    let here = PathBuf::from(relative);
    if here.is_dir() {
        return here;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let built = workspace.join(relative);
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

    #[test]
    fn redis_and_cookie_for_a_cluster() {
        let cluster = |args: &[&str], env: &[(&str, &str)]| {
            parse(args, env).map(|o| o.map(|o| (o.redis, o.cookie)))
        };
        assert_eq!(cluster(&[], &[]), Ok(Some((None, false))), "off by default");
        assert_eq!(
            cluster(&["--redis", "redis://127.0.0.1:6379", "--cookie"], &[]),
            Ok(Some((Some("redis://127.0.0.1:6379".into()), true)))
        );
        assert_eq!(
            cluster(&[], &[("CHAT_REDIS_URL", "redis://r:1")]),
            Ok(Some((Some("redis://r:1".into()), false)))
        );
        assert!(cluster(&["--redis", "localhost:6379"], &[]).is_err());
        assert!(cluster(&["--redis"], &[]).is_err());
    }

    #[test]
    fn metrics_off_by_default() {
        let metrics = |args: &[&str], env: &[(&str, &str)]| {
            parse(args, env).ok().flatten().map(|o| o.metrics)
        };
        assert_eq!(metrics(&[], &[]), Some(false));
        assert_eq!(metrics(&["--metrics"], &[]), Some(true));
        assert_eq!(metrics(&[], &[("CHAT_METRICS", "1")]), Some(true));
        assert_eq!(metrics(&[], &[("CHAT_METRICS", "0")]), Some(false));
    }

    #[test]
    fn admin_needs_both_user_and_password() {
        let admin =
            |args: &[&str], env: &[(&str, &str)]| parse(args, env).map(|o| o.unwrap().admin);
        assert_eq!(admin(&[], &[]), Ok(None), "off by default");
        let on = admin(
            &[
                "--admin-user",
                "admin",
                "--admin-password=changeit",
                "--admin-ui-dir",
                "/ui",
            ],
            &[],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (on.user.as_str(), on.password.as_str(), on.ui_dir.as_path()),
            ("admin", "changeit", Path::new("/ui"))
        );
        let from_env = admin(
            &[],
            &[("CHAT_ADMIN_USER", "ops"), ("CHAT_ADMIN_PASSWORD", "pw")],
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (from_env.user.as_str(), from_env.password.as_str()),
            ("ops", "pw")
        );
        assert!(admin(&["--admin-user", "admin"], &[]).is_err());
        assert!(admin(&["--admin-password", "x"], &[]).is_err());
        assert!(admin(&["--admin-user", "", "--admin-password", "x"], &[]).is_err());
        assert!(
            !format!("{on:?}").contains("changeit"),
            "the password stays out of logs"
        );
    }
}
