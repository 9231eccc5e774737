//! Merging issues and unmerging them: counts, trends, breakdowns and activity add up, later events of
//! a merged fingerprint land in the target, and unmerging restores both issues exactly.

use domain::explorer::{ActivityKind, MergeResult};
use domain::query::IssueQuery;
use server::storage::{MergeError, Store, TimeWindow, unix_ms_now};

use super::store::{TestDb, batch, event};

const HOUR: i64 = 3_600_000;

/// `(fingerprint, count)` of the listed issues, sorted.
async fn listed(store: &Store) -> Vec<(String, i64)> {
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    let mut issues: Vec<_> = page
        .issues
        .into_iter()
        .map(|i| (i.fingerprint, i.count))
        .collect();
    issues.sort();
    issues
}

async fn id_of(store: &Store, fingerprint: &str) -> i64 {
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    page.issues
        .iter()
        .find(|i| i.fingerprint == fingerprint)
        .map(|i| i.id)
        .expect("listed")
}

/// Events in the last day, the range's trend total and its hosts.
async fn last_day(store: &Store, id: i64) -> (i64, i64, Vec<(String, i64)>) {
    let now = unix_ms_now();
    let window = TimeWindow::new(Some(now - 24 * HOUR), Some(now), 24, now).expect("window");
    let d = store
        .distribution(id, &window)
        .await
        .expect("distribution")
        .expect("issue");
    let mut hosts: Vec<_> = d.hosts.into_iter().map(|s| (s.value, s.count)).collect();
    hosts.sort();
    (d.total, d.counts.iter().sum(), hosts)
}

async fn kinds(store: &Store, id: i64) -> Vec<(ActivityKind, Option<String>, Option<i64>)> {
    let page = store.activity(id).await.expect("activity").expect("issue");
    page.activity
        .into_iter()
        .map(|a| (a.kind, a.actor, a.other_issue))
        .collect()
}

pub async fn merges_add_up_and_unmerge_restores(db: &TestDb) {
    let store = &db.store;
    let now = unix_ms_now();
    let mut on_web_2 = event("checkout", "bbb", now - 2 * HOUR);
    on_web_2.event.host = Some("web-2".into());
    let events = vec![
        event("checkout", "aaa", now - 3 * HOUR),
        event("checkout", "aaa", now - HOUR),
        on_web_2,
        event("billing", "ccc", now - HOUR),
    ];
    store.write_batch(&batch(events)).await.expect("write");
    let (a, b, c) = (
        id_of(store, "aaa").await,
        id_of(store, "bbb").await,
        id_of(store, "ccc").await,
    );

    let merged = store.merge(a, &[b, b], Some("ana")).await.expect("merge");
    assert_eq!(
        merged,
        MergeResult {
            into: a,
            merged: vec![b]
        }
    );
    assert_eq!(listed(store).await, [("aaa".into(), 3), ("ccc".into(), 1)]);
    assert_eq!(store.events(a, 10, 0).await.expect("events").total, 3);
    let hosts = vec![("web-1".to_string(), 2), ("web-2".to_string(), 1)];
    assert_eq!(last_day(store, a).await, (3, 3, hosts));
    let stats = store.stats().await.expect("stats");
    assert_eq!((stats.issues, stats.error_events), (2, 4));

    // A later event of the merged fingerprint lands in the target.
    let later = event("checkout", "bbb", now - 60_000);
    store.write_batch(&batch(vec![later])).await.expect("write");
    assert_eq!(listed(store).await, [("aaa".into(), 4), ("ccc".into(), 1)]);

    let who = Some("ana".to_string());
    assert_eq!(
        kinds(store, a).await,
        [(ActivityKind::Merge, who.clone(), Some(b))]
    );
    assert_eq!(
        kinds(store, b).await,
        [(ActivityKind::MergedInto, who, Some(a))]
    );

    // Refusals leave everything as it was.
    let refused = [
        (store.merge(a, &[c], None).await, "other service"),
        (store.merge(a, &[a], None).await, "into itself"),
        (store.merge(b, &[c], None).await, "merged target"),
        (store.merge(c, &[b], None).await, "already merged"),
        (store.merge(a, &[999_999], None).await, "unknown issue"),
    ];
    for (result, case) in refused {
        let error = result.expect_err(case);
        assert!(!matches!(error, MergeError::Store(_)), "{case}: {error}");
    }
    assert!(matches!(
        store.unmerge(a, None).await,
        Err(MergeError::NotMerged(_))
    ));

    // Unmerging gives `bbb` its events back, the one that arrived while merged included.
    assert_eq!(store.unmerge(b, Some("bo")).await.expect("unmerge"), a);
    let all = [("aaa".into(), 2), ("bbb".into(), 2), ("ccc".into(), 1)];
    assert_eq!(listed(store).await, all);
    assert_eq!(last_day(store, a).await, (2, 2, vec![("web-1".into(), 2)]));
    let hosts = vec![("web-1".to_string(), 1), ("web-2".to_string(), 1)];
    assert_eq!(last_day(store, b).await, (2, 2, hosts));
    let unmerged = kinds(store, b).await;
    assert_eq!(
        unmerged.last(),
        Some(&(ActivityKind::Unmerge, Some("bo".into()), Some(a)))
    );
    let again = event("checkout", "bbb", now - 30_000);
    store.write_batch(&batch(vec![again])).await.expect("write");
    let all = [("aaa".into(), 2), ("bbb".into(), 3), ("ccc".into(), 1)];
    assert_eq!(listed(store).await, all);
}
