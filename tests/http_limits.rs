//! The HTTP limits (`HttpLimits`, the `--max-*` and `--failed-auth-*` flags): body size, fields per
//! document, mutations over GET, JSON error bodies, requests in flight per user, and the throttle
//! of failed key attempts per client address. Each test builds a router with small limits over
//! its app's database.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use accessgraph::http::HttpLimits;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use entity::enums::UserType;
use futures_util::StreamExt;
use http_body_util::BodyExt;
use sea_orm::EntityTrait;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY};

const WHO_AM_I: &str = "{ actor { user { email } } }";
const WRONG_KEY: &str = "NRAK-WRONGWRONGWRONGWRONGWRONG12";

/// Sends `request` through `router`: status, headers and the body as JSON (`Value::Null` when
/// empty; a non-JSON body fails the test, since every answer must be JSON).
async fn call(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = router.clone().oneshot(request).await.expect("router answers");
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| panic!("{status}: body is not JSON: {}", String::from_utf8_lossy(&bytes)))
    };
    (status, headers, body)
}

fn post(key: Option<&str>) -> axum::http::request::Builder {
    let request = Request::post("/graphql").header("Content-Type", "application/json");
    match key {
        Some(key) => request.header("Api-Key", key),
        None => request,
    }
}

fn query_body(query: &str) -> String {
    json!({ "query": query }).to_string()
}

/// A request from `ip`, as `serve` marks it.
fn from(ip: [u8; 4], mut request: Request<Body>) -> Request<Body> {
    request.extensions_mut().insert(ConnectInfo(SocketAddr::from((ip, 40_000))));
    request
}

/// NerdGraph's error shape with one error.
fn error(message: &str, class: &str) -> Value {
    json!({"errors": [{"message": message, "extensions": {"errorClass": class}}]})
}

fn error_class(body: &Value) -> &str {
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "one error: {body}");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()), "a message: {body}");
    body["errors"][0]["extensions"]["errorClass"].as_str().unwrap_or_default()
}

fn bad_api_key_body() -> Value {
    json!({"errors":[{"message":"Bad API Key or no API Key provided","extensions":{"error_code":"BAD_API_KEY"}}]})
}

backend_test!(a_declared_oversized_body_is_refused_before_it_is_read, |app| {
    let router = app.router_with(HttpLimits { max_body_bytes: 1024, ..HttpLimits::default() }).await;
    for key in [Some(ADMIN_KEY), None] {
        let polled = Arc::new(AtomicBool::new(false));
        let flag = polled.clone();
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 1025]))])
            .inspect(move |_| flag.store(true, Ordering::SeqCst));
        let request = post(key).header(header::CONTENT_LENGTH, 1025).body(Body::from_stream(chunks)).expect("request");
        let (status, _, body) = call(&router, request).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
        assert_eq!(body, error("The request body is larger than 1024 bytes.", "BAD_USER_INPUT"));
        assert!(!polled.load(Ordering::SeqCst), "the body was read");
    }
    // At the limit, the request runs.
    let query = query_body(WHO_AM_I);
    let request = post(Some(ADMIN_KEY)).body(Body::from(format!("{query:<1024}"))).expect("request");
    let (status, _, body) = call(&router, request).await;
    assert_eq!((status, &body["data"]["actor"]["user"]["email"]), (StatusCode::OK, &json!(ADMIN_EMAIL)), "{body}");
});

backend_test!(a_chunked_body_is_cut_off_when_it_passes_the_limit, |app| {
    let router = app.router_with(HttpLimits { max_body_bytes: 4096, ..HttpLimits::default() }).await;
    // 1 MiB in 256-byte chunks, without a Content-Length.
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let chunks = futures_util::stream::iter((0..4096).map(|_| Ok::<_, std::io::Error>(Bytes::from(vec![b' '; 256]))))
        .inspect(move |_| {
            counter.fetch_add(256, Ordering::SeqCst);
        });
    let request = post(Some(ADMIN_KEY)).body(Body::from_stream(chunks)).expect("request");
    assert!(request.headers().get(header::CONTENT_LENGTH).is_none());
    let (status, _, body) = call(&router, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body, error("The request body is larger than 4096 bytes.", "BAD_USER_INPUT"));
    let pulled = pulled.load(Ordering::SeqCst);
    assert!(pulled <= 4096 + 256, "read {pulled} bytes of a body over the limit");
});

