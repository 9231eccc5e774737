//! HTTP: one router per port (explorer UI + API, Datadog Agent API, OTLP/HTTP).

mod agent;
mod api;
mod body;
mod error;
mod explorer_api;
mod merge_api;
mod otlp;
mod source_api;

pub use body::{BodyLimits, InflightBudget};
pub use error::{ApiError, IntakeFailure, Overload};

use crate::pipeline::Ingestor;
use crate::source::SourceService;
use crate::storage::Store;

/// What the intake handlers share.
#[derive(Clone)]
pub struct IntakeState {
    pub ingestor: Ingestor,
    pub limits: BodyLimits,
    pub inflight: InflightBudget,
}

impl IntakeState {
    pub fn new(ingestor: Ingestor, limits: BodyLimits) -> Self {
        Self {
            ingestor,
            inflight: InflightBudget::new(limits.max_inflight_bytes),
            limits,
        }
    }
}

pub fn agent_router(state: IntakeState) -> axum::Router {
    agent::router(state)
}

pub fn otlp_router(state: IntakeState) -> axum::Router {
    otlp::router(state)
}

pub fn api_router(store: Store) -> axum::Router {
    api::router(store)
}

/// The source code endpoints (repositories, code mappings, snippets), relative to `/api/v1`.
pub fn source_api_router(source: SourceService) -> axum::Router {
    source_api::router(source)
}
