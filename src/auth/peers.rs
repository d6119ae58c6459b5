//! Instances sharing one PostgreSQL, and why a key row one of them keeps ([`super::key_cache`]) is
//! never served after a change that another has acknowledged.
//!
//! Every instance listens on the channel `accessgraph.<schema>` (the schema its tables are in, so
//! that deployments in other schemas of the database are not heard). The database's triggers
//! notify it of every committed change to a table the key check reads (migration
//! `key_change_notifications`), and PostgreSQL delivers the notifications of each listener in the
//! order their transactions committed. Messages (space-separated):
//! - `c`: a change committed. Every instance empties its key cache.
//! - `h <instance> <n>`: `<instance>`'s n-th heartbeat, sent every [`HEARTBEAT`] on a connection
//!   of its own in the transaction that renews its row in `accessgraph_instances` to
//!   `now() + LEASE`. When the instance reads its own heartbeat, it has read every change committed
//!   before it, so it may serve its cache until [`LEASE`] after it *sent* the heartbeat.
//! - `p <writer> <n>`: after a write, `<writer>` asks every other instance to confirm it has read
//!   the changes committed before. Each answers `a <writer> <n> <instance>`.
//!
//! The writer answers its client only when every instance whose lease in `accessgraph_instances`
//! had not run out once the write committed has confirmed, or that lease has run out. An instance
//! that has not read the ping has read no heartbeat committed after the write either, so its own
//! lease (sent before the row's `now()`) ends no later than the row's: from then on it checks keys
//! in the database. An instance missing from the table holds no lease. The writer's own cache is
//! emptied at once. So a revoked key, a deactivated user or a new access version applies to the
//! very next request, on every instance, as if every request read the database.
//!
//! An instance renews its lease only while it listens. A listening connection that breaks, or stays
//! silent for [`SILENCE`] (its own heartbeats no longer come back), is replaced, and the cache is
//! emptied and not served until a heartbeat is read back on the new one.
//!
//! What it costs: a read of `accessgraph_instances` after every write (and, when other instances
//! run, a ping and their answers); a write waits up to [`LEASE`] after another instance stops
//! answering (killed, or cut off from the database). A change made outside AccessGraph (`psql`)
//! reaches every instance in the time its notification takes, without that wait.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, Instant};

use sea_orm::sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sea_orm::sqlx::{self, ConnectOptions, PgConnection, PgPool};
use tokio::sync::{Notify, watch};

use super::key_cache::KeyCache;

/// The channel every instance listens on, followed by the schema's name (the migration's triggers
/// notify it too).
pub const CHANNEL: &str = "accessgraph.";

/// The channel, in SQL.
macro_rules! channel {
    () => {
        "'accessgraph.' || current_schema()"
    };
}

/// How long after it sent a heartbeat that it has read back an instance may serve its key cache.
pub const LEASE: Duration = Duration::from_millis(1_000);

/// How often an instance renews its lease.
pub const HEARTBEAT: Duration = Duration::from_millis(250);

/// Added to every wait for another instance's lease: the clocks of two hosts may run at slightly
/// different rates.
const SLACK: Duration = Duration::from_millis(50);

/// How long the listening connection may stay silent (an instance reads its own heartbeat every
/// [`HEARTBEAT`]) before it is taken for dead and replaced.
const SILENCE: Duration = Duration::from_secs(2);

/// How long a lost connection waits before it is opened again.
const RECONNECT: Duration = Duration::from_millis(200);

/// Sends a message on the channel.
const SEND: &str = concat!("SELECT pg_notify(", channel!(), ", $1)");

/// Renews the lease and sends the heartbeat, in one transaction.
const RENEW: &str = concat!(
    "WITH lease AS (\
     INSERT INTO accessgraph_instances (id, lease_until) VALUES ($1, now() + make_interval(secs => $2)) \
     ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until RETURNING id) \
     SELECT pg_notify(",
    channel!(),
    ", $3) FROM lease"
);

