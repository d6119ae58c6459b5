//! `cargo bench --bench throughput [-- --help]`: AccessGraph's throughput and latency, side by side
//! with a bare async-graphql + axum server in the same process and the same run.
//!
//! It seeds an organization through real GraphQL mutations (users, groups, memberships, grants,
//! keys), starts the real router on 127.0.0.1:0 over a SQLite file in a temporary directory (and,
//! when `--database-url`/`BENCH_DATABASE_URL` names a PostgreSQL database, again over a fresh schema
//! of it), and drives each query with N concurrent HTTP/1.1 clients (one connection each) for a fixed
//! time, then with one client. It prints requests/s, p50/p99 latency, SQL statements per request
//! (counted by SeaORM's metric callback on the app's connection), the ratio to the bare baseline
//! (driven before and after the queries, the faster of the two) and the peak RSS under load.
//! Everything runs on loopback and stops by itself.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use accessgraph::auth::keys::ApiKeySecret;
use accessgraph::domain::bootstrap::{self, BootstrapOutcome, BootstrapSpec};
use accessgraph::{AppState, db, http};
use anyhow::{Context, Result, anyhow, bail};
use async_graphql::{EmptyMutation, EmptySubscription, Object, Schema};
use axum::Router;
use axum::body::{Body, Bytes};
use clap::Parser;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{Value, json};
use tower::ServiceExt;

const ADMIN_KEY: &str = "NRAK-BENCHADMINKEY00000000000000";

#[derive(Debug, Parser)]
#[command(name = "throughput", about = "AccessGraph throughput and latency against a bare async-graphql baseline")]
struct Args {
    /// Seconds each query is driven with `--clients` concurrent clients (then half as long with one).
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Concurrent clients (one keep-alive connection each).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Users of the organization (besides the admin), created one mutation each.
    #[arg(long, default_value_t = 1_000)]
    users: usize,
    /// Groups, each granted a role on the primary account; every user is in one, the admin in all.
    #[arg(long, default_value_t = 20)]
    groups: usize,
    /// Size of the separately timed bulk seed (users created by 8 concurrent clients into a fresh
    /// database); 0 skips it.
    #[arg(long, default_value_t = 10_000)]
    seed_users: usize,
    /// Only the queries whose name contains this (e.g. `actor-user`, for profiling).
    #[arg(long)]
    only: Option<String>,
    /// Skip the SQLite run (with a PostgreSQL URL: PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
    /// A PostgreSQL URL: the benchmark also runs there, in a schema of its own dropped at the end.
    #[arg(long, env = "BENCH_DATABASE_URL")]
    database_url: Option<String>,
    /// Database pool size.
    #[arg(long, default_value_t = 8)]
    db_max_connections: u32,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

/// The queries measured, by name.
fn queries(domain_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("typename", "{ __typename }".to_owned()),
        ("actor-user", "{ actor { user { id email name } } }".to_owned()),
        ("actor-accounts", "{ actor { accounts { id name } } }".to_owned()),
        (
            "domain-users-500",
            format!(
                r#"{{ actor {{ organization {{ userManagement {{ authenticationDomains(id: ["{domain_id}"]) {{ authenticationDomains {{
                  users {{ users {{ id email name type {{ displayName id }} groups {{ groups {{ id displayName }} }} }} nextCursor totalCount }} }} }} }} }} }} }}"#
            ),
        ),
        (
            "domains-groups-roles",
            "{ actor { organization { authorizationManagement { authenticationDomains { authenticationDomains {
               id name groups { groups { id displayName roles { roles { roleId name accountId organizationId } } } } } } } } } }"
                .to_owned(),
        ),
        (
            "custadmin-users",
            format!(
                r#"{{ customerAdministration {{ users(filter: {{ authenticationDomainId: {{ eq: "{domain_id}" }} }}) {{
                  items {{ id email name type {{ id name }} groups {{ items {{ id name }} }} }} nextCursor totalCount }} }} }}"#
            ),
        ),
    ]
}

fn main() -> Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(args))
}

