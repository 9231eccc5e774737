//! The explorer (`/`) as the server renders it, and its server functions.

use domain::query::{FacetKey, Pattern, Sort, Term};

use super::*;
use crate::range::{Period, TimeRange};
use crate::url::ListState;

fn explorer_fake() -> Arc<Fake> {
    Arc::new(Fake {
        issues: vec![summary()],
        rows: vec![row(true)],
        facets: facets(),
        ..Fake::default()
    })
}

#[tokio::test]
async fn lists_the_issues_of_the_url_view() {
    let fake = explorer_fake();
    let (status, html) = get(
        fake.clone(),
        "/?search=service:checkout%20-host:web-3&sort=count&range=7d",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "<title>Issues · Stackprint</title>",
            r#"href="/pkg/stackprint.css""#,
            r#"href="/issues/7""#,
            "ZeroDivisionError",
            "division by zero",
            "shop.cart in total",
            // Count in range, total on hover, the sparkline and the badges.
            r#"title="42 events in total" class="numeric count">12</td>"#,
            r#"class="sparkline"><title>Trend"#,
            "Trend: 12 events in 24 buckets of 1 h, at most 9 in one",
            ">Regressed</span>",
            "status-for_review",
            // First seen (relative, exact on hover) with its version; last seen.
            ">2 days ago</time>",
            ">3 h ago</time>",
            r#"title="Version first seen in" class="version">1.4.0</span>"#,
            // The row's service toggles into the search.
            r#"href="/?search=-host:web-3&amp;range=7d&amp;sort=count" class="service">checkout"#,
            // Sort and range links keep the rest of the view.
            r#"href="/?search=service:checkout%20-host:web-3&amp;range=7d&amp;sort=count" aria-current="true" class="active">Events"#,
            r#"href="/?search=service:checkout%20-host:web-3&amp;range=7d" class="">Last seen"#,
            r#"href="/?search=service:checkout%20-host:web-3&amp;sort=count" title="Last day""#,
            "1–1 of 1",
        ],
    );
    let calls = fake.explorer_calls.lock().expect("not poisoned").clone();
    let [(query, search, range)] = calls.as_slice() else {
        panic!("one explorer call expected: {calls:?}");
    };
    assert_eq!((query.sort, query.offset), (Sort::Count, Some(0)));
    assert_eq!(
        search.terms,
        [
            Term::Facet {
                key: FacetKey::Service,
                value: Pattern::new("checkout"),
                negated: false,
            },
            Term::Facet {
                key: FacetKey::Host,
                value: Pattern::new("web-3"),
                negated: true,
            },
        ]
    );
    let from = range.from.expect("a range from 7 days ago");
    assert!(
        (now_ms() - 7 * 24 * HOUR - from).abs() < 60_000,
        "{range:?}"
    );
    assert_eq!(
        (range.to.map(|to| to - from), range.buckets),
        (Some(7 * 24 * HOUR), Some(24)),
        "exactly 7 days, whatever the server's clock says meanwhile"
    );
}

#[tokio::test]
async fn search_is_highlighted_and_facets_edit_it() {
    let (_, html) = get(explorer_fake(), "/?search=service:checkout%20-host:web-3").await;
    assert_contains(
        &html,
        &[
            r#"value="service:checkout -host:web-3""#,
            r#"<span class="tok tok-key">service:</span>"#,
            r#"<span class="tok tok-value">checkout</span>"#,
            r#"<span class="tok tok-negation">-</span>"#,
            r#"aria-invalid="false""#,
            // Facets with counts: an included value links to its removal, others add themselves,
            // ⊖ excludes.
            r#"<li class="facet-item included"><a href="/?search=-host:web-3" title="Remove service:checkout from the search" class="facet-value">"#,
            r#"<span class="facet-label">billing</span><span class="facet-count">1</span>"#,
            r#"href="/?search=service:checkout%20-host:web-3%20env:prod""#,
            r#"<li class="facet-item excluded">"#,
            r#"href="/?search=service:checkout%20-host:web-3%20-env:prod" aria-label="Exclude env:prod""#,
            r#"<span class="facet-label">Resolved</span>"#,
            r#"<h3 id="facet-host">Host</h3>"#,
        ],
    );
}

