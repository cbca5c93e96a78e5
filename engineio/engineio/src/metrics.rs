//! The Engine.IO metrics, through the [`metrics`] facade.
//!
//! Every handle is registered once, when the [`EngineIo`](crate::EngineIo) is built, with
//! `&'static str` labels only: the hot paths (a message in or out) increment a handle they
//! already hold, with no key lookup and no allocation. Without a recorder the handles are the
//! facade's no-op handles, and an increment is one branch. Install the recorder (for example
//! `metrics-exporter-prometheus`) before building the server.
//!
//! | name | type | labels | meaning |
//! |---|---|---|---|
//! | `engineio_sessions` | gauge | `transport` = `polling` \| `websocket` | open sessions, by their current transport |
//! | `engineio_sessions_opened_total` | counter | `transport` | sessions opened, by the transport of their handshake |
//! | `engineio_upgrades_total` | counter | | sessions that moved from polling to websocket |
//! | `engineio_sessions_closed_total` | counter | `reason`: Node's close reason (`transport close`, `transport error`, `parse error`, `ping timeout`, `forced close`, `forced server close`, `server shutting down`) | sessions closed |
//! | `engineio_messages_in_total` | counter | | messages received from clients |
//! | `engineio_messages_out_total` | counter | | messages queued for clients (accepted into a session's outgoing buffer) |
//! | `engineio_bytes_in_total` | counter | | payload bytes of the messages received (text as UTF-8, binary as is; no framing) |
//! | `engineio_bytes_out_total` | counter | | payload bytes of the messages queued for clients |
//! | `engineio_queue_full_total` | counter | `queue` = `commands` \| `buffer` | messages or commands refused (dropped) because a bounded queue was full: the session's command queue, or its outgoing buffer (`max_buffered_packets`) |
//! | `engineio_handler_panics_total` | counter | `callback` = `on_connect` \| `on_message` \| `on_upgrade` \| `on_command` \| `on_timeout` \| `on_disconnect` | panics caught around a [`Handler`](crate::Handler) callback (the session is closed, except after `on_disconnect`) |

use engineio_codec::Data;
use engineio_proto::{CloseReason, TransportKind};
use metrics::{counter, describe_counter, describe_gauge, gauge, Counter, Gauge, Unit};

/// Gives the installed recorder the description (and unit) of every Engine.IO metric: an
/// exporter shows them (Prometheus `# HELP` lines). Optional; call it after installing the
/// recorder.
pub fn describe() {
    describe_gauge!(
        "engineio_sessions",
        "Open Engine.IO sessions, by current transport"
    );
    describe_counter!(
        "engineio_sessions_opened_total",
        "Engine.IO sessions opened, by handshake transport"
    );
    describe_counter!(
        "engineio_upgrades_total",
        "Engine.IO sessions upgraded from polling to websocket"
    );
    describe_counter!(
        "engineio_sessions_closed_total",
        "Engine.IO sessions closed, by Node's close reason"
    );
    describe_counter!("engineio_messages_in_total", "Engine.IO messages received");
    describe_counter!(
        "engineio_messages_out_total",
        "Engine.IO messages queued for clients"
    );
    describe_counter!(
        "engineio_bytes_in_total",
        Unit::Bytes,
        "Payload bytes of the Engine.IO messages received"
    );
    describe_counter!(
        "engineio_bytes_out_total",
        Unit::Bytes,
        "Payload bytes of the Engine.IO messages queued for clients"
    );
    describe_counter!(
        "engineio_queue_full_total",
        "Messages or commands refused because a session's bounded queue was full"
    );
    describe_counter!(
        "engineio_handler_panics_total",
        "Panics caught around an Engine.IO handler callback"
    );
}

/// The handles of every Engine.IO metric (see the module docs).
#[derive(Debug)]
pub(crate) struct EngineMetrics {
    sessions: [Gauge; 2],
    opened: [Counter; 2],
    upgrades: Counter,
    closed: [Counter; CLOSE_REASONS.len()],
    messages_in: Counter,
    messages_out: Counter,
    bytes_in: Counter,
    bytes_out: Counter,
    queue_full: [Counter; 2],
    panics: [Counter; CALLBACKS.len()],
}

/// Every close reason, in the order of [`EngineMetrics::closed`].
const CLOSE_REASONS: [CloseReason; 7] = [
    CloseReason::TransportClose,
    CloseReason::TransportError,
    CloseReason::ParseError,
    CloseReason::PingTimeout,
    CloseReason::ForcedClose,
    CloseReason::ForcedServerClose,
    CloseReason::ServerShuttingDown,
];

