//! Suggested owners of an issue: the `CODEOWNERS` of the repository its latest event came from, read
//! at the event's commit (else the default branch), matched against the repository path of the
//! culprit frame.
//!
//! When: as the issue page asks for them, and in the background for recently seen issues
//! ([`SourceService::keep_owners_fresh`]), never at intake (one GitHub read per event is what intake
//! cannot afford). The result is stored on the issue (so `owner:` searches find it) and
//! reused while the issue's latest event is the one it was computed for; a newer event recomputes it,
//! which costs database reads only while the commit is the same (the source cache keeps reads at a
//! commit for good). Results read at a branch, or without a repository, expire after
//! [`BRANCH_TTL_MS`]. Any instance may compute and store them; the last write wins and all compute
//! the same thing. When GitHub fails, what was stored stays and nothing new is stored.

use std::time::Duration;

use domain::grouping::{GroupingVersion, StackRules, culprit_frame};
use domain::query::EventDetail;
use domain::source::codeowners::{CodeOwners, LOCATIONS};
use domain::source::mapping::{Mapped, TreeIndex, map_frame};
use domain::source::repo_url::html_url;
use domain::source::{CodeMapping, SuggestedOwners};
use domain::span::tags;

use super::SourceService;
use super::fetch::{BRANCH_TTL_MS, Target, is_sha};
use super::snippets::{fail, tag};
use crate::github::SourceError;
use crate::storage::{CachedFile, StoreError, StoredOwners, unix_ms_now};

/// How often each instance looks for issues whose owners are due.
pub const OWNERS_REFRESH: Duration = Duration::from_secs(5 * 60);
/// Issues looked at per round: GitHub reads at a commit are cached, so a round costs few calls.
const OWNERS_PER_ROUND: i64 = 200;
/// Only issues seen this recently are kept fresh in the background (older ones on page view).
const OWNERS_SEEN_WITHIN_MS: i64 = 7 * 24 * 3_600_000;

impl SourceService {
    /// Computes the owners of recently seen issues that have none or stale ones, so `owner:`
    /// finds issues nobody has opened yet; the number of issues looked at. Without a linked
    /// repository there is nothing to read.
    pub async fn refresh_owners(&self) -> Result<usize, StoreError> {
        if self.store.linked_repositories().await?.is_empty() {
            return Ok(0);
        }
        let now = unix_ms_now();
        let due = self
            .store
            .issues_due_for_owners(now - OWNERS_SEEN_WITHIN_MS, now, OWNERS_PER_ROUND)
            .await?;
        for &issue_id in &due {
            self.suggested_owners(issue_id).await?;
        }
        Ok(due.len())
    }