/// The other instances whose lease had not run out (give or take [`SLACK`]) and, in
/// milliseconds, how long it still runs.
const OTHERS: &str = "SELECT id, CAST(EXTRACT(EPOCH FROM (lease_until - now())) * 1000 AS BIGINT) \
     FROM accessgraph_instances WHERE lease_until > now() - make_interval(secs => $2) AND id <> $1";

/// Rows of instances gone for this long are deleted (by every instance, now and then).
const FORGET: &str = "DELETE FROM accessgraph_instances WHERE lease_until < now() - interval '1 hour'";

/// This instance among the others on its PostgreSQL database.
pub struct Peers {
    id: String,
    cache: Arc<KeyCache>,
    pool: PgPool,
    /// When each heartbeat not read back yet was sent.
    heartbeats: Mutex<BTreeMap<u64, Instant>>,
    /// The pings of writes waiting for the other instances' answers.
    pings: Mutex<HashMap<u64, Arc<Ping>>>,
    next_ping: AtomicU64,
    statements: AtomicU64,
    /// Whether the channel is listened to: the lease is renewed only then (a write waits for an
    /// instance that holds a lease).
    listening: AtomicBool,
    /// Dropped with `Peers`: stops its two tasks.
    _stop: watch::Sender<()>,
}

/// A write's ping: the instances that have not answered, each with when its lease runs out.
struct Ping {
    waiting: Mutex<HashMap<String, Instant>>,
    answered: Notify,
}

impl Peers {
    /// Joins the instances on `pool`'s database, keeping `cache` fresh. Its tasks run until the
    /// returned `Peers` is dropped.
    pub async fn start(pool: &PgPool, cache: Arc<KeyCache>) -> Result<Arc<Self>, sqlx::Error> {
        // The pool may set the search path after connecting (SeaORM's `schema_search_path`): the
        // connections of this module get the same.
        let (search_path,): (String,) = sqlx::query_as("SELECT current_setting('search_path')").fetch_one(pool).await?;
        let (stop, stopped) = watch::channel(());
        let peers = Arc::new(Peers {
            id: hex::encode(rand::random::<[u8; 8]>()),
            cache,
            pool: pool.clone(),
            heartbeats: Mutex::default(),
            pings: Mutex::default(),
            next_ping: AtomicU64::new(0),
            statements: AtomicU64::new(0),
            listening: AtomicBool::new(false),
            _stop: stop,
        });
        let connect = Connect { options: (*pool.connect_options()).clone(), search_path: Arc::from(search_path) };
        tokio::spawn(listen(Arc::downgrade(&peers), connect.clone(), stopped.clone()));
        tokio::spawn(beat(Arc::downgrade(&peers), connect, stopped));
        Ok(peers)
    }

    /// Statements a request has run here so far (after writes).
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Returns once every instance has read what was committed before, or can no longer serve
    /// what it kept (see the module's description). Called after every request that may have
    /// written.
    pub async fn after_write(&self) {
        self.cache.invalidate();
        self.statements.fetch_add(1, Ordering::Relaxed);
        let others: Vec<(String, i64)> =
            match sqlx::query_as(OTHERS).bind(&self.id).bind(SLACK.as_secs_f64()).fetch_all(&self.pool).await {
                Ok(others) => others,
                Err(error) => {
                    // Not knowing which instances run, wait out any lease renewed before the write.
                    tracing::warn!(%error, "could not read the other instances' leases; waiting one lease");
                    tokio::time::sleep(LEASE + SLACK).await;
                    return;
                }
            };
        if others.is_empty() {
            return;
        }
        let read_at = Instant::now();
        let waiting = others
            .into_iter()
            .map(|(id, ms)| (id, read_at + Duration::from_millis(u64::try_from(ms).unwrap_or(0)) + SLACK))
            .collect();
        let ping = Arc::new(Ping { waiting: Mutex::new(waiting), answered: Notify::new() });
        let n = self.next_ping.fetch_add(1, Ordering::Relaxed);
        self.pings.lock().unwrap_or_else(PoisonError::into_inner).insert(n, ping.clone());
        let message = format!("p {} {n}", self.id);
        self.statements.fetch_add(1, Ordering::Relaxed);
        if let Err(error) = sqlx::query(SEND).bind(message).execute(&self.pool).await {
            tracing::warn!(%error, "could not ask the other instances to confirm a write; waiting out their leases");
        }
        loop {
            let next = {
                let mut waiting = ping.waiting.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                waiting.retain(|_, until| *until > now);
                waiting.values().min().copied()
            };
            let Some(until) = next else { break };
            let _ = tokio::time::timeout_at(until.into(), ping.answered.notified()).await;
        }
        self.pings.lock().unwrap_or_else(PoisonError::into_inner).remove(&n);
    }

