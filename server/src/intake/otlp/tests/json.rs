//! OTLP/JSON decodes to the same payload as protobuf, in every dialect exporters speak.

use prost::Message;
use serde_json::{Value as Json, json};

use super::super::base64;
use super::super::proto::{
    AnyValue, ArrayValue, ExportTraceServiceRequest, KeyValue, KeyValueList, Value,
};
use super::{TRACE_A, decode_otlp_json, decode_otlp_proto, kv, request, span, text};

/// Two dialects seen in the wild: OTel JS (camelCase, hex ids, integer enums, numbers where they
/// fit) and a proto3-JSON-minded one (snake_case, base64 ids, enum names, 64-bit ints as strings).
#[derive(Clone, Copy)]
enum Dialect {
    OtelJs,
    Proto3,
}

fn key(dialect: Dialect, camel: &str, snake: &str) -> String {
    match dialect {
        Dialect::OtelJs => camel.to_owned(),
        Dialect::Proto3 => snake.to_owned(),
    }
}

fn any(dialect: Dialect, value: &Value) -> Json {
    let proto3 = matches!(dialect, Dialect::Proto3);
    match value {
        Value::String(s) => json!({ key(dialect, "stringValue", "string_value"): s }),
        Value::Bool(b) => json!({ "boolValue": b }),
        Value::Int(i) if proto3 => json!({ "int_value": i.to_string() }),
        Value::Int(i) => json!({ "intValue": i }),
        Value::Double(d) => json!({ "doubleValue": d }),
        Value::Bytes(b) => json!({ "bytesValue": base64::encode(b) }),
        Value::Array(a) => {
            json!({ "arrayValue": { "values": a.values.iter().map(|v| v.value.as_ref().map(|v| any(dialect, v))).collect::<Vec<_>>() } })
        }
        Value::Kvlist(l) => {
            json!({ "kvlistValue": { "values": attributes(dialect, &l.values) } })
        }
    }
}

fn attributes(dialect: Dialect, kvs: &[KeyValue]) -> Json {
    kvs.iter()
        .map(|kv| json!({ "key": kv.key, "value": kv.value.as_ref().and_then(|v| v.value.as_ref()).map(|v| any(dialect, v)) }))
        .collect()
}

fn id(dialect: Dialect, bytes: &[u8]) -> Json {
    match dialect {
        Dialect::OtelJs => bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into(),
        Dialect::Proto3 => base64::encode(bytes).into(),
    }
}

