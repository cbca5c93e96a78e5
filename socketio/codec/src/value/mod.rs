//! [`Value`]: a JSON value that can also hold binary data, the payload of every [`Packet`].
//!
//! Socket.IO payloads are JavaScript values: JSON plus `Buffer` / `ArrayBuffer`. The JSON parser
//! sends binary as attachments (placeholders in the JSON text), the msgpack parser inline as
//! msgpack `bin`; in a [`Value`] binary is always inline, as [`Value::Binary`].
//!
//! Conversions: [`to_value`] (any `Serialize`; `serialize_bytes` becomes `Binary`) and
//! [`from_value`] (any `Deserialize`; `Binary` feeds `Bytes`, `Vec<u8>`, `serde_bytes::ByteBuf`,
//! and is refused by `serde_json::Value`, which has no binary).
//!
//! [`Packet`]: crate::Packet

mod de;
mod ser;

use std::fmt;

use bytes::Bytes;
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Number;

use crate::ValueError;

pub use de::from_value;
pub use ser::to_value;
pub(crate) use ser::{f32_to_f64, key_from_f64, number_from_i128, MapKeySerializer};

/// The object map of a [`Value`]: keys keep their insertion order, like a JavaScript object.
pub type Map = indexmap::IndexMap<String, Value>;

/// A JSON value that can also hold binary data.
///
/// Numbers are [`serde_json::Number`]s: `u64`, `i64` (negative) or finite `f64`, as
/// `serde_json::Value` has them. Objects keep their key order ([`Map`]).
///
/// ```
/// use socketio_codec::{to_value, from_value, Bytes, Value};
///
/// let value = to_value(&("file", Bytes::from_static(b"\x01\x02"), 3))?;
/// assert_eq!(value[1].as_bytes().map(|b| &b[..]), Some(&[1u8, 2][..]));
/// assert!(value.has_binary());
/// let (name, data, n): (String, Vec<u8>, u8) = from_value(value)?;
/// assert_eq!((name.as_str(), data, n), ("file", vec![1, 2], 3));
/// # Ok::<(), socketio_codec::ValueError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null` (also what a JavaScript `undefined` array item becomes).
    #[default]
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number: `u64`, negative `i64` or finite `f64`.
    Number(Number),
    /// A string.
    String(String),
    /// Binary data: a `Buffer` / `ArrayBuffer` on the JavaScript side.
    Binary(Bytes),
    /// An array.
    Array(Vec<Value>),
    /// An object, keys in insertion order.
    Object(Map),
}

/// Shared `Value::Null` for the indexing operators.
static NULL: Value = Value::Null;

impl Value {
    /// The string, if this is a `String`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is an `Array`.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The items, mutable, if this is an `Array`.
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The map, if this is an `Object`.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The map, mutable, if this is an `Object`.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The boolean, if this is a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The number as `u64`, if it is a non-negative integer stored as an integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    /// The number as `i64`, if it is an integer stored as an integer that fits.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    /// The number as `f64` (integers converted, possibly rounded).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The bytes, if this is `Binary`.
    pub fn as_bytes(&self) -> Option<&Bytes> {
        match self {
            Value::Binary(b) => Some(b),
            _ => None,
        }
    }

    /// The member `key` of an object; `None` for a missing key or a non-object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True for `String`.
    pub fn is_string(&self) -> bool {
        matches!(self, Value::String(_))
    }

    /// True for `Number`.
    pub fn is_number(&self) -> bool {
        matches!(self, Value::Number(_))
    }

    /// True for `Array`.
    pub fn is_array(&self) -> bool {
        matches!(self, Value::Array(_))
    }

    /// True for `Object`.
    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }

    /// True for `Binary`.
    pub fn is_binary(&self) -> bool {
        matches!(self, Value::Binary(_))
    }

    /// Takes the value out, leaving `Null`.
    pub fn take(&mut self) -> Value {
        std::mem::take(self)
    }

    /// True when this value is or contains (at any depth) `Binary`.
    pub fn has_binary(&self) -> bool {
        match self {
            Value::Binary(_) => true,
            Value::Array(items) => items.iter().any(Value::has_binary),
            Value::Object(map) => map.values().any(Value::has_binary),
            _ => false,
        }
    }
}

impl std::ops::Index<usize> for Value {
    type Output = Value;

    /// The array item at `index`, `Null` when out of range or not an array.
    fn index(&self, index: usize) -> &Value {
        self.as_array().and_then(|a| a.get(index)).unwrap_or(&NULL)
    }
}

impl std::ops::Index<&str> for Value {
    type Output = Value;

    /// The object member `key`, `Null` when missing or not an object.
    fn index(&self, key: &str) -> &Value {
        self.get(key).unwrap_or(&NULL)
    }
}

// ---------------------------------------------------------------------------------------------
// From / TryFrom

