//! Server functions of the signed-in user: who they are (the top bar, the settings index) and their
//! browser sessions (the profile page). Sign-in, sign-out and setup are HTML form posts to the
//! server's `/auth/…` routes, not server functions, so they work without the WASM.

use domain::access::{Role, SessionView, UserView};
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

/// `POST /api/ui/me`: who is signed in; `None` for nobody.
#[server(prefix = "/api/ui", endpoint = "me", input = Json)]
pub async fn me() -> Result<Option<SignedIn>, ServerFnError> {
    Ok(caller().map(|c| SignedIn {
        user: c.user,
        role: c.role,
    }))
}

/// `POST /api/ui/me/sessions`: the signed-in user's live sessions, newest first.
#[server(prefix = "/api/ui", endpoint = "me/sessions", input = Json)]
pub async fn my_sessions() -> Result<Snapshot<Vec<SessionView>>, ServerFnError> {
    let caller = caller().ok_or_else(|| ServerFnError::new("Sign in first."))?;
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
    let caller = caller().ok_or_else(|| ServerFnError::new("Sign in first."))?;
    ssr::backend()?
        .0
        .end_session(caller.user.id, id)
        .await
        .map_err(|e| ssr::failed("end the session", e))
}
