//! The explorer app on a test database, called through `oneshot` so cookies and redirects are seen as
//! a browser would; the client address is set per request as the TCP listener would.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use domain::access::Role;
use http_body_util::BodyExt;
use serde_json::Value;
use server::audit::Actor;
use server::auth::{PublicUrl, SetupLink, SignInWays, create_token, create_user};
use server::explorer::IntakeListen;
use server::pipeline::RuleBook;
use server::serve::{Explorer, explorer_app};
use server::site::Site;
use tower::ServiceExt;

use super::store::TestDb;

pub const ADMIN: &str = "admin@example.test";
pub const PASSWORD: &str = "correct horse battery staple";
pub const HOME: &str = "203.0.113.1";

/// Who a request comes from.
#[derive(Clone, Copy)]
pub enum As<'a> {
    Nobody,
    Token(&'a str),
    /// A session cookie's secret.
    Session(&'a str),
    /// The email a reverse proxy sends in [`PROXY_HEADER`].
    Proxy(&'a str),
}

/// The sign-in header the proxy tests configure.
pub const PROXY_HEADER: &str = "X-Forwarded-Email";

pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    /// The new session's secret, when the answer signs in.
    pub session: Option<String>,
    /// Every `Set-Cookie` of the answer.
    pub cookies: Vec<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// A form post's outcome: the redirect's target.
    pub fn redirect(&self) -> &str {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        self.location.as_deref().expect("Location")
    }
}

pub struct App {
    router: Router,
}

impl App {
    pub fn new(db: &TestDb, setup: SetupLink) -> Self {
        Self::signing_in(db, setup, SignInWays::default())
    }

    /// The app with other ways to sign in: a proxy's [`PROXY_HEADER`], OpenID Connect.
    pub fn signing_in(db: &TestDb, setup: SetupLink, sign_in: SignInWays) -> Self {
        let router = explorer_app(
            db.store.clone(),
            &Explorer {
                site: Site::Disk(PathBuf::from("target/site")),
                addr: "127.0.0.1:3000".parse().expect("addr"),
                intake: IntakeListen::default(),
                github_api_url: "http://127.0.0.1:9",
                public: PublicUrl::default(),
                setup,
                rules: RuleBook::default(),
                sign_in,
            },
        );
        Self { router }
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        who: As<'_>,
        from: &str,
        content_type: &str,
        body: String,
    ) -> Reply {
        self.send_with(
            method,
            path,
            who,
            from,
            &[("Content-Type", content_type)],
            body,
        )
        .await
    }

    /// [`App::send`] with any headers (`Content-Type` among them when there is a body).
    pub async fn send_with(
        &self,
        method: &str,
        path: &str,
        who: As<'_>,
        from: &str,
        headers: &[(&str, &str)],
        body: String,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000");
        for (name, value) in headers {
            if body.is_empty() && name.eq_ignore_ascii_case("content-type") {
                continue;
            }
            request = request.header(*name, *value);
        }
        match who {
            As::Nobody => {}
            As::Token(token) => {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            As::Session(secret) => {
                request = request.header(header::COOKIE, format!("stackprint_session={secret}"));
            }
            As::Proxy(email) => request = request.header(PROXY_HEADER, email),
        }
        let mut request = request.body(Body::from(body)).expect("request");
        let peer: SocketAddr = format!("{from}:40000").parse().expect("peer");
        request.extensions_mut().insert(ConnectInfo(peer));
        let response = self.router.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().expect("ascii").to_owned());
        let cookies: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| Some(v.to_str().ok()?.to_owned()))
            .collect();
        let session = cookies
            .iter()
            .filter_map(|v| v.strip_prefix("stackprint_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .find(|v| !v.is_empty());
        let bytes = response.into_body().collect().await.expect("body");
        Reply {
            status,
            location,
            session,
            cookies,
            body: String::from_utf8_lossy(&bytes.to_bytes()).into_owned(),
        }
    }

    pub async fn json(&self, method: &str, path: &str, who: As<'_>, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(method, path, who, HOME, "application/json", body)
            .await
    }

    pub async fn form(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.send(
            "POST",
            path,
            As::Nobody,
            from,
            "application/x-www-form-urlencoded",
            body,
        )
        .await
    }

    /// Signs in from `from`; the session's secret, or `None` when refused.
    pub async fn sign_in_from(&self, from: &str, email: &str, password: &str) -> Option<String> {
        let reply = self
            .form(
                "/auth/signin",
                from,
                &[("email", email), ("password", password), ("next", "/")],
            )
            .await;
        match reply.redirect() {
            "/" => Some(reply.session.expect("a session cookie")),
            refused => {
                assert!(refused.starts_with("/signin?error="), "{refused}");
                assert!(reply.session.is_none());
                None
            }
        }
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Option<String> {
        self.sign_in_from(HOME, email, password).await
    }

    /// `GET /api/v1/me`: the status, and the role it acts with when 200.
    pub async fn me(&self, who: As<'_>) -> (StatusCode, Option<String>) {
        let reply = self.json("GET", "/api/v1/me", who, None).await;
        let role = (reply.status == StatusCode::OK)
            .then(|| reply.json()["role"].as_str().expect("role").to_owned());
        (reply.status, role)
    }
}

/// An app whose database has one admin, made as `stackprint admin create` and `token create` do;
/// returns the admin's API token.
pub async fn with_admin(db: &TestDb) -> (App, String) {
    create_user(
        &db.store,
        ADMIN,
        "Ada",
        PASSWORD.to_owned(),
        Role::Admin,
        &Actor::cli(),
    )
    .await
    .expect("admin");
    let (token, _) = create_token(&db.store, &Actor::cli(), ADMIN, "tests", Role::Admin, None)
        .await
        .expect("admin token");
    (App::new(db, SetupLink::closed()), token)
}

pub async fn add_user(db: &TestDb, email: &str, role: Role) -> i64 {
    create_user(
        &db.store,
        email,
        "",
        PASSWORD.to_owned(),
        role,
        &Actor::cli(),
    )
    .await
    .expect("user")
    .id
}

pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since_epoch.as_millis()).expect("ms")
}

/// The secret of an invitation link.
pub fn link_token(url: &str) -> &str {
    url.split_once("/invite?token=").expect("invite link").1
}
