//! The session task: one tokio task per session owns its [`Session`] state machine, its
//! websockets and its handler state, and runs the calling contract of `engineio-proto`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use engineio_codec::Data;
use engineio_proto::{
    CloseReason, Event, HttpResponse, PostBody, PostStart, RequestId, SendError, SendOptions,
    Session, Transmit, TransportKind, WsId,
};
use futures_util::{FutureExt, SinkExt, StreamExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep_until, timeout, Instant};

use crate::metrics::{Callback, Queue};
use crate::service::Inner;
use crate::socket::{AppCommand, Handler, Shared, Socket};
use crate::ws::{BoxWebSocket, MessageTooBig, WsError, WsOut};

/// What other tasks ask of a session task.
pub(crate) enum Command {
    /// A polling GET.
    Get(oneshot::Sender<Reply>),
    /// A polling POST, before its body is read.
    PostStart {
        binary: bool,
        reply: oneshot::Sender<Reply>,
    },
    /// The body of an accepted POST.
    PostBody {
        req: RequestId,
        body: PostBody,
        reply: oneshot::Sender<Reply>,
    },
    /// A websocket for this sid (an upgrade attempt).
    Upgrade(BoxWebSocket),
    /// An application message.
    Send(Data),
    /// Application messages that must go out together or not at all (a Socket.IO packet and
    /// its binary attachments).
    SendBatch(Vec<Data>),
    /// [`Command::SendBatch`] with send options other than the default.
    SendWith(Vec<Data>, SendOptions),
    /// An application close.
    Close(CloseReason),
    /// An application command for [`Handler::on_command`].
    App(AppCommand),
}

/// The answer to an HTTP command.
pub(crate) enum Reply {
    Response(HttpResponse),
    PostAccepted(RequestId),
}

/// How the first connection of a session arrived.
pub(crate) enum First {
    Polling(RequestId, oneshot::Sender<Reply>),
    WebSocket(WsId, BoxWebSocket),
}

struct Driver<H: Handler> {
    engine: Arc<Inner<H>>,
    shared: Arc<Shared>,
    session: Session,
    /// Held HTTP requests: id, where to answer, and whether it is a GET (a poll).
    replies: Vec<(RequestId, oneshot::Sender<Reply>, bool)>,
    next_id: u64,
    ws: Option<(WsId, BoxWebSocket)>,
    upgrade_ws: Option<(WsId, BoxWebSocket)>,
    incoming_ws: Option<(WsId, BoxWebSocket)>,
    conn: Option<H::Connection>,
    write_timeout: Duration,
    closed_reason: Option<CloseReason>,
    /// `finish` ran (it runs once: at the end, or when the task is dropped).
    finished: bool,
}

impl<H: Handler> Drop for Driver<H> {
    /// A task that ends any other way (runtime shutdown, a panic in the driver) still
    /// unregisters its session and tells the application.
    fn drop(&mut self) {
        self.finish(CloseReason::TransportError);
    }
}

