//! Source code storage: linked repositories (credentials in their own columns, never read into
//! [`Repository`]), code mappings, the (service, repository) pairs seen at ingest, cached GitHub reads
//! and the shared rate-limit backoff.
//!
//! The SQL (`sql`) is written once for both backends.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{Read, Write};

use domain::errors::ErrorEvent;
use domain::query::EventDetail;
use domain::source::repo_url::RepoUrl;
use domain::source::{AuthKind, CodeMapping, CodeMappingInput, Repository};
use domain::span::tags;

use super::{Store, StoreError};

/// How the server authenticates for a linked repository. `Debug` never prints the secrets.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Secret {
    None,
    Token(String),
    App {
        app_id: u64,
        installation_id: u64,
        private_key: String,
    },
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Token(_) => f.write_str("Token(***)"),
            Self::App {
                app_id,
                installation_id,
                ..
            } => write!(
                f,
                "App {{ app_id: {app_id}, installation_id: {installation_id}, private_key: *** }}"
            ),
        }
    }
}

impl Secret {
    pub fn kind(&self) -> AuthKind {
        match self {
            Self::None => AuthKind::None,
            Self::Token(_) => AuthKind::Token,
            Self::App { .. } => AuthKind::App,
        }
    }
}

/// A linked repository with its credentials, for calling GitHub. Server-only.
#[derive(Debug, Clone)]
pub struct LinkedRepository {
    pub repository: Repository,
    pub secret: Secret,
}

/// A repository to write: validated owner, name and base, and the credentials (`None`: keep the
/// stored ones, on update).
#[derive(Debug, Clone)]
pub struct RepositoryRow {
    pub owner: String,
    pub name: String,
    pub api_base_url: Option<String>,
    pub secret: Option<Secret>,
    pub services: Vec<String>,
}

/// The result of a write that can hit a uniqueness rule or an unknown id.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved<T> {
    Saved(T),
    NotFound,
    Duplicate,
}

/// A cached file read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CachedFile {
    Text(String),
    Missing,
    NotText,
}

/// (service, canonical repository URL) pairs named by a batch's error events. The URL is rebuilt from
/// its parsed parts, so credentials embedded in the tag never reach the database.
pub(super) fn seen_pairs(events: &[super::NewEvent]) -> BTreeSet<(String, String)> {
    // Each distinct (service, tag text) is parsed once: a batch repeats the same few.
    let raw: BTreeSet<(&str, &str)> = events
        .iter()
        .filter_map(|e| Some((e.event.service.as_str(), repository_url(&e.event)?)))
        .collect();
    raw.into_iter()
        .filter_map(|(service, url)| Some((service.to_owned(), RepoUrl::parse(url)?.html_url())))
        .collect()
}

fn repository_url(event: &ErrorEvent) -> Option<&str> {
    [tags::GIT_REPOSITORY_URL, tags::DD_GIT_REPOSITORY_URL]
        .iter()
        .find_map(|k| event.span_tags.get(*k).filter(|v| !v.is_empty()))
        .map(String::as_str)
}

const REPOSITORY_COLUMNS: &str = "id, owner, name, api_base, auth_kind, created_at, last_error";

type RepositoryTuple = (i64, String, String, String, String, i64, Option<String>);

fn repository(row: RepositoryTuple, services: Vec<String>) -> Result<Repository, StoreError> {
    let (id, owner, name, api_base, auth, created_at, last_error) = row;
    Ok(Repository {
        id,
        owner,
        name,
        api_base_url: (!api_base.is_empty()).then_some(api_base),
        auth: auth_kind(&auth)?,
        services,
        created_at,
        last_error,
    })
}

fn auth_kind(text: &str) -> Result<AuthKind, StoreError> {
    Ok(match text {
        "none" => AuthKind::None,
        "token" => AuthKind::Token,
        "app" => AuthKind::App,
        other => {
            return Err(StoreError::Corrupt {
                what: "repository auth kind",
                reason: format!("unknown kind {other:?}"),
            });
        }
    })
}

fn auth_text(kind: AuthKind) -> &'static str {
    match kind {
        AuthKind::None => "none",
        AuthKind::Token => "token",
        AuthKind::App => "app",
    }
}

type SecretTuple = (
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
);

fn secret((kind, token, app_id, installation_id, key): SecretTuple) -> Result<Secret, StoreError> {
    let corrupt = |reason: &str| StoreError::Corrupt {
        what: "repository credentials",
        reason: reason.to_owned(),
    };
    Ok(match auth_kind(&kind)? {
        AuthKind::None => Secret::None,
        AuthKind::Token => Secret::Token(token.ok_or_else(|| corrupt("token missing"))?),
        AuthKind::App => Secret::App {
            app_id: app_id
                .and_then(|id| u64::try_from(id).ok())
                .ok_or_else(|| corrupt("app id missing"))?,
            installation_id: installation_id
                .and_then(|id| u64::try_from(id).ok())
                .ok_or_else(|| corrupt("installation id missing"))?,
            private_key: key.ok_or_else(|| corrupt("private key missing"))?,
        },
    })
}

/// The secret's columns: (token, app id, installation id, private key).
type SecretColumns = (Option<String>, Option<i64>, Option<i64>, Option<String>);

fn secret_columns(secret: &Secret) -> Result<SecretColumns, StoreError> {
    Ok(match secret {
        Secret::None => (None, None, None, None),
        Secret::Token(token) => (Some(token.clone()), None, None, None),
        Secret::App {
            app_id,
            installation_id,
            private_key,
        } => (
            None,
            Some(i64::try_from(*app_id).map_err(|_| StoreError::OutOfRange("app id"))?),
            Some(
                i64::try_from(*installation_id)
                    .map_err(|_| StoreError::OutOfRange("installation id"))?,
            ),
            Some(private_key.clone()),
        ),
    })
}

