//! The scenario harness: [`socketio::testing`] (the server driven without sockets, on a virtual
//! clock).

pub use socketio::testing::*;
