//! One storage suite, run against SQLite and a real PostgreSQL (`scripts/with-postgres.sh`).

#[path = "support/storage_explorer.rs"]
mod explorer;
#[path = "support/storage_grouping.rs"]
mod grouping;
#[path = "support/storage_merge.rs"]
mod merge;
#[path = "support/storage_reads.rs"]
mod reads;
#[path = "support/store.rs"]
#[macro_use]
mod store;
#[path = "support/storage_triage.rs"]
mod triage;

use domain::errors::{HitKey, SkipReason};
use domain::intake::DropReason;
use domain::query::{IssueQuery, Status};
use explorer::{
    breakdowns_are_exact_at_partial_hours, counts_and_trends_in_range, facet_counts,
    issue_distribution, recent_ranges_use_five_minute_buckets, search_language,
};
use grouping::grouping_upgrade_never_splits_issues;
use merge::merges_add_up_and_unmerge_restores;
use reads::text_filter_is_literal_and_case_insensitive;
use reads::{events_newest_first, filters, issue_detail, set_status, sorts_and_pages};
use server::storage::{Store, TraceBlob, WriteBatch};
use store::{TestDb, batch, event, span};
use triage::{
    ignored_issues_keep_counting_out_of_view, issues_resolved_without_version_reopen_on_new_events,
    regressions_need_a_newer_version, status_changes_are_recorded,
    unknown_version_formats_use_first_seen,
};

suite!(
    creates_issues,
    repeats_aggregate,
    same_fingerprint_twice_in_one_batch,
    services_never_merge,
    filters,
    text_filter_is_literal_and_case_insensitive,
    sorts_and_pages,
    issue_detail,
    events_newest_first,
    traces_round_trip_and_merge,
    traces_of_the_deflate_format_stay_readable,
    stats,
    set_status,
    concurrent_writes_share_one_issue,
    reopening_keeps_data,
    failed_batch_leaves_nothing,
    counts_and_trends_in_range,
    breakdowns_are_exact_at_partial_hours,
    recent_ranges_use_five_minute_buckets,
    search_language,
    facet_counts,
    issue_distribution,
    status_changes_are_recorded,
    regressions_need_a_newer_version,
    unknown_version_formats_use_first_seen,
    issues_resolved_without_version_reopen_on_new_events,
    ignored_issues_keep_counting_out_of_view,
    grouping_upgrade_never_splits_issues,
    merges_add_up_and_unmerge_restores,
);

async fn write(store: &Store, batch: &WriteBatch) {
    store.write_batch(batch).await.expect("write_batch");
}

fn blob(spans: &[domain::span::Span]) -> TraceBlob {
    TraceBlob::encode(spans).expect("encode")
}

/// Writes one event per `(service, fingerprint hash, time in ms)` in one batch.
async fn seed(store: &Store, events: &[(&str, &str, i64)]) {
    let events = events
        .iter()
        .map(|&(service, hash, at)| event(service, hash, at))
        .collect();
    write(store, &batch(events)).await;
}

async fn list(store: &Store, q: IssueQuery) -> Vec<String> {
    let page = store.list_issues(&q).await.expect("list_issues");
    page.issues.into_iter().map(|i| i.fingerprint).collect()
}

async fn creates_issues(db: &TestDb) {
    let store = &db.store;
    seed(
        store,
        &[("checkout", "aaa", 1_000), ("checkout", "bbb", 2_000)],
    )
    .await;
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    assert_eq!(page.total, 2);
    let issue = &page.issues[1];
    assert_eq!(issue.fingerprint, "aaa");
    assert_eq!(issue.service, "checkout");
    assert_eq!(issue.env, "prod");
    assert_eq!(issue.error_type, "ValueError");
    assert_eq!(issue.message, "bad amount 'x'");
    assert_eq!(
        issue.culprit.as_deref(),
        Some("checkout.amounts in parse_amount")
    );
    assert_eq!(issue.status, Status::ForReview);
    assert_eq!(
        (issue.count, issue.first_seen, issue.last_seen),
        (1, 1_000, 1_000)
    );
    assert_eq!(issue.first_version.as_deref(), Some("1.0.0"));
    let stats = store.stats().await.expect("stats");
    assert_eq!((stats.issues, stats.error_events), (2, 2));
}

async fn repeats_aggregate(db: &TestDb) {
    let store = &db.store;
    write(store, &batch(vec![event("checkout", "aaa", 5_000)])).await;
    let mut later = event("checkout", "aaa", 9_000);
    later.event.version = Some("1.2.0".into());
    later.event.message = "a newer message".into();
    let mut earlier = event("checkout", "aaa", 1_000);
    earlier.event.version = Some("0.9.0".into());
    write(store, &batch(vec![later, earlier])).await;
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    assert_eq!(page.total, 1);
    let issue = &page.issues[0];
    assert_eq!(
        (issue.count, issue.first_seen, issue.last_seen),
        (3, 1_000, 9_000)
    );
    assert_eq!(issue.first_version.as_deref(), Some("0.9.0"));
    assert_eq!(issue.last_version.as_deref(), Some("1.2.0"));
    assert_eq!(
        issue.message, "bad amount 'x'",
        "the first event's message stays"
    );
}

