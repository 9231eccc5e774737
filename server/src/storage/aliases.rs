//! Which issue a batch's fingerprints join, the same for both backends: an issue's own fingerprint,
//! an alias recorded for it, or, during a grouping upgrade's transition, the previous version's
//! fingerprint (which then records the new one as an alias). Issues never split because the server
//! was upgraded, and once an alias exists the previous hash is no longer needed.

use std::collections::{BTreeMap, HashMap};

use sqlx::{Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Type};

use super::{StoreError, WriteBatch};

/// (service, the event's fingerprint) → the issue it joins, for fingerprints that join an issue not
/// their own. Fingerprints absent here are their own issue's (new or not).
pub(super) type Routes = HashMap<(String, String), Route>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Route {
    /// The joined issue's own fingerprint.
    pub fingerprint: String,
    /// The merged issue the fingerprint belongs to, when a merge made the route.
    pub merged_from: Option<i64>,
}

/// Routes the batch's fingerprints, recording new aliases. Runs in the batch's transaction, so an
/// alias and the events it routes commit together.
pub(super) async fn route<DB>(
    conn: &mut DB::Connection,
    batch: &WriteBatch,
    now: i64,
) -> Result<Routes, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
    (i64, String): for<'r> sqlx::FromRow<'r, DB::Row>,
    (i64, String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
    (String, String, i64, String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    // Distinct fingerprints in (service, fingerprint) order, so concurrent writers insert aliases in
    // the same order and never deadlock.
    let mut wanted: BTreeMap<(&str, &str), (&str, Option<&str>)> = BTreeMap::new();
    for new in &batch.events {
        let previous = new.previous_fingerprint.as_deref();
        let entry = wanted
            .entry((&new.event.service, &new.fingerprint.hash))
            .or_insert((&new.fingerprint.version, previous));
        // Batches merged across a transition's end: any event's previous hash will do.
        entry.1 = entry.1.or(previous);
    }
    let mut routes = Routes::new();
    let keys: Vec<(&str, &str)> = wanted.keys().copied().collect();
    for chunk in keys.chunks(ALIAS_LOOKUPS_PER_STATEMENT) {
        routes.extend(aliased_all::<DB>(&mut *conn, chunk).await?);
    }
    for ((service, hash), (version, previous)) in wanted {
        let key = (service.to_owned(), hash.to_owned());
        if routes.contains_key(&key) {
            continue;
        }
        let Some(previous) = previous.filter(|p| p != &hash) else {
            continue;
        };
        if own::<DB>(&mut *conn, service, hash).await?.is_some() {
            continue;
        }
        let joined = match own::<DB>(&mut *conn, service, previous).await? {
            Some((id, fingerprint)) => Some((id, fingerprint, None)),
            None => aliased::<DB>(&mut *conn, service, previous).await?,
        };
        let Some((issue_id, fingerprint, merged_from)) = joined else {
            continue;
        };
        let mut insert = QueryBuilder::<DB>::new(
            "INSERT INTO issue_aliases (service, fingerprint, issue_id, grouping_version, \
             created_at, merged_from) VALUES (",
        );
        insert
            .separated(", ")
            .push_bind(service.to_owned())
            .push_bind(hash.to_owned())
            .push_bind(issue_id)
            .push_bind(version.to_owned())
            .push_bind(now)
            .push_bind(merged_from)
            .push_unseparated(") ON CONFLICT (service, fingerprint) DO NOTHING");
        insert.build().execute(&mut *conn).await?;
        routes.insert(
            key,
            Route {
                fingerprint,
                merged_from,
            },
        );
    }
    Ok(routes)
}

/// The issue whose own fingerprint `hash` is: (id, fingerprint).
async fn own<DB>(
    conn: &mut DB::Connection,
    service: &str,
    hash: &str,
) -> Result<Option<(i64, String)>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    (i64, String): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut query = QueryBuilder::<DB>::new("SELECT id, fingerprint FROM issues WHERE service = ");
    query
        .push_bind(service.to_owned())
        .push(" AND fingerprint = ")
        .push_bind(hash.to_owned());
    Ok(query.build_query_as().fetch_optional(&mut *conn).await?)
}

