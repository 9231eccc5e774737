//! Stack rules per service, versioned (`stack_rules`: every save adds a version, the highest is in
//! force), and the recent events a rule change is previewed on. The same SQL for both backends.

use domain::explorer::StackRulesVersion;
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Type};

use super::StoreError;
use super::read::Reader;

/// Why a save was refused.
#[derive(Debug, thiserror::Error)]
pub enum SaveRulesError {
    /// Someone saved another version since the one the change started from.
    #[error("the rules of `{service}` changed meanwhile (now version {current}): reload and retry")]
    Stale { service: String, current: i64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for SaveRulesError {
    fn from(error: sqlx::Error) -> Self {
        Self::Store(error.into())
    }
}

/// One stored event as grouping sees it, for previews.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupingSample {
    pub issue_id: i64,
    pub error_type: String,
    pub message: String,
    pub language: Option<String>,
    pub stack: String,
    /// The event's span tags (JSON), for its `error.fingerprint`.
    pub span_tags: String,
}

impl<DB> Reader<'_, DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB> + Decode<'a, DB>,
{
    /// The rules in force for every service that has some, by service.
    pub async fn current_stack_rules(&self) -> Result<Vec<StackRulesVersion>, StoreError> {
        let rows = QueryBuilder::<DB>::new(
            "SELECT r.service, r.version, r.rules, r.created_at, r.actor FROM stack_rules r \
             WHERE r.version = (SELECT MAX(v.version) FROM stack_rules v WHERE v.service = r.service) \
             ORDER BY r.service",
        )
        .build()
        .fetch_all(self.pool)
        .await?;
        rows.iter().map(version_row).collect()
    }

    /// Every version of `service`'s rules, newest first.
    pub async fn stack_rules_history(
        &self,
        service: &str,
    ) -> Result<Vec<StackRulesVersion>, StoreError> {
        let mut query = QueryBuilder::<DB>::new(
            "SELECT service, version, rules, created_at, actor FROM stack_rules WHERE service = ",
        );
        query
            .push_bind(service.to_owned())
            .push(" ORDER BY version DESC");
        let rows = query.build().fetch_all(self.pool).await?;
        rows.iter().map(version_row).collect()
    }

    /// Saves `rules` as `service`'s next version, if `based_on` (the version the change was made
    /// from, 0 for none) is still the newest. Returns the new version.
    pub async fn save_stack_rules(
        &self,
        service: &str,
        rules: &str,
        based_on: i64,
        actor: &str,
        now: i64,
    ) -> Result<i64, SaveRulesError> {
        let mut tx = self.pool.begin().await?;
        let mut newest = QueryBuilder::<DB>::new(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM stack_rules WHERE service = ",
        );
        newest.push_bind(service.to_owned());
        let current: i64 = newest.build_query_scalar().fetch_one(&mut *tx).await?;
        if current != based_on {
            return Err(SaveRulesError::Stale {
                service: service.to_owned(),
                current,
            });
        }
        let mut insert = QueryBuilder::<DB>::new(
            "INSERT INTO stack_rules (service, version, rules, created_at, actor) VALUES (",
        );
        let mut values = insert.separated(", ");
        values
            .push_bind(service.to_owned())
            .push_bind(current + 1)
            .push_bind(rules.to_owned())
            .push_bind(now)
            .push_bind(Some(actor.to_owned()));
        insert.push(")");
        // Two saves from the same version race for the same primary key: the loser is stale.
        if let Err(error) = insert.build().execute(&mut *tx).await {
            if error
                .as_database_error()
                .is_some_and(|e| e.is_unique_violation())
            {
                return Err(SaveRulesError::Stale {
                    service: service.to_owned(),
                    current: current + 1,
                });
            }
            return Err(error.into());
        }
        tx.commit().await?;
        Ok(current + 1)
    }

    /// `service`'s latest `limit` events, one row each, for a preview.
    pub async fn grouping_samples(
        &self,
        service: &str,
        limit: u32,
    ) -> Result<Vec<GroupingSample>, StoreError> {
        let mut query = QueryBuilder::<DB>::new(
            "SELECT e.issue_id, e.error_type, e.message, e.language, t.body AS stack, e.span_tags \
             FROM events e JOIN texts t ON t.id = e.stack_id WHERE e.service = ",
        );
        query
            .push_bind(service.to_owned())
            .push(" ORDER BY e.time DESC, e.id DESC LIMIT ")
            .push_bind(i64::from(limit));
        let rows = query.build().fetch_all(self.pool).await?;
        rows.iter()
            .map(|row| {
                use sqlx::Row;
                Ok(GroupingSample {
                    issue_id: row.try_get("issue_id")?,
                    error_type: row.try_get("error_type")?,
                    message: row.try_get("message")?,
                    language: row.try_get("language")?,
                    stack: row.try_get("stack")?,
                    span_tags: row.try_get("span_tags")?,
                })
            })
            .collect()
    }
}

fn version_row<R>(row: &R) -> Result<StackRulesVersion, StoreError>
where
    R: sqlx::Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> Option<String>: Decode<'r, R::Database>,
{
    Ok(StackRulesVersion {
        service: row.try_get("service")?,
        version: row.try_get("version")?,
        rules: row.try_get("rules")?,
        created_at: row.try_get("created_at")?,
        actor: row.try_get("actor")?,
    })
}