async fn run(args: Args) -> Result<()> {
    println!(
        "AccessGraph throughput: {} clients, {:.1} s per query ({:.1} s with 1 client), {} users in {} groups, {} cores",
        args.clients,
        args.seconds,
        args.seconds / 2.0,
        args.users,
        args.groups,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let (bare_addr, _bare) = start_bare().await?;
    let mut backends = Vec::new();
    if !args.no_sqlite {
        backends.push(Backend::sqlite(&args).await?);
    }
    if let Some(url) = &args.database_url {
        backends.push(Backend::postgres(url, &args).await?);
    }
    if backends.is_empty() {
        bail!("nothing to measure: --no-sqlite without --database-url");
    }
    for backend in &backends {
        measure_backend(&args, backend, bare_addr).await?;
    }
    for backend in backends {
        backend.cleanup().await;
    }
    Ok(())
}

/// One database the benchmark runs on.
struct Backend {
    name: &'static str,
    url: String,
    /// PostgreSQL: the schemas made so far, dropped at the end.
    schemas: std::sync::Mutex<Vec<String>>,
    postgres: bool,
    _dir: Option<tempfile::TempDir>,
}

impl Backend {
    async fn sqlite(_args: &Args) -> Result<Backend> {
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
        Ok(Backend { name: "SQLite", url, schemas: Default::default(), postgres: false, _dir: Some(dir) })
    }

    async fn postgres(url: &str, _args: &Args) -> Result<Backend> {
        Ok(Backend { name: "PostgreSQL", url: url.to_owned(), schemas: Default::default(), postgres: true, _dir: None })
    }

    /// A fresh, migrated, bootstrapped database (a new schema on PostgreSQL, a new file on SQLite)
    /// with its statement counter.
    async fn fresh(&self, tag: &str, max_connections: u32) -> Result<(DatabaseConnection, Arc<AtomicU64>, String)> {
        let mut db = if !self.postgres {
            let url = self.url.replace("bench.db", &format!("{tag}.db"));
            db::connect(&url, max_connections).await?
        } else {
            let name = format!("bench_{tag}_{}", uuid::Uuid::new_v4().simple());
            self.schemas.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(name.clone());
            let admin = sea_orm::Database::connect(&self.url).await.context("connecting to PostgreSQL")?;
            admin.execute_unprepared(&format!("CREATE SCHEMA \"{name}\"")).await?;
            admin.close().await?;
            let mut opts = db::connect_options(&self.url, max_connections);
            opts.set_schema_search_path(name);
            db::connect_with(&self.url, opts).await?
        };
        db::migrate(&db).await?;
        let outcome = bootstrap::bootstrap(
            &db,
            BootstrapSpec {
                organization_name: "Bench Organization".into(),
                edition: entity::enums::Edition::Enterprise,
                admin_email: "admin@example.com".into(),
                admin_name: "Bench Admin".into(),
                key: Some(ApiKeySecret::parse_user_key(ADMIN_KEY).map_err(|e| anyhow!("{e}"))?),
            },
        )
        .await
        .map_err(|e| anyhow!("bootstrap: {e}"))?;
        let BootstrapOutcome::Created { admin_user_id, .. } = outcome else { bail!("the database was not empty") };
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok((db, statements, admin_user_id.to_string()))
    }

    async fn cleanup(self) {
        let schemas = std::mem::take(&mut *self.schemas.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        if schemas.is_empty() {
            return;
        }
        if let Ok(admin) = sea_orm::Database::connect(&self.url).await {
            for name in schemas {
                let _ = admin.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await;
            }
            let _ = admin.close().await;
        }
    }
}

/// Gives PostgreSQL's planner the seeded tables' statistics, as autovacuum does by itself within
/// a minute of a bulk load (its default `autovacuum_naptime`): the figures are those of a database
/// in its steady state. Without statistics, PostgreSQL took a 1,000-user domain for a handful of
/// rows and sorted all of them for a 500-user page (1.1 ms against 0.45 ms, EXPLAIN ANALYZE).
async fn analyze(db: &DatabaseConnection) -> Result<()> {
    let tables = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
        ))
        .await?;
    for table in tables {
        let name: String = table.try_get("", "tablename")?;
        db.execute_unprepared(&format!("ANALYZE \"{}\"", name.replace('"', "\"\""))).await?;
    }
    Ok(())
}