    /// Runs [`Self::refresh_owners`] every [`OWNERS_REFRESH`], first after one period. Safe on
    /// every instance: they compute the same owners, and reads at a commit are cached in the
    /// database, so a second instance's round costs database reads only.
    pub fn keep_owners_fresh(self) {
        tokio::spawn(async move {
            let start = tokio::time::Instant::now() + OWNERS_REFRESH;
            let mut tick = tokio::time::interval_at(start, OWNERS_REFRESH);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                match self.refresh_owners().await {
                    Ok(0) => {}
                    Ok(looked_at) => tracing::debug!(looked_at, "suggested owners refreshed"),
                    Err(error) => tracing::warn!(%error, "refreshing suggested owners failed"),
                }
            }
        });
    }

    /// The issue's suggested owners, computed when the stored ones are stale; `None` for an issue
    /// without events. GitHub failures leave the stored owners (or none) in place.
    pub async fn suggested_owners(
        &self,
        issue_id: i64,
    ) -> Result<Option<SuggestedOwners>, StoreError> {
        let latest = self.store.events(issue_id, 1, 0).await?;
        let Some(event) = latest.events.into_iter().next() else {
            return Ok(None);
        };
        let now = unix_ms_now();
        let stored = self.store.issue_owners(issue_id).await?;
        if let Some(stored) = &stored
            && stored.event_id == event.id
            && stored.expires_at.is_none_or(|at| at > now)
        {
            return Ok(Some(view(stored)));
        }
        match self.compute(&event, now).await {
            Ok(fresh) => {
                self.store.save_issue_owners(issue_id, &fresh).await?;
                Ok(Some(view(&fresh)))
            }
            Err(error) => {
                let error = fail(error)?;
                tracing::debug!(%error, issue_id, "suggested owners not computed");
                let mut kept = stored.as_ref().map_or_else(nobody, view);
                kept.unavailable = Some(error.to_string());
                Ok(Some(kept))
            }
        }
    }

    async fn compute(&self, event: &EventDetail, now: i64) -> Result<StoredOwners, SourceError> {
        let mut owners = StoredOwners {
            event_id: event.id,
            git_ref: None,
            codeowners_path: None,
            frame_path: None,
            rule_line: None,
            rule_url: None,
            owners: Vec::new(),
            computed_at: now,
            expires_at: Some(now + BRANCH_TTL_MS),
        };
        // A repository may be linked later.
        let Some((target, mappings)) = self.target(event).await? else {
            return Ok(owners);
        };
        let commit =
            tag(event, [tags::GIT_COMMIT_SHA, tags::DD_GIT_COMMIT_SHA]).filter(|sha| is_sha(sha));
        let git_ref = match commit {
            Some(sha) => {
                owners.expires_at = None;
                sha.to_owned()
            }
            None => self.default_branch(&target).await?,
        };
        owners.git_ref = Some(git_ref.clone());
        owners.frame_path = self
            .culprit_path(event, &target, &mappings, &git_ref)
            .await?;
        let Some((location, text)) = self.codeowners(&target, &git_ref).await? else {
            return Ok(owners);
        };
        owners.codeowners_path = Some(location.to_owned());
        let Some(path) = &owners.frame_path else {
            return Ok(owners);
        };
        let (file, _skipped) = CodeOwners::parse(&text);
        if let Some(rule) = file.rule_for(path) {
            let html = html_url(&target.owner, &target.name, target.api_base_url.as_deref());
            owners.rule_line = i64::try_from(rule.line).ok();
            owners.rule_url = Some(format!("{html}/blob/{git_ref}/{location}#L{}", rule.line));
            owners.owners = rule.owners.clone();
        }
        Ok(owners)
    }

    /// The repository path of the event's culprit frame, mapped as snippets map frames.
    async fn culprit_path(
        &self,
        event: &EventDetail,
        target: &Target,
        mappings: &[CodeMapping],
        git_ref: &str,
    ) -> Result<Option<String>, SourceError> {
        let stacktrace = &event.stacktrace;
        let Some((e, f)) =
            culprit_frame(stacktrace, GroupingVersion::CURRENT, &StackRules::default())
        else {
            return Ok(None);
        };
        let frame = &stacktrace.exceptions[e].frames[f];
        let mapped = match map_frame(frame, &event.service, mappings, None) {
            Mapped::NeedsTree => {
                let tree = TreeIndex::new(self.tree(target, git_ref).await?);
                map_frame(frame, &event.service, mappings, Some(&tree))
            }
            mapped => mapped,
        };
        Ok(match mapped {
            Mapped::Path(path, _) => Some(path),
            _ => None,
        })
    }

    /// The first `CODEOWNERS` of [`LOCATIONS`] at `git_ref`, as GitHub picks it.
    async fn codeowners(
        &self,
        target: &Target,
        git_ref: &str,
    ) -> Result<Option<(&'static str, String)>, SourceError> {
        for location in LOCATIONS {
            if let CachedFile::Text(text) = self.file(target, git_ref, location).await? {
                return Ok(Some((location, text)));
            }
        }
        Ok(None)
    }
}

fn view(stored: &StoredOwners) -> SuggestedOwners {
    SuggestedOwners {
        owners: stored.owners.clone(),
        path: stored.frame_path.clone(),
        codeowners: stored.codeowners_path.clone(),
        rule_url: stored.rule_url.clone(),
        unavailable: None,
    }
}

fn nobody() -> SuggestedOwners {
    SuggestedOwners {
        owners: Vec::new(),
        path: None,
        codeowners: None,
        rule_url: None,
        unavailable: None,
    }
}
