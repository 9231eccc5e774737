//! Sign-in throttling per account and per client address, counted in the database so that every
//! instance behind one URL sees the same failures. Past [`ACCOUNT_LIMIT`] failures for one email or
//! [`ADDRESS_LIMIT`] from one address within [`WINDOW`], sign-in is refused with the same message as
//! a wrong password until the oldest counted failure is older than the window. Attempts while locked
//! are not counted, so a lock ends at most one window after it began, however long someone keeps
//! guessing. A correct password clears its account's count (not its address's).
//!
//! The address is the TCP peer's: behind a reverse proxy every client shares the proxy's, so the
//! address limit then throttles all of them together while the account limit still holds.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::{ms, secret};
use crate::storage::{Store, StoreError, unix_ms_now};

/// Failures per account within [`WINDOW`] before it is locked.
pub const ACCOUNT_LIMIT: i64 = 10;
/// Failures per client address within [`WINDOW`] before it is locked.
pub const ADDRESS_LIMIT: i64 = 50;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The client's address, when the server was started with connection info (absent in handler
/// tests that call the router directly).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(addr)| addr.ip().to_canonical()),
        ))
    }
}

/// The keys one sign-in attempt counts under.
pub struct Attempt {
    account: Vec<u8>,
    address: Option<Vec<u8>>,
}

impl Attempt {
    pub fn new(email: &str, ip: ClientIp) -> Self {
        Self {
            account: secret::digest(&format!("account:{}", email.trim().to_lowercase())),
            address: ip
                .0
                .map(|ip| secret::digest(&format!("ip:{}", address_key(ip)))),
        }
    }

    /// Whether the account or the address has used up its failures.
    pub async fn locked(&self, store: &Store) -> Result<bool, StoreError> {
        let since = unix_ms_now() - ms(WINDOW);
        if store.signin_failures(&self.account, since).await? >= ACCOUNT_LIMIT {
            return Ok(true);
        }
        match &self.address {
            Some(address) => Ok(store.signin_failures(address, since).await? >= ADDRESS_LIMIT),
            None => Ok(false),
        }
    }

    pub async fn failed(&self, store: &Store) -> Result<(), StoreError> {
        let mut keys: Vec<&[u8]> = vec![&self.account];
        keys.extend(self.address.as_deref());
        store
            .record_signin_failure(&keys, unix_ms_now() - ms(WINDOW))
            .await
    }

    pub async fn succeeded(&self, store: &Store) -> Result<(), StoreError> {
        store.clear_signin_failures(&self.account).await
    }
}

/// IPv6 clients usually hold a whole /64, so it counts as one address.
fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_network_counts_as_one_address() {
        let cases = [
            ("203.0.113.7", "203.0.113.7"),
            ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ];
        for (ip, key) in cases {
            assert_eq!(address_key(ip.parse().expect("ip")), key, "{ip}");
        }
    }
}
