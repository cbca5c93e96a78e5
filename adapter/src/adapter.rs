//! The two sides of the contract: [`Adapter`] (asked by the server) and [`LocalNamespace`]
//! (asked by the adapter).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use socketio_codec::{Packet, Value};

use crate::{
    AckSender, AckStream, AdapterError, BroadcastOptions, RecoveryFailure, RecoverySettings,
    RecoveryStats, RestoredSession, Room, ServerAck, Session, Sid, SocketInfo,
};

/// A boxed future, as the operations that may cross servers return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// The answers of the other servers to a server-side emit; on a timeout, the error comes with
/// the answers received.
pub type ServerAnswers = Result<Vec<Value>, (AdapterError, Vec<Value>)>;

/// The adapter of one namespace (Node's `Adapter`).
///
/// Rooms operations are synchronous and local (a socket joins on its own server). Broadcasts
/// are delivered locally at once and, for a cluster adapter, published to the other servers
/// unless `flags.local` is set. Operations that wait for other servers return futures bounded
/// by the adapter's request timeout.
///
/// Implementations must not call back into the server while holding a lock of their own that
/// the server could need (the server's methods never call the adapter back synchronously
/// except through [`Adapter::add_all`] / [`Adapter::del`] / [`Adapter::del_all`]).
pub trait Adapter: Send + Sync + 'static {
    /// Starts the adapter (subscriptions, heartbeats). Called once, when the namespace is
    /// created; a failure is logged and the adapter keeps serving this server.
    fn init(&self) -> BoxFuture<Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// Stops the adapter (unsubscribe, tell the others). Called by `io.close()`.
    fn close(&self) -> BoxFuture<Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// How many servers serve this namespace (this one included).
    fn server_count(&self) -> BoxFuture<Result<usize, AdapterError>> {
        Box::pin(async { Ok(1) })
    }

    /// Adds a local socket to rooms.
    fn add_all(&self, sid: Sid, rooms: &[Room]);

    /// Removes a local socket from a room.
    fn del(&self, sid: Sid, room: &str);

    /// Removes a local socket from every room (it leaves the namespace).
    fn del_all(&self, sid: Sid);

    /// The rooms of a local socket.
    fn socket_rooms(&self, sid: Sid) -> Vec<Room>;

    /// The local sockets `opts` targets.
    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Sid>;

    /// The rooms that exist on this server.
    fn local_rooms(&self) -> Vec<Room>;

    /// Sends `packet` (an EVENT; its namespace is set) to every target, here and, unless
    /// `flags.local`, on the other servers. Returns how many local sockets got it. A failure to
    /// publish is logged and does not stop local delivery.
    fn broadcast(&self, packet: Packet, opts: BroadcastOptions) -> usize;

    /// Sends `packet` expecting one ack per target socket, here and on the other servers; the
    /// answers arrive on the returned stream.
    fn broadcast_with_ack(&self, packet: Packet, opts: BroadcastOptions) -> AckStream;

    /// The sockets `opts` targets, here and on the other servers.
    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<Result<Vec<SocketInfo>, AdapterError>>;

    /// Makes the targets join rooms, here and on the other servers.
    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>>;

    /// Makes the targets leave rooms, here and on the other servers.
    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>>;

    /// Disconnects the targets (closing their connections when `close`), here and on the other
    /// servers.
    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<Result<(), AdapterError>>;

    /// Emits `args` (`[event, ...]`) to the other servers' server-side listeners.
    fn server_side_emit(&self, _args: Vec<Value>) -> BoxFuture<Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// The same, collecting one answer per other server within `timeout`. On a timeout the
    /// error comes with the answers received.
    fn server_side_emit_with_ack(
        &self,
        _args: Vec<Value>,
        _timeout: Duration,
    ) -> BoxFuture<ServerAnswers> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Every room of every server (a union, without duplicates).
    fn all_rooms(&self) -> BoxFuture<Result<Vec<Room>, AdapterError>> {
        let rooms = self.local_rooms();
        Box::pin(async move { Ok(rooms) })
    }

    /// Adds a listener of this server's room events (create, delete, join, leave). Called
    /// after the index is updated, outside its lock. Default: no events.
    fn on_room_event(&self, _listener: RoomListener) {}

    /// Keeps a disconnected socket for connection state recovery.
    fn persist_session(&self, _session: Session) -> BoxFuture<Result<(), AdapterError>> {
        Box::pin(async { Ok(()) })
    }

    /// Finds a persisted session by private id, with the packets missed after `offset`, or
    /// says why it cannot.
    fn restore_session(
        &self,
        _pid: String,
        _offset: String,
    ) -> BoxFuture<Result<RestoredSession, RecoveryFailure>> {
        Box::pin(async { Err(RecoveryFailure::Unsupported) })
    }

    /// Removes the sessions and packets kept for recovery that expired at `now` (on the
    /// clock of [`LocalNamespace::now`]) and returns when the next one expires: the first
    /// instant at which calling it again removes something. `None` when nothing is kept.
    ///
    /// With recovery on, the server calls it from one timer per namespace, at that instant,
    /// and when told that the adapter kept something while it kept nothing
    /// ([`LocalNamespace::recovery_kept`]): expired entries go without any traffic. Default:
    /// `None` (an adapter whose backend expires what it keeps by itself, or that keeps
    /// nothing).
    fn purge_expired(&self, _now: Instant) -> Option<Instant> {
        None
    }

    /// How many sessions and packets this server keeps in memory for recovery, when it keeps
    /// them (`None`: recovery off, or kept by a backend). Default: `None`.
    fn recovery_stats(&self) -> Option<RecoveryStats> {
        None
    }
}

