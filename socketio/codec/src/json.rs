//! JSON the way `JSON.stringify` writes it, and binary attachments: binary values written as
//! placeholders, placeholders turned back into [`Value::Binary`].

use std::io;

use bytes::Bytes;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

use crate::value::Map;
use crate::{DecodeError, Value};

/// Serializes like `JSON.stringify`; every serde bytes value (`serialize_bytes`: `bytes::Bytes`,
/// `serde_bytes::ByteBuf`, [`Value::Binary`], ...) becomes `{"_placeholder":true,"num":i}` and
/// its bytes are pushed to `attachments` (depth-first order, `num` continuing from
/// `attachments.len()`).
///
/// This is the fast path from a typed value to the text of a BINARY_EVENT (see
/// [`encode_raw`](crate::encode_raw)); [`encode`](crate::encode) does the same for a
/// [`Packet`](crate::Packet) holding a [`Value`].
///
/// Numbers follow JavaScript: `1.0_f64` is written `1`, `1e21` is written `1e+21`, non-finite
/// floats are written `null`. Object keys keep their order.
///
/// ```
/// use socketio_codec::{to_json_with_binary, Bytes};
///
/// let mut attachments = Vec::new();
/// let json = to_json_with_binary(&("file", Bytes::from_static(b"\x01\x02"), 2.0), &mut attachments)?;
/// assert_eq!(json, r#"["file",{"_placeholder":true,"num":0},2]"#);
/// assert_eq!(attachments, [Bytes::from_static(b"\x01\x02")]);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_json_with_binary<T: Serialize + ?Sized>(
    value: &T,
    attachments: &mut Vec<Bytes>,
) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    write_json_with_binary(&mut out, value, attachments)?;
    Ok(into_string(out))
}

/// Same as [`to_json_with_binary`], appending to a buffer.
///
/// On error, `out` and `attachments` may hold a partial result.
pub fn write_json_with_binary<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
    attachments: &mut Vec<Bytes>,
) -> Result<(), serde_json::Error> {
    let formatter = JsFormatter {
        binary: BinaryMode::Attach(attachments),
    };
    let mut ser = serde_json::Serializer::with_formatter(out, formatter);
    value.serialize(&mut ser)
}

/// Writes `value` as `JSON.stringify` would (compact, key order kept, JS number format), each
/// `Binary` as a placeholder numbered from 0 in depth-first order (the order of
/// [`collect_binary`]).
pub(crate) fn write_value_with_placeholders(out: &mut Vec<u8>, value: &Value) {
    let formatter = JsFormatter {
        binary: BinaryMode::Count(0),
    };
    let mut ser = serde_json::Serializer::with_formatter(out, formatter);
    // Serializing a `Value` into a `Vec` cannot fail: keys are strings and writes are infallible.
    let _ = value.serialize(&mut ser);
}

/// Writes `value` as `JSON.stringify` would, each `Binary` the way `JSON.stringify` writes a
/// Node `Buffer`: `{"type":"Buffer","data":[1,2]}` (used where Node sends no attachments:
/// CONNECT, DISCONNECT, CONNECT_ERROR).
pub(crate) fn write_value_plain(out: &mut Vec<u8>, value: &Value) {
    let formatter = JsFormatter {
        binary: BinaryMode::Buffer,
    };
    let mut ser = serde_json::Serializer::with_formatter(out, formatter);
    let _ = value.serialize(&mut ser);
}

/// Pushes (cheap clones of) every `Binary` of `value`, depth-first.
pub(crate) fn collect_binary(value: &Value, out: &mut Vec<Bytes>) {
    match value {
        Value::Binary(bytes) => out.push(bytes.clone()),
        Value::Array(items) => items.iter().for_each(|item| collect_binary(item, out)),
        Value::Object(map) => map.values().for_each(|item| collect_binary(item, out)),
        _ => {}
    }
}

