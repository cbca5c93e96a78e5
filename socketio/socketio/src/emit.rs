//! Building outgoing packets: event/ack JSON with binary placeholders, serialized once.

use bytes::Bytes;
use serde::Serialize;
use socketio_codec::PacketType;

use crate::extract::Args;

/// The arguments of an emit or an ack.
pub(crate) enum Payload<'a, T: ?Sized> {
    /// One argument.
    One(&'a T),
    /// A sequence whose items are the arguments (a tuple, a Vec, an array).
    Many(&'a T),
    /// Raw arguments, placeholders and attachments kept.
    Raw(&'a Args),
}

/// Serializes `[event?, ...args]`; returns the JSON text and the binary attachments.
pub(crate) fn args_json<T: Serialize + ?Sized>(
    event: Option<&str>,
    payload: Payload<'_, T>,
) -> Result<(String, Vec<Bytes>), serde_json::Error> {
    let mut buf = Vec::with_capacity(64);
    let mut attachments = Vec::new();
    buf.push(b'[');
    let mut first = true;
    if let Some(event) = event {
        serde_json::to_writer(&mut buf, event)?;
        first = false;
    }
    match payload {
        Payload::One(value) => {
            if !first {
                buf.push(b',');
            }
            socketio_codec::write_json_with_binary(&mut buf, value, &mut attachments)?;
        }
        Payload::Many(values) => {
            let mut inner = Vec::with_capacity(32);
            socketio_codec::write_json_with_binary(&mut inner, values, &mut attachments)?;
            match inner.as_slice() {
                [b'[', b']'] => {}
                [b'[', body @ .., b']'] => {
                    if !first {
                        buf.push(b',');
                    }
                    buf.extend_from_slice(body);
                }
                other => {
                    if !first {
                        buf.push(b',');
                    }
                    buf.extend_from_slice(other);
                }
            }
        }
        Payload::Raw(args) => {
            for value in &args.values {
                if !first {
                    buf.push(b',');
                }
                first = false;
                serde_json::to_writer(&mut buf, value)?;
            }
            attachments.extend(args.attachments.iter().cloned());
        }
    }
    buf.push(b']');
    // serde_json only writes valid UTF-8.
    let json = String::from_utf8(buf).unwrap_or_default();
    Ok((json, attachments))
}

/// An encoded Socket.IO packet, ready for every recipient: one text message and its attachments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedPacket {
    /// The text message (`2["ev",...]`, `451-[...]`, ...).
    pub text: String,
    /// The binary messages that follow it.
    pub attachments: Vec<Bytes>,
}

/// Encodes an EVENT (or BINARY_EVENT) packet.
pub(crate) fn event_packet<T: Serialize + ?Sized>(
    nsp: &str,
    event: &str,
    payload: Payload<'_, T>,
    id: Option<u64>,
) -> Result<EncodedPacket, serde_json::Error> {
    let (json, attachments) = args_json(Some(event), payload)?;
    let kind = if attachments.is_empty() {
        PacketType::Event
    } else {
        PacketType::BinaryEvent
    };
    let text = socketio_codec::encode_raw(kind, nsp, id, attachments.len(), &json);
    Ok(EncodedPacket { text, attachments })
}

/// Encodes an ACK (or BINARY_ACK) packet.
pub(crate) fn ack_packet<T: Serialize + ?Sized>(
    nsp: &str,
    payload: Payload<'_, T>,
    id: u64,
) -> Result<EncodedPacket, serde_json::Error> {
    let (json, attachments) = args_json(None, payload)?;
    let kind = if attachments.is_empty() {
        PacketType::Ack
    } else {
        PacketType::BinaryAck
    };
    let text = socketio_codec::encode_raw(kind, nsp, Some(id), attachments.len(), &json);
    Ok(EncodedPacket { text, attachments })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_many_raw() {
        let (json, att) =
            args_json(Some("ev"), Payload::One(&serde_json::json!({"b":1,"a":2}))).unwrap();
        assert_eq!(json, r#"["ev",{"b":1,"a":2}]"#);
        assert!(att.is_empty());
        let (json, _) = args_json(Some("ev"), Payload::Many(&(1, "x", [true]))).unwrap();
        assert_eq!(json, r#"["ev",1,"x",[true]]"#);
        let (json, _) = args_json(Some("ev"), Payload::Many(&Vec::<u32>::new())).unwrap();
        assert_eq!(json, r#"["ev"]"#);
        let (json, _) = args_json(None, Payload::Many(&Vec::<u32>::new())).unwrap();
        assert_eq!(json, "[]");
        let (json, _) = args_json(None, Payload::Many(&7)).unwrap();
        assert_eq!(json, "[7]", "a non-sequence is one argument");
        let args = Args {
            values: vec![serde_json::json!({"_placeholder":true,"num":0})],
            attachments: vec![Bytes::from_static(&[1, 2])],
        };
        let p = event_packet::<()>("/", "back", Payload::Raw(&args), None).unwrap();
        assert_eq!(p.text, r#"51-["back",{"_placeholder":true,"num":0}]"#);
        assert_eq!(p.attachments.len(), 1);
    }

    #[test]
    fn binary_becomes_attachments() {
        let p = event_packet(
            "/admin",
            "bin",
            Payload::Many(&(Bytes::from_static(&[1, 2, 3]), 5)),
            Some(7),
        )
        .unwrap();
        assert_eq!(
            p.text,
            r#"51-/admin,7["bin",{"_placeholder":true,"num":0},5]"#
        );
        assert_eq!(p.attachments, vec![Bytes::from_static(&[1, 2, 3])]);
        let a = ack_packet("/", Payload::One(&"ok"), 3).unwrap();
        assert_eq!(a.text, r#"33["ok"]"#);
    }
}
