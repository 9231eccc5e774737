//! What guards the way in, shared by every instance through the database: the setup link's secrets
//! (while no account exists) and the failed sign-ins that throttle guessing.

use domain::access::UserView;

use super::{NewUser, Saved, Store, StoreError};
use crate::storage::unix_ms_now;

/// The outcome of [`Store::create_first_admin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirstAdmin {
    Created(UserView),
    /// No setup link has this secret (wrong, or already used).
    BadLink,
    /// An account exists already (made meanwhile by the CLI or through another instance).
    AccountsExist,
}

macro_rules! gate_sql {
    ($db:ty, $sql:ident) => {
        use super::*;

        type Pool = sqlx::Pool<$db>;

        pub async fn insert_setup_secret(
            pool: &Pool,
            secret_hash: &[u8],
            now: i64,
        ) -> Result<(), StoreError> {
            sqlx::query("INSERT INTO setup_secrets (secret_hash, created_at) VALUES ($1, $2)")
                .bind(secret_hash)
                .bind(now)
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn delete_setup_secrets(pool: &Pool) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM setup_secrets")
                .execute(pool)
                .await?;
            Ok(())
        }

        pub async fn has_setup_secret(pool: &Pool, secret_hash: &[u8]) -> Result<bool, StoreError> {
            let found: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM setup_secrets WHERE secret_hash = $1")
                    .bind(secret_hash)
                    .fetch_one(pool)
                    .await?;
            Ok(found > 0)
        }

        pub async fn create_first_admin(
            pool: &Pool,
            secret_hash: &[u8],
            admin: &NewUser<'_>,
            now: i64,
        ) -> Result<FirstAdmin, StoreError> {
            let mut tx = pool.begin().await?;
            // Every link goes at once: of two instances' links used at the same moment, the
            // second transaction finds none left.
            let deleted: Vec<Vec<u8>> =
                sqlx::query_scalar("DELETE FROM setup_secrets RETURNING secret_hash")
                    .fetch_all(&mut *tx)
                    .await?;
            if !deleted.iter().any(|hash| hash.as_slice() == secret_hash) {
                return Ok(FirstAdmin::BadLink);
            }
            let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
                .fetch_one(&mut *tx)
                .await?;
            if users > 0 {
                tx.commit().await?;
                return Ok(FirstAdmin::AccountsExist);
            }
            match crate::storage::auth::sql::$sql::insert_user(&mut *tx, admin, now).await? {
                Saved::Saved(user) => {
                    tx.commit().await?;
                    Ok(FirstAdmin::Created(user))
                }
                Saved::Duplicate | Saved::NotFound => Ok(FirstAdmin::AccountsExist),
            }
        }

        pub async fn count_failures(
            pool: &Pool,
            key_hash: &[u8],
            since: i64,
        ) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar(
                "SELECT COUNT(*) FROM signin_failures WHERE key_hash = $1 AND at > $2",
            )
            .bind(key_hash)
            .bind(since)
            .fetch_one(pool)
            .await?)
        }

        pub async fn insert_failures(
            pool: &Pool,
            key_hashes: &[&[u8]],
            now: i64,
            forget_before: i64,
        ) -> Result<(), StoreError> {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM signin_failures WHERE at <= $1")
                .bind(forget_before)
                .execute(&mut *tx)
                .await?;
            for key_hash in key_hashes {
                sqlx::query("INSERT INTO signin_failures (key_hash, at) VALUES ($1, $2)")
                    .bind(*key_hash)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }

        pub async fn delete_failures(pool: &Pool, key_hash: &[u8]) -> Result<(), StoreError> {
            sqlx::query("DELETE FROM signin_failures WHERE key_hash = $1")
                .bind(key_hash)
                .execute(pool)
                .await?;
            Ok(())
        }
    };
}

pub(super) mod sqlite {
    gate_sql!(sqlx::Sqlite, sqlite);
}

pub(super) mod postgres {
    gate_sql!(sqlx::Postgres, postgres);
}

impl Store {
    /// Stores a new setup link's secret (its SHA-256).
    pub async fn add_setup_secret(&self, secret_hash: &[u8]) -> Result<(), StoreError> {
        auth_call!(
            self,
            writer,
            self::insert_setup_secret(secret_hash, unix_ms_now())
        )
    }

    /// Forgets every setup link (accounts exist: they can no longer create one).
    pub async fn clear_setup_secrets(&self) -> Result<(), StoreError> {
        auth_call!(self, writer, self::delete_setup_secrets())
    }

    /// Whether some instance logged a setup link with this secret that is still unused.
    pub async fn has_setup_secret(&self, secret_hash: &[u8]) -> Result<bool, StoreError> {
        auth_call!(self, reader, self::has_setup_secret(secret_hash))
    }

    /// Creates the first admin through a setup link and deletes every link, in one transaction.
    pub async fn create_first_admin(
        &self,
        secret_hash: &[u8],
        admin: &NewUser<'_>,
    ) -> Result<FirstAdmin, StoreError> {
        auth_call!(
            self,
            writer,
            self::create_first_admin(secret_hash, admin, unix_ms_now())
        )
    }

    /// Failed sign-ins under `key_hash` after `since`.
    pub async fn signin_failures(&self, key_hash: &[u8], since: i64) -> Result<i64, StoreError> {
        auth_call!(self, reader, self::count_failures(key_hash, since))
    }

    /// Records one failed sign-in under each key, forgetting failures at or before `forget_before`.
    pub async fn record_signin_failure(
        &self,
        key_hashes: &[&[u8]],
        forget_before: i64,
    ) -> Result<(), StoreError> {
        auth_call!(
            self,
            writer,
            self::insert_failures(key_hashes, unix_ms_now(), forget_before)
        )
    }

    pub async fn clear_signin_failures(&self, key_hash: &[u8]) -> Result<(), StoreError> {
        auth_call!(self, writer, self::delete_failures(key_hash))
    }
}
