//! The state of one instrumented server and the [`Observer`] that turns what happens in it
//! into the UI's live events and stats.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use engineio::CloseReason;
use parking_lot::Mutex;
use socketio::{
    DisconnectReason, Map, Namespace, Observer, Sid, SocketIo, SocketRef, TransportKind, Value,
    WeakSocketIo,
};
use tokio::sync::Notify;

use crate::options::Mode;
use crate::serialize::{self, client_id, now_iso, now_ms, public_data, ADMIN_KEY};
use crate::stats::{EventBuffer, Kind, ServerStats};

/// How often `server_stats` goes out (Node's `setInterval(.., 2000)`).
pub(crate) const STATS_INTERVAL: Duration = Duration::from_millis(2000);

thread_local! {
    /// Set while this crate writes `socket.data._admin`, so that its own write is not
    /// reported as a data change.
    static OWN_WRITE: Cell<bool> = const { Cell::new(false) };
}

/// One instrumented server. The server owns it (as its observer and in the admin
/// namespace's handlers); it holds the server only weakly, and the stats timer holds it
/// weakly: dropping the server frees everything and ends the timer.
pub(crate) struct Admin {
    me: Weak<Admin>,
    io: WeakSocketIo,
    /// The admin namespace name.
    pub(crate) nsp: String,
    pub(crate) mode: Mode,
    server_id: String,
    hostname: String,
    started: Instant,
    events: Mutex<EventBuffer>,
    /// Engine connections still on long-polling.
    polling: Mutex<HashSet<Sid>>,
    /// Development: the sockets of each engine connection (namespace, socket id), for
    /// `socket_updated` on upgrade.
    connections: Mutex<HashMap<Sid, Vec<(String, Sid)>>>,
    /// Development: the rooms a leaving socket left, reported after its
    /// `socket_disconnected` (Node emits `room_left` on the next tick).
    leaving: Mutex<HashMap<Sid, Vec<(String, String)>>>,
    stop: Arc<Notify>,
    timer_started: AtomicBool,
}

impl Admin {
    pub(crate) fn new(io: &SocketIo, nsp: String, mode: Mode, server_id: String) -> Arc<Admin> {
        Arc::new_cyclic(|me| Admin {
            me: me.clone(),
            io: io.downgrade(),
            nsp,
            mode,
            server_id,
            hostname: crate::options::hostname(),
            started: Instant::now(),
            events: Mutex::default(),
            polling: Mutex::default(),
            connections: Mutex::default(),
            leaving: Mutex::default(),
            stop: Arc::new(Notify::new()),
            timer_started: AtomicBool::new(false),
        })
    }

    pub(crate) fn io(&self) -> Option<SocketIo> {
        self.io.upgrade()
    }

    fn development(&self) -> bool {
        self.mode == Mode::Development
    }

    /// Emits to every admin socket of the cluster (Node's `adminNamespace.emit`).
    fn broadcast(&self, event: &str, args: Vec<Value>) {
        if let Some(io) = self.io() {
            io.of(&self.nsp).emit_args(event, args);
        }
    }

    /// Takes in the sockets connected before `instrument`: their connections' transports,
    /// and in development what the live events need.
    pub(crate) fn adopt_existing(&self, io: &SocketIo) {
        for ns in io.namespaces() {
            for socket in ns.sockets() {
                if socket.transport() == TransportKind::Polling {
                    self.polling.lock().insert(socket.engine_id());
                }
                if self.development() {
                    self.track(&socket);
                }
            }
        }
    }

    /// Development: remembers a socket's connection and writes `data._admin`.
    fn track(&self, socket: &SocketRef) {
        write_admin_data(socket);
        self.connections
            .lock()
            .entry(socket.engine_id())
            .or_default()
            .push((socket.ns().to_owned(), socket.id()));
    }

    // ----- stats -----

