//! One Engine.IO connection seen by Socket.IO: decodes packets, routes them to the sockets of
//! each namespace, runs the CONNECT flow and the connect timeout.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, Weak};

use engineio::{CloseReason, Data, ProtocolVersion};
use serde_json::{json, Value};
use socketio_codec::{Decoder, Packet, PacketType};
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::emit::EncodedPacket;
use crate::error::Error;
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
    sockets: Mutex<Vec<SocketRef>>,
    connecting: Mutex<Vec<String>>,
    /// Socket.IO protocol v4 (Engine.IO v3 clients).
    legacy: bool,
}

impl engineio::Handler for SioHandler {
    type Connection = Client;

    fn on_connect(&self, engine: engineio::Socket) -> Client {
        let legacy = engine.protocol_version() == ProtocolVersion::V3;
        let shared = Arc::new(ClientShared {
            engine,
            core: self.core.clone(),
            sockets: Mutex::new(Vec::new()),
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

    fn on_message(&self, client: &mut Client, data: Data) {
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

    fn on_disconnect(&self, client: Client, reason: CloseReason) {
        let sockets = client
            .shared
            .sockets
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
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
        let handshake = Handshake::new(self.engine.request(), auth);
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
                if let Err(err) = mw(socket.clone()).await {
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
        if !self.engine_open() {
            return;
        }
        socket.set_connected();
        socket.ns.add_socket(socket.clone());
        if let Ok(mut s) = self.sockets.lock() {
            s.push(socket.clone());
        }
        let reply = if self.legacy {
            Packet::connect(socket.ns(), None)
        } else {
            Packet::connect(socket.ns(), Some(json!({ "sid": socket.id().as_str() })))
        };
        self.send_packet(&reply);
        if let Some(handler) = socket.ns.handlers.connection_handler() {
            handler(socket.clone());
        }
        socket.release_pending();
    }

    fn engine_open(&self) -> bool {
        !self.engine_closed()
    }

    fn engine_closed(&self) -> bool {
        self.engine.is_closed()
    }

    pub(crate) fn remove_socket(&self, nsp: &str) {
        if let Ok(mut s) = self.sockets.lock() {
            s.retain(|socket| socket.ns() != nsp);
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
            .map(|mut s| std::mem::take(&mut *s))
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

    /// Writes one packet: its text message, then one binary message per attachment.
    pub(crate) fn send_encoded(&self, packet: &EncodedPacket, volatile: bool) -> Result<(), Error> {
        if volatile && !self.engine.has_room(1 + packet.attachments.len()) {
            return Err(Error::QueueFull);
        }
        self.engine.try_send(Data::Text(packet.text.clone()))?;
        for bytes in &packet.attachments {
            self.engine.try_send(Data::Binary(bytes.clone()))?;
        }
        Ok(())
    }

    fn has_sockets(&self) -> bool {
        let joined = self.sockets.lock().map(|s| !s.is_empty()).unwrap_or(false);
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
