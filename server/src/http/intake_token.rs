//! `--intake-require-token`: intake requests from the senders it names must carry a live intake
//! token, as `DD-API-KEY` (Datadog clients) or `Authorization: Bearer` (OTLP exporters, through
//! `OTEL_EXPORTER_OTLP_HEADERS`); either header works on either port. Refusals are counted like
//! the other intake drops: `401` without a token, `403` with one that is unknown or revoked.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::intake::DropReason;
use serde_json::json;

use super::IntakeState;
use super::error::RETRY_AFTER_SECONDS;

const DD_API_KEY: &str = "dd-api-key";

/// Why a request was refused; one arm per answer.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error(
        "this intake port needs an intake token: send it as DD-API-KEY or Authorization: Bearer"
    )]
    Missing,
    #[error("the intake token is not valid (unknown or revoked)")]
    Invalid,
    #[error("checking the intake token failed; retry")]
    Store,
}

impl Refusal {
    fn reason(&self) -> DropReason {
        match self {
            Self::Missing => DropReason::TokenMissing,
            Self::Invalid => DropReason::TokenInvalid,
            Self::Store => DropReason::Storage,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Missing => StatusCode::UNAUTHORIZED,
            Self::Invalid => StatusCode::FORBIDDEN,
            Self::Store => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response =
            (self.status(), Json(json!({ "error": self.to_string() }))).into_response();
        if matches!(self, Self::Store) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, RETRY_AFTER_SECONDS.into());
        }
        response
    }
}

/// The token a request carries, in either header.
fn presented(headers: &HeaderMap) -> Option<&str> {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    text(DD_API_KEY)
        .or_else(|| text(header::AUTHORIZATION.as_str())?.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| !token.is_empty())
}

pub async fn check(State(state): State<IntakeState>, request: Request, next: Next) -> Response {
    let Some(tokens) = &state.tokens else {
        return next.run(request).await;
    };
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    if !tokens.required_for(peer) {
        return next.run(request).await;
    }
    let refusal = match presented(request.headers()) {
        None => Refusal::Missing,
        Some(token) => match tokens.verify(token).await {
            Ok(true) => return next.run(request).await,
            Ok(false) => Refusal::Invalid,
            Err(error) => {
                tracing::error!(%error, "checking an intake token failed");
                Refusal::Store
            }
        },
    };
    tracing::debug!(?peer, %refusal, "intake request refused");
    state.ingestor.count_drop(refusal.reason());
    refusal.into_response()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn tokens_come_from_either_header() {
        type Headers = &'static [(&'static str, &'static str)];
        let cases: [(Headers, Option<&str>); 5] = [
            (&[("dd-api-key", "spi_a")], Some("spi_a")),
            (&[("authorization", "Bearer spi_b")], Some("spi_b")),
            (&[("authorization", "Basic eA==")], None),
            (&[("dd-api-key", " ")], None),
            (&[], None),
        ];
        for (pairs, want) in cases {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(*name, HeaderValue::from_static(value));
            }
            assert_eq!(presented(&headers), want, "{pairs:?}");
        }
    }
}
