//! Server functions of the signed-in user: who they are (the top bar, the settings index), their
//! browser sessions and password (the profile page) and their API tokens (the tokens page). Sign-in, sign-out and setup are HTML form posts to the
//! server's `/auth/…` routes, not server functions, so they work without the WASM.

use domain::access::{
    CreatedToken, PasswordChange, Role, SessionView, TokenRequest, TokenView, UserView,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::api::Snapshot;

#[cfg(feature = "ssr")]
use crate::api::ssr;

/// The signed-in user and the role this request acts with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIn {
    pub user: UserView,
    pub role: Role,
}

#[cfg(feature = "ssr")]
fn caller() -> Option<domain::access::Caller> {
    use_context::<domain::access::Caller>()
}

/// The caller of a server function the access layer lets only signed-in users reach.
#[cfg(feature = "ssr")]
pub(crate) fn signed_in() -> Result<domain::access::Caller, ServerFnError> {
    caller().ok_or_else(|| ServerFnError::new("Sign in first."))
}

/// `POST /api/ui/me`: who is signed in; `None` for nobody.
#[server(prefix = "/api/ui", endpoint = "me", input = Json)]
pub async fn me() -> Result<Option<SignedIn>, ServerFnError> {
    Ok(caller().map(|c| SignedIn {
        user: c.user,
        role: c.role,
    }))
}

/// `POST /api/ui/signin/options`: the single sign-on provider's name, when one is configured.
#[server(prefix = "/api/ui", endpoint = "signin/options", input = Json)]
pub async fn single_sign_on() -> Result<Option<String>, ServerFnError> {
    Ok(ssr::backend()?.0.single_sign_on())
}

/// `POST /api/ui/me/sessions`: the signed-in user's live sessions, newest first.
#[server(prefix = "/api/ui", endpoint = "me/sessions", input = Json)]
pub async fn my_sessions() -> Result<Snapshot<Vec<SessionView>>, ServerFnError> {
    let caller = signed_in()?;
    let data = ssr::backend()?
        .0
        .sessions(caller.user.id, caller.session_id)
        .await
        .map_err(|e| ssr::failed("list your sessions", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

/// `POST /api/ui/me/sessions/end`: ends one of the signed-in user's sessions; `false` when they have
/// none with that id.
#[server(prefix = "/api/ui", endpoint = "me/sessions/end", input = Json)]
pub async fn end_my_session(id: i64) -> Result<bool, ServerFnError> {
    let caller = signed_in()?;
    ssr::backend()?
        .0
        .end_session(caller.user.id, id)
        .await
        .map_err(|e| ssr::failed("end the session", e))
}

/// `POST /api/ui/me/password`: changes the signed-in user's password (the current one is checked)
/// and ends their other sessions.
#[server(prefix = "/api/ui", endpoint = "me/password", input = Json)]
pub async fn change_my_password(change: PasswordChange) -> Result<(), ServerFnError> {
    let caller = signed_in()?;
    ssr::backend()?
        .0
        .change_password(caller, change)
        .await
        .map_err(|e| ssr::failed("change your password", e))
}

/// `POST /api/ui/me/tokens`: the signed-in user's API tokens, newest first.
#[server(prefix = "/api/ui", endpoint = "me/tokens", input = Json)]
pub async fn my_tokens() -> Result<Snapshot<Vec<TokenView>>, ServerFnError> {
    let caller = signed_in()?;
    let data = ssr::backend()?
        .0
        .tokens(caller)
        .await
        .map_err(|e| ssr::failed("list your tokens", e))?;
    Ok(Snapshot {
        now: ssr::now(),
        data,
    })
}

/// `POST /api/ui/me/tokens/create`: a new API token of the signed-in user's, returned once.
#[server(prefix = "/api/ui", endpoint = "me/tokens/create", input = Json)]
pub async fn create_my_token(request: TokenRequest) -> Result<CreatedToken, ServerFnError> {
    let caller = signed_in()?;
    ssr::backend()?
        .0
        .create_token(caller, request)
        .await
        .map_err(|e| ssr::failed("create the token", e))
}

/// `POST /api/ui/me/tokens/revoke`: revokes one of the signed-in user's tokens.
#[server(prefix = "/api/ui", endpoint = "me/tokens/revoke", input = Json)]
pub async fn revoke_my_token(id: i64) -> Result<(), ServerFnError> {
    let caller = signed_in()?;
    ssr::backend()?
        .0
        .revoke_token(caller, id)
        .await
        .map_err(|e| ssr::failed("revoke the token", e))
}
