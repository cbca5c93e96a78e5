//! `socketio-adapter-memory`: the in-process Socket.IO adapter (Node's in-memory `Adapter`).
//!
//! Two layers:
//! - [`RoomsIndex`]: rooms -> sockets and sockets -> rooms, broadcast target resolution (rooms,
//!   except rooms, except sockets) and room events (create, delete, join, leave) as Node's
//!   in-memory adapter emits them. Sans-IO and generic over the socket id type.
//! - [`MemoryAdapter`]: the [`Adapter`](socketio_adapter::Adapter) of one server, the
//!   `socketio` server's default: the index behind one `RwLock` per namespace (read-locked on
//!   the emit path, never held while calling the server), delivering through the server's
//!   [`LocalNamespace`](socketio_adapter::LocalNamespace). Cluster adapters wrap it for their
//!   local part.
//!
//! ```
//! use socketio_adapter_memory::{RoomEvent, RoomsIndex};
//!
//! let mut index: RoomsIndex<u32> = RoomsIndex::default();
//! let mut events = Vec::new();
//! index.add_all(1, ["1", "chat"], &mut events);
//! index.add_all(2, ["2", "chat"], &mut events);
//! assert!(events.contains(&RoomEvent::Create("chat".into())));
//!
//! let mut targets = Vec::new();
//! index.resolve(&["chat"], &[], &[2], |sid| targets.push(sid));
//! assert_eq!(targets, vec![1]);
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

use std::collections::{HashMap, HashSet};
use std::hash::Hash;
use std::sync::Arc;

mod adapter;
mod recovery;

pub use adapter::MemoryAdapter;
pub use recovery::SessionStore;

pub use socketio_adapter::{Room, RoomEvent};

/// Rooms -> sockets and sockets -> rooms.
#[derive(Clone, Debug)]
pub struct RoomsIndex<S> {
    rooms: HashMap<Room, HashSet<S>>,
    sids: HashMap<S, HashSet<Room>>,
}

impl<S> Default for RoomsIndex<S> {
    fn default() -> Self {
        RoomsIndex {
            rooms: HashMap::new(),
            sids: HashMap::new(),
        }
    }
}

impl<S: Copy + Eq + Hash> RoomsIndex<S> {
    /// Adds `sid` to every room (creating rooms as needed); events are appended to `events`.
    pub fn add_all<R: AsRef<str>>(
        &mut self,
        sid: S,
        rooms: impl IntoIterator<Item = R>,
        events: &mut Vec<RoomEvent<S>>,
    ) {
        for room in rooms {
            let room = room.as_ref();
            let key: Room = match self.rooms.get_key_value(room) {
                Some((k, _)) => k.clone(),
                None => {
                    let k: Room = Arc::from(room);
                    events.push(RoomEvent::Create(k.clone()));
                    self.rooms.insert(k.clone(), HashSet::new());
                    k
                }
            };
            let joined = self.sids.entry(sid).or_default().insert(key.clone());
            if let Some(members) = self.rooms.get_mut(&key) {
                members.insert(sid);
            }
            if joined {
                events.push(RoomEvent::Join(key, sid));
            }
        }
    }

    /// Removes `sid` from `room`. The socket stays indexed (and reached by broadcasts to
    /// every socket) even with no room left, as in Node; only [`RoomsIndex::del_all`] forgets it.
    pub fn del(&mut self, sid: S, room: &str, events: &mut Vec<RoomEvent<S>>) {
        if let Some(rooms) = self.sids.get_mut(&sid) {
            rooms.remove(room);
        }
        self.remove_member(room, sid, events);
    }

    /// Removes `sid` from every room.
    pub fn del_all(&mut self, sid: S, events: &mut Vec<RoomEvent<S>>) {
        let Some(rooms) = self.sids.remove(&sid) else {
            return;
        };
        for room in rooms {
            self.remove_member(&room, sid, events);
        }
    }

    fn remove_member(&mut self, room: &str, sid: S, events: &mut Vec<RoomEvent<S>>) {
        let Some((key, members)) = self.rooms.get_key_value(room) else {
            return;
        };
        let key = key.clone();
        let was_member = members.contains(&sid);
        if let Some(members) = self.rooms.get_mut(room) {
            members.remove(&sid);
            if was_member {
                events.push(RoomEvent::Leave(key.clone(), sid));
            }
            if members.is_empty() {
                self.rooms.remove(room);
                events.push(RoomEvent::Delete(key));
            }
        }
    }

    /// The rooms of a socket.
    pub fn socket_rooms(&self, sid: &S) -> impl Iterator<Item = &Room> {
        self.sids.get(sid).into_iter().flatten()
    }

    /// The members of a room.
    pub fn room_members(&self, room: &str) -> impl Iterator<Item = &S> {
        self.rooms.get(room).into_iter().flatten()
    }

    /// Whether a room exists (has members).
    pub fn has_room(&self, room: &str) -> bool {
        self.rooms.contains_key(room)
    }

    /// Number of rooms.
    pub fn room_count(&self) -> usize {
        self.rooms.len()
    }

    /// Every room.
    pub fn rooms(&self) -> impl Iterator<Item = &Room> {
        self.rooms.keys()
    }

