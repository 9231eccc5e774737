//! The intake ports as tracers see them: answers, durability on acknowledgement, and bad input.

mod support;

use std::io::Write;

use serde_json::{Value, json};
use support::client::Http;
use support::server::{MAX_BODY, MAX_DECOMPRESSED, TestServer, start};

const PY_STACK: &str = "Traceback (most recent call last):\n  File \"/srv/app/shop/views.py\", line 12, in checkout\n    charge(order)\n  File \"/srv/app/shop/billing.py\", line 40, in charge\n    raise ValueError(f\"card declined for order {order}\")\nValueError: card declined for order 4711\n";

fn dd_span(trace: u64, span: u64, parent: u64, error: bool, tags: &[(&str, &str)]) -> Value {
    let meta: serde_json::Map<String, Value> = tags
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .chain([
            ("env".to_string(), json!("test")),
            ("version".to_string(), json!("1.0.0")),
        ])
        .collect();
    json!({
        "service": "shop", "name": "flask.request", "resource": "POST /checkout",
        "trace_id": trace, "span_id": span, "parent_id": parent,
        "start": 1_790_000_000_000_000_000i64 + span as i64, "duration": 1_000_000,
        "error": i32::from(error), "type": "web", "meta": meta, "metrics": {"_dd.top_level": 1}
    })
}

fn errored_trace(trace: u64, order: &str) -> Value {
    let message = format!("card declined for order {order}");
    json!([dd_span(
        trace,
        trace * 10,
        0,
        true,
        &[
            ("error.type", "builtins.ValueError"),
            ("error.message", &message),
            ("error.stack", &PY_STACK.replace("4711", order)),
        ]
    )])
}

