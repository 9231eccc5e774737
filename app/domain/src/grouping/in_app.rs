//! Which frames are the service's own code. The parser decides first, from what it knows of each
//! runtime's install paths; the service's stack rules override it; and since 2026-12 three kinds of
//! frame the parser cannot tell apart are not application code either: launcher scripts, Rust crates
//! copied into the project by `cargo vendor`, and PHP methods printed without a file whose namespace
//! is a dependency's in the same stack.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use super::GroupingVersion;
use super::stack_rules::StackRules;
use crate::stacktrace::{Frame, Language, Stacktrace};

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
const HINT_PHP_DEPENDENCY_NAMESPACE: &str =
    "no file, and its namespace is a dependency's (its other frames are in vendor/)";

/// Decides, for one stack, which frames are the service's code.
pub struct AppCode<'a> {
    language: Option<Language>,
    version: GroupingVersion,
    rules: &'a StackRules,
    /// PHP (2026-12): the first namespace segments of classes whose files are all dependencies'
    /// (`Illuminate`), for the frames printed without a file. dd-trace-php sends
    /// `getTraceAsString()` without the exception's own file, so the raising method has none: a
    /// `QueryException` raised in `Illuminate\Database\Connection->runQueryCallback` would otherwise
    /// read as the service's code (a namespaced name is all the parser can go by).
    dependency_namespaces: BTreeSet<String>,
}

impl<'a> AppCode<'a> {
    pub fn new(stacktrace: &Stacktrace, version: GroupingVersion, rules: &'a StackRules) -> Self {
        let language = stacktrace.language;
        let mut dependency_namespaces = BTreeSet::new();
        if language == Some(Language::Php) && version >= GroupingVersion::V2026_12 {
            let mut app = BTreeSet::new();
            for frame in stacktrace.frames().filter(|f| f.file.is_some()) {
                if let Some(namespace) = frame.module.as_deref().and_then(top_namespace) {
                    if frame.in_app {
                        &mut app
                    } else {
                        &mut dependency_namespaces
                    }
                    .insert(namespace.to_owned());
                }
            }
            dependency_namespaces.retain(|namespace| !app.contains(namespace));
        }
        Self {
            language,
            version,
            rules,
            dependency_namespaces,
        }
    }

    /// Whether `frame` is application code, and why when the parser's verdict was not the last word.
    pub fn judge(&self, frame: &Frame) -> (bool, Option<String>) {
        if let Some(verdict) = self.rules.in_app(frame) {
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
        if self.version < GroupingVersion::V2026_12 {
            return (true, None);
        }
        let builtin = match frame.file.as_deref() {
            Some(file) if LAUNCHER_SCRIPT.is_match(file) => Some(HINT_LAUNCHER_SCRIPT),
            Some(file) if self.language == Some(Language::Rust) && RUST_VENDORED.is_match(file) => {
                Some(HINT_VENDORED)
            }
            Some(_) => None,
            None => frame
                .module
                .as_deref()
                .and_then(top_namespace)
                .filter(|namespace| self.dependency_namespaces.contains(*namespace))
                .map(|_| HINT_PHP_DEPENDENCY_NAMESPACE),
        };
        match builtin {
            Some(hint) => (false, Some(hint.to_owned())),
            None => (true, None),
        }
    }
}

/// `Illuminate` of `Illuminate\Database\Connection`; `None` for a class without a namespace.
fn top_namespace(class: &str) -> Option<&str> {
    class.split_once('\\').map(|(top, _)| top)
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
        let stacktrace = Stacktrace {
            language: Some(language),
            ..Stacktrace::default()
        };
        let rules = StackRules::default();
        AppCode::new(&stacktrace, version, &rules).judge(&frame)
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

    #[test]
    fn php_methods_without_a_file_in_a_dependency_namespace() {
        // dd-trace-php's `getTraceAsString()`: the raising method has no file.
        let trace = "#0 /app/vendor/laravel/framework/src/Illuminate/Database/Connection.php(739): Illuminate\\Database\\Connection->runQueryCallback('insert into `or...', Array, Object(Closure))\n#1 /app/app/Repositories/OrderRepository.php(31): Illuminate\\Database\\Connection->insert('insert into `or...', Array)\n#2 /app/app/Http/Controllers/CheckoutController.php(27): App\\Repositories\\OrderRepository->insert(Array)\n#3 {main}\n";
        let stacktrace = crate::stacktrace::parse(trace, Some(Language::Php));
        let rules = StackRules::default();
        let verdicts = |version| {
            let app = AppCode::new(&stacktrace, version, &rules);
            stacktrace
                .frames()
                .filter(|f| f.file.is_none())
                .map(|f| (f.module.clone(), app.judge(f).0))
                .collect::<Vec<_>>()
        };
        let raising = Some("Illuminate\\Database\\Connection".to_owned());
        assert_eq!(
            verdicts(GroupingVersion::V2026_12),
            [(raising.clone(), false)]
        );
        assert_eq!(verdicts(GroupingVersion::V2026_11), [(raising, true)]);
        // A service's own namespace stays its code (`Shop\\Cart\\TaxTable->rateFor` raising).
        let own = "#0 /srv/shop/src/Cart/PriceCalculator.php(88): Shop\\Cart\\TaxTable->rateFor()\n#1 /srv/shop/vendor/slim/slim/Slim/App.php(199): Shop\\Cart\\PriceCalculator->total()\n#2 {main}\n";
        let stacktrace = crate::stacktrace::parse(own, Some(Language::Php));
        let app = AppCode::new(&stacktrace, GroupingVersion::V2026_12, &rules);
        let raising = stacktrace
            .frames()
            .find(|f| f.file.is_none())
            .expect("raising frame");
        assert!(app.judge(raising).0);
    }
}
