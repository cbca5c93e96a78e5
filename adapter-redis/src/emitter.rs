//! [`Emitter`]: reaching the clients of a cluster from a process that runs no Socket.IO
//! server, byte-compatible with npm `@socket.io/redis-emitter` 5.1.

use std::sync::Arc;

use serde::Serialize;
use socketio_adapter::{
    AdapterError, BroadcastFlags, BroadcastOptions, IntoRooms, Packet, Room, Value,
};
use socketio_codec::{to_value, Map, RESERVED_EVENTS};

use crate::classic::Classic;
use crate::connection::{Publish, RedisConnection};
use crate::wire::{encoding, obj, packet_value, rooms_value, to_json, to_msgpack};

/// The uid the emitter writes in its messages (as Node's).
const EMITTER_UID: &str = "emitter";

/// Publishes to a cluster of servers that use the classic Redis adapter (Node's `Emitter`).
///
/// ```no_run
/// use socketio_adapter_redis::{Emitter, RedisConnection};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let redis = RedisConnection::connect("redis://127.0.0.1:6379").await?;
/// let emitter = Emitter::new(redis);
/// emitter.emit("time", &"12:00").await?;                       // io.emit
/// emitter.to("room1").except("room2").emit("hi", &1).await?;   // io.to(..).except(..).emit
/// emitter.of("/admin").in_rooms("ops").sockets_join("alerts").await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Emitter {
    conn: Arc<RedisConnection>,
    classic: Classic,
    nsp: String,
}

impl Emitter {
    /// An emitter on the main namespace with the default key `socket.io`.
    pub fn new(conn: Arc<RedisConnection>) -> Self {
        Self::with_key(conn, "socket.io")
    }

    /// An emitter with another key (Node's `opts.key`).
    pub fn with_key(conn: Arc<RedisConnection>, key: &str) -> Self {
        Emitter {
            conn,
            classic: Classic {
                key: key.to_owned(),
                specific_response_channel: false,
            },
            nsp: "/".into(),
        }
    }

    /// The emitter of another namespace (`/` is added in front when missing, as Node does).
    pub fn of(&self, nsp: &str) -> Emitter {
        let nsp = if nsp.starts_with('/') {
            nsp.to_owned()
        } else {
            format!("/{nsp}")
        };
        Emitter {
            nsp,
            ..self.clone()
        }
    }

    fn operators(&self) -> EmitterOperators {
        EmitterOperators {
            emitter: self.clone(),
            opts: BroadcastOptions::default(),
        }
    }

    /// Targets rooms.
    pub fn to(&self, rooms: impl IntoRooms) -> EmitterOperators {
        self.operators().to(rooms)
    }

    /// Same as [`Emitter::to`] (Node's `in`).
    pub fn in_rooms(&self, rooms: impl IntoRooms) -> EmitterOperators {
        self.operators().to(rooms)
    }

    /// Everyone but the members of rooms.
    pub fn except(&self, rooms: impl IntoRooms) -> EmitterOperators {
        self.operators().except(rooms)
    }

    /// Dropped for clients that cannot take it now.
    pub fn volatile(&self) -> EmitterOperators {
        self.operators().volatile()
    }

    /// Sets the compress flag.
    pub fn compress(&self, compress: bool) -> EmitterOperators {
        self.operators().compress(compress)
    }

    /// Emits to every socket of the namespace.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), AdapterError> {
        self.operators().emit(event, data).await
    }

    /// Emits the items of `data` as arguments.
    pub async fn emit_many<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), AdapterError> {
        self.operators().emit_many(event, data).await
    }

    /// Makes every socket join rooms.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.operators().sockets_join(rooms).await
    }

    /// Makes every socket leave rooms.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.operators().sockets_leave(rooms).await
    }

    /// Disconnects every socket.
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.operators().disconnect_sockets(close).await
    }

    /// Emits to the servers' server-side listeners (no ack: Node's emitter has none).
    pub async fn server_side_emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), AdapterError> {
        check_event(event)?;
        let mut args = vec![Value::from(event)];
        args.push(to_value(data).map_err(encoding)?);
        let message = obj([
            ("uid", Value::from(EMITTER_UID)),
            ("type", Value::from(6u64)),
            ("data", Value::Array(args)),
        ]);
        self.publish(self.classic.request_channel(&self.nsp), to_json(&message)?)
            .await
    }

    async fn publish(&self, channel: String, payload: bytes::Bytes) -> Result<(), AdapterError> {
        self.conn
            .publish(&[Publish::Channel {
                channel,
                payload,
                sharded: false,
            }])
            .await
            .map(drop)
    }
}

/// A broadcast of the emitter being built.
#[derive(Clone, Debug)]
pub struct EmitterOperators {
    emitter: Emitter,
    opts: BroadcastOptions,
}

impl EmitterOperators {
    /// Targets these rooms too.
    pub fn to(mut self, rooms: impl IntoRooms) -> Self {
        self.opts = self.opts.to(rooms.into_rooms());
        self
    }

    /// Same as [`EmitterOperators::to`].
    pub fn in_rooms(self, rooms: impl IntoRooms) -> Self {
        self.to(rooms)
    }

    /// Skips the members of rooms.
    pub fn except(mut self, rooms: impl IntoRooms) -> Self {
        self.opts = self.opts.except(rooms.into_rooms());
        self
    }

    /// Volatile.
    pub fn volatile(mut self) -> Self {
        self.opts.flags.volatile = Some(true);
        self
    }

