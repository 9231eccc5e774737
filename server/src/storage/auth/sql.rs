//! The SQL of account storage, the same for both backends (`$N` placeholders, `RETURNING`, booleans
//! bound as `bool`): one macro instantiates it per backend.

use domain::access::{SessionView, TokenView, UserView};

use super::{
    NewSession, NewToken, NewUser, SessionRow, TokenRow, UserRow, is_unique_violation, role,
    user_row,
};
use crate::storage::{Saved, StoreError};

/// The backend functions, written once: `$db` is the sqlx database.
macro_rules! auth_sql {
    ($db:ty) => {
        use super::*;

        type Pool = sqlx::Pool<$db>;

        pub async fn user_count(pool: &Pool) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await?)
        }

        /// On the pool, or in a transaction (the setup link's and an invite's).
        pub async fn insert_user<'e, E: sqlx::Executor<'e, Database = $db>>(
            executor: E,
            user: &NewUser<'_>,
            now: i64,
        ) -> Result<Saved<UserView>, StoreError> {
            let email = user.email.to_lowercase();
            let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
                "INSERT INTO users (email, display_name, password_hash, role, created_at) \
                 VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(&email)
            .bind(user.display_name)
            .bind(user.password_hash)
            .bind(user.role.as_str())
            .bind(now)
            .fetch_one(executor)
            .await;
            match inserted {
                Ok(id) => Ok(Saved::Saved(UserView {
                    id,
                    email,
                    display_name: user.display_name.to_owned(),
                    role: user.role,
                })),
                Err(e) if is_unique_violation(&e) => Ok(Saved::Duplicate),
                Err(e) => Err(e.into()),
            }
        }

        pub async fn credentials(
            pool: &Pool,
            email: &str,
        ) -> Result<Option<(UserRow, Option<String>)>, StoreError> {
            let row: Option<(i64, String, String, String, bool, Option<String>)> = sqlx::query_as(
                "SELECT id, email, display_name, role, disabled, password_hash \
                 FROM users WHERE email = $1",
            )
            .bind(email)
            .fetch_optional(pool)
            .await?;
            row.map(|(id, email, name, role, disabled, hash)| {
                Ok((user_row((id, email, name, role, disabled))?, hash))
            })
            .transpose()
        }

        pub async fn insert_session(
            pool: &Pool,
            session: &NewSession<'_>,
        ) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar(
                "INSERT INTO sessions \
                     (secret_hash, user_id, created_at, last_seen_at, expires_at, user_agent) \
                 VALUES ($1, $2, $3, $3, $4, $5) RETURNING id",
            )
            .bind(session.secret_hash)
            .bind(session.user_id)
            .bind(session.now)
            .bind(session.expires_at)
            .bind(session.user_agent)
            .fetch_one(pool)
            .await?)
        }

        pub async fn session(
            pool: &Pool,
            secret_hash: &[u8],
        ) -> Result<Option<SessionRow>, StoreError> {
            let row: Option<(i64, i64, i64, i64, String, String, String, bool)> = sqlx::query_as(
                "SELECT s.id, s.last_seen_at, s.expires_at, \
                     u.id, u.email, u.display_name, u.role, u.disabled \
                 FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.secret_hash = $1",
            )
            .bind(secret_hash)
            .fetch_optional(pool)
            .await?;
            row.map(|(id, last_seen_at, expires_at, uid, email, name, role, disabled)| {
                Ok(SessionRow {
                    id,
                    user: user_row((uid, email, name, role, disabled))?,
                    last_seen_at,
                    expires_at,
                })
            })
            .transpose()
        }

        pub async fn touch_session(pool: &Pool, id: i64, now: i64) -> Result<(), StoreError> {
            sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn delete_session_by_hash(
            pool: &Pool,
            secret_hash: &[u8],
        ) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM sessions WHERE secret_hash = $1")
                .bind(secret_hash)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn delete_session(pool: &Pool, user_id: i64, id: i64) -> Result<bool, StoreError> {
            let done = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        }

        pub async fn prune_sessions(
            pool: &Pool,
            now: i64,
            idle_cutoff: i64,
        ) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
                .bind(now)
                .bind(idle_cutoff)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn sessions(
            pool: &Pool,
            user_id: i64,
            now: i64,
            idle_cutoff: i64,
            current: Option<i64>,
        ) -> Result<Vec<SessionView>, StoreError> {
            let rows: Vec<(i64, i64, i64, i64, Option<String>)> = sqlx::query_as(
                "SELECT id, created_at, last_seen_at, expires_at, user_agent FROM sessions \
                 WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3 \
                 ORDER BY created_at DESC, id DESC",
            )
            .bind(user_id)
            .bind(now)
            .bind(idle_cutoff)
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, created_at, last_seen_at, expires_at, user_agent)| SessionView {
                    id,
                    created_at,
                    last_seen_at,
                    expires_at,
                    user_agent,
                    current: current == Some(id),
                })
                .collect())
        }

        pub async fn insert_token(
            pool: &Pool,
            token: &NewToken<'_>,
            now: i64,
        ) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar(
                "INSERT INTO api_tokens \
                     (user_id, name, prefix, token_hash, role, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(token.user_id)
            .bind(token.name)
            .bind(token.prefix)
            .bind(token.token_hash)
            .bind(token.role.as_str())
            .bind(now)
            .bind(token.expires_at)
            .fetch_one(pool)
            .await?)
        }

        pub async fn token(pool: &Pool, token_hash: &[u8]) -> Result<Option<TokenRow>, StoreError> {
            type Row = (i64, String, String, Option<i64>, Option<i64>, Option<i64>, i64, String, String, String, bool);
            let row: Option<Row> = sqlx::query_as(
                "SELECT t.id, t.name, t.role, t.expires_at, t.last_used_at, t.revoked_at, \
                     u.id, u.email, u.display_name, u.role, u.disabled \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            row.map(|(id, token_name, token_role, expires_at, last_used_at, revoked_at, uid, email, name, owner_role, disabled)| {
                Ok(TokenRow {
                    id,
                    name: token_name,
                    owner: user_row((uid, email, name, owner_role, disabled))?,
                    role: role(&token_role)?,
                    expires_at,
                    last_used_at,
                    revoked: revoked_at.is_some(),
                })
            })
            .transpose()
        }

        pub async fn touch_token(pool: &Pool, id: i64, now: i64) -> Result<(), StoreError> {
            sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn tokens(pool: &Pool, user_id: i64) -> Result<Vec<TokenView>, StoreError> {
            let rows: Vec<(i64, String, String, String, i64, Option<i64>, Option<i64>, Option<i64>)> =
                sqlx::query_as(
                    "SELECT id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at \
                     FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC",
                )
                .bind(user_id)
                .fetch_all(pool)
                .await?;
            rows.into_iter()
                .map(|(id, name, prefix, r, created_at, expires_at, last_used_at, revoked_at)| {
                    Ok(TokenView {
                        id,
                        name,
                        prefix,
                        role: role(&r)?,
                        created_at,
                        expires_at,
                        last_used_at,
                        revoked: revoked_at.is_some(),
                    })
                })
                .collect()
        }

        pub async fn revoke_token(
            pool: &Pool,
            user_id: i64,
            id: i64,
            now: i64,
        ) -> Result<bool, StoreError> {
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $3 \
                 WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",
            )
            .bind(id)
            .bind(user_id)
            .bind(now)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() > 0)
        }
    };
}

pub(super) mod sqlite {
    auth_sql!(sqlx::Sqlite);
}

pub(super) mod postgres {
    auth_sql!(sqlx::Postgres);
}
