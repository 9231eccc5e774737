//! Answering the site compiled into the binary: content types, ETags and gzip copies were computed by
//! the build script; here requests are matched to files, revalidated and told how long to cache.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;

/// A site compiled in by `build.rs`, its files sorted by path.
#[derive(Debug)]
pub struct Bundle {
    /// Content hash of everything under `pkg/`, the directory its files are answered below.
    pub hash: &'static str,
    pub files: &'static [Asset],
}

/// One file of the site.
#[derive(Debug)]
pub struct Asset {
    /// Relative to the site root, `/`-separated (`pkg/stackprint_bg.wasm`, `favicon.svg`).
    pub path: &'static str,
    pub content_type: &'static str,
    /// Hex of the body's hash; the gzip copy is tagged `<etag>.gz` (another representation).
    pub etag: &'static str,
    pub body: &'static [u8],
    pub gzip: Option<&'static [u8]>,
}

#[cfg(feature = "embed-site")]
static COMPILED_IN: Bundle = include!(concat!(env!("OUT_DIR"), "/site.rs"));

/// The site this binary was built with.
#[cfg(feature = "embed-site")]
pub(super) fn compiled_in() -> Option<&'static Bundle> {
    Some(&COMPILED_IN)
}

/// Built without a site: it is read from a directory.
#[cfg(not(feature = "embed-site"))]
pub(super) fn compiled_in() -> Option<&'static Bundle> {
    None
}

/// Hashed files never change under their URL; the rest (the favicon) is revalidated by ETag.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

impl Bundle {
    /// The answer for a GET or HEAD of `path`, or `None` when the site has no such file (the caller
    /// renders "not found"). `pkg/` files are only found below the current hash: another hash is a
    /// page of another release, which this binary cannot answer truthfully.
    pub fn respond(&self, method: &Method, path: &str, headers: &HeaderMap) -> Option<Response> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let path = path.strip_prefix('/')?;
        let (relative, cache) = match path.strip_prefix("pkg/") {
            Some(rest) => {
                let file = rest.strip_prefix(self.hash)?.strip_prefix('/')?;
                (format!("pkg/{file}"), IMMUTABLE)
            }
            None => (path.to_string(), REVALIDATE),
        };
        let asset = self
            .files
            .binary_search_by(|a| a.path.cmp(relative.as_str()))
            .ok()
            .map(|i| &self.files[i])?;
        Some(asset.respond(method, cache, headers))
    }
}

impl Asset {
    fn respond(&self, method: &Method, cache: &'static str, headers: &HeaderMap) -> Response {
        let (body, etag, encoding) = match self.gzip.filter(|_| accepts_gzip(headers)) {
            Some(gzip) => (gzip, format!("\"{}.gz\"", self.etag), Some("gzip")),
            None => (self.body, format!("\"{}\"", self.etag), None),
        };
        let not_modified = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| matches_etag(tags, &etag));
        let mut response = Response::builder()
            .header(header::CACHE_CONTROL, cache)
            .header(header::ETAG, etag);
        if self.gzip.is_some() {
            response = response.header(header::VARY, "accept-encoding");
        }
        let response = if not_modified {
            response
                .status(StatusCode::NOT_MODIFIED)
                .body(Body::empty())
        } else {
            if let Some(encoding) = encoding {
                response = response.header(header::CONTENT_ENCODING, encoding);
            }
            response = response
                .header(header::CONTENT_TYPE, self.content_type)
                .header(header::CONTENT_LENGTH, body.len());
            let body = if method == Method::HEAD {
                Body::empty()
            } else {
                Body::from(body)
            };
            response.status(StatusCode::OK).body(body)
        };
        response.unwrap_or_else(|_| {
            // Only reachable if a header value were invalid; every one here is built from ASCII.
            let mut failed = Response::new(Body::empty());
            *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            failed
        })
    }
}