    /// Whether a socket is indexed (it joined, and has not left every room with `del_all`).
    pub fn has_socket(&self, sid: &S) -> bool {
        self.sids.contains_key(sid)
    }

    /// Calls `f` once for every socket targeted by a broadcast: members of any of `rooms`
    /// (every indexed socket when `rooms` is empty), minus members of any `except_rooms`, minus
    /// `except_sids`. A socket in several target rooms is visited once.
    pub fn resolve<R: AsRef<str>>(
        &self,
        rooms: &[R],
        except_rooms: &[R],
        except_sids: &[S],
        mut f: impl FnMut(S),
    ) {
        let excluded = |sid: &S| {
            except_sids.contains(sid)
                || except_rooms
                    .iter()
                    .any(|r| self.rooms.get(r.as_ref()).is_some_and(|m| m.contains(sid)))
        };
        match rooms {
            [] => {
                for sid in self.sids.keys() {
                    if !excluded(sid) {
                        f(*sid);
                    }
                }
            }
            [room] => {
                for sid in self.room_members(room.as_ref()) {
                    if !excluded(sid) {
                        f(*sid);
                    }
                }
            }
            _ => {
                let mut seen = HashSet::new();
                for room in rooms {
                    for sid in self.room_members(room.as_ref()) {
                        if seen.insert(*sid) && !excluded(sid) {
                            f(*sid);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn targets(
        index: &RoomsIndex<u32>,
        rooms: &[&str],
        except: &[&str],
        except_sids: &[u32],
    ) -> Vec<u32> {
        let mut out = Vec::new();
        index.resolve(rooms, except, except_sids, |s| out.push(s));
        out.sort_unstable();
        out
    }

    #[test]
    fn join_leave_and_events() {
        let mut index = RoomsIndex::default();
        let mut ev = Vec::new();
        index.add_all(1u32, ["a", "b"], &mut ev);
        assert_eq!(
            ev,
            vec![
                RoomEvent::Create("a".into()),
                RoomEvent::Join("a".into(), 1),
                RoomEvent::Create("b".into()),
                RoomEvent::Join("b".into(), 1)
            ]
        );
        ev.clear();
        index.add_all(1, ["a"], &mut ev);
        assert!(ev.is_empty(), "joining twice is silent");
        index.del(1, "a", &mut ev);
        assert_eq!(
            ev,
            vec![
                RoomEvent::Leave("a".into(), 1),
                RoomEvent::Delete("a".into())
            ]
        );
        ev.clear();
        index.del(1, "nope", &mut ev);
        assert!(ev.is_empty());
        index.del(1, "b", &mut ev);
        ev.clear();
        let mut all = Vec::new();
        index.resolve::<&str>(&[], &[], &[], |s| all.push(s));
        assert_eq!(
            all,
            vec![1],
            "a socket with no room left still gets broadcasts to all"
        );
        index.add_all(1, ["b"], &mut ev);
        ev.clear();
        index.del_all(1, &mut ev);
        assert_eq!(
            ev,
            vec![
                RoomEvent::Leave("b".into(), 1),
                RoomEvent::Delete("b".into())
            ]
        );
        assert_eq!(index.room_count(), 0);
        assert_eq!(index.socket_rooms(&1).count(), 0);
    }

    #[test]
    fn resolution_rules() {
        let mut index = RoomsIndex::default();
        let mut ev = Vec::new();
        index.add_all(1u32, ["1", "x", "y"], &mut ev);
        index.add_all(2, ["2", "x"], &mut ev);
        index.add_all(3, ["3", "y", "z"], &mut ev);
        assert_eq!(targets(&index, &[], &[], &[]), vec![1, 2, 3]);
        assert_eq!(targets(&index, &["x"], &[], &[]), vec![1, 2]);
        assert_eq!(
            targets(&index, &["x", "y"], &[], &[]),
            vec![1, 2, 3],
            "no duplicates"
        );
        assert_eq!(targets(&index, &[], &["z"], &[]), vec![1, 2]);
        assert_eq!(targets(&index, &["x"], &[], &[1]), vec![2]);
        assert_eq!(targets(&index, &["x", "y"], &["z"], &[2]), vec![1]);
        assert_eq!(targets(&index, &["missing"], &[], &[]), Vec::<u32>::new());
    }

    proptest! {
        #[test]
        fn both_directions_stay_consistent(ops in proptest::collection::vec((0u32..6, 0usize..4, any::<bool>()), 0..60)) {
            let names = ["a", "b", "c", "d"];
            let mut index = RoomsIndex::default();
            let mut ev = Vec::new();
            for (sid, room, join) in ops {
                if join { index.add_all(sid, [names[room]], &mut ev) } else { index.del(sid, names[room], &mut ev) }
            }
            for (room, members) in &index.rooms {
                prop_assert!(!members.is_empty());
                for sid in members {
                    prop_assert!(index.sids.get(sid).is_some_and(|r| r.contains(room)));
                }
            }
            for (sid, rooms) in &index.sids {
                for room in rooms {
                    prop_assert!(index.rooms.get(room).is_some_and(|m| m.contains(sid)));
                }
            }
        }
    }
}
