//! Helpers shared by the grouping tests: a stack trace grouped as a tracer reports it, and the
//! assertions on which stacks share an issue.

// Each test crate compiles its own copy and uses only some of these.
#![allow(dead_code)]

use std::path::Path;

use domain::grouping::{Fingerprint, GroupingInput, fingerprint};
use domain::stacktrace::{Language, Stacktrace, parse};

/// The service of every case that is not about services.
pub const SERVICE: &str = "shop-api";

/// What a tracer reports with `stacktrace`: `error.type` and `error.message` from its first exception.
pub fn reported<'a>(
    service: &'a str,
    stacktrace: &'a Stacktrace,
    fingerprint_override: Option<&'a str>,
) -> GroupingInput<'a> {
    let first = stacktrace.exceptions.first();
    GroupingInput {
        service,
        error_type: first
            .and_then(|e| e.error_type.as_deref())
            .unwrap_or_default(),
        message: first.and_then(|e| e.message.as_deref()).unwrap_or_default(),
        stacktrace,
        fingerprint_override,
    }
}

/// Groups `stack` as a tracer of `language` reports it; the stack must parse as that language.
#[track_caller]
pub fn group(
    service: &str,
    language: Language,
    stack: &str,
    fingerprint_override: Option<&str>,
) -> Fingerprint {
    let stacktrace = parse(stack, Some(language));
    assert_eq!(
        stacktrace.language,
        Some(language),
        "not parsed as {language:?}: {stack}"
    );
    fingerprint(&reported(service, &stacktrace, fingerprint_override))
}

/// The hash of `stack` from [`SERVICE`], whatever decided it.
#[track_caller]
pub fn hash(language: Language, stack: &str) -> String {
    group(SERVICE, language, stack, None).hash
}

/// The hash of `stack` from [`SERVICE`], which its in-app frames must have decided (not the type and
/// message alone, as for a stack without application code).
#[track_caller]
pub fn frames_hash(language: Language, stack: &str) -> String {
    let grouped = group(SERVICE, language, stack, None);
    assert!(
        grouped
            .tree
            .children
            .iter()
            .any(|c| c.id == "exception" && c.children[1].contributes),
        "no in-app frame: {stack}"
    );
    grouped.hash
}

/// `before` and `after` (the same bug, e.g. after a redeploy) are one issue, grouped by their frames.
#[track_caller]
pub fn assert_same_issue(language: Language, before: &str, after: &str) {
    assert_eq!(frames_hash(language, before), frames_hash(language, after));
}

/// Each variant of `base` is another issue; the variants come with why (`"another error type at the
/// same place"`), the message of a failure.
#[track_caller]
pub fn assert_apart(language: Language, base: &str, variants: &[(&str, &str)]) {
    let base = frames_hash(language, base);
    for (variant, why) in variants {
        assert_ne!(base, frames_hash(language, variant), "{why}");
    }
}

/// The language hint of a fixture, from its file-name prefix: `java-spring-cglib.txt` is Java.
pub fn fixture_hint(path: &Path) -> Option<Language> {
    let name = path.file_name()?.to_str()?;
    Language::from_tracer_lang(name.split('-').next()?)
}
