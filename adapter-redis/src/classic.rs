//! The classic wire format of `@socket.io/redis-adapter` 8.3 (`createAdapter(pub, sub)`):
//! msgpack broadcasts on `<key>#<nsp>#[<room>#]`, JSON requests 0–9 on
//! `<key>-request#<nsp>#`, answers on `<key>-response#<nsp>#[<uid>#]`.

use socketio_adapter::{AdapterError, Room, Value};

use crate::connection::{Publish, Subscriptions};
use crate::message::{uid2, Incoming, OneSocketAction, Request, RequestKind, Response};
use crate::wire::{
    field_str, obj, opts_of, opts_value, packet_of, packet_value, parse, rooms_of, rooms_value,
    socket_value, sockets_of, to_json, to_msgpack, Wire,
};

/// Request types of the classic format.
mod kind {
    pub(super) const SOCKETS: u64 = 0;
    pub(super) const ALL_ROOMS: u64 = 1;
    pub(super) const REMOTE_JOIN: u64 = 2;
    pub(super) const REMOTE_LEAVE: u64 = 3;
    pub(super) const REMOTE_DISCONNECT: u64 = 4;
    pub(super) const REMOTE_FETCH: u64 = 5;
    pub(super) const SERVER_SIDE_EMIT: u64 = 6;
    pub(super) const BROADCAST: u64 = 7;
    pub(super) const BROADCAST_CLIENT_COUNT: u64 = 8;
    pub(super) const BROADCAST_ACK: u64 = 9;
}

/// The classic format.
#[derive(Clone, Debug)]
pub(crate) struct Classic {
    /// `opts.key`, default `socket.io`.
    pub(crate) key: String,
    /// `publishOnSpecificResponseChannel`: answers go to the requester's own channel.
    pub(crate) specific_response_channel: bool,
}

impl Classic {
    pub(crate) fn broadcast_channel(&self, nsp: &str, room: Option<&str>) -> String {
        match room {
            Some(room) => format!("{}#{nsp}#{room}#", self.key),
            None => format!("{}#{nsp}#", self.key),
        }
    }

    pub(crate) fn request_channel(&self, nsp: &str) -> String {
        format!("{}-request#{nsp}#", self.key)
    }

    fn response_channel(&self, nsp: &str) -> String {
        format!("{}-response#{nsp}#", self.key)
    }

