//! Source code endpoints under `/api/v1`: linked repositories, code mappings and an event's snippets.
//! Responses never hold credentials; rejected bodies are answered without echoing their values.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Access, Role};
use domain::source::{
    CodeMapping, CodeMappingInput, EventSource, Repository, RepositoryInput, SourceSettings,
};
use serde::Deserialize;
use serde_json::json;

use super::Guarded;
use crate::audit::Actor;
use crate::source::{DEFAULT_CONTEXT, MAX_CONTEXT, SettingsError, SourceService};
use crate::storage::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum SourceApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    #[error("database error")]
    Store(#[from] StoreError),
}

impl IntoResponse for SourceApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Store(e) => {
                tracing::error!(error = %e, "source API query failed");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        if !status.is_server_error() {
            tracing::debug!(error = %self, "source API request rejected");
        }
        (status, Json(json!({ "error": self.to_string() }))).into_response()
    }
}

impl SourceApiError {
    fn from_settings(error: SettingsError, what: &'static str) -> Self {
        match error {
            SettingsError::Invalid(reason) => Self::BadRequest(reason),
            SettingsError::NotFound => Self::NotFound(what),
            SettingsError::Duplicate => Self::Conflict(error.to_string()),
            SettingsError::Store(e) => Self::Store(e),
        }
    }
}

/// A JSON body that did not parse. Serde's text can quote the body's values (a token in the wrong
/// field), so only the kind of failure is told.
fn bad_body(rejection: JsonRejection, expected: &str) -> SourceApiError {
    let kind = match rejection {
        JsonRejection::MissingJsonContentType(_) => "the Content-Type must be application/json",
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON",
        JsonRejection::JsonDataError(_) => "the body has missing or mistyped fields",
        _ => "the body could not be read",
    };
    SourceApiError::BadRequest(format!("{kind}; expected {expected}"))
}

const REPOSITORY_SHAPE: &str = "{\"owner\", \"name\", \"api_base_url\"?, \"credentials\": {\"kind\": \"token\", \"token\"} | {\"kind\": \"app\", \"app_id\", \"installation_id\", \"private_key\"} | {\"kind\": \"none\"} | {\"kind\": \"keep\"}, \"services\": []}";
const MAPPING_SHAPE: &str = "{\"repository_id\", \"service\"?, \"stack_root\", \"source_root\"}";

/// Routes relative to `/api/v1`, where the caller nests them: repositories and mappings are settings
/// (admins); snippets are read like the events they belong to.
pub fn routes(source: SourceService) -> Guarded {
    let admin = Access::Role(Role::Admin);
    Guarded::new()
        .get("/repositories", admin, settings)
        .post("/repositories", admin, create_repository)
        .put("/repositories/{id}", admin, update_repository)
        .delete("/repositories/{id}", admin, delete_repository)
        .get("/code-mappings", admin, mappings)
        .post("/code-mappings", admin, create_mapping)
        .delete("/code-mappings/{id}", admin, delete_mapping)
        .get(
            "/events/{id}/source",
            Access::Role(Role::Viewer),
            event_source,
        )
        .with_state(source)
}

fn id(text: &str, what: &'static str) -> Result<i64, SourceApiError> {
    text.parse()
        .map_err(|_| SourceApiError::BadRequest(format!("the {what} id must be an integer")))
}

async fn settings(
    State(source): State<SourceService>,
) -> Result<Json<SourceSettings>, SourceApiError> {
    Ok(Json(source.settings().await?))
}

async fn create_repository(
    State(source): State<SourceService>,
    actor: Actor,
    body: Result<Json<RepositoryInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Repository>), SourceApiError> {
    let Json(mut input) = body.map_err(|e| bad_body(e, REPOSITORY_SHAPE))?;
    input.id = None;
    let repository = source
        .save_repository(&actor, &input)
        .await
        .map_err(|e| SourceApiError::from_settings(e, "repository"))?;
    Ok((StatusCode::CREATED, Json(repository)))
}

async fn update_repository(
    State(source): State<SourceService>,
    actor: Actor,
    Path(repository): Path<String>,
    body: Result<Json<RepositoryInput>, JsonRejection>,
) -> Result<Json<Repository>, SourceApiError> {
    let repository = id(&repository, "repository")?;
    let Json(mut input) = body.map_err(|e| bad_body(e, REPOSITORY_SHAPE))?;
    input.id = Some(repository);
    let repository = source
        .save_repository(&actor, &input)
        .await
        .map_err(|e| SourceApiError::from_settings(e, "repository"))?;
    Ok(Json(repository))
}

async fn delete_repository(
    State(source): State<SourceService>,
    actor: Actor,
    Path(repository): Path<String>,
) -> Result<StatusCode, SourceApiError> {
    let repository = id(&repository, "repository")?;
    if source.delete_repository(&actor, repository).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(SourceApiError::NotFound("repository"))
    }
}

async fn mappings(
    State(source): State<SourceService>,
) -> Result<Json<serde_json::Value>, SourceApiError> {
    let mappings = source.store().code_mappings().await?;
    Ok(Json(json!({ "mappings": mappings })))
}

async fn create_mapping(
    State(source): State<SourceService>,
    body: Result<Json<CodeMappingInput>, JsonRejection>,
) -> Result<(StatusCode, Json<CodeMapping>), SourceApiError> {
    let Json(input) = body.map_err(|e| bad_body(e, MAPPING_SHAPE))?;
    let mapping = source
        .save_code_mapping(&input)
        .await
        .map_err(|e| SourceApiError::from_settings(e, "repository"))?;
    Ok((StatusCode::CREATED, Json(mapping)))
}

async fn delete_mapping(
    State(source): State<SourceService>,
    Path(mapping): Path<String>,
) -> Result<StatusCode, SourceApiError> {
    let mapping = id(&mapping, "code mapping")?;
    if source.delete_code_mapping(mapping).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(SourceApiError::NotFound("code mapping"))
    }
}

#[derive(Debug, Deserialize)]
struct Context {
    context: Option<u32>,
}

async fn event_source(
    State(source): State<SourceService>,
    Path(event): Path<String>,
    query: Result<Query<Context>, QueryRejection>,
) -> Result<Json<EventSource>, SourceApiError> {
    let event = id(&event, "event")?;
    let Query(query) = query.map_err(|_| {
        SourceApiError::BadRequest(format!(
            "context must be an integer from 0 to {MAX_CONTEXT}"
        ))
    })?;
    let context = query.context.unwrap_or(DEFAULT_CONTEXT);
    if context > MAX_CONTEXT {
        return Err(SourceApiError::BadRequest(format!(
            "context must be an integer from 0 to {MAX_CONTEXT}"
        )));
    }
    source
        .event_source(event, context)
        .await?
        .map(Json)
        .ok_or(SourceApiError::NotFound("event"))
}
