//! PostgreSQL backend. A batch is one transaction of a few statements, each writing all its rows at
//! once from bound arrays (`UNNEST`); upserts use `ON CONFLICT`, so concurrent writers (several
//! instances, or overlapping batches) aggregate instead of failing or duplicating issues.
//!
//! Two writers storing the same *new* trace at the same moment: the later one's spans win.

use domain::query::{EventPage, IssueDetail, IssuePage, IssueQuery, Stats, Status};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row};

use super::{StoreError, decode, filter, migrator};

mod write;

const MAX_CONNECTIONS: u32 = 10;

const EVENT_QUERY: &str = "\
    SELECT e.id, e.issue_id, e.time, e.trace_id, e.span_id, e.error_span_id, e.service, e.env, \
        e.version, e.host, e.container_id, e.resource, e.operation, e.error_type, e.message, \
        e.language, s.body AS stack, e.span_tags, h.body AS host_tags, \
        c.body AS container_tags, e.metrics \
    FROM events e \
    JOIN texts s ON s.id = e.stack_id \
    LEFT JOIN texts h ON h.id = e.host_tags_id \
    LEFT JOIN texts c ON c.id = e.container_tags_id \
    WHERE e.issue_id = $1 \
    ORDER BY e.time DESC, e.id DESC \
    LIMIT $2 OFFSET $3";

const ISSUE_QUERY: &str = "\
    SELECT id, fingerprint, service, env, error_type, message, culprit, status, count, \
        first_seen, last_seen, first_version, last_version, grouping_version, fingerprint_tree \
    FROM issues WHERE id = $1";

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    pub(super) async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect(url)
            .await?;
        migrator(&[(
            1,
            "init",
            include_str!("../../../../migrations/postgres/0001_init.sql"),
        )])
        .run(&pool)
        .await?;
        tracing::info!("PostgreSQL store ready");
        Ok(Self { pool })
    }

    pub(super) async fn list_issues(&self, q: &IssueQuery) -> Result<IssuePage, StoreError> {
        let rows = filter::page::<Postgres>(q, "ILIKE")
            .build()
            .fetch_all(&self.pool)
            .await?;
        let total: i64 = filter::count::<Postgres>(q, "ILIKE")
            .build_query_scalar()
            .fetch_one(&self.pool)
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
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let latest = sqlx::query(EVENT_QUERY)
            .bind(id)
            .bind(1_i64)
            .bind(0_i64)
            .fetch_optional(&self.pool)
            .await?;
        Ok(Some(IssueDetail {
            issue: decode::issue_summary(&row)?,
            grouping_version: row.try_get("grouping_version")?,
            fingerprint_tree: decode::fingerprint_tree(row.try_get("fingerprint_tree")?)?,
            latest_event: latest.as_ref().map(decode::event_detail).transpose()?,
        }))
    }

    pub(super) async fn events(
        &self,
        issue_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<EventPage, StoreError> {
        let total: Option<i64> = sqlx::query_scalar("SELECT count FROM issues WHERE id = $1")
            .bind(issue_id)
            .fetch_optional(&self.pool)
            .await?;
        let rows = sqlx::query(EVENT_QUERY)
            .bind(issue_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(&self.pool)
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
            sqlx::query_scalar("SELECT spans FROM traces WHERE trace_id = $1")
                .bind(trace_hex)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub(super) async fn stats(&self) -> Result<Stats, StoreError> {
        let (issues, error_events): (i64, i64) =
            sqlx::query_as("SELECT COUNT(*), COALESCE(SUM(count), 0)::bigint FROM issues")
                .fetch_one(&self.pool)
                .await?;
        let skipped =
            sqlx::query_as("SELECT reason, SUM(count)::bigint FROM skipped GROUP BY reason")
                .fetch_all(&self.pool)
                .await?;
        let hits = sqlx::query_as("SELECT service, SUM(hits)::bigint FROM hits GROUP BY service")
            .fetch_all(&self.pool)
            .await?;
        let spans: Option<i64> =
            sqlx::query_scalar("SELECT value FROM counters WHERE name = 'spans'")
                .fetch_optional(&self.pool)
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
        let done = sqlx::query("UPDATE issues SET status = $1 WHERE id = $2")
            .bind(status.as_str())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