    /// Encodes a request as Node's classic adapter (or, with `uid: None`, its emitter) does.
    pub(crate) fn encode(
        &self,
        nsp: &str,
        uid: Option<&str>,
        request: &Request,
    ) -> Result<Publish, AdapterError> {
        let publish = |channel: String, payload| {
            Ok(Publish::Channel {
                channel,
                payload,
                sharded: false,
            })
        };
        let with_uid = |mut pairs: Vec<(&str, Value)>| {
            if let Some(uid) = uid {
                pairs.insert(0, ("uid", Value::from(uid)));
            }
            Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
        };
        match request {
            Request::Broadcast { packet, opts } => {
                let message = Value::Array(vec![
                    Value::from(uid.unwrap_or("emitter")),
                    packet_value(packet, true),
                    opts_value(opts, true),
                ]);
                publish(
                    self.broadcast_channel(nsp, opts.single_room()),
                    to_msgpack(&message),
                )
            }
            Request::BroadcastWithAck {
                request_id,
                packet,
                opts,
            } => {
                let message = with_uid(vec![
                    ("requestId", Value::from(request_id.as_str())),
                    ("type", Value::from(kind::BROADCAST)),
                    ("packet", packet_value(packet, true)),
                    ("opts", opts_value(opts, true)),
                ]);
                publish(self.request_channel(nsp), to_msgpack(&message))
            }
            Request::SocketsJoin { opts, rooms } | Request::SocketsLeave { opts, rooms } => {
                let t = if matches!(request, Request::SocketsJoin { .. }) {
                    kind::REMOTE_JOIN
                } else {
                    kind::REMOTE_LEAVE
                };
                let message = with_uid(vec![
                    ("type", Value::from(t)),
                    ("opts", opts_value(opts, false)),
                    ("rooms", rooms_value(rooms)),
                ]);
                publish(self.request_channel(nsp), to_json(&message)?)
            }
            Request::DisconnectSockets { opts, close } => {
                let message = with_uid(vec![
                    ("type", Value::from(kind::REMOTE_DISCONNECT)),
                    ("opts", opts_value(opts, false)),
                    ("close", Value::from(*close)),
                ]);
                publish(self.request_channel(nsp), to_json(&message)?)
            }
            Request::FetchSockets { request_id, opts } => {
                let message = with_uid(vec![
                    ("requestId", Value::from(request_id.as_str())),
                    ("type", Value::from(kind::REMOTE_FETCH)),
                    ("opts", opts_value(opts, false)),
                ]);
                publish(self.request_channel(nsp), to_json(&message)?)
            }
            Request::ServerSideEmit { request_id, args } => {
                let mut pairs = Vec::new();
                if let Some(id) = request_id {
                    pairs.push(("requestId", Value::from(id.as_str())));
                }
                pairs.push(("type", Value::from(kind::SERVER_SIDE_EMIT)));
                pairs.push(("data", Value::Array(args.clone())));
                publish(self.request_channel(nsp), to_json(&with_uid(pairs))?)
            }
            Request::AllRooms { request_id } => {
                let message = with_uid(vec![
                    ("requestId", Value::from(request_id.as_str())),
                    ("type", Value::from(kind::ALL_ROOMS)),
                ]);
                publish(self.request_channel(nsp), to_json(&message)?)
            }
            Request::Sockets { request_id, rooms } => {
                let message = with_uid(vec![
                    ("requestId", Value::from(request_id.as_str())),
                    ("type", Value::from(kind::SOCKETS)),
                    ("rooms", rooms_value(rooms)),
                ]);
                publish(self.request_channel(nsp), to_json(&message)?)
            }
            Request::OneSocket { .. }
            | Request::InitialHeartbeat
            | Request::Heartbeat
            | Request::AdapterClose => Err(AdapterError::Encoding(
                "not sent in the classic format".into(),
            )),
        }
    }

    fn decode_request(&self, v: &Value) -> Option<Request> {
        let t = v.get("type").and_then(Value::as_u64)?;
        let request_id = field_str(v, "requestId");
        Some(match t {
            kind::SOCKETS => Request::Sockets {
                request_id: request_id?,
                rooms: rooms_of(v.get("rooms")),
            },
            kind::ALL_ROOMS => Request::AllRooms {
                request_id: request_id?,
            },
            kind::REMOTE_JOIN | kind::REMOTE_LEAVE | kind::REMOTE_DISCONNECT => {
                if let (Some(sid), Some(request_id)) = (field_str(v, "sid"), request_id) {
                    // The legacy form: one socket, answered by its server.
                    let action = match t {
                        kind::REMOTE_JOIN => {
                            OneSocketAction::Join(Room::from(field_str(v, "room")?))
                        }
                        kind::REMOTE_LEAVE => {
                            OneSocketAction::Leave(Room::from(field_str(v, "room")?))
                        }
                        _ => OneSocketAction::Disconnect(
                            v.get("close").and_then(Value::as_bool).unwrap_or(false),
                        ),
                    };
                    Request::OneSocket {
                        request_id,
                        sid,
                        action,
                    }
                } else {
                    let opts = opts_of(v.get("opts"));
                    match t {
                        kind::REMOTE_JOIN => Request::SocketsJoin {
                            opts,
                            rooms: rooms_of(v.get("rooms")),
                        },
                        kind::REMOTE_LEAVE => Request::SocketsLeave {
                            opts,
                            rooms: rooms_of(v.get("rooms")),
                        },
                        _ => Request::DisconnectSockets {
                            opts,
                            close: v.get("close").and_then(Value::as_bool).unwrap_or(false),
                        },
                    }
                }
            }
            kind::REMOTE_FETCH => Request::FetchSockets {
                request_id: request_id?,
                opts: opts_of(v.get("opts")),
            },
            kind::SERVER_SIDE_EMIT => Request::ServerSideEmit {
                request_id,
                args: v.get("data")?.as_array()?.clone(),
            },
            kind::BROADCAST => Request::BroadcastWithAck {
                request_id: request_id?,
                packet: packet_of(v.get("packet")?, "/")?,
                opts: opts_of(v.get("opts")),
            },
            _ => return None,
        })
    }

