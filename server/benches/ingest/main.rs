//! `make bench` / `cargo bench -p server --bench ingest`: intake throughput, then explorer latency with
//! that data stored.
//!
//! Starts the real `stackprint serve` (release) on a fresh SQLite database (or the empty PostgreSQL
//! database `STACKPRINT_BENCH_DATABASE_URL` names) and replays realistic
//! Datadog payloads over HTTP, each request acknowledged only once durable. Phases, chosen with
//! `BENCH_PHASES` (a comma list of `mixed`, `storm`, `hostile`, `explorer`; `intake` is the first
//! three; all by default):
//! 1. `mixed`: v0.5 and v0.4 payloads of 20-span traces, 2% errored, ~200 distinct fingerprints;
//! 2. `storm`: an error storm, every 20-span trace errored (`BENCH_STORM_EVENTS`, default 50,000);
//! 3. `hostile`: issue 9's bodies built to explode in memory, 8 at once ([`hostile`]);
//! 4. `explorer`: error-heavy traffic until `BENCH_EVENTS` (default 1,000,000) events are stored,
//!    then latency over HTTP with that database (a few issues ignored and resolved first): the JSON
//!    API ([`latency::api_queries`]) and the server-rendered pages ([`latency::page_queries`]),
//!    complete responses (streamed pages to their last chunk) on one keep-alive connection, and the
//!    release WASM bundle the pages load, raw and gzipped (`make bench` builds it first).
//!
//! Peak RSS is the server's `VmHWM`, reset before each phase. Prints each figure as it is measured
//! and a summary table at the end.

#[path = "../../tests/support/client.rs"]
mod client;
mod hostile;
mod latency;
mod payload;
// For `admin_token` only: the bench starts the server with its own flags.
#[path = "../../tests/support/process.rs"]
#[allow(dead_code)]
mod process;
mod report;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use client::Http;
use payload::{Generator, Traffic, Version};
use report::Report;

const CONNECTIONS: usize = 8;

/// The bench's knobs, all environment variables.
struct Knobs {
    /// Error events stored before the latency phase.
    events: u64,
    /// Spans sent per payload version in the mixed phase.
    spans: u64,
    /// Error events sent in the storm phase.
    storm_events: u64,
    phases: Phases,
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
            storm_events: env_or("BENCH_STORM_EVENTS", 50_000),
            phases: Phases::from_env(),
            samples: env_or("BENCH_SAMPLES", 100).max(1) as usize,
            site_root: std::env::var_os("BENCH_SITE_ROOT")
                .map_or_else(|| workspace.join("target/site"), PathBuf::from),
        }
    }
}

/// Which phases run (`BENCH_PHASES`).
struct Phases {
    mixed: bool,
    storm: bool,
    hostile: bool,
    explorer: bool,
}

impl Phases {
    fn from_env() -> Self {
        let list = std::env::var("BENCH_PHASES").unwrap_or_else(|_| "all".into());
        let named = |phase: &str| {
            list.split(',').map(str::trim).any(|p| {
                p == phase
                    || p == "all"
                    || (p == "intake" && matches!(phase, "mixed" | "storm" | "hostile"))
            })
        };
        Self {
            mixed: named("mixed"),
            storm: named("storm"),
            hostile: named("hostile"),
            explorer: named("explorer"),
        }
    }
}

