//! The real `stackprint serve` binary on free loopback ports, for tests that crash it or measure it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::client::Http;

pub struct Ports {
    pub api: String,
    pub agent: String,
    pub otlp: String,
}

fn free_port() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free loopback port");
    format!("127.0.0.1:{port}")
}

/// Starts `stackprint serve` on a SQLite database at `db`, with `extra` flags.
pub fn spawn(db: &Path, extra: &[&str]) -> (Child, Ports) {
    let ports = Ports {
        api: free_port(),
        agent: free_port(),
        otlp: free_port(),
    };
    let child = Command::new(env!("CARGO_BIN_EXE_stackprint"))
        .args(["serve", "--listen", &ports.api])
        .args(["--agent-listen", &ports.agent, "--otlp-listen", &ports.otlp])
        .args(extra)
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .env("STACKPRINT_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start stackprint");
    (child, ports)
}

pub async fn wait_ready(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut http) = Http::connect(addr).await {
            if let Ok((200, _)) = http.request("GET", "/api/v1/stats", &[], &[]).await {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("stackprint did not answer on {addr} within 30 s");
}
