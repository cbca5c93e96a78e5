//! The msgpack reader: everything notepack.io 3 decodes, into [`Value`]s.

use bytes::Bytes;
use serde_json::Number;

use crate::value::{key_from_f64, Map};
use crate::{DecodeError, Value};

/// Containers may be nested this deep (as serde_json's JSON limit).
pub const MAX_DEPTH: usize = 128;

/// Decodes one msgpack value as notepack.io 3 does, into a [`Value`].
///
/// - All of msgpack's formats: nil, booleans, every integer width (kept exact, where JavaScript
///   rounds 64-bit integers beyond 2^53), `float32` / `float64` (NaN and the infinities become
///   `Null`, what `JSON.stringify` shows), `str` / `bin` / `array` / `map` of every width
///   (invalid UTF-8 in a string is replaced by U+FFFD, as Node's `Buffer.toString` does).
/// - JavaScript's `undefined` (`fixext1` type 0, `d4 00 00`) has no `Value`: an `undefined`
///   object member is dropped and an `undefined` array item (or whole message) is `Null`,
///   which is what a JSON client of the same data would see.
/// - Dates (the timestamp extension, type -1, in its 32, 64 and 96-bit forms, and notepack's
///   old `fixext8` type 0 form) become the ISO string `Date.prototype.toJSON` gives,
///   e.g. `"1970-01-01T00:00:01.000Z"` (`Null` for an invalid date). A timestamp 96 whose
///   length is not 12 is an error (notepack would read 12 bytes whatever the length says).
/// - Extension type 0 of `ext8` / `ext16` / `ext32` (notepack's old `ArrayBuffer` form) is
///   `Binary`; any other extension is `[type, <Binary data>]`, the array notepack returns.
/// - Map keys that are numbers, booleans or nil are stringified as JavaScript does (`1` ->
///   `"1"`, `1.5` -> `"1.5"`, `true` -> `"true"`); binary, array or map keys are an error. A
///   repeated key keeps its first position and its last value.
/// - Errors ([`DecodeError::InvalidMsgpack`]): truncated input, the marker `c1`, trailing bytes,
///   nesting deeper than [`MAX_DEPTH`]. No allocation is larger than the input.
///
/// ```
/// use socketio_codec::{msgpack, Bytes, Value};
///
/// let value = msgpack::decode_value(&[0x92, 0xa2, b'h', b'i', 0xc4, 0x01, 0xff])?;
/// assert_eq!(value, Value::Array(vec!["hi".into(), Bytes::from_static(b"\xff").into()]));
/// # Ok::<(), socketio_codec::DecodeError>(())
/// ```
pub fn decode_value(data: &[u8]) -> Result<Value, DecodeError> {
    Reader::new(data, None).finish()
}

/// As [`decode_value`], binary values sharing `data`'s buffer (`Bytes::slice`) instead of being
/// copied.
pub fn decode_value_bytes(data: &Bytes) -> Result<Value, DecodeError> {
    Reader::new(data, Some(data)).finish()
}

/// The members of a packet object that socket.io-msgpack-parser looks at, as notepack would
/// leave them on the decoded object (a repeated key: the last value; `undefined`: absent).
#[derive(Debug, Default)]
pub(crate) struct PacketFields {
    pub(crate) kind: Option<Value>,
    pub(crate) nsp: Option<Value>,
    pub(crate) data: Option<Value>,
    pub(crate) id: Option<Value>,
}

impl PacketFields {
    fn slot(&mut self, key: &[u8]) -> Option<&mut Option<Value>> {
        match key {
            b"type" => Some(&mut self.kind),
            b"nsp" => Some(&mut self.nsp),
            b"data" => Some(&mut self.data),
            b"id" => Some(&mut self.id),
            _ => None,
        }
    }
}

