//! One Engine.IO connection seen by Socket.IO: the state its session task owns (the sockets
//! of every namespace, their listeners and pending acks, the connect progress, the timers),
//! and the engine handler that feeds it.
//!
//! ```text
//!  engine message ──decode──► CONNECT ─► namespace lookup ─► socket (connecting)
//!                                        (async matcher:     │ middlewares (inline, or a task
//!                                         a task, then       │ that reports ConnectDone)
//!                                         NamespaceResolved) ▼
//!                                              CONNECT reply ─► connected ─► connection handlers
//!                           EVENT ─► inbox drained ─► any ─► packet middlewares ─► listeners
//!                           ACK ─► waiter (its deadline disarmed)
//!                           DISCONNECT ─► disconnecting ─► rooms left ─► disconnect
//!  timers: connect timeout (no namespace joined) · ack deadlines
//! ```
//!
//! Every input first fires the deadlines that are due, then is handled (deadlines before
//! input, as in the Engine.IO state machine).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Arc};
use std::time::Instant;

use engineio::{AppCommand, CloseReason, Data, ProtocolVersion};
use socketio_adapter::{RecoveryFailure, RestoredSession, Session};
use socketio_codec::{Map, Packet, PacketDecoder, PacketType, Value, RESERVED_EVENTS};

use crate::command::{ClientCommand, SocketOp};
use crate::error::MiddlewareError;
use crate::extract::now_or_later;
use crate::handshake::Handshake;
use crate::listeners::{IncomingEvent, SocketState};
use crate::metrics::{Panic, Refusal};
use crate::namespace::Namespace;
use crate::reason::DisconnectReason;
use crate::server::{Lookup, ServerCore};
use crate::socket::{NewSocket, SocketRef};
use crate::timers::{Timer, Timers};
use crate::Sid;

/// The engine handler behind [`SocketIo`](crate::SocketIo).
pub struct SioHandler {
    pub(crate) core: Arc<ServerCore>,
}

/// Per-connection state, owned by the engine's session task.
pub struct Client {
    engine: engineio::Socket,
    core: Arc<ServerCore>,
    decoder: Box<dyn PacketDecoder>,
    /// Sockets connecting (middlewares running) or connected, one per namespace.
    sockets: Vec<SocketState>,
    /// Namespaces whose dynamic parent is being asked (async matcher).
    resolving: Vec<String>,
    /// The inbox of listener changes, created with the first socket.
    inbox: Option<(mpsc::Sender<SocketOp>, mpsc::Receiver<SocketOp>)>,
    timers: Timers,
    /// Socket.IO protocol v4 (Engine.IO v3 clients).
    legacy: bool,
    /// Node's description of the connection's close, for the leaving sockets' listeners.
    close_description: Option<Arc<str>>,
}

impl engineio::Handler for SioHandler {
    type Connection = Client;

    fn on_connect(&self, engine: engineio::Socket, now: Instant) -> Client {
        let legacy = engine.protocol_version() == ProtocolVersion::V3;
        let decoder = self
            .core
            .settings
            .parser
            .decoder(self.core.config.max_attachments);
        self.core
            .settings
            .observers
            .each(|o| o.engine_connected(&engine));
        let mut client = Client {
            engine,
            core: self.core.clone(),
            decoder,
            sockets: Vec::new(),
            resolving: Vec::new(),
            inbox: None,
            timers: Timers::default(),
            legacy,
            close_description: None,
        };
        if legacy {
            // Socket.IO v4: the main namespace is joined implicitly.
            client.connect("/", Value::Object(Map::new()), now);
        } else {
            client
                .timers
                .arm(now + self.core.config.connect_timeout, Timer::Connect);
        }
        client
    }

    fn on_message(&self, client: &mut Client, data: Data, now: Instant) {
        self.core.settings.observers.each(|o| {
            let len = match &data {
                Data::Text(t) => t.len(),
                Data::Binary(b) => b.len(),
            };
            o.message_in(&client.engine, len);
        });
        client.handle_message(data, now);
    }

    fn on_upgrade(&self, client: &mut Client, _now: Instant) {
        self.core
            .settings
            .observers
            .each(|o| o.engine_upgraded(&client.engine));
    }

