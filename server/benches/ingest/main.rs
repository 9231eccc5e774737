//! `make bench` / `cargo bench -p server --bench ingest`: intake throughput, then explorer latency with
//! that data stored.
//!
//! Starts the real `stackprint serve` (release) on a fresh SQLite database and replays realistic
//! Datadog payloads over HTTP, each request acknowledged only once durable:
//! 1. throughput: v0.5 and v0.4 payloads of 20-span traces, 2% errored, ~200 distinct fingerprints;
//! 2. error events: error-heavy traffic until `BENCH_EVENTS` (default 1,000,000) events are stored;
//! 3. latency over HTTP with that database (a few issues ignored and resolved first): the JSON API
//!    ([`latency::api_queries`]) and the server-rendered pages ([`latency::page_queries`]), complete
//!    responses (streamed pages to their last chunk) on one keep-alive connection;
//! 4. the release WASM bundle the pages load, raw and gzipped (`make bench` builds it first).
//!
//! Prints each figure as it is measured and a summary table at the end.

#[path = "../../tests/support/client.rs"]
mod client;
// For `admin_token` only: the bench starts the server with its own flags.
mod latency;
mod payload;
#[path = "../../tests/support/process.rs"]
#[allow(dead_code)]
mod process;
mod report;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use client::Http;
use payload::{Generator, Version};
use report::Report;

const CONNECTIONS: usize = 8;

/// The bench's knobs, all environment variables.
struct Knobs {
    /// Error events stored before the latency phase.
    events: u64,
    /// Spans sent per payload version in the throughput phase.
    spans: u64,
    /// Requests per measured query.
    samples: usize,
    /// The built site the server serves (its `pkg/stackprint_bg.wasm` is measured).
    site_root: PathBuf,
}

