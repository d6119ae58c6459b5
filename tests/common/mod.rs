//! The test app: the real router over a real database, one database per test.
//!
//! SQLite always (a fresh file in a temporary directory: an in-memory database with a pool can
//! silently swap in an empty database). PostgreSQL when `TEST_DATABASE_URL` is set: each test gets
//! its own schema, reached through `search_path` and dropped when the test ends.

#![allow(dead_code)]

pub mod fixtures;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use accessgraph::auth::keys::ApiKeySecret;
use accessgraph::domain::bootstrap::{self, BootstrapOutcome, BootstrapSpec};
use accessgraph::{AppState, KeyRows, SiteOptions, db, http};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use entity::enums::Edition;
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tower::ServiceExt;

/// The bootstrap admin's key in every test app.
pub const ADMIN_KEY: &str = "NRAK-TESTADMINKEY000000000000000";
pub const ADMIN_EMAIL: &str = "admin@example.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub router: Router,
    pub organization_id: String,
    pub primary_account_id: i32,
    pub admin_user_id: i64,
    /// SQL statements executed so far through this app's connection and its router's key checks.
    pub statements: Statements,
    _sqlite_dir: Option<tempfile::TempDir>,
    pg_schema: Option<PgSchema>,
}

/// SQL statements run for a test app: those of its connection (SeaORM's metric callback) and the
/// key checks its router ran on connections of their own (`auth::key_check`).
#[derive(Clone)]
pub struct Statements {
    sql: Arc<AtomicUsize>,
    key_check: Arc<accessgraph::auth::key_check::KeyCheck>,
}

impl Statements {
    pub fn load(&self, ordering: Ordering) -> usize {
        self.sql.load(ordering) + self.direct()
    }

    /// The key checks' statements on connections of their own (not through the pool).
    pub fn direct(&self) -> usize {
        usize::try_from(self.key_check.direct_statements()).unwrap_or(usize::MAX)
    }
}

/// A PostgreSQL schema that is dropped with the test.
struct PgSchema {
    admin_url: String,
    name: String,
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs outside async: clean up on a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(conn) = sea_orm::Database::connect(&url).await {
                    let _ = conn.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(Edition::Enterprise).await
    }

    pub async fn sqlite_with(edition: Edition) -> TestApp {
        accessgraph::telemetry::init_for_test();
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let db = db::connect(&url, 4).await.expect("connect to SQLite");
        Self::finish(Backend::Sqlite, db, Some(dir), None, edition, KeyRows::Read).await
    }

    /// `None` when `TEST_DATABASE_URL` is not set.
    pub async fn postgres() -> Option<TestApp> {
        Self::postgres_with(Edition::Enterprise).await
    }

    pub async fn postgres_with(edition: Edition) -> Option<TestApp> {
        Self::postgres_with_key_rows(edition, KeyRows::Read).await
    }

    /// On PostgreSQL, with key rows kept between requests, as a server keeps them
    /// (`auth::key_cache`). The other in-process apps read them on every request: their fixtures
    /// write through the domain layer, which no request acknowledges (`auth::peers`).
    pub async fn postgres_keeping_key_rows() -> Option<TestApp> {
        Self::postgres_with_key_rows(Edition::Enterprise, KeyRows::Kept).await
    }

