//! Engine.IO protocol versions.

/// The Engine.IO protocol revision spoken on a session.
///
/// `V4` carries Socket.IO v5 (clients 3.x/4.x), `V3` carries Socket.IO v4 (clients 1.x/2.x).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    /// Engine.IO v3 (`EIO=3`, or anything that is not `4`).
    V3,
    /// Engine.IO v4 (`EIO=4`).
    V4,
}

impl ProtocolVersion {
    /// Node's rule for the `EIO` query parameter: `Some("4")` is v4, anything else
    /// (missing, `"3"`, `"abc"`, `"5"`) is v3.
    pub fn from_query(eio: Option<&str>) -> Self {
        match eio {
            Some("4") => ProtocolVersion::V4,
            _ => ProtocolVersion::V3,
        }
    }

    /// The value of the `EIO` query parameter for this version (`"3"` or `"4"`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolVersion::V3 => "3",
            ProtocolVersion::V4 => "4",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_version_rule() {
        assert_eq!(ProtocolVersion::from_query(Some("4")), ProtocolVersion::V4);
        for other in [
            None,
            Some("3"),
            Some("abc"),
            Some("5"),
            Some(""),
            Some("4 "),
        ] {
            assert_eq!(
                ProtocolVersion::from_query(other),
                ProtocolVersion::V3,
                "{other:?}"
            );
        }
    }

    #[test]
    fn as_str_round_trips() {
        for v in [ProtocolVersion::V3, ProtocolVersion::V4] {
            assert_eq!(ProtocolVersion::from_query(Some(v.as_str())), v);
        }
    }
}
