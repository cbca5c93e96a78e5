//! Extractors: what an event handler can ask for, and the handler traits built on them.
//!
//! A handler is a closure taking up to four extractors, sync or async:
//!
//! ```
//! use socketio::{AckSender, Data, SocketRef};
//!
//! fn register(socket: SocketRef) {
//!     socket.on("chat", |socket: SocketRef, Data(msg): Data<String>, ack: AckSender| {
//!         let _ = ack.send(&format!("{} got {msg}", socket.id()));
//!     });
//!     socket.on("slow", |Data(n): Data<u64>| async move {
//!         tokio::time::sleep(std::time::Duration::from_millis(n)).await;
//!     });
//! }
//! ```
//!
//! Sync handlers run in the connection's task, in the order events arrived; async handlers are
//! started in that order, up to their first pending await, in that task (their awaits then
//! interleave, as in Node); only a handler that actually waits is spawned.

use std::future::Future;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ack::AckSender;
use crate::error::ExtractError;
use crate::socket::SocketRef;

/// Everything known about one incoming event.
#[derive(Clone, Debug)]
pub struct EventParts {
    /// The receiving socket.
    pub socket: SocketRef,
    /// The event name.
    pub event: String,
    /// The arguments after the name (binary values as placeholders).
    pub args: Vec<Value>,
    /// The binary attachments.
    pub attachments: Vec<Bytes>,
    /// The ack id, when the client wants an answer.
    pub ack_id: Option<u64>,
}

/// Builds a value from an incoming event.
pub trait FromEvent: Sized {
    /// Extracts the value.
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError>;
}

/// The event arguments, deserialized: the only argument when there is one, the argument
/// array otherwise (use a tuple for several). Binary values deserialize into `Bytes`/`Vec<u8>`.
/// The handler is not called when the data does not match.
#[derive(Clone, Debug)]
pub struct Data<T>(pub T);

/// Like [`Data`], but the handler gets the error instead of not being called.
#[derive(Debug)]
pub struct TryData<T>(pub Result<T, serde_json::Error>);

/// The raw arguments (binary kept as placeholders + attachments): re-emit them unchanged with
/// [`SocketRef::emit_args`](crate::SocketRef::emit_args).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Args {
    /// The arguments after the event name.
    pub values: Vec<Value>,
    /// The binary attachments the placeholders point to.
    pub attachments: Vec<Bytes>,
}

/// The binary attachments of the event, in order.
#[derive(Clone, Debug)]
pub struct Bin(pub Vec<Bytes>);

/// The event name (for handlers shared between events, and catch-all listeners).
#[derive(Clone, Debug)]
pub struct EventName(pub String);

pub(crate) fn deserialize_args<T: DeserializeOwned>(
    args: &[Value],
    attachments: &[Bytes],
) -> Result<T, serde_json::Error> {
    let mut value = match args {
        [one] => one.clone(),
        many => Value::Array(many.to_vec()),
    };
    if !attachments.is_empty() {
        socketio_codec::inline_attachments(&mut value, attachments);
    }
    serde_json::from_value(value)
}

impl<T: DeserializeOwned> FromEvent for Data<T> {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        deserialize_args(&parts.args, &parts.attachments)
            .map(Data)
            .map_err(ExtractError::Data)
    }
}

impl<T: DeserializeOwned> FromEvent for TryData<T> {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(TryData(deserialize_args(&parts.args, &parts.attachments)))
    }
}

impl FromEvent for Args {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(Args {
            values: parts.args.clone(),
            attachments: parts.attachments.clone(),
        })
    }
}

impl FromEvent for Bin {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(Bin(parts.attachments.clone()))
    }
}

impl FromEvent for EventName {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(EventName(parts.event.clone()))
    }
}

impl FromEvent for SocketRef {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(parts.socket.clone())
    }
}

impl FromEvent for AckSender {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(AckSender::new(parts.socket.clone(), parts.ack_id))
    }
}

/// An event handler. Implemented for closures of up to four [`FromEvent`] arguments returning
/// `()` (sync) or a future (async); `M` only tells the two apart.
pub trait EventHandler<M>: Send + Sync + 'static {
    /// Runs the handler for one event.
    fn call(&self, parts: EventParts);
}

/// Marker: a sync handler.
pub struct SyncMarker<A>(std::marker::PhantomData<A>);
/// Marker: an async handler.
pub struct AsyncMarker<A>(std::marker::PhantomData<A>);

macro_rules! impl_handler {
    ($($ty:ident),*) => {
        #[allow(non_snake_case, unused_variables)]
        impl<F, $($ty,)*> EventHandler<SyncMarker<($($ty,)*)>> for F
        where
            F: Fn($($ty,)*) + Send + Sync + 'static,
            $($ty: FromEvent + Send + 'static,)*
        {
            fn call(&self, parts: EventParts) {
                $(
                    let $ty = match $ty::from_event(&parts) {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::debug!(event = %parts.event, "handler skipped: {e}");
                            return;
                        }
                    };
                )*
                (self)($($ty,)*);
            }
        }

        #[allow(non_snake_case, unused_variables)]
        impl<F, Fut, $($ty,)*> EventHandler<AsyncMarker<($($ty,)*)>> for F
        where
            F: Fn($($ty,)*) -> Fut + Send + Sync + 'static,
            Fut: Future<Output = ()> + Send + 'static,
            $($ty: FromEvent + Send + 'static,)*
        {
            fn call(&self, parts: EventParts) {
                $(
                    let $ty = match $ty::from_event(&parts) {
                        Ok(v) => v,
                        Err(e) => {
                            tracing::debug!(event = %parts.event, "handler skipped: {e}");
                            return;
                        }
                    };
                )*
                // Run the synchronous start of the handler now, in arrival order (as Node
                // does); only a handler that actually waits becomes a task.
                let mut fut = Box::pin((self)($($ty,)*));
                let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                if fut.as_mut().poll(&mut cx).is_pending() {
                    tokio::spawn(fut);
                }
            }
        }
    };
}

impl_handler!();
impl_handler!(A1);
impl_handler!(A1, A2);
impl_handler!(A1, A2, A3);
impl_handler!(A1, A2, A3, A4);

/// Object-safe form of [`EventHandler`], stored per socket.
pub(crate) trait ErasedHandler: Send + Sync + 'static {
    fn call(&self, parts: EventParts);
}

pub(crate) struct Erased<H, M> {
    pub(crate) handler: H,
    pub(crate) _marker: std::marker::PhantomData<fn() -> M>,
}

impl<H: EventHandler<M>, M: 'static> ErasedHandler for Erased<H, M> {
    fn call(&self, parts: EventParts) {
        self.handler.call(parts)
    }
}
