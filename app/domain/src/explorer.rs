//! Types of the Error Tracking Explorer's JSON API, shared by the server and the WASM client: the issue
//! list with counts and trends over a time range, facet counts, an issue's distribution, triage
//! changes and their history. Also the version order that decides regressions.
//!
//! Times are Unix milliseconds. A time range is cut into buckets whose starts are listed next to the
//! counts (`buckets`), all `bucket_ms` wide.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::query::{IssueSummary, Status};
use crate::teamwork::{Comment, UserRef};

/// The time range of the explorer endpoints, from the query string next to
/// [`crate::query::IssueQuery`]'s filters (whose `search` holds the search-language text).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RangeQuery {
    /// Unix ms; a day before `to` when absent.
    pub from: Option<i64>,
    /// Unix ms; now when absent.
    pub to: Option<i64>,
    /// How many buckets to cut the range into, 1..=200 (default 24). The answer may hold one more:
    /// the range is widened to whole buckets.
    pub buckets: Option<u32>,
}

impl RangeQuery {
    pub const DEFAULT_BUCKETS: u32 = 24;
    pub const MAX_BUCKETS: u32 = 200;

    pub fn buckets(&self) -> u32 {
        self.buckets
            .unwrap_or(Self::DEFAULT_BUCKETS)
            .clamp(1, Self::MAX_BUCKETS)
    }
}

/// One row of the explorer's issue list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueRow {
    pub summary: IssueSummary,
    /// Events in the time range; all events when no range was asked for.
    pub count_in_range: i64,
    /// Events per bucket of [`IssueListPage::buckets`].
    pub trend: Vec<i64>,
    /// Reopened by an event of a newer version than the one it was resolved in, and not triaged
    /// since.
    pub regressed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueListPage {
    pub issues: Vec<IssueRow>,
    /// Issues matching, over all pages.
    pub total: i64,
    /// Bucket starts of every row's `trend`.
    pub buckets: Vec<i64>,
    pub bucket_ms: i64,
}

/// How many issues (or events, in a distribution) have one value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetValue {
    pub value: String,
    pub count: i64,
}

/// Issue counts per value under the current query, the 10 most frequent values of each facet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facets {
    pub service: Vec<FacetValue>,
    pub env: Vec<FacetValue>,
    pub version: Vec<FacetValue>,
    pub error_type: Vec<FacetValue>,
    pub status: Vec<FacetValue>,
    pub host: Vec<FacetValue>,
}

impl Facets {
    pub const TOP: usize = 10;
}

/// A value's events and their share of all the issue's events in the range (0.0..=1.0).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub value: String,
    pub count: i64,
    pub share: f64,
}

/// Entry-span hits and errors of one of the issue's resources (endpoints) over the range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorRate {
    pub resource: String,
    pub hits: i64,
    pub errors: i64,
    /// `errors / hits`; `None` without hits.
    pub rate: Option<f64>,
}

/// An issue's events over a time range: per bucket, and by version, env, host and resource (the 10
/// most frequent values each; events without a value are counted in `total` only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueDistribution {
    pub buckets: Vec<i64>,
    pub bucket_ms: i64,
    pub counts: Vec<i64>,
    pub total: i64,
    pub versions: Vec<Share>,
    pub envs: Vec<Share>,
    pub hosts: Vec<Share>,
    pub resources: Vec<Share>,
    /// Error rates of the resources listed in `resources`, in the same order.
    pub error_rates: Vec<ErrorRate>,
}

/// Body of `POST /issues/{id}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: Status,
    /// Who made the change; `anonymous` when absent.
    #[serde(default)]
    pub actor: Option<String>,
}

/// Body of `POST /issues/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkStatusChange {
    pub ids: Vec<i64>,
    pub status: Status,
    #[serde(default)]
    pub actor: Option<String>,
}

impl BulkStatusChange {
    pub const MAX_IDS: usize = 1_000;
}

/// Body of `POST /issues/merge`: `issues` are merged into `into`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeRequest {
    pub into: i64,
    pub issues: Vec<i64>,
    #[serde(default)]
    pub actor: Option<String>,
}

impl MergeRequest {
    pub const MAX_ISSUES: usize = 100;
}

