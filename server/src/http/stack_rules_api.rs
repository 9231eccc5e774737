//! Stack rules per service under `/api/v1/stack-rules`: read them (viewers), preview a change and
//! save it (admins). Rules are versioned: a save names the version it was made from, so two admins
//! editing at once cannot overwrite each other unknowingly.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::access::{Access, Caller, Role};
use domain::explorer::{StackRulesPreview, StackRulesVersion};
use domain::grouping::{RulesError, StackRules};
use serde::Deserialize;
use serde_json::json;

use super::Guarded;
use crate::pipeline::{RuleBook, rules_preview};
use crate::storage::{SaveRulesError, Store, StoreError};

#[derive(Clone)]
pub struct RulesState {
    pub store: Store,
    pub book: RuleBook,
}

#[derive(Debug, thiserror::Error)]
enum RulesApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the rules do not parse: {0}")]
    Invalid(RulesError),
    #[error(transparent)]
    Save(#[from] SaveRulesError),
    #[error("database error")]
    Store(#[from] StoreError),
}

impl IntoResponse for RulesApiError {
    fn into_response(self) -> Response {
        let (status, body) = match &self {
            Self::BadRequest(_) => (
                StatusCode::BAD_REQUEST,
                json!({ "error": self.to_string() }),
            ),
            // Every faulty line at once, numbered, so an editor can mark them.
            Self::Invalid(errors) => (
                StatusCode::BAD_REQUEST,
                json!({
                    "error": self.to_string(),
                    "lines": errors.errors.iter().map(|e| json!({
                        "line": e.line(), "error": e.to_string(),
                    })).collect::<Vec<_>>(),
                }),
            ),
            Self::Save(SaveRulesError::Stale { current, .. }) => (
                StatusCode::CONFLICT,
                json!({ "error": self.to_string(), "current": current }),
            ),
            Self::Save(SaveRulesError::Store(e)) | Self::Store(e) => {
                tracing::error!(error = %e, "stack rules query failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({ "error": "database error" }),
                )
            }
        };
        (status, Json(body)).into_response()
    }
}

/// Routes relative to `/api/v1`.
pub fn routes(state: RulesState) -> Guarded {
    const VIEWER: Access = Access::Role(Role::Viewer);
    const ADMIN: Access = Access::Role(Role::Admin);
    Guarded::new()
        .get("/stack-rules", VIEWER, list)
        .get("/stack-rules/{service}", VIEWER, service_rules)
        .put("/stack-rules/{service}", ADMIN, save)
        .post("/stack-rules/{service}/preview", ADMIN, preview)
        .with_state(state)
}

async fn list(State(state): State<RulesState>) -> Result<Json<serde_json::Value>, RulesApiError> {
    let services = state.store.current_stack_rules().await?;
    Ok(Json(json!({ "services": services })))
}

async fn service_rules(
    State(state): State<RulesState>,
    Path(service): Path<String>,
) -> Result<Json<serde_json::Value>, RulesApiError> {
    let history: Vec<StackRulesVersion> = state.store.stack_rules_history(&service).await?;
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

fn parse(rules: &str) -> Result<StackRules, RulesApiError> {
    if rules.len() > StackRulesPreview::MAX_RULES_BYTES {
        return Err(RulesApiError::BadRequest(format!(
            "rules are at most {} bytes",
            StackRulesPreview::MAX_RULES_BYTES
        )));
    }
    StackRules::parse(rules).map_err(RulesApiError::Invalid)
}

fn body(request: Result<Json<Proposed>, JsonRejection>) -> Result<Proposed, RulesApiError> {
    request
        .map(|Json(p)| p)
        .map_err(|e| RulesApiError::BadRequest(e.body_text()))
}

async fn save(
    State(state): State<RulesState>,
    caller: Option<Extension<Caller>>,
    Path(service): Path<String>,
    request: Result<Json<Proposed>, JsonRejection>,
) -> Result<Json<serde_json::Value>, RulesApiError> {
    let proposed = body(request)?;
    parse(&proposed.rules)?;
    let based_on = match proposed.based_on {
        Some(version) => version,
        None => state
            .store
            .stack_rules_history(&service)
            .await?
            .first()
            .map_or(0, |v| v.version),
    };
    let actor = caller.as_ref().map(|Extension(c)| c.user.email.as_str());
    let version = state
        .store
        .save_stack_rules(&service, &proposed.rules, based_on, actor)
        .await?;
    tracing::info!(%service, version, "stack rules saved");
    // This instance groups with them at once; the others within their next reload.
    if let Err(error) = state.book.refresh(&state.store).await {
        tracing::warn!(%error, "reloading stack rules after a save failed");
    }
    Ok(Json(json!({ "service": service, "version": version })))
}

async fn preview(
    State(state): State<RulesState>,
    Path(service): Path<String>,
    request: Result<Json<Proposed>, JsonRejection>,
) -> Result<Json<StackRulesPreview>, RulesApiError> {
    let after = parse(&body(request)?.rules)?;
    let samples = state
        .store
        .grouping_samples(&service, StackRulesPreview::MAX_EVENTS)
        .await?;
    let before = state
        .book
        .for_service(&service)
        .map(|(_, rules)| rules)
        .unwrap_or_default();
    let answer =
        tokio::task::spawn_blocking(move || rules_preview(&service, &samples, &before, &after))
            .await
            .map_err(|_| RulesApiError::BadRequest("the preview failed".to_owned()))?;
    Ok(Json(answer))
}
