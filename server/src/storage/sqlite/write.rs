//! Writing a batch to SQLite: one transaction on the single writer connection, each table's rows in
//! multi-row statements. Every statement is a round trip to sqlx's SQLite thread; one per row cost
//! most of the error storm's writer time (1,300 events/s, the writer busy 90% of the run).

use std::collections::{BTreeMap, HashMap};

use sqlx::query_builder::Separated;
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};

use super::SqliteStore;
use crate::storage::rows::BatchRows;
use crate::storage::texts;
use crate::storage::triage::{self, StoredIssue};
use crate::storage::window::prune_before;
use crate::storage::{StoreError, WriteBatch, aliases};

/// In `DO UPDATE`, bare column names are the stored row's values, before the update. SQLite returns
/// the rows of a multi-row statement in no set order: each names its issue.
const UPSERT_ISSUES: &str = "\
    INSERT INTO issues (service, fingerprint, grouping_version, fingerprint_tree, error_type, \
        message, culprit, env, count, first_seen, last_seen, first_version, last_version) ";
const UPSERT_ISSUES_TAIL: &str = " \
    ON CONFLICT (service, fingerprint) DO UPDATE SET \
        count = count + excluded.count, \
        first_version = CASE WHEN excluded.first_seen < first_seen \
            THEN excluded.first_version ELSE first_version END, \
        first_seen = min(first_seen, excluded.first_seen), \
        last_version = CASE WHEN excluded.last_seen >= last_seen \
            THEN excluded.last_version ELSE last_version END, \
        last_seen = max(last_seen, excluded.last_seen), \
        culprit = coalesce(culprit, excluded.culprit) \
    RETURNING id, service, fingerprint, status, resolved_version, resolved_at";

const INSERT_EVENTS: &str = "\
    INSERT INTO events (issue_id, time, trace_id, span_id, error_span_id, service, env, version, \
        host, container_id, resource, operation, error_type, message, language, stack_id, \
        span_tags, host_tags_id, container_tags_id, metrics, merged_from) ";

