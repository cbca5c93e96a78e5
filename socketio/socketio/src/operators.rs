//! Broadcast operators: `to`, `except`, `local`, `volatile`, `timeout`, then emit or act on
//! the targeted sockets (Node's `BroadcastOperator`), and the sockets `fetch_sockets` finds.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;
use socketio_adapter::{BroadcastOptions, HandshakeInfo, Room, Sid, SocketInfo};
use socketio_codec::{from_value, Value, ValueError};

use crate::ack::{collect, BroadcastAcks};
use crate::emit::{check_event, event_packet, Payload};
use crate::error::{AckError, EmitError};
use crate::extract::Args;
use crate::namespace::Namespace;
use socketio_adapter::IntoRooms;

/// A broadcast being built (Node's `BroadcastOperator`): each method adds a condition; an
/// emit or an action ends it. On a dynamic parent namespace it reaches every child.
///
/// ```
/// # fn f(io: socketio::SocketIo) {
/// // io.to("room1").to(["room2", "room3"]).except("room4").volatile.emit("hello", "world")
/// io.to("room1").to(["room2", "room3"]).except("room4").volatile().emit("hello", "world");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct BroadcastOperators {
    ns: Namespace,
    opts: BroadcastOptions,
    timeout: Option<Duration>,
}

impl BroadcastOperators {
    pub(crate) fn new(ns: Namespace) -> Self {
        BroadcastOperators {
            ns,
            opts: BroadcastOptions::default(),
            timeout: None,
        }
    }

    /// Targets these rooms too (a socket in several is reached once).
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        self.opts = self.opts.to(rooms.into_rooms());
        self
    }

    /// Same as [`BroadcastOperators::to`] (Node's `in`).
    pub fn within(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Skips the members of these rooms.
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        self.opts = self.opts.except(rooms.into_rooms());
        self
    }

    /// This server only.
    pub fn local(mut self) -> Self {
        self.opts.flags.local = Some(true);
        self
    }

    /// Drops the packet for connections that cannot take it now.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = Some(true);
        self
    }

    /// Sets the compress flag (carried to other servers as Node does).
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = Some(compress);
        self
    }

    /// The ack timeout for [`BroadcastOperators::emit_with_ack`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The options as the adapter gets them.
    pub fn options(&self) -> &BroadcastOptions {
        &self.opts
    }

    /// The namespaces reached: this one, or every child of a dynamic parent.
    fn targets(&self) -> Vec<Namespace> {
        if self.ns.is_parent() {
            self.ns.children()
        } else {
            vec![self.ns.clone()]
        }
    }

    /// Emits an event with one argument to every target; serialized once. Failures are
    /// logged (see [`BroadcastOperators::try_emit`]).
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        log(self.emit_payload(event, Payload::One(data)));
    }

    /// Emits an event whose arguments are the items of `data`.
    pub fn emit_many<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        log(self.emit_payload(event, Payload::Many(data)));
    }

    /// Emits an event with raw arguments.
    pub fn emit_args(&self, event: &str, args: impl Into<Args>) {
        let args = args.into();
        log(self.emit_payload::<()>(event, Payload::Args(args.0)));
    }

    /// Emits an event with one argument, or says why it could not be built (a reserved
    /// event name, data that does not serialize).
    pub fn try_emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) -> Result<(), EmitError> {
        self.emit_payload(event, Payload::One(data))
    }

    fn emit_payload<T: Serialize + ?Sized>(
        &self,
        event: &str,
        payload: Payload<'_, T>,
    ) -> Result<(), EmitError> {
        check_event(event)?;
        let args = payload.into_args()?;
        for ns in self.targets() {
            let packet = event_packet(ns.name(), event, args.clone(), None);
            ns.0.settings.metrics.broadcast();
            ns.adapter().broadcast(packet, self.opts.clone());
        }
        Ok(())
    }

    /// Emits with one argument and collects every target's ack until all answered or the
    /// timeout (`.timeout(..)`, else the configured `ack_timeout`) passed (Node's
    /// `io.timeout(ms).emit(ev, data, (err, responses) => ..)`).
    pub async fn emit_with_ack<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<BroadcastAcks, AckError> {
        let args = Payload::One(data).into_args()?;
        self.emit_args_with_ack(event, args).await
    }

    /// Like [`BroadcastOperators::emit_with_ack`] with raw arguments.
    pub async fn emit_args_with_ack(
        &self,
        event: &str,
        args: impl Into<Args>,
    ) -> Result<BroadcastAcks, AckError> {
        check_event(event).map_err(AckError::Emit)?;
        let args = args.into().0;
        let timeout = self.timeout.unwrap_or_else(|| self.ns.ack_timeout());
        let mut opts = self.opts.clone();
        opts.flags.timeout = Some(u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX));
        let mut all = BroadcastAcks::default();
        let streams: Vec<_> = self
            .targets()
            .into_iter()
            .map(|ns| {
                let packet = event_packet(ns.name(), event, args.clone(), None);
                ns.0.settings.metrics.broadcast();
                ns.adapter().broadcast_with_ack(packet, opts.clone())
            })
            .collect();
        let results =
            futures_util::future::join_all(streams.into_iter().map(|s| collect(s, timeout))).await;
        for acks in results {
            all.timed_out |= acks.timed_out;
            all.responses.extend(acks.responses);
        }
        Ok(all)
    }

    /// The targeted sockets, on every server (Node's `fetchSockets`).
    pub async fn fetch_sockets(&self) -> Result<Vec<RemoteSocket>, AckError> {
        let mut out = Vec::new();
        for ns in self.targets() {
            let infos = ns.adapter().fetch_sockets(self.opts.clone()).await?;
            out.extend(infos.into_iter().map(|info| RemoteSocket {
                ns: ns.clone(),
                info,
            }));
        }
        Ok(out)
    }

    /// Makes the targets join rooms (Node's `socketsJoin`).
    pub fn sockets_join(&self, rooms: impl IntoRooms) {
        let rooms = rooms.into_rooms();
        for ns in self.targets() {
            spawn_logged(ns.adapter().add_sockets(self.opts.clone(), rooms.clone()));
        }
    }

    /// Makes the targets leave rooms (Node's `socketsLeave`).
    pub fn sockets_leave(&self, rooms: impl IntoRooms) {
        let rooms = rooms.into_rooms();
        for ns in self.targets() {
            spawn_logged(ns.adapter().del_sockets(self.opts.clone(), rooms.clone()));
        }
    }

    /// Disconnects the targets (closing their connections when `close`; Node's
    /// `disconnectSockets`).
    pub fn disconnect_sockets(&self, close: bool) {
        for ns in self.targets() {
            spawn_logged(ns.adapter().disconnect_sockets(self.opts.clone(), close));
        }
    }
}

