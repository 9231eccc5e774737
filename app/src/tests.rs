//! The pages rendered the way the server serves them (`leptos_routes_with_context`), over a fake backend.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use domain::grouping::Component;
use domain::query::{EventDetail, IssueDetail, IssuePage, IssueQuery, IssueSummary, Sort, Status};
use domain::stacktrace::{Exception, Frame, Language, Stacktrace};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, file_and_error_handler, generate_route_list};
use tower::ServiceExt;

use crate::backend::{Backend, BackendFuture, ExplorerBackend};
use crate::{App, shell};

const HOUR: i64 = 3_600_000;

/// Pages show times relative to the server's clock, so the fixtures are relative to it too.
fn hours_ago(hours: i64) -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(now.as_millis()).expect("fits") - hours * HOUR
}

#[derive(Default)]
struct Fake {
    issues: Vec<IssueSummary>,
    detail: Option<IssueDetail>,
    fail: bool,
    queries: Mutex<Vec<IssueQuery>>,
}

impl ExplorerBackend for Fake {
    fn list_issues(&self, query: IssueQuery) -> BackendFuture<'_, IssuePage> {
        self.queries.lock().expect("not poisoned").push(query);
        let page = IssuePage {
            issues: self.issues.clone(),
            total: self.issues.len() as i64,
        };
        let result = if self.fail {
            Err("database is locked".to_owned())
        } else {
            Ok(page)
        };
        Box::pin(async move { result })
    }

    fn issue(&self, id: i64) -> BackendFuture<'_, Option<IssueDetail>> {
        let found = self.detail.clone().filter(|d| d.issue.id == id);
        Box::pin(async move { Ok(found) })
    }
}

fn summary() -> IssueSummary {
    IssueSummary {
        id: 7,
        fingerprint: "f00d".to_owned(),
        service: "checkout".to_owned(),
        env: "prod".to_owned(),
        error_type: "ZeroDivisionError".to_owned(),
        message: "division by zero".to_owned(),
        culprit: Some("shop.cart in total".to_owned()),
        status: Status::ForReview,
        count: 42,
        first_seen: hours_ago(50),
        last_seen: hours_ago(3),
        first_version: Some("1.4.0".to_owned()),
        last_version: Some("1.5.2".to_owned()),
    }
}

fn frame(function: &str, in_app: bool) -> Frame {
    Frame {
        module: Some(
            if in_app {
                "shop.cart"
            } else {
                "django.core.handlers"
            }
            .to_owned(),
        ),
        file: Some(format!("/srv/{function}.py")),
        function: Some(function.to_owned()),
        line: Some(12),
        column: None,
        in_app,
    }
}

fn detail() -> IssueDetail {
    let leaf = |id: &str, value: &str, contributes, hint: Option<&str>| Component {
        id: id.to_owned(),
        values: vec![value.to_owned()],
        contributes,
        hint: hint.map(str::to_owned),
        children: Vec::new(),
    };
    let stacktrace = Stacktrace {
        language: Some(Language::Python),
        exceptions: vec![
            Exception {
                error_type: Some("ZeroDivisionError".to_owned()),
                message: Some("division by zero".to_owned()),
                frames: vec![
                    frame("inner", false),
                    frame("get_response", false),
                    frame("total", true),
                ],
            },
            Exception {
                error_type: Some("KeyError".to_owned()),
                message: None,
                frames: vec![frame("lookup", true)],
            },
        ],
        raw: false,
    };
    IssueDetail {
        issue: summary(),
        grouping_version: "2026-11".to_owned(),
        fingerprint_tree: Component {
            id: "fingerprint".to_owned(),
            values: Vec::new(),
            contributes: true,
            hint: None,
            children: vec![
                leaf("type", "ZeroDivisionError", true, None),
                leaf(
                    "message",
                    "division by zero",
                    false,
                    Some("messages vary; the stack trace is used"),
                ),
            ],
        },
        latest_event: Some(EventDetail {
            id: 1,
            issue_id: 7,
            trace_id: "0af7651916cd43dd8448eb211c80319c".to_owned(),
            span_id: "1234567890".to_owned(),
            error_span_id: "1234567890".to_owned(),
            timestamp: hours_ago(3),
            service: "checkout".to_owned(),
            env: Some("prod".to_owned()),
            version: Some("1.5.2".to_owned()),
            host: Some("web-1".to_owned()),
            container_id: None,
            resource: "GET /cart".to_owned(),
            operation: "django.request".to_owned(),
            error_type: "ZeroDivisionError".to_owned(),
            message: "division by zero".to_owned(),
            stack: "Traceback (most recent call last):\n  ...".to_owned(),
            stacktrace,
            span_tags: BTreeMap::from([("http.method".to_owned(), "GET".to_owned())]),
            host_tags: BTreeMap::new(),
            container_tags: BTreeMap::new(),
            metrics: BTreeMap::from([("_sampling_priority_v1".to_owned(), 1.0)]),
        }),
    }
}

