//! Writing a batch to PostgreSQL: one transaction, a few statements each writing all its rows from
//! bound arrays (`UNNEST`).

use std::collections::{BTreeMap, HashMap};

use sqlx::{Postgres, Row, Transaction};

use super::PgStore;
use crate::storage::rows::BatchRows;
use crate::storage::texts;
use crate::storage::triage::{self, StoredIssue};
use crate::storage::window::prune_before;
use crate::storage::{StoreError, WriteBatch, aliases};

const UPSERT_ISSUES: &str = "\
    INSERT INTO issues (service, fingerprint, grouping_version, fingerprint_tree, error_type, \
        message, culprit, env, count, first_seen, last_seen, first_version, last_version) \
    SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
        $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], \
        $13::text[]) \
    ON CONFLICT (service, fingerprint) DO UPDATE SET \
        count = issues.count + EXCLUDED.count, \
        first_version = CASE WHEN EXCLUDED.first_seen < issues.first_seen \
            THEN EXCLUDED.first_version ELSE issues.first_version END, \
        first_seen = LEAST(issues.first_seen, EXCLUDED.first_seen), \
        last_version = CASE WHEN EXCLUDED.last_seen >= issues.last_seen \
            THEN EXCLUDED.last_version ELSE issues.last_version END, \
        last_seen = GREATEST(issues.last_seen, EXCLUDED.last_seen), \
        culprit = COALESCE(issues.culprit, EXCLUDED.culprit) \
    RETURNING id, service, fingerprint, status, resolved_version, resolved_at";

const INSERT_EVENTS: &str = "\
    INSERT INTO events (issue_id, time, trace_id, span_id, error_span_id, service, env, version, \
        host, container_id, resource, operation, error_type, message, language, stack_id, \
        span_tags, host_tags_id, container_tags_id, metrics, merged_from) \
    SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], \
        $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], \
        $13::text[], $14::text[], $15::text[], $16::bigint[], $17::text[], $18::bigint[], \
        $19::bigint[], $20::text[], $21::bigint[])";

