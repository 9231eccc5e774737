//! A service's stack rules: the grouping controls users write, one rule per line (Sentry's stack trace
//! and fingerprint rules, in a smaller syntax).
//!
//! ```text
//! # in-app rules: which frames are the service's own code (the last matching rule wins)
//! path:**/vendor/acme-sdk/** -app
//! module:com.acme.* +app
//! # fingerprint rules: one issue for every matching event (the first matching rule wins)
//! type:DeadlockDetected message:"*deadlock*" -> db-deadlock
//! ```
//!
//! A rule is matchers (`name:pattern`, all of which must match) and an action. In-app rules match
//! frames by `path` (the file as printed, `\` read as `/`), `module` (class, package, crate path) and
//! `function`; fingerprint rules also match the event by `type` and `message` (the reported exception
//! or any cause), and their frame matchers match any frame of the chain. Patterns are globs: `*` is any
//! run of characters (within one directory for `path`), `**` any run of directories, `?` one
//! character; `path` and `message` ignore case. A pattern with spaces is quoted: `message:"*dead lock*"`.
//! Blank lines and lines starting with `#` are ignored.
//!
//! Parsing is pure and has no I/O, so the settings page checks the text in the browser with the same
//! code the server applies.

use regex::Regex;

use crate::stacktrace::Frame;

/// A parsed rule text; the default has no rule.
#[derive(Debug, Clone, Default)]
pub struct StackRules {
    in_app: Vec<InAppRule>,
    fingerprint: Vec<FingerprintRule>,
}

/// What one frame or event is matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Path,
    Module,
    Function,
    Type,
    Message,
}

impl Field {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "path" => Self::Path,
            "module" => Self::Module,
            "function" => Self::Function,
            "type" => Self::Type,
            "message" => Self::Message,
            _ => return None,
        })
    }

    fn of_frame(self) -> bool {
        matches!(self, Self::Path | Self::Module | Self::Function)
    }
}

#[derive(Debug, Clone)]
struct Matcher {
    field: Field,
    /// The glob as a regex; lower case for the fields that ignore case.
    pattern: Regex,
}

impl Matcher {
    fn is_match(&self, value: &str) -> bool {
        let value = value.trim();
        if ignores_case(self.field) {
            self.pattern.is_match(&value.to_ascii_lowercase())
        } else {
            self.pattern.is_match(value)
        }
    }

    fn matches_frame(&self, frame: &Frame) -> bool {
        let value = match self.field {
            Field::Path => frame.file.as_deref().map(|f| f.replace('\\', "/")),
            Field::Module => frame.module.clone(),
            Field::Function => frame.function.clone(),
            Field::Type | Field::Message => None,
        };
        value.is_some_and(|v| self.is_match(&v))
    }
}

/// Where a rule came from, for the "why grouped" explanation: `line 2: module:com.acme.* +app`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSource {
    pub line: usize,
    pub text: String,
}

impl std::fmt::Display for RuleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "stack rule line {}: {}", self.line, self.text)
    }
}

#[derive(Debug, Clone)]
struct InAppRule {
    source: RuleSource,
    matchers: Vec<Matcher>,
    in_app: bool,
}

#[derive(Debug, Clone)]
struct FingerprintRule {
    source: RuleSource,
    matchers: Vec<Matcher>,
    fingerprint: String,
}

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

/// Every line that is not a rule, in order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct RulesError {
    pub errors: Vec<RuleError>,
}

/// What the in-app rules say about one frame, and which rule said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InAppVerdict<'a> {
    pub in_app: bool,
    pub rule: &'a RuleSource,
}

/// A fingerprint rule that matched an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FingerprintMatch<'a> {
    pub fingerprint: &'a str,
    pub rule: &'a RuleSource,
}

/// The parts of an event fingerprint rules look at.
#[derive(Debug, Clone)]
pub struct EventFacts<'a> {
    /// The reported type and message, then each exception's of the parsed chain.
    pub exceptions: Vec<(&'a str, &'a str)>,
    pub frames: Vec<&'a Frame>,
}