/// Body of `POST /issues/{id}/unmerge`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UnmergeRequest {
    #[serde(default)]
    pub actor: Option<String>,
}

/// What a merge did: `merged` (sorted, deduplicated) now live in `into`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeResult {
    pub into: i64,
    pub merged: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct BulkStatusResult {
    /// Issues now in the requested status (whether or not they were already).
    pub updated: Vec<i64>,
    pub not_found: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// Someone changed the status.
    StatusChange,
    /// An event of a newer version reopened a resolved issue.
    Regression,
    /// Someone merged `other_issue` into this issue.
    Merge,
    /// Someone merged this issue into `other_issue`.
    MergedInto,
    /// Someone unmerged `other_issue` from this issue, or (on the unmerged one) this issue from it.
    Unmerge,
    /// Someone assigned `assignee` (the status stays: `from_status` is `to_status`).
    Assign,
    /// Someone removed the assignee.
    Unassign,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 7] = [
        Self::StatusChange,
        Self::Regression,
        Self::Merge,
        Self::MergedInto,
        Self::Unmerge,
        Self::Assign,
        Self::Unassign,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::StatusChange => "status_change",
            Self::Regression => "regression",
            Self::Merge => "merge",
            Self::MergedInto => "merged_into",
            Self::Unmerge => "unmerge",
            Self::Assign => "assign",
            Self::Unassign => "unassign",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One entry of an issue's triage timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub at: i64,
    /// `None` for what Stackprint did itself (regressions).
    pub actor: Option<String>,
    pub kind: ActivityKind,
    pub from_status: Status,
    pub to_status: Status,
    /// Regression: the version that reopened the issue. Change to `resolved`: the version it was
    /// resolved in.
    pub version: Option<String>,
    /// Merges and unmerges: the other issue of the pair.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_issue: Option<i64>,
    /// The display name of the user whose email `actor` is, when they have one (entries older
    /// than accounts keep the free-text name only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor_name: Option<String>,
    /// `assign`: who was assigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<UserRef>,
}

impl Activity {
    /// Who to show: the actor's display name, else what was recorded; `None` for Stackprint itself.
    pub fn who(&self) -> Option<&str> {
        self.actor_name
            .as_deref()
            .filter(|name| !name.trim().is_empty())
            .or(self.actor.as_deref())
    }
}

/// An issue's timeline, oldest first: triage entries, and comments (which pages interleave by time).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ActivityPage {
    pub activity: Vec<Activity>,
    #[serde(default)]
    pub comments: Vec<Comment>,
}

/// Orders two release versions, or `None` when either has a format this does not know (a commit
/// hash, a branch name).
///
/// Known formats: dot-separated numbers (`1.4`, `1.4.10`, `2024.05.01`, a leading `v` allowed; missing
/// parts count as 0), optionally followed by `-` and a pre-release (`1.4.0-rc.2`, ordered as semver
/// orders them: before the release, numeric identifiers numerically, others as text) and `+` build
/// metadata (ignored). Equal strings are always equal.
pub fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    if a == b {
        return Some(Ordering::Equal);
    }
    let (a, b) = (Version::parse(a)?, Version::parse(b)?);
    let len = a.core.len().max(b.core.len());
    for i in 0..len {
        let (x, y) = (a.core.get(i), b.core.get(i));
        match compare_numbers(x.copied().unwrap_or("0"), y.copied().unwrap_or("0")) {
            Ordering::Equal => {}
            other => return Some(other),
        }
    }
    Some(match (a.pre.is_empty(), b.pre.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => compare_pre_release(&a.pre, &b.pre),
    })
}

struct Version<'a> {
    core: Vec<&'a str>,
    pre: Vec<&'a str>,
}

