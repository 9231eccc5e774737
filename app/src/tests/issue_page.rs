//! The issue page (`/issues/:id`) as the server renders it.

use super::*;

fn issue_fake() -> Arc<Fake> {
    Arc::new(Fake {
        detail: Some(detail()),
        events: vec![event(3, 3), event(2, 20), event(1, 40)],
        activity: activity(),
        distribution: Some(distribution()),
        ..Fake::default()
    })
}

#[tokio::test]
async fn issue_page_shows_every_section() {
    let (status, html) = get(issue_fake(), "/issues/7").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "<title>ZeroDivisionError: division by zero · Stackprint</title>",
            // Header and status control.
            r#"href="/?search=service:checkout">checkout</a>"#,
            r#"href="/?search=env:prod">prod</a>"#,
            r#"aria-pressed="true""#,
            ">Reviewed</button>",
            ">Regressed</span>",
            // Distribution: bars with their counts, breakdowns with shares and error rates.
            r#"<h2 id="distribution">Events over time</h2>"#,
            r#"class="chart-bar""#,
            "8 events in buckets of 1 h; the busiest had 6.",
            r#"href="/?search=service:checkout%20version:1.5.2""#,
            ">75%</td>",
            r#"title="8 errors in 40 requests" class="numeric">20%</td>"#,
            r#"aria-current="true" title="Last day" class="range-preset active">1d</a>"#,
            // The latest event, with navigation to older ones.
            "Latest event",
            "1 of 3",
            r#"href="/issues/7?event=1" rel="next">Older →</a>"#,
            r#"href="/issues/7?event=2">Oldest</a>"#,
            r#"<span aria-disabled="true" class="disabled">Latest</span>"#,
            "<code>1.5.3</code>",
            // Its stack, tags (filterable, facet tags linked) and metrics.
            "2 library frames",
            "/srv/total.py:12",
            "Caused by ",
            "KeyError",
            "Raw stack trace",
            "http.method",
            r#"aria-label="Filter span tags""#,
            r#"href="/?search=env:prod" title="Search the explorer for env: prod">prod</a>"#,
            r#"href="/?search=host:web-1" title="Search the explorer for host.name: web-1""#,
            "_sampling_priority_v1",
            "View trace",
            // Activity, oldest first.
            "First seen",
            "<strong>ana</strong>",
            "<code>1.4.0</code>",
            // Grouping.
            "messages vary; the stack trace is used",
            "2026-11",
        ],
    );
}

#[tokio::test]
async fn a_handling_stack_is_a_folded_second_stack() {
    let mut handled = event(3, 3);
    handled.handling_stacktrace = Some(stacktrace());
    handled
        .span_tags
        .insert("error.handling_stack".to_owned(), "handled here".to_owned());
    let fake = Arc::new(Fake {
        detail: Some(detail()),
        events: vec![handled],
        ..Fake::default()
    });
    let (_, html) = get(fake, "/issues/7").await;
    assert_contains(
        &html,
        &[
            r#"<details class="handling-stack"><summary><h3>Handled at</h3></summary>"#,
            "handled here",
        ],
    );
    let (_, html) = get(issue_fake(), "/issues/7").await;
    assert!(
        !html.contains("Handled at"),
        "no handling stack, no section"
    );
}

#[tokio::test]
async fn why_grouped_folds_runs_of_library_frames_and_shows_the_stripped_root() {
    let node = |id: &str, value: &str, contributes: bool, fold: bool| Component {
        id: id.to_owned(),
        values: vec![value.to_owned()],
        contributes,
        hint: None,
        children: Vec::new(),
        fold,
    };
    let mut grouped = detail();
    grouped.fingerprint_tree.children.push(Component {
        id: "stacktrace".to_owned(),
        values: Vec::new(),
        contributes: true,
        hint: None,
        fold: false,
        children: vec![
            node("project_root", "/srv/shop/releases/42", false, false),
            node("frame", "django/core/handlers/base.py", false, true),
            node("frame", "django/views/generic/base.py", false, true),
            node("frame", "shop/views.py in checkout", true, false),
            node("frame", "gunicorn/workers/sync.py", false, true),
        ],
    });
    let fake = Arc::new(Fake {
        detail: Some(grouped),
        ..Fake::default()
    });
    let (_, html) = get(fake, "/issues/7").await;
    assert_contains(
        &html,
        &[
            r#"<span class="component-id">project_root</span>"#,
            "/srv/shop/releases/42",
            r#"<li class="folded-frames"><details><summary>2 frames not from the service</summary>"#,
            "shop/views.py in checkout",
            "<summary>1 frame not from the service</summary>",
        ],
    );
    // The service's frame stays outside any fold, between the two runs.
    let (first, rest) = html.split_once("shop/views.py in checkout").expect("frame");
    assert!(first.contains("2 frames not from the service"));
    assert!(rest.contains("1 frame not from the service"));
}

