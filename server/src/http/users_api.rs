//! Accounts under `/api/v1`: users and invitations (admins), one's own API tokens and password.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::{Extension, Json};
use domain::access::{
    Access, Caller, CreatedToken, InviteLink, InviteRequest, InviteView, ManagedUser,
    PasswordChange, Role, TokenRequest, TokenView, UserChange,
};

use super::Guarded;
use super::error::ApiError;
use crate::audit::Actor;
use crate::auth::{Auth, accounts, tokens};

const VIEWER: Access = Access::Role(Role::Viewer);
const MEMBER: Access = Access::Role(Role::Member);
const ADMIN: Access = Access::Role(Role::Admin);

/// Routes relative to `/api/v1`, with their access rules.
pub fn routes(auth: Auth) -> Guarded {
    Guarded::new()
        .get("/users", ADMIN, list_users)
        .put("/users/{id}", ADMIN, update_user)
        .get("/invites", ADMIN, list_invites)
        .post("/invites", ADMIN, create_invite)
        .delete("/invites/{id}", ADMIN, delete_invite)
        // Anyone may see and revoke their own tokens (a viewer's may come from the CLI); making one
        // is for members and admins.
        .get("/tokens", VIEWER, list_tokens)
        .post("/tokens", MEMBER, create_token)
        .delete("/tokens/{id}", VIEWER, revoke_token)
        .put("/me/password", VIEWER, change_password)
        .with_state(auth)
}

fn body<T>(json: Result<Json<T>, JsonRejection>) -> Result<T, ApiError> {
    json.map(|Json(t)| t)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

fn id(raw: &str, what: &'static str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound(what))
}

async fn list_users(State(auth): State<Auth>) -> Result<Json<Vec<ManagedUser>>, ApiError> {
    Ok(Json(accounts::users(auth.store()).await?))
}

async fn update_user(
    State(auth): State<Auth>,
    actor: Actor,
    Path(raw): Path<String>,
    change: Result<Json<UserChange>, JsonRejection>,
) -> Result<Json<ManagedUser>, ApiError> {
    let id = id(&raw, "user")?;
    let change = body(change)?;
    Ok(Json(
        accounts::update_user(auth.store(), &actor, id, change).await?,
    ))
}

async fn list_invites(State(auth): State<Auth>) -> Result<Json<Vec<InviteView>>, ApiError> {
    Ok(Json(accounts::invites(auth.store()).await?))
}

async fn create_invite(
    State(auth): State<Auth>,
    Extension(caller): Extension<Caller>,
    actor: Actor,
    headers: HeaderMap,
    request: Result<Json<InviteRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<InviteLink>), ApiError> {
    let request = body(request)?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let base = auth.base_url(host);
    let link = accounts::create_invite(auth.store(), &caller, &actor, &request, &base).await?;
    tracing::info!(admin = caller.user.id, role = %request.role, "invitation created");
    Ok((StatusCode::CREATED, Json(link)))
}

async fn delete_invite(
    State(auth): State<Auth>,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    accounts::delete_invite(auth.store(), id(&raw, "invitation")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_tokens(
    State(auth): State<Auth>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<TokenView>>, ApiError> {
    Ok(Json(tokens::own_tokens(auth.store(), &caller).await?))
}

async fn create_token(
    State(auth): State<Auth>,
    Extension(caller): Extension<Caller>,
    actor: Actor,
    request: Result<Json<TokenRequest>, JsonRejection>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let request = body(request)?;
    let created = tokens::create_own_token(auth.store(), &caller, &actor, &request).await?;
    tracing::info!(user = caller.user.id, role = %created.role, "API token created");
    Ok((StatusCode::CREATED, Json(created)))
}

async fn revoke_token(
    State(auth): State<Auth>,
    Extension(caller): Extension<Caller>,
    actor: Actor,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    tokens::revoke_own_token(auth.store(), &caller, &actor, id(&raw, "token")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn change_password(
    State(auth): State<Auth>,
    Extension(caller): Extension<Caller>,
    actor: Actor,
    change: Result<Json<PasswordChange>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    accounts::change_password(auth.store(), &caller, &actor, body(change)?).await?;
    tracing::info!(user = caller.user.id, "password changed");
    Ok(StatusCode::NO_CONTENT)
}
