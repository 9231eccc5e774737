//! Assignment and comments, the same for both backends. An assignment is a column of the issue and
//! an `assign`/`unassign` entry of its timeline, written in one transaction; comments are rows of
//! their own, read beside the timeline.

use domain::explorer::ActivityKind;
use domain::query::Status;
use domain::teamwork::{Comment, CommentError, UserKey, UserRef, comment_body};
use sqlx::{Database, Decode, Encode, Executor, IntoArguments, Pool, QueryBuilder, Type};

use super::read::Reader;
use super::{Store, StoreError, decode, unix_ms_now};

/// Why an assignment or a comment was refused, or failed.
#[derive(Debug, thiserror::Error)]
pub enum TeamworkError {
    #[error("issue {0} not found")]
    IssueNotFound(i64),
    #[error("comment {0} not found")]
    CommentNotFound(i64),
    #[error("no user has {0}")]
    UnknownUser(String),
    #[error("{0} is disabled and cannot be assigned")]
    DisabledUser(String),
    #[error("only its author or an admin may delete a comment")]
    NotAuthor,
    #[error(transparent)]
    Comment(#[from] CommentError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TeamworkError {
    fn from(e: sqlx::Error) -> Self {
        Self::Store(e.into())
    }
}

/// `(id, email, display_name, disabled)` of a user.
type UserRow = (i64, String, String, bool);

/// Who comments and deletes: a user id, and whether they are an admin (who may delete any comment).
#[derive(Debug, Clone, Copy)]
pub struct Author {
    pub id: i64,
    pub admin: bool,
}

impl Store {
    /// Assigns issue `id` to `user` (`None`: nobody), recorded in its timeline as `actor` (an
    /// email). Assigning whoever is assigned already changes nothing. Returns the assignee.
    pub async fn assign(
        &self,
        id: i64,
        user: Option<&UserKey>,
        actor: &str,
    ) -> Result<Option<UserRef>, TeamworkError> {
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => assign(&s.writer(), id, user, actor, now).await,
            Self::Postgres(s) => assign(&s.writer(), id, user, actor, now).await,
        }
    }

    /// Adds a comment by `author` to issue `id`, trimmed; refused when empty or too long.
    pub async fn add_comment(
        &self,
        id: i64,
        author: i64,
        body: &str,
    ) -> Result<Comment, TeamworkError> {
        let body = comment_body(body)?;
        let now = unix_ms_now();
        match self {
            Self::Sqlite(s) => add_comment(s.writer().pool, id, author, body, now).await,
            Self::Postgres(s) => add_comment(s.writer().pool, id, author, body, now).await,
        }
    }

    /// Deletes comment `comment` of issue `id`: its author's, or anyone's for an admin.
    pub async fn delete_comment(
        &self,
        id: i64,
        comment: i64,
        by: Author,
    ) -> Result<(), TeamworkError> {
        match self {
            Self::Sqlite(s) => delete_comment(s.writer().pool, id, comment, by).await,
            Self::Postgres(s) => delete_comment(s.writer().pool, id, comment, by).await,
        }
    }

    /// Enabled users, by name: whom an issue can be assigned to.
    pub async fn assignable_users(&self) -> Result<Vec<UserRef>, StoreError> {
        let query = "SELECT id, email, display_name FROM users WHERE disabled = FALSE \
                     ORDER BY lower(display_name), email";
        let rows: Vec<(i64, String, String)> = match self {
            Self::Sqlite(s) => sqlx::query_as(query).fetch_all(s.reader().pool).await?,
            Self::Postgres(s) => sqlx::query_as(query).fetch_all(s.reader().pool).await?,
        };
        Ok(rows.into_iter().map(user_ref).collect())
    }

    /// Which of `emails` (lowercased) belong to a user.
    pub async fn known_emails(&self, emails: &[String]) -> Result<Vec<String>, StoreError> {
        if emails.is_empty() {
            return Ok(Vec::new());
        }
        match self {
            Self::Sqlite(s) => known_emails(s.reader().pool, emails).await,
            Self::Postgres(s) => known_emails(s.reader().pool, emails).await,
        }
    }
}

fn user_ref((id, email, display_name): (i64, String, String)) -> UserRef {
    UserRef {
        id,
        email,
        display_name,
    }
}

async fn assign<DB>(
    writer: &Reader<'_, DB>,
    id: i64,
    user: Option<&UserKey>,
    actor: &str,
    now: i64,
) -> Result<Option<UserRef>, TeamworkError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> bool: Decode<'a, DB> + Type<DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
    (String, Option<i64>): for<'r> sqlx::FromRow<'r, DB::Row>,
    UserRow: for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut tx = writer.pool.begin().await?;
    let mut select = QueryBuilder::<DB>::new("SELECT status, assignee_id FROM issues WHERE id = ");
    select.push_bind(id).push(writer.sql.lock_issues);
    let (status, current): (String, Option<i64>) = select
        .build_query_as()
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(TeamworkError::IssueNotFound(id))?;
    let status = decode::status(&status)?;
    let assignee = match user {
        None => None,
        Some(key) => {
            let mut find = QueryBuilder::<DB>::new(
                "SELECT id, email, display_name, disabled FROM users WHERE ",
            );
            let named = match key {
                UserKey::Id(user) => {
                    find.push("id = ").push_bind(*user);
                    format!("the id {user}")
                }
                UserKey::Email(email) => {
                    let email = email.trim().to_lowercase();
                    find.push("email = ").push_bind(email.clone());
                    format!("the email {email}")
                }
            };
            let (user, email, name, disabled): UserRow = find
                .build_query_as()
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(TeamworkError::UnknownUser(named))?;
            if disabled {
                return Err(TeamworkError::DisabledUser(email));
            }
            Some(user_ref((user, email, name)))
        }
    };
    let assignee_id = assignee.as_ref().map(|u| u.id);
    if assignee_id == current {
        return Ok(assignee);
    }
    let mut update = QueryBuilder::<DB>::new("UPDATE issues SET assignee_id = ");
    update
        .push_bind(assignee_id)
        .push(" WHERE id = ")
        .push_bind(id);
    update.build().execute(&mut *tx).await?;
    let kind = match assignee_id {
        Some(_) => ActivityKind::Assign,
        None => ActivityKind::Unassign,
    };
    record_assignment::<DB>(&mut *tx, id, now, actor, kind, status, assignee_id).await?;
    tx.commit().await?;
    Ok(assignee)
}

