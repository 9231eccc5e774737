//! The read side of the storage suite (filters, sorting, paging, issue and event detail, status):
//! cases of `tests/storage.rs`, which includes this file by path and runs each on both backends.

use domain::query::{IssueQuery, Sort, Status};
use domain::stacktrace::Language;

use super::store::{TestDb, batch, event, fingerprint};
use super::{list, seed, write};

pub async fn filters(db: &TestDb) {
    let store = &db.store;
    let mut staging = event("billing", "bbb", 5_000);
    staging.event.env = Some("staging".into());
    staging.event.version = Some("2.0.0".into());
    staging.event.error_type = "KeyError".into();
    let mut upgraded = event("checkout", "aaa", 2_000);
    upgraded.event.version = Some("1.1.0".into());
    upgraded.event.env = Some("staging".into());
    write(
        store,
        &batch(vec![event("checkout", "aaa", 1_000), upgraded, staging]),
    )
    .await;
    let by = |f: fn(&mut IssueQuery)| {
        let mut q = IssueQuery::default();
        f(&mut q);
        list(store, q)
    };
    assert_eq!(by(|q| q.service = Some("checkout".into())).await, ["aaa"]);
    assert_eq!(
        by(|q| q.service = Some(String::new())).await,
        ["bbb", "aaa"],
        "empty means any"
    );
    assert_eq!(by(|q| q.env = Some("prod".into())).await, ["aaa"]);
    assert_eq!(
        by(|q| q.env = Some("staging".into())).await,
        ["bbb", "aaa"],
        "every env an issue was seen in"
    );
    assert_eq!(
        by(|q| q.version = Some("1.0.0".into())).await,
        ["aaa"],
        "first version"
    );
    assert_eq!(
        by(|q| q.version = Some("1.1.0".into())).await,
        ["aaa"],
        "last version"
    );
    assert_eq!(
        by(|q| q.version = Some("9.9.9".into())).await,
        Vec::<String>::new()
    );
    assert_eq!(
        by(|q| q.error_type = Some("KeyError".into())).await,
        ["bbb"]
    );
    assert_eq!(by(|q| q.from = Some(3_000)).await, ["bbb"]);
    assert_eq!(by(|q| q.to = Some(3_000)).await, ["aaa"]);
    assert_eq!(
        by(|q| (q.from, q.to) = (Some(2_000), Some(5_001))).await,
        ["bbb", "aaa"]
    );
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    store
        .set_status(page.issues[0].id, Status::Ignored)
        .await
        .expect("set_status");
    assert_eq!(by(|q| q.status = Some(Status::Ignored)).await, ["bbb"]);
    assert_eq!(by(|q| q.status = Some(Status::ForReview)).await, ["aaa"]);
    let combined =
        by(|q| (q.service, q.status) = (Some("billing".into()), Some(Status::ForReview)));
    assert_eq!(combined.await, Vec::<String>::new());
}

pub async fn text_filter_is_literal_and_case_insensitive(db: &TestDb) {
    let store = &db.store;
    let messages = [
        ("p1", "Disk 100% full"),
        ("p2", "disk 1000 full"),
        ("u1", "user_id missing"),
        ("u2", "userXid missing"),
    ];
    let events = messages
        .iter()
        .map(|(hash, message)| {
            let mut e = event("checkout", hash, 1_000);
            e.event.message = (*message).into();
            e
        })
        .collect();
    write(store, &batch(events)).await;
    let search = |text: &str| {
        list(
            store,
            IssueQuery {
                q: Some(text.into()),
                sort: Sort::FirstSeen,
                ..Default::default()
            },
        )
    };
    assert_eq!(search("100%").await, ["p1"]);
    assert_eq!(search("user_id").await, ["u1"]);
    let mut disks = search("DISK").await;
    disks.sort();
    assert_eq!(disks, ["p1", "p2"]);
    assert_eq!(search("valueerror").await.len(), 4, "the type matches too");
    assert_eq!(
        search("'; DROP TABLE issues; --").await,
        Vec::<String>::new()
    );
}

pub async fn sorts_and_pages(db: &TestDb) {
    let store = &db.store;
    let mut events = vec![event("s", "old", 1_000), event("s", "new", 9_000)];
    events.extend((0..3).map(|i| event("s", "big", 2_000 + i)));
    events.extend([
        event("s", "mid", 3_000),
        event("s", "mid", 4_000),
        event("s", "new", 8_000),
    ]);
    write(store, &batch(events)).await;
    let sorted = |sort| {
        list(
            store,
            IssueQuery {
                sort,
                ..Default::default()
            },
        )
    };
    assert_eq!(sorted(Sort::LastSeen).await, ["new", "mid", "big", "old"]);
    assert_eq!(sorted(Sort::FirstSeen).await, ["new", "mid", "big", "old"]);
    assert_eq!(sorted(Sort::Count).await, ["big", "new", "mid", "old"]);
    let page = |limit, offset| IssueQuery {
        limit: Some(limit),
        offset: Some(offset),
        ..Default::default()
    };
    let second = store.list_issues(&page(2, 2)).await.expect("page");
    assert_eq!(second.total, 4);
    assert_eq!(
        second
            .issues
            .iter()
            .map(|i| i.fingerprint.as_str())
            .collect::<Vec<_>>(),
        ["big", "old"]
    );
    let past_end = store.list_issues(&page(2, 10)).await.expect("page");
    assert_eq!((past_end.issues.len(), past_end.total), (0, 4));
}