backend_test!(the_default_body_limit_applies_to_graphql, |app| {
    let padding = "x".repeat(8 * 1024 * 1024);
    let body = json!({ "query": WHO_AM_I, "variables": { "padding": padding } }).to_string();
    let (status, _, answer) = call(&app.router, post(Some(ADMIN_KEY)).body(Body::from(body)).expect("request")).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_class(&answer), "BAD_USER_INPUT");
});

backend_test!(documents_with_too_many_fields_are_refused_before_they_run, |app| {
    let router = app.router_with(HttpLimits { max_fields: 20, ..HttpLimits::default() }).await;
    let aliases = |n: usize| (0..n).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" ");
    let refused = error(
        "The query selects more than 20 fields (aliases and fragment spreads counted); split it into smaller queries.",
        "BAD_USER_INPUT",
    );

    let (status, _, body) = call(
        &router,
        post(Some(ADMIN_KEY)).body(query_body(&format!("{{ {} }}", aliases(20))).into()).expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["a19"], "RootQueryType", "{body}");

    let (status, _, body) = call(
        &router,
        post(Some(ADMIN_KEY)).body(query_body(&format!("{{ {} }}", aliases(21))).into()).expect("request"),
    )
    .await;
    assert_eq!((status, body), (StatusCode::OK, refused.clone()));

    // Fragments count once per spread: 4 selections of `actor` each spreading 5 fields.
    let query = format!(
        "{{ a: actor {{ ...F }} b: actor {{ ...F }} c: actor {{ ...F }} d: actor {{ ...F }} }} fragment F on Actor {{ {} }}",
        aliases(5)
    );
    let (status, _, body) =
        call(&router, post(Some(ADMIN_KEY)).body(query_body(&query).into()).expect("request")).await;
    assert_eq!((status, body), (StatusCode::OK, refused));

    // The default limit refuses the 500,000-alias document long before that.
    let (status, _, body) = call(
        &app.router,
        post(Some(ADMIN_KEY)).body(query_body(&format!("{{ {} }}", aliases(1_001))).into()).expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["errors"][0]["message"].as_str().map(|m| m.contains("more than 1000 fields")),
        Some(true),
        "{body}"
    );
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");
});

backend_test!(long_queries_are_refused, |app| {
    let router = app.router_with(HttpLimits { max_query_bytes: 100, ..HttpLimits::default() }).await;
    let query = format!("{{ actor {{ user {{ email }} }} }}{}", " ".repeat(80));
    let (status, _, body) =
        call(&router, post(Some(ADMIN_KEY)).body(query_body(&query).into()).expect("request")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, error("The query is 108 bytes long; at most 100 bytes are accepted.", "BAD_USER_INPUT"));
});

backend_test!(mutations_over_get_are_405_and_queries_still_run, |app| {
    let mutation = format!(
        r#"mutation {{ organizationUpdate(organization: {{name: "Renamed"}}, organizationId: "{}") {{ organizationInformation {{ name }} }} }}"#,
        app.organization_id
    );
    let uri = format!("/graphql?query={}", urlencode(&mutation));
    let (status, headers, body) =
        call(&app.router, Request::get(uri).header("Api-Key", ADMIN_KEY).body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(headers.get(header::ALLOW).and_then(|v| v.to_str().ok()), Some("POST"));
    assert_eq!(body, error("Mutations are accepted only over POST.", "BAD_USER_INPUT"));

    // Nothing changed, and a query over GET runs.
    let uri = format!("/graphql?query={}", urlencode("{ actor { organization { name } } }"));
    let (status, _, body) =
        call(&app.router, Request::get(uri).header("Api-Key", ADMIN_KEY).body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"data": {"actor": {"organization": {"name": "Test Organization"}}}}));

    // A named query chosen from a document that also holds a mutation runs too.
    let document = "query Q { actor { user { email } } } mutation M { organizationUpdate(organization: {name: \"x\"}) { errors { message } } }";
    let uri = format!("/graphql?query={}&operationName=Q", urlencode(document));
    let (status, _, body) =
        call(&app.router, Request::get(uri).header("Api-Key", ADMIN_KEY).body(Body::empty()).expect("request")).await;
    assert_eq!((status, &body["data"]["actor"]["user"]["email"]), (StatusCode::OK, &json!(ADMIN_EMAIL)), "{body}");
});

