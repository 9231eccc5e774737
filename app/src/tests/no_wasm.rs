//! What works before and without the WASM: the empty state names the host the browser used, and the
//! status forms post to a server function that redirects back.

use std::net::SocketAddr;

use super::*;
use crate::api::IntakeAddresses;

/// The app as the server mounts it, with the intake addresses worked out from each request's `Host`.
fn router_with_intake(backend: Arc<Fake>, agent: Option<SocketAddr>) -> Router {
    let backend = Backend(backend);
    let ui: SocketAddr = "0.0.0.0:3000".parse().expect("address");
    let otlp = "0.0.0.0:4318".parse().ok();
    app_router(move || {
        provide_context(backend.clone());
        let host = use_context::<axum::http::request::Parts>().and_then(|p| {
            p.headers
                .get(header::HOST)?
                .to_str()
                .ok()
                .map(str::to_owned)
        });
        provide_context(IntakeAddresses::new(host.as_deref(), ui, agent, otlp));
    })
}

async fn page_for_host(agent: &str, host: &str) -> String {
    let request = Request::get("/")
        .header(header::HOST, host)
        .body(Body::empty())
        .expect("request");
    let answer = respond(
        router_with_intake(Arc::default(), agent.parse().ok()),
        request,
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK);
    answer.body
}

#[tokio::test]
async fn the_empty_state_names_the_host_the_browser_used() {
    let html = page_for_host("0.0.0.0:9126", "errors.example.com:3000").await;
    assert_contains(
        &html,
        &[
            "No errors yet",
            r#"<code style="user-select: all; -webkit-user-select: all;">DD_TRACE_AGENT_URL=http://errors.example.com:9126</code>"#,
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://errors.example.com:4318",
            r#"data-snippet="DD_TRACE_AGENT_URL""#,
        ],
    );
    assert!(!html.contains("&lt;host&gt;"), "{html}");
    assert!(
        !html.contains("Copy"),
        "the Copy buttons appear once the WASM runs"
    );

    let html = page_for_host("127.0.0.1:8126", "10.1.2.3:3000").await;
    assert_contains(
        &html,
        &[
            "DD_TRACE_AGENT_URL=http://10.1.2.3:8126",
            "only services on the Stackprint machine reach it",
            "--agent-listen 0.0.0.0:8126",
        ],
    );

    let html = page_for_host("off", "0.0.0.0:3000").await;
    assert_contains(
        &html,
        &[
            "This intake is off",
            "OTEL_EXPORTER_OTLP_ENDPOINT=http://&lt;host&gt;:4318",
            "with an address of this server the service can reach",
        ],
    );
}

fn form_post(body: &str, referer: &str) -> Request<Body> {
    form_post_to("/api/ui/status/form", body, referer)
}

fn form_post_to(path: &str, body: &str, referer: &str) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, referer)
        .body(Body::from(body.to_owned()))
        .expect("request")
}

#[tokio::test]
async fn status_forms_change_and_redirect_back() {
    let fake = Arc::new(Fake {
        detail: Some(detail()),
        ..Fake::default()
    });
    let referer = "http://stackprint.test/?search=env%3Aprod";
    for (body, want) in [
        (
            "ids%5B%5D=7&ids%5B%5D=8&status=resolved&actor=ana",
            (vec![7, 8], Status::Resolved, "ana"),
        ),
        (
            "ids[]=7&status=ignored&actor=",
            (vec![7], Status::Ignored, "web"),
        ),
        (
            "ids[]=7&status=reviewed",
            (vec![7], Status::Reviewed, "web"),
        ),
    ] {
        fake.status_calls.lock().expect("not poisoned").clear();
        let answer = respond(router(fake.clone()), form_post(body, referer)).await;
        assert_eq!(answer.status, StatusCode::FOUND, "{body}");
        assert_eq!(answer.headers[header::LOCATION], referer, "{body}");
        let calls = fake.status_calls.lock().expect("not poisoned").clone();
        let (ids, status, actor) = want;
        assert_eq!(calls, [(ids, status, actor.to_owned())], "{body}");
    }

    // Nothing checked: back to the page with the reason, which the page shows.
    fake.status_calls.lock().expect("not poisoned").clear();
    let answer = respond(
        router(fake.clone()),
        form_post("status=ignored&actor=", referer),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FOUND);
    let location = answer.headers[header::LOCATION]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(location.contains("__err="), "{location}");
    assert!(fake.status_calls.lock().expect("not poisoned").is_empty());
    let back = location.trim_start_matches("http://stackprint.test");
    let with_rows = Arc::new(Fake {
        issues: vec![summary()],
        rows: vec![row(false)],
        ..Fake::default()
    });
    let (_, html) = get(with_rows, back).await;
    assert_contains(&html, &["Select 1 to 1000 issues."]);
}

#[tokio::test]
async fn the_merge_form_merges_into_the_oldest_and_redirects_back() {
    let fake = Arc::new(Fake::default());
    let referer = "http://stackprint.test/?sort=count";
    let body = "ids%5B%5D=9&ids%5B%5D=7&ids%5B%5D=8&actor=ana";
    let post = form_post_to("/api/ui/merge/form", body, referer);
    let answer = respond(router(fake.clone()), post).await;
    assert_eq!(answer.status, StatusCode::FOUND);
    assert_eq!(answer.headers[header::LOCATION], referer);
    let calls = fake.merge_calls.lock().expect("not poisoned").clone();
    assert_eq!(calls, [(7, vec![8, 9], "ana".to_owned())]);
    let one = form_post_to("/api/ui/merge/form", "ids[]=7&actor=", referer);
    let answer = respond(router(fake.clone()), one).await;
    let location = answer.headers[header::LOCATION].to_str().expect("ascii");
    assert!(location.contains("__err="), "{location}");
}

#[tokio::test]
async fn status_controls_are_forms_before_hydration() {
    let fake = Arc::new(Fake {
        issues: vec![summary()],
        rows: vec![row(false)],
        detail: Some(detail()),
        events: vec![event(3, 3)],
        activity: activity(),
        distribution: Some(distribution()),
        ..Fake::default()
    });
    let (_, html) = get(fake.clone(), "/").await;
    assert_contains(
        &html,
        &[
            r#"<form id="bulk-status" method="post" action="/api/ui/status/form" role="group" aria-label="Change the status of the selected issues" class="bulk-bar">"#,
            r#"name="ids[]" value="7" form="bulk-status""#,
            r#"<button type="submit" name="status" value="resolved" class="secondary">"#,
            r#"formaction="/api/ui/merge/form""#,
            ">Merge</button>",
        ],
    );
    let (_, html) = get(fake, "/issues/7").await;
    assert_contains(
        &html,
        &[
            r#"<form method="post" action="/api/ui/status/form" class="status-control">"#,
            r#"<input type="hidden" name="ids[]" value="7">"#,
            r#"name="status" value="ignored""#,
        ],
    );
}
