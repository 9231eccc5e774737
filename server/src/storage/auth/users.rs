//! What admins change about accounts (roles, disabling, invitations) and a user's own password. The
//! rule that one enabled admin always remains is checked inside the write's transaction, which holds
//! the enabled admins' rows (PostgreSQL) or the write lock (SQLite) from its first read, so two admins
//! demoting each other at once, through two instances even, cannot both succeed.

use domain::access::{InviteView, ManagedUser, Role, UserChange, UserView};
use domain::audit::AuditAction;

use super::{NewUser, Store, StoreError, role};
use crate::storage::{AuditBy, AuditDetail, AuditRecord, unix_ms_now};

/// The outcome of [`Store::update_user`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserUpdate {
    Updated(ManagedUser),
    NotFound,
    /// Refused: the change would leave no enabled admin.
    LastAdmin,
}

/// An invitation to store; `secret_hash` is the SHA-256 of the link's secret.
#[derive(Debug, Clone)]
pub struct NewInvite<'a> {
    pub secret_hash: &'a [u8],
    /// Lowercased by the caller: it becomes the new user's sign-in key.
    pub email: &'a str,
    pub role: Role,
    pub invited_by: i64,
    pub expires_at: i64,
}

/// The outcome of [`Store::accept_invite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InviteAcceptance {
    Created(UserView),
    /// Unknown, used or expired.
    Invalid,
    /// An account with the invited email exists (the invite is kept for the admin to delete).
    EmailTaken,
}

/// `(id, email, display_name, role, disabled, created_at)`.
type ManagedTuple = (i64, String, String, String, bool, i64);

fn managed(
    (id, email, display_name, role_text, disabled, created_at): ManagedTuple,
) -> Result<ManagedUser, StoreError> {
    Ok(ManagedUser {
        id,
        email,
        display_name,
        role: role(&role_text)?,
        disabled,
        created_at,
    })
}

/// The audit entries of a change to `user`, from its role and disabled flag before it.
fn user_change_records<'a>(
    by: &AuditBy<'a>,
    user: &ManagedUser,
    old_role: Role,
    was_disabled: bool,
) -> Vec<AuditRecord<'a>> {
    let about = |extra: Option<(&str, String)>| {
        let mut detail = AuditDetail::from([
            ("user".to_owned(), user.id.to_string()),
            ("email".to_owned(), user.email.clone()),
        ]);
        detail.extend(extra.map(|(k, v)| (k.to_owned(), v)));
        detail
    };
    let mut records = Vec::new();
    if user.role != old_role {
        records.push(AuditRecord {
            by: by.clone(),
            action: AuditAction::UserRoleChanged,
            detail: about(Some(("role", format!("{old_role} -> {}", user.role)))),
        });
    }
    if user.disabled != was_disabled {
        records.push(AuditRecord {
            by: by.clone(),
            action: if user.disabled {
                AuditAction::UserDisabled
            } else {
                AuditAction::UserEnabled
            },
            detail: about(None),
        });
    }
    records
}

