//! Which issues a list shows, as SQL built from [`IssueQuery`] and the parsed [`Search`], every value
//! bound as a parameter. The SQL is portable; only the case-insensitive `LIKE` and the case-sensitive
//! wildcard match differ per backend ([`Dialect`]).
//!
//! Search facets: `service`, `type`, `status` and `message` are the issue's (type and message of its
//! first event); `env`, `version`, `host` and `resource` match any value the issue's events carried
//! (`issue_values`), so `version:1.4.*` finds issues seen in any 1.4 release; `assignee` is the
//! assigned user's email (or `none`); `owner` matches the suggested owners stored on the issue
//! (`issue_owners`). Facets compare case-sensitively except `message`, `assignee` and `owner`; free
//! text is a case-insensitive substring of type or message.

use domain::query::{AssigneeValue, FacetKey, IssueQuery, Pattern, Search, Sort, Status, Term};
use sqlx::{Database, Encode, QueryBuilder, Type};

use super::read::Dialect;
use super::window::TimeWindow;

/// Columns [`super::decode::issue_summary`] reads.
pub(super) const SUMMARY_COLUMNS: &str = "id, fingerprint, service, env, error_type, message, \
    culprit, status, count, first_seen, last_seen, first_version, last_version, assignee_id, \
    (SELECT u.email FROM users u WHERE u.id = assignee_id) AS assignee_email, \
    (SELECT u.display_name FROM users u WHERE u.id = assignee_id) AS assignee_name";

/// How a backend matches a case-sensitive pattern with `*` wildcards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Wildcard {
    /// SQLite: `GLOB`, since its `LIKE` ignores case.
    Glob,
    /// PostgreSQL: `LIKE ... ESCAPE '\'`.
    Like,
}

/// The issues a list or a facet count covers: `issues i` rows, filtered.
pub(super) struct Filter<'a> {
    pub query: &'a IssueQuery,
    pub search: &'a Search,
    pub scope: Scope,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Scope {
    /// `GET /issues`: `from`/`to` compare with last and first seen; ignored issues are listed.
    Issues,
    /// The explorer: a range keeps issues with events in it (by the count tables), and ignored
    /// issues are left out unless `hide_ignored` is false or the query names a status.
    Explorer {
        range: Option<TimeWindow>,
        hide_ignored: bool,
    },
}

impl Filter<'_> {
    /// Whether the query names a status (`status=` or a `status:` term, negated or not).
    pub fn names_status(&self) -> bool {
        self.query.status.is_some()
            || self.search.terms.iter().any(|t| {
                matches!(
                    t,
                    Term::Facet {
                        key: FacetKey::Status,
                        ..
                    }
                )
            })
    }

    /// Whether ignored issues are left out.
    pub fn hides_ignored(&self) -> bool {
        matches!(
            self.scope,
            Scope::Explorer {
                hide_ignored: true,
                ..
            }
        ) && !self.names_status()
    }

    /// ` WHERE ...` over `issues i`, never listing merged issues. Empty strings (`?service=`) mean "no filter".
    pub fn push_where<DB>(&self, query: &mut QueryBuilder<DB>, sql: &Dialect)
    where
        DB: Database,
        for<'a> String: Encode<'a, DB> + Type<DB>,
        for<'a> i64: Encode<'a, DB> + Type<DB>,
    {
        let q = self.query;
        let given = |value: &Option<String>| value.clone().filter(|v| !v.is_empty());
        // Merged issues live on in the issue they were merged into.
        query.push(" WHERE i.merged_into IS NULL");
        if let Some(service) = given(&q.service) {
            query.push(" AND i.service = ").push_bind(service);
        }
        if let Some(env) = given(&q.env) {
            query
                .push(" AND i.id IN (SELECT issue_id FROM issue_envs WHERE env = ")
                .push_bind(env)
                .push(")");
        }
        if let Some(version) = given(&q.version) {
            query
                .push(" AND (i.first_version = ")
                .push_bind(version.clone())
                .push(" OR i.last_version = ")
                .push_bind(version)
                .push(")");
        }
        if let Some(status) = q.status {
            query
                .push(" AND i.status = ")
                .push_bind(status.as_str().to_owned());
        }
        if let Some(error_type) = given(&q.error_type) {
            query.push(" AND i.error_type = ").push_bind(error_type);
        }
        if let Some(text) = given(&q.q) {
            query.push(" AND ");
            push_text(query, &text, sql);
        }
        match self.scope {
            Scope::Issues => {
                if let Some(from) = q.from {
                    query.push(" AND i.last_seen >= ").push_bind(from);
                }
                if let Some(to) = q.to {
                    query.push(" AND i.first_seen < ").push_bind(to);
                }
            }
            Scope::Explorer { range, .. } => {
                if let Some(w) = range {
                    query
                        .push(" AND i.last_seen >= ")
                        .push_bind(w.start)
                        .push(" AND i.first_seen < ")
                        .push_bind(w.end())
                        .push(format_args!(
                            " AND EXISTS (SELECT 1 FROM {} b WHERE b.issue_id = i.id AND \
                             b.bucket >= ",
                            w.granularity.table()
                        ))
                        .push_bind(w.start)
                        .push(" AND b.bucket < ")
                        .push_bind(w.end())
                        .push(")");
                }
            }
        }
        for term in &self.search.terms {
            query.push(" AND ");
            push_term(query, term, sql);
        }
        if self.hides_ignored() {
            query
                .push(" AND i.status <> ")
                .push_bind(Status::Ignored.as_str().to_owned());
        }
    }
}

