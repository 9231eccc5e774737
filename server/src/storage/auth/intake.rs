//! The SQL of intake tokens, the same for both backends, instantiated per backend like `sql`.

use domain::intake::IntakeTokenView;

use super::NewIntakeToken;
use crate::storage::StoreError;

macro_rules! intake_sql {
    ($db:ty) => {
        use super::*;

        type Pool = sqlx::Pool<$db>;

        pub async fn insert(
            pool: &Pool,
            token: &NewIntakeToken<'_>,
            now: i64,
        ) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar(
                "INSERT INTO intake_tokens (name, prefix, token_hash, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(token.name)
            .bind(token.prefix)
            .bind(token.token_hash)
            .bind(token.created_by)
            .bind(now)
            .fetch_one(pool)
            .await?)
        }

        pub async fn list(pool: &Pool) -> Result<Vec<IntakeTokenView>, StoreError> {
            type Row = (
                i64,
                String,
                String,
                i64,
                Option<String>,
                Option<i64>,
                Option<i64>,
            );
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT t.id, t.name, t.prefix, t.created_at, u.email, t.last_used_at, \
                     t.revoked_at \
                 FROM intake_tokens t LEFT JOIN users u ON u.id = t.created_by \
                 ORDER BY t.created_at DESC, t.id DESC",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(
                    |(id, name, prefix, created_at, created_by, last_used_at, revoked_at)| {
                        IntakeTokenView {
                            id,
                            name,
                            prefix,
                            created_at,
                            created_by,
                            last_used_at,
                            revoked: revoked_at.is_some(),
                        }
                    },
                )
                .collect())
        }

        /// The id and last use of the live (not revoked) token with this hash.
        pub async fn live(
            pool: &Pool,
            token_hash: &[u8],
        ) -> Result<Option<(i64, Option<i64>)>, StoreError> {
            Ok(sqlx::query_as(
                "SELECT id, last_used_at FROM intake_tokens \
                 WHERE token_hash = $1 AND revoked_at IS NULL",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?)
        }

        pub async fn touch(pool: &Pool, id: i64, now: i64) -> Result<(), StoreError> {
            sqlx::query("UPDATE intake_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn revoke(pool: &Pool, id: i64, now: i64) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "UPDATE intake_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() > 0)
        }
    };
}

pub(super) mod sqlite {
    intake_sql!(sqlx::Sqlite);
}

pub(super) mod postgres {
    intake_sql!(sqlx::Postgres);
}
