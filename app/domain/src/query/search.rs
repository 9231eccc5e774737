//! The explorer's search language, parsed by the server (which turns a [`Search`] into parameterized
//! SQL) and by the WASM client (which validates and highlights as the user types):
//!
//! ```text
//! service:checkout env:prod version:1.4.* status:for_review -host:web-3 "card declined" timeout
//! ```
//!
//! - `key:value` filters a facet. Keys are `service`, `env`, `version`, `type` (also `error.type`
//!   and `error_type`), `status`, `host`, `resource` and `message`, in any letter case. A value runs
//!   to the next whitespace, or is quoted: `type:"Foo Bar"`, with `\"` and `\\` escapes (any other
//!   backslash is kept as written). A facet matches the whole field, compared case-sensitively
//!   except `message` ([`FacetKey::ignores_case`]).
//! - `*` in a value, quoted or not, matches any run of characters: `version:1.4.*`,
//!   `message:*timeout*`. There is no literal `*`, but since `*` also matches itself,
//!   `type:*url.Error` still finds Go's `*url.Error`.
//! - `status:` takes exactly one of `for_review`, `reviewed`, `ignored`, `resolved`.
//! - Other words and `"quoted phrases"` are free text: a case-insensitive substring of the error
//!   type or of the message. `*` is literal in free text. A word containing `:` or `"`, or starting
//!   with `-`, must be quoted to be free text.
//! - A leading `-` negates any term: `-host:web-3`, `-"card declined"`, `-timeout`. A facet on a
//!   field that an item does not have (no `host`, no `version`) does not match, so its negation does.
//! - Terms are combined with AND, including two terms on one key: `env:prod env:staging` matches
//!   only issues seen in both. There is no OR, NOT or grouping; bare `OR`, `AND` and `NOT` are
//!   errors. To search for one of these words, quote it (`"OR"`).
//!
//! Input is capped at [`MAX_QUERY_CHARS`]. Spans are byte offsets into the input, always on char
//! boundaries. [`Search::to_query_string`] prints a search that parses back to the same search.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Status;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 2_000;

/// Bare words that look like operators, and why each is refused.
const RESERVED: [(&str, &str); 3] = [
    ("OR", "OR is not supported; terms are combined with AND"),
    (
        "AND",
        "AND is not needed: terms are always combined with AND",
    ),
    (
        "NOT",
        "NOT is not supported; put `-` before a term to exclude it, e.g. `-host:web-3`",
    ),
];

const QUOTE_IN_WORD: &str = "unexpected `\"` inside a word; quote the whole value or phrase";

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
}

/// A facet value where every `*` is a wildcard for any run of characters (possibly empty).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Pattern(String);

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

/// Parses a query; the error is the first problem, left to right.
pub fn parse_search(input: &str) -> Result<Search, SearchError> {
    if let Some((cut, _)) = input.char_indices().nth(MAX_QUERY_CHARS) {
        return Err(too_long(cut, input.len()));
    }
    let terms = scan(input).terms.into_iter().collect::<Result<_, _>>()?;
    Ok(Search { terms })
}

/// Tokens covering all of `input`, valid or not, with an [`TokenKind::Error`] token for each
/// problem: [`parse_search`]'s error and those of later terms.
pub fn highlight(input: &str) -> Vec<Token> {
    scan(input).tokens
}

