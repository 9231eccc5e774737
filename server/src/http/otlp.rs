//! OTLP/HTTP (port 4318): `/v1/traces` is stored, `/v1/metrics` and `/v1/logs` are acknowledged so SDKs
//! that export everything stay quiet. Answers follow the OTLP/HTTP spec: an empty
//! `Export*ServiceResponse` in the request's encoding, and a `google.rpc.Status` on failure.

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use domain::intake::DropReason;
use prost::Message;

use super::IntakeState;
use super::body::decode_body;
use super::error::{IntakeFailure, RETRY_AFTER_SECONDS};
use crate::intake;

const PROTOBUF: &str = "application/x-protobuf";
const JSON: &str = "application/json";

pub fn router(state: IntakeState) -> Router {
    Router::new()
        .route("/v1/traces", post(traces))
        .route("/v1/metrics", post(acknowledge))
        .route("/v1/logs", post(acknowledge))
        .with_state(state)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Protobuf,
    Json,
}

impl Encoding {
    fn of(headers: &HeaderMap) -> Option<Self> {
        let content_type = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let essence = content_type.split(';').next().unwrap_or("").trim();
        match essence {
            PROTOBUF => Some(Self::Protobuf),
            JSON => Some(Self::Json),
            _ => None,
        }
    }
}

/// `google.rpc.Status`, the body OTLP/HTTP failures carry.
#[derive(Clone, PartialEq, prost::Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
}

async fn traces(State(state): State<IntakeState>, headers: HeaderMap, body: Body) -> Response {
    let Some(encoding) = Encoding::of(&headers) else {
        state.ingestor.count_drop(DropReason::Unsupported);
        return failure(
            Encoding::Json,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type must be {PROTOBUF} or {JSON}"),
        );
    };
    match store(&state, &headers, body).await {
        Ok(()) => success(encoding),
        Err(e) => {
            e.log();
            state.ingestor.count_drop(e.drop_reason());
            let mut response = failure(encoding, e.status(), e.to_string());
            // The OTLP spec's retryable answer: exporters back off for this long, then retry.
            if e.overload().is_some() {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, RETRY_AFTER_SECONDS.into());
            }
            response
        }
    }
}

async fn store(state: &IntakeState, headers: &HeaderMap, body: Body) -> Result<(), IntakeFailure> {
    // The reservation pays for the payload until it is stored.
    let (payload, _reservation) =
        decode_body(state, intake::Endpoint::OtlpTraces, headers, body).await?;
    if payload.traces.is_empty() {
        return Ok(());
    }
    state.ingestor.ingest(payload).await?;
    Ok(())
}

async fn acknowledge(headers: HeaderMap) -> Response {
    success(Encoding::of(&headers).unwrap_or(Encoding::Json))
}

fn success(encoding: Encoding) -> Response {
    match encoding {
        // An empty Export*ServiceResponse encodes to zero bytes.
        Encoding::Protobuf => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(PROTOBUF))],
            Vec::<u8>::new(),
        )
            .into_response(),
        Encoding::Json => (
            [(header::CONTENT_TYPE, HeaderValue::from_static(JSON))],
            "{}",
        )
            .into_response(),
    }
}

fn failure(encoding: Encoding, status: StatusCode, message: String) -> Response {
    // gRPC codes: INVALID_ARGUMENT for client errors, UNAVAILABLE so SDKs retry server-side trouble.
    let code = if status.is_server_error() { 14 } else { 3 };
    match encoding {
        Encoding::Protobuf => {
            let body = RpcStatus { code, message }.encode_to_vec();
            (
                status,
                [(header::CONTENT_TYPE, HeaderValue::from_static(PROTOBUF))],
                body,
            )
                .into_response()
        }
        Encoding::Json => (
            status,
            axum::Json(serde_json::json!({ "code": code, "message": message })),
        )
            .into_response(),
    }
}
