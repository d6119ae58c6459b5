//! `GET /metrics`: Prometheus text with requests by operation and outcome, their latency, 429s and
//! the database pool, counted by the router that served them.

use std::time::Duration;

use accessgraph::AppState;
use accessgraph::http::{self, HttpLimits, MetricsEndpoint};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::backend_test;
use crate::common::ADMIN_KEY;

const WRONG_KEY: &str = "NRAK-WRONGWRONGWRONGWRONGWRONG12";

async fn post(router: &Router, key: Option<&str>, body: Value) -> StatusCode {
    let mut request = Request::post("/graphql").header("Content-Type", "application/json");
    if let Some(key) = key {
        request = request.header("Api-Key", key);
    }
    let response =
        router.clone().oneshot(request.body(Body::from(body.to_string())).expect("request")).await.expect("answer");
    let status = response.status();
    response.into_body().collect().await.expect("body");
    status
}

/// `GET /metrics`: the status, the content type and the text.
async fn scrape(router: &Router) -> (StatusCode, String, String) {
    let response =
        router.clone().oneshot(Request::get("/metrics").body(Body::empty()).expect("request")).await.expect("answer");
    let status = response.status();
    let content_type =
        response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    (status, content_type, String::from_utf8(bytes.to_vec()).expect("UTF-8"))
}

/// The value of the sample named exactly `series` (name and labels), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

backend_test!(requests_are_counted_by_operation_and_outcome, |app| {
    let router = &app.router;
    let named = json!({ "query": "query WhoAmI { actor { user { email } } }" });
    assert_eq!(post(router, Some(ADMIN_KEY), named.clone()).await, StatusCode::OK);
    assert_eq!(post(router, Some(ADMIN_KEY), named).await, StatusCode::OK);
    // `operationName` names the operation that runs.
    let two = json!({ "query": "query A { __typename } query B { actor { user { id } } }", "operationName": "B" });
    assert_eq!(post(router, Some(ADMIN_KEY), two).await, StatusCode::OK);
    assert_eq!(post(router, Some(ADMIN_KEY), json!({ "query": "{ __typename }" })).await, StatusCode::OK);
    // An invalid document, an error from a resolver, and a request without a key.
    assert_eq!(post(router, Some(ADMIN_KEY), json!({ "query": "query Broken { nope }" })).await, StatusCode::OK);
    let missing = json!({
        "query": "mutation Missing { userManagementCreateUser(createUserOptions: {
           authenticationDomainId: \"00000000-0000-0000-0000-000000000000\", email: \"a@example.com\", name: \"A\" })
           { createdUser { id } } }"
    });
    assert_eq!(post(router, Some(ADMIN_KEY), missing).await, StatusCode::OK);
    assert_eq!(post(router, None, json!({ "query": "query WhoAmI { __typename }" })).await, StatusCode::UNAUTHORIZED);

    let (status, content_type, text) = scrape(router).await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let requests = |operation: &str, outcome: &str| {
        sample(&text, &format!(r#"accessgraph_graphql_requests_total{{operation="{operation}",outcome="{outcome}"}}"#))
    };
    assert_eq!(requests("WhoAmI", "ok"), Some(2.0), "{text}");
    assert_eq!(requests("B", "ok"), Some(1.0), "{text}");
    assert_eq!(requests("anonymous", "ok"), Some(1.0), "{text}");
    assert_eq!(requests("Broken", "GRAPHQL_VALIDATION_FAILED"), Some(1.0), "{text}");
    assert_eq!(requests("unknown", "http_401"), Some(1.0), "{text}");
    assert_eq!(requests("Missing", "NOT_FOUND"), Some(1.0), "{text}");
    // The latency histogram counts each request once, under its operation.
    assert_eq!(
        sample(&text, r#"accessgraph_graphql_request_duration_seconds_count{operation="WhoAmI"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"accessgraph_graphql_request_duration_seconds_bucket{operation="WhoAmI",le="+Inf"}"#),
        Some(2.0),
        "{text}"
    );
    // The pool: connections in use and idle (at least the one SeaORM keeps open).
    let in_use = sample(&text, r#"accessgraph_db_pool_connections{state="in_use"}"#).expect("in_use");
    let idle = sample(&text, r#"accessgraph_db_pool_connections{state="idle"}"#).expect("idle");
    assert!(in_use >= 0.0 && in_use + idle >= 1.0, "in use {in_use}, idle {idle}");
    // Nothing was rate limited.
    assert_eq!(sample(&text, r#"accessgraph_rate_limited_requests_total{reason="concurrency"}"#), Some(0.0));
    assert_eq!(sample(&text, r#"accessgraph_rate_limited_requests_total{reason="failed_auth"}"#), Some(0.0));

    // Another router has its own counters.
    let other = app.router_with(HttpLimits::default()).await;
    let (_, _, text) = scrape(&other).await;
    assert_eq!(sample(&text, r#"accessgraph_graphql_requests_total{operation="WhoAmI",outcome="ok"}"#), None);
});

backend_test!(rate_limited_requests_are_counted, |app| {
    let limits = HttpLimits {
        max_concurrent_requests_per_user: 1,
        failed_auth_burst: 1,
        failed_auth_refill: Duration::from_secs(3600),
        ..HttpLimits::default()
    };
    let router = app.router_with(limits).await;

    // A request whose body is held back keeps the admin's only slot...
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let held_body = json!({ "query": "query Held { __typename }" }).to_string();
    let chunks = futures_util::stream::once(async move {
        let _ = started_tx.send(());
        let _ = release_rx.await;
        Ok::<_, std::io::Error>(Bytes::from(held_body))
    });
    let held = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Api-Key", ADMIN_KEY)
        .body(Body::from_stream(chunks))
        .expect("request");
    let in_flight = tokio::spawn(router.clone().oneshot(held));
    started_rx.await.expect("the held request reached its body");
    // ...so the next one is answered 429.
    let next = json!({ "query": "query Next { __typename }" });
    assert_eq!(post(&router, Some(ADMIN_KEY), next).await, StatusCode::TOO_MANY_REQUESTS);
    release_tx.send(()).expect("the held request is waiting");
    assert_eq!(in_flight.await.expect("task").expect("answer").status(), StatusCode::OK);

    // One failed key attempt is the burst; the second is throttled.
    assert_eq!(post(&router, Some(WRONG_KEY), json!({ "query": "{ __typename }" })).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post(&router, Some(WRONG_KEY), json!({ "query": "{ __typename }" })).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    let (_, _, text) = scrape(&router).await;
    assert_eq!(sample(&text, r#"accessgraph_rate_limited_requests_total{reason="concurrency"}"#), Some(1.0), "{text}");
    assert_eq!(sample(&text, r#"accessgraph_rate_limited_requests_total{reason="failed_auth"}"#), Some(1.0), "{text}");
    assert_eq!(
        sample(&text, r#"accessgraph_graphql_requests_total{operation="unknown",outcome="http_429"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"accessgraph_graphql_requests_total{operation="Held",outcome="ok"}"#),
        Some(1.0),
        "{text}"
    );
});

backend_test!(metrics_can_be_turned_off, |app| {
    let state = AppState::new(app.db.clone()).await.expect("app state");
    let router = http::router_with(state, HttpLimits::default(), MetricsEndpoint::Off);
    let (status, _, text) = scrape(&router).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    assert_eq!(post(&router, Some(ADMIN_KEY), json!({ "query": "{ __typename }" })).await, StatusCode::OK);
});
