//! The seam between the cluster state machine and a wire format: channels, encoding and
//! decoding ([`Wire`]), and the pieces both Node formats share.

use bytes::Bytes;
use socketio_adapter::{
    AdapterError, BroadcastOptions, Packet, PacketType, Room, SocketInfo, Value,
};
use socketio_codec::{msgpack, to_value, Map};

use crate::connection::{Publish, Subscriptions};
use crate::message::{Incoming, Request, RequestKind, Response};

/// A wire format: how one namespace's messages map to Redis channels and bytes.
pub(crate) trait Wire: Send + Sync + 'static {
    /// A fresh server uid for one namespace adapter.
    fn new_uid(&self) -> String;
    /// A fresh request id.
    fn new_request_id(&self) -> String;
    /// What the adapter of `nsp` subscribes to.
    fn subscriptions(&self, nsp: &str, uid: &str) -> Subscriptions;
    /// The channel prefixes whose messages go to the adapter of `nsp`.
    fn routes(&self, nsp: &str, uid: &str) -> Vec<String>;
    /// The channel whose subscribers count the servers, and whether it is a shard channel.
    fn server_count_channel(&self, nsp: &str) -> (String, bool);
    /// A request or broadcast to publish.
    fn encode_request(
        &self,
        nsp: &str,
        uid: &str,
        request: &Request,
    ) -> Result<Publish, AdapterError>;
    /// An answer to publish, to the server `to` (its uid, when the request said it).
    fn encode_response(
        &self,
        nsp: &str,
        uid: &str,
        to: Option<&str>,
        response: &Response,
    ) -> Result<Publish, AdapterError>;
    /// The stream whose entries carry this namespace's messages (the streams format only).
    fn stream(&self, _nsp: &str) -> Option<String> {
        None
    }
    /// A message read from the stream (the streams format only).
    fn decode_entry(
        &self,
        _nsp: &str,
        _uid: &str,
        _fields: &[(String, Bytes)],
    ) -> Option<Incoming> {
        None
    }
    /// A received message; `kind_of` tells the type of a pending request by id. `None` for
    /// what is not for this adapter or does not decode (logged by the caller).
    fn decode(
        &self,
        nsp: &str,
        uid: &str,
        channel: &str,
        payload: &[u8],
        kind_of: &dyn Fn(&str) -> Option<RequestKind>,
    ) -> Option<Incoming>;
}

pub(crate) fn encoding(e: impl std::fmt::Display) -> AdapterError {
    AdapterError::Encoding(e.to_string())
}

