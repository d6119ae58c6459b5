//! `GET /metrics`: the router's counters in Prometheus' text format (the `prometheus` crate).
//!
//! - `accessgraph_graphql_requests_total{operation, outcome}`: GraphQL requests by operation name
//!   (`anonymous` when the document names none, `unknown` when the request was refused before its
//!   body was read) and outcome (`ok`; the first error's `errorClass`, such as `BAD_USER_INPUT`; or
//!   `http_<status>` for a request refused by the HTTP layer, `cancelled` for one that timed out).
//! - `accessgraph_graphql_request_duration_seconds{operation}`: their latency, as a histogram.
//! - `accessgraph_rate_limited_requests_total{reason}`: 429 answers, by `concurrency` (a user's
//!   requests in flight) and `failed_auth` (an address's failed key attempts).
//! - `accessgraph_db_pool_connections{state}`: the database pool's `in_use` and `idle` connections,
//!   read when scraped.
//!
//! Operation names come from clients: past [`MAX_OPERATION_NAMES`] distinct names, or for a name
//! that is not a GraphQL name of at most 64 characters, the label is `other`, so that the series
//! stay bounded. Each router has its own registry (tests build many routers in one process).

use std::collections::HashSet;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder, exponential_buckets,
};
use sea_orm::{DatabaseConnection, DbBackend};

/// Distinct operation names tracked; later names are counted as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;

/// The label of a request refused before its operation was known.
pub const UNKNOWN_OPERATION: &str = "unknown";

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    rate_limited: IntCounterVec,
    pool: IntGaugeVec,
    names: Mutex<HashSet<String>>,
}

impl Metrics {
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("accessgraph_graphql_requests_total", "GraphQL requests by operation name and outcome."),
            &["operation", "outcome"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "accessgraph_graphql_request_duration_seconds",
                "GraphQL request latency, from the request's arrival to its answer.",
            )
            // 0.25 ms to about 8 s.
            .buckets(exponential_buckets(0.000_25, 2.0, 16)?),
            &["operation"],
        )?;
        let rate_limited = IntCounterVec::new(
            Opts::new("accessgraph_rate_limited_requests_total", "Requests answered 429, by reason."),
            &["reason"],
        )?;
        let pool = IntGaugeVec::new(
            Opts::new("accessgraph_db_pool_connections", "Database pool connections, in use and idle."),
            &["state"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        registry.register(Box::new(rate_limited.clone()))?;
        registry.register(Box::new(pool.clone()))?;
        // Both reasons are present from the start, at zero.
        for reason in [RateLimit::Concurrency, RateLimit::FailedAuth] {
            rate_limited.with_label_values(&[reason.label()]);
        }
        Ok(Metrics { registry, requests, duration, rate_limited, pool, names: Mutex::new(HashSet::new()) })
    }

    /// A request that has just arrived: recorded when the returned value is dropped.
    pub fn start(&self) -> RequestRecord<'_> {
        RequestRecord { metrics: self, started: Instant::now(), operation: None, outcome: None }
    }

    pub fn rate_limited(&self, reason: RateLimit) {
        self.rate_limited.with_label_values(&[reason.label()]).inc();
    }

    fn record(&self, operation: &str, outcome: &str, elapsed: Duration) {
        let operation = self.bounded(operation);
        self.requests.with_label_values(&[operation, outcome]).inc();
        self.duration.with_label_values(&[operation]).observe(elapsed.as_secs_f64());
    }

    /// `name` if it is tracked (or can still be), else `other`.
    fn bounded<'a>(&self, name: &'a str) -> &'a str {
        if name == UNKNOWN_OPERATION || name == ANONYMOUS {
            return name;
        }
        let valid = !name.is_empty()
            && name.len() <= 64
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !name.as_bytes()[0].is_ascii_digit();
        if !valid {
            return "other";
        }
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        if names.contains(name) {
            return name;
        }
        if names.len() < MAX_OPERATION_NAMES {
            names.insert(name.to_owned());
            return name;
        }
        "other"
    }

    /// The text exposition, with the pool's connections read now.
    pub fn render(&self, db: &DatabaseConnection) -> Response {
        let (size, idle) = match db.get_database_backend() {
            DbBackend::Sqlite => {
                let pool = db.get_sqlite_connection_pool();
                (pool.size(), pool.num_idle())
            }
            DbBackend::Postgres => {
                let pool = db.get_postgres_connection_pool();
                (pool.size(), pool.num_idle())
            }
            _ => (0, 0),
        };
        let idle = u32::try_from(idle).unwrap_or(u32::MAX).min(size);
        self.pool.with_label_values(&["in_use"]).set(i64::from(size - idle));
        self.pool.with_label_values(&["idle"]).set(i64::from(idle));
        let mut text = Vec::new();
        if let Err(err) = TextEncoder::new().encode(&self.registry.gather(), &mut text) {
            tracing::error!(error = %err, "cannot encode the metrics");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        let mut response = text.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
        response
    }
}