async fn get_json(addr: &str, path: &str) -> (u16, Value) {
    let mut http = Http::connect(addr).await.expect("connect");
    let (status, body) = http.request("GET", path, &[], &[]).await.expect("request");
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

async fn send(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Value) {
    let mut http = Http::connect(addr).await.expect("connect");
    let (status, text) = http
        .request(method, path, headers, body)
        .await
        .expect("request");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn issue_count(server: &TestServer) -> (i64, i64) {
    let (_, stats) = get_json(&server.api, "/api/v1/stats").await;
    (
        stats["issues"].as_i64().unwrap_or(-1),
        stats["error_events"].as_i64().unwrap_or(-1),
    )
}

#[tokio::test]
async fn info_advertises_only_what_is_implemented() {
    let server = start().await;
    let (status, info) = get_json(&server.agent, "/info").await;
    assert_eq!(status, 200);
    let endpoints: Vec<&str> = info["endpoints"]
        .as_array()
        .expect("endpoints")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in ["/v0.3/traces", "/v0.4/traces", "/v0.5/traces"] {
        assert!(
            endpoints.contains(&expected),
            "{expected} missing from {endpoints:?}"
        );
    }
    for absent in ["/v0.6/stats", "/v0.7/config", "/v1.0/traces"] {
        assert!(
            !endpoints.contains(&absent),
            "{absent} must not be advertised"
        );
    }
    assert_eq!(info["client_drop_p0s"], json!(false));
}

#[tokio::test]
async fn json_v04_traces_are_stored_before_the_answer() {
    let server = start().await;
    let body = serde_json::to_vec(&json!([errored_trace(1, "4711"), errored_trace(2, "815")]))
        .expect("json");
    let (status, answer) = send(
        &server.agent,
        "PUT",
        "/v0.4/traces",
        &[
            ("Content-Type", "application/json"),
            ("Datadog-Meta-Lang", "python"),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"rate_by_service": {"service:,env:": 1}}));
    // No waiting: a 2xx means the events are durable and queryable.
    let (_, page) = get_json(&server.api, "/api/v1/issues").await;
    assert_eq!(page["total"], json!(1), "{page}");
    let issue = &page["issues"][0];
    assert_eq!(issue["count"], json!(2));
    assert_eq!(issue["service"], json!("shop"));
    assert_eq!(issue["error_type"], json!("builtins.ValueError"));
    let (status, detail) = get_json(&server.api, &format!("/api/v1/issues/{}", issue["id"])).await;
    assert_eq!(status, 200);
    let frames = &detail["latest_event"]["stacktrace"]["exceptions"][0]["frames"];
    assert_eq!(frames.as_array().map(Vec::len), Some(2), "{detail}");
    assert_eq!(frames[1]["function"], json!("charge"));
}

#[tokio::test]
async fn msgpack_v04_from_libdatadog_omits_empty_fields() {
    let server = start().await;
    // One trace, one span: no parent_id, no error, no type (libdatadog leaves zero values out).
    let mut body = Vec::new();
    rmp::encode::write_array_len(&mut body, 1).expect("vec");
    rmp::encode::write_array_len(&mut body, 1).expect("vec");
    rmp::encode::write_map_len(&mut body, 6).expect("vec");
    for (key, value) in [
        ("service", "web"),
        ("name", "express.request"),
        ("resource", "GET /"),
    ] {
        rmp::encode::write_str(&mut body, key).expect("vec");
        rmp::encode::write_str(&mut body, value).expect("vec");
    }
    for (key, value) in [
        ("trace_id", 7u64),
        ("span_id", 70),
        ("start", 1_790_000_000_000_000_000),
    ] {
        rmp::encode::write_str(&mut body, key).expect("vec");
        rmp::encode::write_uint(&mut body, value).expect("vec");
    }
    let (status, _) = send(
        &server.agent,
        "POST",
        "/v0.4/traces",
        &[
            ("Content-Type", "application/msgpack"),
            ("X-Datadog-Trace-Count", "1"),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 200);
    let (_, stats) = get_json(&server.api, "/api/v1/stats").await;
    assert_eq!(stats["hits"]["web"], json!(1), "{stats}");
    assert_eq!(stats["issues"], json!(0));
}

#[tokio::test]
async fn side_traffic_keeps_tracers_quiet() {
    let server = start().await;
    let cases = [
        ("POST", "/telemetry/proxy/api/v2/apmtelemetry", 202),
        ("POST", "/v0.7/config", 404),
        ("POST", "/dogstatsd/v2/proxy", 200),
        ("PUT", "/v0.6/stats", 200),
        ("POST", "/evp_proxy/v2/api/v2/exposures", 202),
    ];
    for (method, path, expected) in cases {
        let (status, _) = send(
            &server.agent,
            method,
            path,
            &[("Content-Type", "application/json")],
            b"{}",
        )
        .await;
        assert_eq!(status, expected, "{method} {path}");
    }
    let (status, _) = send(
        &server.otlp,
        "POST",
        "/v1/metrics",
        &[("Content-Type", "application/x-protobuf")],
        b"",
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn otlp_json_exception_events_become_issues() {
    let server = start().await;
    let body = json!({"resourceSpans": [{
        "resource": {"attributes": [
            {"key": "service.name", "value": {"stringValue": "orders"}},
            {"key": "deployment.environment.name", "value": {"stringValue": "prod"}},
            {"key": "telemetry.sdk.language", "value": {"stringValue": "python"}}
        ]},
        "scopeSpans": [{"spans": [{
            "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174",
            "name": "GET /orders/{id}", "kind": 2,
            "startTimeUnixNano": "1790000000000000000", "endTimeUnixNano": "1790000000100000000",
            "status": {"code": 2},
            "events": [{"name": "exception", "timeUnixNano": "1790000000050000000", "attributes": [
                {"key": "exception.type", "value": {"stringValue": "builtins.ValueError"}},
                {"key": "exception.message", "value": {"stringValue": "card declined for order 4711"}},
                {"key": "exception.stacktrace", "value": {"stringValue": PY_STACK}}
            ]}]
        }]}]
    }]});
    let (status, answer) = send(
        &server.otlp,
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        &serde_json::to_vec(&body).expect("json"),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let (_, page) = get_json(&server.api, "/api/v1/issues?service=orders&env=prod").await;
    assert_eq!(page["total"], json!(1), "{page}");
    assert_eq!(
        page["issues"][0]["message"],
        json!("card declined for order 4711")
    );
    let (status, trace) = get_json(
        &server.api,
        "/api/v1/traces/5b8efff798038103d269b633813fc60c",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(trace["spans"].as_array().map(Vec::len), Some(1));
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).expect("vec");
    encoder.finish().expect("vec")
}

#[tokio::test]
async fn bad_input_gets_a_reason_and_stores_nothing() {
    let server = start().await;
    let valid = serde_json::to_vec(&json!([errored_trace(9, "1")])).expect("json");
    let bomb = gzip(&vec![b'['; MAX_DECOMPRESSED * 4]);
    assert!(
        bomb.len() < MAX_BODY,
        "the bomb must pass the raw size limit"
    );
    let oversized = vec![0x90u8; MAX_BODY + 1];
    let truncated = &valid[..valid.len() / 2];
    let cases: Vec<(&str, &str, Vec<(&str, &str)>, Vec<u8>, u16)> = vec![
        (
            "agent",
            "/v0.4/traces",
            vec![("Content-Type", "application/msgpack")],
            b"\xc1\xff garbage".to_vec(),
            400,
        ),
        (
            "agent",
            "/v0.4/traces",
            vec![("Content-Type", "application/json")],
            truncated.to_vec(),
            400,
        ),
        (
            "agent",
            "/v0.5/traces",
            vec![("Content-Type", "application/msgpack")],
            b"\x92\x91\xa1x\x91\x91\x9c\x05".to_vec(),
            400,
        ),
        (
            "agent",
            "/v0.4/traces",
            vec![("Content-Type", "application/msgpack")],
            oversized,
            413,
        ),
        (
            "agent",
            "/v0.4/traces",
            vec![
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
            ],
            bomb.clone(),
            413,
        ),
        (
            "agent",
            "/v0.4/traces",
            vec![
                ("Content-Type", "application/json"),
                ("Content-Encoding", "br"),
            ],
            valid.clone(),
            415,
        ),
        (
            "otlp",
            "/v1/traces",
            vec![("Content-Type", "application/x-protobuf")],
            b"\x0a\xff\xff\xff\xff\x0f".to_vec(),
            400,
        ),
        (
            "otlp",
            "/v1/traces",
            vec![("Content-Type", "application/json")],
            b"{\"resourceSpans\": 5}".to_vec(),
            400,
        ),
        (
            "otlp",
            "/v1/traces",
            vec![("Content-Type", "text/plain")],
            b"hello".to_vec(),
            415,
        ),
        (
            "otlp",
            "/v1/traces",
            vec![
                ("Content-Type", "application/json"),
                ("Content-Encoding", "gzip"),
            ],
            bomb,
            413,
        ),
    ];
    for (port, path, headers, body, expected) in cases {
        let addr = if port == "agent" {
            &server.agent
        } else {
            &server.otlp
        };
        let (status, answer) = send(addr, "POST", path, &headers, &body).await;
        assert_eq!(status, expected, "{path} {headers:?}: {answer}");
        // JSON bodies carry `error` (Agent API) or `message` (OTLP's Status); a protobuf request gets
        // a protobuf google.rpc.Status whose message is plain text inside.
        let reason = match &answer {
            Value::String(raw) => raw.clone(),
            json => json
                .get("error")
                .or_else(|| json.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
        };
        assert!(
            reason.len() > 20 && reason.chars().any(char::is_alphabetic),
            "{path} {headers:?} gave no reason: {answer}"
        );
    }
    assert_eq!(
        issue_count(&server).await,
        (0, 0),
        "rejected requests must store nothing"
    );
    // The server still works after all that.
    let (status, _) = send(
        &server.agent,
        "PUT",
        "/v0.4/traces",
        &[("Content-Type", "application/json")],
        &valid,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(issue_count(&server).await, (1, 1));
}

#[tokio::test]
async fn gzip_bodies_are_accepted() {
    let server = start().await;
    let valid = serde_json::to_vec(&json!([errored_trace(3, "7")])).expect("json");
    let (status, answer) = send(
        &server.agent,
        "PUT",
        "/v0.4/traces",
        &[
            ("Content-Type", "application/json"),
            ("Content-Encoding", "gzip"),
        ],
        &gzip(&valid),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(issue_count(&server).await, (1, 1));
}

#[tokio::test]
async fn api_errors_are_json_with_a_reason() {
    let server = start().await;
    for (path, expected) in [
        ("/api/v1/issues/abc", 400),
        ("/api/v1/issues/999", 404),
        ("/api/v1/issues?status=maybe", 400),
        ("/api/v1/issues?limit=-1", 400),
        ("/api/v1/traces/not-hex", 400),
        ("/api/v1/traces/abc", 404),
        ("/api/v1/nothing-here", 404),
    ] {
        let (status, body) = get_json(&server.api, path).await;
        assert_eq!(status, expected, "{path}: {body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{path}: {body}"
        );
    }
}
