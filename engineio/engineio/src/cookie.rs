//! The session cookie (Node's `cookie` option): `Set-Cookie: io=<sid>` on the handshake, so
//! that a load balancer can pin a polling client to the server holding its session.

use http::HeaderValue;

/// The `SameSite` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax` (Node's default for this cookie).
    Lax,
    /// `SameSite=None` (needs `secure`).
    None,
}

/// The session cookie (Node's `cookie: { name, path, httpOnly, sameSite, .. }`). Off unless
/// set; `CookieOptions::default()` is what Node's `cookie: true` means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieOptions {
    /// The cookie name. Default `io`.
    pub name: String,
    /// The `Path` attribute. Default `/`; `None` writes none.
    pub path: Option<String>,
    /// The `HttpOnly` attribute. Default true (Node: true unless `path: false`).
    pub http_only: bool,
    /// The `SameSite` attribute. Default `Lax`.
    pub same_site: Option<SameSite>,
    /// The `Secure` attribute. Default false.
    pub secure: bool,
    /// The `Domain` attribute. Default none.
    pub domain: Option<String>,
    /// The `Max-Age` attribute in seconds. Default none (a session cookie).
    pub max_age: Option<u64>,
}

impl Default for CookieOptions {
    fn default() -> Self {
        CookieOptions {
            name: "io".into(),
            path: Some("/".into()),
            http_only: true,
            same_site: Some(SameSite::Lax),
            secure: false,
            domain: None,
            max_age: None,
        }
    }
}

impl CookieOptions {
    /// The `Set-Cookie` value for session `sid`, attributes in the order npm `cookie`
    /// writes them.
    pub fn header(&self, sid: &str) -> Option<HeaderValue> {
        let mut out = format!("{}={sid}", self.name);
        if let Some(age) = self.max_age {
            out.push_str(&format!("; Max-Age={age}"));
        }
        if let Some(domain) = &self.domain {
            out.push_str(&format!("; Domain={domain}"));
        }
        if let Some(path) = &self.path {
            out.push_str(&format!("; Path={path}"));
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if let Some(same_site) = self.same_site {
            out.push_str(match same_site {
                SameSite::Strict => "; SameSite=Strict",
                SameSite::Lax => "; SameSite=Lax",
                SameSite::None => "; SameSite=None",
            });
        }
        if self.secure {
            out.push_str("; Secure");
        }
        HeaderValue::from_str(&out).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_defaults() {
        // Node's `cookie: true`: `io=<sid>; Path=/; HttpOnly; SameSite=Lax`.
        let v = CookieOptions::default().header("abc").unwrap();
        assert_eq!(v, "io=abc; Path=/; HttpOnly; SameSite=Lax");
        let v = CookieOptions {
            name: "sticky".into(),
            path: None,
            http_only: false,
            same_site: Some(SameSite::None),
            secure: true,
            domain: Some("example.com".into()),
            max_age: Some(60),
        }
        .header("x")
        .unwrap();
        assert_eq!(
            v,
            "sticky=x; Max-Age=60; Domain=example.com; SameSite=None; Secure"
        );
    }
}
