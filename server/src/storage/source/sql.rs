//! The SQL of source storage, the same for both backends (`$N` placeholders, `ON CONFLICT`,
//! `RETURNING`, integers for flags): one macro instantiates it per backend.

use std::collections::{BTreeMap, BTreeSet};

use domain::query::EventDetail;
use domain::source::{CodeMapping, CodeMappingInput, Repository};

use super::{
    CachedFile, LinkedRepository, REPOSITORY_COLUMNS, RepositoryRow, RepositoryTuple, Saved,
    Secret, SecretTuple, auth_text, compress, decompress, is_foreign_key_violation,
    is_unique_violation, repository, secret, secret_columns,
};
use crate::storage::{StoreError, decode};

/// The backend functions, written once: `$db` is the sqlx database.
macro_rules! source_sql {
    ($db:ty) => {
        use super::*;

        type Pool = sqlx::Pool<$db>;
        type Conn = <$db as sqlx::Database>::Connection;

        pub async fn record_seen(
            conn: &mut Conn,
            pairs: &BTreeSet<(String, String)>,
            now: i64,
        ) -> Result<(), StoreError> {
            for (service, url) in pairs {
                sqlx::query(
                    "INSERT INTO source_seen (service, url, first_seen) VALUES ($1, $2, $3) \
                     ON CONFLICT (url, service) DO NOTHING",
                )
                .bind(service)
                .bind(url)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            }
            Ok(())
        }

        pub async fn seen(pool: &Pool) -> Result<Vec<(String, String)>, StoreError> {
            Ok(sqlx::query_as("SELECT url, service FROM source_seen ORDER BY url, service")
                .fetch_all(pool)
                .await?)
        }

        async fn services(pool: &Pool) -> Result<BTreeMap<i64, Vec<String>>, StoreError> {
            let rows: Vec<(i64, String)> = sqlx::query_as(
                "SELECT repository_id, service FROM source_repository_services \
                 ORDER BY repository_id, service",
            )
            .fetch_all(pool)
            .await?;
            let mut out: BTreeMap<i64, Vec<String>> = BTreeMap::new();
            for (id, service) in rows {
                out.entry(id).or_default().push(service);
            }
            Ok(out)
        }

        pub async fn repositories(pool: &Pool) -> Result<Vec<Repository>, StoreError> {
            let rows: Vec<RepositoryTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {REPOSITORY_COLUMNS} FROM source_repositories ORDER BY lower(owner), lower(name), id"
            )))
            .fetch_all(pool)
            .await?;
            let mut services = services(pool).await?;
            rows.into_iter()
                .map(|row| {
                    let id = row.0;
                    repository(row, services.remove(&id).unwrap_or_default())
                })
                .collect()
        }

        pub async fn linked(pool: &Pool) -> Result<Vec<LinkedRepository>, StoreError> {
            let repositories = repositories(pool).await?;
            let secrets: Vec<(i64, String, Option<String>, Option<i64>, Option<i64>, Option<String>)> =
                sqlx::query_as(
                    "SELECT id, auth_kind, token, app_id, installation_id, private_key \
                     FROM source_repositories",
                )
                .fetch_all(pool)
                .await?;
            let mut secrets: BTreeMap<i64, SecretTuple> = secrets
                .into_iter()
                .map(|(id, kind, token, app, inst, key)| (id, (kind, token, app, inst, key)))
                .collect();
            repositories
                .into_iter()
                .filter_map(|repository| {
                    let tuple = secrets.remove(&repository.id)?;
                    Some(secret(tuple).map(|secret| LinkedRepository { repository, secret }))
                })
                .collect()
        }

        async fn one(pool: &Pool, id: i64) -> Result<Option<Repository>, StoreError> {
            let row: Option<RepositoryTuple> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {REPOSITORY_COLUMNS} FROM source_repositories WHERE id = $1"
            )))
            .bind(id)
            .fetch_optional(pool)
            .await?;
            let services: Vec<String> = sqlx::query_scalar(
                "SELECT service FROM source_repository_services WHERE repository_id = $1 ORDER BY service",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            row.map(|row| repository(row, services)).transpose()
        }

        pub async fn save_repository(
            pool: &Pool,
            id: Option<i64>,
            row: &RepositoryRow,
            now: i64,
        ) -> Result<Saved<Repository>, StoreError> {
            let mut tx = pool.begin().await?;
            let api_base = row.api_base_url.clone().unwrap_or_default();
            let result = match (id, &row.secret) {
                (None, secret) => {
                    let secret = secret.clone().unwrap_or(Secret::None);
                    let (token, app_id, installation_id, key) = secret_columns(&secret)?;
                    sqlx::query_scalar(
                        "INSERT INTO source_repositories (owner, name, api_base, auth_kind, token, \
                         app_id, installation_id, private_key, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    )
                    .bind(&row.owner)
                    .bind(&row.name)
                    .bind(&api_base)
                    .bind(auth_text(secret.kind()))
                    .bind(token)
                    .bind(app_id)
                    .bind(installation_id)
                    .bind(key)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map(Some)
                }
                (Some(id), Some(secret)) => {
                    let (token, app_id, installation_id, key) = secret_columns(secret)?;
                    sqlx::query_scalar(
                        "UPDATE source_repositories SET owner = $1, name = $2, api_base = $3, \
                         auth_kind = $4, token = $5, app_id = $6, installation_id = $7, \
                         private_key = $8, last_error = NULL WHERE id = $9 RETURNING id",
                    )
                    .bind(&row.owner)
                    .bind(&row.name)
                    .bind(&api_base)
                    .bind(auth_text(secret.kind()))
                    .bind(token)
                    .bind(app_id)
                    .bind(installation_id)
                    .bind(key)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                }
                (Some(id), None) => {
                    sqlx::query_scalar(
                        "UPDATE source_repositories SET owner = $1, name = $2, api_base = $3, \
                         last_error = NULL WHERE id = $4 RETURNING id",
                    )
                    .bind(&row.owner)
                    .bind(&row.name)
                    .bind(&api_base)
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                }
            };
            let id: i64 = match result {
                Ok(Some(id)) => id,
                Ok(None) => return Ok(Saved::NotFound),
                Err(e) if is_unique_violation(&e) => return Ok(Saved::Duplicate),
                Err(e) => return Err(e.into()),
            };
            sqlx::query("DELETE FROM source_repository_services WHERE repository_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            for service in row.services.iter().collect::<BTreeSet<_>>() {
                sqlx::query(
                    "INSERT INTO source_repository_services (repository_id, service) VALUES ($1, $2)",
                )
                .bind(id)
                .bind(service)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(match one(pool, id).await? {
                Some(repository) => Saved::Saved(repository),
                None => Saved::NotFound,
            })
        }

        pub async fn delete_repository(pool: &Pool, id: i64) -> Result<bool, StoreError> {
            let done = sqlx::query("DELETE FROM source_repositories WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        }

        pub async fn set_last_error(
            pool: &Pool,
            id: i64,
            error: Option<&str>,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "UPDATE source_repositories SET last_error = $1 WHERE id = $2 \
                 AND last_error IS DISTINCT FROM $1",
            )
            .bind(error)
            .bind(id)
            .execute(pool)
            .await?;
            Ok(())
        }

        pub async fn mappings(pool: &Pool) -> Result<Vec<CodeMapping>, StoreError> {
            let rows: Vec<(i64, i64, Option<String>, String, String)> = sqlx::query_as(
                "SELECT id, repository_id, service, stack_root, source_root \
                 FROM source_code_mappings ORDER BY repository_id, id",
            )
            .fetch_all(pool)
            .await?;
            Ok(rows
                .into_iter()
                .map(|(id, repository_id, service, stack_root, source_root)| CodeMapping {
                    id,
                    repository_id,
                    service,
                    stack_root,
                    source_root,
                })
                .collect())
        }

        pub async fn save_mapping(
            pool: &Pool,
            input: &CodeMappingInput,
        ) -> Result<Saved<CodeMapping>, StoreError> {
            let result: Result<i64, sqlx::Error> = sqlx::query_scalar(
                "INSERT INTO source_code_mappings (repository_id, service, stack_root, source_root) \
                 VALUES ($1, $2, $3, $4) RETURNING id",
            )
            .bind(input.repository_id)
            .bind(&input.service)
            .bind(&input.stack_root)
            .bind(&input.source_root)
            .fetch_one(pool)
            .await;
            match result {
                Ok(id) => Ok(Saved::Saved(CodeMapping {
                    id,
                    repository_id: input.repository_id,
                    service: input.service.clone(),
                    stack_root: input.stack_root.clone(),
                    source_root: input.source_root.clone(),
                })),
                Err(e) if is_foreign_key_violation(&e) => Ok(Saved::NotFound),
                Err(e) => Err(e.into()),
            }
        }

        pub async fn delete_mapping(pool: &Pool, id: i64) -> Result<bool, StoreError> {
            let done = sqlx::query("DELETE FROM source_code_mappings WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
            Ok(done.rows_affected() > 0)
        }

        pub async fn event(pool: &Pool, id: i64) -> Result<Option<EventDetail>, StoreError> {
            let row = sqlx::query(
                "SELECT e.id, e.issue_id, e.time, e.trace_id, e.span_id, e.error_span_id, \
                    e.service, e.env, e.version, e.host, e.container_id, e.resource, e.operation, \
                    e.error_type, e.message, e.language, s.body AS stack, e.span_tags, \
                    h.body AS host_tags, c.body AS container_tags, e.metrics \
                 FROM events e \
                 JOIN texts s ON s.id = e.stack_id \
                 LEFT JOIN texts h ON h.id = e.host_tags_id \
                 LEFT JOIN texts c ON c.id = e.container_tags_id \
                 WHERE e.id = $1",
            )
            .bind(id)
            .fetch_optional(pool)
            .await?;
            row.as_ref().map(decode::event_detail).transpose()
        }

        pub async fn file(
            pool: &Pool,
            key: &str,
            git_ref: &str,
            path: &str,
            now: i64,
        ) -> Result<Option<CachedFile>, StoreError> {
            let row: Option<(String, Option<String>)> = sqlx::query_as(
                "SELECT status, content FROM source_files \
                 WHERE repo_key = $1 AND git_ref = $2 AND path = $3 \
                 AND (expires_at IS NULL OR expires_at > $4)",
            )
            .bind(key)
            .bind(git_ref)
            .bind(path)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            Ok(row.map(|(status, content)| match (status.as_str(), content) {
                ("ok", Some(text)) => CachedFile::Text(text),
                ("missing", _) => CachedFile::Missing,
                _ => CachedFile::NotText,
            }))
        }

        pub async fn put_file(
            pool: &Pool,
            key: &str,
            git_ref: &str,
            path: &str,
            file: &CachedFile,
            expires_at: Option<i64>,
        ) -> Result<(), StoreError> {
            let (status, content) = match file {
                CachedFile::Text(text) => ("ok", Some(text.as_str())),
                CachedFile::Missing => ("missing", None),
                CachedFile::NotText => ("not_text", None),
            };
            sqlx::query(
                "INSERT INTO source_files (repo_key, git_ref, path, status, content, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (repo_key, git_ref, path) DO UPDATE SET status = excluded.status, \
                 content = excluded.content, expires_at = excluded.expires_at",
            )
            .bind(key)
            .bind(git_ref)
            .bind(path)
            .bind(status)
            .bind(content)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        }

        pub async fn tree(
            pool: &Pool,
            key: &str,
            git_ref: &str,
            now: i64,
        ) -> Result<Option<Vec<String>>, StoreError> {
            let blob: Option<Vec<u8>> = sqlx::query_scalar(
                "SELECT paths FROM source_trees WHERE repo_key = $1 AND git_ref = $2 \
                 AND (expires_at IS NULL OR expires_at > $3)",
            )
            .bind(key)
            .bind(git_ref)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            blob.map(|blob| decompress(&blob)).transpose()
        }

        pub async fn put_tree(
            pool: &Pool,
            key: &str,
            git_ref: &str,
            paths: &[String],
            truncated: bool,
            expires_at: Option<i64>,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO source_trees (repo_key, git_ref, paths, truncated, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (repo_key, git_ref) DO UPDATE SET paths = excluded.paths, \
                 truncated = excluded.truncated, expires_at = excluded.expires_at",
            )
            .bind(key)
            .bind(git_ref)
            .bind(compress(paths)?)
            .bind(i64::from(truncated))
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        }

        pub async fn default_branch(
            pool: &Pool,
            key: &str,
            now: i64,
        ) -> Result<Option<String>, StoreError> {
            Ok(sqlx::query_scalar(
                "SELECT branch FROM source_default_branches WHERE repo_key = $1 AND expires_at > $2",
            )
            .bind(key)
            .bind(now)
            .fetch_optional(pool)
            .await?)
        }

        pub async fn put_default_branch(
            pool: &Pool,
            key: &str,
            branch: &str,
            expires_at: i64,
        ) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO source_default_branches (repo_key, branch, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (repo_key) DO UPDATE SET branch = excluded.branch, \
                 expires_at = excluded.expires_at",
            )
            .bind(key)
            .bind(branch)
            .bind(expires_at)
            .execute(pool)
            .await?;
            Ok(())
        }

        pub async fn backoff(pool: &Pool, scope: &str) -> Result<Option<i64>, StoreError> {
            Ok(sqlx::query_scalar("SELECT until_ms FROM source_backoff WHERE scope = $1")
                .bind(scope)
                .fetch_optional(pool)
                .await?)
        }

        pub async fn set_backoff(pool: &Pool, scope: &str, until: i64) -> Result<(), StoreError> {
            sqlx::query(
                "INSERT INTO source_backoff (scope, until_ms) VALUES ($1, $2) \
                 ON CONFLICT (scope) DO UPDATE SET until_ms = excluded.until_ms",
            )
            .bind(scope)
            .bind(until)
            .execute(pool)
            .await?;
            Ok(())
        }
    };
}

pub(in crate::storage) mod sqlite {
    source_sql!(sqlx::Sqlite);
}

pub(in crate::storage) mod postgres {
    source_sql!(sqlx::Postgres);
}