impl Knobs {
    fn from_env() -> Self {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Self {
            events: env_or("BENCH_EVENTS", 1_000_000),
            spans: env_or("BENCH_SPANS", 2_000_000),
            samples: env_or("BENCH_SAMPLES", 100).max(1) as usize,
            site_root: std::env::var_os("BENCH_SITE_ROOT")
                .map_or_else(|| workspace.join("target/site"), PathBuf::from),
        }
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let knobs = Knobs::from_env();
    let dir = std::env::temp_dir().join(format!("stackprint-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (api, agent) = (free_port()?, free_port()?);
    let db = dir.join("stackprint.db");
    let token = process::admin_token(&db);
    let mut server = start_server(&db, &knobs.site_root, api, agent)?;
    let result = run(&dir, server.id(), (api, &token), agent, &knobs).await;
    server.kill().ok();
    server.wait().ok();
    if std::env::var_os("BENCH_KEEP_DATA").is_some() {
        println!("database kept in {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).ok();
    }
    result
}

/// `api`: the explorer port and an admin's API token for it.
async fn run(
    dir: &Path,
    pid: u32,
    (api, token): (u16, &str),
    agent: u16,
    knobs: &Knobs,
) -> anyhow::Result<()> {
    let api_addr = format!("127.0.0.1:{api}");
    let agent_addr = format!("127.0.0.1:{agent}");
    wait_ready(&api_addr, token).await?;
    let mut report = Report::default();

    println!("== intake throughput: 20-span traces, 2% errored, ~200 fingerprints");
    for version in [Version::V05, Version::V04] {
        let traces_per_request = 50;
        let requests = knobs.spans / (20 * traces_per_request as u64);
        let started = Instant::now();
        let (spans, errors) =
            replay(&agent_addr, version, requests, traces_per_request, 20, 0.02).await?;
        let secs = started.elapsed().as_secs_f64();
        let line = format!(
            "{version:?}: {:.0} spans/s, {:.0} error events/s ({spans} spans in {secs:.2}s)",
            spans as f64 / secs,
            errors as f64 / secs
        );
        println!("{line}");
        report.fact("intake", line);
    }

    let events_target = knobs.events;
    println!(
        "== error events: error-heavy traffic (3-span traces, all errored) up to {events_target} events"
    );
    let stored = stat(&api_addr, token, "error_events").await?;
    let remaining = events_target.saturating_sub(stored);
    let traces_per_request = 100;
    let requests = remaining.div_ceil(traces_per_request as u64);
    let started = Instant::now();
    let (spans, errors) = replay(
        &agent_addr,
        Version::V05,
        requests,
        traces_per_request,
        3,
        1.0,
    )
    .await?;
    let secs = started.elapsed().as_secs_f64();
    let line = format!(
        "{:.0} error events/s ({errors} events, {spans} spans in {secs:.1}s)",
        errors as f64 / secs
    );
    println!("{line}");
    report.fact("intake", format!("error-heavy: {line}"));

    let events = stat(&api_addr, token, "error_events").await?;
    let issues = stat(&api_addr, token, "issues").await?;
    let disk = dir_size(dir)?;
    println!("stored and queryable: {events} error events in {issues} issues");
    report.fact(
        "storage",
        format!(
            "{events} error events in {issues} issues, {:.1} MB on disk, {:.0} bytes per error event (traces included)",
            disk as f64 / 1e6,
            disk as f64 / events.max(1) as f64
        ),
    );

    let mut http = Http::connect_as(&api_addr, token).await?;
    let targets = latency::Targets::find(&mut http).await?;
    latency::triage_some(&mut http, &targets).await?;
    println!(
        "== JSON API with {events} error events stored ({} requests each)",
        knobs.samples
    );
    for query in latency::api_queries(&targets, report::now_ms()) {
        let timing = latency::measure(&mut http, &query, knobs.samples).await?;
        report.latency("api", query.label, timing);
    }
    println!("== server-rendered pages with {events} error events stored");
    for query in latency::page_queries(&targets) {
        let timing = latency::measure(&mut http, &query, knobs.samples).await?;
        report.latency("page", query.label, timing);
    }

    let peak = peak_rss_kb(pid)? as f64 / 1024.0;
    report.fact("server", format!("peak RSS {peak:.1} MB"));
    report.fact(
        "wasm",
        report::bundle_size(&knobs.site_root, &mut http).await?,
    );
    report.print(events);
    Ok(())
}

/// Sends `requests` payloads over `CONNECTIONS` keep-alive connections; returns spans and error events sent.
async fn replay(
    addr: &str,
    version: Version,
    requests: u64,
    traces_per_request: usize,
    spans_per_trace: usize,
    error_ratio: f64,
) -> anyhow::Result<(u64, u64)> {
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..CONNECTIONS as u64 {
        let addr = addr.to_string();
        let share =
            requests / CONNECTIONS as u64 + u64::from(worker < requests % CONNECTIONS as u64);
        tasks.spawn(async move {
            let mut http = Http::connect(&addr).await?;
            let mut generator = Generator::new(worker, spans_per_trace, error_ratio);
            let (mut spans, mut errors) = (0u64, 0u64);
            for _ in 0..share {
                let (body, errored) = generator.payload(version, traces_per_request);
                let (status, answer) = http
                    .request(
                        "PUT",
                        version.path(),
                        &[
                            ("Content-Type", version.content_type()),
                            ("Datadog-Meta-Lang", "python"),
                        ],
                        &body,
                    )
                    .await?;
                anyhow::ensure!(status == 200, "intake answered {status}: {answer}");
                spans += (traces_per_request * spans_per_trace) as u64;
                errors += errored;
            }
            anyhow::Ok((spans, errors))
        });
    }
    let (mut spans, mut errors) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        let (s, e) = done??;
        spans += s;
        errors += e;
    }
    Ok((spans, errors))
}

fn start_server(db: &Path, site_root: &Path, api: u16, agent: u16) -> anyhow::Result<Child> {
    Ok(Command::new(env!("CARGO_BIN_EXE_stackprint"))
        .arg("serve")
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .arg("--listen")
        .arg(format!("127.0.0.1:{api}"))
        .arg("--agent-listen")
        .arg(format!("127.0.0.1:{agent}"))
        .arg("--otlp-listen")
        .arg("off")
        .arg("--site-root")
        .arg(site_root)
        .env(
            "STACKPRINT_LOG",
            std::env::var("BENCH_SERVER_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .spawn()?)
}

async fn wait_ready(addr: &str, token: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(mut http) = Http::connect_as(addr, token).await
            && let Ok((200, _)) = http.request("GET", "/api/v1/stats", &[], &[]).await
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    anyhow::bail!("the server did not answer within 60 s")
}

async fn stat(addr: &str, token: &str, field: &str) -> anyhow::Result<u64> {
    let mut http = Http::connect_as(addr, token).await?;
    let (_, body) = http.request("GET", "/api/v1/stats", &[], &[]).await?;
    let stats: serde_json::Value = serde_json::from_str(&body)?;
    stats[field]
        .as_u64()
        .ok_or_else(|| anyhow::anyhow!("stats have no {field}: {body}"))
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn dir_size(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        total += entry?.metadata()?.len();
    }
    Ok(total)
}

fn peak_rss_kb(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/{pid}/status"))
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
