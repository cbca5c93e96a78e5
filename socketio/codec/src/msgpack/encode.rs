//! The msgpack writer: [`Value`]s and primitives, byte for byte as notepack.io 3 writes the
//! corresponding JavaScript values.

use serde_json::Number;

use crate::Value;

/// 2^63 and 2^64 as `f64`: the range of integral floats written as msgpack integers.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
const TWO_POW_64: f64 = 18_446_744_073_709_551_616.0;

/// Appends the msgpack encoding of `value` to `out`, as notepack.io 3 encodes the JavaScript
/// value it stands for.
///
/// - `Null` `c0`, `Bool` `c2` / `c3`, `Binary` as `bin` (`c4` / `c5` / `c6`), strings as
///   `fixstr` / `str8` / `str16` / `str32`, arrays and objects with the smallest header
///   (`fixarray` / `array16` / `array32`, `fixmap` / `map16` / `map32`), keys in order.
/// - Numbers as JavaScript has them: one number type, so an integral `f64` (`2.0`, `-0.0`) is
///   written as the smallest integer (`02`, `00`), like `u64` / `i64`. Other floats as `float64`
///   (`cb`). An integral float outside [-2^63, 2^64) is written as `float64` too, where notepack
///   would write a wrapped-around (wrong) 64-bit integer.
/// - Lengths of 2^32 or more (strings, binary, arrays, objects) cannot be written in msgpack and
///   are not supported (the length is saturated, making the message invalid).
///
/// ```
/// use socketio_codec::{msgpack, Value};
///
/// let mut out = Vec::new();
/// msgpack::encode_value(&Value::Array(vec![1.into(), 2.0.into(), 1.5.into(), "a".into()]), &mut out);
/// assert_eq!(out, [0x94, 0x01, 0x02, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xa1, b'a']);
/// ```
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => write_nil(out),
        Value::Bool(b) => write_bool(out, *b),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Binary(b) => write_bin(out, b),
        Value::Array(items) => {
            write_array_len(out, items.len());
            for item in items {
                encode_value(item, out);
            }
        }
        Value::Object(map) => {
            write_map_len(out, map.len());
            for (key, item) in map {
                write_str(out, key);
                encode_value(item, out);
            }
        }
    }
}

/// Appends a JavaScript `undefined`: `fixext1` type 0, data 0 (`d4 00 00`), the form notepack.io
/// decodes as `undefined`.
///
/// notepack.io 3 itself never writes it (it writes an `undefined` array item as `nil` and leaves
/// `undefined` object members out), so this is only needed where a Node peer must see a real
/// `undefined` (adapter messages, for instance).
pub fn write_undefined(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0xd4, 0x00, 0x00]);
}

pub(crate) fn write_nil(out: &mut Vec<u8>) {
    out.push(0xc0);
}

pub(crate) fn write_bool(out: &mut Vec<u8>, b: bool) {
    out.push(if b { 0xc3 } else { 0xc2 });
}

pub(crate) fn write_number(out: &mut Vec<u8>, n: &Number) {
    if let Some(u) = n.as_u64() {
        write_u64(out, u);
    } else if let Some(i) = n.as_i64() {
        write_i64(out, i);
    } else {
        write_f64(out, n.as_f64().unwrap_or(f64::NAN));
    }
}

