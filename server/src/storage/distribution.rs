//! An issue's events over a time range, for the issue page: counts per bucket, breakdowns by version,
//! env, host and resource, and the error rates of its resources. Portable SQL, both backends.
//!
//! Breakdowns come from the per-issue values (`issue_values`) when the window holds the issue's whole
//! life, else from the hourly values (`issue_value_hours`) for the window's whole hours and from the
//! events for the partial hours at its edges, so the counts are exact at any window.
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
        let counts = self
            .series(&[issue_id], window)
            .await?
            .remove(&issue_id)
            .unwrap_or_else(|| vec![0; window.count]);
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
        let mut values = Values::new();
        add_counts(
            &mut values,
            query.build_query_as().fetch_all(self.pool).await?,
        );
        Ok(values)
    }

    /// Event counts per facet and value in the window: its whole hours from the hourly values, the
    /// partial hours at its edges (windows of 5-minute buckets) from the events.
    async fn window_values(
        &self,
        issue_id: i64,
        window: &TimeWindow,
    ) -> Result<Values, StoreError> {
        let (start, end) = (window.start, window.end());
        let first_hour = (start + HOUR_MS - 1).div_euclid(HOUR_MS) * HOUR_MS;
        let last_hour = end.div_euclid(HOUR_MS) * HOUR_MS;
        let mut values = Values::new();
        if first_hour >= last_hour {
            self.event_values(issue_id, start, end, &mut values).await?;
            return Ok(values);
        }
        let mut hours = QueryBuilder::<DB>::new(
            "SELECT facet, value, CAST(SUM(count) AS BIGINT) FROM issue_value_hours \
             WHERE issue_id = ",
        );
        hours
            .push_bind(issue_id)
            .push(" AND bucket >= ")
            .push_bind(first_hour)
            .push(" AND bucket < ")
            .push_bind(last_hour)
            .push(" GROUP BY facet, value");
        add_counts(
            &mut values,
            hours.build_query_as().fetch_all(self.pool).await?,
        );
        if start < first_hour {
            self.event_values(issue_id, start, first_hour, &mut values)
                .await?;
        }
        if last_hour < end {
            self.event_values(issue_id, last_hour, end, &mut values)
                .await?;
        }
        Ok(values)
    }

    /// Adds the counts per facet and value of the issue's events in `[from, to)`, read from the
    /// events (`events_issue_time_values` bounds the scan).
    async fn event_values(
        &self,
        issue_id: i64,
        from: i64,
        to: i64,
        values: &mut Values,
    ) -> Result<(), StoreError> {
        let mut query = QueryBuilder::<DB>::new(
            "SELECT env, version, host, resource, COUNT(*) FROM events WHERE issue_id = ",
        );
        query
            .push_bind(issue_id)
            .push(" AND time >= ")
            .push_bind(from)
            .push(" AND time < ")
            .push_bind(to)
            .push(" GROUP BY env, version, host, resource");
        type Combination = (Option<String>, Option<String>, Option<String>, String, i64);
        let rows: Vec<Combination> = query.build_query_as().fetch_all(self.pool).await?;
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
        Ok(())
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

fn add_counts(values: &mut Values, rows: Vec<(String, String, i64)>) {
    for (facet, value, count) in rows {
        *values.entry(facet).or_default().entry(value).or_default() += count;
    }
}

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
