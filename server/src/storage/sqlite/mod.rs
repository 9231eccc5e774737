//! SQLite backend. WAL with `synchronous=FULL` (a commit is on disk when it returns); one writer
//! connection serializes writes, and a separate read pool serves queries so that reads never wait
//! on ingest and ingest never waits on a slow read. A batch is one transaction of prepared
//! statements executed in a loop, which SQLite runs fast.

use std::str::FromStr;
use std::time::Duration;

use domain::query::{EventPage, IssueDetail, IssuePage, IssueQuery, Stats, Status};
use sqlx::Sqlite;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::{StoreError, decode, filter, migrator};

mod write;

const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
const READ_CONNECTIONS: u32 = 4;

const EVENT_QUERY: &str = "\
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
    LIMIT ?2 OFFSET ?3";

const ISSUE_QUERY: &str = "\
    SELECT id, fingerprint, service, env, error_type, message, culprit, status, count, \
        first_seen, last_seen, first_version, last_version, grouping_version, fingerprint_tree \
    FROM issues WHERE id = ?1";

#[derive(Debug, Clone)]
pub struct SqliteStore {
    write: SqlitePool,
    read: SqlitePool,
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
            .connect_with(options.clone())
            .await?;
        migrator(&[(
            1,
            "init",
            include_str!("../../../../migrations/sqlite/0001_init.sql"),
        )])
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
        Ok(Self { write, read })
    }

    pub(super) async fn list_issues(&self, q: &IssueQuery) -> Result<IssuePage, StoreError> {
        let rows = filter::page::<Sqlite>(q, "LIKE")
            .build()
            .fetch_all(&self.read)
            .await?;
        let total: i64 = filter::count::<Sqlite>(q, "LIKE")
            .build_query_scalar()
            .fetch_one(&self.read)
            .await?;
        let issues = rows
            .iter()
            .map(decode::issue_summary)
            .collect::<Result<_, _>>()?;
        Ok(IssuePage { issues, total })
    }

    pub(super) async fn issue(&self, id: i64) -> Result<Option<IssueDetail>, StoreError> {
        let Some(row) = sqlx::query(ISSUE_QUERY)
            .bind(id)
            .fetch_optional(&self.read)
            .await?
        else {
            return Ok(None);
        };
        let latest = sqlx::query(EVENT_QUERY)
            .bind(id)
            .bind(1_i64)
            .bind(0_i64)
            .fetch_optional(&self.read)
            .await?;
        Ok(Some(IssueDetail {
            issue: decode::issue_summary(&row)?,
            grouping_version: sqlx::Row::try_get(&row, "grouping_version")?,
            fingerprint_tree: decode::fingerprint_tree(sqlx::Row::try_get(
                &row,
                "fingerprint_tree",
            )?)?,
            latest_event: latest.as_ref().map(decode::event_detail).transpose()?,
        }))
    }

    pub(super) async fn events(
        &self,
        issue_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<EventPage, StoreError> {
        let total: Option<i64> = sqlx::query_scalar("SELECT count FROM issues WHERE id = ?1")
            .bind(issue_id)
            .fetch_optional(&self.read)
            .await?;
        let rows = sqlx::query(EVENT_QUERY)
            .bind(issue_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.read)
            .await?;
        let events = rows
            .iter()
            .map(decode::event_detail)
            .collect::<Result<_, _>>()?;
        Ok(EventPage {
            events,
            total: total.unwrap_or(0),
        })
    }

    pub(super) async fn trace_blob(&self, trace_hex: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT spans FROM traces WHERE trace_id = ?1")
                .bind(trace_hex)
                .fetch_optional(&self.read)
                .await?,
        )
    }

    pub(super) async fn stats(&self) -> Result<Stats, StoreError> {
        let (issues, error_events): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), coalesce(SUM(count), 0) FROM issues")
                .fetch_one(&self.read)
                .await?;
        let skipped = sqlx::query_as("SELECT reason, SUM(count) FROM skipped GROUP BY reason")
            .fetch_all(&self.read)
            .await?;
        let hits = sqlx::query_as("SELECT service, SUM(hits) FROM hits GROUP BY service")
            .fetch_all(&self.read)
            .await?;
        let spans: Option<i64> =
            sqlx::query_scalar("SELECT value FROM counters WHERE name = 'spans'")
                .fetch_optional(&self.read)
                .await?;
        Ok(Stats {
            issues,
            error_events,
            skipped: skipped.into_iter().collect(),
            hits: hits.into_iter().collect(),
            spans: spans.unwrap_or(0),
        })
    }

    pub(super) async fn set_status(&self, id: i64, status: Status) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE issues SET status = ?1 WHERE id = ?2")
            .bind(status.as_str())
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}

/// The URL without its query string, for logs.
fn options_label(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}
