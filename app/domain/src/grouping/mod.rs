//! Fingerprinting: which error events are the same issue.
//!
//! A fingerprint is a tree of components (Sentry's idea) so the issue page can explain *why* events
//! grouped: each component says whether it `contributes` and, when it does not, a `hint` saying why.
//! Only contributing values feed the hash. A grouping config is versioned by date and never changes its
//! output once shipped: a new behaviour is a new version.

use serde::{Deserialize, Serialize};

/// A shipped grouping configuration. Each version's output is frozen once shipped; later versions switch
/// behaviours on by comparing (`version >= GroupingVersion::V2026_12`), so the older code paths stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GroupingVersion {
    /// Paths with known install prefixes and release directories stripped.
    #[serde(rename = "2026-11")]
    V2026_11,
    /// Paths relative to the project root found in the event itself, whatever the deploy root; Ruby
    /// blocks, Rust closures and panic machinery never split an issue.
    #[serde(rename = "2026-12")]
    V2026_12,
}

impl GroupingVersion {
    /// The version new issues are grouped with.
    pub const CURRENT: Self = Self::V2026_12;
    /// The version installs are upgraded from; events are grouped with both during the transition.
    pub const PREVIOUS: Self = Self::V2026_11;

    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2026_11 => "2026-11",
            Self::V2026_12 => "2026-12",
        }
    }

    pub fn parse(version: &str) -> Option<Self> {
        [Self::V2026_11, Self::V2026_12]
            .into_iter()
            .find(|known| known.as_str() == version)
    }
}

/// The version new issues are grouped with.
pub const GROUPING_VERSION: &str = GroupingVersion::CURRENT.as_str();
/// The version before it, still computed during the upgrade transition.
pub const PREVIOUS_GROUPING_VERSION: &str = GroupingVersion::PREVIOUS.as_str();

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Component {
    /// Stable machine name: `fingerprint`, `service`, `override`, `exception`, `type`, `stacktrace`,
    /// `frame`, `module`, `file`, `function`, `line`, `message`.
    pub id: String,
    /// The value this leaf contributes (normalized); empty for inner nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    pub contributes: bool,
    /// Why this component does or does not count, for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Component>,
    /// A frame that is not the service's code or repeats the frames above it (2026-12): the issue page
    /// folds it. Unlike `contributes`, it stays set when an override disables the whole tree.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fold: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Hex digest of the contributing values; equal hashes are one issue.
    pub hash: String,
    pub version: String,
    pub tree: Component,
}

mod chain;
mod frames;
mod hash;
mod in_app;
mod message;
mod paths;
mod regroup;
mod root;
mod rules;
mod stack_rules;

pub use regroup::{RegroupPreview, preview as preview_rules};
pub use stack_rules::{RuleError, RuleSource, RulesError, StackRules};

use crate::stacktrace::Stacktrace;

const HINT_OVERRIDDEN: &str = "overridden by error.fingerprint";
const HINT_OVERRIDE: &str = "set by the error.fingerprint tag; replaces everything but the service";
const HINT_RULE_OVERRIDE: &str = "replaces everything but the service";
const HINT_PROJECT_ROOT: &str =
    "the project root, left out of every path: the same code deployed elsewhere groups the same";

/// What one error event is grouped by.
#[derive(Debug, Clone, Copy)]
pub struct GroupingInput<'a> {
    pub service: &'a str,
    /// The reported exception's type (`error.type`); wins over the type parsed from the stack.
    pub error_type: &'a str,
    /// The reported exception's message (`error.message`).
    pub message: &'a str,
    pub stacktrace: &'a Stacktrace,
    /// The `error.fingerprint` tag, if set.
    pub fingerprint_override: Option<&'a str>,
}

/// Groups one error event with version [`GROUPING_VERSION`].
pub fn fingerprint(input: &GroupingInput<'_>) -> Fingerprint {
    fingerprint_as(GroupingVersion::CURRENT, input)
}

/// The culprit of a stack for `version`, by the frames [`fingerprint_as`] counts.
pub fn culprit(stacktrace: &Stacktrace, version: GroupingVersion) -> Option<String> {
    frames::culprit(stacktrace, version, &StackRules::default())
}

/// The culprit of a stack for `version` under a service's stack rules, by the frames
/// [`fingerprint_with`] counts.
pub fn culprit_with(
    stacktrace: &Stacktrace,
    version: GroupingVersion,
    rules: &StackRules,
) -> Option<String> {
    frames::culprit(stacktrace, version, rules)
}

