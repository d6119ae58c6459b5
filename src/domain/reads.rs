//! Where a read outside any transaction runs, and how its rows are read.
//!
//! sqlx hands each SQLite statement to a worker thread of its connection and back, and copies
//! every value of every row on the way (`sqlite3_value_dup`). For the key check (one row) the
//! hand-offs were most of a guarded request's cost; for a 500-user page with its groups, the
//! worker thread was 23% of the process's CPU (README, "Performance"). On the embedded SQLite
//! file, such reads run on the request's own thread instead, over a connection of a small set
//! kept for them ([`EmbeddedReaders`]), and each row is read straight from SQLite's. Where that
//! connection cannot answer at once (a busy or locked database, an I/O error, a value it does not
//! bind), the read goes through the pool, as on PostgreSQL.
//!
//! Only what a request reads outside any transaction, in bounded amounts (a page of a list, the
//! relations of a page's rows, a key), goes this way: [`Reads`] is handed to those readers;
//! a transaction ([`sea_orm::DatabaseTransaction`]) always reads through its own connection, and
//! so sees its own writes.
//!
//! Freshness is the same either way: the statement begins after the request arrived and sees
//! every transaction committed before it began (in SQLite's WAL mode, by any connection of any
//! process).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use sea_orm::sea_query::OptionEnum;
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    Value,
};

use super::rows::Driver;

/// A connection or transaction whose reads may run on the embedded SQLite file's own connections.
pub trait ReadRows: ConnectionTrait {
    /// The connections to read on, when reads may use them.
    fn embedded(&self) -> Option<&EmbeddedReaders> {
        None
    }
}

impl ReadRows for DatabaseConnection {}

impl ReadRows for DatabaseTransaction {}

/// The database, for reads outside any transaction: on a SQLite file, on the request's thread
/// ([`EmbeddedReaders`]); otherwise, and for every write, through the pool.
#[derive(Clone)]
pub struct Reads {
    db: DatabaseConnection,
    embedded: Option<Arc<EmbeddedReaders>>,
}

