//! The explorer side of the storage suite (counts in a range, trends, search, facets, an issue's
//! distribution): cases of `tests/storage.rs`, which includes this file by path and runs each on both
//! backends. Triage cases are in `storage_triage.rs`.

use domain::errors::HitKey;
use domain::explorer::{FacetValue, IssueListPage};
use domain::query::{IssueQuery, Sort, Status, parse_search};
use server::storage::{Store, TimeWindow, unix_ms_now};

use super::store::{TestDb, batch, event};
use super::write;

const HOUR: i64 = 3_600_000;
/// An hour start, long past: ranges here use hourly counts.
const T0: i64 = 472_222 * HOUR;

async fn explore(
    store: &Store,
    q: &IssueQuery,
    search: &str,
    window: &TimeWindow,
) -> IssueListPage {
    let search = parse_search(search).expect("search parses");
    store
        .explorer_issues(q, &search, window)
        .await
        .expect("explorer_issues")
}

fn fingerprints(page: &IssueListPage) -> Vec<&str> {
    page.issues
        .iter()
        .map(|row| row.summary.fingerprint.as_str())
        .collect()
}

pub async fn counts_and_trends_in_range(db: &TestDb) {
    let store = &db.store;
    let mut events = vec![];
    for (hash, times) in [
        (
            "aaa",
            vec![T0 + 600_000, T0 + 700_000, T0 + 5 * HOUR, T0 + 5 * HOUR + 1],
        ),
        ("bbb", vec![T0 + HOUR, T0 + HOUR + 1, T0 + HOUR + 2]),
        ("old", vec![T0 - 10 * HOUR; 5]),
        ("gap", vec![T0 - 2 * HOUR, T0 + 10 * HOUR]),
    ] {
        events.extend(times.into_iter().map(|t| event("checkout", hash, t)));
    }
    write(store, &batch(events)).await;
    let now = unix_ms_now();
    let range = TimeWindow::new(Some(T0), Some(T0 + 6 * HOUR), 6, now).expect("window");
    let by_count = IssueQuery {
        sort: Sort::Count,
        ..IssueQuery::default()
    };
    let page = explore(store, &by_count, "", &range).await;
    assert_eq!(
        fingerprints(&page),
        ["aaa", "bbb"],
        "only issues with events in range, by count in range"
    );
    assert_eq!(page.total, 2);
    assert_eq!(
        page.buckets,
        (0..6).map(|i| T0 + i * HOUR).collect::<Vec<_>>()
    );
    assert_eq!(page.bucket_ms, HOUR);
    let aaa = &page.issues[0];
    assert_eq!((aaa.count_in_range, aaa.summary.count), (4, 4));
    assert_eq!(aaa.trend, [2, 0, 0, 0, 0, 2]);
    assert_eq!(page.issues[1].trend, [0, 3, 0, 0, 0, 0]);
    assert!(!aaa.regressed);

    let by_last_seen = explore(store, &IssueQuery::default(), "", &range).await;
    assert_eq!(fingerprints(&by_last_seen), ["aaa", "bbb"]);
    let narrow = TimeWindow::new(Some(T0 + HOUR), Some(T0 + 2 * HOUR), 1, now).expect("window");
    let page = explore(store, &by_count, "", &narrow).await;
    assert_eq!(fingerprints(&page), ["bbb"]);
    assert_eq!(page.issues[0].count_in_range, 3);

    let all_time = TimeWindow::new(None, None, 24, now).expect("window");
    let page = explore(store, &by_count, "", &all_time).await;
    assert_eq!(
        fingerprints(&page),
        ["old", "aaa", "bbb", "gap"],
        "no range: all-time counts"
    );
    assert_eq!(page.issues[0].count_in_range, 5);
    assert!(
        page.issues
            .iter()
            .all(|row| row.trend.iter().all(|&n| n == 0)),
        "nothing in the last day"
    );
    let paged = IssueQuery {
        sort: Sort::Count,
        limit: Some(1),
        offset: Some(1),
        ..IssueQuery::default()
    };
    let page = explore(store, &paged, "", &range).await;
    assert_eq!((fingerprints(&page), page.total), (vec!["bbb"], 2));
}