impl SqliteStore {
    pub(in crate::storage) async fn write(
        &self,
        batch: &WriteBatch,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        let routes = aliases::route::<Sqlite>(&mut tx, batch, now).await?;
        let rows = &BatchRows::new(batch, now, &routes)?;
        let stored = upsert_issues(&mut tx, rows).await?;
        let issue_ids: Vec<i64> = stored.iter().map(|issue| issue.id).collect();
        let statements = multi_row(
            "INSERT INTO issue_envs (env, issue_id) ",
            " ON CONFLICT DO NOTHING",
            2,
            &rows.envs,
            |row, (issue, env)| {
                row.push_bind(env.as_ref()).push_bind(issue_ids[*issue]);
            },
        );
        execute(&mut tx, statements).await?;
        upsert_buckets(&mut tx, UPSERT_HOURS, &rows.buckets, &issue_ids).await?;
        store_issue_counts(&mut tx, rows, &issue_ids, now, self.prune.due(now)).await?;
        triage::reopen_regressions::<Sqlite>(&mut tx, rows, &stored, now).await?;
        let text_ids = store_texts(&mut tx, rows).await?;
        let statements = multi_row(INSERT_EVENTS, "", 21, &rows.events, |row, event| {
            row.push_bind(issue_ids[event.issue])
                .push_bind(event.time)
                .push_bind(event.trace_id.as_str())
                .push_bind(event.span_id)
                .push_bind(event.error_span_id)
                .push_bind(event.service.as_ref())
                .push_bind(event.env.as_deref())
                .push_bind(event.version.as_deref())
                .push_bind(event.host.as_deref())
                .push_bind(event.container_id.as_deref())
                .push_bind(event.resource.as_ref())
                .push_bind(event.operation.as_ref())
                .push_bind(event.error_type.as_ref())
                .push_bind(event.message.as_ref())
                .push_bind(event.language.as_deref())
                .push_bind(text_ids[event.stack])
                .push_bind(event.span_tags.as_str())
                .push_bind(event.host_tags.map(|t| text_ids[t]))
                .push_bind(event.container_tags.map(|t| text_ids[t]))
                .push_bind(event.metrics.as_str())
                .push_bind(event.merged_from);
        });
        execute(&mut tx, statements).await?;
        store_traces(&mut tx, rows).await?;
        store_counters(&mut tx, rows).await?;
        crate::storage::source::sqlite::record_seen(&mut tx, &rows.repositories, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// SQLite's limit of bound variables per statement (`SQLITE_MAX_VARIABLE_NUMBER` since 3.32).
const MAX_VARIABLES: usize = 32_766;
/// Rows per multi-row statement: past a few hundred, longer statements save nothing measurable.
const MAX_ROWS: usize = 500;

/// `head VALUES (..), (..) tail` over `rows`, in as few statements as SQLite's variable limit
/// allows, `bind` pushing one row's `columns` values. Built before anything is awaited, so the
/// statements own their values and no borrowed row is held across an await.
fn multi_row<I>(
    head: &str,
    tail: &str,
    columns: usize,
    rows: I,
    mut bind: impl FnMut(&mut Separated<'_, Sqlite, &'static str>, I::Item),
) -> Vec<QueryBuilder<Sqlite>>
where
    I: IntoIterator,
{
    let per_statement = (MAX_VARIABLES / columns).min(MAX_ROWS);
    let mut rows = rows.into_iter().peekable();
    let mut statements = Vec::new();
    while rows.peek().is_some() {
        let mut query = QueryBuilder::<Sqlite>::new(head);
        query.push_values(rows.by_ref().take(per_statement), |mut row, item| {
            bind(&mut row, item)
        });
        query.push(tail);
        statements.push(query);
    }
    statements
}

async fn execute(
    tx: &mut Transaction<'_, Sqlite>,
    statements: Vec<QueryBuilder<Sqlite>>,
) -> Result<(), StoreError> {
    for mut statement in statements {
        statement.build().execute(&mut **tx).await?;
    }
    Ok(())
}

/// Upserts the batch's issues; returns them as stored, in [`BatchRows::issues`] order.
async fn upsert_issues(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &BatchRows<'_>,
) -> Result<Vec<StoredIssue>, StoreError> {
    let mut stored = HashMap::with_capacity(rows.issues.len());
    for chunk in rows.issues.chunks(MAX_VARIABLES / 13) {
        let mut query = QueryBuilder::<Sqlite>::new(UPSERT_ISSUES);
        query.push_values(chunk, |mut row, issue| {
            row.push_bind(issue.service.as_ref())
                .push_bind(issue.fingerprint.as_ref())
                .push_bind(issue.grouping_version.as_ref())
                .push_bind(issue.tree.as_str())
                .push_bind(issue.error_type.as_ref())
                .push_bind(issue.message.as_ref())
                .push_bind(issue.culprit.as_deref())
                .push_bind(issue.env.as_ref())
                .push_bind(issue.count)
                .push_bind(issue.first_seen)
                .push_bind(issue.last_seen)
                .push_bind(issue.first_version.as_deref())
                .push_bind(issue.last_version.as_deref());
        });
        query.push(UPSERT_ISSUES_TAIL);
        for row in query.build().fetch_all(&mut **tx).await? {
            let key: (String, String) = (row.try_get("service")?, row.try_get("fingerprint")?);
            let issue = StoredIssue {
                id: row.try_get("id")?,
                status: row.try_get("status")?,
                resolved_version: row.try_get("resolved_version")?,
                resolved_at: row.try_get("resolved_at")?,
            };
            stored.insert(key, issue);
        }
    }
    rows.issues
        .iter()
        .map(|issue| {
            stored
                .remove(&(issue.service.to_string(), issue.fingerprint.to_string()))
                .ok_or_else(|| StoreError::Corrupt {
                    what: "issue upsert",
                    reason: "an upserted issue returned no id".into(),
                })
        })
        .collect()
}

const UPSERT_HOURS: &str = "INSERT INTO issue_buckets (issue_id, bucket, count) ";
const UPSERT_FIVE_MINUTES: &str = "INSERT INTO issue_buckets_5m (issue_id, bucket, count) ";

/// Adds per-(issue, bucket) counts into the table `head` ([`UPSERT_HOURS`] or
/// [`UPSERT_FIVE_MINUTES`]) inserts into.
async fn upsert_buckets(
    tx: &mut Transaction<'_, Sqlite>,
    head: &'static str,
    buckets: &BTreeMap<(usize, i64), i64>,
    issue_ids: &[i64],
) -> Result<(), StoreError> {
    let statements = multi_row(
        head,
        " ON CONFLICT (issue_id, bucket) DO UPDATE SET count = count + excluded.count",
        3,
        buckets,
        |row, ((issue, bucket), count)| {
            row.push_bind(issue_ids[*issue])
                .push_bind(*bucket)
                .push_bind(*count);
        },
    );
    execute(tx, statements).await
}

/// The batch's 5-minute counts and per-issue values (all time and per hour); `prune` drops 5-minute
/// counts past retention.
async fn store_issue_counts(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &BatchRows<'_>,
    issue_ids: &[i64],
    now: i64,
    prune: bool,
) -> Result<(), StoreError> {
    upsert_buckets(tx, UPSERT_FIVE_MINUTES, &rows.fine_buckets, issue_ids).await?;
    let statements = multi_row(
        "INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen) ",
        " ON CONFLICT (issue_id, facet, value) DO UPDATE SET \
            count = count + excluded.count, \
            first_seen = min(first_seen, excluded.first_seen), \
            last_seen = max(last_seen, excluded.last_seen)",
        6,
        &rows.values,
        |row, ((issue, facet, value), seen)| {
            row.push_bind(issue_ids[*issue])
                .push_bind(*facet)
                .push_bind(value.as_ref())
                .push_bind(seen.count)
                .push_bind(seen.first_seen)
                .push_bind(seen.last_seen);
        },
    );
    execute(tx, statements).await?;
    let statements = multi_row(
        "INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count) ",
        " ON CONFLICT (issue_id, bucket, facet, value) DO UPDATE SET \
            count = count + excluded.count",
        5,
        &rows.value_hours,
        |row, ((issue, hour, facet, value), count)| {
            row.push_bind(issue_ids[*issue])
                .push_bind(*hour)
                .push_bind(*facet)
                .push_bind(value.as_ref())
                .push_bind(*count);
        },
    );
    execute(tx, statements).await?;
    if prune {
        sqlx::query("DELETE FROM issue_buckets_5m WHERE bucket < ?1")
            .bind(prune_before(now))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Finds or inserts every distinct text of the batch; returns their ids in [`BatchRows::texts`]
/// order.
async fn store_texts(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &BatchRows<'_>,
) -> Result<Vec<i64>, StoreError> {
    let mut by_hash: HashMap<i64, Vec<usize>> = HashMap::with_capacity(rows.texts.len());
    for (index, text) in rows.texts.iter().enumerate() {
        by_hash.entry(text.hash).or_default().push(index);
    }
    let hashes: Vec<i64> = by_hash.keys().copied().collect();
    let mut found = HashMap::with_capacity(rows.texts.len());
    for chunk in hashes.chunks(MAX_ROWS) {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT id, hash, body FROM texts WHERE hash IN (");
        let mut list = query.separated(", ");
        for hash in chunk {
            list.push_bind(*hash);
        }
        query.push(")");
        for row in query.build().fetch_all(&mut **tx).await? {
            let (id, hash, body): (i64, i64, &str) =
                (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
            let same = by_hash.get(&hash).into_iter().flatten();
            for &index in same.filter(|&&i| rows.texts[i].body == body) {
                // Duplicates of one body (stored before this lookup existed): any of them will do.
                found.entry(index).or_insert(id);
            }
        }
    }
    texts::insert_missing::<Sqlite>(tx, &rows.texts, &found).await
}

/// Stores each trace, merged with the spans stored before under the same id.
async fn store_traces(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &BatchRows<'_>,
) -> Result<(), StoreError> {
    let ids: Vec<&str> = rows.traces.keys().map(String::as_str).collect();
    let mut stored: HashMap<String, Vec<u8>> = HashMap::new();
    for chunk in ids.chunks(MAX_ROWS) {
        let mut query =
            QueryBuilder::<Sqlite>::new("SELECT trace_id, spans FROM traces WHERE trace_id IN (");
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        query.push(")");
        for row in query.build().fetch_all(&mut **tx).await? {
            stored.insert(row.try_get(0)?, row.try_get(1)?);
        }
    }
    let blobs = rows.trace_blobs(&stored)?;
    let statements = multi_row(
        "INSERT INTO traces (trace_id, spans) ",
        " ON CONFLICT (trace_id) DO UPDATE SET spans = excluded.spans",
        2,
        blobs,
        |row, (id, blob)| {
            row.push_bind(id).push_bind(blob.as_bytes());
        },
    );
    execute(tx, statements).await
}

async fn store_counters(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &BatchRows<'_>,
) -> Result<(), StoreError> {
    let statements = multi_row(
        "INSERT INTO hits (service, env, resource, bucket, hits, errors) ",
        " ON CONFLICT (service, env, resource, bucket) \
            DO UPDATE SET hits = hits + excluded.hits, errors = errors + excluded.errors",
        6,
        &rows.hits,
        |row, hit| {
            row.push_bind(hit.service.as_ref())
                .push_bind(hit.env.as_ref())
                .push_bind(hit.resource.as_ref())
                .push_bind(hit.bucket)
                .push_bind(hit.hits)
                .push_bind(hit.errors);
        },
    );
    execute(tx, statements).await?;
    let statements = multi_row(
        "INSERT INTO skipped (service, reason, count) ",
        " ON CONFLICT (service, reason) DO UPDATE SET count = count + excluded.count",
        3,
        &rows.skipped,
        |row, (service, reason, count)| {
            row.push_bind(service.as_ref())
                .push_bind(*reason)
                .push_bind(*count);
        },
    );
    execute(tx, statements).await?;
    let statements = multi_row(
        "INSERT INTO intake_drops (reason, bucket, count) ",
        " ON CONFLICT (reason, bucket) DO UPDATE SET count = count + excluded.count",
        3,
        &rows.drops,
        |row, (reason, bucket, count)| {
            row.push_bind(*reason).push_bind(*bucket).push_bind(*count);
        },
    );
    execute(tx, statements).await?;
    if rows.spans > 0 {
        sqlx::query(
            "INSERT INTO counters (name, value) \
                VALUES ('spans', ?1) \
                ON CONFLICT (name) \
                DO UPDATE SET value = value + excluded.value",
        )
        .bind(rows.spans)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
