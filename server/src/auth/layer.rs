//! The access layer of the explorer port: finds the caller (an `Authorization: Bearer sp_…` token, a
//! trusted reverse proxy's header ([`super::proxy`]) or the session cookie), refuses cross-site state changes, and checks the route's rule. Without a
//! caller the JSON endpoints answer `401 {"error"}` and pages redirect to sign in (or to the setup
//! page while no account exists). The caller goes into the request's extensions as a
//! [`domain::access::Caller`].

use axum::Json;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use domain::access::{Access, Caller};
use serde_json::json;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use super::{Auth, PublicUrl, Rules, cookie, encode};

/// Why a request was refused; one arm per answer.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("sign in, or send an API token as `Authorization: Bearer sp_…`")]
    Unauthenticated,
    #[error("the API token is not valid (unknown, revoked or expired)")]
    BadToken,
    #[error("this needs the {0} role")]
    Forbidden(&'static str),
    #[error("cross-site request refused")]
    CrossSite,
    #[error("this route has no access rule")]
    NoRule,
    #[error(
        "no enabled account has the email your sign-in proxy sent: ask an admin for an invitation"
    )]
    NoProxyAccount,
    #[error("database error")]
    Store,
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::BadToken => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) | Self::CrossSite | Self::NoRule | Self::NoProxyAccount => {
                StatusCode::FORBIDDEN
            }
            Self::Store => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status(), Json(json!({ "error": self.to_string() }))).into_response()
    }
}

enum Credentials<'h> {
    Bearer(&'h str),
    /// The email a trusted reverse proxy sent.
    Proxy(&'h str),
    Cookie(&'h str),
    None,
}

/// A bearer token first (scripts), then a trusted proxy's header (it speaks for whoever the proxy
/// signed in now, whatever cookie the browser still has), then the session cookie.
fn credentials<'h>(headers: &'h HeaderMap, peer: Option<IpAddr>, auth: &Auth) -> Credentials<'h> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if let Some(token) = bearer {
        return Credentials::Bearer(token.trim());
    }
    if let Some(email) = auth.proxy().and_then(|p| p.identity(headers, peer)) {
        return Credentials::Proxy(email);
    }
    match cookie::session_secret(headers, auth.public()) {
        Some(secret) => Credentials::Cookie(secret),
        None => Credentials::None,
    }
}

/// JSON endpoints and server functions answer 401/403; anything else is a page.
fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether a state-changing request may come from where the browser says it comes from:
/// `Sec-Fetch-Site` (modern browsers) must be `same-origin` or `none` (typed or bookmarked), and an
/// `Origin` must be the public URL's (or, without one, name the `Host` the request was sent to).
/// Requests with neither header are not from a browser page, so not a forgery.
pub fn same_origin(headers: &HeaderMap, public: &PublicUrl) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site"))
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    let Some(origin) = text(header::ORIGIN) else {
        return true;
    };
    match &public.origin {
        Some(expected) => origin.eq_ignore_ascii_case(expected),
        None => {
            let host = origin.split_once("://").map(|(_, host)| host);
            host.is_some_and(|host| {
                text(header::HOST).is_some_and(|h| h.eq_ignore_ascii_case(host))
            })
        }
    }
}

/// What the layer needs: the accounts and the route table.
#[derive(Clone)]
pub struct Gate {
    pub auth: Auth,
    pub rules: Arc<Rules>,
}

