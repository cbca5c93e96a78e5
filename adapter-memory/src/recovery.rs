//! [`SessionStore`]: what connection state recovery keeps on one server (Node's
//! `SessionAwareAdapter`): the sessions of disconnected sockets and the packets they may
//! miss. Sans-IO: time is passed in.
//!
//! Bounded: a packet or a session is kept at most `max_disconnection_duration`, and at most
//! `max_packets` packets, `max_bytes` bytes of packet data and `max_sessions` sessions (the
//! oldest go first). Expired entries are removed by every call, oldest first, from queues
//! kept in time order, and by [`SessionStore::purge_expired`], which says when the next
//! entry expires: the server's timer calls it at that instant, so an idle server keeps
//! nothing past its time (no sweeper, no polling). A client whose offset went, or whose
//! session went, gets a new session: recovery fails cleanly with a [`RecoveryFailure`].

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use socketio_adapter::{
    BroadcastOptions, Packet, RecoveryFailure, RecoverySettings, RecoveryStats, RestoredSession,
    Room, Session, Value,
};

struct Stored {
    seq: u64,
    offset: String,
    at: Instant,
    rooms: Vec<Room>,
    except: Vec<Room>,
    packet: Packet,
    size: usize,
}

/// Sessions and packets kept for recovery.
pub struct SessionStore {
    settings: RecoverySettings,
    sessions: HashMap<String, (Session, Instant)>,
    /// (disconnected at, pid), oldest first; an entry is stale when the map has a newer time.
    session_order: VecDeque<(Instant, String)>,
    packets: VecDeque<Stored>,
    /// offset -> sequence number of the packet.
    offsets: HashMap<String, u64>,
    next_seq: u64,
    bytes: usize,
    offset_gen: OffsetGen,
}

impl SessionStore {
    /// An empty store with these bounds.
    pub fn new(settings: RecoverySettings) -> Self {
        SessionStore {
            settings,
            sessions: HashMap::new(),
            session_order: VecDeque::new(),
            packets: VecDeque::new(),
            offsets: HashMap::new(),
            next_seq: 0,
            bytes: 0,
            offset_gen: OffsetGen::default(),
        }
    }

    /// How many sessions and packets are kept.
    pub fn len(&self) -> (usize, usize) {
        (self.sessions.len(), self.packets.len())
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.packets.is_empty()
    }

    /// How many sessions and packets are kept, and the packets' approximate size.
    pub fn stats(&self) -> RecoveryStats {
        RecoveryStats {
            sessions: self.sessions.len(),
            packets: self.packets.len(),
            bytes: self.bytes,
        }
    }

    /// Whether an entry kept since `at` has expired at `now`: more than
    /// `max_disconnection_duration` went by (Node: `disconnectedAt + max < now`).
    fn expired(&self, at: Instant, now: Instant) -> bool {
        now.checked_duration_since(at)
            .is_some_and(|kept| kept > self.settings.max_disconnection_duration)
    }

    /// The first instant at which an entry kept since `at` is expired (`None`: never, the
    /// duration being too long for the clock).
    fn expiry(&self, at: Instant) -> Option<Instant> {
        at.checked_add(self.settings.max_disconnection_duration)?
            .checked_add(Duration::from_nanos(1))
    }

    /// Keeps a packet about to be broadcast and appends its offset to its arguments (Node:
    /// only EVENTs without ack that are not volatile). Returns the offset when kept.
    pub fn record(
        &mut self,
        now: Instant,
        wall_ms: u64,
        packet: &mut Packet,
        opts: &BroadcastOptions,
    ) -> Option<String> {
        self.purge(now);
        if !packet.kind.is_event() || packet.id.is_some() || opts.flags.is_volatile() {
            return None;
        }
        let offset = self.offset_gen.next(wall_ms);
        if let Some(Value::Array(items)) = packet.data.as_mut() {
            items.push(Value::from(offset.as_str()));
        } else {
            return None;
        }
        let size = packet.data.as_ref().map_or(0, approx_size) + offset.len();
        let seq = self.next_seq;
        self.next_seq += 1;
        self.offsets.insert(offset.clone(), seq);
        self.bytes += size;
        self.packets.push_back(Stored {
            seq,
            offset: offset.clone(),
            at: now,
            rooms: opts.rooms.clone(),
            except: opts.except.clone(),
            packet: packet.clone(),
            size,
        });
        while self.packets.len() > self.settings.max_packets || self.bytes > self.settings.max_bytes
        {
            if !self.drop_oldest_packet() {
                break;
            }
        }
        Some(offset)
    }

