//! [`from_value`]: [`Value`] as a serde `Deserializer`.

use bytes::Bytes;
use serde::de::value::{StringDeserializer, U8Deserializer};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess,
    SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use super::{Map, Value};
use crate::ValueError;

/// Converts a [`Value`] into any `Deserialize` type, as `serde_json::from_value` does.
///
/// [`Value::Binary`] deserializes into `bytes::Bytes`, `Vec<u8>` (as a sequence of bytes),
/// `serde_bytes::ByteBuf` and `Value`; types that take no byte strings refuse it, and that
/// includes `serde_json::Value` ("invalid type: byte array"): binary never silently becomes an
/// array of numbers. Object keys deserialize into strings, or into numbers and booleans when the
/// target map wants them (`HashMap<u32, _>`).
///
/// ```
/// use socketio_codec::{from_value, to_value, Bytes, Value};
///
/// let value = to_value(&("a", Bytes::from_static(b"\x01\x02")))?;
/// let (_, bytes): (String, Bytes) = from_value(value.clone())?;
/// assert_eq!(&bytes[..], [1, 2]);
/// let (_, vec): (String, Vec<u8>) = from_value(value.clone())?;
/// assert_eq!(vec, [1, 2]);
/// assert!(from_value::<serde_json::Value>(value).is_err());
/// # Ok::<(), socketio_codec::ValueError>(())
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ValueError> {
    T::deserialize(value)
}

impl Value {
    /// What a mismatch error says this value is.
    fn unexpected(&self) -> Unexpected<'_> {
        match self {
            Value::Null => Unexpected::Unit,
            Value::Bool(b) => Unexpected::Bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => Unexpected::Unsigned(u),
                (_, Some(i), _) => Unexpected::Signed(i),
                (_, _, Some(f)) => Unexpected::Float(f),
                _ => Unexpected::Other("number"),
            },
            Value::String(s) => Unexpected::Str(s),
            Value::Binary(b) => Unexpected::Bytes(b),
            Value::Array(_) => Unexpected::Seq,
            Value::Object(_) => Unexpected::Map,
        }
    }

    fn invalid_type<E: de::Error>(&self, expected: &dyn de::Expected) -> E {
        E::invalid_type(self.unexpected(), expected)
    }
}

impl<'de> IntoDeserializer<'de, ValueError> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

fn visit_array<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    visitor: V,
) -> Result<V::Value, ValueError> {
    let len = items.len();
    let mut seq = SeqDeserializer {
        iter: items.into_iter(),
    };
    let value = visitor.visit_seq(&mut seq)?;
    if seq.iter.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in array"))
    }
}

fn visit_object<'de, V: Visitor<'de>>(map: Map, visitor: V) -> Result<V::Value, ValueError> {
    let len = map.len();
    let mut access = MapDeserializer {
        iter: map.into_iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut access)?;
    if access.iter.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(len, &"fewer elements in map"))
    }
}

fn visit_binary<'de, V: Visitor<'de>>(bytes: Bytes, visitor: V) -> Result<V::Value, ValueError> {
    // `Vec::from(Bytes)` reuses the allocation when the `Bytes` is unique and came from a Vec.
    visitor.visit_byte_buf(Vec::from(bytes))
}

impl<'de> Deserializer<'de> for Value {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_string(s),
            Value::Binary(b) => visit_binary(b, visitor),
            Value::Array(items) => visit_array(items, visitor),
            Value::Object(map) => visit_object(map, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let (variant, value) = match self {
            Value::String(variant) => (variant, None),
            Value::Object(map) if map.len() == 1 => match map.into_iter().next() {
                Some((variant, value)) => (variant, Some(value)),
                None => return Err(de::Error::custom("empty enum map")),
            },
            other => return Err(other.invalid_type(&"a string or a map with a single key")),
        };
        visitor.visit_enum(EnumDeserializer { variant, value })
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Binary(b) => visit_binary(b, visitor),
            other => other.deserialize_any(visitor),
        }
    }

    /// `Binary` as a sequence of `u8`s, so that `Vec<u8>` (which asks for a sequence) works.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Binary(bytes) => {
                let mut seq = BytesSeq { bytes, pos: 0 };
                let value = visitor.visit_seq(&mut seq)?;
                if seq.pos == seq.bytes.len() {
                    Ok(value)
                } else {
                    Err(de::Error::invalid_length(
                        seq.bytes.len(),
                        &"fewer elements in byte array",
                    ))
                }
            }
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        drop(self);
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct tuple tuple_struct map struct identifier
    }
}

