//! Access control through the real explorer app (pages, server functions, JSON API) behind its
//! access layer, on loopback over a fresh SQLite database: every route against every role, the route
//! table against what Leptos and the API actually route, sign-in, cookies, CSRF, and secrets that
//! must never be stored or answered in clear.

#[allow(dead_code)]
mod support;

use std::net::SocketAddr;
use std::path::PathBuf;

use domain::access::{Access, Role};
use server::audit::Actor;
use server::auth::rules::{PAGES, Rule, SERVER_FNS};
use server::auth::{Auth, PublicUrl, SetupLink, SignInWays, create_token, create_user};
use server::explorer::IntakeListen;
use server::http::explorer_json_routes;
use server::pipeline::{RuleBook, RuleSettings};
use server::serve::{Explorer, explorer_app};
use server::site::Site;
use server::source::SourceService;
use server::storage::Store;
use support::client::Http;

const PASSWORD: &str = "a long enough passphrase";
const NO_GITHUB: &str = "http://127.0.0.1:9";

struct App {
    addr: String,
    store: Store,
    dir: PathBuf,
    /// An API token per role, of a user with that role.
    tokens: Vec<(Role, String)>,
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn start(name: &str, public: PublicUrl) -> App {
    let dir = std::env::temp_dir().join(format!("stackprint-auth-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let store = Store::connect(&format!("sqlite://{}", dir.join("auth.db").display()))
        .await
        .expect("open store");
    let mut tokens = Vec::new();
    for role in [Role::Viewer, Role::Member, Role::Admin] {
        let email = format!("{role}@example.com");
        create_user(&store, &email, "", PASSWORD.to_owned(), role, &Actor::cli())
            .await
            .expect("create user");
        let (token, _) = create_token(&store, &Actor::cli(), &email, "tests", role, None)
            .await
            .expect("create token");
        tokens.push((role, token));
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr: SocketAddr = listener.local_addr().expect("local addr");
    let app = explorer_app(
        store.clone(),
        &Explorer {
            site: Site::Disk(dir.clone()),
            addr,
            intake: IntakeListen::default(),
            github_api_url: NO_GITHUB,
            public,
            setup: SetupLink::closed(),
            rules: RuleBook::default(),
            sign_in: SignInWays::default(),
        },
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    App {
        addr: addr.to_string(),
        store,
        dir,
        tokens,
    }
}

impl App {
    fn token(&self, role: Role) -> &str {
        &self
            .tokens
            .iter()
            .find(|(r, _)| *r == role)
            .expect("role")
            .1
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, String, Vec<String>) {
        let mut http = Http::connect(&self.addr).await.expect("connect");
        http.request_with_headers(method, path, headers, body)
            .await
            .expect("request")
    }
}

fn rule_settings(store: &Store) -> RuleSettings {
    RuleSettings {
        store: store.clone(),
        book: RuleBook::default(),
    }
}

/// Every rule of the explorer port: the JSON routes' (declared where they are routed) and the pages'
/// and server functions' (listed in the route table).
fn all_rules(store: &Store) -> Vec<Rule> {
    let source = SourceService::new(store.clone(), NO_GITHUB);
    let auth = Auth::new(store.clone(), PublicUrl::default(), SetupLink::closed());
    let (_, json) =
        explorer_json_routes(store.clone(), source, auth, rule_settings(store)).into_parts();
    let pages = PAGES.iter().map(|&(path, access)| Rule {
        method: axum::http::Method::GET,
        path: path.to_owned(),
        access,
    });
    let server_fns = SERVER_FNS.iter().map(|&(path, access)| Rule {
        method: axum::http::Method::POST,
        path: path.to_owned(),
        access,
    });
    json.into_iter().chain(pages).chain(server_fns).collect()
}

/// A concrete path for a route pattern: parameters become `99999` (ids are numbers, trace ids hex),
/// naming nothing that exists: a `DELETE /tokens/{id}` must not revoke the test's own tokens.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|part| if part.starts_with('{') { "99999" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

#[tokio::test]
async fn every_route_answers_each_role_as_its_rule_says() {
    let app = start("roles", PublicUrl::default()).await;
    let rules = all_rules(&app.store);
    assert!(
        rules.len() > 40,
        "the route table looks incomplete: {rules:?}"
    );
    // Every wrong answer, reported together at the end.
    let mut wrong = Vec::new();
    for rule in &rules {
        let path = concrete(&rule.path);
        let method = rule.method.as_str();
        let json = ("Content-Type", "application/json");
        let body: &[u8] = if method == "GET" { b"" } else { b"{}" };

        let (status, text, headers) = app.send(method, &path, &[json], body).await;
        let location = headers
            .iter()
            .find_map(|h| h.strip_prefix("location: "))
            .unwrap_or_default();
        let anonymous_ok = match rule.access {
            Access::Public => status != 401 && status != 403,
            Access::Role(_) if is_api(&path) => {
                let error: Option<serde_json::Value> = serde_json::from_str(&text).ok();
                status == 401 && error.is_some_and(|e| e["error"].is_string())
            }
            Access::Role(_) => status == 303 && location.starts_with("/signin?next="),
        };
        if !anonymous_ok {
            wrong.push(format!(
                "{method} {path} ({:?}) without credentials: {status} {location} {text:.200}",
                rule.access
            ));
        }

        for (role, token) in &app.tokens {
            let bearer = format!("Bearer {token}");
            let headers = [json, ("Authorization", bearer.as_str())];
            let (status, text, _) = app.send(method, &path, &headers, body).await;
            let ok = if rule.access.allows(Some(*role)) {
                status != 401 && status != 403
            } else {
                status == 403 && text.contains("role")
            };
            if !ok {
                wrong.push(format!(
                    "{method} {path} ({:?}) as {role}: {status} {text:.200}",
                    rule.access
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn the_route_table_matches_what_is_routed() {
    let app = start("table", PublicUrl::default()).await;
    let rules = all_rules(&app.store);
    let has_rule = |method: &str, path: &str| {
        rules
            .iter()
            .any(|r| r.method.as_str() == method && r.path == path)
    };
    // Every page Leptos routes and every server function registered has a rule...
    let pages: Vec<String> = server::explorer::route_list()
        .into_iter()
        .map(|route| route.path().to_owned())
        .collect();
    assert!(pages.len() >= 5, "{pages:?}");
    for page in &pages {
        assert!(has_rule("GET", page), "the page {page} has no access rule");
    }
    let server_fns: Vec<(&str, String)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path, method.to_string()))
        .collect();
    assert!(server_fns.len() >= 10, "{server_fns:?}");
    for (path, method) in &server_fns {
        assert!(
            has_rule(method, path),
            "the server function {method} {path} has no access rule"
        );
    }
    // ...and the table names nothing that is not routed (a stale rule hides a renamed route).
    for (path, _) in PAGES {
        assert!(pages.iter().any(|p| p == path), "stale page rule {path}");
    }
    for (path, _) in SERVER_FNS {
        assert!(
            server_fns.iter().any(|(p, _)| p == path),
            "stale server function rule {path}"
        );
    }
}

/// The form post of the sign-in page; returns the status, the `Location` and the `Set-Cookie` lines.
async fn sign_in(app: &App, email: &str, password: &str, next: &str) -> (u16, String, Vec<String>) {
    let body = format!(
        "email={}&password={}&next={}",
        server::auth::encode(email),
        server::auth::encode(password),
        server::auth::encode(next)
    );
    let (status, _, headers) = app
        .send(
            "POST",
            "/auth/signin",
            &[("Content-Type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .await;
    let location = headers
        .iter()
        .find_map(|h| h.strip_prefix("location: "))
        .unwrap_or_default()
        .to_owned();
    let cookies = headers
        .iter()
        .filter_map(|h| h.strip_prefix("set-cookie: "))
        .map(str::to_owned)
        .collect();
    (status, location, cookies)
}

#[tokio::test]
async fn sign_in_sets_a_new_http_only_session_and_refuses_cross_site_posts() {
    let app = start("signin", PublicUrl::default()).await;

    // Wrong password and unknown email get the same answer.
    let wrong = sign_in(&app, "member@example.com", "nope", "/issues/1").await;
    let unknown = sign_in(&app, "nobody@example.com", PASSWORD, "/issues/1").await;
    assert_eq!(wrong.0, 303);
    assert_eq!(wrong.1, unknown.1);
    assert!(wrong.1.starts_with("/signin?error="), "{}", wrong.1);
    assert!(wrong.2.is_empty() && unknown.2.is_empty());

    let (status, location, cookies) =
        sign_in(&app, "member@example.com", PASSWORD, "/issues/1").await;
    assert_eq!((status, location.as_str()), (303, "/issues/1"));
    let cookie = cookies.first().expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http: {cookie}");
    let session = cookie.split(';').next().expect("name=value").to_owned();

    // A second sign-in gets another session: the id is never reused.
    let (_, _, again) = sign_in(&app, "member@example.com", PASSWORD, "/").await;
    assert_ne!(again[0].split(';').next(), Some(session.as_str()));

    let me = app
        .send("GET", "/api/v1/me", &[("Cookie", &session)], b"")
        .await;
    assert_eq!(me.0, 200, "{}", me.1);
    let me: serde_json::Value = serde_json::from_str(&me.1).expect("json");
    assert_eq!(me["user"]["email"], "member@example.com");
    assert_eq!(
        (me["role"].as_str(), me["via"].as_str()),
        (Some("member"), Some("session"))
    );

    let change = br#"{"ids":[1],"status":"reviewed"}"#;
    let json = ("Content-Type", "application/json");
    let host = format!("http://{}", app.addr);
    let cases: [(&[(&str, &str)], bool); 4] = [
        (&[("Origin", "https://evil.example")], false),
        (&[("Sec-Fetch-Site", "cross-site")], false),
        (
            &[("Origin", &host), ("Sec-Fetch-Site", "same-origin")],
            true,
        ),
        // Not from a browser page: no Origin, no Sec-Fetch-Site.
        (&[], true),
    ];
    for (extra, allowed) in cases {
        let mut headers = vec![json, ("Cookie", session.as_str())];
        headers.extend_from_slice(extra);
        let (status, text, _) = app
            .send("POST", "/api/v1/issues/status", &headers, change)
            .await;
        if allowed {
            assert_ne!(status, 403, "{extra:?}: {text}");
        } else {
            assert_eq!(status, 403, "{extra:?}: {text}");
            assert!(text.contains("cross-site"), "{text}");
        }
    }
    // A bearer token is not sent by browsers on their own: no CSRF check.
    let bearer = format!("Bearer {}", app.token(Role::Member));
    let (status, text, _) = app
        .send(
            "POST",
            "/api/v1/issues/status",
            &[
                json,
                ("Authorization", &bearer),
                ("Origin", "https://evil.example"),
            ],
            change,
        )
        .await;
    assert_ne!(status, 403, "{text}");

    // Signing out ends the session on the server, not only in the browser.
    let out = app
        .send("POST", "/auth/signout", &[("Cookie", &session)], b"")
        .await;
    assert_eq!(out.0, 303);
    let after = app
        .send("GET", "/api/v1/me", &[("Cookie", &session)], b"")
        .await;
    assert_eq!(after.0, 401, "{}", after.1);
}

#[tokio::test]
async fn behind_https_the_cookie_is_secure_and_origins_are_checked_against_the_public_url() {
    let public = PublicUrl::parse("https://errors.example.com").expect("url");
    let app = start("https", public).await;
    let (_, _, cookies) = sign_in(&app, "admin@example.com", PASSWORD, "/").await;
    let cookie = cookies.first().expect("cookie");
    assert!(cookie.starts_with("__Host-"), "{cookie}");
    assert!(cookie.contains("Secure"), "{cookie}");
    let session = cookie.split(';').next().expect("name=value");
    let change = br#"{"ids":[1],"status":"reviewed"}"#;
    for (origin, allowed) in [
        ("https://errors.example.com", true),
        (&*format!("http://{}", app.addr), false),
    ] {
        let (status, text, _) = app
            .send(
                "POST",
                "/api/v1/issues/status",
                &[
                    ("Content-Type", "application/json"),
                    ("Cookie", session),
                    ("Origin", origin),
                ],
                change,
            )
            .await;
        assert_eq!(status == 403, !allowed, "{origin}: {status} {text}");
    }
}

#[tokio::test]
async fn tokens_and_passwords_are_stored_hashed_and_never_answered() {
    let app = start("secrets", PublicUrl::default()).await;
    let bad = app
        .send(
            "GET",
            "/api/v1/issues",
            &[("Authorization", "Bearer sp_not_a_token")],
            b"",
        )
        .await;
    assert_eq!(bad.0, 401, "{}", bad.1);

    let admin = format!("Bearer {}", app.token(Role::Admin));
    let (status, me, _) = app
        .send("GET", "/api/v1/me", &[("Authorization", &admin)], b"")
        .await;
    assert_eq!(status, 200, "{me}");
    assert!(!me.contains("argon2") && !me.contains("hash"), "{me}");
    assert!(!me.contains(app.token(Role::Admin)), "{me}");

    // Neither the tokens nor the password appear anywhere in the database files.
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(&app.dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            stored.extend(std::fs::read(path).expect("read"));
        }
    }
    let contains = |needle: &[u8]| stored.windows(needle.len()).any(|w| w == needle);
    assert!(
        !contains(PASSWORD.as_bytes()),
        "the password is stored in clear"
    );
    assert!(contains(b"$argon2id$"), "passwords are argon2id hashes");
    for (role, token) in &app.tokens {
        assert!(
            !contains(token.as_bytes()),
            "the {role} token is stored in clear"
        );
    }
}
