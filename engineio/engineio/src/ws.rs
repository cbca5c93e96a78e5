//! The websocket boundary: a small trait each integration implements over its own websocket
//! type, and the implementation over tokio-tungstenite.

use std::pin::Pin;
use std::task::{Context, Poll};

use engineio_codec::{ByteString, Frame};
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::error::{Error as TError, ProtocolError};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data as OpData, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame as WireFrame;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

/// A websocket error, whatever the implementation.
pub type WsError = Box<dyn std::error::Error + Send + Sync>;

/// What the server writes to a websocket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WsOut {
    /// A data frame.
    Frame(Frame),
    /// A close frame with an optional code (1009 for a message too big), then the end.
    Close(Option<u16>),
}

/// A server-side websocket, as Engine.IO needs it.
///
/// - As a `Stream`: yields each text or binary message as a [`Frame`]; control frames are the
///   implementation's business; the stream ends when the peer closes.
/// - As a `Sink<WsOut>`: writes frames; [`WsOut::Close`] sends a close frame.
///
/// Implemented for every type with those bounds; see [`TungsteniteWs`].
pub trait WebSocket:
    Stream<Item = Result<Frame, WsError>> + Sink<WsOut, Error = WsError> + Send + Unpin + 'static
{
}

impl<T> WebSocket for T where
    T: Stream<Item = Result<Frame, WsError>>
        + Sink<WsOut, Error = WsError>
        + Send
        + Unpin
        + 'static
{
}

/// A boxed [`WebSocket`].
pub type BoxWebSocket = Box<dyn WebSocket>;

/// The error a [`WebSocket`] stream yields for an incoming message larger than its configured
/// limit ([`message_limit`]). The session then answers with close code 1009, as Node's `ws`
/// does, before dropping the connection (any other read error just drops it).
#[derive(Debug, thiserror::Error)]
#[error("websocket message too big")]
pub struct MessageTooBig;

/// [`WebSocket`] over a tokio-tungstenite stream (used for plain hyper, axum and warp-style upgrades).
pub struct TungsteniteWs<S> {
    inner: WebSocketStream<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> TungsteniteWs<S> {
    /// Wraps an already upgraded connection (the HTTP 101 has been sent).
    pub async fn from_upgraded(io: S, max_message_size: usize) -> Self {
        let config = tungstenite_config(max_message_size);
        let inner = WebSocketStream::from_raw_socket(
            io,
            tokio_tungstenite::tungstenite::protocol::Role::Server,
            Some(config),
        )
        .await;
        TungsteniteWs { inner }
    }

    /// Wraps an existing tokio-tungstenite stream.
    pub fn new(inner: WebSocketStream<S>) -> Self {
        TungsteniteWs { inner }
    }
}

/// The message and frame size limit to configure a websocket implementation with, for a given
/// Engine.IO max payload ([`AcceptWebSocket::max_message_size`](crate::AcceptWebSocket::max_message_size)):
/// a little above it, so that the session can answer a slightly larger message with close code
/// 1009 itself.
pub fn message_limit(max_message_size: usize) -> usize {
    max_message_size.saturating_add(64)
}

/// The tungstenite limits for a given Engine.IO max payload: a little above it, so that the
/// session can answer a slightly larger message with close code 1009 itself.
///
/// The read buffer starts at [`WS_READ_BUFFER_SIZE`] instead of tungstenite's eager 128 KiB: an
/// idle connection then costs a few KiB, and the buffer still grows for large messages.
pub fn tungstenite_config(max_message_size: usize) -> WebSocketConfig {
    let limit = message_limit(max_message_size);
    WebSocketConfig::default()
        .read_buffer_size(WS_READ_BUFFER_SIZE)
        .max_message_size(Some(limit))
        .max_frame_size(Some(limit))
}

/// The initial read buffer of a server websocket (tungstenite allocates it eagerly).
pub const WS_READ_BUFFER_SIZE: usize = 4 * 1024;

impl<S: AsyncRead + AsyncWrite + Unpin> Stream for TungsteniteWs<S> {
    type Item = Result<Frame, WsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            let msg = match Pin::new(&mut self.inner).poll_next(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                // A peer that vanished without a close frame is a close, as Node reports it.
                Poll::Ready(Some(Err(
                    TError::ConnectionClosed
                    | TError::AlreadyClosed
                    | TError::Io(_)
                    | TError::Protocol(ProtocolError::ResetWithoutClosingHandshake),
                ))) => return Poll::Ready(None),
                Poll::Ready(Some(Err(TError::Capacity(_)))) => {
                    return Poll::Ready(Some(Err(Box::new(MessageTooBig))))
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(Box::new(e)))),
                Poll::Ready(Some(Ok(msg))) => msg,
            };
            return Poll::Ready(Some(Ok(match msg {
                Message::Text(text) => match ByteString::try_from(bytes::Bytes::from(text)) {
                    Ok(text) => Frame::Text(text),
                    // Unreachable: tungstenite checked the UTF-8 already.
                    Err(_) => continue,
                },
                Message::Binary(bytes) => Frame::Binary(bytes),
                Message::Close(_) => return Poll::Ready(None),
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            })));
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Sink<WsOut> for TungsteniteWs<S> {
    type Error = WsError;

    fn poll_ready(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.inner)
            .poll_ready(cx)
            .map_err(|e| Box::new(e) as WsError)
    }

    fn start_send(mut self: Pin<&mut Self>, item: WsOut) -> Result<(), WsError> {
        let msg = match item {
            // Written from the shared buffer as it is (already valid UTF-8): a raw text frame,
            // so no per-recipient copy or re-validation before tungstenite's write buffer.
            WsOut::Frame(Frame::Text(text)) => Message::Frame(WireFrame::message(
                text.into_bytes(),
                OpCode::Data(OpData::Text),
                true,
            )),
            WsOut::Frame(Frame::Binary(bytes)) => Message::Binary(bytes),
            WsOut::Close(code) => Message::Close(code.map(|c| CloseFrame {
                code: CloseCode::from(c),
                reason: "".into(),
            })),
        };
        Pin::new(&mut self.inner)
            .start_send(msg)
            .map_err(|e| Box::new(e) as WsError)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.inner)
            .poll_flush(cx)
            .map_err(|e| Box::new(e) as WsError)
    }

    fn poll_close(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), WsError>> {
        Pin::new(&mut self.inner)
            .poll_close(cx)
            .map_err(|e| Box::new(e) as WsError)
    }
}