    fn on_command(&self, client: &mut Client, cmd: AppCommand, now: Instant) {
        match cmd.downcast::<ClientCommand>() {
            Ok(cmd) => client.handle_command(*cmd, now),
            Err(_) => tracing::warn!("unknown command for a Socket.IO connection"),
        }
    }

    fn poll_timeout(&self, client: &Client) -> Option<Instant> {
        client.timers.next()
    }

    fn on_timeout(&self, client: &mut Client, now: Instant) {
        client.handle_timeout(now);
    }

    fn on_disconnect(&self, client: Client, reason: CloseReason, now: Instant) {
        let engine = client.engine.clone();
        client.handle_close(reason.into(), now);
        self.core
            .settings
            .observers
            .each(|o| o.engine_closed(&engine, reason));
    }
}

impl Client {
    /// An Engine.IO message: decode, route.
    fn handle_message(&mut self, data: Data, now: Instant) {
        self.handle_timeout(now);
        let decoded = match data {
            Data::Text(text) => self.decoder.decode_text(text.as_str()),
            Data::Binary(bytes) => self.decoder.decode_binary(bytes),
        };
        match decoded {
            Ok(Some(packet)) => {
                self.core.settings.metrics.packet_in();
                self.on_packet(packet, now)
            }
            Ok(None) => {}
            Err(e) => {
                tracing::debug!("decode error: {e}");
                self.engine.close();
            }
        }
    }

    fn on_packet(&mut self, packet: Packet, now: Instant) {
        if packet.kind == PacketType::Connect {
            let duplicate =
                self.position(&packet.nsp).is_some() || self.resolving.contains(&packet.nsp);
            if duplicate {
                // A second CONNECT for a namespace closes the connection, as Node does.
                self.engine.close();
                return;
            }
            let auth = match packet.data {
                Some(v @ Value::Object(_)) => v,
                _ => Value::Object(Map::new()),
            };
            self.connect(&packet.nsp, auth, now);
            return;
        }
        let Some(i) = self
            .position(&packet.nsp)
            .filter(|&i| self.sockets[i].socket.joined())
        else {
            // A packet for a namespace not joined closes the connection, as Node does.
            self.engine.close();
            return;
        };
        // What the socket's handlers log carries its span (held through a cheap handle clone).
        let socket = self.sockets[i].socket.clone();
        let _entered = socket.span().enter();
        match packet.kind {
            PacketType::Event | PacketType::BinaryEvent => {
                if let Some(event) = incoming_event(packet) {
                    self.drain_inbox();
                    self.check_event(i, event);
                }
            }
            PacketType::Ack | PacketType::BinaryAck => {
                let Some(id) = packet.id else { return };
                let state = &mut self.sockets[i];
                if let Some((waiter, at)) = state.acks.remove(&id) {
                    self.timers.disarm(at, Timer::Ack(state.socket.id(), id));
                    let args = match packet.data {
                        Some(Value::Array(args)) => args,
                        _ => Vec::new(),
                    };
                    waiter.deliver(args);
                }
            }
            PacketType::Disconnect => {
                self.close_socket(i, DisconnectReason::ClientNamespaceDisconnect, now)
            }
            PacketType::Connect | PacketType::ConnectError => self.engine.close(),
        }
    }

    fn position(&self, nsp: &str) -> Option<usize> {
        self.sockets.iter().position(|s| s.socket.ns() == nsp)
    }

    fn position_of(&self, sid: Sid) -> Option<usize> {
        self.sockets.iter().position(|s| s.socket.id() == sid)
    }

    /// Applies every pending listener change.
    fn drain_inbox(&mut self) {
        let Some((_, rx)) = &self.inbox else { return };
        while let Ok(SocketOp { sid, op }) = rx.try_recv() {
            if let Some(state) = self.sockets.iter_mut().find(|s| s.socket.id() == sid) {
                state.apply(op);
            }
        }
    }

    fn inbox_sender(&mut self) -> mpsc::Sender<SocketOp> {
        self.inbox.get_or_insert_with(mpsc::channel).0.clone()
    }

    // ----- connect -----

