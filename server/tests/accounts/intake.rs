//! Intake tokens: made by admins through the JSON API (or the CLI's function), listed without the
//! token, verified against the database with a short memory, revoked for every instance.

use std::time::Duration;

use axum::http::StatusCode;
use domain::access::Role;
use serde_json::json;
use server::audit::Actor;
use server::auth::intake_tokens::{self, IntakeTokens, RequireToken};

use super::app::{As, HOME, PASSWORD, add_user, with_admin};
use super::store::TestDb;

pub async fn intake_tokens_are_made_by_admins_verified_and_revoked(db: &TestDb) {
    let (app, admin) = with_admin(db).await;
    add_user(db, "mo@example.test", Role::Member).await;
    let mo = app
        .sign_in("mo@example.test", PASSWORD)
        .await
        .expect("signed in");
    let body = json!({"name": "checkout hosts"});
    let refused = app
        .json(
            "POST",
            "/api/v1/intake-tokens",
            As::Session(&mo),
            Some(body.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "members make none");
    let blank = app
        .json(
            "POST",
            "/api/v1/intake-tokens",
            As::Token(&admin),
            Some(json!({"name": " "})),
        )
        .await;
    assert_eq!(blank.status, StatusCode::BAD_REQUEST, "{}", blank.body);

    let created = app
        .json(
            "POST",
            "/api/v1/intake-tokens",
            As::Token(&admin),
            Some(body),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    let token = created["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("spi_"), "{token}");
    let from_cli = intake_tokens::create(&db.store, &Actor::cli(), "from the CLI", None)
        .await
        .expect("created");

    let one = IntakeTokens::new(db.store.clone(), RequireToken::All);
    assert!(one.verify(&token).await.expect("verified"));
    assert!(one.verify(&from_cli.token).await.expect("verified"));
    assert!(!one.verify("spi_made-up").await.expect("checked"));
    let unknown = format!("spi_{}", "x".repeat(43));
    assert!(!one.verify(&unknown).await.expect("checked"));
    assert!(
        !one.verify(&admin)
            .await
            .expect("API tokens are not intake tokens")
    );

    let listed = app
        .json("GET", "/api/v1/intake-tokens", As::Token(&admin), None)
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains(&token) && !listed.body.contains(&from_cli.token));
    let list = listed.json();
    let names: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["from the CLI", "checkout hosts"]);
    assert_eq!(list[1]["created_by"], json!("admin@example.test"));
    assert_eq!(list[0]["created_by"], json!(null));
    assert!(
        list[1]["last_used_at"].is_i64(),
        "the check recorded its use"
    );
    assert_eq!(db.rows("intake_tokens").await, 2);
    let page = async |who: As<'_>| {
        app.send("GET", "/settings/intake", who, HOME, "", String::new())
            .await
    };
    let shown = page(As::Token(&admin)).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(
        shown.body.contains("checkout hosts"),
        "the tokens are listed"
    );
    assert!(!shown.body.contains(&token) && !shown.body.contains(&from_cli.token));
    assert_eq!(page(As::Session(&mo)).await.status, StatusCode::FORBIDDEN);

    let id = created["id"].as_i64().expect("id");
    let path = format!("/api/v1/intake-tokens/{id}");
    let gone = app.json("DELETE", &path, As::Session(&mo), None).await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN);
    let gone = app.json("DELETE", &path, As::Token(&admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
    let again = app.json("DELETE", &path, As::Token(&admin), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    for (action, count) in [("intake_token_created", 2), ("intake_token_revoked", 1)] {
        let audited = app
            .json(
                "GET",
                &format!("/api/v1/audit?action={action}"),
                As::Token(&admin),
                None,
            )
            .await;
        assert_eq!(audited.status, StatusCode::OK, "{}", audited.body);
        let entries = audited.json();
        let entries = entries["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), count, "{action}: {entries:?}");
        assert!(!audited.body.contains(&token) && !audited.body.contains(&from_cli.token));
    }

    // Another instance, and this one once its verdict is old, refuse the revoked token.
    let other = IntakeTokens::new(db.store.clone(), RequireToken::All);
    assert!(!other.verify(&token).await.expect("checked"));
    let rechecking = one.with_recheck(Duration::ZERO);
    assert!(!rechecking.verify(&token).await.expect("checked"));
    assert!(
        rechecking
            .verify(&from_cli.token)
            .await
            .expect("still live")
    );
    let listed = app
        .json("GET", "/api/v1/intake-tokens", As::Token(&admin), None)
        .await
        .json();
    assert_eq!(listed[1]["revoked"], json!(true));
}
