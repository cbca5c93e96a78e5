//! The errors of adapter operations.

/// Why an adapter operation failed. A backend that goes away is a fault the server survives:
/// local operations keep working, remote ones fail with one of these after a bounded wait.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// Not every server answered in time (Node's message).
    #[error("timeout reached: only {received} responses received out of {expected}")]
    Timeout {
        /// Answers received.
        received: usize,
        /// Answers expected.
        expected: usize,
    },
    /// The backend (Redis, ...) cannot be reached or refused the operation.
    #[error("adapter backend unavailable: {0}")]
    Backend(String),
    /// A message could not be encoded or decoded.
    #[error("adapter message encoding failed: {0}")]
    Encoding(String),
    /// The adapter was closed.
    #[error("adapter closed")]
    Closed,
}
