//! The JSON API under `/api/v1`, used by the explorer UI, the tests and anyone scripting Stackprint.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use domain::query::{EventPage, IssueDetail, IssuePage, IssueQuery, Stats, Status, TraceDetail};
use serde::Deserialize;

use super::error::ApiError;
use crate::storage::Store;

/// Routes relative to `/api/v1`, where the caller nests them.
pub fn router(store: Store) -> Router {
    Router::new()
        .route("/issues", get(list_issues))
        .route("/issues/{id}", get(issue))
        .route("/issues/{id}/events", get(events))
        .route("/issues/{id}/status", post(set_status))
        .route("/traces/{trace_id}", get(trace))
        .route("/stats", get(stats))
        .fallback(|| async { ApiError::NotFound("endpoint") })
        .with_state(store)
}

async fn list_issues(
    State(store): State<Store>,
    query: Result<Query<IssueQuery>, QueryRejection>,
) -> Result<Json<IssuePage>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(store.list_issues(&query).await?))
}

async fn issue(State(store): State<Store>, Path(id): Path<String>) -> Result<Json<IssueDetail>, ApiError> {
    let id = issue_id(&id)?;
    store.issue(id).await?.map(Json).ok_or(ApiError::NotFound("issue"))
}

#[derive(Debug, Deserialize)]
struct Paging {
    limit: Option<u32>,
    offset: Option<u32>,
}

async fn events(
    State(store): State<Store>,
    Path(id): Path<String>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Result<Json<EventPage>, ApiError> {
    let id = issue_id(&id)?;
    let Query(paging) = paging.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let limit = paging.limit.unwrap_or(IssueQuery::DEFAULT_LIMIT).clamp(1, IssueQuery::MAX_LIMIT);
    if store.issue(id).await?.is_none() {
        return Err(ApiError::NotFound("issue"));
    }
    Ok(Json(store.events(id, limit, paging.offset.unwrap_or(0)).await?))
}

#[derive(Debug, Deserialize)]
struct StatusChange {
    status: Status,
}

async fn set_status(
    State(store): State<Store>,
    Path(id): Path<String>,
    change: Result<Json<StatusChange>, JsonRejection>,
) -> Result<Json<IssueDetail>, ApiError> {
    let id = issue_id(&id)?;
    let Json(change) = change.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if !store.set_status(id, change.status).await? {
        return Err(ApiError::NotFound("issue"));
    }
    store.issue(id).await?.map(Json).ok_or(ApiError::NotFound("issue"))
}

async fn trace(State(store): State<Store>, Path(trace_id): Path<String>) -> Result<Json<TraceDetail>, ApiError> {
    let id = parse_trace_id(&trace_id)
        .ok_or_else(|| ApiError::BadRequest(format!("`{trace_id}` is not a trace id (1 to 32 hex digits)")))?;
    store.trace(id).await?.map(Json).ok_or(ApiError::NotFound("trace"))
}

async fn stats(State(store): State<Store>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(store.stats().await?))
}

fn issue_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::BadRequest(format!("`{raw}` is not an issue id")))
}

/// Trace ids are shown as 32 hex digits; shorter hex (a 64-bit Datadog id) is accepted too.
fn parse_trace_id(raw: &str) -> Option<u128> {
    if raw.is_empty() || raw.len() > 32 {
        return None;
    }
    u128::from_str_radix(raw, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_ids_are_hex_up_to_128_bits() {
        assert_eq!(parse_trace_id("00000000000000000000000000000abc"), Some(0xabc));
        assert_eq!(parse_trace_id("ff"), Some(255));
        assert_eq!(parse_trace_id(""), None);
        assert_eq!(parse_trace_id("xyz"), None);
        assert_eq!(parse_trace_id(&"f".repeat(33)), None);
    }
}
