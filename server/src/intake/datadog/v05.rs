//! `/v0.5/traces`: msgpack `[string_table, traces]`, each span a 12-element array whose strings are
//! indices into the table: `[service, name, resource, trace_id, span_id, parent_id, start,
//! duration, error, meta, metrics, type]`. Table strings are decoded once and cloned into spans.

use domain::span::{Payload, Span};

use super::finish_chunk;
use super::msgpack::Reader;
use crate::intake::IntakeError;
use crate::intake::budget::{Budget, ENTRY_COST, HEADER_COST, SPAN_COST};

const SPAN_FIELDS: usize = 12;

/// Decodes a v0.5 body. `Payload.meta` is left at its default; see [`super::payload_meta`].
pub fn decode_v05(body: &[u8], budget: &mut Budget<'_>) -> Result<Payload, IntakeError> {
    let mut rd = Reader::new(body);
    let parts = rd.array_len("array [string_table, traces]")?;
    if parts != 2 {
        return Err(IntakeError::V05Arity {
            what: "payload",
            found: parts,
            expected: 2,
        });
    }
    let len = rd.array_len("array for the string table")?;
    let mut table = Vec::with_capacity(rd.capacity(len));
    for _ in 0..len {
        let text = rd.str("string in the string table")?;
        budget.charge(HEADER_COST + text.len())?;
        table.push(text.into_owned());
    }
    let table = StringTable(table);

    let count = rd.array_len("array of traces")?;
    let mut traces = Vec::with_capacity(rd.capacity(count));
    for _ in 0..count {
        let len = rd.array_len("array of spans")?;
        let mut spans = Vec::with_capacity(rd.capacity(len));
        for _ in 0..len {
            budget.count_span()?;
            spans.push(read_span(&mut rd, &table, budget)?);
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

struct StringTable(Vec<String>);

impl StringTable {
    fn get(&self, rd: &mut Reader<'_>, expected: &'static str) -> Result<&String, IntakeError> {
        let index = rd.u64(expected)?;
        usize::try_from(index)
            .ok()
            .and_then(|i| self.0.get(i))
            .ok_or(IntakeError::StringIndex {
                index,
                len: self.0.len(),
            })
    }
}

/// Every clone out of the table is charged before it is made: one span naming a large string in
/// each of many meta entries would otherwise cost the table's size times the entries.
fn read_span(
    rd: &mut Reader<'_>,
    table: &StringTable,
    budget: &mut Budget<'_>,
) -> Result<Span, IntakeError> {
    let fields = rd.array_len("12-element span array")?;
    if fields != SPAN_FIELDS {
        return Err(IntakeError::V05Arity {
            what: "span",
            found: fields,
            expected: SPAN_FIELDS,
        });
    }
    budget.charge(SPAN_COST)?;
    let text = |rd: &mut Reader<'_>, budget: &mut Budget<'_>, expected: &'static str| {
        let text = table.get(rd, expected)?;
        budget.charge(text.len())?;
        Ok::<_, IntakeError>(text.clone())
    };
    let mut span = Span {
        service: text(rd, budget, "string index for service")?,
        name: text(rd, budget, "string index for name")?,
        resource: text(rd, budget, "string index for resource")?,
        trace_id: rd.u64("integer for trace_id")?.into(),
        span_id: rd.u64("integer for span_id")?,
        parent_id: rd.u64("integer for parent_id")?,
        start: rd.i64("integer for start")?,
        duration: rd.i64("integer for duration")?,
        error: rd.i64("integer for error")? != 0,
        ..Span::default()
    };
    for _ in 0..rd.map_len("map for meta")? {
        budget.charge(ENTRY_COST)?;
        let key = text(rd, budget, "string index for a meta key")?;
        let value = text(rd, budget, "string index for a meta value")?;
        span.meta.insert(key, value);
    }
    for _ in 0..rd.map_len("map for metrics")? {
        budget.charge(ENTRY_COST)?;
        let key = text(rd, budget, "string index for a metric key")?;
        span.metrics
            .insert(key, rd.f64("number for a metric value")?);
    }
    span.span_type = text(rd, budget, "string index for type")?;
    Ok(span)
}

#[cfg(test)]
mod tests {
    use domain::span::SpanKind;

    use super::super::msgpack::build::{V, s};
    use super::*;
    use crate::intake::{Limits, Unbounded};

    fn decode_v05(body: &[u8]) -> Result<Payload, IntakeError> {
        super::decode_v05(body, &mut Budget::new(&Limits::default(), &mut Unbounded))
    }

    fn payload(table: &[&str], traces: Vec<Vec<V>>) -> Vec<u8> {
        let table = V::Arr(table.iter().map(|t| s(t)).collect());
        V::Arr(vec![
            table,
            V::Arr(traces.into_iter().map(V::Arr).collect()),
        ])
        .encode()
    }

    const TABLE: &[&str] = &[
        "",
        "flask",
        "flask.request",
        "GET /",
        "web",
        "span.kind",
        "server",
        "_dd.p.tid",
        "640cfd8d00000000",
        "_dd.top_level",
        "error.type",
        "ValueError",
    ];

    fn span(span_id: u64, parent_id: u64, meta: Vec<(u64, u64)>) -> V {
        let meta = V::Map(meta.into_iter().map(|(k, v)| (V::U(k), V::U(v))).collect());
        V::Arr(vec![
            V::U(1),
            V::U(2),
            V::U(3),
            V::U(42),
            V::U(span_id),
            V::U(parent_id),
            V::I(1_700_000_000_000_000_000),
            V::U(250),
            V::U(1),
            meta,
            V::Map(vec![(V::U(9), V::F(1.0))]),
            V::U(4),
        ])
    }

    fn trace() -> Vec<V> {
        vec![
            span(1, 0, vec![(5, 6), (7, 8), (10, 11)]),
            span(2, 1, vec![(5, 0)]),
        ]
    }

    #[test]
    fn decodes_spans_through_the_string_table() {
        let payload = decode_v05(&payload(TABLE, vec![trace()])).expect("decodes");
        let [root, child] = &payload.traces[0][..] else {
            panic!("two spans: {payload:?}")
        };
        assert_eq!(
            (root.service.as_str(), root.name.as_str()),
            ("flask", "flask.request")
        );
        assert_eq!(
            (root.resource.as_str(), root.span_type.as_str()),
            ("GET /", "web")
        );
        assert_eq!(root.trace_id, 0x640c_fd8d_0000_0000_u128 << 64 | 42);
        assert_eq!(
            child.trace_id, root.trace_id,
            "the chunk root's _dd.p.tid applies to all"
        );
        assert_eq!((root.span_id, root.parent_id, child.parent_id), (1, 0, 1));
        assert_eq!(
            (root.start, root.duration, root.error),
            (1_700_000_000_000_000_000, 250, true)
        );
        assert_eq!(root.kind, SpanKind::Server);
        assert_eq!(root.tag("error.type"), Some("ValueError"));
        assert!(root.marked_top_level());
        assert_eq!(child.kind, SpanKind::Unspecified);
    }

    #[test]
    fn rejects_malformed_payloads_with_reasons() {
        let mut bad_index = trace();
        bad_index.push(span(3, 1, vec![(5, 17)]));
        let mut short = trace();
        short.push(V::Arr(vec![V::U(1); 11]));
        let cases: [(Vec<u8>, &str); 6] = [
            (
                payload(TABLE, vec![bad_index]),
                "v0.5 payload: string index 17 out of range (table has 12 strings)",
            ),
            (
                payload(TABLE, vec![short]),
                "v0.5 payload: span has 11 elements, expected 12",
            ),
            (
                V::Arr(vec![V::Arr(vec![])]).encode(),
                "v0.5 payload: payload has 1 elements, expected 2",
            ),
            (
                V::Arr(vec![V::Nil, V::Arr(vec![])]).encode(),
                "msgpack at byte 1: expected array for the string table, found nil",
            ),
            (
                payload(&["x"], vec![vec![V::Arr(vec![s("x"); 12])]]),
                "msgpack at byte 7: expected string index for service, found string",
            ),
            (Vec::new(), "msgpack at byte 0: unexpected end of input"),
        ];
        for (bytes, want) in cases {
            assert_eq!(decode_v05(&bytes).expect_err("must fail").to_string(), want);
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = payload(TABLE, vec![trace(), trace()]);
        decode_v05(&bytes).expect("the full body decodes");
        for end in 0..bytes.len() {
            assert!(decode_v05(&bytes[..end]).is_err(), "prefix of {end} bytes");
        }
    }

    #[test]
    fn huge_declared_lengths_fail_without_allocating() {
        let cases: [&[u8]; 3] = [
            &[0x92, 0xdd, 0xff, 0xff, 0xff, 0xff, 0xa0],
            &[0x92, 0x90, 0xdd, 0xff, 0xff, 0xff, 0xff, 0x90],
            &[0x92, 0x90, 0x91, 0xdd, 0xff, 0xff, 0xff, 0xff],
        ];
        for bytes in cases {
            assert!(decode_v05(bytes).is_err(), "{bytes:x?}");
        }
    }
}