/// Every problem in `input`, one per invalid term, left to right.
pub fn search_errors(input: &str) -> Vec<SearchError> {
    scan(input)
        .terms
        .into_iter()
        .filter_map(Result::err)
        .collect()
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
    pub const ALL: [Self; 8] = [
        Self::Service,
        Self::Env,
        Self::Version,
        Self::Type,
        Self::Status,
        Self::Host,
        Self::Resource,
        Self::Message,
    ];
    const ALIASES: [(&'static str, Self); 2] =
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

    /// Whether values compare case-insensitively: only `message`, which reads like free text.
    pub fn ignores_case(self) -> bool {
        self == Self::Message
    }
}

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

#[derive(Default)]
struct Scan {
    tokens: Vec<Token>,
    /// One entry per term, in order.
    terms: Vec<Result<Term, SearchError>>,
}

fn scan(input: &str) -> Scan {
    let (body, excess) = match input.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => (&input[..cut], Some(too_long(cut, input.len()))),
        None => (input, None),
    };
    let mut scan = Scan::default();
    let mut at = 0;
    while at < body.len() {
        let start = body[at..]
            .find(|c: char| !c.is_whitespace())
            .map_or(body.len(), |i| at + i);
        push(&mut scan.tokens, TokenKind::Whitespace, at, start);
        if start == body.len() {
            break;
        }
        let mut term = TermScan {
            input: body,
            tokens: Vec::new(),
            error: None,
        };
        let (end, parsed) = term.term(start);
        let result = match term.error {
            Some(error) => {
                mark_error(&mut term.tokens, &error);
                Err(error)
            }
            None => parsed.ok_or_else(|| SearchError {
                message: "invalid term".to_owned(),
                start,
                end,
            }),
        };
        scan.tokens.append(&mut term.tokens);
        scan.terms.push(result);
        at = end;
    }
    if let Some(error) = excess {
        push(&mut scan.tokens, TokenKind::Error, error.start, error.end);
        scan.terms.push(Err(error));
    }
    scan
}

/// The tokens and first error of one term.
struct TermScan<'a> {
    input: &'a str,
    tokens: Vec<Token>,
    error: Option<SearchError>,
}

impl TermScan<'_> {
    /// Scans the term starting at `start` (not whitespace); returns its end and, if valid, its meaning.
    fn term(&mut self, start: usize) -> (usize, Option<Term>) {
        let s = self.input;
        let negated = s[start..].starts_with('-');
        let body = start + usize::from(negated);
        if negated {
            push(&mut self.tokens, TokenKind::Negation, start, body);
            if s[body..].chars().next().is_none_or(char::is_whitespace) {
                self.fail(
                    "`-` must be followed by a term (quote it to search for a dash)",
                    start,
                    body,
                );
                return (body, None);
            }
        }
        if s[body..].starts_with('"') {
            let (text, close, end) = self.quoted(body, TokenKind::Text);
            if close == Some(body + 1) {
                self.fail("empty phrase", body, body + 2);
            }
            return (end, Some(Term::Text { text, negated }));
        }
        let stop = s[body..]
            .find(|c: char| c.is_whitespace() || c == ':' || c == '"')
            .map_or(s.len(), |i| body + i);
        match s[stop..].chars().next() {
            Some(':') => self.facet(body, stop, negated),
            Some('"') => {
                let end = word_end(s, stop);
                push(&mut self.tokens, TokenKind::Text, body, end);
                self.fail(QUOTE_IN_WORD, stop, stop + 1);
                (end, None)
            }
            _ => {
                let word = &s[body..stop];
                push(&mut self.tokens, TokenKind::Text, body, stop);
                if let Some((_, why)) = RESERVED.iter().find(|(reserved, _)| *reserved == word) {
                    self.fail(*why, body, stop);
                }
                let text = word.to_owned();
                (stop, Some(Term::Text { text, negated }))
            }
        }
    }

    /// Scans `key:value` from the key's start and its colon.
    fn facet(&mut self, key_start: usize, colon: usize, negated: bool) -> (usize, Option<Term>) {
        let s = self.input;
        let name = &s[key_start..colon];
        push(&mut self.tokens, TokenKind::Key, key_start, colon + 1);
        let key = FacetKey::parse(name);
        if name.is_empty() {
            self.fail(
                "missing key before `:` (quote text that contains `:`)",
                colon,
                colon + 1,
            );
        } else if key.is_none() {
            self.fail(unknown_key(name), key_start, colon);
        }
        let from = colon + 1;
        let (value, value_end, end) = if s[from..].starts_with('"') {
            let (value, close, end) = self.quoted(from, TokenKind::Value);
            if close == Some(from + 1) {
                self.fail(
                    format!("empty value for `{}:`", shorten(name)),
                    from,
                    from + 2,
                );
            }
            (value, close.map_or(end, |close| close + 1), end)
        } else {
            let end = word_end(s, from);
            push(&mut self.tokens, TokenKind::Value, from, end);
            if end == from {
                let message = format!("missing value after `{}:`", shorten(name));
                self.fail(message, key_start, from);
            } else if let Some(at) = s[from..end].find('"') {
                self.fail(QUOTE_IN_WORD, from + at, from + at + 1);
            }
            (s[from..end].to_owned(), end, end)
        };
        if key == Some(FacetKey::Status) && !value.is_empty() && Status::parse(&value).is_none() {
            self.fail(unknown_status(&value), from, value_end);
        }
        let term = key.map(|key| Term::Facet {
            key,
            value: Pattern(value),
            negated,
        });
        (end, term)
    }

    /// Scans `"…"` at `open`, whose content is highlighted as `inner`; returns the unescaped content,
    /// the closing quote's offset if any, and the term's end.
    fn quoted(&mut self, open: usize, inner: TokenKind) -> (String, Option<usize>, usize) {
        let s = self.input;
        let (text, close) = unquote(s, open);
        push(&mut self.tokens, TokenKind::Quote, open, open + 1);
        let Some(close) = close else {
            push(&mut self.tokens, inner, open + 1, s.len());
            self.fail("unterminated quote: add a closing `\"`", open, s.len());
            return (text, None, s.len());
        };
        push(&mut self.tokens, inner, open + 1, close);
        push(&mut self.tokens, TokenKind::Quote, close, close + 1);
        let end = word_end(s, close + 1);
        if end > close + 1 {
            push(&mut self.tokens, inner, close + 1, end);
            let message = "unexpected text after the closing quote; separate terms with a space";
            self.fail(message, close + 1, end);
        }
        (text, Some(close), end)
    }

    /// Keeps the leftmost error of the term.
    fn fail(&mut self, message: impl Into<String>, start: usize, end: usize) {
        if self.error.as_ref().is_none_or(|e| start < e.start) {
            let message = message.into();
            self.error = Some(SearchError {
                message,
                start,
                end,
            });
        }
    }
}

