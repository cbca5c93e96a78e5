//! One Engine.IO connection seen by Socket.IO: decodes packets, routes them to the sockets of
//! each namespace, runs the CONNECT flow and the connect timeout.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};

use futures_util::FutureExt;
use std::sync::{Arc, Mutex, Weak};

use engineio::{CloseReason, Data, ProtocolVersion};
use serde_json::{json, Value};
use socketio_codec::{Decoder, Packet, PacketType};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::emit::EncodedPacket;
use crate::error::{Error, MiddlewareError};
use crate::handshake::Handshake;
use crate::reason::DisconnectReason;
use crate::server::ServerCore;
use crate::socket::{Socket, SocketRef};
use crate::Sid;

/// The engine handler behind [`SocketIo`](crate::SocketIo).
pub struct SioHandler {
    pub(crate) core: Arc<ServerCore>,
}

/// Per-connection state owned by the engine's session task.
pub struct Client {
    shared: Arc<ClientShared>,
    decoder: Decoder,
}

/// The parts of a connection that sockets and tasks share.
pub(crate) struct ClientShared {
    pub(crate) engine: engineio::Socket,
    core: Arc<ServerCore>,
    /// The sockets of this connection; `None` once the connection closed (no socket may join
    /// after that).
    sockets: Mutex<Option<Vec<SocketRef>>>,
    connecting: Mutex<Vec<String>>,
    /// Socket.IO protocol v4 (Engine.IO v3 clients).
    legacy: bool,
}

impl engineio::Handler for SioHandler {
    type Connection = Client;

    fn on_connect(&self, engine: engineio::Socket, _now: std::time::Instant) -> Client {
        let legacy = engine.protocol_version() == ProtocolVersion::V3;
        let shared = Arc::new(ClientShared {
            engine,
            core: self.core.clone(),
            sockets: Mutex::new(Some(Vec::new())),
            connecting: Mutex::new(Vec::new()),
            legacy,
        });
        if legacy {
            // Socket.IO v4: the main namespace is joined implicitly.
            let auth = Value::Object(Default::default());
            shared.connect("/", auth);
        } else {
            self.core.timeouts.ensure_started();
            self.core
                .timeouts
                .push(&shared, self.core.config.connect_timeout);
        }
        Client {
            shared,
            decoder: Decoder::new(self.core.config.max_attachments),
        }
    }

    fn on_message(&self, client: &mut Client, data: Data, _now: std::time::Instant) {
        let decoded = match data {
            Data::Text(text) => client.decoder.decode_text(&text),
            Data::Binary(bytes) => client.decoder.decode_binary(bytes),
        };
        match decoded {
            Ok(Some(packet)) => client.shared.on_packet(packet),
            Ok(None) => {}
            Err(e) => {
                tracing::debug!(sid = %client.shared.engine.sid(), "decode error: {e}");
                client.shared.close_engine();
            }
        }
    }

    fn on_disconnect(&self, client: Client, reason: CloseReason, _now: std::time::Instant) {
        let sockets = client
            .shared
            .sockets
            .lock()
            .ok()
            .and_then(|mut s| s.take())
            .unwrap_or_default();
        for socket in sockets {
            socket.close(reason.into());
        }
    }
}

impl ClientShared {
    fn on_packet(self: &Arc<Self>, packet: Packet) {
        if packet.kind == PacketType::Connect {
            let duplicate = self.find(&packet.nsp).is_some()
                || self
                    .connecting
                    .lock()
                    .map(|c| c.contains(&packet.nsp))
                    .unwrap_or(false);
            if duplicate {
                self.close_engine();
                return;
            }
            let auth = match packet.data {
                Some(v @ Value::Object(_)) => v,
                _ => Value::Object(Default::default()),
            };
            self.connect(&packet.nsp, auth);
            return;
        }
        match self.find(&packet.nsp) {
            Some(socket) => socket.on_packet(packet),
            // A packet for a namespace not joined closes the connection, as Node does.
            None => self.close_engine(),
        }
    }

    fn find(&self, nsp: &str) -> Option<SocketRef> {
        self.sockets
            .lock()
            .ok()?
            .as_ref()?
            .iter()
            .find(|s| s.ns() == nsp)
            .cloned()
    }

    /// The CONNECT flow: namespace lookup, middleware, reply, connection handler.
    fn connect(self: &Arc<Self>, nsp: &str, auth: Value) {
        let Some(ns) = self.core.namespace_for(nsp) else {
            self.send_packet(&Packet::connect_error(
                nsp,
                json!({ "message": "Invalid namespace" }),
            ));
            return;
        };
        let id = if self.legacy && nsp == "/" {
            self.engine.sid()
        } else {
            Sid::from_random(rand::random::<[u8; 15]>())
        };
        let handshake = Handshake::new(self.engine.request_shared(), auth);
        let socket = Socket::new_ref(id, ns.clone(), self.clone(), handshake);
        let middlewares = ns.handlers.middlewares();
        if middlewares.is_empty() {
            self.finish_connect(socket);
            return;
        }
        if let Ok(mut c) = self.connecting.lock() {
            c.push(nsp.to_owned());
        }
        let client = self.clone();
        tokio::spawn(async move {
            for mw in middlewares {
                let outcome = AssertUnwindSafe(mw(socket.clone())).catch_unwind().await;
                let outcome = outcome.unwrap_or_else(|_| {
                    tracing::error!("connect middleware panicked");
                    Err(MiddlewareError::new("Internal server error"))
                });
                if let Err(err) = outcome {
                    client.done_connecting(socket.ns());
                    let data = if client.legacy {
                        err.data
                            .clone()
                            .unwrap_or(Value::String(err.message.clone()))
                    } else {
                        let mut obj = serde_json::Map::new();
                        obj.insert("message".into(), Value::String(err.message.clone()));
                        if let Some(data) = err.data.clone() {
                            obj.insert("data".into(), data);
                        }
                        Value::Object(obj)
                    };
                    client.send_packet(&Packet::connect_error(socket.ns(), data));
                    return;
                }
            }
            client.done_connecting(socket.ns());
            client.finish_connect(socket);
        });
    }