fn compress(paths: &[String]) -> Result<Vec<u8>, StoreError> {
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(paths.join("\n").as_bytes())
        .and_then(|()| encoder.finish())
        .map_err(|e| StoreError::Corrupt {
            what: "repository tree",
            reason: e.to_string(),
        })
}

fn decompress(blob: &[u8]) -> Result<Vec<String>, StoreError> {
    let mut text = String::new();
    flate2::read::DeflateDecoder::new(blob)
        .read_to_string(&mut text)
        .map_err(|e| StoreError::Corrupt {
            what: "repository tree",
            reason: e.to_string(),
        })?;
    Ok(text
        .split('\n')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect())
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

fn is_foreign_key_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_foreign_key_violation())
}

mod sql;

pub(in crate::storage) use sql::{postgres, sqlite};

/// Runs `$f` of the backend module with the pool `$which` (`reader` or `writer`).
macro_rules! source_call {
    ($store:expr, $which:ident, $f:ident ( $($arg:expr),* )) => {
        match $store {
            Store::Sqlite(s) => sqlite::$f(s.$which().pool $(, $arg)*).await,
            Store::Postgres(s) => postgres::$f(s.$which().pool $(, $arg)*).await,
        }
    };
}

impl Store {
    /// Linked repositories, without credentials.
    pub async fn repositories(&self) -> Result<Vec<Repository>, StoreError> {
        source_call!(self, reader, repositories())
    }

    /// Linked repositories with their credentials, for calling GitHub.
    pub async fn linked_repositories(&self) -> Result<Vec<LinkedRepository>, StoreError> {
        source_call!(self, reader, linked())
    }

    /// Creates (`id` `None`) or updates a linked repository; `row.secret` `None` keeps the stored
    /// credentials. Its services are replaced by `row.services`.
    pub async fn save_repository(
        &self,
        id: Option<i64>,
        row: &RepositoryRow,
    ) -> Result<Saved<Repository>, StoreError> {
        source_call!(self, writer, save_repository(id, row, super::unix_ms_now()))
    }

    /// Unlinks a repository with its services and mappings.
    pub async fn delete_repository(&self, id: i64) -> Result<bool, StoreError> {
        source_call!(self, writer, delete_repository(id))
    }

    /// Remembers (or clears) the last GitHub failure of a repository, for the settings page.
    pub async fn set_repository_error(
        &self,
        id: i64,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        source_call!(self, writer, set_last_error(id, error))
    }

    pub async fn code_mappings(&self) -> Result<Vec<CodeMapping>, StoreError> {
        source_call!(self, reader, mappings())
    }

    /// `Saved::NotFound` when the repository does not exist.
    pub async fn save_code_mapping(
        &self,
        input: &CodeMappingInput,
    ) -> Result<Saved<CodeMapping>, StoreError> {
        source_call!(self, writer, save_mapping(input))
    }

    pub async fn delete_code_mapping(&self, id: i64) -> Result<bool, StoreError> {
        source_call!(self, writer, delete_mapping(id))
    }

    /// (canonical repository URL, service) pairs seen in error events, by URL.
    pub async fn seen_repositories(&self) -> Result<Vec<(String, String)>, StoreError> {
        source_call!(self, reader, seen())
    }

    /// One stored event by id.
    pub async fn event(&self, id: i64) -> Result<Option<EventDetail>, StoreError> {
        source_call!(self, reader, event(id))
    }

    /// A cached file, unless expired.
    pub async fn cached_file(
        &self,
        key: &str,
        git_ref: &str,
        path: &str,
    ) -> Result<Option<CachedFile>, StoreError> {
        source_call!(self, reader, file(key, git_ref, path, super::unix_ms_now()))
    }

    pub async fn cache_file(
        &self,
        key: &str,
        git_ref: &str,
        path: &str,
        file: &CachedFile,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        source_call!(self, writer, put_file(key, git_ref, path, file, expires_at))
    }

    pub async fn cached_tree(
        &self,
        key: &str,
        git_ref: &str,
    ) -> Result<Option<Vec<String>>, StoreError> {
        source_call!(self, reader, tree(key, git_ref, super::unix_ms_now()))
    }

    pub async fn cache_tree(
        &self,
        key: &str,
        git_ref: &str,
        paths: &[String],
        truncated: bool,
        expires_at: Option<i64>,
    ) -> Result<(), StoreError> {
        source_call!(
            self,
            writer,
            put_tree(key, git_ref, paths, truncated, expires_at)
        )
    }

    pub async fn cached_default_branch(&self, key: &str) -> Result<Option<String>, StoreError> {
        source_call!(self, reader, default_branch(key, super::unix_ms_now()))
    }

    pub async fn cache_default_branch(
        &self,
        key: &str,
        branch: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        source_call!(self, writer, put_default_branch(key, branch, expires_at))
    }

    /// Until when (Unix ms) GitHub calls of `scope` wait, if ever set.
    pub async fn backoff_until(&self, scope: &str) -> Result<Option<i64>, StoreError> {
        source_call!(self, reader, backoff(scope))
    }

    pub async fn set_backoff(&self, scope: &str, until: i64) -> Result<(), StoreError> {
        source_call!(self, writer, set_backoff(scope, until))
    }
}