    /// Sets the compress flag.
    pub fn compress(mut self, compress: bool) -> Self {
        self.opts.flags.compress = Some(compress);
        self
    }

    /// Emits an event with one argument to the targets.
    pub async fn emit<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), AdapterError> {
        let arg = to_value(data).map_err(encoding)?;
        self.emit_args(event, vec![arg]).await
    }

    /// Emits the items of a tuple, `Vec` or array as arguments.
    pub async fn emit_many<T: Serialize + ?Sized>(
        &self,
        event: &str,
        data: &T,
    ) -> Result<(), AdapterError> {
        let args = match to_value(data).map_err(encoding)? {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            other => vec![other],
        };
        self.emit_args(event, args).await
    }

    /// Emits raw arguments (binary inline).
    pub async fn emit_args(&self, event: &str, args: Vec<Value>) -> Result<(), AdapterError> {
        check_event(event)?;
        let mut data = vec![Value::from(event)];
        data.extend(args);
        let packet = Packet::event(&self.emitter.nsp, Value::Array(data), None);
        let message = Value::Array(vec![
            Value::from(EMITTER_UID),
            packet_value(&packet, true),
            emitter_opts(&self.opts.rooms, &self.opts.flags, &self.opts.except),
        ]);
        let channel = self
            .emitter
            .classic
            .broadcast_channel(&self.emitter.nsp, self.opts.single_room());
        self.emitter.publish(channel, to_msgpack(&message)).await
    }

    /// Makes the targets join rooms.
    pub async fn sockets_join(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.request(2, Some(rooms.into_rooms()), None).await
    }

    /// Makes the targets leave rooms.
    pub async fn sockets_leave(&self, rooms: impl IntoRooms) -> Result<(), AdapterError> {
        self.request(3, Some(rooms.into_rooms()), None).await
    }

    /// Disconnects the targets (and their connections when `close`).
    pub async fn disconnect_sockets(&self, close: bool) -> Result<(), AdapterError> {
        self.request(4, None, Some(close)).await
    }

    /// `{"type":N,"opts":{"rooms":[..],"except":[..]},"rooms"|"close":..}` without uid, as
    /// Node's emitter writes it.
    async fn request(
        &self,
        t: u64,
        rooms: Option<Vec<Room>>,
        close: Option<bool>,
    ) -> Result<(), AdapterError> {
        let mut map = Map::new();
        map.insert("type".into(), Value::from(t));
        map.insert(
            "opts".into(),
            obj([
                ("rooms", rooms_value(&self.opts.rooms)),
                ("except", rooms_value(&self.opts.except)),
            ]),
        );
        if let Some(rooms) = rooms {
            map.insert("rooms".into(), rooms_value(&rooms));
        }
        if let Some(close) = close {
            map.insert("close".into(), Value::from(close));
        }
        let payload = to_json(&Value::Object(map))?;
        let channel = self.emitter.classic.request_channel(&self.emitter.nsp);
        self.emitter.publish(channel, payload).await
    }
}

/// The emitter's broadcast options: `{rooms, flags, except}` (its own key order).
fn emitter_opts(rooms: &[Room], flags: &BroadcastFlags, except: &[Room]) -> Value {
    obj([
        ("rooms", rooms_value(rooms)),
        (
            "flags",
            to_value(flags).unwrap_or_else(|_| Value::Object(Map::new())),
        ),
        ("except", rooms_value(except)),
    ])
}

fn check_event(event: &str) -> Result<(), AdapterError> {
    if RESERVED_EVENTS.contains(&event) {
        return Err(AdapterError::Encoding(format!(
            "\"{event}\" is a reserved event name"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn broadcast_bytes_match_node_emitter() {
        // `emitter.emit("hello", 1, "two", {three: 3})`, 70 bytes from @socket.io/redis-emitter 5.1.
        let data: Value = serde_json::from_str(r#"["hello",1,"two",{"three":3}]"#).unwrap();
        let packet = Packet::event("/", data, None);
        let message = Value::Array(vec![
            Value::from(EMITTER_UID),
            packet_value(&packet, true),
            emitter_opts(&[], &BroadcastFlags::default(), &[]),
        ]);
        assert_eq!(
            hex(&to_msgpack(&message)),
            "93 a7 65 6d 69 74 74 65 72 83 a4 74 79 70 65 02 a4 64 61 74 61 94 a5 68 65 6c 6c 6f 01 a3 74 77 6f 81 a5 74 68 72 65 65 03 a3 6e 73 70 a1 2f 83 a5 72 6f 6f 6d 73 90 a5 66 6c 61 67 73 80 a6 65 78 63 65 70 74 90"
        );
        let volatile = BroadcastFlags {
            volatile: Some(true),
            ..Default::default()
        };
        let packet = Packet::event(
            "/",
            serde_json::from_str(r#"["hello-volatile"]"#).unwrap(),
            None,
        );
        let message = Value::Array(vec![
            Value::from(EMITTER_UID),
            packet_value(&packet, true),
            emitter_opts(&[], &volatile, &[]),
        ]);
        assert_eq!(
            hex(&to_msgpack(&message)),
            "93 a7 65 6d 69 74 74 65 72 83 a4 74 79 70 65 02 a4 64 61 74 61 91 ae 68 65 6c 6c 6f 2d 76 6f 6c 61 74 69 6c 65 a3 6e 73 70 a1 2f 83 a5 72 6f 6f 6d 73 90 a5 66 6c 61 67 73 81 a8 76 6f 6c 61 74 69 6c 65 c3 a6 65 78 63 65 70 74 90"
        );
    }
}