/// The timeline entry of an assignment; the status is unchanged, so it is both from and to.
async fn record_assignment<DB>(
    conn: &mut DB::Connection,
    issue: i64,
    at: i64,
    actor: &str,
    kind: ActivityKind,
    status: Status,
    assignee: Option<i64>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Type<DB>,
    for<'a> Option<i64>: Encode<'a, DB>,
{
    let mut insert = QueryBuilder::<DB>::new(
        "INSERT INTO issue_activity (issue_id, at, actor, kind, from_status, to_status, \
         assignee_id) VALUES (",
    );
    insert
        .separated(", ")
        .push_bind(issue)
        .push_bind(at)
        .push_bind(actor.to_owned())
        .push_bind(kind.as_str().to_owned())
        .push_bind(status.as_str().to_owned())
        .push_bind(status.as_str().to_owned())
        .push_bind(assignee)
        .push_unseparated(")");
    insert.build().execute(&mut *conn).await?;
    Ok(())
}

async fn add_comment<DB>(
    pool: &Pool<DB>,
    issue: i64,
    author: i64,
    body: &str,
    now: i64,
) -> Result<Comment, TeamworkError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
    (i64, String, String): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    // Inserted only when the issue exists, so a comment never races its issue's deletion.
    let mut insert = QueryBuilder::<DB>::new(
        "INSERT INTO issue_comments (issue_id, author_id, body, created_at) SELECT id, ",
    );
    insert
        .push_bind(author)
        .push(", ")
        .push_bind(body.to_owned())
        .push(", ")
        .push_bind(now)
        .push(" FROM issues WHERE id = ")
        .push_bind(issue)
        .push(" RETURNING id");
    let id: i64 = insert
        .build_query_scalar()
        .fetch_optional(pool)
        .await?
        .ok_or(TeamworkError::IssueNotFound(issue))?;
    let mut author_row =
        QueryBuilder::<DB>::new("SELECT id, email, display_name FROM users WHERE id = ");
    author_row.push_bind(author);
    let author = author_row.build_query_as().fetch_one(pool).await?;
    Ok(Comment {
        id,
        issue_id: issue,
        author: user_ref(author),
        body: body.to_owned(),
        created_at: now,
    })
}

async fn delete_comment<DB>(
    pool: &Pool<DB>,
    issue: i64,
    comment: i64,
    by: Author,
) -> Result<(), TeamworkError>
where
    DB: Database,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    (i64,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut find = QueryBuilder::<DB>::new("SELECT author_id FROM issue_comments WHERE id = ");
    find.push_bind(comment)
        .push(" AND issue_id = ")
        .push_bind(issue);
    let author: i64 = find
        .build_query_scalar()
        .fetch_optional(pool)
        .await?
        .ok_or(TeamworkError::CommentNotFound(comment))?;
    if author != by.id && !by.admin {
        return Err(TeamworkError::NotAuthor);
    }
    let mut delete = QueryBuilder::<DB>::new("DELETE FROM issue_comments WHERE id = ");
    delete.push_bind(comment);
    delete.build().execute(pool).await?;
    Ok(())
}

/// An issue's comments, oldest first.
pub(super) async fn comments<DB>(pool: &Pool<DB>, issue: i64) -> Result<Vec<Comment>, StoreError>
where
    DB: Database,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> i64: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    for<'a> String: Decode<'a, DB> + Type<DB>,
    (i64, String, i64, i64, String, String): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut query = QueryBuilder::<DB>::new(
        "SELECT c.id, c.body, c.created_at, u.id, u.email, u.display_name \
         FROM issue_comments c JOIN users u ON u.id = c.author_id WHERE c.issue_id = ",
    );
    query.push_bind(issue).push(" ORDER BY c.created_at, c.id");
    let rows: Vec<(i64, String, i64, i64, String, String)> =
        query.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(id, body, created_at, user, email, name)| Comment {
            id,
            issue_id: issue,
            author: user_ref((user, email, name)),
            body,
            created_at,
        })
        .collect())
}

async fn known_emails<DB>(pool: &Pool<DB>, emails: &[String]) -> Result<Vec<String>, StoreError>
where
    DB: Database,
    for<'c> &'c Pool<DB>: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    for<'a> String: Encode<'a, DB> + Decode<'a, DB> + Type<DB>,
    (String,): for<'r> sqlx::FromRow<'r, DB::Row>,
{
    let mut query = QueryBuilder::<DB>::new("SELECT email FROM users WHERE email IN (");
    let mut list = query.separated(", ");
    for email in emails {
        list.push_bind(email.clone());
    }
    query.push(")");
    Ok(query.build_query_scalar().fetch_all(pool).await?)
}
