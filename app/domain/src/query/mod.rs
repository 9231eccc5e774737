//! Explorer query and result types shared by the server (SQL, JSON API) and the WASM client (URLs,
//! rendering). The JSON API returns exactly these. [`search`] is the search bar's query language.

use serde::{Deserialize, Serialize};

pub mod search;
#[cfg(test)]
mod tests;

pub use search::{
    AssigneeValue, FacetKey, Pattern, Search, SearchError, Term, Token, TokenKind, highlight,
    parse_search, search_errors, term_spans,
};

use crate::grouping::Component;
use crate::stacktrace::Stacktrace;
use crate::teamwork::UserRef;

/// Triage state of an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[default]
    ForReview,
    Reviewed,
    Ignored,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Self::ForReview,
        Self::Reviewed,
        Self::Ignored,
        Self::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ForReview => "for_review",
            Self::Reviewed => "reviewed",
            Self::Ignored => "ignored",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    LastSeen,
    FirstSeen,
    Count,
}

impl Sort {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LastSeen => "last_seen",
            Self::FirstSeen => "first_seen",
            Self::Count => "count",
        }
    }
}

/// Filters of the issue list; every field optional. Times are Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IssueQuery {
    pub service: Option<String>,
    pub env: Option<String>,
    pub version: Option<String>,
    pub status: Option<Status>,
    pub error_type: Option<String>,
    /// Free text over type and message (case-insensitive substring).
    pub q: Option<String>,
    /// The search bar's text in the [`search`] language (`service:checkout -host:web-3 "card
    /// declined"`), applied on top of the other filters; read it with [`IssueQuery::parsed_search`].
    #[serde(default)]
    pub search: Option<String>,
    /// Issues seen at or after this time.
    pub from: Option<i64>,
    /// Issues seen before this time.
    pub to: Option<i64>,
    pub sort: Sort,
    /// Page size, 1..=200 (default 50).
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

impl IssueQuery {
    pub const DEFAULT_LIMIT: u32 = 50;
    pub const MAX_LIMIT: u32 = 200;

    pub fn limit(&self) -> u32 {
        self.limit
            .unwrap_or(Self::DEFAULT_LIMIT)
            .clamp(1, Self::MAX_LIMIT)
    }

    pub fn offset(&self) -> u32 {
        self.offset.unwrap_or(0)
    }

    /// The parsed [`search`](Self::search) text; none is the empty search (no terms).
    pub fn parsed_search(&self) -> Result<Search, SearchError> {
        self.search
            .as_deref()
            .map_or_else(|| Ok(Search::default()), parse_search)
    }
}

/// One row of the issue list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueSummary {
    pub id: i64,
    pub fingerprint: String,
    pub service: String,
    pub env: String,
    pub error_type: String,
    pub message: String,
    /// Top in-app frame, `module in function`.
    pub culprit: Option<String>,
    pub status: Status,
    pub count: i64,
    /// Unix milliseconds.
    pub first_seen: i64,
    pub last_seen: i64,
    pub first_version: Option<String>,
    pub last_version: Option<String>,
    /// Who works on it; kept when that user is disabled.
    #[serde(default)]
    pub assignee: Option<UserRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuePage {
    pub issues: Vec<IssueSummary>,
    /// Issues matching the filters, over all pages.
    pub total: i64,
}

/// One stored error event, as the issue page and `/api/v1/issues/{id}/events` show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetail {
    pub id: i64,
    pub issue_id: i64,
    /// Hex, 32 digits.
    pub trace_id: String,
    /// Decimal, as Datadog shows span ids.
    pub span_id: String,
    pub error_span_id: String,
    /// Unix milliseconds.
    pub timestamp: i64,
    pub service: String,
    pub env: Option<String>,
    pub version: Option<String>,
    pub host: Option<String>,
    pub container_id: Option<String>,
    pub resource: String,
    pub operation: String,
    pub error_type: String,
    pub message: String,
    pub stack: String,
    pub stacktrace: Stacktrace,
    /// The parsed `error.handling_stack` span tag (dd-trace-go >= 2.7), where the error was handled;
    /// its text stays in `span_tags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handling_stacktrace: Option<Stacktrace>,
    pub span_tags: std::collections::BTreeMap<String, String>,
    pub host_tags: std::collections::BTreeMap<String, String>,
    pub container_tags: std::collections::BTreeMap<String, String>,
    pub metrics: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueDetail {
    pub issue: IssueSummary,
    pub grouping_version: String,
    pub fingerprint_tree: Component,
    /// The issue this one was merged into: its events (and later ones) are counted there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<i64>,
    pub latest_event: Option<EventDetail>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventPage {
    pub events: Vec<EventDetail>,
    pub total: i64,
}

/// A span of a stored trace, for the flame graph.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceSpan {
    pub span_id: String,
    pub parent_id: String,
    pub service: String,
    pub name: String,
    pub resource: String,
    /// Unix nanoseconds.
    pub start: i64,
    pub duration: i64,
    pub error: bool,
    pub meta: std::collections::BTreeMap<String, String>,
    pub metrics: std::collections::BTreeMap<String, f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TraceDetail {
    pub trace_id: String,
    pub spans: Vec<TraceSpan>,
}

/// Intake counters, so users can see what arrived and why something was not tracked.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Stats {
    pub issues: i64,
    pub error_events: i64,
    /// Errored entry spans not tracked, by reason (`missing_error_details`, ...).
    pub skipped: std::collections::BTreeMap<String, i64>,
    /// Entry-span hits per service.
    pub hits: std::collections::BTreeMap<String, i64>,
    /// Spans received by intake.
    #[serde(default)]
    pub spans: i64,
    /// Intake requests refused or dropped, by [`crate::intake::DropReason`] (every reason listed).
    #[serde(default)]
    pub dropped: std::collections::BTreeMap<String, i64>,
}
