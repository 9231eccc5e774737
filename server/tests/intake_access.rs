//! `--intake-allow` on the real binary: traces from an address outside the allowed networks get a
//! 403 with the reason on both intake ports and are counted under `not_allowed`; the default takes
//! loopback.

#[path = "support/client.rs"]
mod client;
#[path = "support/process.rs"]
mod process;

use client::Http;
use process::{Ports, spawn, wait_ready};
use serde_json::{Value, json};

fn temp_db(name: &str) -> std::path::PathBuf {
    std::env::temp_dir()
        .join(format!(
            "stackprint-intake-access-{name}-{}",
            std::process::id()
        ))
        .join("stackprint.db")
}

async fn post(addr: &str, path: &str, content_type: &str, body: &[u8]) -> (u16, String) {
    let mut http = Http::connect(addr).await.expect("connect");
    http.request("POST", path, &[("Content-Type", content_type)], body)
        .await
        .expect("send")
}

async fn stats(ports: &Ports) -> Value {
    let mut http = ports.api_client().await.expect("connect");
    let (status, body) = http
        .request("GET", "/api/v1/stats", &[], &[])
        .await
        .expect("stats");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("json")
}

const OTLP: &[u8] = br#"{"resourceSpans":[]}"#;

#[tokio::test]
async fn senders_outside_the_allowed_networks_are_refused_and_counted() {
    let db = temp_db("refused");
    let (mut child, ports) = spawn(&db, &["--intake-allow", "10.0.0.0/8, 192.0.2.7"]);
    wait_ready(&ports).await;
    let traces = serde_json::to_vec(&json!([])).expect("json");
    let (status, body) = post(&ports.agent, "/v0.4/traces", "application/json", &traces).await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body.contains("127.0.0.1") && body.contains("--intake-allow"),
        "{body}"
    );
    let (status, body) = post(&ports.otlp, "/v1/traces", "application/json", OTLP).await;
    assert_eq!(status, 403, "{body}");

    // Counted by the writer about once a second.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let dropped = stats(&ports).await["dropped"]["not_allowed"].clone();
        if dropped == json!(2) || std::time::Instant::now() > deadline {
            assert_eq!(dropped, json!(2));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(db.parent().expect("dir")).ok();
}

#[tokio::test]
async fn by_default_loopback_may_send() {
    let db = temp_db("default");
    let (mut child, ports) = spawn(&db, &[]);
    wait_ready(&ports).await;
    let (status, body) = post(&ports.otlp, "/v1/traces", "application/json", OTLP).await;
    assert_eq!(status, 200, "{body}");
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(db.parent().expect("dir")).ok();
}
