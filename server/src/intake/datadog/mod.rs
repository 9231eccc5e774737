//! The Datadog Agent trace API: `/v0.3` and `/v0.4/traces` (an array of traces, each an array of span
//! maps; msgpack or JSON) and `/v0.5/traces` (msgpack `[string_table, traces]`). Traces keep the
//! chunking the tracer sent; empty chunks are dropped.

mod json;
mod msgpack;
mod v04;
mod v05;

use axum::http::HeaderMap;
use domain::span::{Payload, PayloadMeta, Protocol, Span, SpanKind, tags};

pub use v04::decode_v04;
pub use v05::decode_v05;

use super::header;

/// Propagation tag holding the upper 64 bits of a 128-bit trace id, as 16 hex digits. Tracers put
/// it on the first span of a chunk only.
const TRACE_ID_HIGH: &str = "_dd.p.tid";

/// Sender metadata from the `Datadog-*` request headers.
pub fn payload_meta(headers: &HeaderMap) -> PayloadMeta {
    let get = |name| header(headers, name).map(str::to_owned);
    PayloadMeta {
        protocol: Protocol::Datadog,
        lang: get("datadog-meta-lang"),
        tracer_version: get("datadog-meta-tracer-version"),
        container_id: get("datadog-container-id"),
        entity_id: get("datadog-entity-id"),
    }
}

/// `X-Datadog-Trace-Count` disagreed with the body. Not an error: like the Agent, we trust the body,
/// but the mismatch is worth a debug log (it usually means a tracer bug or a truncating proxy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceCountMismatch {
    pub declared: u64,
    pub decoded: usize,
}

/// Compares `X-Datadog-Trace-Count` with the decoded payload; `None` when they agree or the header is
/// absent or unreadable. Empty chunks, which decoding drops, count as a mismatch.
pub fn trace_count_mismatch(headers: &HeaderMap, payload: &Payload) -> Option<TraceCountMismatch> {
    let declared = header(headers, "x-datadog-trace-count")?
        .parse::<u64>()
        .ok()?;
    let decoded = payload.traces.len();
    (u64::try_from(decoded).ok() != Some(declared))
        .then_some(TraceCountMismatch { declared, decoded })
}

/// Derives what the wire format leaves implicit: the span kind from `span.kind`, and the upper half of
/// 128-bit trace ids from `_dd.p.tid`, which only the chunk's first span carries but every span of
/// that trace needs.
fn finish_chunk(spans: &mut [Span]) {
    let mut high_bits: Vec<(u128, u128)> = Vec::new();
    for span in spans.iter_mut() {
        if let Some(kind) = span.meta.get(tags::SPAN_KIND) {
            span.kind = SpanKind::from_tag(kind);
        }
        if let Some(high) = span
            .meta
            .get(TRACE_ID_HIGH)
            .and_then(|tid| parse_hex_u64(tid))
        {
            high_bits.push((span.trace_id, u128::from(high) << 64));
        }
    }
    for (low, high) in high_bits {
        for span in spans.iter_mut().filter(|span| span.trace_id == low) {
            span.trace_id |= high;
        }
    }
}

fn parse_hex_u64(hex: &str) -> Option<u64> {
    if hex.len() != 16 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn span(trace_id: u128, meta: &[(&str, &str)]) -> Span {
        let meta = meta
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Span {
            trace_id,
            meta,
            ..Span::default()
        }
    }

    #[test]
    fn chunk_root_tid_extends_every_span_of_its_trace() {
        let mut chunk = vec![
            span(
                7,
                &[(TRACE_ID_HIGH, "640cfd8d00000000"), ("span.kind", "server")],
            ),
            span(7, &[("span.kind", "CLIENT")]),
            span(8, &[]),
            span(9, &[(TRACE_ID_HIGH, "not hex at all!!")]),
        ];
        finish_chunk(&mut chunk);
        let high = 0x640c_fd8d_0000_0000_u128 << 64;
        let ids: Vec<u128> = chunk.iter().map(|s| s.trace_id).collect();
        assert_eq!(ids, [high | 7, high | 7, 8, 9]);
        let kinds: Vec<SpanKind> = chunk.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                SpanKind::Server,
                SpanKind::Client,
                SpanKind::Unspecified,
                SpanKind::Unspecified
            ]
        );
    }

    #[test]
    fn headers_fill_meta_and_trace_count_is_checked() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("datadog-meta-lang", "python"),
            ("datadog-meta-tracer-version", "4.16.0"),
            ("datadog-container-id", "abc123"),
            ("datadog-entity-id", "in-12345"),
            ("x-datadog-trace-count", "2"),
        ] {
            headers.insert(name, HeaderValue::from_static(value));
        }
        let meta = payload_meta(&headers);
        assert_eq!(meta.protocol, Protocol::Datadog);
        assert_eq!(meta.lang.as_deref(), Some("python"));
        assert_eq!(meta.tracer_version.as_deref(), Some("4.16.0"));
        assert_eq!(meta.container_id.as_deref(), Some("abc123"));
        assert_eq!(meta.entity_id.as_deref(), Some("in-12345"));

        let mut payload = Payload {
            meta,
            traces: vec![vec![Span::default()]],
        };
        assert_eq!(
            trace_count_mismatch(&headers, &payload),
            Some(TraceCountMismatch {
                declared: 2,
                decoded: 1
            })
        );
        payload.traces.push(vec![Span::default()]);
        assert_eq!(trace_count_mismatch(&headers, &payload), None);
        headers.insert("x-datadog-trace-count", HeaderValue::from_static("lots"));
        assert_eq!(trace_count_mismatch(&headers, &payload), None);
    }
}