/// Runs a session until it closes.
pub(crate) async fn run<H: Handler>(
    engine: Arc<Inner<H>>,
    shared: Arc<Shared>,
    mut rx: mpsc::Receiver<Command>,
    session: Session,
    first: First,
) {
    let write_timeout = engine.config.ping_timeout;
    let mut driver = Driver {
        engine,
        shared,
        session,
        replies: Vec::with_capacity(2),
        next_id: 1,
        ws: None,
        upgrade_ws: None,
        incoming_ws: None,
        conn: None,
        write_timeout,
        closed_reason: None,
        finished: false,
    };
    let transport = driver.shared.transport();
    driver.shared.metrics.opened(transport);
    tracing::debug!("engine.io session opened");
    match first {
        First::Polling(req, reply) => driver.replies.push((req, reply, true)),
        First::WebSocket(id, ws) => driver.ws = Some((id, ws)),
    }
    // The handshake goes out before the application hears of the session.
    driver.write_transmits().await;
    let socket = Socket {
        shared: driver.shared.clone(),
    };
    let engine = driver.engine.clone();
    let t = now();
    match catch_unwind(AssertUnwindSafe(|| engine.handler.on_connect(socket, t))) {
        Ok(conn) => driver.conn = Some(conn),
        Err(_) => {
            driver.shared.metrics.panicked(Callback::Connect);
            tracing::error!("on_connect panicked; closing the session");
            driver.session.close_with(now(), CloseReason::ForcedClose);
        }
    }

    let sleep = sleep_until(Instant::now() + Duration::from_secs(86_400));
    tokio::pin!(sleep);
    let mut armed: Option<std::time::Instant> = None;
    loop {
        if driver.drain(&mut rx).await {
            return;
        }
        let deadline = driver.next_deadline();
        // Re-arm the one timer only when the deadline moved (most turns leave it alone).
        if let Some(at) = deadline {
            if armed != Some(at) {
                sleep.as_mut().reset(Instant::from_std(at));
                armed = Some(at);
            }
        }
        tokio::select! {
            // Deadlines before input: an expired timer fires before a request, a frame or a
            // command that became ready in the same instant is handled.
            biased;
            () = &mut sleep, if deadline.is_some() => {
                armed = None;
                driver.on_timeout(now());
            }
            cmd = rx.recv() => match cmd {
                // `drain` takes whatever else is queued before writing: one flush for a burst.
                Some(cmd) => driver.on_command(cmd, now()),
                // Unreachable while `shared` holds a sender; close cleanly anyway.
                None => driver.session.close(now()),
            },
            msg = next_frame(&mut driver.ws) => {
                driver.on_ws_message(true, msg);
                // Frames already received are handled in the same turn, so their answers go
                // out with one flush.
                for _ in 0..FRAME_BATCH {
                    match next_frame(&mut driver.ws).now_or_never() {
                        Some(msg) => driver.on_ws_message(true, msg),
                        None => break,
                    }
                }
            }
            msg = next_frame(&mut driver.upgrade_ws) => driver.on_ws_message(false, msg),
        }
    }
}

/// Node's close description of a websocket message over the limit (the `ws` package's
/// `RangeError`, as `new Error(err)` writes it).
const MAX_PAYLOAD_EXCEEDED: &str = "RangeError: Max payload size exceeded";
/// Node's close description of a failed websocket write.
const WRITE_ERROR: &str = "write error";

/// How many queued commands one drain round takes.
const COMMAND_BATCH: usize = 64;
/// How many rounds of events and commands a drain runs before it writes anyway.
const DRAIN_ROUNDS: usize = 4;
/// How many already-received frames one loop turn handles.
const FRAME_BATCH: usize = 32;

fn now() -> std::time::Instant {
    Instant::now().into_std()
}

async fn next_frame(
    ws: &mut Option<(WsId, BoxWebSocket)>,
) -> (Option<WsId>, Option<Result<engineio_codec::Frame, WsError>>) {
    match ws {
        Some((id, socket)) => (Some(*id), socket.next().await),
        None => std::future::pending().await,
    }
}