    /// The CONNECT flow: namespace lookup, socket, middlewares, reply, connection handlers.
    fn connect(&mut self, nsp: &str, auth: Value, now: Instant) {
        match self.core.lookup(nsp, &auth) {
            Lookup::Found(ns) => self.start_socket(ns, auth, now),
            Lookup::NotFound => self.invalid_namespace(nsp),
            Lookup::Pending(fut) => {
                self.resolving.push(nsp.to_owned());
                let engine = self.engine.clone();
                let nsp = nsp.to_owned();
                crate::extract::start(async move {
                    let ns = fut.await;
                    let cmd = ClientCommand::NamespaceResolved { nsp, auth, ns };
                    engine.send_command_reliably(Box::new(cmd));
                });
            }
        }
    }

    fn invalid_namespace(&self, nsp: &str) {
        self.core
            .settings
            .metrics
            .refused(Refusal::InvalidNamespace);
        tracing::debug!(nsp, "CONNECT refused: invalid namespace");
        let mut data = Map::new();
        data.insert("message".into(), Value::from("Invalid namespace"));
        let packet = Packet::connect_error(nsp, Value::Object(data));
        self.send_control(&packet);
    }

    fn send_control(&self, packet: &Packet) {
        let messages = crate::emit::encode(&*self.core.settings.parser, packet);
        match self.engine.try_send_all(&messages) {
            // The observers count every message out, CONNECT replies and refusals too.
            Ok(()) => {
                self.core.settings.metrics.packet_out();
                self.core.settings.observers.each(|o| {
                    for m in &messages {
                        o.message_out(match m {
                            Data::Text(t) => t.len(),
                            Data::Binary(b) => b.len(),
                        });
                    }
                })
            }
            Err(e) => tracing::debug!("control packet dropped: {e}"),
        }
    }

    /// A CONNECT for `ns`: with recovery on and `{pid, offset}` in the auth, the adapter is
    /// asked for the session first (at once for the memory adapter; a cluster adapter answers
    /// with a command).
    fn start_socket(&mut self, ns: Namespace, auth: Value, now: Instant) {
        let attempt = self.core.settings.recovery.and_then(|_| {
            let pid = auth.get("pid")?.as_str()?.to_owned();
            let offset = auth.get("offset")?.as_str()?.to_owned();
            Some((pid, offset))
        });
        let Some((pid, offset)) = attempt else {
            self.create_socket(ns, auth, None, now);
            return;
        };
        let restore = ns.adapter().restore_session(pid, offset);
        self.resolving.push(ns.name().to_owned());
        let engine = self.engine.clone();
        let (later_ns, later_auth) = (ns.clone(), auth.clone());
        let done = now_or_later(restore, move |result| {
            let cmd = ClientCommand::Restored {
                ns: later_ns,
                auth: later_auth,
                result,
            };
            engine.send_command_reliably(Box::new(cmd));
        });
        if let Some(result) = done {
            self.restored(ns, auth, result, now);
        }
    }

    fn restored(
        &mut self,
        ns: Namespace,
        auth: Value,
        result: Result<RestoredSession, RecoveryFailure>,
        now: Instant,
    ) {
        self.resolving.retain(|n| n != ns.name());
        ns.recovery_restored();
        let outcome = match &result {
            Ok(_) => "recovered",
            Err(e) => e.label(),
        };
        metrics::counter!("socketio_recovery_attempts_total", "outcome" => outcome).increment(1);
        match result {
            Ok(restored) => {
                tracing::debug!(nsp = %ns.name(), sid = %restored.session.sid, missed = restored.missed.len(), "connection state recovered");
                self.create_socket(ns, auth, Some(restored), now);
            }
            Err(failure) => {
                tracing::info!(nsp = %ns.name(), reason = failure.label(), "connection state not recovered: {failure}");
                self.create_socket(ns, auth, None, now);
            }
        }
    }

