//! OTLP/HTTP `/v1/traces`: `ExportTraceServiceRequest` as protobuf or JSON, mapped onto the
//! Datadog-shaped span the way the Datadog Agent's OTLP ingest does. Resource attributes become tags
//! on every span (the well-known ones under their Datadog names), span attributes follow and win, the
//! first `exception` event becomes `error.type` / `error.message` / `error.stack`. Spans are grouped
//! into one trace per trace id, in order of first appearance.

mod base64;
mod json;
pub mod proto;
mod scan;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use domain::span::{Payload, PayloadMeta, Protocol, Span, SpanKind, tags};
use prost::Message;

use crate::intake::budget::{Budget, span_cost};
use crate::intake::{IntakeError, json_scan};
use proto::{AnyValue, ExportTraceServiceRequest, KeyValue, Value};

const STATUS_CODE_ERROR: i32 = 2;
const DEFAULT_SERVICE: &str = "unknown_service";

/// Decodes a protobuf `ExportTraceServiceRequest`. An empty body is refused: no exporter sends one.
pub fn decode_otlp_proto(body: &[u8], budget: &mut Budget<'_>) -> Result<Payload, IntakeError> {
    if body.is_empty() {
        return Err(IntakeError::EmptyBody);
    }
    scan::charge(body, budget)?;
    map_request(ExportTraceServiceRequest::decode(body)?, budget)
}

/// Decodes an OTLP/JSON `ExportTraceServiceRequest` (hex or base64 ids, enums as numbers or names,
/// 64-bit integers as numbers or strings, camelCase or snake_case keys).
pub fn decode_otlp_json(body: &[u8], budget: &mut Budget<'_>) -> Result<Payload, IntakeError> {
    json_scan::charge(body, std::mem::size_of::<proto::Span>(), budget)?;
    let request: ExportTraceServiceRequest = serde_json::from_slice(body)?;
    let spans = request
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .map(|s| s.spans.len())
        .sum::<usize>();
    for _ in 0..spans {
        budget.count_span()?;
    }
    map_request(request, budget)
}

/// Every span gets a copy of its resource's tags: a large resource over many small spans is the
/// expansion this charges for, span by span.
fn map_request(
    request: ExportTraceServiceRequest,
    budget: &mut Budget<'_>,
) -> Result<Payload, IntakeError> {
    let mut meta = PayloadMeta {
        protocol: Protocol::Otlp,
        ..PayloadMeta::default()
    };
    let mut traces: Vec<Vec<Span>> = Vec::new();
    let mut trace_index: HashMap<u128, usize> = HashMap::new();
    for resource_spans in request.resource_spans {
        let attributes = resource_spans
            .resource
            .map(|r| r.attributes)
            .unwrap_or_default();
        let resource = Tags::from_attributes(attributes, false);
        fill_payload_meta(&mut meta, &resource.meta);
        for scope_spans in resource_spans.scope_spans {
            let mut base = resource.clone();
            if let Some(scope) = scope_spans.scope {
                base.insert_nonempty("otel.scope.name", scope.name);
                base.insert_nonempty("otel.scope.version", scope.version);
            }
            for span in scope_spans.spans {
                let span = map_span(span, &base)?;
                budget.charge(span_cost(&span))?;
                let slot = *trace_index.entry(span.trace_id).or_insert_with(|| {
                    traces.push(Vec::new());
                    traces.len() - 1
                });
                traces[slot].push(span);
            }
        }
    }
    Ok(Payload { meta, traces })
}

fn fill_payload_meta(meta: &mut PayloadMeta, tags: &BTreeMap<String, String>) {
    let fill = |slot: &mut Option<String>, key: &str| {
        if slot.is_none() {
            *slot = tags.get(key).cloned();
        }
    };
    fill(&mut meta.lang, tags::LANGUAGE);
    fill(&mut meta.tracer_version, "telemetry.sdk.version");
    fill(&mut meta.container_id, tags::CONTAINER_ID);
}

/// Tags collected from attributes, with the service name pulled out.
#[derive(Clone, Default)]
struct Tags {
    service: Option<String>,
    meta: BTreeMap<String, String>,
    metrics: BTreeMap<String, f64>,
}

impl Tags {
    /// `numeric_metrics`: also record int and double attributes as metrics (span attributes only).
    fn from_attributes(attributes: Vec<KeyValue>, numeric_metrics: bool) -> Self {
        let mut tags = Self::default();
        tags.extend(attributes, numeric_metrics);
        tags
    }

    fn extend(&mut self, attributes: Vec<KeyValue>, numeric_metrics: bool) {
        for KeyValue { key, value } in attributes {
            let value = value.and_then(|v| v.value);
            if numeric_metrics {
                match value {
                    Some(Value::Int(v)) => drop(self.metrics.insert(key.clone(), v as f64)),
                    Some(Value::Double(v)) => drop(self.metrics.insert(key.clone(), v)),
                    _ => {}
                }
            }
            let text = value.map(render).unwrap_or_default();
            match key.as_str() {
                "service.name" => self.service = Some(text),
                "deployment.environment.name" => self.insert(tags::ENV, text),
                "deployment.environment" => {
                    self.meta.entry(tags::ENV.to_owned()).or_insert(text);
                }
                "service.version" => self.insert(tags::VERSION, text),
                "host.name" => self.insert(tags::HOSTNAME, text),
                "container.id" => self.insert(tags::CONTAINER_ID, text),
                "vcs.repository.url.full" => self.insert(tags::GIT_REPOSITORY_URL, text),
                "vcs.ref.head.revision" => self.insert(tags::GIT_COMMIT_SHA, text),
                "telemetry.sdk.language" => self.insert(tags::LANGUAGE, text),
                _ => drop(self.meta.insert(key, text)),
            }
        }
    }

