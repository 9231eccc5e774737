//! Stored rows back into the API types, the same for both backends.

use std::collections::BTreeMap;

use domain::grouping::Component;
use domain::query::{EventDetail, IssueSummary, Status, TraceDetail, TraceSpan};
use domain::span::tags;
use domain::stacktrace::{self, Language};
use domain::teamwork::UserRef;
use sqlx::{ColumnIndex, Decode, Row, Type};

use super::rows::COLUMN_TAGS;
use super::{StoreError, trace_blob};

pub(super) fn trace_hex(trace_id: u128) -> String {
    format!("{trace_id:032x}")
}

pub(super) fn trace_detail(trace_id: u128, blob: &[u8]) -> Result<TraceDetail, StoreError> {
    let mut spans = trace_blob::decode(blob)?;
    spans.sort_by_key(|s| (s.start, s.span_id));
    Ok(TraceDetail {
        trace_id: trace_hex(trace_id),
        spans: spans
            .into_iter()
            .map(|s| TraceSpan {
                span_id: s.span_id.to_string(),
                parent_id: s.parent_id.to_string(),
                service: s.service,
                name: s.name,
                resource: s.resource,
                start: s.start,
                duration: s.duration,
                error: s.error,
                meta: s.meta,
                metrics: s.metrics,
            })
            .collect(),
    })
}

/// Reads the issue-list columns: id, fingerprint, service, env, error_type, message, culprit,
/// status, count, first_seen, last_seen, first_version, last_version.
pub(super) fn issue_summary<R>(row: &R) -> Result<IssueSummary, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let status_text: String = row.try_get("status")?;
    Ok(IssueSummary {
        id: row.try_get("id")?,
        fingerprint: row.try_get("fingerprint")?,
        service: row.try_get("service")?,
        env: row.try_get("env")?,
        error_type: row.try_get("error_type")?,
        message: row.try_get("message")?,
        culprit: row.try_get("culprit")?,
        status: status(&status_text)?,
        count: row.try_get("count")?,
        first_seen: row.try_get("first_seen")?,
        last_seen: row.try_get("last_seen")?,
        first_version: row.try_get("first_version")?,
        last_version: row.try_get("last_version")?,
        assignee: assignee(row)?,
    })
}

/// The assignee columns of [`super::filter::SUMMARY_COLUMNS`].
fn assignee<R>(row: &R) -> Result<Option<UserRef>, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let id: Option<i64> = row.try_get("assignee_id")?;
    let email: Option<String> = row.try_get("assignee_email")?;
    let display_name: Option<String> = row.try_get("assignee_name")?;
    Ok(match (id, email, display_name) {
        (Some(id), Some(email), Some(display_name)) => Some(UserRef {
            id,
            email,
            display_name,
        }),
        _ => None,
    })
}

pub(super) fn status(text: &str) -> Result<Status, StoreError> {
    Status::parse(text).ok_or_else(|| StoreError::Corrupt {
        what: "issue status",
        reason: format!("unknown status {text:?}"),
    })
}

pub(super) fn fingerprint_tree(json: &str) -> Result<Component, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        what: "fingerprint tree",
        reason: e.to_string(),
    })
}

/// Reads an event row joined with its texts (`stack`, `host_tags`, `container_tags`) and parses the
/// stack with the stored tracer language.
pub(super) fn event_detail<R>(row: &R) -> Result<EventDetail, StoreError>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
{
    let error_type: String = row.try_get("error_type")?;
    let message: String = row.try_get("message")?;
    let stack: String = row.try_get("stack")?;
    let language: Option<String> = row.try_get("language")?;
    let span_tags = span_tags(
        &row.try_get::<String, _>("span_tags")?,
        [&error_type, &message, &stack],
    )?;
    let language = language.as_deref().and_then(Language::from_tracer_lang);
    let stacktrace = stacktrace::parse(&stack, language);
    let handling_stacktrace = span_tags
        .get(tags::ERROR_HANDLING_STACK)
        .filter(|text| !text.trim().is_empty())
        .map(|text| stacktrace::parse(text, language));
    let id = |column: &str| {
        row.try_get::<i64, _>(column)
            .map(|id| (id as u64).to_string())
    };
    Ok(EventDetail {
        id: row.try_get("id")?,
        issue_id: row.try_get("issue_id")?,
        trace_id: row.try_get("trace_id")?,
        span_id: id("span_id")?,
        error_span_id: id("error_span_id")?,
        timestamp: row.try_get("time")?,
        service: row.try_get("service")?,
        env: row.try_get("env")?,
        version: row.try_get("version")?,
        host: row.try_get("host")?,
        container_id: row.try_get("container_id")?,
        resource: row.try_get("resource")?,
        operation: row.try_get("operation")?,
        error_type,
        message,
        stack,
        stacktrace,
        handling_stacktrace,
        span_tags,
        host_tags: optional_map(row.try_get("host_tags")?, "host tags")?,
        container_tags: optional_map(row.try_get("container_tags")?, "container tags")?,
        metrics: map(&row.try_get::<String, _>("metrics")?, "metrics")?,
    })
}

/// Restores the `error.*` tags stored as `null` because they equal their column.
fn span_tags(json: &str, columns: [&String; 3]) -> Result<BTreeMap<String, String>, StoreError> {
    let stored: BTreeMap<String, Option<String>> = map(json, "span tags")?;
    stored
        .into_iter()
        .map(|(key, value)| {
            let value = match value {
                Some(value) => value,
                None => COLUMN_TAGS
                    .iter()
                    .zip(columns)
                    .find(|(tag, _)| **tag == key)
                    .map(|(_, column)| column.clone())
                    .ok_or_else(|| StoreError::Corrupt {
                        what: "span tags",
                        reason: format!("tag {key:?} is null"),
                    })?,
            };
            Ok((key, value))
        })
        .collect()
}

fn optional_map<V: serde::de::DeserializeOwned>(
    json: Option<String>,
    what: &'static str,
) -> Result<BTreeMap<String, V>, StoreError> {
    json.map_or_else(|| Ok(BTreeMap::new()), |json| map(&json, what))
}

fn map<V: serde::de::DeserializeOwned>(
    json: &str,
    what: &'static str,
) -> Result<BTreeMap<String, V>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Corrupt {
        what,
        reason: e.to_string(),
    })
}
