//! The issue list's filters as URL query parameters (`service`, `env`, `status`, `q`, `sort`, `offset`),
//! so every view of the list can be bookmarked and shared.

use domain::query::{IssueQuery, Sort, Status};
use leptos_router::params::ParamsMap;

pub const SORTS: [Sort; 3] = [Sort::LastSeen, Sort::FirstSeen, Sort::Count];

/// Reads the filters from the page's query parameters; blank and unknown values are ignored.
pub fn issue_query(params: &ParamsMap) -> IssueQuery {
    let text = |key: &str| {
        params
            .get_str(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    IssueQuery {
        service: text("service"),
        env: text("env"),
        status: text("status").as_deref().and_then(Status::parse),
        q: text("q"),
        sort: text("sort")
            .and_then(|s| SORTS.into_iter().find(|sort| sort.as_str() == s))
            .unwrap_or_default(),
        offset: text("offset")
            .and_then(|o| o.parse().ok())
            .filter(|&o| o > 0),
        ..IssueQuery::default()
    }
}

/// The issue list URL showing `query`; defaults are left out so URLs stay short.
pub fn issues_href(query: &IssueQuery) -> String {
    let offset = query.offset.filter(|&o| o > 0).map(|o| o.to_string());
    let sort = Some(query.sort).filter(|&s| s != Sort::default());
    let pairs: Vec<(&str, &str)> = [
        ("service", query.service.as_deref()),
        ("env", query.env.as_deref()),
        ("status", query.status.map(Status::as_str)),
        ("q", query.q.as_deref()),
        ("sort", sort.map(Sort::as_str)),
        ("offset", offset.as_deref()),
    ]
    .into_iter()
    .filter_map(|(key, value)| Some((key, value?)))
    .collect();
    if pairs.is_empty() {
        return "/".to_owned();
    }
    let encoded: Vec<String> = pairs
        .into_iter()
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    format!("/?{}", encoded.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters, identically on server and client.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&'static str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (key, value) in pairs {
            map.insert(*key, (*value).to_owned());
        }
        map
    }

    #[test]
    fn round_trips_through_the_url() {
        let cases = [
            (vec![], "/"),
            (vec![("sort", "last_seen"), ("q", "  ")], "/"),
            (
                vec![("status", "resolved"), ("sort", "count")],
                "/?status=resolved&sort=count",
            ),
            (
                vec![("service", "web-api"), ("env", "prod")],
                "/?service=web-api&env=prod",
            ),
            (
                vec![("q", "KeyError: 'id' & more")],
                "/?q=KeyError%3A%20%27id%27%20%26%20more",
            ),
            (vec![("q", "café")], "/?q=caf%C3%A9"),
            (vec![("offset", "50")], "/?offset=50"),
        ];
        for (pairs, href) in cases {
            let query = issue_query(&params(&pairs));
            assert_eq!(issues_href(&query), href, "{pairs:?}");
        }
    }

    #[test]
    fn ignores_unknown_values() {
        let query = issue_query(&params(&[
            ("status", "open"),
            ("sort", "random"),
            ("offset", "-3"),
        ]));
        assert_eq!(query, IssueQuery::default());
    }
}