/// Runs an adapter operation whose local part is already done: the memory adapter's future
/// is ready at once (no task); a cluster adapter's publish goes on in a task.
fn spawn_logged(fut: socketio_adapter::BoxFuture<Result<(), socketio_adapter::AdapterError>>) {
    crate::extract::start(async move {
        if let Err(e) = fut.await {
            tracing::warn!("adapter operation failed: {e}");
        }
    });
}

fn log(result: Result<(), EmitError>) {
    if let Err(e) = result {
        tracing::debug!("broadcast dropped: {e}");
    }
}

/// A socket found by `fetch_sockets`, on this server or another (Node's `RemoteSocket`): its
/// id, handshake, rooms and data, and the actions that reach it wherever it is.
#[derive(Clone, Debug)]
pub struct RemoteSocket {
    ns: Namespace,
    info: SocketInfo,
}

impl RemoteSocket {
    /// The socket id.
    pub fn id(&self) -> Sid {
        self.info.id
    }

    /// The handshake, in Node's shape.
    pub fn handshake(&self) -> &HandshakeInfo {
        &self.info.handshake
    }

    /// The rooms, its own id included.
    pub fn rooms(&self) -> &[Room] {
        &self.info.rooms
    }

    /// `socket.data`, deserialized.
    pub fn data<T: DeserializeOwned>(&self) -> Result<T, ValueError> {
        from_value(self.info.data.clone())
    }

    /// `socket.data` as a value.
    pub fn data_value(&self) -> &Value {
        &self.info.data
    }

    /// Everything known, serializable.
    pub fn info(&self) -> &SocketInfo {
        &self.info
    }

    fn only_me(&self) -> BroadcastOperators {
        self.ns.to(self.info.id.as_str())
    }

    /// Emits to this socket.
    pub fn emit<T: Serialize + ?Sized>(&self, event: &str, data: &T) {
        self.only_me().emit(event, data)
    }

    /// Makes this socket join rooms.
    pub fn join(&self, rooms: impl IntoRooms) {
        self.only_me().sockets_join(rooms)
    }

    /// Makes this socket leave rooms.
    pub fn leave(&self, rooms: impl IntoRooms) {
        self.only_me().sockets_leave(rooms)
    }

    /// Disconnects this socket (and its connection when `close`).
    pub fn disconnect(&self, close: bool) {
        self.only_me().disconnect_sockets(close)
    }
}
