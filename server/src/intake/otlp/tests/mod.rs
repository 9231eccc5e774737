//! Mapping tests through the protobuf decoder; `json.rs` checks that JSON decodes to the same thing.

mod json;

use domain::span::SpanKind;

use super::proto::*;
use super::*;
use crate::intake::{Limits, Unbounded};

fn decode_otlp_proto(body: &[u8]) -> Result<Payload, IntakeError> {
    super::decode_otlp_proto(body, &mut Budget::new(&Limits::default(), &mut Unbounded))
}

fn decode_otlp_json(body: &[u8]) -> Result<Payload, IntakeError> {
    super::decode_otlp_json(body, &mut Budget::new(&Limits::default(), &mut Unbounded))
}

fn kv(key: &str, value: Value) -> KeyValue {
    KeyValue {
        key: key.to_owned(),
        value: Some(AnyValue { value: Some(value) }),
    }
}

fn text(value: &str) -> Value {
    Value::String(value.to_owned())
}

const TRACE_A: [u8; 16] = [
    0x5b, 0x8e, 0xff, 0xf7, 0x98, 0x03, 0x81, 0x03, 0xd2, 0x69, 0xb6, 0x33, 0x81, 0x3f, 0xc6, 0x0c,
];
const TRACE_B: [u8; 16] = [0xff; 16];

fn span(trace_id: [u8; 16], span_id: u8, parent: Option<u8>, kind: i32, name: &str) -> proto::Span {
    proto::Span {
        trace_id: trace_id.to_vec(),
        span_id: vec![0xee, 0, 0, 0, 0, 0, 0, span_id],
        parent_span_id: parent
            .map(|p| vec![0xee, 0, 0, 0, 0, 0, 0, p])
            .unwrap_or_default(),
        name: name.to_owned(),
        kind,
        start_time_unix_nano: 1_700_000_000_000_000_000,
        end_time_unix_nano: 1_700_000_000_250_000_000,
        ..proto::Span::default()
    }
}

/// What OTel Python sends for a failing Flask request, plus a DB call and a second trace.
fn request() -> ExportTraceServiceRequest {
    let mut server = span(TRACE_A, 1, None, 2, "GET /users/<id>");
    server.attributes = vec![
        kv("http.request.method", text("GET")),
        kv("http.route", text("/users/<id>")),
        kv("http.response.status_code", Value::Int(500)),
        kv("retry.ratio", Value::Double(0.5)),
    ];
    server.events = vec![
        Event {
            name: "log".into(),
            attributes: vec![kv("exception.type", text("NotMe"))],
        },
        Event {
            name: "exception".into(),
            attributes: vec![
                kv("exception.type", text("builtins.ZeroDivisionError")),
                kv("exception.message", text("division by zero")),
                kv(
                    "exception.stacktrace",
                    text("Traceback (most recent call last):\n..."),
                ),
                kv("exception.escaped", text("False")),
            ],
        },
    ];
    server.status = Some(Status {
        message: "boom".into(),
        code: 2,
    });
    let mut db = span(TRACE_A, 2, Some(1), 3, "SELECT users");
    db.attributes = vec![kv("db.system", text("postgresql"))];
    db.end_time_unix_nano = 0;
    let mut other = span(TRACE_B, 3, None, 1, "cron.tick");
    other.status = Some(Status {
        message: "timeout".into(),
        code: 2,
    });
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![
                    kv("service.name", text("users")),
                    kv("deployment.environment", text("legacy-env")),
                    kv("deployment.environment.name", text("prod")),
                    kv("service.version", text("1.4.2")),
                    kv("host.name", text("web-1")),
                    kv("container.id", text("c0ffee")),
                    kv(
                        "vcs.repository.url.full",
                        text("https://github.com/acme/users"),
                    ),
                    kv("vcs.ref.head.revision", text("0123abcd")),
                    kv("telemetry.sdk.language", text("python")),
                    kv("telemetry.sdk.version", text("1.45.0")),
                    kv("process.pid", Value::Int(4242)),
                ],
            }),
            scope_spans: vec![ScopeSpans {
                scope: Some(InstrumentationScope {
                    name: "opentelemetry.instrumentation.flask".into(),
                    version: "0.56b0".into(),
                }),
                spans: vec![server, other, db],
            }],
        }],
    }
}

