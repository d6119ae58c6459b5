//! AccessGraph: a NerdGraph-compatible GraphQL service for identity and access management.
//!
//! `main.rs` parses the command line and calls into here; the tests build the same app with
//! [`AppState::new`] and [`http::router`]. Data flows `http -> auth -> graphql -> domain -> entity`,
//! and every permission decision is made by [`access`].

pub mod access;
pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod graphql;
pub mod http;
pub mod scim;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;

use crate::access::Catalog;
use crate::graphql::{AppSchema, Services};

/// What every request handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub catalog: Arc<Catalog>,
    pub schema: AppSchema,
}

impl AppState {
    /// Loads the capability catalog from a migrated database and builds the schema.
    pub async fn new(db: DatabaseConnection) -> Result<Self, DbErr> {
        let catalog = Arc::new(domain::catalog::load(&db).await?);
        let schema = graphql::build_schema(Services { db: db.clone(), catalog: catalog.clone() });
        Ok(AppState { db, catalog, schema })
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