    /// The socket of a CONNECT: a recovered one (its id, pid, rooms and data back, the missed
    /// packets written before the CONNECT reply, middlewares skipped when configured) or a
    /// new one; then the middlewares, the reply, the connection handlers.
    fn create_socket(
        &mut self,
        ns: Namespace,
        auth: Value,
        restored: Option<RestoredSession>,
        now: Instant,
    ) {
        let recovery = self.core.settings.recovery;
        let (id, pid, data) = match &restored {
            Some(r) => (
                r.session.sid,
                Some(r.session.pid.clone()),
                r.session.data.clone(),
            ),
            None => {
                let id = if self.legacy && ns.name() == "/" {
                    self.engine.sid()
                } else {
                    Sid::from_random(rand::random::<[u8; 15]>())
                };
                let pid =
                    recovery.map(|_| Sid::from_random(rand::random::<[u8; 15]>()).to_string());
                (id, pid, Value::Object(Map::new()))
            }
        };
        let trust_proxy = self.core.config.trust_proxy;
        let handshake = Handshake::new(self.engine.request_shared(), auth, trust_proxy);
        let inbox = self.inbox_sender();
        let socket = SocketRef::new(NewSocket {
            id,
            ns: ns.clone(),
            engine: self.engine.clone(),
            handshake,
            inbox,
            recovered: restored.is_some(),
            data,
            pid,
        });
        self.sockets.push(SocketState::new(socket.clone()));
        let span = socket.span().clone();
        let _entered = span.enter();
        if let Some(restored) = restored {
            ns.adapter().add_all(id, &restored.session.rooms);
            // As Node: the missed packets go out before the CONNECT reply.
            for mut packet in restored.missed {
                packet.nsp = ns.name().to_owned();
                socket.send_control(&packet);
            }
            if recovery.is_some_and(|r| r.skip_middlewares) {
                self.finish_connect(id, Ok(()), now);
                return;
            }
        }
        let middlewares = ns.0.handlers.middlewares();
        if middlewares.is_empty() {
            self.finish_connect(id, Ok(()), now);
            return;
        }
        // The middlewares run now, in this task, up to their first pending await (most are
        // synchronous); one that waits continues as a task and reports back.
        let engine = self.engine.clone();
        let chain = async move {
            for mw in middlewares {
                let step =
                    futures_util::FutureExt::catch_unwind(AssertUnwindSafe(mw(socket.clone())))
                        .await
                        .unwrap_or_else(|_| {
                            socket.settings().metrics.panicked(Panic::ConnectMiddleware);
                            tracing::error!("connect middleware panicked");
                            Err(MiddlewareError::new("Internal server error"))
                        });
                step?;
            }
            Ok(())
        };
        let done = now_or_later(chain, move |result| {
            engine.send_command_reliably(Box::new(ClientCommand::ConnectDone { sid: id, result }));
        });
        if let Some(result) = done {
            self.finish_connect(id, result, now);
        }
    }

    /// The middlewares of `sid` finished: refuse it, or send the CONNECT reply and run the
    /// connection handlers.
    fn finish_connect(&mut self, sid: Sid, result: Result<(), MiddlewareError>, _now: Instant) {
        let Some(i) = self.position_of(sid) else {
            return;
        };
        let socket = self.sockets[i].socket.clone();
        if socket.is_closed() {
            return;
        }
        let _entered = socket.span().enter();
        if let Err(err) = result {
            self.refuse(i, err);
            return;
        }
        let reply = if self.legacy {
            Packet::connect(socket.ns(), None)
        } else {
            let mut data = Map::new();
            data.insert("sid".into(), Value::from(socket.id().as_str()));
            if let Some(pid) = socket.pid() {
                data.insert("pid".into(), Value::from(pid));
            }
            Packet::connect(socket.ns(), Some(Value::Object(data)))
        };
        // The CONNECT reply goes out before anything sent to the socket.
        self.send_control(&reply);
        socket.set_connected();
        // Joined: the connect timeout is over, even if this socket leaves later (Node).
        self.timers.disarm_connect();
        socket.nsp().add_socket(socket.clone());
        tracing::debug!(recovered = socket.recovered(), "socket connected");
        socket.observers().each(|o| o.socket_connected(&socket));
        self.drain_inbox();
        for handler in socket.nsp().0.handlers.connection_handlers() {
            if catch_unwind(AssertUnwindSafe(|| handler(socket.clone()))).is_err() {
                socket.settings().metrics.panicked(Panic::Connection);
                tracing::error!("connection handler panicked; closing");
                self.engine.close();
                return;
            }
        }
    }

