//! Storage: one interface, SQLite and PostgreSQL behind it.
//!
//! [`Store`] picks the backend from the URL and applies that backend's migrations. The SQL of each
//! backend lives in its own module (`sqlite`, `postgres`); everything else is shared: turning a
//! [`WriteBatch`] into rows (`rows`), reading rows back into the API types (`decode`) and the
//! issue-list filters (`filter`).
//!
//! Representation at the database boundary:
//! - times are Unix milliseconds, hour buckets the hour's first millisecond;
//! - trace ids are 32 lowercase hex digits; span ids (`u64`) are stored bit-cast to a signed 64-bit
//!   integer (PostgreSQL has no unsigned type) and shown as decimal `u64` strings;
//! - stacks and host/container tags are stored once per distinct text (`texts`), so an event row
//!   stays a few hundred bytes; traces are compressed JSON, one row per trace (`trace_blob`).

mod aliases;
mod audit;
mod auth;
mod decode;
mod distribution;
mod explorer;
mod filter;
mod merge;
mod owners;
mod postgres;
mod read;
mod rows;
mod series;
mod source;
mod sqlite;
mod stack_rules;
mod teamwork;
mod texts;
mod trace_blob;
mod triage;
mod window;

pub use audit::{AuditBy, AuditDetail, AuditRecord};
pub use auth::{
    FirstAdmin, InviteAcceptance, NewIntakeToken, NewInvite, NewSession, NewToken, NewUser,
    SessionRow, TokenRow, UserRow, UserUpdate,
};
pub use merge::MergeError;
pub use owners::StoredOwners;
pub use source::{CachedFile, LinkedRepository, RepositoryRow, Saved, Secret};
pub use stack_rules::{GroupingSample, SaveRulesError};
pub use teamwork::{Author, TeamworkError};
pub use trace_blob::TraceBlob;
pub use window::{RangeError, TimeWindow};

use std::collections::BTreeMap;
use std::path::PathBuf;

use domain::errors::{ErrorEvent, HitKey, SkipReason};
use domain::explorer::{
    ActivityPage, BulkStatusResult, Facets, IssueDistribution, IssueListPage, MergeResult,
    StackRulesVersion,
};
use domain::grouping::Fingerprint;
use domain::intake::DropReason;
use domain::query::{
    EventPage, IssueDetail, IssuePage, IssueQuery, Search, SearchError, Stats, Status, TraceDetail,
};
use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use self::postgres::PgStore;
use self::sqlite::SqliteStore;

/// One error event with what grouping computed for it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub event: ErrorEvent,
    pub fingerprint: Fingerprint,
    /// Top in-app frame, `module in function`; kept on the issue when its first event has one.
    pub culprit: Option<String>,
    /// The previous grouping version's hash, computed only during an upgrade's transition: an event
    /// whose `fingerprint` has no issue joins the issue of this one (see `aliases.rs`).
    pub previous_fingerprint: Option<String>,
}