    fn done_connecting(&self, nsp: &str) {
        if let Ok(mut c) = self.connecting.lock() {
            c.retain(|n| n != nsp);
        }
    }

    fn finish_connect(self: &Arc<Self>, socket: SocketRef) {
        let reply = if self.legacy {
            Packet::connect(socket.ns(), None)
        } else {
            Packet::connect(socket.ns(), Some(json!({ "sid": socket.id().as_str() })))
        };
        {
            // Under the sockets lock: a connection closing meanwhile either sees this socket
            // (and closes it) or has closed the list (and the socket never joins).
            let Ok(mut sockets) = self.sockets.lock() else {
                return;
            };
            let Some(list) = sockets.as_mut() else { return };
            // The CONNECT reply goes out before anything a broadcast may send to the socket.
            self.send_packet(&reply);
            socket.set_connected();
            socket.ns.add_socket(socket.clone());
            list.push(socket.clone());
        }
        if let Some(handler) = socket.ns.handlers.connection_handler() {
            if catch_unwind(AssertUnwindSafe(|| handler(socket.clone()))).is_err() {
                tracing::error!(id = %socket.id(), "connection handler panicked; closing");
                self.close_engine();
            }
        }
        socket.release_pending();
    }

    pub(crate) fn remove_socket(&self, nsp: &str) {
        if let Ok(mut s) = self.sockets.lock() {
            if let Some(list) = s.as_mut() {
                list.retain(|socket| socket.ns() != nsp);
            }
        }
    }

    /// Closes the whole connection ("forced close").
    pub(crate) fn close_engine(&self) {
        self.engine.close();
    }

    /// Every namespace gets DISCONNECT, then the connection closes ("forced server close").
    pub(crate) fn disconnect_all_and_close(&self) {
        let sockets = self
            .sockets
            .lock()
            .ok()
            .and_then(|mut s| s.as_mut().map(std::mem::take))
            .unwrap_or_default();
        for socket in sockets {
            self.send_packet(&Packet::disconnect(socket.ns()));
            socket.close(DisconnectReason::ServerNamespaceDisconnect);
        }
        self.engine.close_with(CloseReason::ForcedServerClose);
    }

    fn send_packet(&self, packet: &Packet) {
        let encoded = socketio_codec::encode(packet);
        let _ = self.send_encoded(
            &EncodedPacket {
                text: encoded.text,
                attachments: encoded.attachments,
            },
            false,
        );
    }

    /// Writes one packet: its text message, then one binary message per attachment, all or
    /// nothing.
    pub(crate) fn send_encoded(&self, packet: &EncodedPacket, volatile: bool) -> Result<(), Error> {
        let n = 1 + packet.attachments.len();
        if volatile && !self.engine.has_room(n) {
            return Err(Error::QueueFull);
        }
        let text = Data::Text(engineio::Text::new(&packet.text));
        if packet.attachments.is_empty() {
            return Ok(self.engine.try_send(text)?);
        }
        let mut batch = Vec::with_capacity(n);
        batch.push(text);
        batch.extend(packet.attachments.iter().cloned().map(Data::Binary));
        Ok(self.engine.try_send_batch(batch)?)
    }

    fn has_sockets(&self) -> bool {
        let joined = self
            .sockets
            .lock()
            .map(|s| s.as_ref().is_some_and(|l| !l.is_empty()))
            .unwrap_or(false);
        let connecting = self
            .connecting
            .lock()
            .map(|c| !c.is_empty())
            .unwrap_or(false);
        joined || connecting
    }
}

/// The connect timeout of every connection, in one queue and one task: deadlines are all
/// `connect_timeout` after connection, so the queue is in deadline order.
#[derive(Default)]
pub(crate) struct ConnectTimeouts {
    queue: Mutex<VecDeque<(Instant, Weak<ClientShared>)>>,
    notify: Notify,
    started: std::sync::atomic::AtomicBool,
}

impl ConnectTimeouts {
    fn push(&self, client: &Arc<ClientShared>, timeout: std::time::Duration) {
        if let Ok(mut q) = self.queue.lock() {
            q.push_back((Instant::now() + timeout, Arc::downgrade(client)));
        }
        self.notify.notify_one();
    }

    /// Starts the sweeper task once.
    pub(crate) fn ensure_started(self: &Arc<Self>) {
        use std::sync::atomic::Ordering;
        if self.started.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = self.clone();
        tokio::spawn(async move {
            loop {
                let front = this
                    .queue
                    .lock()
                    .ok()
                    .and_then(|q| q.front().map(|(at, _)| *at));
                match front {
                    None => this.notify.notified().await,
                    Some(at) if at > Instant::now() => {
                        // Wake at the deadline; a push never moves the front earlier.
                        tokio::time::sleep_until(at).await;
                    }
                    Some(_) => {
                        let expired = this.queue.lock().ok().and_then(|mut q| q.pop_front());
                        if let Some((_, client)) = expired {
                            if let Some(client) = client.upgrade() {
                                if !client.has_sockets() {
                                    client.close_engine();
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
