//! The stack rules page's server functions: the same saves, previews and refusals as the JSON API,
//! for admins only.

use axum::http::StatusCode;
use domain::access::Role;
use serde_json::{Value, json};

use super::app::{As, PASSWORD, add_user, with_admin};
use super::store::TestDb;

pub async fn the_rules_page_saves_through_the_shared_service(db: &TestDb) {
    let (app, admin_token) = with_admin(db).await;
    let admin = As::Token(&admin_token);
    let call = async |endpoint: &str, who: As<'_>, body: Value| {
        app.json(
            "POST",
            &format!("/api/ui/stack-rules{endpoint}"),
            who,
            Some(body),
        )
        .await
    };
    let rules = "path:**/vendor/** -app";
    let save = |based_on: i64, rules: &str| json!({"service": "checkout", "rules": rules, "based_on": based_on});

    let saved = call("/save", admin, save(0, rules)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json(), json!({"Ok": 1}));
    // The JSON API reads what the page saved, and the other way round.
    let read = app
        .json("GET", "/api/v1/stack-rules/checkout", admin, None)
        .await;
    assert_eq!(read.json()["current"]["version"], 1, "{}", read.body);
    let api = json!({"rules": "module:com.acme.* +app", "based_on": 1});
    let put = app
        .json("PUT", "/api/v1/stack-rules/checkout", admin, Some(api))
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);

    let stale = call("/save", admin, save(1, rules)).await;
    assert_eq!(
        stale.json(),
        json!({"Err": {"kind": "stale", "current": 2}}),
        "{}",
        stale.body
    );
    let faulty = call(
        "/save",
        admin,
        save(2, "path:x -app\nfile:y +app\nmodule:z\n"),
    )
    .await;
    let faulty = faulty.json();
    let lines: Vec<i64> = faulty["Err"]["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{faulty}"))
        .iter()
        .map(|l| l["line"].as_i64().expect("line"))
        .collect();
    assert_eq!(
        (faulty["Err"]["kind"].as_str(), lines),
        (Some("invalid"), vec![2, 3]),
        "{faulty}"
    );

    let list = call("", admin, json!({})).await.json();
    assert_eq!(list[0]["service"], "checkout", "{list}");
    assert_eq!(list[0]["version"], 2, "{list}");
    let history = call("/history", admin, json!({"service": "checkout"}))
        .await
        .json();
    assert_eq!(history.as_array().map(Vec::len), Some(2), "{history}");
    let preview = call(
        "/preview",
        admin,
        json!({"service": "checkout", "rules": rules}),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert_eq!(preview.json()["Ok"]["events"], 0, "{}", preview.body);

    let page = app
        .send(
            "GET",
            "/settings/stack-rules?service=checkout",
            admin,
            super::app::HOME,
            "",
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("module:com.acme.* +app"),
        "the editor holds the rules in force"
    );
    assert!(page.body.contains("Editing version 2"), "{}", page.body);

    add_user(db, "mo@example.test", Role::Member).await;
    let session = app
        .sign_in("mo@example.test", PASSWORD)
        .await
        .expect("signed in");
    let member = As::Session(&session);
    for (endpoint, body) in [
        ("", json!({})),
        ("/history", json!({"service": "checkout"})),
        ("/preview", json!({"service": "checkout", "rules": rules})),
        ("/save", save(2, rules)),
    ] {
        let refused = call(endpoint, member, body).await;
        assert_eq!(
            refused.status,
            StatusCode::FORBIDDEN,
            "{endpoint}: {}",
            refused.body
        );
    }
    let page = app
        .send(
            "GET",
            "/settings/stack-rules",
            member,
            super::app::HOME,
            "",
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let read = app
        .json("GET", "/api/v1/stack-rules/checkout", admin, None)
        .await;
    assert_eq!(
        read.json()["current"]["version"],
        2,
        "the member saved nothing"
    );
}
