//! Who may send traces: `--intake-allow`, a list of networks checked against the peer address of
//! every intake request (both intake ports). Tracers send without credentials, like they do to the
//! Datadog Agent, so an intake port listening beyond loopback must not take traces from anywhere;
//! by default it takes them from loopback and private networks only.

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::intake::DropReason;
use serde_json::json;

use super::IntakeState;
use crate::networks::{CidrError, Networks};

/// What `--intake-allow` is by default: loopback and the private ranges (RFC 1918, IPv6 unique local
/// and link-local), where a service's tracer usually sits.
pub const DEFAULT_INTAKE_ALLOW: &str =
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7,fe80::/10";

/// The networks intake accepts traces from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeAllow(Networks);

impl IntakeAllow {
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.contains(ip)
    }

    /// Everything, for tests of the routers.
    pub fn any() -> Self {
        "any".parse().expect("`any` parses")
    }
}

impl Default for IntakeAllow {
    fn default() -> Self {
        DEFAULT_INTAKE_ALLOW
            .parse()
            .expect("the default intake networks parse")
    }
}

impl FromStr for IntakeAllow {
    type Err = CidrError;

    /// A comma-separated list; `any` stands for every IPv4 and IPv6 address.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.parse().map(Self)
    }
}

/// Refuses intake requests from addresses outside the allowed networks with `403` and a reason, and
/// counts them. A request without a peer address (a router served without connection info) is
/// refused too: nothing is let in unchecked.
pub async fn check(State(state): State<IntakeState>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    match peer {
        Some(ip) if state.allow.allows(ip) => next.run(request).await,
        peer => {
            state.ingestor.count_drop(DropReason::NotAllowed);
            let shown = peer.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
            tracing::debug!(peer = %shown, "intake request from outside --intake-allow refused");
            let reason = format!("traces from {shown} are not accepted here (see --intake-allow)");
            (StatusCode::FORBIDDEN, Json(json!({ "error": reason }))).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn networks_match_by_prefix() {
        let allow = IntakeAllow::default();
        for (address, allowed) in [
            ("127.0.0.1", true),
            ("127.8.9.10", true),
            ("::1", true),
            ("10.1.2.3", true),
            ("172.16.0.1", true),
            ("172.31.255.255", true),
            ("172.32.0.1", false),
            ("192.168.10.20", true),
            ("192.169.0.1", false),
            ("8.8.8.8", false),
            ("fd12:3456::1", true),
            ("fe80::1", true),
            ("2001:db8::1", false),
            // IPv4 clients of a dual-stack listener.
            ("::ffff:10.0.0.7", true),
            ("::ffff:8.8.8.8", false),
        ] {
            assert_eq!(allow.allows(ip(address)), allowed, "{address}");
        }
    }
}
