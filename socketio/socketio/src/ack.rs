//! Acknowledgements: answering a client's ack, and waiting for the answers to our emits.

use std::time::Duration;

use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::emit::{ack_packet, Payload};
use crate::error::{AckError, AckResponse, Error};
use crate::extract::Args;
use crate::socket::SocketRef;

/// Answers the client's ack callback of one event. Only the first answer is sent (it is
/// consumed); when the client asked for no ack, sending does nothing.
#[derive(Debug)]
pub struct AckSender {
    socket: SocketRef,
    id: Option<u64>,
}

impl AckSender {
    pub(crate) fn new(socket: SocketRef, id: Option<u64>) -> Self {
        AckSender { socket, id }
    }

    /// Whether the client asked for an ack.
    pub fn expected(&self) -> bool {
        self.id.is_some()
    }

    /// Answers with one argument.
    pub fn send<T: Serialize + ?Sized>(self, data: &T) -> Result<(), Error> {
        self.send_payload(Payload::One(data))
    }

    /// Answers with several arguments (a tuple, a Vec or an array: its items are the arguments).
    pub fn send_many<T: Serialize + ?Sized>(self, data: &T) -> Result<(), Error> {
        self.send_payload(Payload::Many(data))
    }

    /// Answers with raw arguments (binary placeholders and attachments kept).
    pub fn send_args(self, args: &Args) -> Result<(), Error> {
        self.send_payload::<()>(Payload::Raw(args))
    }

    fn send_payload<T: Serialize + ?Sized>(self, payload: Payload<'_, T>) -> Result<(), Error> {
        let Some(id) = self.id else { return Ok(()) };
        let packet = ack_packet(self.socket.ns(), payload, id)?;
        self.socket.send_encoded(&packet, false)
    }
}

/// What waits for an ack id on a socket.
#[derive(Debug)]
pub(crate) enum AckWaiter {
    One(oneshot::Sender<AckResponse>),
    Many(mpsc::UnboundedSender<AckResponse>),
}

impl AckWaiter {
    pub(crate) fn deliver(self, response: AckResponse) {
        match self {
            AckWaiter::One(tx) => {
                let _ = tx.send(response);
            }
            AckWaiter::Many(tx) => {
                let _ = tx.send(response);
            }
        }
    }
}

/// Waits for one socket's answer. The waiter is removed however this ends (answer, timeout,
/// or the future being dropped).
pub(crate) async fn wait_one(
    socket: SocketRef,
    id: u64,
    rx: oneshot::Receiver<AckResponse>,
    timeout: Duration,
) -> Result<AckResponse, AckError> {
    struct Forget(SocketRef, u64);
    impl Drop for Forget {
        fn drop(&mut self) {
            self.0.forget_ack(self.1);
        }
    }
    let _forget = Forget(socket, id);
    match tokio::time::timeout(timeout, rx).await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(_)) => Err(AckError::Disconnected),
        Err(_) => Err(AckError::Timeout),
    }
}

/// The answers to a broadcast with ack.
#[derive(Debug, Default)]
pub struct BroadcastAcks {
    /// Every answer received, in arrival order.
    pub responses: Vec<AckResponse>,
    /// Whether some recipient did not answer in time (Node's `err` argument).
    pub timed_out: bool,
}

/// Collects up to `expected` answers until the timeout.
pub(crate) async fn wait_many(
    mut rx: mpsc::UnboundedReceiver<AckResponse>,
    expected: usize,
    timeout: Duration,
    cleanup: impl FnOnce(),
) -> BroadcastAcks {
    let mut acks = BroadcastAcks::default();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    while acks.responses.len() < expected {
        tokio::select! {
            r = rx.recv() => match r {
                Some(r) => acks.responses.push(r),
                // Every recipient is gone (disconnected).
                None => break,
            },
            () = &mut deadline => {
                acks.timed_out = true;
                break;
            }
        }
    }
    cleanup();
    acks
}
