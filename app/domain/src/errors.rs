//! Which spans become error events ("what becomes an issue").
//!
//! Per trace and per service the *service entry span* is the service's top span. An error event exists
//! when that span is in error; its details come from the entry span or, as real tracers often put them
//! on a child, from the closest errored descendant in the same service that carries all three of
//! `error.type`, `error.message` and `error.stack`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingErrorDetails => "missing_error_details",
        }
    }
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
    pub events: Vec<ErrorEvent>,
    pub skipped: Vec<(String, SkipReason)>,
    /// Entry-span hits and errored entry spans per service/env/resource.
    pub hits: BTreeMap<HitKey, (u64, u64)>,
}
