//! [`to_value`]: a serde `Serializer` that builds a [`Value`].

use bytes::Bytes;
use serde::ser::{self, Impossible, Serialize};
use serde_json::Number;

use super::{Map, Value};
use crate::ValueError;

/// Converts any `Serialize` value into a [`Value`], as `serde_json::to_value` does, except that
/// byte strings (`serialize_bytes`: `bytes::Bytes`, `serde_bytes::ByteBuf`, ...) become
/// [`Value::Binary`].
///
/// - Numbers: integers as `u64` / `i64` (`i128` / `u128` only when they fit, else
///   [`ValueError::NumberOutOfRange`]); floats as `f64`, NaN and the infinities as `Null`
///   (`JSON.stringify` writes them `null`); an `f32` by its shortest decimal form (`1.1_f32` is
///   `1.1`).
/// - `()` / `None` / unit structs: `Null`. Newtype structs: their content.
/// - Enums as serde_json writes them: `"Unit"`, `{"Newtype":value}`, `{"Tuple":[...]}`,
///   `{"Struct":{...}}`.
/// - Map keys must be strings, chars, numbers, booleans or unit variants (stringified), else
///   [`ValueError::KeyMustBeAString`]. A repeated key keeps its first position and its last value.
///
/// ```
/// use socketio_codec::{to_value, Bytes, Value};
///
/// #[derive(serde::Serialize)]
/// struct Upload { name: &'static str, data: Bytes, size: f64 }
///
/// let value = to_value(&Upload { name: "a", data: Bytes::from_static(b"\x01"), size: 2.0 })?;
/// assert_eq!(value["data"], Value::Binary(Bytes::from_static(b"\x01")));
/// assert_eq!(value["size"].as_f64(), Some(2.0));
/// # Ok::<(), socketio_codec::ValueError>(())
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, ValueError> {
    value.serialize(ValueSerializer)
}

/// An `f32` as the `f64` with the same shortest decimal form (`1.1_f32` is `1.1`, not
/// `1.100000023841858`), the way the JSON writer prints it.
pub(crate) fn f32_to_f64(f: f32) -> f64 {
    if !f.is_finite() || f.fract() == 0.0 {
        return f64::from(f);
    }
    f.to_string().parse().unwrap_or(f64::from(f))
}

/// An `i128` that fits in `u64` (non-negative) or `i64` (negative).
pub(crate) fn number_from_i128(n: i128) -> Option<Number> {
    if let Ok(u) = u64::try_from(n) {
        Some(Number::from(u))
    } else {
        i64::try_from(n).ok().map(Number::from)
    }
}

/// A float map key, written as JavaScript's `String(number)` does.
pub(crate) fn key_from_f64(f: f64) -> Result<String, ValueError> {
    if !f.is_finite() {
        return Err(ValueError::NumberOutOfRange);
    }
    let mut out = Vec::new();
    crate::json::write_js_number(&mut out, f, f.abs(), true)
        .map_err(|e| ValueError::Message(e.to_string()))?;
    Ok(crate::json::into_string(out))
}

