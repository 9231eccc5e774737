//! PostgreSQL backend. A batch is one transaction of a few statements, each writing all its rows at
//! once from bound arrays (`UNNEST`); upserts use `ON CONFLICT`, so concurrent writers (several
//! instances, or overlapping batches) aggregate instead of failing or duplicating issues.
//!
//! Two writers storing the same *new* trace at the same moment: the later one's spans win.

use sqlx::Postgres;
use sqlx::postgres::{PgPool, PgPoolOptions};

use super::filter::Wildcard;
use super::read::{Dialect, Reader};
use super::window::PruneClock;
use super::{StoreError, migrator};

mod write;

const MAX_CONNECTIONS: u32 = 10;

pub(in crate::storage) const DIALECT: Dialect = Dialect {
    lock_issues: " ORDER BY service COLLATE \"C\", fingerprint COLLATE \"C\" FOR UPDATE",
    wildcard: Wildcard::Like,
    ilike: "ILIKE",
    join_texts: "string_agg",
    issue: "\
        SELECT id, fingerprint, service, env, error_type, message, culprit, status, count, \
            first_seen, last_seen, first_version, last_version, grouping_version, \
            fingerprint_tree, merged_into, \
            assignee_id, (SELECT u.email FROM users u WHERE u.id = assignee_id) AS assignee_email, \
            (SELECT u.display_name FROM users u WHERE u.id = assignee_id) AS assignee_name \
        FROM issues WHERE id = $1",
    events: "\
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
    LIMIT $2 OFFSET $3",
    issue_count: "SELECT count FROM issues WHERE id = $1",
    trace: "SELECT spans FROM traces WHERE trace_id = $1",
    totals: "SELECT COUNT(*), COALESCE(SUM(count), 0)::bigint FROM issues \
        WHERE merged_into IS NULL",
    skipped: "SELECT reason, SUM(count)::bigint FROM skipped GROUP BY reason",
    dropped: "SELECT reason, SUM(count)::bigint FROM intake_drops GROUP BY reason",
    hits: "SELECT service, SUM(hits)::bigint FROM hits GROUP BY service",
    spans: "SELECT value FROM counters WHERE name = 'spans'",
};

#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    prune: PruneClock,
}

impl PgStore {
    pub(super) async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .connect(url)
            .await?;
        migrator(&[
            (
                1,
                "init",
                include_str!("../../../../migrations/postgres/0001_init.sql"),
            ),
            (
                2,
                "explorer",
                include_str!("../../../../migrations/postgres/0002_explorer.sql"),
            ),
            (
                3,
                "source",
                include_str!("../../../../migrations/postgres/0003_source.sql"),
            ),
            (
                4,
                "value_hours",
                include_str!("../../../../migrations/postgres/0004_value_hours.sql"),
            ),
            (
                5,
                "grouping_aliases",
                include_str!("../../../../migrations/postgres/0005_grouping_aliases.sql"),
            ),
            (
                6,
                "intake_drops",
                include_str!("../../../../migrations/postgres/0006_intake_drops.sql"),
            ),
            (
                7,
                "accounts",
                include_str!("../../../../migrations/postgres/0007_accounts.sql"),
            ),
            (
                8,
                "stack_rules",
                include_str!("../../../../migrations/postgres/0008_stack_rules.sql"),
            ),
            (
                9,
                "assignment_comments",
                include_str!("../../../../migrations/postgres/0009_assignment_comments.sql"),
            ),
            (
                10,
                "audit_log",
                include_str!("../../../../migrations/postgres/0010_audit_log.sql"),
            ),
            (
                11,
                "intake_tokens",
                include_str!("../../../../migrations/postgres/0011_intake_tokens.sql"),
            ),
            (
                12,
                "issue_owners",
                include_str!("../../../../migrations/postgres/0012_issue_owners.sql"),
            ),
        ])
        .run(&pool)
        .await?;
        tracing::info!("PostgreSQL store ready");
        Ok(Self {
            pool,
            prune: PruneClock::default(),
        })
    }

    pub(super) fn reader(&self) -> Reader<'_, Postgres> {
        Reader {
            pool: &self.pool,
            sql: &DIALECT,
        }
    }

    /// The writing pool, for status changes.
    pub(super) fn writer(&self) -> Reader<'_, Postgres> {
        Reader {
            pool: &self.pool,
            sql: &DIALECT,
        }
    }
}
