//! Changing a service's stack rules: what the JSON API and the settings page's server functions both
//! call. A change is parsed first (every faulty line numbered), previewed on the service's latest
//! events, and saved only from the newest version, audited.

use domain::audit::{AuditAction, AuditActor};
use domain::explorer::{RuleLineError, RulesRefusal, StackRulesPreview, StackRulesVersion};
use domain::grouping::StackRules;

use super::{RuleBook, rules_preview};
use crate::audit::{Actor, detail};
use crate::storage::{SaveRulesError, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum RuleSettingsError {
    #[error(transparent)]
    Refused(#[from] RulesRefusal),
    #[error("the preview task failed")]
    Preview,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rules in the database and the book intake groups with. Cheap to clone.
#[derive(Clone)]
pub struct RuleSettings {
    pub store: Store,
    pub book: RuleBook,
}

fn parse(rules: &str) -> Result<StackRules, RulesRefusal> {
    if rules.len() > StackRulesPreview::MAX_RULES_BYTES {
        return Err(RulesRefusal::TooLong {
            max_bytes: StackRulesPreview::MAX_RULES_BYTES,
        });
    }
    StackRules::parse(rules).map_err(|errors| RulesRefusal::Invalid {
        lines: errors
            .errors
            .iter()
            .map(|e| RuleLineError {
                line: e.line(),
                error: e.to_string(),
            })
            .collect(),
    })
}

impl RuleSettings {
    /// The rules in force, per service that has some.
    pub async fn current(&self) -> Result<Vec<StackRulesVersion>, StoreError> {
        self.store.current_stack_rules().await
    }

    /// Every version of `service`'s rules, newest first.
    pub async fn history(&self, service: &str) -> Result<Vec<StackRulesVersion>, StoreError> {
        self.store.stack_rules_history(service).await
    }

    /// What `rules` would merge and split among `service`'s latest events.
    pub async fn preview(
        &self,
        service: &str,
        rules: &str,
    ) -> Result<StackRulesPreview, RuleSettingsError> {
        let after = parse(rules)?;
        let samples = self
            .store
            .grouping_samples(service, StackRulesPreview::MAX_EVENTS)
            .await?;
        let before = self
            .book
            .for_service(service)
            .map(|(_, rules)| rules)
            .unwrap_or_default();
        let service = service.to_owned();
        tokio::task::spawn_blocking(move || rules_preview(&service, &samples, &before, &after))
            .await
            .map_err(|_| RuleSettingsError::Preview)
    }

    /// Saves `rules` as `service`'s next version when `based_on` (0: it had none; `None`: whatever
    /// is newest) is still its newest; returns the new version.
    pub async fn save(
        &self,
        actor: &Actor,
        service: &str,
        rules: &str,
        based_on: Option<i64>,
    ) -> Result<i64, RuleSettingsError> {
        parse(rules)?;
        let based_on = match based_on {
            Some(version) => version,
            None => self
                .history(service)
                .await?
                .first()
                .map_or(0, |v| v.version),
        };
        // The version's author, as versions saved before the audit log name them: the email.
        let author = match &actor.who {
            AuditActor::User { email, .. } | AuditActor::Token { email, .. } => email.clone(),
            other => other.to_string(),
        };
        let version = self
            .store
            .save_stack_rules(service, rules, based_on, Some(&author))
            .await
            .map_err(|error| match error {
                SaveRulesError::Stale { current, .. } => RulesRefusal::Stale { current }.into(),
                SaveRulesError::Store(e) => RuleSettingsError::Store(e),
            })?;
        tracing::info!(%service, version, "stack rules saved");
        let what = detail([
            ("service", service.to_owned()),
            ("version", version.to_string()),
        ]);
        actor
            .record(&self.store, AuditAction::StackRulesSaved, what)
            .await?;
        // This instance groups with them at once; the others within their next reload.
        if let Err(error) = self.book.refresh(&self.store).await {
            tracing::warn!(%error, "reloading stack rules after a save failed");
        }
        Ok(version)
    }
}