#[tokio::test]
async fn a_bad_search_is_explained_and_not_sent() {
    let fake = explorer_fake();
    let (status, html) = get(fake.clone(), "/?search=service:checkout%20OR%20env:prod").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            r#"<span title="OR is not supported; terms are combined with AND" class="tok tok-error">OR</span>"#,
            r#"aria-invalid="true""#,
            "OR is not supported; terms are combined with AND<!> at <code>OR</code>",
            "Fix the search above to see issues.",
        ],
    );
    assert!(fake.explorer_calls.lock().expect("not poisoned").is_empty());
    assert!(fake.facet_calls.lock().expect("not poisoned").is_empty());
}

#[tokio::test]
async fn empty_states_tell_a_new_install_from_an_empty_range() {
    let (status, html) = get(Arc::default(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "No errors yet",
            "DD_TRACE_AGENT_URL=http://&lt;host&gt;:8126",
            "OTEL_EXPORTER_OTLP_ENDPOINT",
        ],
    );
    let older = Arc::new(Fake {
        issues: vec![summary()],
        ..Fake::default()
    });
    let (_, html) = get(older, "/?search=env:staging").await;
    assert_contains(
        &html,
        &[
            "No issues match this search in the time range (Last day).",
            r#"href="/?search=env:staging&amp;range=30d">Look at the last 30 days"#,
            r#"href="/">Clear the search"#,
        ],
    );
    assert!(!html.contains("No errors yet"));
}

#[tokio::test]
async fn backend_errors_stay_on_the_server() {
    let fake = Arc::new(Fake {
        fail: true,
        ..Fake::default()
    });
    let (_, html) = get(fake, "/").await;
    assert_contains(
        &html,
        &[
            "role=\"alert\"",
            "Could not list issues; see the server log.",
        ],
    );
    assert!(!html.contains("database is locked"));
}

#[tokio::test]
async fn the_explorer_server_function_answers_json() {
    let fake = explorer_fake();
    let state = ListState {
        search: "env:prod".to_owned(),
        range: TimeRange::Last(Period::Hour1),
        sort: Sort::FirstSeen,
        offset: 50,
    };
    let body = serde_json::json!({ "state": state }).to_string();
    let (status, body) = send(fake.clone(), json_request("/api/ui/explorer", &body)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let snapshot: crate::api::Snapshot<crate::api::ExplorerPage> =
        serde_json::from_str(&body).expect("json");
    assert_eq!(snapshot.data.list.issues, fake.rows);
    assert!(snapshot.data.any_issues);
    let calls = fake.explorer_calls.lock().expect("not poisoned").clone();
    assert_eq!(calls[0].0.offset, Some(50));
    assert_eq!(calls[0].2.buckets, Some(12));

    // Hand-made requests with a bad search are refused with the reason.
    let body = serde_json::json!({ "search": "\"open", "range": { "last": "1d" } }).to_string();
    let (status, body) = send(fake, json_request("/api/ui/facets", &body)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(body.contains("Invalid search"), "{body}");
}

#[tokio::test]
async fn bulk_status_changes_are_recorded_with_the_actor() {
    let fake = Arc::new(Fake {
        detail: Some(detail()),
        ..Fake::default()
    });
    for (body, want) in [
        (
            r#"{"ids":[7,8],"status":"resolved","actor":"ana"}"#,
            Some((vec![7, 8], Status::Resolved, "ana")),
        ),
        (
            r#"{"ids":[7],"status":"ignored","actor":"  "}"#,
            Some((vec![7], Status::Ignored, "web")),
        ),
        (r#"{"ids":[],"status":"ignored","actor":null}"#, None),
    ] {
        fake.status_calls.lock().expect("not poisoned").clear();
        let (status, answer) = send(fake.clone(), json_request("/api/ui/status", body)).await;
        let calls = fake.status_calls.lock().expect("not poisoned").clone();
        match want {
            Some((ids, to, actor)) => {
                assert_eq!(status, StatusCode::OK, "{answer}");
                assert_eq!(calls, [(ids, to, actor.to_owned())]);
                let result: BulkStatusResult = serde_json::from_str(&answer).expect("json");
                assert_eq!(result.updated, [7]);
            }
            None => {
                assert_ne!(status, StatusCode::OK);
                assert!(answer.contains("Select 1 to 1000 issues."), "{answer}");
                assert!(calls.is_empty());
            }
        }
    }
    let long = format!(
        r#"{{"ids":[7],"status":"reviewed","actor":"{}"}}"#,
        "a".repeat(201)
    );
    let (status, answer) = send(fake.clone(), json_request("/api/ui/status", &long)).await;
    assert_ne!(status, StatusCode::OK);
    assert!(answer.contains("at most 200 characters"), "{answer}");
}
