//! An issue's events over a time range, for the issue page: counts per bucket, breakdowns by version,
//! env, host and resource, and the error rates of its resources. Portable SQL, both backends.
//!
//! Breakdowns come from the per-issue values (`issue_values`) when the window holds the issue's whole
//! life, else from its events in the window (the `events (issue_id, time)` index bounds the scan).
//! Error rates come from the hourly `hits`, so a window shorter than an hour reads whole hours.

use std::collections::BTreeMap;

use domain::explorer::{ErrorRate, IssueDistribution, Share};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Type};

use super::StoreError;
use super::read::Reader;
use super::rows::VALUE_FACETS;
use super::window::{HOUR_MS, TimeWindow};

const TOP: usize = 10;

impl<DB> Reader<'_, DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
{
    /// `None` for an unknown issue.
    pub async fn distribution(
        &self,
        issue_id: i64,
        window: &TimeWindow,
    ) -> Result<Option<IssueDistribution>, StoreError> {
        let mut issue = QueryBuilder::<DB>::new(
            "SELECT service, first_seen, last_seen FROM issues WHERE id = ",
        );
        issue.push_bind(issue_id);
        let Some((service, first_seen, last_seen)): Option<(String, i64, i64)> =
            issue.build_query_as().fetch_optional(self.pool).await?
        else {
            return Ok(None);
        };
        let mut counts = vec![0; window.count];
        let mut buckets = QueryBuilder::<DB>::new(format!(
            "SELECT bucket, count FROM {} WHERE issue_id = ",
            window.granularity.table()
        ));
        buckets
            .push_bind(issue_id)
            .push(" AND bucket >= ")
            .push_bind(window.start)
            .push(" AND bucket < ")
            .push_bind(window.end());
        let rows: Vec<(i64, i64)> = buckets.build_query_as().fetch_all(self.pool).await?;
        for (bucket, count) in rows {
            if let Some(i) = window.index(bucket) {
                counts[i] += count;
            }
        }
        let total = counts.iter().sum();
        let values = if window.covers(first_seen, last_seen) {
            self.lifetime_values(issue_id).await?
        } else {
            self.window_values(issue_id, window).await?
        };
        let top = |facet: &str| shares(values.get(facet), total);
        let resources = top("resource");
        let error_rates = self.error_rates(&service, &resources, window).await?;
        Ok(Some(IssueDistribution {
            buckets: window.starts(),
            bucket_ms: window.bucket_ms(),
            counts,
            total,
            versions: top("version"),
            envs: top("env"),
            hosts: top("host"),
            resources,
            error_rates,
        }))
    }

    /// All-time event counts per facet and value.
    async fn lifetime_values(&self, issue_id: i64) -> Result<Values, StoreError> {
        let mut query = QueryBuilder::<DB>::new(
            "SELECT facet, value, count FROM issue_values WHERE issue_id = ",
        );
        query.push_bind(issue_id);
        let rows: Vec<(String, String, i64)> = query.build_query_as().fetch_all(self.pool).await?;
        let mut values = Values::new();
        for (facet, value, count) in rows {
            *values.entry(facet).or_default().entry(value).or_default() += count;
        }
        Ok(values)
    }

    /// Event counts per facet and value in the window, from the events.
    async fn window_values(
        &self,
        issue_id: i64,
        window: &TimeWindow,
    ) -> Result<Values, StoreError> {
        let mut query = QueryBuilder::<DB>::new(
            "SELECT env, version, host, resource, COUNT(*) FROM events WHERE issue_id = ",
        );
        query
            .push_bind(issue_id)
            .push(" AND time >= ")
            .push_bind(window.start)
            .push(" AND time < ")
            .push_bind(window.end())
            .push(" GROUP BY env, version, host, resource");
        type Combination = (Option<String>, Option<String>, Option<String>, String, i64);
        let rows: Vec<Combination> = query.build_query_as().fetch_all(self.pool).await?;
        let mut values = Values::new();
        for (env, version, host, resource, count) in rows {
            let fields = [env, version, host, Some(resource)];
            for (facet, value) in VALUE_FACETS.into_iter().zip(fields) {
                if let Some(value) = value.filter(|v| !v.is_empty()) {
                    *values
                        .entry(facet.to_owned())
                        .or_default()
                        .entry(value)
                        .or_default() += count;
                }
            }
        }
        Ok(values)
    }

    /// Hits and errors of `service`'s `resources` over the hours the window touches.
    async fn error_rates(
        &self,
        service: &str,
        resources: &[Share],
        window: &TimeWindow,
    ) -> Result<Vec<ErrorRate>, StoreError> {
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = QueryBuilder::<DB>::new(
            "SELECT resource, CAST(SUM(hits) AS BIGINT), CAST(SUM(errors) AS BIGINT) FROM hits \
             WHERE service = ",
        );
        query
            .push_bind(service.to_owned())
            .push(" AND resource IN (");
        let mut list = query.separated(", ");
        for resource in resources {
            list.push_bind(resource.value.clone());
        }
        query
            .push(") AND bucket >= ")
            .push_bind(window.start.div_euclid(HOUR_MS) * HOUR_MS)
            .push(" AND bucket < ")
            .push_bind(window.end())
            .push(" GROUP BY resource");
        let rows: Vec<(String, i64, i64)> = query.build_query_as().fetch_all(self.pool).await?;
        let found: BTreeMap<String, (i64, i64)> = rows
            .into_iter()
            .map(|(resource, hits, errors)| (resource, (hits, errors)))
            .collect();
        Ok(resources
            .iter()
            .map(|r| {
                let (hits, errors) = found.get(&r.value).copied().unwrap_or((0, 0));
                ErrorRate {
                    resource: r.value.clone(),
                    hits,
                    errors,
                    rate: (hits > 0).then(|| errors as f64 / hits as f64),
                }
            })
            .collect())
    }
}

/// Event counts per facet, then per value.
type Values = BTreeMap<String, BTreeMap<String, i64>>;

/// The most frequent values, most first (ties by value), with their share of `total`.
fn shares(values: Option<&BTreeMap<String, i64>>, total: i64) -> Vec<Share> {
    let mut list: Vec<(&String, &i64)> = values.map(|v| v.iter().collect()).unwrap_or_default();
    list.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
    list.into_iter()
        .take(TOP)
        .map(|(value, &count)| Share {
            value: value.clone(),
            count,
            share: if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_keep_the_most_frequent() {
        let values: BTreeMap<String, i64> = (0..12).map(|i| (format!("v{i:02}"), i)).collect();
        let top = shares(Some(&values), 100);
        assert_eq!(top.len(), TOP);
        assert_eq!((top[0].value.as_str(), top[0].count), ("v11", 11));
        assert!((top[0].share - 0.11).abs() < 1e-9);
        assert_eq!(top[9].value, "v02");
        assert!(shares(None, 0).is_empty());
    }
}
