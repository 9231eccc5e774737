//! The trace page as the server renders it (the first paint, before any WASM), over a fake backend.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use domain::query::{IssueDetail, IssuePage, IssueQuery, TraceDetail, TraceSpan};
use leptos::prelude::*;

use crate::backend::{Backend, BackendFuture, ExplorerBackend};
use crate::tests::{app_router, respond};

const TRACE_ID: u128 = 0x0af7_6519_16cd_43dd_8448_eb21_1c80_319c;
const MS: i64 = 1_000_000;

struct Fake(TraceDetail);

impl ExplorerBackend for Fake {
    fn list_issues(&self, _: IssueQuery) -> BackendFuture<'_, IssuePage> {
        Box::pin(async {
            Ok(IssuePage {
                issues: Vec::new(),
                total: 0,
            })
        })
    }

    fn issue(&self, _: i64) -> BackendFuture<'_, Option<IssueDetail>> {
        Box::pin(async { Ok(None) })
    }

    fn trace(&self, trace_id: u128) -> BackendFuture<'_, Option<TraceDetail>> {
        let found = (trace_id == TRACE_ID).then(|| self.0.clone());
        Box::pin(async move { Ok(found) })
    }
}

fn span(id: &str, parent: &str, service: &str, name: &str, start_ms: i64, ms: i64) -> TraceSpan {
    TraceSpan {
        span_id: id.to_owned(),
        parent_id: parent.to_owned(),
        service: service.to_owned(),
        name: name.to_owned(),
        resource: name.to_owned(),
        start: 1_700_000_000_000 * MS + start_ms * MS,
        duration: ms * MS,
        error: false,
        meta: BTreeMap::new(),
        metrics: BTreeMap::new(),
    }
}

/// A Flask request whose handler raised, with a database call and a burst of sub-pixel cache calls.
fn flask_trace(cache_calls: usize) -> TraceDetail {
    let mut request = span("1", "0", "checkout", "flask.request", 0, 100);
    request.resource = "GET /fail/<id>".to_owned();
    request.error = true;
    let mut handler = span("2", "1", "checkout", "flask.dispatch_request", 10, 80);
    handler.error = true;
    handler.meta = BTreeMap::from([
        ("error.type".to_owned(), "builtins.ValueError".to_owned()),
        ("error.message".to_owned(), "order 4711 not found".to_owned()),
        (
            "error.stack".to_owned(),
            "Traceback (most recent call last):\n  File \"/srv/orders.py\", line 12, in load_order\n    raise ValueError(\"order 4711 not found\")\nValueError: order 4711 not found\n".to_owned(),
        ),
        ("language".to_owned(), "python".to_owned()),
    ]);
    handler.metrics = BTreeMap::from([("_sampling_priority_v1".to_owned(), 1.0)]);
    let mut spans = vec![
        request,
        handler,
        span("3", "2", "postgres", "postgres.query", 20, 30),
    ];
    spans.extend((0..cache_calls).map(|i| {
        let mut call = span(&format!("c{i}"), "2", "redis", "redis.command", 60, 0);
        call.start += i as i64 * 1_000;
        call.duration = 500;
        call
    }));
    TraceDetail {
        trace_id: format!("{TRACE_ID:032x}"),
        spans,
    }
}

async fn get(trace: TraceDetail, uri: &str) -> (StatusCode, String) {
    let backend = Backend(Arc::new(Fake(trace)));
    let router = app_router(move || provide_context(backend.clone()));
    let request = Request::get(uri).body(Body::empty()).expect("request");
    let answer = respond(router, request).await;
    (answer.status, answer.body)
}

fn assert_contains(html: &str, needles: &[&str]) {
    for needle in needles {
        assert!(html.contains(needle), "{needle:?} missing from:\n{html}");
    }
}

#[tokio::test]
async fn first_paint_shows_the_whole_trace_with_the_error_selected() {
    let uri = "/traces/0af7651916cd43dd8448eb211c80319c?entry=1&error=2&issue=7";
    let (status, html) = get(flask_trace(3), uri).await;
    assert_eq!(status, StatusCode::OK);
    assert_contains(
        &html,
        &[
            "<title>Trace 0af7651916cd43dd8448eb211c80319c · Stackprint</title>",
            r#"href="/issues/7""#,
            // Spans are buttons named for screen readers, placed in percent of the trace.
            r#"aria-label="checkout flask.request GET /fail/&lt;id&gt;, 100 ms, error, service entry""#,
            r#"aria-label="checkout flask.dispatch_request, 80.0 ms, error, carries the error""#,
            r#"aria-label="postgres postgres.query, 30.0 ms""#,
            r#"class="flame-span is-error is-entry""#,
            r#"class="flame-span is-error is-error-source""#,
            r#"data-span-id="3""#,
            "left:20.000000%;width:30.000000%;top:44px",
            // The three sub-pixel cache calls are one marker.
            ">+3</button>",
            "3 spans too narrow to show at this zoom",
            // Axis and legend.
            ">0</span>",
            ">100 ms</span>",
            "redis",
            "Carries the error",
            // The span carrying the error is selected, its error and parsed stack shown.
            r#"aria-labelledby="span-details-title""#,
            "Span details",
            "builtins.ValueError",
            "order 4711 not found",
            "load_order",
            "+10.0 ms after the trace start",
            "_sampling_priority_v1",
        ],
    );
}

#[tokio::test]
async fn unknown_and_malformed_trace_ids_are_404() {
    for uri in ["/traces/ffff", "/traces/not-hex", "/traces/+1"] {
        let (status, html) = get(flask_trace(0), uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_contains(&html, &["Trace not found"]);
    }
}

#[tokio::test]
async fn thousands_of_spans_render_culled() {
    let (status, html) = get(
        flask_trace(5_000),
        "/traces/0af7651916cd43dd8448eb211c80319c",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches(r#"class="flame-span"#).count(), 3);
    assert_contains(&html, &[">+5000</button>", "(5000)"]);
}
