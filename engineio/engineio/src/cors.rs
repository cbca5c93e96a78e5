//! CORS headers, as Node's `cors` module writes them.

use http::header::{self, HeaderMap, HeaderValue};

use crate::config::{Cors, CorsOrigin};

/// The CORS headers for a request (empty when its origin is not allowed).
pub(crate) fn headers(cfg: &Cors, request: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    let origin = request.get(header::ORIGIN);
    let allow = match (&cfg.origin, origin) {
        (CorsOrigin::Any, _) => Some(HeaderValue::from_static("*")),
        (CorsOrigin::Mirror, Some(o)) => Some(o.clone()),
        (CorsOrigin::List(list), Some(o)) => list
            .iter()
            .any(|allowed| allowed.as_bytes() == o.as_bytes())
            .then(|| o.clone()),
        (_, None) => None,
    };
    if !matches!(cfg.origin, CorsOrigin::Any) {
        out.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    if let Some(v) = allow {
        out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        if cfg.credentials {
            out.insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }
    out
}

/// Adds the preflight-only headers (allowed methods, reflected request headers).
pub(crate) fn add_preflight(out: &mut HeaderMap, request: &HeaderMap) {
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET,HEAD,PUT,PATCH,POST,DELETE"),
    );
    if let Some(h) = request.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
        out.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, h.clone());
        out.append(
            header::VARY,
            HeaderValue::from_static("Access-Control-Request-Headers"),
        );
    }
    out.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
}
