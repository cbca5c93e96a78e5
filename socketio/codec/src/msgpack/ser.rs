//! [`to_writer`]: a serde `Serializer` writing msgpack directly, without building a [`Value`].

use serde::ser::{self, Serialize};

use super::encode::{
    container_header, write_array_len, write_bin, write_bool, write_f64, write_i64, write_map_len,
    write_nil, write_number, write_str, write_u64,
};
use crate::value::{f32_to_f64, number_from_i128, MapKeySerializer};
use crate::ValueError;

#[cfg(doc)]
use crate::Value;

/// Serializes `value` as msgpack, appending to `out`: the same bytes as
/// [`encode_value`](super::encode_value)`(&`[`to_value`](crate::to_value)`(value)?)`, without
/// the intermediate [`Value`].
///
/// One difference: a map that serializes the same key twice gets it twice here, where
/// `to_value` keeps one entry (derived structs never do that; `#[serde(flatten)]` and custom
/// impls can).
///
/// On error `out` may hold a partial value.
///
/// ```
/// use socketio_codec::{msgpack, to_value, Bytes};
///
/// #[derive(serde::Serialize)]
/// struct Msg { text: &'static str, blob: Bytes, score: f64 }
///
/// let msg = Msg { text: "hi", blob: Bytes::from_static(b"\x01"), score: 3.0 };
/// let mut out = Vec::new();
/// msgpack::to_writer(&mut out, &msg)?;
/// let mut expected = Vec::new();
/// msgpack::encode_value(&to_value(&msg)?, &mut expected);
/// assert_eq!(out, expected);
/// # Ok::<(), socketio_codec::ValueError>(())
/// ```
pub fn to_writer<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), ValueError> {
    value.serialize(Serializer { out })
}

/// The `Serializer` behind [`to_writer`].
struct Serializer<'a> {
    out: &'a mut Vec<u8>,
}

impl<'a> Serializer<'a> {
    fn float(self, f: f64) -> Result<(), ValueError> {
        // As `to_value`: non-finite floats are `null`.
        if f.is_finite() {
            write_f64(self.out, f);
        } else {
            write_nil(self.out);
        }
        Ok(())
    }

    /// Starts an array (`map == false`) or a map whose length may be unknown or wrong; the
    /// header is rewritten at the end if needed.
    fn container(self, len: Option<usize>, map: bool) -> Compound<'a> {
        let start = self.out.len();
        let declared = len.unwrap_or(0);
        if map {
            write_map_len(self.out, declared);
        } else {
            write_array_len(self.out, declared);
        }
        Compound {
            header_len: self.out.len() - start,
            out: self.out,
            start,
            declared,
            count: 0,
            map,
        }
    }

    /// `{"Variant": ...}`: a one-entry map and the variant name.
    fn variant(self, variant: &str) -> Serializer<'a> {
        write_map_len(self.out, 1);
        write_str(self.out, variant);
        self
    }
}

