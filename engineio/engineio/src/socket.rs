//! The user-facing socket handle and the connection handler trait.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use engineio_codec::{Data, ProtocolVersion, Sid};
use engineio_proto::{CloseReason, TransportKind};
use tokio::sync::mpsc;

use crate::driver::Command;
use crate::Error;

/// What the application does with sessions. One value serves every session.
///
/// The callbacks run inside the session's task, in order: `on_connect`, then `on_message` for
/// each message as it arrived, then `on_disconnect` once. Keep them short; spawn for slow work.
pub trait Handler: Send + Sync + 'static {
    /// Per-session state, created by `on_connect` and owned by the session task.
    type Connection: Send + 'static;

    /// A session opened (after the handshake was written).
    fn on_connect(&self, socket: Socket) -> Self::Connection;

    /// A message arrived.
    fn on_message(&self, conn: &mut Self::Connection, data: Data);

    /// The session moved from polling to websocket.
    fn on_upgrade(&self, _conn: &mut Self::Connection) {}

    /// The session ended, with Node's reason.
    fn on_disconnect(&self, conn: Self::Connection, reason: CloseReason);
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
            .map_err(queue_error)
    }

    /// Queues messages that go out together or not at all (for example a Socket.IO packet and
    /// its binary attachments); same errors as [`Socket::try_send`].
    pub fn try_send_batch(&self, batch: Vec<Data>) -> Result<(), Error> {
        self.check_room(batch.len())?;
        let cmd = match <[Data; 1]>::try_from(batch) {
            Ok([one]) => Command::Send(one),
            Err(batch) => Command::SendBatch(batch),
        };
        self.shared.tx.try_send(cmd).map_err(queue_error)
    }

    fn check_room(&self, n: usize) -> Result<(), Error> {
        if self.shared.tx.is_closed() {
            return Err(Error::Closed);
        }
        if self.shared.buffered.load(Ordering::Acquire) + n > self.shared.max_buffered {
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
    pub fn send_text(&self, text: impl Into<String>) -> Result<(), Error> {
        self.try_send(Data::Text(text.into()))
    }

    /// Sends a binary message (see [`Socket::try_send`]).
    pub fn send_binary(&self, bytes: impl Into<bytes::Bytes>) -> Result<(), Error> {
        self.try_send(Data::Binary(bytes.into()))
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

fn queue_error(e: mpsc::error::TrySendError<Command>) -> Error {
    match e {
        mpsc::error::TrySendError::Full(_) => Error::QueueFull,
        mpsc::error::TrySendError::Closed(_) => Error::Closed,
    }
}