/// Decodes a message that should be a packet object: `Ok(None)` when it is valid msgpack but
/// not a map. `owner` (the `Bytes` that `data` is) makes binary values share its buffer.
pub(crate) fn decode_packet_fields(
    data: &[u8],
    owner: Option<&Bytes>,
) -> Result<Option<PacketFields>, DecodeError> {
    let mut reader = Reader::new(data, owner);
    let len = match data.first() {
        Some(&marker @ 0x80..=0x8f) => {
            reader.pos = 1;
            usize::from(marker & 0x0f)
        }
        Some(0xde) => {
            reader.pos = 1;
            reader.len16()?
        }
        Some(0xdf) => {
            reader.pos = 1;
            reader.len32()?
        }
        _ => return reader.finish().map(|_| None),
    };
    let fields = reader.packet_fields(len)?;
    if reader.pos != data.len() {
        return Err(invalid("trailing bytes"));
    }
    Ok(Some(fields))
}

fn invalid(reason: &'static str) -> DecodeError {
    DecodeError::InvalidMsgpack(reason)
}

fn truncated() -> DecodeError {
    invalid("truncated input")
}

/// A cursor over the input.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// The `Bytes` that `data` is, for zero-copy binary values.
    owner: Option<&'a Bytes>,
    depth: usize,
}

/// A decoded item: a value, or JavaScript's `undefined`.
enum Item {
    Value(Value),
    Undefined,
}

