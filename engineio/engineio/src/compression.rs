//! Node's `httpCompression` for polling responses: which coding a request accepts, and the
//! compressed body.
//!
//! The negotiation is npm `accepts(req).encodings(["gzip", "deflate"])` (accepts 1.3.8,
//! negotiator 0.6.3, what engine.io 6.6 installs), rule for rule, junk included:
//! - the `Accept-Encoding` values (several header lines count as one list joined by `, `) are
//!   split on `,`; an element is `token [ws] [; params]`, anything else is skipped (but still
//!   counts in the position of the later ones);
//! - `q` is the first parameter named exactly `q` (lower case), read as JavaScript's
//!   `parseFloat` reads (`q=0.5x` is 0.5, `q=abc` is NaN, no `q` is 1);
//! - a coding matches an element of its own name (ASCII case-insensitive) or `*`; the most
//!   specific match decides, then the higher q, then the later element;
//! - codings whose q is not above 0 (or NaN) are out; the rest are ranked by q, then
//!   specificity, then position in the header, then the server's order: gzip before deflate.
//!
//! So `deflate, gzip` gives deflate (header order beats the server's preference), `*` gives
//! gzip, `gzip;q=0, deflate` deflate, `identity`, `br`, `x-gzip` or no header nothing.

use std::io::Write;

use bytes::Bytes;
use flate2::write::ZlibEncoder;
use flate2::{Compression, GzBuilder};
use http::header::{self, HeaderMap};

use crate::HttpCompression;

/// A content coding of polling responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// `gzip`: a gzip member (RFC 1952), as zlib's `createGzip`.
    Gzip,
    /// `deflate`: a zlib stream (RFC 1950, not raw deflate), as zlib's `createDeflate`.
    Deflate,
}

impl Encoding {
    /// The `Content-Encoding` value.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Encoding::Gzip => "gzip",
            Encoding::Deflate => "deflate",
        }
    }
}

/// The body compressed for a request with these headers, or `None` when it goes out as is:
/// shorter than the threshold, or no coding acceptable.
pub(crate) fn compress(
    config: &HttpCompression,
    request_headers: &HeaderMap,
    body: &[u8],
) -> Option<(Encoding, Bytes)> {
    if body.len() < config.threshold {
        return None;
    }
    let encoding = negotiate(request_headers)?;
    match encode(encoding, body, config.level) {
        Ok(compressed) => Some((encoding, compressed)),
        // Writing into a Vec does not fail; should the encoder ever, the body goes out plain.
        Err(e) => {
            tracing::debug!("{} compression failed: {e}", encoding.name());
            None
        }
    }
}

/// The coding `accepts(req).encodings(["gzip", "deflate"])` picks, if any.
pub(crate) fn negotiate(headers: &HeaderMap) -> Option<Encoding> {
    let mut gzip = Priority::none(0.0);
    let mut deflate = Priority::none(1.0);
    let elements = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b','));
    for (position, element) in elements.enumerate() {
        let Some(spec) = Spec::parse(element, position) else {
            continue;
        };
        gzip.consider(&spec, b"gzip");
        deflate.consider(&spec, b"deflate");
    }
    let acceptable = |p: &Priority| p.q > 0.0;
    match (acceptable(&gzip), acceptable(&deflate)) {
        (true, true) => Some(if gzip.ranks_before(&deflate) {
            Encoding::Gzip
        } else {
            Encoding::Deflate
        }),
        (true, false) => Some(Encoding::Gzip),
        (false, true) => Some(Encoding::Deflate),
        (false, false) => None,
    }
}

/// Compresses `body` with zlib-compatible framing (gzip header as Node on Linux writes it:
/// no name, mtime 0, OS byte 3).
fn encode(encoding: Encoding, body: &[u8], level: u32) -> std::io::Result<Bytes> {
    let level = Compression::new(level.min(9));
    // Polling payloads are text and usually compress several times over.
    let out = Vec::with_capacity(body.len() / 4 + 32);
    let compressed = match encoding {
        Encoding::Gzip => {
            let mut encoder = GzBuilder::new().operating_system(3).write(out, level);
            encoder.write_all(body)?;
            encoder.finish()?
        }
        Encoding::Deflate => {
            let mut encoder = ZlibEncoder::new(out, level);
            encoder.write_all(body)?;
            encoder.finish()?
        }
    };
    Ok(Bytes::from(compressed))
}

/// One element of the header: `<name>;q=<q>` at `position` (negotiator's `{encoding, q, i}`).
struct Spec<'a> {
    name: &'a [u8],
    q: f64,
    position: usize,
}

