//! What the latency phase asks the filled server: the explorer's JSON endpoints and its
//! server-rendered pages, each timed over many complete requests.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::client::Http;

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

/// One measured request.
pub struct Query {
    pub label: &'static str,
    pub path: String,
    /// Text the answer must contain, so a page that rendered an error is not timed as a success.
    pub expect: &'static str,
}

fn query(label: &'static str, path: impl Into<String>, expect: &'static str) -> Query {
    Query {
        label,
        path: path.into(),
        expect,
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub p50: Duration,
    pub p95: Duration,
}

/// The issues and the trace the per-issue queries read.
pub struct Targets {
    /// The issue with the most events.
    pub busy: i64,
    /// The issue with the fewest.
    pub small: i64,
    /// The trace of the busy issue's latest event (32 hex digits).
    pub trace: String,
    /// Every issue, most events first.
    pub by_count: Vec<i64>,
}

impl Targets {
    pub async fn find(http: &mut Http) -> anyhow::Result<Self> {
        let page = get_json(http, "/api/v1/issues?sort=count&limit=200").await?;
        let by_count: Vec<i64> = page["issues"]
            .as_array()
            .map(|issues| issues.iter().filter_map(|i| i["id"].as_i64()).collect())
            .unwrap_or_default();
        let (Some(&busy), Some(&small)) = (by_count.first(), by_count.last()) else {
            anyhow::bail!("no issues stored: {page}");
        };
        let detail = get_json(http, &format!("/api/v1/issues/{busy}")).await?;
        let trace = detail["latest_event"]["trace_id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("issue {busy} has no latest event trace"))?
            .to_owned();
        Ok(Self {
            busy,
            small,
            trace,
            by_count,
        })
    }
}

/// Ignores and resolves a few mid-sized issues (through the bulk API), so the default view leaves
/// some out and status facets have several values.
pub async fn triage_some(http: &mut Http, targets: &Targets) -> anyhow::Result<()> {
    let middle = targets.by_count.len() / 2;
    let Some(ids) = targets.by_count.get(middle..middle + 10) else {
        return Ok(());
    };
    for (ids, status) in [(&ids[..5], "ignored"), (&ids[5..], "resolved")] {
        let body = serde_json::to_vec(&json!({"ids": ids, "status": status, "actor": "bench"}))?;
        let headers = [("Content-Type", "application/json")];
        let (code, answer) = http
            .request("POST", "/api/v1/issues/status", &headers, &body)
            .await?;
        anyhow::ensure!(code == 200, "bulk status answered {code}: {answer}");
    }
    Ok(())
}

/// The JSON API: `/api/v1/issues` (the plain list), the explorer list and facets over ranges and
/// searches, and an issue's distribution.
pub fn api_queries(targets: &Targets, now: i64) -> Vec<Query> {
    let busy = targets.busy;
    let (d, w) = (DAY, 7 * DAY);
    let ranged = |path: &str, from: i64| format!("{path}from={}&to={now}", now - from);
    vec![
        query(
            "issues, default (last seen)",
            "/api/v1/issues",
            "\"issues\"",
        ),
        query(
            "issues, sort=count",
            "/api/v1/issues?sort=count",
            "\"issues\"",
        ),
        query(
            "issues, service + env",
            "/api/v1/issues?service=bench-3&env=prod",
            "\"issues\"",
        ),
        query(
            "issues, free text",
            "/api/v1/issues?q=timeout",
            "\"issues\"",
        ),
        query(
            "issues, status + page 3",
            "/api/v1/issues?status=for_review&offset=100",
            "\"issues\"",
        ),
        query(
            "explorer, default (1d)",
            "/api/v1/explorer/issues",
            "\"trend\"",
        ),
        query(
            "explorer, 24h by count",
            ranged("/api/v1/explorer/issues?sort=count&", d),
            "\"trend\"",
        ),
        query(
            "explorer, 7d by count",
            ranged("/api/v1/explorer/issues?sort=count&", w),
            "\"trend\"",
        ),
        query(
            "explorer, 1h (5-min)",
            ranged("/api/v1/explorer/issues?buckets=12&", HOUR),
            "\"trend\"",
        ),
        query(
            "explorer, search",
            "/api/v1/explorer/issues?search=service:bench-0%20env:prod%20timeout",
            "\"trend\"",
        ),
        query(
            "explorer, negations",
            "/api/v1/explorer/issues?search=-host:host-3%20-version:1.0.*%20-bad",
            "\"issues\"",
        ),
        query(
            "explorer, wildcards",
            "/api/v1/explorer/issues?search=version:1.2.*%20message:*timeout*",
            "\"trend\"",
        ),
        query("facets, all time", "/api/v1/explorer/facets", "\"service\""),
        query(
            "facets, 24h + search",
            ranged("/api/v1/explorer/facets?search=env:prod&", d),
            "\"service\"",
        ),
        query(
            "issue, busy",
            format!("/api/v1/issues/{busy}"),
            "\"latest_event\"",
        ),
        query(
            "distribution, 7d",
            ranged(&format!("/api/v1/issues/{busy}/distribution?"), w + d),
            "\"counts\"",
        ),
        query(
            "distribution, 24h",
            ranged(&format!("/api/v1/issues/{busy}/distribution?"), d),
            "\"counts\"",
        ),
        query(
            "distribution, 6h",
            ranged(&format!("/api/v1/issues/{busy}/distribution?"), 6 * HOUR),
            "\"counts\"",
        ),
    ]
}

/// The server-rendered pages as a browser first gets them: the whole streamed document, with the
/// data of every section resolved on the server.
pub fn page_queries(targets: &Targets) -> Vec<Query> {
    vec![
        query("/ (explorer, default 1d)", "/", "class=\"issues\""),
        query(
            "/ search + facet",
            "/?search=service%3Abench-0+env%3Aprod+timeout",
            "class=\"issues\"",
        ),
        query("/ 7d by count", "/?sort=count&range=7d", "class=\"issues\""),
        query(
            "/issues/{id} busy issue",
            format!("/issues/{}", targets.busy),
            "status-control",
        ),
        query(
            "/issues/{id} small issue",
            format!("/issues/{}", targets.small),
            "status-control",
        ),
        query(
            "/traces/{id}",
            format!("/traces/{}", targets.trace),
            "trace-header",
        ),
    ]
}

/// p50 and p95 of `samples` complete requests, after one unmeasured warm-up request.
pub async fn measure(http: &mut Http, query: &Query, samples: usize) -> anyhow::Result<Timing> {
    let mut times = Vec::with_capacity(samples);
    for round in 0..=samples {
        let started = Instant::now();
        let (status, body) = http.request("GET", &query.path, &[], &[]).await?;
        let took = started.elapsed();
        anyhow::ensure!(
            status == 200 && body.contains(query.expect),
            "{} answered {status} without {:?}: {}",
            query.path,
            query.expect,
            body.chars().take(500).collect::<String>()
        );
        if round > 0 {
            times.push(took);
        }
    }
    times.sort();
    let timing = Timing {
        p50: times[times.len() / 2],
        p95: times[(times.len() * 95 / 100).min(times.len() - 1)],
    };
    println!(
        "{:>28}: p50 {:7.2} ms, p95 {:7.2} ms",
        query.label,
        ms(timing.p50),
        ms(timing.p95)
    );
    Ok(timing)
}

async fn get_json(http: &mut Http, path: &str) -> anyhow::Result<Value> {
    let (status, body) = http.request("GET", path, &[], &[]).await?;
    anyhow::ensure!(status == 200, "{path} answered {status}: {body}");
    Ok(serde_json::from_str(&body)?)
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
