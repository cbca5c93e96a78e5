//! Engine.IO packets and their text form (`<type digit><data>`).

use bytes::Bytes;

use crate::error::CodecError;
use crate::text::Text;

/// The seven Engine.IO packet types, the same digits in v3 and v4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PacketType {
    /// `0`: server -> client, carries the handshake JSON.
    Open,
    /// `1`: either side asks to close the transport/session.
    Close,
    /// `2`: heartbeat ping (v4 server -> client, v3 client -> server), `2probe` during upgrade.
    Ping,
    /// `3`: heartbeat pong, `3probe` during upgrade.
    Pong,
    /// `4`: application data.
    Message,
    /// `5`: client finishes an upgrade over the new transport.
    Upgrade,
    /// `6`: server releases a pending polling GET.
    Noop,
}

impl PacketType {
    /// The ASCII digit of this type (`'0'`..=`'6'`).
    pub fn as_char(self) -> char {
        char::from(b'0' + self.as_u8())
    }

    /// The type for a digit `'0'`..=`'6'`, `None` for anything else.
    pub fn from_char(c: char) -> Option<Self> {
        let digit = c.to_digit(10)?;
        u8::try_from(digit).ok().and_then(Self::from_u8)
    }

    /// The numeric value of this type (0..=6), used as the type byte of v3 binary frames.
    pub fn as_u8(self) -> u8 {
        match self {
            PacketType::Open => 0,
            PacketType::Close => 1,
            PacketType::Ping => 2,
            PacketType::Pong => 3,
            PacketType::Message => 4,
            PacketType::Upgrade => 5,
            PacketType::Noop => 6,
        }
    }

    /// The type for a numeric value 0..=6, `None` for anything else.
    pub fn from_u8(n: u8) -> Option<Self> {
        Some(match n {
            0 => PacketType::Open,
            1 => PacketType::Close,
            2 => PacketType::Ping,
            3 => PacketType::Pong,
            4 => PacketType::Message,
            5 => PacketType::Upgrade,
            6 => PacketType::Noop,
            _ => return None,
        })
    }
}

/// The data of a `message` packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    /// UTF-8 text (shared, framed once: see [`Text`]).
    Text(Text),
    /// Raw bytes.
    Binary(Bytes),
}

/// One Engine.IO packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet {
    /// Handshake; the string is the handshake JSON text.
    Open(String),
    /// Close request; trailing data after the digit is ignored on decode.
    Close,
    /// Ping: `""` normally, `"probe"` during upgrade; v3 client pings may carry any text.
    Ping(String),
    /// Pong: `""` normally, `"probe"` during upgrade.
    Pong(String),
    /// Application data.
    Message(Data),
    /// Upgrade completion; trailing data ignored.
    Upgrade,
    /// No-op; trailing data ignored.
    Noop,
}

impl Packet {
    /// The type of this packet.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::Open(_) => PacketType::Open,
            Packet::Close => PacketType::Close,
            Packet::Ping(_) => PacketType::Ping,
            Packet::Pong(_) => PacketType::Pong,
            Packet::Message(_) => PacketType::Message,
            Packet::Upgrade => PacketType::Upgrade,
            Packet::Noop => PacketType::Noop,
        }
    }

    /// A text `message` packet.
    pub fn text(text: impl Into<Text>) -> Self {
        Packet::Message(Data::Text(text.into()))
    }

    /// A binary `message` packet.
    pub fn binary(bytes: impl Into<Bytes>) -> Self {
        Packet::Message(Data::Binary(bytes.into()))
    }

    /// Whether this is a `message` packet with binary data.
    pub fn is_binary(&self) -> bool {
        matches!(self, Packet::Message(Data::Binary(_)))
    }
}

/// The text data carried after the type digit, `None` for binary messages.
pub(crate) fn text_data(packet: &Packet) -> Option<&str> {
    match packet {
        Packet::Open(s) | Packet::Ping(s) | Packet::Pong(s) => Some(s),
        Packet::Message(Data::Text(t)) => Some(t.as_str()),
        Packet::Close | Packet::Upgrade | Packet::Noop => Some(""),
        Packet::Message(Data::Binary(_)) => None,
    }
}

/// Appends `<digit><data>` for a packet that has a text form; binary messages append nothing
/// and return `false`.
pub(crate) fn write_text_packet(packet: &Packet, out: &mut String) -> bool {
    if let Packet::Message(Data::Text(t)) = packet {
        out.push_str(t.framed_str());
        return true;
    }
    match text_data(packet) {
        Some(data) => {
            out.push(packet.packet_type().as_char());
            out.push_str(data);
            true
        }
        None => false,
    }
}

/// Decodes a text packet `<digit><data>`. `b`-prefixed (base64) packets are the payload
/// decoders' business, not handled here.
pub(crate) fn decode_text_packet(text: &str) -> Result<Packet, CodecError> {
    let mut chars = text.chars();
    let first = chars.next().ok_or(CodecError::EmptyPacket)?;
    let kind = PacketType::from_char(first).ok_or(CodecError::UnknownPacketType)?;
    Ok(with_text(kind, chars.as_str()))
}

