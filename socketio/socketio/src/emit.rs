//! Building the packets of emits and acks, and encoding a packet once for every recipient.

use engineio::{Data, Text};
use serde::Serialize;
use socketio_codec::{to_value, Packet, Parser, Value, RESERVED_EVENTS};

use crate::error::EmitError;

/// The arguments of an emit or an ack, before serialization.
pub(crate) enum Payload<'a, T: ?Sized> {
    /// No argument.
    None,
    /// One argument.
    One(&'a T),
    /// The items of a tuple, `Vec` or array as arguments (a non-sequence is one argument).
    Many(&'a T),
    /// Arguments already built.
    Args(Vec<Value>),
}

impl<T: Serialize + ?Sized> Payload<'_, T> {
    /// The argument list.
    pub(crate) fn into_args(self) -> Result<Vec<Value>, EmitError> {
        Ok(match self {
            Payload::None => Vec::new(),
            Payload::One(data) => vec![to_value(data)?],
            Payload::Many(data) => match to_value(data)? {
                Value::Array(items) => items,
                Value::Null => Vec::new(),
                other => vec![other],
            },
            Payload::Args(args) => args,
        })
    }
}

/// Refuses Node's reserved event names.
pub(crate) fn check_event(event: &str) -> Result<(), EmitError> {
    if RESERVED_EVENTS.contains(&event) {
        return Err(EmitError::ReservedEvent(event.to_owned()));
    }
    Ok(())
}

/// An EVENT packet `[event, ...args]`.
pub(crate) fn event_packet(nsp: &str, event: &str, args: Vec<Value>, id: Option<u64>) -> Packet {
    let mut data = Vec::with_capacity(args.len() + 1);
    data.push(Value::String(event.to_owned()));
    data.extend(args);
    Packet::event(nsp, Value::Array(data), id)
}

/// Splits the data of an EVENT packet into its name and arguments (for listeners).
pub(crate) fn event_parts(packet: &Packet) -> Option<(String, Vec<Value>)> {
    let items = packet.data.as_ref()?.as_array()?;
    let (name, args) = items.split_first()?;
    let name = match name {
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).unwrap_or_default(),
    };
    Some((name, args.to_vec()))
}

/// The Engine.IO messages of a packet, encoded once: shared buffers, cloned per recipient.
pub(crate) fn encode(parser: &dyn Parser, packet: &Packet) -> Vec<Data> {
    let messages = parser.encode(packet);
    let mut out = Vec::with_capacity(usize::from(messages.text.is_some()) + messages.binary.len());
    if let Some(text) = messages.text {
        out.push(Data::Text(Text::new(&text)));
    }
    out.extend(messages.binary.into_iter().map(Data::Binary));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    #[test]
    fn payload_shapes() {
        assert_eq!(
            Payload::<()>::None.into_args().unwrap(),
            Vec::<Value>::new()
        );
        assert_eq!(
            Payload::One(&(1, "x")).into_args().unwrap(),
            vec![Value::from(vec![Value::from(1), Value::from("x")])]
        );
        assert_eq!(
            Payload::Many(&(1, "x")).into_args().unwrap(),
            vec![Value::from(1), Value::from("x")]
        );
        assert_eq!(Payload::Many(&()).into_args().unwrap(), Vec::<Value>::new());
        assert_eq!(Payload::Many(&7).into_args().unwrap(), vec![Value::from(7)]);
    }

    #[test]
    fn reserved_names() {
        assert!(check_event("disconnect").is_err());
        assert!(check_event("message").is_ok());
    }

    #[test]
    fn one_encoding_for_every_recipient() {
        let args = vec![Value::from(Bytes::from_static(&[1, 2]))];
        let packet = event_packet("/admin", "bin", args, Some(7));
        let messages = encode(&socketio_codec::JsonParser, &packet);
        assert_eq!(messages.len(), 2);
        let Data::Text(text) = &messages[0] else {
            panic!("text first")
        };
        assert_eq!(
            text.as_str(),
            r#"51-/admin,7["bin",{"_placeholder":true,"num":0}]"#
        );
        let again = messages.clone();
        let (Data::Text(a), Data::Text(b)) = (&messages[0], &again[0]) else {
            panic!("text")
        };
        assert_eq!(
            a.framed().as_bytes().as_ptr(),
            b.framed().as_bytes().as_ptr()
        );
        let (name, args) = event_parts(&packet).unwrap();
        assert_eq!(name, "bin");
        assert!(args[0].is_binary());
    }
}
