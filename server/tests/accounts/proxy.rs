//! Sign-in by a trusted reverse proxy's header: believed from `--auth-proxy-trusted` peers only,
//! existing enabled users only unless told to create them, and still under the cross-site check.

use axum::http::StatusCode;
use domain::access::{Role, UserChange};
use server::auth::{ProxyAuth, SetupLink, SignInWays};

use super::app::{ADMIN, App, As, HOME, PASSWORD, add_user};
use super::store::TestDb;

/// The proxy's address; [`HOME`] (the tests' usual client) is outside the trusted network.
const PROXY: &str = "198.51.100.7";

fn proxy(create_users: Option<Role>) -> ProxyAuth {
    let trusted = "198.51.100.0/24".parse().expect("networks");
    ProxyAuth::new("X-Forwarded-Email", trusted, create_users).expect("proxy config")
}

fn behind_proxy(db: &TestDb, proxy: ProxyAuth) -> App {
    let ways = SignInWays {
        proxy: Some(proxy),
        ..SignInWays::default()
    };
    App::signing_in(db, SetupLink::closed(), ways)
}

async fn me(app: &App, who: As<'_>, from: &str) -> (StatusCode, String) {
    let reply = app
        .send("GET", "/api/v1/me", who, from, "", String::new())
        .await;
    let role = match reply.status {
        StatusCode::OK => reply.json()["role"].as_str().expect("role").to_owned(),
        _ => reply.body,
    };
    (reply.status, role)
}

pub async fn a_trusted_proxy_signs_in_existing_users(db: &TestDb) {
    add_user(db, ADMIN, Role::Admin).await;
    let mo = add_user(db, "mo@example.test", Role::Member).await;
    let app = behind_proxy(db, proxy(None));

    assert_eq!(
        me(&app, As::Proxy("mo@example.test"), PROXY).await.1,
        "member"
    );
    assert_eq!(
        me(&app, As::Proxy(" MO@example.test "), PROXY).await.1,
        "member"
    );
    // The same header from elsewhere is nobody's word.
    let (status, _) = me(&app, As::Proxy(ADMIN), HOME).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let page = app
        .send("GET", "/", As::Proxy(ADMIN), HOME, "", String::new())
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "to the sign-in page");

    // No account: told so, and none is made.
    let (status, body) = me(&app, As::Proxy("eve@example.test"), PROXY).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("invitation"), "{body}");
    assert_eq!(db.rows("users").await, 2);
    let sign_in_page = app
        .send(
            "GET",
            "/signin",
            As::Proxy("eve@example.test"),
            PROXY,
            "",
            String::new(),
        )
        .await;
    assert_eq!(
        sign_in_page.status,
        StatusCode::OK,
        "public pages stay public"
    );

    // A state change from a proxied browser still has to come from the site itself.
    let change = serde_json::to_string(&UserChange {
        role: Some(Role::Viewer),
        disabled: None,
    })
    .expect("json");
    let path = format!("/api/v1/users/{mo}");
    let forged = app
        .send_with(
            "PUT",
            &path,
            As::Proxy(ADMIN),
            PROXY,
            &[
                ("Content-Type", "application/json"),
                ("Origin", "https://evil.example"),
            ],
            change.clone(),
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN, "{}", forged.body);
    assert!(forged.body.contains("cross-site"), "{}", forged.body);
    let same_site = app
        .send_with(
            "PUT",
            &path,
            As::Proxy(ADMIN),
            PROXY,
            &[
                ("Content-Type", "application/json"),
                ("Origin", "http://127.0.0.1:3000"),
            ],
            change,
        )
        .await;
    assert_eq!(same_site.status, StatusCode::OK, "{}", same_site.body);
    assert_eq!(
        me(&app, As::Proxy("mo@example.test"), PROXY).await.1,
        "viewer"
    );

    // A disabled user is not signed in by the proxy either.
    let disable = serde_json::json!({"disabled": true});
    let disabled = app
        .send_with(
            "PUT",
            &path,
            As::Proxy(ADMIN),
            PROXY,
            &[("Content-Type", "application/json")],
            disable.to_string(),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    assert_eq!(
        me(&app, As::Proxy("mo@example.test"), PROXY).await.0,
        StatusCode::FORBIDDEN
    );
}

pub async fn a_trusted_proxy_may_create_users(db: &TestDb) {
    add_user(db, ADMIN, Role::Admin).await;
    let app = behind_proxy(db, proxy(Some(Role::Viewer)));
    assert_eq!(
        me(&app, As::Proxy("new@example.test"), PROXY).await.1,
        "viewer"
    );
    assert_eq!(
        me(&app, As::Proxy("new@example.test"), PROXY).await.1,
        "viewer"
    );
    assert_eq!(db.rows("users").await, 2, "made once");
    assert_eq!(
        me(&app, As::Proxy("not an email"), PROXY).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) = me(&app, As::Proxy("other@example.test"), HOME).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "untrusted peers make nobody"
    );
    assert_eq!(db.rows("users").await, 2);
    // The made account has no password: the sign-in form does not open it.
    assert!(app.sign_in("new@example.test", PASSWORD).await.is_none());
}
