//! The components of the exception chain (reported exception first, then each cause) and of the
//! message, which counts only when no frame of the chain does.

use super::in_app::AppCode;
use super::root::ProjectRoot;
use super::stack_rules::EventFacts;
use super::{Component, GroupingInput, GroupingVersion, frames, message as normalize};
use crate::stacktrace::Exception;

pub(super) const HINT_MESSAGE_IGNORED: &str = "message ignored because in-app frames exist";
pub(super) const HINT_MESSAGE_NO_IN_APP: &str =
    "no in-app frame: grouped by error type and normalized message";
pub(super) const HINT_MESSAGE_NO_FRAMES: &str =
    "no frames in the stack: grouped by error type and normalized message";
pub(super) const HINT_EMPTY_MESSAGE: &str = "empty message";
const HINT_UNPARSED_STACK: &str = "the stack could not be parsed";
const HINT_NO_FRAMES: &str = "no frames";
pub(super) const HINT_NO_TYPE: &str = "no error type";
const HINT_CAUSE_MESSAGE: &str =
    "a cause with neither type nor frames: grouped by its normalized message";

/// What fingerprint rules match on: the reported type and message, each cause's, every frame.
pub(super) fn event_facts<'a>(input: &'a GroupingInput<'a>) -> EventFacts<'a> {
    let parsed = &input.stacktrace.exceptions;
    let mut exceptions = vec![(input.error_type, input.message)];
    exceptions.extend(parsed.iter().map(|e| {
        (
            e.error_type.as_deref().unwrap_or_default(),
            e.message.as_deref().unwrap_or_default(),
        )
    }));
    EventFacts {
        exceptions,
        frames: input.stacktrace.frames().collect(),
    }
}

pub(super) fn exceptions(
    input: &GroupingInput<'_>,
    version: GroupingVersion,
    root: &ProjectRoot,
    app: &AppCode<'_>,
) -> Vec<Component> {
    let parsed = &input.stacktrace.exceptions;
    if parsed.is_empty() {
        let hint = if input.stacktrace.raw {
            HINT_UNPARSED_STACK
        } else {
            HINT_NO_FRAMES
        };
        let stacktrace = Component::leaf("stacktrace", String::new(), false, Some(hint));
        return vec![exception(input.error_type, stacktrace)];
    }
    let context = frames::Context {
        language: input.stacktrace.language,
        version,
        root,
        app,
    };
    parsed
        .iter()
        .enumerate()
        .map(|(index, parsed)| {
            let parsed_type = parsed.error_type.as_deref().unwrap_or_default();
            let error_type = if index == 0 && !input.error_type.trim().is_empty() {
                input.error_type
            } else {
                parsed_type
            };
            let mut stacktrace = frames::stacktrace(&parsed.frames, &context);
            if parsed.frames.is_empty() {
                stacktrace.hint = Some(HINT_NO_FRAMES.to_owned());
            }
            let mut exception = exception(error_type, stacktrace);
            if index > 0 && version >= GroupingVersion::V2026_12 {
                exception.children.extend(cause_message(parsed));
                exception.contributes |= exception.children.iter().any(|c| c.contributes);
            }
            exception
        })
        .collect()
}

/// A cause known only by its message (anyhow's `Caused by:` list names neither a type nor frames)
/// counts by its normalized message (2026-12): otherwise a refused connection and an unreadable
/// answer converted into the same error at the same `?` would be one issue.
fn cause_message(cause: &Exception) -> Option<Component> {
    let untyped = cause
        .error_type
        .as_deref()
        .is_none_or(|t| t.trim().is_empty());
    if !untyped || !cause.frames.is_empty() {
        return None;
    }
    let normalized = normalize::normalize(cause.message.as_deref().unwrap_or_default());
    (!normalized.is_empty())
        .then(|| Component::leaf("message", normalized, true, Some(HINT_CAUSE_MESSAGE)))
}

fn exception(error_type: &str, stacktrace: Component) -> Component {
    let error_type = error_type.trim();
    let type_component = if error_type.is_empty() {
        Component::leaf("type", String::new(), false, Some(HINT_NO_TYPE))
    } else {
        Component::leaf("type", error_type.to_owned(), true, None)
    };
    let children = vec![type_component, stacktrace];
    let contributes = children.iter().any(|c| c.contributes);
    Component {
        id: "exception".to_owned(),
        contributes,
        children,
        ..Component::default()
    }
}

pub(super) fn message(raw: &str, frames_count: bool, has_frames: bool) -> Component {
    let normalized = normalize::normalize(raw);
    let (contributes, hint) = match (frames_count, has_frames, normalized.is_empty()) {
        (true, _, _) => (false, HINT_MESSAGE_IGNORED),
        (false, _, true) => (false, HINT_EMPTY_MESSAGE),
        (false, true, false) => (true, HINT_MESSAGE_NO_IN_APP),
        (false, false, false) => (true, HINT_MESSAGE_NO_FRAMES),
    };
    Component::leaf("message", normalized, contributes, Some(hint))
}
