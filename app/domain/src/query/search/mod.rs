//! The explorer's search language, parsed by the server (which turns a [`Search`] into parameterized
//! SQL) and by the WASM client (which validates and highlights as the user types):
//!
//! ```text
//! service:checkout env:prod version:1.4.* status:for_review -host:web-3 "card declined" timeout
//! ```
//!
//! - `key:value` filters a facet. Keys are `service`, `env`, `version`, `type` (also `error.type`
//!   and `error_type`), `status`, `host`, `resource`, `message`, `assignee` and `owner` (a suggested
//!   owner from `CODEOWNERS`), in any letter case. A value runs to the next whitespace, or is quoted:
//!   `type:"Foo Bar"`, with `\"` and `\\` escapes (any other backslash is kept as written). A facet
//!   matches the whole field, compared case-sensitively except `message`, `assignee` and `owner`
//!   ([`FacetKey::ignores_case`]).
//! - `*` in a value, quoted or not, matches any run of characters: `version:1.4.*`,
//!   `message:*timeout*`. There is no literal `*`, but since `*` also matches itself,
//!   `type:*url.Error` still finds Go's `*url.Error`.
//! - `status:` takes exactly one of `for_review`, `reviewed`, `ignored`, `resolved`.
//! - `assignee:` takes `me`, `none` or a user's email ([`AssigneeValue`]); the server resolves `me`
//!   and reports emails no user has.
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

mod ast;
mod diagnostics;
mod pattern;
mod scanner;

pub use ast::{AssigneeValue, FacetKey, Search, Term};
pub use diagnostics::{SearchError, Token, TokenKind};
pub use pattern::Pattern;

use diagnostics::too_long;
use scanner::scan;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 2_000;

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

/// The byte range of each term of `input`, in the order of [`Search::terms`]: where to point a
/// diagnostic that only the server can make (an `assignee:` email nobody has).
pub fn term_spans(input: &str) -> Vec<(usize, usize)> {
    scan(input).spans
}

/// Every problem in `input`, one per invalid term, left to right.
pub fn search_errors(input: &str) -> Vec<SearchError> {
    scan(input)
        .terms
        .into_iter()
        .filter_map(Result::err)
        .collect()
}