    /// Keeps a disconnected session.
    pub fn persist(&mut self, now: Instant, session: Session) {
        self.purge(now);
        self.session_order.push_back((now, session.pid.clone()));
        self.sessions.insert(session.pid.clone(), (session, now));
        while self.sessions.len() > self.settings.max_sessions {
            let Some((at, pid)) = self.session_order.pop_front() else {
                break;
            };
            if self.sessions.get(&pid).is_some_and(|(_, t)| *t == at) {
                self.sessions.remove(&pid);
            }
        }
    }

    /// Takes the session `pid` back with the packets it missed after `offset`, in order.
    pub fn restore(
        &mut self,
        now: Instant,
        pid: &str,
        offset: &str,
    ) -> Result<RestoredSession, RecoveryFailure> {
        let expired = self.sessions.get(pid).map(|(_, at)| self.expired(*at, now));
        match expired {
            None => return Err(RecoveryFailure::UnknownSession),
            Some(true) => {
                self.sessions.remove(pid);
                return Err(RecoveryFailure::Expired);
            }
            Some(false) => {}
        }
        self.purge(now);
        let Some(&seq) = self.offsets.get(offset) else {
            return Err(RecoveryFailure::OffsetNotFound);
        };
        let Some((session, _)) = self.sessions.remove(pid) else {
            return Err(RecoveryFailure::UnknownSession);
        };
        let first = self.packets.front().map_or(0, |p| p.seq);
        let start = usize::try_from(seq - first + 1).unwrap_or(usize::MAX);
        let missed = self
            .packets
            .iter()
            .skip(start)
            .filter(|p| includes(&session.rooms, &p.rooms, &p.except))
            .map(|p| p.packet.clone())
            .collect();
        Ok(RestoredSession { session, missed })
    }

    /// Removes what outlived `max_disconnection_duration`.
    pub fn purge(&mut self, now: Instant) {
        while self
            .packets
            .front()
            .is_some_and(|p| self.expired(p.at, now))
        {
            self.drop_oldest_packet();
        }
        while let Some((at, pid)) = self.session_order.front() {
            let live = self.sessions.get(pid).is_some_and(|(_, t)| t == at);
            if live && !self.expired(*at, now) {
                break;
            }
            // Expired, or stale (the session was restored, or persisted again since).
            if live {
                self.sessions.remove(pid);
            }
            self.session_order.pop_front();
        }
    }

    /// Removes what expired at `now` (as [`SessionStore::purge`]) and returns the instant at
    /// which the next entry, a session or a packet, expires: the first instant at which this
    /// removes something again. `None` when nothing is kept.
    ///
    /// Emptied queues and maps give their memory back too (they otherwise keep the capacity
    /// of their busiest moment): the store returns to its size before the burst.
    pub fn purge_expired(&mut self, now: Instant) -> Option<Instant> {
        self.purge(now);
        self.shrink();
        self.next_expiry()
    }

    /// Shrinks what is at most a quarter full to twice its length (so that a store that
    /// fills and empties again does not shrink and grow at every call).
    fn shrink(&mut self) {
        const MIN: usize = 64;
        fn worth(len: usize, capacity: usize) -> bool {
            capacity > MIN && len <= capacity / 4
        }
        if worth(self.packets.len(), self.packets.capacity()) {
            self.packets.shrink_to(self.packets.len() * 2);
        }
        if worth(self.offsets.len(), self.offsets.capacity()) {
            self.offsets.shrink_to(self.offsets.len() * 2);
        }
        if worth(self.sessions.len(), self.sessions.capacity()) {
            self.sessions.shrink_to(self.sessions.len() * 2);
        }
        if worth(self.session_order.len(), self.session_order.capacity()) {
            self.session_order.shrink_to(self.session_order.len() * 2);
        }
    }