impl<H: Handler> Driver<H> {
    /// The earliest deadline of the session and of the application.
    fn next_deadline(&self) -> Option<std::time::Instant> {
        let app = self
            .conn
            .as_ref()
            .and_then(|conn| self.engine.handler.poll_timeout(conn));
        match (self.session.poll_timeout(), app) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires the expired timers: the session's, then the application's.
    fn on_timeout(&mut self, now: std::time::Instant) {
        self.session.handle_timeout(now);
        let handler = &self.engine.handler;
        if let Some(conn) = self.conn.as_mut() {
            if handler.poll_timeout(conn).is_some_and(|at| at <= now) {
                let ran = catch_unwind(AssertUnwindSafe(|| handler.on_timeout(conn, now)));
                if ran.is_err() {
                    self.shared.metrics.panicked(Callback::Timeout);
                    tracing::error!("on_timeout panicked; closing the session");
                    self.session.close_with(now, CloseReason::ForcedClose);
                }
            }
        }
    }

    /// Unregisters the session and tells the application, once.
    fn finish(&mut self, reason: CloseReason) {
        if std::mem::replace(&mut self.finished, true) {
            return;
        }
        self.engine.remove_session(&self.shared.sid);
        if let Some(description) = self.session.close_description() {
            let _ = self.shared.close_description.set(Arc::from(description));
        }
        self.shared.metrics.closed(self.shared.transport(), reason);
        tracing::debug!(reason = reason.as_str(), "engine.io session closed");
        if let Some(conn) = self.conn.take() {
            let handler = &self.engine.handler;
            let t = now();
            if catch_unwind(AssertUnwindSafe(|| handler.on_disconnect(conn, reason, t))).is_err() {
                self.shared.metrics.panicked(Callback::Disconnect);
                tracing::error!("on_disconnect panicked");
            }
        }
    }

    /// Counts messages the session refused because its outgoing buffer was full.
    fn dropped(&self, e: &SendError, n: usize) {
        if matches!(e, SendError::Full) {
            self.shared.metrics.queue_full(Queue::Buffer, n as u64);
        }
    }

    fn next_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_id);
        self.next_id += 1;
        id
    }

    fn on_command(&mut self, cmd: Command, now: std::time::Instant) {
        // Deadlines before input: the state machine does this for its own inputs; sends and
        // application commands are checked here (a send must not answer a held poll of a
        // session whose pong deadline already passed).
        if self.next_deadline().is_some_and(|at| at <= now) {
            self.on_timeout(now);
        }
        match cmd {
            Command::Get(reply) => {
                let id = self.next_request_id();
                self.replies.push((id, reply, true));
                self.session.handle_get(now, id);
            }
            Command::PostStart { binary, reply } => {
                let id = self.next_request_id();
                match self.session.handle_post_start(now, id, binary) {
                    PostStart::Accepted => {
                        let _ = reply.send(Reply::PostAccepted(id));
                    }
                    PostStart::Refused => self.replies.push((id, reply, false)),
                }
            }
            Command::PostBody { req, body, reply } => {
                self.replies.push((req, reply, false));
                self.session.handle_post_body(now, req, body);
            }
            Command::Upgrade(ws) => {
                let id = WsId(self.next_request_id().0);
                self.incoming_ws = Some((id, ws));
                self.session.handle_ws_open(now, id);
            }
            Command::Send(data) => {
                let len = crate::metrics::data_len(&data);
                match self.session.send(data) {
                    Ok(()) => self.shared.metrics.message_out(len),
                    Err(e) => {
                        self.dropped(&e, 1);
                        tracing::debug!("message dropped: {e}");
                    }
                }
            }
            Command::SendBatch(batch) => {
                let n = batch.len();
                let len: usize = batch.iter().map(crate::metrics::data_len).sum();
                match self.session.send_batch(batch) {
                    Ok(()) => self.shared.metrics.messages_out(n, len),
                    Err(e) => {
                        self.dropped(&e, n);
                        tracing::debug!("messages dropped: {e}");
                    }
                }
            }
            Command::SendWith(batch, options) => {
                let n = batch.len();
                let len: usize = batch.iter().map(crate::metrics::data_len).sum();
                match self.session.send_batch_with(batch, options) {
                    Ok(()) => self.shared.metrics.messages_out(n, len),
                    Err(e) => {
                        self.dropped(&e, n);
                        tracing::debug!("messages dropped: {e}");
                    }
                }
            }
            Command::Close(reason) => self.session.close_with(now, reason),
            Command::App(cmd) => {
                let handler = &self.engine.handler;
                if let Some(conn) = self.conn.as_mut() {
                    let ran = catch_unwind(AssertUnwindSafe(|| handler.on_command(conn, cmd, now)));
                    if ran.is_err() {
                        self.shared.metrics.panicked(Callback::Command);
                        tracing::error!("on_command panicked; closing the session");
                        self.session.close_with(now, CloseReason::ForcedClose);
                    }
                }
            }
        }
    }

    fn on_ws_message(
        &mut self,
        main: bool,
        (id, msg): (Option<WsId>, Option<Result<engineio_codec::Frame, WsError>>),
    ) {
        let Some(id) = id else { return };
        let now = now();
        match msg {
            Some(Ok(frame)) => self.session.handle_ws_frame(now, id, frame),
            Some(Err(_)) | None => {
                let error = matches!(msg, Some(Err(_)));
                let too_big = matches!(&msg, Some(Err(e)) if e.is::<MessageTooBig>());
                let socket = if main {
                    self.ws.take()
                } else {
                    self.upgrade_ws.take()
                };
                // A message over the limit gets close code 1009 (as Node's `ws`), best effort.
                if let (true, Some((_, mut socket))) = (too_big, socket) {
                    let write_timeout = self.write_timeout;
                    tokio::spawn(async move {
                        let _ = timeout(write_timeout, socket.send(WsOut::Close(Some(1009)))).await;
                    });
                }
                match msg {
                    // Node's descriptions: the `ws` error as `new Error(err)` writes it.
                    Some(Err(_)) if too_big => {
                        self.session.handle_ws_error(now, id, MAX_PAYLOAD_EXCEEDED)
                    }
                    Some(Err(e)) => self.session.handle_ws_error(now, id, e.to_string()),
                    _ => self.session.handle_ws_closed(now, id, error),
                }
            }
        }
    }

    /// Dispatches events, takes the commands the handlers queued meanwhile (their replies), then
    /// writes everything with one flush. Returns true when the session is over.
    async fn drain(&mut self, rx: &mut mpsc::Receiver<Command>) -> bool {
        loop {
            for _ in 0..DRAIN_ROUNDS {
                while let Some(event) = self.session.poll_event() {
                    if self.dispatch(event) {
                        self.write_transmits().await;
                        self.finish_closed();
                        return true;
                    }
                }
                if !self.take_commands(rx) {
                    break;
                }
            }
            self.write_transmits().await;
            // A websocket the session did not refuse is the upgrade candidate.
            if let Some(ws) = self.incoming_ws.take() {
                self.upgrade_ws = Some(ws);
            }
            // A failed write may have ended the session.
            if !self.session.has_events() {
                self.shared
                    .buffered
                    .store(self.session.buffered_len(), Ordering::Release);
                return false;
            }
        }
    }

    /// Takes up to [`COMMAND_BATCH`] queued commands; false when there was none.
    fn take_commands(&mut self, rx: &mut mpsc::Receiver<Command>) -> bool {
        let now = now();
        let mut took = false;
        for _ in 0..COMMAND_BATCH {
            match rx.try_recv() {
                Ok(cmd) => {
                    self.on_command(cmd, now);
                    took = true;
                }
                Err(_) => break,
            }
        }
        took
    }

    /// Hands one event to the application; true for the final `Closed`.
    fn dispatch(&mut self, event: Event) -> bool {
        match event {
            Event::Message(data) => {
                self.shared.metrics.message_in(&data);
                if let Some(conn) = self.conn.as_mut() {
                    let handler = &self.engine.handler;
                    let t = now();
                    let ran = catch_unwind(AssertUnwindSafe(|| handler.on_message(conn, data, t)));
                    if ran.is_err() {
                        self.shared.metrics.panicked(Callback::Message);
                        tracing::error!("on_message panicked; closing the session");
                        self.session.close_with(now(), CloseReason::ForcedClose);
                    }
                }
                false
            }
            Event::Upgraded => {
                self.ws = self.upgrade_ws.take();
                self.shared.upgraded.store(true, Ordering::Release);
                self.shared.metrics.upgraded();
                // The session span (this task's) says websocket from now on.
                tracing::Span::current().record("transport", TransportKind::WebSocket.as_str());
                tracing::debug!("engine.io session upgraded to websocket");
                if let Some(conn) = self.conn.as_mut() {
                    let handler = &self.engine.handler;
                    let t = now();
                    if catch_unwind(AssertUnwindSafe(|| handler.on_upgrade(conn, t))).is_err() {
                        self.shared.metrics.panicked(Callback::Upgrade);
                        tracing::error!("on_upgrade panicked; closing the session");
                        self.session.close_with(now(), CloseReason::ForcedClose);
                    }
                }
                false
            }
            Event::Closed(reason) => {
                self.closed_reason = Some(reason);
                true
            }
        }
    }

    fn finish_closed(&mut self) {
        let reason = self.closed_reason.unwrap_or(CloseReason::TransportClose);
        self.finish(reason);
    }

    /// Writes every pending transmit; websocket writes are bounded by `write_timeout` (a peer
    /// that stops reading is a transport error).
    async fn write_transmits(&mut self) {
        let mut dirty = [false; 2];
        while let Some(transmit) = self.session.poll_transmit() {
            match transmit {
                Transmit::Http { req, response } => {
                    if let Some(pos) = self.replies.iter().position(|(id, ..)| *id == req) {
                        let (_, reply, is_get) = self.replies.swap_remove(pos);
                        // Only a response carrying packets matters (not an error or a noop).
                        let delivered = response.status != 200
                            || matches!(&response.body[..], b"" | b"6" | b"1:6");
                        if reply.send(Reply::Response(response)).is_err() && is_get && !delivered {
                            // The poll's connection closed before its packets went out: as
                            // Node, the session ends ("transport error") instead of losing
                            // them silently.
                            self.session.handle_poll_lost(now());
                        }
                    }
                }
                Transmit::Ws { ws, frame } => {
                    let Some(slot) = self.slot(ws) else { continue };
                    dirty[usize::from(slot == 1)] = true;
                    if !self.write(ws, WsOut::Frame(frame)).await {
                        self.fail_ws(ws);
                    }
                }
                Transmit::WsClose { ws, code } => {
                    if let Some(mut socket) = self.take_ws(ws) {
                        let _ = timeout(self.write_timeout, socket.send(WsOut::Close(code))).await;
                    }
                }
            }
        }
        let write_timeout = self.write_timeout;
        for (i, slot) in [&mut self.ws, &mut self.upgrade_ws].into_iter().enumerate() {
            if !dirty[i] {
                continue;
            }
            if let Some((id, socket)) = slot {
                let id = *id;
                if !matches!(timeout(write_timeout, socket.flush()).await, Ok(Ok(()))) {
                    *slot = None;
                    self.session.handle_ws_error(now(), id, WRITE_ERROR);
                }
            }
        }
    }

    /// 0 = main, 1 = upgrade (or the incoming one, which becomes the upgrade).
    fn slot(&self, ws: WsId) -> Option<u8> {
        if self.ws.as_ref().is_some_and(|(id, _)| *id == ws) {
            Some(0)
        } else if self.upgrade_ws.as_ref().is_some_and(|(id, _)| *id == ws)
            || self.incoming_ws.as_ref().is_some_and(|(id, _)| *id == ws)
        {
            Some(1)
        } else {
            None
        }
    }

    fn socket_mut(&mut self, ws: WsId) -> Option<&mut BoxWebSocket> {
        [&mut self.ws, &mut self.upgrade_ws, &mut self.incoming_ws]
            .into_iter()
            .flatten()
            .find(|(id, _)| *id == ws)
            .map(|(_, s)| s)
    }

    fn take_ws(&mut self, ws: WsId) -> Option<BoxWebSocket> {
        for slot in [&mut self.ws, &mut self.upgrade_ws, &mut self.incoming_ws] {
            if slot.as_ref().is_some_and(|(id, _)| *id == ws) {
                return slot.take().map(|(_, s)| s);
            }
        }
        None
    }

    async fn write(&mut self, ws: WsId, out: WsOut) -> bool {
        let write_timeout = self.write_timeout;
        match self.socket_mut(ws) {
            Some(socket) => matches!(timeout(write_timeout, socket.feed(out)).await, Ok(Ok(()))),
            None => true,
        }
    }

    fn fail_ws(&mut self, ws: WsId) {
        if self.take_ws(ws).is_some() {
            self.session.handle_ws_error(now(), ws, WRITE_ERROR);
        }
    }
}
