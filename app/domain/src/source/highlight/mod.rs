//! A small per-line syntax highlighter for snippets: keywords, strings, comments, numbers and the rest.
//! Not a parser: a few rules per language, linear in the line length, with one piece of state carried
//! from line to line (inside a block comment or a multi-line string) so a snippet cut from the middle
//! of a file still colours sensibly after its first line.

use serde::{Deserialize, Serialize};

mod languages;

use languages::{Rules, rules};

use super::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenKind {
    Plain,
    Keyword,
    String,
    Comment,
    Number,
}

impl TokenKind {
    /// The CSS class the page puts on the token's `<span>`.
    pub fn class(self) -> &'static str {
        match self {
            Self::Plain => "tok-plain",
            Self::Keyword => "tok-keyword",
            Self::String => "tok-string",
            Self::Comment => "tok-comment",
            Self::Number => "tok-number",
        }
    }
}

/// What an unfinished line leaves open for the next one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineState {
    #[default]
    Normal,
    /// Inside `/* ... */`.
    BlockComment,
    /// Inside a string that spans lines, closed by this delimiter (`"""`, `'''`, `` ` ``).
    String(&'static str),
}

impl Language {
    /// The language of a file, by its extension.
    pub fn from_path(path: &str) -> Option<Self> {
        let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let (_, ext) = name.rsplit_once('.')?;
        Some(match ext.to_ascii_lowercase().as_str() {
            "py" | "pyw" => Self::Python,
            "js" | "mjs" | "cjs" | "jsx" => Self::JavaScript,
            "ts" | "tsx" | "mts" | "cts" => Self::TypeScript,
            "java" => Self::Java,
            "kt" | "kts" => Self::Kotlin,
            "go" => Self::Go,
            "rb" | "rake" | "ru" => Self::Ruby,
            "cs" => Self::CSharp,
            "php" => Self::Php,
            "rs" => Self::Rust,
            _ => return None,
        })
    }
}

/// Tokens of consecutive lines, carrying block comments and multi-line strings across lines.
pub fn highlight_lines<S: AsRef<str>>(
    language: Language,
    lines: &[S],
) -> Vec<Vec<(TokenKind, String)>> {
    let mut state = LineState::Normal;
    lines
        .iter()
        .map(|line| highlight_line(language, line.as_ref(), &mut state))
        .collect()
}

/// Tokens of one line, adjacent tokens of one kind merged; their texts concatenate to `line`.
pub fn highlight_line(
    language: Language,
    line: &str,
    state: &mut LineState,
) -> Vec<(TokenKind, String)> {
    let rules = rules(language);
    let mut out = Tokens::default();
    let mut rest = line;
    while !rest.is_empty() {
        match *state {
            LineState::BlockComment => match rest.find("*/") {
                Some(end) => {
                    out.push(TokenKind::Comment, &rest[..end + 2]);
                    rest = &rest[end + 2..];
                    *state = LineState::Normal;
                }
                None => {
                    out.push(TokenKind::Comment, rest);
                    rest = "";
                }
            },
            LineState::String(delim) => match find_unescaped(rest, delim) {
                Some(end) => {
                    out.push(TokenKind::String, &rest[..end + delim.len()]);
                    rest = &rest[end + delim.len()..];
                    *state = LineState::Normal;
                }
                None => {
                    out.push(TokenKind::String, rest);
                    rest = "";
                }
            },
            LineState::Normal => rest = normal_token(language, rules, rest, state, &mut out),
        }
    }
    out.0
}

/// Consumes one token from `rest` outside comments and strings; returns what is left.
fn normal_token<'l>(
    language: Language,
    rules: &Rules,
    rest: &'l str,
    state: &mut LineState,
    out: &mut Tokens,
) -> &'l str {
    if rules.line_comments.iter().any(|c| rest.starts_with(c)) {
        out.push(TokenKind::Comment, rest);
        return "";
    }
    if rules.block_comment && rest.starts_with("/*") {
        *state = LineState::BlockComment;
        out.push(TokenKind::Comment, "/*");
        return &rest[2..];
    }
    if let Some(delim) = rules.long_strings.iter().find(|d| rest.starts_with(**d)) {
        *state = LineState::String(delim);
        out.push(TokenKind::String, delim);
        return &rest[delim.len()..];
    }
    let Some(first) = rest.chars().next() else {
        return rest;
    };
    if rules.quotes.contains(&first) {
        if language == Language::Rust && first == '\'' && !rust_char_literal(rest) {
            // A lifetime (`'a`), not a character.
            out.push(TokenKind::Plain, "'");
            return &rest[1..];
        }
        let quote = &rest[..first.len_utf8()];
        let end = find_unescaped(&rest[1..], quote).map_or(rest.len(), |end| end + 2);
        out.push(TokenKind::String, &rest[..end]);
        return &rest[end..];
    }
    if first.is_ascii_digit() {
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(rest.len());
        out.push(TokenKind::Number, &rest[..end]);
        return &rest[end..];
    }
    if first.is_alphabetic() || first == '_' || first == '$' || first == '@' {
        let end = rest
            .char_indices()
            .skip(1)
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_' || *c == '$' || *c == '?'))
            .map_or(rest.len(), |(i, _)| i);
        let mut word = &rest[..end];
        // `?` only belongs to Ruby's `defined?`-style names.
        if language != Language::Ruby {
            word = word.split('?').next().unwrap_or(word);
        }
        let kind = if rules.keywords.contains(&word) {
            TokenKind::Keyword
        } else {
            TokenKind::Plain
        };
        out.push(kind, word);
        return &rest[word.len()..];
    }
    let len = first.len_utf8();
    out.push(TokenKind::Plain, &rest[..len]);
    &rest[len..]
}