    fn insert(&mut self, key: &str, value: String) {
        self.meta.insert(key.to_owned(), value);
    }

    fn insert_nonempty(&mut self, key: &str, value: String) {
        if !value.is_empty() {
            self.insert(key, value);
        }
    }
}

fn map_span(span: proto::Span, resource: &Tags) -> Result<Span, IntakeError> {
    let trace_id = u128::from_be_bytes(fixed_id("trace_id", &span.trace_id)?);
    let span_id = u64::from_be_bytes(fixed_id("span_id", &span.span_id)?);
    let parent_id = if span.parent_span_id.is_empty() {
        0
    } else {
        u64::from_be_bytes(fixed_id("parent_span_id", &span.parent_span_id)?)
    };
    let kind = match span.kind {
        1 => SpanKind::Internal,
        2 => SpanKind::Server,
        3 => SpanKind::Client,
        4 => SpanKind::Producer,
        5 => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    };
    let status = span.status.unwrap_or_default();
    let error = status.code == STATUS_CODE_ERROR;

    let mut tags = resource.clone();
    tags.extend(span.attributes, true);
    if kind != SpanKind::Unspecified {
        tags.insert(tags::SPAN_KIND, kind.as_str().to_owned());
    }
    if error {
        tags.insert_nonempty("otel.status_description", status.message.clone());
    }
    if let Some(event) = span
        .events
        .into_iter()
        .find(|event| event.name == "exception")
    {
        for KeyValue { key, value } in event.attributes {
            let tag = match key.as_str() {
                "exception.type" => tags::ERROR_TYPE,
                "exception.message" => tags::ERROR_MESSAGE,
                "exception.stacktrace" => tags::ERROR_STACK,
                _ => continue,
            };
            let text = value.and_then(|v| v.value).map(render).unwrap_or_default();
            tags.insert(tag, text);
        }
    }
    if error && !tags.meta.contains_key(tags::ERROR_MESSAGE) {
        tags.insert_nonempty(tags::ERROR_MESSAGE, status.message);
    }

    let start = i64::try_from(span.start_time_unix_nano).unwrap_or(i64::MAX);
    let duration = span
        .end_time_unix_nano
        .saturating_sub(span.start_time_unix_nano);
    Ok(Span {
        service: tags.service.unwrap_or_else(|| DEFAULT_SERVICE.to_owned()),
        resource: resource_name(&tags.meta, &span.name),
        span_type: span_type(&tags.meta, kind),
        name: span.name,
        trace_id,
        span_id,
        parent_id,
        start,
        duration: i64::try_from(duration).unwrap_or(i64::MAX),
        error,
        kind,
        meta: tags.meta,
        metrics: tags.metrics,
    })
}

fn fixed_id<const N: usize>(field: &'static str, bytes: &[u8]) -> Result<[u8; N], IntakeError> {
    bytes.try_into().map_err(|_| IntakeError::IdLength {
        field,
        expected: N,
        found: bytes.len(),
    })
}

/// `resource.name` if set, else `METHOD /route` for HTTP spans with both, else the span name.
fn resource_name(meta: &BTreeMap<String, String>, span_name: &str) -> String {
    let get = |key: &str| meta.get(key).filter(|v| !v.is_empty());
    if let Some(resource) = get("resource.name") {
        return resource.clone();
    }
    match (
        get("http.request.method").or_else(|| get("http.method")),
        get("http.route"),
    ) {
        (Some(method), Some(route)) => format!("{method} {route}"),
        _ => span_name.to_owned(),
    }
}

/// Datadog's span `type`, as the Agent derives it for OTLP spans.
fn span_type(meta: &BTreeMap<String, String>, kind: SpanKind) -> String {
    if let Some(explicit) = meta.get("span.type") {
        return explicit.clone();
    }
    let db = meta.get("db.system.name").or_else(|| meta.get("db.system"));
    match (kind, db.map(String::as_str)) {
        (SpanKind::Client, Some("redis" | "memcached")) => "cache",
        (SpanKind::Client, Some(_)) => "db",
        (SpanKind::Server, _) => "web",
        (SpanKind::Client, None) => "http",
        _ => "custom",
    }
    .to_owned()
}

/// Attribute values as tag text: scalars as written, bytes as base64, arrays and maps as JSON.
fn render(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => {
            let mut out = String::new();
            render_into(&other, &mut out, false);
            out
        }
    }
}

/// `quoted`: inside a JSON array or map, where strings need quoting. Recursion depth is bounded by
/// the decoders (prost and serde_json stop at 100 and 128 levels).
fn render_into(value: &Value, out: &mut String, quoted: bool) {
    let _ = match value {
        Value::String(s) if quoted => write!(out, "{}", serde_json::Value::from(s.as_str())),
        Value::String(s) => write!(out, "{s}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Int(i) => write!(out, "{i}"),
        Value::Double(d) if d.is_finite() || !quoted => write!(out, "{d}"),
        Value::Double(_) => write!(out, "null"),
        Value::Bytes(b) if quoted => write!(out, "\"{}\"", base64::encode(b)),
        Value::Bytes(b) => write!(out, "{}", base64::encode(b)),
        Value::Array(array) => {
            out.push('[');
            for (i, item) in array.values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                render_any(Some(item), out);
            }
            write!(out, "]")
        }
        Value::Kvlist(list) => {
            out.push('{');
            for (i, KeyValue { key, value }) in list.values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{}:", serde_json::Value::from(key.as_str()));
                render_any(value.as_ref(), out);
            }
            write!(out, "}}")
        }
    };
}

fn render_any(value: Option<&AnyValue>, out: &mut String) {
    match value.and_then(|v| v.value.as_ref()) {
        Some(value) => render_into(value, out, true),
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests;
