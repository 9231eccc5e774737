//! Explorer latency with many events stored: the body of `explorer_api`'s ignored
//! `explorer_latency_with_many_events`, included by path.

use std::time::{Duration, Instant};

use axum::Router;
use domain::query::Status;
use server::http::api_router;
use server::storage::{NewEvent, Store};

use super::store::{TestDb, batch, event};
use super::support::client::Http;

const DAY: i64 = 86_400_000;
const BATCH: usize = 5_000;

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Skewed towards 0: a few issues get most events.
    fn skewed(&mut self, n: u64) -> u64 {
        let x = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((x * x * x) * n as f64) as u64
    }
}

fn generate(rng: &mut Rng, now: i64) -> NewEvent {
    let issue = rng.skewed(200);
    let service = format!("svc-{}", issue % 5);
    let mut new = event(
        &service,
        &format!("fp{issue:03}"),
        now - rng.below(7 * DAY as u64) as i64,
    );
    let e = &mut new.event;
    e.error_type = format!("Error{}", issue % 23);
    e.message = if issue.is_multiple_of(4) {
        format!("upstream timeout after {}ms", rng.below(5_000))
    } else {
        format!("bad input {}", rng.below(1_000))
    };
    e.env = Some(["prod", "staging", "dev"][rng.below(3) as usize].into());
    e.version = Some(format!("1.{}.{}", rng.below(4), rng.below(5)));
    e.host = Some(format!("host-{}", rng.below(20)));
    e.resource = format!("GET /r{}", issue % 15);
    new
}

pub async fn run() {
    let events: usize = std::env::var("EXPLORER_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let db = match std::env::var("EXPLORER_BENCH_BACKEND").as_deref() {
        Ok("postgres") => TestDb::postgres().await.expect("PostgreSQL configured"),
        _ => TestDb::sqlite().await,
    };
    let store = db.store.clone();
    let now = server::storage::unix_ms_now();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let started = Instant::now();
    let mut written = 0;
    while written < events {
        let n = BATCH.min(events - written);
        let batch = batch((0..n).map(|_| generate(&mut rng, now)).collect());
        store.write_batch(&batch).await.expect("write");
        written += n;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "wrote {written} events in {secs:.1}s ({:.0} events/s) to {}",
        written as f64 / secs,
        db.url
    );
    if let Some(path) = db.url.strip_prefix("sqlite://") {
        let size = |p: String| std::fs::metadata(p).map_or(0, |m| m.len());
        let bytes = size(path.to_owned()) + size(format!("{path}-wal"));
        println!(
            "database: {:.1} MB, {:.0} bytes per event",
            bytes as f64 / 1e6,
            bytes as f64 / written as f64
        );
    }
    triage_some(&store).await;
    let api = serve(store.clone()).await;
    let top = top_issue(&api).await;
    let (h, d, w) = (3_600_000, DAY, 7 * DAY);
    let queries = [
        ("list, default", "/api/v1/explorer/issues".to_string()),
        (
            "list, 24h by count",
            format!(
                "/api/v1/explorer/issues?sort=count&from={}&to={now}",
                now - d
            ),
        ),
        (
            "list, 7d by count",
            format!(
                "/api/v1/explorer/issues?sort=count&from={}&to={now}",
                now - w
            ),
        ),
        (
            "list, 1h (5-min)",
            format!(
                "/api/v1/explorer/issues?from={}&to={now}&buckets=12",
                now - h
            ),
        ),
        (
            "list, search",
            "/api/v1/explorer/issues?search=service:svc-0%20env:prod%20timeout".to_string(),
        ),
        (
            "list, negations",
            "/api/v1/explorer/issues?search=-host:host-3%20-version:1.0.*%20-bad".to_string(),
        ),
        (
            "list, wildcards",
            "/api/v1/explorer/issues?search=version:1.2.*%20message:*timeout*".to_string(),
        ),
        ("facets, all time", "/api/v1/explorer/facets".to_string()),
        (
            "facets, 24h + search",
            format!(
                "/api/v1/explorer/facets?from={}&to={now}&search=env:prod",
                now - d
            ),
        ),
        (
            "distribution, 7d",
            format!(
                "/api/v1/issues/{top}/distribution?from={}&to={now}",
                now - w - d
            ),
        ),
        (
            "distribution, 6h",
            format!(
                "/api/v1/issues/{top}/distribution?from={}&to={now}",
                now - 6 * h
            ),
        ),
        (
            "distribution, 24h",
            format!(
                "/api/v1/issues/{top}/distribution?from={}&to={now}",
                now - d
            ),
        ),
    ];
    let mut http = Http::connect(&api).await.expect("connect");
    for (label, path) in queries {
        let mut times = Vec::new();
        for _ in 0..100 {
            let started = Instant::now();
            let (status, body) = http.request("GET", &path, &[], &[]).await.expect("request");
            assert_eq!(status, 200, "{path}: {body}");
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "{label:>22}: p50 {:6.2} ms, p95 {:6.2} ms",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 95 / 100])
        );
    }
}

async fn triage_some(store: &Store) {
    let page = store.list_issues(&Default::default()).await.expect("list");
    let ids: Vec<i64> = page.issues.iter().map(|i| i.id).collect();
    store
        .set_statuses(&ids[..5], Status::Ignored, None)
        .await
        .expect("ignore");
    store
        .set_statuses(&ids[5..10], Status::Resolved, None)
        .await
        .expect("resolve");
}

async fn serve(store: Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let router = Router::new().nest("/api/v1", api_router(store));
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

/// The issue with the most events.
async fn top_issue(api: &str) -> i64 {
    let mut http = Http::connect(api).await.expect("connect");
    let (_, body) = http
        .request("GET", "/api/v1/issues?sort=count&limit=1", &[], &[])
        .await
        .expect("top");
    let page: serde_json::Value = serde_json::from_str(&body).expect("json");
    page["issues"][0]["id"].as_i64().expect("an issue")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000.0
}
