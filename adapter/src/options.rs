//! Who a broadcast or a sockets operation targets: [`BroadcastOptions`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A room name. Every socket is also in the room named by its id.
pub type Room = Arc<str>;

/// A change in a rooms index, as Node's adapter emits `create-room`, `delete-room`,
/// `join-room` and `leave-room`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoomEvent<S> {
    /// A room got its first member.
    Create(Room),
    /// A room lost its last member.
    Delete(Room),
    /// A socket joined a room.
    Join(Room, S),
    /// A socket left a room.
    Leave(Room, S),
}

/// The flags of a broadcast (Node's `BroadcastFlags`), serialized with only the flags that are
/// set, as Node's adapters write them (`{}`, `{"volatile":true}`, `{"timeout":1500}`, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastFlags {
    /// Dropped for connections that cannot take the packet now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volatile: Option<bool>,
    /// Whether to compress the packet (`compress(false)` turns it off).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compress: Option<bool>,
    /// This server only: nothing is published to the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub local: Option<bool>,
    /// The ack timeout of a broadcast with acks, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
}

impl BroadcastFlags {
    /// Whether `volatile` is set.
    pub fn is_volatile(&self) -> bool {
        self.volatile == Some(true)
    }

    /// Whether `local` is set.
    pub fn is_local(&self) -> bool {
        self.local == Some(true)
    }

    /// Whether compression is allowed (the default).
    pub fn compress(&self) -> bool {
        self.compress != Some(false)
    }
}

/// The targets of a broadcast: the members of `rooms` (every socket of the namespace when
/// empty), minus the members of `except`. `socket.broadcast` is `except: [own id]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BroadcastOptions {
    /// Rooms to reach; every socket when empty. A socket in several is reached once.
    #[serde(default)]
    pub rooms: Vec<Room>,
    /// Rooms whose members are skipped.
    #[serde(default)]
    pub except: Vec<Room>,
    /// The flags.
    #[serde(default)]
    pub flags: BroadcastFlags,
}

impl BroadcastOptions {
    /// Adds rooms to reach (no duplicates).
    pub fn to<R: AsRef<str>>(mut self, rooms: impl IntoIterator<Item = R>) -> Self {
        push_unique(&mut self.rooms, rooms);
        self
    }

    /// Adds rooms to skip (no duplicates).
    pub fn except<R: AsRef<str>>(mut self, rooms: impl IntoIterator<Item = R>) -> Self {
        push_unique(&mut self.except, rooms);
        self
    }

    /// Sets the flags.
    pub fn flags(mut self, flags: BroadcastFlags) -> Self {
        self.flags = flags;
        self
    }

    /// The exactly-one room of this broadcast, if it targets exactly one (the Redis adapters
    /// publish those on the room's own channel).
    pub fn single_room(&self) -> Option<&str> {
        match self.rooms.as_slice() {
            [room] => Some(room),
            _ => None,
        }
    }
}

fn push_unique<R: AsRef<str>>(list: &mut Vec<Room>, rooms: impl IntoIterator<Item = R>) {
    for room in rooms {
        let room = room.as_ref();
        if !list.iter().any(|r| &**r == room) {
            list.push(Room::from(room));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_json_shape() {
        let opts = BroadcastOptions::default();
        assert_eq!(
            serde_json::to_string(&opts).unwrap(),
            r#"{"rooms":[],"except":[],"flags":{}}"#
        );
        let opts = BroadcastOptions::default()
            .to(["a", "b", "a"])
            .flags(BroadcastFlags {
                timeout: Some(1500),
                ..Default::default()
            });
        assert_eq!(
            serde_json::to_string(&opts).unwrap(),
            r#"{"rooms":["a","b"],"except":[],"flags":{"timeout":1500}}"#
        );
        // Node's requests may omit flags (classic adapter requests) or carry unknown ones.
        let parsed: BroadcastOptions = serde_json::from_str(
            r#"{"rooms":["r"],"except":[],"flags":{"binary":true,"local":true}}"#,
        )
        .unwrap();
        assert_eq!(parsed.single_room(), Some("r"));
        assert!(parsed.flags.is_local());
        let parsed: BroadcastOptions =
            serde_json::from_str(r#"{"rooms":[],"except":["x"]}"#).unwrap();
        assert_eq!(parsed.flags, BroadcastFlags::default());
        assert!(parsed.flags.compress());
    }
}