    fn decode_response(
        &self,
        v: &Value,
        kind_of: &dyn Fn(&str) -> Option<RequestKind>,
    ) -> Option<Response> {
        let request_id = field_str(v, "requestId")?;
        match v.get("type").and_then(Value::as_u64) {
            Some(kind::SERVER_SIDE_EMIT) => {
                return Some(Response::ServerSideEmit {
                    request_id,
                    value: v.get("data").cloned().unwrap_or_default(),
                })
            }
            Some(kind::BROADCAST_CLIENT_COUNT) => {
                let count = v.get("clientCount").and_then(Value::as_u64)?;
                return Some(Response::ClientCount {
                    request_id,
                    count: usize::try_from(count).unwrap_or(0),
                });
            }
            Some(kind::BROADCAST_ACK) => {
                return Some(Response::BroadcastAck {
                    request_id,
                    value: v.get("packet").cloned().unwrap_or_default(),
                })
            }
            _ => {}
        }
        // SOCKETS, ALL_ROOMS and REMOTE_FETCH answers do not say their type.
        Some(match kind_of(&request_id)? {
            RequestKind::FetchSockets => Response::FetchSockets {
                sockets: sockets_of(v.get("sockets")),
                request_id,
            },
            RequestKind::AllRooms => Response::AllRooms {
                rooms: rooms_of(v.get("rooms")),
                request_id,
            },
            RequestKind::ServerSideEmit | RequestKind::BroadcastWithAck => return None,
        })
    }
}

impl Wire for Classic {
    fn new_uid(&self) -> String {
        uid2(6)
    }

    fn new_request_id(&self) -> String {
        uid2(6)
    }

    fn subscriptions(&self, nsp: &str, uid: &str) -> Subscriptions {
        Subscriptions {
            patterns: vec![format!("{}#{nsp}#*", self.key)],
            channels: vec![
                self.request_channel(nsp),
                self.response_channel(nsp),
                format!("{}#{uid}#", self.response_channel(nsp)),
            ],
            shard_channels: Vec::new(),
        }
    }

    fn routes(&self, nsp: &str, _uid: &str) -> Vec<String> {
        vec![
            self.broadcast_channel(nsp, None),
            self.request_channel(nsp),
            self.response_channel(nsp),
        ]
    }

    fn server_count_channel(&self, nsp: &str) -> (String, bool) {
        (self.request_channel(nsp), false)
    }

    fn encode_request(
        &self,
        nsp: &str,
        uid: &str,
        request: &Request,
    ) -> Result<Publish, AdapterError> {
        self.encode(nsp, Some(uid), request)
    }