    /// Stops serving the cache and deletes this instance's lease: no write waits for it any more.
    pub async fn leave(&self) {
        // No renewal after this (one already sent may still land: that lease runs out by itself).
        self.listening.store(false, Ordering::Release);
        self.cache.end_lease();
        let left =
            sqlx::query("DELETE FROM accessgraph_instances WHERE id = $1").bind(&self.id).execute(&self.pool).await;
        if let Err(error) = left {
            tracing::warn!(%error, "could not give up this instance's lease; it runs out by itself");
        }
    }

    /// Acts on one message of the channel, read by `listener` in commit order.
    async fn read(&self, message: &str, listener: &mut PgListener) {
        let mut parts = message.split(' ');
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some("c"), ..) => self.cache.invalidate(),
            (Some("h"), Some(instance), Some(n), None) if instance == self.id => {
                if let Some(sent) = n.parse().ok().and_then(|n| self.heartbeat_read(n)) {
                    self.cache.extend_lease(sent + LEASE);
                }
            }
            (Some("p"), Some(writer), Some(n), None) if writer != self.id => {
                // On the listening connection: answering needs no other.
                let answer = format!("a {writer} {n} {}", self.id);
                let sent = sqlx::query(SEND).bind(answer).execute(listener).await;
                if let Err(error) = sent {
                    tracing::warn!(%error, "could not confirm another instance's write");
                }
            }
            (Some("a"), Some(writer), Some(n), Some(instance)) if writer == self.id => {
                let ping = n
                    .parse()
                    .ok()
                    .and_then(|n| self.pings.lock().unwrap_or_else(PoisonError::into_inner).get(&n).cloned());
                if let Some(ping) = ping {
                    ping.waiting.lock().unwrap_or_else(PoisonError::into_inner).remove(instance);
                    ping.answered.notify_one();
                }
            }
            _ => {}
        }
    }

    /// When heartbeat `n` was sent, if it was this instance's; forgets it and every earlier one.
    fn heartbeat_read(&self, n: u64) -> Option<Instant> {
        let mut heartbeats = self.heartbeats.lock().unwrap_or_else(PoisonError::into_inner);
        let later = heartbeats.split_off(&(n + 1));
        let sent = heartbeats.remove(&n);
        *heartbeats = later;
        sent
    }

    /// The cache is not to be served until a heartbeat is read back, and the lease is not renewed
    /// until the channel is listened to again.
    fn connection_lost(&self) {
        self.listening.store(false, Ordering::Release);
        self.cache.end_lease();
        self.cache.invalidate();
    }
}

