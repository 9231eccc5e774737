//! `/v0.4/traces` (and `/v0.3`): an array of traces, each an array of span maps. libdatadog omits
//! zero and empty fields, so every key is optional; unknown keys (`meta_struct`, `span_links`,
//! `span_events`) are skipped. Handled errors reported as span events arrive, with our `/info`, as
//! the JSON `events` meta tag, which is kept as is.

use std::collections::BTreeMap;

use domain::span::{Payload, Span};

use super::msgpack::Reader;
use super::{finish_chunk, json};
use crate::intake::budget::{Budget, span_cost};
use crate::intake::{IntakeError, media_type};

/// Decodes a v0.3/v0.4 body: JSON when `content_type` is `application/json`, msgpack otherwise.
/// `Payload.meta` is left at its default; see [`super::payload_meta`].
pub fn decode_v04(
    body: &[u8],
    content_type: Option<&str>,
    budget: &mut Budget<'_>,
) -> Result<Payload, IntakeError> {
    if content_type.is_some_and(|ct| media_type(ct).eq_ignore_ascii_case("application/json")) {
        return json::decode_v04(body, budget);
    }
    let mut rd = Reader::new(body);
    let count = rd.array_len("array of traces")?;
    let mut traces = Vec::with_capacity(rd.capacity(count));
    for _ in 0..count {
        let len = rd.array_len("array of spans")?;
        let mut spans = Vec::with_capacity(rd.capacity(len));
        for _ in 0..len {
            budget.count_span()?;
            // A span's text is copied from the body, so one span overshoots by at most its size.
            let span = read_span(&mut rd)?;
            budget.charge(span_cost(&span))?;
            spans.push(span);
        }
        if !spans.is_empty() {
            finish_chunk(&mut spans);
            traces.push(spans);
        }
    }
    Ok(Payload {
        traces,
        ..Payload::default()
    })
}

fn read_span(rd: &mut Reader<'_>) -> Result<Span, IntakeError> {
    let mut span = Span::default();
    for _ in 0..rd.map_len("span map")? {
        match &*rd.str("string span field name")? {
            "service" => span.service = rd.str("string for service")?.into_owned(),
            "name" => span.name = rd.str("string for name")?.into_owned(),
            "resource" => span.resource = rd.str("string for resource")?.into_owned(),
            "type" => span.span_type = rd.str("string for type")?.into_owned(),
            "trace_id" => span.trace_id = rd.u64("integer for trace_id")?.into(),
            "span_id" => span.span_id = rd.u64("integer for span_id")?,
            "parent_id" => span.parent_id = rd.u64("integer for parent_id")?,
            "start" => span.start = rd.i64("integer for start")?,
            "duration" => span.duration = rd.i64("integer for duration")?,
            "error" => span.error = rd.i64("integer for error")? != 0,
            "meta" => read_meta(rd, &mut span.meta)?,
            "metrics" => read_metrics(rd, &mut span.metrics)?,
            _ => rd.skip()?,
        }
    }
    Ok(span)
}

fn read_meta(rd: &mut Reader<'_>, meta: &mut BTreeMap<String, String>) -> Result<(), IntakeError> {
    for _ in 0..rd.map_len("map for meta")? {
        let key = rd.str("string meta key")?.into_owned();
        let value = rd.str("string meta value")?.into_owned();
        meta.insert(key, value);
    }
    Ok(())
}

