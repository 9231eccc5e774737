//! Test helpers: a span builder and a runner for tables of traces.

use crate::span::{PayloadMeta, Protocol, Span, SpanKind};

use super::{SkipReason, extract};

/// Span builder: `span(id, parent, service, name)` then chained setters.
pub fn span(id: u64, parent: u64, service: &str, name: &str) -> Span {
    Span {
        service: service.into(),
        name: name.into(),
        resource: name.into(),
        trace_id: 0xABC,
        span_id: id,
        parent_id: parent,
        start: 1_000 + i64::try_from(id).unwrap_or_default(),
        duration: 10,
        ..Span::default()
    }
}

pub trait Build {
    fn err(self) -> Self;
    fn kind(self, kind: SpanKind) -> Self;
    fn with(self, key: &str, value: &str) -> Self;
    /// All three `error.*` tags; the message is `"<type> message"`, the stack [`stack_of`].
    fn details(self, error_type: &str) -> Self;
    fn top_level(self) -> Self;
    fn start(self, start: i64) -> Self;
}

impl Build for Span {
    fn err(self) -> Self {
        Span {
            error: true,
            ..self
        }
    }
    fn kind(self, kind: SpanKind) -> Self {
        Span { kind, ..self }
    }
    fn with(mut self, key: &str, value: &str) -> Self {
        self.meta.insert(key.into(), value.into());
        self
    }
    fn details(self, error_type: &str) -> Self {
        self.with("error.type", error_type)
            .with("error.message", &format!("{error_type} message"))
            .with("error.stack", &stack_of(error_type))
    }
    fn top_level(mut self) -> Self {
        self.metrics.insert("_dd.top_level".into(), 1.0);
        self
    }
    fn start(self, start: i64) -> Self {
        Span { start, ..self }
    }
}

/// A Python traceback of one in-app frame, so the event passes the stack rule.
pub fn stack_of(error_type: &str) -> String {
    format!(
        "Traceback (most recent call last):\n  File \"/app/shop/views.py\", line 7, in checkout\n\
         {error_type}: {error_type} message\n"
    )
}

pub fn meta(protocol: Protocol) -> PayloadMeta {
    PayloadMeta {
        protocol,
        ..PayloadMeta::default()
    }
}

pub struct Case {
    pub name: &'static str,
    pub protocol: Protocol,
    pub trace: Vec<Span>,
    /// (service, entry span id, carrier span id, message)
    pub events: &'static [(&'static str, u64, u64, &'static str)],
    pub skipped: &'static [&'static str],
    /// Why the `skipped` ones were.
    pub reason: SkipReason,
}

/// Runs each case through [`extract`] and compares events and skips.
pub fn check(cases: Vec<Case>) {
    for case in cases {
        let out = extract(&case.trace, &meta(case.protocol));
        let events: Vec<_> = out
            .events
            .iter()
            .map(|tracked| &tracked.event)
            .map(|e| {
                (
                    e.service.as_str(),
                    e.span_id,
                    e.error_span_id,
                    e.message.as_str(),
                )
            })
            .collect();
        assert_eq!(events, case.events, "{}", case.name);
        let skipped: Vec<_> = out
            .skipped
            .iter()
            .map(|(service, _)| service.as_str())
            .collect();
        assert_eq!(skipped, case.skipped, "{}", case.name);
        assert!(out.skipped.iter().all(|(_, reason)| *reason == case.reason));
    }
}