/// socket.io-parser's `reconstructPacket`: replaces every placeholder object in `value` with
/// `Value::Binary(attachments[num])`. A placeholder whose `num` is not a non-negative integer
/// smaller than `attachments.len()` is an error.
pub(crate) fn replace_placeholders(
    value: &mut Value,
    attachments: &[Bytes],
) -> Result<(), DecodeError> {
    match value {
        Value::Array(items) => items
            .iter_mut()
            .try_for_each(|item| replace_placeholders(item, attachments)),
        Value::Object(map) => match placeholder(map) {
            Some(num) => {
                let bytes = num
                    .and_then(|num| attachments.get(num))
                    .ok_or(DecodeError::InvalidPlaceholder)?;
                *value = Value::Binary(bytes.clone());
                Ok(())
            }
            None => map
                .values_mut()
                .try_for_each(|item| replace_placeholders(item, attachments)),
        },
        _ => Ok(()),
    }
}

/// Turns serializer output into a `String`; serde_json only writes UTF-8.
pub(crate) fn into_string(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// `None`: not a placeholder. `Some(None)`: a placeholder with a bad `num`.
/// `Some(Some(i))`: a placeholder for attachment `i`.
///
/// Like socket.io-parser: an object is a placeholder when `_placeholder === true`.
fn placeholder(map: &Map) -> Option<Option<usize>> {
    if map.get("_placeholder") != Some(&Value::Bool(true)) {
        return None;
    }
    let num = match map.get("num") {
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < u32::MAX as f64)
                .map(|f| f as u64)
        }),
        _ => None,
    };
    Some(num.and_then(|n| usize::try_from(n).ok()))
}

/// What the JSON writer does with a byte string.
enum BinaryMode<'a> {
    /// Copy it into the attachments, write a placeholder.
    Attach(&'a mut Vec<Bytes>),
    /// Write a placeholder with the next number; the bytes are collected separately.
    Count(usize),
    /// Write it as `JSON.stringify` writes a Node `Buffer`.
    Buffer,
}

/// serde_json's compact output with JavaScript number formatting and byte strings written
/// according to `binary`.
struct JsFormatter<'a> {
    binary: BinaryMode<'a>,
}

impl Formatter for JsFormatter<'_> {
    fn write_f64<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        write_js_number(writer, value, value.abs(), value.is_finite())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        write_js_number(writer, value, f64::from(value.abs()), value.is_finite())
    }

    fn write_byte_array<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        value: &[u8],
    ) -> io::Result<()> {
        let num = match &mut self.binary {
            BinaryMode::Attach(attachments) => {
                attachments.push(Bytes::copy_from_slice(value));
                attachments.len() - 1
            }
            BinaryMode::Count(next) => {
                *next += 1;
                *next - 1
            }
            BinaryMode::Buffer => {
                writer.write_all(br#"{"type":"Buffer","data":"#)?;
                CompactFormatter.write_byte_array(writer, value)?;
                return writer.write_all(b"}");
            }
        };
        write!(writer, "{{\"_placeholder\":true,\"num\":{num}}}")
    }
}

