//! The labelled grouping corpus: error events as eight languages' runtimes and tracers print them, each
//! bug seen under several deploy layouts (container, VM, Capistrano, CI, Windows and roots no rule names)
//! and several framework and runtime versions (other line numbers, other vendor frames), next to the bugs
//! that must stay apart from it (another function, another type at the same line, another cause in the
//! chain, another service) and errors that must open no issue at all (Datadog's stack rule).
//!
//! Each language builds its events from one template of a real stack (`python.rs`, `node.rs`, ...): the
//! frames are the ones a real framework prints, the layouts swap the deploy root and where dependencies
//! are installed, the versions swap the framework's own frames and lines. Labels come from the bug the
//! template was asked for, never from what the grouping code happens to do.

mod dotnet;
mod go;
mod java;
mod node;
mod php;
mod python;
mod ruby;
mod rust;

use domain::stacktrace::Language;

/// What the corpus says about one event.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Label {
    /// The issue the event belongs to: events with equal labels are one bug.
    Issue(String),
    /// Datadog's stack rule: this error opens no issue.
    NeverTracked,
}

/// One error event as a tracer sends it.
#[derive(Debug, Clone)]
pub struct Case {
    pub label: Label,
    pub service: &'static str,
    pub language: Language,
    /// `error.type` as the tracer reports it.
    pub error_type: String,
    /// `error.message` as the tracer reports it.
    pub message: String,
    /// `error.stack` as the tracer reports it.
    pub stack: String,
    /// The layout and versions it was built with, for failure messages.
    pub note: String,
    /// The service's stack rules, if it has any.
    pub rules: Option<&'static str>,
}

/// Every case of every language.
pub fn cases() -> Vec<Case> {
    [
        python::cases(),
        node::cases(),
        ruby::cases(),
        php::cases(),
        java::cases(),
        dotnet::cases(),
        go::cases(),
        rust::cases(),
    ]
    .concat()
}

/// The ways one bug can differ from another that the corpus builds for each language: the base bug, the
/// same place in another function, another type raised at the same line, the same code from another
/// service, and a wrapper exception over two different causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    Base,
    OtherFunction,
    OtherType,
    OtherService,
    CauseA,
    CauseB,
}

impl Variant {
    pub const ALL: [Variant; 6] = [
        Self::Base,
        Self::OtherFunction,
        Self::OtherType,
        Self::OtherService,
        Self::CauseA,
        Self::CauseB,
    ];

    pub fn service(self, base: &'static str, other: &'static str) -> &'static str {
        if self == Self::OtherService {
            other
        } else {
            base
        }
    }

    pub fn label(self, language: &str) -> Label {
        Label::Issue(format!("{language}/{self:?}"))
    }
}

/// A deploy root with its separator: `C:\inetpub\wwwroot\shop` joins with `\`.
#[derive(Debug, Clone, Copy)]
pub struct Root(pub &'static str);

impl Root {
    /// `relative` (written with `/`) below this root.
    pub fn join(self, relative: &str) -> String {
        if self.0.contains('\\') {
            format!("{}\\{}", self.0, relative.replace('/', "\\"))
        } else {
            format!("{}/{relative}", self.0)
        }
    }
}

/// A case of `language` that must open no issue.
pub fn never_tracked(language: Language, error_type: &str, message: &str, stack: &str) -> Case {
    Case {
        label: Label::NeverTracked,
        service: "shop-api",
        language,
        error_type: error_type.to_owned(),
        message: message.to_owned(),
        stack: stack.to_owned(),
        note: format!("never tracked: {stack:?}"),
        rules: None,
    }
}