impl Reads {
    /// Reads of `db`; on a SQLite file, on the request's thread over connections of their own.
    pub fn new(db: &DatabaseConnection) -> Self {
        let embedded = match db.get_database_backend() {
            DbBackend::Sqlite => EmbeddedReaders::for_pool(db.get_sqlite_connection_pool()).map(Arc::new),
            _ => None,
        };
        Reads { db: db.clone(), embedded }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Statements run so far on its connections on the request's thread. SeaORM's metric
    /// callback counts only the pool's: this is what a count of statements per request adds.
    pub fn direct_statements(&self) -> u64 {
        self.embedded.as_ref().map_or(0, |embedded| embedded.statements())
    }

    /// The connections it reads on, to share them ([`crate::auth::key_check`]).
    pub(crate) fn embedded_readers(&self) -> Option<Arc<EmbeddedReaders>> {
        self.embedded.clone()
    }
}

impl ReadRows for Reads {
    fn embedded(&self) -> Option<&EmbeddedReaders> {
        self.embedded.as_deref()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Reads {
    fn get_database_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.db.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.db.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.db.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.db.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.db.support_returning()
    }
}

/// The rows of `statement`, each read by `read`: on `db`'s embedded connections when it has them
/// and one answers, otherwise through `db`. `read` may be called again for the same rows (when an
/// embedded connection failed part-way and the pool reads them again): it may keep what it found
/// on an earlier row of the statement (where its columns are), nothing more.
pub(crate) async fn rows<T>(
    db: &impl ReadRows,
    statement: Statement,
    mut read: impl FnMut(Driver<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, DbErr> {
    if let Some(embedded) = db.embedded()
        && let Some(answer) = embedded.read(&statement, &mut read)
    {
        return answer;
    }
    let rows = db.query_all_raw(statement).await?;
    Driver::each(&rows).map(|row| read(row?)).collect()
}

/// Connections to the SQLite file kept for reads on the request's thread. One is taken for a
/// statement and put back after it; there are never more than the threads reading at once.
pub struct EmbeddedReaders {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    statements: AtomicU64,
}

/// Connections kept idle at most (the runtime has one worker thread per core).
const MAX_IDLE_READERS: usize = 16;

/// Statements each connection keeps prepared: the key check's, and the pages' and their
/// relations' (whose SQL changes with a page's filters and, on SQLite, its number of ids).
const PREPARED_PER_READER: usize = 64;

/// Why an embedded read did not answer.
enum Failed {
    /// SQLite could not run the statement now: the pool runs it.
    Sqlite(rusqlite::Error),
    /// A row could not be read: the read's answer.
    Read(DbErr),
}

impl EmbeddedReaders {
    fn for_pool(pool: &sea_orm::sqlx::SqlitePool) -> Option<Self> {
        let options = pool.connect_options();
        let path = options.get_filename();
        // An in-memory database (sqlx names it `file:sqlx-in-memory-N`) is private to the pool's
        // connections: only a file can be read from here.
        let name = path.to_string_lossy();
        if name.is_empty() || name.starts_with(":memory:") || name.starts_with("file:") {
            return None;
        }
        Some(EmbeddedReaders { path: path.to_owned(), idle: Mutex::new(Vec::new()), statements: AtomicU64::new(0) })
    }

    /// Statements run so far on these connections. SeaORM's metric callback counts only the
    /// pool's: this is what a count of statements per request adds.
    pub(crate) fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// `Some(answer)`, or `None` when no connection of its own could run `statement` (the pool
    /// then does).
    pub(crate) fn read<T>(
        &self,
        statement: &Statement,
        read: &mut impl FnMut(Driver<'_>) -> Result<T, DbErr>,
    ) -> Option<Result<Vec<T>, DbErr>> {
        let params = bound(statement)?;
        let taken = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let conn = match taken {
            Some(conn) => conn,
            None => match self.open() {
                Ok(conn) => conn,
                Err(error) => {
                    tracing::warn!(%error, "opening an embedded reading connection failed; using the pool");
                    return None;
                }
            },
        };
        self.statements.fetch_add(1, Ordering::Relaxed);
        let answer = match run(&conn, &statement.sql, params, read) {
            Ok(rows) => Ok(rows),
            Err(Failed::Read(error)) => Err(error),
            Err(Failed::Sqlite(error)) => {
                // A busy database answers through the pool, which waits; the connection is dropped.
                tracing::debug!(%error, "embedded read did not answer; using the pool");
                return None;
            }
        };
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        Some(answer)
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // It only reads, and never waits on the request's thread for a lock. A page cache of
        // 2 MiB (SQLite's default) holds a 10,000-user directory's users and memberships.
        conn.pragma_update(None, "query_only", true)?;
        conn.busy_timeout(Duration::ZERO)?;
        conn.set_prepared_statement_cache_capacity(PREPARED_PER_READER);
        Ok(conn)
    }
}

fn run<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: Vec<rusqlite::types::Value>,
    read: &mut impl FnMut(Driver<'_>) -> Result<T, DbErr>,
) -> Result<Vec<T>, Failed> {
    let mut stmt = conn.prepare_cached(sql).map_err(Failed::Sqlite)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(params)).map_err(Failed::Sqlite)?;
    let mut read_rows = Vec::new();
    while let Some(row) = rows.next().map_err(Failed::Sqlite)? {
        read_rows.push(read(Driver::Embedded(row)).map_err(Failed::Read)?);
    }
    Ok(read_rows)
}

/// `statement`'s values as rusqlite binds them, as sqlx binds them on SQLite; `None` when one is
/// of a type this does not bind (the pool then runs the statement).
fn bound(statement: &Statement) -> Option<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value as V;
    let Some(values) = &statement.values else { return Some(Vec::new()) };
    let integer = |value: Option<i64>| value.map_or(V::Null, V::Integer);
    values
        .0
        .iter()
        .map(|value| {
            Some(match value {
                Value::Bool(b) => integer(b.map(i64::from)),
                Value::TinyInt(i) => integer(i.map(i64::from)),
                Value::SmallInt(i) => integer(i.map(i64::from)),
                Value::Int(i) => integer(i.map(i64::from)),
                Value::BigInt(i) => integer(*i),
                Value::TinyUnsigned(i) => integer(i.map(i64::from)),
                Value::SmallUnsigned(i) => integer(i.map(i64::from)),
                Value::Unsigned(i) => integer(i.map(i64::from)),
                Value::BigUnsigned(i) => match i {
                    Some(i) => V::Integer(i64::try_from(*i).ok()?),
                    None => V::Null,
                },
                Value::Float(f) => f.map_or(V::Null, |f| V::Real(f64::from(f))),
                Value::Double(d) => d.map_or(V::Null, V::Real),
                Value::String(s) => s.clone().map_or(V::Null, V::Text),
                Value::Enum(OptionEnum::Some(e)) => V::Text(e.value.clone().into_owned()),
                Value::Enum(OptionEnum::None(_)) => V::Null,
                Value::Char(c) => c.map_or(V::Null, |c| V::Text(c.to_string())),
                Value::Bytes(b) => b.clone().map_or(V::Null, V::Blob),
                _ => return None,
            })
        })
        .collect()
}
