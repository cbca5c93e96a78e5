//! [`MemoryAdapter`]: the adapter of a single server.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use parking_lot::{Mutex, RwLock};
use socketio_adapter::{
    ack_channel, AckEvent, AckSender, AckStream, Adapter, AdapterError, AdapterFactory, BoxFuture,
    BroadcastOptions, LocalNamespace, Packet, RecoveryFailure, RecoveryStats, RestoredSession,
    Room, RoomListener, Session, Sid, SocketInfo,
};

use crate::{RoomEvent, RoomsIndex, SessionStore};

/// The in-process adapter: the rooms index of one namespace and delivery to the sockets of
/// this server.
///
/// Its `*_local` methods are the local half of every operation; a cluster adapter calls them
/// for this server and publishes the rest.
pub struct MemoryAdapter {
    ns: Weak<dyn LocalNamespace>,
    index: RwLock<RoomsIndex<Sid>>,
    listeners: RwLock<Vec<RoomListener>>,
    /// Connection state recovery (created when the server has it on).
    store: Mutex<Option<SessionStore>>,
}

impl MemoryAdapter {
    /// The adapter of the namespace `ns`.
    pub fn new(ns: Weak<dyn LocalNamespace>) -> Self {
        MemoryAdapter {
            ns,
            index: RwLock::new(RoomsIndex::default()),
            listeners: RwLock::new(Vec::new()),
            store: Mutex::new(None),
        }
    }

    /// The factory the server uses by default.
    pub fn factory() -> AdapterFactory {
        Arc::new(|ns| Arc::new(MemoryAdapter::new(ns)))
    }

    /// The namespace, while the server has it.
    pub fn namespace(&self) -> Option<Arc<dyn LocalNamespace>> {
        self.ns.upgrade()
    }

    /// Whether a room has members on this server.
    pub fn has_room(&self, room: &str) -> bool {
        self.index.read().has_room(room)
    }

    /// Whether a socket of this server is indexed.
    pub fn has_socket(&self, sid: &Sid) -> bool {
        self.index.read().has_socket(sid)
    }

    fn write(&self, f: impl FnOnce(&mut RoomsIndex<Sid>, &mut Vec<RoomEvent<Sid>>)) {
        let mut events = Vec::new();
        f(&mut self.index.write(), &mut events);
        if events.is_empty() {
            return;
        }
        let listeners = self.listeners.read().clone();
        if listeners.is_empty() {
            return;
        }
        let name = self
            .ns
            .upgrade()
            .map(|ns| ns.name().to_owned())
            .unwrap_or_default();
        for event in &events {
            for listener in &listeners {
                listener(&name, event);
            }
        }
    }

    /// The recovery store, created on first use when the server has recovery on (`None`
    /// otherwise).
    fn store(&self) -> parking_lot::MutexGuard<'_, Option<SessionStore>> {
        let mut store = self.store.lock();
        if store.is_none() {
            if let Some(settings) = self.ns.upgrade().and_then(|ns| ns.recovery()) {
                *store = Some(SessionStore::new(settings));
            }
        }
        store
    }

    /// The server's clock (see [`LocalNamespace::now`]).
    fn now(&self) -> Instant {
        self.ns.upgrade().map_or_else(Instant::now, |ns| ns.now())
    }

    /// Tells the server that the store, empty, now keeps something: its expiry timer has an
    /// instant to wait for again. Called outside the store's lock.
    fn kept(&self, was_empty: bool) {
        if was_empty {
            if let Some(ns) = self.ns.upgrade() {
                ns.recovery_kept();
            }
        }
    }

    /// With recovery on: appends the offset to a packet about to be broadcast and keeps it
    /// (see [`SessionStore::record`]).
    pub fn record(&self, packet: &mut Packet, opts: &BroadcastOptions) -> Option<String> {
        let (offset, was_empty) = {
            let mut store = self.store();
            let store = store.as_mut()?;
            let now = self.now();
            let wall_ms = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
                .unwrap_or(0);
            let was_empty = store.is_empty();
            (store.record(now, wall_ms, packet, opts), was_empty)
        };
        self.kept(was_empty && offset.is_some());
        offset
    }

    /// The local targets of `opts`.
    pub fn targets(&self, opts: &BroadcastOptions) -> Vec<Sid> {
        let mut out = Vec::new();
        self.index
            .read()
            .resolve(&opts.rooms, &opts.except, &[], |sid| out.push(sid));
        out
    }

    /// Delivers to the local targets; how many got it.
    pub fn broadcast_local(&self, packet: &Packet, opts: &BroadcastOptions) -> usize {
        let Some(ns) = self.ns.upgrade() else {
            return 0;
        };
        let sids = self.targets(opts);
        if sids.is_empty() {
            return 0;
        }
        ns.deliver(&sids, packet, opts)
    }

    /// Delivers to the local targets expecting acks on `acks` within `timeout`, and reports
    /// the count there; returns the count too.
    pub fn broadcast_with_ack_local(
        &self,
        packet: &Packet,
        opts: &BroadcastOptions,
        timeout: Duration,
        acks: &AckSender,
    ) -> usize {
        let count = match self.ns.upgrade() {
            Some(ns) => {
                let sids = self.targets(opts);
                ns.deliver_with_ack(&sids, packet, opts, timeout, acks.clone())
            }
            None => 0,
        };
        let _ = acks.unbounded_send(AckEvent::Count(count));
        count
    }

    /// The local targets, described.
    pub fn fetch_local(&self, opts: &BroadcastOptions) -> Vec<SocketInfo> {
        let Some(ns) = self.ns.upgrade() else {
            return Vec::new();
        };
        let sids = self.targets(opts);
        let mut infos = ns.socket_infos(&sids);
        let index = self.index.read();
        for info in &mut infos {
            info.rooms = index.socket_rooms(&info.id).cloned().collect();
        }
        infos
    }

    /// Makes the local targets join rooms.
    pub fn add_sockets_local(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        let sids = self.targets(opts);
        self.write(|index, events| {
            for sid in sids {
                index.add_all(sid, rooms, events);
            }
        });
    }

    /// Makes the local targets leave rooms.
    pub fn del_sockets_local(&self, opts: &BroadcastOptions, rooms: &[Room]) {
        let sids = self.targets(opts);
        self.write(|index, events| {
            for sid in sids {
                for room in rooms {
                    index.del(sid, room, events);
                }
            }
        });
    }

    /// Disconnects the local targets.
    pub fn disconnect_local(&self, opts: &BroadcastOptions, close: bool) {
        let Some(ns) = self.ns.upgrade() else { return };
        let sids = self.targets(opts);
        if !sids.is_empty() {
            ns.disconnect(&sids, close);
        }
    }
}

