//! The real `stackprint serve` binary: what it acknowledged survives a crash (SIGKILL right after the
//! answer), and it starts again on the same database.

#[path = "support/client.rs"]
mod client;
#[path = "support/process.rs"]
mod process;

use client::Http;
use process::{spawn, wait_ready};
use serde_json::{Value, json};

fn trace(id: u64) -> Value {
    json!([{
        "service": "billing", "name": "rack.request", "resource": "POST /invoices",
        "trace_id": id, "span_id": id, "parent_id": 0, "start": 1_790_000_000_000_000_000i64,
        "duration": 5_000_000, "error": 1, "type": "web",
        "meta": {
            "env": "prod", "version": "2.0.0",
            "error.type": "ActiveRecord::RecordNotFound",
            "error.message": format!("Couldn't find Invoice with 'id'={id}"),
            "error.stack": "app/models/invoice.rb:12:in `find_invoice'\napp/controllers/invoices_controller.rb:5:in `create'\n"
        },
        "metrics": {"_dd.top_level": 1}
    }])
}

#[tokio::test]
async fn acknowledged_traces_survive_a_crash() {
    let dir = std::env::temp_dir().join(format!("stackprint-durability-{}", std::process::id()));
    let db = dir.join("data").join("stackprint.db");
    let (mut first, ports) = spawn(&db, &[]);
    wait_ready(&ports).await;

    let mut agent = Http::connect(&ports.agent).await.expect("connect");
    for id in 1..=20u64 {
        let body = serde_json::to_vec(&json!([trace(id)])).expect("json");
        let (status, answer) = agent
            .request(
                "PUT",
                "/v0.4/traces",
                &[
                    ("Content-Type", "application/json"),
                    ("Datadog-Meta-Lang", "ruby"),
                ],
                &body,
            )
            .await
            .expect("send");
        assert_eq!(status, 200, "{answer}");
    }
    // No graceful shutdown: whatever was acknowledged must already be on disk.
    first.kill().expect("SIGKILL");
    first.wait().expect("reap");

    let (mut second, ports) = spawn(&db, &[]);
    wait_ready(&ports).await;
    let mut api = ports.api_client().await.expect("connect");
    let (_, body) = api
        .request("GET", "/api/v1/issues?service=billing", &[], &[])
        .await
        .expect("list");
    let page: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(page["total"], json!(1), "{page}");
    assert_eq!(page["issues"][0]["count"], json!(20), "{page}");
    second.kill().ok();
    second.wait().ok();
    std::fs::remove_dir_all(&dir).ok();
}
