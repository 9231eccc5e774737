//! The explorer's JSON API through the real routers: issues arrive as Datadog traces on the agent
//! port, then the list, facets, distribution, search errors and triage are read back over HTTP.

#[allow(dead_code)]
mod support;

use serde_json::{Value, json};
use support::client::Http;
use support::server::{TestServer, start};

const PY_STACK: &str = "Traceback (most recent call last):\n  File \"/srv/app/shop/views.py\", line 12, in checkout\n    charge(order)\n  File \"/srv/app/shop/billing.py\", line 40, in charge\n    raise ValueError(\"card declined\")\nValueError: card declined\n";

fn now_ms() -> i64 {
    server::storage::unix_ms_now()
}

/// A one-span errored trace of `shop` at `at_ms`, from `version`.
fn errored_trace(trace: u64, at_ms: i64, version: &str) -> Value {
    json!([{
        "service": "shop", "name": "flask.request", "resource": "POST /checkout",
        "trace_id": trace, "span_id": trace * 10, "parent_id": 0,
        "start": at_ms * 1_000_000, "duration": 1_000_000, "error": 1, "type": "web",
        "meta": {
            "env": "test", "version": version, "_dd.hostname": "web-1",
            "error.type": "builtins.ValueError", "error.message": "card declined",
            "error.stack": PY_STACK,
        },
        "metrics": {"_dd.top_level": 1}
    }])
}

async fn request(addr: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut http = Http::connect(addr).await.expect("connect");
    let body = body
        .map(|b| serde_json::to_vec(&b).expect("json"))
        .unwrap_or_default();
    let headers = [("Content-Type", "application/json")];
    let (status, text) = http
        .request(method, path, &headers, &body)
        .await
        .expect("request");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn get(server: &TestServer, path: &str) -> (u16, Value) {
    request(&server.api, "GET", path, None).await
}

async fn post(server: &TestServer, path: &str, body: Value) -> (u16, Value) {
    request(&server.api, "POST", path, Some(body)).await
}

/// Sends traces to the agent port; the answer comes once they are stored.
async fn send_traces(server: &TestServer, traces: Vec<Value>) {
    let (status, answer) = request(
        &server.agent,
        "PUT",
        "/v0.4/traces",
        Some(Value::Array(traces)),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}

async fn only_issue_id(server: &TestServer) -> i64 {
    let (_, page) = get(server, "/api/v1/issues").await;
    page["issues"][0]["id"].as_i64().expect("an issue")
}

#[tokio::test]
async fn list_facets_and_distribution() {
    let server = start().await;
    let now = now_ms();
    send_traces(
        &server,
        vec![
            errored_trace(1, now - 20 * 60_000, "1.0.0"),
            errored_trace(2, now - 10 * 60_000, "1.0.0"),
            errored_trace(3, now - 60_000, "1.1.0"),
        ],
    )
    .await;
    let (status, page) = get(&server, "/api/v1/explorer/issues").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], json!(1));
    let row = &page["issues"][0];
    assert_eq!(row["summary"]["service"], json!("shop"));
    assert_eq!(
        (row["count_in_range"].clone(), row["regressed"].clone()),
        (json!(3), json!(false))
    );
    let trend: Vec<i64> = serde_json::from_value(row["trend"].clone()).expect("trend");
    assert_eq!(trend.iter().sum::<i64>(), 3, "the last day holds them all");
    assert_eq!(trend.len(), page["buckets"].as_array().map_or(0, Vec::len));
    assert_eq!(page["bucket_ms"], json!(3_600_000));

    let path = format!(
        "/api/v1/explorer/issues?from={}&to={now}&buckets=6&sort=count",
        now - 3_600_000
    );
    let (status, page) = get(&server, &path).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page["bucket_ms"],
        json!(600_000),
        "an hour in 10-minute buckets"
    );
    assert_eq!(page["issues"][0]["count_in_range"], json!(3));
    let (_, empty) = get(
        &server,
        "/api/v1/explorer/issues?search=service:other%20env:test",
    )
    .await;
    assert_eq!(empty["total"], json!(0), "{empty}");

    let (status, facets) = get(&server, "/api/v1/explorer/facets?search=env:test").await;
    assert_eq!(status, 200, "{facets}");
    assert_eq!(facets["service"], json!([{"value": "shop", "count": 1}]));
    assert_eq!(
        facets["version"],
        json!([{"value": "1.0.0", "count": 1}, {"value": "1.1.0", "count": 1}])
    );
    assert_eq!(facets["host"], json!([{"value": "web-1", "count": 1}]));
    assert_eq!(
        facets["status"],
        json!([{"value": "for_review", "count": 1}])
    );

    let id = only_issue_id(&server).await;
    let path = format!(
        "/api/v1/issues/{id}/distribution?from={}&to={now}&buckets=4",
        now - 3_600_000
    );
    let (status, d) = get(&server, &path).await;
    assert_eq!(status, 200, "{d}");
    assert_eq!(d["total"], json!(3));
    assert_eq!(
        d["versions"][0],
        json!({"value": "1.0.0", "count": 2, "share": 2.0 / 3.0})
    );
    assert_eq!(d["resources"][0]["value"], json!("POST /checkout"));
    assert_eq!(
        d["error_rates"][0]["errors"], d["error_rates"][0]["hits"],
        "every hit errored"
    );
    assert_eq!(d["error_rates"][0]["rate"], json!(1.0));
    let (status, _) = get(&server, "/api/v1/issues/999999/distribution").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bad_searches_and_ranges_are_400() {
    let server = start().await;
    for path in [
        "/api/v1/explorer/issues?search=OR",
        "/api/v1/explorer/facets?search=OR",
        "/api/v1/issues?search=OR",
    ] {
        let (status, body) = get(&server, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(
            (body["start"].clone(), body["end"].clone()),
            (json!(0), json!(2)),
            "{path}: {body}"
        );
        assert!(
            body["error"].as_str().is_some_and(|e| e.contains("AND")),
            "{body}"
        );
    }
    let (status, body) = get(&server, "/api/v1/explorer/issues?search=timeout%20-%22open").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["start"].as_u64().is_some(), "{body}");
    for path in [
        "/api/v1/explorer/issues?from=5000&to=5000",
        "/api/v1/explorer/issues?from=-1",
        "/api/v1/explorer/issues?buckets=many",
        "/api/v1/issues/1/distribution?to=0",
        "/api/v1/issues/x/distribution",
    ] {
        let (status, body) = get(&server, path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body["error"].is_string(), "{path}: {body}");
    }
}