impl Adapter for MemoryAdapter {
    fn on_room_event(&self, listener: RoomListener) {
        self.listeners.write().push(listener);
    }

    fn add_all(&self, sid: Sid, rooms: &[Room]) {
        self.write(|index, events| index.add_all(sid, rooms, events));
    }

    fn del(&self, sid: Sid, room: &str) {
        self.write(|index, events| index.del(sid, room, events));
    }

    fn del_all(&self, sid: Sid) {
        self.write(|index, events| index.del_all(sid, events));
    }

    fn socket_rooms(&self, sid: Sid) -> Vec<Room> {
        self.index.read().socket_rooms(&sid).cloned().collect()
    }

    fn local_sockets(&self, opts: &BroadcastOptions) -> Vec<Sid> {
        self.targets(opts)
    }

    fn local_rooms(&self) -> Vec<Room> {
        self.index.read().rooms().cloned().collect()
    }

    fn broadcast(&self, mut packet: Packet, opts: BroadcastOptions) -> usize {
        self.record(&mut packet, &opts);
        self.broadcast_local(&packet, &opts)
    }

    fn persist_session(&self, session: Session) -> BoxFuture<Result<(), AdapterError>> {
        let now = self.now();
        let was_empty = self.store().as_mut().map(|store| {
            let was_empty = store.is_empty();
            store.persist(now, session);
            was_empty
        });
        self.kept(was_empty == Some(true));
        Box::pin(async { Ok(()) })
    }

    fn restore_session(
        &self,
        pid: String,
        offset: String,
    ) -> BoxFuture<Result<RestoredSession, RecoveryFailure>> {
        let now = self.now();
        let restored = match self.store().as_mut() {
            Some(store) => store.restore(now, &pid, &offset),
            None => Err(RecoveryFailure::Unsupported),
        };
        Box::pin(async move { restored })
    }

    fn purge_expired(&self, now: Instant) -> Option<Instant> {
        // No store yet: nothing kept (and none is made for asking).
        self.store.lock().as_mut()?.purge_expired(now)
    }

    fn recovery_stats(&self) -> Option<RecoveryStats> {
        self.store().as_ref().map(SessionStore::stats)
    }

    fn broadcast_with_ack(&self, packet: Packet, opts: BroadcastOptions) -> AckStream {
        let (tx, events) = ack_channel();
        let timeout = Duration::from_millis(opts.flags.timeout.unwrap_or(0));
        self.broadcast_with_ack_local(&packet, &opts, timeout, &tx);
        AckStream {
            servers: Box::pin(async { Ok(1) }),
            events,
        }
    }

    fn fetch_sockets(
        &self,
        opts: BroadcastOptions,
    ) -> BoxFuture<Result<Vec<SocketInfo>, AdapterError>> {
        let sockets = self.fetch_local(&opts);
        Box::pin(async move { Ok(sockets) })
    }

