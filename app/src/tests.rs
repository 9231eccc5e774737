//! The pages and server functions served the way the server serves them
//! (`leptos_routes_with_context`), over a fake backend: the explorer in `explorer`, the issue page in
//! `issue_page`; shared fixtures here.

mod explorer;
mod issue_page;
mod no_wasm;
mod settings_admin;
mod source;
mod teamwork;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock, Mutex};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request, StatusCode, header};
use domain::access::Caller;
use domain::explorer::{
    Activity, ActivityKind, ActivityPage, BulkStatusResult, ErrorRate, FacetValue, Facets,
    IssueDistribution, IssueListPage, IssueRow, MergeResult, RangeQuery, Share,
};
use domain::grouping::Component;
use domain::query::{
    EventDetail, EventPage, IssueDetail, IssuePage, IssueQuery, IssueSummary, Search, Status,
};
use domain::stacktrace::{Exception, Frame, Language, Stacktrace};
use domain::teamwork::{Comment, UserKey, UserRef};
use leptos::prelude::*;
use leptos_axum::{AxumRouteListing, LeptosRoutes, file_and_error_handler, generate_route_list};
use tower::ServiceExt;

use crate::backend::{Backend, BackendError, BackendFuture, ExplorerBackend};
use crate::{App, shell};

const HOUR: i64 = 3_600_000;

fn now_ms() -> i64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(now.as_millis()).expect("fits")
}

/// Pages show times relative to the server's clock, so the fixtures are relative to it too.
fn hours_ago(hours: i64) -> i64 {
    now_ms() - hours * HOUR
}

/// Answers with its fields and records what the pages asked for.
#[derive(Default)]
struct Fake {
    /// What `list_issues` (all issues) answers.
    issues: Vec<IssueSummary>,
    /// What the explorer lists.
    rows: Vec<IssueRow>,
    facets: Facets,
    detail: Option<IssueDetail>,
    events: Vec<EventDetail>,
    activity: Vec<Activity>,
    comments: Vec<Comment>,
    users: Vec<UserRef>,
    distribution: Option<IssueDistribution>,
    fail: bool,
    explorer_calls: Mutex<Vec<(IssueQuery, Search, RangeQuery)>>,
    facet_calls: Mutex<Vec<(Search, RangeQuery)>>,
    status_calls: Mutex<Vec<(Vec<i64>, Status, String)>>,
    merge_calls: Mutex<Vec<(i64, Vec<i64>, String)>>,
    unmerge_calls: Mutex<Vec<(i64, String)>>,
    assign_calls: Mutex<Vec<(String, i64, Option<UserKey>)>>,
}

impl Fake {
    fn answer<T: Send + 'static>(&self, value: T) -> BackendFuture<'_, T> {
        let result = if self.fail {
            Err(BackendError::Failed("database is locked".to_owned()))
        } else {
            Ok(value)
        };
        Box::pin(async move { result })
    }

    fn known(&self, id: i64) -> bool {
        self.detail.as_ref().is_some_and(|d| d.issue.id == id)
    }
}