    /// Starts the stats timer, once, if there is a runtime to run it on (else the first
    /// connection starts it).
    pub(crate) fn start_timer(&self) {
        if self.timer_started.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.timer_started.store(false, Ordering::Release);
            return;
        };
        let me = self.me.clone();
        let stop = self.stop.clone();
        runtime.spawn(async move {
            let start = tokio::time::Instant::now() + STATS_INTERVAL;
            let mut ticks = tokio::time::interval_at(start, STATS_INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stop.notified() => return,
                }
                // Gone with the server: stop.
                let Some(admin) = me.upgrade() else { return };
                admin.emit_stats();
            }
        });
    }

    /// Emits `server_stats` to every admin socket of the cluster, draining the aggregated
    /// events.
    pub(crate) fn emit_stats(&self) {
        let Some(io) = self.io() else { return };
        let events = self.events.lock().drain();
        let namespaces = io
            .namespaces()
            .iter()
            .map(|ns| (ns.name().to_owned(), ns.socket_count()))
            .collect();
        let stats = ServerStats {
            server_id: &self.server_id,
            hostname: &self.hostname,
            uptime_secs: self.started.elapsed().as_secs_f64(),
            clients: io.engine().session_count(),
            polling_clients: self.polling.lock().len(),
            events,
            namespaces,
        };
        io.of(&self.nsp)
            .emit_args("server_stats", vec![stats.to_value()]);
    }

    fn count(&self, kind: Kind, sub: Option<&'static str>, n: u64) {
        self.events.lock().push(now_ms(), kind, sub, n);
    }

    // ----- all_sockets -----

    /// Every socket of every namespace, on every server of the cluster (`fetch_sockets`).
    pub(crate) async fn all_sockets(&self) -> Vec<Value> {
        let Some(io) = self.io() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for ns in io.namespaces() {
            match ns.fetch_sockets().await {
                Ok(sockets) => {
                    for s in &sockets {
                        let local = ns.get_socket(s.id());
                        out.push(serialize::remote_socket(s, ns.name(), local.as_ref()));
                    }
                }
                Err(e) => tracing::warn!(nsp = %ns.name(), "admin: fetch_sockets failed: {e}"),
            }
        }
        out
    }

    /// The socket `sid` of namespace `nsp` on this server, if connected or leaving. `nsp`
    /// comes from the server itself (a socket's or a room event's), so it exists: `of` finds
    /// it without a scan.
    fn find_socket(&self, nsp: &str, sid: Sid) -> Option<SocketRef> {
        self.io()?.of(nsp).get_socket(sid)
    }

    fn room_event(&self, event: &str, nsp: &str, room: &str, sid: Sid) {
        self.broadcast(
            event,
            vec![
                Value::from(nsp),
                Value::from(room),
                Value::from(sid.as_str()),
                Value::from(now_iso()),
            ],
        );
    }

    fn socket_event(&self, event: &str, socket: &SocketRef, name: &str, args: &[Value]) {
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(Value::from(name));
        all.extend_from_slice(args);
        self.broadcast(
            event,
            vec![
                Value::from(socket.ns()),
                Value::from(socket.id().as_str()),
                Value::Array(all),
                Value::from(now_iso()),
            ],
        );
    }
}

impl Drop for Admin {
    fn drop(&mut self) {
        // Wakes the timer (or leaves it a permit) so that it ends now.
        self.stop.notify_one();
    }
}

/// An existing namespace by name (never creates one).
pub(crate) fn find_namespace(io: &SocketIo, name: &str) -> Option<Namespace> {
    io.namespaces().into_iter().find(|ns| ns.name() == name)
}

/// Writes `socket.data._admin = { clientId, transport }` (what other servers read through
/// `fetch_sockets`), without reporting it as a data change.
fn write_admin_data(socket: &SocketRef) {
    let mut admin = Map::new();
    admin.insert(
        "clientId".into(),
        Value::String(client_id(socket.engine_id().as_str())),
    );
    admin.insert("transport".into(), Value::from(socket.transport().as_str()));
    OWN_WRITE.with(|own| own.set(true));
    socket.update_data(|data| {
        if let Value::Object(map) = data {
            map.insert(ADMIN_KEY.into(), Value::Object(admin));
        }
    });
    OWN_WRITE.with(|own| own.set(false));
}

impl Observer for Admin {
    fn engine_connected(&self, engine: &engineio::Socket) {
        self.start_timer();
        if engine.transport() == TransportKind::Polling {
            self.polling.lock().insert(engine.sid());
        }
        self.count(Kind::RawConnection, None, 1);
    }

