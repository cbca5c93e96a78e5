//! Broadcasts with acknowledgements: the answers arrive as a stream of [`AckEvent`]s.

use futures_channel::mpsc;
use socketio_codec::Value;

use crate::{AdapterError, BoxFuture};

/// What a broadcast with acks reports, server by server.
#[derive(Clone, Debug, PartialEq)]
pub enum AckEvent {
    /// One server delivered the packet to this many of its sockets (each will answer once,
    /// or not in time). Node's `clientCountCallback`.
    Count(usize),
    /// One socket's answer: its ack arguments (a remote server forwards the first only, as
    /// Node's adapters do).
    Ack(Vec<Value>),
}

/// Where a server reports [`AckEvent`]s.
pub type AckSender = mpsc::UnboundedSender<AckEvent>;

/// A channel for the events of one broadcast with acks.
pub fn ack_channel() -> (AckSender, mpsc::UnboundedReceiver<AckEvent>) {
    mpsc::unbounded()
}

/// A broadcast with acks under way: how many servers will report, and their reports.
///
/// The broadcast is complete when `servers` resolved to N, N `Count` events arrived, and as
/// many `Ack` events as the counts add up to. The caller bounds the wait with its timeout.
pub struct AckStream {
    /// How many servers will report a `Count` (this one included).
    pub servers: BoxFuture<Result<usize, AdapterError>>,
    /// The reports.
    pub events: mpsc::UnboundedReceiver<AckEvent>,
}

impl std::fmt::Debug for AckStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckStream").finish_non_exhaustive()
    }
}

/// The answer to a server-side emit received from another server: called at most once with
/// the value to send back (Node forwards a single value).
pub type ServerAck = Box<dyn FnOnce(Value) + Send>;