async fn same_fingerprint_twice_in_one_batch(db: &TestDb) {
    let store = &db.store;
    seed(
        store,
        &[("checkout", "aaa", 1_000), ("checkout", "aaa", 2_000)],
    )
    .await;
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    assert_eq!(page.total, 1);
    assert_eq!(page.issues[0].count, 2);
    let events = store
        .events(page.issues[0].id, 10, 0)
        .await
        .expect("events");
    assert_eq!(events.events.len(), 2);
    // Both events share one stored stack, one host tag set and one container tag set.
    assert_eq!(db.rows("texts").await, 3);
}

async fn services_never_merge(db: &TestDb) {
    let store = &db.store;
    seed(
        store,
        &[("checkout", "aaa", 1_000), ("billing", "aaa", 2_000)],
    )
    .await;
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    let services: Vec<_> = page.issues.iter().map(|i| i.service.as_str()).collect();
    assert_eq!(services, ["billing", "checkout"]);
}

async fn traces_round_trip_and_merge(db: &TestDb) {
    let store = &db.store;
    let trace_id = (7_u128 << 64) | 42;
    let spans = vec![
        span(trace_id, 1, 0, "flask.request"),
        span(trace_id, u64::MAX, 1, "db.query"),
    ];
    write(
        store,
        &WriteBatch {
            traces: vec![(trace_id, blob(&spans))],
            ..WriteBatch::default()
        },
    )
    .await;
    let trace = store.trace(trace_id).await.expect("trace").expect("stored");
    assert_eq!(trace.trace_id, "0000000000000007000000000000002a");
    let ids: Vec<_> = trace.spans.iter().map(|s| s.span_id.as_str()).collect();
    assert_eq!(ids, ["1", &u64::MAX.to_string()]);
    let root = &trace.spans[0];
    assert_eq!(
        (root.parent_id.as_str(), root.name.as_str(), root.error),
        ("0", "flask.request", true)
    );
    assert_eq!(
        (root.start, root.duration),
        (spans[0].start, spans[0].duration)
    );
    assert_eq!(
        (&root.meta, &root.metrics),
        (&spans[0].meta, &spans[0].metrics)
    );

    let mut renamed = span(trace_id, 1, 0, "flask.request.v2");
    renamed.resource = "GET /x".into();
    let late = vec![renamed, span(trace_id, 5, 1, "redis.get")];
    write(
        store,
        &WriteBatch {
            traces: vec![(trace_id, blob(&late)), (trace_id, blob(&late))],
            ..WriteBatch::default()
        },
    )
    .await;
    let merged = store.trace(trace_id).await.expect("trace").expect("stored");
    let names: Vec<_> = merged.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["flask.request.v2", "redis.get", "db.query"]);
    assert!(store.trace(trace_id + 1).await.expect("trace").is_none());
}

/// A row the writer stored before traces were zstd (format byte 1, deflate) is read, and merged
/// with later spans of the same trace.
async fn traces_of_the_deflate_format_stay_readable(db: &TestDb) {
    use std::io::Write;
    let store = &db.store;
    let trace_id = 77_u128;
    let json = serde_json::to_vec(&[span(trace_id, 1, 0, "flask.request")]).expect("json");
    let mut deflate = flate2::write::DeflateEncoder::new(vec![1], flate2::Compression::default());
    deflate.write_all(&json).expect("write to Vec");
    let hex: String = deflate
        .finish()
        .expect("write to Vec")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let literal = if db.is_sqlite() {
        format!("X'{hex}'")
    } else {
        format!("decode('{hex}', 'hex')")
    };
    db.execute(&format!(
        "INSERT INTO traces (trace_id, spans) VALUES ('{trace_id:032x}', {literal})"
    ))
    .await;
    let old = store.trace(trace_id).await.expect("trace").expect("stored");
    let names: Vec<_> = old.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["flask.request"]);

    let late = [span(trace_id, 2, 1, "redis.get")];
    write(
        store,
        &WriteBatch {
            traces: vec![(trace_id, blob(&late))],
            ..WriteBatch::default()
        },
    )
    .await;
    let merged = store.trace(trace_id).await.expect("trace").expect("stored");
    let names: Vec<_> = merged.spans.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["flask.request", "redis.get"]);
}

