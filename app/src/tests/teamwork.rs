//! Assignment and comments on the issue page, as a viewer and as a member.

use domain::access::{Caller, Role, UserView};

use super::*;

fn user(id: i64, email: &str, name: &str) -> UserRef {
    UserRef {
        id,
        email: email.to_owned(),
        display_name: name.to_owned(),
    }
}

fn team_fake() -> Arc<Fake> {
    let mut detail = detail();
    detail.issue.assignee = Some(user(2, "bea@example.test", "Bea"));
    let mut activity = activity();
    activity.push(Activity {
        at: hours_ago(2),
        actor: Some("ana@example.test".to_owned()),
        kind: ActivityKind::Assign,
        from_status: Status::ForReview,
        to_status: Status::ForReview,
        version: None,
        other_issue: None,
        actor_name: Some("Ana".to_owned()),
        assignee: Some(user(2, "bea@example.test", "Bea")),
    });
    let comment = |id, author: UserRef, body: &str, hours| Comment {
        id,
        issue_id: 7,
        author,
        body: body.to_owned(),
        created_at: hours_ago(hours),
    };
    Arc::new(Fake {
        detail: Some(detail),
        activity,
        comments: vec![
            comment(
                1,
                user(2, "bea@example.test", "Bea"),
                "<img src=x onerror=alert(1)> see https://ci.example.test/7",
                1,
            ),
            comment(2, user(3, "cy@example.test", ""), "mine", 1),
        ],
        users: vec![
            user(2, "bea@example.test", "Bea"),
            user(3, "cy@example.test", ""),
        ],
        ..Fake::default()
    })
}

/// The app with `email` signed in as `role`.
fn router_as(backend: Arc<Fake>, id: i64, email: &str, role: Role) -> Router {
    let backend = Backend(backend);
    let caller = Caller {
        user: UserView {
            id,
            email: email.to_owned(),
            display_name: String::new(),
            role,
        },
        role,
        session_id: None,
    };
    app_router(move || {
        provide_context(backend.clone());
        provide_context(caller.clone());
    })
}

async fn page_as(id: i64, email: &str, role: Role) -> String {
    let request = Request::get("/issues/7")
        .body(Body::empty())
        .expect("request");
    let answer = respond(router_as(team_fake(), id, email, role), request).await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.body
}

#[tokio::test]
async fn viewers_see_the_assignee_and_comments_but_no_controls() {
    let html = page_as(9, "vi@example.test", Role::Viewer).await;
    assert_contains(
        &html,
        &[
            r#"<dd class="assignee-fact">Bea</dd>"#,
            "<strong>Ana</strong> assigned <strong>Bea</strong>",
            "&lt;img src=x onerror=alert(1)&gt; see ",
            r#"<a href="https://ci.example.test/7" rel="nofollow noopener noreferrer" target="_blank">"#,
            r#"<strong title="cy@example.test">cy@example.test</strong> commented"#,
        ],
    );
    assert!(!html.contains("<img src=x"), "markup stays text");
    for control in [
        "status-control",
        "assignee-control",
        "comment-form",
        ">Delete</button>",
    ] {
        assert!(!html.contains(control), "a viewer sees no {control}");
    }
}

#[tokio::test]
async fn members_assign_comment_and_delete_their_own() {
    let html = page_as(3, "cy@example.test", Role::Member).await;
    assert_contains(
        &html,
        &[
            r#"class="status-control""#,
            r#"<form method="post" action="/api/ui/assign">"#,
            r#"<option value="bea@example.test" selected>Bea (bea@example.test)</option>"#,
            r#"<input type="hidden" name="user" value="cy@example.test">"#,
            "Assign to me",
            r#"<form method="post" action="/api/ui/comment" class="comment-form">"#,
        ],
    );
    // Cy's own comment has Delete, Bea's does not.
    assert_eq!(html.matches(">Delete</button>").count(), 1, "{html}");
    let (bea, cy) = html.split_once("mine").expect("Cy's comment");
    assert!(!bea.contains(">Delete</button>") && cy.contains(">Delete</button>"));
    // Admins may delete both.
    let html = page_as(1, "ana@example.test", Role::Admin).await;
    assert_eq!(html.matches(">Delete</button>").count(), 2);
}

#[tokio::test]
async fn the_assign_form_works_without_the_wasm() {
    let fake = team_fake();
    let referer = "http://stackprint.test/issues/7";
    for (body, want) in [
        (
            "id=7&user=bea%40example.test",
            Some(UserKey::Email("bea@example.test".to_owned())),
        ),
        ("id=7&user=", None),
    ] {
        let post = Request::post("/api/ui/assign")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, referer)
            .body(Body::from(body))
            .expect("request");
        let answer = respond(
            router_as(fake.clone(), 3, "cy@example.test", Role::Member),
            post,
        )
        .await;
        assert_eq!(answer.status, StatusCode::FOUND, "{body}");
        let calls = std::mem::take(&mut *fake.assign_calls.lock().expect("not poisoned"));
        assert_eq!(calls, [("cy@example.test".to_owned(), 7, want)], "{body}");
    }
}

/// The issue list as `role`: the bulk status bar and the rows' checkboxes are for members.
async fn list_as(role: Role) -> String {
    let backend = Arc::new(Fake {
        issues: vec![summary()],
        rows: vec![row(false)],
        facets: facets(),
        ..Fake::default()
    });
    let request = Request::get("/").body(Body::empty()).expect("request");
    let answer = respond(router_as(backend, 4, "someone@example.test", role), request).await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.body
}

#[tokio::test]
async fn only_members_get_the_bulk_status_bar() {
    let viewer = list_as(Role::Viewer).await;
    assert_contains(&viewer, &[r#"href="/issues/7""#, "ZeroDivisionError"]);
    for control in ["bulk-bar", r#"type="checkbox""#, r#"form="bulk-status""#] {
        assert!(!viewer.contains(control), "a viewer sees no {control}");
    }
    let member = list_as(Role::Member).await;
    assert_contains(
        &member,
        &[
            r#"class="bulk-bar""#,
            r#"aria-label="Select every issue on this page""#,
            r#"form="bulk-status""#,
        ],
    );
}