    /// The instant at which the oldest entry expires (`None`: nothing kept).
    pub fn next_expiry(&self) -> Option<Instant> {
        // The front of each queue is its oldest entry. A stale session entry (restored since)
        // may be at the front until the next purge: the timer then wakes early, once.
        let packet = self.packets.front().map(|p| p.at);
        let session = self.session_order.front().map(|(at, _)| *at);
        let oldest = match (packet, session) {
            (Some(p), Some(s)) => p.min(s),
            (p, s) => p.or(s)?,
        };
        self.expiry(oldest)
    }

    fn drop_oldest_packet(&mut self) -> bool {
        let Some(p) = self.packets.pop_front() else {
            return false;
        };
        self.offsets.remove(&p.offset);
        self.bytes -= p.size;
        true
    }
}

/// Node's `shouldIncludePacket`: the packet reached every socket or one of the session's
/// rooms, and none of its rooms was excepted.
fn includes(session_rooms: &[Room], rooms: &[Room], except: &[Room]) -> bool {
    let included = rooms.is_empty() || session_rooms.iter().any(|r| rooms.contains(r));
    let not_excluded = session_rooms.iter().all(|r| !except.contains(r));
    included && not_excluded
}

/// About how many bytes a value takes (string and binary lengths, a few bytes per scalar).
fn approx_size(v: &Value) -> usize {
    match v {
        Value::Null | Value::Bool(_) => 4,
        Value::Number(_) => 8,
        Value::String(s) => s.len() + 2,
        Value::Binary(b) => b.len(),
        Value::Array(items) => 2 + items.iter().map(approx_size).sum::<usize>(),
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| k.len() + 3 + approx_size(v))
                .sum::<usize>()
        }
    }
}

/// Offsets as Node's `yeast` makes them: the time in milliseconds in a 64-character alphabet,
/// and `.<n>` for the n-th one of the same millisecond (e.g. `Q8NY5RT`, `Q8NY5RT.1`).
#[derive(Default)]
struct OffsetGen {
    last: String,
    seed: u64,
}

