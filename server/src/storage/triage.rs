//! Triage, the same for both backends: status changes with their history (`issue_activity`), and
//! regressions, decided while a batch is written.
//!
//! Resolving an issue remembers the version it was resolved in (its last version then) and when. A
//! later event reopens it (`for_review`, `regressed`) only when its version is newer, ordered by
//! [`compare_versions`]. Versions that order does not know (commit hashes) count as newer when they
//! differ and the service first sent that version after the resolution. Events without a version
//! never reopen an issue resolved in a known version; an issue resolved without a version reopens on
//! any event timestamped after the resolution.

use domain::explorer::{ActivityKind, BulkStatusResult, compare_versions};
use domain::query::Status;
use sqlx::{Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Type};

use super::StoreError;
use super::read::Reader;
use super::rows::BatchRows;

/// What `actor` is when a change names none.
pub(super) const ANONYMOUS: &str = "anonymous";

/// An issue of a batch as stored right after its upsert.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct StoredIssue {
    pub id: i64,
    pub status: String,
    pub resolved_version: Option<String>,
    pub resolved_at: Option<i64>,
}

/// Whether an event of `version` reopens an issue resolved in `resolved` at `resolved_at`;
/// `first_seen` is when the service first sent `version`.
fn reopens(
    version: Option<&str>,
    time: i64,
    resolved: Option<&str>,
    resolved_at: Option<i64>,
    first_seen: Option<i64>,
) -> bool {
    let after_resolution = |t: i64| resolved_at.is_none_or(|at| t >= at);
    match (version, resolved) {
        (_, None) => after_resolution(time),
        (None, Some(_)) => false,
        (Some(version), Some(resolved)) => match compare_versions(version, resolved) {
            Some(order) => order.is_gt(),
            None => version != resolved && after_resolution(first_seen.unwrap_or(time)),
        },
    }
}

