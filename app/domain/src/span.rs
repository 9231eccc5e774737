//! The span model every intake protocol decodes into. Datadog's shape is the common denominator: OTLP
//! spans are mapped onto it (resource attributes and exception events become `meta` tags) so that
//! everything downstream of intake sees one kind of span.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Tags the Datadog tracers and our OTLP mapping use; kept in one place so intake and extraction agree.
pub mod tags {
    pub const ERROR_TYPE: &str = "error.type";
    pub const ERROR_MESSAGE: &str = "error.message";
    /// The Agent's own OTLP mapping writes this older spelling.
    pub const ERROR_MSG_LEGACY: &str = "error.msg";
    pub const ERROR_STACK: &str = "error.stack";
    /// dd-trace-go >= 2.7: where the error was handled (logged, wrapped), beside `error.stack`, where
    /// it was raised. Shown on the issue page, never grouped on.
    pub const ERROR_HANDLING_STACK: &str = "error.handling_stack";
    pub const ERROR_FINGERPRINT: &str = "error.fingerprint";
    pub const ENV: &str = "env";
    pub const VERSION: &str = "version";
    pub const HOSTNAME: &str = "_dd.hostname";
    pub const CONTAINER_ID: &str = "container_id";
    pub const SPAN_KIND: &str = "span.kind";
    pub const LANGUAGE: &str = "language";
    pub const GIT_COMMIT_SHA: &str = "git.commit.sha";
    pub const GIT_REPOSITORY_URL: &str = "git.repository_url";
    pub const DD_GIT_COMMIT_SHA: &str = "_dd.git.commit.sha";
    pub const DD_GIT_REPOSITORY_URL: &str = "_dd.git.repository_url";
    /// Metric set by tracers on spans they computed to be top-level (service entry candidates).
    pub const TOP_LEVEL: &str = "_top_level";
    pub const DD_TOP_LEVEL: &str = "_dd.top_level";
}

/// What role a span plays, from `span.kind` (Datadog) or the OTLP `SpanKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpanKind {
    #[default]
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

impl SpanKind {
    pub fn from_tag(value: &str) -> Self {
        match value.to_ascii_lowercase().as_str() {
            "server" => Self::Server,
            "client" => Self::Client,
            "producer" => Self::Producer,
            "consumer" => Self::Consumer,
            "internal" => Self::Internal,
            _ => Self::Unspecified,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Internal => "internal",
            Self::Server => "server",
            Self::Client => "client",
            Self::Producer => "producer",
            Self::Consumer => "consumer",
        }
    }

    /// Outgoing calls: a top-level span of this kind is not where a service received work.
    pub fn is_outgoing(self) -> bool {
        matches!(self, Self::Client | Self::Producer)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Span {
    pub service: String,
    pub name: String,
    pub resource: String,
    /// Full 128-bit id; Datadog's upper half comes from the `_dd.p.tid` tag.
    pub trace_id: u128,
    pub span_id: u64,
    /// 0 for a root.
    pub parent_id: u64,
    /// Unix time in nanoseconds.
    pub start: i64,
    /// Nanoseconds.
    pub duration: i64,
    pub error: bool,
    /// Datadog's `type` (web, http, sql, ...).
    pub span_type: String,
    pub kind: SpanKind,
    pub meta: BTreeMap<String, String>,
    pub metrics: BTreeMap<String, f64>,
}

impl Span {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.meta
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The tracer's own view of whether this span is a service's top span.
    pub fn marked_top_level(&self) -> bool {
        [tags::TOP_LEVEL, tags::DD_TOP_LEVEL]
            .iter()
            .any(|key| self.metrics.get(*key).is_some_and(|v| *v == 1.0))
    }
}

/// Where a payload came from, and what the request said about its sender.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PayloadMeta {
    pub protocol: Protocol,
    /// `Datadog-Meta-Lang`, or the OTLP `telemetry.sdk.language`.
    pub lang: Option<String>,
    pub tracer_version: Option<String>,
    pub container_id: Option<String>,
    pub entity_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    #[default]
    Datadog,
    Otlp,
}

/// One decoded request: a list of traces (each a list of spans, in any order) plus sender metadata.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Payload {
    pub meta: PayloadMeta,
    pub traces: Vec<Vec<Span>>,
}

impl Payload {
    pub fn span_count(&self) -> usize {
        self.traces.iter().map(Vec::len).sum()
    }
}
