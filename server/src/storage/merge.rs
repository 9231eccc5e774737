//! Merging and unmerging issues, the same for both backends.
//!
//! Merging moves rows rather than summing at read time: the merged issues' events move to the target
//! (each remembering its own issue in `events.merged_from`), their fingerprints become aliases of the
//! target (so later events land there), and the target's counts, trends and breakdowns are rebuilt
//! from its events. Every read then stays the single-issue query it was, and sorting by count stays
//! an index scan. A merged issue keeps its row, hidden from lists (`merged_into`), so unmerging moves
//! its events and fingerprints back and rebuilds both issues: exact, whatever arrived meanwhile.
//! Rebuilding reads the issue's events once, a user action's cost rather than intake's.

use domain::explorer::{ActivityKind, MergeResult};
use domain::query::Status;
use sqlx::{Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Type};

use super::StoreError;
use super::read::Reader;
use super::rows::VALUE_FACETS;
use super::triage::record;
use super::window::{FINE_RETENTION_MS, FIVE_MINUTES_MS, HOUR_MS};

/// Why a merge or unmerge was refused, or failed.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    #[error("issue {0} not found")]
    NotFound(i64),
    #[error("issue {0} cannot be merged into itself")]
    IntoItself(i64),
    #[error("issue {issue} is of service {service:?}, not {target:?}: issues never span services")]
    OtherService {
        issue: i64,
        service: String,
        target: String,
    },
    #[error("issue {issue} is already merged into issue {into}")]
    AlreadyMerged { issue: i64, into: i64 },
    #[error("issue {0} is not merged into another issue")]
    NotMerged(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for MergeError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// An issue as a merge needs it.
struct Issue {
    id: i64,
    service: String,
    status: Status,
    merged_into: Option<i64>,
}

/// Merges `issues` into `into`, recorded in both sides' activity with `actor`.
pub(super) async fn merge<DB>(
    writer: &Reader<'_, DB>,
    into: i64,
    issues: &[i64],
    actor: &str,
    now: i64,
) -> Result<MergeResult, MergeError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
    (i64, String, String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut ids = issues.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.contains(&into) {
        return Err(MergeError::IntoItself(into));
    }
    let mut tx = writer.pool.begin().await?;
    let mut all = ids.clone();
    all.push(into);
    let found = lock::<DB>(&mut tx, &all, writer).await?;
    let get = |id: i64| {
        found
            .iter()
            .find(|issue| issue.id == id)
            .ok_or(MergeError::NotFound(id))
    };
    let target = get(into)?;
    if let Some(parent) = target.merged_into {
        return Err(MergeError::AlreadyMerged {
            issue: into,
            into: parent,
        });
    }
    for &id in &ids {
        let issue = get(id)?;
        if let Some(parent) = issue.merged_into {
            return Err(MergeError::AlreadyMerged {
                issue: id,
                into: parent,
            });
        }
        if issue.service != target.service {
            return Err(MergeError::OtherService {
                issue: id,
                service: issue.service.clone(),
                target: target.service.clone(),
            });
        }
    }
    for &id in &ids {
        let issue = get(id)?;
        // Its aliases (and those of issues merged into it before) now lead to the target.
        let mut update = QueryBuilder::<DB>::new("UPDATE issue_aliases SET issue_id = ");
        update
            .push_bind(into)
            .push(", merged_from = COALESCE(merged_from, ")
            .push_bind(id)
            .push(") WHERE issue_id = ")
            .push_bind(id);
        update.build().execute(&mut *tx).await?;
        let mut alias = QueryBuilder::<DB>::new(
            "INSERT INTO issue_aliases (service, fingerprint, issue_id, grouping_version, \
             created_at, merged_from) SELECT service, fingerprint, ",
        );
        alias
            .push_bind(into)
            .push(", grouping_version, ")
            .push_bind(now)
            .push(", id FROM issues WHERE id = ")
            .push_bind(id);
        alias.build().execute(&mut *tx).await?;
        let mut events = QueryBuilder::<DB>::new(
            "UPDATE events SET merged_from = COALESCE(merged_from, issue_id), issue_id = ",
        );
        events
            .push_bind(into)
            .push(" WHERE issue_id = ")
            .push_bind(id);
        events.build().execute(&mut *tx).await?;
        let mut hide = QueryBuilder::<DB>::new("UPDATE issues SET merged_into = ");
        hide.push_bind(into)
            .push(" WHERE id = ")
            .push_bind(id)
            .push(" OR merged_into = ")
            .push_bind(id);
        hide.build().execute(&mut *tx).await?;
        rebuild::<DB>(&mut tx, id, now).await?;
        let statuses = (issue.status, issue.status);
        let activity = [
            (
                into,
                ActivityKind::Merge,
                id,
                (target.status, target.status),
            ),
            (id, ActivityKind::MergedInto, into, statuses),
        ];
        for (on, kind, other, statuses) in activity {
            record::<DB>(
                &mut tx,
                on,
                now,
                Some(actor),
                kind,
                statuses,
                None,
                Some(other),
            )
            .await?;
        }
    }
    rebuild::<DB>(&mut tx, into, now).await?;
    tx.commit().await?;
    Ok(MergeResult { into, merged: ids })
}

/// Gives a merged issue back its events and fingerprints; returns the issue it was merged into.
pub(super) async fn unmerge<DB>(
    writer: &Reader<'_, DB>,
    id: i64,
    actor: &str,
    now: i64,
) -> Result<i64, MergeError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
    (i64, String, String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut tx = writer.pool.begin().await?;
    let found = lock::<DB>(&mut tx, &[id], writer).await?;
    let issue = found.first().ok_or(MergeError::NotFound(id))?;
    let into = issue.merged_into.ok_or(MergeError::NotMerged(id))?;
    // Its own fingerprint stops being an alias; the aliases it had before the merge are its again.
    let mut own = QueryBuilder::<DB>::new("DELETE FROM issue_aliases WHERE merged_from = ");
    own.push_bind(id)
        .push(" AND fingerprint = (SELECT fingerprint FROM issues WHERE id = ")
        .push_bind(id)
        .push(")");
    own.build().execute(&mut *tx).await?;
    for table in ["issue_aliases", "events"] {
        let mut back = QueryBuilder::<DB>::new(format!("UPDATE {table} SET issue_id = "));
        back.push_bind(id)
            .push(", merged_from = NULL WHERE merged_from = ")
            .push_bind(id);
        back.build().execute(&mut *tx).await?;
    }
    let mut show = QueryBuilder::<DB>::new("UPDATE issues SET merged_into = NULL WHERE id = ");
    show.push_bind(id);
    show.build().execute(&mut *tx).await?;
    rebuild::<DB>(&mut tx, into, now).await?;
    rebuild::<DB>(&mut tx, id, now).await?;
    let target = lock::<DB>(&mut tx, &[into], writer).await?;
    let target_status = target.first().map_or(issue.status, |t| t.status);
    let activity = [
        (into, id, (target_status, target_status)),
        (id, into, (issue.status, issue.status)),
    ];
    for (on, other, statuses) in activity {
        let kind = ActivityKind::Unmerge;
        record::<DB>(
            &mut tx,
            on,
            now,
            Some(actor),
            kind,
            statuses,
            None,
            Some(other),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(into)
}

/// Reads and locks issues until commit.
async fn lock<DB>(
    conn: &mut DB::Connection,
    ids: &[i64],
    writer: &Reader<'_, DB>,
) -> Result<Vec<Issue>, MergeError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    (i64, String, String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut select = QueryBuilder::<DB>::new(
        "SELECT id, service, status, merged_into FROM issues WHERE id IN (",
    );
    let mut list = select.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    select.push(")").push(writer.sql.lock_issues);
    let rows: Vec<(i64, String, String, Option<i64>)> =
        select.build_query_as().fetch_all(&mut *conn).await?;
    rows.into_iter()
        .map(|(id, service, status, merged_into)| {
            Ok(Issue {
                id,
                service,
                status: super::decode::status(&status)?,
                merged_into,
            })
        })
        .collect()
}

/// Recomputes an issue's counts from its events: hourly and 5-minute counts, values per facet (all
/// time and per hour), envs, and its count, first/last seen and versions. An issue left without
/// events (merged away) keeps its own row as it was, for unmerging.
async fn rebuild<DB>(conn: &mut DB::Connection, id: i64, now: i64) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    for table in [
        "issue_buckets",
        "issue_buckets_5m",
        "issue_values",
        "issue_value_hours",
        "issue_envs",
    ] {
        let mut delete = QueryBuilder::<DB>::new(format!("DELETE FROM {table} WHERE issue_id = "));
        delete.push_bind(id);
        delete.build().execute(&mut *conn).await?;
    }
    for (table, width, since) in [
        ("issue_buckets", HOUR_MS, i64::MIN),
        ("issue_buckets_5m", FIVE_MINUTES_MS, now - FINE_RETENTION_MS),
    ] {
        let mut insert = QueryBuilder::<DB>::new(format!(
            "INSERT INTO {table} (issue_id, bucket, count) \
             SELECT issue_id, time / {width} * {width}, COUNT(*) FROM events WHERE issue_id = "
        ));
        insert
            .push_bind(id)
            .push(" AND time >= ")
            .push_bind(since)
            .push(format!(" GROUP BY issue_id, time / {width} * {width}"));
        insert.build().execute(&mut *conn).await?;
    }
    // The facet names are the event columns they count.
    for facet in VALUE_FACETS {
        let mut values = QueryBuilder::<DB>::new(format!(
            "INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen) \
             SELECT issue_id, '{facet}', {facet}, COUNT(*), MIN(time), MAX(time) FROM events \
             WHERE {facet} <> '' AND issue_id = "
        ));
        values
            .push_bind(id)
            .push(format!(" GROUP BY issue_id, {facet}"));
        values.build().execute(&mut *conn).await?;
        let mut hours = QueryBuilder::<DB>::new(format!(
            "INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count) \
             SELECT issue_id, time / {HOUR_MS} * {HOUR_MS}, '{facet}', {facet}, COUNT(*) \
             FROM events WHERE {facet} <> '' AND issue_id = "
        ));
        hours.push_bind(id).push(format!(
            " GROUP BY issue_id, time / {HOUR_MS} * {HOUR_MS}, {facet}"
        ));
        hours.build().execute(&mut *conn).await?;
    }
    let mut envs = QueryBuilder::<DB>::new(
        "INSERT INTO issue_envs (env, issue_id) \
         SELECT DISTINCT COALESCE(env, ''), issue_id FROM events WHERE issue_id = ",
    );
    envs.push_bind(id);
    envs.build().execute(&mut *conn).await?;
    let mut issue = QueryBuilder::<DB>::new(
        "UPDATE issues SET \
            count = (SELECT COUNT(*) FROM events e WHERE e.issue_id = issues.id), \
            first_seen = (SELECT MIN(time) FROM events e WHERE e.issue_id = issues.id), \
            last_seen = (SELECT MAX(time) FROM events e WHERE e.issue_id = issues.id), \
            first_version = (SELECT version FROM events e WHERE e.issue_id = issues.id \
                ORDER BY time, id LIMIT 1), \
            last_version = (SELECT version FROM events e WHERE e.issue_id = issues.id \
                ORDER BY time DESC, id DESC LIMIT 1) \
         WHERE id = ",
    );
    issue
        .push_bind(id)
        .push(" AND EXISTS (SELECT 1 FROM events e WHERE e.issue_id = issues.id)");
    issue.build().execute(&mut *conn).await?;
    Ok(())
}
