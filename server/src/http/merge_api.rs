//! Merging issues (`POST /issues/merge`) and undoing it (`POST /issues/{id}/unmerge`), under
//! `/api/v1`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::{Extension, Json};
use domain::access::{Access, Caller, Role};
use domain::explorer::{MergeRequest, MergeResult, UnmergeRequest};
use serde_json::{Value, json};

use super::Guarded;
use super::api::{actor, issue_id};
use super::error::ApiError;
use crate::storage::Store;

/// Routes relative to `/api/v1`, merged into the API router.
pub fn routes() -> Guarded<Store> {
    const MEMBER: Access = Access::Role(Role::Member);
    Guarded::new().post("/issues/merge", MEMBER, merge).post(
        "/issues/{id}/unmerge",
        MEMBER,
        unmerge,
    )
}

async fn merge(
    State(store): State<Store>,
    caller: Option<Extension<Caller>>,
    request: Result<Json<MergeRequest>, JsonRejection>,
) -> Result<Json<MergeResult>, ApiError> {
    let Json(request) = request.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    if request.issues.is_empty() || request.issues.len() > MergeRequest::MAX_ISSUES {
        return Err(ApiError::BadRequest(format!(
            "`issues` must list 1 to {} issue ids",
            MergeRequest::MAX_ISSUES
        )));
    }
    let actor = actor(caller.as_ref(), request.actor.as_deref())?;
    Ok(Json(
        store.merge(request.into, &request.issues, actor).await?,
    ))
}

/// The body is optional: an unmerge without one is `anonymous`'s.
async fn unmerge(
    State(store): State<Store>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
    request: Result<Json<UnmergeRequest>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = issue_id(&id)?;
    let request = match request {
        Ok(Json(request)) => request,
        Err(JsonRejection::MissingJsonContentType(_)) => UnmergeRequest::default(),
        Err(e) => return Err(ApiError::BadRequest(e.body_text())),
    };
    let actor = actor(caller.as_ref(), request.actor.as_deref())?;
    let from = store.unmerge(id, actor).await?;
    Ok(Json(json!({ "issue": id, "unmerged_from": from })))
}
