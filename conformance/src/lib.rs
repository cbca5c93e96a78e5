//! Test-server plumbing shared by the conformance binaries.

pub mod hardening;
pub mod serve;
pub mod sio;