/// Fingerprints looked up per statement: one statement per fingerprint was a round trip each, a
/// large share of the error storm's writer time.
const ALIAS_LOOKUPS_PER_STATEMENT: usize = 500;

/// The routes of those `(service, fingerprint)` pairs that are aliases.
async fn aliased_all<DB>(
    conn: &mut DB::Connection,
    keys: &[(&str, &str)],
) -> Result<Routes, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    (String, String, i64, String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut query = QueryBuilder::<DB>::new(
        "SELECT a.service, a.fingerprint, i.id, i.fingerprint, a.merged_from \
         FROM issue_aliases a JOIN issues i ON i.id = a.issue_id \
         WHERE (a.service, a.fingerprint) IN (VALUES ",
    );
    let mut rows = query.separated(", ");
    for (service, hash) in keys {
        rows.push("(")
            .push_bind_unseparated(service.to_string())
            .push_unseparated(", ")
            .push_bind_unseparated(hash.to_string())
            .push_unseparated(")");
    }
    query.push(")");
    let found: Vec<(String, String, i64, String, Option<i64>)> =
        query.build_query_as().fetch_all(&mut *conn).await?;
    Ok(found
        .into_iter()
        .map(|(service, hash, _, fingerprint, merged_from)| {
            let route = Route {
                fingerprint,
                merged_from,
            };
            ((service, hash), route)
        })
        .collect())
}

/// The issue `hash` is an alias of: (id, that issue's own fingerprint, the merged issue it came from).
async fn aliased<DB>(
    conn: &mut DB::Connection,
    service: &str,
    hash: &str,
) -> Result<Option<(i64, String, Option<i64>)>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    (i64, String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut query = QueryBuilder::<DB>::new(
        "SELECT i.id, i.fingerprint, a.merged_from FROM issue_aliases a \
         JOIN issues i ON i.id = a.issue_id WHERE a.service = ",
    );
    query
        .push_bind(service.to_owned())
        .push(" AND a.fingerprint = ")
        .push_bind(hash.to_owned());
    Ok(query.build_query_as().fetch_optional(&mut *conn).await?)
}

/// The end (Unix ms) of the transition from `previous` to `current` grouping, or `None` when there
/// is none: this install has no issue of `previous`, or `current` first ran more than `days` ago.
/// The first call for `current` records when it first ran, for every instance sharing the database.
pub(super) async fn transition_end<DB>(
    pool: &Pool<DB>,
    current: &str,
    previous: &str,
    days: u32,
    now: i64,
) -> Result<Option<i64>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut conn = pool.acquire().await?;
    let mut insert =
        QueryBuilder::<DB>::new("INSERT INTO grouping_versions (version, started_at) VALUES (");
    insert
        .separated(", ")
        .push_bind(current.to_owned())
        .push_bind(now)
        .push_unseparated(") ON CONFLICT (version) DO NOTHING");
    insert.build().execute(&mut *conn).await?;
    let mut started =
        QueryBuilder::<DB>::new("SELECT started_at FROM grouping_versions WHERE version = ");
    started.push_bind(current.to_owned());
    let started: i64 = started.build_query_scalar().fetch_one(&mut *conn).await?;
    let mut previous_issues = QueryBuilder::<DB>::new(
        "SELECT COUNT(*) FROM (SELECT 1 FROM issues WHERE grouping_version = ",
    );
    previous_issues
        .push_bind(previous.to_owned())
        .push(" LIMIT 1) AS previous");
    let previous_issues: i64 = previous_issues
        .build_query_scalar()
        .fetch_one(&mut *conn)
        .await?;
    let end = started.saturating_add(i64::from(days) * DAY_MS);
    Ok((previous_issues > 0 && now < end).then_some(end))
}

const DAY_MS: i64 = 86_400_000;
