//! Which spans become error events ("what becomes an issue").
//!
//! Per trace and per service the *service entry span* is the service's top span (see `entry.rs` for the
//! exact rule per protocol). An error event exists when that span is in error; its details come from the
//! entry span or, as real tracers often put them on a child, from the closest descendant in the same
//! service that carries all three of `error.type`, `error.message` and `error.stack`. One event per
//! errored entry span, never one per errored child: a child error under a successful entry span was
//! handled. An event whose stack fails Datadog's rule (`stack_rule.rs`) is skipped instead.

mod entry;
#[cfg(test)]
mod fixtures;
mod git;
mod stack_rule;
mod tags;
#[cfg(test)]
mod tracer_shapes;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::span::{PayloadMeta, Span, tags as key};
use crate::stacktrace::{Language, Stacktrace};

use entry::{ErrorDetails, TraceTree};
pub use stack_rule::tracked_stack;
pub use tags::{TagSplit, merge_tags, split_tags};

/// One error event, ready for grouping and storage. Ids stay numeric until the database boundary.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorEvent {
    pub trace_id: u128,
    /// The service entry span that was in error.
    pub span_id: u64,
    /// The span whose tags described the error (the entry span itself or a descendant).
    pub error_span_id: u64,
    /// Unix nanoseconds (the entry span's start).
    pub timestamp: i64,
    pub service: String,
    pub env: Option<String>,
    pub version: Option<String>,
    pub host: Option<String>,
    pub container_id: Option<String>,
    pub resource: String,
    /// The entry span's operation name (`flask.request`, `express.request`, `GET /x`).
    pub operation: String,
    pub error_type: String,
    pub message: String,
    pub stack: String,
    /// Tracer language (`python`, `nodejs`, ...), picks the stack parser.
    pub language: Option<String>,
    /// An explicit `error.fingerprint` tag, which overrides grouping.
    pub fingerprint_override: Option<String>,
    pub span_tags: BTreeMap<String, String>,
    pub host_tags: BTreeMap<String, String>,
    pub container_tags: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
}

/// Why an errored entry span did not become an error event; counted and shown in `/api/v1/stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// Neither the entry span nor any errored descendant carried type, message and stack.
    MissingErrorDetails,
    /// The stack is empty, one line, or has no meaningful frame (Datadog's rule, `stack_rule.rs`).
    InsufficientStack,
}

impl SkipReason {
    pub const ALL: [SkipReason; 2] = [Self::MissingErrorDetails, Self::InsufficientStack];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingErrorDetails => "missing_error_details",
            Self::InsufficientStack => "insufficient_stack",
        }
    }
}

/// An error event with its `error.stack` parsed, which extraction needed for the stack rule and
/// grouping needs next: parsed once.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrackedEvent {
    pub event: ErrorEvent,
    pub stacktrace: Stacktrace,
}

/// Hits and errors of one service entry point, for error rates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HitKey {
    pub service: String,
    pub env: String,
    pub resource: String,
}

/// Everything extraction learns from one trace.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Extraction {
    pub events: Vec<TrackedEvent>,
    pub skipped: Vec<(String, SkipReason)>,
    /// Entry-span hits and errored entry spans per service/env/resource.
    pub hits: BTreeMap<HitKey, (u64, u64)>,
}

/// Extracts error events and entry-span hits from one trace (spans in any order, possibly only a chunk
/// of the trace whose parents were sent elsewhere).
///
/// Entry spans are visited by start time then span id, so the output does not depend on span order.
pub fn extract(trace: &[Span], meta: &PayloadMeta) -> Extraction {
    let tree = TraceTree::new(trace, meta.protocol);
    let mut out = Extraction::default();
    for entry in tree.entries() {
        let span = tree.span(entry);
        let key = HitKey {
            service: span.service.clone(),
            env: span.tag(key::ENV).unwrap_or_default().to_owned(),
            resource: span.resource.clone(),
        };
        let (hits, errors) = out.hits.entry(key).or_default();
        *hits += 1;
        if !span.error {
            continue;
        }
        *errors += 1;
        match tree.carrier(entry) {
            Some((carrier, details)) => {
                let mut event = build_event(span, tree.span(carrier), &details, meta);
                let language = event
                    .language
                    .as_deref()
                    .and_then(Language::from_tracer_lang);
                let Some(stacktrace) = stack_rule::tracked_stack(&event.stack, language) else {
                    out.skipped
                        .push((span.service.clone(), SkipReason::InsufficientStack));
                    continue;
                };
                git::complete_git_tags(&mut event.span_tags, trace, &event.service);
                out.events.push(TrackedEvent { event, stacktrace })
            }
            None => {
                let reason = if stack_rule::sent_empty_stack(span) {
                    SkipReason::InsufficientStack
                } else {
                    SkipReason::MissingErrorDetails
                };
                out.skipped.push((span.service.clone(), reason))
            }
        }
    }
    out
}

