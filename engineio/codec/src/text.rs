//! [`Text`]: the UTF-8 data of a text `message` packet, shared and framed once.

use std::fmt;
use std::ops::Deref;

use bytestring::ByteString;

/// The text of a `message` packet.
///
/// It is stored with the packet type digit in front (`4<text>`), in a reference-counted buffer:
/// cloning is a reference count, and the websocket frame (`4<text>`) or the polling record is
/// written from that same buffer. A broadcast encodes its packet once and hands clones of one
/// `Text` to every recipient, down to the socket write.
///
/// ```
/// use engineio_codec::Text;
///
/// let text = Text::from("hello");
/// assert_eq!(text.as_str(), "hello");
/// assert_eq!(&*text.framed(), "4hello");
/// let shared = text.clone(); // no copy
/// assert_eq!(shared, "hello");
///
/// // A caller that writes the digit itself saves the copy.
/// let mut s = String::from("4");
/// s.push_str("world");
/// assert_eq!(Text::from_framed(s).map(|t| t.len()), Ok(5));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Text(ByteString);

/// The type digit of a `message` packet.
const DIGIT: char = '4';

impl Text {
    /// The text `s` (copied once, behind the `4`).
    pub fn new(s: &str) -> Text {
        let mut framed = String::with_capacity(s.len() + 1);
        framed.push(DIGIT);
        framed.push_str(s);
        Text(ByteString::from(framed))
    }

    /// A text from its framed form `4<text>` without copying; gives the string back when it
    /// does not start with `4`.
    pub fn from_framed(framed: String) -> Result<Text, String> {
        if framed.starts_with(DIGIT) {
            Ok(Text(ByteString::from(framed)))
        } else {
            Err(framed)
        }
    }

    /// The same for a shared buffer (a received frame): `None` when it does not start with `4`.
    pub fn from_framed_shared(framed: ByteString) -> Option<Text> {
        framed.starts_with(DIGIT).then_some(Text(framed))
    }

    /// The text, without the digit.
    pub fn as_str(&self) -> &str {
        // The digit is one ASCII byte, so index 1 is a character boundary.
        self.0.get(1..).unwrap_or_default()
    }

    /// The framed form `4<text>`, shared.
    pub fn framed(&self) -> ByteString {
        self.0.clone()
    }

    /// The framed form `4<text>`, borrowed.
    pub fn framed_str(&self) -> &str {
        &self.0
    }
}

impl Default for Text {
    fn default() -> Self {
        Text(ByteString::from_static("4"))
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text::new(&s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Self {
        Text::new(s)
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing() {
        let t = Text::new("héllo");
        assert_eq!(t.as_str(), "héllo");
        assert_eq!(t.framed_str(), "4héllo");
        assert_eq!(t.len(), "héllo".len());
        assert_eq!(Text::default().as_str(), "");
        assert_eq!(Text::from_framed("4x".into()), Ok(Text::new("x")));
        assert_eq!(Text::from_framed("x".into()), Err("x".to_owned()));
        assert_eq!(Text::from_framed(String::new()), Err(String::new()));
        assert!(Text::from_framed_shared(ByteString::from_static("2")).is_none());
        assert_eq!(format!("{:?}", Text::new("a\"")), r#""a\"""#);
    }

    #[test]
    fn clones_share_the_buffer() {
        let t = Text::new("shared");
        let u = t.clone();
        assert_eq!(
            t.framed().as_bytes().as_ptr(),
            u.framed().as_bytes().as_ptr()
        );
    }
}
