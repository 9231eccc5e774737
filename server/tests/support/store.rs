//! Storage test databases (a SQLite file in a temp dir, or a fresh database on the PostgreSQL that
//! `scripts/with-postgres.sh` started), event fixtures and the `suite!` of cases run on both. Included
//! by `tests/storage.rs` and `tests/source.rs` by path,
//! so the HTTP tests' `support` module does not compile it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use domain::errors::ErrorEvent;
use domain::grouping::{Component, Fingerprint};
use domain::span::Span;
use server::storage::{NewEvent, Store, WriteBatch};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, SqlSafeStr, SqliteConnection};

const POSTGRES_URL: &str = "STACKPRINT_TEST_POSTGRES_URL";
const SKIP_POSTGRES: &str = "STACKPRINT_SKIP_POSTGRES";

static SEQ: AtomicU64 = AtomicU64::new(1);

/// Every case runs once per backend: `sqlite::case` and `postgres::case` (PostgreSQL when
/// `STACKPRINT_TEST_POSTGRES_URL` names one). A case that has not finished after
/// [`CASE_DEADLINE`] fails with its name instead of holding the whole run.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $case() {
                let db = super::TestDb::sqlite().await;
                super::store::finish(stringify!($case), super::$case(&db)).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $case() {
                if let Some(db) = super::TestDb::postgres().await {
                    super::store::finish(stringify!($case), super::$case(&db)).await;
                }
            })*
        }
    };
}

/// Longer than any case takes on a loaded 2-core machine; a hang, not a slow run, exceeds it.
pub const CASE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(180);

pub async fn finish(case: &str, run: impl std::future::Future<Output = ()>) {
    if tokio::time::timeout(CASE_DEADLINE, run).await.is_err() {
        panic!("{case} did not finish within {CASE_DEADLINE:?}");
    }
}

fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}_{}_{nanos}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    )
}

pub struct TestDb {
    pub store: Store,
    pub url: String,
    /// The SQLite temp dir, removed on drop.
    dir: Option<PathBuf>,
}