fn router(backend: Arc<Fake>) -> Router {
    let backend = Backend(backend);
    let options = LeptosOptions::builder().output_name("stackprint").build();
    let routes = generate_route_list(App);
    Router::new()
        .leptos_routes_with_context(
            &options,
            routes,
            move || provide_context(backend.clone()),
            {
                let options = options.clone();
                move || shell(options.clone())
            },
        )
        .fallback(file_and_error_handler(shell))
        .with_state(options)
}

async fn send(backend: Arc<Fake>, request: Request<Body>) -> (StatusCode, String) {
    let response = router(backend).oneshot(request).await.expect("infallible");
    let status = response.status();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, String::from_utf8(body.to_vec()).expect("utf-8"))
}

async fn get(backend: Arc<Fake>, uri: &str) -> (StatusCode, String) {
    send(
        backend,
        Request::get(uri).body(Body::empty()).expect("request"),
    )
    .await
}

fn assert_contains(html: &str, needles: &[&str]) {
    for needle in needles {
        assert!(html.contains(needle), "{needle:?} missing from:\n{html}");
    }
}

#[tokio::test]
async fn lists_issues_filtered_by_the_url() {
    let fake = Arc::new(Fake {
        issues: vec![summary()],
        ..Fake::default()
    });
    let (status, html) = get(
        fake.clone(),
        "/?q=zero&status=for_review&sort=count&service=checkout",
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
            r#"href="/?service=checkout""#,
            ">2 days ago</time>",
            ">3 h ago</time>",
            r#"value="count" selected"#,
            r#"name="service" value="checkout""#,
            "1–1 of 1",
        ],
    );
    let seen = fake.queries.lock().expect("not poisoned").clone();
    let want = IssueQuery {
        service: Some("checkout".to_owned()),
        q: Some("zero".to_owned()),
        status: Some(Status::ForReview),
        sort: Sort::Count,
        ..IssueQuery::default()
    };
    assert_eq!(seen, [want]);
}

#[tokio::test]
async fn new_install_explains_how_to_send_errors() {
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
    let (_, html) = get(Arc::default(), "/?env=staging").await;
    assert_contains(&html, &["No issues match these filters"]);
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
async fn issue_page_shows_the_trace_tags_and_grouping() {
    let fake = Arc::new(Fake {
        detail: Some(detail()),
        ..Fake::default()
    });
    let (status, html) = get(fake, "/issues/7").await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "<title>ZeroDivisionError: division by zero · Stackprint</title>",
            "2 library frames",
            "/srv/total.py:12",
            "Caused by ",
            "KeyError",
            "Raw stack trace",
            "http.method",
            "_sampling_priority_v1",
            "messages vary; the stack trace is used",
            "2026-11",
            "1.4.0",
        ],
    );
}

#[tokio::test]
async fn unknown_pages_and_issues_are_404() {
    let fake = Arc::new(Fake {
        detail: Some(detail()),
        ..Fake::default()
    });
    for (uri, text) in [
        ("/issues/99", "Issue not found"),
        ("/issues/abc", "Issue not found"),
        ("/nope", "Page not found"),
    ] {
        let (status, html) = get(fake.clone(), uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_contains(&html, &[text]);
    }
}

#[tokio::test]
async fn server_function_answers_json() {
    let fake = Arc::new(Fake {
        issues: vec![summary()],
        ..Fake::default()
    });
    let request = Request::post("/api/ui/issues")
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(r#"{"query":{"status":"resolved"}}"#))
        .expect("request");
    let (status, body) = send(fake.clone(), request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let snapshot: crate::api::Snapshot<IssuePage> = serde_json::from_str(&body).expect("json");
    assert_eq!(snapshot.data.issues, [summary()]);
    assert_eq!(
        fake.queries.lock().expect("not poisoned")[0].status,
        Some(Status::Resolved)
    );
}
