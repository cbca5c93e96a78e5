//! The user-facing socket handle and the connection handler trait.

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use engineio_codec::{Data, ProtocolVersion, Sid};
use engineio_proto::{CloseReason, SendOptions, TransportKind};
use tokio::sync::mpsc;

use crate::driver::Command;
use crate::metrics::Queue;
use crate::Error;

/// A command for the session task, sent by another task with [`Socket::try_send_command`] and
/// handed to [`Handler::on_command`] in the session task. What it means is the handler's
/// business (the Socket.IO layer sends its own command type and downcasts it).
pub type AppCommand = Box<dyn Any + Send>;

/// What the application does with sessions. One value serves every session.
///
/// Every callback runs inside the session's task, which owns the `Connection` value: it needs no
/// lock. Other tasks reach it with [`Socket::try_send_command`]. The order is: `on_connect`,
/// then `on_message` for each message as it arrived, `on_command` for each command, `on_timeout`
/// when the deadline of [`Handler::poll_timeout`] passed, and `on_disconnect` once. `now` is the
/// time the driver read for the turn (a test harness passes a virtual clock). Keep callbacks
/// short; spawn for slow work.
pub trait Handler: Send + Sync + 'static {
    /// Per-session state, created by `on_connect` and owned by the session task.
    type Connection: Send + 'static;

    /// A session opened (after the handshake was written).
    fn on_connect(&self, socket: Socket, now: Instant) -> Self::Connection;

    /// A message arrived.
    fn on_message(&self, conn: &mut Self::Connection, data: Data, now: Instant);

    /// The session moved from polling to websocket.
    fn on_upgrade(&self, _conn: &mut Self::Connection, _now: Instant) {}

    /// A command sent to this session with [`Socket::try_send_command`].
    fn on_command(&self, _conn: &mut Self::Connection, _cmd: AppCommand, _now: Instant) {}

    /// The connection's next deadline, if any: the session task wakes at the earliest of its
    /// own timers and this one, and calls [`Handler::on_timeout`]. Asked after every turn.
    fn poll_timeout(&self, _conn: &Self::Connection) -> Option<Instant> {
        None
    }

    /// The deadline of [`Handler::poll_timeout`] passed.
    fn on_timeout(&self, _conn: &mut Self::Connection, _now: Instant) {}

    /// The session ended, with Node's reason. For "transport error",
    /// [`Socket::close_description`] has Node's description of the error.
    fn on_disconnect(&self, conn: Self::Connection, reason: CloseReason, now: Instant);
}

/// Shared between the registry, the session task and every [`Socket`] clone.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) sid: Sid,
    pub(crate) version: ProtocolVersion,
    pub(crate) tx: mpsc::Sender<Command>,
    pub(crate) upgraded: AtomicBool,
    /// Packets waiting in the session's outgoing buffer, as of the task's last turn.
    pub(crate) buffered: AtomicUsize,
    /// The session's `max_buffered_packets`.
    pub(crate) max_buffered: usize,
    pub(crate) head: Arc<crate::service::RequestHead>,
    /// Node's close description, set when the session ends (see [`Socket::close_description`]).
    pub(crate) close_description: OnceLock<Arc<str>>,
    /// The server's metric handles.
    pub(crate) metrics: Arc<crate::metrics::EngineMetrics>,
}

impl Shared {
    pub(crate) fn transport(&self) -> TransportKind {
        if self.upgraded.load(Ordering::Acquire) {
            TransportKind::WebSocket
        } else {
            TransportKind::Polling
        }
    }
}

/// A handle on one session: send messages, close it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Socket {
    pub(crate) shared: Arc<Shared>,
}

impl Socket {
    /// The session id.
    pub fn sid(&self) -> Sid {
        self.shared.sid
    }

    /// The Engine.IO protocol version of the peer.
    pub fn protocol_version(&self) -> ProtocolVersion {
        self.shared.version
    }

    /// The handshake request of this session.
    pub fn request(&self) -> &crate::service::RequestHead {
        &self.shared.head
    }

    /// The handshake request of this session, shared (to keep it without copying).
    pub fn request_shared(&self) -> Arc<crate::service::RequestHead> {
        self.shared.head.clone()
    }

    /// The current transport.
    pub fn transport(&self) -> TransportKind {
        self.shared.transport()
    }

    /// Whether the session has ended (its task is gone).
    pub fn is_closed(&self) -> bool {
        self.shared.tx.is_closed()
    }

    /// Whether two handles are the same session.
    pub fn same_session(&self, other: &Socket) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Whether `n` more messages fit right now: room in the session's queue, and in its outgoing
    /// buffer (a polling client that is not polling fills it). Volatile sends check this.
    pub fn has_room(&self, n: usize) -> bool {
        self.shared.tx.capacity() >= 1
            && self.shared.buffered.load(Ordering::Acquire) + n <= self.shared.max_buffered
    }

    /// Queues a message without waiting: fails with [`Error::QueueFull`] when the session's queue
    /// or outgoing buffer is full, [`Error::Closed`] when the session is gone.
    pub fn try_send(&self, data: Data) -> Result<(), Error> {
        self.check_room(1)?;
        self.shared
            .tx
            .try_send(Command::Send(data))
            .map_err(|e| self.queue_error(e, 1))
    }

