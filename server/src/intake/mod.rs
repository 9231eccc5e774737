//! Decoding tracer payloads into the span model, one file per protocol.
//!
//! Everything here is a pure function from request bytes and headers to a [`Payload`]: no I/O, no
//! state. Decoders are written against hostile input: they never panic, never size an allocation
//! from a length prefix without bounding it by the bytes that remain, never recurse on input
//! nesting (MessagePack values are skipped iteratively; JSON and protobuf are pre-scanned for depth
//! and size before `serde_json` or `prost` build anything), and charge what they build to a
//! [`budget::Budget`] so a small hostile body cannot become a huge payload.
//!
//! - [`datadog`]: the Agent API, `/v0.3/traces` and `/v0.4/traces` (msgpack or JSON) and
//!   `/v0.5/traces` (msgpack with a string table).
//! - [`otlp`]: OTLP/HTTP `/v1/traces` (protobuf or JSON), mapped onto the Datadog-shaped span the way
//!   the Datadog Agent's OTLP ingest does.

pub mod budget;
pub mod datadog;
#[cfg(test)]
mod golden;
mod json_scan;
pub mod otlp;

use std::borrow::Cow;
use std::io::Read;

use axum::http::HeaderMap;
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use domain::intake::DropReason;
use domain::span::Payload;
use serde::Deserialize;

pub use budget::{Allowance, Budget, Unbounded};

/// Which wire format a request carries, decided by the route it arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/v0.3/traces` and `/v0.4/traces`: same shape, msgpack unless `Content-Type: application/json`.
    DatadogV04,
    /// `/v0.5/traces`: msgpack `[string_table, traces]`.
    DatadogV05,
    /// `/v1/traces`: protobuf (`application/x-protobuf`) or JSON (`application/json`).
    OtlpTraces,
}

/// Per-request intake limits, part of the server configuration; each is checked while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest body accepted after decompression, in bytes (default 64 MiB). Bodies that inflate past
    /// it are rejected with 413 as soon as the limit is crossed, so a decompression bomb costs at most
    /// this much memory.
    pub max_body_bytes: usize,
    /// Most spans one request may carry (default 200,000: a full 25 MiB body of ~100-byte spans).
    pub max_spans: usize,
    /// Most bytes inflating, then decoding, may build per input byte (default 64; real tracer
    /// payloads stay under 20, empty-span floods reach 200).
    pub max_expansion: usize,
    /// Deepest nesting of JSON values and protobuf messages (default 32; OTLP needs 8 plus the
    /// depth of attribute arrays and maps).
    pub max_nesting: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024 * 1024,
            max_spans: 200_000,
            max_expansion: 64,
            max_nesting: 32,
        }
    }
}

