//! The wire format of `@socket.io/redis-streams-adapter` 0.3: Node's cluster messages
//! appended to a Redis stream (broadcasts, sockets join / leave / disconnect; the entry id is
//! the connection-state-recovery offset), or published on `<prefix>#<nsp>#` when ephemeral
//! (broadcasts with acks, fetch sockets, server-side emits) and on `<prefix>#<nsp>#<uid>#` for
//! answers; sessions kept in `<sessionKeyPrefix><pid>` with an expiry.

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use socketio_adapter::{AdapterError, Room, Value};
use socketio_codec::Map;

use crate::connection::{Publish, Subscriptions};
use crate::message::{hex16, Incoming, Request, RequestKind, Response};
use crate::sharded::{cluster_request, kind, request_parts, response_parts};
use crate::wire::{encoding, parse, to_json, to_msgpack, Wire};

/// Options of the streams adapter, with Node's names and defaults.
#[derive(Clone, Debug)]
pub struct StreamsAdapterConfig {
    /// The stream (Node's `streamName`). Default `socket.io`.
    pub stream_name: String,
    /// How many streams the namespaces are spread over (Node's `streamCount`). Default 1.
    pub stream_count: u32,
    /// The pub/sub channel prefix (Node's `channelPrefix`). Default `socket.io`.
    pub channel_prefix: String,
    /// Sharded pub/sub for the ephemeral messages (Node's `useShardedPubSub`). Default false.
    pub use_sharded_pub_sub: bool,
    /// The approximate length the stream is trimmed to (Node's `maxLen`). Default 10000.
    pub max_len: usize,
    /// How many entries one read takes (Node's `readCount`). Default 100.
    pub read_count: usize,
    /// How long one blocking read waits (Node's `blockTimeInMs`). Default 5000 ms.
    pub block_time: Duration,
    /// The prefix of the session keys (Node's `sessionKeyPrefix`). Default `sio:session:`.
    pub session_key_prefix: String,
    /// Never encode binary data as base64 msgpack (Node's `onlyPlaintext`). Default false.
    pub only_plaintext: bool,
    /// How long a request waits for the other servers. Default 5000 ms.
    pub requests_timeout: Duration,
    /// As `RedisAdapterConfig::publish_queue`. Default 4096.
    pub publish_queue: usize,
}

impl Default for StreamsAdapterConfig {
    fn default() -> Self {
        StreamsAdapterConfig {
            stream_name: "socket.io".into(),
            stream_count: 1,
            channel_prefix: "socket.io".into(),
            use_sharded_pub_sub: false,
            max_len: 10_000,
            read_count: 100,
            block_time: Duration::from_millis(5000),
            session_key_prefix: "sio:session:".into(),
            only_plaintext: false,
            requests_timeout: Duration::from_millis(5000),
            publish_queue: 4096,
        }
    }
}

/// The streams format.
#[derive(Clone, Debug)]
pub(crate) struct Streams {
    pub(crate) config: StreamsAdapterConfig,
}

/// Java's `String.hashCode` as Node's util computes it (`(h << 5) - h + c | 0` over UTF-16).
fn hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, c| {
        h.wrapping_shl(5).wrapping_sub(h).wrapping_add(i32::from(c))
    })
}

/// Whether a stream entry id looks like one (`<ms>-<seq>`).
pub(crate) fn is_entry_id(id: &str) -> bool {
    let Some((ms, seq)) = id.split_once('-') else {
        return false;
    };
    !ms.is_empty()
        && !seq.is_empty()
        && ms.bytes().all(|b| b.is_ascii_digit())
        && seq.bytes().all(|b| b.is_ascii_digit())
}

/// The id right after `id` (`<ms>-<seq + 1>`), where a range read resumes.
pub(crate) fn next_entry_id(id: &str) -> Option<String> {
    let (ms, seq) = id.split_once('-')?;
    let seq: u64 = seq.parse().ok()?;
    Some(format!("{ms}-{}", seq.checked_add(1)?))
}

impl Streams {
    /// The stream of a namespace.
    pub(crate) fn stream_key(&self, nsp: &str) -> String {
        let count = self.config.stream_count.max(1);
        if count == 1 {
            return self.config.stream_name.clone();
        }
        // As Node: `hashCode(nsp) % streamCount` with JavaScript's remainder.
        let i = hash_code(nsp) % i32::try_from(count).unwrap_or(i32::MAX);
        format!("{}-{i}", self.config.stream_name)
    }

    fn main_channel(&self, nsp: &str) -> String {
        format!("{}#{nsp}#", self.config.channel_prefix)
    }

    fn own_channel(&self, nsp: &str, uid: &str) -> String {
        format!("{}#{nsp}#{uid}#", self.config.channel_prefix)
    }

    pub(crate) fn session_key(&self, pid: &str) -> String {
        format!("{}{pid}", self.config.session_key_prefix)
    }

