//! Golden tests: request bodies captured from real tracers (`server/tests/fixtures/intake/`, versions
//! in the file names) beside a snapshot of the spans they must decode to, reduced to what error
//! tracking reads. Also checks that prefixes of a real body (every 7th; the unit tests try every one
//! on smaller bodies) are errors, never panics.

use std::fmt::Write;
use std::path::Path;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use domain::span::{Payload, Span};

use super::{Budget, Endpoint, Limits, Unbounded, datadog, decode};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/intake")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    pairs
        .iter()
        .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
        .collect()
}

/// One line per span as a tree (children under parents, by start time), with the tags error
/// extraction looks at.
fn summary(payload: &Payload) -> String {
    let mut out = format!("{:?}\n", payload.meta);
    for trace in &payload.traces {
        let _ = writeln!(out, "trace {:032x}", trace[0].trace_id);
        let mut spans: Vec<&Span> = trace.iter().collect();
        spans.sort_by_key(|s| (s.start, s.span_id));
        let is_root = |s: &&&Span| !spans.iter().any(|p| p.span_id == s.parent_id);
        for root in spans.iter().filter(is_root) {
            write_tree(&mut out, &spans, root, 1);
        }
    }
    out
}

fn write_tree(out: &mut String, spans: &[&Span], span: &Span, depth: usize) {
    let error = if span.error { " ERROR" } else { "" };
    let _ = write!(
        out,
        "{:indent$}{} {} [{}] {:?}/{}{error}",
        "",
        span.service,
        span.name,
        span.resource,
        span.kind,
        span.span_type,
        indent = 2 * depth
    );
    for key in ["error.type", "error.message", "env", "version", "language"] {
        if let Some(value) = span.tag(key) {
            let _ = write!(out, " {key}={value:?}");
        }
    }
    if let Some(stack) = span.tag("error.stack") {
        let _ = write!(out, " error.stack=<{} lines>", stack.lines().count());
    }
    out.push('\n');
    for child in spans
        .iter()
        .filter(|c| c.parent_id == span.span_id && c.span_id != span.span_id)
    {
        write_tree(out, spans, child, depth + 1);
    }
}

#[test]
fn dd_trace_js_v04() {
    let body = fixture("dd-trace-js-5.132-express.v04.msgpack");
    let headers = headers(&[
        ("content-type", "application/msgpack"),
        ("datadog-meta-lang", "nodejs"),
        ("datadog-meta-tracer-version", "5.132.0"),
        ("datadog-entity-id", "in-1"),
        ("x-datadog-trace-count", "8"),
    ]);
    let payload = decode(
        Endpoint::DatadogV04,
        &headers,
        &body,
        &Limits::default(),
        &mut Unbounded,
    )
    .expect("decodes");
    assert_eq!(datadog::trace_count_mismatch(&headers, &payload), None);
    insta::assert_snapshot!(summary(&payload));
    for end in (0..body.len()).step_by(7) {
        assert!(
            datadog::decode_v04(
                &body[..end],
                None,
                &mut Budget::new(&Limits::default(), &mut Unbounded)
            )
            .is_err(),
            "prefix of {end} bytes"
        );
    }
}

#[test]
fn ddtrace_py_v05() {
    let body = fixture("ddtrace-py-4.16-flask.v05.msgpack");
    let headers = headers(&[
        ("content-type", "application/msgpack"),
        ("datadog-meta-lang", "python"),
        ("datadog-meta-tracer-version", "4.16.0"),
        ("x-datadog-trace-count", "7"),
    ]);
    let payload = decode(
        Endpoint::DatadogV05,
        &headers,
        &body,
        &Limits::default(),
        &mut Unbounded,
    )
    .expect("decodes");
    assert_eq!(datadog::trace_count_mismatch(&headers, &payload), None);
    insta::assert_snapshot!(summary(&payload));
    for end in (0..body.len()).step_by(7) {
        assert!(
            datadog::decode_v05(
                &body[..end],
                &mut Budget::new(&Limits::default(), &mut Unbounded)
            )
            .is_err(),
            "prefix of {end} bytes"
        );
    }
}

#[test]
fn otel_python_otlp_proto() {
    let body = fixture("otel-python-1.45-flask.otlp.pb");
    let headers = headers(&[("content-type", "application/x-protobuf")]);
    let payload = decode(
        Endpoint::OtlpTraces,
        &headers,
        &body,
        &Limits::default(),
        &mut Unbounded,
    )
    .expect("decodes");
    insta::assert_snapshot!(summary(&payload));
}

#[test]
fn otel_js_otlp_json() {
    let body = fixture("otel-js-0.223-express.otlp.json");
    let headers = headers(&[("content-type", "application/json")]);
    let payload = decode(
        Endpoint::OtlpTraces,
        &headers,
        &body,
        &Limits::default(),
        &mut Unbounded,
    )
    .expect("decodes");
    insta::assert_snapshot!(summary(&payload));
}