/// Where the culprit of [`culprit_with`] is: (exception index, frame index) in `stacktrace`.
pub fn culprit_frame(
    stacktrace: &Stacktrace,
    version: GroupingVersion,
    rules: &StackRules,
) -> Option<(usize, usize)> {
    frames::culprit_frame(stacktrace, version, rules)
}

/// Groups one error event with a given version.
///
/// The tree's root, `fingerprint`, has these children:
/// - `service`: always contributes; issues never span services.
/// - `override` (only with an `error.fingerprint` tag, or a fingerprint rule with
///   [`fingerprint_with`]): contributes, and every other child below is marked as not contributing.
/// - `exception`, one per element of the chain (reported exception first, then its causes), each with
///   `type` and `stacktrace` → `frame`s → `module` / `file`, `function`, `line`. Only in-app frames
///   count, by module (or normalized file when there is no module) and cleaned function; line numbers
///   never count; recursion is collapsed. Since 2026-12 a cause with neither type nor frames (anyhow's
///   `Caused by:` list) also has a contributing `message`, and frames that do not count are `fold`.
/// - `message`: the normalized message; contributes only when no frame of the chain counts.
/// - `project_root` (2026-12, when paths were made relative): the root left out of every path, never
///   contributing.
///
/// The hash is SHA-256 over the grouping version and then the root component, each contributing
/// component encoded as its `id`, its number of values and each value, its number of contributing
/// children and each of them in order. Strings are written `<byte length>:<bytes>` and counts
/// `<count>;` (decimal), so every part is self-delimiting and no two trees share an encoding.
/// Non-contributing components, their values and all hints are left out. The first 32 hex digits of
/// the digest are kept.
pub fn fingerprint_as(version: GroupingVersion, input: &GroupingInput<'_>) -> Fingerprint {
    fingerprint_with(version, input, &StackRules::default())
}

/// Groups one error event with a given version under a service's stack rules ([`StackRules`]): in-app
/// rules decide which frames are the service's code before anything else, and the first matching
/// fingerprint rule replaces everything but the service, as an `override` whose hint names the rule.
/// An `error.fingerprint` tag still wins over fingerprint rules: it was set in the code, for that
/// event. With no rules the output is [`fingerprint_as`]'s.
pub fn fingerprint_with(
    version: GroupingVersion,
    input: &GroupingInput<'_>,
    rules: &StackRules,
) -> Fingerprint {
    let stacktrace = input.stacktrace;
    let mut children = vec![Component::leaf(
        "service",
        input.service.trim().to_owned(),
        true,
        None,
    )];
    let app = in_app::AppCode::new(stacktrace, version, rules);
    let root = frames::project_root(stacktrace, version, &app);
    children.extend(chain::exceptions(input, version, &root, &app));
    let frames_count = children.iter().any(|exception| {
        exception
            .children
            .iter()
            .any(|child| child.id == "stacktrace" && child.contributes)
    });
    children.push(chain::message(
        input.message,
        frames_count,
        stacktrace.frames().next().is_some(),
    ));
    if let Some(root) = root.describe() {
        children.push(Component::leaf(
            "project_root",
            root,
            false,
            Some(HINT_PROJECT_ROOT),
        ));
    }

    let tagged = input
        .fingerprint_override
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(|value| (value.to_owned(), HINT_OVERRIDE.to_owned()));
    let overridden = tagged.or_else(|| {
        // Intake groups every event through here: gather what rules match on only when there are any.
        if !rules.has_fingerprint_rules() {
            return None;
        }
        let matched = rules.fingerprint(&chain::event_facts(input))?;
        Some((
            matched.fingerprint.to_owned(),
            format!("set by {}; {HINT_RULE_OVERRIDE}", matched.rule),
        ))
    });
    let mut hint = None;
    if let Some((value, why)) = overridden {
        for child in children.iter_mut().skip(1) {
            child.disable(HINT_OVERRIDDEN);
        }
        children.insert(
            1,
            Component::leaf("override", value, true, Some(why.as_str())),
        );
        hint = Some(HINT_OVERRIDDEN.to_owned());
    }
    let tree = Component {
        id: "fingerprint".to_owned(),
        contributes: true,
        hint,
        children,
        values: Vec::new(),
        fold: false,
    };
    Fingerprint {
        hash: hash::hash(version, &tree),
        version: version.as_str().to_owned(),
        tree,
    }
}

