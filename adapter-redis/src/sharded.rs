//! The sharded wire format of `@socket.io/redis-adapter` 8.3 (`createShardedAdapter`): Node's
//! ClusterAdapter messages (types 1–13) over Redis 7 sharded pub/sub (`SPUBLISH` /
//! `SSUBSCRIBE`), JSON unless the data holds binary (then notepack msgpack).

use socketio_adapter::{AdapterError, Room, Sid, Value};
use socketio_codec::Map;

use crate::connection::{Publish, Subscriptions};
use crate::message::{hex16, Incoming, Request, RequestKind, Response};
use crate::wire::{
    field_str, obj, opts_of, opts_value, packet_of, packet_value, parse, rooms_of, rooms_value,
    socket_value, sockets_of, to_json, to_msgpack, Wire,
};

/// ClusterAdapter message types.
pub(crate) mod kind {
    pub(crate) const INITIAL_HEARTBEAT: u64 = 1;
    pub(crate) const HEARTBEAT: u64 = 2;
    pub(crate) const BROADCAST: u64 = 3;
    pub(crate) const SOCKETS_JOIN: u64 = 4;
    pub(crate) const SOCKETS_LEAVE: u64 = 5;
    pub(crate) const DISCONNECT_SOCKETS: u64 = 6;
    pub(crate) const FETCH_SOCKETS: u64 = 7;
    pub(crate) const FETCH_SOCKETS_RESPONSE: u64 = 8;
    pub(crate) const SERVER_SIDE_EMIT: u64 = 9;
    pub(crate) const SERVER_SIDE_EMIT_RESPONSE: u64 = 10;
    pub(crate) const BROADCAST_CLIENT_COUNT: u64 = 11;
    pub(crate) const BROADCAST_ACK: u64 = 12;
    pub(crate) const ADAPTER_CLOSE: u64 = 13;
}

/// Which rooms get a channel of their own (Node's `subscriptionMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SubscriptionMode {
    /// One channel per namespace: every server gets every broadcast.
    Static,
    /// Public rooms (not socket ids) get their own channel, subscribed while they have local
    /// members: a server gets only the room broadcasts it needs. Node's default.
    #[default]
    Dynamic,
    /// The same for every room, socket-id rooms included.
    DynamicPrivate,
}

/// Whether a room looks like a socket id (Node's rule: a string of 20 characters).
pub(crate) fn is_private(room: &str) -> bool {
    room.len() == 20 && Sid::parse(room).is_some()
}

/// The sharded format.
#[derive(Clone, Debug)]
pub(crate) struct Sharded {
    /// `channelPrefix`, default `socket.io`.
    pub(crate) prefix: String,
    pub(crate) mode: SubscriptionMode,
}

impl Sharded {
    fn main_channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.prefix)
    }

    fn own_channel(&self, nsp: &str, uid: &str) -> String {
        format!("{}#{nsp}#{uid}#", self.prefix)
    }

    /// The channel of a room in the dynamic modes, when it has one.
    pub(crate) fn room_channel(&self, nsp: &str, room: &str) -> Option<String> {
        let own_channel = match self.mode {
            SubscriptionMode::Static => false,
            SubscriptionMode::Dynamic => !is_private(room),
            SubscriptionMode::DynamicPrivate => true,
        };
        own_channel.then(|| format!("{}#{nsp}#{room}#", self.prefix))
    }

    /// `{type, data, uid, nsp}`: JSON, or msgpack when `data` holds binary (types 3, 8, 9,
    /// 10, 12, as Node).
    fn message(
        &self,
        t: u64,
        data: Option<Value>,
        uid: &str,
        nsp: &str,
    ) -> Result<bytes::Bytes, AdapterError> {
        let binary = data.as_ref().is_some_and(Value::has_binary);
        let mut map = Map::new();
        map.insert("type".into(), Value::from(t));
        if let Some(data) = data {
            map.insert("data".into(), data);
        }
        map.insert("uid".into(), Value::from(uid));
        map.insert("nsp".into(), Value::from(nsp));
        let message = Value::Object(map);
        let msgpack_types = [
            kind::BROADCAST,
            kind::FETCH_SOCKETS_RESPONSE,
            kind::SERVER_SIDE_EMIT,
            kind::SERVER_SIDE_EMIT_RESPONSE,
            kind::BROADCAST_ACK,
        ];
        if binary && msgpack_types.contains(&t) {
            Ok(to_msgpack(&message))
        } else {
            to_json(&message)
        }
    }
}