/// Builds a packet of `kind` from text data (ignored for close/upgrade/noop).
pub(crate) fn with_text(kind: PacketType, data: &str) -> Packet {
    match kind {
        PacketType::Open => Packet::Open(data.to_owned()),
        PacketType::Close => Packet::Close,
        PacketType::Ping => Packet::Ping(data.to_owned()),
        PacketType::Pong => Packet::Pong(data.to_owned()),
        PacketType::Message => Packet::Message(Data::Text(Text::new(data))),
        PacketType::Upgrade => Packet::Upgrade,
        PacketType::Noop => Packet::Noop,
    }
}

/// Builds a packet from a v3 type byte and its binary data: `message` keeps the bytes,
/// open/ping/pong take them as UTF-8 text, close/upgrade/noop ignore them.
pub(crate) fn with_bytes(kind: PacketType, data: Bytes) -> Result<Packet, CodecError> {
    match kind {
        PacketType::Message => Ok(Packet::Message(Data::Binary(data))),
        PacketType::Close | PacketType::Upgrade | PacketType::Noop => Ok(with_text(kind, "")),
        PacketType::Open | PacketType::Ping | PacketType::Pong => {
            let text = std::str::from_utf8(&data).map_err(|_| CodecError::InvalidUtf8)?;
            Ok(with_text(kind, text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [PacketType; 7] = [
        PacketType::Open,
        PacketType::Close,
        PacketType::Ping,
        PacketType::Pong,
        PacketType::Message,
        PacketType::Upgrade,
        PacketType::Noop,
    ];

    #[test]
    fn type_digits() {
        for (i, t) in ALL.iter().enumerate() {
            let c = char::from(b'0' + i as u8);
            assert_eq!(t.as_char(), c);
            assert_eq!(PacketType::from_char(c), Some(*t));
            assert_eq!(PacketType::from_u8(i as u8), Some(*t));
            assert_eq!(t.as_u8(), i as u8);
        }
        for c in ['7', '8', '9', 'b', 'a', ' ', '\0', '٣'] {
            assert_eq!(PacketType::from_char(c), None, "{c:?}");
        }
        assert_eq!(PacketType::from_u8(7), None);
        assert_eq!(PacketType::from_u8(0xFF), None);
    }

    #[test]
    fn packet_types() {
        assert_eq!(Packet::Open("{}".into()).packet_type(), PacketType::Open);
        assert_eq!(Packet::Close.packet_type(), PacketType::Close);
        assert_eq!(Packet::Ping(String::new()).packet_type(), PacketType::Ping);
        assert_eq!(Packet::Pong("probe".into()).packet_type(), PacketType::Pong);
        assert_eq!(Packet::text("x").packet_type(), PacketType::Message);
        assert_eq!(Packet::binary(vec![1]).packet_type(), PacketType::Message);
        assert_eq!(Packet::Upgrade.packet_type(), PacketType::Upgrade);
        assert_eq!(Packet::Noop.packet_type(), PacketType::Noop);
        assert!(Packet::binary(vec![1]).is_binary());
        assert!(!Packet::text("x").is_binary());
    }

    #[test]
    fn text_packets() {
        assert_eq!(decode_text_packet("4hello"), Ok(Packet::text("hello")));
        assert_eq!(decode_text_packet("2"), Ok(Packet::Ping(String::new())));
        assert_eq!(
            decode_text_packet("2probe"),
            Ok(Packet::Ping("probe".into()))
        );
        assert_eq!(
            decode_text_packet("3probe"),
            Ok(Packet::Pong("probe".into()))
        );
        assert_eq!(decode_text_packet("1junk"), Ok(Packet::Close));
        assert_eq!(decode_text_packet("5junk"), Ok(Packet::Upgrade));
        assert_eq!(decode_text_packet("6junk"), Ok(Packet::Noop));
        assert_eq!(decode_text_packet("0{}"), Ok(Packet::Open("{}".into())));
        assert_eq!(decode_text_packet(""), Err(CodecError::EmptyPacket));
        assert_eq!(decode_text_packet("7"), Err(CodecError::UnknownPacketType));
        assert_eq!(
            decode_text_packet("abc"),
            Err(CodecError::UnknownPacketType)
        );
        assert_eq!(decode_text_packet("€4"), Err(CodecError::UnknownPacketType));
    }

    #[test]
    fn writes_text_form() {
        let mut out = String::new();
        assert!(write_text_packet(&Packet::text("hello"), &mut out));
        assert!(write_text_packet(&Packet::Close, &mut out));
        assert!(!write_text_packet(&Packet::binary(vec![1]), &mut out));
        assert_eq!(out, "4hello1");
    }

    #[test]
    fn typed_bytes() {
        let b = Bytes::from_static(b"probe");
        assert_eq!(
            with_bytes(PacketType::Ping, b.clone()),
            Ok(Packet::Ping("probe".into()))
        );
        assert_eq!(
            with_bytes(PacketType::Message, b.clone()),
            Ok(Packet::binary(b.clone()))
        );
        assert_eq!(with_bytes(PacketType::Noop, b), Ok(Packet::Noop));
        assert_eq!(
            with_bytes(PacketType::Pong, Bytes::from_static(&[0xFF])),
            Err(CodecError::InvalidUtf8)
        );
    }
}
