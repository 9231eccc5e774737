//! Fingerprinting: which error events are the same issue.
//!
//! A fingerprint is a tree of components (Sentry's idea) so the issue page can explain *why* events
//! grouped: each component says whether it `contributes` and, when it does not, a `hint` saying why.
//! Only contributing values feed the hash. A grouping config is versioned by date and never changes its
//! output once shipped: a new behaviour is a new version.

use serde::{Deserialize, Serialize};

/// The version new issues are grouped with.
pub const GROUPING_VERSION: &str = "2026-11";

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Component {
    /// Stable machine name: `fingerprint`, `service`, `exception`, `type`, `stacktrace`, `frame`, `module`, `function`, `message`, ...
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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// Hex digest of the contributing values; equal hashes are one issue.
    pub hash: String,
    pub version: String,
    pub tree: Component,
}
