//! Static files served next to the Engine.IO endpoint (what Node's Socket.IO `serveClient`
//! does with the browser client bundle), checked at the very start of
//! [`EngineIo::dispatch`](crate::EngineIo::dispatch).
//!
//! The engine knows nothing about which files these are: the Socket.IO layer fills a
//! [`StaticFiles`] (the `socket.io-client` `dist/` files) and puts it in
//! [`Config::static_files`](crate::Config::static_files).

use std::collections::HashMap;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, Response, StatusCode};
use http_body_util::Full;

/// In-memory files answered on `GET`/`HEAD` `<path>/<name>` (for example
/// `/socket.io/socket.io.js`), with an `ETag` (a hash of the content), `If-None-Match`
/// support (304) and a `Cache-Control` header (default `public, max-age=0`, as Node's
/// `serveClient`). Other methods, and names not in the set, go on to Engine.IO as usual.
#[derive(Clone, Debug)]
pub struct StaticFiles {
    files: HashMap<String, StaticFile>,
    cache_control: HeaderValue,
}

#[derive(Clone, Debug)]
struct StaticFile {
    body: Bytes,
    content_type: HeaderValue,
    etag: HeaderValue,
}

impl Default for StaticFiles {
    fn default() -> Self {
        StaticFiles {
            files: HashMap::new(),
            cache_control: HeaderValue::from_static("public, max-age=0"),
        }
    }
}

impl StaticFiles {
    /// An empty set with `Cache-Control: public, max-age=0`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the file `name` (a bare file name such as `socket.io.js`; names
    /// containing `/` are never matched). An invalid `content_type` is sent as
    /// `application/octet-stream`.
    pub fn insert(&mut self, name: impl Into<String>, body: impl Into<Bytes>, content_type: &str) {
        let body = body.into();
        let content_type = HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream"));
        let etag = HeaderValue::from_str(&format!("\"{:016x}\"", fnv1a(&body)))
            .unwrap_or(HeaderValue::from_static("\"0\""));
        self.files.insert(
            name.into(),
            StaticFile {
                body,
                content_type,
                etag,
            },
        );
    }

    /// Sets the `Cache-Control` value (ignored when it is not a valid header value).
    pub fn set_cache_control(&mut self, value: &str) {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.cache_control = v;
        }
    }

    /// Whether a file of that name is served.
    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// The served file names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// How many files are served.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is served.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The response for a request, or `None` when it is not for one of the files.
    ///
    /// `path` is the request path; `prefix` the Engine.IO path with its trailing slash. The
    /// file name is what follows the prefix, or (when an integration mounted the engine by
    /// nesting, which strips the prefix) what follows the leading `/`.
    pub(crate) fn respond(
        &self,
        method: &Method,
        path: &str,
        prefix: &str,
        headers: &HeaderMap,
    ) -> Option<Response<Full<Bytes>>> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let name = path
            .strip_prefix(prefix)
            .or_else(|| path.strip_prefix('/'))?;
        let file = self.files.get(name)?;
        let not_modified = headers
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .any(|tag| {
                tag == "*" || tag.trim_start_matches("W/").as_bytes() == file.etag.as_bytes()
            });
        let (status, body) = if not_modified {
            (StatusCode::NOT_MODIFIED, Bytes::new())
        } else if method == Method::HEAD {
            (StatusCode::OK, Bytes::new())
        } else {
            (StatusCode::OK, file.body.clone())
        };
        let mut response = Response::new(Full::new(body));
        *response.status_mut() = status;
        let h = response.headers_mut();
        h.insert(header::ETAG, file.etag.clone());
        h.insert(header::CACHE_CONTROL, self.cache_control.clone());
        if status == StatusCode::OK {
            h.insert(header::CONTENT_TYPE, file.content_type.clone());
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(file.body.len()));
        }
        Some(response)
    }
}