/// Why a request body could not be turned into spans. Every variant but [`IntakeError::Overloaded`]
/// is the client's fault (4xx); [`IntakeError::status_code`] says which, `Display` says why in words
/// fit for the response body.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The server's shared memory budget had no room for this body's payload.
    #[error("the server is busy with other requests, retry later")]
    Overloaded,
    #[error("{what} expands to more than {ratio}x its size")]
    Expansion { what: &'static str, ratio: usize },
    #[error("values nested deeper than {limit} levels")]
    TooDeep { limit: usize },
    #[error("invalid protobuf at byte {offset}: {reason}")]
    ProtobufWire { offset: usize, reason: &'static str },
    #[error("unsupported content-encoding `{0}` (expected gzip, deflate or identity)")]
    UnsupportedEncoding(String),
    #[error("unsupported content-type `{0}` (expected application/x-protobuf or application/json)")]
    UnsupportedContentType(String),
    #[error("body exceeds {}", human_size(*.limit))]
    BodyTooLarge { limit: usize },
    #[error("{encoding}: decompressed body exceeds {}", human_size(*.limit))]
    DecompressedTooLarge {
        encoding: &'static str,
        limit: usize,
    },
    #[error("{encoding}: corrupt compressed body: {source}")]
    Decompress {
        encoding: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("empty body")]
    EmptyBody,
    #[error("payload has more than {limit} spans")]
    TooManySpans { limit: usize },
    #[error("msgpack at byte {offset}: {reason}")]
    Msgpack {
        offset: usize,
        reason: MsgpackReason,
    },
    #[error("v0.5 payload: {what} has {found} elements, expected {expected}")]
    V05Arity {
        what: &'static str,
        found: usize,
        expected: usize,
    },
    #[error("v0.5 payload: string index {index} out of range (table has {len} strings)")]
    StringIndex { index: u64, len: usize },
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("invalid protobuf: {0}")]
    Protobuf(#[from] prost::DecodeError),
    #[error("OTLP span: {field} must be {expected} bytes, found {found}")]
    IdLength {
        field: &'static str,
        expected: usize,
        found: usize,
    },
}

/// What was wrong at a given offset of a MessagePack body.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MsgpackReason {
    #[error("unexpected end of input")]
    Truncated,
    #[error("expected {expected}, found {found}")]
    Unexpected {
        expected: &'static str,
        found: &'static str,
    },
    #[error("{what} {value} does not fit in a signed 64-bit integer")]
    OutOfRange { what: &'static str, value: u64 },
}

impl IntakeError {
    /// The HTTP status for this error: 413 for oversized bodies, 415 for encodings and content
    /// types we do not speak, 400 for everything malformed.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::Overloaded => 503,
            Self::UnsupportedEncoding(_) | Self::UnsupportedContentType(_) => 415,
            Self::BodyTooLarge { .. }
            | Self::DecompressedTooLarge { .. }
            | Self::TooManySpans { .. }
            | Self::Expansion { .. } => 413,
            Self::TooDeep { .. }
            | Self::ProtobufWire { .. }
            | Self::Decompress { .. }
            | Self::EmptyBody
            | Self::Msgpack { .. }
            | Self::V05Arity { .. }
            | Self::StringIndex { .. }
            | Self::Json(_)
            | Self::Protobuf(_)
            | Self::IdLength { .. } => 400,
        }
    }

    /// The reason this refusal is counted under.
    pub fn drop_reason(&self) -> DropReason {
        match self {
            Self::Overloaded => DropReason::OverloadMemory,
            Self::UnsupportedEncoding(_) | Self::UnsupportedContentType(_) => {
                DropReason::Unsupported
            }
            Self::BodyTooLarge { .. } | Self::DecompressedTooLarge { .. } => {
                DropReason::BodyTooLarge
            }
            Self::TooManySpans { .. } => DropReason::TooManySpans,
            Self::Expansion { .. } => DropReason::Expansion,
            Self::TooDeep { .. } => DropReason::Nesting,
            Self::Json(e) if is_recursion_limit(e) => DropReason::Nesting,
            Self::ProtobufWire { .. }
            | Self::Decompress { .. }
            | Self::EmptyBody
            | Self::Msgpack { .. }
            | Self::V05Arity { .. }
            | Self::StringIndex { .. }
            | Self::Json(_)
            | Self::Protobuf(_)
            | Self::IdLength { .. } => DropReason::Malformed,
        }
    }
}

fn is_recursion_limit(error: &serde_json::Error) -> bool {
    error.to_string().starts_with("recursion limit exceeded")
}

fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// Decodes one request: undoes `Content-Encoding`, picks the decoder for `endpoint` (and, where the
/// route allows two formats, for `Content-Type`), and fills the payload's sender metadata. What it
/// builds is charged to `limits` and to `shared` (see [`budget`]).
pub fn decode(
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: &[u8],
    limits: &Limits,
    shared: &mut dyn Allowance,
) -> Result<Payload, IntakeError> {
    let budget = &mut Budget::new(limits, shared);
    let body = decompress(body, header(headers, CONTENT_ENCODING.as_str()), budget)?;
    budget.stage("payload", body.len());
    let content_type = header(headers, CONTENT_TYPE.as_str());
    let payload = match endpoint {
        Endpoint::DatadogV04 => datadog::decode_v04(&body, content_type, budget)?,
        Endpoint::DatadogV05 => datadog::decode_v05(&body, budget)?,
        Endpoint::OtlpTraces => {
            return match content_type.map(media_type) {
                None | Some("application/x-protobuf" | "application/protobuf") => {
                    otlp::decode_otlp_proto(&body, budget)
                }
                Some("application/json") => otlp::decode_otlp_json(&body, budget),
                Some(other) => Err(IntakeError::UnsupportedContentType(other.to_owned())),
            };
        }
    };
    Ok(Payload {
        meta: datadog::payload_meta(headers),
        ..payload
    })
}

