//! `--intake-require-token` on the real binary, with raw requests as tracers send them: no token is
//! 401, a made-up one 403, each with its reason and counted; a token made by
//! `stackprint intake-token create` opens both ports (`DD-API-KEY`, `Authorization: Bearer`);
//! `/info` answers without one; `remote` leaves loopback open.

#[path = "support/client.rs"]
mod client;
#[path = "support/process.rs"]
mod process;

use std::process::{Command, Stdio};

use client::Http;
use process::{Ports, spawn, wait_ready};
use serde_json::{Value, json};

fn temp_db(name: &str) -> std::path::PathBuf {
    std::env::temp_dir()
        .join(format!(
            "stackprint-intake-tokens-{name}-{}",
            std::process::id()
        ))
        .join("stackprint.db")
}

/// `stackprint intake-token create`, as an operator runs it; the printed token.
fn create_token(db: &std::path::Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_stackprint"))
        .args(["intake-token", "create", "--name", "checkout"])
        .arg("--database-url")
        .arg(format!("sqlite://{}", db.display()))
        .env("STACKPRINT_LOG", "warn")
        .stdout(Stdio::piped())
        .output()
        .expect("run the stackprint CLI");
    assert!(out.status.success(), "{}", out.status);
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .trim()
        .to_owned()
}

async fn send(addr: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let (content_type, body): (&str, &[u8]) = if path.starts_with("/v1/") {
        ("application/json", br#"{"resourceSpans":[]}"#)
    } else {
        ("application/json", b"[]")
    };
    let mut all = vec![("Content-Type", content_type)];
    all.extend_from_slice(headers);
    let body = if method == "GET" { &b""[..] } else { body };
    let mut http = Http::connect(addr).await.expect("connect");
    http.request(method, path, &all, body).await.expect("send")
}

async fn dropped(ports: &Ports) -> Value {
    let mut http = ports.api_client().await.expect("connect");
    let (status, body) = http
        .request("GET", "/api/v1/stats", &[], &[])
        .await
        .expect("stats");
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<Value>(&body).expect("json")["dropped"].clone()
}

#[tokio::test]
async fn intake_needs_a_live_token_and_counts_refusals() {
    let db = temp_db("all");
    // Made before the server starts, so the two never migrate the new database at once.
    let token = create_token(&db);
    let (mut child, ports) = spawn(&db, &["--intake-require-token", "all"]);
    assert!(token.starts_with("spi_"), "{token}");
    wait_ready(&ports).await;

    let (status, body) = send(&ports.agent, "PUT", "/v0.4/traces", &[]).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("DD-API-KEY"), "{body}");
    let bad = format!("spi_{}", "0".repeat(43));
    let (status, body) = send(&ports.agent, "PUT", "/v0.4/traces", &[("DD-API-KEY", &bad)]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("not valid"), "{body}");
    let (status, body) = send(&ports.otlp, "POST", "/v1/traces", &[]).await;
    assert_eq!(status, 401, "{body}");

    let (status, body) = send(
        &ports.agent,
        "PUT",
        "/v0.4/traces",
        &[("DD-API-KEY", &token)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("rate_by_service"), "{body}");
    let bearer = format!("Bearer {token}");
    let (status, body) = send(
        &ports.otlp,
        "POST",
        "/v1/traces",
        &[("Authorization", &bearer)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(&ports.agent, "GET", "/info", &[]).await;
    assert_eq!(status, 200, "the agent's /info needs no key: {body}");
    assert!(body.contains("/v0.4/traces"), "{body}");

    // Counted by the writer about once a second.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let dropped = dropped(&ports).await;
        let counts = (
            dropped["token_missing"].clone(),
            dropped["token_invalid"].clone(),
        );
        if counts == (json!(2), json!(1)) || std::time::Instant::now() > deadline {
            assert_eq!(counts, (json!(2), json!(1)), "{dropped}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(db.parent().expect("dir")).ok();
}

#[tokio::test]
async fn remote_leaves_loopback_open() {
    let db = temp_db("remote");
    let (mut child, ports) = spawn(&db, &["--intake-require-token"]);
    wait_ready(&ports).await;
    let (status, body) = send(&ports.otlp, "POST", "/v1/traces", &[]).await;
    assert_eq!(status, 200, "{body}");
    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(db.parent().expect("dir")).ok();
}