fn push(tokens: &mut Vec<Token>, kind: TokenKind, start: usize, end: usize) {
    if start < end {
        tokens.push(Token { kind, start, end });
    }
}

/// Replaces the error's span of a term's tiling tokens with one error token.
fn mark_error(tokens: &mut Vec<Token>, error: &SearchError) {
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

fn word_end(s: &str, from: usize) -> usize {
    s[from..]
        .find(char::is_whitespace)
        .map_or(s.len(), |i| from + i)
}

/// The content of the quoted string opening at `open` (`\"` and `\\` unescaped, other backslashes
/// kept) and the offset of its closing quote.
fn unquote(s: &str, open: usize) -> (String, Option<usize>) {
    let body = open + 1;
    let mut text = String::new();
    let mut chars = s[body..].char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return (text, Some(body + at)),
            '\\' => match chars.peek() {
                Some(&(_, escaped @ ('"' | '\\'))) => {
                    text.push(escaped);
                    chars.next();
                }
                _ => text.push('\\'),
            },
            c => text.push(c),
        }
    }
    (text, None)
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

fn too_long(cut: usize, end: usize) -> SearchError {
    SearchError {
        message: format!("the query is too long: at most {MAX_QUERY_CHARS} characters"),
        start: cut,
        end,
    }
}

fn unknown_key(name: &str) -> String {
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

fn unknown_status(value: &str) -> String {
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
fn shorten(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(40) {
        Some((cut, _)) => Cow::Owned(format!("{}…", &s[..cut])),
        None => Cow::Borrowed(s),
    }
}