/// A cluster message (types 1–9) from its type and data.
pub(crate) fn cluster_request(t: u64, data: Option<&Value>) -> Option<Request> {
    {
        Some(match t {
            kind::INITIAL_HEARTBEAT => Request::InitialHeartbeat,
            kind::HEARTBEAT => Request::Heartbeat,
            kind::ADAPTER_CLOSE => Request::AdapterClose,
            kind::BROADCAST => {
                let data = data?;
                let packet = packet_of(data.get("packet")?, "/")?;
                let opts = opts_of(data.get("opts"));
                match field_str(data, "requestId") {
                    Some(request_id) => Request::BroadcastWithAck {
                        request_id,
                        packet,
                        opts,
                    },
                    None => Request::Broadcast { packet, opts },
                }
            }
            kind::SOCKETS_JOIN => Request::SocketsJoin {
                opts: opts_of(data?.get("opts")),
                rooms: rooms_of(data?.get("rooms")),
            },
            kind::SOCKETS_LEAVE => Request::SocketsLeave {
                opts: opts_of(data?.get("opts")),
                rooms: rooms_of(data?.get("rooms")),
            },
            kind::DISCONNECT_SOCKETS => Request::DisconnectSockets {
                opts: opts_of(data?.get("opts")),
                close: data?.get("close").and_then(Value::as_bool).unwrap_or(false),
            },
            kind::FETCH_SOCKETS => Request::FetchSockets {
                request_id: field_str(data?, "requestId")?,
                opts: opts_of(data?.get("opts")),
            },
            kind::SERVER_SIDE_EMIT => Request::ServerSideEmit {
                request_id: field_str(data?, "requestId"),
                args: data?.get("packet")?.as_array()?.clone(),
            },
            _ => return None,
        })
    }
}

/// A cluster answer (types 8, 10, 11, 12) from its type and data.
pub(crate) fn cluster_response(t: u64, data: &Value) -> Option<Response> {
    {
        let request_id = field_str(data, "requestId")?;
        Some(match t {
            kind::FETCH_SOCKETS_RESPONSE => Response::FetchSockets {
                sockets: sockets_of(data.get("sockets")),
                request_id,
            },
            kind::SERVER_SIDE_EMIT_RESPONSE => Response::ServerSideEmit {
                value: data.get("packet").cloned().unwrap_or_default(),
                request_id,
            },
            kind::BROADCAST_CLIENT_COUNT => Response::ClientCount {
                count: usize::try_from(data.get("clientCount").and_then(Value::as_u64)?)
                    .unwrap_or(0),
                request_id,
            },
            kind::BROADCAST_ACK => Response::BroadcastAck {
                value: data.get("packet").cloned().unwrap_or_default(),
                request_id,
            },
            _ => return None,
        })
    }
}

impl Wire for Sharded {
    fn new_uid(&self) -> String {
        hex16()
    }

    fn new_request_id(&self) -> String {
        hex16()
    }

    fn subscriptions(&self, nsp: &str, uid: &str) -> Subscriptions {
        Subscriptions {
            shard_channels: vec![self.main_channel(nsp), self.own_channel(nsp, uid)],
            ..Subscriptions::default()
        }
    }

    fn routes(&self, nsp: &str, _uid: &str) -> Vec<String> {
        vec![self.main_channel(nsp)]
    }

    fn server_count_channel(&self, nsp: &str) -> (String, bool) {
        (self.main_channel(nsp), true)
    }

    fn encode_request(
        &self,
        nsp: &str,
        uid: &str,
        request: &Request,
    ) -> Result<Publish, AdapterError> {
        let (t, data) = request_parts(request)?;
        let channel = match request {
            Request::Broadcast { opts, .. } => opts
                .single_room()
                .and_then(|room| self.room_channel(nsp, room))
                .unwrap_or_else(|| self.main_channel(nsp)),
            _ => self.main_channel(nsp),
        };
        Ok(Publish::Channel {
            channel,
            payload: self.message(t, data, uid, nsp)?,
            sharded: true,
        })
    }

    fn encode_response(
        &self,
        nsp: &str,
        uid: &str,
        to: Option<&str>,
        response: &Response,
    ) -> Result<Publish, AdapterError> {
        let (t, data) = response_parts(response)?;
        let channel = match to {
            Some(to) => self.own_channel(nsp, to),
            None => self.main_channel(nsp),
        };
        Ok(Publish::Channel {
            channel,
            payload: self.message(t, Some(data), uid, nsp)?,
            sharded: true,
        })
    }