impl StackRules {
    /// Parses a rule text; every faulty line is reported, with its number (from 1).
    pub fn parse(text: &str) -> Result<Self, RulesError> {
        let mut rules = Self::default();
        let mut errors = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let source = RuleSource {
                line,
                text: trimmed.to_owned(),
            };
            match parse_line(trimmed, line) {
                Ok(Rule::InApp(matchers, in_app)) => rules.in_app.push(InAppRule {
                    source,
                    matchers,
                    in_app,
                }),
                Ok(Rule::Fingerprint(matchers, fingerprint)) => {
                    rules.fingerprint.push(FingerprintRule {
                        source,
                        matchers,
                        fingerprint,
                    })
                }
                Err(error) => errors.push(error),
            }
        }
        if errors.is_empty() {
            Ok(rules)
        } else {
            Err(RulesError { errors })
        }
    }

    pub fn is_empty(&self) -> bool {
        self.in_app.is_empty() && self.fingerprint.is_empty()
    }

    /// The last in-app rule matching `frame`, if any.
    pub fn in_app(&self, frame: &Frame) -> Option<InAppVerdict<'_>> {
        self.in_app
            .iter()
            .rev()
            .find(|rule| rule.matchers.iter().all(|m| m.matches_frame(frame)))
            .map(|rule| InAppVerdict {
                in_app: rule.in_app,
                rule: &rule.source,
            })
    }

    /// The first fingerprint rule matching the event, if any.
    pub fn fingerprint(&self, event: &EventFacts<'_>) -> Option<FingerprintMatch<'_>> {
        self.fingerprint
            .iter()
            .find(|rule| rule.matchers.iter().all(|m| event_matches(m, event)))
            .map(|rule| FingerprintMatch {
                fingerprint: &rule.fingerprint,
                rule: &rule.source,
            })
    }
}

fn event_matches(matcher: &Matcher, event: &EventFacts<'_>) -> bool {
    match matcher.field {
        Field::Type => event.exceptions.iter().any(|(t, _)| matcher.is_match(t)),
        Field::Message => event.exceptions.iter().any(|(_, m)| matcher.is_match(m)),
        Field::Path | Field::Module | Field::Function => {
            event.frames.iter().any(|f| matcher.matches_frame(f))
        }
    }
}

enum Rule {
    InApp(Vec<Matcher>, bool),
    Fingerprint(Vec<Matcher>, String),
}

fn parse_line(text: &str, line: usize) -> Result<Rule, RuleError> {
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
fn ignores_case(field: Field) -> bool {
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
    use super::*;

    fn frame(file: &str, module: Option<&str>, function: &str) -> Frame {
        Frame {
            file: Some(file.to_owned()),
            module: module.map(str::to_owned),
            function: Some(function.to_owned()),
            ..Frame::default()
        }
    }

    #[test]
    fn parses_the_three_kinds_of_rule() {
        let rules = StackRules::parse(
            "# vendored SDK\npath:**/vendor/acme-sdk/** -app\n\nmodule:com.acme.* +app\ntype:DeadlockDetected message:\"*deadlock*\" -> db-deadlock\n",
        )
        .expect("valid rules");
        let sdk = frame("/var/www/html/vendor/acme-sdk/src/Client.php", None, "send");
        let verdict = rules.in_app(&sdk).expect("matched");
        assert!(!verdict.in_app);
        assert_eq!(verdict.rule.line, 2);
        assert_eq!(
            verdict.rule.to_string(),
            "stack rule line 2: path:**/vendor/acme-sdk/** -app"
        );
        let acme = frame(
            "OrderService.java",
            Some("com.acme.orders.OrderService"),
            "place",
        );
        assert!(rules.in_app(&acme).expect("matched").in_app);
        assert!(rules.in_app(&frame("/app/x.php", None, "f")).is_none());

        let exceptions = [("DeadlockDetected", "Deadlock found when trying to get lock")];
        let matched = rules
            .fingerprint(&EventFacts {
                exceptions: exceptions.to_vec(),
                frames: Vec::new(),
            })
            .expect("matched");
        assert_eq!((matched.fingerprint, matched.rule.line), ("db-deadlock", 5));
        let other = [("DeadlockDetected", "lock wait timeout")];
        assert!(
            rules
                .fingerprint(&EventFacts {
                    exceptions: other.to_vec(),
                    frames: Vec::new(),
                })
                .is_none()
        );
    }

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
    fn the_last_in_app_rule_wins() {
        let rules = StackRules::parse("path:**/vendor/** -app\npath:**/vendor/acme/** +app")
            .expect("valid rules");
        let acme = frame("/app/vendor/acme/a.php", None, "f");
        assert_eq!(rules.in_app(&acme).map(|v| v.in_app), Some(true));
        let other = frame("/app/vendor/other/a.php", None, "f");
        assert_eq!(rules.in_app(&other).map(|v| v.in_app), Some(false));
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