impl<'a> Spec<'a> {
    /// negotiator's `parseEncoding(str.trim(), i)`: `/^\s*([^\s;]+)\s*(?:;(.*))?$/`.
    fn parse(element: &'a [u8], position: usize) -> Option<Self> {
        let element = trim_js(element);
        let name_len = element
            .iter()
            .position(|&b| is_js_space(b) || b == b';')
            .unwrap_or(element.len());
        if name_len == 0 {
            return None;
        }
        let (name, rest) = element.split_at(name_len);
        let rest = trim_start_js(rest);
        let params = match rest.split_first() {
            None => &[][..],
            Some((b';', params)) => params,
            Some(_) => return None,
        };
        let mut q = 1.0;
        for param in params.split(|&b| b == b';') {
            let mut parts = trim_js(param).split(|&b| b == b'=');
            if parts.next() == Some(&b"q"[..]) {
                // `parseFloat(p[1])`: a missing value is `parseFloat(undefined)`, NaN.
                q = parts.next().map_or(f64::NAN, js_parse_float);
                break;
            }
        }
        Some(Spec { name, q, position })
    }
}

/// How well one of the server's codings is accepted (negotiator's `{o, q, s}`).
struct Priority {
    /// Position in the header of the deciding element; -1 for none.
    o: f64,
    /// Its q.
    q: f64,
    /// 1 when the element names the coding, 0 for `*`.
    s: f64,
    /// The server's order: gzip 0, deflate 1 (negotiator's `i`).
    server_order: f64,
}

impl Priority {
    /// Not accepted (yet), for the coding at `server_order` in the server's list.
    fn none(server_order: f64) -> Self {
        Priority {
            o: -1.0,
            q: 0.0,
            s: 0.0,
            server_order,
        }
    }

    /// `getEncodingPriority`: keep the element that is more specific, then has the higher q,
    /// then comes later.
    fn consider(&mut self, spec: &Spec<'_>, coding: &[u8]) {
        let s = if spec.name.eq_ignore_ascii_case(coding) {
            1.0
        } else if spec.name == b"*" {
            0.0
        } else {
            return;
        };
        let o = spec.position as f64;
        // `(priority.s - spec.s || priority.q - spec.q || priority.o - spec.o) < 0`
        if js_or(&[self.s - s, self.q - spec.q, self.o - o]) < 0.0 {
            self.o = o;
            self.q = spec.q;
            self.s = s;
        }
    }

    /// `compareSpecs(a, b) < 0`: higher q, then more specific, then earlier in the header,
    /// then earlier in the server's list.
    fn ranks_before(&self, other: &Priority) -> bool {
        js_or(&[
            other.q - self.q,
            other.s - self.s,
            self.o - other.o,
            self.server_order - other.server_order,
        ]) < 0.0
    }
}

/// JavaScript's `a || b || c` over numbers: the first that is neither 0 nor NaN, else the last.
fn js_or(values: &[f64]) -> f64 {
    values
        .iter()
        .copied()
        .find(|v| *v != 0.0 && !v.is_nan())
        .or_else(|| values.last().copied())
        .unwrap_or(0.0)
}

/// JavaScript's `\s` among the bytes of a header value (Node reads them as Latin-1).
fn is_js_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0xa0)
}

fn trim_start_js(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| !is_js_space(b)).unwrap_or(s.len());
    &s[start..]
}

fn trim_js(s: &[u8]) -> &[u8] {
    let s = trim_start_js(s);
    let end = s
        .iter()
        .rposition(|&b| !is_js_space(b))
        .map_or(0, |i| i + 1);
    &s[..end]
}