impl TestDb {
    /// A store on a new SQLite file, in a directory `connect` has to create.
    pub async fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(format!("stackprint-storage-{}", unique()));
        let url = format!("sqlite://{}/nested/stackprint.db", dir.display());
        let store = Store::connect(&url).await.expect("SQLite store");
        Self {
            store,
            url,
            dir: Some(dir),
        }
    }

    /// A store on a new database of the test PostgreSQL; `None` when PostgreSQL tests are skipped.
    pub async fn postgres() -> Option<Self> {
        if std::env::var(SKIP_POSTGRES).is_ok_and(|v| v == "1") {
            eprintln!("{SKIP_POSTGRES}=1: PostgreSQL storage test skipped");
            return None;
        }
        let Ok(admin_url) = std::env::var(POSTGRES_URL) else {
            panic!(
                "{POSTGRES_URL} is not set: run the storage tests through `make test` or \
                 `scripts/with-postgres.sh cargo test -p server --test storage` \
                 (or set {SKIP_POSTGRES}=1 to skip PostgreSQL)"
            );
        };
        let name = format!("stackprint_test_{}", unique());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .expect("connect to test PostgreSQL");
        sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.expect("close admin connection");
        let (server, _) = admin_url.rsplit_once('/').expect("URL with a database");
        let url = format!("{server}/{name}");
        let store = Store::connect(&url).await.expect("PostgreSQL store");
        Some(Self {
            store,
            url,
            dir: None,
        })
    }

    /// A second store on the same database, as after a restart.
    pub async fn reopen(&self) -> Store {
        Store::connect(&self.url).await.expect("reopened store")
    }

    /// Runs SQL on a connection of its own, bypassing the store.
    pub async fn execute(&self, sql: &str) {
        execute_at(&self.url, self.dir.is_some(), sql).await;
    }

    pub fn is_sqlite(&self) -> bool {
        self.dir.is_some()
    }

    /// A new database on the same backend as the previous release (grouping 2026-11) left it: its
    /// migrations applied, the way its `stackprint migrate` did. Connecting a [`Store`] to `url`
    /// upgrades it.
    pub async fn previous_release(&self) -> OldDb {
        let (url, dir) = if self.dir.is_some() {
            let dir = std::env::temp_dir().join(format!("stackprint-old-{}", unique()));
            std::fs::create_dir_all(&dir).expect("temp dir");
            (format!("sqlite://{}/old.db", dir.display()), Some(dir))
        } else {
            let (server, _) = self.url.rsplit_once('/').expect("URL with a database");
            let name = format!("stackprint_old_{}", unique());
            execute_at(&self.url, false, &format!("CREATE DATABASE {name}")).await;
            (format!("{server}/{name}"), None)
        };
        let sqlite = dir.is_some();
        let migrations = PREVIOUS_RELEASE_MIGRATIONS
            .iter()
            .map(|&(version, description, sqlite_sql, postgres_sql)| {
                let sql = if sqlite { sqlite_sql } else { postgres_sql };
                Migration::new(
                    version,
                    description.into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        let migrator = Migrator::with_migrations(migrations);
        if sqlite {
            let options = SqliteConnectOptions::from_str(&url)
                .expect("SQLite URL")
                .create_if_missing(true);
            let mut conn = SqliteConnection::connect_with(&options)
                .await
                .expect("SQLite connection");
            migrator.run(&mut conn).await.expect("old migrations");
        } else {
            let mut conn = PgConnection::connect(&url)
                .await
                .expect("PostgreSQL connection");
            migrator.run(&mut conn).await.expect("old migrations");
        }
        OldDb { url, dir }
    }

    /// `SELECT COUNT(*)` of a table.
    pub async fn rows(&self, table: &str) -> i64 {
        let sql = AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}"));
        if self.dir.is_some() {
            let options = SqliteConnectOptions::from_str(&self.url).expect("SQLite URL");
            let mut conn = SqliteConnection::connect_with(&options)
                .await
                .expect("SQLite connection");
            sqlx::query_scalar(sql)
                .fetch_one(&mut conn)
                .await
                .expect("count")
        } else {
            let mut conn = PgConnection::connect(&self.url)
                .await
                .expect("PostgreSQL connection");
            sqlx::query_scalar(sql)
                .fetch_one(&mut conn)
                .await
                .expect("count")
        }
    }

    /// Makes every insert into `table` fail, to break a batch in the middle of its transaction.
    pub async fn break_inserts(&self, table: &str) {
        let sql = if self.dir.is_some() {
            format!(
                "CREATE TRIGGER broken BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'broken'); END;"
            )
        } else {
            format!(
                "CREATE FUNCTION broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 RAISE EXCEPTION 'broken'; END $$; \
                 CREATE TRIGGER broken BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION broken();"
            )
        };
        self.execute(&sql).await;
    }
}

/// Runs SQL on a connection of its own.
async fn execute_at(url: &str, sqlite: bool, sql: &str) {
    let sql = AssertSqlSafe(sql.to_owned());
    if sqlite {
        let options = SqliteConnectOptions::from_str(url).expect("SQLite URL");
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .expect("SQLite connection");
        sqlx::raw_sql(sql).execute(&mut conn).await.expect("SQL");
    } else {
        let mut conn = PgConnection::connect(url)
            .await
            .expect("PostgreSQL connection");
        sqlx::raw_sql(sql).execute(&mut conn).await.expect("SQL");
    }
}

/// The previous release's migrations: (version, description, SQLite SQL, PostgreSQL SQL).
const PREVIOUS_RELEASE_MIGRATIONS: [(i64, &str, &str, &str); 4] = [
    (
        1,
        "init",
        include_str!("../../../migrations/sqlite/0001_init.sql"),
        include_str!("../../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "explorer",
        include_str!("../../../migrations/sqlite/0002_explorer.sql"),
        include_str!("../../../migrations/postgres/0002_explorer.sql"),
    ),
    (
        3,
        "source",
        include_str!("../../../migrations/sqlite/0003_source.sql"),
        include_str!("../../../migrations/postgres/0003_source.sql"),
    ),
    (
        4,
        "value_hours",
        include_str!("../../../migrations/sqlite/0004_value_hours.sql"),
        include_str!("../../../migrations/postgres/0004_value_hours.sql"),
    ),
];

/// A database left by the previous release (see [`TestDb::previous_release`]).
pub struct OldDb {
    pub url: String,
    dir: Option<PathBuf>,
}

impl OldDb {
    /// Runs SQL on it, as the previous release's writes.
    pub async fn execute(&self, sql: &str) {
        execute_at(&self.url, self.dir.is_some(), sql).await;
    }
}

impl Drop for OldDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub const PYTHON_STACK: &str = "Traceback (most recent call last):
  File \"/srv/app/.venv/lib/python3.12/site-packages/flask/app.py\", line 880, in full_dispatch_request
    rv = self.dispatch_request()
  File \"/srv/app/checkout/views.py\", line 42, in create_order
    total = parse_amount(form[\"amount\"])
  File \"/srv/app/checkout/amounts.py\", line 7, in parse_amount
    raise ValueError(f\"bad amount {raw!r}\")
ValueError: bad amount 'x'
";

pub fn fingerprint(hash: &str) -> Fingerprint {
    let leaf = |id: &str, value: &str| Component {
        id: id.into(),
        values: vec![value.into()],
        contributes: true,
        ..Component::default()
    };
    Fingerprint {
        hash: hash.into(),
        version: "2026-11".into(),
        tree: Component {
            id: "fingerprint".into(),
            contributes: true,
            children: vec![leaf("type", "ValueError"), leaf("function", "parse_amount")],
            hint: Some("type and in-app frames".into()),
            ..Component::default()
        },
    }
}

fn tags(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// An error event of `service` grouped under `hash`, at `at_ms` (Unix ms), with unique ids.
pub fn event(service: &str, hash: &str, at_ms: i64) -> NewEvent {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let message = "bad amount 'x'";
    NewEvent {
        event: ErrorEvent {
            trace_id: (u128::from(n) << 64) | 0xabcd,
            span_id: u64::MAX - n,
            error_span_id: u64::MAX - n - 1,
            timestamp: at_ms * 1_000_000 + 123_456,
            service: service.into(),
            env: Some("prod".into()),
            version: Some("1.0.0".into()),
            host: Some("web-1".into()),
            container_id: Some("3f4e9a".into()),
            resource: "POST /orders".into(),
            operation: "flask.request".into(),
            error_type: "ValueError".into(),
            message: message.into(),
            stack: PYTHON_STACK.into(),
            language: Some("python".into()),
            fingerprint_override: None,
            span_tags: tags(&[
                ("http.method", "POST"),
                ("error.type", "ValueError"),
                ("error.message", message),
                ("error.stack", PYTHON_STACK),
            ]),
            host_tags: tags(&[("_dd.hostname", "web-1"), ("os.type", "linux")]),
            container_tags: tags(&[("container_id", "3f4e9a"), ("kube_namespace", "shop")]),
            metrics: [("_sampling_priority_v1".to_string(), 1.0)].into(),
        },
        fingerprint: fingerprint(hash),
        culprit: Some("checkout.amounts in parse_amount".into()),
        previous_fingerprint: None,
    }
}

pub fn batch(events: Vec<NewEvent>) -> WriteBatch {
    WriteBatch {
        events,
        ..WriteBatch::default()
    }
}

pub fn span(trace_id: u128, span_id: u64, parent_id: u64, name: &str) -> Span {
    Span {
        service: "checkout".into(),
        name: name.into(),
        resource: "POST /orders".into(),
        trace_id,
        span_id,
        parent_id,
        start: 1_700_000_000_000_000_000 + (span_id % 1_000) as i64,
        duration: 1_500_000,
        error: parent_id == 0,
        span_type: "web".into(),
        meta: tags(&[("env", "prod")]),
        metrics: [("_top_level".to_string(), 1.0)].into(),
        ..Span::default()
    }
}