/// A non-negative integer: fixint, `uint8`, `uint16`, `uint32` or `uint64`.
pub(crate) fn write_u64(out: &mut Vec<u8>, n: u64) {
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0xcc, n as u8]);
    } else if n < 0x1_0000 {
        out.push(0xcd);
        out.extend_from_slice(&(n as u16).to_be_bytes());
    } else if n < 0x1_0000_0000 {
        out.push(0xce);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// An integer: as [`write_u64`] when non-negative, else negative fixint, `int8`, `int16`,
/// `int32` or `int64`.
pub(crate) fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n >= 0 {
        write_u64(out, n.unsigned_abs());
    } else if n >= -0x20 {
        out.push(n as u8);
    } else if n >= -0x80 {
        out.extend_from_slice(&[0xd0, n as u8]);
    } else if n >= -0x8000 {
        out.push(0xd1);
        out.extend_from_slice(&(n as i16).to_be_bytes());
    } else if n >= -0x8000_0000 {
        out.push(0xd2);
        out.extend_from_slice(&(n as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// A JavaScript number: integral values in [-2^63, 2^64) as integers, the rest as `float64`.
pub(crate) fn write_f64(out: &mut Vec<u8>, f: f64) {
    if f.is_finite() && f.fract() == 0.0 && (-TWO_POW_63..TWO_POW_64).contains(&f) {
        // Exact: the value is integral and in range (the casts only drop a `-0.0` sign).
        if f >= 0.0 {
            write_u64(out, f as u64);
        } else {
            write_i64(out, f as i64);
        }
    } else {
        out.push(0xcb);
        out.extend_from_slice(&f.to_be_bytes());
    }
}

pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    if len < 0x20 {
        out.push(0xa0 | len as u8);
    } else if len < 0x100 {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else if len < 0x1_0000 {
        out.push(0xda);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&saturate(len).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

pub(crate) fn write_bin(out: &mut Vec<u8>, b: &[u8]) {
    let len = b.len();
    if len < 0x100 {
        out.extend_from_slice(&[0xc4, len as u8]);
    } else if len < 0x1_0000 {
        out.push(0xc5);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(0xc6);
        out.extend_from_slice(&saturate(len).to_be_bytes());
    }
    out.extend_from_slice(b);
}

pub(crate) fn write_array_len(out: &mut Vec<u8>, len: usize) {
    write_container_len(out, len, 0x90, 0xdc);
}

pub(crate) fn write_map_len(out: &mut Vec<u8>, len: usize) {
    write_container_len(out, len, 0x80, 0xde);
}

/// The header bytes of an array (`map == false`) or map of `len` items.
pub(crate) fn container_header(len: usize, map: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(5);
    if map {
        write_map_len(&mut out, len);
    } else {
        write_array_len(&mut out, len);
    }
    out
}

/// `fix` header for < 16 items, then the 16-bit form (`marker16`), then the 32-bit one
/// (`marker16 + 1`).
fn write_container_len(out: &mut Vec<u8>, len: usize, fix: u8, marker16: u8) {
    if len < 0x10 {
        out.push(fix | len as u8);
    } else if len < 0x1_0000 {
        out.push(marker16);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        out.push(marker16 + 1);
        out.extend_from_slice(&saturate(len).to_be_bytes());
    }
}

fn saturate(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use bytes::Bytes;

    use super::*;
    use crate::Map;

    fn enc(value: impl Into<Value>) -> Vec<u8> {
        let mut out = Vec::new();
        encode_value(&value.into(), &mut out);
        out
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn constants() {
        assert_eq!(enc(Value::Null), hex("c0"));
        assert_eq!(enc(false), hex("c2"));
        assert_eq!(enc(true), hex("c3"));
        let mut out = Vec::new();
        write_undefined(&mut out);
        assert_eq!(out, hex("d4 00 00"));
    }

    #[test]
    fn unsigned_boundaries() {
        assert_eq!(enc(0u8), hex("00"));
        assert_eq!(enc(127u8), hex("7f"));
        assert_eq!(enc(128u8), hex("cc 80"));
        assert_eq!(enc(255u8), hex("cc ff"));
        assert_eq!(enc(256u16), hex("cd 01 00"));
        assert_eq!(enc(65535u16), hex("cd ff ff"));
        assert_eq!(enc(65536u32), hex("ce 00 01 00 00"));
        assert_eq!(enc(4_294_967_295u32), hex("ce ff ff ff ff"));
        assert_eq!(enc(4_294_967_296u64), hex("cf 00 00 00 01 00 00 00 00"));
        assert_eq!(enc(u64::MAX), hex("cf ff ff ff ff ff ff ff ff"));
    }

    #[test]
    fn signed_boundaries() {
        assert_eq!(enc(-1i8), hex("ff"));
        assert_eq!(enc(-32i8), hex("e0"));
        assert_eq!(enc(-33i8), hex("d0 df"));
        assert_eq!(enc(-128i8), hex("d0 80"));
        assert_eq!(enc(-129i16), hex("d1 ff 7f"));
        assert_eq!(enc(-32768i16), hex("d1 80 00"));
        assert_eq!(enc(-32769i32), hex("d2 ff ff 7f ff"));
        assert_eq!(enc(-2_147_483_648i32), hex("d2 80 00 00 00"));
        assert_eq!(enc(-2_147_483_649i64), hex("d3 ff ff ff ff 7f ff ff ff"));
        assert_eq!(enc(i64::MIN), hex("d3 80 00 00 00 00 00 00 00"));
        // Non-negative i64 as unsigned.
        assert_eq!(enc(5i64), hex("05"));
        assert_eq!(enc(200i64), hex("cc c8"));
    }

    #[test]
    fn floats_like_javascript_numbers() {
        assert_eq!(enc(1.5), hex("cb 3f f8 00 00 00 00 00 00"));
        assert_eq!(enc(-0.1), hex("cb bf b9 99 99 99 99 99 9a"));
        assert_eq!(enc(2.0), hex("02"));
        assert_eq!(enc(-0.0), hex("00"));
        assert_eq!(enc(-2.0), hex("fe"));
        assert_eq!(enc(128.0), hex("cc 80"));
        assert_eq!(enc(-129.0), hex("d1 ff 7f"));
        assert_eq!(enc(4_294_967_296.0), hex("cf 00 00 00 01 00 00 00 00"));
        // 2^53 + 2 as a float: the exact integer, as notepack.
        assert_eq!(
            enc(9_007_199_254_740_994.0),
            hex("cf 00 20 00 00 00 00 00 02")
        );
        // -2^63 is the last integer written as int64; 2^64 and beyond as float64.
        assert_eq!(enc(-TWO_POW_63), hex("d3 80 00 00 00 00 00 00 00"));
        assert_eq!(enc(TWO_POW_64), hex("cb 43 f0 00 00 00 00 00 00"));
        assert_eq!(enc(1e300)[0], 0xcb);
        assert_eq!(enc(-1e19)[0], 0xcb);
        // A Number holding f64 directly (not through `From<f64>`).
        let mut out = Vec::new();
        write_f64(&mut out, f64::NAN);
        assert_eq!(out, hex("cb 7f f8 00 00 00 00 00 00"));
    }

    #[test]
    fn string_boundaries() {
        let s = |n: usize| "x".repeat(n);
        assert_eq!(enc(""), hex("a0"));
        assert_eq!(enc(s(31).as_str())[0], 0xbf);
        assert_eq!(enc(s(31).as_str()).len(), 32);
        assert_eq!(enc(s(32).as_str())[..2], hex("d9 20"));
        assert_eq!(enc(s(255).as_str())[..2], hex("d9 ff"));
        assert_eq!(enc(s(256).as_str())[..3], hex("da 01 00"));
        assert_eq!(enc(s(65535).as_str())[..3], hex("da ff ff"));
        assert_eq!(enc(s(65536).as_str())[..5], hex("db 00 01 00 00"));
        // UTF-8 byte length counts: "é" is 2 bytes.
        assert_eq!(enc("é"), hex("a2 c3 a9"));
        assert_eq!(enc("é".repeat(16).as_str())[..2], hex("d9 20"));
    }

    #[test]
    fn binary_boundaries() {
        let b = |n: usize| Value::Binary(Bytes::from(vec![7u8; n]));
        assert_eq!(enc(b(0)), hex("c4 00"));
        assert_eq!(enc(b(255))[..2], hex("c4 ff"));
        assert_eq!(enc(b(256))[..3], hex("c5 01 00"));
        assert_eq!(enc(b(65535))[..3], hex("c5 ff ff"));
        assert_eq!(enc(b(65536))[..5], hex("c6 00 01 00 00"));
        assert_eq!(enc(b(2)), hex("c4 02 07 07"));
    }

    #[test]
    fn container_boundaries() {
        let arr = |n: usize| Value::Array(vec![Value::Null; n]);
        assert_eq!(enc(arr(0)), hex("90"));
        assert_eq!(enc(arr(15))[0], 0x9f);
        assert_eq!(enc(arr(16))[..3], hex("dc 00 10"));
        assert_eq!(enc(arr(65535))[..3], hex("dc ff ff"));
        assert_eq!(enc(arr(65536))[..5], hex("dd 00 01 00 00"));
        let obj = |n: usize| {
            Value::Object(
                (0..n)
                    .map(|i| (i.to_string(), Value::Null))
                    .collect::<Map>(),
            )
        };
        assert_eq!(enc(obj(0)), hex("80"));
        assert_eq!(enc(obj(1)), hex("81 a1 30 c0"));
        assert_eq!(enc(obj(15))[0], 0x8f);
        assert_eq!(enc(obj(16))[..3], hex("de 00 10"));
        assert_eq!(enc(obj(65536))[..5], hex("df 00 01 00 00"));
        assert_eq!(container_header(16, true), hex("de 00 10"));
        assert_eq!(container_header(3, false), hex("93"));
    }
}
