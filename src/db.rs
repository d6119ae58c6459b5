//! Connecting to the database and migrating it.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, TransactionTrait};

/// The embedded default: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://accessgraph.db?mode=rwc";

/// SQLite gains nothing from more connections than this: writes are serialized anyway.
const SQLITE_MAX_CONNECTIONS: u32 = 4;

/// Rows a SQLite statement may queue for its reader: a whole page of 500 and then some.
const SQLITE_ROW_BUFFER: usize = 1024;

/// How long a pooled connection may sit idle before it is checked (pinged) when it is next used.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(30);

/// Connection options for `url`. SQLite: WAL, synchronous NORMAL, foreign keys, a busy timeout
/// and a small pool (SeaORM would otherwise give SQLite a single connection, on which a query made
/// while a transaction is open waits forever). Statement logging is off (it would log every query
/// at INFO).
///
/// Durability on SQLite. WAL with `synchronous = NORMAL` keeps every committed transaction when the
/// *process* dies, SIGKILL included: a commit returns only once its pages and commit frame are
/// written to the `-wal` file, which then lives in the operating system's page cache whatever
/// happens to the process, and the next connection replays it. So a change the API acknowledged
/// survives a crash or a kill (`tests/durability.rs` kills the server in a burst of writes and
/// checks). What NORMAL gives up is the *power loss or OS crash* case: the WAL is fsynced only at
/// checkpoints, so the last transactions before the loss may be rolled back (the database stays
/// consistent, never corrupt). `synchronous = FULL` would fsync the WAL on every commit and keep
/// those too, at one fsync per write transaction, and SQLite's writes are serialized: measured on
/// the 2-core development machine, a bare SQLite commit took 0.05-0.1 ms with NORMAL and 3.2-3.8 ms
/// with FULL (about 300 write transactions/s at most). We keep NORMAL; a deployment that must not
/// lose a write to a power cut should use PostgreSQL (which, with its default
/// `synchronous_commit = on`, flushes its WAL at each commit).
pub fn connect_options(url: &str, max_connections: u32) -> ConnectOptions {
    let mut opts = ConnectOptions::new(url.to_owned());
    let sqlite = url.starts_with("sqlite:");
    opts.max_connections(if sqlite { max_connections.min(SQLITE_MAX_CONNECTIONS) } else { max_connections })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // sqlx pings every connection it hands out by default: a second round trip (on SQLite, a
        // second hand-off to the connection's worker thread) for every statement. Only a
        // connection idle long enough for a server restart, a proxy or a firewall to have dropped
        // it is pinged.
        .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
        .map_sqlx_postgres_opts(postgres_session)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                // Enough for a process crash, not for a power cut: see above.
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                // How long a write waits for another writer's lock. Changes begin with
                // `BEGIN IMMEDIATE` (`domain::in_transaction`), so they wait here rather than fail.
                .busy_timeout(Duration::from_secs(10))
                // Rows come back from the connection's worker thread through a bounded channel;
                // at sqlx's default of 50 a 500-row page stops the worker ten times to wait for
                // the reader. A page fits whole.
                .row_buffer_size(SQLITE_ROW_BUFFER)
        });
    opts
}

/// A session that leaves a transaction open (a request cancelled mid-change) is ended rather than
/// left holding its locks, and no statement waits for a lock forever.
fn postgres_session(options: PgConnectOptions) -> PgConnectOptions {
    options.options([("idle_in_transaction_session_timeout", "30s"), ("lock_timeout", "15s")])
}

/// Connects to `url`. A PostgreSQL server on this host (loopback or a socket) that the URL and
/// `PGSSLMODE` leave the TLS choice to is first tried without TLS, and with the URL's own
/// (`prefer`) mode if it refuses: libpq's `allow`, which sqlx does not implement. Traffic that does
/// not leave the host gains nothing from encryption, and TLS cost about a sixth of a guarded
/// request's throughput there (README, "Performance"). A URL that names an `sslmode` is followed
/// as it is.
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    connect_with(url, connect_options(url, max_connections)).await
}

/// [`connect`] with `options` made from [`connect_options`] for `url` (and, say, a schema of its own).
pub async fn connect_with(url: &str, options: ConnectOptions) -> Result<DatabaseConnection, DbErr> {
    if plaintext_first(url, std::env::var_os("PGSSLMODE").is_some()) {
        let mut plaintext = options.clone();
        plaintext.map_sqlx_postgres_opts(|o| postgres_session(o).ssl_mode(PgSslMode::Disable));
        if let Ok(db) = Database::connect(plaintext).await {
            return Ok(db);
        }
    }
    Database::connect(options).await
}

/// Whether a connection to `url` should try plaintext first: a PostgreSQL URL whose host is this
/// one and which, like the environment (`ssl_mode_in_env`), leaves TLS to the default.
fn plaintext_first(url: &str, ssl_mode_in_env: bool) -> bool {
    if ssl_mode_in_env || !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return false;
    }
    let Ok(parsed) = url::Url::parse(url) else { return false };
    let names_mode = parsed
        .query_pairs()
        .any(|(key, _)| key.eq_ignore_ascii_case("sslmode") || key.eq_ignore_ascii_case("ssl-mode"));
    let socket = parsed.query_pairs().any(|(key, _)| key == "host");
    // A `postgres:` URL's host is opaque to the URL standard: an IPv4 address comes as a name.
    let local = match parsed.host() {
        Some(url::Host::Domain(name)) => {
            name.is_empty()
                || name.eq_ignore_ascii_case("localhost")
                || name.parse::<std::net::IpAddr>().is_ok_and(|address| address.is_loopback())
        }
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => true,
    };
    !names_mode && (local || socket)
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

#[cfg(test)]
mod tests {
    use super::plaintext_first;

    #[test]
    fn plaintext_is_tried_first_only_on_this_host_and_when_nothing_names_a_mode() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgresql://u:p@localhost/db",
            "postgres://u@[::1]:5432/db",
            "postgres://u@127.0.0.2/db",
            "postgres:///db?host=/var/run/postgresql",
        ] {
            assert!(plaintext_first(url, false), "{url}");
        }
        for url in [
            "postgres://postgres@127.0.0.1:5432/test?sslmode=prefer",
            "postgres://postgres@127.0.0.1:5432/test?sslmode=require",
            "postgres://postgres@localhost/test?SSLMODE=verify-full",
            "postgres://postgres@localhost/test?ssl-mode=require",
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.5/db",
            "sqlite://accessgraph.db?mode=rwc",
            "not a url",
        ] {
            assert!(!plaintext_first(url, false), "{url}");
        }
        assert!(!plaintext_first("postgres://postgres@127.0.0.1:5432/test", true), "PGSSLMODE is followed");
    }
}