backend_test!(malformed_requests_get_json_errors, |app| {
    let cases: [(&str, &str, StatusCode, &str); 6] = [
        (
            "application/json",
            "{not json",
            StatusCode::BAD_REQUEST,
            "The request body is not valid JSON (line 1, column 2).",
        ),
        (
            "application/json",
            "",
            StatusCode::BAD_REQUEST,
            "The request body is empty or its JSON is incomplete (line 1, column 0).",
        ),
        (
            "application/json",
            "{\"query\": \"{ actor",
            StatusCode::BAD_REQUEST,
            "The request body is empty or its JSON is incomplete (line 1, column 18).",
        ),
        (
            "application/json",
            r#"{"query": 5}"#,
            StatusCode::BAD_REQUEST,
            "The request body is not a GraphQL request: send an object with `query` and optionally `variables` and `operationName` (line 1, column 11).",
        ),
        (
            "application/json",
            r#" [{"query": "{ __typename }"}, {"query": "{ __typename }"}]"#,
            StatusCode::BAD_REQUEST,
            "Batched requests are not supported: send one operation per request.",
        ),
        (
            "text/plain",
            r#"{"query": "{ __typename }"}"#,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The request body must be JSON, sent with Content-Type: application/json.",
        ),
    ];
    for (content_type, payload, expected_status, message) in cases {
        let request = Request::post("/graphql")
            .header("Content-Type", content_type)
            .header("Api-Key", ADMIN_KEY)
            .body(Body::from(payload))
            .expect("request");
        let (status, _, body) = call(&app.router, request).await;
        assert_eq!((status, body), (expected_status, error(message, "BAD_USER_INPUT")), "{payload:?}");
    }

    // JSON with a charset, or without a Content-Type, is accepted.
    for content_type in [Some("application/json; charset=utf-8"), None] {
        let mut request = Request::post("/graphql").header("Api-Key", ADMIN_KEY);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        let (status, _, body) = call(&app.router, request.body(query_body(WHO_AM_I).into()).expect("request")).await;
        assert_eq!((status, &body["data"]["actor"]["user"]["email"]), (StatusCode::OK, &json!(ADMIN_EMAIL)), "{body}");
    }

    // A GET with variables that are not JSON.
    let uri = format!("/graphql?query={}&variables=%7Bnope", urlencode(WHO_AM_I));
    let (status, _, body) =
        call(&app.router, Request::get(uri).header("Api-Key", ADMIN_KEY).body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error_class(&body), "BAD_USER_INPUT");

    // Unknown routes and methods.
    let (status, _, body) = call(&app.router, Request::get("/nope").body(Body::empty()).expect("request")).await;
    assert_eq!(
        (status, body),
        (StatusCode::NOT_FOUND, error("Not found: GraphQL is served at /graphql.", "NOT_FOUND"))
    );
    let (status, headers, body) =
        call(&app.router, Request::put("/graphql").header("Api-Key", ADMIN_KEY).body(Body::empty()).expect("request"))
            .await;
    assert_eq!((status, body), (StatusCode::METHOD_NOT_ALLOWED, error("Method not allowed.", "BAD_USER_INPUT")));
    let allow = headers.get(header::ALLOW).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(allow.contains("POST") && allow.contains("GET"), "Allow: {allow}");

    // The 401 body is NerdGraph's, unchanged.
    let (status, _, body) = call(&app.router, post(None).body(query_body(WHO_AM_I).into()).expect("request")).await;
    assert_eq!((status, body), (StatusCode::UNAUTHORIZED, bad_api_key_body()));
});

/// A request of `key` whose body is held back until `release` fires; `started` fires when the
/// server begins reading it, that is, once the request holds its user's slot.
fn held_request(key: &str) -> (Request<Body>, tokio::sync::oneshot::Receiver<()>, tokio::sync::oneshot::Sender<()>) {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    let body = query_body(WHO_AM_I);
    let chunks = futures_util::stream::once(async move {
        let _ = started_tx.send(());
        let _ = release_rx.await;
        Ok::<_, std::io::Error>(Bytes::from(body))
    });
    let request = post(Some(key)).body(Body::from_stream(chunks)).expect("request");
    (request, started_rx, release_tx)
}