impl Component {
    /// A component with one value (none when `value` is empty).
    fn leaf(id: &str, value: String, contributes: bool, hint: Option<&str>) -> Self {
        Self {
            id: id.to_owned(),
            values: if value.is_empty() {
                Vec::new()
            } else {
                vec![value]
            },
            contributes,
            hint: hint.map(str::to_owned),
            children: Vec::new(),
            fold: false,
        }
    }

    /// Marks this subtree as not contributing, saying why here; hints further down stay.
    fn disable(&mut self, hint: &str) {
        fn clear(component: &mut Component) {
            component.contributes = false;
            component.children.iter_mut().for_each(clear);
        }
        clear(self);
        self.hint = Some(hint.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::chain::{
        HINT_EMPTY_MESSAGE, HINT_MESSAGE_IGNORED, HINT_MESSAGE_NO_FRAMES, HINT_MESSAGE_NO_IN_APP,
        HINT_NO_TYPE,
    };
    use super::*;
    use crate::stacktrace::{Exception, Frame, Language};

    fn frame(file: &str, function: &str, in_app: bool) -> Frame {
        Frame {
            file: Some(file.to_owned()),
            function: Some(function.to_owned()),
            in_app,
            ..Frame::default()
        }
    }

    fn trace(exceptions: Vec<(Option<&str>, Vec<Frame>)>) -> Stacktrace {
        let exceptions = exceptions
            .into_iter()
            .map(|(error_type, frames)| Exception {
                error_type: error_type.map(str::to_owned),
                message: None,
                frames,
            })
            .collect();
        Stacktrace {
            language: Some(Language::Python),
            exceptions,
            raw: false,
        }
    }

    fn group(error_type: &str, message: &str, stacktrace: &Stacktrace) -> Fingerprint {
        fingerprint_as(
            GroupingVersion::V2026_11,
            &GroupingInput {
                service: "shop-api",
                error_type,
                message,
                stacktrace,
                fingerprint_override: None,
            },
        )
    }

    #[test]
    fn hash_is_pinned_for_this_version() {
        let stacktrace = trace(vec![(
            Some("KeyError"),
            vec![frame("/srv/app/app/views.py", "show", true)],
        )]);
        let grouped = group("KeyError", "'id'", &stacktrace);
        assert_eq!(grouped.version, "2026-11");
        assert_eq!(grouped.hash.len(), 32);
        // Recomputed by hand from the documented encoding; a shipped version must never change it.
        assert_eq!(grouped.hash, "0229990420a40080a234d16bccfa0cee");
    }

    #[test]
    fn message_counts_only_without_in_app_frames() {
        let in_app = trace(vec![(
            Some("ValueError"),
            vec![frame("/srv/app/app/a.py", "f", true)],
        )]);
        let library = trace(vec![(
            Some("ValueError"),
            vec![frame(
                "/usr/lib/python3.12/json/decoder.py",
                "decode",
                false,
            )],
        )]);
        let cases = [
            (&in_app, "bad id 42", false, HINT_MESSAGE_IGNORED),
            (&library, "bad id 42", true, HINT_MESSAGE_NO_IN_APP),
            (&library, "", false, HINT_EMPTY_MESSAGE),
            (
                &Stacktrace::default(),
                "bad id 42",
                true,
                HINT_MESSAGE_NO_FRAMES,
            ),
        ];
        for (stacktrace, text, contributes, hint) in cases {
            let tree = group("ValueError", text, stacktrace).tree;
            let message = tree.children.last().expect("message component");
            assert_eq!(
                (
                    message.id.as_str(),
                    message.contributes,
                    message.hint.as_deref()
                ),
                ("message", contributes, Some(hint))
            );
        }
        assert_ne!(
            group("ValueError", "bad id 42", &library).hash,
            group("ValueError", "no such user", &library).hash
        );
        assert_eq!(
            group("ValueError", "bad id 42", &in_app).hash,
            group("ValueError", "no such user", &in_app).hash
        );
    }

    #[test]
    fn reported_type_wins_and_causes_keep_theirs() {
        let stacktrace = trace(vec![
            (
                Some("ValueError"),
                vec![frame("/srv/app/app/a.py", "f", true)],
            ),
            (None, vec![frame("/srv/app/app/b.py", "g", true)]),
        ]);
        let tree = group("builtins.ValueError", "", &stacktrace).tree;
        let types: Vec<_> = tree.children[1..3]
            .iter()
            .map(|e| {
                (
                    e.children[0].values.first().map(String::as_str),
                    e.children[0].hint.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            types,
            [
                (Some("builtins.ValueError"), None),
                (None, Some(HINT_NO_TYPE))
            ]
        );
    }
}
