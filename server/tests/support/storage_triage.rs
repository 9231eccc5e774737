//! The triage side of the storage suite (status changes and their history, regressions, ignored
//! issues): cases of `tests/storage.rs`, which includes this file by path and runs each on both
//! backends.

use domain::explorer::{Activity, ActivityKind};
use domain::query::{IssueQuery, IssueSummary, Status, parse_search};
use server::storage::{NewEvent, Store, TimeWindow, unix_ms_now};

use super::store::{TestDb, batch, event};
use super::{seed, write};

async fn issue(store: &Store, hash: &str) -> IssueSummary {
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    page.issues
        .into_iter()
        .find(|i| i.fingerprint == hash)
        .expect("issue exists")
}

async fn timeline(store: &Store, id: i64) -> Vec<Activity> {
    store
        .activity(id)
        .await
        .expect("activity")
        .expect("issue exists")
        .activity
}

fn at_version(hash: &str, at: i64, version: Option<&str>) -> NewEvent {
    let mut new = event("checkout", hash, at);
    new.event.version = version.map(str::to_owned);
    new
}

pub async fn status_changes_are_recorded(db: &TestDb) {
    let store = &db.store;
    seed(
        store,
        &[("checkout", "aaa", 1_000), ("checkout", "bbb", 1_000)],
    )
    .await;
    let (a, b) = (issue(store, "aaa").await.id, issue(store, "bbb").await.id);
    let before = unix_ms_now();
    let result = store
        .set_statuses(&[b, a, a, a + b + 1_000], Status::Resolved, Some("ana"))
        .await
        .expect("set_statuses");
    assert_eq!(result.updated, [a.min(b), a.max(b)]);
    assert_eq!(result.not_found, [a + b + 1_000]);
    let again = store
        .set_statuses(&[a], Status::Resolved, Some("bo"))
        .await
        .expect("again");
    assert_eq!(
        again.updated,
        [a],
        "already resolved: listed, not recorded twice"
    );
    store
        .set_statuses(&[a], Status::Reviewed, Some("  "))
        .await
        .expect("review");

    let entries = timeline(store, a).await;
    assert_eq!(entries.len(), 2);
    let resolved = &entries[0];
    assert_eq!(
        (
            resolved.actor.as_deref(),
            resolved.kind,
            resolved.from_status,
            resolved.to_status
        ),
        (
            Some("ana"),
            ActivityKind::StatusChange,
            Status::ForReview,
            Status::Resolved
        )
    );
    assert_eq!(
        resolved.version.as_deref(),
        Some("1.0.0"),
        "the version it was resolved in"
    );
    assert!(resolved.at >= before);
    let reviewed = &entries[1];
    assert_eq!(
        (
            reviewed.actor.as_deref(),
            reviewed.from_status,
            reviewed.to_status,
            reviewed.version.as_deref()
        ),
        (Some("anonymous"), Status::Resolved, Status::Reviewed, None)
    );
    assert_eq!(issue(store, "aaa").await.status, Status::Reviewed);
    assert_eq!(issue(store, "bbb").await.status, Status::Resolved);
    assert_eq!(timeline(store, b).await.len(), 1);
    assert!(
        store
            .activity(a + b + 1_000)
            .await
            .expect("activity")
            .is_none()
    );
    let empty = store
        .set_statuses(&[], Status::Ignored, None)
        .await
        .expect("empty");
    assert!(empty.updated.is_empty() && empty.not_found.is_empty());
}

pub async fn regressions_need_a_newer_version(db: &TestDb) {
    let store = &db.store;
    let now = unix_ms_now();
    write(
        store,
        &batch(vec![at_version("aaa", now - 60_000, Some("1.4.2"))]),
    )
    .await;
    let id = issue(store, "aaa").await.id;
    store
        .set_statuses(&[id], Status::Resolved, Some("ana"))
        .await
        .expect("resolve");
    for (version, why) in [
        (Some("1.4.2"), "same version"),
        (Some("1.4.1"), "older"),
        (None, "no version"),
    ] {
        write(store, &batch(vec![at_version("aaa", now + 1_000, version)])).await;
        assert_eq!(issue(store, "aaa").await.status, Status::Resolved, "{why}");
    }
    write(
        store,
        &batch(vec![
            at_version("aaa", now + 2_000, Some("1.10.0")),
            at_version("aaa", now + 3_000, Some("1.5.0")),
            at_version("aaa", now + 4_000, Some("1.4.2")),
        ]),
    )
    .await;
    let reopened = issue(store, "aaa").await;
    assert_eq!((reopened.status, reopened.count), (Status::ForReview, 7));
    let entries = timeline(store, id).await;
    let regression = entries.last().expect("regression recorded");
    assert_eq!(
        (
            regression.kind,
            regression.actor.as_deref(),
            regression.from_status,
            regression.to_status
        ),
        (
            ActivityKind::Regression,
            None,
            Status::Resolved,
            Status::ForReview
        )
    );
    assert_eq!(
        regression.version.as_deref(),
        Some("1.5.0"),
        "the latest regressing event's version"
    );
    let window = TimeWindow::new(None, None, 24, unix_ms_now()).expect("window");
    let search = parse_search("").expect("search");
    let page = store
        .explorer_issues(&IssueQuery::default(), &search, &window)
        .await
        .expect("explorer");
    assert!(page.issues[0].regressed);
    store
        .set_statuses(&[id], Status::Reviewed, None)
        .await
        .expect("review");
    let page = store
        .explorer_issues(&IssueQuery::default(), &search, &window)
        .await
        .expect("explorer");
    assert!(!page.issues[0].regressed, "triage clears the flag");
    assert_eq!(timeline(store, id).await.len(), 3);
}

