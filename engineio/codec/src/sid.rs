//! Engine.IO session ids.

use std::fmt;
use std::str::FromStr;

use crate::error::CodecError;

/// Length of a session id in characters.
pub const SID_LEN: usize = 20;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A 20-character session id in the base64url alphabet (`A-Z a-z 0-9 - _`), like Node's
/// `base64id`: the base64url of 15 bytes. The caller provides the random bytes; this crate
/// has no randomness. Stored inline, so it is `Copy` and 20 bytes big.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid([u8; SID_LEN]);

impl Sid {
    /// The id made from 15 random bytes (base64url, no padding needed: 15 bytes = 20 chars).
    pub fn from_random(bytes: [u8; 15]) -> Sid {
        let mut out = [0u8; SID_LEN];
        for (group, chars) in bytes.chunks_exact(3).zip(out.chunks_exact_mut(4)) {
            let n = group.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
            for (i, c) in chars.iter_mut().enumerate() {
                let shift = 18 - 6 * i;
                *c = ALPHABET[((n >> shift) & 0x3F) as usize];
            }
        }
        Sid(out)
    }

    /// Parses exactly 20 characters of the base64url alphabet; anything else is `None`.
    pub fn parse(s: &str) -> Option<Sid> {
        let bytes: [u8; SID_LEN] = s.as_bytes().try_into().ok()?;
        bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            .then_some(Sid(bytes))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        // Always ASCII by construction.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// The 20 ASCII bytes of the id.
    pub fn as_bytes(&self) -> &[u8; SID_LEN] {
        &self.0
    }
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Sid").field(&self.as_str()).finish()
    }
}

impl FromStr for Sid {
    type Err = CodecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Sid::parse(s).ok_or(CodecError::InvalidSid)
    }
}

impl AsRef<str> for Sid {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl serde::Serialize for Sid {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Sid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Sid::parse(&s).ok_or_else(|| serde::de::Error::custom("invalid session id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        assert_eq!(Sid::from_random([0; 15]).as_str(), "AAAAAAAAAAAAAAAAAAAA");
        assert_eq!(
            Sid::from_random([0xFF; 15]).as_str(),
            "____________________"
        );
        let bytes = [0xFB, 0xEF, 0xBE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01];
        assert_eq!(Sid::from_random(bytes).as_str(), "----AAAAAAAAAAAAAAAB");
        assert_eq!(std::mem::size_of::<Sid>(), 20);
    }

    #[test]
    fn parse_rules() {
        assert!(Sid::parse("AAAAAAAAAAAAAAAAAAAA").is_some());
        assert!(Sid::parse("azAZ09-_azAZ09-_azAZ").is_some());
        assert!(Sid::parse("").is_none());
        assert!(Sid::parse("AAAAAAAAAAAAAAAAAAA").is_none());
        assert!(Sid::parse("AAAAAAAAAAAAAAAAAAAAA").is_none());
        assert!(Sid::parse("AAAAAAAAAAAAAAAAAAA+").is_none());
        assert!(Sid::parse("AAAAAAAAAAAAAAAAAAA/").is_none());
        assert!(Sid::parse("AAAAAAAAAAAAAAAAAAA=").is_none());
        assert!(Sid::parse("AAAAAAAAAAAAAAAAAA€").is_none());
        assert_eq!(
            "AAAAAAAAAAAAAAAAAAA".parse::<Sid>(),
            Err(CodecError::InvalidSid)
        );
    }

    #[test]
    fn formatting_and_serde() {
        let sid = Sid::from_random([7; 15]);
        assert_eq!(sid.to_string(), sid.as_str());
        assert_eq!(format!("{sid:?}"), format!("Sid({:?})", sid.as_str()));
        let json = serde_json::to_string(&sid).unwrap();
        assert_eq!(json, format!("\"{sid}\""));
        assert_eq!(serde_json::from_str::<Sid>(&json).unwrap(), sid);
        assert!(serde_json::from_str::<Sid>("\"short\"").is_err());
    }

    proptest! {
        #[test]
        fn from_random_is_base64url(bytes in any::<[u8; 15]>()) {
            let sid = Sid::from_random(bytes);
            prop_assert_eq!(sid.as_str(), URL_SAFE_NO_PAD.encode(bytes));
            prop_assert_eq!(Sid::parse(sid.as_str()), Some(sid));
            prop_assert_eq!(sid.as_str().parse::<Sid>(), Ok(sid));
        }

        #[test]
        fn parse_accepts_exactly_the_alphabet(s in "[A-Za-z0-9_-]{20}") {
            prop_assert_eq!(Sid::parse(&s).map(|sid| sid.to_string()), Some(s));
        }

        #[test]
        fn parse_never_panics(s in any::<String>()) {
            if let Some(sid) = Sid::parse(&s) {
                prop_assert_eq!(sid.as_str(), s);
            }
        }
    }
}
