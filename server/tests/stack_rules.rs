//! Stack rules through the real binary: a preview says what a rule would merge, a save is versioned
//! and refused when stale or malformed (every faulty line named), and events that arrive after the
//! save are grouped with it.

#[path = "support/client.rs"]
mod client;
#[path = "support/process.rs"]
mod process;

use client::Http;
use process::{Ports, spawn, wait_ready};
use serde_json::{Value, json};

/// A Python error of `billing` raised by `function` in `file` (two distinct bugs before any rule).
fn trace(id: u64, function: &str, file: &str) -> Value {
    let stack = format!(
        "Traceback (most recent call last):\n  File \"/srv/billing/app/views.py\", line 10, in pay\n    {function}()\n  File \"/srv/billing/app/{file}\", line 42, in {function}\n    cursor.execute(sql)\nDeadlockDetected: deadlock detected in {function}\n"
    );
    json!([{
        "service": "billing", "name": "flask.request", "resource": "POST /pay",
        "trace_id": id, "span_id": id, "parent_id": 0,
        "start": server::storage::unix_ms_now() * 1_000_000,
        "duration": 5_000_000, "error": 1, "type": "web",
        "meta": {
            "env": "prod",
            "error.type": "DeadlockDetected",
            "error.message": format!("deadlock detected in {function}"),
            "error.stack": stack,
        },
        "metrics": {"_dd.top_level": 1}
    }])
}

async fn send(ports: &Ports, traces: &[Value]) {
    let mut agent = Http::connect(&ports.agent).await.expect("connect");
    let body = serde_json::to_vec(traces).expect("json");
    let (status, answer) = agent
        .request(
            "PUT",
            "/v0.4/traces",
            &[
                ("Content-Type", "application/json"),
                ("Datadog-Meta-Lang", "python"),
            ],
            &body,
        )
        .await
        .expect("send");
    assert_eq!(status, 200, "{answer}");
}

async fn api(ports: &Ports, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut http = ports.api_client().await.expect("connect");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, text) = http
        .request(
            method,
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
        .await
        .expect("request");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn issues(ports: &Ports) -> Vec<Value> {
    let (status, page) = api(ports, "GET", "/api/v1/issues?service=billing", None).await;
    assert_eq!(status, 200, "{page}");
    page["issues"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn rules_are_previewed_versioned_and_applied_to_new_events() {
    let dir = std::env::temp_dir().join(format!("stackprint-stack-rules-{}", std::process::id()));
    let (mut child, ports) = spawn(&dir.join("stackprint.db"), &[]);
    wait_ready(&ports).await;

    send(
        &ports,
        &[
            trace(1, "charge", "payments.py"),
            trace(2, "refund", "refunds.py"),
        ],
    )
    .await;
    assert_eq!(issues(&ports).await.len(), 2, "two bugs, two issues");

    // Malformed rules: every faulty line, numbered; nothing saved.
    let bad = "type:DeadlockDetected\n# fine\nbogus:x -app\n";
    let (status, answer) = api(
        &ports,
        "PUT",
        "/api/v1/stack-rules/billing",
        Some(json!({ "rules": bad })),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let lines: Vec<i64> = answer["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["line"].as_i64())
        .collect();
    assert_eq!(lines, [1, 3], "{answer}");

    let rule = "type:DeadlockDetected message:\"*deadlock*\" -> db-deadlock\n";
    let (status, preview) = api(
        &ports,
        "POST",
        "/api/v1/stack-rules/billing/preview",
        Some(json!({ "rules": rule })),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(
        preview,
        json!({"events": 2, "issues": 2, "merging": 2, "splitting": 0})
    );

    let (status, saved) = api(
        &ports,
        "PUT",
        "/api/v1/stack-rules/billing",
        Some(json!({ "rules": rule, "based_on": 0 })),
    )
    .await;
    assert_eq!((status, &saved["version"]), (200, &json!(1)), "{saved}");
    // A second editor who started from no rules is told, not silently overwritten.
    let (status, stale) = api(
        &ports,
        "PUT",
        "/api/v1/stack-rules/billing",
        Some(json!({ "rules": "", "based_on": 0 })),
    )
    .await;
    assert_eq!((status, &stale["current"]), (409, &json!(1)), "{stale}");
    let (status, read) = api(&ports, "GET", "/api/v1/stack-rules/billing", None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["current"]["rules"], json!(rule));
    assert_eq!(read["current"]["actor"], json!("admin@stackprint.test"));
    assert_eq!(read["history"].as_array().map(Vec::len), Some(1));

    // New events of both bugs now share one issue, made by the rule.
    send(
        &ports,
        &[
            trace(3, "charge", "payments.py"),
            trace(4, "refund", "refunds.py"),
        ],
    )
    .await;
    let after = issues(&ports).await;
    assert_eq!(after.len(), 3, "{after:?}");
    let ruled = after
        .iter()
        .find(|i| i["count"] == json!(2))
        .expect("the rule's issue has both new events");
    let (_, detail) = api(
        &ports,
        "GET",
        &format!("/api/v1/issues/{}", ruled["id"]),
        None,
    )
    .await;
    let tree = detail["fingerprint_tree"].to_string();
    assert!(
        tree.contains("db-deadlock") && tree.contains("line 1"),
        "{tree}"
    );

    child.kill().ok();
    child.wait().ok();
    std::fs::remove_dir_all(&dir).ok();
}