    fn add_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.add_sockets_local(&opts, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn del_sockets(
        &self,
        opts: BroadcastOptions,
        rooms: Vec<Room>,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.del_sockets_local(&opts, &rooms);
        Box::pin(async { Ok(()) })
    }

    fn disconnect_sockets(
        &self,
        opts: BroadcastOptions,
        close: bool,
    ) -> BoxFuture<Result<(), AdapterError>> {
        self.disconnect_local(&opts, close);
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socketio_adapter::{AckSender, RecoverySettings, ServerAck, Value};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A namespace with recovery on (or off), a clock the test moves, and a count of the
    /// adapter's `recovery_kept` calls.
    struct Ns {
        recovery: Option<RecoverySettings>,
        now: Mutex<Instant>,
        kept: AtomicUsize,
    }

    impl LocalNamespace for Ns {
        fn name(&self) -> &str {
            "/"
        }
        fn deliver(&self, sids: &[Sid], _: &Packet, _: &BroadcastOptions) -> usize {
            sids.len()
        }
        fn deliver_with_ack(
            &self,
            _: &[Sid],
            _: &Packet,
            _: &BroadcastOptions,
            _: Duration,
            _: AckSender,
        ) -> usize {
            0
        }
        fn socket_infos(&self, _: &[Sid]) -> Vec<SocketInfo> {
            Vec::new()
        }
        fn disconnect(&self, _: &[Sid], _: bool) {}
        fn server_side_emit(&self, _: Vec<Value>, _: Option<ServerAck>) {}
        fn recovery(&self) -> Option<RecoverySettings> {
            self.recovery
        }
        fn now(&self) -> Instant {
            *self.now.lock()
        }
        fn recovery_kept(&self) {
            self.kept.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn adapter(recovery: Option<RecoverySettings>) -> (Arc<Ns>, MemoryAdapter) {
        let ns = Arc::new(Ns {
            recovery,
            now: Mutex::new(Instant::now()),
            kept: AtomicUsize::new(0),
        });
        let weak: Weak<dyn LocalNamespace> = Arc::downgrade(&ns) as Weak<dyn LocalNamespace>;
        (ns, MemoryAdapter::new(weak))
    }

    fn settings() -> RecoverySettings {
        RecoverySettings {
            max_disconnection_duration: Duration::from_secs(60),
            max_packets: 100,
            max_bytes: 1 << 20,
            max_sessions: 100,
        }
    }

    fn session(pid: &str) -> Session {
        Session {
            sid: Sid::from_random([7; 15]),
            pid: pid.into(),
            rooms: Vec::new(),
            data: Value::Null,
        }
    }

    fn event() -> Packet {
        Packet::event("/", Value::Array(vec![Value::from("ev")]), None)
    }

    #[test]
    fn the_server_is_told_when_the_empty_store_keeps_something_and_its_clock_is_used() {
        let (ns, adapter) = adapter(Some(settings()));
        let t0 = ns.now();
        assert_eq!(adapter.purge_expired(t0), None);
        assert_eq!(adapter.recovery_stats(), Some(RecoveryStats::default()));
        futures_executor::block_on(adapter.persist_session(session("a"))).unwrap();
        assert_eq!(ns.kept.load(Ordering::SeqCst), 1, "empty -> kept: told");
        futures_executor::block_on(adapter.persist_session(session("b"))).unwrap();
        adapter.broadcast(event(), BroadcastOptions::default());
        assert_eq!(
            ns.kept.load(Ordering::SeqCst),
            1,
            "not empty: not told again"
        );
        let stats = adapter.recovery_stats().unwrap();
        assert_eq!((stats.sessions, stats.packets), (2, 1));
        // Stamped with the namespace's clock: they expire 60 s after it.
        let expiry = t0 + Duration::from_secs(60) + Duration::from_nanos(1);
        assert_eq!(adapter.purge_expired(t0), Some(expiry));
        assert_eq!(adapter.purge_expired(expiry), None);
        assert_eq!(adapter.recovery_stats(), Some(RecoveryStats::default()));
        // Empty again: the next packet kept is told.
        *ns.now.lock() = expiry;
        adapter.broadcast(event(), BroadcastOptions::default());
        assert_eq!(ns.kept.load(Ordering::SeqCst), 2);
        // A volatile packet is not kept, so not told either.
        let _ = adapter.purge_expired(expiry + Duration::from_secs(61));
        let volatile = BroadcastOptions::default().flags(socketio_adapter::BroadcastFlags {
            volatile: Some(true),
            ..Default::default()
        });
        adapter.broadcast(event(), volatile);
        assert_eq!(ns.kept.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn without_recovery_nothing_is_kept_or_told() {
        let (ns, adapter) = adapter(None);
        futures_executor::block_on(adapter.persist_session(session("a"))).unwrap();
        adapter.broadcast(event(), BroadcastOptions::default());
        assert_eq!(adapter.purge_expired(ns.now()), None);
        assert_eq!(adapter.recovery_stats(), None);
        assert_eq!(ns.kept.load(Ordering::SeqCst), 0);
    }
}