/// `SELECT` of one page of issues, ordered by the query's sort (newest or biggest first).
pub(super) fn page<DB>(filter: &Filter<'_>, sql: &Dialect) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new(format!("SELECT {SUMMARY_COLUMNS}, regressed FROM issues i"));
    filter.push_where(&mut query, sql);
    query.push(match filter.query.sort {
        Sort::LastSeen => " ORDER BY i.last_seen DESC, i.id DESC",
        Sort::FirstSeen => " ORDER BY i.first_seen DESC, i.id DESC",
        Sort::Count => " ORDER BY i.count DESC, i.id DESC",
    });
    push_paging(&mut query, filter.query);
    query
}

/// `SELECT COUNT(*)` of the issues matching (issues, never events: it stays cheap).
pub(super) fn count<DB>(filter: &Filter<'_>, sql: &Dialect) -> QueryBuilder<DB>
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    let mut query = QueryBuilder::new("SELECT COUNT(*) FROM issues i");
    filter.push_where(&mut query, sql);
    query
}

pub(super) fn push_paging<DB>(query: &mut QueryBuilder<DB>, q: &IssueQuery)
where
    DB: Database,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
{
    query.push(" LIMIT ").push_bind(i64::from(q.limit()));
    query.push(" OFFSET ").push_bind(i64::from(q.offset()));
}

/// One search term as a condition on `issues i`.
fn push_term<DB>(query: &mut QueryBuilder<DB>, term: &Term, sql: &Dialect)
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
{
    let (Term::Facet { negated, .. } | Term::Text { negated, .. }) = term;
    if *negated {
        query.push("NOT ");
    }
    match term {
        Term::Text { text, .. } => push_text(query, text, sql),
        Term::Facet { key, value, .. } => match key {
            FacetKey::Service => push_match(query, "i.service", value, false, sql),
            FacetKey::Type => push_match(query, "i.error_type", value, false, sql),
            FacetKey::Message => push_match(query, "i.message", value, true, sql),
            FacetKey::Status => {
                query
                    .push("i.status = ")
                    .push_bind(value.as_str().to_owned());
            }
            FacetKey::Owner => {
                query.push("EXISTS (SELECT 1 FROM issue_owners o WHERE o.issue_id = i.id AND ");
                push_match(query, "o.owner", value, true, sql);
                query.push(")");
            }
            FacetKey::Env | FacetKey::Version | FacetKey::Host | FacetKey::Resource => {
                query
                    .push("EXISTS (SELECT 1 FROM issue_values v WHERE v.issue_id = i.id AND v.facet = ")
                    .push_bind(key.as_str().to_owned())
                    .push(" AND ");
                push_match(query, "v.value", value, key.ignores_case(), sql);
                query.push(")");
            }
            FacetKey::Assignee => match AssigneeValue::of(value) {
                AssigneeValue::Nobody => {
                    query.push("i.assignee_id IS NULL");
                }
                // The server resolves `me` to the caller's email first; unresolved, it is nobody's.
                AssigneeValue::Me => {
                    query.push("1 = 0");
                }
                AssigneeValue::Email(email) => {
                    query.push("EXISTS (SELECT 1 FROM users u WHERE u.id = i.assignee_id AND ");
                    push_match(query, "u.email", email, true, sql);
                    query.push(")");
                }
            },
        },
    }
}

/// `(type or message contains text)`, case-insensitively, `text` taken literally.
fn push_text<DB>(query: &mut QueryBuilder<DB>, text: &str, sql: &Dialect)
where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
{
    let pattern = format!("%{}%", like_escape(text));
    query
        .push(format_args!("(i.error_type {} ", sql.ilike))
        .push_bind(pattern.clone())
        .push(format_args!(" ESCAPE '\\' OR i.message {} ", sql.ilike))
        .push_bind(pattern)
        .push(" ESCAPE '\\')");
}

