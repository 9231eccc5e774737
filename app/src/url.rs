//! Page state in the URL, so every view can be bookmarked and shared.
//!
//! The explorer (`/`): `search` (the search language), the time range (`range`, or `from`/`to`, see
//! [`crate::range`]), `sort` and `offset`. The issue page (`/issues/:id`): the range of its
//! distribution and `event`, the index of the event shown (0 the latest). Defaults are left out so
//! URLs stay short.

use domain::query::Sort;
use leptos_router::params::ParamsMap;
use serde::{Deserialize, Serialize};

use crate::range::TimeRange;

pub const SORTS: [Sort; 3] = [Sort::LastSeen, Sort::FirstSeen, Sort::Count];

/// The explorer's view.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListState {
    pub search: String,
    pub range: TimeRange,
    pub sort: Sort,
    pub offset: u32,
}

impl ListState {
    /// Reads the view from the page's query parameters; blank and unknown values are ignored.
    pub fn from_params(params: &ParamsMap) -> Self {
        let text = |key: &str| params.get_str(key).map(str::trim).filter(|v| !v.is_empty());
        Self {
            search: text("search").unwrap_or_default().to_owned(),
            range: range_from(params),
            sort: text("sort")
                .and_then(|s| SORTS.into_iter().find(|sort| sort.as_str() == s))
                .unwrap_or_default(),
            offset: text("offset").and_then(|o| o.parse().ok()).unwrap_or(0),
        }
    }

    /// The explorer URL showing this view.
    pub fn href(&self) -> String {
        let mut pairs = Vec::new();
        if !self.search.trim().is_empty() {
            pairs.push(("search", self.search.trim().to_owned()));
        }
        pairs.extend(self.range.params());
        if self.sort != Sort::default() {
            pairs.push(("sort", self.sort.as_str().to_owned()));
        }
        if self.offset > 0 {
            pairs.push(("offset", self.offset.to_string()));
        }
        with_query("/", &pairs)
    }

    /// The same view with another search, from its first page.
    pub fn with_search(&self, search: impl Into<String>) -> Self {
        Self {
            search: search.into(),
            offset: 0,
            ..self.clone()
        }
    }

    pub fn with_range(&self, range: TimeRange) -> Self {
        Self {
            range,
            offset: 0,
            ..self.clone()
        }
    }

    pub fn with_sort(&self, sort: Sort) -> Self {
        Self {
            sort,
            offset: 0,
            ..self.clone()
        }
    }

    pub fn with_offset(&self, offset: u32) -> Self {
        Self {
            offset,
            ..self.clone()
        }
    }
}

/// The explorer with `search` over the default range.
pub fn search_href(search: &str) -> String {
    ListState::default().with_search(search).href()
}

/// The issue page's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct IssueState {
    pub range: TimeRange,
    /// Which event is shown: 0 is the latest.
    pub event: u32,
}

impl IssueState {
    pub fn from_params(params: &ParamsMap) -> Self {
        Self {
            range: range_from(params),
            event: params
                .get_str("event")
                .and_then(|e| e.trim().parse().ok())
                .unwrap_or(0),
        }
    }

    pub fn href(&self, id: i64) -> String {
        let mut pairs = self.range.params();
        if self.event > 0 {
            pairs.push(("event", self.event.to_string()));
        }
        with_query(&format!("/issues/{id}"), &pairs)
    }
}

fn range_from(params: &ParamsMap) -> TimeRange {
    TimeRange::from_params(
        params.get_str("range"),
        params.get_str("from"),
        params.get_str("to"),
    )
}

fn with_query(path: &str, pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return path.to_owned();
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{key}={}", encode(value)))
        .collect();
    format!("{path}?{}", encoded.join("&"))
}

/// Percent-encodes everything but RFC 3986's unreserved characters and `:` (common in searches and
/// allowed in a query string), identically on server and client.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::range::Period;

    fn params(pairs: &[(&'static str, &str)]) -> ParamsMap {
        let mut map = ParamsMap::new();
        for (key, value) in pairs {
            map.insert(*key, (*value).to_owned());
        }
        map
    }

    #[test]
    fn list_views_round_trip_through_the_url() {
        let cases = [
            (vec![], "/"),
            (
                vec![("sort", "last_seen"), ("search", "  "), ("range", "1d")],
                "/",
            ),
            (
                vec![
                    ("search", "service:checkout -host:web-3"),
                    ("sort", "count"),
                ],
                "/?search=service:checkout%20-host:web-3&sort=count",
            ),
            (
                vec![("search", r#"type:"Foo Bar" café"#)],
                "/?search=type:%22Foo%20Bar%22%20caf%C3%A9",
            ),
            (
                vec![("range", "7d"), ("offset", "50")],
                "/?range=7d&offset=50",
            ),
            (
                vec![("from", "2026-11-25T14:00"), ("to", "2026-11-25T15:30")],
                "/?from=2026-11-25T14:00&to=2026-11-25T15:30",
            ),
            (vec![("sort", "first_seen")], "/?sort=first_seen"),
        ];
        for (pairs, href) in cases {
            let state = ListState::from_params(&params(&pairs));
            assert_eq!(state.href(), href, "{pairs:?}");
        }
    }

    #[test]
    fn unknown_list_values_are_ignored() {
        let state = ListState::from_params(&params(&[
            ("sort", "random"),
            ("offset", "-3"),
            ("range", "1y"),
        ]));
        assert_eq!(state, ListState::default());
    }

    #[test]
    fn changing_the_view_goes_back_to_the_first_page() {
        let state = ListState {
            search: "env:prod".to_owned(),
            range: TimeRange::Last(Period::Hours4),
            sort: Sort::Count,
            offset: 100,
        };
        assert_eq!(
            state.with_search("env:test").href(),
            "/?search=env:test&range=4h&sort=count"
        );
        assert_eq!(state.with_range(TimeRange::Last(Period::Days30)).offset, 0);
        assert_eq!(state.with_sort(Sort::FirstSeen).offset, 0);
        assert_eq!(state.with_offset(150).offset, 150);
        assert_eq!(search_href("host:web-1"), "/?search=host:web-1");
    }

    #[test]
    fn issue_views_round_trip_through_the_url() {
        let cases = [
            (vec![], "/issues/7"),
            (vec![("event", "0"), ("range", "1d")], "/issues/7"),
            (
                vec![("event", "3"), ("range", "7d")],
                "/issues/7?range=7d&event=3",
            ),
            (vec![("event", "x")], "/issues/7"),
        ];
        for (pairs, href) in cases {
            let state = IssueState::from_params(&params(&pairs));
            assert_eq!(state.href(7), href, "{pairs:?}");
        }
    }
}