#[tokio::test]
async fn triage_and_regressions() {
    let server = start().await;
    let now = now_ms();
    send_traces(&server, vec![errored_trace(1, now - 60_000, "1.4.2")]).await;
    let id = only_issue_id(&server).await;

    let (status, detail) = post(
        &server,
        &format!("/api/v1/issues/{id}/status"),
        json!({"status": "resolved", "actor": "ana"}),
    )
    .await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["issue"]["status"], json!("resolved"));
    send_traces(&server, vec![errored_trace(2, now, "1.4.2")]).await;
    let (_, detail) = get(&server, &format!("/api/v1/issues/{id}")).await;
    assert_eq!(
        detail["issue"]["status"],
        json!("resolved"),
        "same version: still resolved"
    );
    send_traces(&server, vec![errored_trace(3, now + 1_000, "1.5.0")]).await;
    let (_, page) = get(&server, "/api/v1/explorer/issues").await;
    assert_eq!(page["issues"][0]["summary"]["status"], json!("for_review"));
    assert_eq!(page["issues"][0]["regressed"], json!(true));

    let (status, timeline) = get(&server, &format!("/api/v1/issues/{id}/activity")).await;
    assert_eq!(status, 200);
    let kinds: Vec<_> = timeline["activity"]
        .as_array()
        .expect("activity")
        .iter()
        .map(|a| (a["kind"].clone(), a["actor"].clone(), a["version"].clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (json!("status_change"), json!("ana"), json!("1.4.2")),
            (json!("regression"), Value::Null, json!("1.5.0")),
        ]
    );

    let (status, result) = post(
        &server,
        "/api/v1/issues/status",
        json!({"ids": [id, 999_999], "status": "ignored"}),
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result, json!({"updated": [id], "not_found": [999_999]}));
    let (_, page) = get(&server, "/api/v1/explorer/issues").await;
    assert_eq!(
        page["total"],
        json!(0),
        "ignored issues leave the default view"
    );
    let (_, page) = get(&server, "/api/v1/explorer/issues?search=status:ignored").await;
    assert_eq!(page["total"], json!(1));
    let (_, timeline) = get(&server, &format!("/api/v1/issues/{id}/activity")).await;
    assert_eq!(timeline["activity"][2]["actor"], json!("anonymous"));

    let long_actor = "x".repeat(201);
    for (path, body) in [
        (
            "/api/v1/issues/status",
            json!({"ids": [], "status": "ignored"}),
        ),
        (
            "/api/v1/issues/status",
            json!({"ids": [id], "status": "closed"}),
        ),
        (
            &format!("/api/v1/issues/{id}/status") as &str,
            json!({"status": "reviewed", "actor": long_actor}),
        ),
    ] {
        let (status, answer) = post(&server, path, body).await;
        assert_eq!(status, 400, "{path}: {answer}");
    }
    let (status, _) = post(
        &server,
        "/api/v1/issues/999999/status",
        json!({"status": "reviewed"}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = get(&server, "/api/v1/issues/999999/activity").await;
    assert_eq!(status, 404);
}

/// `errored_trace` with other span tags.
fn errored_trace_with(trace: u64, at_ms: i64, meta: &[(&str, &str)]) -> Value {
    let mut value = errored_trace(trace, at_ms, "1.0.0");
    for (key, tag) in meta {
        value[0]["meta"][*key] = json!(tag);
    }
    value
}

#[tokio::test]
async fn stack_rule_handling_stack_merge_and_unmerge() {
    let server = start().await;
    let now = now_ms();
    let other_bug = PY_STACK.replace("in charge", "in refund");
    let handled = "goroutine 7 [running]:\nmain.logError(...)\n\t/app/handlers/log.go:12 +0x1d\n";
    send_traces(
        &server,
        vec![
            errored_trace_with(1, now - 60_000, &[("error.handling_stack", handled)]),
            errored_trace_with(2, now - 50_000, &[("error.stack", &other_bug)]),
            errored_trace_with(
                3,
                now - 40_000,
                &[("error.stack", "ValueError: card declined")],
            ),
        ],
    )
    .await;
    let (_, stats) = get(&server, "/api/v1/stats").await;
    assert_eq!(stats["skipped"]["insufficient_stack"], 1, "{stats}");
    assert_eq!(stats["issues"], 2, "{stats}");
    let (_, page) = get(&server, "/api/v1/issues?sort=first_seen").await;
    let ids: Vec<i64> = page["issues"]
        .as_array()
        .expect("issues")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect();
    let [newer, older] = ids[..] else {
        panic!("two issues: {page}");
    };
    let (_, detail) = get(&server, &format!("/api/v1/issues/{older}")).await;
    let handling = &detail["latest_event"]["handling_stacktrace"];
    assert_eq!(handling["language"], "go", "{detail}");
    assert_eq!(
        handling["exceptions"][0]["frames"][0]["function"],
        "logError"
    );

    let merge =
        |into: i64, issues: Vec<i64>| json!({"into": into, "issues": issues, "actor": "ana"});
    for (body, status) in [
        (merge(older, vec![]), 400),
        (merge(older, vec![older]), 400),
        (merge(older, vec![999_999]), 404),
        (json!({"into": "x"}), 400),
    ] {
        let (got, answer) = post(&server, "/api/v1/issues/merge", body.clone()).await;
        assert_eq!(got, status, "{body} → {answer}");
    }
    let (status, merged) = post(&server, "/api/v1/issues/merge", merge(older, vec![newer])).await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged, json!({"into": older, "merged": [newer]}));
    let (_, page) = get(&server, "/api/v1/issues").await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(page["issues"][0]["count"], 2);
    let (status, _) = post(&server, "/api/v1/issues/merge", merge(older, vec![newer])).await;
    assert_eq!(status, 409, "already merged");
    let (_, activity) = get(&server, &format!("/api/v1/issues/{older}/activity")).await;
    let entry = &activity["activity"][0];
    assert_eq!(
        (&entry["kind"], &entry["actor"], &entry["other_issue"]),
        (&json!("merge"), &json!("ana"), &json!(newer))
    );

    let path = format!("/api/v1/issues/{newer}/unmerge");
    let (status, answer) = post(&server, &path, json!({"actor": "bo"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"issue": newer, "unmerged_from": older}));
    let (status, _) = post(&server, &path, json!({})).await;
    assert_eq!(status, 409, "not merged any more");
    let (_, page) = get(&server, "/api/v1/issues").await;
    assert_eq!(page["total"], 2, "{page}");
}