impl ExplorerBackend for Fake {
    fn list_issues(&self, _: IssueQuery) -> BackendFuture<'_, IssuePage> {
        self.answer(IssuePage {
            issues: self.issues.clone(),
            total: self.issues.len() as i64,
        })
    }

    fn issue(&self, id: i64) -> BackendFuture<'_, Option<IssueDetail>> {
        self.answer(self.detail.clone().filter(|d| d.issue.id == id))
    }

    fn explorer_issues(
        &self,
        query: IssueQuery,
        search: Search,
        range: RangeQuery,
    ) -> BackendFuture<'_, IssueListPage> {
        let buckets = range.buckets() as usize;
        self.explorer_calls
            .lock()
            .expect("not poisoned")
            .push((query, search, range));
        self.answer(IssueListPage {
            issues: self.rows.clone(),
            total: self.rows.len() as i64,
            buckets: (0..buckets as i64).map(|i| hours_ago(24 - i)).collect(),
            bucket_ms: HOUR,
        })
    }

    fn facets(&self, search: Search, range: RangeQuery) -> BackendFuture<'_, Facets> {
        self.facet_calls
            .lock()
            .expect("not poisoned")
            .push((search, range));
        self.answer(self.facets.clone())
    }

    fn distribution(&self, id: i64, _: RangeQuery) -> BackendFuture<'_, Option<IssueDistribution>> {
        let found = self.distribution.clone().filter(|_| self.known(id));
        self.answer(found)
    }

    fn activity(&self, id: i64) -> BackendFuture<'_, Option<ActivityPage>> {
        let found = self.known(id).then(|| ActivityPage {
            activity: self.activity.clone(),
            comments: self.comments.clone(),
        });
        self.answer(found)
    }

    fn events(&self, id: i64, limit: u32, offset: u32) -> BackendFuture<'_, EventPage> {
        let events = if self.known(id) {
            self.events.clone()
        } else {
            Vec::new()
        };
        let total = events.len() as i64;
        let page = events
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        self.answer(EventPage {
            events: page,
            total,
        })
    }

    fn set_statuses(
        &self,
        ids: Vec<i64>,
        status: Status,
        actor: String,
    ) -> BackendFuture<'_, BulkStatusResult> {
        let (updated, not_found) = ids.iter().partition(|&&id| self.known(id));
        self.status_calls
            .lock()
            .expect("not poisoned")
            .push((ids, status, actor));
        self.answer(BulkStatusResult { updated, not_found })
    }

    fn merge(&self, into: i64, issues: Vec<i64>, actor: String) -> BackendFuture<'_, MergeResult> {
        self.merge_calls
            .lock()
            .expect("not poisoned")
            .push((into, issues.clone(), actor));
        self.answer(MergeResult {
            into,
            merged: issues,
        })
    }

    fn unmerge(&self, id: i64, actor: String) -> BackendFuture<'_, i64> {
        self.unmerge_calls
            .lock()
            .expect("not poisoned")
            .push((id, actor));
        self.answer(3)
    }

    fn assignable_users(&self) -> BackendFuture<'_, Vec<UserRef>> {
        self.answer(self.users.clone())
    }

    fn assign(
        &self,
        caller: Caller,
        id: i64,
        user: Option<UserKey>,
    ) -> BackendFuture<'_, Option<UserRef>> {
        let found = self
            .users
            .iter()
            .find(|u| user == Some(UserKey::Email(u.email.clone())))
            .cloned();
        self.assign_calls
            .lock()
            .expect("not poisoned")
            .push((caller.user.email, id, user));
        self.answer(found)
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
        assignee: None,
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

fn stacktrace() -> Stacktrace {
    Stacktrace {
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
    }
}

