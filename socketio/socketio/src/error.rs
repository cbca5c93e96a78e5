//! The errors of the Socket.IO layer.

use socketio_adapter::AdapterError;
use socketio_codec::{Value, ValueError};

/// Why an emit did not go out. The plain `emit` methods log it (`tracing`, at `debug`) and go
/// on, as Node's `emit` cannot fail at the call site; the `try_emit` methods return it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmitError {
    /// The data could not be serialized.
    #[error("serialization failed: {0}")]
    Serialize(#[from] ValueError),
    /// The socket is not connected (any more): nothing to do.
    #[error("socket disconnected")]
    Disconnected,
    /// The connection's outgoing queue is full (`max_buffered_packets`): a slow or vanished
    /// peer. The packet is dropped.
    #[error("outgoing queue full")]
    QueueFull,
    /// The event name is one of the reserved names (`connect`, `disconnect`, ...).
    #[error("\"{0}\" is a reserved event name")]
    ReservedEvent(String),
}

impl From<engineio::Error> for EmitError {
    fn from(e: engineio::Error) -> Self {
        match e {
            engineio::Error::QueueFull => EmitError::QueueFull,
            _ => EmitError::Disconnected,
        }
    }
}

/// Why an emit with ack did not get its answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// No answer within the timeout (Node's message).
    #[error("operation has timed out")]
    Timeout,
    /// The socket disconnected before answering.
    #[error("socket disconnected")]
    Disconnected,
    /// The emit itself failed.
    #[error(transparent)]
    Emit(#[from] EmitError),
    /// The answer does not deserialize into the requested type.
    #[error("ack data does not match the expected type: {0}")]
    Decode(ValueError),
    /// Other servers of the cluster could not be asked or did not answer.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
}

/// A middleware's refusal. For a connect middleware the client gets `connect_error` with this
/// `message` and `data`; for a packet middleware (`socket.use`) the event is dropped and the
/// socket's error listeners get it.
#[derive(Clone, Debug, PartialEq)]
pub struct MiddlewareError {
    /// Seen by the client as `err.message`.
    pub message: String,
    /// Seen by the client as `err.data` (omitted when `None`).
    pub data: Option<Value>,
}

impl MiddlewareError {
    /// A refusal with a message only.
    pub fn new(message: impl Into<String>) -> Self {
        MiddlewareError {
            message: message.into(),
            data: None,
        }
    }

    /// Adds `data` to the refusal.
    pub fn with_data(mut self, data: impl Into<Value>) -> Self {
        self.data = Some(data.into());
        self
    }
}

impl std::fmt::Display for MiddlewareError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MiddlewareError {}

/// An extractor could not build its value from an event.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// The event arguments do not deserialize into the requested type (binary into
    /// `serde_json::Value`, for one: use [`Value`](crate::Value), which keeps binary).
    #[error("event data does not match the expected type: {0}")]
    Data(ValueError),
}
