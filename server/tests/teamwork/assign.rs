//! Assigning issues, and finding them with `assignee:`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::app::{ADMIN, As};
use super::store::TestDb;
use super::{BEA, CY, Team, issues};

fn assignee(reply: &Value) -> Option<&str> {
    reply["assignee"]["email"].as_str()
}

pub async fn members_assign_and_unassign(db: &TestDb) {
    let team = Team::new(db).await;
    let app = &team.app;
    let [id] = issues(db, &["aaa"]).await[..] else {
        panic!("one issue")
    };
    let path = format!("/api/v1/issues/{id}/assignee");
    let put = async |who: As<'_>, body: Value| app.json("PUT", &path, who, Some(body)).await;

    // By email in any case, by id, and again (no new timeline entry), then nobody.
    let to_bea = put(As::Token(&team.bea), json!({"user": "  BEA@Example.test "})).await;
    assert_eq!(to_bea.status, StatusCode::OK, "{}", to_bea.body);
    assert_eq!(assignee(&to_bea.json()), Some(BEA));
    let detail = app
        .json(
            "GET",
            &format!("/api/v1/issues/{id}"),
            As::Token(&team.viewer),
            None,
        )
        .await
        .json();
    assert_eq!(detail["issue"]["assignee"]["email"], BEA);
    assert_eq!(detail["issue"]["assignee"]["display_name"], "Bea");
    let cy_id = app
        .json("GET", "/api/v1/users", As::Token(&team.admin), None)
        .await
        .json()
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["email"] == CY)
        .expect("cy")["id"]
        .as_i64()
        .expect("id");
    let to_cy = put(As::Token(&team.admin), json!({"user": cy_id})).await;
    assert_eq!(assignee(&to_cy.json()), Some(CY));
    let again = put(As::Token(&team.admin), json!({"user": CY})).await;
    assert_eq!(again.status, StatusCode::OK);
    let nobody = put(As::Token(&team.cy), json!({"user": null})).await;
    assert_eq!(nobody.status, StatusCode::OK);
    assert_eq!(nobody.json()["assignee"], Value::Null);

    // The timeline names who did it (display name, else the email) and whom.
    let activity = app
        .json(
            "GET",
            &format!("/api/v1/issues/{id}/activity"),
            As::Token(&team.viewer),
            None,
        )
        .await
        .json();
    let entries: Vec<(&str, &str, Option<&str>, Option<&str>)> = activity["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .map(|a| {
            (
                a["kind"].as_str().expect("kind"),
                a["actor"].as_str().expect("actor"),
                a["actor_name"].as_str(),
                a["assignee"]["display_name"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("assign", BEA, Some("Bea"), Some("Bea")),
            ("assign", ADMIN, Some("Ada"), Some("cy")),
            ("unassign", CY, Some("cy"), None),
        ]
    );

    // Refusals: a viewer, an unknown user or issue, a disabled user, a malformed body.
    let viewer = put(As::Token(&team.viewer), json!({"user": BEA})).await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN, "{}", viewer.body);
    let unknown = put(As::Token(&team.bea), json!({"user": "nobody@example.test"})).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.json()["error"]
            .as_str()
            .expect("error")
            .contains("nobody@example.test")
    );
    let missing = app
        .json(
            "PUT",
            "/api/v1/issues/99999/assignee",
            As::Token(&team.bea),
            Some(json!({"user": BEA})),
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let malformed = put(As::Token(&team.bea), json!({"user": [1]})).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);

    // An assignment outlives its user being disabled; a disabled user cannot be assigned anew.
    put(As::Token(&team.bea), json!({"user": CY})).await;
    let disabled = app
        .json(
            "PUT",
            &format!("/api/v1/users/{cy_id}"),
            As::Token(&team.admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.body);
    let detail = app
        .json(
            "GET",
            &format!("/api/v1/issues/{id}"),
            As::Token(&team.viewer),
            None,
        )
        .await
        .json();
    assert_eq!(detail["issue"]["assignee"]["email"], CY);
    put(As::Token(&team.bea), json!({"user": null})).await;
    let refused = put(As::Token(&team.bea), json!({"user": CY})).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("disabled"), "{}", refused.body);
}

/// Fingerprints of the issues a search lists, as `who`.
async fn found(team: &Team, endpoint: &str, search: &str, who: &str) -> Vec<String> {
    let path = format!("/api/v1/{endpoint}?search={}", server::auth::encode(search));
    let reply = team.app.json("GET", &path, As::Token(who), None).await;
    assert_eq!(reply.status, StatusCode::OK, "{search}: {}", reply.body);
    let mut found: Vec<String> = reply.json()["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| {
            let summary = if i["summary"].is_null() {
                i
            } else {
                &i["summary"]
            };
            summary["fingerprint"]
                .as_str()
                .expect("fingerprint")
                .to_owned()
        })
        .collect();
    found.sort();
    found
}

pub async fn assignee_search_finds_mine_and_unassigned(db: &TestDb) {
    let team = Team::new(db).await;
    let ids = issues(db, &["mine", "free", "adas"]).await;
    for (id, user) in [(ids[0], BEA), (ids[2], ADMIN)] {
        let reply = team
            .app
            .json(
                "PUT",
                &format!("/api/v1/issues/{id}/assignee"),
                As::Token(&team.admin),
                Some(json!({"user": user})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }
    for endpoint in ["explorer/issues", "issues"] {
        for (search, who, want) in [
            ("assignee:me", &team.bea, vec!["mine"]),
            ("assignee:me", &team.admin, vec!["adas"]),
            ("assignee:me", &team.cy, vec![]),
            ("assignee:none", &team.bea, vec!["free"]),
            ("-assignee:me", &team.bea, vec!["adas", "free"]),
            ("assignee:BEA@example.test", &team.viewer, vec!["mine"]),
            (
                "assignee:*@example.test",
                &team.viewer,
                vec!["adas", "mine"],
            ),
        ] {
            assert_eq!(
                found(&team, endpoint, search, who).await,
                want,
                "{endpoint} {search}"
            );
        }
    }
    // An email nobody has is a search error pointing at its term, not an empty list.
    let search = "service:checkout assignee:nobody@example.test";
    for endpoint in ["explorer/issues", "explorer/facets", "issues"] {
        let path = format!("/api/v1/{endpoint}?search={}", server::auth::encode(search));
        let reply = team
            .app
            .json("GET", &path, As::Token(&team.bea), None)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{endpoint}: {}",
            reply.body
        );
        let error = reply.json();
        assert!(
            error["error"]
                .as_str()
                .expect("error")
                .contains("no user has the email")
        );
        assert_eq!(
            (error["start"].as_u64(), error["end"].as_u64()),
            (Some(17), Some(45))
        );
    }
    // The explorer page shows the same diagnostic where the list would be.
    let page = team
        .app
        .send(
            "GET",
            &format!("/?search={}", server::auth::encode(search)),
            As::Token(&team.bea),
            super::app::HOME,
            "",
            String::new(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    for said in [
        "Fix the search above",
        "no user has the email `nobody@example.test`",
    ] {
        assert!(page.body.contains(said), "{said}: {}", page.body);
    }
}
