//! Stack traces as text (`error.stack`) parsed into frames, one parser per language.
//!
//! `parse` picks the parser from the tracer language when known and from the text otherwise; text no
//! parser understands is kept raw (`Stacktrace::raw`) so the UI can still show it.

mod dotnet;
mod go;
mod java;
mod javascript;
mod php;
mod python;
mod ruby;
mod rust;

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Python,
    Java,
    JavaScript,
    Go,
    Ruby,
    DotNet,
    Php,
    Rust,
}

impl Language {
    /// Maps `Datadog-Meta-Lang` / `telemetry.sdk.language` values (`python`, `nodejs`, `dotnet`, ...).
    pub fn from_tracer_lang(lang: &str) -> Option<Self> {
        Some(match lang.trim().to_ascii_lowercase().as_str() {
            "python" | "cpython" => Self::Python,
            "java" | "jvm" | "kotlin" | "scala" => Self::Java,
            "javascript" | "nodejs" | "node" | "js" | "typescript" | "webjs" => Self::JavaScript,
            "go" | "golang" => Self::Go,
            "ruby" => Self::Ruby,
            "dotnet" | ".net" | "csharp" | "c#" => Self::DotNet,
            "php" => Self::Php,
            "rust" => Self::Rust,
            _ => return None,
        })
    }
}

/// One stack frame. `module` is the language's unit of code (Python module, Java class, Go package);
/// `file` is the path as the runtime printed it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Frame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    /// Application code, as opposed to the standard library, dependencies or the tracer itself.
    pub in_app: bool,
}

/// One exception of a chain, frames ordered outermost call first, the raising frame last (Python's
/// order; parsers of languages that print innermost first reverse).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Exception {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub frames: Vec<Frame>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Stacktrace {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
    /// The reported exception first, then its causes in order (Java `Caused by:`, Python `__cause__`
    /// / `__context__`), down to the root cause.
    pub exceptions: Vec<Exception>,
    /// True when no parser understood the text: `exceptions` is empty and the UI shows the text as is.
    pub raw: bool,
}

impl Stacktrace {
    pub fn frames(&self) -> impl Iterator<Item = &Frame> {
        self.exceptions.iter().flat_map(|e| e.frames.iter())
    }
}

/// Longest text parsed; the rest is ignored. Tracers cap `error.stack` far below this, so only hostile
/// or broken payloads hit it, and they must not cost more than a few milliseconds per parser.
const MAX_INPUT_BYTES: usize = 256 * 1024;

/// Most exceptions kept from one chain, the reported one first; real chains are a handful deep (a Spring
/// request wraps 3 to 5).
const MAX_EXCEPTIONS: usize = 32;

/// Most frames kept per exception, the innermost ones: a Java `StackOverflowError` prints 1024 frames of
/// the same recursion, and the frames near the error are what identify it.
const MAX_FRAMES: usize = 256;

/// Parsers tried when the hinted one (if any) finds no frame, most specific first: each parser only
/// accepts lines in its runtime's exact shape, but some shapes contain others (a .NET `at A.B(C c)` line
/// is not a Java frame only because Java wants a file in the parentheses; Rust's `at ./src/x.rs:1:2`
/// would read as a V8 location), so the permissive ones come last.
const DETECTION_ORDER: [Language; 8] = [
    Language::Python,
    Language::Go,
    Language::Rust,
    Language::Ruby,
    Language::Php,
    Language::Java,
    Language::DotNet,
    Language::JavaScript,
];

/// Parses `error.stack` text. The hinted language (the tracer's) is tried first; when it finds no frame,
/// the text is detected by trying every parser in [`DETECTION_ORDER`]. Never panics; text no parser
/// understands comes back as `raw`.
pub fn parse(text: &str, lang_hint: Option<Language>) -> Stacktrace {
    let text = truncate(text, MAX_INPUT_BYTES);
    let candidates = lang_hint.into_iter().chain(DETECTION_ORDER);
    for (i, lang) in candidates.enumerate() {
        if i > 0 && Some(lang) == lang_hint {
            continue;
        }
        let mut exceptions = parse_as(text, lang);
        if exceptions.iter().any(|e| !e.frames.is_empty()) {
            exceptions.truncate(MAX_EXCEPTIONS);
            for exception in &mut exceptions {
                let outermost = exception.frames.len().saturating_sub(MAX_FRAMES);
                exception.frames.drain(..outermost);
            }
            return Stacktrace {
                language: Some(lang),
                exceptions,
                raw: false,
            };
        }
    }
    Stacktrace {
        language: None,
        exceptions: vec![],
        raw: true,
    }
}