/// `Number.prototype.toString`: plain decimal for `1e-6 <= |x| < 1e21`, else `d.ddde±x`;
/// `-0` is `0`, non-finite is `null` (as `JSON.stringify`). Rust's `Display` / `LowerExp` give
/// the same shortest round-trip digits.
pub(crate) fn write_js_number<W, F>(
    writer: &mut W,
    value: F,
    abs: f64,
    finite: bool,
) -> io::Result<()>
where
    W: ?Sized + io::Write,
    F: std::fmt::Display + std::fmt::LowerExp,
{
    if !finite {
        return writer.write_all(b"null");
    }
    if abs == 0.0 {
        return writer.write_all(b"0");
    }
    if (1e-6..1e21).contains(&abs) {
        return write!(writer, "{value}");
    }
    let text = format!("{value:e}");
    match text.split_once('e') {
        Some((mantissa, exp)) if !exp.starts_with('-') => write!(writer, "{mantissa}e+{exp}"),
        _ => writer.write_all(text.as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use serde_json::json;

    fn js(v: f64) -> String {
        let mut out = Vec::new();
        write_value_plain(
            &mut out,
            &Value::Number(serde_json::Number::from_f64(v).unwrap()),
        );
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_like_javascript() {
        assert_eq!(js(1.0), "1");
        assert_eq!(js(-2.0), "-2");
        assert_eq!(js(1.5), "1.5");
        assert_eq!(js(-0.0), "0");
        assert_eq!(js(0.1), "0.1");
        assert_eq!(js(1e21), "1e+21");
        assert_eq!(js(1.5e300), "1.5e+300");
        assert_eq!(js(-1e21), "-1e+21");
        assert_eq!(js(1e20), "100000000000000000000");
        assert_eq!(js(123456789012345680000.0), "123456789012345680000");
        assert_eq!(js(0.000001), "0.000001");
        assert_eq!(js(1e-7), "1e-7");
        assert_eq!(js(-1.5e-7), "-1.5e-7");
        assert_eq!(js(5e-324), "5e-324");
        assert_eq!(js(f64::MAX), "1.7976931348623157e+308");
        // Non-finite values cannot be in a `Value`, but can come from a struct.
        let mut att = Vec::new();
        assert_eq!(
            to_json_with_binary(&[f64::NAN, f64::INFINITY, 2.0], &mut att).unwrap(),
            "[null,null,2]"
        );
        assert_eq!(to_json_with_binary(&1.5f32, &mut att).unwrap(), "1.5");
        assert_eq!(to_json_with_binary(&3.0f32, &mut att).unwrap(), "3");
        assert_eq!(
            to_json_with_binary(&u64::MAX, &mut att).unwrap(),
            "18446744073709551615"
        );
        assert_eq!(to_json_with_binary(&-7i64, &mut att).unwrap(), "-7");
    }

    #[test]
    fn strings_escaped_like_javascript() {
        let mut att = Vec::new();
        let s = "a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f}é😀/";
        assert_eq!(
            to_json_with_binary(s, &mut att).unwrap(),
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\u{7f}é😀/\""
        );
    }

    #[derive(Serialize)]
    struct Inner {
        name: &'static str,
        blobs: Vec<Bytes>,
    }

    #[derive(Serialize)]
    struct Outer {
        z_first: Bytes,
        inner: Inner,
        list: Vec<Inner>,
        last: Option<Bytes>,
        plain: Vec<u8>,
    }

    #[test]
    fn nested_bytes_become_depth_first_placeholders() {
        let value = Outer {
            z_first: Bytes::from_static(b"0"),
            inner: Inner {
                name: "i",
                blobs: vec![Bytes::from_static(b"1"), Bytes::from_static(b"2")],
            },
            list: vec![
                Inner {
                    name: "a",
                    blobs: vec![],
                },
                Inner {
                    name: "b",
                    blobs: vec![Bytes::from_static(b"3")],
                },
            ],
            last: Some(Bytes::from_static(b"4")),
            plain: vec![9, 9],
        };
        let mut attachments = vec![Bytes::from_static(b"existing")];
        let json = to_json_with_binary(&value, &mut attachments).unwrap();
        let p = |n: usize| format!("{{\"_placeholder\":true,\"num\":{n}}}");
        assert_eq!(
            json,
            format!(
                "{{\"z_first\":{},\"inner\":{{\"name\":\"i\",\"blobs\":[{},{}]}},\"list\":[{{\"name\":\"a\",\"blobs\":[]}},{{\"name\":\"b\",\"blobs\":[{}]}}],\"last\":{},\"plain\":[9,9]}}",
                p(1),
                p(2),
                p(3),
                p(4),
                p(5)
            )
        );
        let expected: Vec<Bytes> = ["existing", "0", "1", "2", "3", "4"]
            .iter()
            .map(|s| Bytes::copy_from_slice(s.as_bytes()))
            .collect();
        assert_eq!(attachments, expected);
    }

    #[test]
    fn write_appends() {
        let mut out = b"prefix:".to_vec();
        let mut att = Vec::new();
        write_json_with_binary(&mut out, &json!({"b": 1, "a": [true, null]}), &mut att).unwrap();
        assert_eq!(out, br#"prefix:{"b":1,"a":[true,null]}"#);
        assert!(att.is_empty());
    }

    #[test]
    fn serialization_errors_are_returned() {
        use std::collections::BTreeMap;
        let mut map = BTreeMap::new();
        map.insert(vec![1u8], 1);
        let mut att = Vec::new();
        assert!(to_json_with_binary(&map, &mut att).is_err());
    }

    #[test]
    fn value_binary_modes() {
        let mut value = Value::from(json!(["a", {"x": null}, []]));
        value.as_array_mut().unwrap()[1]
            .as_object_mut()
            .unwrap()
            .insert("bin".into(), Value::Binary(Bytes::from_static(&[1, 2])));
        value.as_array_mut().unwrap()[2]
            .as_array_mut()
            .unwrap()
            .push(Value::Binary(Bytes::from_static(&[3])));
        value
            .as_array_mut()
            .unwrap()
            .insert(0, Value::Binary(Bytes::new()));
        let mut out = Vec::new();
        write_value_with_placeholders(&mut out, &value);
        let p = |n: usize| format!("{{\"_placeholder\":true,\"num\":{n}}}");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "[{},\"a\",{{\"x\":null,\"bin\":{}}},[{}]]",
                p(0),
                p(1),
                p(2)
            )
        );
        let mut binaries = Vec::new();
        collect_binary(&value, &mut binaries);
        assert_eq!(
            binaries,
            [
                Bytes::new(),
                Bytes::from_static(&[1, 2]),
                Bytes::from_static(&[3])
            ]
        );
        let mut out = Vec::new();
        write_value_plain(&mut out, &value);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"[{"type":"Buffer","data":[]},"a",{"x":null,"bin":{"type":"Buffer","data":[1,2]}},[{"type":"Buffer","data":[3]}]]"#
        );
        // Serde's to_json_with_binary agrees with the Value path.
        let mut attachments = Vec::new();
        let text = to_json_with_binary(&value, &mut attachments).unwrap();
        let mut out = Vec::new();
        write_value_with_placeholders(&mut out, &value);
        assert_eq!(text.as_bytes(), out);
        assert_eq!(attachments, binaries);
    }

    #[test]
    fn replace_valid_placeholders() {
        let mut value = Value::from(json!([
            "ev",
            {"_placeholder": true, "num": 1},
            {"deep": [{"_placeholder": true, "num": 0}]},
            {"_placeholder": false, "num": 0},
            {"_placeholder": "true", "num": 0},
            {"_placeholder": true, "num": 0.0, "extra": 1}
        ]));
        let attachments = [Bytes::from_static(&[1, 2]), Bytes::from_static(&[255])];
        replace_placeholders(&mut value, &attachments).unwrap();
        let bin = |b: &'static [u8]| Value::Binary(Bytes::from_static(b));
        assert_eq!(value[1], bin(&[255]));
        assert_eq!(value[2]["deep"][0], bin(&[1, 2]));
        assert_eq!(
            value[3],
            Value::from(json!({"_placeholder": false, "num": 0}))
        );
        assert_eq!(
            value[4],
            Value::from(json!({"_placeholder": "true", "num": 0}))
        );
        assert_eq!(value[5], bin(&[1, 2]));
    }

    #[test]
    fn invalid_placeholders() {
        let ok = Value::from(
            json!(["a", {"_placeholder": true, "num": 0}, {"x": {"_placeholder": true, "num": 1}}]),
        );
        let two = [Bytes::new(), Bytes::new()];
        assert_eq!(replace_placeholders(&mut ok.clone(), &two), Ok(()));
        assert_eq!(
            replace_placeholders(&mut ok.clone(), &two[..1]),
            Err(DecodeError::InvalidPlaceholder)
        );
        for bad in [
            json!([{"_placeholder": true}]),
            json!([{"_placeholder": true, "num": "0"}]),
            json!([{"_placeholder": true, "num": -1}]),
            json!([{"_placeholder": true, "num": 0.5}]),
            json!([{"_placeholder": true, "num": null}]),
            json!([{"_placeholder": true, "num": 5}]),
        ] {
            assert_eq!(
                replace_placeholders(&mut Value::from(bad.clone()), &vec![Bytes::new(); 5]),
                Err(DecodeError::InvalidPlaceholder),
                "{bad}"
            );
        }
    }
}
