//! API tokens (`sp_…`): made by the CLI for a user by email, or by signed-in users for themselves.
//! Either way the token is returned once and only its SHA-256 is stored; its role is never above
//! what its maker acts with.

use domain::access::{Caller, CreatedToken, Role, TokenRequest, TokenView};
use domain::audit::AuditAction;

use super::{AuthError, secret};
use crate::audit::{Actor, detail};
use crate::storage::{NewToken, Store, unix_ms_now};

/// The longest lifetime a token can be given, in days (ten years).
pub const MAX_EXPIRES_DAYS: u32 = 3650;
const DAY_MS: i64 = 24 * 3600 * 1000;

/// Stores a new token for `owner_id`, refusing a role above `cap`; audited as `actor`'s.
async fn issue(
    store: &Store,
    actor: &Actor,
    (owner_id, cap): (i64, Role),
    name: &str,
    role: Role,
    expires_at: Option<i64>,
) -> Result<CreatedToken, AuthError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AuthError::Invalid(
            "the token name must have 1 to 100 characters".to_owned(),
        ));
    }
    if role > cap {
        return Err(AuthError::Invalid(format!(
            "a token's role cannot be above its maker's ({cap})"
        )));
    }
    let (token, prefix) = secret::new_api_token();
    let id = store
        .create_token(&NewToken {
            user_id: owner_id,
            name,
            prefix: &prefix,
            token_hash: &secret::digest(&token),
            role,
            expires_at,
        })
        .await?;
    actor
        .record(
            store,
            AuditAction::TokenCreated,
            detail([
                ("token", id.to_string()),
                ("owner", owner_id.to_string()),
                ("name", name.to_owned()),
                ("role", role.to_string()),
            ]),
        )
        .await?;
    Ok(CreatedToken {
        id,
        token,
        prefix,
        role,
        expires_at,
    })
}

/// A new API token for the user with `email` (the CLI): the token (shown once) and its role, capped
/// at the user's.
pub async fn create_token(
    store: &Store,
    actor: &Actor,
    email: &str,
    name: &str,
    role: Role,
    expires_at: Option<i64>,
) -> Result<(String, Role), AuthError> {
    let Some((owner, _)) = store.user_credentials(email.trim()).await? else {
        return Err(AuthError::UnknownUser);
    };
    let created = issue(
        store,
        actor,
        (owner.user.id, owner.user.role),
        name,
        role,
        expires_at,
    )
    .await?;
    Ok((created.token, created.role))
}

/// A new API token of the caller's, with a role up to the one this request acts with (a member's
/// token cannot make an admin's).
pub async fn create_own_token(
    store: &Store,
    caller: &Caller,
    actor: &Actor,
    request: &TokenRequest,
) -> Result<CreatedToken, AuthError> {
    let expires_at = match request.expires_days {
        None => None,
        Some(days @ 1..=MAX_EXPIRES_DAYS) => Some(unix_ms_now() + i64::from(days) * DAY_MS),
        Some(_) => {
            return Err(AuthError::Invalid(format!(
                "`expires_days` must be 1 to {MAX_EXPIRES_DAYS}"
            )));
        }
    };
    issue(
        store,
        actor,
        (caller.user.id, caller.role),
        &request.name,
        request.role,
        expires_at,
    )
    .await
}

/// The caller's tokens, newest first, revoked ones included.
pub async fn own_tokens(store: &Store, caller: &Caller) -> Result<Vec<TokenView>, AuthError> {
    Ok(store.user_tokens(caller.user.id).await?)
}

/// Revokes one of the caller's tokens.
pub async fn revoke_own_token(
    store: &Store,
    caller: &Caller,
    actor: &Actor,
    id: i64,
) -> Result<(), AuthError> {
    if store.revoke_token(caller.user.id, id).await? {
        let what = detail([("token", id.to_string())]);
        Ok(actor.record(store, AuditAction::TokenRevoked, what).await?)
    } else {
        Err(AuthError::NotFound("token"))
    }
}
