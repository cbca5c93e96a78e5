//! Server configuration, with the Node `socket.io` server's names and defaults.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use engineio::StaticFiles;
use socketio_codec::{JsonParser, Parser};

/// Socket.IO server settings. `Config::default()` is Node's defaults.
#[derive(Clone, Debug)]
pub struct Config {
    /// The path of the server (Node's `path`). Default `/socket.io`. It replaces
    /// `engine.path`, so that `engine: engineio::Config { .., ..Default::default() }` cannot
    /// silently move the server to Engine.IO's `/engine.io`.
    pub path: String,
    /// The Engine.IO settings underneath (heartbeat, CORS, limits, ...); its `path` is
    /// ignored (see [`Config::path`]).
    pub engine: engineio::Config,
    /// The packet parser (Node's `parser`): [`JsonParser`] by default (npm `socket.io-parser`),
    /// or [`MsgpackParser`](socketio_codec::MsgpackParser) (npm `socket.io-msgpack-parser`).
    /// Every client must use the same one.
    pub parser: Arc<dyn Parser>,
    /// How long a connection may stay without joining any namespace before it is closed.
    /// Default 45000 ms, as Node's `connectTimeout`.
    pub connect_timeout: Duration,
    /// The timeout of an emit with ack when none is given with `.timeout(..)`. Node has no
    /// default (an ack may wait forever); we bound it so pending acks cannot pile up. Default 30000 ms.
    pub ack_timeout: Duration,
    /// The most binary attachments one packet may carry. Default 10, as socket.io-parser's `maxAttachments`.
    pub max_attachments: usize,
    /// Connection state recovery (Node's `connectionStateRecovery`): a client that lost its
    /// connection and comes back within `max_disconnection_duration` keeps its socket id,
    /// rooms and data, and gets the events it missed. Off by default, as Node.
    pub connection_state_recovery: Option<ConnectionStateRecovery>,
    /// Serve the official browser client like Node's `serveClient`: the directory of the
    /// `socket.io-client` build (its `dist/`, for example
    /// `node_modules/socket.io-client/dist`). Its files are read into memory when the server is
    /// created and answered at `<path>/socket.io.js`, `socket.io.min.js`,
    /// `socket.io.esm.min.js`, `socket.io.msgpack.min.js` and their `.map` files (those present),
    /// with an `ETag` and `Cache-Control: public, max-age=0`. If the directory has no
    /// `socket.io.js` the error is logged (`tracing`) and nothing is served; check with
    /// [`Config::load_client_files`] to fail early. Default `None` (off; Node's default is on,
    /// but we do not bundle the client).
    pub serve_client: Option<PathBuf>,
    /// Node's `cleanupEmptyChildNamespaces`: a child of a dynamic parent namespace
    /// ([`SocketIo::of_dynamic`](crate::SocketIo::of_dynamic) and `of_dynamic_async`) is
    /// removed when its last socket leaves (or the socket of a CONNECT is refused and none is
    /// left): out of [`SocketIo::namespaces`](crate::SocketIo::namespaces) and the parent's
    /// children, its adapter closed; the next CONNECT to that name makes a new one. Default
    /// false, as Node: children stay (a server with unbounded dynamic names should turn it on).
    pub cleanup_empty_child_namespaces: bool,
    /// Whether the handshake believes the `X-Forwarded-*` headers of a proxy: the client
    /// address ([`Handshake::address`](crate::Handshake::address), Node's
    /// `handshake.address`) is then the first `X-Forwarded-For` entry instead of the TCP
    /// peer, and `secure` is `X-Forwarded-Proto: https`. Our option (Node has none: its
    /// `handshake.address` is always the peer and `secure` the TLS state of the socket; code
    /// behind a proxy reads the headers itself). Default false: the headers are the client's
    /// to write unless a proxy you run overwrites them, so believing them by default would let
    /// any client choose its address. Turn it on only behind a proxy that sets them.
    pub trust_proxy: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            path: "/socket.io".to_owned(),
            engine: engineio::Config::default(),
            parser: Arc::new(JsonParser),
            connect_timeout: Duration::from_millis(45_000),
            ack_timeout: Duration::from_millis(30_000),
            max_attachments: 10,
            connection_state_recovery: None,
            serve_client: None,
            cleanup_empty_child_namespaces: false,
            trust_proxy: false,
        }
    }
}