/// Reopens the batch's resolved issues that one of its events regresses, and records each
/// regression with the version of the latest such event.
pub(super) async fn reopen_regressions<DB>(
    conn: &mut DB::Connection,
    rows: &BatchRows<'_>,
    stored: &[StoredIssue],
    now: i64,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
    (Option<i64>,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    for (index, issue) in stored.iter().enumerate() {
        if issue.status != Status::Resolved.as_str() {
            continue;
        }
        let mut regression: Option<(i64, Option<&str>)> = None;
        for event in rows.events.iter().filter(|e| e.issue == index) {
            let version = event.version.as_deref();
            let unknown_order = match (version, issue.resolved_version.as_deref()) {
                (Some(v), Some(r)) => compare_versions(v, r).is_none(),
                _ => false,
            };
            let first_seen = match version {
                Some(v) if unknown_order => {
                    version_first_seen::<DB>(&mut *conn, &rows.issues[index].service, v).await?
                }
                _ => None,
            };
            let reopened = reopens(
                version,
                event.time,
                issue.resolved_version.as_deref(),
                issue.resolved_at,
                first_seen,
            );
            if reopened && regression.is_none_or(|(time, _)| event.time >= time) {
                regression = Some((event.time, version));
            }
        }
        let Some((_, version)) = regression else {
            continue;
        };
        let mut update = QueryBuilder::<DB>::new(
            "UPDATE issues SET status = 'for_review', regressed = TRUE, resolved_version = NULL, \
             resolved_at = NULL WHERE id = ",
        );
        update.push_bind(issue.id);
        update.build().execute(&mut *conn).await?;
        record::<DB>(
            &mut *conn,
            issue.id,
            now,
            None,
            ActivityKind::Regression,
            (Status::Resolved, Status::ForReview),
            version.map(str::to_owned),
            None,
        )
        .await?;
    }
    Ok(())
}

/// When `service` first sent `version` (this batch included), from its issues' values.
async fn version_first_seen<DB>(
    conn: &mut DB::Connection,
    service: &str,
    version: &str,
) -> Result<Option<i64>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    (Option<i64>,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut query = QueryBuilder::<DB>::new(
        "SELECT MIN(v.first_seen) FROM issue_values v JOIN issues i ON i.id = v.issue_id \
         WHERE v.facet = 'version' AND v.value = ",
    );
    query.push_bind(version.to_owned());
    query
        .push(" AND i.service = ")
        .push_bind(service.to_owned());
    Ok(query.build_query_scalar().fetch_one(&mut *conn).await?)
}

/// Inserts one activity entry; `other_issue` is the other issue of a merge or unmerge.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record<DB>(
    conn: &mut DB::Connection,
    issue_id: i64,
    at: i64,
    actor: Option<&str>,
    kind: ActivityKind,
    (from, to): (Status, Status),
    version: Option<String>,
    other_issue: Option<i64>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
{
    let mut insert = QueryBuilder::<DB>::new(
        "INSERT INTO issue_activity (issue_id, at, actor, kind, from_status, to_status, version, \
         other_issue_id) VALUES (",
    );
    insert
        .separated(", ")
        .push_bind(issue_id)
        .push_bind(at)
        .push_bind(actor.map(str::to_owned))
        .push_bind(kind.as_str().to_owned())
        .push_bind(from.as_str().to_owned())
        .push_bind(to.as_str().to_owned())
        .push_bind(version)
        .push_bind(other_issue)
        .push_unseparated(")");
    insert.build().execute(&mut *conn).await?;
    Ok(())
}

/// Sets the status of issues through the writing pool, in one transaction.
pub(super) async fn set_status<DB>(
    writer: &Reader<'_, DB>,
    ids: &[i64],
    status: Status,
    actor: &str,
    now: i64,
) -> Result<BulkStatusResult, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> Option<String>: Encode<'a, DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
    (i64, String, Option<String>): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(BulkStatusResult::default());
    }
    let mut tx = writer.pool.begin().await?;
    let mut select =
        QueryBuilder::<DB>::new("SELECT id, status, last_version FROM issues WHERE id IN (");
    let mut list = select.separated(", ");
    for id in &ids {
        list.push_bind(*id);
    }
    select.push(")").push(writer.sql.lock_issues);
    let found: Vec<(i64, String, Option<String>)> =
        select.build_query_as().fetch_all(&mut *tx).await?;
    for (id, current, last_version) in &found {
        let current = super::decode::status(current)?;
        if current == status {
            continue;
        }
        let resolved = status == Status::Resolved;
        let mut update = QueryBuilder::<DB>::new("UPDATE issues SET status = ");
        update.push_bind(status.as_str().to_owned());
        update.push(", regressed = FALSE, resolved_version = ");
        update.push_bind(last_version.clone().filter(|_| resolved));
        update.push(", resolved_at = ");
        update.push_bind(resolved.then_some(now));
        update.push(" WHERE id = ").push_bind(*id);
        update.build().execute(&mut *tx).await?;
        record::<DB>(
            &mut *tx,
            *id,
            now,
            Some(actor),
            ActivityKind::StatusChange,
            (current, status),
            last_version.clone().filter(|_| resolved),
            None,
        )
        .await?;
    }
    tx.commit().await?;
    let mut updated: Vec<i64> = found.iter().map(|(id, ..)| *id).collect();
    updated.sort_unstable();
    let not_found = ids.into_iter().filter(|id| !updated.contains(id)).collect();
    Ok(BulkStatusResult { updated, not_found })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_newer_versions_reopen() {
        const RESOLVED_AT: i64 = 10_000;
        // (event version, event time, resolved in, version first seen, reopens)
        for (version, time, resolved, first_seen, expected) in [
            (Some("1.5.0"), 20_000, Some("1.4.2"), None, true),
            (Some("1.10"), 20_000, Some("1.9.9"), None, true),
            (Some("1.4.2"), 20_000, Some("1.4.2"), None, false),
            (Some("1.4.1"), 20_000, Some("1.4.2"), None, false),
            (Some("1.5.0-rc.1"), 20_000, Some("1.5.0"), None, false),
            (None, 20_000, Some("1.4.2"), None, false),
            (None, 20_000, None, None, true),
            (Some("1.0.0"), 20_000, None, None, true),
            (None, 5_000, None, None, false),
            // Unknown order: newer only if first sent after the resolution.
            (
                Some("f00dcafe"),
                20_000,
                Some("abc1234"),
                Some(15_000),
                true,
            ),
            (
                Some("f00dcafe"),
                20_000,
                Some("abc1234"),
                Some(5_000),
                false,
            ),
            (Some("f00dcafe"), 20_000, Some("abc1234"), None, true),
            (
                Some("abc1234"),
                20_000,
                Some("abc1234"),
                Some(15_000),
                false,
            ),
            (Some("main"), 20_000, Some("1.4.2"), Some(15_000), true),
        ] {
            assert_eq!(
                reopens(version, time, resolved, Some(RESOLVED_AT), first_seen),
                expected,
                "{version:?} at {time} vs {resolved:?}"
            );
        }
    }
}