    fn encode_response(
        &self,
        nsp: &str,
        _uid: &str,
        to: Option<&str>,
        response: &Response,
    ) -> Result<Publish, AdapterError> {
        let (message, msgpack, common) = match response {
            Response::FetchSockets {
                request_id,
                sockets,
            } => (
                obj([
                    ("requestId", Value::from(request_id.as_str())),
                    (
                        "sockets",
                        Value::Array(sockets.iter().map(socket_value).collect()),
                    ),
                ]),
                false,
                false,
            ),
            Response::ServerSideEmit { request_id, value } => (
                obj([
                    ("type", Value::from(kind::SERVER_SIDE_EMIT)),
                    ("requestId", Value::from(request_id.as_str())),
                    ("data", value.clone()),
                ]),
                false,
                // Node answers server-side emits on the common channel whatever the option.
                true,
            ),
            Response::ClientCount { request_id, count } => (
                obj([
                    ("type", Value::from(kind::BROADCAST_CLIENT_COUNT)),
                    ("requestId", Value::from(request_id.as_str())),
                    ("clientCount", Value::from(*count as u64)),
                ]),
                false,
                false,
            ),
            Response::BroadcastAck { request_id, value } => (
                obj([
                    ("type", Value::from(kind::BROADCAST_ACK)),
                    ("requestId", Value::from(request_id.as_str())),
                    ("packet", value.clone()),
                ]),
                true,
                false,
            ),
            Response::AllRooms { request_id, rooms } => (
                obj([
                    ("requestId", Value::from(request_id.as_str())),
                    ("rooms", rooms_value(rooms)),
                ]),
                false,
                false,
            ),
            Response::Sockets { request_id, sids } => (
                obj([
                    ("requestId", Value::from(request_id.as_str())),
                    (
                        "sockets",
                        Value::Array(sids.iter().map(|s| Value::from(s.as_str())).collect()),
                    ),
                ]),
                false,
                false,
            ),
            Response::Done { request_id } => (
                obj([("requestId", Value::from(request_id.as_str()))]),
                false,
                false,
            ),
        };
        let channel = match (self.specific_response_channel && !common, to) {
            (true, Some(to)) => format!("{}{to}#", self.response_channel(nsp)),
            _ => self.response_channel(nsp),
        };
        let payload = if msgpack {
            to_msgpack(&message)
        } else {
            to_json(&message)?
        };
        Ok(Publish::Channel {
            channel,
            payload,
            sharded: false,
        })
    }

