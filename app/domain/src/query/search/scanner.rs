//! Reading the text: one pass over the input that yields each term's meaning or error and the
//! highlighting tokens tiling the input.

use crate::query::Status;

use super::diagnostics::{mark_error, push, shorten, too_long, unknown_key, unknown_status};
use super::{FacetKey, MAX_QUERY_CHARS, Pattern, SearchError, Term, Token, TokenKind};

/// Bare words that look like operators, and why each is refused.
pub(super) const RESERVED: [(&str, &str); 3] = [
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

#[derive(Default)]
pub(super) struct Scan {
    pub(super) tokens: Vec<Token>,
    /// One entry per term, in order.
    pub(super) terms: Vec<Result<Term, SearchError>>,
    /// Each term's byte range, in the same order.
    pub(super) spans: Vec<(usize, usize)>,
}

pub(super) fn scan(input: &str) -> Scan {
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
        scan.spans.push((start, end));
        at = end;
    }
    if let Some(error) = excess {
        push(&mut scan.tokens, TokenKind::Error, error.start, error.end);
        scan.spans.push((error.start, error.end));
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
            value: Pattern::new(value),
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