pub async fn guard(State(gate): State<Gate>, mut request: Request, next: Next) -> Response {
    let Gate { auth, rules } = gate;
    let path = request.uri().path().to_owned();
    let access = match request.extensions().get::<MatchedPath>() {
        // Unrouted: the fallbacks answer static assets and "not found", public either way.
        None => Access::Public,
        Some(matched) => match rules.get(request.method(), matched.as_str()) {
            Some(access) => access,
            None => {
                tracing::error!(method = %request.method(), route = matched.as_str(), "route without an access rule refused");
                return Refusal::NoRule.into_response();
            }
        },
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    // A proxy named someone without an account: anonymous, told why where a role is needed.
    let mut unknown_to_proxy = false;
    let (caller, bearer, stale_cookie) = match credentials(request.headers(), peer, &auth) {
        Credentials::Bearer(token) => match auth.token_caller(token).await {
            Ok(Some((caller, name))) => {
                // For the audit log: what the token's user did, they did with this token.
                request.extensions_mut().insert(name);
                (Some(caller), true, false)
            }
            Ok(None) => return Refusal::BadToken.into_response(),
            Err(error) => return store_failure(error),
        },
        // Proxied requests come from browsers: they get the cross-site check like cookies do.
        Credentials::Proxy(email) => match auth.proxy_caller(email).await {
            Ok(caller) => {
                unknown_to_proxy = caller.is_none();
                (caller, false, false)
            }
            Err(error) => return store_failure(error),
        },
        Credentials::Cookie(secret) => match auth.session_caller(secret).await {
            Ok(caller) => {
                let stale = caller.is_none();
                (caller, false, stale)
            }
            Err(error) => return store_failure(error),
        },
        Credentials::None => (None, false, false),
    };
    if !bearer && !is_safe(request.method()) && !same_origin(request.headers(), auth.public()) {
        tracing::debug!(%path, "cross-site request refused");
        return Refusal::CrossSite.into_response();
    }
    if !access.allows(caller.as_ref().map(|c| c.role)) {
        let refused = match (&caller, access) {
            (Some(_), Access::Role(role)) => refuse(&path, Refusal::Forbidden(role.as_str())),
            (None, _) if unknown_to_proxy => refuse(&path, Refusal::NoProxyAccount),
            _ => {
                let target = request
                    .uri()
                    .path_and_query()
                    .map_or("/", |pq| pq.as_str())
                    .to_owned();
                unauthenticated(&auth, &path, &target).await
            }
        };
        return with_cleared_cookie(refused, stale_cookie, auth.public());
    }
    if let Some(caller) = caller {
        request.extensions_mut().insert::<Caller>(caller);
    }
    with_cleared_cookie(next.run(request).await, stale_cookie, auth.public())
}

/// A refusal as JSON for the JSON endpoints, as text for pages.
fn refuse(path: &str, refusal: Refusal) -> Response {
    if is_api(path) {
        refusal.into_response()
    } else {
        (refusal.status(), refusal.to_string()).into_response()
    }
}

/// 401 for the JSON endpoints; pages go to sign in, or to the setup page while no account exists.
async fn unauthenticated(auth: &Auth, path: &str, target: &str) -> Response {
    if auth.setup().is_open() {
        match auth.store().user_count().await {
            Ok(0) if is_api(path) => {
                let body = json!({ "error": "no account exists yet: open the setup link in the server log" });
                return (StatusCode::UNAUTHORIZED, Json(body)).into_response();
            }
            Ok(0) => return Redirect::to("/setup").into_response(),
            Ok(_) => auth.setup().close(),
            Err(error) => return store_failure(error),
        }
    }
    if is_api(path) {
        return Refusal::Unauthenticated.into_response();
    }
    Redirect::to(&format!("/signin?next={}", encode(target))).into_response()
}

fn store_failure(error: crate::storage::StoreError) -> Response {
    tracing::error!(%error, "checking credentials failed");
    Refusal::Store.into_response()
}

/// A cookie naming no live session is removed, so the browser stops sending it.
fn with_cleared_cookie(mut response: Response, stale: bool, public: &PublicUrl) -> Response {
    if stale {
        response
            .headers_mut()
            .append(header::SET_COOKIE, cookie::clear(public));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn cross_site_requests_are_told_apart() {
        let public = PublicUrl::parse("https://errors.example.com").expect("url");
        let none = PublicUrl::default();
        let cases = [
            (&public, headers(&[]), true),
            (&public, headers(&[("sec-fetch-site", "same-origin")]), true),
            (&public, headers(&[("sec-fetch-site", "cross-site")]), false),
            (&public, headers(&[("sec-fetch-site", "same-site")]), false),
            (
                &public,
                headers(&[("origin", "https://errors.example.com")]),
                true,
            ),
            (
                &public,
                headers(&[("origin", "https://evil.example")]),
                false,
            ),
            (
                &none,
                headers(&[
                    ("origin", "http://127.0.0.1:3000"),
                    ("host", "127.0.0.1:3000"),
                ]),
                true,
            ),
            (
                &none,
                headers(&[
                    ("origin", "http://evil.example"),
                    ("host", "127.0.0.1:3000"),
                ]),
                false,
            ),
            (
                &none,
                headers(&[("origin", "null"), ("host", "127.0.0.1:3000")]),
                false,
            ),
        ];
        for (public, headers, allowed) in cases {
            assert_eq!(same_origin(&headers, public), allowed, "{headers:?}");
        }
    }
}
