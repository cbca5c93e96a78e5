//! Extractors: what an event handler can ask for, and the handler traits built on them.
//!
//! A handler is a closure taking up to four extractors, sync or async:
//!
//! ```
//! use socketio::{AckSender, Data, SocketRef};
//!
//! fn register(socket: SocketRef) {
//!     socket.on("chat", |socket: SocketRef, Data(msg): Data<String>, ack: AckSender| {
//!         ack.send(&format!("{} got {msg}", socket.id()));
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
//!
//! Several handlers may listen to one event (`on` adds a listener, as in Node); they run in
//! the order they were added and share one [`AckSender`]: the first answer is sent.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use tracing::Instrument;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use socketio_codec::{from_value, Value, ValueError};

use crate::ack::AckSender;
use crate::error::ExtractError;
use crate::namespace::Namespace;
use crate::socket::SocketRef;

/// Everything known about one incoming event.
#[derive(Clone, Debug)]
pub struct EventParts {
    /// The receiving socket.
    pub socket: SocketRef,
    /// The event name.
    pub event: String,
    /// The arguments after the name (binary values inline).
    pub args: Vec<Value>,
    /// The ack of the event (shared by every listener of this event).
    pub(crate) ack: AckSender,
}

/// Builds a value from an incoming event.
pub trait FromEvent: Sized {
    /// Extracts the value.
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError>;
}

/// The event arguments, deserialized: the only argument when there is one, the argument
/// array otherwise (use a tuple for several). Binary values deserialize into `Bytes`,
/// `Vec<u8>` or [`Value`](crate::Value) (which keeps them binary); into `serde_json::Value`
/// they are an error, never silently turned into arrays of numbers. The handler is not called
/// when the data does not match (see [`TryData`]).
///
/// ```
/// use bytes::Bytes;
/// use socketio::{AckSender, Args, Data, SocketIo, SocketRef, Value};
///
/// let io = SocketIo::new(Default::default());
/// io.on_connection(|socket: SocketRef| {
///     // Echoes anything, binary included: `Value` keeps it.
///     socket.on("echo", |Data(v): Data<Value>, ack: AckSender| ack.send(&v));
///     // Never called for a payload with binary: `serde_json::Value` has no binary.
///     socket.on("json", |Data(_v): Data<serde_json::Value>| {});
/// });
///
/// // What the two extractors make of `{ file: <Buffer 01 02> }` (Args::deserialize is Data's
/// // conversion):
/// let mut upload = socketio::Map::new();
/// upload.insert("file".into(), Value::from(Bytes::from_static(&[1, 2])));
/// let args = Args(vec![Value::Object(upload)]);
/// let kept: Value = args.deserialize().unwrap();
/// assert_eq!(kept["file"].as_bytes().map(|b| &b[..]), Some(&[1u8, 2][..]));
/// assert!(args.deserialize::<serde_json::Value>().is_err());
/// ```
#[derive(Clone, Debug)]
pub struct Data<T>(pub T);

/// Like [`Data`], but the handler gets the error instead of not being called.
#[derive(Debug)]
pub struct TryData<T>(pub Result<T, ValueError>);

/// The raw arguments after the event name, binary inline: re-emit them, or a part of them,
/// unchanged.
///
/// ```
/// use bytes::Bytes;
/// use socketio::{Args, SocketIo, SocketRef, Value};
///
/// let io = SocketIo::new(Default::default());
/// io.on_connection(|socket: SocketRef| {
///     // Node: socket.on("upload", (m) => socket.emit("file", m.file)); the binary stays binary.
///     socket.on("upload", |socket: SocketRef, args: Args| {
///         socket.emit("file", &args.field(0, "file"));
///     });
/// });
///
/// let mut upload = socketio::Map::new();
/// upload.insert("name".into(), Value::from("a.bin"));
/// upload.insert("file".into(), Value::from(Bytes::from_static(&[7, 8])));
/// let args = Args(vec![Value::Object(upload), Value::from(3u8)]);
/// assert!(args.field(0, "file").is_binary());
/// assert_eq!(args.str(1), None);
/// assert_eq!(args.field(0, "name").as_str(), Some("a.bin"));
/// assert!(args.field(5, "file").is_null()); // absent: null, as `undefined` would go out
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Args(pub Vec<Value>);