/// JavaScript's `parseFloat`: the longest prefix (after white space) that is a decimal
/// literal or `Infinity`, NaN when there is none.
fn js_parse_float(s: &[u8]) -> f64 {
    let s = trim_start_js(s);
    let sign_len = usize::from(matches!(s.first(), Some(b'+' | b'-')));
    let unsigned = &s[sign_len..];
    if unsigned.starts_with(b"Infinity") {
        return if s.first() == Some(&b'-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let digits = |from: usize| {
        unsigned[from.min(unsigned.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let int_digits = digits(0);
    let mut end = int_digits;
    let mut frac_digits = 0;
    if unsigned.get(end) == Some(&b'.') {
        frac_digits = digits(end + 1);
        if int_digits + frac_digits > 0 {
            end += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return f64::NAN;
    }
    if matches!(unsigned.get(end), Some(b'e' | b'E')) {
        let exp_sign = usize::from(matches!(unsigned.get(end + 1), Some(b'+' | b'-')));
        let exp_digits = digits(end + 1 + exp_sign);
        if exp_digits > 0 {
            end += 1 + exp_sign + exp_digits;
        }
    }
    std::str::from_utf8(&s[..sign_len + end])
        .ok()
        .and_then(|literal| literal.parse().ok())
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use flate2::read::{GzDecoder, ZlibDecoder};
    use http::HeaderValue;

    use super::*;

    fn headers(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            let value = HeaderValue::from_bytes(value).expect("valid header value");
            headers.append(header::ACCEPT_ENCODING, value);
        }
        headers
    }

    fn pick(value: &str) -> Option<Encoding> {
        negotiate(&headers(&[value.as_bytes()]))
    }

    use Encoding::{Deflate, Gzip};

    /// Every case of these two tests was checked against Node: `accepts(req).encodings(["gzip",
    /// "deflate"])` of accepts 1.3.8 / negotiator 0.6.3 as engine.io 6.6.12 installs them, and
    /// most also through a live engine.io 6.6.12 server (2001-byte polling answers).
    #[test]
    fn negotiation_matches_node() {
        let cases: &[(&str, Option<Encoding>)] = &[
            ("gzip", Some(Gzip)),
            ("deflate", Some(Deflate)),
            ("gzip, deflate", Some(Gzip)),
            ("gzip, deflate, br, zstd", Some(Gzip)),
            // header order beats the server's preference on equal q
            ("deflate, gzip", Some(Deflate)),
            ("deflate;q=0.5, gzip;q=0.5", Some(Deflate)),
            // q-values
            ("gzip;q=0, deflate", Some(Deflate)),
            ("gzip;q=0.5, deflate;q=0.9", Some(Deflate)),
            ("deflate;q=0.4, gzip;q=0.5", Some(Gzip)),
            ("gzip;q=0, deflate;q=0", None),
            ("gzip;q=0.001", Some(Gzip)),
            // `*`: both match at the same place, gzip first
            ("*", Some(Gzip)),
            ("*;q=0, deflate", Some(Deflate)),
            ("gzip;q=0, *", Some(Deflate)),
            // the specific element decides, even when `*` has the higher q
            ("*;q=1, gzip;q=0.1, deflate;q=0.2", Some(Deflate)),
            ("deflate;q=0.5, *", Some(Gzip)),
            // `*;q=0` after the specific one does not override it
            ("gzip, *;q=0", Some(Gzip)),
            // identity is not one of the server's codings
            ("identity", None),
            ("identity;q=0", None),
            ("identity;q=0, gzip", Some(Gzip)),
            ("br", None),
            ("x-gzip", None),
            ("", None),
            // case-insensitive names
            ("GZIP", Some(Gzip)),
            ("Deflate", Some(Deflate)),
            ("DeFlAtE, gZiP", Some(Deflate)),
        ];
        for (value, want) in cases {
            assert_eq!(pick(value), *want, "Accept-Encoding: {value:?}");
        }
        assert_eq!(negotiate(&HeaderMap::new()), None, "no header");
    }

    #[test]
    fn negotiation_of_junk_as_node_reads_it() {
        let cases: &[(&str, Option<Encoding>)] = &[
            // `q` is matched in lower case only: `Q=0` leaves q at 1
            ("gzip;Q=0, deflate", Some(Gzip)),
            // parseFloat: NaN is not acceptable, a numeric prefix is read
            ("gzip;q=abc, deflate", Some(Deflate)),
            ("gzip;q=, deflate", Some(Deflate)),
            ("gzip;q, deflate", Some(Deflate)),
            ("gzip;q=0.5x, deflate;q=0.4", Some(Gzip)),
            ("gzip;q= 0.5, deflate;q=0.4", Some(Gzip)),
            ("gzip;q=.9, deflate;q=0.8", Some(Gzip)),
            ("gzip;q=1e-3, deflate;q=2e-3", Some(Deflate)),
            ("gzip;q=-1, deflate", Some(Deflate)),
            ("gzip;q=Infinity, deflate;q=5", Some(Gzip)),
            // `q =0`: the parameter name is `q `, not `q`
            ("gzip;q =0, deflate", Some(Gzip)),
            // only the first `q` counts; other parameters are skipped
            ("gzip;level=1;q=0;q=1, deflate", Some(Deflate)),
            // spaces around the `;`
            ("gzip ; q=0 , deflate", Some(Deflate)),
            // two tokens in one element: the element is skipped
            ("gzip deflate", None),
            ("x y, deflate, gzip", Some(Deflate)),
            // NaN and infinite q-values
            ("gzip;q=Infinity, deflate;q=Infinity", Some(Gzip)),
            ("*;q=abc, gzip;q=abc", None),
            ("gzip;q=abc, *", Some(Deflate)),
            ("deflate;q=abc, deflate;q=0.5", Some(Deflate)),
            // empty elements and stray commas
            (",,gzip,,", Some(Gzip)),
            (" , ; , deflate", Some(Deflate)),
            // a `;` with nothing after it
            ("gzip;, deflate", Some(Gzip)),
        ];
        for (value, want) in cases {
            assert_eq!(pick(value), *want, "Accept-Encoding: {value:?}");
        }
        // several header lines are one list (Node joins them with ", ")
        assert_eq!(negotiate(&headers(&[b"deflate", b"gzip"])), Some(Deflate));
        assert_eq!(
            negotiate(&headers(&[b"gzip;q=0", b"deflate"])),
            Some(Deflate)
        );
        // Latin-1 bytes: 0xA0 is white space for JavaScript
        assert_eq!(
            negotiate(&headers(&[b"\xa0gzip\xa0;q=0, deflate"])),
            Some(Deflate)
        );
        assert_eq!(negotiate(&headers(&[b"gzip\xe9"])), None);
    }

    #[test]
    fn parse_float_as_javascript() {
        let cases: &[(&str, f64)] = &[
            ("1", 1.0),
            ("0.5", 0.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("+0.25", 0.25),
            ("-2", -2.0),
            ("1e3", 1000.0),
            ("1E-2", 0.01),
            ("1e", 1.0),
            ("1e+", 1.0),
            ("2.5e1x", 25.0),
            ("  7", 7.0),
            ("0x10", 0.0),
            ("Infinity", f64::INFINITY),
            ("-Infinityx", f64::NEG_INFINITY),
        ];
        for (text, want) in cases {
            assert_eq!(js_parse_float(text.as_bytes()), *want, "{text:?}");
        }
        for text in ["", ".", "-", "+.", "abc", "e5", "inf", "NaN", "infinity"] {
            assert!(js_parse_float(text.as_bytes()).is_nan(), "{text:?}");
        }
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(data)
            .read_to_end(&mut out)
            .expect("valid gzip");
        out
    }

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        ZlibDecoder::new(data)
            .read_to_end(&mut out)
            .expect("valid zlib stream");
        out
    }

    #[test]
    fn threshold_boundary() {
        let config = HttpCompression::default();
        let gzip = headers(&[b"gzip"]);
        let below = vec![b'x'; 1023];
        assert_eq!(
            compress(&config, &gzip, &below),
            None,
            "1023 bytes go out plain"
        );
        let at = vec![b'x'; 1024];
        let (encoding, body) = compress(&config, &gzip, &at).expect("1024 bytes are compressed");
        assert_eq!(encoding, Gzip);
        assert_eq!(gunzip(&body), at);
        // no acceptable coding: plain whatever the size
        assert_eq!(compress(&config, &HeaderMap::new(), &at), None);
        assert_eq!(compress(&config, &headers(&[b"identity"]), &at), None);
        // threshold 0 compresses everything, even an empty body
        let all = HttpCompression {
            threshold: 0,
            ..config
        };
        let (_, empty) = compress(&all, &gzip, b"").expect("compressed");
        assert_eq!(gunzip(&empty), b"");
    }

    #[test]
    fn gzip_and_zlib_framing_as_node() {
        let payload: Vec<u8> = (0..5000u32)
            .flat_map(|i| format!("4message {i}\x1e").into_bytes())
            .collect();
        let (encoding, gz) =
            compress(&HttpCompression::default(), &headers(&[b"gzip"]), &payload).expect("gzip");
        assert_eq!(encoding, Gzip);
        // magic, deflate, no flags, mtime 0, no extra flags at level 6, OS 3 (Unix)
        assert_eq!(gz[..10], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
        assert_eq!(gunzip(&gz), payload);
        assert!(gz.len() < payload.len() / 4);

        let (encoding, zlib) = compress(
            &HttpCompression::default(),
            &headers(&[b"deflate"]),
            &payload,
        )
        .expect("deflate");
        assert_eq!(encoding, Deflate);
        // a zlib header (32K window, default level), not raw deflate
        assert_eq!(zlib[..2], [0x78, 0x9c]);
        assert_eq!(inflate(&zlib), payload);

        // every level decompresses to the input; above 9 is 9
        for level in [0, 1, 9, 42] {
            let config = HttpCompression {
                threshold: 0,
                level,
            };
            let (_, body) = compress(&config, &headers(&[b"deflate"]), &payload).expect("deflate");
            assert_eq!(inflate(&body), payload, "level {level}");
        }
    }
}
