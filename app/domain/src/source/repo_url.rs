//! Repository URLs as tracers send them (`git.repository_url`, `_dd.git.repository_url`, OTLP
//! `vcs.repository.url.full`), reduced to host, owner and name. Credentials in the URL are dropped:
//! CI systems often bake `https://x-access-token:TOKEN@github.com/o/r` into the checkout.

use serde::{Deserialize, Serialize};

/// A repository on GitHub or a GitHub Enterprise host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RepoUrl {
    /// Lowercase, without port or credentials.
    pub host: String,
    pub owner: String,
    pub name: String,
}

pub const GITHUB_HOST: &str = "github.com";

impl RepoUrl {
    /// `https://github.com/o/r`, `https://github.com/o/r.git`, `git@github.com:o/r.git`,
    /// `ssh://git@host:22/o/r.git`, `git+https://...`, `https://user:token@github.com/o/r`,
    /// `github.com/o/r`. Anything after `owner/name` (`/tree/main`) is ignored. `None` when no
    /// host, owner and name can be read, or when they hold characters GitHub does not allow.
    pub fn parse(url: &str) -> Option<Self> {
        let url = url.trim();
        let url = url.strip_prefix("git+").unwrap_or(url);
        let (authority, path) = match url.split_once("://") {
            Some((scheme, rest)) => {
                if !matches!(
                    scheme.to_ascii_lowercase().as_str(),
                    "https" | "http" | "ssh" | "git"
                ) {
                    return None;
                }
                rest.split_once('/')?
            }
            // scp-like `git@github.com:o/r.git`: a colon before the first slash.
            None => match (url.find(':'), url.find('/')) {
                (Some(colon), slash) if slash.is_none_or(|slash| colon < slash) => {
                    (&url[..colon], &url[colon + 1..])
                }
                _ => url.split_once('/')?,
            },
        };
        // Credentials and user names go; so does the port.
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let host = strip_port(host).to_ascii_lowercase();
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        {
            return None;
        }
        let mut segments = path
            .split(['?', '#'])
            .next()
            .unwrap_or_default()
            .split('/')
            .filter(|s| !s.is_empty());
        let owner = segments.next()?;
        let name = segments.next()?;
        let name = name.strip_suffix(".git").unwrap_or(name);
        (valid_owner(owner) && valid_name(name)).then(|| Self {
            host,
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The repository's web address, `https://{host}/{owner}/{name}`; never holds credentials.
    pub fn html_url(&self) -> String {
        format!("https://{}/{}/{}", self.host, self.owner, self.name)
    }

    /// Whether this names the same repository as `owner/name` on the web host of `api_base_url`
    /// (`None`: github.com). GitHub compares owners and names case-insensitively.
    pub fn is(&self, owner: &str, name: &str, api_base_url: Option<&str>) -> bool {
        self.owner.eq_ignore_ascii_case(owner)
            && self.name.eq_ignore_ascii_case(name)
            && self.host == web_host(api_base_url)
    }
}

fn strip_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => host,
    }
}

/// The web host of a GitHub API base: `github.com` for `None` and `https://api.github.com`,
/// `github.example.com` for `https://github.example.com/api/v3`, `acme.ghe.com` for
/// `https://api.acme.ghe.com`. Without the port: repository URLs in span tags name hosts, not ports.
pub fn web_host(api_base_url: Option<&str>) -> String {
    strip_port(&web_authority(api_base_url)).to_owned()
}

/// [`web_host`] with the API base's port, for links.
fn web_authority(api_base_url: Option<&str>) -> String {
    let Some(base) = api_base_url else {
        return GITHUB_HOST.to_owned();
    };
    let rest = base.split_once("://").map_or(base, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let authority = authority.to_ascii_lowercase();
    match authority.strip_prefix("api.") {
        Some(web) => web.to_owned(),
        None => authority,
    }
}

/// The web address of a repository whose API lives at `api_base_url` (`None`: github.com).
pub fn html_url(owner: &str, name: &str, api_base_url: Option<&str>) -> String {
    let scheme = match api_base_url {
        Some(base) if base.starts_with("http://") => "http",
        _ => "https",
    };
    format!("{scheme}://{}/{owner}/{name}", web_authority(api_base_url))
}

/// A GitHub user or organization name: letters, digits, `-` (and `_`, which Enterprise allows).
pub fn valid_owner(owner: &str) -> bool {
    (1..=100).contains(&owner.len())
        && owner
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A repository name: letters, digits, `-`, `_`, `.`; not `.` or `..`.
pub fn valid_name(name: &str) -> bool {
    (1..=100).contains(&name.len())
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_tracers_send() {
        type Parts = Option<(&'static str, &'static str, &'static str)>;
        let cases: &[(&str, Parts)] = &[
            (
                "https://github.com/acme/shop",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "https://github.com/acme/shop.git",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "https://github.com/acme/shop/",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "http://GitHub.com/Acme/Shop",
                Some(("github.com", "Acme", "Shop")),
            ),
            (
                "git@github.com:acme/shop.git",
                Some(("github.com", "acme", "shop")),
            ),
            ("github.com:acme/shop", Some(("github.com", "acme", "shop"))),
            (
                "ssh://git@github.com/acme/shop.git",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "ssh://git@ghe.acme.io:7999/platform/api.git",
                Some(("ghe.acme.io", "platform", "api")),
            ),
            (
                "git+https://github.com/acme/web.js.git",
                Some(("github.com", "acme", "web.js")),
            ),
            (
                "git://github.com/acme/shop.git",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "https://x-access-token:ghs_SECRET@github.com/acme/shop.git",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "https://ghp_SECRET@github.com/acme/shop",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "https://github.acme.io/team_a/billing",
                Some(("github.acme.io", "team_a", "billing")),
            ),
            (
                "https://github.com/acme/shop/tree/main/src",
                Some(("github.com", "acme", "shop")),
            ),
            (
                "https://github.com:443/acme/shop?x=1",
                Some(("github.com", "acme", "shop")),
            ),
            ("github.com/acme/shop", Some(("github.com", "acme", "shop"))),
            (
                "  https://github.com/acme/shop.git\n",
                Some(("github.com", "acme", "shop")),
            ),
            ("https://github.com/acme", None),
            ("https://github.com/", None),
            ("", None),
            ("ftp://github.com/acme/shop", None),
            ("https://github.com/ac me/shop", None),
            ("https://github.com/acme/..", None),
            ("not a url", None),
        ];
        for (url, want) in cases {
            let got = RepoUrl::parse(url);
            let got = got
                .as_ref()
                .map(|r| (r.host.as_str(), r.owner.as_str(), r.name.as_str()));
            assert_eq!(got, *want, "{url}");
        }
    }

    #[test]
    fn html_url_never_holds_credentials() {
        let url = RepoUrl::parse("https://u:tok@github.com/acme/shop.git").expect("parses");
        assert_eq!(url.html_url(), "https://github.com/acme/shop");
    }

    #[test]
    fn web_hosts_of_api_bases() {
        let cases = [
            (None, "github.com"),
            (Some("https://api.github.com"), "github.com"),
            (Some("https://github.acme.io/api/v3"), "github.acme.io"),
            (Some("https://api.acme.ghe.com"), "acme.ghe.com"),
            (Some("http://127.0.0.1:8080/api/v3"), "127.0.0.1"),
        ];
        for (base, want) in cases {
            assert_eq!(web_host(base), want, "{base:?}");
        }
        assert_eq!(
            html_url("acme", "shop", Some("https://github.acme.io/api/v3")),
            "https://github.acme.io/acme/shop"
        );
        assert_eq!(
            html_url("acme", "shop", Some("http://127.0.0.1:8080/api/v3")),
            "http://127.0.0.1:8080/acme/shop",
            "links keep the port"
        );
    }

    #[test]
    fn matches_linked_repositories_case_insensitively() {
        let url = RepoUrl::parse("git@github.com:Acme/Shop.git").expect("parses");
        assert!(url.is("acme", "shop", None));
        assert!(url.is("acme", "shop", Some("https://api.github.com")));
        assert!(!url.is("acme", "shop", Some("https://github.acme.io/api/v3")));
        assert!(!url.is("acme", "web", None));
    }

    #[test]
    fn owner_and_name_charset() {
        assert!(valid_owner("acme-inc"));
        assert!(!valid_owner("acme/inc"));
        assert!(!valid_owner(""));
        assert!(valid_name("shop.api_v2-x"));
        assert!(!valid_name(".."));
        assert!(!valid_name("a b"));
    }
}
