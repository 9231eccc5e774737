//! Sign-in with OpenID Connect against the fake provider on loopback: an invited account signs in by
//! its verified email, a new one is made only for an allowed domain, and forged or replayed
//! callbacks, unverified emails and disabled accounts end at the sign-in page with why.

use axum::http::StatusCode;
use domain::access::Role;
use server::auth::oidc::{Oidc, OidcSettings};
use server::auth::{SetupLink, SignInWays};

use super::app::{ADMIN, App, As, HOME, Reply, add_user};
use super::client::Http;
use super::fake_oidc::{CLIENT_ID, CLIENT_SECRET, FakeIssuer};
use super::store::TestDb;

fn app(db: &TestDb, issuer: &FakeIssuer) -> App {
    let oidc = Oidc::new(OidcSettings {
        issuer: issuer.url.clone(),
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        allowed_domains: vec!["Team.Example".to_owned()],
        default_role: Role::Member,
        label: "Fake SSO".to_owned(),
        trust_email: false,
    })
    .expect("settings");
    let ways = SignInWays {
        oidc: Some(oidc),
        ..SignInWays::default()
    };
    App::signing_in(db, SetupLink::closed(), ways)
}

/// A started sign-in: the provider's authorization URL and the flow cookie (`name=value`).
async fn start(app: &App) -> (String, String) {
    let started = app
        .send(
            "GET",
            "/auth/oidc/start?next=/issues/7",
            As::Nobody,
            HOME,
            "",
            String::new(),
        )
        .await;
    let authorize = started.redirect().to_owned();
    let flow = started
        .cookies
        .iter()
        .find(|c| c.starts_with("stackprint_oidc="))
        .expect("the flow's cookie")
        .split(';')
        .next()
        .expect("pair")
        .to_owned();
    (authorize, flow)
}

/// What the provider's authorization endpoint redirects the browser to: the callback's path.
async fn authorize(issuer: &FakeIssuer, url: &str) -> String {
    let path = url.strip_prefix(&issuer.url).expect("the provider's URL");
    let addr = issuer.url.strip_prefix("http://").expect("http");
    let mut http = Http::connect(addr).await.expect("connect");
    let (status, body, headers) = http
        .request_with_headers("GET", path, &[], &[])
        .await
        .expect("authorize");
    assert_eq!(status, 303, "{body}");
    let location = headers
        .iter()
        .find_map(|h| h.strip_prefix("location: "))
        .expect("redirect");
    location
        .strip_prefix("http://127.0.0.1:3000")
        .expect("back to the app")
        .to_owned()
}

async fn callback(app: &App, path: &str, flow: &str) -> Reply {
    app.send_with(
        "GET",
        path,
        As::Nobody,
        HOME,
        &[("Cookie", flow)],
        String::new(),
    )
    .await
}

/// A whole sign-in as `email`: the callback's answer.
async fn sign_in(app: &App, issuer: &FakeIssuer, email: &str, verified: bool) -> Reply {
    let (url, flow) = start(app).await;
    issuer.sign_in_as(email, verified);
    let back = authorize(issuer, &url).await;
    callback(app, &back, &flow).await
}

fn error_of(reply: &Reply) -> String {
    let to = reply.redirect();
    let query = to
        .strip_prefix("/signin?")
        .unwrap_or_else(|| panic!("{to}"));
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "error")
        .map(|(_, v)| v.into_owned())
        .expect("error")
}

pub async fn single_sign_on_links_verified_emails(db: &TestDb) {
    let issuer = FakeIssuer::start().await;
    let app = app(db, &issuer);
    add_user(db, ADMIN, Role::Admin).await;
    let page = app
        .send("GET", "/signin", As::Nobody, HOME, "", String::new())
        .await;
    assert!(
        page.body.contains("/auth/oidc/start") && page.body.contains("Fake SSO"),
        "the button: {}",
        page.body
    );

    // An invited account signs in, and goes where it was going.
    let mo = add_user(db, "mo@elsewhere.test", Role::Viewer).await;
    let reply = sign_in(&app, &issuer, "MO@elsewhere.test", true).await;
    assert_eq!(reply.redirect(), "/issues/7");
    let session = reply.session.clone().expect("signed in");
    let me = app
        .json("GET", "/api/v1/me", As::Session(&session), None)
        .await;
    assert_eq!(me.json()["user"]["id"], mo);
    assert!(
        reply
            .cookies
            .iter()
            .any(|c| c.starts_with("stackprint_oidc=;")),
        "the flow is cleared"
    );

    // A new person of an allowed domain gets an account with the default role; others do not.
    let reply = sign_in(&app, &issuer, "new@team.example", true).await;
    let session = reply.session.clone().expect("signed in");
    let me = app
        .json("GET", "/api/v1/me", As::Session(&session), None)
        .await;
    assert_eq!(me.json()["role"], "member");
    assert_eq!(me.json()["user"]["display_name"], "new");
    let reply = sign_in(&app, &issuer, "eve@evil.test", true).await;
    assert!(
        error_of(&reply).contains("invitation"),
        "{:?}",
        reply.location
    );
    assert!(reply.session.is_none());
    let reply = sign_in(&app, &issuer, "unsure@team.example", false).await;
    assert!(error_of(&reply).contains("did not confirm"));
    assert_eq!(db.rows("users").await, 3, "admin, mo and new");
}

pub async fn single_sign_on_refuses_forged_and_replayed_callbacks(db: &TestDb) {
    let issuer = FakeIssuer::start().await;
    let app = app(db, &issuer);
    add_user(db, ADMIN, Role::Admin).await;

    // A callback this browser did not start: another flow's cookie, or none.
    let (url, _) = start(&app).await;
    let (_, other_flow) = start(&app).await;
    issuer.sign_in_as(ADMIN, true);
    let back = authorize(&issuer, &url).await;
    let forged = callback(&app, &back, &other_flow).await;
    assert!(error_of(&forged).contains("another browser"));
    let bare = callback(&app, &back, "theme=dark").await;
    assert!(error_of(&bare).contains("another browser"));

    // A code works once.
    let (url, flow) = start(&app).await;
    issuer.sign_in_as(ADMIN, true);
    let back = authorize(&issuer, &url).await;
    assert!(callback(&app, &back, &flow).await.session.is_some());
    let replayed = callback(&app, &back, &flow).await;
    assert!(replayed.session.is_none());
    assert!(error_of(&replayed).contains("not valid"));

    // The provider's refusal, and a disabled account.
    let denied = callback(&app, "/auth/oidc/callback?error=access_denied", &flow).await;
    assert!(error_of(&denied).contains("access_denied"));
    db.execute(&format!(
        "UPDATE users SET disabled = TRUE WHERE email = '{ADMIN}'"
    ))
    .await;
    let disabled = sign_in(&app, &issuer, ADMIN, true).await;
    assert!(error_of(&disabled).contains("disabled"));
    assert_eq!(disabled.status, StatusCode::SEE_OTHER);
}