    fn decode(
        &self,
        nsp: &str,
        uid: &str,
        _channel: &str,
        payload: &[u8],
        _kind_of: &dyn Fn(&str) -> Option<RequestKind>,
    ) -> Option<Incoming> {
        decode_cluster_message(nsp, uid, payload)
    }
}

/// A cluster message of the pub/sub channels (msgpack `{uid, nsp, type, data}`, as Node's
/// `ClusterAdapter`): an answer to one of our requests, or another server's request (ours,
/// echoed back by Redis, and other namespaces' are dropped).
pub(crate) fn decode_cluster_message(nsp: &str, uid: &str, payload: &[u8]) -> Option<Incoming> {
    let v = parse(payload)?;
    if v.get("nsp").and_then(Value::as_str) != Some(nsp) {
        return None;
    }
    let t = v.get("type").and_then(Value::as_u64)?;
    let sender = field_str(&v, "uid");
    let data = v.get("data");
    if let Some(response) = data.and_then(|d| cluster_response(t, d)) {
        return Some(Incoming::Response(response));
    }
    if sender.as_deref() == Some(uid) {
        return None;
    }
    Some(Incoming::Request {
        uid: sender,
        request: cluster_request(t, data)?,
    })
}

/// The type and data of a cluster message.
pub(crate) fn request_parts(request: &Request) -> Result<(u64, Option<Value>), AdapterError> {
    Ok(match request {
        Request::Broadcast { packet, opts } => (
            kind::BROADCAST,
            Some(obj([
                ("packet", packet_value(packet, false)),
                ("opts", opts_value(opts, true)),
            ])),
        ),
        Request::BroadcastWithAck {
            request_id,
            packet,
            opts,
        } => (
            kind::BROADCAST,
            Some(obj([
                ("packet", packet_value(packet, false)),
                ("requestId", Value::from(request_id.as_str())),
                ("opts", opts_value(opts, true)),
            ])),
        ),
        Request::SocketsJoin { opts, rooms } => (
            kind::SOCKETS_JOIN,
            Some(obj([
                ("opts", opts_value(opts, true)),
                ("rooms", rooms_value(rooms)),
            ])),
        ),
        Request::SocketsLeave { opts, rooms } => (
            kind::SOCKETS_LEAVE,
            Some(obj([
                ("opts", opts_value(opts, true)),
                ("rooms", rooms_value(rooms)),
            ])),
        ),
        Request::DisconnectSockets { opts, close } => (
            kind::DISCONNECT_SOCKETS,
            Some(obj([
                ("opts", opts_value(opts, true)),
                ("close", Value::from(*close)),
            ])),
        ),
        Request::FetchSockets { request_id, opts } => (
            kind::FETCH_SOCKETS,
            Some(obj([
                ("opts", opts_value(opts, true)),
                ("requestId", Value::from(request_id.as_str())),
            ])),
        ),
        Request::ServerSideEmit { request_id, args } => (
            kind::SERVER_SIDE_EMIT,
            Some(match request_id {
                Some(id) => obj([
                    ("requestId", Value::from(id.as_str())),
                    ("packet", Value::Array(args.clone())),
                ]),
                None => obj([("packet", Value::Array(args.clone()))]),
            }),
        ),
        Request::InitialHeartbeat => (kind::INITIAL_HEARTBEAT, None),
        Request::Heartbeat => (kind::HEARTBEAT, None),
        Request::AdapterClose => (kind::ADAPTER_CLOSE, None),
        Request::AllRooms { .. } | Request::Sockets { .. } | Request::OneSocket { .. } => {
            return Err(AdapterError::Encoding(
                "not part of the cluster format".into(),
            ))
        }
    })
}

/// The type and data of a cluster answer.
pub(crate) fn response_parts(response: &Response) -> Result<(u64, Value), AdapterError> {
    Ok(match response {
        Response::FetchSockets {
            request_id,
            sockets,
        } => (
            kind::FETCH_SOCKETS_RESPONSE,
            obj([
                ("requestId", Value::from(request_id.as_str())),
                (
                    "sockets",
                    Value::Array(sockets.iter().map(socket_value).collect()),
                ),
            ]),
        ),
        Response::ServerSideEmit { request_id, value } => (
            kind::SERVER_SIDE_EMIT_RESPONSE,
            obj([
                ("requestId", Value::from(request_id.as_str())),
                ("packet", value.clone()),
            ]),
        ),
        Response::ClientCount { request_id, count } => (
            kind::BROADCAST_CLIENT_COUNT,
            obj([
                ("requestId", Value::from(request_id.as_str())),
                ("clientCount", Value::from(*count as u64)),
            ]),
        ),
        Response::BroadcastAck { request_id, value } => (
            kind::BROADCAST_ACK,
            obj([
                ("requestId", Value::from(request_id.as_str())),
                ("packet", value.clone()),
            ]),
        ),
        Response::AllRooms { .. } | Response::Sockets { .. } | Response::Done { .. } => {
            return Err(AdapterError::Encoding(
                "not part of the cluster format".into(),
            ))
        }
    })
}