/// The backend functions, written once. A transaction that reads before it writes starts with
/// `$begin` and reads with `$lock`: on PostgreSQL a plain `BEGIN` and `FOR UPDATE` on the rows read;
/// on SQLite `BEGIN IMMEDIATE` (the write lock at once, so another process's commit cannot turn the
/// later write into "database is locked") and no row locks.
macro_rules! users_sql {
    ($db:ty, $sql:ident, $begin:literal, $lock:literal) => {
        use super::*;

        type Pool = sqlx::Pool<$db>;

        const USER_COLUMNS: &str = "id, email, display_name, role, disabled, created_at";

        pub async fn users(pool: &Pool) -> Result<Vec<ManagedUser>, StoreError> {
            let rows: Vec<ManagedTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {USER_COLUMNS} FROM users ORDER BY email"
            )))
            .fetch_all(pool)
            .await?;
            rows.into_iter().map(managed).collect()
        }

        pub async fn update_user(
            pool: &Pool,
            id: i64,
            change: UserChange,
            by: &AuditBy<'_>,
        ) -> Result<UserUpdate, StoreError> {
            let mut tx = pool.begin_with($begin).await?;
            let admins: Vec<i64> = sqlx::query_scalar(concat!(
                "SELECT id FROM users WHERE role = 'admin' AND disabled = $1",
                $lock
            ))
            .bind(false)
            .fetch_all(&mut *tx)
            .await?;
            let current: Option<(String, bool)> =
                sqlx::query_as("SELECT role, disabled FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((current_role, current_disabled)) = current else {
                return Ok(UserUpdate::NotFound);
            };
            let old_role = role(&current_role)?;
            let new_role = change.role.unwrap_or(old_role);
            let disabled = change.disabled.unwrap_or(current_disabled);
            let stays_admin = new_role == Role::Admin && !disabled;
            if !stays_admin && admins.iter().all(|admin| *admin == id) {
                return Ok(UserUpdate::LastAdmin);
            }
            let row: ManagedTuple = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "UPDATE users SET role = $2, disabled = $3 WHERE id = $1 RETURNING {USER_COLUMNS}"
            )))
            .bind(id)
            .bind(new_role.as_str())
            .bind(disabled)
            .fetch_one(&mut *tx)
            .await?;
            if disabled {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            let updated = managed(row)?;
            for record in user_change_records(by, &updated, old_role, current_disabled) {
                crate::storage::audit::$sql::insert(&mut *tx, &record, unix_ms_now()).await?;
            }
            tx.commit().await?;
            Ok(UserUpdate::Updated(updated))
        }

        pub async fn set_password(
            pool: &Pool,
            user_id: i64,
            password_hash: &str,
            keep_session: Option<i64>,
            by: &AuditBy<'_>,
        ) -> Result<(), StoreError> {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
                .bind(user_id)
                .bind(password_hash)
                .execute(&mut *tx)
                .await?;
            // `id <> NULL` is never true: without a session to keep, every one ends.
            sqlx::query(
                "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2)",
            )
            .bind(user_id)
            .bind(keep_session)
            .execute(&mut *tx)
            .await?;
            let record = AuditRecord {
                by: by.clone(),
                action: AuditAction::PasswordChanged,
                detail: AuditDetail::from([("user".to_owned(), user_id.to_string())]),
            };
            crate::storage::audit::$sql::insert(&mut *tx, &record, unix_ms_now()).await?;
            tx.commit().await?;
            Ok(())
        }

        pub async fn insert_invite(
            pool: &Pool,
            invite: &NewInvite<'_>,
            now: i64,
        ) -> Result<i64, StoreError> {
            Ok(sqlx::query_scalar(
                "INSERT INTO invites (secret_hash, email, role, invited_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(invite.secret_hash)
            .bind(invite.email)
            .bind(invite.role.as_str())
            .bind(invite.invited_by)
            .bind(now)
            .bind(invite.expires_at)
            .fetch_one(pool)
            .await?)
        }

        pub async fn invites(pool: &Pool) -> Result<Vec<InviteView>, StoreError> {
            let rows: Vec<(i64, String, String, i64, i64, Option<String>)> = sqlx::query_as(
                "SELECT i.id, i.email, i.role, i.created_at, i.expires_at, u.email \
                 FROM invites i LEFT JOIN users u ON u.id = i.invited_by \
                 ORDER BY i.created_at DESC, i.id DESC",
            )
            .fetch_all(pool)
            .await?;
            rows.into_iter()
                .map(|(id, email, r, created_at, expires_at, invited_by)| {
                    Ok(InviteView {
                        id,
                        email,
                        role: role(&r)?,
                        created_at,
                        expires_at,
                        invited_by,
                    })
                })
                .collect()
        }

        pub async fn live_invite(
            pool: &Pool,
            secret_hash: &[u8],
            now: i64,
        ) -> Result<bool, StoreError> {
            let found: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM invites WHERE secret_hash = $1 AND expires_at > $2",
            )
            .bind(secret_hash)
            .bind(now)
            .fetch_one(pool)
            .await?;
            Ok(found > 0)
        }

        pub async fn delete_invite(pool: &Pool, id: i64) -> Result<bool, StoreError> {
            let done = sqlx::query("DELETE FROM invites WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        }

        pub async fn accept_invite(
            pool: &Pool,
            secret_hash: &[u8],
            now: i64,
            display_name: &str,
            password_hash: &str,
        ) -> Result<InviteAcceptance, StoreError> {
            let mut tx = pool.begin().await?;
            // Deleting first makes the link single-use even when two requests race with it.
            let invite: Option<(String, String)> = sqlx::query_as(
                "DELETE FROM invites WHERE secret_hash = $1 AND expires_at > $2 \
                 RETURNING email, role",
            )
            .bind(secret_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((email, invited_role)) = invite else {
                return Ok(InviteAcceptance::Invalid);
            };
            let user = NewUser {
                email: &email,
                display_name,
                password_hash: Some(password_hash),
                role: role(&invited_role)?,
            };
            match crate::storage::auth::sql::$sql::insert_user(&mut *tx, &user, now).await? {
                crate::storage::Saved::Saved(user) => {
                    tx.commit().await?;
                    Ok(InviteAcceptance::Created(user))
                }
                _ => Ok(InviteAcceptance::EmailTaken),
            }
        }
    };
}

pub(super) mod sqlite {
    users_sql!(sqlx::Sqlite, sqlite, "BEGIN IMMEDIATE", "");
}

pub(super) mod postgres {
    users_sql!(sqlx::Postgres, postgres, "BEGIN", " FOR UPDATE");
}

impl Store {
    /// Every user, by email.
    pub async fn users(&self) -> Result<Vec<ManagedUser>, StoreError> {
        auth_call!(self, reader, self::users())
    }

    /// Changes a user's role or disabled flag; disabling ends their sessions. Refused when no enabled
    /// admin would remain.
    /// Audited as `by`'s in the same transaction (a role change and a (re-)enabling, each).
    pub async fn update_user(
        &self,
        id: i64,
        change: UserChange,
        by: &AuditBy<'_>,
    ) -> Result<UserUpdate, StoreError> {
        auth_call!(self, writer, self::update_user(id, change, by))
    }

    /// Replaces a user's password hash and ends their sessions but `keep_session`; audited as
    /// `by`'s in the same transaction.
    pub async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: Option<i64>,
        by: &AuditBy<'_>,
    ) -> Result<(), StoreError> {
        auth_call!(
            self,
            writer,
            self::set_password(user_id, password_hash, keep_session, by)
        )
    }

    pub async fn create_invite(&self, invite: &NewInvite<'_>) -> Result<i64, StoreError> {
        auth_call!(self, writer, self::insert_invite(invite, unix_ms_now()))
    }

    /// Pending invitations (expired ones included, until deleted), newest first.
    pub async fn invites(&self) -> Result<Vec<InviteView>, StoreError> {
        auth_call!(self, reader, self::invites())
    }

    /// Whether an unused, unexpired invitation has this secret.
    pub async fn invite_is_live(&self, secret_hash: &[u8]) -> Result<bool, StoreError> {
        auth_call!(self, reader, self::live_invite(secret_hash, unix_ms_now()))
    }

    /// `false` for an unknown id.
    pub async fn delete_invite(&self, id: i64) -> Result<bool, StoreError> {
        auth_call!(self, writer, self::delete_invite(id))
    }

    /// Uses the live invitation whose secret hashes to `secret_hash`: creates its user with the
    /// invited email and role, and deletes it, in one transaction.
    pub async fn accept_invite(
        &self,
        secret_hash: &[u8],
        display_name: &str,
        password_hash: &str,
    ) -> Result<InviteAcceptance, StoreError> {
        auth_call!(
            self,
            writer,
            self::accept_invite(secret_hash, unix_ms_now(), display_name, password_hash)
        )
    }
}