/// Limits that do not interfere with the load: no per-user concurrency cap in reach.
fn bench_limits() -> http::HttpLimits {
    http::HttpLimits { max_concurrent_requests_per_user: 100_000, ..http::HttpLimits::default() }
}

/// Runs a GraphQL operation in-process through the router; errors if it answers any error.
async fn gql(router: &Router, query: &str, variables: Value) -> Result<Value> {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let request = axum::http::Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Api-Key", ADMIN_KEY)
        .extension(axum::extract::ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 1))))
        .body(Body::from(body))?;
    let response = router.clone().oneshot(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    let value: Value = serde_json::from_slice(&bytes)?;
    if !status.is_success() || value.get("errors").is_some() {
        bail!("{status}: {value}");
    }
    Ok(value)
}

const GRANT: &str = "mutation($o: AuthorizationManagementGrantAccess) {
  authorizationManagementGrantAccess(grantAccessOptions: $o) { roles { id } } }";

const CREATE_USER: &str = "mutation($o: UserManagementCreateUser!) {
  userManagementCreateUser(createUserOptions: $o) { createdUser { id } } }";

async fn create_user(router: &Router, domain_id: &str, email: &str, tier: &str) -> Result<String> {
    let body = gql(
        router,
        CREATE_USER,
        json!({ "o": { "authenticationDomainId": domain_id, "email": email, "name": email, "userType": tier } }),
    )
    .await?;
    body["data"]["userManagementCreateUser"]["createdUser"]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no user id in {body}"))
}

async fn default_domain(router: &Router) -> Result<String> {
    let body = gql(
        router,
        "{ actor { organization { userManagement { authenticationDomains { authenticationDomains { id } } } } } }",
        Value::Null,
    )
    .await?;
    body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["authenticationDomains"][0]["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| anyhow!("no domain in {body}"))
}

struct Seeded {
    domain_id: String,
    user_creation: Summary,
    seed_time: Duration,
}

/// The organization: `users` users (one mutation each, timed), `groups` groups each granted an
/// account role on the primary account, every user in one group and the admin in every group.
async fn seed(router: &Router, admin_user_id: &str, args: &Args) -> Result<Seeded> {
    let started = Instant::now();
    let domain_id = default_domain(router).await?;
    let body = gql(
        router,
        "{ actor { accounts { id } organization { authorizationManagement { roles { roles { id name scope } } } } } }",
        Value::Null,
    )
    .await?;
    let account_id = body["data"]["actor"]["accounts"][0]["id"].as_i64().ok_or_else(|| anyhow!("no account"))?;
    let roles: Vec<String> = body["data"]["actor"]["organization"]["authorizationManagement"]["roles"]["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|role| role["scope"].as_str().is_some_and(|s| s.eq_ignore_ascii_case("account")))
        .filter_map(|role| role["id"].as_str().map(str::to_owned))
        .collect();
    if roles.is_empty() {
        bail!("no account roles in {body}");
    }
    let mut group_ids = Vec::new();
    for g in 0..args.groups {
        let body = gql(
            router,
            "mutation($o: UserManagementCreateGroup) { userManagementCreateGroup(createGroupOptions: $o) { group { id } } }",
            json!({ "o": { "authenticationDomainId": domain_id, "displayName": format!("Team {g}") } }),
        )
        .await?;
        let id = body["data"]["userManagementCreateGroup"]["group"]["id"]
            .as_str()
            .ok_or_else(|| anyhow!("no group id in {body}"))?
            .to_owned();
        // Account roles in turn; a role giving more than the admin has is refused, and skipped.
        let mut granted = false;
        for r in 0..roles.len() {
            let role = &roles[(g + r) % roles.len()];
            let grant =
                json!({ "o": { "groupId": id, "accountAccessGrants": [{ "accountId": account_id, "roleId": role }] } });
            if gql(router, GRANT, grant).await.is_ok() {
                granted = true;
                break;
            }
        }
        if !granted {
            bail!("no account role could be granted");
        }
        group_ids.push(id);
    }
    let tiers = ["BASIC_USER_TIER", "CORE_USER_TIER", "FULL_USER_TIER"];
    let mut latencies = Latencies::new();
    let mut members: Vec<Vec<String>> = vec![Vec::new(); group_ids.len().max(1)];
    for i in 0..args.users {
        let t = Instant::now();
        let id = create_user(router, &domain_id, &format!("user{i}@example.com"), tiers[i % tiers.len()]).await?;
        latencies.record(t.elapsed());
        let group = i % members.len();
        members[group].push(id);
    }
    const ADD: &str = "mutation($o: UserManagementUsersGroupsInput) {
      userManagementAddUsersToGroups(addUsersToGroupsOptions: $o) { groups { id } } }";
    for (group, users) in group_ids.iter().zip(&members) {
        for chunk in users.chunks(50) {
            gql(router, ADD, json!({ "o": { "groupIds": [group], "userIds": chunk } })).await?;
        }
    }
    for chunk in group_ids.chunks(10) {
        gql(router, ADD, json!({ "o": { "groupIds": chunk, "userIds": [admin_user_id] } })).await?;
    }
    Ok(Seeded { domain_id, user_creation: Summary::of(&latencies, Duration::ZERO), seed_time: started.elapsed() })
}

/// `n` users created by 8 concurrent in-process clients into a fresh database: (elapsed, users/s).
async fn bulk_seed(backend: &Backend, n: usize, args: &Args) -> Result<Duration> {
    let (db, _, _) = backend.fresh("bulk", args.db_max_connections).await?;
    let router = http::router(AppState::new(db.clone()).await?, bench_limits());
    let domain_id = Arc::new(default_domain(&router).await?);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (router, domain_id, next) = (router.clone(), domain_id.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n as u64 {
                    return Ok::<(), anyhow::Error>(());
                }
                create_user(&router, &domain_id, &format!("bulk{i}@example.com"), "BASIC_USER_TIER").await?;
            }
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed();
    db.close().await?;
    Ok(elapsed)
}

/// The bare baseline: async-graphql + axum, no auth, no database.
struct Bare;

#[Object]
impl Bare {
    async fn ok(&self) -> bool {
        true
    }
}

async fn start_bare() -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let schema = Schema::new(Bare, EmptyMutation, EmptySubscription);
    let app = Router::new().route("/graphql", axum::routing::post_service(async_graphql_axum::GraphQL::new(schema)));
    start(app).await
}

