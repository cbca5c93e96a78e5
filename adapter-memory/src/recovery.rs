//! [`SessionStore`]: what connection state recovery keeps on one server (Node's
//! `SessionAwareAdapter`): the sessions of disconnected sockets and the packets they may
//! miss. Sans-IO: time is passed in.
//!
//! Bounded: a packet or a session is kept at most `max_disconnection_duration`, and at most
//! `max_packets` packets, `max_bytes` bytes of packet data and `max_sessions` sessions (the
//! oldest go first). Expired entries are removed by every call, oldest first, from queues
//! kept in time order (no sweeper). A client whose offset went, or whose session went, gets
//! a new session: recovery fails cleanly with a [`RecoveryFailure`].

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use socketio_adapter::{
    BroadcastOptions, Packet, RecoveryFailure, RecoverySettings, RestoredSession, Room, Session,
    Value,
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
        let expired = self
            .sessions
            .get(pid)
            .map(|(_, at)| *at + self.settings.max_disconnection_duration < now);
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
        let max = self.settings.max_disconnection_duration;
        while self.packets.front().is_some_and(|p| p.at + max < now) {
            self.drop_oldest_packet();
        }
        while let Some((at, pid)) = self.session_order.front() {
            if *at + max >= now {
                break;
            }
            if self.sessions.get(pid).is_some_and(|(_, t)| t == at) {
                self.sessions.remove(pid);
            }
            self.session_order.pop_front();
        }
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
