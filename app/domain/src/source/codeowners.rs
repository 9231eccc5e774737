//! GitHub's `CODEOWNERS`: which owners a repository path has. GitHub reads the first of
//! [`LOCATIONS`] that exists; each line is a gitignore-style pattern and owners (`@user`,
//! `@org/team`, an email), and the *last* matching line wins, even one without owners (which leaves
//! the path unowned). What GitHub does not support (`!` negation, `[ ]` ranges, `\#` escapes) makes
//! the line an error, and GitHub skips such lines, so this does too.
//!
//! Patterns, as GitHub documents them: a `/` at the start or in the middle anchors the pattern at
//! the repository root, otherwise it matches at any depth; `*` matches within one path segment, `**`
//! any number of segments; a trailing `/` matches only inside a directory; a pattern naming a
//! directory covers everything below it, except that a final `/*` of an anchored pattern (`docs/*`,
//! `/*`) covers only the files directly inside. Paths are case-sensitive.

use regex::Regex;
use serde::{Deserialize, Serialize};

/// Where GitHub looks, in order; the first file found is the one used.
pub const LOCATIONS: [&str; 3] = [".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];

/// A parsed `CODEOWNERS` file: its valid rules in file order.
#[derive(Debug, Clone, Default)]
pub struct CodeOwners {
    rules: Vec<Rule>,
}

/// One valid line.
#[derive(Debug, Clone)]
pub struct Rule {
    /// 1-based line number in the file.
    pub line: usize,
    pub pattern: String,
    /// As written; empty when the line leaves matching paths without owners.
    pub owners: Vec<String>,
    regex: Regex,
}

/// A line GitHub would skip, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl CodeOwners {
    /// The rules of `text` and the lines skipped.
    pub fn parse(text: &str) -> (Self, Vec<LineError>) {
        let mut rules = Vec::new();
        let mut errors = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            match parse_line(raw) {
                Ok(Some((pattern, owners))) => match compile(pattern) {
                    Ok(regex) => rules.push(Rule {
                        line,
                        pattern: pattern.to_owned(),
                        owners,
                        regex,
                    }),
                    Err(message) => errors.push(LineError { line, message }),
                },
                Ok(None) => {}
                Err(message) => errors.push(LineError { line, message }),
            }
        }
        (Self { rules }, errors)
    }

    /// The rule deciding `path`'s owners (relative to the repository root, `/`-separated): the last
    /// one matching. `None` when no rule matches.
    pub fn rule_for(&self, path: &str) -> Option<&Rule> {
        let path = path.trim_start_matches('/');
        self.rules
            .iter()
            .rev()
            .find(|rule| rule.regex.is_match(path))
    }

    /// `path`'s owners, empty when no rule or an ownerless one decides it.
    pub fn owners_of(&self, path: &str) -> &[String] {
        self.rule_for(path)
            .map_or(&[], |rule| rule.owners.as_slice())
    }
}

/// A line's pattern and owners; `None` for blank lines and comments.
fn parse_line(raw: &str) -> Result<Option<(&str, Vec<String>)>, String> {
    // `#` starts a comment at the start of a line or of a word (`*.js @js-owner #inline`).
    let mut words = raw.split_whitespace().take_while(|w| !w.starts_with('#'));
    let Some(pattern) = words.next() else {
        return Ok(None);
    };
    if pattern.starts_with('\\') && pattern[1..].starts_with('#') {
        return Err("escaping `#` with `\\` is not supported by GitHub".to_owned());
    }
    if pattern.starts_with('!') {
        return Err("`!` (negation) is not supported by GitHub".to_owned());
    }
    if pattern.contains('[') || pattern.contains(']') {
        return Err("`[ ]` character ranges are not supported by GitHub".to_owned());
    }
    let owners = words.map(str::to_owned).collect::<Vec<_>>();
    if let Some(bad) = owners.iter().find(|o| !is_owner(o)) {
        return Err(format!(
            "`{bad}` is not an owner (`@user`, `@org/team` or an email)"
        ));
    }
    Ok(Some((pattern, owners)))
}

/// `@user`, `@org/team` or `name@example.com`.
fn is_owner(owner: &str) -> bool {
    let name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match owner.strip_prefix('@') {
        Some(handle) => match handle.split_once('/') {
            Some((org, team)) => name(org) && name(team),
            None => name(handle),
        },
        None => owner
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.')),
    }
}

/// The pattern as a regex over a root-relative path.
fn compile(pattern: &str) -> Result<Regex, String> {
    let directory_only = pattern.ends_with('/');
    let trimmed = pattern.trim_end_matches('/');
    let anchored = trimmed.contains('/');
    let trimmed = trimmed.trim_start_matches('/');
    if trimmed.is_empty() {
        return Err(format!("`{pattern}` names no path"));
    }
    let segments: Vec<&str> = trimmed.split('/').collect();
    let last = segments.len() - 1;
    let mut re = String::from(if anchored { "^" } else { "^(?:.*/)?" });
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            // `a/**`: everything inside `a`.
            "**" if i == last => re.push_str(".*"),
            // `**/logs`, `a/**/b`: zero or more directories.
            "**" => re.push_str("(?:.*/)?"),
            _ => {
                glob(segment, &mut re);
                if i != last {
                    re.push('/');
                }
            }
        }
    }
    if segments[last] != "**" {
        re.push_str(if directory_only {
            "/.+"
        } else if segments[last] == "*" && anchored {
            ""
        } else {
            "(?:/.*)?"
        });
    }
    re.push('$');
    Regex::new(&re).map_err(|e| format!("`{pattern}`: {e}"))
}

/// One path segment: `*` any characters but `/`, `?` one, everything else literal.
fn glob(segment: &str, re: &mut String) {
    for c in segment.chars() {
        match c {
            '*' => re.push_str("[^/]*"),
            '?' => re.push_str("[^/]"),
            c => re.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
    }
}

#[cfg(test)]
mod tests;
