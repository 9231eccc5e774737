//! The stack rules in force, per service, parsed once per saved version and shared by every intake
//! request. Each instance reloads them from the database every few seconds (a save on any instance
//! applies on all of them), and at once after a save it made itself.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use domain::grouping::StackRules;

use crate::storage::{Store, StoreError};

/// How often every instance reloads the rules.
pub const REFRESH: Duration = Duration::from_secs(5);

/// Service → (version, parsed rules). Cheap to clone.
#[derive(Clone, Default)]
pub struct RuleBook(Arc<RwLock<HashMap<String, (i64, Arc<StackRules>)>>>);

impl RuleBook {
    /// `service`'s rules in force and their version; `None` when it has none.
    pub fn for_service(&self, service: &str) -> Option<(i64, Arc<StackRules>)> {
        let book = self.0.read().unwrap_or_else(PoisonError::into_inner);
        book.get(service).cloned()
    }

    /// Loads the rules in force, parsing only versions not seen before.
    pub async fn refresh(&self, store: &Store) -> Result<(), StoreError> {
        let current = store.current_stack_rules().await?;
        let known: HashMap<String, i64> = {
            let book = self.0.read().unwrap_or_else(PoisonError::into_inner);
            book.iter().map(|(s, (v, _))| (s.clone(), *v)).collect()
        };
        let mut next = HashMap::with_capacity(current.len());
        for saved in current {
            if known.get(&saved.service) == Some(&saved.version) {
                let book = self.0.read().unwrap_or_else(PoisonError::into_inner);
                if let Some(entry) = book.get(&saved.service) {
                    next.insert(saved.service, entry.clone());
                }
                continue;
            }
            // Saves are validated, so this only fails for rules written by a newer release.
            match StackRules::parse(&saved.rules) {
                Ok(rules) => {
                    next.insert(saved.service, (saved.version, Arc::new(rules)));
                }
                Err(error) => tracing::error!(
                    service = %saved.service,
                    version = saved.version,
                    %error,
                    "stored stack rules do not parse; grouping this service without them"
                ),
            }
        }
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = next;
        Ok(())
    }

    /// Reloads every [`REFRESH`] on the current runtime, for as long as the process runs.
    pub fn keep_fresh(&self, store: Store) {
        let book = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(REFRESH);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(error) = book.refresh(&store).await {
                    tracing::warn!(%error, "reloading stack rules failed; keeping the ones loaded");
                }
            }
        });
    }
}

/// What saving `after` instead of `before` would do to `samples` (a service's recent events), grouped
/// with the current grouping version. CPU work: call it off the async workers.
pub fn preview(
    service: &str,
    samples: &[crate::storage::GroupingSample],
    before: &StackRules,
    after: &StackRules,
) -> domain::explorer::StackRulesPreview {
    use domain::grouping::{GroupingInput, GroupingVersion, preview_rules};
    use domain::stacktrace::{self, Language};

    let parsed: Vec<_> = samples
        .iter()
        .map(|sample| {
            let language = sample
                .language
                .as_deref()
                .and_then(Language::from_tracer_lang);
            let tags: HashMap<String, serde_json::Value> =
                serde_json::from_str(&sample.span_tags).unwrap_or_default();
            let fingerprint_override = tags
                .get("error.fingerprint")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            (
                stacktrace::parse(&sample.stack, language),
                fingerprint_override,
            )
        })
        .collect();
    let inputs = samples.iter().zip(&parsed).map(|(sample, (stack, over))| {
        (
            sample.issue_id,
            GroupingInput {
                service,
                error_type: &sample.error_type,
                message: &sample.message,
                stacktrace: stack,
                fingerprint_override: over.as_deref(),
            },
        )
    });
    let regroup = preview_rules(inputs, GroupingVersion::CURRENT, before, after);
    domain::explorer::StackRulesPreview {
        events: samples.len(),
        issues: regroup.issues,
        merging: regroup.merging,
        splitting: regroup.splitting,
    }
}