impl Item {
    fn or_null(self) -> Value {
        match self {
            Item::Value(v) => v,
            Item::Undefined => Value::Null,
        }
    }
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], owner: Option<&'a Bytes>) -> Self {
        Reader {
            data,
            pos: 0,
            owner,
            depth: 0,
        }
    }

    fn finish(mut self) -> Result<Value, DecodeError> {
        let value = self.item()?.or_null();
        if self.pos != self.data.len() {
            return Err(invalid("trailing bytes"));
        }
        Ok(value)
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        let data = self.data;
        let end = self.pos.checked_add(n).ok_or_else(truncated)?;
        let slice = data.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }

    fn i8(&mut self) -> Result<i8, DecodeError> {
        Ok(i8::from_be_bytes(self.array()?))
    }

    fn u16(&mut self) -> Result<u16, DecodeError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn len8(&mut self) -> Result<usize, DecodeError> {
        self.u8().map(usize::from)
    }

    fn len16(&mut self) -> Result<usize, DecodeError> {
        self.u16().map(usize::from)
    }

    fn len32(&mut self) -> Result<usize, DecodeError> {
        usize::try_from(self.u32()?).map_err(|_| truncated())
    }

    fn item(&mut self) -> Result<Item, DecodeError> {
        let marker = self.u8()?;
        let value = match marker {
            0x00..=0x7f => Value::from(marker),
            0x80..=0x8f => return self.map(usize::from(marker & 0x0f)),
            0x90..=0x9f => self.array_of(usize::from(marker & 0x0f))?,
            0xa0..=0xbf => self.str(usize::from(marker & 0x1f))?,
            0xc0 => Value::Null,
            0xc1 => return Err(invalid("the marker c1 is never used")),
            0xc2 => Value::Bool(false),
            0xc3 => Value::Bool(true),
            0xc4 => {
                let len = self.len8()?;
                self.bin(len)?
            }
            0xc5 => {
                let len = self.len16()?;
                self.bin(len)?
            }
            0xc6 => {
                let len = self.len32()?;
                self.bin(len)?
            }
            0xc7 => {
                let len = self.len8()?;
                self.ext(len, true)?
            }
            0xc8 => {
                let len = self.len16()?;
                self.ext(len, false)?
            }
            0xc9 => {
                let len = self.len32()?;
                self.ext(len, false)?
            }
            0xca => float(f64::from(f32::from_be_bytes(self.array()?))),
            0xcb => float(f64::from_be_bytes(self.array()?)),
            0xcc => Value::from(self.u8()?),
            0xcd => Value::from(self.u16()?),
            0xce => Value::from(self.u32()?),
            0xcf => Value::from(u64::from_be_bytes(self.array()?)),
            0xd0 => Value::from(self.i8()?),
            0xd1 => Value::from(i16::from_be_bytes(self.array()?)),
            0xd2 => Value::from(i32::from_be_bytes(self.array()?)),
            0xd3 => Value::from(i64::from_be_bytes(self.array()?)),
            0xd4 => return self.fixext(1),
            0xd5 => return self.fixext(2),
            0xd6 => return self.fixext(4),
            0xd7 => return self.fixext(8),
            0xd8 => return self.fixext(16),
            0xd9 => {
                let len = self.len8()?;
                self.str(len)?
            }
            0xda => {
                let len = self.len16()?;
                self.str(len)?
            }
            0xdb => {
                let len = self.len32()?;
                self.str(len)?
            }
            0xdc => {
                let len = self.len16()?;
                self.array_of(len)?
            }
            0xdd => {
                let len = self.len32()?;
                self.array_of(len)?
            }
            0xde => {
                let len = self.len16()?;
                return self.map(len);
            }
            0xdf => {
                let len = self.len32()?;
                return self.map(len);
            }
            0xe0..=0xff => Value::from(marker as i8),
        };
        Ok(Item::Value(value))
    }

    fn str(&mut self, len: usize) -> Result<Value, DecodeError> {
        let bytes = self.take(len)?;
        Ok(Value::String(match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        }))
    }

    /// The members of the top-level packet object, without building a map for it.
    fn packet_fields(&mut self, len: usize) -> Result<PacketFields, DecodeError> {
        if len > self.remaining() / 2 {
            return Err(truncated());
        }
        self.enter()?;
        let mut fields = PacketFields::default();
        for _ in 0..len {
            let slot = match self.raw_str_key()? {
                Some(key) => fields.slot(key),
                None => {
                    let key = self.key()?;
                    fields.slot(key.as_bytes())
                }
            };
            let item = self.item()?;
            if let Some(slot) = slot {
                // A later duplicate wins; `undefined` makes the member absent.
                *slot = match item {
                    Item::Value(value) => Some(value),
                    Item::Undefined => None,
                };
            }
        }
        self.depth -= 1;
        Ok(fields)
    }

    /// The bytes of a string key, when the next item is a string (no allocation).
    fn raw_str_key(&mut self) -> Result<Option<&'a [u8]>, DecodeError> {
        let len = match self.data.get(self.pos) {
            Some(&marker @ 0xa0..=0xbf) => {
                self.pos += 1;
                usize::from(marker & 0x1f)
            }
            Some(0xd9) => {
                self.pos += 1;
                self.len8()?
            }
            Some(0xda) => {
                self.pos += 1;
                self.len16()?
            }
            Some(0xdb) => {
                self.pos += 1;
                self.len32()?
            }
            _ => return Ok(None),
        };
        self.take(len).map(Some)
    }

    fn bin(&mut self, len: usize) -> Result<Value, DecodeError> {
        let start = self.pos;
        let bytes = self.take(len)?;
        Ok(Value::Binary(match self.owner {
            Some(owner) => owner.slice(start..start + len),
            None => Bytes::copy_from_slice(bytes),
        }))
    }

    fn enter(&mut self) -> Result<(), DecodeError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(invalid("nested too deep"));
        }
        Ok(())
    }

    fn array_of(&mut self, len: usize) -> Result<Value, DecodeError> {
        // Every item takes at least one byte.
        if len > self.remaining() {
            return Err(truncated());
        }
        self.enter()?;
        let mut items = Vec::with_capacity(len);
        for _ in 0..len {
            items.push(self.item()?.or_null());
        }
        self.depth -= 1;
        Ok(Value::Array(items))
    }

    fn map(&mut self, len: usize) -> Result<Item, DecodeError> {
        // Every entry takes at least two bytes.
        if len > self.remaining() / 2 {
            return Err(truncated());
        }
        self.enter()?;
        let mut map = Map::with_capacity(len);
        for _ in 0..len {
            let key = self.key()?;
            match self.item()? {
                Item::Value(value) => {
                    map.insert(key, value);
                }
                // `obj[key] = undefined`: JSON.stringify leaves the member out.
                Item::Undefined => {
                    map.shift_remove(&key);
                }
            }
        }
        self.depth -= 1;
        Ok(Item::Value(Value::Object(map)))
    }

    /// A map key, stringified as JavaScript's property keys are.
    fn key(&mut self) -> Result<String, DecodeError> {
        // Floats first: NaN and the infinities are `null` as values but have names as keys.
        let float = match self.data.get(self.pos) {
            Some(0xca) => {
                self.pos += 1;
                Some(f64::from(f32::from_be_bytes(self.array()?)))
            }
            Some(0xcb) => {
                self.pos += 1;
                Some(f64::from_be_bytes(self.array()?))
            }
            _ => None,
        };
        if let Some(f) = float {
            return Ok(match key_from_f64(f) {
                Ok(key) => key,
                Err(_) if f.is_nan() => "NaN".to_owned(),
                Err(_) if f > 0.0 => "Infinity".to_owned(),
                Err(_) => "-Infinity".to_owned(),
            });
        }
        match self.item()? {
            Item::Value(Value::String(s)) => Ok(s),
            Item::Value(Value::Number(n)) => {
                // JavaScript has the number as a double: `String(2**64 - 1)` is
                // "18446744073709552000".
                key_from_f64(n.as_f64().unwrap_or(f64::NAN))
                    .map_err(|_| invalid("map key is not a string"))
            }
            Item::Value(Value::Bool(b)) => Ok(b.to_string()),
            Item::Value(Value::Null) => Ok("null".to_owned()),
            Item::Undefined => Ok("undefined".to_owned()),
            Item::Value(_) => Err(invalid("map key is not a string")),
        }
    }

    fn fixext(&mut self, len: usize) -> Result<Item, DecodeError> {
        let kind = self.i8()?;
        let value = match (len, kind) {
            (1, 0) => {
                self.take(1)?;
                return Ok(Item::Undefined);
            }
            (4, -1) => date(f64::from(self.u32()?) * 1e3),
            (8, 0) => {
                // notepack's old date form: milliseconds as a signed 64-bit integer.
                let ms = i64::from_be_bytes(self.array()?);
                date(ms as f64)
            }
            (8, -1) => {
                let hi = self.u32()?;
                let lo = self.u32()?;
                let seconds = f64::from(hi & 0x3) * 4_294_967_296.0 + f64::from(lo);
                date(seconds * 1e3 + f64::from(hi >> 2) / 1e6)
            }
            _ => self.other_ext(kind, len)?,
        };
        Ok(Item::Value(value))
    }

    /// `ext8` (`timestamp` allowed) / `ext16` / `ext32` after the length.
    fn ext(&mut self, len: usize, ext8: bool) -> Result<Value, DecodeError> {
        let kind = self.i8()?;
        match kind {
            0 => self.bin(len),
            -1 if ext8 => {
                if len != 12 {
                    return Err(invalid("timestamp 96 is not 12 bytes"));
                }
                let nanos = self.u32()?;
                let seconds = i64::from_be_bytes(self.array()?);
                Ok(date(seconds as f64 * 1e3 + f64::from(nanos) / 1e6))
            }
            _ => self.other_ext(kind, len),
        }
    }

    /// An extension notepack knows nothing about: `[type, <Buffer data>]`.
    fn other_ext(&mut self, kind: i8, len: usize) -> Result<Value, DecodeError> {
        let data = self.bin(len)?;
        Ok(Value::Array(vec![Value::from(kind), data]))
    }
}