impl OffsetGen {
    fn next(&mut self, wall_ms: u64) -> String {
        const ALPHABET: &[u8; 64] =
            b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
        let mut n = wall_ms;
        let mut digits = Vec::new();
        loop {
            digits.push(ALPHABET[(n % 64) as usize]);
            n /= 64;
            if n == 0 {
                break;
            }
        }
        digits.reverse();
        let now = String::from_utf8(digits).unwrap_or_default();
        if now == self.last {
            self.seed += 1;
            format!("{now}.{}", self.seed - 1)
        } else {
            self.seed = 0;
            self.last = now.clone();
            now
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socketio_adapter::{BroadcastFlags, Sid};
    use std::time::Duration;

    fn settings() -> RecoverySettings {
        RecoverySettings {
            max_disconnection_duration: Duration::from_secs(120),
            max_packets: 100,
            max_bytes: 1 << 20,
            max_sessions: 10,
        }
    }

    fn event(args: &[&str]) -> Packet {
        let mut data = vec![Value::from("ev")];
        data.extend(args.iter().map(|a| Value::from(*a)));
        Packet::event("/", Value::Array(data), None)
    }

    fn session(pid: &str, rooms: &[&str]) -> Session {
        Session {
            sid: Sid::from_random([3; 15]),
            pid: pid.into(),
            rooms: rooms.iter().map(|r| Room::from(*r)).collect(),
            data: Value::Null,
        }
    }

    fn last_arg(p: &Packet) -> String {
        p.data
            .as_ref()
            .and_then(|d| d.as_array())
            .and_then(|a| a.last())
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_owned()
    }

    #[test]
    fn missed_packets_of_the_session_rooms_in_order() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(settings());
        let mut first = event(&["seen"]);
        let offset = store
            .record(t0, 1_000, &mut first, &BroadcastOptions::default())
            .unwrap();
        assert_eq!(last_arg(&first), offset);
        store.persist(t0, session("p1", &["sid", "r1"]));
        let cases: [(&str, BroadcastOptions); 5] = [
            ("all", BroadcastOptions::default()),
            ("r1", BroadcastOptions::default().to(["r1"])),
            ("r2", BroadcastOptions::default().to(["r2"])),
            ("except-r1", BroadcastOptions::default().except(["r1"])),
            ("sid", BroadcastOptions::default().to(["sid"])),
        ];
        for (i, (tag, opts)) in cases.into_iter().enumerate() {
            store.record(t0, 1_001 + i as u64, &mut event(&[tag]), &opts);
        }
        // volatile and ack packets are not kept
        let volatile = BroadcastOptions::default().flags(BroadcastFlags {
            volatile: Some(true),
            ..Default::default()
        });
        assert!(store
            .record(t0, 2_000, &mut event(&["v"]), &volatile)
            .is_none());
        let mut with_ack = event(&["a"]);
        with_ack.id = Some(1);
        assert!(store
            .record(t0, 2_000, &mut with_ack, &BroadcastOptions::default())
            .is_none());
        let restored = store.restore(t0, "p1", &offset).unwrap();
        let tags: Vec<String> = restored
            .missed
            .iter()
            .map(|p| p.data.as_ref().unwrap()[1].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(tags, ["all", "r1", "sid"]);
        // exactly once
        assert_eq!(
            store.restore(t0, "p1", &offset).unwrap_err(),
            RecoveryFailure::UnknownSession
        );
    }

    #[test]
    fn failures_say_why() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(settings());
        let offset = store
            .record(t0, 1, &mut event(&[]), &BroadcastOptions::default())
            .unwrap();
        store.persist(t0, session("p", &[]));
        assert_eq!(
            store.restore(t0, "nope", &offset).unwrap_err(),
            RecoveryFailure::UnknownSession
        );
        assert_eq!(
            store.restore(t0, "p", "unknown").unwrap_err(),
            RecoveryFailure::OffsetNotFound
        );
        let late = t0 + Duration::from_secs(121);
        assert_eq!(
            store.restore(late, "p", &offset).unwrap_err(),
            RecoveryFailure::Expired
        );
    }

    #[test]
    fn bounded_and_purged() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(RecoverySettings {
            max_packets: 3,
            ..settings()
        });
        let first = store
            .record(t0, 1, &mut event(&[]), &BroadcastOptions::default())
            .unwrap();
        for i in 0..5 {
            store.record(t0, 2 + i, &mut event(&[]), &BroadcastOptions::default());
        }
        assert_eq!(store.len().1, 3);
        store.persist(t0, session("p", &[]));
        assert_eq!(
            store.restore(t0, "p", &first).unwrap_err(),
            RecoveryFailure::OffsetNotFound
        );
        for i in 0..20 {
            store.persist(t0, session(&format!("s{i}"), &[]));
        }
        assert_eq!(store.len().0, 10);
        store.purge(t0 + Duration::from_secs(121));
        assert!(store.is_empty());
    }

    /// `secs` seconds past t0: the virtual clock of these tests.
    fn at(t0: Instant, secs: u64) -> Instant {
        t0 + Duration::from_secs(secs)
    }

    /// The instant an entry kept at `secs` expires (Node's strict `disconnectedAt + max <
    /// now`: one nanosecond past the duration).
    fn expiry(t0: Instant, secs: u64) -> Option<Instant> {
        Some(at(t0, secs + 120) + Duration::from_nanos(1))
    }

