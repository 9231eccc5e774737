//! What a change of stack rules would do to a service's recent issues, for the preview shown before the
//! rules are saved: which issues would merge with another one, and which would split.
//!
//! Each recent event is grouped twice, with the rules in force and with the new ones. Comparing hashes
//! (not issue ids) with the rules in force is what makes the preview fair to issues users merged by
//! hand: such an issue already holds several hashes, and only a new difference is a split.

use std::collections::{BTreeMap, BTreeSet};

use super::stack_rules::StackRules;
use super::{GroupingInput, GroupingVersion, fingerprint_with};

/// How many of the previewed issues a rule change would merge or split.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RegroupPreview {
    /// Issues the previewed events belong to.
    pub issues: usize,
    /// Issues some of whose events would share an issue with another issue's events.
    pub merging: usize,
    /// Issues some of whose events, grouped together today, would land in different issues.
    pub splitting: usize,
}

/// The preview over `events`, each with the issue it is in today (any id type), grouped with
/// `version` under the rules in force (`before`) and the proposed ones (`after`).
pub fn preview<'a, I: Ord + Copy>(
    events: impl IntoIterator<Item = (I, GroupingInput<'a>)>,
    version: GroupingVersion,
    before: &StackRules,
    after: &StackRules,
) -> RegroupPreview {
    // For each issue, its events' hashes: today's and, for each, the proposed ones.
    let mut issues: BTreeMap<I, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    // For each proposed hash, the (issue, today's hash) pairs its events come from.
    let mut proposed: BTreeMap<String, BTreeSet<(I, String)>> = BTreeMap::new();
    for (issue, input) in events {
        let today = fingerprint_with(version, &input, before).hash;
        let next = fingerprint_with(version, &input, after).hash;
        issues
            .entry(issue)
            .or_default()
            .entry(today.clone())
            .or_default()
            .insert(next.clone());
        proposed.entry(next).or_default().insert((issue, today));
    }
    let splitting = issues
        .values()
        .filter(|hashes| hashes.values().any(|next| next.len() > 1))
        .count();
    let mut merging: BTreeSet<I> = BTreeSet::new();
    for sources in proposed.values() {
        let from: BTreeSet<I> = sources.iter().map(|(issue, _)| *issue).collect();
        if from.len() > 1 {
            merging.extend(from);
        }
    }
    RegroupPreview {
        issues: issues.len(),
        merging: merging.len(),
        splitting,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stacktrace::{Language, Stacktrace, parse};

    fn stack(file: &str, function: &str) -> Stacktrace {
        parse(
            &format!(
                "Traceback (most recent call last):\n  File \"/app/shop/views.py\", line 3, in checkout\n  File \"{file}\", line 9, in {function}\nDeadlockDetected: deadlock detected\n"
            ),
            Some(Language::Python),
        )
    }

    fn input(stacktrace: &Stacktrace) -> GroupingInput<'_> {
        GroupingInput {
            service: "shop-api",
            error_type: "DeadlockDetected",
            message: "deadlock detected",
            stacktrace,
            fingerprint_override: None,
        }
    }

    #[test]
    fn counts_issues_that_would_merge_or_split() {
        let orders = stack("/app/shop/orders.py", "save");
        let stock = stack("/app/shop/stock.py", "reserve");
        let sdk = stack("/app/shop/acme_sdk/client.py", "send");
        let sdk_other = stack("/app/shop/acme_sdk/retry.py", "run");
        let none = StackRules::default();
        let deadlocks =
            StackRules::parse("type:DeadlockDetected -> db-deadlock").expect("valid rules");
        let sdk_out = StackRules::parse("path:**/acme_sdk/** -app").expect("valid rules");
        let version = GroupingVersion::CURRENT;

        let recent = [(1, &orders), (2, &stock), (3, &sdk), (3, &sdk_other)];
        let events = || recent.iter().map(|(issue, s)| (*issue, input(s)));
        assert_eq!(
            preview(events(), version, &none, &deadlocks),
            RegroupPreview {
                issues: 3,
                merging: 3,
                splitting: 0
            }
        );
        // Issue 3 was merged by hand from two hashes; the SDK rule makes them one hash again, which
        // merges nothing else and splits nothing.
        assert_eq!(
            preview(events(), version, &none, &sdk_out),
            RegroupPreview {
                issues: 3,
                merging: 0,
                splitting: 0
            }
        );
        // Dropping the fingerprint rule splits the one deadlock issue by where each deadlock happened.
        let merged = [(7, &orders), (7, &stock)];
        let events = merged.iter().map(|(issue, s)| (*issue, input(s)));
        assert_eq!(
            preview(events, version, &deadlocks, &none),
            RegroupPreview {
                issues: 1,
                merging: 0,
                splitting: 1
            }
        );
    }
}