    /// A middleware refused the socket: `connect_error`, and nothing of it stays (rooms it
    /// joined meanwhile are left).
    fn refuse(&mut self, i: usize, err: MiddlewareError) {
        let state = self.sockets.remove(i);
        let socket = state.socket;
        socket.set_closed();
        socket.nsp().adapter().del_all(socket.id());
        socket.nsp().socket_gone();
        socket.settings().metrics.refused(Refusal::Middleware);
        tracing::debug!(parent: socket.span(), error = %err.message, "CONNECT refused by a middleware");
        let data = if self.legacy {
            err.data.unwrap_or(Value::String(err.message))
        } else {
            let mut obj = Map::new();
            obj.insert("message".into(), Value::String(err.message));
            if let Some(data) = err.data {
                obj.insert("data".into(), data);
            }
            Value::Object(obj)
        };
        self.send_control(&Packet::connect_error(socket.ns(), data));
    }

    // ----- events -----

    /// Tells the catch-all listeners about an event, runs its packet middlewares, then
    /// dispatches it (now, or when async middlewares finish).
    fn check_event(&mut self, i: usize, event: IncomingEvent) {
        let state = &mut self.sockets[i];
        state
            .socket
            .observers()
            .each(|o| o.event_received(&state.socket, &event.event, &event.args));
        state.notify_any(&event);
        let middlewares = state.middlewares();
        if middlewares.is_empty() {
            state.dispatch(event);
            return;
        }
        let socket = state.socket.clone();
        let sid = socket.id();
        let chain = async move {
            let mut event = event;
            for mw in middlewares {
                event = mw(socket.clone(), event).await?;
            }
            Ok(event)
        };
        let engine = self.engine.clone();
        let done = now_or_later(chain, move |result| {
            engine.send_command_reliably(Box::new(ClientCommand::EventChecked { sid, result }));
        });
        if let Some(result) = done {
            self.event_checked(i, result);
        }
    }

    fn event_checked(&mut self, i: usize, result: Result<IncomingEvent, MiddlewareError>) {
        let state = &mut self.sockets[i];
        match result {
            Ok(event) => state.dispatch(event),
            Err(err) => state.refused(&err),
        }
    }

    // ----- commands and timers -----

    fn handle_command(&mut self, cmd: ClientCommand, now: Instant) {
        self.handle_timeout(now);
        self.drain_inbox();
        match cmd {
            ClientCommand::RegisterAck {
                sid,
                id,
                waiter,
                timeout,
            } => match self.position_of(sid) {
                Some(i) if self.sockets[i].socket.connected() => {
                    let at = now + timeout;
                    self.timers.arm(at, Timer::Ack(sid, id));
                    if let Some((old, old_at)) = self.sockets[i].acks.insert(id, (waiter, at)) {
                        self.timers.disarm(old_at, Timer::Ack(sid, id));
                        drop(old);
                    }
                }
                // Gone: dropping the waiter tells the emitter.
                _ => drop(waiter),
            },
            ClientCommand::NotifyOutgoing { sid, event, args } => {
                if let Some(i) = self.position_of(sid) {
                    let state = &self.sockets[i];
                    let _entered = state.socket.span().enter();
                    state.notify_outgoing(&event, &args);
                }
            }
            ClientCommand::Disconnect { sid, close } => {
                let Some(i) = self.position_of(sid) else {
                    return;
                };
                if close {
                    self.disconnect_all_and_close(now);
                } else if self.sockets[i].socket.joined() {
                    let socket = self.sockets[i].socket.clone();
                    socket.send_control(&Packet::disconnect(socket.ns()));
                    self.close_socket(i, DisconnectReason::ServerNamespaceDisconnect, now);
                }
            }
            ClientCommand::ConnectDone { sid, result } => self.finish_connect(sid, result, now),
            ClientCommand::EventChecked { sid, result } => {
                if let Some(i) = self
                    .position_of(sid)
                    .filter(|&i| self.sockets[i].socket.connected())
                {
                    let socket = self.sockets[i].socket.clone();
                    let _entered = socket.span().enter();
                    self.event_checked(i, result);
                }
            }
            ClientCommand::Restored { ns, auth, result } => self.restored(ns, auth, result, now),
            ClientCommand::NamespaceResolved { nsp, auth, ns } => {
                self.resolving.retain(|n| *n != nsp);
                match ns {
                    Some(ns) => self.start_socket(ns, auth, now),
                    None => self.invalid_namespace(&nsp),
                }
            }
        }
    }

