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

mod parse;

use regex::Regex;

use crate::stacktrace::Frame;

use parse::{Rule, ignores_case};
pub use parse::{RuleError, RulesError};

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
            match parse::rule(trimmed, line) {
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

    pub fn has_fingerprint_rules(&self) -> bool {
        !self.fingerprint.is_empty()
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
    fn the_last_in_app_rule_wins() {
        let rules = StackRules::parse("path:**/vendor/** -app\npath:**/vendor/acme/** +app")
            .expect("valid rules");
        let acme = frame("/app/vendor/acme/a.php", None, "f");
        assert_eq!(rules.in_app(&acme).map(|v| v.in_app), Some(true));
        let other = frame("/app/vendor/other/a.php", None, "f");
        assert_eq!(rules.in_app(&other).map(|v| v.in_app), Some(false));
    }
}