pub async fn issue_detail(db: &TestDb) {
    let store = &db.store;
    let mut latest = event("checkout", "aaa", 7_000);
    latest.event.message = "NUL \0 inside".into();
    latest
        .event
        .span_tags
        .insert("error.message".into(), "differs from the column".into());
    latest.event.metrics.insert("not.a.number".into(), f64::NAN);
    let expected = latest.event.clone();
    write(store, &batch(vec![event("checkout", "aaa", 1_000), latest])).await;
    let id = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list")
        .issues[0]
        .id;
    let detail = store.issue(id).await.expect("issue").expect("issue exists");
    assert_eq!(detail.grouping_version, "2026-11");
    assert_eq!(detail.fingerprint_tree, fingerprint("aaa").tree);
    let event = detail.latest_event.expect("latest event");
    assert_eq!(event.timestamp, 7_000);
    assert_eq!(event.issue_id, id);
    assert_eq!(event.trace_id, format!("{:032x}", expected.trace_id));
    assert_eq!(
        event.span_id,
        expected.span_id.to_string(),
        "u64 beyond i64::MAX survives"
    );
    assert_eq!(event.error_span_id, expected.error_span_id.to_string());
    assert_eq!(event.message, "NUL \u{FFFD} inside");
    assert_eq!(event.stack, expected.stack);
    assert_eq!(event.span_tags, expected.span_tags, "error.* tags restored");
    assert_eq!(event.host_tags, expected.host_tags);
    assert_eq!(event.container_tags, expected.container_tags);
    assert_eq!(event.metrics.len(), 1, "non-finite metrics are dropped");
    assert_eq!(
        (event.env, event.version, event.host, event.container_id),
        (
            expected.env,
            expected.version,
            expected.host,
            expected.container_id
        )
    );
    assert_eq!(
        (event.resource, event.operation),
        (expected.resource, expected.operation)
    );
    assert_eq!(event.stacktrace.language, Some(Language::Python));
    let functions: Vec<_> = event
        .stacktrace
        .frames()
        .filter_map(|f| f.function.as_deref())
        .collect();
    assert_eq!(
        functions,
        ["full_dispatch_request", "create_order", "parse_amount"]
    );
    assert!(store.issue(id + 1000).await.expect("issue").is_none());
}

pub async fn events_newest_first(db: &TestDb) {
    let store = &db.store;
    for at in [2_000, 9_000, 5_000] {
        write(store, &batch(vec![event("checkout", "aaa", at)])).await;
    }
    let id = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list")
        .issues[0]
        .id;
    let page = store.events(id, 10, 0).await.expect("events");
    assert_eq!(page.total, 3);
    let times: Vec<_> = page.events.iter().map(|e| e.timestamp).collect();
    assert_eq!(times, [9_000, 5_000, 2_000]);
    let second = store.events(id, 1, 1).await.expect("events");
    assert_eq!(
        second
            .events
            .iter()
            .map(|e| e.timestamp)
            .collect::<Vec<_>>(),
        [5_000]
    );
    let unknown = store.events(id + 1000, 10, 0).await.expect("events");
    assert_eq!((unknown.events.len(), unknown.total), (0, 0));
}

pub async fn set_status(db: &TestDb) {
    let store = &db.store;
    seed(
        store,
        &[("checkout", "aaa", 1_000), ("checkout", "bbb", 1_000)],
    )
    .await;
    let page = store
        .list_issues(&IssueQuery {
            sort: Sort::FirstSeen,
            ..Default::default()
        })
        .await
        .expect("list");
    let (resolved, ignored) = (page.issues[0].id, page.issues[1].id);
    assert!(
        store
            .set_status(resolved, Status::Resolved)
            .await
            .expect("set")
    );
    assert!(
        store
            .set_status(ignored, Status::Ignored)
            .await
            .expect("set")
    );
    assert!(
        !store
            .set_status(resolved + 1000, Status::Reviewed)
            .await
            .expect("set")
    );
    let status = |id| async move {
        store
            .issue(id)
            .await
            .expect("issue")
            .expect("exists")
            .issue
            .status
    };
    assert_eq!(status(resolved).await, Status::Resolved);
    let newer = |hash| {
        let mut e = event("checkout", hash, 2_000);
        e.event.version = Some("1.1.0".into());
        e
    };
    write(store, &batch(vec![newer("aaa"), newer("bbb")])).await;
    assert_eq!(
        status(resolved).await,
        Status::ForReview,
        "an event of a newer version reopens a resolved issue"
    );
    assert_eq!(status(ignored).await, Status::Ignored);
}
