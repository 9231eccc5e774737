//! Stack rules per service under `/api/v1/stack-rules`: read them (viewers), preview a change and
//! save it (admins), through [`RuleSettings`] like the settings page. Rules are versioned: a save
//! names the version it was made from, so two admins editing at once cannot overwrite each other
//! unknowingly.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Access, Role};
use domain::explorer::{RulesRefusal, StackRulesPreview, StackRulesVersion};
use serde::Deserialize;
use serde_json::json;

use super::Guarded;
use crate::audit::Actor;
use crate::pipeline::{RuleSettings, RuleSettingsError};
use crate::storage::StoreError;

#[derive(Debug, thiserror::Error)]
enum RulesApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Settings(#[from] RuleSettingsError),
}

impl From<StoreError> for RulesApiError {
    fn from(error: StoreError) -> Self {
        Self::Settings(error.into())
    }
}

impl IntoResponse for RulesApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            Self::BadRequest(_)
            | Self::Settings(RuleSettingsError::Refused(RulesRefusal::TooLong { .. })) => (
                StatusCode::BAD_REQUEST,
                json!({ "error": self.to_string() }),
            ),
            // Every faulty line at once, numbered, so an editor can mark them.
            Self::Settings(RuleSettingsError::Refused(RulesRefusal::Invalid { lines })) => (
                StatusCode::BAD_REQUEST,
                json!({ "error": self.to_string(), "lines": lines }),
            ),
            Self::Settings(RuleSettingsError::Refused(RulesRefusal::Stale { current })) => (
                StatusCode::CONFLICT,
                json!({ "error": self.to_string(), "current": current }),
            ),
            Self::Settings(error @ (RuleSettingsError::Store(_) | RuleSettingsError::Preview)) => {
                tracing::error!(%error, "stack rules request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "server error" }),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// Routes relative to `/api/v1`.
pub fn routes(settings: RuleSettings) -> Guarded {
    const VIEWER: Access = Access::Role(Role::Viewer);
    const ADMIN: Access = Access::Role(Role::Admin);
    Guarded::new()
        .get("/stack-rules", VIEWER, list)
        .get("/stack-rules/{service}", VIEWER, service_rules)
        .put("/stack-rules/{service}", ADMIN, save)
        .post("/stack-rules/{service}/preview", ADMIN, preview)
        .with_state(settings)
}

async fn list(
    State(settings): State<RuleSettings>,
) -> Result<Json<serde_json::Value>, RulesApiError> {
    let services = settings.current().await?;
    Ok(Json(json!({ "services": services })))
}

async fn service_rules(
    State(settings): State<RuleSettings>,
    Path(service): Path<String>,
) -> Result<Json<serde_json::Value>, RulesApiError> {
    let history: Vec<StackRulesVersion> = settings.history(&service).await?;
    Ok(Json(json!({
        "service": service,
        "current": history.first(),
        "history": history,
    })))
}

#[derive(Deserialize)]
struct Proposed {
    rules: String,
    /// The version the change was made from (0: the service had none); without it, the newest.
    #[serde(default)]
    based_on: Option<i64>,
}

fn body(request: Result<Json<Proposed>, JsonRejection>) -> Result<Proposed, RulesApiError> {
    request
        .map(|Json(p)| p)
        .map_err(|e| RulesApiError::BadRequest(e.body_text()))
}

async fn save(
    State(settings): State<RuleSettings>,
    actor: Actor,
    Path(service): Path<String>,
    request: Result<Json<Proposed>, JsonRejection>,
) -> Result<Json<serde_json::Value>, RulesApiError> {
    let proposed = body(request)?;
    let version = settings
        .save(&actor, &service, &proposed.rules, proposed.based_on)
        .await?;
    Ok(Json(json!({ "service": service, "version": version })))
}

async fn preview(
    State(settings): State<RuleSettings>,
    Path(service): Path<String>,
    request: Result<Json<Proposed>, JsonRejection>,
) -> Result<Json<StackRulesPreview>, RulesApiError> {
    let proposed = body(request)?;
    Ok(Json(settings.preview(&service, &proposed.rules).await?))
}
