//! Accounts through the real explorer app (`explorer_app`, every route behind the access layer), on
//! SQLite and a real PostgreSQL (`scripts/with-postgres.sh cargo test -p server --test accounts`):
//! invitations, the last-admin rule, disabled users, API tokens, password changes, the shared setup
//! link and sign-in throttling. Requests go through `oneshot`, so cookies and redirects are seen as a
//! browser would; the client address is set per request as the TCP listener would.

#[path = "support/store.rs"]
#[macro_use]
#[allow(dead_code)]
mod store;

use std::net::SocketAddr;
use std::path::Path;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use domain::access::Role;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use server::auth::setup::{Bootstrap, bootstrap};
use server::auth::{PublicUrl, SetupLink, create_token, create_user, secret};
use server::explorer::IntakeListen;
use server::serve::{Explorer, explorer_app};
use store::TestDb;
use tower::ServiceExt;

suite!(
    invitations_work_once_and_expire,
    the_last_enabled_admin_stays,
    disabled_users_lose_sessions_and_tokens,
    tokens_are_capped_listed_and_revoked,
    password_changes_end_other_sessions,
    any_instances_setup_link_creates_the_admin_once,
    sign_in_is_throttled_per_account_and_address,
    pages_and_server_functions_follow_the_roles,
);

const ADMIN: &str = "admin@example.test";
const PASSWORD: &str = "correct horse battery staple";
const HOME: &str = "203.0.113.1";

