//! Polling payloads: the bodies of GET responses and POST requests.

use bytes::Bytes;

use crate::error::CodecError;
use crate::packet::Packet;
use crate::payload_v3;
use crate::payload_v4;
use crate::version::ProtocolVersion;

/// Content type of text polling bodies (v4 always, v3 text payloads).
pub const TEXT_CONTENT_TYPE: &str = "text/plain; charset=UTF-8";
/// Content type of v3 binary polling bodies.
pub const BINARY_CONTENT_TYPE: &str = "application/octet-stream";

/// An encoded polling response body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodedPayload {
    /// The body bytes.
    pub body: Bytes,
    /// The `Content-Type` to send with it: [`TEXT_CONTENT_TYPE`] or [`BINARY_CONTENT_TYPE`].
    pub content_type: &'static str,
}

/// Result of decoding a POST body.
///
/// The good packets before the first bad one are kept (Node delivers them), then the error
/// if any; an error means the session must be closed with "parse error".
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct DecodedPayload {
    /// The packets decoded before the first error, in order.
    pub packets: Vec<Packet>,
    /// The first error, if decoding stopped early.
    pub error: Option<CodecError>,
}

impl DecodedPayload {
    /// Splits into packets and a `Result` of the whole decode.
    pub fn into_result(self) -> Result<Vec<Packet>, CodecError> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(self.packets),
        }
    }

    pub(crate) fn failed(error: CodecError) -> Self {
        DecodedPayload {
            packets: Vec::new(),
            error: Some(error),
        }
    }
}

/// Encodes a GET response body.
///
/// v4: packets joined by `'\x1e'`, binary messages as `b` + standard padded base64, text
/// content type. v3: if `b64` is true or no packet is binary, the text format
/// `<len>:<packet>` (len in UTF-16 code units, binary as `b4` + base64, empty batch `0:`);
/// otherwise the v3 binary payload format with [`BINARY_CONTENT_TYPE`].
pub fn encode_payload(packets: &[Packet], version: ProtocolVersion, b64: bool) -> EncodedPayload {
    match version {
        ProtocolVersion::V4 => EncodedPayload {
            body: Bytes::from(payload_v4::encode(packets)),
            content_type: TEXT_CONTENT_TYPE,
        },
        ProtocolVersion::V3 if b64 || !packets.iter().any(Packet::is_binary) => EncodedPayload {
            body: Bytes::from(payload_v3::encode_text(packets)),
            content_type: TEXT_CONTENT_TYPE,
        },
        ProtocolVersion::V3 => EncodedPayload {
            body: Bytes::from(payload_v3::encode_binary(packets)),
            content_type: BINARY_CONTENT_TYPE,
        },
    }
}

/// Decodes a whole POST body.
///
/// `binary` means the request's `Content-Type` was `application/octet-stream`; it selects the
/// v3 binary payload format and is ignored for v4 (the caller refuses v4 binary bodies).
/// An empty body is [`CodecError::EmptyPayload`].
pub fn decode_payload(body: &[u8], version: ProtocolVersion, binary: bool) -> DecodedPayload {
    if body.is_empty() {
        return DecodedPayload::failed(CodecError::EmptyPayload);
    }
    match version {
        ProtocolVersion::V4 => payload_v4::decode(body),
        ProtocolVersion::V3 if binary => payload_v3::decode_binary(body),
        ProtocolVersion::V3 => payload_v3::decode_text(body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let text = [Packet::text("hello")];
        let mixed = [Packet::text("hello"), Packet::binary(vec![1, 2])];
        let v3 = ProtocolVersion::V3;
        let v4 = ProtocolVersion::V4;
        assert_eq!(
            encode_payload(&mixed, v4, false).content_type,
            TEXT_CONTENT_TYPE
        );
        assert_eq!(
            encode_payload(&text, v3, false).content_type,
            TEXT_CONTENT_TYPE
        );
        assert_eq!(
            encode_payload(&mixed, v3, true).content_type,
            TEXT_CONTENT_TYPE
        );
        assert_eq!(
            encode_payload(&mixed, v3, false).content_type,
            BINARY_CONTENT_TYPE
        );
        assert_eq!(
            encode_payload(&[], v3, false).content_type,
            TEXT_CONTENT_TYPE
        );
    }

    #[test]
    fn empty_body_is_an_error_everywhere() {
        for version in [ProtocolVersion::V3, ProtocolVersion::V4] {
            for binary in [false, true] {
                let decoded = decode_payload(b"", version, binary);
                assert_eq!(decoded, DecodedPayload::failed(CodecError::EmptyPayload));
            }
        }
    }

    #[test]
    fn v4_ignores_binary_flag() {
        let body = b"4hello\x1ebAQIDBA==";
        assert_eq!(
            decode_payload(body, ProtocolVersion::V4, true),
            decode_payload(body, ProtocolVersion::V4, false)
        );
    }

    #[test]
    fn into_result() {
        let ok = decode_payload(b"4a", ProtocolVersion::V4, false);
        assert_eq!(ok.into_result(), Ok(vec![Packet::text("a")]));
        let bad = decode_payload(b"4a\x1e7", ProtocolVersion::V4, false);
        assert_eq!(bad.into_result(), Err(CodecError::UnknownPacketType));
    }
}