/// Builds an object from pairs, in order.
pub(crate) fn obj<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// A string field.
pub(crate) fn field_str(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// A list of room names.
pub(crate) fn rooms_value(rooms: &[Room]) -> Value {
    Value::Array(rooms.iter().map(|r| Value::from(&**r)).collect())
}

/// Room names from a string or an array of strings (the emitter wraps a string itself).
pub(crate) fn rooms_of(v: Option<&Value>) -> Vec<Room> {
    match v {
        Some(Value::String(s)) => vec![Room::from(s.as_str())],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|r| match r {
                Value::String(s) => Some(Room::from(s.as_str())),
                Value::Number(n) => Some(Room::from(n.to_string())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Broadcast options in Node's shape: `{rooms, except, flags}`, or `{rooms, except}` for the
/// classic adapter's requests.
pub(crate) fn opts_value(opts: &BroadcastOptions, with_flags: bool) -> Value {
    let mut map = Map::new();
    map.insert("rooms".into(), rooms_value(&opts.rooms));
    map.insert("except".into(), rooms_value(&opts.except));
    if with_flags {
        map.insert(
            "flags".into(),
            to_value(&opts.flags).unwrap_or_else(|_| Value::Object(Map::new())),
        );
    }
    Value::Object(map)
}

/// Broadcast options from any of Node's shapes (key order, missing flags, unknown flags).
pub(crate) fn opts_of(v: Option<&Value>) -> BroadcastOptions {
    let Some(v) = v else {
        return BroadcastOptions::default();
    };
    BroadcastOptions {
        rooms: rooms_of(v.get("rooms")),
        except: rooms_of(v.get("except")),
        flags: v
            .get("flags")
            .cloned()
            .and_then(|f| socketio_codec::from_value(f).ok())
            .unwrap_or_default(),
    }
}

/// The packet object of a broadcast: `{type, data, nsp}` (classic) or `{type, data}`
/// (cluster), with binary inline.
pub(crate) fn packet_value(packet: &Packet, with_nsp: bool) -> Value {
    let kind = match packet.kind {
        PacketType::Ack | PacketType::BinaryAck => 3,
        _ => 2,
    };
    let mut map = Map::new();
    map.insert("type".into(), Value::from(kind));
    map.insert(
        "data".into(),
        packet.data.clone().unwrap_or(Value::Array(Vec::new())),
    );
    if let Some(id) = packet.id {
        map.insert("id".into(), Value::from(id));
    }
    if with_nsp {
        map.insert("nsp".into(), Value::from(packet.nsp.as_str()));
    }
    Value::Object(map)
}

/// A packet object received from another server (EVENT, or BINARY_EVENT from an old sender).
pub(crate) fn packet_of(v: &Value, nsp: &str) -> Option<Packet> {
    let kind = v.get("type").and_then(Value::as_u64)?;
    if kind != 2 && kind != 5 {
        return None;
    }
    let data = v.get("data")?.clone();
    if !data.is_array() {
        return None;
    }
    let packet_nsp = v.get("nsp").and_then(Value::as_str).unwrap_or(nsp);
    let id = v.get("id").and_then(Value::as_u64);
    Some(Packet::event(packet_nsp, data, id))
}

/// A socket as the adapters describe it to each other.
pub(crate) fn socket_value(info: &SocketInfo) -> Value {
    to_value(info).unwrap_or(Value::Null)
}

/// Sockets from an answer; the ones that do not parse are skipped.
pub(crate) fn sockets_of(v: Option<&Value>) -> Vec<SocketInfo> {
    match v {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|s| socketio_codec::from_value(s.clone()).ok())
            .collect(),
        _ => Vec::new(),
    }
}

/// JSON text as `JSON.stringify` writes it: binary values become Node's
/// `{"type":"Buffer","data":[...]}` objects.
pub(crate) fn to_json(v: &Value) -> Result<Bytes, AdapterError> {
    let text = serde_json::to_vec(&buffers_as_objects(v)).map_err(encoding)?;
    Ok(Bytes::from(text))
}

fn buffers_as_objects(v: &Value) -> Value {
    match v {
        Value::Binary(b) => obj([
            ("type", Value::from("Buffer")),
            (
                "data",
                Value::Array(b.iter().map(|&x| Value::from(x)).collect()),
            ),
        ]),
        Value::Array(items) => Value::Array(items.iter().map(buffers_as_objects).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), buffers_as_objects(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Parses JSON text or msgpack bytes, as Node's adapters tell them apart: JSON when the first
/// byte is `{`.
pub(crate) fn parse(payload: &[u8]) -> Option<Value> {
    if payload.first() == Some(&b'{') {
        serde_json::from_slice::<Value>(payload).ok()
    } else {
        msgpack::decode_value(payload).ok()
    }
}

/// msgpack bytes (notepack.io's encoding).
pub(crate) fn to_msgpack(v: &Value) -> Bytes {
    let mut out = Vec::with_capacity(64);
    msgpack::encode_value(v, &mut out);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_node_json() {
        let v = Value::Array(vec![
            Value::from("sse"),
            Value::from(bytes::Bytes::from_static(&[9, 8])),
        ]);
        assert_eq!(
            &to_json(&v).unwrap()[..],
            br#"["sse",{"type":"Buffer","data":[9,8]}]"#
        );
    }

    #[test]
    fn opts_in_any_key_order() {
        let emitter =
            parse(br#"{"rooms":["r"],"flags":{"volatile":true},"except":["x"]}"#).unwrap();
        let opts = opts_of(Some(&emitter));
        assert_eq!(opts.single_room(), Some("r"));
        assert!(opts.flags.is_volatile());
        assert_eq!(&*opts.except[0], "x");
        let classic = parse(br#"{"rooms":[],"except":[]}"#).unwrap();
        assert_eq!(opts_of(Some(&classic)), BroadcastOptions::default());
    }
}
