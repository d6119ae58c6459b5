//! The statement that checks a user key, and where it runs.
//!
//! Every request with a key runs it, so it runs the cheapest way the backend allows:
//! - on the embedded SQLite file, on the request's own thread, over a connection of a small set
//!   kept for such reads ([`crate::domain::reads`]). sqlx hands each SQLite statement to a worker
//!   thread of its connection and back (two thread wake-ups), which was most of what a guarded
//!   request cost (README, "Performance"); the statement itself is an indexed lookup of one row
//!   that takes microseconds. Where that connection cannot answer at once (a busy or locked
//!   database, an I/O error), the check goes through the pool;
//! - on PostgreSQL, coalesced ([`Coalescer`]): key checks that arrive while another is in flight
//!   are answered together by one statement for all their keys. Under load a few statements serve
//!   many requests; a request alone goes to the database at once. The statements run on
//!   connections kept for them, out of the pool: sqlx's pool sends a `Sync` to every connection
//!   handed back to it and waits for the answer, a second round trip for every statement (README,
//!   "Performance"). Rows found are kept between requests ([`KeyCache`]), served only while
//!   this instance holds its lease, and emptied by every change to the tables the statement reads,
//!   whichever instance made it ([`Peers`]).
//!
//! Freshness is the same either way: a request's key is read by a statement that begins after the
//! request arrived, and sees every transaction committed before it began (in SQLite's WAL mode
//! too, by any connection of any process); or from a row kept on PostgreSQL, which no write has
//! changed since, or the write would not have been acknowledged yet ([`Peers`]). So a revoked key,
//! a deactivated user or a new access version applies to the very next request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use chrono::{DateTime, Utc};
use entity::{organization, user};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement};
use sea_orm::sqlx::{self, PgConnection};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement, Value};
use tokio::sync::{Semaphore, oneshot};

use super::key_cache::KeyCache;
use super::peers::Peers;
use super::{ORGANIZATION_PREFIX, USER_PREFIX, select_organization, select_user};
use crate::domain::reads::{EmbeddedReaders, Reads};
use crate::domain::rows::{self, Driver, UserColumns};

/// What the key check reads in its one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRow {
    pub key_id: String,
    pub key_hash: String,
    pub key_account_id: i32,
    pub user: user::Model,
    /// The user's organization, its access version included.
    pub organization: organization::Model,
}

/// Whether an instance on PostgreSQL keeps the key check's rows between requests ([`KeyCache`],
/// [`Peers`]). On SQLite the check runs on the request's thread, and nothing is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRows {
    /// What a server does.
    Kept,
    /// Read on every request: what the in-process tests use, whose fixtures write through the
    /// domain layer and count statements per request (the first request of a key would cost one
    /// more than the next).
    Read,
}

/// Runs the key check for one [`crate::AppState`].
pub struct KeyCheck {
    /// On a SQLite file, the connections it reads on, on the request's thread.
    embedded: Option<Arc<EmbeddedReaders>>,
    pooled: Arc<Coalescer>,
    /// On PostgreSQL: key rows kept between requests, and the instances that keep them fresh.
    kept: Option<(Arc<KeyCache>, Arc<Peers>)>,
}

impl KeyCheck {
    /// The key check for `db`: on a SQLite file, in-thread over connections of its own; otherwise
    /// through the pool.
    pub async fn for_connection(db: &DatabaseConnection, key_rows: KeyRows) -> Self {
        Self::with_reads(&Reads::new(db), key_rows).await
    }

    /// The key check of `reads`' database, reading where `reads` does (the statements it counts
    /// include those of every other read sharing its connections).
    pub async fn with_reads(reads: &Reads, key_rows: KeyRows) -> Self {
        let db = reads.db();
        let kept = match (db.get_database_backend(), key_rows) {
            (DbBackend::Postgres, KeyRows::Kept) => {
                let cache = Arc::new(KeyCache::default());
                match Peers::start(db.get_postgres_connection_pool(), cache.clone()).await {
                    Ok(peers) => Some((cache, peers)),
                    Err(error) => {
                        tracing::warn!(%error, "key rows will not be kept between requests");
                        None
                    }
                }
            }
            _ => None,
        };
        KeyCheck { embedded: reads.embedded_readers(), pooled: Arc::default(), kept }
    }