/// Connection state recovery settings, with Node's names and defaults
/// (`ConnectionStateRecovery::default()` is Node's `connectionStateRecovery: {}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnectionStateRecovery {
    /// How long a disconnected session and the packets it may miss are kept. Default 2 min.
    pub max_disconnection_duration: Duration,
    /// Whether a recovered socket skips the connect middlewares. Default true.
    pub skip_middlewares: bool,
    /// The most packets kept for replay per namespace (ours; Node keeps every packet of the
    /// last `max_disconnection_duration`). Past it the oldest go, and a client that missed
    /// them gets a new session. Default 10000.
    pub max_packets: usize,
    /// The most bytes of packet data kept per namespace (ours, approximate). Default 64 MiB.
    pub max_bytes: usize,
    /// The most disconnected sessions kept per namespace (ours). Default 100000.
    pub max_sessions: usize,
}

impl Default for ConnectionStateRecovery {
    fn default() -> Self {
        ConnectionStateRecovery {
            max_disconnection_duration: Duration::from_secs(120),
            skip_middlewares: true,
            max_packets: 10_000,
            max_bytes: 64 << 20,
            max_sessions: 100_000,
        }
    }
}

impl ConnectionStateRecovery {
    pub(crate) fn settings(&self) -> socketio_adapter::RecoverySettings {
        socketio_adapter::RecoverySettings {
            max_disconnection_duration: self.max_disconnection_duration,
            max_packets: self.max_packets,
            max_bytes: self.max_bytes,
            max_sessions: self.max_sessions,
        }
    }
}

/// The client files Node's `serveClient` answers (its `CLIENT_FILES`).
const CLIENT_FILES: [&str; 8] = [
    "socket.io.js",
    "socket.io.js.map",
    "socket.io.min.js",
    "socket.io.min.js.map",
    "socket.io.esm.min.js",
    "socket.io.esm.min.js.map",
    "socket.io.msgpack.min.js",
    "socket.io.msgpack.min.js.map",
];

impl Config {
    /// Reads the browser client files of [`Config::serve_client`] from `dir` (what the server
    /// does when it is created): every file of the `socket.io-client` `dist/` that Node serves
    /// and that is present. Fails when `socket.io.js` cannot be read.
    pub fn load_client_files(dir: &Path) -> std::io::Result<StaticFiles> {
        let mut files = StaticFiles::new();
        for name in CLIENT_FILES {
            let body = match std::fs::read(dir.join(name)) {
                Ok(body) => body,
                Err(e) if name == "socket.io.js" => {
                    return Err(std::io::Error::new(
                        e.kind(),
                        format!("cannot read {}: {e}", dir.join(name).display()),
                    ))
                }
                Err(_) => continue,
            };
            let content_type = if name.ends_with(".map") {
                "application/json; charset=utf-8"
            } else {
                "application/javascript; charset=utf-8"
            };
            files.insert(name, body, content_type);
        }
        Ok(files)
    }

    /// The Engine.IO settings with the client files of `serve_client` installed.
    pub(crate) fn engine_config(&self) -> engineio::Config {
        let mut engine = self.engine.clone();
        engine.path = self.path.clone();
        if let Some(dir) = &self.serve_client {
            match Self::load_client_files(dir) {
                Ok(files) => engine.static_files = Some(std::sync::Arc::new(files)),
                Err(e) => tracing::error!("serve_client: {e}; the client is not served"),
            }
        }
        engine
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_is_ours_whatever_the_engine_config_says() {
        // `engine: engineio::Config::default()` has Engine.IO's `/engine.io`: it must not move
        // the Socket.IO server there.
        let config = Config {
            engine: engineio::Config::default(),
            ..Config::default()
        };
        assert_eq!(config.engine.path, "/engine.io");
        assert_eq!(config.engine_config().path, "/socket.io");
        let moved = crate::SocketIo::builder().path("/chat").build();
        assert_eq!(moved.config().path, "/chat");
        assert_eq!(moved.engine().config().path, "/chat");
    }

    #[test]
    fn loads_present_client_files() {
        let dir = std::env::temp_dir().join(format!("sio-client-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("socket.io.js"), "/* client */").expect("write");
        std::fs::write(dir.join("socket.io.js.map"), "{}").expect("write");
        let files = Config::load_client_files(&dir).expect("loaded");
        let mut names: Vec<&str> = files.names().collect();
        names.sort_unstable();
        assert_eq!(names, ["socket.io.js", "socket.io.js.map"]);
        let config = Config {
            serve_client: Some(dir.clone()),
            ..Config::default()
        };
        assert!(config.engine_config().static_files.is_some());
        std::fs::remove_dir_all(&dir).expect("cleanup");
        assert!(Config::load_client_files(&dir).is_err());
        assert!(config.engine_config().static_files.is_none());
        assert!(Config::default().engine_config().static_files.is_none());
    }
}