#[derive(Clone, Copy)]
struct Ports {
    api: u16,
    agent: u16,
    otlp: u16,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let knobs = Knobs::from_env();
    let dir = std::env::temp_dir().join(format!("stackprint-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let ports = Ports {
        api: free_port()?,
        agent: free_port()?,
        otlp: free_port()?,
    };
    let db = Database::from_env(&dir);
    let token = process::admin_token_at(&db.url(), &dir.join("admin.token"));
    let mut server = start_server(&db, &knobs.site_root, ports)?;
    let result = run(&db, server.id(), ports, &token, &knobs).await;
    server.kill().ok();
    server.wait().ok();
    if std::env::var_os("BENCH_KEEP_DATA").is_some() {
        println!("database kept in {}", dir.display());
    } else {
        std::fs::remove_dir_all(&dir).ok();
    }
    result
}

/// `token`: an admin's API token for the explorer port.
async fn run(
    db: &Database,
    pid: u32,
    ports: Ports,
    token: &str,
    knobs: &Knobs,
) -> anyhow::Result<()> {
    let api_addr = format!("127.0.0.1:{}", ports.api);
    let agent_addr = format!("127.0.0.1:{}", ports.agent);
    wait_ready(&api_addr, token).await?;
    let mut report = Report::default();
    let mut intake_peak = None;

    if knobs.phases.mixed {
        println!("== mixed traffic: 20-span traces, 2% errored, ~200 fingerprints, 19 services");
        reset_peak_rss(pid)?;
        for version in [Version::V05, Version::V04] {
            let traces_per_request = 50;
            let requests = knobs.spans / (20 * traces_per_request as u64);
            let started = Instant::now();
            let (spans, errors) = replay(
                &agent_addr,
                version,
                requests,
                traces_per_request,
                Traffic::MIXED,
            )
            .await?;
            let secs = started.elapsed().as_secs_f64();
            let line = format!(
                "mixed {version:?}: {:.0} spans/s, {:.0} error events/s ({spans} spans in {secs:.2}s)",
                spans as f64 / secs,
                errors as f64 / secs
            );
            println!("{line}");
            report.fact("intake", line);
        }
        let peak = peak_rss_mb(pid)?;
        intake_peak = Some(peak);
        report.fact("intake", format!("mixed: peak RSS {peak:.1} MB"));
    }

    if knobs.phases.storm {
        println!(
            "== error storm: every 20-span trace errored, half with details on a child, {} events",
            knobs.storm_events
        );
        reset_peak_rss(pid)?;
        let stored_before = stat(&api_addr, token, "error_events").await?;
        let disk_before = db.size().await?;
        let cpu_before = cpu_seconds(pid)?;
        let traces_per_request = 50;
        let requests = knobs.storm_events.div_ceil(traces_per_request as u64);
        let started = Instant::now();
        let (spans, _) = replay(
            &agent_addr,
            Version::V05,
            requests,
            traces_per_request,
            Traffic::STORM,
        )
        .await?;
        let secs = started.elapsed().as_secs_f64();
        let stored = stat(&api_addr, token, "error_events").await? - stored_before;
        let disk = db.size().await?.saturating_sub(disk_before);
        let cpu = cpu_seconds(pid)? - cpu_before;
        let peak = peak_rss_mb(pid)?;
        intake_peak = Some(intake_peak.map_or(peak, |p: f64| p.max(peak)));
        let line = format!(
            "storm: {:.0} error events/s, {:.0} spans/s ({stored} events, {spans} spans in {secs:.2}s), \
             {:.0} bytes on disk per stored event (its trace included), server CPU {:.0} µs per \
             event, peak RSS {peak:.1} MB",
            stored as f64 / secs,
            spans as f64 / secs,
            disk as f64 / stored.max(1) as f64,
            cpu * 1e6 / stored.max(1) as f64
        );
        println!("{line}");
        report.fact("intake", line);
    }
    if let Some(peak) = intake_peak {
        report.fact(
            "intake",
            format!("peak RSS through mixed and storm: {peak:.1} MB"),
        );
    }

    if knobs.phases.hostile {
        println!(
            "== hostile bodies: 4 OTLP of 24 MiB empty spans + 4 msgpack of 1M empty spans, at once"
        );
        reset_peak_rss(pid)?;
        let otlp_addr = format!("127.0.0.1:{}", ports.otlp);
        let answers = hostile::send_all(&agent_addr, &otlp_addr).await?;
        let peak = peak_rss_mb(pid)?;
        for answer in &answers {
            println!(
                "{}: {} in {:.2}s",
                answer.what,
                answer.status,
                answer.took.as_secs_f64()
            );
        }
        let slowest = answers.iter().map(|a| a.took).max().unwrap_or_default();
        let statuses: Vec<String> = answers.iter().map(|a| a.status.to_string()).collect();
        let line = format!(
            "hostile: answers {} within {:.2}s, peak RSS {peak:.1} MB",
            statuses.join(" "),
            slowest.as_secs_f64()
        );
        println!("{line}");
        report.fact("intake", line);
    }

    if !knobs.phases.explorer {
        report.print(stat(&api_addr, token, "error_events").await?);
        return Ok(());
    }
    reset_peak_rss(pid)?;
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
        Traffic::ERROR_HEAVY,
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
    let disk = db.size().await?;
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

    let peak = peak_rss_mb(pid)?;
    report.fact(
        "server",
        format!("peak RSS of the explorer phases {peak:.1} MB"),
    );
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
    traffic: Traffic,
) -> anyhow::Result<(u64, u64)> {
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..CONNECTIONS as u64 {
        let addr = addr.to_string();
        let share =
            requests / CONNECTIONS as u64 + u64::from(worker < requests % CONNECTIONS as u64);
        tasks.spawn(async move {
            let mut http = Http::connect(&addr).await?;
            let mut generator = Generator::new(worker, traffic);
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
                spans += (traces_per_request * traffic.spans_per_trace) as u64;
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

fn start_server(db: &Database, site_root: &Path, ports: Ports) -> anyhow::Result<Child> {
    Ok(Command::new(env!("CARGO_BIN_EXE_stackprint"))
        .arg("serve")
        .arg("--database-url")
        .arg(db.url())
        .arg("--listen")
        .arg(format!("127.0.0.1:{}", ports.api))
        .arg("--agent-listen")
        .arg(format!("127.0.0.1:{}", ports.agent))
        .arg("--otlp-listen")
        .arg(format!("127.0.0.1:{}", ports.otlp))
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

/// Where the benchmarked server stores its data.
enum Database {
    /// A fresh SQLite file in the bench's directory.
    Sqlite(PathBuf),
    /// `STACKPRINT_BENCH_DATABASE_URL`: an empty PostgreSQL database.
    Postgres(String),
}

impl Database {
    fn from_env(dir: &Path) -> Self {
        match std::env::var("STACKPRINT_BENCH_DATABASE_URL") {
            Ok(url) if !url.is_empty() => Self::Postgres(url),
            _ => Self::Sqlite(dir.join("stackprint.db")),
        }
    }

    fn url(&self) -> String {
        match self {
            Self::Sqlite(path) => format!("sqlite://{}", path.display()),
            Self::Postgres(url) => url.clone(),
        }
    }

    /// Bytes the database takes: the SQLite file with its WAL, or PostgreSQL's own figure.
    async fn size(&self) -> anyhow::Result<u64> {
        match self {
            Self::Sqlite(path) => {
                let mut total = 0;
                for entry in std::fs::read_dir(path.parent().expect("database in a directory"))? {
                    let entry = entry?;
                    if entry
                        .file_name()
                        .to_string_lossy()
                        .starts_with("stackprint.db")
                    {
                        total += entry.metadata()?.len();
                    }
                }
                Ok(total)
            }
            Self::Postgres(url) => {
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
                let size: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
                    .fetch_one(&mut conn)
                    .await?;
                Ok(size as u64)
            }
        }
    }
}

/// The server's peak resident memory (`VmHWM`) since it started or since [`reset_peak_rss`], MB.
fn peak_rss_mb(pid: u32) -> anyhow::Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmHWM in /proc/{pid}/status"))?;
    Ok(kb as f64 / 1024.0)
}

/// CPU time (user and system) the server used so far, in seconds: on a shared machine a steadier
/// measure of the work per event than the wall clock.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the parenthesized command name: state is field 3, utime 14 and stime 15.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks = |i: usize| -> anyhow::Result<f64> {
        Ok(fields
            .get(i - 3)
            .ok_or_else(|| anyhow::anyhow!("short /proc/{pid}/stat"))?
            .parse::<f64>()?)
    };
    // Linux reports clock ticks of 1/100 s (USER_HZ) on every architecture it runs on here.
    Ok((ticks(14)? + ticks(15)?) / 100.0)
}

/// Resets `VmHWM` to the current RSS (Linux's `clear_refs` value 5), so each phase reports its own peak.
fn reset_peak_rss(pid: u32) -> anyhow::Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")?;
    Ok(())
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