/// The handler callbacks whose panics are counted (`on_connect`, ...).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Callback {
    Connect,
    Message,
    Upgrade,
    Command,
    Timeout,
    Disconnect,
}

const CALLBACKS: [Callback; 6] = [
    Callback::Connect,
    Callback::Message,
    Callback::Upgrade,
    Callback::Command,
    Callback::Timeout,
    Callback::Disconnect,
];

impl Callback {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Callback::Connect => "on_connect",
            Callback::Message => "on_message",
            Callback::Upgrade => "on_upgrade",
            Callback::Command => "on_command",
            Callback::Timeout => "on_timeout",
            Callback::Disconnect => "on_disconnect",
        }
    }
}

/// Which bounded queue refused something.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Queue {
    /// The session task's command queue.
    Commands,
    /// The session's outgoing buffer (`max_buffered_packets`).
    Buffer,
}

const TRANSPORTS: [TransportKind; 2] = [TransportKind::Polling, TransportKind::WebSocket];

fn transport_index(transport: TransportKind) -> usize {
    match transport {
        TransportKind::Polling => 0,
        TransportKind::WebSocket => 1,
    }
}

fn close_index(reason: CloseReason) -> Option<usize> {
    CLOSE_REASONS.iter().position(|r| *r == reason)
}

/// The payload length of a message.
pub(crate) fn data_len(data: &Data) -> usize {
    match data {
        Data::Text(t) => t.len(),
        Data::Binary(b) => b.len(),
    }
}

impl EngineMetrics {
    /// Registers every handle with the recorder installed now (no-op handles without one).
    pub(crate) fn new() -> Self {
        EngineMetrics {
            sessions: TRANSPORTS.map(|t| gauge!("engineio_sessions", "transport" => t.as_str())),
            opened: TRANSPORTS
                .map(|t| counter!("engineio_sessions_opened_total", "transport" => t.as_str())),
            upgrades: counter!("engineio_upgrades_total"),
            closed: CLOSE_REASONS
                .map(|r| counter!("engineio_sessions_closed_total", "reason" => r.as_str())),
            messages_in: counter!("engineio_messages_in_total"),
            messages_out: counter!("engineio_messages_out_total"),
            bytes_in: counter!("engineio_bytes_in_total"),
            bytes_out: counter!("engineio_bytes_out_total"),
            queue_full: [
                counter!("engineio_queue_full_total", "queue" => "commands"),
                counter!("engineio_queue_full_total", "queue" => "buffer"),
            ],
            panics: CALLBACKS
                .map(|c| counter!("engineio_handler_panics_total", "callback" => c.as_str())),
        }
    }

    pub(crate) fn opened(&self, transport: TransportKind) {
        let i = transport_index(transport);
        self.opened[i].increment(1);
        self.sessions[i].increment(1.0);
    }

    pub(crate) fn upgraded(&self) {
        self.upgrades.increment(1);
        self.sessions[0].decrement(1.0);
        self.sessions[1].increment(1.0);
    }

    pub(crate) fn closed(&self, transport: TransportKind, reason: CloseReason) {
        self.sessions[transport_index(transport)].decrement(1.0);
        match close_index(reason) {
            Some(i) => self.closed[i].increment(1),
            // A reason added to `engineio-proto` later: registered when it happens.
            None => {
                counter!("engineio_sessions_closed_total", "reason" => reason.as_str()).increment(1)
            }
        }
    }

    pub(crate) fn message_in(&self, data: &Data) {
        self.messages_in.increment(1);
        self.bytes_in.increment(data_len(data) as u64);
    }

    /// One message of `len` bytes was queued.
    pub(crate) fn message_out(&self, len: usize) {
        self.messages_out.increment(1);
        self.bytes_out.increment(len as u64);
    }

    /// `n` messages of `len` bytes in all were queued together.
    pub(crate) fn messages_out(&self, n: usize, len: usize) {
        self.messages_out.increment(n as u64);
        self.bytes_out.increment(len as u64);
    }

    pub(crate) fn queue_full(&self, queue: Queue, n: u64) {
        self.queue_full[queue as usize].increment(n);
    }

    pub(crate) fn panicked(&self, callback: Callback) {
        self.panics[callback as usize].increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_match_the_label_tables() {
        for (i, r) in CLOSE_REASONS.iter().enumerate() {
            assert_eq!(close_index(*r), Some(i));
        }
        for (i, c) in CALLBACKS.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        for (i, t) in TRANSPORTS.iter().enumerate() {
            assert_eq!(transport_index(*t), i);
        }
        assert_eq!(Queue::Commands as usize, 0);
        assert_eq!(Queue::Buffer as usize, 1);
    }
}
