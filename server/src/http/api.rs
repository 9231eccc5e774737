//! The JSON API under `/api/v1`, used by the explorer UI, the tests and anyone scripting Stackprint.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use domain::access::{Access, Caller, Role};
use domain::explorer::{ActivityPage, BulkStatusChange, BulkStatusResult, StatusChange};
use domain::query::{EventPage, IssueDetail, IssuePage, IssueQuery, Stats, TraceDetail};
use serde::Deserialize;

use super::Guarded;
use super::error::ApiError;
use super::explorer_api::{self, QueryError, resolved_search};
use crate::storage::Store;

/// The longest `actor` accepted in a status change, in characters.
const MAX_ACTOR_CHARS: usize = 200;

const VIEWER: Access = Access::Role(Role::Viewer);
const MEMBER: Access = Access::Role(Role::Member);

/// Routes relative to `/api/v1`, where the caller nests them, with their access rules.
pub fn routes(store: Store) -> Guarded {
    Guarded::new()
        .get("/issues", VIEWER, list_issues)
        .get("/issues/{id}", VIEWER, issue)
        .get("/issues/{id}/events", VIEWER, events)
        .post("/issues/{id}/status", MEMBER, set_status)
        .post("/issues/status", MEMBER, set_statuses)
        .get("/issues/{id}/activity", VIEWER, activity)
        .get("/traces/{trace_id}", VIEWER, trace)
        .get("/stats", VIEWER, stats)
        .get("/me", VIEWER, super::auth_api::me)
        .merge(explorer_api::routes())
        .merge(super::merge_api::routes())
        .merge(super::teamwork_api::routes())
        .fallback(|| async { ApiError::NotFound("endpoint") })
        .with_state(store)
}

async fn list_issues(
    State(store): State<Store>,
    caller: Option<Extension<Caller>>,
    query: Result<Query<IssueQuery>, QueryRejection>,
) -> Result<Json<IssuePage>, QueryError> {
    let Query(mut query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    // The store reads the search from its text: it gets the resolved one.
    let search = resolved_search(&store, &query, caller.as_ref()).await?;
    query.search = Some(search.to_query_string());
    Ok(Json(store.list_issues(&query).await?))
}

async fn issue(
    State(store): State<Store>,
    Path(id): Path<String>,
) -> Result<Json<IssueDetail>, ApiError> {
    let id = issue_id(&id)?;
    store
        .issue(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("issue"))
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
    let limit = paging
        .limit
        .unwrap_or(IssueQuery::DEFAULT_LIMIT)
        .clamp(1, IssueQuery::MAX_LIMIT);
    if store.issue(id).await?.is_none() {
        return Err(ApiError::NotFound("issue"));
    }
    Ok(Json(
        store.events(id, limit, paging.offset.unwrap_or(0)).await?,
    ))
}

async fn set_status(
    State(store): State<Store>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
    change: Result<Json<StatusChange>, JsonRejection>,
) -> Result<Json<IssueDetail>, ApiError> {
    let id = issue_id(&id)?;
    let Json(change) = change.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let actor = actor(caller.as_ref(), change.actor.as_deref())?;
    let result = store.set_statuses(&[id], change.status, actor).await?;
    if result.updated.is_empty() {
        return Err(ApiError::NotFound("issue"));
    }
    store
        .issue(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("issue"))
}

async fn set_statuses(
    State(store): State<Store>,
    caller: Option<Extension<Caller>>,
    change: Result<Json<BulkStatusChange>, JsonRejection>,
) -> Result<Json<BulkStatusResult>, ApiError> {
    let Json(change) = change.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if change.ids.is_empty() || change.ids.len() > BulkStatusChange::MAX_IDS {
        return Err(ApiError::BadRequest(format!(
            "`ids` must list 1 to {} issue ids",
            BulkStatusChange::MAX_IDS
        )));
    }
    let actor = actor(caller.as_ref(), change.actor.as_deref())?;
    Ok(Json(
        store
            .set_statuses(&change.ids, change.status, actor)
            .await?,
    ))
}

async fn activity(
    State(store): State<Store>,
    Path(id): Path<String>,
) -> Result<Json<ActivityPage>, ApiError> {
    let id = issue_id(&id)?;
    store
        .activity(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("issue"))
}

/// Who a change is recorded as: the signed-in user (or the token's owner), by email. The free-text
/// `actor` is kept only where the access layer is not in front (handler tests).
pub(super) fn actor<'a>(
    caller: Option<&'a Extension<Caller>>,
    actor: Option<&'a str>,
) -> Result<Option<&'a str>, ApiError> {
    if let Some(Extension(caller)) = caller {
        return Ok(Some(caller.user.email.as_str()));
    }
    match actor {
        Some(a) if a.chars().count() > MAX_ACTOR_CHARS => Err(ApiError::BadRequest(format!(
            "`actor` is longer than {MAX_ACTOR_CHARS} characters"
        ))),
        _ => Ok(actor),
    }
}

async fn trace(
    State(store): State<Store>,
    Path(trace_id): Path<String>,
) -> Result<Json<TraceDetail>, ApiError> {
    let id = parse_trace_id(&trace_id).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "`{trace_id}` is not a trace id (1 to 32 hex digits)"
        ))
    })?;
    store
        .trace(id)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("trace"))
}

async fn stats(State(store): State<Store>) -> Result<Json<Stats>, ApiError> {
    Ok(Json(store.stats().await?))
}

pub(super) fn issue_id(raw: &str) -> Result<i64, ApiError> {
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
        assert_eq!(
            parse_trace_id("00000000000000000000000000000abc"),
            Some(0xabc)
        );
        assert_eq!(parse_trace_id("ff"), Some(255));
        assert_eq!(parse_trace_id(""), None);
        assert_eq!(parse_trace_id("xyz"), None);
        assert_eq!(parse_trace_id(&"f".repeat(33)), None);
    }
}
