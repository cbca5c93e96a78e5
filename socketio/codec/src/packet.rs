//! The packet model: [`PacketType`] and [`Packet`].

use std::fmt;

use crate::Value;

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

/// One Socket.IO packet, as both parsers see it.
///
/// Binary data lives inline in `data` as [`Value::Binary`]: the JSON parser turns it into
/// placeholders plus attachments on the wire (and back), the msgpack parser into msgpack `bin`.
///
/// `kind` is the type as it travels on the wire for the JSON parser: a decoded `51-[...]` stays
/// [`PacketType::BinaryEvent`] (Node keeps it too; use [`PacketType::is_event`] /
/// [`PacketType::is_ack`]). To send, use EVENT / ACK: the JSON encoder switches to
/// BINARY_EVENT / BINARY_ACK by itself when `data` contains binary. The msgpack parser has no
/// binary kinds (it writes BINARY_EVENT / BINARY_ACK as EVENT / ACK).
#[derive(Clone, Debug, PartialEq)]
pub struct Packet {
    /// The packet type.
    pub kind: PacketType,
    /// The namespace, `"/"` by default.
    pub nsp: String,
    /// The ack id: set on an event that asks for an acknowledgement, and on the ack replying to it.
    pub id: Option<u64>,
    /// The payload, `None` when the packet has none (e.g. `0`, `1/admin,`).
    pub data: Option<Value>,
}

impl Packet {
    /// A CONNECT packet; `data` is the client's `auth` or the server's `{"sid":...}` reply.
    pub fn connect(nsp: &str, data: Option<Value>) -> Self {
        Self::new(PacketType::Connect, nsp, None, data)
    }

    /// A DISCONNECT packet.
    pub fn disconnect(nsp: &str) -> Self {
        Self::new(PacketType::Disconnect, nsp, None, None)
    }

    /// A CONNECT_ERROR packet; `data` is `{"message":...,"data":...}` in v5, often a string in v4.
    pub fn connect_error(nsp: &str, data: Value) -> Self {
        Self::new(PacketType::ConnectError, nsp, None, Some(data))
    }

    /// An EVENT: `data` is the array `["name", ...args]`, binary values inline.
    pub fn event(nsp: &str, data: Value, id: Option<u64>) -> Self {
        Self::new(PacketType::Event, nsp, id, Some(data))
    }

    /// An ACK: `data` is the array of ack arguments, binary values inline.
    pub fn ack(nsp: &str, data: Value, id: u64) -> Self {
        Self::new(PacketType::Ack, nsp, Some(id), Some(data))
    }

    /// The event name of an EVENT / BINARY_EVENT whose first item is a string.
    pub fn event_name(&self) -> Option<&str> {
        if !self.kind.is_event() {
            return None;
        }
        self.data.as_ref()?.as_array()?.first()?.as_str()
    }

    fn new(kind: PacketType, nsp: &str, id: Option<u64>, data: Option<Value>) -> Self {
        Packet {
            kind,
            nsp: nsp.to_owned(),
            id,
            data,
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
    fn constructors() {
        let data = Value::from(serde_json::json!(["a"]));
        let p = Packet::event("/x", data.clone(), Some(2));
        assert_eq!(
            (p.kind, p.nsp.as_str(), p.id),
            (PacketType::Event, "/x", Some(2))
        );
        let p = Packet::ack("/", data, 1);
        assert_eq!((p.kind, p.id), (PacketType::Ack, Some(1)));
        let p = Packet::connect("/", None);
        assert_eq!((p.kind, p.data), (PacketType::Connect, None));
        let p = Packet::disconnect("/a");
        assert_eq!((p.kind, p.nsp.as_str()), (PacketType::Disconnect, "/a"));
        let p = Packet::connect_error("/", Value::from("no"));
        assert_eq!(p.kind, PacketType::ConnectError);
        assert_eq!(PacketType::BinaryAck.to_string(), "BINARY_ACK");
        assert!(PacketType::BinaryAck.is_ack() && PacketType::BinaryEvent.is_event());
    }

    #[test]
    fn event_name() {
        let p = Packet::event("/", serde_json::json!(["hi", 1]).into(), None);
        assert_eq!(p.event_name(), Some("hi"));
        let p = Packet::event("/", serde_json::json!([1]).into(), None);
        assert_eq!(p.event_name(), None);
        let p = Packet::ack("/", serde_json::json!(["hi"]).into(), 1);
        assert_eq!(p.event_name(), None);
    }
}
