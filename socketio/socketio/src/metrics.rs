//! Metrics and tracing: what the server reports, and what it costs.
//!
//! # Metrics
//!
//! The server reports through the [`metrics`] facade: install any recorder (for Prometheus,
//! `metrics-exporter-prometheus`; the chat example serves it at `/metrics`) **before building
//! the server**. The server registers every handle when it is built (a namespace's when the
//! namespace is created) and keeps it, so the hot paths (a packet in or out) increment a
//! handle they hold: no key lookup, no label allocation. Without a recorder, the handles are
//! the facade's no-op handles and an increment is one branch; nothing is computed for metrics
//! (no packet is parsed back, no string is built). Labels are `&'static str` except
//! `namespace`, built once per namespace.
//!
//! The Engine.IO layer underneath reports the `engineio_*` metrics (sessions by transport,
//! messages and bytes in and out, close reasons, queue-full drops, handler panics); they are
//! listed in [`engineio::metrics`] and again here, so that this table is complete.
//!
//! | name | type | labels | meaning |
//! |---|---|---|---|
//! | `socketio_sockets` | gauge | `namespace` | sockets connected to the namespace on this server |
//! | `socketio_sockets_connected_total` | counter | `namespace` | sockets that joined the namespace (CONNECT accepted) |
//! | `socketio_connects_refused_total` | counter | `reason` = `middleware` \| `invalid_namespace` | CONNECTs refused (`connect_error`) |
//! | `socketio_disconnects_total` | counter | `reason`: Node's disconnect reason (`transport close`, `transport error`, `parse error`, `ping timeout`, `forced close`, `forced server close`, `server shutting down`, `client namespace disconnect`, `server namespace disconnect`) | sockets that left their namespace |
//! | `socketio_rooms` | gauge | `namespace` | rooms of the namespace on this server, each socket's own room included (Node's `adapter.rooms.size`) |
//! | `socketio_packets_in_total` | counter | | Socket.IO packets received (decoded; binary attachments are part of their packet) |
//! | `socketio_packets_out_total` | counter | | Socket.IO packets queued for a connection (a broadcast counts once per recipient) |
//! | `socketio_broadcasts_total` | counter | | broadcasts started on this server (`io.emit`, `to(..).emit`, `socket.broadcast().emit`, `emit_with_ack` on operators; once per namespace reached) |
//! | `socketio_ack_timeouts_total` | counter | | acks that did not arrive in time (once per socket that did not answer) |
//! | `socketio_volatile_drops_total` | counter | | volatile packets not sent because the connection could not take them |
//! | `socketio_handler_panics_total` | counter | `handler` = `connection` \| `connect_middleware` \| `task` | panics caught in a connection handler, a connect middleware, or an async handler that went on as a task |
//! | `socketio_recovery_attempts_total` | counter | `outcome` = `recovered` \| a failure label | connection state recovery attempts |
//! | `socketio_recovery_sessions` | gauge | `namespace` | with connection state recovery on, disconnected sessions the adapter keeps in this server's memory (updated when one is kept or taken back, and when the expiry timer removes expired ones; none with an adapter that keeps them elsewhere, such as the Redis streams adapter) |
//! | `engineio_sessions` | gauge | `transport` = `polling` \| `websocket` | open Engine.IO sessions, by their current transport |
//! | `engineio_sessions_opened_total` | counter | `transport` | sessions opened, by the transport of their handshake |
//! | `engineio_upgrades_total` | counter | | sessions that moved from polling to websocket |
//! | `engineio_sessions_closed_total` | counter | `reason`: Node's close reason | sessions closed |
//! | `engineio_messages_in_total` / `engineio_messages_out_total` | counter | | Engine.IO messages received / queued (a packet with binary attachments is several) |
//! | `engineio_bytes_in_total` / `engineio_bytes_out_total` | counter | | their payload bytes (text as UTF-8, binary as is; no framing) |
//! | `engineio_queue_full_total` | counter | `queue` = `commands` \| `buffer` | messages or commands refused because a session's bounded queue was full |
//! | `engineio_handler_panics_total` | counter | `callback` | panics caught around an engine handler callback: with Socket.IO, a sync event handler or listener (`on_message`) |
//!
//! A socket in a namespace with many dynamic children (`of_dynamic`) adds one `namespace`
//! label value per child: mind the cardinality.
//!
//! # Tracing
//!
//! Every session task runs in an `engineio_session` span (`sid`, `transport`, recorded again
//! on an upgrade, `remote`); every socket has a `socketio_socket` span (`nsp`, `id`), a child
//! of its session's span, entered while its packets, connection handlers, listeners and
//! disconnect listeners run (and around the async handlers that go on as tasks). So every
//! line logged there, the application's own included, carries them. Both are `INFO` spans:
//! without a subscriber that wants them they are never built.
//!
//! The lifecycle events are at `DEBUG`: `engine.io session opened`, `... upgraded to
//! websocket`, `... closed` (with Node's `reason`), `socket connected`, `socket disconnected`
//! (with Node's `reason`), `socket refused` (with the message). Panics caught are `ERROR`.
//! `RUST_LOG=info,engineio=debug,socketio=debug` shows them all.

