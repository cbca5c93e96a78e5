//! `socketio-adapter`: the contract between a Socket.IO server and its adapter.
//!
//! An adapter keeps the rooms of one namespace and carries broadcasts to the sockets they
//! target: on this server only (the in-memory adapter, `socketio-adapter-memory`), or across a
//! cluster of servers (the Redis adapters), exactly as Node's `socket.io-adapter` does. This
//! crate holds only the contract, so that an adapter crate depends on it and not on the server:
//!
//! - [`Adapter`]: what the server asks of the adapter of a namespace (rooms index, broadcast,
//!   broadcast with acks, fetch / join / leave / disconnect sockets, server-side emits, server
//!   count, all rooms, init / close, connection state recovery). Operations that may cross
//!   servers are futures and fail with an [`AdapterError`] (timeouts, backend down).
//! - [`LocalNamespace`]: what the adapter asks of the server, for the sockets of this server
//!   (deliver a packet, register acks, describe and disconnect sockets, hand a server-side
//!   emit to the application).
//! - The serializable types that travel between servers, in the JSON shapes of Node's
//!   adapters: [`BroadcastOptions`], [`SocketInfo`] (id, handshake, rooms, data),
//!   [`Session`] for recovery.
//!
//! Nothing here depends on a runtime: futures are boxed, channels are `futures-channel`.
//!
//! ```
//! use socketio_adapter::{BroadcastFlags, BroadcastOptions};
//!
//! // `io.to("room1").except("room2").volatile.emit(..)`, as Node's adapters write it.
//! let opts = BroadcastOptions::default()
//!     .to(["room1"])
//!     .except(["room2"])
//!     .flags(BroadcastFlags { volatile: Some(true), ..Default::default() });
//! assert_eq!(
//!     serde_json::to_string(&opts)?,
//!     r#"{"rooms":["room1"],"except":["room2"],"flags":{"volatile":true}}"#
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod ack;
mod adapter;
mod error;
mod options;
mod rooms;
mod serde_sid;
mod session;
mod socket_info;

pub use ack::{ack_channel, AckEvent, AckSender, AckStream, ServerAck};
pub use adapter::{
    Adapter, AdapterFactory, BoxFuture, LocalNamespace, RoomListener, ServerAnswers,
};
pub use error::AdapterError;
pub use options::{BroadcastFlags, BroadcastOptions, Room, RoomEvent};
pub use rooms::{rooms, IntoRooms, Rooms};
pub use session::{RecoveryFailure, RecoverySettings, RecoveryStats, RestoredSession, Session};
pub use socket_info::{HandshakeInfo, SocketInfo};

pub use engineio_codec::Sid;
pub use socketio_codec::{Packet, PacketType, Value};
