//! Driving a [`Handler`](crate::Handler) without a server, for tests of the layers above.
//!
//! [`socket`] makes a [`Socket`] that no session task owns: what the handler sends through it
//! (messages, commands, a close) waits in the returned [`Outbox`], where the test reads it. A
//! test harness plays the session task: it calls the handler's callbacks with a virtual clock,
//! feeds [`Outgoing::Command`]s back to [`Handler::on_command`](crate::Handler::on_command), and
//! checks the messages. No socket, no runtime timer, no sleep.
//!
//! ```
//! use engineio::testing::{self, Outgoing};
//! use engineio::{Data, ProtocolVersion, Sid};
//!
//! let (socket, mut outbox) = testing::socket(Sid::from_random([1; 15]), ProtocolVersion::V4, 16);
//! socket.try_send(Data::Text("hi".into())).unwrap();
//! socket.close();
//! assert!(matches!(outbox.try_next(), Some(Outgoing::Message(Data::Text(t))) if t == "hi"));
//! assert!(matches!(outbox.try_next(), Some(Outgoing::Close(_))));
//! assert!(outbox.try_next().is_none());
//! ```

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use engineio_codec::{Data, ProtocolVersion, Sid};
use engineio_proto::CloseReason;
use tokio::sync::mpsc;

use crate::driver::Command;
use crate::service::RequestHead;
use crate::socket::{AppCommand, Shared, Socket};

/// What a handler sent through a test [`Socket`].
#[derive(Debug)]
pub enum Outgoing {
    /// A message.
    Message(Data),
    /// Messages that go out together.
    Batch(Vec<Data>),
    /// A command for the session task.
    Command(AppCommand),
    /// A close.
    Close(CloseReason),
}

/// The receiving end of a test [`Socket`].
pub struct Outbox {
    rx: mpsc::Receiver<Command>,
    shared: Arc<Shared>,
}

impl Outbox {
    /// The next thing sent, if any.
    pub fn try_next(&mut self) -> Option<Outgoing> {
        loop {
            return Some(match self.rx.try_recv().ok()? {
                Command::Send(data) => Outgoing::Message(data),
                Command::SendBatch(batch) => Outgoing::Batch(batch),
                // The send options only matter to the HTTP side (compression).
                Command::SendWith(batch, _) => Outgoing::Batch(batch),
                Command::App(cmd) => Outgoing::Command(cmd),
                Command::Close(reason) => Outgoing::Close(reason),
                // Only the HTTP side sends these; a test socket has none.
                Command::Get(_)
                | Command::PostStart { .. }
                | Command::PostBody { .. }
                | Command::Upgrade(_) => continue,
            });
        }
    }

    /// Pretends the session moved to websocket (what [`Socket::transport`] reports).
    pub fn set_upgraded(&self, upgraded: bool) {
        self.shared.upgraded.store(upgraded, Ordering::Release);
    }

    /// Pretends `n` packets wait in the session's outgoing buffer (a client that stopped
    /// polling), as the session task reports it after each turn.
    pub fn set_buffered(&self, n: usize) {
        self.shared.buffered.store(n, Ordering::Release);
    }

    /// Sets what [`Socket::close_description`] reports (the session task sets it when the
    /// session ends with a description); only the first call counts.
    pub fn set_close_description(&self, description: &str) {
        let _ = self.shared.close_description.set(Arc::from(description));
    }

    /// Ends the session: the socket reports closed and sends fail with `Closed`.
    pub fn close(&mut self) {
        self.rx.close();
    }
}

/// A socket with no session task behind it, and the outbox where its sends arrive. The queue
/// and the outgoing buffer hold `max_buffered` messages, as `Config::max_buffered_packets`.
pub fn socket(sid: Sid, version: ProtocolVersion, max_buffered: usize) -> (Socket, Outbox) {
    let head = RequestHead {
        uri: http::Uri::from_static("/socket.io/?EIO=4&transport=polling"),
        headers: http::HeaderMap::new(),
        remote_addr: None,
        time: std::time::SystemTime::now(),
    };
    socket_with_head(sid, version, max_buffered, head)
}

/// The same with a given handshake request.
pub fn socket_with_head(
    sid: Sid,
    version: ProtocolVersion,
    max_buffered: usize,
    head: RequestHead,
) -> (Socket, Outbox) {
    let (tx, rx) = mpsc::channel(max_buffered.max(1));
    let shared = Arc::new(Shared {
        sid,
        version,
        tx,
        upgraded: AtomicBool::new(false),
        buffered: AtomicUsize::new(0),
        max_buffered,
        head: Arc::new(head),
        close_description: std::sync::OnceLock::new(),
        metrics: Arc::new(crate::metrics::EngineMetrics::new()),
    });
    (
        Socket {
            shared: shared.clone(),
        },
        Outbox { rx, shared },
    )
}
