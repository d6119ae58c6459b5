//! `cargo bench --bench bulk`: a 10,000-row bulk add of original-model users
//! (`originalUserModelBulkUserAction`, action ADD) through the real GraphQL router, timed on
//! SQLite (a file in a temporary directory) and, when `BENCH_DATABASE_URL` names a PostgreSQL
//! database, on PostgreSQL (in a schema of its own, dropped at the end). Prints the seconds and the
//! SQL statements of the request against the targets: < 2 s on SQLite, < 5 s on PostgreSQL
//! (release build). Exits non-zero when the file is not applied; a missed target is printed, not
//! fatal (the machine may be busy). Everything runs in-process and stops by itself.
//!
//! Options: `--rows N` (default 10,000), `--runs N` (default 3: each into a fresh database; the
//! best and the median are printed).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use accessgraph::auth::keys::ApiKeySecret;
use accessgraph::domain::bootstrap::{self, BootstrapOutcome, BootstrapSpec};
use accessgraph::{AppState, db, http};
use anyhow::{Context, Result, anyhow, bail};
use axum::body::Body;
use http_body_util::BodyExt;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tower::ServiceExt;

const ADMIN_KEY: &str = "NRAK-BENCHADMINKEY00000000000000";
const BULK: &str = "mutation($a: Int!, $csv: String!) { originalUserModelBulkUserAction(accountId: $a, action: ADD, csv: $csv) { applied rows { status } errors { message type } } }";

struct Options {
    rows: usize,
    runs: usize,
    postgres: Option<String>,
}

fn options() -> Result<Options> {
    let mut options = Options { rows: 10_000, runs: 3, postgres: std::env::var("BENCH_DATABASE_URL").ok() };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--rows" => options.rows = args.next().context("--rows N")?.parse()?,
            "--runs" => options.runs = args.next().context("--runs N")?.parse()?,
            // Passed by `cargo bench`; a filter argument is ignored.
            _ => {}
        }
    }
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    Ok(options)
}

fn main() -> Result<()> {
    let options = options()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> Result<()> {
    let profile =
        if cfg!(debug_assertions) { "debug build: the targets are for a release build" } else { "release build" };
    println!("Bulk add of {} original-model users through the GraphQL router ({profile})", options.rows);
    let csv = file(options.rows);
    println!("file: {} bytes", csv.len());
    let dir = tempfile::tempdir()?;
    let mut times = Vec::new();
    for run in 0..options.runs {
        let url = format!("sqlite://{}?mode=rwc", dir.path().join(format!("bulk-{run}.db")).display());
        let db = db::connect(&url, 8).await?;
        times.push(measure(db, &csv).await?);
    }
    report("SQLite", &times, 2.0);
    if let Some(url) = &options.postgres {
        let mut times = Vec::new();
        for _ in 0..options.runs {
            let name = format!("bench_bulk_{}", uuid::Uuid::new_v4().simple());
            let admin = sea_orm::Database::connect(url.as_str()).await.context("connecting to PostgreSQL")?;
            admin.execute_unprepared(&format!("CREATE SCHEMA \"{name}\"")).await?;
            let mut opts = db::connect_options(url, 8);
            opts.set_schema_search_path(name.clone());
            let db = db::connect_with(url, opts).await?;
            let measured = measure(db.clone(), &csv).await;
            db.close().await?;
            admin.execute_unprepared(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE")).await?;
            admin.close().await?;
            times.push(measured?);
        }
        report("PostgreSQL", &times, 5.0);
    } else {
        println!("PostgreSQL: skipped (set BENCH_DATABASE_URL=postgres://... to run it)");
    }
    Ok(())
}

/// A file of `rows` new Restricted BASIC users, each with an add-on role.
fn file(rows: usize) -> String {
    let mut csv = String::from("Email,Name,Type,Base role,Add-on roles\n");
    for i in 1..=rows {
        csv.push_str(&format!("bulk-user-{i}@example.com,Bulk user {i},basic,restricted,APM manager\n"));
    }
    csv
}

/// One bulk add into a fresh, migrated, bootstrapped database: (time, SQL statements).
async fn measure(mut db: DatabaseConnection, csv: &str) -> Result<(Duration, u64)> {
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
    let BootstrapOutcome::Created { account_id, .. } = outcome else { bail!("the database was not empty") };
    let statements = Arc::new(AtomicU64::new(0));
    let counter = statements.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let router = http::router(AppState::new(db).await?, http::HttpLimits::default());
    let body = json!({ "query": BULK, "variables": { "a": account_id, "csv": csv } }).to_string();
    let request = axum::http::Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Api-Key", ADMIN_KEY)
        .body(Body::from(body))?;
    let started = Instant::now();
    let response = router.oneshot(request).await?;
    let status = response.status();
    let bytes = response.into_body().collect().await?.to_bytes();
    let took = started.elapsed();
    let answer: Value = serde_json::from_slice(&bytes).context("a JSON answer")?;
    let payload = &answer["data"]["originalUserModelBulkUserAction"];
    if !status.is_success() || payload["applied"] != true {
        bail!("the file was not applied (HTTP {status}): {}", truncate(&answer.to_string()));
    }
    Ok((took, statements.load(Ordering::Relaxed)))
}

fn truncate(text: &str) -> String {
    text.chars().take(500).collect()
}

fn report(backend: &str, runs: &[(Duration, u64)], target: f64) {
    let mut seconds: Vec<f64> = runs.iter().map(|(t, _)| t.as_secs_f64()).collect();
    seconds.sort_by(f64::total_cmp);
    let best = seconds.first().copied().unwrap_or_default();
    let median = seconds.get(seconds.len() / 2).copied().unwrap_or_default();
    let statements = runs.iter().map(|(_, s)| *s).max().unwrap_or_default();
    let verdict = if median < target { "within" } else { "MISSES" };
    println!(
        "{backend}: best {best:.3} s, median {median:.3} s over {} runs, {statements} SQL statements; target < {target} s: {verdict}",
        runs.len()
    );
}