async fn start(app: Router) -> Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    Ok((addr, handle))
}

/// Latencies of one measurement.
#[derive(Debug, Clone)]
struct Summary {
    requests: u64,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

impl Summary {
    fn of(latencies: &Latencies, elapsed: Duration) -> Summary {
        let histogram = &latencies.0;
        let at = |q: f64| Duration::from_micros(if histogram.is_empty() { 0 } else { histogram.value_at_quantile(q) });
        let requests = histogram.len();
        let per_second = if elapsed.is_zero() { 0.0 } else { requests as f64 / elapsed.as_secs_f64() };
        Summary { requests, per_second, p50: at(0.50), p99: at(0.99) }
    }
}

/// Latencies recorded into a histogram (microseconds, 3 significant digits, up to a minute) rather
/// than kept one by one: a fast run answers a million requests, and keeping each one's latency
/// would put the benchmark's own memory into the peak RSS it reports.
struct Latencies(hdrhistogram::Histogram<u64>);

impl Latencies {
    fn new() -> Latencies {
        Latencies(hdrhistogram::Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds"))
    }

    fn record(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).clamp(1, self.0.high());
        self.0.record(micros).expect("a value within the histogram's bounds");
    }

    fn add(&mut self, other: &Latencies) {
        self.0.add(&other.0).expect("histograms of the same bounds");
    }
}

/// Drives `query` against `addr` with `clients` clients for `seconds`: the summary and the number
/// of answers that were not a clean 200 without errors.
async fn drive(
    addr: SocketAddr,
    key: Option<&str>,
    query: &str,
    clients: usize,
    seconds: f64,
) -> Result<(Summary, usize)> {
    let body = Bytes::from(json!({ "query": query }).to_string());
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (body, key) = (body.clone(), key.map(str::to_owned));
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            let connection = tokio::spawn(connection);
            let mut latencies = Latencies::new();
            let mut failures = 0usize;
            while Instant::now() < deadline {
                let mut request = hyper::Request::post("/graphql")
                    .header("host", "127.0.0.1")
                    .header("content-type", "application/json");
                if let Some(key) = &key {
                    request = request.header("api-key", key.as_str());
                }
                let request = request.body(Full::new(body.clone()))?;
                let t = Instant::now();
                let response = sender.send_request(request).await?;
                let status = response.status();
                let bytes = response.into_body().collect().await?.to_bytes();
                latencies.record(t.elapsed());
                if !status.is_success() || bytes.windows(9).any(|w| w == b"\"errors\":") {
                    failures += 1;
                    if failures == 1 {
                        eprintln!(
                            "  unexpected answer {status}: {}",
                            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                        );
                    }
                }
            }
            drop(sender);
            connection.abort();
            Ok::<_, anyhow::Error>((latencies, failures))
        }));
    }
    let mut all = Latencies::new();
    let mut failures = 0;
    for task in tasks {
        let (latencies, failed) = task.await??;
        all.add(&latencies);
        failures += failed;
    }
    Ok((Summary::of(&all, started.elapsed()), failures))
}

