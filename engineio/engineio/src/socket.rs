//! The user-facing socket handle and the connection handler trait.

use std::sync::atomic::{AtomicBool, Ordering};
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

    /// The current transport.
    pub fn transport(&self) -> TransportKind {
        self.shared.transport()
    }

    /// Whether the session has ended (its task is gone).
    pub fn is_closed(&self) -> bool {
        self.shared.tx.is_closed()
    }

    /// Whether `n` more messages fit in the session's queue right now (for volatile sends).
    pub fn has_room(&self, n: usize) -> bool {
        self.shared.tx.capacity() >= n
    }

    /// Queues a message without waiting: fails with [`Error::QueueFull`] when the session's queue
    /// is full, [`Error::Closed`] when the session is gone.
    pub fn try_send(&self, data: Data) -> Result<(), Error> {
        self.shared
            .tx
            .try_send(Command::Send(data))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => Error::QueueFull,
                mpsc::error::TrySendError::Closed(_) => Error::Closed,
            })
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
