//! CPython tracebacks as `traceback.format_exception` prints them (ddtrace's `error.stack`, OTel's
//! `exception.stacktrace`, uncaught exceptions in logs). Frames are printed outermost first already;
//! chained exceptions are printed cause first, so the list is reversed to put the reported one first.

use std::sync::LazyLock;

use regex::Regex;

use super::{Exception, Frame, is_tracer, number};

/// `Traceback (most recent call last):`
static TRACEBACK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*Traceback \(most recent call last\):\s*$").expect("valid regex")
});

/// `  File "/srv/app/checkout/views.py", line 42, in create_order`, and the function-less
/// `  File "/srv/app/checkout/forms.py", line 7` that a `SyntaxError` prints.
static FRAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\s*File "(?P<file>[^"]*)", line (?P<line>\d+)(?:, in (?P<func>.+?))?\s*$"#)
        .expect("valid regex")
});

/// `The above exception was the direct cause of the following exception:` (`raise ... from err`) and
/// `During handling of the above exception, another exception occurred:` (implicit `__context__`).
static CHAIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:The above exception was the direct cause of the following exception|During handling of the above exception, another exception occurred):\s*$",
    )
    .expect("valid regex")
});

/// The unindented line closing a traceback: `ValueError: bad id 42`,
/// `app.errors.NotFound: order 42 not found`, or a bare `KeyboardInterrupt`.
static EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<type>[A-Za-z_][\w.]*)(?::\s?(?P<message>.*))?$").expect("valid regex")
});

/// Standard library, installed packages and frozen modules: `/usr/lib/python3.11/json/decoder.py`,
/// `/srv/app/.venv/lib/python3.12/site-packages/flask/app.py`,
/// `/usr/lib/python3/dist-packages/requests/sessions.py`, `<frozen importlib._bootstrap>`,
/// `C:\Python311\Lib\json\decoder.py`.
static NOT_APP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)[\\/]lib[\\/]python[\d.]*[\\/]|[\\/](?:site|dist)-packages[\\/]|^<frozen |[\\/]python\d+[\\/]lib[\\/]")
        .expect("valid regex")
});

pub(super) fn parse(text: &str) -> Vec<Exception> {
    let mut exceptions = Vec::new();
    let mut current = Exception::default();
    // After the exception line, further unindented lines continue a multi-line message.
    let mut in_message = false;
    for line in text.lines() {
        if TRACEBACK.is_match(line) || CHAIN.is_match(line) {
            finish(&mut exceptions, &mut current);
            in_message = false;
        } else if let Some(caps) = FRAME.captures(line) {
            if current.error_type.is_some() {
                finish(&mut exceptions, &mut current);
            }
            in_message = false;
            let file = caps.name("file").map(|m| m.as_str().to_owned());
            current.frames.push(Frame {
                in_app: file.as_deref().is_some_and(is_app),
                module: None,
                file,
                function: caps.name("func").map(|m| m.as_str().to_owned()),
                line: caps.name("line").and_then(|m| number(m.as_str())),
                column: None,
            });
        } else if in_message && !line.trim().is_empty() {
            if let Some(message) = current.message.as_mut() {
                message.push('\n');
                message.push_str(line);
            }
        } else if !current.frames.is_empty()
            && current.error_type.is_none()
            && !line.starts_with(char::is_whitespace)
            && let Some(caps) = EXCEPTION.captures(line)
        {
            current.error_type = caps.name("type").map(|m| m.as_str().to_owned());
            current.message = caps.name("message").map(|m| m.as_str().to_owned());
            in_message = current.message.is_some();
        } else {
            // Source lines, `~~~^^^` markers, `[Previous line repeated 996 more times]`, log noise.
            in_message = false;
        }
    }
    finish(&mut exceptions, &mut current);
    exceptions.reverse();
    exceptions
}

fn finish(exceptions: &mut Vec<Exception>, current: &mut Exception) {
    if !current.frames.is_empty() || current.error_type.is_some() {
        exceptions.push(std::mem::take(current));
    }
}

fn is_app(file: &str) -> bool {
    !NOT_APP.is_match(file) && !is_tracer(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_app_by_path() {
        let cases = [
            ("/srv/app/checkout/views.py", true),
            ("app.py", true),
            ("/usr/lib/python3.11/json/decoder.py", false),
            (
                "/usr/local/lib/python3.12/site-packages/flask/app.py",
                false,
            ),
            (
                "/srv/app/.venv/lib/python3.12/site-packages/sqlalchemy/orm/query.py",
                false,
            ),
            ("/usr/lib/python3/dist-packages/requests/sessions.py", false),
            ("<frozen importlib._bootstrap>", false),
            (r"C:\Python311\Lib\json\decoder.py", false),
            ("/opt/ddtrace/contrib/internal/flask/wrappers.py", false),
            (
                "/srv/app/opentelemetry/instrumentation/flask/__init__.py",
                false,
            ),
        ];
        for (file, in_app) in cases {
            assert_eq!(is_app(file), in_app, "{file}");
        }
    }

    #[test]
    fn frames_and_exception_line() {
        let text = "Traceback (most recent call last):\n  File \"/srv/app/a.py\", line 3, in <module>\n    main()\n  File \"/srv/app/a.py\", line 2, in main\n    int('x')\n    ~~~^^^^^\nValueError: invalid literal for int() with base 10: 'x'\n";
        let exceptions = parse(text);
        assert_eq!(exceptions.len(), 1);
        let e = &exceptions[0];
        assert_eq!(e.error_type.as_deref(), Some("ValueError"));
        assert_eq!(
            e.message.as_deref(),
            Some("invalid literal for int() with base 10: 'x'")
        );
        let functions: Vec<_> = e.frames.iter().map(|f| f.function.as_deref()).collect();
        assert_eq!(functions, [Some("<module>"), Some("main")]);
        assert_eq!(e.frames[1].line, Some(2));
    }

    #[test]
    fn chained_reported_first() {
        let cases = [
            "The above exception was the direct cause of the following exception:",
            "During handling of the above exception, another exception occurred:",
        ];
        for separator in cases {
            let text = format!(
                "Traceback (most recent call last):\n  File \"/a.py\", line 1, in f\nKeyError: 'id'\n\n{separator}\n\nTraceback (most recent call last):\n  File \"/a.py\", line 5, in g\napp.NotFound: order 42\n"
            );
            let types: Vec<_> = parse(&text)
                .into_iter()
                .map(|e| e.error_type.unwrap_or_default())
                .collect();
            assert_eq!(types, ["app.NotFound", "KeyError"], "{separator}");
        }
    }

    #[test]
    fn multi_line_message_and_bare_type() {
        let text = "  File \"/a.py\", line 1, in f\npsycopg2.errors.UniqueViolation: duplicate key\nDETAIL:  Key (id)=(42) already exists.\n";
        let e = &parse(text)[0];
        assert_eq!(
            e.message.as_deref(),
            Some("duplicate key\nDETAIL:  Key (id)=(42) already exists.")
        );
        let e = &parse("  File \"/a.py\", line 1, in f\nKeyboardInterrupt\n")[0];
        assert_eq!(e.error_type.as_deref(), Some("KeyboardInterrupt"));
        assert_eq!(e.message, None);
    }
}