    /// `{type, data, uid, nsp}` as msgpack (the ephemeral messages and answers).
    fn message(t: u64, data: Option<Value>, uid: &str, nsp: &str) -> Bytes {
        let mut map = Map::new();
        map.insert("type".into(), Value::from(t));
        if let Some(data) = data {
            map.insert("data".into(), data);
        }
        map.insert("uid".into(), Value::from(uid));
        map.insert("nsp".into(), Value::from(nsp));
        to_msgpack(&Value::Object(map))
    }

    /// The `data` field of a stream entry: JSON, or base64 msgpack when it holds binary
    /// (types 3, 8, 9, 10, 12, unless `only_plaintext`).
    fn entry_data(&self, t: u64, data: &Value) -> Result<Bytes, AdapterError> {
        let binary_types = [
            kind::BROADCAST,
            kind::FETCH_SOCKETS_RESPONSE,
            kind::SERVER_SIDE_EMIT,
            kind::SERVER_SIDE_EMIT_RESPONSE,
            kind::BROADCAST_ACK,
        ];
        if !self.config.only_plaintext && binary_types.contains(&t) && data.has_binary() {
            let packed = to_msgpack(data);
            Ok(Bytes::from(
                base64::engine::general_purpose::STANDARD.encode(&packed),
            ))
        } else {
            to_json(data)
        }
    }

    /// A stream entry's cluster message: `(sender uid, type, data)`.
    pub(crate) fn entry(
        &self,
        fields: &[(String, Bytes)],
    ) -> Option<(Option<String>, String, u64, Option<Value>)> {
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        let nsp = String::from_utf8(field("nsp")?.to_vec()).ok()?;
        let t: u64 = std::str::from_utf8(field("type")?).ok()?.parse().ok()?;
        let uid = field("uid").and_then(|u| String::from_utf8(u.to_vec()).ok());
        let data = match field("data") {
            None => None,
            Some(raw) if raw.first() == Some(&b'{') => Some(parse(raw)?),
            Some(raw) => {
                let packed = base64::engine::general_purpose::STANDARD.decode(raw).ok()?;
                Some(socketio_codec::msgpack::decode_value(&packed).ok()?)
            }
        };
        Some((uid, nsp, t, data))
    }

    /// A session as kept in Redis: base64 of msgpack `{sid, pid, rooms, data}`.
    pub(crate) fn encode_session(
        session: &socketio_adapter::Session,
    ) -> Result<Bytes, AdapterError> {
        let value = socketio_codec::to_value(session).map_err(encoding)?;
        Ok(Bytes::from(
            base64::engine::general_purpose::STANDARD.encode(to_msgpack(&value)),
        ))
    }

    pub(crate) fn decode_session(raw: &[u8]) -> Option<socketio_adapter::Session> {
        let packed = base64::engine::general_purpose::STANDARD.decode(raw).ok()?;
        let value = socketio_codec::msgpack::decode_value(&packed).ok()?;
        socketio_codec::from_value(value).ok()
    }

    /// Whether a broadcast kept in the stream reached a socket with these rooms (Node's
    /// `shouldIncludePacket`).
    pub(crate) fn includes(
        session_rooms: &[Room],
        opts: &socketio_adapter::BroadcastOptions,
    ) -> bool {
        let included =
            opts.rooms.is_empty() || session_rooms.iter().any(|r| opts.rooms.contains(r));
        let not_excluded = session_rooms.iter().all(|r| !opts.except.contains(r));
        included && not_excluded
    }
}

impl Wire for Streams {
    fn new_uid(&self) -> String {
        hex16()
    }

    fn new_request_id(&self) -> String {
        hex16()
    }

    fn subscriptions(&self, nsp: &str, uid: &str) -> Subscriptions {
        let channels = vec![self.main_channel(nsp), self.own_channel(nsp, uid)];
        if self.config.use_sharded_pub_sub {
            Subscriptions {
                shard_channels: channels,
                ..Subscriptions::default()
            }
        } else {
            Subscriptions {
                channels,
                ..Subscriptions::default()
            }
        }
    }

    fn routes(&self, nsp: &str, _uid: &str) -> Vec<String> {
        vec![self.main_channel(nsp)]
    }

    fn server_count_channel(&self, nsp: &str) -> (String, bool) {
        (self.main_channel(nsp), self.config.use_sharded_pub_sub)
    }

    fn stream(&self, nsp: &str) -> Option<String> {
        Some(self.stream_key(nsp))
    }

