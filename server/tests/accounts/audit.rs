//! The audit log: every action lands with who and from where, through whichever entry point made
//! it (forms, JSON API, server functions, the CLI); only admins read it; no secret in any entry.

use axum::http::StatusCode;
use domain::access::Role;
use serde_json::{Value, json};

use super::app::{ADMIN, As, HOME, PASSWORD, add_user, with_admin};
use super::store::TestDb;

const ELSEWHERE: &str = "198.51.100.7";
const NEW_PASSWORD: &str = "a brand new passphrase for ada";
const GITHUB_TOKEN: &str = "ghp_auditTestSecret0123456789";

/// The whole log, newest first, read as `who`.
async fn log(app: &super::app::App, who: As<'_>, query: &str) -> Value {
    let reply = app
        .json("GET", &format!("/api/v1/audit?limit=200{query}"), who, None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    reply.json()
}

fn find<'a>(entries: &'a Value, action: &str) -> Vec<&'a Value> {
    entries["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == action)
        .collect()
}

pub async fn every_action_is_audited_with_who_and_where(db: &TestDb) {
    let (app, admin_token) = with_admin(db).await;
    let token = As::Token(&admin_token);
    let member = add_user(db, "mo@example.test", Role::Member).await;

    assert!(
        app.sign_in_from(ELSEWHERE, ADMIN, "not the password")
            .await
            .is_none()
    );
    let session = app.sign_in(ADMIN, PASSWORD).await.expect("signed in");
    let browser = As::Session(&session);

    // The JSON API, with the admin's token.
    let invited = app
        .json(
            "POST",
            "/api/v1/invites",
            token,
            Some(json!({"email": "bea@example.test", "role": "viewer"})),
        )
        .await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let invite_link = invited.json()["url"].as_str().expect("url").to_owned();
    for change in [
        json!({"role": "viewer"}),
        json!({"disabled": true}),
        json!({"disabled": false}),
    ] {
        let path = format!("/api/v1/users/{member}");
        let reply = app.json("PUT", &path, token, Some(change)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    let linked = app
        .json(
            "POST",
            "/api/v1/repositories",
            token,
            Some(json!({"owner": "acme", "name": "shop", "credentials": {"kind": "token", "token": GITHUB_TOKEN}, "services": []})),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.body);
    let repository = linked.json()["id"].as_i64().expect("id");
    let path = format!("/api/v1/repositories/{repository}");
    assert_eq!(
        app.json("DELETE", &path, token, None).await.status,
        StatusCode::NO_CONTENT
    );
    let rules = json!({"rules": "path:**/vendor/** -app", "based_on": 0});
    let saved = app
        .json("PUT", "/api/v1/stack-rules/checkout", token, Some(rules))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    // The pages' server functions, in the browser session.
    let made = app
        .json(
            "POST",
            "/api/ui/me/tokens/create",
            browser,
            Some(json!({"request": {"name": "deploys", "role": "member"}})),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let made = made.json();
    let new_token = made["token"].as_str().expect("token").to_owned();
    let revoked = app
        .json(
            "POST",
            "/api/ui/me/tokens/revoke",
            browser,
            Some(json!({"id": made["id"]})),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.body);
    let change = json!({"change": {"current": PASSWORD, "new": NEW_PASSWORD}});
    let changed = app
        .json("POST", "/api/ui/me/password", browser, Some(change))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let out = app
        .send("POST", "/auth/signout", browser, HOME, "", String::new())
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);

    let entries = log(&app, token, "").await;
    let user = json!({"kind": "user", "id": 1, "email": ADMIN});
    let by_token = json!({"kind": "token", "user_id": 1, "email": ADMIN, "name": "tests"});
    let cli = json!({"kind": "cli"});
    let anonymous = json!({"kind": "anonymous"});
    // (action, how many, who, from where)
    let expected: [(&str, usize, &Value, Option<&str>); 14] = [
        ("user_created", 2, &cli, None),
        ("token_created", 1, &cli, None),
        ("signin_failed", 1, &anonymous, Some(ELSEWHERE)),
        ("signin", 1, &user, Some(HOME)),
        ("user_invited", 1, &by_token, Some(HOME)),
        ("user_role_changed", 1, &by_token, Some(HOME)),
        ("user_disabled", 1, &by_token, Some(HOME)),
        ("user_enabled", 1, &by_token, Some(HOME)),
        ("repository_linked", 1, &by_token, Some(HOME)),
        ("repository_unlinked", 1, &by_token, Some(HOME)),
        ("stack_rules_saved", 1, &by_token, Some(HOME)),
        ("token_revoked", 1, &user, Some(HOME)),
        ("password_changed", 1, &user, Some(HOME)),
        ("signout", 1, &user, Some(HOME)),
    ];
    for (action, count, who, ip) in expected {
        let found = find(&entries, action);
        // The CLI made one token; the session the other.
        let found: Vec<_> = found.into_iter().filter(|e| &e["actor"] == who).collect();
        assert_eq!(found.len(), count, "{action} by {who}: {entries}");
        for entry in found {
            assert_eq!(entry["ip"].as_str(), ip, "{action}: {entry}");
        }
    }
    assert_eq!(find(&entries, "token_created").len(), 2, "{entries}");
    let failed = find(&entries, "signin_failed")[0];
    assert_eq!(failed["detail"]["email"], ADMIN, "{failed}");
    let role = find(&entries, "user_role_changed")[0];
    assert_eq!(role["detail"]["role"], "member -> viewer", "{role}");

    // Nothing secret in any entry: the whole log as stored (every column comes back).
    let text = entries.to_string();
    let invite_secret = invite_link.rsplit('=').next().expect("secret");
    for secret in [
        PASSWORD,
        NEW_PASSWORD,
        "not the password",
        admin_token.as_str(),
        new_token.as_str(),
        GITHUB_TOKEN,
        invite_secret,
        session.as_str(),
    ] {
        assert!(
            !text.contains(secret),
            "a secret in the audit log: {secret}"
        );
    }
}

pub async fn the_log_pages_and_filters(db: &TestDb) {
    let (app, admin_token) = with_admin(db).await;
    let token = As::Token(&admin_token);
    for round in 0..3 {
        assert!(app.sign_in(ADMIN, "wrong").await.is_none(), "round {round}");
        app.sign_in(ADMIN, PASSWORD).await.expect("signed in");
    }
    // 2 by the CLI, then 3 × (failure, sign-in).
    let mut seen = Vec::new();
    let mut query = String::new();
    loop {
        let reply = app
            .json("GET", &format!("/api/v1/audit?limit=3{query}"), token, None)
            .await;
        let page = reply.json();
        let ids: Vec<i64> = page["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| e["id"].as_i64().expect("id"))
            .collect();
        assert!(ids.len() <= 3, "{page}");
        seen.extend(ids);
        match page["next_before"].as_i64() {
            Some(before) => query = format!("&before={before}"),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8, "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] > w[1]),
        "newest first: {seen:?}"
    );

    let signins = log(&app, token, "&action=signin&user=1").await;
    assert_eq!(signins["entries"].as_array().expect("entries").len(), 3);
    let failures = log(&app, token, "&action=signin_failed").await;
    assert_eq!(failures["entries"].as_array().expect("entries").len(), 3);
    // Failed sign-ins name no user: filtering by the admin leaves them out.
    let admins = log(&app, token, "&user=1").await;
    assert!(find(&admins, "signin_failed").is_empty(), "{admins}");
    let unknown = app
        .json("GET", "/api/v1/audit?action=drop_tables", token, None)
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
}

pub async fn only_admins_read_the_audit_log(db: &TestDb) {
    let (app, admin_token) = with_admin(db).await;
    for (email, role) in [
        ("mo@example.test", Role::Member),
        ("vi@example.test", Role::Viewer),
    ] {
        add_user(db, email, role).await;
        let session = app.sign_in(email, PASSWORD).await.expect("signed in");
        let who = As::Session(&session);
        let api = app.json("GET", "/api/v1/audit", who, None).await;
        assert_eq!(api.status, StatusCode::FORBIDDEN, "{email}: {}", api.body);
        let page = app
            .send("GET", "/settings/audit", who, HOME, "", String::new())
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{email}");
        let server_fn = app
            .json("POST", "/api/ui/audit", who, Some(json!({"query": {}})))
            .await;
        assert_eq!(server_fn.status, StatusCode::FORBIDDEN, "{email}");
        let index = app
            .send("GET", "/settings", who, HOME, "", String::new())
            .await;
        assert!(
            !index.body.contains("/settings/audit"),
            "{email} is not shown the audit log"
        );
    }
    let admin = As::Token(&admin_token);
    let page = app
        .send(
            "GET",
            "/settings/audit?action=signin",
            admin,
            HOME,
            "",
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Audit log"), "{}", page.body);
    assert!(page.body.contains(HOME), "with where they came from");
    let server_fn = app
        .json(
            "POST",
            "/api/ui/audit",
            admin,
            Some(json!({"query": {"action": "signin"}})),
        )
        .await;
    assert_eq!(server_fn.status, StatusCode::OK, "{}", server_fn.body);
    assert_eq!(
        server_fn.json()["entries"]
            .as_array()
            .expect("entries")
            .len(),
        2
    );
    let index = app
        .send("GET", "/settings", admin, HOME, "", String::new())
        .await;
    assert!(index.body.contains("/settings/audit") && index.body.contains("/settings/stack-rules"));
}
