//! Refused intake requests, counted by reason and hour. Handlers count in memory (a refusal must stay
//! cheap under overload); the writer adds the counts to each commit, and flushes them on its own
//! when no batch comes, so the database holds them and every instance on one PostgreSQL sees the
//! sum. A crash loses at most the last flush interval's counts.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use domain::intake::DropReason;

use crate::storage::unix_ms_now;

const HOUR_MS: i64 = 3_600_000;

/// Counts per (reason, hour bucket start in Unix ms).
pub type DropCounts = BTreeMap<(DropReason, i64), u64>;

#[derive(Debug, Clone, Default)]
pub struct DropCounter(Arc<Mutex<DropCounts>>);

impl DropCounter {
    pub fn count(&self, reason: DropReason) {
        let hour = unix_ms_now() / HOUR_MS * HOUR_MS;
        *self.lock().entry((reason, hour)).or_default() += 1;
    }

    /// The counts not stored yet, leaving none.
    pub fn take(&self) -> DropCounts {
        std::mem::take(&mut *self.lock())
    }

    /// Puts back counts whose commit failed, to be stored with the next one.
    pub fn restore(&self, counts: DropCounts) {
        let mut pending = self.lock();
        for (key, n) in counts {
            *pending.entry(key).or_default() += n;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DropCounts> {
        // The map stays consistent whatever panicked while holding it: counts are plain additions.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_taken_once_and_restored_on_failure() {
        let counter = DropCounter::default();
        counter.count(DropReason::OverloadQueue);
        counter.count(DropReason::OverloadQueue);
        counter.count(DropReason::Malformed);
        let taken = counter.take();
        let by_reason = |counts: &DropCounts, reason| -> u64 {
            counts
                .iter()
                .filter(|((r, _), _)| *r == reason)
                .map(|(_, n)| n)
                .sum()
        };
        assert_eq!(by_reason(&taken, DropReason::OverloadQueue), 2);
        assert_eq!(by_reason(&taken, DropReason::Malformed), 1);
        assert!(counter.take().is_empty());
        counter.count(DropReason::OverloadQueue);
        counter.restore(taken);
        assert_eq!(by_reason(&counter.take(), DropReason::OverloadQueue), 3);
    }
}
