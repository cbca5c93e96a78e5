//! Refused requests as Node's `connection_error` event reports them.

use engineio_proto::{ErrorContext, RequestError};

/// A refused request or websocket upgrade (Node's `connection_error` event:
/// `{ req, code, message, context }`), handed to the listeners of
/// [`Config::connection_error`](crate::Config::connection_error) and
/// [`EngineIo::on_connection_error`](crate::EngineIo::on_connection_error) before the error
/// response is written.
///
/// Emitted, as Node, for: an unknown or disabled transport (code 0), an unknown session id
/// (1), a handshake with another method than GET (2), an `Origin` header with invalid
/// characters, a polling request after the upgrade, a request with another protocol version
/// than its session's, a websocket handshake that is not an upgrade, a failed id generation
/// (3), a refusal of the allow-request hook (4; also our `max_sessions` limit, with the
/// message "Too many sessions") and an unsupported protocol version (5).
///
/// ```
/// use engineio::Config;
///
/// let config = Config::default().with_connection_error(|err| {
///     eprintln!("refused {} {}: {} {} {:?}", err.req.method, err.req.uri, err.code, err.message, err.context);
/// });
/// # let _ = config;
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ConnectionError<'a> {
    /// The request (Node's `err.req`).
    pub req: &'a http::request::Parts,
    /// Node's error code, 0 to 5.
    pub code: u8,
    /// Node's message for the code (`"Transport unknown"`, ...; always the standard one: a
    /// message of the allow-request hook is in the context, as in Node).
    pub message: &'static str,
    /// Node's `context` of the error.
    pub context: &'a ErrorContext,
}

impl<'a> ConnectionError<'a> {
    pub(crate) fn new(
        req: &'a http::request::Parts,
        error: &RequestError,
        context: &'a ErrorContext,
    ) -> Self {
        let code = error.code();
        ConnectionError {
            req,
            code,
            message: message(code),
            context,
        }
    }
}

/// Node's `Server.errorMessages`.
fn message(code: u8) -> &'static str {
    match code {
        0 => "Transport unknown",
        1 => "Session ID unknown",
        2 => "Bad handshake method",
        3 => "Bad request",
        4 => "Forbidden",
        _ => "Unsupported protocol version",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_nodes_standard_ones_even_for_a_custom_forbidden() {
        let (parts, ()) = http::Request::new(()).into_parts();
        let context = ErrorContext::Forbidden {
            message: Some("no bots".into()),
        };
        let err = ConnectionError::new(
            &parts,
            &RequestError::Forbidden(Some("no bots".into())),
            &context,
        );
        assert_eq!((err.code, err.message), (4, "Forbidden"));
        for (error, text) in [
            (RequestError::TransportUnknown, "Transport unknown"),
            (RequestError::UnknownSid, "Session ID unknown"),
            (RequestError::BadHandshakeMethod, "Bad handshake method"),
            (RequestError::BadRequest, "Bad request"),
            (
                RequestError::UnsupportedProtocolVersion,
                "Unsupported protocol version",
            ),
        ] {
            let err = ConnectionError::new(&parts, &error, &context);
            assert_eq!(err.message, text);
            assert_eq!(err.message, error.to_string());
        }
    }
}
