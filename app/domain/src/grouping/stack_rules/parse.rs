//! Reading a rule text: one rule per line, each faulty line reported with its number.

use regex::Regex;

use super::{Field, Matcher};

/// A line that is not a rule; the settings page shows each with its line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("line {line}: unknown matcher `{name}:` (path, module, function, type or message)")]
    UnknownMatcher { line: usize, name: String },
    #[error(
        "line {line}: `{token}` is neither a matcher (`name:pattern`), `+app`, `-app` nor `->`"
    )]
    UnexpectedToken { line: usize, token: String },
    #[error("line {line}: a quote is not closed")]
    UnclosedQuote { line: usize },
    #[error("line {line}: `{name}:` has an empty pattern")]
    EmptyPattern { line: usize, name: String },
    #[error("line {line}: no matcher before the action")]
    NoMatcher { line: usize },
    #[error("line {line}: no action: end the rule with `+app`, `-app` or `-> <fingerprint>`")]
    NoAction { line: usize },
    #[error("line {line}: nothing may follow `+app` or `-app`")]
    AfterAction { line: usize },
    #[error("line {line}: `->` needs a fingerprint after it")]
    EmptyFingerprint { line: usize },
    #[error("line {line}: `{name}:` matches events, so it only fits a fingerprint rule (`-> ...`)")]
    EventMatcherInAppRule { line: usize, name: String },
}

impl RuleError {
    /// The faulty line's number (from 1), for the settings page to mark it.
    pub fn line(&self) -> usize {
        match self {
            Self::UnknownMatcher { line, .. }
            | Self::UnexpectedToken { line, .. }
            | Self::UnclosedQuote { line }
            | Self::EmptyPattern { line, .. }
            | Self::NoMatcher { line }
            | Self::NoAction { line }
            | Self::AfterAction { line }
            | Self::EmptyFingerprint { line }
            | Self::EventMatcherInAppRule { line, .. } => *line,
        }
    }
}

/// Every line that is not a rule, in order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct RulesError {
    pub errors: Vec<RuleError>,
}

pub(super) enum Rule {
    InApp(Vec<Matcher>, bool),
    Fingerprint(Vec<Matcher>, String),
}

pub(super) fn rule(text: &str, line: usize) -> Result<Rule, RuleError> {
    let tokens = tokenize(text, line)?;
    let mut matchers = Vec::new();
    let mut tokens = tokens.into_iter();
    while let Some(token) = tokens.next() {
        match token.as_str() {
            "+app" | "-app" => {
                if matchers.is_empty() {
                    return Err(RuleError::NoMatcher { line });
                }
                if tokens.next().is_some() {
                    return Err(RuleError::AfterAction { line });
                }
                if let Some(event) = matchers.iter().find(|m: &&Matcher| !m.field.of_frame()) {
                    let name = format!("{:?}", event.field).to_lowercase();
                    return Err(RuleError::EventMatcherInAppRule { line, name });
                }
                return Ok(Rule::InApp(matchers, token == "+app"));
            }
            "->" => {
                if matchers.is_empty() {
                    return Err(RuleError::NoMatcher { line });
                }
                let fingerprint = tokens.collect::<Vec<_>>().join(" ");
                if fingerprint.is_empty() {
                    return Err(RuleError::EmptyFingerprint { line });
                }
                return Ok(Rule::Fingerprint(matchers, fingerprint));
            }
            _ => matchers.push(matcher(&token, line)?),
        }
    }
    Err(RuleError::NoAction { line })
}

fn matcher(token: &str, line: usize) -> Result<Matcher, RuleError> {
    let Some((name, pattern)) = token.split_once(':') else {
        return Err(RuleError::UnexpectedToken {
            line,
            token: token.to_owned(),
        });
    };
    let field = Field::parse(name).ok_or_else(|| RuleError::UnknownMatcher {
        line,
        name: name.to_owned(),
    })?;
    if pattern.is_empty() {
        return Err(RuleError::EmptyPattern {
            line,
            name: name.to_owned(),
        });
    }
    Ok(Matcher {
        field,
        pattern: glob(pattern, field),
    })
}

/// Splits a rule on whitespace, a `"…"` quoted part (after `name:`) kept whole without its quotes.
fn tokenize(text: &str, line: usize) -> Result<Vec<String>, RuleError> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !current.is_empty() {
                    tokens.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if quoted {
        return Err(RuleError::UnclosedQuote { line });
    }
    if !current.is_empty() {
        tokens.push(current);
    }
    Ok(tokens)
}

