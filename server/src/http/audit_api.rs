//! `GET /api/v1/audit` (admins): the audit log, newest first, paged by `before` (the last entry id
//! of the previous page) and filtered by `user` (id) and `action`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use domain::access::{Access, Role};
use domain::audit::{AuditPage, AuditQuery};

use super::Guarded;
use super::error::ApiError;
use crate::storage::Store;

/// Routes relative to `/api/v1`.
pub fn routes(store: Store) -> Guarded {
    Guarded::new()
        .get("/audit", Access::Role(Role::Admin), audit_log)
        .with_state(store)
}

async fn audit_log(
    State(store): State<Store>,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditPage>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    Ok(Json(store.audit_log(&query).await?))
}
