//! The bench's summary: every figure measured, printed as one table at the end.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::client::Http;
use crate::latency::{Timing, ms};

/// The budget for the issue list and issue page responses.
const BUDGET: Duration = Duration::from_millis(100);

#[derive(Default)]
pub struct Report {
    facts: Vec<(&'static str, String)>,
    latencies: Vec<(&'static str, &'static str, Timing)>,
}

impl Report {
    pub fn fact(&mut self, what: &'static str, text: String) {
        self.facts.push((what, text));
    }

    pub fn latency(&mut self, group: &'static str, label: &'static str, timing: Timing) {
        self.latencies.push((group, label, timing));
    }

    pub fn print(&self, events: u64) {
        println!();
        println!("== summary ({events} error events stored)");
        for (what, text) in &self.facts {
            println!("{what:>8}  {text}");
        }
        if self.latencies.is_empty() {
            return;
        }
        println!();
        println!(
            "| {:<5} | {:<30} | {:>9} | {:>9} | {:<9} |",
            "kind", "request", "p50 ms", "p95 ms", "≤ 100 ms"
        );
        println!(
            "|{:-<7}|{:-<32}|{:->11}|{:->11}|{:-<11}|",
            "", "", "", "", ""
        );
        for (group, label, timing) in &self.latencies {
            let verdict = if timing.p95 <= BUDGET { "yes" } else { "NO" };
            println!(
                "| {group:<5} | {label:<30} | {:>9.2} | {:>9.2} | {verdict:<9} |",
                ms(timing.p50),
                ms(timing.p95)
            );
        }
        let over = self
            .latencies
            .iter()
            .filter(|(_, _, t)| t.p95 > BUDGET)
            .count();
        println!(
            "{over} of {} requests over the p95 budget of {} ms",
            self.latencies.len(),
            BUDGET.as_millis()
        );
    }
}

/// The release WASM bundle the pages load, raw and gzipped; checks the server serves it.
pub async fn bundle_size(site_root: &Path, http: &mut Http) -> anyhow::Result<String> {
    let path = site_root.join("pkg/stackprint_bg.wasm");
    let wasm = match std::fs::read(&path) {
        Ok(wasm) => wasm,
        Err(e) => {
            println!(
                "no WASM bundle at {} ({e}): run `make site-release`",
                path.display()
            );
            return Ok(format!("no bundle at {}", path.display()));
        }
    };
    let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
    gzip.write_all(&wasm)?;
    let gzipped = gzip.finish()?.len();
    let (status, _) = http
        .request("GET", "/pkg/stackprint_bg.wasm", &[], &[])
        .await?;
    anyhow::ensure!(status == 200, "the server answered {status} for the bundle");
    let line = format!(
        "{}: {} bytes ({:.0} KiB), {gzipped} bytes gzipped ({:.0} KiB)",
        path.display(),
        wasm.len(),
        wasm.len() as f64 / 1024.0,
        gzipped as f64 / 1024.0
    );
    println!("== WASM bundle: {line}");
    Ok(line)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