pub async fn recent_ranges_use_five_minute_buckets(db: &TestDb) {
    let store = &db.store;
    let now = unix_ms_now();
    // Two events in one 5-minute bucket, whatever the clock says.
    let half_hour_ago = (now - 30 * 60_000) / 300_000 * 300_000;
    write(
        store,
        &batch(vec![
            event("checkout", "aaa", half_hour_ago + 10_000),
            event("checkout", "aaa", half_hour_ago + 70_000),
            event("checkout", "aaa", now - 2 * 60_000),
            event("checkout", "aaa", now - 5 * 24 * HOUR),
        ]),
    )
    .await;
    assert_eq!(
        db.rows("issue_buckets_5m").await,
        2,
        "old events get no 5-minute count"
    );
    let last_hour = TimeWindow::new(Some(now - HOUR), Some(now), 12, now).expect("window");
    let page = explore(store, &IssueQuery::default(), "", &last_hour).await;
    assert_eq!(page.bucket_ms, 300_000);
    let trend = &page.issues[0].trend;
    assert_eq!(trend.iter().sum::<i64>(), 3);
    assert_eq!(trend.iter().filter(|&&n| n > 0).count(), 2, "{trend:?}");
    let recent = (now - 2 * 60_000) / 300_000 * 300_000;
    let index = ((recent - page.buckets[0]) / 300_000) as usize;
    assert_eq!(trend[index], 1, "{trend:?}");
    assert_eq!(page.issues[0].count_in_range, 3);
    let last_week = TimeWindow::new(Some(now - 7 * 24 * HOUR), Some(now), 7, now).expect("window");
    let page = explore(store, &IssueQuery::default(), "", &last_week).await;
    assert_eq!(page.issues[0].count_in_range, 4);
}

/// Four issues that differ in every facet; `ign` is ignored.
async fn search_fixture(store: &Store) {
    let mut s1 = event("checkout", "s1", 1_000);
    s1.event.version = Some("1.4.2".into());
    let mut s2 = event("billing", "s2", 2_000);
    let e = &mut s2.event;
    e.error_type = "KeyError".into();
    e.message = "missing key 'card'".into();
    e.env = Some("staging".into());
    e.version = Some("1.5.0".into());
    e.host = Some("web_2".into());
    e.resource = "GET /invoice".into();
    let s3 = |env: &str| {
        let mut new = event("checkout", "s3", 3_000);
        let e = &mut new.event;
        e.error_type = "TimeoutError".into();
        e.message = "upstream Timeout after 30s".into();
        e.env = Some(env.into());
        e.version = Some("2.0.0-rc.1".into());
        e.host = Some("db?1".into());
        new
    };
    let mut ign = event("checkout", "ign", 4_000);
    (ign.event.version, ign.event.host) = (None, None);
    write(store, &batch(vec![s1, s2, s3("prod"), s3("staging"), ign])).await;
    let page = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list");
    let ignored = page
        .issues
        .iter()
        .find(|i| i.fingerprint == "ign")
        .expect("ign")
        .id;
    assert!(
        store
            .set_status(ignored, Status::Ignored)
            .await
            .expect("ignore")
    );
}

pub async fn search_language(db: &TestDb) {
    let store = &db.store;
    search_fixture(store).await;
    let window = TimeWindow::new(None, None, 24, unix_ms_now()).expect("window");
    let q = IssueQuery {
        sort: Sort::FirstSeen,
        ..IssueQuery::default()
    };
    for (search, expected) in [
        ("", vec!["s3", "s2", "s1"]),
        ("status:ignored", vec!["ign"]),
        ("-status:for_review", vec!["ign"]),
        ("service:checkout", vec!["s3", "s1"]),
        ("service:Checkout", vec![]),
        ("service:check*", vec!["s3", "s1"]),
        ("env:staging", vec!["s3", "s2"]),
        ("env:prod env:staging", vec!["s3"]),
        ("version:1.*", vec!["s2", "s1"]),
        ("-version:1.*", vec!["s3"]),
        ("-version:1.* status:ignored", vec!["ign"]),
        ("host:web_*", vec!["s2"]),
        ("host:db?1", vec!["s3"]),
        ("host:db?*", vec!["s3"]),
        ("-host:* status:ignored", vec!["ign"]),
        ("resource:\"POST /orders\"", vec!["s3", "s1"]),
        ("resource:*invoice", vec!["s2"]),
        ("message:*timeout*", vec!["s3"]),
        ("type:KeyError", vec!["s2"]),
        ("-type:KeyError", vec!["s3", "s1"]),
        ("timeout", vec!["s3"]),
        ("-timeout", vec!["s2", "s1"]),
        ("'card' service:billing", vec!["s2"]),
        ("\"100%\"", vec![]),
        ("\"'; DROP TABLE issues; --\"", vec![]),
    ] {
        let page = explore(store, &q, search, &window).await;
        assert_eq!(fingerprints(&page), expected, "{search}");
        assert_eq!(page.total, expected.len() as i64, "{search}");
    }
    let legacy = IssueQuery {
        search: Some("env:staging".into()),
        sort: Sort::FirstSeen,
        ..IssueQuery::default()
    };
    let page = store.list_issues(&legacy).await.expect("list");
    let found: Vec<_> = page.issues.iter().map(|i| i.fingerprint.as_str()).collect();
    assert_eq!(found, ["s3", "s2"], "GET /issues applies `search` too");
    assert_eq!(db.rows("issues").await, 4);
}

