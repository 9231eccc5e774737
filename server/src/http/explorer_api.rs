//! The Error Tracking Explorer's JSON endpoints under `/api/v1`: the issue list with counts and
//! trends over a time range, facet counts, and an issue's distribution.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use domain::access::{Access, Caller, Role};
use domain::explorer::{Facets, IssueDistribution, IssueListPage, RangeQuery};
use domain::query::{IssueQuery, Search, SearchError};
use serde_json::json;

use super::Guarded;
use super::error::ApiError;
use crate::storage::{Store, StoreError, TimeWindow, unix_ms_now};
use crate::teamwork::search::{self, ResolveError};

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

impl From<ResolveError> for QueryError {
    fn from(error: ResolveError) -> Self {
        match error {
            ResolveError::Search(e) => Self::Search(e),
            ResolveError::Store(e) => e.into(),
        }
    }
}

/// The query's parsed search with its `assignee:` terms resolved for `caller`; its errors answer
/// 400.
pub async fn resolved_search(
    store: &Store,
    q: &IssueQuery,
    caller: Option<&Extension<Caller>>,
) -> Result<Search, QueryError> {
    let search = q.parsed_search()?;
    let me = caller.map(|Extension(c)| c.user.email.as_str());
    let text = q.search.as_deref().unwrap_or_default();
    Ok(search::resolve(store, text, search, me).await?)
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
    caller: Option<Extension<Caller>>,
    q: Result<Query<IssueQuery>, QueryRejection>,
    range: Result<Query<RangeQuery>, QueryRejection>,
) -> Result<Json<IssueListPage>, QueryError> {
    let (q, range) = (query(q)?, query(range)?);
    let search = resolved_search(&store, &q, caller.as_ref()).await?;
    let window = window(&range, Some(&q))?;
    Ok(Json(store.explorer_issues(&q, &search, &window).await?))
}

async fn facets(
    State(store): State<Store>,
    caller: Option<Extension<Caller>>,
    q: Result<Query<IssueQuery>, QueryRejection>,
) -> Result<Json<Facets>, QueryError> {
    let q = query(q)?;
    let search = resolved_search(&store, &q, caller.as_ref()).await?;
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