/// The items of an array.
struct SeqDeserializer {
    iter: std::vec::IntoIter<Value>,
}

impl<'de> SeqAccess<'de> for SeqDeserializer {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        self.iter.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The bytes of a `Binary`, one `u8` at a time.
struct BytesSeq {
    bytes: Bytes,
    pos: usize,
}

impl<'de> SeqAccess<'de> for BytesSeq {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        let Some(&byte) = self.bytes.get(self.pos) else {
            return Ok(None);
        };
        self.pos += 1;
        seed.deserialize(U8Deserializer::<ValueError>::new(byte))
            .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.bytes.len().saturating_sub(self.pos))
    }
}

/// The entries of an object.
struct MapDeserializer {
    iter: indexmap::map::IntoIter<String, Value>,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for MapDeserializer {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDeserializer(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ValueError> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// An object key: a string, or a number / boolean when the target asks for one.
struct KeyDeserializer(String);

macro_rules! deserialize_parsed_key {
    ($($method:ident => $visit:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
            match self.0.parse() {
                Ok(parsed) => visitor.$visit(parsed),
                Err(_) => Err(de::Error::invalid_value(Unexpected::Str(&self.0), &visitor)),
            }
        }
    )*};
}

impl<'de> Deserializer<'de> for KeyDeserializer {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_string(self.0)
    }

    deserialize_parsed_key! {
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128,
        deserialize_f32 => visit_f32,
        deserialize_f64 => visit_f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        StringDeserializer::<ValueError>::new(self.0).deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// An enum: `"Variant"` or `{"Variant": content}`.
struct EnumDeserializer {
    variant: String,
    value: Option<Value>,
}

impl<'de> EnumAccess<'de> for EnumDeserializer {
    type Error = ValueError;
    type Variant = VariantDeserializer;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantDeserializer), ValueError> {
        let variant = seed.deserialize(StringDeserializer::<ValueError>::new(self.variant))?;
        Ok((variant, VariantDeserializer { value: self.value }))
    }
}

/// The content of an enum variant.
struct VariantDeserializer {
    value: Option<Value>,
}

impl<'de> VariantAccess<'de> for VariantDeserializer {
    type Error = ValueError;

    fn unit_variant(self) -> Result<(), ValueError> {
        match self.value {
            None | Some(Value::Null) => Ok(()),
            Some(other) => Err(other.invalid_type(&"unit variant")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, ValueError> {
        match self.value {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"newtype variant",
            )),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self.value {
            Some(Value::Array(items)) => visit_array(items, visitor),
            Some(other) => Err(other.invalid_type(&"tuple variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"tuple variant",
            )),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        match self.value {
            Some(Value::Object(map)) => visit_object(map, visitor),
            Some(Value::Array(items)) => visit_array(items, visitor),
            Some(other) => Err(other.invalid_type(&"struct variant")),
            None => Err(de::Error::invalid_type(
                Unexpected::UnitVariant,
                &"struct variant",
            )),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Borrowing: `T::deserialize(&value)` without consuming the value.

/// `T::deserialize(&value)` reads a borrowed value: strings and binary can be borrowed
/// (`&str`, `&[u8]`), everything else is as with [`from_value`].
///
/// ```
/// use serde::Deserialize;
/// use socketio_codec::{to_value, Bytes};
///
/// let value = to_value(&("name", Bytes::from_static(b"\x01")))?;
/// let (name, data) = <(&str, &[u8])>::deserialize(&value)?;
/// assert_eq!((name, data), ("name", &[1u8][..]));
/// # Ok::<(), socketio_codec::ValueError>(())
/// ```
impl<'de> Deserializer<'de> for &'de Value {
    type Error = ValueError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else {
                    visitor.visit_f64(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::Binary(b) => visitor.visit_borrowed_bytes(b),
            Value::Array(items) => visit_array_ref(items, visitor),
            Value::Object(map) => visit_object_ref(map, visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ValueError> {
        let (variant, value) = match self {
            Value::String(variant) => (variant.as_str(), None),
            Value::Object(map) if map.len() == 1 => match map.iter().next() {
                Some((variant, value)) => (variant.as_str(), Some(value)),
                None => return Err(de::Error::custom("empty enum map")),
            },
            other => return Err(other.invalid_type(&"a string or a map with a single key")),
        };
        // The content is owned from here: enum payloads are small.
        visitor.visit_enum(EnumDeserializer {
            variant: variant.to_owned(),
            value: value.cloned(),
        })
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        self.deserialize_any(visitor)
    }

    /// `Binary` as a sequence of `u8`s, as for an owned value.
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        match self {
            Value::Binary(bytes) => {
                let mut seq = BytesSeq {
                    bytes: bytes.clone(),
                    pos: 0,
                };
                let value = visitor.visit_seq(&mut seq)?;
                if seq.pos == seq.bytes.len() {
                    Ok(value)
                } else {
                    Err(de::Error::invalid_length(
                        seq.bytes.len(),
                        &"fewer elements in byte array",
                    ))
                }
            }
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ValueError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct tuple tuple_struct map struct identifier
    }
}

fn visit_array_ref<'de, V: Visitor<'de>>(
    items: &'de [Value],
    visitor: V,
) -> Result<V::Value, ValueError> {
    let mut seq = SeqRefDeserializer { iter: items.iter() };
    let value = visitor.visit_seq(&mut seq)?;
    if seq.iter.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            items.len(),
            &"fewer elements in array",
        ))
    }
}

fn visit_object_ref<'de, V: Visitor<'de>>(
    map: &'de Map,
    visitor: V,
) -> Result<V::Value, ValueError> {
    let mut access = MapRefDeserializer {
        iter: map.iter(),
        value: None,
    };
    let value = visitor.visit_map(&mut access)?;
    if access.iter.len() == 0 {
        Ok(value)
    } else {
        Err(de::Error::invalid_length(
            map.len(),
            &"fewer elements in map",
        ))
    }
}

/// The items of a borrowed array.
struct SeqRefDeserializer<'de> {
    iter: std::slice::Iter<'de, Value>,
}

impl<'de> SeqAccess<'de> for SeqRefDeserializer<'de> {
    type Error = ValueError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ValueError> {
        self.iter.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The entries of a borrowed object.
struct MapRefDeserializer<'de> {
    iter: indexmap::map::Iter<'de, String, Value>,
    value: Option<&'de Value>,
}

impl<'de> MapAccess<'de> for MapRefDeserializer<'de> {
    type Error = ValueError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ValueError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(KeyDeserializer(key.clone())).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ValueError> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::{BTreeMap, HashMap};

    use serde::{Deserialize, Serialize};
    use serde_json::json;

    use super::*;
    use crate::to_value;

    fn v(json: serde_json::Value) -> Value {
        Value::from(json)
    }

    #[test]
    fn binary_into_byte_types() {
        let bin = Value::Binary(Bytes::from_static(&[1, 2, 255]));
        let bytes: Bytes = from_value(bin.clone()).unwrap();
        assert_eq!(&bytes[..], [1, 2, 255]);
        let vec: Vec<u8> = from_value(bin.clone()).unwrap();
        assert_eq!(vec, [1, 2, 255]);
        let buf: serde_bytes::ByteBuf = from_value(bin.clone()).unwrap();
        assert_eq!(buf.into_vec(), [1, 2, 255]);
        let value: Value = from_value(bin.clone()).unwrap();
        assert_eq!(value, bin);
        let boxed: Box<[u8]> = from_value(bin.clone()).unwrap();
        assert_eq!(&boxed[..], [1, 2, 255]);
        // Vec<u8> also through `deserialize_byte_buf` (serde_bytes' helpers).
        #[derive(Deserialize)]
        struct WithHelper {
            #[serde(with = "serde_bytes")]
            data: Vec<u8>,
        }
        let mut map = Map::new();
        map.insert("data".into(), bin.clone());
        let w: WithHelper = from_value(Value::Object(map)).unwrap();
        assert_eq!(w.data, [1, 2, 255]);
        // Byte types also read arrays of numbers (what a JSON client may send).
        let bytes: Bytes = from_value(v(json!([1, 2]))).unwrap();
        assert_eq!(&bytes[..], [1, 2]);
        let vec: Vec<u8> = from_value(v(json!([3]))).unwrap();
        assert_eq!(vec, [3]);
        // Too large for u8 / too few for an array.
        assert!(from_value::<[u8; 4]>(bin.clone()).is_err());
        assert!(from_value::<[u8; 2]>(bin.clone()).is_err());
        assert!(from_value::<Vec<u8>>(v(json!([256]))).is_err());
    }

    #[test]
    fn binary_into_serde_json_value_fails() {
        let err =
            from_value::<serde_json::Value>(Value::Binary(Bytes::from_static(b"x"))).unwrap_err();
        assert!(err.to_string().contains("byte array"), "{err}");
        let nested = v(json!(["a", {}]));
        let mut nested = nested;
        nested.as_array_mut().unwrap()[1]
            .as_object_mut()
            .unwrap()
            .insert("b".into(), Value::Binary(Bytes::new()));
        assert!(from_value::<serde_json::Value>(nested.clone()).is_err());
        assert!(from_value::<(String, HashMap<String, serde_json::Value>)>(nested).is_err());
        // Without binary it works and keeps order.
        let json = json!({"z": [1, -2, 1.5, "s", null, true], "a": {}});
        assert_eq!(
            from_value::<serde_json::Value>(v(json.clone())).unwrap(),
            json
        );
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, String),
        Struct { a: bool },
    }

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct S {
        name: String,
        n: i32,
        f: f64,
        opt: Option<u8>,
        missing: Option<u8>,
        list: Vec<E>,
        tuple: (u8, bool),
        blob: Bytes,
        #[serde(default)]
        nested: BTreeMap<u32, String>,
        unit: (),
        ch: char,
    }

    #[test]
    fn typed_round_trips() {
        let s = S {
            name: "n".into(),
            n: -3,
            f: 2.5,
            opt: Some(1),
            missing: None,
            list: vec![
                E::Unit,
                E::New(2),
                E::Tuple(3, "x".into()),
                E::Struct { a: true },
            ],
            tuple: (9, false),
            blob: Bytes::from_static(b"\x00\x01"),
            nested: [(1, "one".to_owned()), (20, "twenty".to_owned())]
                .into_iter()
                .collect(),
            unit: (),
            ch: 'é',
        };
        let value = to_value(&s).unwrap();
        assert_eq!(value["nested"]["20"].as_str(), Some("twenty"));
        let back: S = from_value(value).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn mismatches_are_errors() {
        assert!(from_value::<u8>(v(json!("x"))).is_err());
        assert!(from_value::<u8>(v(json!(-1))).is_err());
        assert!(from_value::<String>(v(json!(1))).is_err());
        assert!(from_value::<(u8, u8)>(v(json!([1, 2, 3]))).is_err());
        assert!(from_value::<E>(v(json!({"New": 1, "Unit": null}))).is_err());
        assert!(from_value::<E>(v(json!(3))).is_err());
        assert!(from_value::<E>(v(json!({"Unit": 3}))).is_err());
        assert!(from_value::<E>(v(json!("New"))).is_err());
        assert!(from_value::<E>(v(json!("Tuple"))).is_err());
        assert!(from_value::<E>(v(json!({"Tuple": 1}))).is_err());
        assert!(from_value::<E>(v(json!({"Struct": 1}))).is_err());
        assert!(from_value::<E>(v(json!("Struct"))).is_err());
        assert_eq!(from_value::<E>(v(json!({"Unit": null}))).unwrap(), E::Unit);
        assert_eq!(
            from_value::<E>(v(json!({"Struct": [false]}))).unwrap(),
            E::Struct { a: false }
        );
        assert!(from_value::<HashMap<u8, u8>>(v(json!({"x": 1}))).is_err());
        assert!(from_value::<HashMap<bool, u8>>(v(json!({"true": 1}))).unwrap()[&true] == 1);
        let err = from_value::<u8>(Value::Binary(Bytes::new())).unwrap_err();
        assert!(err.to_string().contains("byte array"), "{err}");
        let err = from_value::<String>(v(json!(1.5))).unwrap_err();
        assert!(err.to_string().contains("1.5"), "{err}");
        assert!(from_value::<bool>(v(json!(null))).is_err());
        assert!(from_value::<bool>(v(json!(-7))).is_err());
    }

    #[test]
    fn option_unit_ignored_and_key_enums() {
        assert_eq!(from_value::<Option<u8>>(Value::Null).unwrap(), None);
        assert_eq!(from_value::<Option<u8>>(v(json!(4))).unwrap(), Some(4));
        from_value::<()>(Value::Null).unwrap();
        #[derive(Deserialize, PartialEq, Eq, Hash, Debug)]
        enum K {
            A,
        }
        #[derive(Deserialize, PartialEq, Eq, Hash, Debug)]
        struct Id(String);
        let m: HashMap<K, Option<Id>> = from_value(v(json!({"A": "x"}))).unwrap();
        assert_eq!(m[&K::A], Some(Id("x".into())));
        let m: HashMap<Id, u8> = from_value(v(json!({"k": 1}))).unwrap();
        assert_eq!(m[&Id("k".into())], 1);
        #[derive(Deserialize)]
        struct Partial {
            a: u8,
        }
        let p: Partial = from_value(v(json!({"b": [1, {"c": 2}], "a": 1}))).unwrap();
        assert_eq!(p.a, 1);
        let f: f32 = from_value(v(json!(3))).unwrap();
        assert_eq!(f, 3.0);
        let i: i64 = from_value(v(json!(-9))).unwrap();
        assert_eq!(i, -9);
    }

    #[test]
    fn into_deserializer() {
        let value = v(json!([1, 2]));
        let pair: (u8, u8) = Deserialize::deserialize(value.into_deserializer()).unwrap();
        assert_eq!(pair, (1, 2));
    }

    #[test]
    fn borrowed_deserializer() {
        let mut value = v(json!(["name", {"k": [1, -2, 1.5]}, null, "Unit", {"New": 3}]));
        value
            .as_array_mut()
            .unwrap()
            .push(Value::Binary(Bytes::from_static(&[1, 2])));
        type Row<'a> = (
            &'a str,
            HashMap<String, Vec<f64>>,
            Option<u8>,
            E,
            E,
            &'a [u8],
        );
        let row = Row::deserialize(&value).unwrap();
        assert_eq!(row.0, "name");
        assert_eq!(row.1["k"], [1.0, -2.0, 1.5]);
        assert_eq!((row.2, row.3, row.4), (None, E::Unit, E::New(3)));
        assert_eq!(row.5, [1, 2]);
        let bin = &value[5];
        assert_eq!(Vec::<u8>::deserialize(bin).unwrap(), [1, 2]);
        assert_eq!(&Bytes::deserialize(bin).unwrap()[..], [1, 2]);
        assert!(serde_json::Value::deserialize(bin).is_err());
        assert!(<(u8,)>::deserialize(&value).is_err());
        assert!(<[u8; 1]>::deserialize(bin).is_err());
        assert!(E::deserialize(&value[1]).is_err());
        assert!(E::deserialize(&value[2]).is_err());
        assert_eq!(Value::deserialize(&value).unwrap(), value);
        #[derive(Deserialize, Debug)]
        struct Only {
            #[allow(dead_code)]
            k: Vec<i8>,
        }
        assert!(Only::deserialize(&value[1]).is_err());
        let m: HashMap<String, serde::de::IgnoredAny> = HashMap::deserialize(&value[1]).unwrap();
        assert_eq!(m.len(), 1);
    }
}