    /// Always through the pool (what every backend falls back to).
    pub fn pooled() -> Self {
        KeyCheck { embedded: None, pooled: Arc::default(), kept: None }
    }

    /// The row of the key whose hash is `hash`, of an active user, if there is one.
    pub async fn row(&self, db: &DatabaseConnection, hash: &str) -> Result<Option<KeyRow>, DbErr> {
        if let Some(embedded) = &self.embedded
            && let Some(answer) = embedded.read(&statement(DbBackend::Sqlite, &[hash]), &mut key_row)
        {
            return answer.map(|rows| rows.into_iter().next());
        }
        let Some((cache, _)) = &self.kept else {
            return self.pooled.row(db, hash).await;
        };
        if let Some(row) = cache.get(hash) {
            return Ok(Some(row));
        }
        let generation = cache.generation();
        let row = self.pooled.row(db, hash).await?;
        if let Some(row) = &row {
            cache.insert(generation, row.clone());
        }
        Ok(row)
    }

    /// Records in a kept row that its user's activity was written at `at`.
    pub fn activity_written(&self, hash: &str, at: DateTime<Utc>) {
        if let Some((cache, _)) = &self.kept {
            cache.touch(hash, at);
        }
    }

    /// Gives up this instance's lease at once, so that no write waits for it (a server that
    /// stops). Without it, its lease runs out by itself.
    pub async fn leave(&self) {
        if let Some((_, peers)) = &self.kept {
            peers.leave().await;
        }
    }

    /// Returns once no instance can serve a key row read before what this request wrote (see
    /// [`Peers`]). Every request that may have written calls it before it answers.
    pub async fn after_write(&self) {
        if let Some((_, peers)) = &self.kept {
            peers.after_write().await;
        }
    }

    /// Statements run outside the pool so far: on the SQLite file's connections on the request's
    /// thread (the key check's and every other read sharing them, [`Reads`]), on the connections
    /// the key check keeps out of the pool, and those of [`KeyCheck::after_write`]. SeaORM's
    /// metric callback counts only the pool's statements: this is what a count of statements per
    /// request adds.
    pub fn direct_statements(&self) -> u64 {
        self.embedded.as_ref().map_or(0, |embedded| embedded.statements())
            + self.pooled.statements.load(Ordering::Relaxed)
            + self.kept.as_ref().map_or(0, |(_, peers)| peers.statements())
    }
}

/// Where the key check's columns are in its rows (found once per statement, by name).
struct KeyColumns {
    key: [usize; 3],
    user: UserColumns,
    organization: rows::OrganizationColumns,
}

impl KeyColumns {
    fn find(row: Driver<'_>) -> Result<Self, DbErr> {
        Ok(KeyColumns {
            key: row.positions(["key_id", "key_hash", "key_account_id"])?,
            user: UserColumns::find(row, USER_PREFIX)?,
            organization: rows::OrganizationColumns::find(row, ORGANIZATION_PREFIX)?,
        })
    }

    fn read(&self, row: Driver<'_>) -> Result<KeyRow, DbErr> {
        Ok(KeyRow {
            key_id: row.get(self.key[0])?,
            key_hash: row.get(self.key[1])?,
            key_account_id: row.get(self.key[2])?,
            user: self.user.read(row)?,
            organization: self.organization.read(row)?,
        })
    }
}

/// The key rows of a statement's rows.
fn key_rows<'a>(rows: impl IntoIterator<Item = Driver<'a>>) -> Result<Vec<KeyRow>, DbErr> {
    rows.into_iter().map(key_row).collect()
}

