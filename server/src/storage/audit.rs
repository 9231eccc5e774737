//! The audit log's rows: written by the code that makes each change (in its transaction where it has
//! one), read newest first by id for the settings page and `GET /api/v1/audit`. Written once for both
//! backends.

use std::collections::BTreeMap;

use domain::audit::{AuditAction, AuditActor, AuditEntry, AuditPage, AuditQuery};

use super::{Store, StoreError, unix_ms_now};

/// A few names and ids about what was done; never a secret.
pub type AuditDetail = BTreeMap<String, String>;

/// Who made a change and from where, as written with each of its entries.
#[derive(Debug, Clone)]
pub struct AuditBy<'a> {
    pub actor: &'a AuditActor,
    pub ip: Option<String>,
    pub user_agent: Option<&'a str>,
}

/// One entry to write.
#[derive(Debug, Clone)]
pub struct AuditRecord<'a> {
    pub by: AuditBy<'a>,
    pub action: AuditAction,
    pub detail: AuditDetail,
}

/// `(kind, user id, email, token name)` as the actor columns hold them.
type ActorColumns<'a> = (&'static str, Option<i64>, Option<&'a str>, Option<&'a str>);

fn actor_columns(actor: &AuditActor) -> ActorColumns<'_> {
    match actor {
        AuditActor::User { id, email } => ("user", Some(*id), Some(email), None),
        AuditActor::Token {
            user_id,
            email,
            name,
        } => ("token", Some(*user_id), Some(email), Some(name)),
        AuditActor::Cli => ("cli", None, None, None),
        AuditActor::System => ("system", None, None, None),
        AuditActor::Anonymous => ("anonymous", None, None, None),
    }
}

type EntryRow = (
    i64,
    i64,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
);

const SELECT: &str = "SELECT id, at, actor_kind, actor_user_id, actor_email, actor_token, action, \
     detail, ip, user_agent FROM audit_log WHERE 1 = 1";

fn corrupt(what: &'static str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what,
        reason: reason.to_string(),
    }
}

fn entry(
    (id, at, kind, user_id, email, token, action, detail, ip, user_agent): EntryRow,
) -> Result<AuditEntry, StoreError> {
    let actor = match (kind.as_str(), user_id, email, token) {
        ("user", Some(id), Some(email), _) => AuditActor::User { id, email },
        ("token", Some(user_id), Some(email), Some(name)) => AuditActor::Token {
            user_id,
            email,
            name,
        },
        ("cli", ..) => AuditActor::Cli,
        ("system", ..) => AuditActor::System,
        ("anonymous", ..) => AuditActor::Anonymous,
        (kind, ..) => return Err(corrupt("audit actor", kind)),
    };
    Ok(AuditEntry {
        id,
        at,
        actor,
        action: action.parse().map_err(|e| corrupt("audit action", e))?,
        detail: serde_json::from_str(&detail).map_err(|e| corrupt("audit detail", e))?,
        ip,
        user_agent,
    })
}

macro_rules! audit_sql {
    ($db:ty) => {
        use super::*;

        /// On the pool, or in the transaction of the change it records.
        pub async fn insert<'e, E: sqlx::Executor<'e, Database = $db>>(
            executor: E,
            record: &AuditRecord<'_>,
            now: i64,
        ) -> Result<(), StoreError> {
            let by = &record.by;
            let (kind, user_id, email, token) = actor_columns(by.actor);
            let detail =
                serde_json::to_string(&record.detail).map_err(|e| corrupt("audit detail", e))?;
            sqlx::query(
                "INSERT INTO audit_log (at, actor_kind, actor_user_id, actor_email, actor_token, \
                     action, detail, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(now)
            .bind(kind)
            .bind(user_id)
            .bind(email)
            .bind(token)
            .bind(record.action.as_str())
            .bind(detail)
            .bind(by.ip.as_deref())
            .bind(by.user_agent)
            .execute(executor)
            .await?;
            Ok(())
        }

        /// Conditions are added only when asked for, so each filter uses its index.
        pub async fn list(
            pool: &sqlx::Pool<$db>,
            query: &AuditQuery,
            limit: u32,
        ) -> Result<Vec<AuditEntry>, StoreError> {
            let mut sql = sqlx::QueryBuilder::<$db>::new(SELECT);
            if let Some(before) = query.before {
                sql.push(" AND id < ").push_bind(before);
            }
            if let Some(user) = query.user {
                sql.push(" AND actor_user_id = ").push_bind(user);
            }
            if let Some(action) = query.action {
                sql.push(" AND action = ").push_bind(action.as_str());
            }
            sql.push(" ORDER BY id DESC LIMIT ")
                .push_bind(i64::from(limit));
            let rows: Vec<EntryRow> = sql.build_query_as().fetch_all(pool).await?;
            rows.into_iter().map(entry).collect()
        }
    };
}

pub(super) mod sqlite {
    audit_sql!(sqlx::Sqlite);
}

pub(super) mod postgres {
    audit_sql!(sqlx::Postgres);
}

impl Store {
    /// Writes one entry on its own (for changes made without a transaction of their own).
    pub async fn record_audit(&self, record: &AuditRecord<'_>) -> Result<(), StoreError> {
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => sqlite::insert(s.writer().pool, record, now).await,
            Self::Postgres(s) => postgres::insert(s.writer().pool, record, now).await,
        }
    }

    /// One page of the log, newest first.
    pub async fn audit_log(&self, query: &AuditQuery) -> Result<AuditPage, StoreError> {
        let limit = query.limit();
        // One more than asked tells whether an older page exists.
        let mut entries = match self {
            Self::Sqlite(s) => sqlite::list(s.reader().pool, query, limit + 1).await?,
            Self::Postgres(s) => postgres::list(s.reader().pool, query, limit + 1).await?,
        };
        let more = entries.len() > limit as usize;
        entries.truncate(limit as usize);
        Ok(AuditPage {
            next_before: more.then(|| entries.last().map(|e| e.id)).flatten(),
            entries,
        })
    }
}