    /// Fires every deadline due at `now`.
    fn handle_timeout(&mut self, now: Instant) {
        while let Some(timer) = self.timers.pop_due(now) {
            match timer {
                Timer::Connect => {
                    if !self.sockets.iter().any(|s| s.socket.joined()) {
                        tracing::debug!("no namespace joined in time");
                        self.engine.close();
                    }
                }
                Timer::Ack(sid, id) => {
                    if let Some(i) = self.position_of(sid) {
                        if let Some((waiter, _)) = self.sockets[i].acks.remove(&id) {
                            self.core.settings.metrics.ack_timeout();
                            waiter.time_out();
                        }
                    }
                }
            }
        }
    }

    // ----- leaving -----

    /// A socket leaves its namespace: `disconnecting` listeners (rooms readable), rooms left,
    /// pending acks dropped, `disconnect` listeners.
    fn close_socket(&mut self, i: usize, reason: DisconnectReason, _now: Instant) {
        self.drain_inbox();
        let mut state = self.sockets.remove(i);
        let socket = state.socket.clone();
        let _entered = socket.span().enter();
        if !socket.joined() {
            socket.set_closed();
            socket.nsp().adapter().del_all(socket.id());
            socket.nsp().socket_gone();
            return;
        }
        let description = self.close_description.clone();
        state.disconnecting(reason, description.as_deref());
        self.persist(&socket, reason);
        socket.set_closed();
        socket.nsp().remove_socket(socket.id());
        self.timers.forget_socket(socket.id());
        // Whoever waits for an ack of this socket learns it left.
        state.acks.clear();
        socket.settings().metrics.disconnect(reason);
        tracing::debug!(reason = reason.as_str(), "socket disconnected");
        state.disconnected(reason, description.as_deref());
        socket
            .observers()
            .each(|o| o.socket_disconnected(&socket, reason));
    }

    /// With recovery on, a socket that lost its connection (not one that left its namespace)
    /// is kept for a recovery: its id, private id, rooms and data (Node's recoverable reasons).
    fn persist(&self, socket: &SocketRef, reason: DisconnectReason) {
        if self.core.settings.recovery.is_none() || !reason.is_recoverable() {
            return;
        }
        let Some(pid) = socket.pid() else { return };
        let session = Session {
            sid: socket.id(),
            pid: pid.to_owned(),
            rooms: socket.rooms(),
            data: socket.data_value(),
        };
        let nsp = socket.nsp();
        let persist = nsp.adapter().persist_session(session);
        nsp.recovery_persisted();
        crate::extract::start(async move {
            if let Err(e) = persist.await {
                tracing::warn!("session not kept for recovery: {e}");
            }
        });
    }

    /// Every namespace gets DISCONNECT, then the connection closes (`disconnect(true)`).
    fn disconnect_all_and_close(&mut self, now: Instant) {
        while let Some(i) = self.sockets.iter().position(|s| s.socket.joined()) {
            let socket = self.sockets[i].socket.clone();
            socket.send_control(&Packet::disconnect(socket.ns()));
            self.close_socket(i, DisconnectReason::ServerNamespaceDisconnect, now);
        }
        self.engine.close_with(CloseReason::ForcedServerClose);
    }

    /// The connection closed: every socket leaves with its reason (and Node's description).
    fn handle_close(mut self, reason: DisconnectReason, now: Instant) {
        self.close_description = self.engine.close_description().map(Arc::from);
        self.drain_inbox();
        // In the order they joined, as Node does.
        while !self.sockets.is_empty() {
            self.close_socket(0, reason, now);
        }
    }
}

/// The name and arguments of an EVENT; `None` for a reserved name (never dispatched) or a
/// malformed one (the JSON parser refuses those already).
fn incoming_event(packet: Packet) -> Option<IncomingEvent> {
    let Some(Value::Array(mut items)) = packet.data else {
        return None;
    };
    if items.is_empty() {
        return None;
    }
    let event = match items.remove(0) {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if RESERVED_EVENTS.contains(&event.as_str()) {
        return None;
    }
    Some(IncomingEvent {
        event,
        args: items,
        ack_id: packet.id,
    })
}