pub async fn facet_counts(db: &TestDb) {
    let store = &db.store;
    search_fixture(store).await;
    let window = TimeWindow::new(None, None, 24, unix_ms_now()).expect("window");
    let facets = |search: &str| {
        let search = parse_search(search).expect("search");
        async move {
            store
                .facets(&IssueQuery::default(), &search, &window)
                .await
                .expect("facets")
        }
    };
    let values = |list: &[FacetValue]| -> Vec<(String, i64)> {
        list.iter().map(|v| (v.value.clone(), v.count)).collect()
    };
    let pairs = |list: &[(&str, i64)]| -> Vec<(String, i64)> {
        list.iter().map(|(v, n)| (v.to_string(), *n)).collect()
    };
    let all = facets("").await;
    assert_eq!(
        values(&all.service),
        pairs(&[("checkout", 2), ("billing", 1)])
    );
    assert_eq!(
        values(&all.status),
        pairs(&[("for_review", 3), ("ignored", 1)]),
        "ignored shown in status"
    );
    assert_eq!(values(&all.env), pairs(&[("prod", 2), ("staging", 2)]));
    assert_eq!(
        values(&all.version),
        pairs(&[("1.4.2", 1), ("1.5.0", 1), ("2.0.0-rc.1", 1)])
    );
    assert_eq!(
        values(&all.host),
        pairs(&[("db?1", 1), ("web-1", 1), ("web_2", 1)])
    );
    assert_eq!(
        values(&all.error_type),
        pairs(&[("KeyError", 1), ("TimeoutError", 1), ("ValueError", 1)])
    );
    let staging = facets("env:staging").await;
    assert_eq!(
        values(&staging.service),
        pairs(&[("billing", 1), ("checkout", 1)])
    );
    assert_eq!(values(&staging.env), pairs(&[("staging", 2), ("prod", 1)]));
    let ignored = facets("status:ignored").await;
    assert_eq!(values(&ignored.service), pairs(&[("checkout", 1)]));
    assert!(ignored.host.is_empty() && ignored.version.is_empty());
}