use std::sync::atomic::{AtomicU64, Ordering};

use metrics::{counter, describe_counter, describe_gauge, gauge, Counter, Gauge};

/// Gives the installed recorder the description of every metric, the Engine.IO ones included:
/// an exporter shows them (Prometheus `# HELP` lines). Optional; call it after installing the
/// recorder.
///
/// ```
/// // With no recorder installed this does nothing.
/// socketio::metrics::describe();
/// ```
pub fn describe() {
    engineio::metrics::describe();
    describe_gauge!(
        "socketio_sockets",
        "Sockets connected to the namespace on this server"
    );
    describe_counter!(
        "socketio_sockets_connected_total",
        "Sockets that joined the namespace"
    );
    describe_counter!(
        "socketio_connects_refused_total",
        "CONNECTs refused (connect_error)"
    );
    describe_counter!(
        "socketio_disconnects_total",
        "Sockets that left their namespace, by Node's disconnect reason"
    );
    describe_gauge!(
        "socketio_rooms",
        "Rooms of the namespace on this server, each socket's own room included"
    );
    describe_counter!("socketio_packets_in_total", "Socket.IO packets received");
    describe_counter!(
        "socketio_packets_out_total",
        "Socket.IO packets queued for connections (a broadcast once per recipient)"
    );
    describe_counter!(
        "socketio_broadcasts_total",
        "Broadcasts started on this server"
    );
    describe_counter!(
        "socketio_ack_timeouts_total",
        "Acks that did not arrive in time"
    );
    describe_counter!(
        "socketio_volatile_drops_total",
        "Volatile packets not sent because the connection could not take them"
    );
    describe_counter!(
        "socketio_handler_panics_total",
        "Panics caught in connection handlers, connect middlewares and async handlers"
    );
    describe_counter!(
        "socketio_recovery_attempts_total",
        "Connection state recovery attempts, by outcome"
    );
    describe_gauge!(
        "socketio_recovery_sessions",
        "Disconnected sessions kept in memory for connection state recovery"
    );
}

use crate::reason::DisconnectReason;

/// The server-wide handles (see the module docs).
#[derive(Debug)]
pub(crate) struct Metrics {
    packets_in: Counter,
    packets_out: Counter,
    broadcasts: Counter,
    ack_timeouts: Counter,
    volatile_drops: Counter,
    disconnects: [Counter; DISCONNECT_REASONS.len()],
    refused: [Counter; 2],
    panics: [Counter; 2],
}

/// Every disconnect reason, in the order of [`Metrics::disconnects`].
const DISCONNECT_REASONS: [DisconnectReason; 9] = [
    DisconnectReason::TransportClose,
    DisconnectReason::TransportError,
    DisconnectReason::ParseError,
    DisconnectReason::PingTimeout,
    DisconnectReason::ForcedClose,
    DisconnectReason::ForcedServerClose,
    DisconnectReason::ServerShuttingDown,
    DisconnectReason::ClientNamespaceDisconnect,
    DisconnectReason::ServerNamespaceDisconnect,
];

fn reason_index(reason: DisconnectReason) -> usize {
    match reason {
        DisconnectReason::TransportClose => 0,
        DisconnectReason::TransportError => 1,
        DisconnectReason::ParseError => 2,
        DisconnectReason::PingTimeout => 3,
        DisconnectReason::ForcedClose => 4,
        DisconnectReason::ForcedServerClose => 5,
        DisconnectReason::ServerShuttingDown => 6,
        DisconnectReason::ClientNamespaceDisconnect => 7,
        DisconnectReason::ServerNamespaceDisconnect => 8,
    }
}

/// Why a CONNECT was refused.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Refusal {
    /// A connect middleware returned an error.
    Middleware,
    /// No namespace serves the name.
    InvalidNamespace,
}

/// Where a panic was caught.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Panic {
    /// A connection handler.
    Connection,
    /// A connect middleware.
    ConnectMiddleware,
}

