//! Sign-in, sign-out, first setup and accepting an invitation on the explorer port: HTML form posts
//! answered with redirects, so they work before (and without) the WASM. Sign-in is throttled
//! ([`crate::auth::throttle`]). `GET /api/v1/me` ([`me`]) tells scripts who they are.

use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use domain::access::{Access, Caller, Role, UserView};
use domain::audit::AuditActor;
use serde::{Deserialize, Serialize};

use super::Guarded;
use crate::audit::{Actor, Origin};
use crate::auth::{Auth, AuthError, accounts, cookie, encode};

/// One message for every failed sign-in: which part was wrong is not told.
const SIGNIN_FAILED: &str = "Wrong email or password.";

pub fn routes(auth: Auth) -> Guarded {
    Guarded::new()
        .post("/auth/signin", Access::Public, signin)
        .post("/auth/signout", Access::Public, signout)
        .post("/auth/setup", Access::Public, setup)
        .post("/auth/invite", Access::Public, accept_invite)
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
pub(super) fn local_path(next: &str) -> &str {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") {
        next
    } else {
        "/"
    }
}

/// Starts a session for `user` (every way of signing in ends here) and goes to `to`.
pub(super) async fn signed_in(auth: &Auth, user: &UserView, origin: &Origin, to: &str) -> Response {
    match auth.start_session(user, origin).await {
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

async fn signin(State(auth): State<Auth>, origin: Origin, Form(form): Form<SignIn>) -> Response {
    let next = local_path(&form.next).to_owned();
    match auth
        .password_sign_in(&form.email, form.password, &origin)
        .await
    {
        Ok(Some(user)) => signed_in(&auth, &user, &origin, &next).await,
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

async fn signout(State(auth): State<Auth>, origin: Origin, headers: HeaderMap) -> Response {
    if let Some(secret) = cookie::session_secret(&headers, auth.public())
        && let Err(error) = auth.end_session(secret, &origin).await
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

async fn setup(State(auth): State<Auth>, origin: Origin, Form(form): Form<Setup>) -> Response {
    let actor = Actor::new(AuditActor::Anonymous, origin.clone());
    let created = auth
        .setup()
        .create_admin(
            auth.store(),
            &form.token,
            &form.email,
            &form.display_name,
            form.password,
            &actor,
        )
        .await;
    match created {
        Ok(admin) => {
            tracing::info!(email = %admin.email, "created the first admin through the setup link");
            signed_in(&auth, &admin, &origin, "/settings").await
        }
        Err(error) => {
            let reason = reason(&error, "setup");
            Redirect::to(&format!(
                "/setup?token={}&error={}",
                encode(&form.token),
                encode(&reason)
            ))
            .into_response()
        }
    }
}

/// What a refused form is told: the refusal itself, or (the server's fault, logged) a generic line.
fn reason(error: &AuthError, what: &str) -> String {
    if error.is_refusal() {
        error.to_string()
    } else {
        tracing::error!(%error, "{what} failed");
        "That failed; try again.".to_owned()
    }
}

#[derive(Deserialize)]
struct AcceptInvite {
    token: String,
    display_name: String,
    password: String,
}

/// Creates the invited user and signs them in; a refusal goes back to the invitation page with why.
async fn accept_invite(
    State(auth): State<Auth>,
    origin: Origin,
    Form(form): Form<AcceptInvite>,
) -> Response {
    let accepted = accounts::accept_invite(
        auth.store(),
        &form.token,
        &form.display_name,
        form.password,
        &origin,
    );
    match accepted.await {
        Ok(user) => {
            tracing::info!(user = user.id, role = %user.role, "invitation accepted");
            signed_in(&auth, &user, &origin, "/").await
        }
        Err(error) => Redirect::to(&format!(
            "/invite?token={}&error={}",
            encode(&form.token),
            encode(&reason(&error, "accepting an invitation"))
        ))
        .into_response(),
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
