//! Account storage: users, browser sessions and API tokens (`sql`); roles, disabling, invitations
//! and passwords (`users`); setup links and failed sign-ins (`gate`); intake tokens (`intake`). Secrets never reach the
//! database: sessions, tokens, invitation and setup links are stored as SHA-256 hashes of what the
//! browser or script holds, passwords as argon2id hashes (made by [`crate::auth`]).
//!
//! The SQL is written once for both backends.

use domain::access::{Role, SessionView, TokenView, UserView};
use domain::intake::IntakeTokenView;

use super::{Saved, Store, StoreError};

/// A user to create; `email` is lowercased here, so it is the sign-in key whatever its case.
#[derive(Debug, Clone)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    /// An argon2id PHC string; `None` for an account without password sign-in.
    pub password_hash: Option<&'a str>,
    pub role: Role,
}

/// A stored user with the flags the access layer checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub user: UserView,
    pub disabled: bool,
}

/// A browser session found by its secret's hash, with its user.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub user: UserRow,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// A session to store; `secret_hash` is the SHA-256 of the cookie's value.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    pub secret_hash: &'a [u8],
    pub user_id: i64,
    pub now: i64,
    pub expires_at: i64,
    pub user_agent: Option<&'a str>,
}

/// An API token to store; `token_hash` is the SHA-256 of the whole token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub user_id: i64,
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a [u8],
    pub role: Role,
    pub expires_at: Option<i64>,
}

/// An intake token to store; `token_hash` is the SHA-256 of the whole token.
#[derive(Debug, Clone)]
pub struct NewIntakeToken<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    pub token_hash: &'a [u8],
    /// The admin making it; `None` for the CLI.
    pub created_by: Option<i64>,
}

/// An API token found by its hash, with its owner.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub owner: UserRow,
    pub role: Role,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked: bool,
}

/// `(id, email, display_name, role, disabled)`, as every user query selects it.
type UserTuple = (i64, String, String, String, bool);

fn role(text: &str) -> Result<Role, StoreError> {
    text.parse()
        .map_err(|e: domain::access::UnknownRole| StoreError::Corrupt {
            what: "role",
            reason: e.to_string(),
        })
}

fn user_row(
    (id, email, display_name, role_text, disabled): UserTuple,
) -> Result<UserRow, StoreError> {
    Ok(UserRow {
        user: UserView {
            id,
            email,
            display_name,
            role: role(&role_text)?,
        },
        disabled,
    })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

mod sql;

/// Runs `$f` of the backend module (of `sql`, or of `$m`) with the pool `$which` (`reader` or
/// `writer`).
macro_rules! auth_call {
    ($store:expr, $which:ident, $f:ident ( $($arg:expr),* )) => {
        auth_call!($store, $which, sql::$f($($arg),*))
    };
    ($store:expr, $which:ident, $m:ident :: $f:ident ( $($arg:expr),* )) => {
        match $store {
            Store::Sqlite(s) => $m::sqlite::$f(s.$which().pool $(, $arg)*).await,
            Store::Postgres(s) => $m::postgres::$f(s.$which().pool $(, $arg)*).await,
        }
    };
}

mod gate;
mod intake;
mod users;

pub use gate::FirstAdmin;
pub use users::{InviteAcceptance, NewInvite, UserUpdate};

impl Store {
    pub async fn user_count(&self) -> Result<i64, StoreError> {
        auth_call!(self, reader, user_count())
    }

    /// `Saved::Duplicate` when the email is taken.
    pub async fn create_user(&self, user: &NewUser<'_>) -> Result<Saved<UserView>, StoreError> {
        auth_call!(self, writer, insert_user(user, super::unix_ms_now()))
    }

    /// A user and their password hash, by email (any case).
    pub async fn user_credentials(
        &self,
        email: &str,
    ) -> Result<Option<(UserRow, Option<String>)>, StoreError> {
        auth_call!(self, reader, credentials(&email.to_lowercase()))
    }

    pub async fn create_session(&self, session: &NewSession<'_>) -> Result<i64, StoreError> {
        auth_call!(self, writer, insert_session(session))
    }

    /// The session whose secret hashes to `secret_hash`, expired or not (the caller decides).
    pub async fn session(&self, secret_hash: &[u8]) -> Result<Option<SessionRow>, StoreError> {
        auth_call!(self, reader, session(secret_hash))
    }

    pub async fn touch_session(&self, id: i64, now: i64) -> Result<(), StoreError> {
        auth_call!(self, writer, touch_session(id, now))
    }

    pub async fn end_session(&self, secret_hash: &[u8]) -> Result<(), StoreError> {
        auth_call!(self, writer, delete_session_by_hash(secret_hash))
    }

    /// Ends one of `user_id`'s sessions; `false` when they have none with that id.
    pub async fn end_user_session(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        auth_call!(self, writer, delete_session(user_id, id))
    }

    /// Forgets sessions past their absolute expiry or idle since before `idle_cutoff`.
    pub async fn prune_sessions(&self, now: i64, idle_cutoff: i64) -> Result<(), StoreError> {
        auth_call!(self, writer, prune_sessions(now, idle_cutoff))
    }

    /// A user's live sessions, newest first; `current` marks the one with id `current`.
    pub async fn user_sessions(
        &self,
        user_id: i64,
        idle_cutoff: i64,
        current: Option<i64>,
    ) -> Result<Vec<SessionView>, StoreError> {
        let now = super::unix_ms_now();
        auth_call!(self, reader, sessions(user_id, now, idle_cutoff, current))
    }

    pub async fn create_token(&self, token: &NewToken<'_>) -> Result<i64, StoreError> {
        auth_call!(self, writer, insert_token(token, super::unix_ms_now()))
    }

    pub async fn token(&self, token_hash: &[u8]) -> Result<Option<TokenRow>, StoreError> {
        auth_call!(self, reader, token(token_hash))
    }

    pub async fn touch_token(&self, id: i64, now: i64) -> Result<(), StoreError> {
        auth_call!(self, writer, touch_token(id, now))
    }

    pub async fn user_tokens(&self, user_id: i64) -> Result<Vec<TokenView>, StoreError> {
        auth_call!(self, reader, tokens(user_id))
    }

    /// Revokes one of `user_id`'s tokens; `false` when they have none with that id.
    pub async fn revoke_token(&self, user_id: i64, id: i64) -> Result<bool, StoreError> {
        auth_call!(
            self,
            writer,
            revoke_token(user_id, id, super::unix_ms_now())
        )
    }

    pub async fn create_intake_token(&self, token: &NewIntakeToken<'_>) -> Result<i64, StoreError> {
        auth_call!(self, writer, intake::insert(token, super::unix_ms_now()))
    }

    /// Every intake token, newest first, revoked ones included.
    pub async fn intake_tokens(&self) -> Result<Vec<IntakeTokenView>, StoreError> {
        auth_call!(self, reader, intake::list())
    }

    /// The id and last use of the live intake token whose hash is `token_hash`.
    pub async fn live_intake_token(
        &self,
        token_hash: &[u8],
    ) -> Result<Option<(i64, Option<i64>)>, StoreError> {
        auth_call!(self, reader, intake::live(token_hash))
    }

    pub async fn touch_intake_token(&self, id: i64, now: i64) -> Result<(), StoreError> {
        auth_call!(self, writer, intake::touch(id, now))
    }

    /// `false` when no live intake token has this id.
    pub async fn revoke_intake_token(&self, id: i64) -> Result<bool, StoreError> {
        auth_call!(self, writer, intake::revoke(id, super::unix_ms_now()))
    }
}