backend_test!(one_request_too_many_of_one_user_gets_429, |app| {
    let router = app.router_with(HttpLimits { max_concurrent_requests_per_user: 1, ..HttpLimits::default() }).await;
    let other_user = app.create_user("other@example.com", UserType::Full).await;
    let other_key = app.create_key(other_user).await;

    let (held, started, release) = held_request(ADMIN_KEY);
    let in_flight = tokio::spawn(router.clone().oneshot(held));
    started.await.expect("the held request reached its body");

    // The admin's next request is refused; another user is not affected.
    let (status, _, body) =
        call(&router, post(Some(ADMIN_KEY)).body(query_body(WHO_AM_I).into()).expect("request")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        body,
        json!({"errors":[{"message":"Too many concurrent requests","extensions":{"errorClass":"TOO_MANY_REQUESTS"}}]})
    );
    let (status, _, body) =
        call(&router, post(Some(&other_key)).body(query_body(WHO_AM_I).into()).expect("request")).await;
    assert_eq!(
        (status, &body["data"]["actor"]["user"]["email"]),
        (StatusCode::OK, &json!("other@example.com")),
        "{body}"
    );

    // The held request completes, and its slot is free again.
    release.send(()).expect("the held request is waiting");
    let response = in_flight.await.expect("task").expect("router answers");
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _, body) =
        call(&router, post(Some(ADMIN_KEY)).body(query_body(WHO_AM_I).into()).expect("request")).await;
    assert_eq!((status, &body["data"]["actor"]["user"]["email"]), (StatusCode::OK, &json!(ADMIN_EMAIL)), "{body}");
});

backend_test!(a_timed_out_request_frees_its_slot, |app| {
    let limits = HttpLimits {
        max_concurrent_requests_per_user: 1,
        request_timeout: Duration::from_millis(200),
        ..HttpLimits::default()
    };
    let router = app.router_with(limits).await;
    // A body that never ends: the request times out while holding the slot.
    let (held, _started, _release) = held_request(ADMIN_KEY);
    let (status, _, body) = call(&router, held).await;
    assert_eq!(
        (status, body),
        (StatusCode::REQUEST_TIMEOUT, error("The request took too long and was cancelled.", "TIMEOUT"))
    );
    let (status, _, body) =
        call(&router, post(Some(ADMIN_KEY)).body(query_body(WHO_AM_I).into()).expect("request")).await;
    assert_eq!((status, &body["data"]["actor"]["user"]["email"]), (StatusCode::OK, &json!(ADMIN_EMAIL)), "{body}");
});