/// Who a request comes from.
#[derive(Clone, Copy)]
enum As<'a> {
    Nobody,
    Token(&'a str),
    /// A session cookie's secret.
    Session(&'a str),
}

struct Reply {
    status: StatusCode,
    location: Option<String>,
    /// The new session's secret, when the answer signs in.
    session: Option<String>,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// A form post's outcome: the redirect's target.
    fn redirect(&self) -> &str {
        assert_eq!(self.status, StatusCode::SEE_OTHER, "{}", self.body);
        self.location.as_deref().expect("Location")
    }
}

struct App {
    router: Router,
}

impl App {
    fn new(db: &TestDb, setup: SetupLink) -> Self {
        let router = explorer_app(
            db.store.clone(),
            &Explorer {
                site_root: Path::new("target/site"),
                addr: "127.0.0.1:3000".parse().expect("addr"),
                intake: IntakeListen::default(),
                github_api_url: "http://127.0.0.1:9",
                public: PublicUrl::default(),
                setup,
            },
        );
        Self { router }
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        who: As<'_>,
        from: &str,
        content_type: &str,
        body: String,
    ) -> Reply {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "127.0.0.1:3000");
        match who {
            As::Nobody => {}
            As::Token(token) => {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            As::Session(secret) => {
                request = request.header(header::COOKIE, format!("stackprint_session={secret}"));
            }
        }
        if !body.is_empty() {
            request = request.header(header::CONTENT_TYPE, content_type);
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
        let session = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.strip_prefix("stackprint_session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
            .find(|v| !v.is_empty());
        let bytes = response.into_body().collect().await.expect("body");
        Reply {
            status,
            location,
            session,
            body: String::from_utf8_lossy(&bytes.to_bytes()).into_owned(),
        }
    }

    async fn json(&self, method: &str, path: &str, who: As<'_>, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        self.send(method, path, who, HOME, "application/json", body)
            .await
    }

    async fn form(&self, path: &str, from: &str, fields: &[(&str, &str)]) -> Reply {
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
    async fn sign_in_from(&self, from: &str, email: &str, password: &str) -> Option<String> {
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

    async fn sign_in(&self, email: &str, password: &str) -> Option<String> {
        self.sign_in_from(HOME, email, password).await
    }

    /// `GET /api/v1/me`: the status, and the role it acts with when 200.
    async fn me(&self, who: As<'_>) -> (StatusCode, Option<String>) {
        let reply = self.json("GET", "/api/v1/me", who, None).await;
        let role = (reply.status == StatusCode::OK)
            .then(|| reply.json()["role"].as_str().expect("role").to_owned());
        (reply.status, role)
    }
}

/// An app whose database has one admin, made as `stackprint admin create` and `token create` do;
/// returns the admin's API token.
async fn with_admin(db: &TestDb) -> (App, String) {
    create_user(&db.store, ADMIN, "Ada", PASSWORD.to_owned(), Role::Admin)
        .await
        .expect("admin");
    let (token, _) = create_token(&db.store, ADMIN, "tests", Role::Admin, None)
        .await
        .expect("admin token");
    (App::new(db, SetupLink::closed()), token)
}

async fn add_user(db: &TestDb, email: &str, role: Role) -> i64 {
    create_user(&db.store, email, "", PASSWORD.to_owned(), role)
        .await
        .expect("user")
        .id
}

fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970");
    i64::try_from(since_epoch.as_millis()).expect("ms")
}

/// The secret of an invitation link.
fn link_token(url: &str) -> &str {
    url.split_once("/invite?token=").expect("invite link").1
}

async fn invitations_work_once_and_expire(db: &TestDb) {
    let (app, admin) = with_admin(db).await;
    let invite = |email: &'static str, role: &'static str| {
        let app = &app;
        let admin = admin.as_str();
        async move {
            app.json(
                "POST",
                "/api/v1/invites",
                As::Token(admin),
                Some(json!({"email": email, "role": role})),
            )
            .await
        }
    };
    let created = invite("Bea@Example.test", "member").await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    let url = created["url"].as_str().expect("url").to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:3000/invite?token="),
        "{url}"
    );
    let token = link_token(&url).to_owned();
    let week = 7 * 24 * 3600 * 1000;
    let expires_at = created["expires_at"].as_i64().expect("expires_at");
    assert!((expires_at - now_ms() - week).abs() < 60_000);

    let listed = app
        .json("GET", "/api/v1/invites", As::Token(&admin), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()[0]["email"], "bea@example.test");
    assert_eq!(listed.json()[0]["role"], "member");
    assert_eq!(listed.json()[0]["invited_by"], ADMIN);
    assert!(!listed.body.contains(&token), "a list never shows the link");

    // The page is public; the form creates the user with the invited email and role.
    let page = app
        .send(
            "GET",
            &format!("/invite?token={token}"),
            As::Nobody,
            HOME,
            "",
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let accepted = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Bea"),
                ("password", "a new password"),
            ],
        )
        .await;
    assert_eq!(accepted.redirect(), "/");
    let session = accepted.session.expect("signed in");
    assert_eq!(
        app.me(As::Session(&session)).await,
        (StatusCode::OK, Some("member".to_owned()))
    );
    assert!(
        app.sign_in("bea@example.test", "a new password")
            .await
            .is_some()
    );

    // Used: refused, and nothing signs in.
    let again = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Eve"),
                ("password", "another password"),
            ],
        )
        .await;
    assert!(
        again.redirect().starts_with("/invite?token="),
        "{}",
        again.redirect()
    );
    assert!(again.redirect().contains("error="));
    assert!(again.session.is_none());
    let listed = app
        .json("GET", "/api/v1/invites", As::Token(&admin), None)
        .await;
    assert_eq!(listed.json(), json!([]), "a used invitation is gone");

    // Expired: refused, and no account is made.
    let expired = invite("cy@example.test", "viewer").await.json();
    db.execute("UPDATE invites SET expires_at = 0").await;
    let token = link_token(expired["url"].as_str().expect("url")).to_owned();
    let late = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Cy"),
                ("password", "a new password"),
            ],
        )
        .await;
    assert!(late.redirect().contains("error="));
    assert!(
        app.sign_in("cy@example.test", "a new password")
            .await
            .is_none()
    );

    // Deleted: refused.
    let deleted = invite("di@example.test", "viewer").await.json();
    let id = deleted["id"].as_i64().expect("id");
    let gone = app
        .json(
            "DELETE",
            &format!("/api/v1/invites/{id}"),
            As::Token(&admin),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let token = link_token(deleted["url"].as_str().expect("url")).to_owned();
    let refused = app
        .form(
            "/auth/invite",
            HOME,
            &[
                ("token", &token),
                ("display_name", "Di"),
                ("password", "a new password"),
            ],
        )
        .await;
    assert!(refused.redirect().contains("error="));

    // An existing account's email, a bad role, and a member asking: refused.
    assert_eq!(
        invite("bea@example.test", "viewer").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        invite("x@example.test", "owner").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.json(
            "POST",
            "/api/v1/invites",
            As::Session(&session),
            Some(json!({"email": "x@example.test", "role": "viewer"})),
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

async fn the_last_enabled_admin_stays(db: &TestDb) {
    let (app, token) = with_admin(db).await;
    let users = app
        .json("GET", "/api/v1/users", As::Token(&token), None)
        .await;
    assert_eq!(users.status, StatusCode::OK);
    let ada = users.json()[0]["id"].as_i64().expect("id");
    assert!(
        !users.body.contains("argon2"),
        "no password hash in the list"
    );
    let change = |id: i64, body: Value| {
        let app = &app;
        let token = token.clone();
        async move {
            app.json(
                "PUT",
                &format!("/api/v1/users/{id}"),
                As::Token(&token),
                Some(body),
            )
            .await
        }
    };
    for body in [json!({"role": "member"}), json!({"disabled": true})] {
        let refused = change(ada, body).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused.json()["error"]
                .as_str()
                .expect("error")
                .contains("last enabled admin")
        );
    }
    assert_eq!(
        change(9999, json!({"role": "viewer"})).await.status,
        StatusCode::NOT_FOUND
    );

    // A second admin, disabled, does not count; enabled, it does.
    let bo = add_user(db, "bo@example.test", Role::Admin).await;
    assert_eq!(
        change(bo, json!({"disabled": true})).await.status,
        StatusCode::OK
    );
    assert_eq!(
        change(ada, json!({"role": "member"})).await.status,
        StatusCode::CONFLICT
    );
    let enabled = change(bo, json!({"disabled": false})).await;
    assert_eq!(enabled.json()["disabled"], false);
    let demoted = change(ada, json!({"role": "member"})).await;
    assert_eq!(demoted.status, StatusCode::OK);
    assert_eq!(demoted.json()["role"], "member");
    // Ada's admin token now acts as a member: users are out of reach, and Bo is the last admin.
    assert_eq!(
        app.json("GET", "/api/v1/users", As::Token(&token), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let bo_token = create_token(&db.store, "bo@example.test", "t", Role::Admin, None)
        .await
        .expect("token")
        .0;
    let refused = app
        .json(
            "PUT",
            &format!("/api/v1/users/{bo}"),
            As::Token(&bo_token),
            Some(json!({"role": "viewer"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
}

async fn disabled_users_lose_sessions_and_tokens(db: &TestDb) {
    let (app, admin) = with_admin(db).await;
    let mo = add_user(db, "mo@example.test", Role::Member).await;
    let session = app
        .sign_in("mo@example.test", PASSWORD)
        .await
        .expect("signed in");
    let token = create_token(&db.store, "mo@example.test", "ci", Role::Member, None)
        .await
        .expect("token")
        .0;
    assert_eq!(app.me(As::Session(&session)).await.0, StatusCode::OK);
    assert_eq!(app.me(As::Token(&token)).await.0, StatusCode::OK);

    let disabled = app
        .json(
            "PUT",
            &format!("/api/v1/users/{mo}"),
            As::Token(&admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK);
    assert_eq!(
        app.me(As::Session(&session)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.me(As::Token(&token)).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(db.rows("sessions").await, 0, "disabling ended the sessions");
    assert!(app.sign_in("mo@example.test", PASSWORD).await.is_none());

    // Enabled again: the token works again, the ended session does not come back.
    app.json(
        "PUT",
        &format!("/api/v1/users/{mo}"),
        As::Token(&admin),
        Some(json!({"disabled": false})),
    )
    .await;
    assert_eq!(app.me(As::Token(&token)).await.0, StatusCode::OK);
    assert_eq!(
        app.me(As::Session(&session)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn tokens_are_capped_listed_and_revoked(db: &TestDb) {
    let (app, _) = with_admin(db).await;
    add_user(db, "mo@example.test", Role::Member).await;
    add_user(db, "vi@example.test", Role::Viewer).await;
    let mo = app
        .sign_in("mo@example.test", PASSWORD)
        .await
        .expect("signed in");
    let vi = app
        .sign_in("vi@example.test", PASSWORD)
        .await
        .expect("signed in");
    let (mo, vi) = (mo.as_str(), vi.as_str());
    let make =
        async |who: As<'_>, body: Value| app.json("POST", "/api/v1/tokens", who, Some(body)).await;

    let above = make(As::Session(mo), json!({"name": "ci", "role": "admin"})).await;
    assert_eq!(above.status, StatusCode::BAD_REQUEST);
    assert!(above.body.contains("above"), "{}", above.body);
    let never = make(
        As::Session(mo),
        json!({"name": "ci", "role": "member", "expires_days": 0}),
    )
    .await;
    assert_eq!(never.status, StatusCode::BAD_REQUEST);
    let viewer = make(As::Session(vi), json!({"name": "ci", "role": "viewer"})).await;
    assert_eq!(
        viewer.status,
        StatusCode::FORBIDDEN,
        "viewers make no tokens"
    );

    let created = make(
        As::Session(mo),
        json!({"name": "deploys", "role": "member", "expires_days": 30}),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    let member_token = created["token"].as_str().expect("token").to_owned();
    assert!(member_token.starts_with("sp_"));
    assert!(member_token.starts_with(created["prefix"].as_str().expect("prefix")));
    assert_eq!(
        app.me(As::Token(&member_token)).await,
        (StatusCode::OK, Some("member".to_owned()))
    );

    // A token makes tokens only up to its own role.
    let low = make(As::Session(mo), json!({"name": "read", "role": "viewer"}))
        .await
        .json();
    let low_token = low["token"].as_str().expect("token");
    let from_low = make(As::Token(low_token), json!({"name": "x", "role": "viewer"})).await;
    assert_eq!(from_low.status, StatusCode::FORBIDDEN);

    let listed = app
        .json("GET", "/api/v1/tokens", As::Session(mo), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<String> = listed
        .json()
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_owned())
        .collect();
    assert_eq!(names, ["read", "deploys"]);
    assert!(
        !listed.body.contains(&member_token),
        "lists never show a token"
    );
    let others = app
        .json("GET", "/api/v1/tokens", As::Session(vi), None)
        .await;
    assert_eq!(others.json(), json!([]), "nobody sees another's tokens");

    let id = created["id"].as_i64().expect("id");
    let by_other = app
        .json(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            As::Session(vi),
            None,
        )
        .await;
    assert_eq!(by_other.status, StatusCode::NOT_FOUND);
    assert_eq!(app.me(As::Token(&member_token)).await.0, StatusCode::OK);
    let revoked = app
        .json(
            "DELETE",
            &format!("/api/v1/tokens/{id}"),
            As::Session(mo),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.me(As::Token(&member_token)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let listed = app
        .json("GET", "/api/v1/tokens", As::Session(mo), None)
        .await;
    assert_eq!(listed.json()[1]["revoked"], true);
}

async fn password_changes_end_other_sessions(db: &TestDb) {
    let (app, _) = with_admin(db).await;
    add_user(db, "mo@example.test", Role::Member).await;
    let here = app
        .sign_in("mo@example.test", PASSWORD)
        .await
        .expect("signed in");
    let there = app
        .sign_in("mo@example.test", PASSWORD)
        .await
        .expect("signed in");
    let change = |current: &str, new: &str| {
        let body = json!({"current": current, "new": new});
        let app = &app;
        let here = here.clone();
        async move {
            app.json("PUT", "/api/v1/me/password", As::Session(&here), Some(body))
                .await
        }
    };
    let wrong = change("not my password", "a brand new one").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        change(PASSWORD, "short").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.me(As::Session(&there)).await.0,
        StatusCode::OK,
        "nothing changed yet"
    );

    assert_eq!(
        change(PASSWORD, "a brand new one").await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.me(As::Session(&here)).await.0,
        StatusCode::OK,
        "this session stays"
    );
    assert_eq!(
        app.me(As::Session(&there)).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.sign_in("mo@example.test", PASSWORD).await.is_none());
    assert!(
        app.sign_in("mo@example.test", "a brand new one")
            .await
            .is_some()
    );
}

async fn any_instances_setup_link_creates_the_admin_once(db: &TestDb) {
    // This instance logs its own link; another instance behind the same URL logged `theirs`.
    let link = bootstrap(
        &db.store,
        &Bootstrap {
            base_url: "http://127.0.0.1:3000",
            ..Bootstrap::default()
        },
    )
    .await
    .expect("bootstrap");
    let theirs = "the-other-instances-secret";
    db.store
        .add_setup_secret(&secret::digest(theirs))
        .await
        .expect("secret");
    assert_eq!(db.rows("setup_secrets").await, 2);
    let app = App::new(db, link);
    let page = app
        .send("GET", "/", As::Nobody, HOME, "", String::new())
        .await;
    assert_eq!(
        page.location.as_deref(),
        Some("/setup"),
        "pages point to the setup"
    );

    let setup = |token: &'static str, email: &'static str| {
        let app = &app;
        async move {
            app.form(
                "/auth/setup",
                HOME,
                &[("token", token), ("email", email), ("password", PASSWORD)],
            )
            .await
        }
    };
    let wrong = setup("a-guess", "eve@example.test").await;
    assert!(wrong.redirect().contains("error="));
    let created = setup(theirs, ADMIN).await;
    assert_eq!(created.redirect(), "/settings");
    let session = created.session.expect("signed in");
    assert_eq!(
        app.me(As::Session(&session)).await,
        (StatusCode::OK, Some("admin".to_owned()))
    );
    assert_eq!(db.rows("setup_secrets").await, 0, "every link is gone");
    let again = setup(theirs, "eve@example.test").await;
    assert!(again.redirect().contains("error="));
    assert_eq!(db.rows("users").await, 1);

    // A link logged before the CLI made an account is forgotten at the next start.
    db.store
        .add_setup_secret(&secret::digest("stale"))
        .await
        .expect("secret");
    let restarted = bootstrap(&db.store, &Bootstrap::default())
        .await
        .expect("bootstrap");
    assert!(!restarted.is_open());
    assert_eq!(db.rows("setup_secrets").await, 0);
}

async fn sign_in_is_throttled_per_account_and_address(db: &TestDb) {
    let (app, _) = with_admin(db).await;
    add_user(db, "mo@example.test", Role::Member).await;
    add_user(db, "vi@example.test", Role::Viewer).await;
    let (elsewhere, guesser) = ("198.51.100.2", "198.51.100.66");

    // Ten wrong passwords for one account lock it, from anywhere, even with the right password.
    for _ in 0..server::auth::throttle::ACCOUNT_LIMIT {
        assert!(
            app.sign_in_from(guesser, "mo@example.test", "guess")
                .await
                .is_none()
        );
    }
    assert!(
        app.sign_in_from(elsewhere, "mo@example.test", PASSWORD)
            .await
            .is_none()
    );
    // Another account from the same address is not locked.
    assert!(
        app.sign_in_from(guesser, "vi@example.test", PASSWORD)
            .await
            .is_some()
    );

    // Fifty failures from one address lock it for every account, not other addresses.
    let more = server::auth::throttle::ADDRESS_LIMIT - server::auth::throttle::ACCOUNT_LIMIT;
    for n in 0..more {
        let email = format!("nobody{n}@example.test");
        assert!(app.sign_in_from(guesser, &email, "guess").await.is_none());
    }
    assert!(app.sign_in_from(guesser, ADMIN, PASSWORD).await.is_none());
    assert!(app.sign_in_from(elsewhere, ADMIN, PASSWORD).await.is_some());

    // A window later both locks are over.
    db.execute("UPDATE signin_failures SET at = at - 16 * 60 * 1000")
        .await;
    assert!(
        app.sign_in_from(guesser, "mo@example.test", PASSWORD)
            .await
            .is_some()
    );
    assert!(app.sign_in_from(guesser, ADMIN, PASSWORD).await.is_some());
}

async fn pages_and_server_functions_follow_the_roles(db: &TestDb) {
    let (app, admin) = with_admin(db).await;
    add_user(db, "mo@example.test", Role::Member).await;
    add_user(db, "vi@example.test", Role::Viewer).await;
    let member = create_token(&db.store, "mo@example.test", "t", Role::Member, None)
        .await
        .expect("token")
        .0;
    let viewer = create_token(&db.store, "vi@example.test", "t", Role::Viewer, None)
        .await
        .expect("token")
        .0;
    let page =
        async |path: &str, who: As<'_>| app.send("GET", path, who, HOME, "", String::new()).await;

    let users = page("/settings/users", As::Token(&admin)).await;
    assert_eq!(users.status, StatusCode::OK);
    assert!(
        users.body.contains("mo@example.test"),
        "the users are listed"
    );
    assert!(
        !users.body.contains("argon2"),
        "no password hash in the page"
    );
    assert_eq!(
        page("/settings/users", As::Token(&member)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        page("/settings/tokens", As::Token(&viewer)).await.status,
        StatusCode::OK
    );
    let index = page("/settings", As::Token(&viewer)).await;
    assert!(index.body.contains("/settings/tokens"));
    assert!(
        !index.body.contains("/settings/users"),
        "viewers are not shown the users page"
    );
    let index = page("/settings", As::Token(&admin)).await;
    assert!(index.body.contains("/settings/users"));

    // The tokens page's server functions: members make tokens, viewers cannot; the list and the
    // page never show one again.
    let call = async |endpoint: &str, who: As<'_>, body: Value| {
        app.json("POST", &format!("/api/ui/{endpoint}"), who, Some(body))
            .await
    };
    let request = json!({"request": {"name": "deploys", "role": "member"}});
    let made = call("me/tokens/create", As::Token(&member), request.clone()).await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let token = made.json()["token"].as_str().expect("token").to_owned();
    assert_eq!(app.me(As::Token(&token)).await.1.as_deref(), Some("member"));
    assert_eq!(
        call("me/tokens/create", As::Token(&viewer), request)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let listed = call("me/tokens", As::Token(&member), json!({})).await;
    assert!(listed.body.contains("deploys") && !listed.body.contains(&token));
    let tokens_page = page("/settings/tokens", As::Token(&member)).await;
    assert!(tokens_page.body.contains("deploys") && !tokens_page.body.contains(&token));

    // The users page's: only admins, and the last-admin rule holds there too.
    let ada = db.store.users().await.expect("users")[0].id;
    let demote = json!({"id": ada, "change": {"role": "viewer"}});
    let refused = call("users/update", As::Token(&admin), demote.clone()).await;
    assert_ne!(refused.status, StatusCode::OK);
    assert!(
        refused.body.contains("last enabled admin"),
        "{}",
        refused.body
    );
    assert_eq!(
        call("users/update", As::Token(&member), demote)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let invite = json!({"request": {"email": "new@example.test", "role": "viewer"}});
    let link = call("invites/create", As::Token(&admin), invite).await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    assert!(
        link.json()["url"]
            .as_str()
            .expect("url")
            .starts_with("http://127.0.0.1:3000/invite?token=")
    );
}
