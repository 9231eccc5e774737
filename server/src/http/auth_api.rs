//! Sign-in, sign-out and first setup on the explorer port: HTML form posts answered with redirects,
//! so they work before (and without) the WASM. `GET /api/v1/me` ([`me`]) tells scripts who they are.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use domain::access::{Access, Caller, Role, UserView};
use serde::{Deserialize, Serialize};

use super::Guarded;
use crate::auth::{Auth, AuthError, cookie, encode};

/// One message for every failed sign-in: which part was wrong is not told.
const SIGNIN_FAILED: &str = "Wrong email or password.";

pub fn routes(auth: Auth) -> Guarded {
    Guarded::new()
        .post("/auth/signin", Access::Public, signin)
        .post("/auth/signout", Access::Public, signout)
        .post("/auth/setup", Access::Public, setup)
        .with_state(auth)
}

#[derive(Deserialize)]
struct SignIn {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// Where to go after sign-in: a path on this site only (never `//host` or a URL elsewhere).
fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

fn user_agent(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
}

async fn signed_in(auth: &Auth, user: &UserView, headers: &HeaderMap, to: &str) -> Response {
    match auth.start_session(user, user_agent(headers)).await {
        Ok(session) => {
            tracing::info!(user = user.id, "signed in");
            let mut response = Redirect::to(to).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                cookie::set(&session.secret, auth.public()),
            );
            response
        }
        Err(error) => {
            tracing::error!(%error, "starting a session failed");
            Redirect::to(&format!(
                "/signin?error={}",
                encode("Signing in failed; try again.")
            ))
            .into_response()
        }
    }
}

async fn signin(
    State(auth): State<Auth>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    let next = local_path(&form.next).to_owned();
    match auth.check_password(&form.email, form.password).await {
        Ok(Some(user)) => signed_in(&auth, &user, &headers, &next).await,
        Ok(None) => {
            tracing::debug!("sign-in refused");
            Redirect::to(&format!(
                "/signin?error={}&next={}",
                encode(SIGNIN_FAILED),
                encode(&next)
            ))
            .into_response()
        }
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            Redirect::to(&format!(
                "/signin?error={}",
                encode("Signing in failed; try again.")
            ))
            .into_response()
        }
    }
}

async fn signout(State(auth): State<Auth>, headers: HeaderMap) -> Response {
    if let Some(secret) = cookie::session_secret(&headers, auth.public())
        && let Err(error) = auth.end_session(secret).await
    {
        tracing::error!(%error, "ending a session failed");
    }
    let mut response = Redirect::to("/signin").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, cookie::clear(auth.public()));
    response
}

#[derive(Deserialize)]
struct Setup {
    token: String,
    email: String,
    #[serde(default)]
    display_name: String,
    password: String,
}

async fn setup(State(auth): State<Auth>, headers: HeaderMap, Form(form): Form<Setup>) -> Response {
    let created = auth
        .setup()
        .create_admin(
            auth.store(),
            &form.token,
            &form.email,
            &form.display_name,
            form.password,
        )
        .await;
    match created {
        Ok(admin) => {
            tracing::info!(email = %admin.email, "created the first admin through the setup link");
            signed_in(&auth, &admin, &headers, "/settings").await
        }
        Err(error) => {
            let reason = match &error {
                AuthError::Store(e) => {
                    tracing::error!(error = %e, "setup failed");
                    "Setup failed; try again.".to_owned()
                }
                other => other.to_string(),
            };
            Redirect::to(&format!(
                "/setup?token={}&error={}",
                encode(&form.token),
                encode(&reason)
            ))
            .into_response()
        }
    }
}

#[derive(Serialize)]
pub(super) struct Me {
    user: UserView,
    /// The role this request acts with (a token's, when lower than its owner's).
    role: Role,
    via: &'static str,
}

pub(super) async fn me(caller: axum::Extension<Caller>) -> Json<Me> {
    let axum::Extension(caller) = caller;
    Json(Me {
        via: if caller.session_id.is_some() {
            "session"
        } else {
            "token"
        },
        role: caller.role,
        user: caller.user,
    })
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn redirects_stay_on_the_site() {
        for (next, to) in [
            ("/issues/4?range=7d", "/issues/4?range=7d"),
            ("//evil.example/", "/"),
            ("/\\evil.example", "/"),
            ("https://evil.example", "/"),
            ("", "/"),
        ] {
            assert_eq!(local_path(next), to, "{next}");
        }
    }
}
