//! Streaming POST body decoding with the `maxHttpBufferSize` limit.

use crate::error::CodecError;
use crate::payload::{decode_payload, DecodedPayload};
use crate::version::ProtocolVersion;

/// Collects a POST body chunk by chunk and decodes it at the end.
///
/// The limit is enforced while the body arrives: [`PayloadDecoder::push`] fails with
/// [`CodecError::PayloadTooLarge`] as soon as the total exceeds `max_payload` bytes (exactly
/// `max_payload` is accepted), and the buffer never grows past `max_payload`. Node answers
/// that case with 413 and keeps the session open.
///
/// ```
/// use engineio_codec::{CodecError, Packet, PayloadDecoder, ProtocolVersion};
///
/// let mut decoder = PayloadDecoder::new(ProtocolVersion::V4, false, 16);
/// decoder.push(b"4hel")?;
/// decoder.push(b"lo")?;
/// assert_eq!(decoder.finish().packets, vec![Packet::text("hello")]);
/// # Ok::<(), CodecError>(())
/// ```
#[derive(Debug)]
pub struct PayloadDecoder {
    version: ProtocolVersion,
    binary: bool,
    max_payload: usize,
    buffer: Vec<u8>,
    too_large: bool,
}

impl PayloadDecoder {
    /// A decoder for one body. `binary` is as for [`decode_payload`].
    pub fn new(version: ProtocolVersion, binary: bool, max_payload: usize) -> Self {
        PayloadDecoder {
            version,
            binary,
            max_payload,
            buffer: Vec::new(),
            too_large: false,
        }
    }

    /// Adds a chunk. Fails (now and on every later call) once the body exceeds the limit;
    /// the buffered data is then dropped.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), CodecError> {
        let limit = self.max_payload;
        if self.too_large || chunk.len() > limit.saturating_sub(self.buffer.len()) {
            self.too_large = true;
            self.buffer = Vec::new();
            return Err(CodecError::PayloadTooLarge { limit });
        }
        let needed = self.buffer.len() + chunk.len();
        if needed > self.buffer.capacity() {
            let target = needed
                .max(self.buffer.capacity().saturating_mul(2))
                .min(limit);
            self.buffer.reserve_exact(target - self.buffer.len());
        }
        self.buffer.extend_from_slice(chunk);
        Ok(())
    }

    /// Number of body bytes received so far (0 after the limit was exceeded).
    pub fn len(&self) -> usize {
        self.buffer.len()
    }

    /// Whether no body byte has been buffered.
    pub fn is_empty(&self) -> bool {
        self.buffer.is_empty()
    }

    /// Decodes the whole body, as [`decode_payload`] would.
    pub fn finish(self) -> DecodedPayload {
        if self.too_large {
            return DecodedPayload::failed(CodecError::PayloadTooLarge {
                limit: self.max_payload,
            });
        }
        decode_payload(&self.buffer, self.version, self.binary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::encode_payload;
    use crate::test_support::arb_packets;
    use proptest::prelude::*;

    #[test]
    fn limit_is_inclusive() {
        let body = b"4hello\x1e4world"; // 13 bytes
        let mut exact = PayloadDecoder::new(ProtocolVersion::V4, false, body.len());
        assert_eq!(exact.push(body), Ok(()));
        assert!(exact.buffer.capacity() <= body.len());
        assert_eq!(exact.finish().error, None);

        let mut over = PayloadDecoder::new(ProtocolVersion::V4, false, body.len() - 1);
        let too_large = Err(CodecError::PayloadTooLarge {
            limit: body.len() - 1,
        });
        assert_eq!(over.push(&body[..6]), Ok(()));
        assert_eq!(over.push(&body[6..]), too_large);
        assert!(over.is_empty());
        assert_eq!(over.push(b""), too_large);
        assert_eq!(
            over.finish(),
            DecodedPayload::failed(CodecError::PayloadTooLarge {
                limit: body.len() - 1
            })
        );
    }

    #[test]
    fn byte_by_byte_never_grows_past_limit() {
        let limit = 100;
        let mut decoder = PayloadDecoder::new(ProtocolVersion::V4, false, limit);
        for _ in 0..limit {
            assert_eq!(decoder.push(b"4"), Ok(()));
            assert!(decoder.buffer.capacity() <= limit);
        }
        assert_eq!(decoder.len(), limit);
        assert_eq!(
            decoder.push(b"4"),
            Err(CodecError::PayloadTooLarge { limit })
        );
    }

    #[test]
    fn zero_limit_and_empty_body() {
        let mut decoder = PayloadDecoder::new(ProtocolVersion::V3, false, 0);
        assert_eq!(decoder.push(b""), Ok(()));
        assert_eq!(
            decoder.finish(),
            DecodedPayload::failed(CodecError::EmptyPayload)
        );
        let mut decoder = PayloadDecoder::new(ProtocolVersion::V3, false, 0);
        assert_eq!(
            decoder.push(b"1"),
            Err(CodecError::PayloadTooLarge { limit: 0 })
        );
    }

    #[test]
    fn huge_chunk_does_not_overflow() {
        let mut decoder = PayloadDecoder::new(ProtocolVersion::V4, false, usize::MAX);
        assert_eq!(decoder.push(b"4a"), Ok(()));
        assert_eq!(decoder.finish().packets, vec![crate::Packet::text("a")]);
    }

    proptest! {
        #[test]
        fn chunked_equals_whole(
            packets in arb_packets(true, 0),
            v4 in any::<bool>(),
            b64 in any::<bool>(),
            cuts in proptest::collection::vec(any::<usize>(), 0..6),
        ) {
            let version = if v4 { ProtocolVersion::V4 } else { ProtocolVersion::V3 };
            let encoded = encode_payload(&packets, version, b64);
            let binary = encoded.content_type == crate::BINARY_CONTENT_TYPE;
            let body = &encoded.body[..];
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (body.len() + 1)).collect();
            cuts.sort_unstable();
            let mut decoder = PayloadDecoder::new(version, binary, body.len());
            let mut start = 0;
            for cut in cuts.into_iter().chain([body.len()]) {
                prop_assert_eq!(decoder.push(&body[start..cut]), Ok(()));
                start = cut;
            }
            prop_assert_eq!(decoder.finish(), decode_payload(body, version, binary));
        }

        #[test]
        fn chunked_garbage_equals_whole(
            body in proptest::collection::vec(any::<u8>(), 0..64),
            cut in any::<usize>(),
            v4 in any::<bool>(),
            binary in any::<bool>(),
        ) {
            let version = if v4 { ProtocolVersion::V4 } else { ProtocolVersion::V3 };
            let cut = cut % (body.len() + 1);
            let mut decoder = PayloadDecoder::new(version, binary, 64);
            prop_assert_eq!(decoder.push(&body[..cut]), Ok(()));
            prop_assert_eq!(decoder.push(&body[cut..]), Ok(()));
            prop_assert_eq!(decoder.finish(), decode_payload(&body, version, binary));
        }
    }
}
