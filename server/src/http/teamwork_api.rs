//! Assigning issues and commenting on them, under `/api/v1`: `PUT /issues/{id}/assignee`,
//! `POST /issues/{id}/comments`, `DELETE /issues/{id}/comments/{comment}`. Each is recorded as the
//! caller; the comments are read with the issue's activity.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use domain::access::{Access, Caller, Role};
use domain::teamwork::{AssigneeChange, Comment, NewComment};
use serde_json::{Value, json};

use super::Guarded;
use super::api::issue_id;
use super::error::ApiError;
use crate::storage::Store;
use crate::teamwork::author;

/// Routes relative to `/api/v1`, merged into the API router.
pub fn routes() -> Guarded<Store> {
    const MEMBER: Access = Access::Role(Role::Member);
    Guarded::new()
        .put("/issues/{id}/assignee", MEMBER, assign)
        .post("/issues/{id}/comments", MEMBER, comment)
        .delete("/issues/{id}/comments/{comment}", MEMBER, delete_comment)
}

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(t)| t)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// `{"assignee": UserRef | null}`.
async fn assign(
    State(store): State<Store>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    change: Result<Json<AssigneeChange>, JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let id = issue_id(&id)?;
    let change = body(change)?;
    let assignee = store
        .assign(id, change.user.as_ref(), &caller.user.email)
        .await?;
    Ok(Json(json!({ "assignee": assignee })))
}

async fn comment(
    State(store): State<Store>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    new: Result<Json<NewComment>, JsonRejection>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let id = issue_id(&id)?;
    let new = body(new)?;
    let comment = store.add_comment(id, caller.user.id, &new.body).await?;
    Ok((StatusCode::CREATED, Json(comment)))
}

async fn delete_comment(
    State(store): State<Store>,
    Extension(caller): Extension<Caller>,
    Path((id, comment)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = issue_id(&id)?;
    let comment = comment.parse().map_err(|_| ApiError::NotFound("comment"))?;
    store.delete_comment(id, comment, author(&caller)).await?;
    Ok(StatusCode::NO_CONTENT)
}