/// OpenTelemetry's resource attribute for the host; Datadog tracers send `_dd.hostname` instead.
const HOST_NAME: &str = "host.name";

fn build_event(
    entry: &Span,
    carrier: &Span,
    details: &ErrorDetails<'_>,
    meta: &PayloadMeta,
) -> ErrorEvent {
    let merged = merge_tags(entry, carrier);
    let get = |key: &str| merged.get(key).filter(|v| !v.is_empty()).cloned();
    let env = get(key::ENV);
    let version = get(key::VERSION);
    let host = get(key::HOSTNAME).or_else(|| get(HOST_NAME));
    let language = get(key::LANGUAGE).or_else(|| meta.lang.clone().filter(|lang| !lang.is_empty()));
    let container_id = get(key::CONTAINER_ID)
        .or_else(|| meta.container_id.clone().filter(|id| !id.is_empty()))
        .or_else(|| {
            let id = meta.entity_id.as_deref()?.strip_prefix("cid-")?;
            (!id.is_empty()).then(|| id.to_owned())
        });
    let fingerprint_override = carrier
        .tag(key::ERROR_FINGERPRINT)
        .or_else(|| entry.tag(key::ERROR_FINGERPRINT))
        .map(str::to_owned);
    let TagSplit {
        span,
        host: host_tags,
        container,
    } = split_tags(merged);
    ErrorEvent {
        trace_id: entry.trace_id,
        span_id: entry.span_id,
        error_span_id: carrier.span_id,
        timestamp: entry.start,
        service: entry.service.clone(),
        env,
        version,
        host,
        container_id,
        resource: entry.resource.clone(),
        operation: entry.name.clone(),
        error_type: details.error_type.to_owned(),
        message: details.message.to_owned(),
        stack: details.stack.to_owned(),
        language,
        fingerprint_override,
        span_tags: span,
        host_tags,
        container_tags: container,
        metrics: entry.metrics.clone(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::fixtures::{Build, meta, span, stack_of};
    use super::*;
    use crate::span::{Protocol, SpanKind};

    #[test]
    fn fills_the_event_from_entry_carrier_and_payload() {
        let trace = [
            span(1, 0, "web", "flask.request")
                .err()
                .kind(SpanKind::Server)
                .with("env", "prod")
                .with("version", "1.2.0")
                .with("http.route", "/boom")
                .with("_dd.hostname", "box-1")
                .with("kube_namespace", "shop")
                .with("error.message", "partial")
                .start(1_700_000_000_000_000_000),
            span(2, 1, "web", "flask.dispatch_request")
                .err()
                .details("ValueError")
                .with("env", "staging")
                .with("language", "python")
                .with("error.fingerprint", "checkout-bug")
                .with("container_id", "abc123"),
        ];
        let mut trace = trace;
        trace[0].resource = "GET /boom".into();
        trace[0].metrics.insert("_dd.top_level".into(), 1.0);
        let payload = PayloadMeta {
            lang: Some("nodejs".into()),
            ..meta(Protocol::Datadog)
        };
        let tags = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let want = ErrorEvent {
            trace_id: 0xABC,
            span_id: 1,
            error_span_id: 2,
            timestamp: 1_700_000_000_000_000_000,
            service: "web".into(),
            env: Some("prod".into()),
            version: Some("1.2.0".into()),
            host: Some("box-1".into()),
            container_id: Some("abc123".into()),
            resource: "GET /boom".into(),
            operation: "flask.request".into(),
            error_type: "ValueError".into(),
            message: "ValueError message".into(),
            stack: stack_of("ValueError"),
            language: Some("python".into()),
            fingerprint_override: Some("checkout-bug".into()),
            span_tags: tags(&[
                ("env", "prod"),
                ("version", "1.2.0"),
                ("http.route", "/boom"),
                ("language", "python"),
                ("error.type", "ValueError"),
                ("error.message", "ValueError message"),
                ("error.stack", &stack_of("ValueError")),
                ("error.fingerprint", "checkout-bug"),
            ]),
            host_tags: tags(&[("_dd.hostname", "box-1")]),
            container_tags: tags(&[("container_id", "abc123"), ("kube_namespace", "shop")]),
            metrics: BTreeMap::from([("_dd.top_level".to_string(), 1.0)]),
        };
        let events = extract(&trace, &payload).events;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event, want);
        assert_eq!(events[0].stacktrace.frames().count(), 1);
    }

    #[test]
    fn fallbacks_for_host_container_and_language() {
        // (entry tags, payload container id, payload entity id, want host, want container id, want language)
        type Want = (
            Option<&'static str>,
            Option<&'static str>,
            Option<&'static str>,
        );
        let cases: &[(&[(&str, &str)], Option<&str>, Option<&str>, Want)] = &[
            (&[], None, None, (None, None, Some("python"))),
            (
                &[("host.name", "otel-host")],
                None,
                Some("cid-f00d"),
                (Some("otel-host"), Some("f00d"), Some("python")),
            ),
            (
                &[("_dd.hostname", "dd"), ("host.name", "otel")],
                Some("hdr"),
                Some("cid-x"),
                (Some("dd"), Some("hdr"), Some("python")),
            ),
            (
                &[("language", "javascript")],
                None,
                Some("in-12345"),
                (None, None, Some("javascript")),
            ),
            (
                &[("container_id", "tag")],
                Some("hdr"),
                None,
                (None, Some("tag"), Some("python")),
            ),
        ];
        for (entry_tags, container_id, entity_id, want) in cases {
            let entry = entry_tags.iter().fold(
                span(1, 0, "web", "flask.request").err().details("E"),
                |span, (k, v)| span.with(k, v),
            );
            let payload = PayloadMeta {
                lang: Some("python".into()),
                container_id: container_id.map(Into::into),
                entity_id: entity_id.map(Into::into),
                ..meta(Protocol::Datadog)
            };
            let out = extract(&[entry], &payload);
            let got: Vec<_> = out
                .events
                .iter()
                .map(|tracked| &tracked.event)
                .map(|e| {
                    (
                        e.host.as_deref(),
                        e.container_id.as_deref(),
                        e.language.as_deref(),
                    )
                })
                .collect();
            assert_eq!(
                got,
                [*want],
                "{entry_tags:?} {container_id:?} {entity_id:?}"
            );
        }
    }

    #[test]
    fn counts_hits_and_errors_per_entry_point() {
        let trace = [
            span(1, 0, "front", "express.request").with("env", "prod"),
            span(2, 1, "front", "http.request")
                .err()
                .kind(SpanKind::Client),
            span(3, 2, "back", "flask.request")
                .err()
                .with("env", "prod"),
            span(4, 1, "front", "http.request").kind(SpanKind::Client),
            span(5, 4, "back", "flask.request").with("env", "prod"),
            span(6, 0, "front", "dns.lookup")
                .err()
                .kind(SpanKind::Client)
                .top_level(),
            span(7, 0, "cron", "job").err().details("E"),
        ];
        let key = |service: &str, env: &str, resource: &str| HitKey {
            service: service.into(),
            env: env.into(),
            resource: resource.into(),
        };
        let want = BTreeMap::from([
            (key("back", "prod", "flask.request"), (2, 1)),
            (key("cron", "", "job"), (1, 1)),
            (key("front", "prod", "express.request"), (1, 0)),
        ]);
        let out = extract(&trace, &meta(Protocol::Datadog));
        assert_eq!(out.hits, want);
        assert_eq!(
            out.skipped,
            [("back".to_string(), SkipReason::MissingErrorDetails)]
        );
    }

    #[test]
    fn stacks_without_a_meaningful_frame_are_skipped_by_their_own_reason() {
        let with_stack = |id: u64, service: &str, stack: &str| {
            span(id, 0, service, "request")
                .err()
                .details("Error")
                .with("error.stack", stack)
        };
        let trace = [
            with_stack(1, "empty", ""),
            with_stack(2, "one-line", "Error: upstream closed"),
            with_stack(3, "php-main", "#0 {main}"),
            with_stack(
                4,
                "no-frame",
                "Error: upstream closed\n    at <anonymous>\n",
            ),
            with_stack(
                5,
                "tracked",
                "Error: upstream closed\n    at onClose (/app/src/client.js:10:5)\n",
            ),
        ];
        let out = extract(&trace, &meta(Protocol::Datadog));
        let events: Vec<_> = out
            .events
            .iter()
            .map(|t| t.event.service.as_str())
            .collect();
        assert_eq!(events, ["tracked"]);
        let skipped: Vec<_> = out
            .skipped
            .iter()
            .map(|(service, reason)| (service.as_str(), *reason))
            .collect();
        let insufficient = SkipReason::InsufficientStack;
        assert_eq!(
            skipped,
            [
                ("empty", insufficient),
                ("one-line", insufficient),
                ("php-main", insufficient),
                ("no-frame", insufficient),
            ]
        );
        // Skipped entry spans still count as errored hits, for error rates.
        assert!(
            out.hits
                .values()
                .all(|&(hits, errors)| hits == 1 && errors == 1)
        );
    }

    #[test]
    fn top_level_marks_an_entry_under_a_same_service_parent() {
        // A queue consumer in a worker process: its parent (the producer's publish span, same
        // service) is in the payload, yet the tracer marked the consumer top-level.
        let trace = [
            span(1, 0, "orders", "http.request").details("Error"),
            span(2, 1, "orders", "sqs.receive")
                .err()
                .top_level()
                .details("TimeoutError"),
            span(3, 1, "orders", "in-process child")
                .err()
                .details("KeyError"),
        ];
        let out = extract(&trace, &meta(Protocol::Datadog));
        let events: Vec<_> = out
            .events
            .iter()
            .map(|t| (t.event.span_id, t.event.error_type.as_str()))
            .collect();
        assert_eq!(events, [(2, "TimeoutError")]);
        assert_eq!(out.hits.len(), 2);
    }
}
