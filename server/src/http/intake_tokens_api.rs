//! Intake tokens under `/api/v1/intake-tokens` (admins): list, create (the token answered once),
//! revoke. Revocation reaches every instance within [`crate::auth::intake_tokens::RECHECK_EVERY`].

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use domain::access::{Access, Caller, Role};
use domain::intake::{CreatedIntakeToken, IntakeTokenRequest, IntakeTokenView};

use super::Guarded;
use super::error::ApiError;
use crate::audit::Actor;
use crate::auth::intake_tokens;
use crate::storage::Store;

const ADMIN: Access = Access::Role(Role::Admin);

/// Routes relative to `/api/v1`, with their access rules.
pub fn routes(store: Store) -> Guarded {
    Guarded::new()
        .get("/intake-tokens", ADMIN, list)
        .post("/intake-tokens", ADMIN, create)
        .delete("/intake-tokens/{id}", ADMIN, revoke)
        .with_state(store)
}

async fn list(State(store): State<Store>) -> Result<Json<Vec<IntakeTokenView>>, ApiError> {
    Ok(Json(intake_tokens::list(&store).await?))
}

async fn create(
    State(store): State<Store>,
    Extension(caller): Extension<Caller>,
    actor: Actor,
    request: Result<Json<IntakeTokenRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedIntakeToken>), ApiError> {
    let Json(request) = request.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let created =
        intake_tokens::create(&store, &actor, &request.name, Some(caller.user.id)).await?;
    tracing::info!(
        admin = caller.user.id,
        id = created.id,
        "intake token created"
    );
    Ok((StatusCode::CREATED, Json(created)))
}

async fn revoke(
    State(store): State<Store>,
    Extension(caller): Extension<Caller>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = raw
        .parse()
        .map_err(|_| ApiError::NotFound("intake token"))?;
    intake_tokens::revoke(&store, &actor, id).await?;
    tracing::info!(admin = caller.user.id, id, "intake token revoked");
    Ok(StatusCode::NO_CONTENT)
}