/// FNV-1a, 64 bits: a stable content hash for the ETag.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> StaticFiles {
        let mut files = StaticFiles::new();
        files.insert(
            "client.js",
            "console.log(1)",
            "application/javascript; charset=utf-8",
        );
        files
    }

    fn get(files: &StaticFiles, path: &str, headers: &HeaderMap) -> Option<Response<Full<Bytes>>> {
        files.respond(&Method::GET, path, "/socket.io/", headers)
    }

    #[test]
    fn serves_known_names_only() {
        let files = files();
        let none = HeaderMap::new();
        let response = get(&files, "/socket.io/client.js", &none).expect("served");
        assert_eq!(response.status(), StatusCode::OK);
        let h = response.headers();
        assert_eq!(
            h[header::CONTENT_TYPE],
            "application/javascript; charset=utf-8"
        );
        assert_eq!(h[header::CACHE_CONTROL], "public, max-age=0");
        assert_eq!(h[header::CONTENT_LENGTH], "14");
        assert!(h[header::ETAG].to_str().is_ok_and(|e| e.starts_with('"')));
        // Nested mount: the prefix was stripped by the framework.
        assert!(get(&files, "/client.js", &none).is_some());
        assert!(get(&files, "/socket.io/", &none).is_none());
        assert!(get(&files, "/socket.io/other.js", &none).is_none());
        assert!(get(&files, "/socket.io/x/client.js", &none).is_none());
        let post = files.respond(&Method::POST, "/socket.io/client.js", "/socket.io/", &none);
        assert!(post.is_none());
    }

    #[test]
    fn if_none_match_gives_304() {
        let files = files();
        let first = get(&files, "/socket.io/client.js", &HeaderMap::new()).expect("served");
        let etag = first.headers()[header::ETAG].clone();
        for tag in [
            etag.to_str().unwrap_or_default().to_owned(),
            format!("W/{}", etag.to_str().unwrap_or_default()),
            format!("\"old\", {}", etag.to_str().unwrap_or_default()),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::IF_NONE_MATCH,
                HeaderValue::from_str(&tag).expect("tag"),
            );
            let response = get(&files, "/socket.io/client.js", &headers).expect("served");
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{tag}");
            assert_eq!(response.headers()[header::ETAG], etag);
        }
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"stale\""));
        let response = get(&files, "/socket.io/client.js", &headers).expect("served");
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[test]
    fn head_has_headers_but_no_body() {
        let files = files();
        let response = files
            .respond(
                &Method::HEAD,
                "/socket.io/client.js",
                "/socket.io/",
                &HeaderMap::new(),
            )
            .expect("served");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_LENGTH], "14");
    }

    /// Through the engine: the hook answers before any Engine.IO routing, and only for files.
    #[tokio::test]
    async fn dispatch_serves_files_first() {
        use crate::{CloseReason, Config, Data, Dispatch, EngineIo, Handler, Socket};

        struct Nop;
        impl Handler for Nop {
            type Connection = Socket;
            fn on_connect(&self, socket: Socket, _: std::time::Instant) -> Socket {
                socket
            }
            fn on_message(&self, _socket: &mut Socket, _data: Data, _: std::time::Instant) {}
            fn on_disconnect(&self, _socket: Socket, _reason: CloseReason, _: std::time::Instant) {}
        }

        let config = Config {
            path: "/socket.io".to_owned(),
            static_files: Some(std::sync::Arc::new(files())),
            ..Config::default()
        };
        let engine = EngineIo::new(config, Nop);
        let request = |uri: &str| {
            http::Request::get(uri)
                .body(Full::new(Bytes::new()))
                .expect("request")
        };
        let Dispatch::Response(ok) = engine.dispatch(request("/socket.io/client.js")).await else {
            panic!("a file is a plain response");
        };
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[header::CACHE_CONTROL], "public, max-age=0");
        // Not a file: Engine.IO answers (no EIO query parameter: 400).
        let Dispatch::Response(other) = engine.dispatch(request("/socket.io/other.js")).await
        else {
            panic!("a bad request is a plain response");
        };
        assert_eq!(other.status(), StatusCode::BAD_REQUEST);
        assert_eq!(engine.session_count(), 0);
    }
}
