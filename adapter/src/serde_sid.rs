//! Socket ids as JSON strings.

use serde::{de, Deserialize, Deserializer, Serializer};

use crate::Sid;

pub(crate) fn serialize<S: Serializer>(sid: &Sid, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(sid.as_str())
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sid, D::Error> {
    let s = String::deserialize(d)?;
    Sid::parse(&s).ok_or_else(|| de::Error::custom(format!("not a socket id: {s:?}")))
}