/// `column` matches the whole pattern: `=` without wildcards, else the backend's wildcard match.
fn push_match<DB>(
    query: &mut QueryBuilder<DB>,
    column: &str,
    pattern: &Pattern,
    ignore_case: bool,
    sql: &Dialect,
) where
    DB: Database,
    for<'a> String: Encode<'a, DB> + Type<DB>,
{
    if ignore_case {
        query
            .push(format_args!("{column} {} ", sql.ilike))
            .push_bind(pattern.to_like('\\'))
            .push(" ESCAPE '\\'");
    } else if let Some(literal) = pattern.literal() {
        query
            .push(format_args!("{column} = "))
            .push_bind(literal.to_owned());
    } else {
        match sql.wildcard {
            Wildcard::Glob => query
                .push(format_args!("{column} GLOB "))
                .push_bind(glob(pattern)),
            Wildcard::Like => query
                .push(format_args!("{column} LIKE "))
                .push_bind(pattern.to_like('\\'))
                .push(" ESCAPE '\\'"),
        };
    }
}

/// `text` with `\`, `%` and `_` escaped by `\`, for `LIKE ... ESCAPE '\'`.
fn like_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A SQLite `GLOB` pattern: `*` stays the wildcard, `?` and `[` match only themselves.
fn glob(pattern: &Pattern) -> String {
    let mut glob = String::with_capacity(pattern.as_str().len() + 4);
    for c in pattern.as_str().chars() {
        match c {
            '?' => glob.push_str("[?]"),
            '[' => glob.push_str("[[]"),
            c => glob.push(c),
        }
    }
    glob
}

#[cfg(test)]
mod tests {
    use domain::query::parse_search;
    use sqlx::{Postgres, Sqlite};

    use super::*;
    use crate::storage::postgres::DIALECT as POSTGRES;
    use crate::storage::sqlite::DIALECT as SQLITE;

    #[test]
    fn like_escape_escapes_wildcards() {
        for (text, pattern) in [
            ("timeout", "timeout"),
            ("100%", "100\\%"),
            ("user_id", "user\\_id"),
            ("C:\\x", "C:\\\\x"),
        ] {
            assert_eq!(like_escape(text), pattern, "{text}");
        }
    }

    #[test]
    fn glob_keeps_only_star() {
        assert_eq!(glob(&Pattern::new("1.4.*")), "1.4.*");
        assert_eq!(glob(&Pattern::new("a?[b]*")), "a[?][[]b]*");
    }

    /// The SQL of a search, values bound: user text never reaches the statement.
    fn where_sql(search: &str, sqlite: bool) -> String {
        let search = parse_search(search).expect("search");
        let query = IssueQuery::default();
        let filter = Filter {
            query: &query,
            search: &search,
            scope: Scope::Explorer {
                range: None,
                hide_ignored: true,
            },
        };
        if sqlite {
            let mut q = QueryBuilder::<Sqlite>::new("");
            filter.push_where(&mut q, &SQLITE);
            q.sql().as_str().to_owned()
        } else {
            let mut q = QueryBuilder::<Postgres>::new("");
            filter.push_where(&mut q, &POSTGRES);
            q.sql().as_str().to_owned()
        }
    }

    #[test]
    fn search_terms_become_bound_conditions() {
        for (search, sqlite, expected) in [
            (
                "service:checkout",
                true,
                " WHERE i.merged_into IS NULL AND i.service = ? AND i.status <> ?",
            ),
            (
                "-host:web-*",
                false,
                " WHERE i.merged_into IS NULL AND NOT EXISTS (SELECT 1 FROM issue_values v WHERE v.issue_id = i.id \
                 AND v.facet = $1 AND v.value LIKE $2 ESCAPE '\\') AND i.status <> $3",
            ),
            (
                "version:1.4.*",
                true,
                " WHERE i.merged_into IS NULL AND EXISTS (SELECT 1 FROM issue_values v WHERE v.issue_id = i.id \
                 AND v.facet = ? AND v.value GLOB ?) AND i.status <> ?",
            ),
            (
                "message:*Timeout* status:ignored",
                false,
                " WHERE i.merged_into IS NULL AND i.message ILIKE $1 ESCAPE '\\' AND i.status = $2",
            ),
            (
                "assignee:none -assignee:ana@example.com",
                false,
                " WHERE i.merged_into IS NULL AND i.assignee_id IS NULL AND NOT EXISTS (SELECT 1 \
                 FROM users u WHERE u.id = i.assignee_id AND u.email ILIKE $1 ESCAPE '\\') AND \
                 i.status <> $2",
            ),
            (
                "owner:@acme/payments",
                false,
                " WHERE i.merged_into IS NULL AND EXISTS (SELECT 1 FROM issue_owners o WHERE o.issue_id = i.id \
                 AND o.owner ILIKE $1 ESCAPE '\\') AND i.status <> $2",
            ),
            (
                "-\"'; DROP TABLE issues; --\"",
                true,
                " WHERE i.merged_into IS NULL AND NOT (i.error_type LIKE ? ESCAPE '\\' OR i.message LIKE ? \
                 ESCAPE '\\') AND i.status <> ?",
            ),
        ] {
            assert_eq!(where_sql(search, sqlite), expected, "{search}");
        }
    }
}