impl Metrics {
    /// Registers every handle with the recorder installed now (no-op handles without one).
    pub(crate) fn new() -> Self {
        Metrics {
            packets_in: counter!("socketio_packets_in_total"),
            packets_out: counter!("socketio_packets_out_total"),
            broadcasts: counter!("socketio_broadcasts_total"),
            ack_timeouts: counter!("socketio_ack_timeouts_total"),
            volatile_drops: counter!("socketio_volatile_drops_total"),
            disconnects: DISCONNECT_REASONS
                .map(|r| counter!("socketio_disconnects_total", "reason" => r.as_str())),
            refused: [
                counter!("socketio_connects_refused_total", "reason" => "middleware"),
                counter!("socketio_connects_refused_total", "reason" => "invalid_namespace"),
            ],
            panics: [
                counter!("socketio_handler_panics_total", "handler" => "connection"),
                counter!("socketio_handler_panics_total", "handler" => "connect_middleware"),
            ],
        }
    }

    pub(crate) fn packet_in(&self) {
        self.packets_in.increment(1);
    }

    pub(crate) fn packet_out(&self) {
        self.packets_out.increment(1);
    }

    pub(crate) fn broadcast(&self) {
        self.broadcasts.increment(1);
    }

    pub(crate) fn ack_timeout(&self) {
        self.ack_timeouts.increment(1);
    }

    pub(crate) fn volatile_drop(&self) {
        self.volatile_drops.increment(1);
    }

    pub(crate) fn disconnect(&self, reason: DisconnectReason) {
        self.disconnects[reason_index(reason)].increment(1);
    }

    pub(crate) fn refused(&self, why: Refusal) {
        self.refused[why as usize].increment(1);
    }

    pub(crate) fn panicked(&self, at: Panic) {
        self.panics[at as usize].increment(1);
    }
}

/// Counts a panic in an async handler that went on as a task (no server at hand there: the
/// handle is looked up, with static labels only, on this rare path).
pub(crate) fn task_panicked() {
    counter!("socketio_handler_panics_total", "handler" => "task").increment(1);
}

/// The handles of one namespace.
#[derive(Debug)]
pub(crate) struct NsMetrics {
    sockets: Gauge,
    connected: Counter,
    rooms: Gauge,
    /// With recovery on; moved by differences from the last value published, like the other
    /// gauges (increments and decrements only).
    recovery_sessions: Gauge,
    recovery_published: AtomicU64,
}

impl NsMetrics {
    /// Registers the namespace's handles (its name is the `namespace` label); the recovery
    /// gauge only when `recovery` is on.
    pub(crate) fn new(name: &str, recovery: bool) -> Self {
        NsMetrics {
            sockets: gauge!("socketio_sockets", "namespace" => name.to_owned()),
            connected: counter!("socketio_sockets_connected_total", "namespace" => name.to_owned()),
            rooms: gauge!("socketio_rooms", "namespace" => name.to_owned()),
            recovery_sessions: if recovery {
                gauge!("socketio_recovery_sessions", "namespace" => name.to_owned())
            } else {
                Gauge::noop()
            },
            recovery_published: AtomicU64::new(0),
        }
    }

    /// Handles that report nothing (a dynamic parent's).
    pub(crate) fn noop() -> Self {
        NsMetrics {
            sockets: Gauge::noop(),
            connected: Counter::noop(),
            rooms: Gauge::noop(),
            recovery_sessions: Gauge::noop(),
            recovery_published: AtomicU64::new(0),
        }
    }

    /// The adapter keeps `n` sessions for recovery.
    pub(crate) fn recovery_sessions(&self, n: usize) {
        let n = n as u64;
        let before = self.recovery_published.swap(n, Ordering::Relaxed);
        if n != before {
            self.recovery_sessions.increment(n as f64 - before as f64);
        }
    }

    /// The rooms gauge, for the adapter's room events.
    pub(crate) fn rooms(&self) -> Gauge {
        self.rooms.clone()
    }

    /// A socket joined.
    pub(crate) fn socket_added(&self) {
        self.connected.increment(1);
        self.sockets.increment(1.0);
    }

    /// A socket left.
    pub(crate) fn socket_removed(&self) {
        self.sockets.decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_match_the_label_tables() {
        for (i, r) in DISCONNECT_REASONS.iter().enumerate() {
            assert_eq!(reason_index(*r), i);
        }
        assert_eq!(Refusal::Middleware as usize, 0);
        assert_eq!(Refusal::InvalidNamespace as usize, 1);
        assert_eq!(Panic::ConnectMiddleware as usize, 1);
    }
}
