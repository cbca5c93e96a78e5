//! The errors of the Socket.IO layer.

use bytes::Bytes;
use serde_json::Value;

/// An error of the `socketio` layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data could not be serialized to JSON.
    #[error("serialization failed: {0}")]
    Serialize(#[from] serde_json::Error),
    /// The socket is disconnected.
    #[error("socket disconnected")]
    Disconnected,
    /// The connection's outgoing queue is full (a slow or vanished peer).
    #[error("outgoing queue full")]
    QueueFull,
}

impl From<engineio::Error> for Error {
    fn from(e: engineio::Error) -> Self {
        match e {
            engineio::Error::QueueFull => Error::QueueFull,
            _ => Error::Disconnected,
        }
    }
}

/// Why an emit with ack did not get its answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// No answer within the timeout.
    #[error("operation has timed out")]
    Timeout,
    /// The socket disconnected before answering.
    #[error("socket disconnected")]
    Disconnected,
    /// The emit itself failed.
    #[error(transparent)]
    Send(#[from] Error),
    /// The answer does not deserialize into the requested type.
    #[error("ack data does not match the expected type: {0}")]
    Decode(serde_json::Error),
}

/// A connect middleware's refusal: the client gets `connect_error` with this `message` and `data`.
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
    pub fn with_data(mut self, data: Value) -> Self {
        self.data = Some(data);
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
    /// The event arguments do not deserialize into the requested type.
    #[error("event data does not match the expected type: {0}")]
    Data(serde_json::Error),
}

/// One answer to an emit with ack: the arguments the peer passed to its ack callback.
#[derive(Clone, Debug, PartialEq)]
pub struct AckResponse {
    /// The ack arguments (binary values as placeholders, see `attachments`).
    pub args: Vec<Value>,
    /// The binary attachments the placeholders point to.
    pub attachments: Vec<Bytes>,
}

impl AckResponse {
    /// Deserializes the answer: the only argument when there is one, the argument array otherwise.
    /// Binary placeholders are inlined first, so `Bytes`/`Vec<u8>` fields work.
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        crate::extract::deserialize_args(&self.args, &self.attachments)
    }
}