/// A header's value, if present, valid UTF-8 and not blank.
pub(crate) fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then_some(value)
}

/// The `type/subtype` part of a `Content-Type`, without parameters.
pub(crate) fn media_type(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

/// Undoes a `Content-Encoding` (gzip, deflate or identity), refusing to produce more than
/// `max_body_bytes` bytes or more than `max_expansion` bytes per compressed byte. `deflate` is
/// zlib-wrapped per RFC 9110; raw deflate streams are accepted too.
pub fn decompress<'a>(
    body: &'a [u8],
    content_encoding: Option<&str>,
    budget: &mut Budget<'_>,
) -> Result<Cow<'a, [u8]>, IntakeError> {
    let encoding = content_encoding.map(str::trim).unwrap_or_default();
    let max = budget.limits().max_body_bytes;
    budget.stage("inflated body", body.len());
    let inflated = if encoding.is_empty() || encoding.eq_ignore_ascii_case("identity") {
        if body.len() > max {
            return Err(IntakeError::BodyTooLarge { limit: max });
        }
        return Ok(Cow::Borrowed(body));
    } else if encoding.eq_ignore_ascii_case("gzip") || encoding.eq_ignore_ascii_case("x-gzip") {
        inflate(flate2::read::MultiGzDecoder::new(body), "gzip", budget)?
    } else if encoding.eq_ignore_ascii_case("deflate") {
        if has_zlib_header(body) {
            inflate(flate2::read::ZlibDecoder::new(body), "deflate", budget)?
        } else {
            inflate(flate2::read::DeflateDecoder::new(body), "deflate", budget)?
        }
    } else {
        return Err(IntakeError::UnsupportedEncoding(encoding.to_owned()));
    };
    Ok(Cow::Owned(inflated))
}

