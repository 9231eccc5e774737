//! One error type per HTTP boundary, each mapped to a status and a JSON reason in one place.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::intake::DropReason;
use serde_json::json;

use crate::auth::{AuthError, PasswordError};
use crate::intake::IntakeError;
use crate::pipeline::IngestError;
use crate::storage::{MergeError, StoreError, TeamworkError};

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
    #[error(transparent)]
    Account(AuthError),
    #[error(transparent)]
    Teamwork(TeamworkError),
}

impl From<TeamworkError> for ApiError {
    fn from(e: TeamworkError) -> Self {
        match e {
            TeamworkError::Store(e) => Self::Store(e),
            refused => Self::Teamwork(refused),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => Self::Store(e),
            refused => Self::Account(refused),
        }
    }
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
            Self::Teamwork(e) => match e {
                TeamworkError::IssueNotFound(_) | TeamworkError::CommentNotFound(_) => {
                    StatusCode::NOT_FOUND
                }
                TeamworkError::NotAuthor => StatusCode::FORBIDDEN,
                TeamworkError::UnknownUser(_)
                | TeamworkError::DisabledUser(_)
                | TeamworkError::Comment(_) => StatusCode::BAD_REQUEST,
                TeamworkError::Store(_) => {
                    tracing::error!(error = %e, "API query failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            },
            Self::Account(e) => match e {
                AuthError::NotFound(_) | AuthError::UnknownUser => StatusCode::NOT_FOUND,
                AuthError::Duplicate | AuthError::LastAdmin => StatusCode::CONFLICT,
                AuthError::Throttled => StatusCode::TOO_MANY_REQUESTS,
                AuthError::Password(PasswordError::Hash(_) | PasswordError::Join(_))
                | AuthError::Store(_) => {
                    tracing::error!(error = %e, "account change failed");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
                AuthError::Invalid(_)
                | AuthError::WrongPassword
                | AuthError::Password(PasswordError::TooShort | PasswordError::TooLong) => {
                    StatusCode::BAD_REQUEST
                }
            },
            Self::Store(e) => {
                // The database's own text stays in the log: it can name tables and values.
                tracing::error!(error = %e, "API query failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        // A failed hash names the library's internals: the log has it, the client a plain word.
        let reason = match &self {
            Self::Account(e) if !e.is_refusal() => "server error".to_owned(),
            Self::Teamwork(TeamworkError::Store(_)) => "database error".to_owned(),
            other => other.to_string(),
        };
        (status, Json(json!({ "error": reason }))).into_response()
    }
}

/// Why the server, not the client, refused a request; each protocol answers it its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Overload {
    #[error("the server's memory budget for requests in flight is full, retry later")]
    Memory,
    #[error("the database is not keeping up, retry later")]
    Queue,
}

/// Seconds OTLP clients are asked to wait before retrying an overloaded server.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// Errors of the intake ports (Datadog Agent API, OTLP/HTTP).
#[derive(Debug, thiserror::Error)]
pub enum IntakeFailure {
    #[error(transparent)]
    Decode(IntakeError),
    #[error("request body exceeds the limit of {limit} bytes")]
    TooLarge { limit: usize },
    #[error("reading the request body failed: {0}")]
    Body(String),
    #[error(transparent)]
    Overloaded(Overload),
    #[error("storage is unavailable, retry later")]
    Ingest(IngestError),
}

impl From<IntakeError> for IntakeFailure {
    fn from(error: IntakeError) -> Self {
        match error {
            IntakeError::Overloaded => Self::Overloaded(Overload::Memory),
            other => Self::Decode(other),
        }
    }
}

impl From<IngestError> for IntakeFailure {
    fn from(error: IngestError) -> Self {
        match error {
            IngestError::QueueFull => Self::Overloaded(Overload::Queue),
            other => Self::Ingest(other),
        }
    }
}

impl IntakeFailure {
    /// The status for clients that take statuses at their word (OTLP, and Datadog tracers that
    /// send `Datadog-Send-Real-Http-Status`, which answer overload themselves).
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Decode(e) => {
                StatusCode::from_u16(e.status_code()).unwrap_or(StatusCode::BAD_REQUEST)
            }
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Body(_) => StatusCode::BAD_REQUEST,
            Self::Overloaded(_) | Self::Ingest(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn overload(&self) -> Option<Overload> {
        match self {
            Self::Overloaded(overload) => Some(*overload),
            _ => None,
        }
    }

    /// The reason this refusal is counted under in `/api/v1/stats`.
    pub fn drop_reason(&self) -> DropReason {
        match self {
            Self::Decode(e) => e.drop_reason(),
            Self::TooLarge { .. } => DropReason::BodyTooLarge,
            Self::Body(_) => DropReason::Malformed,
            Self::Overloaded(Overload::Memory) => DropReason::OverloadMemory,
            Self::Overloaded(Overload::Queue) => DropReason::OverloadQueue,
            Self::Ingest(_) => DropReason::Storage,
        }
    }

    pub fn log(&self) {
        // Refusals are counted in the stats; under overload a log line each would add to the load.
        if let Self::Ingest(_) = self {
            tracing::error!(error = %self, "intake request failed");
        } else {
            tracing::debug!(error = %self, "intake request rejected");
        }
    }

    /// The JSON answer with `status`, logged.
    pub fn respond(self, status: StatusCode) -> Response {
        self.log();
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

impl IntoResponse for IntakeFailure {
    fn into_response(self) -> Response {
        let status = self.status();
        self.respond(status)
    }
}
