//! The Error Tracking Explorer's JSON endpoints under `/api/v1`: the issue list with counts and
//! trends over a time range, facet counts, and an issue's distribution.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::access::{Access, Role};
use domain::explorer::{Facets, IssueDistribution, IssueListPage, RangeQuery};
use domain::query::{IssueQuery, Search, SearchError};
use serde_json::json;

use super::Guarded;
use super::error::ApiError;
use crate::storage::{Store, StoreError, TimeWindow, unix_ms_now};

/// Routes relative to `/api/v1`, merged into the API router.
pub fn routes() -> Guarded<Store> {
    let viewer = Access::Role(Role::Viewer);
    Guarded::new()
        .get("/explorer/issues", viewer, explorer_issues)
        .get("/explorer/facets", viewer, facets)
        .get("/issues/{id}/distribution", viewer, distribution)
}

/// Errors of the endpoints that take a search: a search that does not parse is answered with the
/// bytes to underline, `{"error", "start", "end"}`.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<StoreError> for QueryError {
    fn from(error: StoreError) -> Self {
        Self::Api(error.into())
    }
}

impl IntoResponse for QueryError {
    fn into_response(self) -> Response {
        match self {
            Self::Search(e) => {
                tracing::debug!(error = %e, "search rejected");
                let body = json!({ "error": e.message, "start": e.start, "end": e.end });
                (StatusCode::BAD_REQUEST, Json(body)).into_response()
            }
            Self::Api(e) => e.into_response(),
        }
    }
}

/// The query's parsed search; its errors answer 400.
pub fn parsed_search(q: &IssueQuery) -> Result<Search, QueryError> {
    Ok(q.parsed_search()?)
}

fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}

/// The window of a range query: `from`/`to` (each falling back on the issue query's), `buckets`.
fn window(range: &RangeQuery, q: Option<&IssueQuery>) -> Result<TimeWindow, ApiError> {
    let from = range.from.or(q.and_then(|q| q.from));
    let to = range.to.or(q.and_then(|q| q.to));
    TimeWindow::new(from, to, range.buckets(), unix_ms_now())
        .map_err(|e| ApiError::BadRequest(e.to_string()))
}

async fn explorer_issues(
    State(store): State<Store>,
    q: Result<Query<IssueQuery>, QueryRejection>,
    range: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<IssueListPage>, QueryError> {
    let (q, range) = (query(q)?, query(range)?);
    let search = parsed_search(&q)?;
    let window = window(&range, Some(&q))?;
    Ok(Json(store.explorer_issues(&q, &search, &window).await?))
}

async fn facets(
    State(store): State<Store>,
    q: Result<Query<IssueQuery>, QueryRejection>,
) -> Result<Json<Facets>, QueryError> {
    let q = query(q)?;
    let search = parsed_search(&q)?;
    let window = window(&RangeQuery::default(), Some(&q))?;
    Ok(Json(store.facets(&q, &search, &window).await?))
}

async fn distribution(
    State(store): State<Store>,
    Path(id): Path<String>,
    range: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<IssueDistribution>, ApiError> {
    let id = super::api::issue_id(&id)?;
    let window = window(&query(range)?, None)?;
    store
        .distribution(id, &window)
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("issue"))
}