impl<'a> Version<'a> {
    fn parse(text: &'a str) -> Option<Self> {
        let text = text.split('+').next().unwrap_or(text);
        let text = text
            .strip_prefix(['v', 'V'])
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(text);
        let (core, pre) = match text.split_once('-') {
            Some((core, pre)) => (core, Some(pre)),
            None => (text, None),
        };
        let core: Vec<&str> = core.split('.').collect();
        if !core.iter().all(|p| is_number(p)) {
            return None;
        }
        let pre = match pre {
            Some(pre) => {
                let ids: Vec<&str> = pre.split(['.', '-']).collect();
                if ids.iter().any(|id| id.is_empty()) {
                    return None;
                }
                ids
            }
            None => Vec::new(),
        };
        Some(Self { core, pre })
    }
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compares digit strings of any length numerically.
fn compare_numbers(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Semver's pre-release order: numeric identifiers below alphanumeric ones, fewer identifiers first.
fn compare_pre_release(a: &[&str], b: &[&str]) -> Ordering {
    for (x, y) in a.iter().zip(b) {
        let order = match (is_number(x), is_number(y)) {
            (true, true) => compare_numbers(x, y),
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => x.cmp(y),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_numerically_and_semver_like() {
        use Ordering::{Equal, Greater, Less};
        for (a, b, expected) in [
            ("1.10.0", "1.9.3", Some(Greater)),
            ("1.2", "1.2.0", Some(Equal)),
            ("v2.0.0", "1.99", Some(Greater)),
            ("1.4.0-rc.1", "1.4.0", Some(Less)),
            ("1.4.0-rc.2", "1.4.0-rc.10", Some(Less)),
            ("1.4.0-alpha", "1.4.0-1", Some(Greater)),
            ("1.4.0-rc", "1.4.0-rc.1", Some(Less)),
            ("1.4.0+build.7", "1.4.0", Some(Equal)),
            ("2024.05.01", "2024.4.30", Some(Greater)),
            (
                "18446744073709551616",
                "18446744073709551615",
                Some(Greater),
            ),
            ("0010", "9", Some(Greater)),
            ("abc1234", "abc1234", Some(Equal)),
            ("abc1234", "def5678", None),
            ("1.4.0", "main", None),
            ("", "1.0", None),
            ("1..2", "1.2", None),
            ("1.0-", "1.0", None),
            ("vx", "1", None),
        ] {
            assert_eq!(compare_versions(a, b), expected, "{a} vs {b}");
            assert_eq!(
                compare_versions(b, a),
                expected.map(Ordering::reverse),
                "{b} vs {a}"
            );
        }
    }

    #[test]
    fn buckets_are_clamped() {
        let params = |buckets| RangeQuery {
            buckets,
            ..RangeQuery::default()
        };
        assert_eq!(params(None).buckets(), 24);
        assert_eq!(params(Some(0)).buckets(), 1);
        assert_eq!(params(Some(10_000)).buckets(), 200);
    }

    #[test]
    fn activity_kinds_round_trip() {
        for kind in ActivityKind::ALL {
            assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
            let json = serde_json::to_string(&kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }
}

/// One saved version of a service's stack rules (the text as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackRulesVersion {
    pub service: String,
    /// 1 for the first save; the highest is in force.
    pub version: i64,
    pub rules: String,
    /// Unix milliseconds.
    pub created_at: i64,
    pub actor: Option<String>,
}

/// What saving `rules` for a service would do to its recent events: how many of their issues would
/// merge with another or split, grouped with the current grouping version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StackRulesPreview {
    /// Recent events previewed (the service's latest, up to [`StackRulesPreview::MAX_EVENTS`]).
    pub events: usize,
    pub issues: usize,
    pub merging: usize,
    pub splitting: usize,
}

impl StackRulesPreview {
    pub const MAX_EVENTS: u32 = 2000;
    /// The longest rule text accepted, in bytes.
    pub const MAX_RULES_BYTES: usize = 64 * 1024;
}

/// One faulty line of stack rules, numbered from 1, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleLineError {
    pub line: usize,
    pub error: String,
}

/// Why proposed stack rules were refused, as an editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RulesRefusal {
    #[error("rules are at most {max_bytes} bytes")]
    TooLong { max_bytes: usize },
    /// Every faulty line at once.
    #[error("the rules do not parse ({} faulty lines)", lines.len())]
    Invalid { lines: Vec<RuleLineError> },
    /// Someone saved another version since the one the change started from.
    #[error("the rules changed meanwhile (now version {current}): reload and retry")]
    Stale { current: i64 },
}
