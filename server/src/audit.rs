//! Who did what, from where: the [`Actor`] a change is made by, found once per request (the access
//! layer's caller, the connection's address, the user agent) and handed to the code that makes the
//! change, which writes the audit entry (see `storage/audit.rs`). Entry points cannot forget it:
//! the services that change things take an `&Actor`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use domain::access::{Caller, UserView};
use domain::audit::{AuditAction, AuditActor};

use crate::storage::{AuditBy, AuditDetail, AuditRecord, Store, StoreError};

/// Put in a request's extensions by the access layer when an API token authenticated it.
#[derive(Debug, Clone)]
pub struct TokenName(pub String);

/// User agents longer than this are cut.
const MAX_USER_AGENT_CHARS: usize = 300;

/// Where a request came from: the TCP peer's address (behind a reverse proxy, the proxy's) and the
/// user agent. Empty for the CLI and in handler tests without connection info.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl Origin {
    pub fn of(parts: &Parts) -> Self {
        Self {
            ip: parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_canonical()),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| super::auth::truncate(ua, MAX_USER_AGENT_CHARS).to_owned()),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// Who makes a change, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub who: AuditActor,
    pub origin: Origin,
}

impl Actor {
    pub fn cli() -> Self {
        Self::new(AuditActor::Cli, Origin::default())
    }

    pub fn system() -> Self {
        Self::new(AuditActor::System, Origin::default())
    }

    pub fn new(who: AuditActor, origin: Origin) -> Self {
        Self { who, origin }
    }

    /// `user` acting in a browser session (or just signing in).
    pub fn user(user: &UserView, origin: Origin) -> Self {
        Self::new(
            AuditActor::User {
                id: user.id,
                email: user.email.clone(),
            },
            origin,
        )
    }

    /// The caller the access layer found, by session or by token.
    pub fn caller(caller: &Caller, token: Option<&TokenName>, origin: Origin) -> Self {
        match token {
            Some(TokenName(name)) => Self::new(
                AuditActor::Token {
                    user_id: caller.user.id,
                    email: caller.user.email.clone(),
                    name: name.clone(),
                },
                origin,
            ),
            None => Self::user(&caller.user, origin),
        }
    }

    /// The actor of a request that passed the access layer; anonymous on public routes.
    pub fn of(parts: &Parts) -> Self {
        let origin = Origin::of(parts);
        match parts.extensions.get::<Caller>() {
            Some(caller) => Self::caller(caller, parts.extensions.get::<TokenName>(), origin),
            None => Self::new(AuditActor::Anonymous, origin),
        }
    }

    /// This actor as storage writes it with each entry.
    pub fn by(&self) -> AuditBy<'_> {
        AuditBy {
            actor: &self.who,
            ip: self.origin.ip.map(|ip| ip.to_string()),
            user_agent: self.origin.user_agent.as_deref(),
        }
    }

    /// The entry recording `action` by this actor.
    pub fn entry(&self, action: AuditAction, detail: AuditDetail) -> AuditRecord<'_> {
        AuditRecord {
            by: self.by(),
            action,
            detail,
        }
    }

    /// Writes the entry recording `action` on its own (after a change made without a transaction).
    pub async fn record(
        &self,
        store: &Store,
        action: AuditAction,
        detail: AuditDetail,
    ) -> Result<(), StoreError> {
        store.record_audit(&self.entry(action, detail)).await
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Actor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts))
    }
}

/// A detail from `(key, value)` pairs.
pub fn detail<const N: usize>(pairs: [(&str, String); N]) -> AuditDetail {
    pairs
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
}
