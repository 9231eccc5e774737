//! Sign-in by a trusted reverse proxy (oauth2-proxy and the like): `--auth-proxy-header` names the
//! header carrying the signed-in person's email, believed only from a connection whose peer address
//! is in `--auth-proxy-trusted`. Only the TCP peer counts: `X-Forwarded-For` is anyone's to write, so
//! the proxy must connect to Stackprint itself. From any other peer the header is ignored (and that
//! is logged once, not per request). Each request is its own sign-in: there is no session, so the
//! proxy signing someone out takes effect at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::HeaderName;
use domain::access::{Caller, Role};

use super::{AuthError, checked_email};
use crate::networks::Networks;
use crate::storage::{NewUser, Saved, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ProxyConfigError {
    #[error("`{0}` is not an HTTP header name")]
    Header(String),
    #[error("--auth-proxy-header needs --auth-proxy-trusted: the proxies' addresses")]
    NoTrustedPeers,
}

/// The proxy header's configuration.
#[derive(Debug, Clone)]
pub struct ProxyAuth {
    header: HeaderName,
    trusted: Networks,
    /// New users get this role; `None`: only existing users are signed in.
    create_users: Option<Role>,
    warned: Arc<AtomicBool>,
}

impl ProxyAuth {
    pub fn new(
        header: &str,
        trusted: Networks,
        create_users: Option<Role>,
    ) -> Result<Self, ProxyConfigError> {
        let header = HeaderName::try_from(header.trim())
            .map_err(|_| ProxyConfigError::Header(header.to_owned()))?;
        if trusted.is_empty() {
            return Err(ProxyConfigError::NoTrustedPeers);
        }
        Ok(Self {
            header,
            trusted,
            create_users,
            warned: Arc::default(),
        })
    }

    /// The email a request's proxy header names, when it came from a trusted peer; `None`: the
    /// request signs in some other way.
    pub fn identity<'h>(
        &self,
        headers: &'h axum::http::HeaderMap,
        peer: Option<std::net::IpAddr>,
    ) -> Option<&'h str> {
        let value = headers.get(&self.header)?;
        if !peer.is_some_and(|ip| self.trusted.contains(ip)) {
            if !self.warned.swap(true, Ordering::Relaxed) {
                let shown = peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
                tracing::warn!(
                    peer = %shown,
                    header = %self.header,
                    "ignoring the proxy sign-in header from an address outside \
                     --auth-proxy-trusted (logged once)"
                );
            }
            return None;
        }
        value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|email| !email.is_empty())
    }

    /// The caller a trusted proxy named: an enabled user with this email, or a new one with the
    /// configured role. `None` when there is no such account (or it is disabled).
    pub async fn caller(&self, store: &Store, email: &str) -> Result<Option<Caller>, StoreError> {
        let found = match store.user_credentials(email).await? {
            Some((user, _)) => Some(user),
            None => match self.create_users {
                Some(role) => self.create(store, email, role).await?,
                None => None,
            },
        };
        Ok(found.filter(|user| !user.disabled).map(|user| Caller {
            role: user.user.role,
            user: user.user,
            session_id: None,
        }))
    }

    async fn create(
        &self,
        store: &Store,
        email: &str,
        role: Role,
    ) -> Result<Option<crate::storage::UserRow>, StoreError> {
        let email = match checked_email(email) {
            Ok(email) => email,
            Err(AuthError::Invalid(reason)) => {
                tracing::debug!(%reason, "the proxy's email is not one");
                return Ok(None);
            }
            Err(_) => return Ok(None),
        };
        let name = email.split('@').next().unwrap_or(&email).to_owned();
        let new = NewUser {
            email: &email,
            display_name: &name,
            // Signed in by the proxy only, until they set a password.
            password_hash: None,
            role,
        };
        match store.create_user(&new).await? {
            Saved::Saved(user) => {
                tracing::info!(user = user.id, %role, "account created for a proxy sign-in");
            }
            // Another request (or instance) made it first.
            Saved::Duplicate | Saved::NotFound => {}
        }
        Ok(store.user_credentials(&email).await?.map(|(user, _)| user))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;

    #[test]
    fn the_header_counts_only_from_trusted_peers() {
        let proxy = ProxyAuth::new(
            "X-Forwarded-Email",
            "10.0.0.0/8".parse().expect("networks"),
            None,
        )
        .expect("config");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-email",
            HeaderValue::from_static(" ana@example.com "),
        );
        let ip = |t: &str| Some(t.parse().expect("ip"));
        assert_eq!(
            proxy.identity(&headers, ip("10.1.2.3")),
            Some("ana@example.com")
        );
        assert_eq!(proxy.identity(&headers, ip("127.0.0.1")), None);
        assert_eq!(proxy.identity(&headers, None), None);
        assert_eq!(proxy.identity(&HeaderMap::new(), ip("10.1.2.3")), None);
    }

    #[test]
    fn the_config_needs_a_header_name_and_trusted_peers() {
        let some: Networks = "127.0.0.1".parse().expect("networks");
        assert!(matches!(
            ProxyAuth::new("Bad Header", some, None),
            Err(ProxyConfigError::Header(_))
        ));
        assert!(matches!(
            ProxyAuth::new("X-Email", Networks::default(), None),
            Err(ProxyConfigError::NoTrustedPeers)
        ));
    }
}