/// A `kB` field of /proc/self/status, in MB (Linux; 0 elsewhere).
fn status_mb(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Resets the peak RSS to the current RSS (Linux: `5` to /proc/self/clear_refs).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// The peak of the process's anonymous memory (its heap and stacks, without the pages of its own
/// executable mapped from disk), sampled every 5 ms until dropped; the kernel keeps no peak of it.
struct AnonPeak {
    peak_kb: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl AnonPeak {
    fn start() -> AnonPeak {
        let (peak_kb, stop) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicBool::new(false)));
        let (peak, stopped) = (peak_kb.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let kb = (status_mb("RssAnon:") * 1024.0) as u64;
                peak.fetch_max(kb, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        AnonPeak { peak_kb, stop }
    }

    fn mb(&self) -> f64 {
        self.peak_kb.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

impl Drop for AnonPeak {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn measure_backend(args: &Args, backend: &Backend, bare: SocketAddr) -> Result<()> {
    println!("\n== {} ==", backend.name);
    let (db, statements, admin_user_id) = backend.fresh("org", args.db_max_connections).await?;
    let state = AppState::new(db.clone()).await?;
    // Key checks answered on the request's thread (SQLite) bypass the metric callback: add them.
    let key_check = state.key_check.clone();
    let statements = move || statements.load(Ordering::Relaxed) + key_check.direct_statements();
    let router = http::router(state, bench_limits());
    let seeded = seed(&router, &admin_user_id, args).await?;
    if backend.postgres {
        analyze(&db).await?;
    }
    println!(
        "seed: {} users in {} groups with grants, through GraphQL mutations, in {:.1} s; one user creation p50 {:.2} ms, p99 {:.2} ms",
        args.users,
        args.groups,
        seeded.seed_time.as_secs_f64(),
        ms(seeded.user_creation.p50),
        ms(seeded.user_creation.p99)
    );
    if args.seed_users > 0 && args.only.is_none() {
        let elapsed = bulk_seed(backend, args.seed_users, args).await?;
        println!(
            "bulk seed: {} users by 8 concurrent clients in {:.1} s ({:.0} users/s)",
            args.seed_users,
            elapsed.as_secs_f64(),
            args.seed_users as f64 / elapsed.as_secs_f64()
        );
    }
    let (addr, server) = start(router).await?;
    reset_peak_rss();
    let anon_peak = AnonPeak::start();
    let wanted = |name: &str| args.only.as_deref().is_none_or(|only| name.contains(only));

    // The baseline is driven before and after the queries, and the ratios are to the faster of
    // the two: on a shared machine its speed can change within a run (on one development machine
    // it came out in one of two modes, 20% apart).
    let bare_before = drive(bare, None, "{ __typename }", args.clients, args.seconds).await?.0;
    let bare_single = drive(bare, None, "{ __typename }", 1, args.seconds / 2.0).await?.0;
    let mut rows = Vec::new();
    let mut failures = 0;
    for (name, query) in queries(&seeded.domain_id) {
        if !wanted(name) {
            continue;
        }
        // Warm up (and let once-in-a-while writes such as a user's lastActive happen).
        if drive(addr, Some(ADMIN_KEY), &query, 1, 0.2).await?.1 > 0 {
            bail!("{name} does not answer cleanly: {query}");
        }
        let before = statements();
        let (run, failed) = drive(addr, Some(ADMIN_KEY), &query, args.clients, args.seconds).await?;
        let sql = (statements() - before) as f64 / run.requests.max(1) as f64;
        let (single, failed_single) = drive(addr, Some(ADMIN_KEY), &query, 1, args.seconds / 2.0).await?;
        failures += failed + failed_single;
        rows.push((name, run, sql, single));
    }
    let bare_after = drive(bare, None, "{ __typename }", args.clients, args.seconds).await?.0;
    println!(
        "\nbare baseline: {:.0} req/s before the queries, {:.0} after; ratios are to the faster",
        bare_before.per_second, bare_after.per_second
    );
    let bare_run = if bare_after.per_second > bare_before.per_second { bare_after } else { bare_before };
    println!(
        "\n{:<22} {:>9} {:>9} {:>9} {:>8} {:>9} | {:>10} {:>10}",
        "query", "req/s", "p50 ms", "p99 ms", "SQL/req", "vs bare", "1c p50 ms", "1c p99 ms"
    );
    print_row("bare typename", &bare_run, 0.0, bare_run.per_second, &bare_single);
    for (name, run, sql, single) in &rows {
        print_row(name, run, *sql, bare_run.per_second, single);
    }
    println!(
        "peak RSS under load: {:.0} MB (the whole process: server, clients and the bare baseline); of it, pages mapped from \
         files (the executable, its libraries) {:.0} MB, peak anonymous memory (heap, stacks) {:.0} MB",
        status_mb("VmHWM:"),
        status_mb("RssFile:"),
        anon_peak.mb()
    );
    print_targets(&rows, bare_run.per_second, status_mb("VmHWM:"));
    if failures > 0 {
        println!("WARNING: {failures} answers were not a 200 without errors");
    }
    server.abort();
    db.close().await?;
    Ok(())
}

/// Issue 13's targets, each met or missed, for the queries of this run.
fn print_targets(rows: &[(&str, Summary, f64, Summary)], bare: f64, peak_rss_mb: f64) {
    let mut checks: Vec<(String, bool)> = Vec::new();
    for (name, run, sql, single) in rows {
        let share = 100.0 * run.per_second / bare;
        match *name {
            "actor-user" => {
                checks.push((format!("actor-user at >= 50% of the bare baseline: {share:.2}%"), share >= 50.0));
                checks.push((
                    format!("actor-user p50 <= 1 ms with one client: {:.2} ms", ms(single.p50)),
                    single.p50 <= Duration::from_millis(1),
                ));
                checks.push((format!("actor-user <= 2 statements: {sql:.1}"), *sql <= 2.0));
            }
            "domain-users-500" | "custadmin-users" => {
                checks.push((format!("{name} at >= 0.5% of the bare baseline: {share:.2}%"), share >= 0.5));
                checks.push((format!("{name} <= 6 statements: {sql:.1}"), *sql <= 6.0));
            }
            "domains-groups-roles" => checks.push((format!("{name} <= 6 statements: {sql:.1}"), *sql <= 6.0)),
            _ => {}
        }
    }
    checks.push((format!("peak RSS under load < 60 MB: {peak_rss_mb:.0} MB"), peak_rss_mb < 60.0));
    let met = checks.iter().filter(|(_, met)| *met).count();
    println!("targets (issue 13): {met} of {} met", checks.len());
    for (what, met) in &checks {
        println!("  {} {what}", if *met { "met   " } else { "MISSED" });
    }
}

fn print_row(name: &str, run: &Summary, sql: f64, bare: f64, single: &Summary) {
    println!(
        "{:<22} {:>9.0} {:>9.2} {:>9.2} {:>8.1} {:>8.2}% | {:>10.2} {:>10.2}",
        name,
        run.per_second,
        ms(run.p50),
        ms(run.p99),
        sql,
        100.0 * run.per_second / bare,
        ms(single.p50),
        ms(single.p99)
    );
}