/// The `Serializer` behind [`to_value`].
struct ValueSerializer;

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = ValueError;
    type SerializeSeq = SerializeVec;
    type SerializeTuple = SerializeVec;
    type SerializeTupleStruct = SerializeVec;
    type SerializeTupleVariant = SerializeVariant<SerializeVec>;
    type SerializeMap = SerializeMap;
    type SerializeStruct = SerializeMap;
    type SerializeStructVariant = SerializeVariant<SerializeMap>;

    fn serialize_bool(self, v: bool) -> Result<Value, ValueError> {
        Ok(Value::Bool(v))
    }

    fn serialize_i8(self, v: i8) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_i128(self, v: i128) -> Result<Value, ValueError> {
        number_from_i128(v)
            .map(Value::Number)
            .ok_or(ValueError::NumberOutOfRange)
    }

    fn serialize_u8(self, v: u8) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_u128(self, v: u128) -> Result<Value, ValueError> {
        u64::try_from(v)
            .map(Value::from)
            .map_err(|_| ValueError::NumberOutOfRange)
    }

    fn serialize_f32(self, v: f32) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_char(self, v: char) -> Result<Value, ValueError> {
        Ok(Value::String(v.to_string()))
    }

    fn serialize_str(self, v: &str) -> Result<Value, ValueError> {
        Ok(Value::from(v))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Value, ValueError> {
        Ok(Value::Binary(Bytes::copy_from_slice(v)))
    }

    fn serialize_none(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ValueError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, ValueError> {
        Ok(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ValueError> {
        Ok(Value::from(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, ValueError> {
        let mut map = Map::with_capacity(1);
        map.insert(variant.to_owned(), to_value(value)?);
        Ok(Value::Object(map))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SerializeVec, ValueError> {
        Ok(SerializeVec {
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SerializeVec, ValueError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SerializeVec, ValueError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeVariant<SerializeVec>, ValueError> {
        Ok(SerializeVariant {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<SerializeMap, ValueError> {
        Ok(SerializeMap {
            map: Map::with_capacity(len.unwrap_or(0).min(4096)),
            key: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<SerializeMap, ValueError> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SerializeVariant<SerializeMap>, ValueError> {
        Ok(SerializeVariant {
            variant,
            inner: self.serialize_map(Some(len))?,
        })
    }
}

/// Arrays, tuples and tuple structs.
struct SerializeVec {
    items: Vec<Value>,
}

impl ser::SerializeSeq for SerializeVec {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.items.push(to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::Array(self.items))
    }
}

impl ser::SerializeTuple for SerializeVec {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SerializeVec {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeSeq::end(self)
    }
}

/// Maps and structs.
struct SerializeMap {
    map: Map,
    key: Option<String>,
}

impl ser::SerializeMap for SerializeMap {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        self.key = Some(key.serialize(MapKeySerializer)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        let key = self.key.take().ok_or_else(|| {
            ValueError::Message("serialize_value called before serialize_key".into())
        })?;
        self.map.insert(key, to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(Value::Object(self.map))
    }
}

impl ser::SerializeStruct for SerializeMap {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.map.insert(key.to_owned(), to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ValueError> {
        ser::SerializeMap::end(self)
    }
}

/// Enum variants with content: `{"Variant": <inner>}`.
struct SerializeVariant<T> {
    variant: &'static str,
    inner: T,
}

impl SerializeVariant<SerializeVec> {
    fn finish(self) -> Value {
        let mut map = Map::with_capacity(1);
        map.insert(self.variant.to_owned(), Value::Array(self.inner.items));
        Value::Object(map)
    }
}

impl ser::SerializeTupleVariant for SerializeVariant<SerializeVec> {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        ser::SerializeSeq::serialize_element(&mut self.inner, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        Ok(self.finish())
    }
}

impl ser::SerializeStructVariant for SerializeVariant<SerializeMap> {
    type Ok = Value;
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }

    fn end(self) -> Result<Value, ValueError> {
        let mut map = Map::with_capacity(1);
        map.insert(self.variant.to_owned(), Value::Object(self.inner.map));
        Ok(Value::Object(map))
    }
}

/// Serializes a map key to its string form (shared with the msgpack writer).
pub(crate) struct MapKeySerializer;

fn key_must_be_a_string() -> ValueError {
    ValueError::KeyMustBeAString
}

impl ser::Serializer for MapKeySerializer {
    type Ok = String;
    type Error = ValueError;
    type SerializeSeq = Impossible<String, ValueError>;
    type SerializeTuple = Impossible<String, ValueError>;
    type SerializeTupleStruct = Impossible<String, ValueError>;
    type SerializeTupleVariant = Impossible<String, ValueError>;
    type SerializeMap = Impossible<String, ValueError>;
    type SerializeStruct = Impossible<String, ValueError>;
    type SerializeStructVariant = Impossible<String, ValueError>;

    fn serialize_bool(self, v: bool) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i8(self, v: i8) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i16(self, v: i16) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i32(self, v: i32) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i64(self, v: i64) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_i128(self, v: i128) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u8(self, v: u8) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u16(self, v: u16) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u32(self, v: u32) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u64(self, v: u64) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_u128(self, v: u128) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_f32(self, v: f32) -> Result<String, ValueError> {
        key_from_f64(f32_to_f64(v))
    }

    fn serialize_f64(self, v: f64) -> Result<String, ValueError> {
        key_from_f64(v)
    }

    fn serialize_char(self, v: char) -> Result<String, ValueError> {
        Ok(v.to_string())
    }

    fn serialize_str(self, v: &str) -> Result<String, ValueError> {
        Ok(v.to_owned())
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<String, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_none(self) -> Result<String, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit(self) -> Result<String, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, ValueError> {
        Ok(variant.to_owned())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, ValueError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, ValueError> {
        Err(key_must_be_a_string())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ValueError> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    enum E {
        Unit,
        New(u8),
        Tuple(u8, &'static str),
        Struct { a: bool },
    }

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct Unit;

    #[derive(Serialize)]
    struct Newtype(u32);

    #[derive(Serialize)]
    struct TupleStruct(u8, u8);

    #[derive(Serialize)]
    struct S {
        z: u8,
        a: Option<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        blob: Bytes,
        list: Vec<Bytes>,
    }

    #[test]
    fn like_serde_json_plus_binary() {
        let cases: Vec<Value> = vec![
            to_value(&E::Unit).unwrap(),
            to_value(&E::New(1)).unwrap(),
            to_value(&E::Tuple(1, "x")).unwrap(),
            to_value(&E::Struct { a: true }).unwrap(),
            to_value(&Unit).unwrap(),
            to_value(&Newtype(7)).unwrap(),
            to_value(&TupleStruct(1, 2)).unwrap(),
            to_value(&()).unwrap(),
            to_value(&'c').unwrap(),
            to_value(&(-5i32, 6u64, 1.5f64, "s")).unwrap(),
        ];
        let expected = json!([
            "Unit", {"New": 1}, {"Tuple": [1, "x"]}, {"Struct": {"a": true}}, null, 7, [1, 2],
            null, "c", [-5, 6, 1.5, "s"]
        ]);
        assert_eq!(Value::Array(cases), Value::from(expected));

        let s = S {
            z: 1,
            a: None,
            skipped: None,
            blob: Bytes::from_static(b"\x00\xff"),
            list: vec![Bytes::from_static(b"1")],
        };
        let v = to_value(&s).unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "a", "blob", "list"]);
        assert_eq!(v["blob"], Value::Binary(Bytes::from_static(b"\x00\xff")));
        assert_eq!(v["list"][0], Value::Binary(Bytes::from_static(b"1")));
        assert!(v["a"].is_null());
        assert_eq!(
            to_value(&serde_bytes::ByteBuf::from(vec![1, 2])).unwrap(),
            Value::Binary(Bytes::from_static(&[1, 2]))
        );
        // A plain Vec<u8> is an array of numbers, as in serde_json.
        assert_eq!(to_value(&vec![1u8, 2]).unwrap(), Value::from(json!([1, 2])));
    }

    #[test]
    fn numbers() {
        assert_eq!(to_value(&f64::NAN).unwrap(), Value::Null);
        assert_eq!(to_value(&f64::NEG_INFINITY).unwrap(), Value::Null);
        assert_eq!(to_value(&f32::INFINITY).unwrap(), Value::Null);
        assert_eq!(to_value(&1.1f32).unwrap().as_f64(), Some(1.1));
        assert_eq!(to_value(&3.0f32).unwrap().as_f64(), Some(3.0));
        assert_eq!(to_value(&u64::MAX).unwrap().as_u64(), Some(u64::MAX));
        assert_eq!(to_value(&i64::MIN).unwrap().as_i64(), Some(i64::MIN));
        assert_eq!(to_value(&5i128).unwrap().as_u64(), Some(5));
        assert_eq!(to_value(&-5i128).unwrap().as_i64(), Some(-5));
        assert_eq!(
            to_value(&u128::from(u64::MAX)).unwrap().as_u64(),
            Some(u64::MAX)
        );
        assert_eq!(to_value(&i128::MAX), Err(ValueError::NumberOutOfRange));
        assert_eq!(to_value(&i128::MIN), Err(ValueError::NumberOutOfRange));
        assert_eq!(to_value(&u128::MAX), Err(ValueError::NumberOutOfRange));
        // Non-negative integers are u64 whatever the Rust type, as serde_json parses them.
        assert_eq!(to_value(&5i8).unwrap(), Value::from(5u64));
    }

    #[test]
    fn map_keys() {
        let mut m = BTreeMap::new();
        m.insert(2, "two");
        m.insert(-1, "minus one");
        assert_eq!(
            to_value(&m).unwrap(),
            Value::from(json!({"-1": "minus one", "2": "two"}))
        );
        let mut m = BTreeMap::new();
        m.insert(true, 1);
        assert_eq!(to_value(&m).unwrap(), Value::from(json!({"true": 1})));
        let mut m = std::collections::HashMap::new();
        m.insert('k', 1);
        assert_eq!(to_value(&m).unwrap(), Value::from(json!({"k": 1})));
        let mut m = BTreeMap::new();
        m.insert(vec![1u8], 1);
        assert_eq!(to_value(&m), Err(ValueError::KeyMustBeAString));
        let mut m = BTreeMap::new();
        m.insert(Unit, 1);
        assert_eq!(to_value(&m), Err(ValueError::KeyMustBeAString));
        #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
        enum K {
            A,
        }
        let mut m = BTreeMap::new();
        m.insert(K::A, 1);
        assert_eq!(to_value(&m).unwrap(), Value::from(json!({"A": 1})));
        assert_eq!(key_from_f64(1.5).unwrap(), "1.5");
        assert_eq!(key_from_f64(2.0).unwrap(), "2");
        assert_eq!(key_from_f64(1e21).unwrap(), "1e+21");
        assert_eq!(key_from_f64(f64::NAN), Err(ValueError::NumberOutOfRange));
        let v: Vec<(f32, u8)> = vec![(0.5, 1)];
        let m: std::collections::HashMap<String, u8> = v
            .into_iter()
            .map(|(k, v)| (k.serialize(MapKeySerializer).unwrap(), v))
            .collect();
        assert_eq!(m.get("0.5"), Some(&1));
    }

    #[test]
    fn errors_from_serialize_impls() {
        struct Failing;
        impl Serialize for Failing {
            fn serialize<S: ser::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("nope"))
            }
        }
        assert_eq!(
            to_value(&vec![Failing]),
            Err(ValueError::Message("nope".into()))
        );
        assert_eq!(ValueError::Message("nope".into()).to_string(), "nope");
    }
}