/// What an adapter asks of the server for the sockets of this server, in one namespace.
/// Implemented by the `socketio` server; an adapter holds it weakly.
pub trait LocalNamespace: Send + Sync + 'static {
    /// The namespace name (`/`, `/admin`, ...).
    fn name(&self) -> &str;

    /// Writes `packet` to these local sockets (encoded once for all). Volatile packets are
    /// dropped for connections that cannot take them now. Returns how many got it.
    fn deliver(&self, sids: &[Sid], packet: &Packet, opts: &BroadcastOptions) -> usize;

    /// Writes `packet` to these sockets with a fresh ack id of this namespace, each socket
    /// waiting for its ack until `timeout` and reporting it on `acks` as an
    /// [`AckEvent::Ack`](crate::AckEvent::Ack). Returns how many got it (the caller reports the
    /// `Count`).
    fn deliver_with_ack(
        &self,
        sids: &[Sid],
        packet: &Packet,
        opts: &BroadcastOptions,
        timeout: Duration,
        acks: AckSender,
    ) -> usize;

    /// Describes these local sockets (the adapter adds their rooms).
    fn socket_infos(&self, sids: &[Sid]) -> Vec<SocketInfo>;

    /// Disconnects these local sockets from the namespace (and their connections when `close`).
    fn disconnect(&self, sids: &[Sid], close: bool);

    /// A server-side emit from another server: `args` is `[event, ...]`; `ack` answers it
    /// when the sender waits for answers.
    fn server_side_emit(&self, args: Vec<Value>, ack: Option<ServerAck>);

    /// The connection state recovery settings, when the server has it on: the adapter then
    /// appends an offset to every non-volatile EVENT without ack it broadcasts, keeps those
    /// packets, and keeps persisted sessions.
    fn recovery(&self) -> Option<RecoverySettings> {
        None
    }

    /// The server's clock, which the adapter stamps what it keeps for recovery with, and
    /// which [`Adapter::purge_expired`] is given. Default: `Instant::now()`.
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// The adapter kept something for recovery (a session or a packet) while it kept nothing:
    /// the server's expiry timer has an instant to wait for again (it then asks
    /// [`Adapter::purge_expired`]). Called outside the adapter's locks. Default: nothing.
    fn recovery_kept(&self) {}
}

/// Listens to room events: the namespace name and the event.
pub type RoomListener = Arc<dyn Fn(&str, &crate::RoomEvent<Sid>) + Send + Sync>;

/// Builds the adapter of a namespace (Node's `io.adapter(createAdapter(...))`).
pub type AdapterFactory = Arc<dyn Fn(Weak<dyn LocalNamespace>) -> Arc<dyn Adapter> + Send + Sync>;
