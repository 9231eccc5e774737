//! Which frames are the service's own code. The parser decides first, from what it knows of each
//! runtime's install paths; the service's stack rules override it; and since 2026-12 two kinds of frame
//! the parser cannot tell apart are not application code either: launcher scripts and Rust crates
//! copied into the project by `cargo vendor`.

use std::sync::LazyLock;

use regex::Regex;

use super::GroupingVersion;
use super::stack_rules::StackRules;
use crate::stacktrace::{Frame, Language};

/// Launcher scripts directly in a `bin/` directory: `/usr/local/bin/celery`, `/app/.venv/bin/gunicorn`,
/// `/app/bin/rails`, `/usr/bin/node` scripts (2026-12). They start every process the same way whatever the
/// bug, and they live outside the project on most layouts, so they would hide its root.
static LAUNCHER_SCRIPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\\/])s?bin[\\/][^\\/]+$").expect("valid regex"));

/// `/build/shop/vendor/tower-sessions/src/service.rs`: `cargo vendor` copies dependencies into the
/// project (2026-12), where the parser, which knows only the registry's paths, takes them for the
/// service's own code.
static RUST_VENDORED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[\\/])vendor[\\/]").expect("valid regex"));

const HINT_LAUNCHER_SCRIPT: &str = "a launcher script in bin/, the same for every error";
const HINT_VENDORED: &str = "a dependency vendored into the project (vendor/)";

/// Whether a frame is application code, and why when the parser's verdict was not the last word.
pub fn in_app(
    frame: &Frame,
    language: Option<Language>,
    version: GroupingVersion,
    rules: &StackRules,
) -> (bool, Option<String>) {
    if let Some(verdict) = rules.in_app(frame) {
        let said = if verdict.in_app {
            "application code"
        } else {
            "not application code"
        };
        return (verdict.in_app, Some(format!("{said} by {}", verdict.rule)));
    }
    if !frame.in_app {
        return (false, None);
    }
    let builtin = (version >= GroupingVersion::V2026_12)
        .then_some(frame.file.as_deref())
        .flatten()
        .and_then(|file| {
            if LAUNCHER_SCRIPT.is_match(file) {
                Some(HINT_LAUNCHER_SCRIPT)
            } else if language == Some(Language::Rust) && RUST_VENDORED.is_match(file) {
                Some(HINT_VENDORED)
            } else {
                None
            }
        });
    match builtin {
        Some(hint) => (false, Some(hint.to_owned())),
        None => (true, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(file: &str, language: Language, version: GroupingVersion) -> (bool, Option<String>) {
        let frame = Frame {
            file: Some(file.to_owned()),
            in_app: true,
            ..Frame::default()
        };
        in_app(&frame, Some(language), version, &StackRules::default())
    }

    #[test]
    fn launchers_and_vendored_crates_since_2026_12() {
        use GroupingVersion::{V2026_11, V2026_12};
        use Language::{Python, Ruby, Rust};
        let launcher = Some(HINT_LAUNCHER_SCRIPT.to_owned());
        let vendored = Some(HINT_VENDORED.to_owned());
        let cases = [
            (
                "/usr/local/bin/celery",
                Python,
                V2026_12,
                (false, launcher.clone()),
            ),
            (
                "/app/.venv/bin/gunicorn",
                Python,
                V2026_12,
                (false, launcher.clone()),
            ),
            ("/app/bin/rails", Ruby, V2026_12, (false, launcher.clone())),
            (r"C:\tools\bin\run", Python, V2026_12, (false, launcher)),
            ("/app/bin/tasks/run.py", Python, V2026_12, (true, None)),
            ("/app/binary.py", Python, V2026_12, (true, None)),
            ("/srv/cabin/x.rb", Ruby, V2026_12, (true, None)),
            ("/usr/local/bin/celery", Python, V2026_11, (true, None)),
            (
                "/build/shop/vendor/tower-sessions/src/lib.rs",
                Rust,
                V2026_12,
                (false, vendored),
            ),
            (
                "/build/shop/vendor/tower-sessions/src/lib.rs",
                Rust,
                V2026_11,
                (true, None),
            ),
            ("/build/shop/src/vendors.rs", Rust, V2026_12, (true, None)),
        ];
        for (file, language, version, expected) in cases {
            assert_eq!(
                verdict(file, language, version),
                expected,
                "{file} {version:?}"
            );
        }
    }
}