backend_test!(failed_key_attempts_are_throttled_per_address, |app| {
    let limits =
        HttpLimits { failed_auth_burst: 3, failed_auth_refill: Duration::from_secs(3600), ..HttpLimits::default() };
    let router = app.router_with(limits).await;
    let attempt =
        |key: &str, ip: [u8; 4]| from(ip, post(Some(key)).body(query_body(WHO_AM_I).into()).expect("request"));
    let (attacker, colleague) = ([203, 0, 113, 7], [198, 51, 100, 1]);

    // A deleted user's key fails like a wrong key, with the same body.
    let leaver = app.create_user("leaver@example.com", UserType::Full).await;
    let deleted_key = app.create_key(leaver).await;
    entity::user::Entity::delete_by_id(leaver).exec(&app.db).await.expect("delete user");

    for key in [WRONG_KEY, deleted_key.as_str(), "not a key"] {
        let (status, _, body) = call(&router, attempt(key, attacker)).await;
        assert_eq!((status, body), (StatusCode::UNAUTHORIZED, bad_api_key_body()), "{key}");
    }
    // The burst is spent: the next attempts get 429 from this address...
    for key in [WRONG_KEY, "NRAK-ANOTHERWRONGKEY0000000000"] {
        let (status, headers, body) = call(&router, attempt(key, attacker)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{key}: {body}");
        assert_eq!(
            body,
            error("Too many failed authentication attempts from this address; try again later", "TOO_MANY_REQUESTS")
        );
        let retry_after: u64 =
            headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()?.parse().ok()).expect("Retry-After");
        assert!((1..=3600).contains(&retry_after), "Retry-After: {retry_after}");
    }
    // ...while a valid key from it is still served (addresses are shared by many clients).
    let (status, _, body) = call(&router, attempt(ADMIN_KEY, attacker)).await;
    assert_eq!((status, &body["data"]["actor"]["user"]["email"]), (StatusCode::OK, &json!(ADMIN_EMAIL)), "{body}");
    // Another address is not affected: its right key works, its wrong keys get 401.
    let (status, _, body) = call(&router, attempt(ADMIN_KEY, colleague)).await;
    assert_eq!((status, &body["data"]["actor"]["user"]["email"]), (StatusCode::OK, &json!(ADMIN_EMAIL)), "{body}");
    let (status, _, body) = call(&router, attempt(WRONG_KEY, colleague)).await;
    assert_eq!((status, body), (StatusCode::UNAUTHORIZED, bad_api_key_body()));
    // Requests without a key are not failed key attempts, but a blocked address gets 429 for them too.
    let (status, _, _) =
        call(&router, from(colleague, post(None).body(query_body(WHO_AM_I).into()).expect("request"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) =
        call(&router, from(attacker, post(None).body(query_body(WHO_AM_I).into()).expect("request"))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
});

backend_test!(parallel_failed_attempts_get_exactly_the_burst_of_401s, |app| {
    let limits =
        HttpLimits { failed_auth_burst: 5, failed_auth_refill: Duration::from_secs(3600), ..HttpLimits::default() };
    let router = app.router_with(limits).await;
    let attempts: Vec<_> = (0..12)
        .map(|i| {
            let key = format!("NRAK-WRONGWRONGWRONGWRONGWRONG{i:02}");
            let request = from([203, 0, 113, 8], post(Some(&key)).body(query_body(WHO_AM_I).into()).expect("request"));
            tokio::spawn(router.clone().oneshot(request))
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.expect("task").expect("router answers").status());
    }
    let unauthorized = statuses.iter().filter(|status| **status == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|status| **status == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((unauthorized, throttled), (5, 7), "{statuses:?}");
});

backend_test!(forwarded_for_counts_only_when_trusted, |app| {
    let limits =
        HttpLimits { failed_auth_burst: 2, failed_auth_refill: Duration::from_secs(3600), ..HttpLimits::default() };
    let proxy = [10, 0, 0, 1];
    let attempt = |key: &str, forwarded: &str| {
        from(
            proxy,
            post(Some(key)).header("X-Forwarded-For", forwarded).body(query_body(WHO_AM_I).into()).expect("request"),
        )
    };

    // Not trusted: a client cannot escape the throttle by making up addresses.
    let router = app.router_with(limits.clone()).await;
    let mut statuses = Vec::new();
    for i in 1..=4 {
        statuses.push(call(&router, attempt(WRONG_KEY, &format!("192.0.2.{i}"))).await.0);
    }
    assert_eq!(
        statuses,
        [
            StatusCode::UNAUTHORIZED,
            StatusCode::UNAUTHORIZED,
            StatusCode::TOO_MANY_REQUESTS,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );

    // Trusted: the address the proxy appended (the last one) is the client's.
    let router = app.router_with(HttpLimits { trust_forwarded_for: true, ..limits }).await;
    for expected in [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS] {
        assert_eq!(call(&router, attempt(WRONG_KEY, "192.0.2.1")).await.0, expected);
    }
    // A made-up first entry does not change the client's address.
    assert_eq!(call(&router, attempt(WRONG_KEY, "198.51.100.9, 192.0.2.1")).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(call(&router, attempt(WRONG_KEY, "192.0.2.2")).await.0, StatusCode::UNAUTHORIZED);
});

/// Over a real socket, `serve` gives each request its peer's address: attempts from 127.0.0.2
/// are throttled while 127.0.0.1 still gets in.
#[cfg(target_os = "linux")]
mod over_tcp {
    use super::*;

    async fn http_post(server: SocketAddr, source: [u8; 4], key: &str) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(SocketAddr::from((source, 0))).expect("bind a loopback source address");
        let mut stream = socket.connect(server).await.expect("connect");
        let body = query_body(WHO_AM_I);
        let request = format!(
            "POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nApi-Key: {key}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).await.expect("read");
        response.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("{response}"))
    }

    backend_test!(serve_throttles_by_peer_address, |app| {
        let limits =
            HttpLimits { failed_auth_burst: 1, failed_auth_refill: Duration::from_secs(3600), ..HttpLimits::default() };
        let router = app.router_with(limits).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let server = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let serving = tokio::spawn(accessgraph::serve(listener, router, async move {
            let _ = stopped.await;
        }));

        assert_eq!(http_post(server, [127, 0, 0, 2], WRONG_KEY).await, 401);
        assert_eq!(http_post(server, [127, 0, 0, 2], WRONG_KEY).await, 429);
        assert_eq!(http_post(server, [127, 0, 0, 1], WRONG_KEY).await, 401);
        assert_eq!(http_post(server, [127, 0, 0, 2], ADMIN_KEY).await, 200);

        stop.send(()).expect("server running");
        serving.await.expect("task").expect("served");
    });
}

/// `%`-encodes everything but unreserved characters.
fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
