//! The packet model: [`PacketType`] and [`Packet`].

use std::fmt;

use bytes::Bytes;
use serde_json::Value;

/// The seven Socket.IO packet types, with their wire digits `0`..=`6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// `0`: join a namespace (client) / namespace joined (server). Called CONNECT in v4 and v5.
    Connect,
    /// `1`: leave a namespace.
    Disconnect,
    /// `2`: an event, `["name", ...args]`.
    Event,
    /// `3`: the reply to an event that asked for an acknowledgement, `[...args]`.
    Ack,
    /// `4`: namespace connection refused (called ERROR in protocol v4).
    ConnectError,
    /// `5`: an event carrying binary attachments.
    BinaryEvent,
    /// `6`: an acknowledgement carrying binary attachments.
    BinaryAck,
}

impl PacketType {
    /// All types, in wire-digit order.
    pub const ALL: [PacketType; 7] = [
        PacketType::Connect,
        PacketType::Disconnect,
        PacketType::Event,
        PacketType::Ack,
        PacketType::ConnectError,
        PacketType::BinaryEvent,
        PacketType::BinaryAck,
    ];

    /// The wire digit as an ASCII byte (`b'0'`..=`b'6'`).
    pub const fn as_byte(self) -> u8 {
        match self {
            PacketType::Connect => b'0',
            PacketType::Disconnect => b'1',
            PacketType::Event => b'2',
            PacketType::Ack => b'3',
            PacketType::ConnectError => b'4',
            PacketType::BinaryEvent => b'5',
            PacketType::BinaryAck => b'6',
        }
    }

    /// The type for an ASCII wire digit, `None` for anything else.
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            b'0' => Some(PacketType::Connect),
            b'1' => Some(PacketType::Disconnect),
            b'2' => Some(PacketType::Event),
            b'3' => Some(PacketType::Ack),
            b'4' => Some(PacketType::ConnectError),
            b'5' => Some(PacketType::BinaryEvent),
            b'6' => Some(PacketType::BinaryAck),
            _ => None,
        }
    }

    /// True for BINARY_EVENT and BINARY_ACK, the types that carry an attachment count.
    pub const fn is_binary(self) -> bool {
        matches!(self, PacketType::BinaryEvent | PacketType::BinaryAck)
    }

    /// True for EVENT and BINARY_EVENT.
    pub const fn is_event(self) -> bool {
        matches!(self, PacketType::Event | PacketType::BinaryEvent)
    }

    /// True for ACK and BINARY_ACK.
    pub const fn is_ack(self) -> bool {
        matches!(self, PacketType::Ack | PacketType::BinaryAck)
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PacketType::Connect => "CONNECT",
            PacketType::Disconnect => "DISCONNECT",
            PacketType::Event => "EVENT",
            PacketType::Ack => "ACK",
            PacketType::ConnectError => "CONNECT_ERROR",
            PacketType::BinaryEvent => "BINARY_EVENT",
            PacketType::BinaryAck => "BINARY_ACK",
        })
    }
}

/// One Socket.IO packet.
///
/// `kind` is the type as it travels on the wire: a decoded `51-[...]` stays
/// [`PacketType::BinaryEvent`] (Node turns it back into EVENT; use [`PacketType::is_event`]).
/// Binary values inside `data` stay as `{"_placeholder":true,"num":i}` objects, the bytes being
/// `attachments[i]`; see [`inline_attachments`](crate::inline_attachments) for typed access.
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    /// The packet type.
    pub kind: PacketType,
    /// The namespace, `"/"` by default.
    pub nsp: String,
    /// The ack id: set on an event that asks for an acknowledgement, and on the ack replying to it.
    pub id: Option<u64>,
    /// The JSON payload, `None` when the packet has none (e.g. `0`, `1/admin,`).
    pub data: Option<Value>,
    /// The binary attachments, in `num` order (non-empty only for binary kinds).
    pub attachments: Vec<Bytes>,
}

impl Packet {
    /// A CONNECT packet; `data` is the client's `auth` or the server's `{"sid":...}` reply.
    pub fn connect(nsp: &str, data: Option<Value>) -> Self {
        Self::new(PacketType::Connect, nsp, None, data, Vec::new())
    }

    /// A DISCONNECT packet.
    pub fn disconnect(nsp: &str) -> Self {
        Self::new(PacketType::Disconnect, nsp, None, None, Vec::new())
    }

    /// A CONNECT_ERROR packet; `data` is `{"message":...,"data":...}` in v5, often a string in v4.
    pub fn connect_error(nsp: &str, data: Value) -> Self {
        Self::new(PacketType::ConnectError, nsp, None, Some(data), Vec::new())
    }

    /// EVENT, or BINARY_EVENT when attachments is non-empty.
    ///
    /// `data` is the array `["name", ...args]`, with placeholders for the attachments.
    pub fn event(nsp: &str, data: Value, id: Option<u64>, attachments: Vec<Bytes>) -> Self {
        let kind = if attachments.is_empty() {
            PacketType::Event
        } else {
            PacketType::BinaryEvent
        };
        Self::new(kind, nsp, id, Some(data), attachments)
    }

    /// ACK, or BINARY_ACK when attachments is non-empty.
    ///
    /// `data` is the array of ack arguments, with placeholders for the attachments.
    pub fn ack(nsp: &str, data: Value, id: u64, attachments: Vec<Bytes>) -> Self {
        let kind = if attachments.is_empty() {
            PacketType::Ack
        } else {
            PacketType::BinaryAck
        };
        Self::new(kind, nsp, Some(id), Some(data), attachments)
    }

    /// The event name of an EVENT / BINARY_EVENT whose first item is a string.
    pub fn event_name(&self) -> Option<&str> {
        if !self.kind.is_event() {
            return None;
        }
        self.data.as_ref()?.as_array()?.first()?.as_str()
    }

    fn new(
        kind: PacketType,
        nsp: &str,
        id: Option<u64>,
        data: Option<Value>,
        attachments: Vec<Bytes>,
    ) -> Self {
        Packet {
            kind,
            nsp: nsp.to_owned(),
            id,
            data,
            attachments,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_round_trip() {
        for (i, kind) in PacketType::ALL.into_iter().enumerate() {
            assert_eq!(kind.as_byte(), b'0' + i as u8);
            assert_eq!(PacketType::from_byte(kind.as_byte()), Some(kind));
        }
        assert_eq!(PacketType::from_byte(b'7'), None);
        assert_eq!(PacketType::from_byte(b'a'), None);
    }

    #[test]
    fn constructors_pick_binary_kinds() {
        let data = serde_json::json!(["a"]);
        assert_eq!(
            Packet::event("/", data.clone(), None, vec![]).kind,
            PacketType::Event
        );
        assert_eq!(
            Packet::event("/", data.clone(), None, vec![Bytes::new()]).kind,
            PacketType::BinaryEvent
        );
        assert_eq!(
            Packet::ack("/", data.clone(), 1, vec![]).kind,
            PacketType::Ack
        );
        assert_eq!(
            Packet::ack("/", data, 1, vec![Bytes::new()]).kind,
            PacketType::BinaryAck
        );
    }

    #[test]
    fn event_name() {
        let p = Packet::event("/", serde_json::json!(["hi", 1]), None, vec![]);
        assert_eq!(p.event_name(), Some("hi"));
        let p = Packet::event("/", serde_json::json!([1]), None, vec![]);
        assert_eq!(p.event_name(), None);
        let p = Packet::ack("/", serde_json::json!(["hi"]), 1, vec![]);
        assert_eq!(p.event_name(), None);
    }
}