/// The key row of one of the statement's rows. The statement's SQL is the same for every request
/// ([`statement`]), so its columns are found once per driver.
fn key_row(row: Driver<'_>) -> Result<KeyRow, DbErr> {
    static FOUND: [OnceLock<KeyColumns>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
    let found = &FOUND[match row {
        Driver::Sqlite(_) => 0,
        Driver::Postgres(_) | Driver::PostgresChecked(_) => 1,
        Driver::Embedded(_) => 2,
    }];
    let columns = match found.get() {
        Some(columns) => columns,
        None => {
            let columns = KeyColumns::find(row)?;
            found.get_or_init(|| columns)
        }
    };
    columns.read(row)
}

fn pooled_rows(rows: &[QueryResult]) -> Result<Vec<KeyRow>, DbErr> {
    key_rows(rows.iter().map(Driver::of).collect::<Result<Vec<_>, _>>()?)
}

/// Key checks through the database's server, coalesced: the first key to arrive starts a batch
/// and a task that runs it as soon as one of [`COALESCED_IN_FLIGHT`] statements may start; keys
/// arriving until then join it. The statement begins after every key of its batch arrived, so it
/// reads what was committed before each of their requests.
///
/// On PostgreSQL the statements run on connections of their own ([`COALESCED_IN_FLIGHT`] at
/// most, taken from the pool once and kept out of it): the pool sends every connection handed
/// back to it a `Sync` and waits for the server's answer before another statement may use it,
/// which doubled the round trips of the key check, and the server's work for it. A kept
/// connection that fails is closed, and that batch goes through the pool.
struct Coalescer {
    pending: Mutex<Batch>,
    in_flight: Semaphore,
    connections: Mutex<Vec<PgConnection>>,
    statements: AtomicU64,
}

impl Default for Coalescer {
    fn default() -> Self {
        Coalescer {
            pending: Mutex::default(),
            in_flight: Semaphore::new(COALESCED_IN_FLIGHT),
            connections: Mutex::default(),
            statements: AtomicU64::new(0),
        }
    }
}

#[derive(Default)]
struct Batch {
    hashes: Vec<String>,
    waiters: Vec<oneshot::Sender<Result<Option<KeyRow>, String>>>,
}

/// Key-check statements in flight at once. Measured with 8 clients on PostgreSQL (README,
/// "Performance"): on connections kept for the key check, one in flight gave batches of three
/// keys and 21,000-23,000 requests/s; two, batches under two and 13,500-16,000; three, 7,300-8,300.
/// Every statement costs the server and this process far more than one more key in it.
const COALESCED_IN_FLIGHT: usize = 1;

/// Keys in one statement at most; a key arriving at a full batch has a statement of its own.
const MAX_BATCH: usize = 64;

impl Coalescer {
    async fn row(self: &Arc<Self>, db: &DatabaseConnection, hash: &str) -> Result<Option<KeyRow>, DbErr> {
        let (sender, answer) = oneshot::channel();
        let leads = {
            let mut batch = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            if batch.hashes.len() >= MAX_BATCH {
                None
            } else {
                batch.hashes.push(hash.to_owned());
                batch.waiters.push(sender);
                Some(batch.hashes.len() == 1)
            }
        };
        match leads {
            None => {
                let rows = db.query_all_raw(statement(db.get_database_backend(), &[hash])).await?;
                Ok(pooled_rows(&rows)?.into_iter().next())
            }
            Some(leads) => {
                if leads {
                    // A task of its own, so that a request that goes away does not strand the others.
                    let (coalescer, db) = (self.clone(), db.clone());
                    tokio::spawn(async move { coalescer.run(&db).await });
                }
                match answer.await {
                    Ok(answer) => answer.map_err(DbErr::Custom),
                    Err(_) => Err(DbErr::Custom("the key check ended without an answer".to_owned())),
                }
            }
        }
    }

    async fn run(&self, db: &DatabaseConnection) {
        // The semaphore is never closed.
        let _permit = self.in_flight.acquire().await.ok();
        let Batch { hashes, waiters } =
            std::mem::take(&mut *self.pending.lock().unwrap_or_else(PoisonError::into_inner));
        if hashes.is_empty() {
            return;
        }
        // Clients that share a key (a CI job's parallel steps) send it many times at once.
        let mut keys: Vec<&str> = hashes.iter().map(String::as_str).collect();
        keys.sort_unstable();
        keys.dedup();
        let found = self
            .rows(db, &keys)
            .await
            .map(|rows| rows.into_iter().map(|row| (row.key_hash.clone(), row)).collect::<HashMap<_, _>>());
        for (hash, waiter) in hashes.iter().zip(waiters) {
            let answer = match &found {
                Ok(rows) => Ok(rows.get(hash).cloned()),
                Err(error) => Err(error.to_string()),
            };
            // A waiter that went away (its request was cancelled) needs no answer.
            let _ = waiter.send(answer);
        }
    }

    /// The rows of `hashes`: on PostgreSQL over a kept connection, or else through the pool.
    async fn rows(&self, db: &DatabaseConnection, hashes: &[&str]) -> Result<Vec<KeyRow>, DbErr> {
        let backend = db.get_database_backend();
        let statement = statement(backend, hashes);
        if backend == DbBackend::Postgres {
            match self.kept_connection_rows(db, &statement).await {
                Ok(rows) => return Ok(rows),
                Err(error) => tracing::warn!(%error, "the key check's own connection failed; using the pool"),
            }
        }
        pooled_rows(&db.query_all_raw(statement).await?)
    }

    async fn kept_connection_rows(&self, db: &DatabaseConnection, statement: &Statement) -> Result<Vec<KeyRow>, DbErr> {
        let taken = self.connections.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let mut conn = match taken {
            Some(conn) => conn,
            None => db.get_postgres_connection_pool().acquire().await.map_err(driver_error)?.detach(),
        };
        // The SQL is this module's own ([`build`]); the hashes are bound.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(statement.sql.as_str()));
        for value in statement.values.iter().flat_map(|values| &values.0) {
            query = match value {
                Value::String(Some(s)) => query.bind(s.as_str()),
                Value::Bool(Some(b)) => query.bind(*b),
                other => return Err(DbErr::Custom(format!("the key check binds no {other:?}"))),
            };
        }
        self.statements.fetch_add(1, Ordering::Relaxed);
        // On an error the connection is dropped, not kept: it may be broken.
        let rows = query.fetch_all(&mut conn).await.map_err(driver_error)?;
        let read = key_rows(rows.iter().map(Driver::Postgres));
        let mut kept = self.connections.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < COALESCED_IN_FLIGHT {
            kept.push(conn);
        }
        read
    }
}

fn driver_error(error: sqlx::Error) -> DbErr {
    DbErr::Custom(format!("key check: {error}"))
}

/// The statement that checks user keys: for each key found, the key, its user, the user's
/// organization and its access version, in one row. Its SQL is built once per backend and number
/// of keys (it is the same for every request); only the hashes change. On PostgreSQL it has one
/// shape whatever the number of keys: one parameter lists them all (a hash is hexadecimal), so
/// each connection prepares it once and the server keeps its plan.
fn statement(backend: DbBackend, hashes: &[&str]) -> Statement {
    type Built = Arc<(String, Vec<Value>, Vec<usize>)>;
    static BUILT: OnceLock<Mutex<HashMap<(bool, usize), Built>>> = OnceLock::new();
    let postgres = backend == DbBackend::Postgres;
    let slots = if postgres { 1 } else { hashes.len() };
    let built = {
        let mut built = BUILT.get_or_init(Mutex::default).lock().unwrap_or_else(PoisonError::into_inner);
        built.entry((postgres, slots)).or_insert_with(|| Arc::new(build(backend, slots))).clone()
    };
    let (sql, values, hash_at) = &*built;
    let mut values = values.clone();
    let listed;
    let hashes = if postgres {
        listed = [hashes.join(",")];
        &listed.each_ref().map(String::as_str)[..]
    } else {
        hashes
    };
    for (at, hash) in hash_at.iter().zip(hashes) {
        if let Some(value) = values.get_mut(*at) {
            *value = Value::from(*hash);
        }
    }
    Statement::from_sql_and_values(backend, sql.clone(), values)
}

/// The SQL for `keys` keys, its values with a placeholder for each hash, and where they are.
fn build(backend: DbBackend, keys: usize) -> (String, Vec<Value>, Vec<usize>) {
    let placeholder = |i: usize| format!("\u{0}key hash {i}\u{0}");
    let stmt = select(backend, (0..keys).map(placeholder).collect());
    let built = backend.build(&stmt);
    let values = built.values.map(|values| values.0).unwrap_or_default();
    let hash_at = (0..keys)
        .map(|i| {
            let wanted = placeholder(i);
            values
                .iter()
                .position(|value| matches!(value, Value::String(Some(s)) if *s == wanted))
                .unwrap_or(usize::MAX)
        })
        .collect();
    (built.sql, values, hash_at)
}

fn select(backend: DbBackend, hashes: Vec<String>) -> SelectStatement {
    let (k, u, d, o) = (Alias::new("k"), Alias::new("u"), Alias::new("d"), Alias::new("o"));
    let mut stmt = Query::select();
    stmt.expr_as(Expr::col((k.clone(), Alias::new("id"))), Alias::new("key_id"))
        .expr_as(Expr::col((k.clone(), Alias::new("key_hash"))), Alias::new("key_hash"))
        .expr_as(Expr::col((k.clone(), Alias::new("account_id"))), Alias::new("key_account_id"));
    select_user(&mut stmt, u.clone());
    select_organization(&mut stmt, o.clone());
    let key_hash = Expr::col((k.clone(), Alias::new("key_hash")));
    let matches = match &hashes[..] {
        [listed] if backend == DbBackend::Postgres => {
            Expr::cust_with_values(r#""k"."key_hash" = ANY(string_to_array($1, ','))"#, [listed.clone()])
        }
        [one] => key_hash.eq(one.clone()),
        _ => key_hash.is_in(hashes),
    };
    stmt.from_as(Alias::new("api_keys"), k.clone())
        .join_as(
            JoinType::InnerJoin,
            Alias::new("users"),
            u.clone(),
            Expr::col((u.clone(), Alias::new("id"))).equals((k.clone(), Alias::new("user_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            Alias::new("authentication_domains"),
            d.clone(),
            Expr::col((d.clone(), Alias::new("id"))).equals((u.clone(), Alias::new("authentication_domain_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            Alias::new("organizations"),
            o.clone(),
            Expr::col((o, Alias::new("id"))).equals((d, Alias::new("organization_id"))),
        )
        .and_where(matches)
        .and_where(Expr::col((k, Alias::new("key_type"))).eq("USER"))
        .and_where(Expr::col((u, Alias::new("active"))).eq(true));
    stmt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_check_binds_each_request_s_hash_to_the_sql_built_once() {
        let values = |statement: &Statement| statement.values.clone().map(|values| values.0).unwrap_or_default();
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let first = statement(backend, &["first-hash"]);
            let second = statement(backend, &["second-hash"]);
            assert_eq!(first.sql, second.sql);
            assert!(values(&first).contains(&Value::from("first-hash")), "{backend:?}: {:?}", values(&first));
            assert!(values(&second).contains(&Value::from("second-hash")));
            assert!(!values(&second).contains(&Value::from("first-hash")));
            assert!(values(&second).contains(&Value::from("USER")));
        }
        // SQLite: one parameter per key.
        let three = statement(DbBackend::Sqlite, &["a", "b", "c"]);
        assert_ne!(three.sql, statement(DbBackend::Sqlite, &["a"]).sql);
        for hash in ["a", "b", "c"] {
            assert!(values(&three).contains(&Value::from(hash)), "{:?}", values(&three));
        }
        assert_eq!(statement(DbBackend::Sqlite, &["d", "e", "f"]).sql, three.sql);
        // PostgreSQL: one shape whatever the number of keys, the first parameter listing them.
        let three = statement(DbBackend::Postgres, &["a", "b", "c"]);
        assert_eq!(three.sql, statement(DbBackend::Postgres, &["a"]).sql);
        assert!(three.sql.contains(r#""k"."key_hash" = ANY(string_to_array($1, ','))"#), "{}", three.sql);
        assert_eq!(values(&three), [Value::from("a,b,c"), Value::from("USER"), Value::from(true)]);
    }
}