pub async fn unknown_version_formats_use_first_seen(db: &TestDb) {
    let store = &db.store;
    let now = unix_ms_now();
    // Another issue of the service saw `cafe123` before the resolution: an old deploy.
    write(
        store,
        &batch(vec![
            at_version("aaa", now - 60_000, Some("abc1234")),
            at_version("other", now - 50_000, Some("cafe123")),
        ]),
    )
    .await;
    let id = issue(store, "aaa").await.id;
    store
        .set_statuses(&[id], Status::Resolved, None)
        .await
        .expect("resolve");
    for version in ["abc1234", "cafe123"] {
        write(
            store,
            &batch(vec![at_version("aaa", now + 1_000, Some(version))]),
        )
        .await;
        assert_eq!(
            issue(store, "aaa").await.status,
            Status::Resolved,
            "{version}"
        );
    }
    write(
        store,
        &batch(vec![at_version("aaa", now + 2_000, Some("f00d999"))]),
    )
    .await;
    assert_eq!(
        issue(store, "aaa").await.status,
        Status::ForReview,
        "first seen after resolution"
    );
    let regression = timeline(store, id).await.pop().expect("activity");
    assert_eq!(regression.version.as_deref(), Some("f00d999"));
}

pub async fn issues_resolved_without_version_reopen_on_new_events(db: &TestDb) {
    let store = &db.store;
    let now = unix_ms_now();
    write(store, &batch(vec![at_version("aaa", now - 60_000, None)])).await;
    let id = issue(store, "aaa").await.id;
    store
        .set_statuses(&[id], Status::Resolved, None)
        .await
        .expect("resolve");
    write(store, &batch(vec![at_version("aaa", now - 30_000, None)])).await;
    assert_eq!(
        issue(store, "aaa").await.status,
        Status::Resolved,
        "a late event from before"
    );
    write(store, &batch(vec![at_version("aaa", now + 60_000, None)])).await;
    assert_eq!(issue(store, "aaa").await.status, Status::ForReview);
}

pub async fn ignored_issues_keep_counting_out_of_view(db: &TestDb) {
    let store = &db.store;
    seed(
        store,
        &[("checkout", "aaa", 1_000), ("checkout", "bbb", 1_000)],
    )
    .await;
    let id = issue(store, "aaa").await.id;
    store
        .set_statuses(&[id], Status::Ignored, None)
        .await
        .expect("ignore");
    write(store, &batch(vec![at_version("aaa", 2_000, Some("9.9.9"))])).await;
    let ignored = issue(store, "aaa").await;
    assert_eq!((ignored.status, ignored.count), (Status::Ignored, 2));
    let window = TimeWindow::new(None, None, 24, unix_ms_now()).expect("window");
    let list = |search: &str| {
        let search = parse_search(search).expect("search");
        async move {
            let page = store
                .explorer_issues(&IssueQuery::default(), &search, &window)
                .await
                .expect("explorer");
            page.issues
                .into_iter()
                .map(|row| row.summary.fingerprint)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("").await, ["bbb"]);
    assert_eq!(list("status:ignored").await, ["aaa"]);
    let by_param = IssueQuery {
        status: Some(Status::Ignored),
        ..IssueQuery::default()
    };
    let page = store
        .explorer_issues(&by_param, &parse_search("").expect("search"), &window)
        .await
        .expect("explorer");
    assert_eq!(page.total, 1, "`status=` names a status too");
    assert_eq!(
        store
            .list_issues(&IssueQuery::default())
            .await
            .expect("list")
            .total,
        2,
        "GET /issues lists them as before"
    );
}
