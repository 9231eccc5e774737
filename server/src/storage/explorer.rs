//! The explorer's reads, the same for both backends: the issue list with counts and trends over a
//! range, and facet counts. Every statement is portable SQL built with bound values.

use domain::explorer::{FacetValue, Facets, IssueListPage, IssueRow};
use domain::query::{IssueQuery, Search, Sort};
use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, QueryBuilder, Row, Type,
};

use super::filter::{self, Filter, SUMMARY_COLUMNS, Scope};
use super::read::Reader;
use super::window::TimeWindow;
use super::{StoreError, decode};

impl<DB> Reader<'_, DB>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'c> &'c str: ColumnIndex<DB::Row>,
    usize: ColumnIndex<DB::Row>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> bool: Decode<'a, DB> + Type<DB>,
{
    /// One page of the explorer's list. With a range (`window.explicit`), only issues with events in
    /// it, counted in it (sort `count` by that count); without, all-time counts. Trends always cover
    /// the window.
    pub async fn explorer_issues(
        &self,
        q: &IssueQuery,
        search: &Search,
        window: &TimeWindow,
    ) -> Result<IssueListPage, StoreError> {
        let range = window.explicit.then_some(*window);
        let filter = Filter {
            query: q,
            search,
            scope: Scope::Explorer {
                range,
                hide_ignored: true,
            },
        };
        let mut page = match range {
            Some(w) if q.sort == Sort::Count => page_by_count_in_range::<DB>(&filter, self.sql, &w),
            _ => filter::page::<DB>(&filter, self.sql),
        };
        let rows = page.build().fetch_all(self.pool).await?;
        let total: i64 = filter::count::<DB>(&filter, self.sql)
            .build_query_scalar()
            .fetch_one(self.pool)
            .await?;
        let mut issues = rows
            .iter()
            .map(|row| {
                let summary = decode::issue_summary(row)?;
                Ok(IssueRow {
                    count_in_range: summary.count,
                    summary,
                    trend: vec![0; window.count],
                    regressed: row.try_get("regressed")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.fill_trends(&mut issues, window).await?;
        if range.is_some() {
            for issue in &mut issues {
                issue.count_in_range = issue.trend.iter().sum();
            }
        }
        Ok(IssueListPage {
            issues,
            total,
            buckets: window.starts(),
            bucket_ms: window.bucket_ms(),
        })
    }

    /// Adds each issue's counts per window bucket.
    async fn fill_trends(
        &self,
        issues: &mut [IssueRow],
        window: &TimeWindow,
    ) -> Result<(), StoreError> {
        let ids: Vec<i64> = issues.iter().map(|row| row.summary.id).collect();
        let mut series = self.series(&ids, window).await?;
        for issue in issues {
            if let Some(trend) = series.remove(&issue.summary.id) {
                issue.trend = trend;
            }
        }
        Ok(())
    }

    /// Issue counts of the 10 most frequent values of each facet, over the issues the explorer list
    /// shows for the same query. The status facet also counts ignored issues, so they can be found.
    pub async fn facets(
        &self,
        q: &IssueQuery,
        search: &Search,
        window: &TimeWindow,
    ) -> Result<Facets, StoreError> {
        let filter = Filter {
            query: q,
            search,
            scope: Scope::Explorer {
                range: window.explicit.then_some(*window),
                hide_ignored: false,
            },
        };
        let shown = Filter {
            scope: Scope::Explorer {
                range: None,
                hide_ignored: true,
            },
            ..filter
        };
        let visible = if shown.hides_ignored() {
            "m.status <> 'ignored'"
        } else {
            "1 = 1"
        };
        let mut query = QueryBuilder::<DB>::new(
            "WITH m AS (SELECT i.id, i.service, i.error_type, i.status FROM issues i",
        );
        filter.push_where(&mut query, self.sql);
        query.push(format_args!(
            ") \
            SELECT facet, value, n FROM ( \
                SELECT facet, value, COUNT(*) AS n, \
                    ROW_NUMBER() OVER (PARTITION BY facet ORDER BY COUNT(*) DESC, value) AS r \
                FROM ( \
                    SELECT 'service' AS facet, m.service AS value FROM m WHERE {visible} \
                    UNION ALL SELECT 'error_type', m.error_type FROM m WHERE {visible} \
                    UNION ALL SELECT 'status', m.status FROM m \
                    UNION ALL SELECT v.facet, v.value FROM issue_values v \
                        JOIN m ON m.id = v.issue_id \
                        WHERE v.facet IN ('env', 'version', 'host') AND {visible} \
                ) f GROUP BY facet, value \
            ) t WHERE r <= {top} ORDER BY facet, r",
            top = Facets::TOP
        ));
        let rows: Vec<(String, String, i64)> = query.build_query_as().fetch_all(self.pool).await?;
        let mut facets = Facets::default();
        for (facet, value, count) in rows {
            let list = match facet.as_str() {
                "service" => &mut facets.service,
                "env" => &mut facets.env,
                "version" => &mut facets.version,
                "error_type" => &mut facets.error_type,
                "status" => &mut facets.status,
                "host" => &mut facets.host,
                _ => continue,
            };
            list.push(FacetValue { value, count });
        }
        Ok(facets)
    }
}

/// A page sorted by count in the range: issues joined with their summed counts (an issue without
/// events in the range has no row, so the join is also the range filter).
fn page_by_count_in_range<DB>(
    filter: &Filter<'_>,
    sql: &super::read::Dialect,
    window: &TimeWindow,
) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(format!(
        "SELECT {SUMMARY_COLUMNS}, regressed FROM issues i JOIN (\
            SELECT issue_id, CAST(SUM(count) AS BIGINT) AS n FROM {} \
            WHERE bucket >= ",
        window.granularity.table()
    ));
    query
        .push_bind(window.start)
        .push(" AND bucket < ")
        .push_bind(window.end())
        .push(" GROUP BY issue_id) r ON r.issue_id = i.id");
    filter.push_where(&mut query, sql);
    query.push(" ORDER BY r.n DESC, i.id DESC");
    filter::push_paging(&mut query, filter.query);
    query
}
