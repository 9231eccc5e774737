//! The Datadog Agent trace API (port 8126), as the tracers expect it.
//!
//! Besides traces, tracers send side traffic (telemetry, statsd, remote config, stats); each gets the
//! answer that keeps the tracer quiet, and `/info` advertises only what is really implemented so no
//! tracer switches to a protocol we do not accept (`/v0.6/stats`, `/v0.7/config`, `/v1.0/traces`).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::json;

use super::IntakeState;
use super::body::decode_body;
use super::error::IntakeFailure;
use crate::intake::{self, Endpoint};

/// Tracers that send this header (libdatadog's exporter) want overload answered with a real 429,
/// which they retry; to the others the Datadog Agent answers 200 and drops the payload, because they
/// treat any failure as lost anyway and some log each one.
const SEND_REAL_HTTP_STATUS: &str = "datadog-send-real-http-status";

const TRACE_ENDPOINTS: [&str; 3] = ["/v0.3/traces", "/v0.4/traces", "/v0.5/traces"];

/// Everything but `/info` ([`info_router`]).
pub fn router(state: IntakeState) -> Router {
    Router::new()
        .route("/v0.3/traces", post(v03).put(v03))
        .route("/v0.4/traces", post(v04).put(v04))
        .route("/v0.5/traces", post(v05).put(v05))
        .route("/telemetry/proxy/{*rest}", any(accepted))
        .route("/dogstatsd/v2/proxy", any(ok))
        .route("/v0.6/stats", any(ok))
        .route("/v0.1/pipeline_stats", any(ok))
        .route("/evp_proxy/{*rest}", any(accepted))
        // ddtrace checks these are listed before it enables Code Origin and the debugger; their
        // uploads (snapshots, diagnostics) are accepted and dropped.
        .route("/debugger/v1/input", any(accepted))
        .route("/debugger/v1/diagnostics", any(accepted))
        .route("/debugger/v2/input", any(accepted))
        // Remote configuration is not offered: 404 is what an agent with it disabled answers, and
        // the tracers then stop asking loudly.
        .route("/v0.7/config", any(not_found))
        .with_state(state)
}

/// `GET /info`, which tracers ask before anything else and the real agent answers to anyone: it
/// needs no intake token.
pub fn info_router() -> Router {
    Router::new().route("/info", get(info))
}

async fn info() -> Json<serde_json::Value> {
    let mut endpoints: Vec<&str> = TRACE_ENDPOINTS.to_vec();
    endpoints.extend([
        "/telemetry/proxy/",
        "/dogstatsd/v2/proxy",
        "/evp_proxy/v2/",
        "/debugger/v1/input",
        "/debugger/v1/diagnostics",
        "/debugger/v2/input",
    ]);
    Json(json!({
        "version": concat!("stackprint-", env!("CARGO_PKG_VERSION")),
        "git_commit": "",
        "endpoints": endpoints,
        // Tracers must keep sending every trace: errors in unsampled traces still count.
        "client_drop_p0s": false,
        "span_meta_structs": false,
        "long_running_spans": false,
        "config": {
            "default_env": "none",
            "receiver_port": 8126,
            "max_request_bytes": 25 * 1024 * 1024,
            "statsd_port": 8125
        }
    }))
}

async fn v03(State(s): State<IntakeState>, headers: HeaderMap, body: Body) -> Response {
    traces(s, Endpoint::DatadogV04, headers, body).await
}

async fn v04(State(s): State<IntakeState>, headers: HeaderMap, body: Body) -> Response {
    traces(s, Endpoint::DatadogV04, headers, body).await
}

async fn v05(State(s): State<IntakeState>, headers: HeaderMap, body: Body) -> Response {
    traces(s, Endpoint::DatadogV05, headers, body).await
}

async fn traces(
    state: IntakeState,
    endpoint: Endpoint,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Err(failure) = store_traces(&state, endpoint, &headers, body).await else {
        return rates();
    };
    state.ingestor.count_drop(failure.drop_reason());
    match failure.overload() {
        Some(_) if headers.contains_key(SEND_REAL_HTTP_STATUS) => {
            let mut response = failure.respond(StatusCode::TOO_MANY_REQUESTS);
            response.headers_mut().insert(
                header::RETRY_AFTER,
                super::error::RETRY_AFTER_SECONDS.into(),
            );
            response
        }
        Some(_) => {
            failure.log();
            rates()
        }
        None => failure.into_response(),
    }
}

/// What the agent answers to stored traces; tracers read the sampling rates from it.
fn rates() -> Response {
    Json(json!({ "rate_by_service": { "service:,env:": 1 } })).into_response()
}

async fn store_traces(
    state: &IntakeState,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: Body,
) -> Result<(), IntakeFailure> {
    // The reservation pays for the payload until it is stored.
    let (payload, _reservation) = decode_body(state, endpoint, headers, body).await?;
    if let Some(mismatch) = intake::datadog::trace_count_mismatch(headers, &payload) {
        tracing::debug!(
            ?mismatch,
            "X-Datadog-Trace-Count disagrees with the body; the body wins"
        );
    }
    if payload.traces.is_empty() {
        return Ok(());
    }
    state.ingestor.ingest(payload).await?;
    Ok(())
}

async fn ok() -> StatusCode {
    StatusCode::OK
}

async fn accepted() -> (StatusCode, Json<serde_json::Value>) {
    (StatusCode::ACCEPTED, Json(json!({})))
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}
