//! Server configuration, with the Node `socket.io` server's names and defaults.

use std::time::Duration;

/// Socket.IO server settings. `Config::default()` is Node's defaults.
#[derive(Clone, Debug)]
pub struct Config {
    /// The Engine.IO settings underneath. Its `path` defaults to `/socket.io` here.
    pub engine: engineio::Config,
    /// How long a connection may stay without joining any namespace before it is closed.
    /// Default 45000 ms, as Node's `connectTimeout`.
    pub connect_timeout: Duration,
    /// The timeout of an emit with ack when none is given with `.timeout(..)`. Node has no
    /// default (an ack may wait forever); we bound it so pending acks cannot pile up. Default 30000 ms.
    pub ack_timeout: Duration,
    /// The most binary attachments one packet may carry. Default 10, as socket.io-parser's `maxAttachments`.
    pub max_attachments: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            engine: engineio::Config {
                path: "/socket.io".to_owned(),
                ..engineio::Config::default()
            },
            connect_timeout: Duration::from_millis(45_000),
            ack_timeout: Duration::from_millis(30_000),
            max_attachments: 10,
        }
    }
}