impl<'a> ser::Serializer for Serializer<'a> {
    type Ok = ();
    type Error = ValueError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), ValueError> {
        write_bool(self.out, v);
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), ValueError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), ValueError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), ValueError> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), ValueError> {
        write_i64(self.out, v);
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), ValueError> {
        let n = number_from_i128(v).ok_or(ValueError::NumberOutOfRange)?;
        write_number(self.out, &n);
        Ok(())
    }

    fn serialize_u8(self, v: u8) -> Result<(), ValueError> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), ValueError> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), ValueError> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), ValueError> {
        write_u64(self.out, v);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), ValueError> {
        let v = u64::try_from(v).map_err(|_| ValueError::NumberOutOfRange)?;
        self.serialize_u64(v)
    }

    fn serialize_f32(self, v: f32) -> Result<(), ValueError> {
        self.float(f32_to_f64(v))
    }

    fn serialize_f64(self, v: f64) -> Result<(), ValueError> {
        self.float(v)
    }

    fn serialize_char(self, v: char) -> Result<(), ValueError> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), ValueError> {
        write_str(self.out, v);
        Ok(())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), ValueError> {
        write_bin(self.out, v);
        Ok(())
    }

    fn serialize_none(self) -> Result<(), ValueError> {
        write_nil(self.out);
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ValueError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), ValueError> {
        write_nil(self.out);
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), ValueError> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), ValueError> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        value.serialize(self.variant(variant))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>, ValueError> {
        Ok(self.container(len, false))
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, ValueError> {
        Ok(self.container(Some(len), false))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, ValueError> {
        Ok(self.container(Some(len), false))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, ValueError> {
        Ok(self.variant(variant).container(Some(len), false))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a>, ValueError> {
        Ok(self.container(len, true))
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, ValueError> {
        Ok(self.container(Some(len), true))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, ValueError> {
        Ok(self.variant(variant).container(Some(len), true))
    }
}

/// An array or map being written; `end` fixes the header when the count differs from the
/// declared length (unknown lengths, skipped fields).
struct Compound<'a> {
    out: &'a mut Vec<u8>,
    start: usize,
    header_len: usize,
    declared: usize,
    count: usize,
    map: bool,
}

impl Compound<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.count += 1;
        value.serialize(Serializer { out: self.out })
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        self.count += 1;
        let key = key.serialize(MapKeySerializer)?;
        write_str(self.out, &key);
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        value.serialize(Serializer { out: self.out })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), ValueError> {
        self.count += 1;
        write_str(self.out, key);
        self.value(value)
    }

    fn finish(self) -> Result<(), ValueError> {
        if self.count != self.declared {
            let header = container_header(self.count, self.map);
            self.out
                .splice(self.start..self.start + self.header_len, header);
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.element(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ValueError> {
        self.key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ValueError> {
        self.value(value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = ValueError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ValueError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), ValueError> {
        self.finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use bytes::Bytes;
    use serde::Serialize;

    use super::*;
    use crate::msgpack::encode_value;
    use crate::to_value;

    fn same<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
        let mut direct = Vec::new();
        to_writer(&mut direct, value).unwrap();
        let mut via_value = Vec::new();
        encode_value(&to_value(value).unwrap(), &mut via_value);
        assert_eq!(direct, via_value);
        direct
    }

    #[derive(Serialize)]
    enum E {
        Unit,
        New(i8),
        Tuple(u8, &'static str),
        Struct { a: bool, b: Option<f32> },
    }

    #[derive(Serialize)]
    struct S {
        a: u8,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        blob: Bytes,
        list: Vec<E>,
        nan: f64,
        half: f32,
        ch: char,
        unit: (),
        wide: i128,
    }

    /// A sequence whose length is not known up front.
    struct Unsized(usize);

    impl Serialize for Unsized {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq((0..self.0).filter(|_| true))
        }
    }

    /// A map declaring a wrong length.
    struct Lying(usize);

    impl Serialize for Lying {
        fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(3))?;
            for i in 0..self.0 {
                map.serialize_entry(&i, &i)?;
            }
            map.end()
        }
    }

    #[test]
    fn matches_encode_value() {
        same(&E::Unit);
        same(&E::New(-40));
        same(&E::Tuple(1, "x"));
        same(&E::Struct {
            a: true,
            b: Some(1.1),
        });
        let s = S {
            a: 200,
            skipped: None,
            blob: Bytes::from(vec![1u8; 300]),
            list: vec![E::Unit, E::New(1)],
            nan: f64::NAN,
            half: 0.5,
            ch: 'é',
            unit: (),
            wide: -5,
        };
        let bytes = same(&s);
        assert_eq!(bytes[0], 0x88);
        same(&(1.0f64, -0.0f64, 2.5f32, u64::MAX, i64::MIN, f64::INFINITY));
        let mut m = BTreeMap::new();
        m.insert(1.5f64.to_string(), vec![Some(1), None]);
        same(&m);
        for n in [0, 15, 16, 17, 300, 70_000] {
            same(&Unsized(n));
            same(&Lying(n.min(40)));
        }
        let map: BTreeMap<u32, u32> = (0..20).map(|i| (i, i)).collect();
        same(&map);
    }

    #[test]
    fn errors() {
        let mut out = Vec::new();
        assert_eq!(
            to_writer(&mut out, &i128::MAX),
            Err(ValueError::NumberOutOfRange)
        );
        assert_eq!(
            to_writer(&mut out, &u128::MAX),
            Err(ValueError::NumberOutOfRange)
        );
        let mut m = BTreeMap::new();
        m.insert(vec![1u8], 1);
        assert_eq!(to_writer(&mut out, &m), Err(ValueError::KeyMustBeAString));
        assert!(to_writer(&mut Vec::new(), &5u128).is_ok());
    }
}