    fn engine_upgraded(&self, engine: &engineio::Socket) {
        self.polling.lock().remove(&engine.sid());
        if !self.development() {
            return;
        }
        let sockets = self
            .connections
            .lock()
            .get(&engine.sid())
            .cloned()
            .unwrap_or_default();
        let transport = engine.transport().as_str();
        for (nsp, id) in sockets {
            if let Some(socket) = self.find_socket(&nsp, id) {
                write_admin_data(&socket);
            }
            let mut update = Map::new();
            update.insert("id".into(), Value::from(id.as_str()));
            update.insert("nsp".into(), Value::from(nsp));
            update.insert("transport".into(), Value::from(transport));
            self.broadcast("socket_updated", vec![Value::Object(update)]);
        }
    }

    fn engine_closed(&self, engine: &engineio::Socket, reason: CloseReason) {
        self.polling.lock().remove(&engine.sid());
        self.connections.lock().remove(&engine.sid());
        self.count(Kind::RawDisconnection, Some(reason.as_str()), 1);
    }

    fn message_in(&self, _engine: &engineio::Socket, len: usize) {
        if len > 0 {
            let mut events = self.events.lock();
            let now = now_ms();
            events.push(now, Kind::PacketsIn, None, 1);
            events.push(now, Kind::BytesIn, None, len as u64);
        }
    }

    fn message_out(&self, len: usize) {
        if len > 0 {
            let mut events = self.events.lock();
            let now = now_ms();
            events.push(now, Kind::PacketsOut, None, 1);
            events.push(now, Kind::BytesOut, None, len as u64);
        }
    }

    fn socket_connected(&self, socket: &SocketRef) {
        if !self.development() {
            return;
        }
        self.track(socket);
        self.broadcast(
            "socket_connected",
            vec![serialize::local_socket(socket), Value::from(now_iso())],
        );
    }

    fn socket_disconnected(&self, socket: &SocketRef, reason: DisconnectReason) {
        if !self.development() {
            return;
        }
        if let Some(list) = self.connections.lock().get_mut(&socket.engine_id()) {
            list.retain(|(_, id)| *id != socket.id());
        }
        self.broadcast(
            "socket_disconnected",
            vec![
                Value::from(socket.ns()),
                Value::from(socket.id().as_str()),
                Value::from(reason.as_str()),
                Value::from(now_iso()),
            ],
        );
        let left = self.leaving.lock().remove(&socket.id()).unwrap_or_default();
        for (nsp, room) in left {
            self.room_event("room_left", &nsp, &room, socket.id());
        }
    }

    fn data_changed(&self, socket: &SocketRef) {
        if !self.development() || OWN_WRITE.with(Cell::get) {
            return;
        }
        let mut update = Map::new();
        update.insert("id".into(), Value::from(socket.id().as_str()));
        update.insert("nsp".into(), Value::from(socket.ns()));
        update.insert("data".into(), public_data(&socket.data_value()));
        self.broadcast("socket_updated", vec![Value::Object(update)]);
    }

    fn event_received(&self, socket: &SocketRef, event: &str, args: &[Value]) {
        if self.development() && socket.ns() != self.nsp {
            self.socket_event("event_received", socket, event, args);
        }
    }

    fn event_sent(&self, socket: &SocketRef, event: &str, args: &[Value]) {
        // Never for the admin namespace: what the UI is sent would be reported to it again.
        if self.development() && socket.ns() != self.nsp {
            self.socket_event("event_sent", socket, event, args);
        }
    }

    fn room_joined(&self, nsp: &str, room: &str, sid: Sid) {
        if self.development() {
            self.room_event("room_joined", nsp, room, sid);
        }
    }

    fn room_left(&self, nsp: &str, room: &str, sid: Sid) {
        if !self.development() {
            return;
        }
        // A socket leaving its namespace leaves its rooms before it is reported gone; Node
        // reports the rooms after (`room_left` waits for the next tick).
        let leaving = self.find_socket(nsp, sid).is_some_and(|s| !s.connected());
        if leaving {
            self.leaving
                .lock()
                .entry(sid)
                .or_default()
                .push((nsp.to_owned(), room.to_owned()));
        } else {
            self.room_event("room_left", nsp, room, sid);
        }
    }

    fn server_closed(&self) {
        self.stop.notify_one();
    }
}