fn detail() -> IssueDetail {
    let leaf = |id: &str, value: &str, contributes, hint: Option<&str>| Component {
        id: id.to_owned(),
        values: vec![value.to_owned()],
        contributes,
        hint: hint.map(str::to_owned),
        children: Vec::new(),
        fold: false,
    };
    IssueDetail {
        merged_into: None,
        issue: summary(),
        grouping_version: "2026-11".to_owned(),
        fingerprint_tree: Component {
            id: "fingerprint".to_owned(),
            values: Vec::new(),
            contributes: true,
            hint: None,
            fold: false,
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
        latest_event: Some(event(1, 3)),
    }
}

/// Event `id` of issue 7, `hours` ago.
fn event(id: i64, hours: i64) -> EventDetail {
    EventDetail {
        id,
        issue_id: 7,
        trace_id: "0af7651916cd43dd8448eb211c80319c".to_owned(),
        span_id: format!("12345678{id}"),
        error_span_id: format!("12345678{id}"),
        timestamp: hours_ago(hours),
        service: "checkout".to_owned(),
        env: Some("prod".to_owned()),
        version: Some(format!("1.5.{id}")),
        host: Some("web-1".to_owned()),
        container_id: None,
        resource: "GET /cart".to_owned(),
        operation: "django.request".to_owned(),
        error_type: "ZeroDivisionError".to_owned(),
        message: "division by zero".to_owned(),
        stack: "Traceback (most recent call last):\n  ...".to_owned(),
        stacktrace: stacktrace(),
        handling_stacktrace: None,
        span_tags: BTreeMap::from([
            ("http.method".to_owned(), "GET".to_owned()),
            ("env".to_owned(), "prod".to_owned()),
        ]),
        host_tags: BTreeMap::from([("host.name".to_owned(), "web-1".to_owned())]),
        container_tags: BTreeMap::new(),
        metrics: BTreeMap::from([("_sampling_priority_v1".to_owned(), 1.0)]),
    }
}

/// An explorer row of [`summary`] with a trend over 24 hourly buckets.
fn row(regressed: bool) -> IssueRow {
    let mut trend = vec![0; 24];
    trend[20] = 3;
    trend[23] = 9;
    IssueRow {
        summary: summary(),
        count_in_range: 12,
        trend,
        regressed,
    }
}

fn facets() -> Facets {
    let values = |pairs: &[(&str, i64)]| {
        pairs
            .iter()
            .map(|(value, count)| FacetValue {
                value: (*value).to_owned(),
                count: *count,
            })
            .collect()
    };
    Facets {
        service: values(&[("checkout", 3), ("billing", 1)]),
        env: values(&[("prod", 4)]),
        version: values(&[("1.5.2", 2)]),
        error_type: values(&[("ZeroDivisionError", 1)]),
        status: values(&[("for_review", 3), ("resolved", 1)]),
        host: values(&[("web-1", 2), ("web-3", 1)]),
    }
}

fn distribution() -> IssueDistribution {
    let share = |value: &str, count, share| Share {
        value: value.to_owned(),
        count,
        share,
    };
    IssueDistribution {
        buckets: (0..4).map(|i| hours_ago(4 - i)).collect(),
        bucket_ms: HOUR,
        counts: vec![0, 2, 0, 6],
        total: 8,
        versions: vec![share("1.5.2", 6, 0.75), share("1.4.0", 2, 0.25)],
        envs: vec![share("prod", 8, 1.0)],
        hosts: vec![share("web-1", 4, 0.5), share("web-3", 4, 0.5)],
        resources: vec![share("GET /cart", 8, 1.0)],
        error_rates: vec![ErrorRate {
            resource: "GET /cart".to_owned(),
            hits: 40,
            errors: 8,
            rate: Some(0.2),
        }],
    }
}

fn activity() -> Vec<Activity> {
    vec![
        Activity {
            at: hours_ago(30),
            actor: Some("ana".to_owned()),
            kind: ActivityKind::StatusChange,
            from_status: Status::ForReview,
            to_status: Status::Resolved,
            version: Some("1.4.0".to_owned()),
            other_issue: None,
            actor_name: None,
            assignee: None,
        },
        Activity {
            at: hours_ago(3),
            actor: None,
            kind: ActivityKind::Regression,
            from_status: Status::Resolved,
            to_status: Status::ForReview,
            version: Some("1.5.2".to_owned()),
            other_issue: None,
            actor_name: None,
            assignee: None,
        },
    ]
}

fn router(backend: Arc<Fake>) -> Router {
    let backend = Backend(backend);
    app_router(move || provide_context(backend.clone()))
}

/// The app as the server serves it, with `context` run for each request.
pub(crate) fn app_router(context: impl Fn() + Clone + Send + Sync + 'static) -> Router {
    // Generated once: generating routes sets a process-wide flag under which every resource first
    // polled meanwhile, on any thread, waits forever (leptos-rs/leptos#4773). Tests that built
    // routers while other tests rendered pages hung about one run in five.
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    let options = LeptosOptions::builder().output_name("stackprint").build();
    Router::new()
        .leptos_routes_with_context(&options, ROUTES.clone(), context, {
            let options = options.clone();
            move || shell(options.clone())
        })
        .fallback(file_and_error_handler(shell))
        .with_state(options)
}

/// A response with its whole body read.
pub(crate) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub(crate) async fn respond(router: Router, request: Request<Body>) -> Answer {
    let response = router.oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Answer {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).expect("utf-8"),
    }
}

async fn send(backend: Arc<Fake>, request: Request<Body>) -> (StatusCode, String) {
    let answer = respond(router(backend), request).await;
    (answer.status, answer.body)
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

fn json_request(uri: &str, body: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request")
}
