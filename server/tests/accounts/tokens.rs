//! API tokens, password changes, and the account pages and server functions by role.

use axum::http::StatusCode;
use domain::access::Role;
use serde_json::{Value, json};
use server::audit::Actor;
use server::auth::create_token;

use super::app::{As, HOME, PASSWORD, add_user, with_admin};
use super::store::TestDb;

pub async fn tokens_are_capped_listed_and_revoked(db: &TestDb) {
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

pub async fn password_changes_end_other_sessions(db: &TestDb) {
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

pub async fn pages_and_server_functions_follow_the_roles(db: &TestDb) {
    let (app, admin) = with_admin(db).await;
    add_user(db, "mo@example.test", Role::Member).await;
    add_user(db, "vi@example.test", Role::Viewer).await;
    let member = create_token(
        &db.store,
        &Actor::cli(),
        "mo@example.test",
        "t",
        Role::Member,
        None,
    )
    .await
    .expect("token")
    .0;
    let viewer = create_token(
        &db.store,
        &Actor::cli(),
        "vi@example.test",
        "t",
        Role::Viewer,
        None,
    )
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
    let profile = page("/settings/profile", As::Token(&viewer)).await;
    assert!(profile.body.contains("Change password"));

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
