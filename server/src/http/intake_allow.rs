//! Who may send traces: `--intake-allow`, a list of networks checked against the peer address of
//! every intake request (both intake ports). Tracers send without credentials, like they do to the
//! Datadog Agent, so an intake port listening beyond loopback must not take traces from anywhere;
//! by default it takes them from loopback and private networks only.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use domain::intake::DropReason;
use serde_json::json;

use super::IntakeState;

/// What `--intake-allow` is by default: loopback and the private ranges (RFC 1918, IPv6 unique local
/// and link-local), where a service's tracer usually sits.
pub const DEFAULT_INTAKE_ALLOW: &str =
    "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7,fe80::/10";

/// One network: an address and how many leading bits must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("`{0}` is not an IP address or network (`10.0.0.0/8`, `::1`, `any`)")]
    Address(String),
    #[error("`{0}`: the prefix length is too long for the address")]
    Prefix(String),
}

impl Cidr {
    fn bits(ip: IpAddr) -> (u128, u8) {
        match ip {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
            IpAddr::V6(v6) => (u128::from(v6), 128),
        }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // An IPv4 client on a dual-stack socket shows up as `::ffff:a.b.c.d`.
        let ip = ip.to_canonical();
        let ((net, width), (addr, addr_width)) = (Self::bits(self.network), Self::bits(ip));
        if width != addr_width {
            return false;
        }
        let shift = u32::from(width - self.prefix);
        // A shift by the full width (prefix 0) matches everything.
        net.checked_shr(shift).unwrap_or(0) == addr.checked_shr(shift).unwrap_or(0)
    }
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| CidrError::Address(text.to_owned()))?;
        let width = Self::bits(network).1;
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .parse::<u8>()
                .map_err(|_| CidrError::Address(text.to_owned()))?,
        };
        if prefix > width {
            return Err(CidrError::Prefix(text.to_owned()));
        }
        Ok(Self { network, prefix })
    }
}

/// The networks intake accepts traces from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeAllow(Arc<Vec<Cidr>>);

impl IntakeAllow {
    pub fn allows(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|cidr| cidr.contains(ip))
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
        let mut networks = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if part.eq_ignore_ascii_case("any") {
                networks.push(Cidr {
                    network: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                    prefix: 0,
                });
                networks.push(Cidr {
                    network: IpAddr::V6(Ipv6Addr::UNSPECIFIED),
                    prefix: 0,
                });
            } else {
                networks.push(part.parse()?);
            }
        }
        Ok(Self(Arc::new(networks)))
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

    #[test]
    fn lists_parse_with_any_single_addresses_and_errors() {
        let any = IntakeAllow::any();
        assert!(any.allows(ip("8.8.8.8")) && any.allows(ip("2001:db8::1")));
        let one: IntakeAllow = "203.0.113.7, 198.51.100.0/24".parse().expect("parses");
        assert!(one.allows(ip("203.0.113.7")));
        assert!(!one.allows(ip("203.0.113.8")));
        assert!(one.allows(ip("198.51.100.200")));
        assert!(!one.allows(ip("127.0.0.1")));
        let none: IntakeAllow = "".parse().expect("parses");
        assert!(!none.allows(ip("127.0.0.1")));
        assert_eq!(
            "10.0.0.0/33".parse::<IntakeAllow>(),
            Err(CidrError::Prefix("10.0.0.0/33".to_owned()))
        );
        assert!(matches!(
            "localhost".parse::<IntakeAllow>(),
            Err(CidrError::Address(_))
        ));
    }
}
