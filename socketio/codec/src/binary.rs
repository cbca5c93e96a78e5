//! JSON the way `JSON.stringify` writes it, and binary attachments: serializing bytes as
//! placeholders, finding placeholders, putting the bytes back.

use std::io;

use bytes::Bytes;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};
use serde_json::{Map, Value};

use crate::DecodeError;

/// Serializes like `JSON.stringify`; every serde bytes value (`serialize_bytes`: `bytes::Bytes`,
/// `serde_bytes::ByteBuf`, ...) becomes `{"_placeholder":true,"num":i}` and its bytes are pushed
/// to `attachments` (depth-first order, `num` continuing from `attachments.len()`).
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
        attachments: Some(attachments),
    };
    let mut ser = serde_json::Serializer::with_formatter(out, formatter);
    value.serialize(&mut ser)
}

/// Replaces every valid placeholder object in `value` with a JSON array of the attachment's byte
/// values, so that typed deserialization into `Bytes` / `Vec<u8>` / `serde_bytes::ByteBuf` works.
///
/// Placeholders whose `num` is not a valid index into `attachments` are left as they are (the
/// [`Decoder`](crate::Decoder) refuses such packets anyway).
///
/// ```
/// use socketio_codec::{inline_attachments, Bytes};
///
/// let mut args = serde_json::json!(["file", {"_placeholder": true, "num": 0}]);
/// inline_attachments(&mut args, &[Bytes::from_static(b"hi")]);
/// let (name, file): (String, Bytes) = serde_json::from_value(args)?;
/// assert_eq!((name.as_str(), &file[..]), ("file", &b"hi"[..]));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn inline_attachments(value: &mut Value, attachments: &[Bytes]) {
    match value {
        Value::Array(items) => {
            for item in items {
                inline_attachments(item, attachments);
            }
        }
        Value::Object(map) => match placeholder(map) {
            Some(Some(num)) => {
                if let Some(bytes) = attachments.get(num) {
                    *value = Value::Array(bytes.iter().map(|&b| Value::from(b)).collect());
                }
            }
            Some(None) => {}
            None => {
                for item in map.values_mut() {
                    inline_attachments(item, attachments);
                }
            }
        },
        _ => {}
    }
}

/// True when the value contains a placeholder object (`{"_placeholder":true,...}`).
pub fn has_placeholders(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().any(has_placeholders),
        Value::Object(map) => placeholder(map).is_some() || map.values().any(has_placeholders),
        _ => false,
    }
}

/// Checks that every placeholder in `value` points at one of `count` attachments.
pub(crate) fn validate_placeholders(value: &Value, count: usize) -> Result<(), DecodeError> {
    match value {
        Value::Array(items) => items
            .iter()
            .try_for_each(|item| validate_placeholders(item, count)),
        Value::Object(map) => match placeholder(map) {
            Some(Some(num)) if num < count => Ok(()),
            Some(_) => Err(DecodeError::InvalidPlaceholder),
            None => map
                .values()
                .try_for_each(|item| validate_placeholders(item, count)),
        },
        _ => Ok(()),
    }
}

/// Writes `value` as `JSON.stringify` would (compact, key order kept, JS number format).
pub(crate) fn write_value(out: &mut Vec<u8>, value: &Value) {
    let mut ser = serde_json::Serializer::with_formatter(out, JsFormatter { attachments: None });
    // Serializing a `Value` into a `Vec` cannot fail: keys are strings and writes are infallible.
    let _ = value.serialize(&mut ser);
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
fn placeholder(map: &Map<String, Value>) -> Option<Option<usize>> {
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

/// serde_json's compact output with JavaScript number formatting and, when `attachments` is
/// set, byte arrays turned into placeholders.
struct JsFormatter<'a> {
    attachments: Option<&'a mut Vec<Bytes>>,
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
        match self.attachments.as_deref_mut() {
            Some(attachments) => {
                let num = attachments.len();
                attachments.push(Bytes::copy_from_slice(value));
                write!(writer, "{{\"_placeholder\":true,\"num\":{num}}}")
            }
            None => {
                let mut compact = CompactFormatter;
                compact.write_byte_array(writer, value)
            }
        }
    }
}

/// `Number.prototype.toString`: plain decimal for `1e-6 <= |x| < 1e21`, else `d.ddde±x`;
/// `-0` is `0`, non-finite is `null` (as `JSON.stringify`). Rust's `Display` / `LowerExp` give
/// the same shortest round-trip digits.
fn write_js_number<W, F>(writer: &mut W, value: F, abs: f64, finite: bool) -> io::Result<()>
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
        write_value(&mut out, &json!(v));
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
    fn bytes_without_attachment_sink_are_arrays() {
        let mut out = Vec::new();
        let formatter = JsFormatter { attachments: None };
        let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
        Bytes::from_static(&[1, 2]).serialize(&mut ser).unwrap();
        assert_eq!(out, b"[1,2]");
    }

    #[test]
    fn inline_replaces_valid_placeholders() {
        let mut value = json!([
            "ev",
            {"_placeholder": true, "num": 1},
            {"deep": [{"_placeholder": true, "num": 0}]},
            {"_placeholder": true, "num": 9},
            {"_placeholder": false, "num": 0},
            {"_placeholder": true, "num": 0.0}
        ]);
        let attachments = [Bytes::from_static(&[1, 2]), Bytes::from_static(&[255])];
        assert!(has_placeholders(&value));
        inline_attachments(&mut value, &attachments);
        assert_eq!(
            value,
            json!([
                "ev",
                [255],
                {"deep": [[1, 2]]},
                {"_placeholder": true, "num": 9},
                {"_placeholder": false, "num": 0},
                [1, 2]
            ])
        );
        let typed: (String, Bytes, serde_json::Value) =
            serde_json::from_value(json!(["ev", [3, 4], null])).unwrap();
        assert_eq!(typed.1, Bytes::from_static(&[3, 4]));
        let mut value = json!(["a", {"_placeholder": true, "num": 0}]);
        inline_attachments(&mut value, &attachments);
        let (_, bytes): (String, Vec<u8>) = serde_json::from_value(value).unwrap();
        assert_eq!(bytes, [1, 2]);
    }

    #[test]
    fn has_placeholders_cases() {
        assert!(!has_placeholders(&json!(["a", {"b": [1, "x"]}])));
        assert!(!has_placeholders(
            &json!({"_placeholder": "true", "num": 0})
        ));
        assert!(has_placeholders(
            &json!({"a": {"b": [{"_placeholder": true}]}})
        ));
        assert!(has_placeholders(&json!({"_placeholder": true, "num": 0})));
    }

    #[test]
    fn validate_cases() {
        let ok =
            json!(["a", {"_placeholder": true, "num": 0}, {"x": {"_placeholder": true, "num": 1}}]);
        assert_eq!(validate_placeholders(&ok, 2), Ok(()));
        assert_eq!(
            validate_placeholders(&ok, 1),
            Err(DecodeError::InvalidPlaceholder)
        );
        for bad in [
            json!([{"_placeholder": true}]),
            json!([{"_placeholder": true, "num": "0"}]),
            json!([{"_placeholder": true, "num": -1}]),
            json!([{"_placeholder": true, "num": 0.5}]),
            json!([{"_placeholder": true, "num": null}]),
        ] {
            assert_eq!(
                validate_placeholders(&bad, 5),
                Err(DecodeError::InvalidPlaceholder),
                "{bad}"
            );
        }
    }
}