impl Args {
    /// The `i`-th argument (`Null` when absent).
    pub fn get(&self, i: usize) -> Value {
        self.0.get(i).cloned().unwrap_or_default()
    }

    /// The field `key` of the `i`-th argument (`Null` when absent).
    pub fn field(&self, i: usize, key: &str) -> Value {
        self.0
            .get(i)
            .and_then(|v| v.get(key))
            .cloned()
            .unwrap_or_default()
    }

    /// The `i`-th argument as a string, when it is one.
    pub fn str(&self, i: usize) -> Option<&str> {
        self.0.get(i).and_then(Value::as_str)
    }

    /// The arguments from `from` on.
    pub fn skip(&self, from: usize) -> Args {
        Args(self.0.iter().skip(from).cloned().collect())
    }

    /// Deserializes the arguments as [`Data`] does.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, ValueError> {
        deserialize_args(&self.0)
    }
}

impl From<Vec<Value>> for Args {
    fn from(values: Vec<Value>) -> Self {
        Args(values)
    }
}

impl From<&Args> for Args {
    fn from(args: &Args) -> Self {
        args.clone()
    }
}

/// Every binary value of the arguments, depth first.
#[derive(Clone, Debug)]
pub struct Bin(pub Vec<Bytes>);

/// The event name (for handlers shared between events, and catch-all listeners).
#[derive(Clone, Debug)]
pub struct EventName(pub String);

pub(crate) fn deserialize_args<T: DeserializeOwned>(args: &[Value]) -> Result<T, ValueError> {
    match args {
        [one] => T::deserialize(one),
        many => from_value(Value::Array(many.to_vec())),
    }
}

impl<T: DeserializeOwned> FromEvent for Data<T> {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        deserialize_args(&parts.args)
            .map(Data)
            .map_err(ExtractError::Data)
    }
}

impl<T: DeserializeOwned> FromEvent for TryData<T> {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(TryData(deserialize_args(&parts.args)))
    }
}

impl FromEvent for Args {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(Args(parts.args.clone()))
    }
}

fn collect_binary(value: &Value, out: &mut Vec<Bytes>) {
    match value {
        Value::Binary(b) => out.push(b.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_binary(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_binary(v, out)),
        _ => {}
    }
}

impl FromEvent for Bin {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        let mut out = Vec::new();
        parts.args.iter().for_each(|v| collect_binary(v, &mut out));
        Ok(Bin(out))
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
        Ok(parts.ack.clone())
    }
}

/// The namespace of the socket (Node's `socket.nsp`).
impl FromEvent for Namespace {
    fn from_event(parts: &EventParts) -> Result<Self, ExtractError> {
        Ok(parts.socket.nsp())
    }
}

/// Runs the synchronous start of a future now, in the caller's task and order (as Node runs
/// an async handler up to its first await); only a future that actually waits becomes a task.
pub(crate) fn start<F: Future<Output = ()> + Send + 'static>(fut: F) {
    let _ = now_or_later(fut, |()| {});
}

/// Polls `fut` once, in this task: its output when it is ready at once; otherwise it goes on
/// as a task that hands its output to `later`. The task runs in the current span (a socket's,
/// when a handler started it); a panic there is counted and logged (`later` is not called).
pub(crate) fn now_or_later<T, F, L>(fut: F, later: L) -> Option<T>
where
    F: Future<Output = T> + Send + 'static,
    L: FnOnce(T) + Send + 'static,
    T: Send + 'static,
{
    let mut fut = Box::pin(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => Some(out),
        std::task::Poll::Pending => {
            let task = async move {
                match futures_util::FutureExt::catch_unwind(AssertUnwindSafe(fut)).await {
                    Ok(out) => later(out),
                    Err(_) => {
                        crate::metrics::task_panicked();
                        tracing::error!("an async handler panicked");
                    }
                }
            };
            tokio::spawn(task.instrument(tracing::Span::current()));
            None
        }
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
                start((self)($($ty,)*));
            }
        }
    };
}

impl_handler!();
impl_handler!(A1);
impl_handler!(A1, A2);
impl_handler!(A1, A2, A3);
impl_handler!(A1, A2, A3, A4);
impl_handler!(A1, A2, A3, A4, A5);

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