/// Everything one intake commit stores, written in one transaction.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WriteBatch {
    pub events: Vec<NewEvent>,
    /// The whole trace of every error event, for the flame graph. A trace stored before is merged
    /// with the new spans (same span id: the new span wins).
    pub traces: Vec<(u128, TraceBlob)>,
    /// Entry-span (hits, errors) per entry point and hour (bucket start, Unix ms).
    pub hits: BTreeMap<(HitKey, i64), (u64, u64)>,
    pub skipped: BTreeMap<(String, SkipReason), u64>,
    /// Spans received.
    pub spans: u64,
    /// Refused intake requests per reason and hour (bucket start, Unix ms).
    pub drops: BTreeMap<(DropReason, i64), u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "unsupported database URL: expected `sqlite:PATH`, `sqlite::memory:` or `postgres://...`"
    )]
    BadUrl,
    #[error("creating the database directory {path} failed")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The driver's text, for logs; the HTTP layer answers with a generic message.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("applying database migrations failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} does not fit a signed 64-bit integer")]
    OutOfRange(&'static str),
    /// The query's `search` text does not parse; callers validate it first to answer 400.
    #[error("invalid search: {0}")]
    Search(#[from] SearchError),
    #[error("stored {what} is unreadable: {reason}")]
    Corrupt { what: &'static str, reason: String },
}

/// Runs `$body` with `$reader` bound to the backend's [`read::Reader`].
macro_rules! with_reader {
    ($store:expr, $reader:ident => $body:expr) => {
        match $store {
            Store::Sqlite(s) => {
                let $reader = s.reader();
                $body
            }
            Store::Postgres(s) => {
                let $reader = s.reader();
                $body
            }
        }
    };
}

/// The database, cheap to clone (pools inside).
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    /// Connects and migrates. `sqlite://./data/stackprint.db` (or `sqlite:data.db`) creates the
    /// file and its directory on first start; `sqlite::memory:` is a private in-memory database;
    /// `postgres://user@host:port/db` needs an existing database.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite(SqliteStore::connect(url).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(PgStore::connect(url).await?))
        } else {
            Err(StoreError::BadUrl)
        }
    }

    /// Stores a batch in one transaction; durable when this returns `Ok`. On error nothing of the
    /// batch is stored.
    pub async fn write_batch(&self, batch: &WriteBatch) -> Result<(), StoreError> {
        if batch.events.is_empty()
            && batch.traces.is_empty()
            && batch.hits.is_empty()
            && batch.skipped.is_empty()
            && batch.drops.is_empty()
            && batch.spans == 0
        {
            return Ok(());
        }
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => s.write(batch, now).await,
            Self::Postgres(s) => s.write(batch, now).await,
        }
    }

    /// The end (Unix ms) of the transition from grouping version `previous` to `current`: `days`
    /// after `current` first ran on this database, and only when issues of `previous` exist; `None`
    /// when there is nothing to transition. Records the first run of `current`.
    pub async fn grouping_transition(
        &self,
        current: &str,
        previous: &str,
        days: u32,
    ) -> Result<Option<i64>, StoreError> {
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => {
                aliases::transition_end(s.writer().pool, current, previous, days, now).await
            }
            Self::Postgres(s) => {
                aliases::transition_end(s.writer().pool, current, previous, days, now).await
            }
        }
    }

    /// One page of issues matching the filters. The version filter matches issues whose first or
    /// last seen version is the given one; the env filter matches every env an issue was seen in.
    pub async fn list_issues(&self, q: &IssueQuery) -> Result<IssuePage, StoreError> {
        with_reader!(self, r => r.list_issues(q).await)
    }

    pub async fn issue(&self, id: i64) -> Result<Option<IssueDetail>, StoreError> {
        with_reader!(self, r => r.issue(id).await)
    }

    /// Events of an issue, newest first. `limit` is capped at [`IssueQuery::MAX_LIMIT`]; `total` is
    /// the issue's event count (0 for an unknown issue).
    pub async fn events(
        &self,
        issue_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<EventPage, StoreError> {
        let limit = limit.min(IssueQuery::MAX_LIMIT);
        with_reader!(self, r => r.events(issue_id, limit, offset).await)
    }

    /// A stored trace, spans ordered by start time.
    pub async fn trace(&self, trace_id: u128) -> Result<Option<TraceDetail>, StoreError> {
        let hex = decode::trace_hex(trace_id);
        let blob = with_reader!(self, r => r.trace_blob(&hex).await?);
        blob.map(|blob| decode::trace_detail(trace_id, &blob))
            .transpose()
    }

    pub async fn stats(&self) -> Result<Stats, StoreError> {
        let mut stats = with_reader!(self, r => r.stats().await?);
        // Every reason is listed, zero included, so users see what *could* be dropped.
        for reason in SkipReason::ALL {
            stats.skipped.entry(reason.as_str().to_owned()).or_insert(0);
        }
        for reason in DropReason::ALL {
            stats.dropped.entry(reason.as_str().to_owned()).or_insert(0);
        }
        Ok(stats)
    }

    /// One page of the explorer's issue list: the filters of `q` and `search` (ignored issues left
    /// out unless a status is named), counts and trends over `window`. With an explicit range, only
    /// issues with events in it, and sort `count` sorts by the count in it.
    pub async fn explorer_issues(
        &self,
        q: &IssueQuery,
        search: &Search,
        window: &TimeWindow,
    ) -> Result<IssueListPage, StoreError> {
        with_reader!(self, r => r.explorer_issues(q, search, window).await)
    }

    /// Issue counts per facet value over what [`Store::explorer_issues`] lists for the same query.
    pub async fn facets(
        &self,
        q: &IssueQuery,
        search: &Search,
        window: &TimeWindow,
    ) -> Result<Facets, StoreError> {
        with_reader!(self, r => r.facets(q, search, window).await)
    }

    /// An issue's events over `window`; `None` for an unknown issue.
    pub async fn distribution(
        &self,
        issue_id: i64,
        window: &TimeWindow,
    ) -> Result<Option<IssueDistribution>, StoreError> {
        with_reader!(self, r => r.distribution(issue_id, window).await)
    }

    /// An issue's triage timeline, oldest first; `None` for an unknown issue.
    pub async fn activity(&self, issue_id: i64) -> Result<Option<ActivityPage>, StoreError> {
        with_reader!(self, r => r.activity(issue_id).await)
    }

    /// Sets the triage status of issues, recording each change in their activity (`actor`:
    /// `anonymous` when `None` or blank). Resolving remembers the version resolved in; any change
    /// clears `regressed`. Issues already in `status` are left as they are (and listed as updated).
    pub async fn set_statuses(
        &self,
        ids: &[i64],
        status: Status,
        actor: Option<&str>,
    ) -> Result<BulkStatusResult, StoreError> {
        let actor = actor_or_anonymous(actor);
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => triage::set_status(&s.writer(), ids, status, actor, now).await,
            Self::Postgres(s) => triage::set_status(&s.writer(), ids, status, actor, now).await,
        }
    }

    /// The stack rules in force, per service that has some.
    pub async fn current_stack_rules(&self) -> Result<Vec<StackRulesVersion>, StoreError> {
        with_reader!(self, r => r.current_stack_rules().await)
    }

    /// Every saved version of `service`'s stack rules, newest first.
    pub async fn stack_rules_history(
        &self,
        service: &str,
    ) -> Result<Vec<StackRulesVersion>, StoreError> {
        with_reader!(self, r => r.stack_rules_history(service).await)
    }

    /// Saves `rules` as `service`'s next version when `based_on` is still its newest (0: none yet).
    pub async fn save_stack_rules(
        &self,
        service: &str,
        rules: &str,
        based_on: i64,
        actor: Option<&str>,
    ) -> Result<i64, SaveRulesError> {
        let actor = actor_or_anonymous(actor);
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => {
                s.writer()
                    .save_stack_rules(service, rules, based_on, actor, now)
                    .await
            }
            Self::Postgres(s) => {
                s.writer()
                    .save_stack_rules(service, rules, based_on, actor, now)
                    .await
            }
        }
    }

    /// `service`'s latest `limit` events as grouping sees them.
    pub async fn grouping_samples(
        &self,
        service: &str,
        limit: u32,
    ) -> Result<Vec<GroupingSample>, StoreError> {
        with_reader!(self, r => r.grouping_samples(service, limit).await)
    }

    /// Merges `issues` into `into` (all of one service): their events, counts and later events are
    /// `into`'s, and they leave the lists until unmerged. Recorded in both sides' activity.
    pub async fn merge(
        &self,
        into: i64,
        issues: &[i64],
        actor: Option<&str>,
    ) -> Result<MergeResult, MergeError> {
        let actor = actor_or_anonymous(actor);
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => merge::merge(&s.writer(), into, issues, actor, now).await,
            Self::Postgres(s) => merge::merge(&s.writer(), into, issues, actor, now).await,
        }
    }

    /// Undoes the merge of issue `id`: its events and fingerprints are its own again, including
    /// those that arrived while merged. Returns the issue it had been merged into.
    pub async fn unmerge(&self, id: i64, actor: Option<&str>) -> Result<i64, MergeError> {
        let actor = actor_or_anonymous(actor);
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => merge::unmerge(&s.writer(), id, actor, now).await,
            Self::Postgres(s) => merge::unmerge(&s.writer(), id, actor, now).await,
        }
    }

    /// [`Store::set_statuses`] of one issue by `anonymous`; false when there is no such issue.
    pub async fn set_status(&self, id: i64, status: Status) -> Result<bool, StoreError> {
        let result = self.set_statuses(&[id], status, None).await?;
        Ok(!result.updated.is_empty())
    }
}

/// A migrator over migration files embedded at build time: `(version, description, sql)` per file
/// `NNNN_description.sql`, with the checksums `sqlx::migrate!` would compute.
fn migrator(files: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        files
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    description.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Who made a change: the name given, `anonymous` when none or blank.
fn actor_or_anonymous(actor: Option<&str>) -> &str {
    actor
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or(triage::ANONYMOUS)
}

/// The current time, Unix milliseconds.
pub fn unix_ms_now() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}
