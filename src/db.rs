//! Connecting to the database and migrating it.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, TransactionTrait};

/// The embedded default: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://accessgraph.db?mode=rwc";

/// SQLite gains nothing from more connections than this: writes are serialized anyway.
const SQLITE_MAX_CONNECTIONS: u32 = 4;

/// Connection options for `url`. SQLite: WAL, synchronous NORMAL, foreign keys, a busy timeout
/// and a small pool (SeaORM would otherwise give SQLite a single connection, on which a query made
/// while a transaction is open waits forever). Statement logging is off (it would log every query
/// at INFO).
pub fn connect_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite:");
    opts.max_connections(if sqlite { max_connections.min(SQLITE_MAX_CONNECTIONS) } else { max_connections })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // A session that leaves a transaction open (a request cancelled mid-change) is ended
        // rather than left holding its locks, and no statement waits for a lock forever.
        .map_sqlx_postgres_opts(|o| {
            o.options([("idle_in_transaction_session_timeout", "30s"), ("lock_timeout", "15s")])
        })
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // How long a write waits for another writer's lock. Changes begin with
                // `BEGIN IMMEDIATE` (`domain::in_transaction`), so they wait here rather than fail.
                .busy_timeout(Duration::from_secs(10))
        });
    opts
}

pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    Database::connect(connect_options(url, max_connections)).await
}

/// Applies pending migrations in one transaction. On PostgreSQL an advisory lock makes processes
/// that start together against one database migrate one after the other; on SQLite the write
/// transaction (`BEGIN IMMEDIATE`) does.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let txn = db.begin_with_options(crate::domain::write_transaction()).await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SELECT pg_advisory_xact_lock(7141592653)").await?;
    }
    Migrator::up(&txn, None).await?;
    txn.commit().await
}
