//! What grouping computed for recent distinct errors, so an error storm groups each distinct error
//! once instead of once per event: in a storm the same few hundred (service, type, message, stack)
//! repeat thousands of times, and fingerprinting (frame clean-up regexes, the component tree,
//! SHA-256) and the culprit were computed again for each.
//!
//! Grouping is a pure function of the key below (the service's stack rules enter by their saved
//! version: a save makes new keys), so a hit returns exactly what grouping would. The
//! cache is bounded: once full it starts over, which costs one grouping per distinct error again.

use std::collections::HashMap;
use std::sync::Mutex;

use domain::errors::ErrorEvent;
use domain::grouping::Fingerprint;

/// Distinct errors kept. A storm's ~200 bugs over a few releases and messages fit; each entry holds
/// its stack and fingerprint tree, a few KiB.
const CAPACITY: usize = 2048;

/// Everything grouping reads from an event (the parsed stack comes from `stack` and `language`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    service: String,
    language: Option<String>,
    error_type: String,
    message: String,
    stack: String,
    fingerprint_override: Option<String>,
    rules_version: Option<i64>,
    with_previous: bool,
}

impl Key {
    fn of(event: &ErrorEvent, rules_version: Option<i64>, with_previous: bool) -> Self {
        Self {
            service: event.service.clone(),
            language: event.language.clone(),
            error_type: event.error_type.clone(),
            message: event.message.clone(),
            stack: event.stack.clone(),
            fingerprint_override: event.fingerprint_override.clone(),
            rules_version,
            with_previous,
        }
    }
}

/// What grouping computed for one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouped {
    pub fingerprint: Fingerprint,
    pub culprit: Option<String>,
    pub previous_fingerprint: Option<String>,
}

/// Shared by every request's `prepare`; cheap to lock (a lookup or an insert, never grouping).
#[derive(Debug, Default)]
pub struct GroupingCache {
    entries: Mutex<HashMap<Key, Grouped>>,
}

impl GroupingCache {
    /// The cached grouping of `event` under its service's `rules_version`, or `group()`'s, remembered.
    pub fn get_or_group(
        &self,
        event: &ErrorEvent,
        rules_version: Option<i64>,
        with_previous: bool,
        group: impl FnOnce() -> Grouped,
    ) -> Grouped {
        let key = Key::of(event, rules_version, with_previous);
        if let Some(found) = self.lock().get(&key) {
            return found.clone();
        }
        let grouped = group();
        let mut entries = self.lock();
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, grouped.clone());
        grouped
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Grouped>> {
        // The map holds only finished values: one left by a panicking thread is still sound.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(message: &str) -> ErrorEvent {
        ErrorEvent {
            service: "shop".into(),
            error_type: "ValueError".into(),
            message: message.into(),
            stack: "Traceback".into(),
            ..ErrorEvent::default()
        }
    }

    fn grouped(hash: &str) -> Grouped {
        Grouped {
            fingerprint: Fingerprint {
                hash: hash.into(),
                version: "2026-12".into(),
                tree: Default::default(),
            },
            culprit: None,
            previous_fingerprint: None,
        }
    }

    #[test]
    fn groups_each_distinct_error_once() {
        let cache = GroupingCache::default();
        let mut calls = 0;
        for message in ["a", "a", "b", "a"] {
            cache.get_or_group(&event(message), None, false, || {
                calls += 1;
                grouped(message)
            });
        }
        assert_eq!(calls, 2);
        let again = cache.get_or_group(&event("b"), None, false, || unreachable!("cached"));
        assert_eq!(again, grouped("b"));
        let transition =
            cache.get_or_group(&event("b"), None, true, || grouped("b, with previous"));
        assert_eq!(transition.fingerprint.hash, "b, with previous");
        let saved_rules = cache.get_or_group(&event("b"), Some(1), false, || grouped("b, rules 1"));
        assert_eq!(saved_rules.fingerprint.hash, "b, rules 1");
    }

    #[test]
    fn stays_bounded() {
        let cache = GroupingCache::default();
        for i in 0..CAPACITY + 10 {
            let message = i.to_string();
            cache.get_or_group(&event(&message), None, false, || grouped(&message));
        }
        assert!(cache.len() <= CAPACITY);
    }
}