fn to_json(request: &ExportTraceServiceRequest, d: Dialect) -> Json {
    let proto3 = matches!(d, Dialect::Proto3);
    let kinds = [
        "SPAN_KIND_UNSPECIFIED",
        "SPAN_KIND_INTERNAL",
        "SPAN_KIND_SERVER",
        "SPAN_KIND_CLIENT",
    ];
    let span = |s: &super::super::proto::Span| {
        let status = s.status.clone().unwrap_or_default();
        json!({
            key(d, "traceId", "trace_id"): id(d, &s.trace_id),
            key(d, "spanId", "span_id"): id(d, &s.span_id),
            key(d, "parentSpanId", "parent_span_id"): id(d, &s.parent_span_id),
            "name": s.name,
            "kind": if proto3 { json!(kinds[s.kind as usize]) } else { json!(s.kind) },
            key(d, "startTimeUnixNano", "start_time_unix_nano"): if proto3 { json!(s.start_time_unix_nano) } else { json!(s.start_time_unix_nano.to_string()) },
            key(d, "endTimeUnixNano", "end_time_unix_nano"): s.end_time_unix_nano.to_string(),
            "attributes": attributes(d, &s.attributes),
            "droppedAttributesCount": 0,
            "events": s.events.iter().map(|e| json!({ "name": e.name, "timeUnixNano": "1", "attributes": attributes(d, &e.attributes) })).collect::<Vec<_>>(),
            "status": { "code": if proto3 { json!(["STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"][status.code as usize]) } else { json!(status.code) }, "message": status.message },
            "links": [],
        })
    };
    json!({ key(d, "resourceSpans", "resource_spans"): request.resource_spans.iter().map(|rs| json!({
        "resource": { "attributes": attributes(d, &rs.resource.clone().unwrap_or_default().attributes), "droppedAttributesCount": 0 },
        key(d, "scopeSpans", "scope_spans"): rs.scope_spans.iter().map(|ss| json!({
            "scope": ss.scope.as_ref().map(|s| json!({ "name": s.name, "version": s.version })),
            "spans": ss.spans.iter().map(span).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })).collect::<Vec<_>>() })
}

#[test]
fn both_dialects_decode_like_protobuf() {
    let mut request = request();
    let extra = vec![
        kv("flag", Value::Bool(false)),
        kv("blob", Value::Bytes(vec![0, 1, 254])),
        kv(
            "list",
            Value::Array(ArrayValue {
                values: vec![
                    AnyValue {
                        value: Some(text("x")),
                    },
                    AnyValue::default(),
                ],
            }),
        ),
        kv(
            "map",
            Value::Kvlist(KeyValueList {
                values: vec![kv("n", Value::Int(i64::MIN))],
            }),
        ),
        kv("big", Value::Int(i64::MAX)),
    ];
    request.resource_spans[0].scope_spans[0].spans[0]
        .attributes
        .extend(extra);
    let want = decode_otlp_proto(&request.encode_to_vec()).expect("protobuf decodes");
    for dialect in [Dialect::OtelJs, Dialect::Proto3] {
        let body = serde_json::to_vec(&to_json(&request, dialect)).expect("serializes");
        let got = decode_otlp_json(&body).expect("JSON decodes");
        assert_eq!(got, want);
    }
    assert_eq!(want.traces[0][0].tag("list"), Some(r#"["x",null]"#));
    assert_eq!(
        want.traces[0][0].tag("map"),
        Some(r#"{"n":-9223372036854775808}"#)
    );
}

#[test]
fn lenient_scalars() {
    let span = |fields: &str| {
        format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174",{fields}}}]}}]}}]}}"#
        )
    };
    let cases = [
        (
            r#""kind":"SPAN_KIND_CONSUMER","startTimeUnixNano":1.7e18,"endTimeUnixNano":null"#,
            5,
            1_700_000_000_000_000_000,
            false,
        ),
        (
            r#""kind":"whatever","status":{"code":"STATUS_CODE_ERROR"},"parentSpanId":null"#,
            0,
            0,
            true,
        ),
        (
            r#""kind":null,"startTimeUnixNano":" 12 ","status":null,"attributes":[{"key":"d","value":{"doubleValue":"Infinity"}}]"#,
            0,
            12,
            false,
        ),
    ];
    for (fields, kind, start, error) in cases {
        let payload = decode_otlp_json(span(fields).as_bytes()).expect("decodes");
        let s = &payload.traces[0][0];
        assert_eq!(
            (s.kind as i32 > 0, s.start, s.error),
            (kind > 0, start, error),
            "{fields}"
        );
        assert_eq!(s.span_id, 0xeee1_9b7e_c3c1_b174);
        assert_eq!(s.trace_id, u128::from_be_bytes(TRACE_A));
    }
    let payload = decode_otlp_json(span(cases[2].0).as_bytes()).expect("decodes");
    assert_eq!(payload.traces[0][0].metrics.get("d"), Some(&f64::INFINITY));
}

#[test]
fn rejects_bad_json_with_reasons() {
    let cases: [(&str, &str); 6] = [
        (
            "",
            "invalid JSON: EOF while parsing a value at line 1 column 0",
        ),
        (
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"not an id"}]}]}]}"#,
            "invalid JSON: id `not an id` is neither 16-byte hex nor base64 at line 1",
        ),
        (
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-5"}]}]}]}"#,
            "invalid JSON: -5 is negative at line 1",
        ),
        (
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"kind":1e3}]}]}]}"#,
            "invalid JSON: invalid type: floating point `1000.0`, expected an enum number or name at line 1",
        ),
        (
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"intValue":"1.5"}}]}]}]}]}"#,
            "invalid JSON: intValue 1.5 is not an integer at line 1",
        ),
        (
            r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AAAAAAAAAAAAAAAAAAAAAA=="}]}]}]}"#,
            "OTLP span: span_id must be 8 bytes, found 0",
        ),
    ];
    for (body, want) in cases {
        let err = decode_otlp_json(body.as_bytes()).expect_err("must fail");
        assert!(err.to_string().starts_with(want), "{err}");
    }
    let deep = format!(
        r#"{{"resourceSpans":[{{"resource":{{"attributes":[{{"key":"k","value":{}"#,
        r#"{"arrayValue":{"values":["#.repeat(100)
    );
    let err = decode_otlp_json(deep.as_bytes()).expect_err("too deep");
    assert_eq!(err.to_string(), "values nested deeper than 32 levels");
}

#[test]
fn every_truncation_is_an_error() {
    let mut single = span(TRACE_A, 1, None, 2, "x");
    single.attributes = vec![kv("k", Value::Int(1))];
    let mut request = request();
    request.resource_spans[0].scope_spans[0].spans.push(single);
    let body = serde_json::to_vec(&to_json(&request, Dialect::OtelJs)).expect("serializes");
    decode_otlp_json(&body).expect("the full body decodes");
    for end in 0..body.len() {
        assert!(
            decode_otlp_json(&body[..end]).is_err(),
            "prefix of {end} bytes"
        );
    }
}