    async fn postgres_with_key_rows(edition: Edition, key_rows: KeyRows) -> Option<TestApp> {
        let admin_url = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty())?;
        accessgraph::telemetry::init_for_test();
        let name = format!("t_{}", uuid::Uuid::new_v4().simple());
        let admin = sea_orm::Database::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
        admin.execute_unprepared(&format!("CREATE SCHEMA \"{name}\"")).await.expect("create test schema");
        admin.close().await.expect("close admin connection");
        let schema = PgSchema { admin_url: admin_url.clone(), name: name.clone() };
        let mut opts = db::connect_options(&admin_url, 4);
        opts.set_schema_search_path(name);
        let db = db::connect_with(&admin_url, opts).await.expect("connect to the test schema");
        Some(Self::finish(Backend::Postgres, db, None, Some(schema), edition, key_rows).await)
    }

    async fn finish(
        backend: Backend,
        mut db: DatabaseConnection,
        sqlite_dir: Option<tempfile::TempDir>,
        pg_schema: Option<PgSchema>,
        edition: Edition,
        key_rows: KeyRows,
    ) -> TestApp {
        db::migrate(&db).await.expect("migrate");
        let outcome = bootstrap::bootstrap(
            &db,
            BootstrapSpec {
                organization_name: "Test Organization".into(),
                edition,
                admin_email: ADMIN_EMAIL.into(),
                admin_name: "Test Admin".into(),
                key: Some(ApiKeySecret::parse_user_key(ADMIN_KEY).expect("valid test key")),
            },
        )
        .await
        .expect("bootstrap");
        let BootstrapOutcome::Created { organization_id, account_id, admin_user_id, .. } = outcome else {
            panic!("a fresh database must bootstrap");
        };
        let sql = Arc::new(AtomicUsize::new(0));
        let counter = sql.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        });
        let state = AppState::with_options(db.clone(), SiteOptions::default(), key_rows).await.expect("app state");
        let statements = Statements { sql, key_check: state.key_check.clone() };
        let router = http::router(state, http::HttpLimits::default());
        TestApp {
            backend,
            db,
            router,
            organization_id,
            primary_account_id: account_id,
            admin_user_id,
            statements,
            _sqlite_dir: sqlite_dir,
            pg_schema,
        }
    }

    /// A router over this app's database with other limits (and its own counters).
    pub async fn router_with(&self, limits: http::HttpLimits) -> Router {
        let state =
            AppState::with_options(self.db.clone(), SiteOptions::default(), KeyRows::Read).await.expect("app state");
        http::router(state, limits)
    }

    /// A router over this app's database with other site options and limits (and its own counters).
    pub async fn router_with_site(&self, limits: http::HttpLimits, site: accessgraph::SiteOptions) -> Router {
        let state = AppState::with_options(self.db.clone(), site, KeyRows::Read).await.expect("app state");
        http::router(state, limits)
    }

    /// Sends a request through the router; returns the status and the JSON body.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        (status, body)
    }

    /// POST /graphql as a NerdGraph client would (`Api-Key` header, no operationName).
    pub async fn graphql_as(&self, key: Option<&str>, query: &str, variables: Value) -> (StatusCode, Value) {
        let mut body = json!({ "query": query });
        if !variables.is_null() {
            body["variables"] = variables;
        }
        let mut request = Request::post("/graphql")
            .header("Content-Type", "application/json")
            .header("User-Agent", "accessgraph-tests");
        if let Some(key) = key {
            request = request.header("Api-Key", key);
        }
        self.send(request.body(Body::from(body.to_string())).expect("request")).await
    }

    /// How many SQL statements one query as the admin executes (authentication included).
    /// The query runs once before counting, so that once-in-a-while writes (a user's `lastActive`)
    /// do not count.
    pub async fn statements_for(&self, query: &str) -> usize {
        let warm_up = self.query(query).await;
        assert!(warm_up.get("errors").is_none(), "{warm_up}");
        let before = self.statements.load(Ordering::SeqCst);
        let body = self.query(query).await;
        assert!(body.get("errors").is_none(), "{body}");
        self.statements.load(Ordering::SeqCst) - before
    }

    /// A query as the bootstrap admin; asserts HTTP 200.
    pub async fn query(&self, query: &str) -> Value {
        self.query_as(ADMIN_KEY, query).await
    }

    /// An operation with variables as the bootstrap admin; asserts HTTP 200 and returns the whole
    /// body, errors included.
    pub async fn run(&self, query: &str, variables: Value) -> Value {
        self.run_as(ADMIN_KEY, query, variables).await
    }

    pub async fn run_as(&self, key: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql_as(Some(key), query, variables).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Like [`run`](Self::run), and asserts there are no errors.
    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        let body = self.run(query, variables).await;
        assert!(body.get("errors").is_none(), "{body}");
        body
    }

    pub async fn query_as(&self, key: &str, query: &str) -> Value {
        let (status, body) = self.graphql_as(Some(key), query, Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// The first error's message and errorClass.
pub fn first_error(body: &Value) -> (String, String) {
    let error = &body["errors"][0];
    assert!(error.is_object(), "expected an error: {body}");
    (
        error["message"].as_str().unwrap_or_default().to_owned(),
        error["extensions"]["errorClass"].as_str().unwrap_or_default().to_owned(),
    )
}

/// Runs one async test body against every backend: SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` is set. Each backend is its own test (`<name>::sqlite`, `<name>::postgres`).
#[macro_export]
macro_rules! backend_test {
    ($name:ident, |$app:ident| $body:block) => {
        $crate::backend_test!($name, edition = Enterprise, |$app| $body);
    };
    ($name:ident, edition = $edition:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $app = $crate::common::TestApp::sqlite_with(entity::enums::Edition::$edition).await;
                $body
            }

            #[tokio::test]
            async fn postgres() {
                let Some($app) = $crate::common::TestApp::postgres_with(entity::enums::Edition::$edition).await else {
                    eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
                    return;
                };
                $body
            }
        }
    };
}
