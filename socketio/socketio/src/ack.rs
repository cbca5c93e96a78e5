//! Acknowledgements: answering a client's ack, and waiting for the answers to our emits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::FusedFuture;
use futures_util::{FutureExt, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use socketio_adapter::{AckEvent, AckStream};
use socketio_codec::{from_value, Value};
use tokio::sync::oneshot;

use crate::emit::Payload;
use crate::error::{AckError, EmitError};
use crate::extract::Args;
use crate::socket::SocketRef;

/// Answers the client's ack callback of one event (Node's `callback` argument).
///
/// Only the first answer is sent: when several listeners of an event each take an
/// `AckSender`, they share one, and the later answers do nothing. When the client asked for no
/// ack, answering does nothing.
///
/// ```
/// use socketio::{AckSender, Data, SocketRef};
///
/// fn register(socket: &SocketRef) {
///     socket.on("ping", |ack: AckSender| ack.send_empty()); // Node: `callback()`
///     socket.on("add", |Data((a, b)): Data<(i64, i64)>, ack: AckSender| ack.send(&(a + b)));
///     socket.on("pair", |ack: AckSender| ack.send_many(&("ok", 2))); // callback("ok", 2)
/// }
/// ```
#[derive(Clone, Debug)]
pub struct AckSender {
    socket: SocketRef,
    id: Option<u64>,
    sent: Arc<AtomicBool>,
}

impl AckSender {
    pub(crate) fn new(socket: SocketRef, id: Option<u64>) -> Self {
        AckSender {
            socket,
            id,
            sent: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Whether the client asked for an ack (and none was sent yet).
    pub fn expected(&self) -> bool {
        self.id.is_some() && !self.sent.load(Ordering::Acquire)
    }

    /// Answers with one argument (`callback(data)`); failures are logged.
    pub fn send<T: Serialize + ?Sized>(self, data: &T) {
        log(self.send_payload(Payload::One(data)));
    }

    /// Answers with the items of a tuple, `Vec` or array as arguments (`callback(a, b)`).
    pub fn send_many<T: Serialize + ?Sized>(self, data: &T) {
        log(self.send_payload(Payload::Many(data)));
    }

    /// Answers with no argument (`callback()`).
    pub fn send_empty(self) {
        log(self.send_payload::<()>(Payload::None));
    }

    /// Answers with raw arguments.
    pub fn send_args(self, args: impl Into<Args>) {
        let args = args.into();
        log(self.send_payload::<()>(Payload::Args(args.0)));
    }

    /// Like [`AckSender::send`], returning the error instead of logging it.
    pub fn try_send<T: Serialize + ?Sized>(self, data: &T) -> Result<(), EmitError> {
        self.send_payload(Payload::One(data))
    }

    fn send_payload<T: Serialize + ?Sized>(self, payload: Payload<'_, T>) -> Result<(), EmitError> {
        let Some(id) = self.id else { return Ok(()) };
        if self.sent.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let args = payload.into_args()?;
        self.socket.send_ack(id, args)
    }
}

fn log(result: Result<(), EmitError>) {
    if let Err(e) = result {
        tracing::debug!("ack not sent: {e}");
    }
}

/// One answer to an emit with ack: the arguments the peer passed to its ack callback.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct AckResponse {
    /// The ack arguments (binary values inline).
    pub args: Vec<Value>,
}

impl AckResponse {
    /// The first argument (what Node's `emitWithAck` resolves with), `Null` when none.
    pub fn first(&self) -> Value {
        self.args.first().cloned().unwrap_or_default()
    }

    /// Deserializes the answer: the only argument when there is one, the argument array
    /// otherwise (use a tuple for several).
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, AckError> {
        crate::extract::deserialize_args(&self.args).map_err(AckError::Decode)
    }
}

/// What waits for an ack id on a socket.
#[derive(Debug)]
pub(crate) enum AckWaiter {
    /// One emit with ack.
    One(oneshot::Sender<Result<AckResponse, AckError>>),
    /// A broadcast with acks: the answer joins the others.
    Broadcast(socketio_adapter::AckSender),
}

impl AckWaiter {
    pub(crate) fn deliver(self, args: Vec<Value>) {
        match self {
            AckWaiter::One(tx) => {
                let _ = tx.send(Ok(AckResponse { args }));
            }
            AckWaiter::Broadcast(tx) => {
                let _ = tx.unbounded_send(AckEvent::Ack(args));
            }
        }
    }

    pub(crate) fn time_out(self) {
        if let AckWaiter::One(tx) = self {
            let _ = tx.send(Err(AckError::Timeout));
        }
    }
}

/// Waits for the answer of one emit with ack; the connection times it out.
pub(crate) async fn wait_one(
    rx: oneshot::Receiver<Result<AckResponse, AckError>>,
) -> Result<AckResponse, AckError> {
    rx.await.unwrap_or(Err(AckError::Disconnected))
}

/// The answers to a broadcast with acks (Node's `(err, responses)`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BroadcastAcks {
    /// Every answer received, in arrival order.
    pub responses: Vec<AckResponse>,
    /// Whether some recipient did not answer in time (Node's `err`: "operation has timed out").
    pub timed_out: bool,
}

impl BroadcastAcks {
    /// The first argument of each answer (what Node's callback gets as `responses`).
    pub fn values(&self) -> Vec<Value> {
        self.responses.iter().map(AckResponse::first).collect()
    }

    /// Deserializes the first argument of each answer.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<Vec<T>, AckError> {
        self.values()
            .into_iter()
            .map(|v| from_value(v).map_err(AckError::Decode))
            .collect()
    }
}

/// Collects the answers of a broadcast with acks until every server reported and every
/// reached socket answered, or until `timeout`.
pub(crate) async fn collect(stream: AckStream, timeout: Duration) -> BroadcastAcks {
    let AckStream {
        servers,
        mut events,
    } = stream;
    let mut acks = BroadcastAcks::default();
    let mut expected_servers: Option<usize> = None;
    let mut reported = 0usize;
    let mut expected_clients = 0usize;
    let mut servers = servers.fuse();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    loop {
        if expected_servers == Some(reported) && acks.responses.len() >= expected_clients {
            return acks;
        }
        tokio::select! {
            n = &mut servers, if !servers.is_terminated() => {
                match n {
                    Ok(n) => expected_servers = Some(n),
                    Err(e) => tracing::debug!("broadcast with acks: server count failed: {e}"),
                }
            }
            event = events.next() => match event {
                Some(AckEvent::Count(n)) => {
                    reported += 1;
                    expected_clients += n;
                }
                Some(AckEvent::Ack(args)) => acks.responses.push(AckResponse { args }),
                // Every reporter is gone: nothing more can arrive. The server count may still
                // be on its way (`select!` polls in random order): it decides the outcome.
                None => {
                    if expected_servers.is_none() && !servers.is_terminated() {
                        tokio::select! {
                            n = &mut servers => match n {
                                Ok(n) => expected_servers = Some(n),
                                Err(e) => tracing::debug!("broadcast with acks: server count failed: {e}"),
                            },
                            () = &mut deadline => {}
                        }
                    }
                    acks.timed_out = acks.responses.len() < expected_clients
                        || expected_servers.is_none_or(|n| n > reported);
                    return acks;
                }
            },
            () = &mut deadline => {
                acks.timed_out = true;
                return acks;
            }
        }
    }
}