    #[test]
    fn purge_expired_removes_each_entry_at_its_instant_and_names_the_next() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(settings());
        assert_eq!(
            store.purge_expired(t0),
            None,
            "nothing kept, nothing to wait for"
        );
        store.record(t0, 1, &mut event(&["a"]), &BroadcastOptions::default());
        store.persist(at(t0, 10), session("p1", &[]));
        store.record(
            at(t0, 20),
            2,
            &mut event(&["b"]),
            &BroadcastOptions::default(),
        );
        assert_eq!(store.purge_expired(at(t0, 20)), expiry(t0, 0));
        // Exactly max_disconnection_duration later, the packet is still there (Node).
        assert_eq!(store.purge_expired(at(t0, 120)), expiry(t0, 0));
        assert_eq!(store.len(), (1, 2));
        // The instants it names: the packet, the session, the last packet, then nothing.
        let first = expiry(t0, 0).unwrap();
        assert_eq!(store.purge_expired(first), expiry(t0, 10));
        assert_eq!(store.len(), (1, 1));
        assert_eq!(store.purge_expired(expiry(t0, 10).unwrap()), expiry(t0, 20));
        assert_eq!(store.len(), (0, 1));
        assert_eq!(store.purge_expired(expiry(t0, 20).unwrap()), None);
        assert!(store.is_empty());
        assert_eq!(store.stats(), RecoveryStats::default());
    }

    #[test]
    fn purge_expired_after_a_long_idle_time_removes_everything_at_once() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(settings());
        for i in 0..10u64 {
            store.record(
                at(t0, i),
                i,
                &mut event(&["x"]),
                &BroadcastOptions::default(),
            );
            store.persist(at(t0, i), session(&format!("s{i}"), &["r"]));
        }
        let stats = store.stats();
        assert_eq!((stats.sessions, stats.packets), (10, 10));
        assert!(stats.bytes > 0);
        assert_eq!(store.purge_expired(at(t0, 125)), expiry(t0, 5));
        assert_eq!(store.len(), (5, 5));
        assert_eq!(store.purge_expired(at(t0, 3600)), None);
        assert_eq!(store.stats(), RecoveryStats::default());
    }

    #[test]
    fn an_emptied_store_gives_its_memory_back() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(RecoverySettings {
            max_packets: 10_000,
            max_sessions: 10_000,
            ..settings()
        });
        for i in 0..5_000u64 {
            store.record(t0, i, &mut event(&["x"]), &BroadcastOptions::default());
            store.persist(t0, session(&format!("s{i}"), &[]));
        }
        assert!(store.packets.capacity() >= 5_000 && store.sessions.capacity() >= 5_000);
        assert_eq!(store.purge_expired(at(t0, 121)), None);
        assert!(
            store.packets.capacity() <= 64,
            "{}",
            store.packets.capacity()
        );
        assert!(store.offsets.capacity() <= 64);
        assert!(store.sessions.capacity() <= 64);
        assert!(store.session_order.capacity() <= 64);
    }

    #[test]
    fn restored_and_persisted_again_sessions_do_not_hold_the_timer() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(settings());
        let offset = store
            .record(t0, 1, &mut event(&[]), &BroadcastOptions::default())
            .unwrap();
        store.persist(at(t0, 5), session("gone", &[]));
        store.restore(at(t0, 6), "gone", &offset).unwrap();
        // Only the packet is left: its expiry, then nothing (not the restored session's).
        assert_eq!(store.purge_expired(at(t0, 6)), expiry(t0, 0));
        assert_eq!(store.purge_expired(expiry(t0, 0).unwrap()), None);
        // A session persisted again lives from its last disconnection.
        store.persist(at(t0, 200), session("again", &[]));
        store.persist(at(t0, 230), session("again", &[]));
        assert_eq!(store.purge_expired(at(t0, 230)), expiry(t0, 230));
        assert_eq!(
            store.purge_expired(expiry(t0, 200).unwrap()),
            expiry(t0, 230)
        );
        assert_eq!(store.len(), (1, 0));
        assert_eq!(store.purge_expired(expiry(t0, 230).unwrap()), None);
        assert!(store.is_empty());
    }

    #[test]
    fn a_duration_past_the_clock_never_expires_and_never_overflows() {
        let t0 = Instant::now();
        let mut store = SessionStore::new(RecoverySettings {
            max_disconnection_duration: Duration::MAX,
            ..settings()
        });
        store.record(t0, 1, &mut event(&[]), &BroadcastOptions::default());
        store.persist(t0, session("p", &[]));
        assert_eq!(store.purge_expired(at(t0, 1_000_000)), None);
        assert_eq!(store.len(), (1, 1));
    }

    #[test]
    fn offsets_are_yeast_like_and_unique() {
        let mut gen = OffsetGen::default();
        let a = gen.next(1_796_053_336_073);
        let b = gen.next(1_796_053_336_073);
        let c = gen.next(1_796_053_336_074);
        assert_eq!(a.len(), 7);
        assert_eq!(b, format!("{a}.0"));
        assert_ne!(a, c);
    }
}