pub async fn issue_distribution(db: &TestDb) {
    let store = &db.store;
    let mut events = Vec::new();
    for (at, version, env, host, resource) in [
        (T0 + 1, "1.0.0", "prod", "web-1", "POST /orders"),
        (T0 + 2, "1.0.0", "prod", "web-2", "POST /orders"),
        (T0 + 3, "1.1.0", "staging", "web-1", "GET /cart"),
        (T0 + HOUR + 1, "1.1.0", "prod", "web-1", "POST /orders"),
    ] {
        let mut new = event("checkout", "aaa", at);
        let e = &mut new.event;
        e.version = Some(version.into());
        e.env = Some(env.into());
        e.host = Some(host.into());
        e.resource = resource.into();
        events.push(new);
    }
    let mut first = batch(events);
    let hit = |resource: &str| HitKey {
        service: "checkout".into(),
        env: "prod".into(),
        resource: resource.into(),
    };
    first.hits.insert((hit("POST /orders"), T0), (100, 4));
    first.hits.insert((hit("POST /orders"), T0 + HOUR), (50, 1));
    first
        .hits
        .insert((hit("POST /orders"), T0 + 9 * HOUR), (1_000, 0));
    write(store, &first).await;
    let id = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list")
        .issues[0]
        .id;
    let now = unix_ms_now();

    let whole = TimeWindow::new(Some(T0), Some(T0 + 2 * HOUR), 2, now).expect("window");
    let d = store
        .distribution(id, &whole)
        .await
        .expect("distribution")
        .expect("issue");
    assert_eq!(
        (d.counts.clone(), d.total, d.bucket_ms),
        (vec![3, 1], 4, HOUR)
    );
    let shares = |list: &[domain::explorer::Share]| -> Vec<(String, i64)> {
        list.iter().map(|s| (s.value.clone(), s.count)).collect()
    };
    let pairs = |list: &[(&str, i64)]| -> Vec<(String, i64)> {
        list.iter().map(|(v, n)| (v.to_string(), *n)).collect()
    };
    assert_eq!(shares(&d.versions), pairs(&[("1.0.0", 2), ("1.1.0", 2)]));
    assert_eq!(shares(&d.envs), pairs(&[("prod", 3), ("staging", 1)]));
    assert_eq!(shares(&d.hosts), pairs(&[("web-1", 3), ("web-2", 1)]));
    assert_eq!(
        shares(&d.resources),
        pairs(&[("POST /orders", 3), ("GET /cart", 1)])
    );
    assert!((d.envs[0].share - 0.75).abs() < 1e-9);
    let rates: Vec<_> = d
        .error_rates
        .iter()
        .map(|r| (r.resource.as_str(), r.hits, r.errors))
        .collect();
    assert_eq!(rates, [("POST /orders", 150, 5), ("GET /cart", 0, 0)]);
    assert!((d.error_rates[0].rate.expect("rate") - 5.0 / 150.0).abs() < 1e-9);
    assert_eq!(d.error_rates[1].rate, None);

    let first_hour = TimeWindow::new(Some(T0), Some(T0 + HOUR), 1, now).expect("window");
    let d = store
        .distribution(id, &first_hour)
        .await
        .expect("distribution")
        .expect("issue");
    assert_eq!((d.counts.clone(), d.total), (vec![3], 3));
    assert_eq!(
        shares(&d.versions),
        pairs(&[("1.0.0", 2), ("1.1.0", 1)]),
        "events in the window only"
    );
    assert_eq!(
        shares(&d.resources),
        pairs(&[("POST /orders", 2), ("GET /cart", 1)])
    );
    assert_eq!((d.error_rates[0].hits, d.error_rates[0].errors), (100, 4));
    assert!(
        store
            .distribution(id + 1_000, &whole)
            .await
            .expect("distribution")
            .is_none()
    );
}

/// A recent window of 5-minute buckets: whole hours come from the hourly values, the partial hours
/// at both edges from the events, and events just outside the window count nowhere.
pub async fn breakdowns_are_exact_at_partial_hours(db: &TestDb) {
    let store = &db.store;
    let now = unix_ms_now();
    let h = now / HOUR * HOUR - 10 * HOUR;
    let minute = 60_000;
    let mut events = Vec::new();
    for (at, version) in [
        (h - 20 * minute, "0.9"),
        (h + 3 * minute, "1.0"),
        (h + 6 * minute, "1.1"),
        (h + 70 * minute, "1.2"),
        (h + 150 * minute, "1.2"),
        (h + 3 * HOUR + 10 * minute, "1.3"),
        (h + 3 * HOUR + 20 * minute, "1.4"),
    ] {
        let mut new = event("checkout", "aaa", at);
        new.event.version = Some(version.into());
        events.push(new);
    }
    write(store, &batch(events)).await;
    let id = store
        .list_issues(&IssueQuery::default())
        .await
        .expect("list")
        .issues[0]
        .id;
    // Widened to 5-minute buckets: from h + 5 min to h + 3 h 15 min.
    let window = TimeWindow::new(
        Some(h + 7 * minute),
        Some(h + 3 * HOUR + 12 * minute),
        40,
        now,
    )
    .expect("window");
    let d = store
        .distribution(id, &window)
        .await
        .expect("distribution")
        .expect("issue");
    assert_eq!((d.bucket_ms, d.buckets[0]), (5 * minute, h + 5 * minute));
    assert_eq!(d.total, 4);
    let versions: Vec<(&str, i64)> = d
        .versions
        .iter()
        .map(|s| (s.value.as_str(), s.count))
        .collect();
    assert_eq!(versions, [("1.2", 2), ("1.1", 1), ("1.3", 1)]);
    assert_eq!(d.resources.iter().map(|s| s.count).sum::<i64>(), 4);
}
