//! The base64 flavour of `b` packets: standard alphabet, padded on output, padding optional
//! on input (Node's `Buffer.from(s, "base64")` accepts both).

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use bytes::Bytes;

use crate::error::CodecError;

const ENGINE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Appends the padded base64 of `data` to `out`.
pub(crate) fn encode_into(data: &[u8], out: &mut String) {
    ENGINE.encode_string(data, out);
}

/// Length of the padded base64 of `n` bytes.
pub(crate) fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Decodes base64 text (padded or not).
pub(crate) fn decode(text: &[u8]) -> Result<Bytes, CodecError> {
    ENGINE
        .decode(text)
        .map(Bytes::from)
        .map_err(|_| CodecError::InvalidBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padded_out_indifferent_in() {
        let mut s = String::new();
        encode_into(&[1, 2, 3, 4], &mut s);
        assert_eq!(s, "AQIDBA==");
        assert_eq!(encoded_len(4), 8);
        assert_eq!(encoded_len(0), 0);
        assert_eq!(encoded_len(3), 4);
        assert_eq!(decode(b"AQIDBA==").as_deref(), Ok(&[1u8, 2, 3, 4][..]));
        assert_eq!(decode(b"AQIDBA").as_deref(), Ok(&[1u8, 2, 3, 4][..]));
        assert_eq!(decode(b"").as_deref(), Ok(&[][..]));
        assert_eq!(decode(b"A!==").as_deref(), Err(&CodecError::InvalidBase64));
        assert_eq!(decode(b"A").as_deref(), Err(&CodecError::InvalidBase64));
    }
}