/// Paths (Windows and macOS ignore case) and messages (`Deadlock` / `deadlock`) match whatever the
/// case, in ASCII: the WASM build leaves out Unicode case tables.
pub(super) fn ignores_case(field: Field) -> bool {
    matches!(field, Field::Path | Field::Message)
}

/// A glob as an anchored regex: for paths `**/` is any number of directories, `**` anything, `*` and
/// `?` stay within one directory; elsewhere `*` is anything and `?` one character.
fn glob(pattern: &str, field: Field) -> Regex {
    let path = field == Field::Path;
    let pattern = if ignores_case(field) {
        pattern.to_ascii_lowercase()
    } else {
        pattern.to_owned()
    };
    let mut regex = String::from("^");
    let mut rest = pattern.as_str();
    while let Some(c) = rest.chars().next() {
        let (piece, len) = if path && rest.starts_with("**/") {
            ("(?:.*/)?".to_owned(), 3)
        } else if rest.starts_with("**") {
            (".*".to_owned(), 2)
        } else if c == '*' {
            (if path { "[^/]*" } else { ".*" }.to_owned(), 1)
        } else if c == '?' {
            (if path { "[^/]" } else { "." }.to_owned(), 1)
        } else {
            (regex::escape(&c.to_string()), c.len_utf8())
        };
        regex.push_str(&piece);
        rest = &rest[len..];
    }
    regex.push('$');
    Regex::new(&regex).expect("escaped globs are valid regexes")
}

#[cfg(test)]
mod tests {
    use super::super::StackRules;
    use super::*;

    #[test]
    fn globs() {
        let cases = [
            (
                Field::Path,
                "**/vendor/acme-sdk/**",
                "/app/vendor/acme-sdk/src/a.php",
                true,
            ),
            (
                Field::Path,
                "**/vendor/acme-sdk/**",
                "vendor/acme-sdk/a.php",
                true,
            ),
            (
                Field::Path,
                "**/vendor/acme-sdk/**",
                "/app/vendor/acme/a.php",
                false,
            ),
            (Field::Path, "/app/*.py", "/app/a.py", true),
            (Field::Path, "/app/*.py", "/app/shop/a.py", false),
            (
                Field::Path,
                "**/Site-Packages/shop/**",
                "/usr/lib/python3/site-packages/shop/a.py",
                true,
            ),
            (
                Field::Module,
                "com.acme.*",
                "com.acme.orders.OrderService",
                true,
            ),
            (Field::Module, "com.acme.*", "com.acmeco.Thing", false),
            (Field::Function, "handle?", "handle2", true),
            (Field::Message, "*DEADLOCK*", "Deadlock found", true),
            (Field::Type, "deadlockdetected", "DeadlockDetected", false),
            (Field::Type, "a.b", "aXb", false),
        ];
        for (field, pattern, value, matches) in cases {
            let matcher = Matcher {
                field,
                pattern: glob(pattern, field),
            };
            assert_eq!(matcher.is_match(value), matches, "{pattern} on {value}");
        }
    }

    #[test]
    fn faulty_lines_are_reported_with_their_numbers() {
        let text = "path:**/vendor/** -app\nfile:x.py -app\nmodule:a.* +app extra\n-app\nmodule:a.*\ntype:X -> \nmessage:\"open -> x\nmodule:a.* +ap\ntype:X +app\npath: -app";
        let errors = StackRules::parse(text).expect_err("faulty").errors;
        assert_eq!(
            errors,
            [
                RuleError::UnknownMatcher {
                    line: 2,
                    name: "file".to_owned()
                },
                RuleError::AfterAction { line: 3 },
                RuleError::NoMatcher { line: 4 },
                RuleError::NoAction { line: 5 },
                RuleError::EmptyFingerprint { line: 6 },
                RuleError::UnclosedQuote { line: 7 },
                RuleError::UnexpectedToken {
                    line: 8,
                    token: "+ap".to_owned()
                },
                RuleError::EventMatcherInAppRule {
                    line: 9,
                    name: "type".to_owned()
                },
                RuleError::EmptyPattern {
                    line: 10,
                    name: "path".to_owned()
                },
            ]
        );
        let lines: Vec<usize> = errors.iter().map(RuleError::line).collect();
        assert_eq!(lines, (2..=10).collect::<Vec<_>>());
        assert_eq!(
            errors[0].to_string(),
            "line 2: unknown matcher `file:` (path, module, function, type or message)"
        );
        assert!(
            StackRules::parse("# only a comment\n\n")
                .expect("valid")
                .is_empty()
        );
    }
}
