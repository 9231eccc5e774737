//! What a search means: its terms and facet keys, and printing it back as canonical text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::scanner::RESERVED;
use super::{Pattern, SearchError, parse_search};

/// A parsed query: every term must match (AND).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Search {
    pub terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Term {
    /// `key:value`, or `-key:value`.
    Facet {
        key: FacetKey,
        value: Pattern,
        negated: bool,
    },
    /// A word or phrase: a case-insensitive substring of the error type or of the message.
    Text { text: String, negated: bool },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacetKey {
    Service,
    Env,
    Version,
    /// The error type, `error.type` on spans.
    Type,
    Status,
    Host,
    Resource,
    Message,
    /// Who the issue is assigned to: `me`, `none` or a user's email ([`AssigneeValue`]).
    Assignee,
    /// A suggested owner from the repository's `CODEOWNERS` (`owner:@acme/payments`).
    Owner,
}

/// What an `assignee:` value means. `me` is the caller, whom only the server knows: it resolves the
/// term before building SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeValue<'a> {
    Me,
    Nobody,
    /// A user's email (wildcards allowed), compared ignoring case.
    Email(&'a Pattern),
}

impl<'a> AssigneeValue<'a> {
    pub const ME: &'static str = "me";
    pub const NOBODY: &'static str = "none";

    pub fn of(value: &'a Pattern) -> Self {
        match value.as_str() {
            v if v.eq_ignore_ascii_case(Self::ME) => Self::Me,
            v if v.eq_ignore_ascii_case(Self::NOBODY) => Self::Nobody,
            _ => Self::Email(value),
        }
    }
}

impl Search {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Canonical text: one space between terms, canonical key names, quotes only where needed.
    /// For a parsed search, `parse_search(&s.to_query_string()) == Ok(s)`.
    pub fn to_query_string(&self) -> String {
        let terms: Vec<String> = self.terms.iter().map(Term::to_query_string).collect();
        terms.join(" ")
    }
}

impl fmt::Display for Search {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_query_string())
    }
}

impl FromStr for Search {
    type Err = SearchError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_search(s)
    }
}

impl Term {
    pub fn negated(&self) -> bool {
        match self {
            Self::Facet { negated, .. } | Self::Text { negated, .. } => *negated,
        }
    }

    pub fn to_query_string(&self) -> String {
        let body = match self {
            Self::Facet { key, value, .. } if bare_value(value.as_str()) => {
                format!("{}:{}", key.as_str(), value.as_str())
            }
            Self::Facet { key, value, .. } => format!("{}:{}", key.as_str(), quote(value.as_str())),
            Self::Text { text, .. } if bare_text(text) => text.clone(),
            Self::Text { text, .. } => quote(text),
        };
        if self.negated() {
            format!("-{body}")
        } else {
            body
        }
    }
}

impl FacetKey {
    pub const ALL: [Self; 10] = [
        Self::Service,
        Self::Env,
        Self::Version,
        Self::Type,
        Self::Status,
        Self::Host,
        Self::Resource,
        Self::Message,
        Self::Assignee,
        Self::Owner,
    ];
    pub(super) const ALIASES: [(&'static str, Self); 2] =
        [("error.type", Self::Type), ("error_type", Self::Type)];

    /// The canonical name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::Env => "env",
            Self::Version => "version",
            Self::Type => "type",
            Self::Status => "status",
            Self::Host => "host",
            Self::Resource => "resource",
            Self::Message => "message",
            Self::Assignee => "assignee",
            Self::Owner => "owner",
        }
    }

    /// A key as typed: canonical names and aliases, in any ASCII letter case.
    pub fn parse(key: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(key))
            .or_else(|| {
                Self::ALIASES
                    .into_iter()
                    .find(|(alias, _)| alias.eq_ignore_ascii_case(key))
                    .map(|(_, k)| k)
            })
    }

    /// Whether values compare case-insensitively: `message`, which reads like free text, and
    /// `assignee`, whose emails are stored lowercased, and `owner`, since GitHub's user and team
    /// names ignore case.
    pub fn ignores_case(self) -> bool {
        matches!(self, Self::Message | Self::Assignee | Self::Owner)
    }
}

fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if c == '"' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    quoted
}

/// Whether a facet value reads back unchanged without quotes.
fn bare_value(value: &str) -> bool {
    !value.is_empty() && !value.contains(|c: char| c.is_whitespace() || c == '"')
}

/// Whether free text reads back as free text without quotes.
fn bare_text(text: &str) -> bool {
    bare_value(text)
        && !text.starts_with('-')
        && !text.contains(':')
        && !RESERVED.iter().any(|(reserved, _)| *reserved == text)
}