fn parse_as(text: &str, lang: Language) -> Vec<Exception> {
    match lang {
        Language::Python => python::parse(text),
        Language::Java => java::parse(text),
        Language::Go => go::parse(text),
        Language::Ruby => ruby::parse(text),
        Language::DotNet => dotnet::parse(text),
        Language::Php => php::parse(text),
        Language::Rust => rust::parse(text),
        Language::JavaScript => javascript::parse(text),
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a char boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The tracers' own frames, in any language, by module or path: ddtrace-py
/// (`site-packages/ddtrace/contrib/internal/flask/wrappers.py`), dd-trace-js
/// (`node_modules/dd-trace/packages/datadog-instrumentations/src/express.js`), dd-trace-java
/// (`datadog.trace.instrumentation.servlet3.Servlet3Advice`), dd-trace-go
/// (`gopkg.in/DataDog/dd-trace-go.v1/contrib/net/http`), dd-trace-dotnet (`Datadog.Trace.ClrProfiler`),
/// OpenTelemetry (`opentelemetry/instrumentation/flask/__init__.py`, `@opentelemetry/instrumentation-http`).
static TRACER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i-u)ddtrace|dd-trace|datadog|opentelemetry").expect("valid regex")
});

fn is_tracer(module_or_path: &str) -> bool {
    TRACER.is_match(module_or_path)
}

/// A line or column number; absurd values (beyond `u32`) read as unknown rather than failing.
fn number(digits: &str) -> Option<u32> {
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_first_then_detection() {
        let python = "Traceback (most recent call last):\n  File \"/srv/app/a.py\", line 1, in f\nValueError: x\n";
        let node = "TypeError: x is not a function\n    at f (/srv/app/a.js:1:2)\n";
        let cases = [
            (python, None, Some(Language::Python)),
            (python, Some(Language::JavaScript), Some(Language::Python)),
            (node, None, Some(Language::JavaScript)),
            (node, Some(Language::JavaScript), Some(Language::JavaScript)),
            ("ValueError: x", Some(Language::Python), None),
            ("", None, None),
        ];
        for (text, hint, language) in cases {
            let parsed = parse(text, hint);
            assert_eq!(parsed.language, language, "{text:?} with {hint:?}");
            assert_eq!(parsed.raw, language.is_none());
        }
    }

    #[test]
    fn hostile_input_never_panics() {
        let mut garbage = String::new();
        for i in 0..20_000u32 {
            garbage.push_str(match i % 9 {
                0 => "    at (((((((:99999999999999999999:1\n",
                1 => "  File \"\u{1F4A5}\u{0}\", line 4294967296, in \u{202E}\n",
                2 => "\tat a.b(\n",
                3 => "#0 {main}(((\n",
                4 => "goroutine 1 [running]:\n\t.go:\n",
                5 => "   0: \n             at :1:\n",
                6 => " ---> \n   --- End of inner exception stack trace ---\n",
                7 => "Caused by: \n\t... 999999 more\n",
                _ => "\u{FEFF}\r\n日本語:in `':\n",
            });
        }
        for hint in [None].into_iter().chain(DETECTION_ORDER.map(Some)) {
            let _ = parse(&garbage, hint);
        }
        let mut chain = "java.lang.Error: a\n".to_owned();
        for _ in 0..5_000 {
            chain.push_str(
                "Caused by: a.B: c\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\n\t... 99999 more\n",
            );
        }
        let parsed = parse(&chain, None);
        assert_eq!(parsed.exceptions.len(), MAX_EXCEPTIONS);
        assert!(
            parsed
                .exceptions
                .iter()
                .all(|e| e.frames.len() <= MAX_FRAMES)
        );
        let long_line = "é".repeat(MAX_INPUT_BYTES);
        assert!(parse(&long_line, None).raw);
        assert_eq!(truncate(&long_line, 3).len(), 2);
    }
}