fn has_zlib_header(body: &[u8]) -> bool {
    match body {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Bytes inflated between two checks of the limits.
const INFLATE_STEP: usize = 64 * 1024;

fn inflate(
    mut reader: impl Read,
    encoding: &'static str,
    budget: &mut Budget<'_>,
) -> Result<Vec<u8>, IntakeError> {
    let max = budget.limits().max_body_bytes;
    let mut out = Vec::new();
    let mut charged = 0;
    loop {
        let start = out.len();
        if start > max {
            return Err(IntakeError::DecompressedTooLarge {
                encoding,
                limit: max,
            });
        }
        // The buffer doubles as it grows: what is charged is its capacity, before it is written.
        out.reserve(INFLATE_STEP);
        budget.charge(out.capacity() - charged)?;
        charged = out.capacity();
        out.resize(start + INFLATE_STEP, 0);
        let read = loop {
            match reader.read(&mut out[start..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(IntakeError::Decompress { encoding, source }),
            }
        };
        out.truncate(start + read);
        if read == 0 {
            return Ok(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use axum::http::HeaderValue;
    use flate2::Compression;
    use flate2::write::{DeflateEncoder, GzEncoder, ZlibEncoder};

    use super::*;

    fn inflate_with(
        body: &[u8],
        encoding: Option<&str>,
        limits: Limits,
    ) -> Result<Vec<u8>, IntakeError> {
        let mut shared = Unbounded;
        let mut budget = Budget::new(&limits, &mut shared);
        decompress(body, encoding, &mut budget).map(Cow::into_owned)
    }

    fn up_to(max_body_bytes: usize) -> Limits {
        Limits {
            max_body_bytes,
            ..Limits::default()
        }
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(data).expect("write to Vec");
        enc.finish().expect("write to Vec")
    }

    #[test]
    fn decompresses_each_supported_encoding() {
        let data = b"[[]]".repeat(100);
        let mut zlib = ZlibEncoder::new(Vec::new(), Compression::fast());
        zlib.write_all(&data).expect("write to Vec");
        let mut raw = DeflateEncoder::new(Vec::new(), Compression::fast());
        raw.write_all(&data).expect("write to Vec");
        let cases: [(Option<&str>, Vec<u8>); 6] = [
            (None, data.clone()),
            (Some("identity"), data.clone()),
            (Some("gzip"), gzip(&data)),
            (Some(" GZIP "), gzip(&data)),
            (Some("deflate"), zlib.finish().expect("write to Vec")),
            (Some("deflate"), raw.finish().expect("write to Vec")),
        ];
        for (encoding, body) in cases {
            let out = inflate_with(&body, encoding, up_to(1 << 20)).expect("decompresses");
            assert_eq!(&*out, &data[..], "{encoding:?}");
        }
    }

    #[test]
    fn gzip_bomb_stops_at_the_limit() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..65 {
            enc.write_all(&zeros).expect("write to Vec");
        }
        let bomb = enc.finish().expect("write to Vec");
        assert!(bomb.len() < 100 * 1024, "bomb is {} bytes", bomb.len());
        let unlimited_ratio = Limits {
            max_expansion: usize::MAX,
            ..Limits::default()
        };
        let err = inflate_with(&bomb, Some("gzip"), unlimited_ratio).expect_err("must refuse");
        assert_eq!(err.to_string(), "gzip: decompressed body exceeds 64 MiB");
        assert_eq!(err.status_code(), 413);
        // With the default ratio it stops far earlier, after 64 bytes per compressed byte.
        let err = inflate_with(&bomb, Some("gzip"), Limits::default()).expect_err("must refuse");
        assert_eq!(
            err.to_string(),
            "inflated body expands to more than 64x its size"
        );
        assert_eq!(err.drop_reason(), DropReason::Expansion);
    }

    #[test]
    fn rejects_bad_encodings_and_bodies() {
        // (body, content-encoding, limit, reason, status)
        type Case<'a> = (&'a [u8], Option<&'a str>, usize, &'a str, u16);
        let cases: [Case; 5] = [
            (
                b"x",
                Some("br"),
                10,
                "unsupported content-encoding `br`",
                415,
            ),
            (
                b"x",
                Some("gzip, br"),
                10,
                "unsupported content-encoding `gzip, br`",
                415,
            ),
            (
                b"not gzip",
                Some("gzip"),
                10,
                "gzip: corrupt compressed body",
                400,
            ),
            (
                &[0x1f, 0x8b],
                Some("gzip"),
                10,
                "gzip: corrupt compressed body",
                400,
            ),
            (b"0123456789abc", None, 10, "body exceeds 10 bytes", 413),
        ];
        for (body, encoding, max, reason, status) in cases {
            let err = inflate_with(body, encoding, up_to(max)).expect_err("must fail");
            assert!(err.to_string().starts_with(reason), "{err}");
            assert_eq!(err.status_code(), status, "{err}");
        }
        let truncated = gzip(b"[[]]");
        for end in 0..truncated.len() {
            assert!(
                inflate_with(&truncated[..end], Some("gzip"), up_to(100)).is_err(),
                "prefix {end}"
            );
        }
    }

    #[test]
    fn decode_dispatches_on_endpoint_and_content_type() {
        let mut headers = HeaderMap::new();
        headers.insert("content-encoding", HeaderValue::from_static("gzip"));
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        headers.insert("datadog-meta-lang", HeaderValue::from_static("nodejs"));
        let body = gzip(br#"[[{"service":"web","span_id":1,"trace_id":2}]]"#);
        let payload = decode(
            Endpoint::DatadogV04,
            &headers,
            &body,
            &Limits::default(),
            &mut Unbounded,
        )
        .expect("decodes");
        assert_eq!(payload.span_count(), 1);
        assert_eq!(payload.meta.lang.as_deref(), Some("nodejs"));

        let otlp = gzip(br#"{"resourceSpans":[]}"#);
        let payload = decode(
            Endpoint::OtlpTraces,
            &headers,
            &otlp,
            &Limits::default(),
            &mut Unbounded,
        )
        .expect("decodes");
        assert_eq!(payload.meta.protocol, domain::span::Protocol::Otlp);

        headers.insert("content-type", HeaderValue::from_static("text/plain"));
        let err = decode(
            Endpoint::OtlpTraces,
            &headers,
            &otlp,
            &Limits::default(),
            &mut Unbounded,
        )
        .expect_err("text/plain is not OTLP");
        assert_eq!(err.status_code(), 415);
    }
}