    fn decode(
        &self,
        nsp: &str,
        uid: &str,
        channel: &str,
        payload: &[u8],
        kind_of: &dyn Fn(&str) -> Option<RequestKind>,
    ) -> Option<Incoming> {
        if channel.starts_with(&self.response_channel(nsp)) {
            return self
                .decode_response(&parse(payload)?, kind_of)
                .map(Incoming::Response);
        }
        if channel == self.request_channel(nsp) {
            let v = parse(payload)?;
            let sender = field_str(&v, "uid");
            let request = self.decode_request(&v)?;
            return Some(Incoming::Request {
                uid: sender,
                request,
            });
        }
        // A broadcast: `[uid, packet, opts]`.
        let v = socketio_codec::msgpack::decode_value(payload).ok()?;
        let Value::Array(items) = v else { return None };
        let [sender, packet, opts] = items.as_slice() else {
            return None;
        };
        let sender = sender.as_str().map(str::to_owned);
        if sender.as_deref() == Some(uid) {
            return None;
        }
        let packet = packet_of(packet, nsp)?;
        if packet.nsp != nsp {
            return None;
        }
        Some(Incoming::Request {
            uid: sender,
            request: Request::Broadcast {
                packet,
                opts: opts_of(Some(opts)),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socketio_adapter::{BroadcastFlags, BroadcastOptions, Packet};

    fn classic() -> Classic {
        Classic {
            key: "socket.io".into(),
            specific_response_channel: false,
        }
    }

    fn hex(b: &[u8]) -> String {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn broadcast_bytes_match_node() {
        // Node (redis-adapter 8.3): io.emit("hello", 1, "two", {three: 3}) from uid XsUsZM.
        let data = serde_json::from_str::<Value>(r#"["hello",1,"two",{"three":3}]"#).unwrap();
        let request = Request::Broadcast {
            packet: Packet::event("/", data, None),
            opts: BroadcastOptions::default(),
        };
        let p = classic().encode("/", Some("XsUsZM"), &request).unwrap();
        assert_eq!(p.channel(), "socket.io#/#");
        assert_eq!(
            hex(p.payload()),
            "93 a6 58 73 55 73 5a 4d 83 a4 74 79 70 65 02 a4 64 61 74 61 94 a5 68 65 6c 6c 6f 01 a3 74 77 6f 81 a5 74 68 72 65 65 03 a3 6e 73 70 a1 2f 83 a5 72 6f 6f 6d 73 90 a6 65 78 63 65 70 74 90 a5 66 6c 61 67 73 80"
        );
        // volatile to one room: the room's channel, flags {volatile: true}
        let request = Request::Broadcast {
            packet: Packet::event("/", serde_json::from_str(r#"["x"]"#).unwrap(), None),
            opts: BroadcastOptions::default()
                .to(["room1"])
                .flags(BroadcastFlags {
                    volatile: Some(true),
                    ..Default::default()
                }),
        };
        let p = classic().encode("/", Some("XsUsZM"), &request).unwrap();
        assert_eq!(p.channel(), "socket.io#/#room1#");
        let back = classic()
            .decode("/", "other", p.channel(), p.payload(), &|_| None)
            .unwrap();
        assert_eq!(
            back,
            Incoming::Request {
                uid: Some("XsUsZM".into()),
                request
            }
        );
        // Its own broadcasts are ignored.
        assert!(classic()
            .decode("/", "XsUsZM", p.channel(), p.payload(), &|_| None)
            .is_none());
    }

    #[test]
    fn requests_match_node_json() {
        let c = classic();
        let join = Request::SocketsJoin {
            opts: BroadcastOptions::default().to(["room1"]),
            rooms: vec![Room::from("room9"), Room::from("room10")],
        };
        let p = c.encode("/", Some("XsUsZM"), &join).unwrap();
        assert_eq!(p.channel(), "socket.io-request#/#");
        assert_eq!(
            std::str::from_utf8(p.payload()).unwrap(),
            r#"{"uid":"XsUsZM","type":2,"opts":{"rooms":["room1"],"except":[]},"rooms":["room9","room10"]}"#
        );
        let fetch = Request::FetchSockets {
            request_id: "ZDamTr".into(),
            opts: BroadcastOptions::default(),
        };
        let p = c.encode("/", Some("XsUsZM"), &fetch).unwrap();
        assert_eq!(
            std::str::from_utf8(p.payload()).unwrap(),
            r#"{"uid":"XsUsZM","requestId":"ZDamTr","type":5,"opts":{"rooms":[],"except":[]}}"#
        );
        // The emitter's requests have no uid.
        let from_emitter = br#"{"type":4,"opts":{"rooms":["room2"],"except":[]},"close":true}"#;
        let got = c
            .decode("/", "me", "socket.io-request#/#", from_emitter, &|_| None)
            .unwrap();
        assert_eq!(
            got,
            Incoming::Request {
                uid: None,
                request: Request::DisconnectSockets {
                    opts: BroadcastOptions::default().to(["room2"]),
                    close: true
                }
            }
        );
    }

    #[test]
    fn untyped_answers_use_the_pending_request() {
        let c = classic();
        let answer = br#"{"requestId":"moVw01","rooms":["a","b"]}"#;
        let got = c.decode("/", "me", "socket.io-response#/#", answer, &|id| {
            (id == "moVw01").then_some(RequestKind::AllRooms)
        });
        assert_eq!(
            got,
            Some(Incoming::Response(Response::AllRooms {
                request_id: "moVw01".into(),
                rooms: vec![Room::from("a"), Room::from("b")]
            }))
        );
        assert!(c
            .decode("/", "me", "socket.io-response#/#", answer, &|_| None)
            .is_none());
        // BROADCAST_ACK is msgpack: {"type":9,"requestId":"TDcr8N","packet":"ack-from-b1"}
        let ack = Response::BroadcastAck {
            request_id: "TDcr8N".into(),
            value: Value::from("ack-from-b1"),
        };
        let p = c.encode_response("/", "me", Some("XsUsZM"), &ack).unwrap();
        assert_eq!(
            hex(p.payload()),
            "83 a4 74 79 70 65 09 a9 72 65 71 75 65 73 74 49 64 a6 54 44 63 72 38 4e a6 70 61 63 6b 65 74 ab 61 63 6b 2d 66 72 6f 6d 2d 62 31"
        );
    }
}