impl From<serde_json::Value> for Value {
    fn from(value: serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(items) => {
                Value::Array(items.into_iter().map(Value::from).collect())
            }
            serde_json::Value::Object(map) => {
                Value::Object(map.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
            }
        }
    }
}

impl TryFrom<Value> for serde_json::Value {
    type Error = ValueError;

    /// Fails with [`ValueError::BinaryInJson`] when the value contains `Binary`.
    fn try_from(value: Value) -> Result<Self, ValueError> {
        Ok(match value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(b),
            Value::Number(n) => serde_json::Value::Number(n),
            Value::String(s) => serde_json::Value::String(s),
            Value::Binary(_) => return Err(ValueError::BinaryInJson),
            Value::Array(items) => serde_json::Value::Array(
                items
                    .into_iter()
                    .map(serde_json::Value::try_from)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(map) => serde_json::Value::Object(
                map.into_iter()
                    .map(|(k, v)| Ok((k, serde_json::Value::try_from(v)?)))
                    .collect::<Result<_, ValueError>>()?,
            ),
        })
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

macro_rules! from_integer {
    ($($ty:ty)*) => {$(
        impl From<$ty> for Value {
            fn from(n: $ty) -> Self {
                Value::Number(Number::from(n))
            }
        }
    )*};
}

from_integer!(u8 u16 u32 u64 usize i8 i16 i32 i64 isize);

impl From<f64> for Value {
    /// A finite float; NaN and the infinities become `Null` (as `JSON.stringify` writes them).
    fn from(f: f64) -> Self {
        Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl From<f32> for Value {
    /// The float with its shortest decimal form (`1.1_f32` is `1.1`, not `1.100000023841858`);
    /// NaN and the infinities become `Null`.
    fn from(f: f32) -> Self {
        Value::from(ser::f32_to_f64(f))
    }
}

impl From<Number> for Value {
    fn from(n: Number) -> Self {
        Value::Number(n)
    }
}

impl From<Bytes> for Value {
    fn from(b: Bytes) -> Self {
        Value::Binary(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::Array(items)
    }
}

impl From<Map> for Value {
    fn from(map: Map) -> Self {
        Value::Object(map)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    /// `None` is `Null`.
    fn from(option: Option<T>) -> Self {
        option.map_or(Value::Null, Into::into)
    }
}

impl FromIterator<Value> for Value {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Self {
        Value::Array(iter.into_iter().collect())
    }
}

/// An object from `(key, value)` pairs, in order:
/// `Value::from_iter([("ok", Value::from(true)), ("file", bytes.into())])`.
impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Value {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Value::Object(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// serde

impl Serialize for Value {
    /// As `serde_json::Value` does; `Binary` through `serialize_bytes`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => n.serialize(serializer),
            Value::String(s) => serializer.serialize_str(s),
            Value::Binary(b) => serializer.serialize_bytes(b),
            Value::Array(items) => serializer.collect_seq(items),
            Value::Object(map) => serializer.collect_map(map),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    /// Any self-describing format: byte strings (`visit_bytes` / `visit_byte_buf`) become
    /// `Binary`, objects keep their key order (a repeated key keeps its first position and its
    /// last value, as `JSON.parse`), non-finite floats become `Null`.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value or binary data")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: serde::de::Error>(self, v: i128) -> Result<Value, E> {
        ser::number_from_i128(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Value, E> {
        ser::number_from_i128(i128::try_from(v).unwrap_or(i128::MAX))
            .map(Value::Number)
            .ok_or_else(|| E::custom("number out of range"))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Binary(Bytes::copy_from_slice(v)))
    }

    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Binary(Bytes::from(v)))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        // A hint is only a hint: never trust it beyond a small bound.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::with_capacity(access.size_hint().unwrap_or(0).min(64));
        while let Some((key, value)) = access.next_entry::<String, Value>()? {
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    #[test]
    fn accessors() {
        let mut v = Value::from(json!({"a": [1, -2, 1.5, "s", true, null], "b": {"c": 3}}));
        assert_eq!(v["a"][0].as_u64(), Some(1));
        assert_eq!(v["a"][1].as_i64(), Some(-2));
        assert_eq!(v["a"][1].as_u64(), None);
        assert_eq!(v["a"][2].as_f64(), Some(1.5));
        assert_eq!(v["a"][3].as_str(), Some("s"));
        assert_eq!(v["a"][4].as_bool(), Some(true));
        assert!(v["a"][5].is_null());
        assert!(v["a"][99].is_null());
        assert!(v["missing"]["deeper"].is_null());
        assert_eq!(v.get("b").and_then(|b| b.get("c")), Some(&Value::from(3)));
        assert_eq!(v.get("zz"), None);
        assert_eq!(Value::from(1).get("a"), None);
        assert_eq!(v["a"].as_array().map(Vec::len), Some(6));
        assert!(v["b"].as_object().is_some());
        assert!(v["b"].is_object() && v["a"].is_array() && v["a"][3].is_string());
        assert!(v["a"][0].is_number());
        v.as_object_mut()
            .unwrap()
            .insert("bin".into(), Bytes::from_static(b"x").into());
        assert!(v.has_binary());
        assert_eq!(v["bin"].as_bytes(), Some(&Bytes::from_static(b"x")));
        assert!(v["bin"].is_binary());
        v.as_array_mut(); // not an array
        let a = v.as_object_mut().unwrap().get_mut("a").unwrap();
        a.as_array_mut().unwrap().push(Value::Null);
        let taken = v.take();
        assert!(v.is_null());
        assert_eq!(taken["a"].as_array().map(Vec::len), Some(7));
        assert_eq!(Value::default(), Value::Null);
    }

    #[test]
    fn has_binary_is_recursive() {
        assert!(!Value::from(json!([1, {"a": [2, "x"]}])).has_binary());
        let deep = Value::Array(vec![Value::Object(
            [(
                "k".to_owned(),
                Value::Array(vec![Value::Binary(Bytes::new())]),
            )]
            .into_iter()
            .collect(),
        )]);
        assert!(deep.has_binary());
        assert!(Value::Binary(Bytes::new()).has_binary());
    }

    #[test]
    fn from_impls() {
        assert_eq!(Value::from("a"), Value::String("a".into()));
        assert_eq!(Value::from(String::from("a")), Value::String("a".into()));
        assert_eq!(Value::from(true), Value::Bool(true));
        assert_eq!(Value::from(-3i8).as_i64(), Some(-3));
        assert_eq!(Value::from(300u16).as_u64(), Some(300));
        assert_eq!(Value::from(usize::MAX).as_u64(), Some(usize::MAX as u64));
        assert_eq!(Value::from(1.5).as_f64(), Some(1.5));
        assert_eq!(Value::from(f64::NAN), Value::Null);
        assert_eq!(Value::from(f64::INFINITY), Value::Null);
        assert_eq!(Value::from(1.1f32).as_f64(), Some(1.1));
        assert_eq!(Value::from(f32::NAN), Value::Null);
        assert_eq!(Value::from(None::<u8>), Value::Null);
        assert_eq!(Value::from(Some(2u8)), Value::from(2u8));
        assert_eq!(
            Value::from(vec![Value::Null]),
            Value::Array(vec![Value::Null])
        );
        assert_eq!(Value::from(Map::new()), Value::Object(Map::new()));
        assert_eq!(
            Value::from(Bytes::from_static(b"a")),
            Value::Binary(Bytes::from_static(b"a"))
        );
        let arr: Value = [Value::from(1), Value::from(2)].into_iter().collect();
        assert_eq!(arr, Value::from(json!([1, 2])));
        let obj: Value = [("b".to_owned(), Value::from(1))].into_iter().collect();
        assert_eq!(obj, Value::from(json!({"b": 1})));
    }

    #[test]
    fn json_conversions_keep_order() {
        let json: serde_json::Value =
            serde_json::from_str(r#"{"z":1,"a":[{"y":2,"b":3}]}"#).unwrap();
        let value = Value::from(json.clone());
        let keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a"]);
        assert_eq!(serde_json::Value::try_from(value).unwrap(), json);
        let bin = Value::Array(vec![Value::from(1), Value::Binary(Bytes::new())]);
        assert_eq!(
            serde_json::Value::try_from(bin),
            Err(ValueError::BinaryInJson)
        );
        let nested: Value = [("k".to_owned(), Value::Binary(Bytes::new()))]
            .into_iter()
            .collect();
        assert_eq!(
            serde_json::Value::try_from(nested),
            Err(ValueError::BinaryInJson)
        );
    }

    #[test]
    fn deserialize_from_json_keeps_order_and_proto() {
        let text = r#"{"b":1,"__proto__":{"x":1},"a":2,"b":3}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["b", "__proto__", "a"]);
        assert_eq!(value["b"], Value::from(3));
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"b":3,"__proto__":{"x":1},"a":2}"#
        );
    }

    #[test]
    fn deserialize_bytes_as_binary() {
        let value: Value = serde_json::from_value(json!(null)).unwrap();
        assert!(value.is_null());
        // A format with byte strings: ours.
        let value: Value = from_value(Value::Binary(Bytes::from_static(b"ab"))).unwrap();
        assert_eq!(value, Value::Binary(Bytes::from_static(b"ab")));
        use serde::de::value::{BytesDeserializer, Error};
        let d = BytesDeserializer::<Error>::new(b"cd");
        assert_eq!(
            Value::deserialize(d).unwrap(),
            Value::Binary(Bytes::from_static(b"cd"))
        );
    }

    #[test]
    fn deep_json_is_an_error() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(serde_json::from_str::<Value>(&deep).is_err());
    }
}