    fn encode_request(
        &self,
        nsp: &str,
        uid: &str,
        request: &Request,
    ) -> Result<Publish, AdapterError> {
        let (t, data) = request_parts(request)?;
        let ephemeral = matches!(
            request,
            Request::BroadcastWithAck { .. }
                | Request::ServerSideEmit { .. }
                | Request::FetchSockets { .. }
                | Request::InitialHeartbeat
                | Request::Heartbeat
                | Request::AdapterClose
        );
        if ephemeral {
            return Ok(Publish::Channel {
                channel: self.main_channel(nsp),
                payload: Self::message(t, data, uid, nsp),
                sharded: self.config.use_sharded_pub_sub,
            });
        }
        let mut fields = vec![
            ("uid", Bytes::from(uid.to_owned())),
            ("nsp", Bytes::from(nsp.to_owned())),
            ("type", Bytes::from(t.to_string())),
        ];
        if let Some(data) = data {
            fields.push(("data", self.entry_data(t, &data)?));
        }
        Ok(Publish::Stream {
            key: self.stream_key(nsp),
            max_len: self.config.max_len,
            fields,
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
            payload: Self::message(t, Some(data), uid, nsp),
            sharded: self.config.use_sharded_pub_sub,
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
        // What comes on pub/sub (the answers) has the sharded adapter's format.
        crate::sharded::decode_cluster_message(nsp, uid, payload)
    }

    fn decode_entry(&self, nsp: &str, uid: &str, fields: &[(String, Bytes)]) -> Option<Incoming> {
        let (sender, entry_nsp, t, data) = self.entry(fields)?;
        if entry_nsp != nsp || sender.as_deref() == Some(uid) {
            return None;
        }
        Some(Incoming::Request {
            uid: sender,
            request: cluster_request(t, data.as_ref())?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use socketio_adapter::{BroadcastOptions, Packet, Sid};

    fn streams() -> Streams {
        Streams {
            config: StreamsAdapterConfig::default(),
        }
    }

    #[test]
    fn broadcast_entry_as_node_writes_it() {
        let packet = Packet::event("/", serde_json::from_str(r#"["e1",1]"#).unwrap(), None);
        let request = Request::Broadcast {
            packet,
            opts: BroadcastOptions::default(),
        };
        let p = streams()
            .encode_request("/", "60c380ff151a83fd", &request)
            .unwrap();
        let Publish::Stream {
            key,
            max_len,
            fields,
        } = &p
        else {
            panic!("a stream entry")
        };
        assert_eq!((key.as_str(), *max_len), ("socket.io", 10_000));
        let fields: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), String::from_utf8(v.to_vec()).unwrap()))
            .collect();
        assert_eq!(
            fields,
            [
                ("uid".to_owned(), "60c380ff151a83fd".to_owned()),
                ("nsp".to_owned(), "/".to_owned()),
                ("type".to_owned(), "3".to_owned()),
                (
                    "data".to_owned(),
                    r#"{"packet":{"type":2,"data":["e1",1]},"opts":{"rooms":[],"except":[],"flags":{}}}"#
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn binary_entry_is_base64_msgpack() {
        // Node: data=gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpbsQDAQIDpG9wdHODpXJvb21zkKZleGNlcHSQpWZsYWdzgA==
        let data = Value::Array(vec![
            Value::from("bin"),
            Value::from(Bytes::from_static(&[1, 2, 3])),
        ]);
        let request = Request::Broadcast {
            packet: Packet::event("/", data, None),
            opts: BroadcastOptions::default(),
        };
        let p = streams().encode_request("/", "u", &request).unwrap();
        let Publish::Stream { fields, .. } = &p else {
            panic!()
        };
        assert_eq!(
            &fields[3].1[..],
            b"gqZwYWNrZXSCpHR5cGUCpGRhdGGSo2JpbsQDAQIDpG9wdHODpXJvb21zkKZleGNlcHSQpWZsYWdzgA=="
        );
        let owned: Vec<(String, Bytes)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        let back = streams().decode_entry("/", "other", &owned).unwrap();
        assert_eq!(
            back,
            Incoming::Request {
                uid: Some("u".into()),
                request
            }
        );
    }

    #[test]
    fn sessions_and_ids() {
        // Node's value for {"sid":"_txY3A1ljhEYPR_EAAAA","pid":"lOar-Wez-2ChUuNRAAAB","rooms":[..],"data":{..}}
        let raw = b"hKNzaWS0X3R4WTNBMWxqaEVZUFJfRUFBQUGjcGlktGxPYXItV2V6LTJDaFV1TlJBQUFCpXJvb21zk7RfdHhZM0ExbGpoRVlQUl9FQUFBQaJyMaJyMqRkYXRhgqR1c2VyonUxoW4q";
        let session = Streams::decode_session(raw).unwrap();
        assert_eq!(session.sid, Sid::parse("_txY3A1ljhEYPR_EAAAA").unwrap());
        assert_eq!(session.rooms.len(), 3);
        assert_eq!(&Streams::encode_session(&session).unwrap()[..], &raw[..]);
        assert!(is_entry_id("1796053337591-0"));
        assert!(!is_entry_id("not-an-offset"));
        assert!(!is_entry_id("1-"));
        assert_eq!(
            next_entry_id("1796053337591-0").as_deref(),
            Some("1796053337591-1")
        );
        assert_eq!(hash_code("/"), 47);
    }
}