/// `'x'`, `'\n'`, `'\u{1F600}'` are characters; `'a` in `&'a str` is a lifetime.
fn rust_char_literal(rest: &str) -> bool {
    let mut chars = rest.chars().skip(1);
    match chars.next() {
        Some('\\') => true,
        Some(_) => chars.next() == Some('\''),
        None => false,
    }
}

/// Byte offset of the first `delim` in `text` not preceded by an odd number of backslashes.
fn find_unescaped(text: &str, delim: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(delim) {
        let at = from + i;
        let backslashes = text[..at].bytes().rev().take_while(|b| *b == b'\\').count();
        if backslashes % 2 == 0 {
            return Some(at);
        }
        from = at + delim.len();
    }
    None
}

#[derive(Default)]
struct Tokens(Vec<(TokenKind, String)>);

impl Tokens {
    fn push(&mut self, kind: TokenKind, text: &str) {
        if text.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some((last, body)) if *last == kind => body.push_str(text),
            _ => self.0.push((kind, text.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TokenKind::{Comment as C, Keyword as K, Number as N, Plain as P, String as S};
    use super::*;

    fn check(language: Language, lines: &[&str], want: &[&[(TokenKind, &str)]]) {
        let got = highlight_lines(language, lines);
        let got: Vec<Vec<(TokenKind, &str)>> = got
            .iter()
            .map(|line| line.iter().map(|(k, t)| (*k, t.as_str())).collect())
            .collect();
        assert_eq!(got, want, "{language:?} {lines:?}");
        for (line, tokens) in lines.iter().zip(&got) {
            let joined: String = tokens.iter().map(|(_, t)| *t).collect();
            assert_eq!(&joined, line);
        }
    }

    #[test]
    fn python() {
        check(
            Language::Python,
            &[
                "def total(cart):  # sum it",
                "    return cart.price * 1.5 + len(\"a\\\"b\")",
                "    doc = \"\"\"multi",
                "line\"\"\" if x else None",
            ],
            &[
                &[(K, "def"), (P, " total(cart):  "), (C, "# sum it")],
                &[
                    (P, "    "),
                    (K, "return"),
                    (P, " cart.price * "),
                    (N, "1.5"),
                    (P, " + len("),
                    (S, "\"a\\\"b\""),
                    (P, ")"),
                ],
                &[(P, "    doc = "), (S, "\"\"\"multi")],
                &[
                    (S, "line\"\"\""),
                    (P, " "),
                    (K, "if"),
                    (P, " x "),
                    (K, "else"),
                    (P, " "),
                    (K, "None"),
                ],
            ],
        );
    }

    #[test]
    fn javascript_block_comments_and_templates() {
        check(
            Language::JavaScript,
            &[
                "const x = `a ${b}",
                "c`; /* start",
                "end */ return 0x1F // done",
            ],
            &[
                &[(K, "const"), (P, " x = "), (S, "`a ${b}")],
                &[(S, "c`"), (P, "; "), (C, "/* start")],
                &[
                    (C, "end */"),
                    (P, " "),
                    (K, "return"),
                    (P, " "),
                    (N, "0x1F"),
                    (P, " "),
                    (C, "// done"),
                ],
            ],
        );
    }

    #[test]
    fn rust_lifetimes_are_not_strings() {
        check(
            Language::Rust,
            &["fn f<'a>(s: &'a str) -> char { 'x' }"],
            &[&[
                (K, "fn"),
                (P, " f<'a>(s: &'a str) -> char { "),
                (S, "'x'"),
                (P, " }"),
            ]],
        );
    }

    #[test]
    fn other_languages() {
        check(
            Language::Ruby,
            &["raise ArgumentError unless defined?(x) # no"],
            &[&[
                (K, "raise"),
                (P, " ArgumentError "),
                (K, "unless"),
                (P, " "),
                (K, "defined?"),
                (P, "(x) "),
                (C, "# no"),
            ]],
        );
        check(
            Language::Go,
            &["if err != nil { return err }"],
            &[&[
                (K, "if"),
                (P, " err != "),
                (K, "nil"),
                (P, " { "),
                (K, "return"),
                (P, " err }"),
            ]],
        );
        check(
            Language::Php,
            &["$cart = new Cart(); # x"],
            &[&[(P, "$cart = "), (K, "new"), (P, " Cart(); "), (C, "# x")]],
        );
        check(
            Language::Java,
            &["throw new IllegalStateException(\"no\");"],
            &[&[
                (K, "throw"),
                (P, " "),
                (K, "new"),
                (P, " IllegalStateException("),
                (S, "\"no\""),
                (P, ");"),
            ]],
        );
        check(
            Language::Python,
            &["s = 'unterminated"],
            &[&[(P, "s = "), (S, "'unterminated")]],
        );
        check(
            Language::CSharp,
            &["", "über = 1;"],
            &[&[], &[(P, "über = "), (N, "1"), (P, ";")]],
        );
    }

    #[test]
    fn languages_from_paths() {
        let cases = [
            ("shop/checkout/views.py", Some(Language::Python)),
            ("src/x.mjs", Some(Language::JavaScript)),
            ("src/App.tsx", Some(Language::TypeScript)),
            ("src/main/java/com/acme/Cart.java", Some(Language::Java)),
            ("Invoice.kt", Some(Language::Kotlin)),
            ("internal/x.go", Some(Language::Go)),
            ("app/models/cart.rb", Some(Language::Ruby)),
            ("src\\A.cs", Some(Language::CSharp)),
            ("src/Cart.PHP", Some(Language::Php)),
            ("src/main.rs", Some(Language::Rust)),
            ("Makefile", None),
            ("README.md", None),
        ];
        for (path, want) in cases {
            assert_eq!(Language::from_path(path), want, "{path}");
        }
    }
}
