//! The read side, written once for both backends: [`Reader`] runs each backend's statements
//! ([`Dialect`]) or the portable ones built in `filter`, and decodes the rows into the API types.

use domain::explorer::{Activity, ActivityKind, ActivityPage};
use domain::query::{EventPage, IssueDetail, IssuePage, IssueQuery, Stats};
use domain::teamwork::UserRef;
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Row, Type,
};

use super::filter::{self, Filter, Scope, Wildcard};
use super::{StoreError, decode};

/// The statements whose SQL differs between the backends (placeholders, casts, operators).
pub(super) struct Dialect {
    /// Case-insensitive `LIKE`.
    pub ilike: &'static str,
    /// The aggregate joining texts with a separator: `name(text, separator)`.
    pub join_texts: &'static str,
    pub wildcard: Wildcard,
    /// Appended to a `SELECT` of issues to lock them until commit, in the order batch writes lock
    /// them (service, then fingerprint, bytewise), so the two never deadlock; empty where one
    /// connection writes.
    pub lock_issues: &'static str,
    /// One issue with its grouping columns, by id (`$1`).
    pub issue: &'static str,
    /// Events of an issue (`$1`), newest first, `LIMIT $2 OFFSET $3`, joined with their texts.
    pub events: &'static str,
    /// The event count of an issue (`$1`).
    pub issue_count: &'static str,
    /// A stored trace blob by hex id (`$1`).
    pub trace: &'static str,
    /// `(issues, error events)`.
    pub totals: &'static str,
    /// `(reason, count)` rows.
    pub skipped: &'static str,
    /// `(reason, count)` rows of refused intake requests.
    pub dropped: &'static str,
    /// `(service, hits)` rows.
    pub hits: &'static str,
    /// The spans counter.
    pub spans: &'static str,
}

/// A backend's read pool and statements.
pub(super) struct Reader<'p, DB: Database> {
    pub pool: &'p Pool<DB>,
    pub sql: &'static Dialect,
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
    for<'a> &'a str: Encode<'a, DB> + Type<DB>,
    for<'a> Vec<u8>: Decode<'a, DB> + Type<DB>,
{
    pub async fn list_issues(&self, q: &IssueQuery) -> Result<IssuePage, StoreError> {
        let search = q.parsed_search()?;
        let filter = Filter {
            query: q,
            search: &search,
            scope: Scope::Issues,
        };
        let rows = filter::page::<DB>(&filter, self.sql)
            .build()
            .fetch_all(self.pool)
            .await?;
        let total: i64 = filter::count::<DB>(&filter, self.sql)
            .build_query_scalar()
            .fetch_one(self.pool)
            .await?;
        let issues = rows
            .iter()
            .map(decode::issue_summary)
            .collect::<Result<_, _>>()?;
        Ok(IssuePage { issues, total })
    }

    pub async fn issue(&self, id: i64) -> Result<Option<IssueDetail>, StoreError> {
        let Some(row) = sqlx::query(self.sql.issue)
            .bind(id)
            .fetch_optional(self.pool)
            .await?
        else {
            return Ok(None);
        };
        let latest = sqlx::query(self.sql.events)
            .bind(id)
            .bind(1_i64)
            .bind(0_i64)
            .fetch_optional(self.pool)
            .await?;
        Ok(Some(IssueDetail {
            issue: decode::issue_summary(&row)?,
            grouping_version: row.try_get("grouping_version")?,
            fingerprint_tree: decode::fingerprint_tree(
                &row.try_get::<String, _>("fingerprint_tree")?,
            )?,
            merged_into: row.try_get("merged_into")?,
            latest_event: latest.as_ref().map(decode::event_detail).transpose()?,
        }))
    }

    pub async fn events(
        &self,
        issue_id: i64,
        limit: u32,
        offset: u32,
    ) -> Result<EventPage, StoreError> {
        let total: Option<i64> = sqlx::query_scalar(self.sql.issue_count)
            .bind(issue_id)
            .fetch_optional(self.pool)
            .await?;
        let rows = sqlx::query(self.sql.events)
            .bind(issue_id)
            .bind(i64::from(limit))
            .bind(i64::from(offset))
            .fetch_all(self.pool)
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

    pub async fn trace_blob(&self, trace_hex: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(sqlx::query_scalar(self.sql.trace)
            .bind(trace_hex)
            .fetch_optional(self.pool)
            .await?)
    }

    pub async fn stats(&self) -> Result<Stats, StoreError> {
        let (issues, error_events): (i64, i64) =
            sqlx::query_as(self.sql.totals).fetch_one(self.pool).await?;
        let skipped: Vec<(String, i64)> = sqlx::query_as(self.sql.skipped)
            .fetch_all(self.pool)
            .await?;
        let dropped: Vec<(String, i64)> = sqlx::query_as(self.sql.dropped)
            .fetch_all(self.pool)
            .await?;
        let hits: Vec<(String, i64)> = sqlx::query_as(self.sql.hits).fetch_all(self.pool).await?;
        let spans: Option<i64> = sqlx::query_scalar(self.sql.spans)
            .fetch_optional(self.pool)
            .await?;
        Ok(Stats {
            issues,
            error_events,
            skipped: skipped.into_iter().collect(),
            hits: hits.into_iter().collect(),
            spans: spans.unwrap_or(0),
            dropped: dropped.into_iter().collect(),
        })
    }

    /// An issue's triage timeline, oldest first; `None` for an unknown issue.
    pub async fn activity(&self, issue_id: i64) -> Result<Option<ActivityPage>, StoreError> {
        let exists: Option<i64> = sqlx::query_scalar(self.sql.issue_count)
            .bind(issue_id)
            .fetch_optional(self.pool)
            .await?;
        if exists.is_none() {
            return Ok(None);
        }
        // Signed-in users are recorded by email: their display name is looked up as it is now.
        let mut query = QueryBuilder::<DB>::new(
            "SELECT a.at, a.actor, a.kind, a.from_status, a.to_status, a.version, \
             a.other_issue_id, actor.display_name, a.assignee_id, assignee.email, \
             assignee.display_name \
             FROM issue_activity a \
             LEFT JOIN users actor ON actor.email = a.actor \
             LEFT JOIN users assignee ON assignee.id = a.assignee_id \
             WHERE a.issue_id = ",
        );
        query.push_bind(issue_id).push(" ORDER BY a.at, a.id");
        type Entry = (
            i64,
            Option<String>,
            String,
            String,
            String,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<i64>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Entry> = query.build_query_as().fetch_all(self.pool).await?;
        let activity = rows
            .into_iter()
            .map(|row| {
                let (
                    at,
                    actor,
                    kind,
                    from,
                    to,
                    version,
                    other_issue,
                    actor_name,
                    assignee_id,
                    assignee_email,
                    assignee_name,
                ) = row;
                let assignee = match (assignee_id, assignee_email, assignee_name) {
                    (Some(id), Some(email), Some(display_name)) => Some(UserRef {
                        id,
                        email,
                        display_name,
                    }),
                    _ => None,
                };
                Ok(Activity {
                    at,
                    actor,
                    kind: ActivityKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                        what: "activity kind",
                        reason: format!("unknown kind {kind:?}"),
                    })?,
                    from_status: decode::status(&from)?,
                    to_status: decode::status(&to)?,
                    version,
                    other_issue,
                    actor_name,
                    assignee,
                })
            })
            .collect::<Result<_, StoreError>>()?;
        let comments = super::teamwork::comments(self.pool, issue_id).await?;
        Ok(Some(ActivityPage { activity, comments }))
    }
}
