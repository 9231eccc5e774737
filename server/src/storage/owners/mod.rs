//! Suggested owners stored on issues (migration 0012): what they were computed from and the owners,
//! one row each so `owner:` searches are an indexed lookup. The SQL is the same for both backends.

use super::{Store, StoreError};

/// An issue's suggested owners and where they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOwners {
    /// The event they were computed for (the issue's latest then).
    pub event_id: i64,
    /// The commit (or branch) the CODEOWNERS was read at; `None` when no repository was found.
    pub git_ref: Option<String>,
    /// Which CODEOWNERS file was found (`.github/CODEOWNERS`), `None` when none.
    pub codeowners_path: Option<String>,
    /// The culprit frame's repository path, `None` when no frame mapped to one.
    pub frame_path: Option<String>,
    /// The deciding line of the CODEOWNERS file, and its address on GitHub.
    pub rule_line: Option<i64>,
    pub rule_url: Option<String>,
    /// In CODEOWNERS order.
    pub owners: Vec<String>,
    pub computed_at: i64,
    /// Unix ms after which they are recomputed; `None`: never (read at a commit).
    pub expires_at: Option<i64>,
}

type SourceRow = (
    i64,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    i64,
    Option<i64>,
);

macro_rules! owners_sql {
    ($db:ty) => {
        use super::*;

        type Pool = sqlx::Pool<$db>;

        pub async fn load(pool: &Pool, issue_id: i64) -> Result<Option<StoredOwners>, StoreError> {
            let row: Option<SourceRow> = sqlx::query_as(
                "SELECT event_id, git_ref, codeowners_path, frame_path, rule_line, rule_url, \
                 computed_at, expires_at FROM issue_owner_sources WHERE issue_id = $1",
            )
            .bind(issue_id)
            .fetch_optional(pool)
            .await?;
            let Some(row) = row else {
                return Ok(None);
            };
            let owners: Vec<String> = sqlx::query_scalar(
                "SELECT owner FROM issue_owners WHERE issue_id = $1 ORDER BY position",
            )
            .bind(issue_id)
            .fetch_all(pool)
            .await?;
            Ok(Some(StoredOwners {
                event_id: row.0,
                git_ref: row.1,
                codeowners_path: row.2,
                frame_path: row.3,
                rule_line: row.4,
                rule_url: row.5,
                owners,
                computed_at: row.6,
                expires_at: row.7,
            }))
        }

        /// Replaces the issue's owners. The upsert comes first: it locks the issue's row, so two
        /// instances saving at once write one after the other, the later one's owners remaining.
        pub async fn save(
            pool: &Pool,
            issue_id: i64,
            owners: &StoredOwners,
        ) -> Result<(), StoreError> {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO issue_owner_sources (issue_id, event_id, git_ref, codeowners_path, \
                 frame_path, rule_line, rule_url, computed_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (issue_id) DO UPDATE SET event_id = excluded.event_id, \
                 git_ref = excluded.git_ref, codeowners_path = excluded.codeowners_path, \
                 frame_path = excluded.frame_path, rule_line = excluded.rule_line, \
                 rule_url = excluded.rule_url, \
                 computed_at = excluded.computed_at, expires_at = excluded.expires_at",
            )
            .bind(issue_id)
            .bind(owners.event_id)
            .bind(&owners.git_ref)
            .bind(&owners.codeowners_path)
            .bind(&owners.frame_path)
            .bind(owners.rule_line)
            .bind(&owners.rule_url)
            .bind(owners.computed_at)
            .bind(owners.expires_at)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM issue_owners WHERE issue_id = $1")
                .bind(issue_id)
                .execute(&mut *tx)
                .await?;
            for (position, owner) in owners.owners.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO issue_owners (issue_id, owner, position) VALUES ($1, $2, $3) \
                     ON CONFLICT (issue_id, owner) DO NOTHING",
                )
                .bind(issue_id)
                .bind(owner)
                .bind(i64::try_from(position).unwrap_or(i64::MAX))
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        /// Unmerged issues seen since `seen_since` whose owners were never computed, have
        /// expired, or predate the issue's latest event; most recently seen first.
        pub async fn due(
            pool: &Pool,
            seen_since: i64,
            now: i64,
            limit: i64,
        ) -> Result<Vec<i64>, StoreError> {
            Ok(sqlx::query_scalar(
                "SELECT i.id FROM issues i \
                 LEFT JOIN issue_owner_sources s ON s.issue_id = i.id \
                 WHERE i.merged_into IS NULL AND i.last_seen >= $1 \
                 AND (s.issue_id IS NULL OR s.expires_at < $2 OR s.computed_at < i.last_seen) \
                 ORDER BY i.last_seen DESC, i.id DESC LIMIT $3",
            )
            .bind(seen_since)
            .bind(now)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        }
    };
}

mod sqlite {
    owners_sql!(sqlx::Sqlite);
}

mod postgres {
    owners_sql!(sqlx::Postgres);
}

impl Store {
    /// The owners stored on an issue, `None` before they were first computed.
    pub async fn issue_owners(&self, issue_id: i64) -> Result<Option<StoredOwners>, StoreError> {
        match self {
            Self::Sqlite(s) => sqlite::load(s.reader().pool, issue_id).await,
            Self::Postgres(s) => postgres::load(s.reader().pool, issue_id).await,
        }
    }

    /// Issues whose suggested owners are due for (re)computing, at most `limit`
    /// ([`owners_sql`]'s `due`).
    pub async fn issues_due_for_owners(
        &self,
        seen_since: i64,
        now: i64,
        limit: i64,
    ) -> Result<Vec<i64>, StoreError> {
        match self {
            Self::Sqlite(s) => sqlite::due(s.reader().pool, seen_since, now, limit).await,
            Self::Postgres(s) => postgres::due(s.reader().pool, seen_since, now, limit).await,
        }
    }

    /// Stores an issue's owners, replacing those stored before.
    pub async fn save_issue_owners(
        &self,
        issue_id: i64,
        owners: &StoredOwners,
    ) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => sqlite::save(s.writer().pool, issue_id, owners).await,
            Self::Postgres(s) => postgres::save(s.writer().pool, issue_id, owners).await,
        }
    }
}