#[test]
fn maps_a_request_like_the_agent() {
    let payload = decode_otlp_proto(&request().encode_to_vec()).expect("decodes");
    assert_eq!(payload.meta.protocol, Protocol::Otlp);
    assert_eq!(payload.meta.lang.as_deref(), Some("python"));
    assert_eq!(payload.meta.tracer_version.as_deref(), Some("1.45.0"));
    assert_eq!(payload.meta.container_id.as_deref(), Some("c0ffee"));
    assert_eq!(payload.traces.len(), 2, "grouped by trace id");
    let [server, db] = &payload.traces[0][..] else {
        panic!("two spans: {payload:#?}")
    };
    let other = &payload.traces[1][0];

    assert_eq!(server.trace_id, u128::from_be_bytes(TRACE_A));
    assert_eq!(
        (server.span_id, server.parent_id),
        (0xee00_0000_0000_0001, 0)
    );
    assert_eq!(db.parent_id, server.span_id);
    assert_eq!(other.trace_id, u128::MAX);
    assert_eq!(
        (server.start, server.duration),
        (1_700_000_000_000_000_000, 250_000_000)
    );
    assert_eq!(db.duration, 0, "end before start saturates");

    assert_eq!(server.service, "users");
    assert_eq!(server.name, "GET /users/<id>");
    assert_eq!(server.resource, "GET /users/<id>");
    assert_eq!(db.resource, "SELECT users");
    assert_eq!(
        (server.kind, db.kind, other.kind),
        (SpanKind::Server, SpanKind::Client, SpanKind::Internal)
    );
    assert_eq!(
        (
            server.span_type.as_str(),
            db.span_type.as_str(),
            other.span_type.as_str()
        ),
        ("web", "db", "custom")
    );
    assert_eq!((server.error, db.error, other.error), (true, false, true));

    let tags: Vec<(&str, &str)> = [
        "env",
        "version",
        "_dd.hostname",
        "container_id",
        "git.repository_url",
        "git.commit.sha",
        "language",
        "span.kind",
        "process.pid",
        "otel.scope.name",
        "http.response.status_code",
        "error.type",
        "error.message",
        "error.stack",
        "otel.status_description",
    ]
    .into_iter()
    .map(|key| (key, server.tag(key).unwrap_or("<missing>")))
    .collect();
    assert_eq!(
        tags,
        [
            ("env", "prod"),
            ("version", "1.4.2"),
            ("_dd.hostname", "web-1"),
            ("container_id", "c0ffee"),
            ("git.repository_url", "https://github.com/acme/users"),
            ("git.commit.sha", "0123abcd"),
            ("language", "python"),
            ("span.kind", "server"),
            ("process.pid", "4242"),
            ("otel.scope.name", "opentelemetry.instrumentation.flask"),
            ("http.response.status_code", "500"),
            ("error.type", "builtins.ZeroDivisionError"),
            ("error.message", "division by zero"),
            ("error.stack", "Traceback (most recent call last):\n..."),
            ("otel.status_description", "boom"),
        ]
    );
    for key in [
        "service.name",
        "deployment.environment",
        "host.name",
        "exception.escaped",
    ] {
        assert_eq!(server.tag(key), None, "{key} is mapped, not copied");
    }
    assert_eq!(
        server.metrics.get("http.response.status_code"),
        Some(&500.0)
    );
    assert_eq!(server.metrics.get("retry.ratio"), Some(&0.5));
    assert_eq!(
        server.metrics.get("process.pid"),
        None,
        "resource attributes are not metrics"
    );
    assert_eq!(
        other.tag("error.message"),
        Some("timeout"),
        "status message without exception event"
    );
    assert_eq!(db.tag("error.message"), None);
}

#[test]
fn defaults_and_fallbacks() {
    let mut lone = span(TRACE_A, 1, None, 0, "work");
    lone.attributes = vec![
        kv("http.route", text("/health")),
        kv("service.name", text("override")),
    ];
    let mut routed = span(TRACE_A, 2, Some(1), 3, "GET");
    routed.attributes = vec![
        kv("http.method", text("POST")),
        kv("http.route", text("/x")),
        kv("resource.name", text("custom")),
    ];
    let request = ExportTraceServiceRequest {
        resource_spans: vec![
            ResourceSpans {
                resource: Some(Resource {
                    attributes: vec![kv("deployment.environment", text("staging"))],
                }),
                scope_spans: vec![ScopeSpans {
                    scope: None,
                    spans: vec![lone, routed],
                }],
            },
            ResourceSpans {
                resource: None,
                scope_spans: vec![ScopeSpans {
                    scope: None,
                    spans: vec![span(TRACE_B, 3, None, 9, "x")],
                }],
            },
        ],
    };
    let payload = decode_otlp_proto(&request.encode_to_vec()).expect("decodes");
    let [lone, routed] = &payload.traces[0][..] else {
        panic!("two spans: {payload:#?}")
    };
    assert_eq!(
        (lone.service.as_str(), lone.resource.as_str()),
        ("override", "work")
    );
    assert_eq!(
        (lone.kind, lone.tag("span.kind")),
        (SpanKind::Unspecified, None)
    );
    assert_eq!(lone.tag("env"), Some("staging"));
    assert_eq!(routed.resource, "custom");
    let bare = &payload.traces[1][0];
    assert_eq!(
        (bare.service.as_str(), bare.tag("env"), bare.kind),
        ("unknown_service", None, SpanKind::Unspecified)
    );
    assert_eq!(payload.meta.lang, None);
}

