//! SQLite backend. WAL with `synchronous=FULL` (a commit is on disk when it returns); one writer
//! connection serializes writes, and a separate read pool serves queries so that reads never wait
//! on ingest and ingest never waits on a slow read. A batch is one transaction of prepared
//! statements executed in a loop, which SQLite runs fast.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::filter::Wildcard;
use super::read::{Dialect, Reader};
use super::window::PruneClock;
use super::{StoreError, migrator};

mod write;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// The writer's page cache (negative: KiB). SQLite's 2 MiB default made the intake's index lookups
/// re-read pages through system calls once the database outgrew it.
const WRITER_CACHE_KIB: &str = "-32768";
const READ_CONNECTIONS: u32 = 4;

pub(in crate::storage) const DIALECT: Dialect = Dialect {
    lock_issues: "",
    wildcard: Wildcard::Glob,
    ilike: "LIKE",
    join_texts: "group_concat",
    issue: "\
        SELECT id, fingerprint, service, env, error_type, message, culprit, status, count, \
            first_seen, last_seen, first_version, last_version, grouping_version, \
            fingerprint_tree, merged_into, \
            assignee_id, (SELECT u.email FROM users u WHERE u.id = assignee_id) AS assignee_email, \
            (SELECT u.display_name FROM users u WHERE u.id = assignee_id) AS assignee_name \
        FROM issues WHERE id = ?1",
    events: "\
    SELECT e.id, e.issue_id, e.time, e.trace_id, e.span_id, e.error_span_id, e.service, e.env, \
        e.version, e.host, e.container_id, e.resource, e.operation, e.error_type, e.message, \
        e.language, s.body AS stack, e.span_tags, h.body AS host_tags, \
        c.body AS container_tags, e.metrics \
    FROM events e \
    JOIN texts s ON s.id = e.stack_id \
    LEFT JOIN texts h ON h.id = e.host_tags_id \
    LEFT JOIN texts c ON c.id = e.container_tags_id \
    WHERE e.issue_id = ?1 \
    ORDER BY e.time DESC, e.id DESC \
    LIMIT ?2 OFFSET ?3",
    issue_count: "SELECT count FROM issues WHERE id = ?1",
    trace: "SELECT spans FROM traces WHERE trace_id = ?1",
    totals: "SELECT COUNT(*), coalesce(SUM(count), 0) FROM issues \
        WHERE merged_into IS NULL",
    skipped: "SELECT reason, SUM(count) FROM skipped GROUP BY reason",
    dropped: "SELECT reason, SUM(count) FROM intake_drops GROUP BY reason",
    hits: "SELECT service, SUM(hits) FROM hits GROUP BY service",
    spans: "SELECT value FROM counters WHERE name = 'spans'",
};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
    prune: PruneClock,
}

impl SqliteStore {
    pub(super) async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let parent = options
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty());
        if let Some(dir) = parent.filter(|_| !in_memory) {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(|source| StoreError::CreateDir {
                    path: dir.to_owned(),
                    source,
                })?;
        }
        // The one writer connection lives as long as the store: an in-memory database dies with it.
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone().pragma("cache_size", WRITER_CACHE_KIB))
            .await?;
        migrator(&[
            (
                1,
                "init",
                include_str!("../../../../migrations/sqlite/0001_init.sql"),
            ),
            (
                2,
                "explorer",
                include_str!("../../../../migrations/sqlite/0002_explorer.sql"),
            ),
            (
                3,
                "source",
                include_str!("../../../../migrations/sqlite/0003_source.sql"),
            ),
            (
                4,
                "value_hours",
                include_str!("../../../../migrations/sqlite/0004_value_hours.sql"),
            ),
            (
                5,
                "grouping_aliases",
                include_str!("../../../../migrations/sqlite/0005_grouping_aliases.sql"),
            ),
            (
                6,
                "intake_drops",
                include_str!("../../../../migrations/sqlite/0006_intake_drops.sql"),
            ),
            (
                7,
                "accounts",
                include_str!("../../../../migrations/sqlite/0007_accounts.sql"),
            ),
            (
                8,
                "stack_rules",
                include_str!("../../../../migrations/sqlite/0008_stack_rules.sql"),
            ),
            (
                9,
                "assignment_comments",
                include_str!("../../../../migrations/sqlite/0009_assignment_comments.sql"),
            ),
            (
                10,
                "audit_log",
                include_str!("../../../../migrations/sqlite/0010_audit_log.sql"),
            ),
            (
                11,
                "intake_tokens",
                include_str!("../../../../migrations/sqlite/0011_intake_tokens.sql"),
            ),
            (
                12,
                "issue_owners",
                include_str!("../../../../migrations/sqlite/0012_issue_owners.sql"),
            ),
        ])
        .run(&write)
        .await?;
        let read = if in_memory {
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .max_connections(READ_CONNECTIONS)
                .connect_with(options.read_only(true))
                .await?
        };
        tracing::info!(database = %options_label(url), in_memory, "SQLite store ready");
        Ok(Self {
            write,
            read,
            prune: PruneClock::default(),
        })
    }

    pub(super) fn reader(&self) -> Reader<'_, Sqlite> {
        Reader {
            pool: &self.read,
            sql: &DIALECT,
        }
    }

    /// The writing pool, for status changes.
    pub(super) fn writer(&self) -> Reader<'_, Sqlite> {
        Reader {
            pool: &self.write,
            sql: &DIALECT,
        }
    }
}

/// The URL without its query string, for logs.
fn options_label(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}
