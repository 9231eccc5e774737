//! `/v0.4/traces` with `Content-Type: application/json`: the same shape as msgpack. Rare in practice
//! (no mainstream tracer defaults to it), so plain serde is fast enough.

use std::collections::BTreeMap;

use domain::span::{Payload, Span};
use serde::Deserialize;

use super::finish_chunk;
use crate::intake::budget::Budget;
use crate::intake::{IntakeError, json_scan};

#[derive(Default, Deserialize)]
#[serde(default)]
struct JsonSpan {
    service: String,
    name: String,
    resource: String,
    trace_id: u64,
    span_id: u64,
    parent_id: u64,
    start: i64,
    duration: i64,
    error: i64,
    meta: BTreeMap<String, String>,
    metrics: BTreeMap<String, f64>,
    #[serde(rename = "type")]
    span_type: String,
}

impl From<JsonSpan> for Span {
    fn from(span: JsonSpan) -> Self {
        Self {
            service: span.service,
            name: span.name,
            resource: span.resource,
            trace_id: span.trace_id.into(),
            span_id: span.span_id,
            parent_id: span.parent_id,
            start: span.start,
            duration: span.duration,
            error: span.error != 0,
            span_type: span.span_type,
            meta: span.meta,
            metrics: span.metrics,
            ..Self::default()
        }
    }
}

pub(super) fn decode_v04(body: &[u8], budget: &mut Budget<'_>) -> Result<Payload, IntakeError> {
    json_scan::charge(body, std::mem::size_of::<JsonSpan>(), budget)?;
    let chunks: Vec<Vec<JsonSpan>> = serde_json::from_slice(body)?;
    let mut traces = Vec::with_capacity(chunks.len());
    for chunk in chunks.into_iter().filter(|chunk| !chunk.is_empty()) {
        let mut spans = Vec::with_capacity(chunk.len());
        for span in chunk {
            budget.count_span()?;
            spans.push(Span::from(span));
        }
        finish_chunk(&mut spans);
        traces.push(spans);
    }
    Ok(Payload {
        traces,
        ..Payload::default()
    })
}

#[cfg(test)]
mod tests {
    use domain::span::SpanKind;

    use super::*;
    use crate::intake::{Limits, Unbounded};

    fn decode_v04(body: &[u8]) -> Result<Payload, IntakeError> {
        super::decode_v04(body, &mut Budget::new(&Limits::default(), &mut Unbounded))
    }

    #[test]
    fn decodes_full_and_sparse_spans() {
        let body = br#"[[
            {"service":"api","name":"express.request","resource":"GET /","trace_id":18446744073709551615,
             "span_id":3,"parent_id":0,"start":1700000000000000000,"duration":12,"error":1,"type":"web",
             "meta":{"span.kind":"server","_dd.p.tid":"00000000000000ff"},"metrics":{"_dd.top_level":1},
             "meta_struct":{"deep":[[[{}]]]},"span_links":[]},
            {"span_id":4,"parent_id":3,"trace_id":18446744073709551615}
        ], []]"#;
        let payload = decode_v04(body).expect("decodes");
        assert_eq!(payload.traces.len(), 1);
        let [root, child] = &payload.traces[0][..] else {
            panic!("two spans: {payload:?}")
        };
        assert_eq!(root.trace_id, 0xff_u128 << 64 | u128::from(u64::MAX));
        assert_eq!(child.trace_id, root.trace_id);
        assert_eq!(
            (root.kind, root.error, root.span_type.as_str()),
            (SpanKind::Server, true, "web")
        );
        assert!(root.marked_top_level());
        assert_eq!(
            (child.service.as_str(), child.error, child.start),
            ("", false, 0)
        );
    }

    #[test]
    fn rejects_bad_json_with_position() {
        let cases: [(&[u8], &str); 5] = [
            (
                b"",
                "invalid JSON: EOF while parsing a value at line 1 column 0",
            ),
            (
                b"[[{\"x\" 1}]]",
                "invalid JSON: expected `:` at line 1 column 8",
            ),
            (
                b"{}",
                "invalid JSON: invalid type: map, expected a sequence at line 1 column 0",
            ),
            (
                b"[[{\"span_id\":\"1\"}]]",
                "invalid JSON: invalid type: string \"1\", expected u64 at line 1 column 16",
            ),
            (
                b"[[{\"span_id\":-1}]]",
                "invalid JSON: invalid value: integer `-1`, expected u64 at line 1 column 15",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(decode_v04(body).expect_err("must fail").to_string(), want);
        }
        let deep = "[".repeat(100_000);
        assert!(decode_v04(deep.as_bytes()).is_err());
    }

    #[test]
    fn every_truncation_is_an_error() {
        let body =
            br#"[[{"service":"a","span_id":1,"trace_id":2,"meta":{"k":"v"},"metrics":{"m":1.5}}]]"#;
        decode_v04(body).expect("the full body decodes");
        for end in 0..body.len() {
            assert!(decode_v04(&body[..end]).is_err(), "prefix of {end} bytes");
        }
    }
}