impl PgStore {
    pub(in crate::storage) async fn write(
        &self,
        batch: &WriteBatch,
        now: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        let routes = aliases::route::<Postgres>(&mut tx, batch, now).await?;
        let rows = &BatchRows::new(batch, now, &routes)?;
        if !rows.issues.is_empty() {
            let stored = upsert_issues(&mut tx, rows).await?;
            let issue_ids: Vec<i64> = stored.iter().map(|issue| issue.id).collect();
            store_issue_details(&mut tx, rows, &issue_ids).await?;
            store_issue_counts(&mut tx, rows, &issue_ids).await?;
            triage::reopen_regressions::<Postgres>(&mut tx, rows, &stored, now).await?;
            let text_ids = store_texts(&mut tx, rows).await?;
            insert_events(&mut tx, rows, &issue_ids, &text_ids).await?;
        }
        store_traces(&mut tx, rows).await?;
        store_counters(&mut tx, rows).await?;
        crate::storage::source::postgres::record_seen(&mut tx, &rows.repositories, now).await?;
        if self.prune.due(now) {
            sqlx::query("DELETE FROM issue_buckets_5m WHERE bucket < $1")
                .bind(prune_before(now))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Upserts the batch's issues; returns them as stored, in [`BatchRows::issues`] order.
async fn upsert_issues(
    tx: &mut Transaction<'_, Postgres>,
    rows: &BatchRows<'_>,
) -> Result<Vec<StoredIssue>, StoreError> {
    let issues = &rows.issues;
    let returned = sqlx::query(UPSERT_ISSUES)
        .bind(column(issues, |i| &*i.service))
        .bind(column(issues, |i| &*i.fingerprint))
        .bind(column(issues, |i| &*i.grouping_version))
        .bind(column(issues, |i| &*i.tree))
        .bind(column(issues, |i| &*i.error_type))
        .bind(column(issues, |i| &*i.message))
        .bind(column(issues, |i| i.culprit.as_deref()))
        .bind(column(issues, |i| &*i.env))
        .bind(column(issues, |i| i.count))
        .bind(column(issues, |i| i.first_seen))
        .bind(column(issues, |i| i.last_seen))
        .bind(column(issues, |i| i.first_version.as_deref()))
        .bind(column(issues, |i| i.last_version.as_deref()))
        .fetch_all(&mut **tx)
        .await?;
    let mut stored = HashMap::with_capacity(returned.len());
    for row in &returned {
        let key: (String, String) = (row.try_get("service")?, row.try_get("fingerprint")?);
        let issue = StoredIssue {
            id: row.try_get("id")?,
            status: row.try_get("status")?,
            resolved_version: row.try_get("resolved_version")?,
            resolved_at: row.try_get("resolved_at")?,
        };
        stored.insert(key, issue);
    }
    issues
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

/// The envs and hourly counts of the batch's issues.
async fn store_issue_details(
    tx: &mut Transaction<'_, Postgres>,
    rows: &BatchRows<'_>,
    issue_ids: &[i64],
) -> Result<(), StoreError> {
    let (issues, envs): (Vec<i64>, Vec<&str>) = rows
        .envs
        .iter()
        .map(|(issue, env)| (issue_ids[*issue], env.as_ref()))
        .unzip();
    sqlx::query(
        "INSERT INTO issue_envs (env, issue_id) \
            SELECT * FROM UNNEST($1::text[], $2::bigint[]) \
            ON CONFLICT DO NOTHING",
    )
    .bind(envs)
    .bind(issues)
    .execute(&mut **tx)
    .await?;
    upsert_buckets(tx, UPSERT_HOURS, &rows.buckets, issue_ids).await
}

const UPSERT_HOURS: &str = "\
    INSERT INTO issue_buckets (issue_id, bucket, count) \
    SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[]) \
    ON CONFLICT (issue_id, bucket) DO UPDATE SET count = issue_buckets.count + EXCLUDED.count";

const UPSERT_FIVE_MINUTES: &str = "\
    INSERT INTO issue_buckets_5m (issue_id, bucket, count) \
    SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::bigint[]) \
    ON CONFLICT (issue_id, bucket) DO UPDATE SET count = issue_buckets_5m.count + EXCLUDED.count";

/// Adds per-(issue, bucket) counts with `sql` ([`UPSERT_HOURS`] or [`UPSERT_FIVE_MINUTES`]).
async fn upsert_buckets(
    tx: &mut Transaction<'_, Postgres>,
    sql: &'static str,
    buckets: &BTreeMap<(usize, i64), i64>,
    issue_ids: &[i64],
) -> Result<(), StoreError> {
    if buckets.is_empty() {
        return Ok(());
    }
    let buckets: Vec<_> = buckets.iter().collect();
    sqlx::query(sql)
        .bind(column(&buckets, |((issue, _), _)| issue_ids[*issue]))
        .bind(column(&buckets, |((_, bucket), _)| *bucket))
        .bind(column(&buckets, |(_, count)| **count))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The batch's 5-minute counts and per-issue values (all time and per hour).
async fn store_issue_counts(
    tx: &mut Transaction<'_, Postgres>,
    rows: &BatchRows<'_>,
    issue_ids: &[i64],
) -> Result<(), StoreError> {
    upsert_buckets(tx, UPSERT_FIVE_MINUTES, &rows.fine_buckets, issue_ids).await?;
    let values: Vec<_> = rows.values.iter().collect();
    sqlx::query(
        "INSERT INTO issue_values (issue_id, facet, value, count, first_seen, last_seen) \
            SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::text[], $4::bigint[], \
                $5::bigint[], $6::bigint[]) \
            ON CONFLICT (issue_id, facet, value) DO UPDATE SET \
                count = issue_values.count + EXCLUDED.count, \
                first_seen = LEAST(issue_values.first_seen, EXCLUDED.first_seen), \
                last_seen = GREATEST(issue_values.last_seen, EXCLUDED.last_seen)",
    )
    .bind(column(&values, |((issue, _, _), _)| issue_ids[*issue]))
    .bind(column(&values, |((_, facet, _), _)| *facet))
    .bind(column(&values, |((_, _, value), _)| value.as_ref()))
    .bind(column(&values, |(_, seen)| seen.count))
    .bind(column(&values, |(_, seen)| seen.first_seen))
    .bind(column(&values, |(_, seen)| seen.last_seen))
    .execute(&mut **tx)
    .await?;
    let hours: Vec<_> = rows.value_hours.iter().collect();
    sqlx::query(
        "INSERT INTO issue_value_hours (issue_id, bucket, facet, value, count) \
            SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], \
                $5::bigint[]) \
            ON CONFLICT (issue_id, bucket, facet, value) DO UPDATE SET \
                count = issue_value_hours.count + EXCLUDED.count",
    )
    .bind(column(&hours, |((issue, _, _, _), _)| issue_ids[*issue]))
    .bind(column(&hours, |((_, hour, _, _), _)| *hour))
    .bind(column(&hours, |((_, _, facet, _), _)| *facet))
    .bind(column(&hours, |((_, _, _, value), _)| value.as_ref()))
    .bind(column(&hours, |(_, count)| **count))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Finds or inserts every distinct text of the batch; returns their ids in [`BatchRows::texts`]
/// order. Lookups go in one statement; only texts never seen before are inserted, one by one.
async fn store_texts(
    tx: &mut Transaction<'_, Postgres>,
    rows: &BatchRows<'_>,
) -> Result<Vec<i64>, StoreError> {
    let texts = &rows.texts;
    let found: HashMap<usize, i64> = sqlx::query_as::<_, (i64, i64)>(
        "SELECT u.n - 1, t.id \
            FROM UNNEST($1::bigint[], $2::text[]) WITH ORDINALITY AS u (hash, body, n) \
            JOIN texts t ON t.hash = u.hash AND t.body = u.body",
    )
    .bind(column(texts, |t| t.hash))
    .bind(column(texts, |t| t.body.as_str()))
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .filter_map(|(index, id)| Some((usize::try_from(index).ok()?, id)))
    .collect();
    texts::insert_missing::<Postgres>(tx, texts, &found).await
}

async fn insert_events(
    tx: &mut Transaction<'_, Postgres>,
    rows: &BatchRows<'_>,
    issue_ids: &[i64],
    text_ids: &[i64],
) -> Result<(), StoreError> {
    let events = &rows.events;
    sqlx::query(INSERT_EVENTS)
        .bind(
            events
                .iter()
                .map(|e| issue_ids[e.issue])
                .collect::<Vec<_>>(),
        )
        .bind(column(events, |e| e.time))
        .bind(column(events, |e| &*e.trace_id))
        .bind(column(events, |e| e.span_id))
        .bind(column(events, |e| e.error_span_id))
        .bind(column(events, |e| &*e.service))
        .bind(column(events, |e| e.env.as_deref()))
        .bind(column(events, |e| e.version.as_deref()))
        .bind(column(events, |e| e.host.as_deref()))
        .bind(column(events, |e| e.container_id.as_deref()))
        .bind(column(events, |e| &*e.resource))
        .bind(column(events, |e| &*e.operation))
        .bind(column(events, |e| &*e.error_type))
        .bind(column(events, |e| &*e.message))
        .bind(column(events, |e| e.language.as_deref()))
        .bind(column(events, |e| text_ids[e.stack]))
        .bind(column(events, |e| &*e.span_tags))
        .bind(column(events, |e| e.host_tags.map(|t| text_ids[t])))
        .bind(column(events, |e| e.container_tags.map(|t| text_ids[t])))
        .bind(column(events, |e| &*e.metrics))
        .bind(column(events, |e| e.merged_from))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Stores each trace, merged with the spans stored before under the same id.
async fn store_traces(
    tx: &mut Transaction<'_, Postgres>,
    rows: &BatchRows<'_>,
) -> Result<(), StoreError> {
    if rows.traces.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = rows.traces.keys().map(String::as_str).collect();
    let stored: HashMap<String, Vec<u8>> =
        sqlx::query_as("SELECT trace_id, spans FROM traces WHERE trace_id = ANY($1) FOR UPDATE")
            .bind(&ids)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .collect();
    let merged = rows.trace_blobs(&stored)?;
    let blobs: Vec<&[u8]> = merged.iter().map(|(_, blob)| blob.as_bytes()).collect();
    sqlx::query(
        "INSERT INTO traces (trace_id, spans) \
            SELECT * FROM UNNEST($1::text[], $2::bytea[]) \
            ON CONFLICT (trace_id) \
            DO UPDATE SET spans = EXCLUDED.spans",
    )
    .bind(ids)
    .bind(blobs)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn store_counters(
    tx: &mut Transaction<'_, Postgres>,
    rows: &BatchRows<'_>,
) -> Result<(), StoreError> {
    let hits = &rows.hits;
    if !hits.is_empty() {
        sqlx::query(
            "INSERT INTO hits (service, env, resource, bucket, hits, errors) \
                SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::bigint[], \
                    $5::bigint[], $6::bigint[]) \
                ON CONFLICT (service, env, resource, bucket) \
                DO UPDATE SET hits = hits.hits + EXCLUDED.hits, errors = hits.errors + \
                    EXCLUDED.errors",
        )
        .bind(column(hits, |h| &*h.service))
        .bind(column(hits, |h| &*h.env))
        .bind(column(hits, |h| &*h.resource))
        .bind(column(hits, |h| h.bucket))
        .bind(column(hits, |h| h.hits))
        .bind(column(hits, |h| h.errors))
        .execute(&mut **tx)
        .await?;
    }
    let skipped = &rows.skipped;
    if !skipped.is_empty() {
        sqlx::query(
            "INSERT INTO skipped (service, reason, count) \
                SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[]) \
                ON CONFLICT (service, reason) \
                DO UPDATE SET count = skipped.count + EXCLUDED.count",
        )
        .bind(column(skipped, |(service, _, _)| &**service))
        .bind(column(skipped, |(_, reason, _)| *reason))
        .bind(column(skipped, |(_, _, count)| *count))
        .execute(&mut **tx)
        .await?;
    }
    let drops = &rows.drops;
    if !drops.is_empty() {
        sqlx::query(
            "INSERT INTO intake_drops (reason, bucket, count) \
                SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::bigint[]) \
                ON CONFLICT (reason, bucket) \
                DO UPDATE SET count = intake_drops.count + EXCLUDED.count",
        )
        .bind(column(drops, |(reason, _, _)| *reason))
        .bind(column(drops, |(_, bucket, _)| *bucket))
        .bind(column(drops, |(_, _, count)| *count))
        .execute(&mut **tx)
        .await?;
    }
    if rows.spans > 0 {
        sqlx::query(
            "INSERT INTO counters (name, value) \
                VALUES ('spans', $1) \
                ON CONFLICT (name) \
                DO UPDATE SET value = counters.value + EXCLUDED.value",
        )
        .bind(rows.spans)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One bound array: a column of `rows`.
fn column<'r, T, V>(rows: &'r [T], value: impl Fn(&'r T) -> V) -> Vec<V> {
    rows.iter().map(value).collect()
}
