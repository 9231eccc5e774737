//! Sign-in with OpenID Connect on the explorer port: `GET /auth/oidc/start?next=` sends the browser
//! to the provider (the flow in a short cookie), `GET /auth/oidc/callback` comes back with a code,
//! and ends signed in through the same session start as passwords, or at `/signin?error=` with why.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::Access;
use serde::Deserialize;

use super::Guarded;
use super::auth_api::{local_path, signed_in};
use crate::audit::Origin;
use crate::auth::oidc::{Flow, OidcError, clear_flow};
use crate::auth::{Auth, encode};

pub fn routes(auth: Auth) -> Guarded {
    Guarded::new()
        .get("/auth/oidc/start", Access::Public, start)
        .get("/auth/oidc/callback", Access::Public, callback)
        .with_state(auth)
}

#[derive(Deserialize)]
struct Start {
    #[serde(default)]
    next: String,
}

/// Back to the sign-in page with why; the server's own failures are logged, not shown.
fn refused(error: &OidcError) -> Response {
    if error.is_refusal() {
        tracing::info!(%error, "single sign-on refused");
    } else {
        tracing::error!(?error, "single sign-on failed");
    }
    Redirect::to(&format!("/signin?error={}", encode(&error.to_string()))).into_response()
}

async fn start(State(auth): State<Auth>, headers: HeaderMap, Query(q): Query<Start>) -> Response {
    let Some(oidc) = auth.oidc() else {
        return refused(&OidcError::NotConfigured);
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let redirect = format!("{}/auth/oidc/callback", auth.base_url(host));
    match oidc.start(&redirect, local_path(&q.next)).await {
        Ok(started) => {
            let mut response = Redirect::to(&started.url).into_response();
            if let Some(cookie) = started.flow.cookie(auth.public()) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => refused(&error),
    }
}

#[derive(Deserialize)]
struct Callback {
    code: Option<String>,
    state: Option<String>,
    /// The provider's refusal (`access_denied`, …), instead of a code.
    error: Option<String>,
}

async fn callback(
    State(auth): State<Auth>,
    origin: Origin,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    let mut response = match finish(&auth, &headers, q).await {
        Ok((user, next)) => signed_in(&auth, &user, &origin, &next).await,
        Err(error) => refused(&error),
    };
    // The flow is used once, whatever came of it.
    response
        .headers_mut()
        .append(header::SET_COOKIE, clear_flow(auth.public()));
    response
}

async fn finish(
    auth: &Auth,
    headers: &HeaderMap,
    q: Callback,
) -> Result<(domain::access::UserView, String), OidcError> {
    let oidc = auth.oidc().ok_or(OidcError::NotConfigured)?;
    if let Some(error) = q.error {
        return Err(OidcError::Provider(error));
    }
    let flow = Flow::from_request(headers).ok_or(OidcError::Flow)?;
    // A callback this browser did not start (a forged link) has another state.
    if q.state.as_deref() != Some(flow.state.as_str()) {
        return Err(OidcError::Flow);
    }
    let code = q.code.ok_or(OidcError::Flow)?;
    let user = oidc.finish(auth.store(), &flow, &code).await?;
    tracing::info!(user = user.id, "signed in through single sign-on");
    Ok((user, flow.next))
}
