//! Errors with the byte range to underline, highlighting tokens, and the messages that explain a
//! mistake (suggesting the key or status meant).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::query::Status;

use super::{FacetKey, MAX_QUERY_CHARS};

/// What is wrong with a query, and which bytes of it to underline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct SearchError {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// A highlighted stretch of the input; [`highlight`]'s tokens tile the whole input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    /// A facet key with its colon: `service:`.
    Key,
    /// A facet value, without its quotes.
    Value,
    /// Free text, without its quotes.
    Text,
    /// The `-` of a negated term.
    Negation,
    /// An opening or closing `"`.
    Quote,
    /// Exactly the span of a [`SearchError`].
    Error,
    Whitespace,
}

pub(super) fn push(tokens: &mut Vec<Token>, kind: TokenKind, start: usize, end: usize) {
    if start < end {
        tokens.push(Token { kind, start, end });
    }
}

/// Replaces the error's span of a term's tiling tokens with one error token.
pub(super) fn mark_error(tokens: &mut Vec<Token>, error: &SearchError) {
    let (start, end) = (error.start, error.end);
    let before = tokens.iter().filter(|t| t.start < start).map(|t| Token {
        end: t.end.min(start),
        ..*t
    });
    let marked = Token {
        kind: TokenKind::Error,
        start,
        end,
    };
    let after = tokens.iter().filter(|t| t.end > end).map(|t| Token {
        start: t.start.max(end),
        ..*t
    });
    let tiled: Vec<Token> = before.chain([marked]).chain(after).collect();
    *tokens = tiled;
}

pub(super) fn too_long(cut: usize, end: usize) -> SearchError {
    SearchError {
        message: format!("the query is too long: at most {MAX_QUERY_CHARS} characters"),
        start: cut,
        end,
    }
}

pub(super) fn unknown_key(name: &str) -> String {
    let names = FacetKey::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(FacetKey::ALIASES.iter().map(|(alias, _)| *alias));
    match suggest(name, names) {
        Some(known) => format!("unknown key `{}` (did you mean `{known}`?)", shorten(name)),
        None => {
            let keys: Vec<&str> = FacetKey::ALL.iter().map(|k| k.as_str()).collect();
            format!(
                "unknown key `{}`; keys are {} (quote text that contains `:`)",
                shorten(name),
                keys.join(", ")
            )
        }
    }
}

pub(super) fn unknown_status(value: &str) -> String {
    let valid: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let valid = valid.join(", ");
    match suggest(value, Status::ALL.iter().map(|s| s.as_str())) {
        Some(status) => format!(
            "unknown status `{}` (did you mean `{status}`?); valid statuses: {valid}",
            shorten(value)
        ),
        None => format!(
            "unknown status `{}`; valid statuses: {valid}",
            shorten(value)
        ),
    }
}

/// The closest candidate within a typo or two (one for names of 3 characters or fewer).
fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > 64 {
        return None;
    }
    let word = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(&word, candidate), candidate))
        .filter(|&(distance, candidate)| distance <= if candidate.len() <= 3 { 1 } else { 2 })
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, in chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = i;
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A user-typed fragment short enough to quote in a message.
pub(super) fn shorten(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(40) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
        None => Cow::Borrowed(s),
    }
}