#[tokio::test]
async fn a_merged_issue_says_where_and_unmerges_by_form() {
    let mut merged = detail();
    merged.merged_into = Some(3);
    let fake = Arc::new(Fake {
        detail: Some(merged),
        ..Fake::default()
    });
    let (_, html) = get(fake.clone(), "/issues/7").await;
    assert_contains(
        &html,
        &[
            r#"<form method="post" action="/api/ui/unmerge/form" role="note" class="merged-note">"#,
            r#"<a href="/issues/3">#3</a>"#,
            r#"<input type="hidden" name="id" value="7">"#,
            ">Unmerge</button>",
        ],
    );
    let referer = "http://stackprint.test/issues/7?event=0";
    let post = Request::post("/api/ui/unmerge/form")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, referer)
        .body(Body::from("id=7&actor=bo"))
        .expect("request");
    let answer = respond(router(fake.clone()), post).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    let calls = fake.unmerge_calls.lock().expect("not poisoned").clone();
    assert_eq!(calls, [(7, "bo".to_owned())]);
    let (_, html) = get(issue_fake(), "/issues/7").await;
    assert!(!html.contains("merged-note"), "only merged issues say so");
}

#[tokio::test]
async fn event_navigation_keeps_the_range() {
    let (_, html) = get(issue_fake(), "/issues/7?range=7d&event=2").await;
    assert_contains(
        &html,
        &[
            "Oldest event",
            "3 of 3",
            r#"href="/issues/7?range=7d&amp;event=1" rel="prev">← Newer</a>"#,
            r#"href="/issues/7?range=7d">Latest</a>"#,
            r#"<span aria-disabled="true" class="disabled">Older →</span>"#,
            "<code>1.5.1</code>",
            r#"aria-current="true" title="Last 7 days" class="range-preset active">7d</a>"#,
            // Switching the range keeps the event.
            r#"href="/issues/7?range=30d&amp;event=2""#,
        ],
    );
    let (_, html) = get(issue_fake(), "/issues/7?event=9").await;
    assert_contains(
        &html,
        &[
            "This issue has 3 events; there is no event number 10.",
            r#"href="/issues/7">Show the latest</a>"#,
        ],
    );
}

#[tokio::test]
async fn unknown_pages_and_issues_are_404() {
    for (uri, text) in [
        ("/issues/99", "Issue not found"),
        ("/issues/abc", "Issue not found"),
        ("/nope", "Page not found"),
    ] {
        let (status, html) = get(issue_fake(), uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_contains(&html, &[text]);
    }
}

#[tokio::test]
async fn issue_server_functions_answer_json() {
    let fake = issue_fake();
    let (status, body) = send(
        fake.clone(),
        json_request("/api/ui/event", r#"{"id":7,"index":1}"#),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: crate::api::Snapshot<EventPage> = serde_json::from_str(&body).expect("json");
    assert_eq!((page.data.total, page.data.events[0].id), (3, 2));

    let (status, body) = send(
        fake.clone(),
        json_request(
            "/api/ui/distribution",
            r#"{"id":7,"range":{"between":{"from":1000,"to":7201000}}}"#,
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: Option<IssueDistribution> = serde_json::from_str(&body).expect("json");
    assert_eq!(found, fake.distribution);

    let (_, body) = send(
        fake.clone(),
        json_request("/api/ui/activity", r#"{"id":99}"#),
    )
    .await;
    let page: crate::api::Snapshot<Option<ActivityPage>> =
        serde_json::from_str(&body).expect("json");
    assert_eq!(page.data, None);
}
