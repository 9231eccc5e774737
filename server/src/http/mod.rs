//! HTTP: one router per port (explorer UI + API, Datadog Agent API, OTLP/HTTP).

mod agent;
mod api;
mod audit_api;
mod auth_api;
mod body;
mod error;
mod explorer_api;
mod guarded;
mod intake_allow;
mod intake_token;
mod intake_tokens_api;
mod merge_api;
mod oidc_api;
mod otlp;
mod source_api;
mod stack_rules_api;
mod teamwork_api;
mod users_api;

pub use body::{BodyLimits, InflightBudget};
pub use error::{ApiError, IntakeFailure, Overload};
pub use guarded::Guarded;
pub use intake_allow::{DEFAULT_INTAKE_ALLOW, IntakeAllow};

use crate::auth::Auth;
use crate::auth::intake_tokens::IntakeTokens;
use crate::pipeline::Ingestor;
use crate::source::SourceService;
use crate::storage::Store;

/// What the intake handlers share.
#[derive(Clone)]
pub struct IntakeState {
    pub ingestor: Ingestor,
    pub limits: BodyLimits,
    pub inflight: InflightBudget,
    pub allow: IntakeAllow,
    /// `None`: no sender needs an intake token.
    pub tokens: Option<IntakeTokens>,
}

impl IntakeState {
    /// Intake from the default networks (loopback and private ranges).
    pub fn new(ingestor: Ingestor, limits: BodyLimits) -> Self {
        Self {
            ingestor,
            inflight: InflightBudget::new(limits.max_inflight_bytes),
            limits,
            allow: IntakeAllow::default(),
            tokens: None,
        }
    }

    pub fn with_allow(self, allow: IntakeAllow) -> Self {
        Self { allow, ..self }
    }

    /// Intake that asks the senders `tokens` names for an intake token.
    pub fn with_tokens(self, tokens: IntakeTokens) -> Self {
        Self {
            tokens: Some(tokens),
            ..self
        }
    }
}

/// The Datadog Agent API. Served with connection info: the peer address is checked against
/// `--intake-allow`, then the intake token where one is required (not for `/info`).
pub fn agent_router(state: IntakeState) -> axum::Router {
    let checked = agent::router(state.clone()).layer(axum::middleware::from_fn_with_state(
        state.clone(),
        intake_token::check,
    ));
    allowed(checked.merge(agent::info_router()), state)
}

/// OTLP/HTTP, served with connection info like [`agent_router`]; every route needs the token
/// where one is required.
pub fn otlp_router(state: IntakeState) -> axum::Router {
    let checked = otlp::router(state.clone()).layer(axum::middleware::from_fn_with_state(
        state.clone(),
        intake_token::check,
    ));
    allowed(checked, state)
}

/// `router` behind the `--intake-allow` check, which runs first.
fn allowed(router: axum::Router, state: IntakeState) -> axum::Router {
    router.layer(axum::middleware::from_fn_with_state(
        state,
        intake_allow::check,
    ))
}

/// The JSON API relative to `/api/v1`, without the access layer (handler tests).
pub fn api_router(store: Store) -> axum::Router {
    api::routes(store).into_router()
}

/// The source code endpoints (repositories, code mappings, snippets), relative to `/api/v1`, without
/// the access layer (handler tests).
pub fn source_api_router(source: SourceService) -> axum::Router {
    source_api::routes(source).into_router()
}

/// The JSON API under `/api/v1` with the source, stack-rule, account and audit endpoints, and the sign-in,
/// sign-out, setup and invitation forms, each route with its access rule.
pub fn explorer_json_routes(
    store: Store,
    source: SourceService,
    auth: Auth,
    rules: crate::pipeline::RuleSettings,
) -> Guarded {
    auth_api::routes(auth.clone())
        .merge(oidc_api::routes(auth.clone()))
        .nest(
            "/api/v1",
            api::routes(store.clone())
                .merge(source_api::routes(source))
                .merge(intake_tokens_api::routes(store.clone()))
                .merge(stack_rules_api::routes(rules))
                .merge(users_api::routes(auth))
                .merge(audit_api::routes(store)),
        )
}
