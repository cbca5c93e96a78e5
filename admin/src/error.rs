//! What can go wrong when instrumenting a server.

/// Why [`instrument`](crate::instrument) refused its options (Node throws these from
/// `instrument`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AdminError {
    /// [`Auth::Basic`](crate::Auth::Basic) was given something that is not a bcrypt hash
    /// (Node: "the `password` field must be a valid bcrypt hash"). Hash the password first,
    /// for example with `bcrypt::hash(password, bcrypt::DEFAULT_COST)`.
    #[error("the `password_hash` field must be a valid bcrypt hash")]
    InvalidPasswordHash,
    /// The namespace name is empty or `/` (the main namespace cannot be the admin one).
    #[error("invalid admin namespace name `{0}`")]
    InvalidNamespace(String),
}