/// Why a request was answered 429.
#[derive(Debug, Clone, Copy)]
pub enum RateLimit {
    Concurrency,
    FailedAuth,
}

impl RateLimit {
    fn label(self) -> &'static str {
        match self {
            RateLimit::Concurrency => "concurrency",
            RateLimit::FailedAuth => "failed_auth",
        }
    }
}

const ANONYMOUS: &str = "anonymous";

/// One request being served. Dropped without an outcome (its future was dropped: a timeout), it
/// counts as `cancelled`.
pub struct RequestRecord<'a> {
    metrics: &'a Metrics,
    started: Instant,
    operation: Option<String>,
    outcome: Option<String>,
}

impl RequestRecord<'_> {
    pub fn operation(&mut self, name: String) {
        self.operation = Some(name);
    }

    /// The outcome of an executed request: `ok`, or its first error's class.
    pub fn executed(&mut self, response: &async_graphql::Response) {
        let outcome = match response.errors.first() {
            None => "ok".to_owned(),
            Some(error) => error
                .extensions
                .as_ref()
                .and_then(|ext| ext.get("errorClass"))
                .and_then(|class| match class {
                    async_graphql::Value::String(class) => Some(class.clone()),
                    async_graphql::Value::Enum(class) => Some(class.to_string()),
                    _ => None,
                })
                // Validation and syntax errors carry no class: the client's document is wrong.
                .unwrap_or_else(|| "GRAPHQL_VALIDATION_FAILED".to_owned()),
        };
        self.outcome = Some(outcome);
    }

    /// The outcome of a request answered without executing it: `ok` for 2xx (never, in practice),
    /// else `http_<status>`, unless an outcome was set already.
    pub fn answered(&mut self, status: StatusCode) {
        if self.outcome.is_none() {
            self.outcome =
                Some(if status.is_success() { "ok".to_owned() } else { format!("http_{}", status.as_u16()) });
        }
    }

    pub fn refused(&mut self, class: &str) {
        self.outcome = Some(class.to_owned());
    }
}

impl Drop for RequestRecord<'_> {
    fn drop(&mut self) {
        let operation = self.operation.as_deref().unwrap_or(UNKNOWN_OPERATION);
        let outcome = self.outcome.as_deref().unwrap_or("cancelled");
        self.metrics.record(operation, outcome, self.started.elapsed());
    }
}

/// The name of the operation that runs: `operationName` when given, else the name of the
/// document's only operation, else `anonymous`.
pub fn operation_name(request: &mut async_graphql::Request) -> String {
    if let Some(name) = &request.operation_name {
        return name.clone();
    }
    // The parser keeps named operations by name, and an unnamed one as the document's only one.
    match request.parsed_query() {
        Ok(ExecutableDocument { operations: DocumentOperations::Multiple(operations), .. })
            if operations.len() == 1 =>
        {
            operations.keys().next().map_or_else(|| ANONYMOUS.to_owned(), ToString::to_string)
        }
        _ => ANONYMOUS.to_owned(),
    }
}
