//! Comments: plain text with links, a length limit, and who may delete them.

use axum::http::StatusCode;
use serde_json::json;

use super::app::{As, HOME};
use super::store::TestDb;
use super::{BEA, Team, issues};

pub async fn comments_stay_text_and_only_authors_or_admins_delete(db: &TestDb) {
    let team = Team::new(db).await;
    let app = &team.app;
    let [id] = issues(db, &["ccc"]).await[..] else {
        panic!("one issue")
    };
    let path = format!("/api/v1/issues/{id}/comments");
    let post = async |who: &str, body: &str| {
        app.json("POST", &path, As::Token(who), Some(json!({ "body": body })))
            .await
    };

    let hostile = "<script>alert(1)</script> <b>bold</b> see https://ci.example.test/run/7.";
    let created = post(&team.bea, &format!("  {hostile}\n")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let created = created.json();
    assert_eq!(created["body"], hostile, "stored trimmed, as typed");
    assert_eq!(created["author"]["email"], BEA);
    let first = created["id"].as_i64().expect("id");

    // The page shows it as text, with the link clickable and nothing else as markup.
    let page = app
        .send(
            "GET",
            &format!("/issues/{id}"),
            As::Token(&team.viewer),
            HOME,
            "",
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("<script>alert(1)"), "{}", page.body);
    assert!(!page.body.contains("<b>bold"), "{}", page.body);
    assert!(
        page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(r#"<a href="https://ci.example.test/run/7" rel="nofollow noopener noreferrer" target="_blank">"#),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Bea</strong> commented"),
        "{}",
        page.body
    );
    // A viewer gets no comment form and no Delete.
    assert!(!page.body.contains(r#"name="body""#), "{}", page.body);
    assert!(!page.body.contains(">Delete</button>"), "{}", page.body);
    let as_author = app
        .send(
            "GET",
            &format!("/issues/{id}"),
            As::Token(&team.bea),
            HOME,
            "",
            String::new(),
        )
        .await;
    assert!(as_author.body.contains(r#"name="body""#));
    assert!(as_author.body.contains(">Delete</button>"));

    // Limits and roles.
    let empty = post(&team.bea, " \n ").await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let long = post(&team.bea, &"x".repeat(10_001)).await;
    assert_eq!(long.status, StatusCode::BAD_REQUEST);
    assert!(
        long.json()["error"]
            .as_str()
            .expect("error")
            .contains("at most 10000")
    );
    assert_eq!(
        post(&team.bea, &"x".repeat(10_000)).await.status,
        StatusCode::CREATED
    );
    assert_eq!(post(&team.viewer, "hi").await.status, StatusCode::FORBIDDEN);
    let unknown = app
        .json(
            "POST",
            "/api/v1/issues/99999/comments",
            As::Token(&team.bea),
            Some(json!({"body": "hi"})),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let second = post(&team.cy, "second").await.json()["id"]
        .as_i64()
        .expect("id");

    // The author deletes theirs, an admin anyone's, another member nobody's.
    let delete = async |who: &str, comment: i64| {
        app.json("DELETE", &format!("{path}/{comment}"), As::Token(who), None)
            .await
            .status
    };
    assert_eq!(delete(&team.cy, first).await, StatusCode::FORBIDDEN);
    assert_eq!(delete(&team.viewer, first).await, StatusCode::FORBIDDEN);
    assert_eq!(delete(&team.bea, first).await, StatusCode::NO_CONTENT);
    assert_eq!(delete(&team.bea, first).await, StatusCode::NOT_FOUND);
    assert_eq!(delete(&team.admin, second).await, StatusCode::NO_CONTENT);

    let activity = app
        .json(
            "GET",
            &format!("/api/v1/issues/{id}/activity"),
            As::Token(&team.viewer),
            None,
        )
        .await
        .json();
    let left: Vec<usize> = activity["comments"]
        .as_array()
        .expect("comments")
        .iter()
        .map(|c| c["body"].as_str().expect("body").len())
        .collect();
    assert_eq!(left, [10_000], "only the long one is left");
    assert_eq!(
        db.rows("issue_comments").await,
        1,
        "deleted comments leave no row"
    );
}
