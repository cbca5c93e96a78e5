//! The errors of the async layer.

/// An error of the `engineio` layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The session is closed.
    #[error("session closed")]
    Closed,
    /// The session's queue is full (a slow or vanished peer).
    #[error("session queue full")]
    QueueFull,
    /// Binding or accepting on a socket failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
