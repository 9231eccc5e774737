//! Writing a batch to SQLite: one transaction on the single writer connection, prepared statements
//! executed in a loop (sqlx caches them per connection).

use std::collections::{BTreeMap, HashMap};

use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::SqliteStore;
use crate::storage::rows::BatchRows;
use crate::storage::texts;
use crate::storage::triage::{self, StoredIssue};
use crate::storage::window::prune_before;
use crate::storage::{StoreError, WriteBatch, aliases, decode};

/// In `DO UPDATE`, bare column names are the stored row's values, before the update.
const UPSERT_ISSUE: &str = "\
    INSERT INTO issues (service, fingerprint, grouping_version, fingerprint_tree, error_type, \
        message, culprit, env, count, first_seen, last_seen, first_version, last_version) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
    ON CONFLICT (service, fingerprint) DO UPDATE SET \
        count = count + excluded.count, \
        first_version = CASE WHEN excluded.first_seen < first_seen \
            THEN excluded.first_version ELSE first_version END, \
        first_seen = min(first_seen, excluded.first_seen), \
        last_version = CASE WHEN excluded.last_seen >= last_seen \
            THEN excluded.last_version ELSE last_version END, \
        last_seen = max(last_seen, excluded.last_seen), \
        culprit = coalesce(culprit, excluded.culprit) \
    RETURNING id, status, resolved_version, resolved_at";

const INSERT_EVENT: &str = "\
    INSERT INTO events (issue_id, time, trace_id, span_id, error_span_id, service, env, version, \
        host, container_id, resource, operation, error_type, message, language, stack_id, \
        span_tags, host_tags_id, container_tags_id, metrics, merged_from) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, \
        ?20, ?21)";

