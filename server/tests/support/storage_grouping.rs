//! Upgrading grouping without splitting issues: a database made by the previous release
//! (migrations 0001-0004, issues grouped with 2026-11) upgraded in place and fed the same errors.

use domain::grouping::{
    GROUPING_VERSION, GroupingInput, GroupingVersion, PREVIOUS_GROUPING_VERSION, fingerprint_as,
};
use domain::query::IssueQuery;
use domain::span::{Payload, PayloadMeta, Protocol, Span, SpanKind};
use domain::stacktrace::{self, Language};
use server::pipeline::{GroupingCache, Transition, prepare};
use server::storage::{Store, unix_ms_now};

use super::store::{PYTHON_STACK, TestDb};

/// The same code deployed elsewhere, so only the deploy root differs from [`PYTHON_STACK`].
const OTHER_BUG_STACK: &str = "Traceback (most recent call last):
  File \"/srv/app/checkout/views.py\", line 51, in refund_order
    refund(order)
  File \"/srv/app/checkout/refunds.py\", line 9, in refund
    raise KeyError(order)
KeyError: 'order-7'
";

/// One ddtrace-py trace whose entry span raised `error_type` with `stack`.
fn payload(trace_id: u128, error_type: &str, stack: &str) -> Payload {
    let mut span = Span {
        service: "checkout".into(),
        name: "flask.request".into(),
        resource: "POST /orders".into(),
        trace_id,
        span_id: 1,
        start: unix_ms_now() * 1_000_000,
        duration: 1_000,
        error: true,
        kind: SpanKind::Server,
        ..Span::default()
    };
    for (k, v) in [
        ("error.type", error_type),
        ("error.message", "bad amount 'x'"),
        ("error.stack", stack),
        ("env", "prod"),
    ] {
        span.meta.insert(k.into(), v.into());
    }
    Payload {
        meta: PayloadMeta {
            protocol: Protocol::Datadog,
            lang: Some("python".into()),
            ..PayloadMeta::default()
        },
        traces: vec![vec![span]],
    }
}

/// What the previous release stored as the fingerprint of [`payload`]'s event.
fn previous_hash(error_type: &str, stack: &str) -> String {
    let stacktrace = stacktrace::parse(stack, Some(Language::Python));
    let input = GroupingInput {
        service: "checkout",
        error_type,
        message: "bad amount 'x'",
        stacktrace: &stacktrace,
        fingerprint_override: None,
    };
    fingerprint_as(GroupingVersion::V2026_11, &input).hash
}

async fn issues(store: &Store) -> Vec<(i64, String, i64)> {
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    let mut issues: Vec<_> = page
        .issues
        .into_iter()
        .map(|i| (i.id, i.error_type, i.count))
        .collect();
    issues.sort();
    issues
}

async fn ingest(store: &Store, payload: &Payload, transition: Transition) {
    store
        .write_batch(
            &prepare(
                payload,
                transition,
                &Default::default(),
                &GroupingCache::default(),
            )
            .expect("prepare"),
        )
        .await
        .expect("write");
}

pub async fn grouping_upgrade_never_splits_issues(db: &TestDb) {
    let old = db.previous_release().await;
    let hash = previous_hash("ValueError", PYTHON_STACK);
    let at = unix_ms_now() - 3_600_000;
    old.execute(&format!(
        "INSERT INTO issues (service, fingerprint, grouping_version, fingerprint_tree, \
            error_type, message, culprit, env, count, first_seen, last_seen) \
         VALUES ('checkout', '{hash}', '{PREVIOUS_GROUPING_VERSION}', \
            '{{\"id\":\"fingerprint\",\"contributes\":true}}', 'ValueError', 'bad amount ''x''', \
            'checkout.amounts in parse_amount', 'prod', 3, {at}, {at}); \
         INSERT INTO issue_buckets (issue_id, bucket, count) \
         SELECT id, {}, 3 FROM issues;",
        at / 3_600_000 * 3_600_000
    ))
    .await;
    let store = Store::connect(&old.url).await.expect("upgraded store");
    let listed = issues(&store).await;
    assert_eq!(listed.len(), 1, "the previous release's issue");
    let id = listed[0].0;

    // Nothing to transition on a new install, nor with a zero-day period.
    let current = GROUPING_VERSION;
    let previous = PREVIOUS_GROUPING_VERSION;
    let fresh = db.store.grouping_transition(current, previous, 30).await;
    assert_eq!(fresh.expect("fresh"), None);
    let none = store.grouping_transition(current, previous, 0).await;
    assert_eq!(none.expect("zero days"), None);
    let until = store
        .grouping_transition(current, previous, 30)
        .await
        .expect("transition");
    let end = until.expect("an upgraded install transitions");
    assert!(
        end > unix_ms_now() + 29 * 86_400_000,
        "30 days from the first run"
    );
    let transition = Transition { until };

    // The same error joins its 2026-11 issue, which records the 2026-12 hash.
    ingest(&store, &payload(1, "ValueError", PYTHON_STACK), transition).await;
    assert_eq!(issues(&store).await, [(id, "ValueError".into(), 4)]);
    // Once the hash is an alias, it joins the issue after the transition too.
    ingest(
        &store,
        &payload(2, "ValueError", PYTHON_STACK),
        Transition::NONE,
    )
    .await;
    assert_eq!(issues(&store).await, [(id, "ValueError".into(), 5)]);
    let detail = store.issue(id).await.expect("issue").expect("exists");
    assert_eq!(detail.grouping_version, PREVIOUS_GROUPING_VERSION);
    let events = store.events(id, 10, 0).await.expect("events");
    assert_eq!(events.total, 5);
    assert_eq!(
        events.events.len(),
        2,
        "the old release stored no event rows"
    );

    // A bug the previous release never saw opens an issue of the current version.
    ingest(&store, &payload(3, "KeyError", OTHER_BUG_STACK), transition).await;
    let listed = issues(&store).await;
    assert_eq!(listed.len(), 2);
    let new_id = listed[1].0;
    let detail = store.issue(new_id).await.expect("issue").expect("exists");
    assert_eq!(detail.grouping_version, GROUPING_VERSION);

    // A restart keeps the first run's date: the transition does not start over.
    let reopened = Store::connect(&old.url).await.expect("reopen");
    let again = reopened.grouping_transition(current, previous, 30).await;
    assert_eq!(again.expect("again"), until);
}