fn read_metrics(
    rd: &mut Reader<'_>,
    metrics: &mut BTreeMap<String, f64>,
) -> Result<(), IntakeError> {
    for _ in 0..rd.map_len("map for metrics")? {
        let key = rd.str("string metric key")?.into_owned();
        let value = rd.f64("number for metric value")?;
        metrics.insert(key, value);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use domain::span::SpanKind;
    use rmp::encode;

    use super::super::msgpack::build::{V, map, s};
    use super::*;
    use crate::intake::{Limits, Unbounded};

    const MAX_SPANS: usize = 1_000;

    fn decode_v04(body: &[u8], content_type: Option<&str>) -> Result<Payload, IntakeError> {
        let limits = Limits {
            max_spans: MAX_SPANS,
            ..Limits::default()
        };
        super::decode_v04(
            body,
            content_type,
            &mut Budget::new(&limits, &mut Unbounded),
        )
    }

    fn body(traces: Vec<Vec<V>>) -> Vec<u8> {
        V::Arr(traces.into_iter().map(V::Arr).collect()).encode()
    }

    fn full_span() -> V {
        map(vec![
            ("service", s("web")),
            ("name", s("express.request")),
            ("resource", s("GET /users/:id")),
            ("trace_id", V::U(0x0123_4567_89ab_cdef)),
            ("span_id", V::U(2)),
            ("parent_id", V::U(0)),
            ("start", V::I(1_700_000_000_000_000_000)),
            ("duration", V::U(1_500_000)),
            ("error", V::U(1)),
            ("type", s("web")),
            (
                "meta",
                map(vec![
                    ("span.kind", s("server")),
                    ("_dd.p.tid", s("640cfd8d00000000")),
                    ("error.type", s("TypeError")),
                ]),
            ),
            (
                "metrics",
                map(vec![
                    ("_dd.top_level", V::U(1)),
                    ("_sampling_priority_v1", V::F(2.0)),
                ]),
            ),
            (
                "meta_struct",
                map(vec![("appsec", V::Raw(vec![0xc4, 0x01, 0x00]))]),
            ),
            ("span_links", V::Arr(vec![map(vec![("trace_id", V::U(5))])])),
        ])
    }

    #[test]
    fn decodes_a_full_span() {
        let payload = decode_v04(&body(vec![vec![full_span()]]), None).expect("decodes");
        let span = &payload.traces[0][0];
        assert_eq!(span.service, "web");
        assert_eq!(span.name, "express.request");
        assert_eq!(span.resource, "GET /users/:id");
        assert_eq!(span.trace_id, 0x640c_fd8d_0000_0000_0123_4567_89ab_cdef);
        assert_eq!((span.span_id, span.parent_id), (2, 0));
        assert_eq!(
            (span.start, span.duration),
            (1_700_000_000_000_000_000, 1_500_000)
        );
        assert!(span.error);
        assert_eq!(span.span_type, "web");
        assert_eq!(span.kind, SpanKind::Server);
        assert_eq!(span.tag("error.type"), Some("TypeError"));
        assert!(span.marked_top_level());
        assert_eq!(span.metrics.get("_sampling_priority_v1"), Some(&2.0));
    }

    #[test]
    fn libdatadog_omitted_fields_default() {
        let traces = vec![
            vec![map(vec![("span_id", V::U(1)), ("trace_id", V::U(1))])],
            vec![],
            vec![
                map(vec![]),
                map(vec![("meta", V::Nil), ("metrics", V::Nil)]),
            ],
        ];
        let payload = decode_v04(&body(traces), Some("application/msgpack")).expect("decodes");
        assert_eq!(payload.traces.len(), 2, "the empty chunk is dropped");
        let root = &payload.traces[0][0];
        assert_eq!(
            (root.parent_id, root.error, root.span_type.as_str()),
            (0, false, "")
        );
        assert_eq!(payload.traces[1][1], Span::default());
    }

    #[test]
    fn accepts_every_integer_width_for_every_integer_field() {
        type Writer = fn(&mut Vec<u8>, u8);
        let writers: [Writer; 9] = [
            |out, v| encode::write_pfix(out, v).expect("write to Vec"),
            |out, v| encode::write_u8(out, v).expect("write to Vec"),
            |out, v| encode::write_u16(out, v.into()).expect("write to Vec"),
            |out, v| encode::write_u32(out, v.into()).expect("write to Vec"),
            |out, v| encode::write_u64(out, v.into()).expect("write to Vec"),
            |out, v| encode::write_i8(out, v as i8).expect("write to Vec"),
            |out, v| encode::write_i16(out, v.into()).expect("write to Vec"),
            |out, v| encode::write_i32(out, v.into()).expect("write to Vec"),
            |out, v| encode::write_i64(out, v.into()).expect("write to Vec"),
        ];
        for write in writers {
            let int = |v: u8| {
                let mut out = Vec::new();
                write(&mut out, v);
                V::Raw(out)
            };
            let fields = [
                "trace_id",
                "span_id",
                "parent_id",
                "start",
                "duration",
                "error",
            ];
            let mut entries: Vec<(&str, V)> =
                fields.iter().zip(1..).map(|(k, v)| (*k, int(v))).collect();
            entries.push(("metrics", map(vec![("count", int(9))])));
            let payload = decode_v04(&body(vec![vec![map(entries)]]), None).expect("decodes");
            let span = &payload.traces[0][0];
            assert_eq!(
                (
                    span.trace_id,
                    span.span_id,
                    span.parent_id,
                    span.start,
                    span.duration,
                    span.error
                ),
                (1, 2, 3, 4, 5, true)
            );
            assert_eq!(span.metrics.get("count"), Some(&9.0));
        }
    }

    #[test]
    fn reports_what_was_wrong_and_where() {
        let cases: [(Vec<u8>, &str); 5] = [
            (Vec::new(), "msgpack at byte 0: unexpected end of input"),
            (
                map(vec![]).encode(),
                "msgpack at byte 0: expected array of traces, found map",
            ),
            (
                V::Arr(vec![s("x")]).encode(),
                "msgpack at byte 1: expected array of spans, found string",
            ),
            (
                body(vec![vec![map(vec![("span_id", s("1"))])]]),
                "msgpack at byte 11: expected integer for span_id, found string",
            ),
            (
                body(vec![vec![map(vec![("metrics", map(vec![("m", s("1"))]))])]]),
                "msgpack at byte 14: expected number for metric value, found string",
            ),
        ];
        for (bytes, want) in cases {
            let err = decode_v04(&bytes, None).expect_err("must fail");
            assert_eq!(err.to_string(), want);
            assert_eq!(err.status_code(), 400);
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = body(vec![vec![full_span(), full_span()], vec![full_span()]]);
        decode_v04(&bytes, None).expect("the full body decodes");
        for end in 0..bytes.len() {
            assert!(
                decode_v04(&bytes[..end], None).is_err(),
                "prefix of {end} bytes"
            );
        }
    }

    #[test]
    fn hostile_shapes_fail_fast() {
        let huge_traces = [0xdd, 0xff, 0xff, 0xff, 0xff, 0x90];
        let huge_spans = [0x91, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x80];
        let huge_meta = [
            0x91, 0x91, 0x81, 0xa4, b'm', b'e', b't', b'a', 0xdf, 0xff, 0xff, 0xff, 0xff,
        ];
        for bytes in [&huge_traces[..], &huge_spans, &huge_meta] {
            assert!(decode_v04(bytes, None).is_err(), "{bytes:x?}");
        }
        let mut deep = vec![0x91, 0x91, 0x81, 0xab];
        deep.extend_from_slice(b"meta_struct");
        deep.extend(std::iter::repeat_n(0x91, 100_000));
        deep.push(0xc0);
        let payload = decode_v04(&deep, None).expect("deeply nested unknown fields are skipped");
        assert_eq!(payload.span_count(), 1);
        let deep_traces = [0x91; 100_000];
        assert!(decode_v04(&deep_traces, None).is_err());
    }

    #[test]
    fn one_byte_spans_stop_at_the_span_cap() {
        let mut bytes = vec![0x91, 0xdd];
        bytes.extend(u32::try_from(MAX_SPANS + 1).expect("fits").to_be_bytes());
        bytes.resize(bytes.len() + MAX_SPANS + 1, 0x80);
        let err = decode_v04(&bytes, None).expect_err("too many spans");
        assert_eq!(err.to_string(), "payload has more than 1000 spans");
        assert_eq!(err.status_code(), 413);
    }
}
