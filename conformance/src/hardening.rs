//! The hardening profiles of the conformance server (`hard`, `hard-max`), for the bad-input
//! table (`test/bad-input.test.mjs`) and the soak tool (`src/bin/soak.rs`).
//!
//! Both are Engine.IO servers at `/engine.io/` with small limits, so every limit can be hit
//! quickly and cheaply:
//!
//! | setting | `hard` | why |
//! | --- | --- | --- |
//! | ping interval / timeout | 300 / 200 ms | a vanished peer is gone after 500 ms |
//! | upgrade timeout | 500 ms | an upgrade that never finishes is dropped quickly |
//! | max payload (`max_http_buffer_size`) | 1000 bytes | oversized bodies and frames are cheap |
//! | max buffered packets | 8 | the queue of a peer that does not read fills at once |
//! | POST read timeout | 500 ms | a trickled POST body is cut off quickly |
//! | EIO=3 | allowed | v3 payload cases run on the same server |
//! | CORS | allow-list `http://allowed.test` | a listed origin gets the header, others do not |
//! | allow-request hook | refuses requests with an `x-deny` header (403, code 4, "Forbidden") | |
//! | max sessions | none (`hard-max`: 2, refusal 403 `{"code":4,"message":"Too many sessions"}`) | |
//!
//! Every message is echoed, except these text commands (answered on the same session):
//! - `__close__`: the server closes the session;
//! - `__stats__`: answers `stats:{"count":N,"sids":[...]}` (`count` = sessions in the engine's
//!   table, the asking one included; `sids` = the sessions the handler saw open and not yet
//!   closed, sorted);
//! - `__burst__:<n>`: queues the messages `b0` .. `b<n-1>` without waiting (those that do not
//!   fit in the session's queue are dropped: `Error::QueueFull`);
//! - `__flood__:<n>:<size>`: queues `n` messages of `size` bytes (`x`...) the same way.
//!
//! The Node reference (`reference/hardening-server.mjs`) implements the same contract on
//! engine.io 6.6 (limits Node lacks are emulated by the application, see that file).

use std::collections::BTreeSet;
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;
use std::time::Duration;

use engineio::{CloseReason, Config, Cors, CorsOrigin, Data, EngineIo, Handler, Socket};

/// The profiles of this module.
pub const PROFILES: &[&str] = &["hard", "hard-max"];

/// The allowed CORS origin of the hardening profiles.
pub const ALLOWED_ORIGIN: &str = "http://allowed.test";

/// The Engine.IO configuration of `profile` (one of [`PROFILES`]).
pub fn config(profile: &str) -> Config {
    Config {
        path: "/engine.io".into(),
        ping_interval: Duration::from_millis(300),
        ping_timeout: Duration::from_millis(200),
        upgrade_timeout: Duration::from_millis(500),
        max_http_buffer_size: 1000,
        max_buffered_packets: 8,
        post_read_timeout: Duration::from_millis(500),
        allow_eio3: true,
        cors: Some(Cors {
            origin: CorsOrigin::List(vec![ALLOWED_ORIGIN.to_owned()]),
            credentials: false,
        }),
        max_sessions: (profile == "hard-max").then_some(2),
        ..Config::default()
    }
    .with_allow_request(|parts| {
        let deny = parts.headers.contains_key("x-deny");
        async move {
            if deny {
                Err(String::new())
            } else {
                Ok(())
            }
        }
    })
}

/// The server of `profile` (one of [`PROFILES`]).
pub fn server(profile: &str) -> EngineIo<Hard> {
    let state = Arc::new(State::default());
    let engine = EngineIo::new(
        config(profile),
        Hard {
            state: state.clone(),
        },
    );
    let _ = state.engine.set(engine.clone());
    engine
}

/// The handler of the hardening profiles.
pub struct Hard {
    state: Arc<State>,
}

#[derive(Default)]
struct State {
    engine: OnceLock<EngineIo<Hard>>,
    open: Mutex<BTreeSet<String>>,
}

impl Hard {
    fn stats(&self) -> String {
        let count = self.state.engine.get().map_or(0, EngineIo::session_count);
        let sids: Vec<String> = self.state.open.lock().iter().cloned().collect();
        let json = serde_json::json!({ "count": count, "sids": sids });
        format!("stats:{json}")
    }
}

/// Queues every message without waiting; a full queue drops the rest.
fn queue_all(socket: &Socket, messages: impl Iterator<Item = String>) {
    for m in messages {
        if socket.try_send(Data::Text(m.into())).is_err() {
            return;
        }
    }
}

impl Handler for Hard {
    type Connection = Socket;

    fn on_connect(&self, socket: Socket, _now: std::time::Instant) -> Socket {
        self.state.open.lock().insert(socket.sid().to_string());
        socket
    }

    fn on_message(&self, socket: &mut Socket, data: Data, _now: std::time::Instant) {
        let Data::Text(text) = &data else {
            let _ = socket.try_send(data);
            return;
        };
        if text == "__close__" {
            socket.close();
        } else if text == "__stats__" {
            let _ = socket.try_send(Data::Text(self.stats().into()));
        } else if let Some(n) = text.strip_prefix("__burst__:") {
            let n: usize = n.parse().unwrap_or(0);
            queue_all(socket, (0..n).map(|i| format!("b{i}")));
        } else if let Some(rest) = text.strip_prefix("__flood__:") {
            let mut it = rest.split(':').map(|v| v.parse::<usize>().unwrap_or(0));
            let (n, size) = (it.next().unwrap_or(0), it.next().unwrap_or(0).min(1 << 20));
            let chunk = "x".repeat(size);
            queue_all(socket, std::iter::repeat_n(chunk, n));
        } else {
            let _ = socket.try_send(data);
        }
    }

    fn on_disconnect(&self, socket: Socket, _reason: CloseReason, _now: std::time::Instant) {
        self.state.open.lock().remove(socket.sid().as_str());
    }
}
