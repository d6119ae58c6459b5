//! AccessGraph: a NerdGraph-compatible GraphQL service for identity and access management.
//!
//! `main.rs` parses the command line and calls into here; the tests build the same app with
//! [`AppState::new`] and [`http::router`]. Data flows `http -> auth -> graphql -> domain -> entity`,
//! and every permission decision is made by [`access`].

pub mod access;
mod allocator;
pub mod auth;
pub mod client;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod mail;
pub mod scim;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use async_graphql::ValidationMode;
use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;

use crate::access::Catalog;
use crate::auth::key_check::KeyCheck;
pub use crate::auth::key_check::KeyRows;
use crate::domain::access_cache::AccessCache;
use crate::domain::reads::Reads;
use crate::graphql::{AppSchema, Services};

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub catalog: Arc<Catalog>,
    /// The schema, validating every document with all of GraphQL's rules.
    pub schema: AppSchema,
    /// The same schema, validating with only the rules that bound a document's cost: for a
    /// document that `schema` found valid before, with the same operation and variables (the
    /// rules are a function of those alone; `http`'s parsed documents keep which passed).
    /// Validating `{ actor { user { id email name } } }` on every request was 6.5% of the CPU
    /// samples of the process serving it (README, "Performance").
    pub validated_schema: AppSchema,
    /// Viewers' effective access between requests (see `domain::access_cache`).
    pub access_cache: Arc<AccessCache>,
    /// Where each request's key check runs (see `auth::key_check`).
    pub key_check: Arc<KeyCheck>,
    /// The database, for reads outside any transaction (see `domain::reads`).
    pub reads: Reads,
    pub site: Arc<SiteOptions>,
}

/// How the server presents itself to people: sign-in cookies, links in emails, the playground.
#[derive(Debug, Clone)]
pub struct SiteOptions {
    /// The address people reach AccessGraph at, e.g. `https://accessgraph.example.com`, for links
    /// in emails and in `userManagementCreatePasswordSetupLink`. `None`: taken from each
    /// request's `Host` (http).
    pub public_url: Option<String>,
    /// Session cookies get `Secure` (set when AccessGraph is reached over HTTPS).
    pub secure_cookies: bool,
    /// Schema introspection (`__schema`, `__type`): the playground's documentation explorer needs
    /// it; production may turn it off.
    pub introspection: bool,
    /// Where password reset emails go out; `None`: resets by email are unavailable, and
    /// `POST /password/reset` says so.
    pub smtp: Option<mail::SmtpSettings>,
    /// Origins allowed to call AccessGraph from a browser (CORS, without credentials). Empty: no
    /// CORS headers at all.
    pub cors_allowed_origins: Vec<String>,
}

impl Default for SiteOptions {
    fn default() -> Self {
        SiteOptions {
            public_url: None,
            secure_cookies: false,
            introspection: true,
            smtp: None,
            cors_allowed_origins: Vec::new(),
        }
    }
}

impl AppState {
    /// Loads the capability catalog from a migrated database and builds the schema.
    pub async fn new(db: DatabaseConnection) -> Result<Self, DbErr> {
        Self::with_site(db, SiteOptions::default()).await
    }

    /// [`AppState::new`] with `site`'s options.
    pub async fn with_site(db: DatabaseConnection, site: SiteOptions) -> Result<Self, DbErr> {
        Self::with_options(db, site, KeyRows::Kept).await
    }

    /// [`AppState::with_site`], keeping key rows between requests or not.
    pub async fn with_options(db: DatabaseConnection, site: SiteOptions, key_rows: KeyRows) -> Result<Self, DbErr> {
        let catalog = Arc::new(domain::catalog::load(&db).await?);
        let reads = Reads::new(&db);
        let key_check = Arc::new(KeyCheck::with_reads(&reads, key_rows).await);
        let services =
            Services { db: db.clone(), reads: reads.clone(), catalog: catalog.clone(), key_check: key_check.clone() };
        let schema = graphql::build_schema_with(services.clone(), site.introspection, ValidationMode::Strict);
        let validated_schema = graphql::build_schema_with(services, site.introspection, ValidationMode::Fast);
        Ok(AppState {
            db,
            catalog,
            schema,
            validated_schema,
            access_cache: Arc::new(AccessCache::default()),
            key_check,
            reads,
            site: Arc::new(site),
        })
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then finishes the requests in flight.
/// Each request carries its peer's address (axum's `ConnectInfo`), by which failed key attempts
/// are throttled.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "AccessGraph listening; GraphQL at http://{addr}/graphql");
    }
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