/// The rooms of an adapter whose channel a dynamic mode subscribes to.
pub(crate) fn room_channels<'a>(
    wire: &'a Sharded,
    nsp: &'a str,
    rooms: impl IntoIterator<Item = &'a Room> + 'a,
) -> impl Iterator<Item = String> + 'a {
    rooms
        .into_iter()
        .filter_map(move |room| wire.room_channel(nsp, room))
}

#[cfg(test)]
mod tests {
    use super::*;
    use socketio_adapter::{BroadcastOptions, Packet};

    fn sharded(mode: SubscriptionMode) -> Sharded {
        Sharded {
            prefix: "socket.io".into(),
            mode,
        }
    }

    #[test]
    fn broadcast_json_matches_node() {
        let request = Request::Broadcast {
            packet: Packet::event("/", serde_json::from_str(r#"["hello",1]"#).unwrap(), None),
            opts: BroadcastOptions::default(),
        };
        let p = sharded(SubscriptionMode::Dynamic)
            .encode_request("/", "13ac064d2c3ccdde", &request)
            .unwrap();
        assert!(matches!(p, Publish::Channel { sharded: true, .. }));
        assert_eq!(p.channel(), "socket.io#/#");
        assert_eq!(
            std::str::from_utf8(p.payload()).unwrap(),
            r#"{"type":3,"data":{"packet":{"type":2,"data":["hello",1]},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"13ac064d2c3ccdde","nsp":"/"}"#
        );
        let back = sharded(SubscriptionMode::Dynamic)
            .decode("/", "other", p.channel(), p.payload(), &|_| None)
            .unwrap();
        assert_eq!(
            back,
            Incoming::Request {
                uid: Some("13ac064d2c3ccdde".into()),
                request
            }
        );
    }

    #[test]
    fn room_channels_by_mode() {
        let room = Room::from("room1");
        let sid = Room::from("a_vKJTcZqCO9e6T8AAAC");
        for (mode, public, private) in [
            (SubscriptionMode::Static, false, false),
            (SubscriptionMode::Dynamic, true, false),
            (SubscriptionMode::DynamicPrivate, true, true),
        ] {
            let w = sharded(mode);
            assert_eq!(w.room_channel("/", &room).is_some(), public, "{mode:?}");
            assert_eq!(w.room_channel("/", &sid).is_some(), private, "{mode:?}");
        }
        let w = sharded(SubscriptionMode::Dynamic);
        let request = Request::Broadcast {
            packet: Packet::event("/", serde_json::from_str(r#"["x"]"#).unwrap(), None),
            opts: BroadcastOptions::default().to(["room1"]),
        };
        assert_eq!(
            w.encode_request("/", "u", &request)
                .unwrap()
                .channel()
                .to_owned(),
            "socket.io#/#room1#"
        );
    }

    #[test]
    fn binary_messages_are_msgpack() {
        // Node: io.emit("bin", Buffer[1,2,3]) from 13ac064d2c3ccdde, 97 bytes.
        let data = Value::Array(vec![
            Value::from("bin"),
            Value::from(bytes::Bytes::from_static(&[1, 2, 3])),
        ]);
        let request = Request::Broadcast {
            packet: Packet::event("/", data, None),
            opts: BroadcastOptions::default(),
        };
        let p = sharded(SubscriptionMode::Dynamic)
            .encode_request("/", "13ac064d2c3ccdde", &request)
            .unwrap();
        let hex: Vec<String> = p.payload().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex.join(" "),
            "84 a4 74 79 70 65 03 a4 64 61 74 61 82 a6 70 61 63 6b 65 74 82 a4 74 79 70 65 02 a4 64 61 74 61 92 a3 62 69 6e c4 03 01 02 03 a4 6f 70 74 73 83 a5 72 6f 6f 6d 73 90 a6 65 78 63 65 70 74 90 a5 66 6c 61 67 73 80 a3 75 69 64 b0 31 33 61 63 30 36 34 64 32 63 33 63 63 64 64 65 a3 6e 73 70 a1 2f"
        );
    }
}