impl SqliteStore {
    pub(in crate::storage) async fn write(
        &self,
        batch: &WriteBatch,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write.begin().await?;
        let routes = aliases::route::<Sqlite>(&mut tx, batch, now).await?;
        let rows = &BatchRows::new(batch, now, &routes)?;
        let mut stored = Vec::with_capacity(rows.issues.len());
        for issue in &rows.issues {
            let (id, status, resolved_version, resolved_at) = sqlx::query_as(UPSERT_ISSUE)
                .bind(issue.service.as_ref())
                .bind(issue.fingerprint.as_ref())
                .bind(issue.grouping_version.as_ref())
                .bind(issue.tree.as_str())
                .bind(issue.error_type.as_ref())
                .bind(issue.message.as_ref())
                .bind(issue.culprit.as_deref())
                .bind(issue.env.as_ref())
                .bind(issue.count)
                .bind(issue.first_seen)
                .bind(issue.last_seen)
                .bind(issue.first_version.as_deref())
                .bind(issue.last_version.as_deref())
                .fetch_one(&mut *tx)
                .await?;
            stored.push(StoredIssue {
                id,
                status,
                resolved_version,
                resolved_at,
            });
        }
        let issue_ids: Vec<i64> = stored.iter().map(|issue| issue.id).collect();
        for (issue, env) in &rows.envs {
            sqlx::query(
                "INSERT INTO issue_envs (env, issue_id) \
                    VALUES (?1, ?2) \
                    ON CONFLICT DO NOTHING",
            )
            .bind(env.as_ref())
            .bind(issue_ids[*issue])
            .execute(&mut *tx)
            .await?;
        }
        upsert_buckets(&mut tx, UPSERT_HOURS, &rows.buckets, &issue_ids).await?;
        store_issue_counts(&mut tx, rows, &issue_ids, now, self.prune.due(now)).await?;
        triage::reopen_regressions::<Sqlite>(&mut tx, rows, &stored, now).await?;
        let text_ids = store_texts(&mut tx, rows).await?;
        for event in &rows.events {
            sqlx::query(INSERT_EVENT)
                .bind(issue_ids[event.issue])
                .bind(event.time)
                .bind(event.trace_id.as_str())
                .bind(event.span_id)
                .bind(event.error_span_id)
                .bind(event.service.as_ref())
                .bind(event.env.as_deref())
                .bind(event.version.as_deref())
                .bind(event.host.as_deref())
                .bind(event.container_id.as_deref())
                .bind(event.resource.as_ref())
                .bind(event.operation.as_ref())
                .bind(event.error_type.as_ref())
                .bind(event.message.as_ref())
                .bind(event.language.as_deref())
                .bind(text_ids[event.stack])
                .bind(event.span_tags.as_str())
                .bind(event.host_tags.map(|t| text_ids[t]))
                .bind(event.container_tags.map(|t| text_ids[t]))
                .bind(event.metrics.as_str())
                .bind(event.merged_from)
                .execute(&mut *tx)
                .await?;
        }
        store_traces(&mut tx, rows).await?;
        store_counters(&mut tx, rows).await?;
        crate::storage::source::sqlite::record_seen(&mut tx, &rows.repositories, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Rows per `issue_value_hours` statement: 5 values each, far below SQLite's 32,766 variables.
const VALUE_HOURS_PER_STATEMENT: usize = 500;

const UPSERT_HOURS: &str = "\
    INSERT INTO issue_buckets (issue_id, bucket, count) VALUES (?1, ?2, ?3) \
    ON CONFLICT (issue_id, bucket) DO UPDATE SET count = count + excluded.count";

const UPSERT_FIVE_MINUTES: &str = "\
    INSERT INTO issue_buckets_5m (issue_id, bucket, count) VALUES (?1, ?2, ?3) \
    ON CONFLICT (issue_id, bucket) DO UPDATE SET count = count + excluded.count";

/// Adds per-(issue, bucket) counts with `sql` ([`UPSERT_HOURS`] or [`UPSERT_FIVE_MINUTES`]).
async fn upsert_buckets(
    tx: &mut Transaction<'_, Sqlite>,
    sql: &'static str,
    buckets: &BTreeMap<(usize, i64), i64>,
    issue_ids: &[i64],
) -> Result<(), StoreError> {
    for ((issue, bucket), count) in buckets {
        sqlx::query(sql)
            .bind(issue_ids[*issue])
            .bind(bucket)
            .bind(count)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
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
    for ((issue, facet, value), seen) in &rows.values {
        sqlx::query(
            "INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen) \
                VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                ON CONFLICT (issue_id, facet, value) DO UPDATE SET \
                    count = count + excluded.count, \
                    first_seen = min(first_seen, excluded.first_seen), \
                    last_seen = max(last_seen, excluded.last_seen)",
        )
        .bind(issue_ids[*issue])
        .bind(*facet)
        .bind(value.as_ref())
        .bind(seen.count)
        .bind(seen.first_seen)
        .bind(seen.last_seen)
        .execute(&mut **tx)
        .await?;
    }
    // Many rows per statement: a batch has a few per event, and one statement each cost a quarter of
    // the error-heavy intake rate (1,317 against 1,759 events/s at 100k events).
    let hours: Vec<_> = rows.value_hours.iter().collect();
    for chunk in hours.chunks(VALUE_HOURS_PER_STATEMENT) {
        let mut query = QueryBuilder::<Sqlite>::new(
            "INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count) ",
        );
        query.push_values(chunk, |mut row, ((issue, hour, facet, value), count)| {
            row.push_bind(issue_ids[*issue])
                .push_bind(*hour)
                .push_bind(*facet)
                .push_bind(value.as_ref())
                .push_bind(**count);
        });
        query.push(
            " ON CONFLICT (issue_id, bucket, facet, value) DO UPDATE SET \
                count = count + excluded.count",
        );
        query.build().execute(&mut **tx).await?;
    }
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
    let mut found = HashMap::with_capacity(rows.texts.len());
    for (index, text) in rows.texts.iter().enumerate() {
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM texts WHERE hash = ?1 AND body = ?2 LIMIT 1")
                .bind(text.hash)
                .bind(text.body.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        found.extend(id.map(|id| (index, id)));
    }
    texts::insert_missing::<Sqlite>(tx, &rows.texts, &found).await
}

/// Stores each trace, merged with the spans stored before under the same id.
async fn store_traces(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &BatchRows<'_>,
) -> Result<(), StoreError> {
    for (trace_id, spans) in &rows.traces {
        let stored: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT spans FROM traces WHERE trace_id = ?1")
                .bind(trace_id.as_str())
                .fetch_optional(&mut **tx)
                .await?;
        let blob = decode::merged_trace(stored.as_deref(), spans)?;
        sqlx::query(
            "INSERT INTO traces (trace_id, spans) \
                VALUES (?1, ?2) \
                ON CONFLICT (trace_id) \
                DO UPDATE SET spans = excluded.spans",
        )
        .bind(trace_id.as_str())
        .bind(blob)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

async fn store_counters(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &BatchRows<'_>,
) -> Result<(), StoreError> {
    for hit in &rows.hits {
        sqlx::query(
            "INSERT INTO hits (service, env, resource, bucket, hits, errors) \
                VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                ON CONFLICT (service, env, resource, bucket) \
                DO UPDATE SET hits = hits + excluded.hits, errors = errors + excluded.errors",
        )
        .bind(hit.service.as_ref())
        .bind(hit.env.as_ref())
        .bind(hit.resource.as_ref())
        .bind(hit.bucket)
        .bind(hit.hits)
        .bind(hit.errors)
        .execute(&mut **tx)
        .await?;
    }
    for (service, reason, count) in &rows.skipped {
        sqlx::query(
            "INSERT INTO skipped (service, reason, count) \
                VALUES (?1, ?2, ?3) \
                ON CONFLICT (service, reason) \
                DO UPDATE SET count = count + excluded.count",
        )
        .bind(service.as_ref())
        .bind(*reason)
        .bind(count)
        .execute(&mut **tx)
        .await?;
    }
    for (reason, bucket, count) in &rows.drops {
        sqlx::query(
            "INSERT INTO intake_drops (reason, bucket, count) \
                VALUES (?1, ?2, ?3) \
                ON CONFLICT (reason, bucket) \
                DO UPDATE SET count = count + excluded.count",
        )
        .bind(*reason)
        .bind(bucket)
        .bind(count)
        .execute(&mut **tx)
        .await?;
    }
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
