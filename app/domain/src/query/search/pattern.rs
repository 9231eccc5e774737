//! Facet values with `*` wildcards, and how they compare (in memory, or as SQL `LIKE` patterns).

use serde::{Deserialize, Serialize};

use crate::query::Status;

/// A facet value where every `*` is a wildcard for any run of characters (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pattern(String);

impl Pattern {
    pub const WILDCARD: char = '*';

    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The value as written (unquoted), wildcards included.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn has_wildcard(&self) -> bool {
        self.0.contains(Self::WILDCARD)
    }

    /// The value to compare with `=` when there is no wildcard.
    pub fn literal(&self) -> Option<&str> {
        (!self.has_wildcard()).then_some(self.0.as_str())
    }

    /// The literal parts between wildcards: `1.4.*` is `["1.4.", ""]`, `*a*` is `["", "a", ""]`.
    pub fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split(Self::WILDCARD)
    }

    /// A `LIKE` pattern for `... LIKE ? ESCAPE '<escape>'`: `%`, `_` and `escape` are escaped with
    /// `escape`, and `*` becomes `%`. `escape` must not be `*`.
    pub fn to_like(&self, escape: char) -> String {
        let mut like = String::with_capacity(self.0.len() + 4);
        for c in self.0.chars() {
            if c == Self::WILDCARD {
                like.push('%');
            } else {
                if c == '%' || c == '_' || c == escape {
                    like.push(escape);
                }
                like.push(c);
            }
        }
        like
    }

    /// Whether the whole of `candidate` matches, case-sensitively.
    pub fn matches(&self, candidate: &str) -> bool {
        glob(&self.0, candidate)
    }

    /// [`Pattern::matches`] after Unicode lowercasing both sides, for [`FacetKey::ignores_case`].
    pub fn matches_ignore_case(&self, candidate: &str) -> bool {
        glob(&self.0.to_lowercase(), &candidate.to_lowercase())
    }

    /// The status named by a `status:` value (always valid in a parsed search).
    pub fn status(&self) -> Option<Status> {
        Status::parse(&self.0)
    }
}

impl From<&str> for Pattern {
    fn from(raw: &str) -> Self {
        Self::new(raw)
    }
}

/// Anchored `*` matching: the first and last segments are a prefix and a suffix, the middle ones are
/// found left to right (leftmost is always the best choice when `*` is the only metacharacter).
fn glob(pattern: &str, candidate: &str) -> bool {
    let mut segments = pattern.split(Pattern::WILDCARD);
    let first = segments.next().unwrap_or_default();
    let Some(mut rest) = candidate.strip_prefix(first) else {
        return false;
    };
    let segments: Vec<&str> = segments.collect();
    let Some((last, middle)) = segments.split_last() else {
        return rest.is_empty();
    };
    for segment in middle {
        match rest.find(segment) {
            Some(at) => rest = &rest[at + segment.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}
