//! Stack traces as text (`error.stack`) parsed into frames, one parser per language.
//!
//! `parse` picks the parser from the tracer language when known and from the text otherwise; text no
//! parser understands is kept raw (`Stacktrace::raw`) so the UI can still show it.

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

    /// The frame users call the culprit: the innermost in-app frame of the reported exception.
    pub fn culprit(&self) -> Option<&Frame> {
        self.exceptions.first()?.frames.iter().rev().find(|f| f.in_app)
    }
}
