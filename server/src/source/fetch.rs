//! GitHub reads through the database cache, under the shared rate-limit backoff.
//!
//! Reads at a commit sha are cached for good (content at a sha never changes), including "missing"
//! answers; reads of a branch expire after [`BRANCH_TTL_MS`]. A scope (API base + credential identity)
//! that hit a rate limit makes no call until the limit resets, on every instance sharing the database.

use crate::github::{FileRead, GitHub, SourceError};
use crate::storage::{CachedFile, Secret, unix_ms_now};

use super::SourceService;

/// How long reads of a branch (and the default branch itself) are cached.
pub(super) const BRANCH_TTL_MS: i64 = 5 * 60_000;

/// The repository an event's source is read from.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub owner: String,
    pub name: String,
    /// The API base used (the repository's, else the default).
    pub api_base: String,
    /// The repository's own base, for its web address (`None`: github.com).
    pub api_base_url: Option<String>,
    pub secret: Secret,
    /// The linked repository, `None` for anonymous access to a public one.
    pub repository_id: Option<i64>,
}

impl Target {
    /// The cache key: the same repository read anonymously or with credentials shares its cache.
    fn cache_key(&self) -> String {
        format!("{}|{}/{}", self.api_base, self.owner, self.name).to_lowercase()
    }

    /// Whose rate limit a call spends: the credentials', identified without the secret.
    fn scope(&self) -> String {
        match self.repository_id {
            Some(id) if self.secret != Secret::None => format!("{}|repository:{id}", self.api_base),
            _ => format!("{}|anonymous", self.api_base),
        }
    }
}

/// Whether a git ref is a commit sha (cached for good) rather than a branch.
pub(super) fn is_sha(git_ref: &str) -> bool {
    (7..=64).contains(&git_ref.len()) && git_ref.chars().all(|c| c.is_ascii_hexdigit())
}

fn expiry(git_ref: &str) -> Option<i64> {
    (!is_sha(git_ref)).then(|| unix_ms_now() + BRANCH_TTL_MS)
}

impl SourceService {
    /// The client for `target`, unless its scope is backing off.
    async fn ready(&self, target: &Target) -> Result<GitHub, SourceError> {
        if let Some(until) = self.store.backoff_until(&target.scope()).await?
            && until > unix_ms_now()
        {
            return Err(SourceError::RateLimited { until });
        }
        self.client(&target.api_base, &target.secret)
    }

    /// Records what a call's failure means for later calls: a rate limit for the scope, a credential
    /// problem for the settings page.
    async fn after<T>(
        &self,
        target: &Target,
        result: Result<T, SourceError>,
    ) -> Result<T, SourceError> {
        match &result {
            Err(SourceError::RateLimited { until }) => {
                self.store.set_backoff(&target.scope(), *until).await?;
            }
            Err(error @ (SourceError::BadCredentials | SourceError::NoAccess)) => {
                if let Some(id) = target.repository_id {
                    self.store
                        .set_repository_error(id, Some(&error.to_string()))
                        .await?;
                }
            }
            _ => {}
        }
        result
    }

    pub(super) async fn default_branch(&self, target: &Target) -> Result<String, SourceError> {
        let key = target.cache_key();
        if let Some(branch) = self.store.cached_default_branch(&key).await? {
            return Ok(branch);
        }
        let client = self.ready(target).await?;
        // The repository itself answering 404: private, or invisible to these credentials.
        let result = client
            .default_branch(&target.owner, &target.name)
            .await
            .map_err(|e| match e {
                SourceError::NotFound => SourceError::NoAccess,
                other => other,
            });
        let branch = self.after(target, result).await?;
        self.store
            .cache_default_branch(&key, &branch, unix_ms_now() + BRANCH_TTL_MS)
            .await?;
        Ok(branch)
    }

    /// Every file path at `git_ref`. A ref GitHub does not know caches as an empty tree for a few
    /// minutes (it may be pushed later), and answers `NotFound`.
    pub(super) async fn tree(
        &self,
        target: &Target,
        git_ref: &str,
    ) -> Result<Vec<String>, SourceError> {
        let key = target.cache_key();
        if let Some(paths) = self.store.cached_tree(&key, git_ref).await? {
            return if paths.is_empty() {
                Err(SourceError::NotFound)
            } else {
                Ok(paths)
            };
        }
        let client = self.ready(target).await?;
        let result = client.tree(&target.owner, &target.name, git_ref).await;
        match self.after(target, result).await {
            Ok(tree) => {
                self.store
                    .cache_tree(&key, git_ref, &tree.paths, tree.truncated, expiry(git_ref))
                    .await?;
                Ok(tree.paths)
            }
            Err(SourceError::NotFound) => {
                self.store
                    .cache_tree(
                        &key,
                        git_ref,
                        &[],
                        false,
                        Some(unix_ms_now() + BRANCH_TTL_MS),
                    )
                    .await?;
                Err(SourceError::NotFound)
            }
            Err(e) => Err(e),
        }
    }

    /// A file at `git_ref`; a 404 is `CachedFile::Missing`, cached like content.
    pub(super) async fn file(
        &self,
        target: &Target,
        git_ref: &str,
        path: &str,
    ) -> Result<CachedFile, SourceError> {
        let key = target.cache_key();
        if let Some(file) = self.store.cached_file(&key, git_ref, path).await? {
            return Ok(file);
        }
        let client = self.ready(target).await?;
        let result = client
            .file(&target.owner, &target.name, path, git_ref)
            .await;
        let file = match self.after(target, result).await {
            Ok(FileRead::Text(text)) => CachedFile::Text(text),
            Ok(FileRead::NotText) => CachedFile::NotText,
            Err(SourceError::NotFound) => CachedFile::Missing,
            Err(e) => return Err(e),
        };
        self.store
            .cache_file(&key, git_ref, path, &file, expiry(git_ref))
            .await?;
        if let Some(id) = target.repository_id {
            self.store.set_repository_error(id, None).await?;
        }
        Ok(file)
    }
}
