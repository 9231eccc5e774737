//! The issue list query, built from [`IssueQuery`] with every value bound as a parameter. Its SQL
//! is portable, so both backends share it; only the case-insensitive `LIKE` operator differs.

use domain::query::{IssueQuery, Sort};
use sqlx::{Database, Encode, QueryBuilder, Type};

/// Columns [`super::decode::issue_summary`] reads.
pub(super) const SUMMARY_COLUMNS: &str = "id, fingerprint, service, env, error_type, message, \
    culprit, status, count, first_seen, last_seen, first_version, last_version";

/// `SELECT` of one page of issues, ordered by the query's sort (newest or biggest first).
pub(super) fn page<DB>(q: &IssueQuery, ilike: &str) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(format!("SELECT {SUMMARY_COLUMNS} FROM issues"));
    push_where(&mut query, q, ilike);
    query.push(match q.sort {
        Sort::LastSeen => " ORDER BY last_seen DESC, id DESC",
        Sort::FirstSeen => " ORDER BY first_seen DESC, id DESC",
        Sort::Count => " ORDER BY count DESC, id DESC",
    });
    query.push(" LIMIT ").push_bind(i64::from(q.limit()));
    query.push(" OFFSET ").push_bind(i64::from(q.offset()));
    query
}

/// `SELECT COUNT(*)` of the issues matching the filters (issues, never events: it stays cheap).
pub(super) fn count<DB>(q: &IssueQuery, ilike: &str) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new("SELECT COUNT(*) FROM issues");
    push_where(&mut query, q, ilike);
    query
}

/// Empty strings (`?service=`) mean "no filter".
fn push_where<DB>(query: &mut QueryBuilder<DB>, q: &IssueQuery, ilike: &str)
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let given = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
    query.push(" WHERE 1 = 1");
    if let Some(service) = given(&q.service) {
        query.push(" AND service = ").push_bind(service);
    }
    if let Some(env) = given(&q.env) {
        query
            .push(" AND id IN (SELECT issue_id FROM issue_envs WHERE env = ")
            .push_bind(env)
            .push(")");
    }
    if let Some(version) = given(&q.version) {
        query
            .push(" AND (first_version = ")
            .push_bind(version.clone())
            .push(" OR last_version = ")
            .push_bind(version)
            .push(")");
    }
    if let Some(status) = q.status {
        query
            .push(" AND status = ")
            .push_bind(status.as_str().to_owned());
    }
    if let Some(error_type) = given(&q.error_type) {
        query.push(" AND error_type = ").push_bind(error_type);
    }
    if let Some(text) = given(&q.q) {
        let pattern = like_pattern(&text);
        query
            .push(format_args!(" AND (error_type {ilike} "))
            .push_bind(pattern.clone())
            .push(format_args!(" ESCAPE '\\' OR message {ilike} "))
            .push_bind(pattern)
            .push(" ESCAPE '\\')");
    }
    if let Some(from) = q.from {
        query.push(" AND last_seen >= ").push_bind(from);
    }
    if let Some(to) = q.to {
        query.push(" AND first_seen < ").push_bind(to);
    }
}

/// A substring pattern matching `text` literally: `\`, `%` and `_` are escaped with `\`.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        for (text, pattern) in [
            ("timeout", "%timeout%"),
            ("100%", "%100\\%%"),
            ("user_id", "%user\\_id%"),
            ("C:\\x", "%C:\\\\x%"),
        ] {
            assert_eq!(like_pattern(text), pattern, "{text}");
        }
    }
}