#[test]
fn renders_non_string_attributes() {
    let list = |values| Value::Array(ArrayValue { values });
    let any = |value| AnyValue { value: Some(value) };
    let cases: [(Value, &str); 8] = [
        (Value::Bool(true), "true"),
        (Value::Int(-3), "-3"),
        (Value::Double(1.25), "1.25"),
        (Value::Double(f64::NAN), "NaN"),
        (Value::Bytes(vec![1, 2, 3]), "AQID"),
        (
            list(vec![
                any(text("a\"b")),
                any(Value::Int(1)),
                AnyValue::default(),
                any(Value::Double(f64::INFINITY)),
            ]),
            r#"["a\"b",1,null,null]"#,
        ),
        (
            Value::Kvlist(KeyValueList {
                values: vec![
                    kv("k", list(vec![any(Value::Bytes(vec![0xff]))])),
                    KeyValue {
                        key: "n".into(),
                        value: None,
                    },
                ],
            }),
            r#"{"k":["/w=="],"n":null}"#,
        ),
        (list(vec![]), "[]"),
    ];
    for (value, want) in cases {
        assert_eq!(render(value), want);
    }
}

#[test]
fn rejects_bad_ids_and_malformed_protobuf() {
    let with_span = |span| ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: None,
            scope_spans: vec![ScopeSpans {
                scope: None,
                spans: vec![span],
            }],
        }],
    };
    let mut short_trace = span(TRACE_A, 1, None, 2, "x");
    short_trace.trace_id.truncate(5);
    let mut no_span_id = span(TRACE_A, 1, None, 2, "x");
    no_span_id.span_id.clear();
    let mut long_parent = span(TRACE_A, 1, Some(2), 2, "x");
    long_parent.parent_span_id.push(0);
    let cases: [(Vec<u8>, &str); 6] = [
        (
            with_span(short_trace).encode_to_vec(),
            "OTLP span: trace_id must be 16 bytes, found 5",
        ),
        (
            with_span(no_span_id).encode_to_vec(),
            "OTLP span: span_id must be 8 bytes, found 0",
        ),
        (
            with_span(long_parent).encode_to_vec(),
            "OTLP span: parent_span_id must be 8 bytes, found 9",
        ),
        (Vec::new(), "empty body"),
        (
            vec![0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00],
            "invalid protobuf at byte 6: length past the end of its message",
        ),
        (
            vec![0x0a, 0x01, 0x12],
            "invalid protobuf at byte 3: truncated varint",
        ),
    ];
    for (body, want) in cases {
        let err = decode_otlp_proto(&body).expect_err("must fail");
        assert!(err.to_string().starts_with(want), "{err}");
        assert_eq!(err.status_code(), 400);
    }
}

#[test]
fn every_truncation_is_an_error() {
    let body = request().encode_to_vec();
    for end in 0..body.len() {
        assert!(
            decode_otlp_proto(&body[..end]).is_err(),
            "prefix of {end} bytes"
        );
    }
}

#[test]
fn deep_nesting_stops_at_the_depth_limit() {
    let mut value = text("leaf");
    for _ in 0..200 {
        value = Value::Array(ArrayValue {
            values: vec![AnyValue { value: Some(value) }],
        });
    }
    let mut deep = span(TRACE_A, 1, None, 2, "x");
    deep.attributes = vec![kv("deep", value)];
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: None,
            scope_spans: vec![ScopeSpans {
                scope: None,
                spans: vec![deep],
            }],
        }],
    };
    let err = decode_otlp_proto(&request.encode_to_vec()).expect_err("too deep");
    assert_eq!(err.to_string(), "values nested deeper than 32 levels");
}