/// A float; NaN and the infinities as `Null`.
fn float(f: f64) -> Value {
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

/// `new Date(ms).toJSON()`: the ISO string, `Null` for an invalid date.
fn date(ms: f64) -> Value {
    // TimeClip: at most 8.64e15 ms from the epoch either way, then truncated toward zero.
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return Value::Null;
    }
    let ms = ms.trunc() as i64;
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let year = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else if year < 0 {
        format!("-{:06}", -year)
    } else {
        format!("+{year:06}")
    };
    Value::String(format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    ))
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn dec(s: &str) -> Value {
        decode_value(&hex(s)).unwrap()
    }

    fn err(s: &str) -> DecodeError {
        decode_value(&hex(s)).unwrap_err()
    }

    fn j(v: serde_json::Value) -> Value {
        Value::from(v)
    }

    #[test]
    fn scalars() {
        assert_eq!(dec("c0"), Value::Null);
        assert_eq!(dec("c2"), Value::Bool(false));
        assert_eq!(dec("c3"), Value::Bool(true));
        assert_eq!(dec("7f").as_u64(), Some(127));
        assert_eq!(dec("cc 80").as_u64(), Some(128));
        assert_eq!(dec("cd 01 00").as_u64(), Some(256));
        assert_eq!(dec("ce 00 01 00 00").as_u64(), Some(65536));
        assert_eq!(dec("cf ff ff ff ff ff ff ff ff").as_u64(), Some(u64::MAX));
        assert_eq!(dec("e0").as_i64(), Some(-32));
        assert_eq!(dec("ff").as_i64(), Some(-1));
        assert_eq!(dec("d0 df").as_i64(), Some(-33));
        assert_eq!(dec("d1 ff 7f").as_i64(), Some(-129));
        assert_eq!(dec("d2 ff ff 7f ff").as_i64(), Some(-32769));
        assert_eq!(dec("d3 80 00 00 00 00 00 00 00").as_i64(), Some(i64::MIN));
        // Signed formats holding non-negative values are the same numbers as unsigned ones.
        assert_eq!(dec("d0 05"), Value::from(5u64));
        assert_eq!(dec("d3 00 00 00 00 00 00 00 05"), Value::from(5u64));
        assert_eq!(dec("ca 3f c0 00 00").as_f64(), Some(1.5));
        assert_eq!(dec("ca 3d cc cc cd").as_f64(), Some(f64::from(0.1f32)));
        assert_eq!(dec("cb 3f f8 00 00 00 00 00 00").as_f64(), Some(1.5));
        assert_eq!(dec("cb 7f f8 00 00 00 00 00 00"), Value::Null);
        assert_eq!(dec("cb ff f0 00 00 00 00 00 00"), Value::Null);
        assert_eq!(dec("ca 7f 80 00 00"), Value::Null);
    }

    #[test]
    fn strings_and_binary_of_every_width() {
        assert_eq!(dec("a2 68 69"), Value::from("hi"));
        assert_eq!(dec("d9 02 68 69"), Value::from("hi"));
        assert_eq!(dec("da 00 02 68 69"), Value::from("hi"));
        assert_eq!(dec("db 00 00 00 02 68 69"), Value::from("hi"));
        assert_eq!(dec("a2 ff 41"), Value::from("\u{fffd}A"));
        let bin = Value::Binary(Bytes::from_static(&[1, 2]));
        assert_eq!(dec("c4 02 01 02"), bin);
        assert_eq!(dec("c5 00 02 01 02"), bin);
        assert_eq!(dec("c6 00 00 00 02 01 02"), bin);
        assert_eq!(dec("c7 02 00 01 02"), bin);
        assert_eq!(dec("c8 00 02 00 01 02"), bin);
        assert_eq!(dec("c9 00 00 00 02 00 01 02"), bin);
    }

    #[test]
    fn containers_of_every_width() {
        let arr = j(json!([1, "a"]));
        assert_eq!(dec("92 01 a1 61"), arr);
        assert_eq!(dec("dc 00 02 01 a1 61"), arr);
        assert_eq!(dec("dd 00 00 00 02 01 a1 61"), arr);
        let obj = j(json!({"b": 1, "a": null}));
        assert_eq!(dec("82 a1 62 01 a1 61 c0"), obj);
        assert_eq!(dec("de 00 02 a1 62 01 a1 61 c0"), obj);
        assert_eq!(dec("df 00 00 00 02 a1 62 01 a1 61 c0"), obj);
        let keys: Vec<_> = dec("82 a1 62 01 a1 61 c0")
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn undefined() {
        assert_eq!(dec("d4 00 00"), Value::Null);
        assert_eq!(dec("92 d4 00 00 01"), j(json!([null, 1])));
        assert_eq!(dec("82 a1 61 d4 00 00 a1 62 01"), j(json!({"b": 1})));
        // `{a: 1, a: undefined}` leaves no `a`.
        assert_eq!(dec("82 a1 61 01 a1 61 d4 00 00"), j(json!({})));
    }

    #[test]
    fn map_keys() {
        assert_eq!(dec("81 01 c3"), j(json!({"1": true})));
        assert_eq!(dec("81 ff c3"), j(json!({"-1": true})));
        assert_eq!(
            dec("81 cb 3f f8 00 00 00 00 00 00 c3"),
            j(json!({"1.5": true}))
        );
        assert_eq!(
            dec("81 cf ff ff ff ff ff ff ff ff c3"),
            j(json!({"18446744073709552000": true}))
        );
        assert_eq!(dec("81 c3 01"), j(json!({"true": 1})));
        assert_eq!(dec("81 c0 01"), j(json!({"null": 1})));
        assert_eq!(dec("81 d4 00 00 01"), j(json!({"undefined": 1})));
        // Repeated key: first position, last value.
        assert_eq!(
            dec("83 a1 61 01 a1 62 02 a1 61 03"),
            j(json!({"a": 3, "b": 2}))
        );
        assert_eq!(dec("82 01 a1 61 a1 31 a1 62"), j(json!({"1": "b"})));
        assert_eq!(
            dec("81 cb 7f f8 00 00 00 00 00 00 01"),
            j(json!({"NaN": 1}))
        );
        assert_eq!(dec("81 ca ff 80 00 00 01"), j(json!({"-Infinity": 1})));
        assert_eq!(dec("81 ca 7f 80 00 00 01"), j(json!({"Infinity": 1})));
        assert_eq!(dec("81 ca 3f c0 00 00 01"), j(json!({"1.5": 1})));
        for bad in ["81 c4 00 01", "81 90 01", "81 80 01", "81 cb 00"] {
            assert!(matches!(err(bad), DecodeError::InvalidMsgpack(_)), "{bad}");
        }
    }

    #[test]
    fn extensions() {
        assert_eq!(dec("d4 05 07"), j(json!([5, null])).with_binary_at(1, &[7]));
        assert_eq!(
            dec("d5 ff 01 02"),
            j(json!([-1, null])).with_binary_at(1, &[1, 2])
        );
        assert_eq!(
            dec("d6 05 01 02 03 04"),
            j(json!([5, null])).with_binary_at(1, &[1, 2, 3, 4])
        );
        assert_eq!(
            dec("d8 7f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00")
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        assert_eq!(
            dec("c7 01 05 09"),
            j(json!([5, null])).with_binary_at(1, &[9])
        );
        assert_eq!(
            dec("c8 00 01 ff 09"),
            j(json!([-1, null])).with_binary_at(1, &[9])
        );
        assert_eq!(
            dec("c9 00 00 00 01 ff 09"),
            j(json!([-1, null])).with_binary_at(1, &[9])
        );
        assert_eq!(dec("d4 00 00"), Value::Null);
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            dec("d6 ff 00 00 00 01"),
            j(json!("1970-01-01T00:00:01.000Z"))
        );
        assert_eq!(
            dec("d6 ff 65 53 f1 00"),
            j(json!("2023-11-14T22:13:20.000Z"))
        );
        // timestamp 64: 500 ms in nanoseconds (500_000_000 << 2) and 1 s.
        assert_eq!(
            dec("d7 ff 77 35 94 00 00 00 00 01"),
            j(json!("1970-01-01T00:00:01.500Z"))
        );
        // timestamp 96: -1 s and 0 ns.
        assert_eq!(
            dec("c7 0c ff 00 00 00 00 ff ff ff ff ff ff ff ff"),
            j(json!("1969-12-31T23:59:59.000Z"))
        );
        // Out of the Date range: null.
        assert_eq!(
            dec("c7 0c ff 00 00 00 00 7f ff ff ff ff ff ff ff"),
            Value::Null
        );
        assert!(matches!(
            err("c7 04 ff 00 00 00 00"),
            DecodeError::InvalidMsgpack(_)
        ));
        // notepack's old form: fixext8 type 0, milliseconds.
        assert_eq!(
            dec("d7 00 00 00 01 8b cf e5 68 00"),
            j(json!("2023-11-14T22:13:20.000Z"))
        );
        assert_eq!(
            dec("d7 00 ff ff ff ff ff ff ff ff"),
            j(json!("1969-12-31T23:59:59.999Z"))
        );
        assert_eq!(date(8.64e15), j(json!("+275760-09-13T00:00:00.000Z")));
        assert_eq!(date(-8.64e15), j(json!("-271821-04-20T00:00:00.000Z")));
        assert_eq!(
            date(-62_198_755_200_000.0),
            j(json!("-000001-01-01T00:00:00.000Z"))
        );
        assert_eq!(
            date(253_402_300_800_000.0),
            j(json!("+010000-01-01T00:00:00.000Z"))
        );
        assert_eq!(
            date(951_782_400_000.0),
            j(json!("2000-02-29T00:00:00.000Z"))
        );
        assert_eq!(date(f64::NAN), Value::Null);
    }

    #[test]
    fn errors() {
        for (bad, why) in [
            ("", "empty"),
            ("c1", "never used"),
            ("01 02", "trailing"),
            ("92 01", "truncated array"),
            ("81 a1 61", "truncated map"),
            ("a2 61", "truncated str"),
            ("c4 02 01", "truncated bin"),
            ("cd 01", "truncated uint16"),
            ("cf 00", "truncated uint64"),
            ("d4 00", "truncated undefined"),
            ("d7 ff 00", "truncated timestamp"),
            ("dd ff ff ff ff", "huge array"),
            ("df ff ff ff ff", "huge map"),
            ("db ff ff ff ff", "huge str"),
            ("c6 ff ff ff ff", "huge bin"),
            ("c9 ff ff ff ff 05", "huge ext"),
        ] {
            assert!(
                matches!(err(bad), DecodeError::InvalidMsgpack(_)),
                "{why}: {bad}"
            );
        }
    }

    #[test]
    fn depth_is_bounded() {
        let mut ok = vec![0x91u8; MAX_DEPTH];
        ok.push(0xc0);
        assert!(decode_value(&ok).is_ok());
        let mut deep = vec![0x91u8; MAX_DEPTH + 1];
        deep.push(0xc0);
        assert_eq!(
            decode_value(&deep),
            Err(DecodeError::InvalidMsgpack("nested too deep"))
        );
        let mut deep = Vec::new();
        for _ in 0..100_000 {
            deep.extend_from_slice(&[0x81, 0xa0]);
        }
        deep.push(0xc0);
        assert!(decode_value(&deep).is_err());
    }

    #[test]
    fn zero_copy_binary() {
        let data = Bytes::from(hex("92 c4 02 01 02 c0"));
        let value = decode_value_bytes(&data).unwrap();
        let bin = value[0].as_bytes().unwrap();
        assert_eq!(&bin[..], [1, 2]);
        assert_eq!(bin.as_ptr(), data[3..].as_ptr());
    }

    impl Value {
        fn with_binary_at(mut self, i: usize, bytes: &[u8]) -> Value {
            self.as_array_mut().unwrap()[i] = Value::Binary(Bytes::copy_from_slice(bytes));
            self
        }
    }
}
