//! The errors of this layer: refused requests (with Node's codes) and failed sends.

/// A refused HTTP request or websocket upgrade, with Node's error code and message.
///
/// [`RequestError::status`] is the one place these become HTTP statuses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Code 0: the `transport` query parameter is missing or not enabled.
    #[error("Transport unknown")]
    TransportUnknown,
    /// Code 1: the `sid` names no live session.
    #[error("Session ID unknown")]
    UnknownSid,
    /// Code 2: a handshake (no `sid`) with a method other than GET.
    #[error("Bad handshake method")]
    BadHandshakeMethod,
    /// Code 3: a malformed request (bad Origin header, transport mismatch, websocket without upgrade, ...).
    #[error("Bad request")]
    BadRequest,
    /// Code 4: the allow-request hook refused; the hook may give its own message.
    #[error("{}", .0.as_deref().unwrap_or("Forbidden"))]
    Forbidden(Option<String>),
    /// Code 5: the `EIO` version is not accepted (v3 without `allow_eio3`).
    #[error("Unsupported protocol version")]
    UnsupportedProtocolVersion,
}

impl RequestError {
    /// Node's numeric code.
    pub fn code(&self) -> u8 {
        match self {
            RequestError::TransportUnknown => 0,
            RequestError::UnknownSid => 1,
            RequestError::BadHandshakeMethod => 2,
            RequestError::BadRequest => 3,
            RequestError::Forbidden(_) => 4,
            RequestError::UnsupportedProtocolVersion => 5,
        }
    }

    /// The HTTP status for a polling request: 403 for Forbidden, 400 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            RequestError::Forbidden(_) => 403,
            _ => 400,
        }
    }

    /// The compact JSON body `{"code":N,"message":"..."}`.
    pub fn json_body(&self) -> String {
        let mut out = String::with_capacity(48);
        out.push_str("{\"code\":");
        out.push_str(&self.code().to_string());
        out.push_str(",\"message\":");
        push_json_string(&mut out, &self.to_string());
        out.push('}');
        out
    }
}

/// Why an application message could not be queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The session is closing or closed.
    #[error("session closed")]
    Closed,
    /// The outgoing buffer holds `max_buffered_packets` already.
    #[error("outgoing buffer full")]
    Full,
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_bodies_match_node() {
        let cases = [
            (
                RequestError::TransportUnknown,
                r#"{"code":0,"message":"Transport unknown"}"#,
                400,
            ),
            (
                RequestError::UnknownSid,
                r#"{"code":1,"message":"Session ID unknown"}"#,
                400,
            ),
            (
                RequestError::BadHandshakeMethod,
                r#"{"code":2,"message":"Bad handshake method"}"#,
                400,
            ),
            (
                RequestError::BadRequest,
                r#"{"code":3,"message":"Bad request"}"#,
                400,
            ),
            (
                RequestError::Forbidden(None),
                r#"{"code":4,"message":"Forbidden"}"#,
                403,
            ),
            (
                RequestError::UnsupportedProtocolVersion,
                r#"{"code":5,"message":"Unsupported protocol version"}"#,
                400,
            ),
        ];
        for (err, body, status) in cases {
            assert_eq!(err.json_body(), body);
            assert_eq!(err.status(), status);
        }
    }

    #[test]
    fn forbidden_message_from_hook_is_escaped() {
        let err = RequestError::Forbidden(Some("no \"bots\"\n".into()));
        assert_eq!(err.json_body(), r#"{"code":4,"message":"no \"bots\"\n"}"#);
    }
}
