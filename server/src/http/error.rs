//! One error type per HTTP boundary, each mapped to a status and a JSON reason in one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::intake::IntakeError;
use crate::pipeline::IngestError;
use crate::storage::{MergeError, StoreError};

/// Errors of the JSON API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("database error")]
    Store(#[from] StoreError),
    #[error(transparent)]
    Merge(MergeError),
}

impl From<MergeError> for ApiError {
    fn from(e: MergeError) -> Self {
        match e {
            MergeError::Store(e) => Self::Store(e),
            refused => Self::Merge(refused),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) | Self::Merge(MergeError::NotFound(_)) => StatusCode::NOT_FOUND,
            Self::Merge(MergeError::AlreadyMerged { .. } | MergeError::NotMerged(_)) => {
                StatusCode::CONFLICT
            }
            Self::Merge(_) => StatusCode::BAD_REQUEST,
            Self::Store(e) => {
                // The database's own text stays in the log: it can name tables and values.
                tracing::error!(error = %e, "API query failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

/// Errors of the intake ports (Datadog Agent API, OTLP/HTTP).
#[derive(Debug, thiserror::Error)]
pub enum IntakeFailure {
    #[error(transparent)]
    Decode(#[from] IntakeError),
    #[error("request body exceeds the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("reading the request body failed: {0}")]
    Body(String),
    #[error("storage is unavailable, retry later")]
    Ingest(#[from] IngestError),
}

impl IntakeFailure {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Decode(e) => {
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST)
            }
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(_) => StatusCode::BAD_REQUEST,
            Self::Ingest(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "intake request failed");
        } else {
            tracing::debug!(error = %self, "intake request rejected");
        }
    }
}

impl IntoResponse for IntakeFailure {
    fn into_response(self) -> Response {
        self.log();
        (self.status(), Json(json!({ "error": self.to_string() }))).into_response()
    }
}