/// `Accept-Encoding` names gzip (or `*`) without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v: &HeaderValue| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// `If-None-Match`: `*` or a list of (possibly weak) tags, one of them ours.
fn matches_etag(tags: &str, etag: &str) -> bool {
    tags.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    static FILES: [Asset; 3] = [
        Asset {
            path: "favicon.svg",
            content_type: "image/svg+xml",
            etag: "f0",
            body: b"<svg/>",
            gzip: None,
        },
        Asset {
            path: "pkg/stackprint.js",
            content_type: "text/javascript; charset=utf-8",
            etag: "a1",
            body: b"export default 1",
            gzip: Some(b"GZ"),
        },
        Asset {
            path: "pkg/stackprint_bg.wasm",
            content_type: "application/wasm",
            etag: "b2",
            body: b"\0asm",
            gzip: Some(b"GZW"),
        },
    ];
    static BUNDLE: Bundle = Bundle {
        hash: "abc123",
        files: &FILES,
    };

    /// Request headers as (lowercase name, value) pairs.
    type Pairs = &'static [(&'static str, &'static str)];

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(name, value)| {
                (
                    header::HeaderName::from_static(name),
                    HeaderValue::from_static(value),
                )
            })
            .collect()
    }

    fn get(path: &str, pairs: &[(&'static str, &'static str)]) -> Option<Response> {
        BUNDLE.respond(&Method::GET, path, &headers(pairs))
    }

    fn header_of(response: &Response, name: header::HeaderName) -> Option<&str> {
        response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    #[test]
    fn which_paths_are_answered() {
        let cases: [(&str, Option<&str>); 8] = [
            (
                "/pkg/abc123/stackprint.js",
                Some("text/javascript; charset=utf-8"),
            ),
            ("/pkg/abc123/stackprint_bg.wasm", Some("application/wasm")),
            ("/favicon.svg", Some("image/svg+xml")),
            // Another release's hash, or none: not this binary's files.
            ("/pkg/def456/stackprint.js", None),
            ("/pkg/stackprint.js", None),
            ("/pkg/abc123stackprint.js", None),
            ("/pkg/abc123/../favicon.svg", None),
            ("/nope.txt", None),
        ];
        for (path, content_type) in cases {
            let response = get(path, &[]);
            assert_eq!(
                response
                    .as_ref()
                    .and_then(|r| header_of(r, header::CONTENT_TYPE)),
                content_type,
                "{path}"
            );
        }
    }

    #[test]
    fn hashed_files_are_immutable_the_rest_revalidated() {
        let js = get("/pkg/abc123/stackprint.js", &[]).expect("js");
        assert_eq!(header_of(&js, header::CACHE_CONTROL), Some(IMMUTABLE));
        let icon = get("/favicon.svg", &[]).expect("favicon");
        assert_eq!(header_of(&icon, header::CACHE_CONTROL), Some("no-cache"));
        assert_eq!(header_of(&icon, header::ETAG), Some("\"f0\""));
    }

    #[test]
    fn gzip_only_when_accepted() {
        let cases: [(Pairs, Option<&str>); 6] = [
            (&[], None),
            (&[("accept-encoding", "gzip, deflate, br")], Some("gzip")),
            (&[("accept-encoding", "br;q=1.0, GZIP;q=0.5")], Some("gzip")),
            (&[("accept-encoding", "*")], Some("gzip")),
            (&[("accept-encoding", "gzip;q=0")], None),
            (&[("accept-encoding", "identity")], None),
        ];
        for (pairs, encoding) in cases {
            let response = get("/pkg/abc123/stackprint.js", pairs).expect("js");
            assert_eq!(
                header_of(&response, header::CONTENT_ENCODING),
                encoding,
                "{pairs:?}"
            );
            let length = if encoding.is_some() { "2" } else { "16" };
            assert_eq!(header_of(&response, header::CONTENT_LENGTH), Some(length));
            assert_eq!(header_of(&response, header::VARY), Some("accept-encoding"));
        }
    }

    #[test]
    fn a_matching_etag_is_not_modified() {
        let cases: [(&'static str, Pairs, StatusCode); 6] = [
            ("\"a1\"", &[], StatusCode::NOT_MODIFIED),
            ("W/\"a1\"", &[], StatusCode::NOT_MODIFIED),
            ("\"zz\", \"a1\"", &[], StatusCode::NOT_MODIFIED),
            ("*", &[], StatusCode::NOT_MODIFIED),
            // The gzip copy is another representation with its own tag.
            ("\"a1\"", &[("accept-encoding", "gzip")], StatusCode::OK),
            (
                "\"a1.gz\"",
                &[("accept-encoding", "gzip")],
                StatusCode::NOT_MODIFIED,
            ),
        ];
        for (tag, extra, status) in cases {
            let mut pairs = vec![("if-none-match", tag)];
            pairs.extend_from_slice(extra);
            let response = get("/pkg/abc123/stackprint.js", &pairs).expect("js");
            assert_eq!(response.status(), status, "{tag} {extra:?}");
        }
    }

    #[test]
    fn only_get_and_head() {
        let head = BUNDLE
            .respond(&Method::HEAD, "/favicon.svg", &HeaderMap::new())
            .expect("head");
        assert_eq!(head.status(), StatusCode::OK);
        assert_eq!(header_of(&head, header::CONTENT_LENGTH), Some("6"));
        assert!(
            BUNDLE
                .respond(&Method::POST, "/favicon.svg", &HeaderMap::new())
                .is_none()
        );
    }
}