async fn stats(db: &TestDb) {
    let store = &db.store;
    let hit = |service: &str, env: &str, resource: &str, bucket| {
        let key = HitKey {
            service: service.into(),
            env: env.into(),
            resource: resource.into(),
        };
        (key, bucket)
    };
    let mut batch = batch(vec![event("checkout", "aaa", 1_000)]);
    batch.spans = 40;
    batch
        .hits
        .insert(hit("checkout", "prod", "POST /orders", 0), (10, 1));
    batch
        .hits
        .insert(hit("checkout", "staging", "GET /", 3_600_000), (5, 0));
    batch
        .hits
        .insert(hit("billing", "prod", "charge", 0), (7, 0));
    batch
        .skipped
        .insert(("checkout".into(), SkipReason::MissingErrorDetails), 2);
    batch
        .skipped
        .insert(("billing".into(), SkipReason::MissingErrorDetails), 1);
    batch
        .skipped
        .insert(("billing".into(), SkipReason::InsufficientStack), 4);
    batch.drops.insert((DropReason::OverloadQueue, 0), 3);
    batch
        .drops
        .insert((DropReason::OverloadQueue, 3_600_000), 4);
    batch.drops.insert((DropReason::TooManySpans, 0), 1);
    // Two writes of the same counts, as two instances on one database would make.
    write(store, &batch).await;
    write(store, &batch).await;
    let stats = store.stats().await.expect("stats");
    assert_eq!((stats.issues, stats.error_events, stats.spans), (1, 2, 80));
    assert_eq!(
        stats.skipped,
        [
            ("missing_error_details".to_string(), 6),
            ("insufficient_stack".to_string(), 8)
        ]
        .into()
    );
    assert_eq!(
        stats.hits,
        [("billing".to_string(), 14), ("checkout".to_string(), 30)].into()
    );
    assert_eq!(db.rows("hits").await, 3);
    assert_eq!(
        stats.dropped.len(),
        DropReason::ALL.len(),
        "every reason listed"
    );
    assert_eq!(stats.dropped["overload_queue"], 14);
    assert_eq!(stats.dropped["too_many_spans"], 2);
    assert_eq!(stats.dropped["overload_memory"], 0);
    assert_eq!(db.rows("intake_drops").await, 3);
}

async fn concurrent_writes_share_one_issue(db: &TestDb) {
    let store = &db.store;
    for round in 0..5 {
        let hash = format!("race{round}");
        let (a, b) = (
            batch(vec![event("checkout", &hash, 1_000)]),
            batch(vec![event("checkout", &hash, 2_000)]),
        );
        let (first, second) = tokio::join!(store.write_batch(&a), store.write_batch(&b));
        first.expect("first writer");
        second.expect("second writer");
        let page = store
            .list_issues(&IssueQuery::default())
            .await
            .expect("list");
        let issue = page
            .issues
            .iter()
            .find(|i| i.fingerprint == hash)
            .expect("issue");
        assert_eq!(
            (issue.count, issue.first_seen, issue.last_seen),
            (2, 1_000, 2_000)
        );
        assert_eq!(page.total, round + 1);
    }
}

async fn reopening_keeps_data(db: &TestDb) {
    write(&db.store, &batch(vec![event("checkout", "aaa", 1_000)])).await;
    let reopened = db.reopen().await;
    let page = reopened
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    assert_eq!(page.total, 1);
    let events = reopened
        .events(page.issues[0].id, 10, 0)
        .await
        .expect("events");
    assert_eq!(events.events.len(), 1);
}

async fn failed_batch_leaves_nothing(db: &TestDb) {
    let store = &db.store;
    db.break_inserts("skipped").await;
    let trace_id = 99;
    let mut broken = batch(vec![event("checkout", "aaa", 1_000)]);
    broken
        .traces
        .push((trace_id, blob(&[span(trace_id, 1, 0, "flask.request")])));
    broken
        .skipped
        .insert(("checkout".into(), SkipReason::MissingErrorDetails), 1);
    broken.spans = 3;
    assert!(store.write_batch(&broken).await.is_err());
    for table in [
        "issues",
        "events",
        "texts",
        "traces",
        "issue_buckets",
        "counters",
    ] {
        assert_eq!(db.rows(table).await, 0, "{table}");
    }
    broken.skipped.clear();
    write(store, &broken).await;
    assert_eq!(
        store
            .list_issues(&IssueQuery::default())
            .await
            .expect("list")
            .total,
        1
    );
}

mod sqlite_only {
    use server::storage::{Store, StoreError};

    #[tokio::test]
    async fn in_memory_database_works() {
        let store = Store::connect("sqlite::memory:")
            .await
            .expect("in-memory store");
        store
            .write_batch(&super::batch(vec![super::event("s", "aaa", 1)]))
            .await
            .expect("write");
        let page = store.list_issues(&Default::default()).await.expect("list");
        assert_eq!(page.total, 1);
    }

    #[tokio::test]
    async fn unknown_url_is_rejected() {
        assert!(matches!(
            Store::connect("mysql://localhost/x").await,
            Err(StoreError::BadUrl)
        ));
    }

    #[tokio::test]
    async fn file_uses_wal() {
        let db = super::TestDb::sqlite().await;
        db.execute("CREATE TABLE probe (x INTEGER)").await;
        let path = db.url.trim_start_matches("sqlite://");
        assert!(
            std::path::Path::new(&format!("{path}-wal")).exists(),
            "WAL file next to {path}"
        );
    }
}