/// Listens on the channel and reads every message, reconnecting when the connection is lost.
async fn listen(peers: Weak<Peers>, connect: Connect, mut stopped: watch::Receiver<()>) {
    loop {
        let connected = tokio::select! {
            _ = stopped.changed() => return,
            connected = connect.listener() => connected,
        };
        let mut listener = match connected {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "could not listen for other instances' changes; retrying");
                tokio::select! {
                    _ = stopped.changed() => return,
                    () = tokio::time::sleep(RECONNECT) => continue,
                }
            }
        };
        // Listening from here on: what was kept before may have missed a change.
        match peers.upgrade() {
            Some(peers) => {
                peers.connection_lost();
                peers.listening.store(true, Ordering::Release);
            }
            None => return,
        }
        loop {
            let received = tokio::select! {
                _ = stopped.changed() => return,
                received = tokio::time::timeout(SILENCE, listener.try_recv()) => received,
            };
            let Some(peers) = peers.upgrade() else { return };
            match received {
                Ok(Ok(Some(notification))) => peers.read(notification.payload(), &mut listener).await,
                // Lost (`None`: ended by the server). sqlx's listener would connect again by
                // itself, but `listening` would stay off, with no heartbeat to read back, until
                // `SILENCE` ran out: a new listener, as after an error, listens at once.
                Ok(Ok(None)) => {
                    tracing::warn!("the connection listening for other instances' changes was ended");
                    peers.connection_lost();
                    break;
                }
                Ok(Err(error)) => {
                    tracing::warn!(%error, "lost the connection listening for other instances' changes");
                    peers.connection_lost();
                    break;
                }
                // Not even this instance's own heartbeats: the connection may be dead without
                // knowing it. Until a new one listens, the lease is not renewed, so that writes
                // stop waiting for this instance.
                Err(_) => {
                    tracing::warn!("nothing heard on the listening connection for {SILENCE:?}; reconnecting");
                    peers.connection_lost();
                    break;
                }
            }
        }
    }
}

/// How this module's own connections are opened: as the pool's, with its search path.
#[derive(Clone)]
struct Connect {
    options: PgConnectOptions,
    search_path: Arc<str>,
}

impl Connect {
    async fn listener(&self) -> Result<PgListener, sqlx::Error> {
        let search_path = self.search_path.clone();
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .after_connect(move |connection, _| {
                let search_path = search_path.clone();
                Box::pin(async move { set_search_path(connection, &search_path).await })
            })
            .connect_lazy_with(self.options.clone());
        let mut listener = PgListener::connect_with(&pool).await?;
        let (schema,): (String,) = sqlx::query_as("SELECT current_schema()").fetch_one(&mut listener).await?;
        listener.listen(&format!("{CHANNEL}{schema}")).await?;
        Ok(listener)
    }

    async fn connection(&self) -> Result<PgConnection, sqlx::Error> {
        let mut connection = self.options.connect().await?;
        set_search_path(&mut connection, &self.search_path).await?;
        Ok(connection)
    }
}

async fn set_search_path(connection: &mut PgConnection, search_path: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT set_config('search_path', $1, false)").bind(search_path).execute(connection).await?;
    Ok(())
}

/// Renews the lease every [`HEARTBEAT`] on a connection of its own.
async fn beat(peers: Weak<Peers>, connect: Connect, mut stopped: watch::Receiver<()>) {
    let mut ticker = tokio::time::interval(HEARTBEAT);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connection: Option<PgConnection> = None;
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            _ = ticker.tick() => {}
        }
        let Some(peers) = peers.upgrade() else { return };
        if !peers.listening.load(Ordering::Acquire) {
            continue;
        }
        let renewed = tokio::select! {
            _ = stopped.changed() => return,
            renewed = renew(&peers, &connect, &mut connection, n) => renewed,
        };
        if let Err(error) = renewed {
            tracing::warn!(%error, "could not renew this instance's lease");
            connection = None;
        }
        n += 1;
    }
}

async fn renew(
    peers: &Peers,
    connect: &Connect,
    connection: &mut Option<PgConnection>,
    n: u64,
) -> Result<(), sqlx::Error> {
    let connection = match connection {
        Some(connection) => connection,
        None => connection.insert(connect.connection().await?),
    };
    if n.is_multiple_of(240) {
        sqlx::query(FORGET).execute(&mut *connection).await?;
    }
    {
        let mut heartbeats = peers.heartbeats.lock().unwrap_or_else(PoisonError::into_inner);
        // Not read back while the listening connection is down: keep the latest only.
        if heartbeats.len() >= 64 {
            heartbeats.pop_first();
        }
        heartbeats.insert(n, Instant::now());
    }
    let message = format!("h {} {n}", peers.id);
    sqlx::query(RENEW).bind(&peers.id).bind(LEASE.as_secs_f64()).bind(message).execute(connection).await?;
    Ok(())
}
