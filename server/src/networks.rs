//! Lists of networks (`10.0.0.0/8,192.0.2.7,::1`, `any`), checked against a connection's peer
//! address: who may send traces (`--intake-allow`) and which reverse proxies may name the signed-in
//! user (`--auth-proxy-trusted`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;
use std::sync::Arc;

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

/// A list of networks; empty matches nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Networks(Arc<Vec<Cidr>>);

impl Networks {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|cidr| cidr.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Networks {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("ip")
    }

    #[test]
    fn lists_parse_with_any_single_addresses_and_errors() {
        let any: Networks = "any".parse().expect("parses");
        assert!(any.contains(ip("8.8.8.8")) && any.contains(ip("2001:db8::1")));
        let one: Networks = "203.0.113.7, 198.51.100.0/24".parse().expect("parses");
        assert!(one.contains(ip("203.0.113.7")));
        assert!(!one.contains(ip("203.0.113.8")));
        assert!(one.contains(ip("198.51.100.200")));
        assert!(!one.contains(ip("127.0.0.1")));
        assert!(one.contains(ip("::ffff:203.0.113.7")), "dual-stack IPv4");
        let none: Networks = "".parse().expect("parses");
        assert!(none.is_empty() && !none.contains(ip("127.0.0.1")));
        assert_eq!(
            "10.0.0.0/33".parse::<Networks>(),
            Err(CidrError::Prefix("10.0.0.0/33".to_owned()))
        );
        assert!(matches!(
            "localhost".parse::<Networks>(),
            Err(CidrError::Address(_))
        ));
    }
}
