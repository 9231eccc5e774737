//! What admins do with accounts (roles, disabling, invitations) and what users do with their own
//! password. Shared by the JSON API and the settings pages' server functions.

use std::time::Duration;

use domain::access::{
    Caller, InviteLink, InviteRequest, InviteView, ManagedUser, PasswordChange, UserChange,
    UserView,
};
use domain::audit::AuditAction;

use super::throttle::{Attempt, ClientIp};
use super::{AuthError, MAX_NAME_CHARS, checked_email, ms, password, secret, truncate};
use crate::audit::{Actor, Origin, detail};
use crate::storage::{InviteAcceptance, NewInvite, Store, UserUpdate, unix_ms_now};

/// An invitation link works this long.
pub const INVITE_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

pub async fn users(store: &Store) -> Result<Vec<ManagedUser>, AuthError> {
    Ok(store.users().await?)
}

/// Changes a user's role or disabled flag; disabling ends their sessions at once (their tokens stop
/// working too: the access layer checks the owner).
pub async fn update_user(
    store: &Store,
    actor: &Actor,
    id: i64,
    change: UserChange,
) -> Result<ManagedUser, AuthError> {
    match store.update_user(id, change, &actor.by()).await? {
        UserUpdate::Updated(user) => Ok(user),
        UserUpdate::NotFound => Err(AuthError::NotFound("user")),
        UserUpdate::LastAdmin => Err(AuthError::LastAdmin),
    }
}

/// A new invitation for `request.email`: its link (shown once) under `base_url`, expiring after
/// [`INVITE_LIFETIME`].
pub async fn create_invite(
    store: &Store,
    admin: &Caller,
    actor: &Actor,
    request: &InviteRequest,
    base_url: &str,
) -> Result<InviteLink, AuthError> {
    let email = checked_email(&request.email)?;
    if store.user_credentials(&email).await?.is_some() {
        return Err(AuthError::Duplicate);
    }
    let token = secret::random_secret();
    let expires_at = unix_ms_now() + ms(INVITE_LIFETIME);
    let id = store
        .create_invite(&NewInvite {
            secret_hash: &secret::digest(&token),
            email: &email,
            role: request.role,
            invited_by: admin.user.id,
            expires_at,
        })
        .await?;
    actor
        .record(
            store,
            AuditAction::UserInvited,
            detail([
                ("invite", id.to_string()),
                ("email", email),
                ("role", request.role.to_string()),
            ]),
        )
        .await?;
    Ok(InviteLink {
        id,
        url: format!("{}/invite?token={token}", base_url.trim_end_matches('/')),
        expires_at,
    })
}

pub async fn invites(store: &Store) -> Result<Vec<InviteView>, AuthError> {
    Ok(store.invites().await?)
}

pub async fn delete_invite(store: &Store, id: i64) -> Result<(), AuthError> {
    if store.delete_invite(id).await? {
        Ok(())
    } else {
        Err(AuthError::NotFound("invitation"))
    }
}

/// Creates the invited user (the invitation's email and role, the name and password they chose) and
/// uses the invitation up; audited as the new user's, from `origin`.
pub async fn accept_invite(
    store: &Store,
    token: &str,
    display_name: &str,
    password: String,
    origin: &Origin,
) -> Result<UserView, AuthError> {
    let display_name = truncate(display_name.trim(), MAX_NAME_CHARS);
    if display_name.is_empty() {
        return Err(AuthError::Invalid("choose a display name".to_owned()));
    }
    let digest = secret::digest(token);
    // The form is public: a made-up link costs a lookup, not a password hash.
    if !store.invite_is_live(&digest).await? {
        return Err(invalid_invite());
    }
    let hash = password::hash(password).await?;
    match store.accept_invite(&digest, display_name, &hash).await? {
        InviteAcceptance::Created(user) => {
            super::record_created(store, &Actor::user(&user, origin.clone()), &user).await?;
            Ok(user)
        }
        InviteAcceptance::Invalid => Err(invalid_invite()),
        InviteAcceptance::EmailTaken => Err(AuthError::Duplicate),
    }
}

fn invalid_invite() -> AuthError {
    AuthError::Invalid(
        "this invitation is not valid: it was used, deleted or has expired; ask an admin for a new one"
            .to_owned(),
    )
}

/// Changes the caller's password after checking the current one, and ends their other sessions.
/// Wrong current passwords count towards the account's sign-in throttle, so a stolen session cannot
/// be used to guess it faster than the sign-in form could.
pub async fn change_password(
    store: &Store,
    caller: &Caller,
    actor: &Actor,
    change: PasswordChange,
) -> Result<(), AuthError> {
    let attempt = Attempt::new(&caller.user.email, ClientIp(None));
    if attempt.locked(store).await? {
        return Err(AuthError::Throttled);
    }
    let hash = store
        .user_credentials(&caller.user.email)
        .await?
        .and_then(|(_, hash)| hash);
    if !password::verify(change.current, hash).await {
        attempt.failed(store).await?;
        return Err(AuthError::WrongPassword);
    }
    let new_hash = password::hash(change.new).await?;
    store
        .set_password(caller.user.id, &new_hash, caller.session_id, &actor.by())
        .await?;
    Ok(())
}