    /// Queues messages that go out together (see [`Socket::try_send_batch`]) with send options
    /// (Node's `socket.send(data, { compress })`): with `compress: false` for every message of
    /// a polling answer, that answer is not HTTP-compressed.
    pub fn try_send_all_with(&self, batch: &[Data], options: SendOptions) -> Result<(), Error> {
        if options == SendOptions::default() {
            return self.try_send_all(batch);
        }
        self.check_room(batch.len())?;
        self.shared
            .tx
            .try_send(Command::SendWith(batch.to_vec(), options))
            .map_err(|e| self.queue_error(e, batch.len()))
    }

    /// Node's description of why the session closed (the second argument of its `close`
    /// event), once it has: for "transport error", the error's message (`"overlap from
    /// client"`, `"invalid heartbeat direction"`, `"poll connection closed prematurely"`,
    /// `"RangeError: Max payload size exceeded"`, `"write error"`, ...); `None` for the other
    /// reasons and while the session is open. Readable in [`Handler::on_disconnect`].
    pub fn close_description(&self) -> Option<&str> {
        self.shared.close_description.get().map(|d| &**d)
    }

    /// Queues messages that go out together or not at all (for example a Socket.IO packet and
    /// its binary attachments); same errors as [`Socket::try_send`].
    pub fn try_send_batch(&self, batch: Vec<Data>) -> Result<(), Error> {
        self.check_room(batch.len())?;
        let cmd = match <[Data; 1]>::try_from(batch) {
            Ok([one]) => Command::Send(one),
            Err(batch) => Command::SendBatch(batch),
        };
        let n = batch_len(&cmd);
        self.shared
            .tx
            .try_send(cmd)
            .map_err(|e| self.queue_error(e, n))
    }

    /// Queues the messages of `batch` (cloned: `Data` is a shared buffer) to go out together.
    pub fn try_send_all(&self, batch: &[Data]) -> Result<(), Error> {
        match batch {
            [one] => self.try_send(one.clone()),
            many => self.try_send_batch(many.to_vec()),
        }
    }

    fn check_room(&self, n: usize) -> Result<(), Error> {
        if self.shared.tx.is_closed() {
            return Err(Error::Closed);
        }
        if self.shared.buffered.load(Ordering::Acquire) + n > self.shared.max_buffered {
            self.shared.metrics.queue_full(Queue::Buffer, n as u64);
            return Err(Error::QueueFull);
        }
        Ok(())
    }

    /// Queues a message, waiting for room in the session's queue.
    pub async fn send(&self, data: Data) -> Result<(), Error> {
        self.shared
            .tx
            .send(Command::Send(data))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Sends a text message (see [`Socket::try_send`]).
    pub fn send_text(&self, text: &str) -> Result<(), Error> {
        self.try_send(Data::Text(text.into()))
    }

    /// Sends a binary message (see [`Socket::try_send`]).
    pub fn send_binary(&self, bytes: impl Into<bytes::Bytes>) -> Result<(), Error> {
        self.try_send(Data::Binary(bytes.into()))
    }

    /// Hands a command to [`Handler::on_command`] in the session task, after what is queued
    /// already. Fails with [`Error::QueueFull`] when the session's queue is full and
    /// [`Error::Closed`] when the session is gone.
    pub fn try_send_command(&self, cmd: AppCommand) -> Result<(), Error> {
        self.shared
            .tx
            .try_send(Command::App(cmd))
            .map_err(|e| self.queue_error(e, 1))
    }

    /// Hands a command to the session task, waiting for room in its queue.
    pub async fn send_command(&self, cmd: AppCommand) -> Result<(), Error> {
        self.shared
            .tx
            .send(Command::App(cmd))
            .await
            .map_err(|_| Error::Closed)
    }

    /// Hands a command to the session task even when its queue is full (then a task waits for
    /// room, so the command is never lost while the session lives). For commands that must
    /// arrive, such as a disconnect.
    pub fn send_command_reliably(&self, cmd: AppCommand) {
        let tx = self.shared.tx.clone();
        if let Err(mpsc::error::TrySendError::Full(cmd)) = tx.try_send(Command::App(cmd)) {
            tokio::spawn(async move {
                let _ = tx.send(cmd).await;
            });
        }
    }

    /// Closes the session ("forced close"); the peer gets a close packet.
    pub fn close(&self) {
        self.close_with(CloseReason::ForcedClose);
    }

    /// Closes the session with the given reason.
    pub fn close_with(&self, reason: CloseReason) {
        // A full queue still closes: the task drains it and the close follows.
        let tx = self.shared.tx.clone();
        if let Err(mpsc::error::TrySendError::Full(cmd)) = tx.try_send(Command::Close(reason)) {
            tokio::spawn(async move {
                let _ = tx.send(cmd).await;
            });
        }
    }
}

impl Socket {
    /// The error of a refused command; a full queue is counted (`n` messages or commands).
    fn queue_error(&self, e: mpsc::error::TrySendError<Command>, n: usize) -> Error {
        match e {
            mpsc::error::TrySendError::Full(_) => {
                self.shared.metrics.queue_full(Queue::Commands, n as u64);
                Error::QueueFull
            }
            mpsc::error::TrySendError::Closed(_) => Error::Closed,
        }
    }
}

/// How many messages a send command carries.
fn batch_len(cmd: &Command) -> usize {
    match cmd {
        Command::SendBatch(batch) => batch.len(),
        _ => 1,
    }
}
