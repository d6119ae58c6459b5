//! The HTTP surface: `POST /graphql` (and queries over `GET /graphql`), GraphiQL at `GET /graphiql`
//! (and `GET /graphql` from a browser), and `GET /healthz`; SCIM 2.0 at `/scim/v2/` ([`crate::scim`]),
//! whose error answers (408 and 413 too) are SCIM's and whose failed bearer tokens count in the
//! same per-address throttle as failed keys.
//!
//! Every request passes the same stack: a panic becomes a JSON 500, a request taking longer than
//! the timeout is answered 408, a body over the limit is answered 413 before it is buffered, and
//! every error answer (404, 405, 408, 413, ...) is JSON in NerdGraph's error shape. A GraphQL
//! request then goes through [`HttpState::graphql`]: authentication (with the client address's
//! failed-key throttle), the user's concurrency slot, reading and parsing the body, the document
//! checks ([`document`]), and execution. The limits are [`HttpLimits`]. `GET /metrics` serves the
//! router's counters in Prometheus' format ([`metrics`]), unless turned off.

mod document;
mod limits;
pub mod metrics;
mod playground;
mod rest_users;
mod signin;

use std::any::Any;
use std::error::Error as StdError;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use self::metrics::{Metrics, RateLimit, RequestRecord};

use async_graphql_axum::GraphQLResponse;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router, middleware};
use http_body_util::LengthLimitError;
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use self::limits::HttpLimits;
use self::limits::{FailedAuthThrottle, UserSlots, client_ip};
use crate::AppState;
use crate::auth::{self, AuthError, Credential, Viewer, sessions};
use crate::graphql::error::{ErrorClass, INTERNAL_ERROR_MESSAGE};
use crate::graphql::loaders::Loaders;

/// NerdGraph's answer to a missing or wrong key (HTTP 401).
pub const BAD_API_KEY_MESSAGE: &str = "Bad API Key or no API Key provided";

/// NerdGraph's answer when one user has too many requests in flight (HTTP 429).
pub const TOO_MANY_CONCURRENT_REQUESTS_MESSAGE: &str = "Too many concurrent requests";

/// The answer to a session cookie that names no live session (HTTP 401).
pub const SESSION_ENDED_MESSAGE: &str =
    "The session has ended (signed out, timed out, or ended by a newer sign-in): sign in again";

/// The answer to a client address over its failed-key limit (HTTP 429).
pub const TOO_MANY_FAILED_ATTEMPTS_MESSAGE: &str =
    "Too many failed authentication attempts from this address; try again later";

/// What the handlers share, behind one pointer: axum clones a handler's state for every request,
/// and a clone of [`Shared`] itself took an atomic increment (and, on drop, a decrement) for each
/// of its dozen shared parts.
#[derive(Clone)]
struct HttpState(Arc<Shared>);

impl std::ops::Deref for HttpState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The application, the limits and their counters.
struct Shared {
    app: AppState,
    limits: Arc<HttpLimits>,
    user_slots: Arc<UserSlots>,
    auth_throttle: Arc<FailedAuthThrottle>,
    /// Failed sign-ins by the email tried, and by client address.
    sign_in_by_user: Arc<FailedAuthThrottle<String>>,
    sign_in_by_address: Arc<FailedAuthThrottle<IpAddr>>,
    metrics: Arc<Metrics>,
    parsed_documents: Arc<document::ParsedDocuments>,
}

/// The application's router, enforcing `limits`, with `GET /metrics`. Its counters (requests in
/// flight, failed key attempts, metrics) belong to this router.
pub fn router(state: AppState, limits: HttpLimits) -> Router {
    router_with(state, limits, MetricsEndpoint::On)
}

/// Whether the router serves `GET /metrics` (its counters are kept either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsEndpoint {
    On,
    Off,
}

/// [`router`], with `/metrics` served or not.
pub fn router_with(state: AppState, limits: HttpLimits, metrics_endpoint: MetricsEndpoint) -> Router {
    let max_body_bytes = limits.max_body_bytes;
    let request_timeout = limits.request_timeout;
    let metrics = Metrics::new().expect("the metrics' names and labels are valid and registered once");
    let http = HttpState(Arc::new(Shared {
        app: state,
        user_slots: UserSlots::new(limits.max_concurrent_requests_per_user),
        auth_throttle: Arc::new(FailedAuthThrottle::new(limits.failed_auth_burst, limits.failed_auth_refill)),
        sign_in_by_user: Arc::new(FailedAuthThrottle::new(
            limits.failed_sign_in_burst_per_user,
            limits.failed_sign_in_refill,
        )),
        sign_in_by_address: Arc::new(FailedAuthThrottle::new(
            limits.failed_sign_in_burst_per_address,
            limits.failed_sign_in_refill,
        )),
        limits: Arc::new(limits),
        metrics: Arc::new(metrics),
        parsed_documents: Arc::new(document::ParsedDocuments::new()),
    }));
    let cors = cors_layer(&http.app.site.cors_allowed_origins);
    // SCIM's bearer tokens pass the same per-address throttle of failed attempts as API keys.
    let scim =
        crate::scim::router(http.app.clone()).layer(middleware::from_fn_with_state(http.clone(), scim_failed_auth));
    let mut router = Router::new()
        .nest_service("/scim/v2", scim)
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql", get(graphiql))
        .route("/playground/{file}", get(playground::asset))
        .route("/login", post(signin::login))
        .route("/logout", post(signin::logout))
        .route("/password", get(signin::password_page).post(signin::set_password))
        .route("/password/reset", post(signin::reset_password))
        .route("/healthz", get(healthz))
        .route("/v2/users.json", get(rest_users::users));
    if metrics_endpoint == MetricsEndpoint::On {
        router = router.route("/metrics", get(metrics_text));
    }
    let router =
        router.fallback(not_found).layer(middleware::from_fn_with_state(http.clone(), after_write)).with_state(http);
    let router = match cors {
        Some(cors) => router.layer(cors),
        None => router,
    };
    router
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(RequestBodyLimitLayer::new(max_body_bytes))
                // The same limit for axum's own body extractors (their default is 2 MB).
                .layer(DefaultBodyLimit::max(max_body_bytes))
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout)),
        )
        .layer(middleware::from_fn(move |request: Request, next: middleware::Next| async move {
            let scim = is_scim_path(request.uri().path());
            let response = next.run(request).await;
            if scim { scim_error_body(response, max_body_bytes) } else { json_error_body(response, max_body_bytes) }
        }))
        .layer(TraceLayer::new_for_http())
}

/// Answers a request that may have written (any method but GET, HEAD and OPTIONS; for GraphQL,
/// each mutation waits itself) only once what it wrote applies on every instance
/// ([`crate::auth::key_check::KeyCheck::after_write`]). A 4xx answer wrote nothing: every change
/// is one transaction, and a refused one is rolled back.
async fn after_write(State(http): State<HttpState>, request: Request, next: middleware::Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS)
        && request.uri().path() != "/graphql";
    let response = next.run(request).await;
    if writes && !response.status().is_client_error() {
        http.app.key_check.after_write().await;
    }
    response
}

/// How a GraphQL request arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Post,
    Get,
}

async fn graphql_post(State(http): State<HttpState>, request: Request) -> Response {
    http.graphql(request, Transport::Post).await
}

/// A browser gets GraphiQL; anything else is GraphQL over GET (query string; queries only).
async fn graphql_get(State(http): State<HttpState>, request: Request) -> Response {
    if wants_html(request.headers()) {
        return graphiql(State(http)).await;
    }
    http.graphql(request, Transport::Get).await
}

async fn metrics_text(State(http): State<HttpState>) -> Response {
    http.metrics.render(&http.app.db)
}

impl HttpState {
    /// Serves one GraphQL request and records it in the metrics (also when its future is dropped).
    async fn graphql(&self, request: Request, transport: Transport) -> Response {
        let mut record = self.metrics.start();
        let response = self.serve_graphql(request, transport, &mut record).await;
        record.answered(response.status());
        response
    }

    async fn serve_graphql(&self, request: Request, transport: Transport, record: &mut RequestRecord<'_>) -> Response {
        let ip = client_ip(&request, self.limits.trust_forwarded_for);
        let viewer = match self.authenticate(request.headers(), ip).await {
            Ok(viewer) => viewer,
            Err(response) => return response,
        };
        if matches!(viewer.credential, Credential::Session { .. })
            && let Some(refused) = cookie_request_refused(request.headers(), transport)
        {
            return refused;
        }
        let public_url = signin::public_url(self, request.headers());
        // Held until this function returns, or its future is dropped (timeout, panic).
        let Some(_slot) = self.user_slots.try_acquire(viewer.user_id) else {
            tracing::info!(user_id = viewer.user_id, "too many concurrent requests");
            self.metrics.rate_limited(RateLimit::Concurrency);
            return error_response(
                StatusCode::TOO_MANY_REQUESTS,
                ErrorClass::TooManyRequests,
                TOO_MANY_CONCURRENT_REQUESTS_MESSAGE,
            );
        };
        let gql = match transport {
            Transport::Post => {
                let (parts, body) = request.into_parts();
                read_body(body, self.limits.max_body_bytes).await.and_then(|bytes| parse_post(&parts.headers, &bytes))
            }
            Transport::Get => parse_get(&request),
        };
        let mut gql = match gql {
            Ok(gql) => gql,
            Err(refused) => return refused.into_response(),
        };
        let checked = document::check(&mut gql, &self.limits, &self.parsed_documents, transport == Transport::Get);
        // A document refused for its length is not parsed, not even to name it.
        record.operation(match &checked {
            Err(document::Refusal::QueryTooLong { .. }) => {
                gql.operation_name.clone().unwrap_or_else(|| metrics::UNKNOWN_OPERATION.to_owned())
            }
            _ => metrics::operation_name(&mut gql),
        });
        if let Err(refusal) = checked {
            record.refused(ErrorClass::BadUserInput.as_str());
            return match refusal {
                document::Refusal::MutationOverGet => {
                    let mut response =
                        error_response(StatusCode::METHOD_NOT_ALLOWED, ErrorClass::BadUserInput, &refusal.message());
                    response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
                    response
                }
                // Refused before execution, answered like any other invalid document.
                _ => error_response(StatusCode::OK, ErrorClass::BadUserInput, &refusal.message()),
            };
        }
        tracing::debug!(user_id = viewer.user_id, "graphql request");
        let state = &self.app;
        // A document that passed validation before with this operation and these variables
        // passes again: it runs on the schema that checks only what bounds its cost.
        let validation = document::Validation::of(&gql);
        let validated =
            validation.as_ref().is_some_and(|validation| self.parsed_documents.passed(&gql.query, validation));
        let to_record = validation.filter(|_| !validated).map(|validation| (gql.query.clone(), validation));
        let loaders = Loaders::for_viewer(&state.reads, &state.catalog, &state.access_cache, &viewer).await;
        let gql = gql.data(loaders).data(viewer).data(crate::graphql::PublicUrl(public_url));
        let schema = if validated { &state.validated_schema } else { &state.schema };
        let response = crate::graphql::execute(schema, gql).await;
        if let Some((query, validation)) = to_record
            && crate::graphql::passed_validation(&response)
        {
            self.parsed_documents.record_passed(&query, validation);
        }
        record.executed(&response);
        GraphQLResponse::from(response).into_response()
    }

    /// The request's viewer, or the answer: 401 for a missing or wrong key, 429 instead for a
    /// client address over its failed-key limit. A valid key is served whatever its address did:
    /// many clients share one address (a CI runner, a NAT), and keys are far too long to guess, so
    /// the throttle slows down guessing without locking out the address's legitimate callers.
    ///
    /// Without a key, a session cookie is the door: a cookie that names no live session is
    /// answered 401 and cleared.
    async fn authenticate(&self, headers: &HeaderMap, ip: IpAddr) -> Result<Viewer, Response> {
        if auth::presented_key(headers).is_none()
            && let Some(token) = sessions::presented_token(headers)
        {
            // Boxed: the session check's future, inline, would make every request's future (moved
            // at each await) larger, keys' included.
            return match Box::pin(sessions::authenticate(&self.app.db, &token)).await {
                Ok(viewer) => Ok(viewer),
                Err(AuthError::Database(err)) => {
                    tracing::error!(error = %err, "database error while checking a session");
                    Err(server_error())
                }
                Err(AuthError::BadApiKey | AuthError::SessionEnded) => {
                    let mut response =
                        error_response(StatusCode::UNAUTHORIZED, ErrorClass::Unauthenticated, SESSION_ENDED_MESSAGE);
                    response
                        .headers_mut()
                        .append(header::SET_COOKIE, sessions::cleared_cookie(self.app.site.secure_cookies));
                    Err(response)
                }
            };
        }
        match auth::authenticate(&self.app.db, &self.app.key_check, headers).await {
            Ok(viewer) => Ok(viewer),
            Err(AuthError::BadApiKey | AuthError::SessionEnded) => {
                let blocked = if auth::presented_key(headers).is_some() {
                    let blocked = self.auth_throttle.record_failure(ip);
                    if blocked.is_some() {
                        tracing::warn!(client = %ip, "failed key attempts over the limit: address blocked");
                    }
                    blocked
                } else {
                    self.auth_throttle.blocked_for(ip)
                };
                Err(match blocked {
                    Some(wait) => {
                        self.metrics.rate_limited(RateLimit::FailedAuth);
                        too_many_failed_attempts(wait, TOO_MANY_FAILED_ATTEMPTS_MESSAGE)
                    }
                    None => bad_api_key(),
                })
            }
            Err(AuthError::Database(err)) => {
                tracing::error!(error = %err, "database error while authenticating");
                Err(server_error())
            }
        }
    }
}

/// The whole body, or 413 as soon as it grows past `max` bytes.
async fn read_body(body: Body, max: usize) -> Result<Bytes, Refused> {
    match axum::body::to_bytes(body, max).await {
        Ok(bytes) => Ok(bytes),
        Err(err) if is_length_limit(&err) => Err(Refused::payload_too_large(max)),
        Err(err) => {
            tracing::debug!(error = %err, "cannot read a request body");
            Err(Refused::bad_request("The request body could not be read."))
        }
    }
}

fn is_length_limit(err: &axum::Error) -> bool {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(err) = cause {
        if err.is::<LengthLimitError>() {
            return true;
        }
        cause = err.source();
    }
    false
}

/// A POST body: one GraphQL request as JSON.
fn parse_post(headers: &HeaderMap, body: &[u8]) -> Result<async_graphql::Request, Refused> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let essence =
            content_type.to_str().ok().and_then(|v| v.split(';').next()).map(|v| v.trim().to_ascii_lowercase());
        if !essence.is_some_and(|essence| essence == "application/json" || essence.ends_with("+json")) {
            return Err(Refused {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                class: ErrorClass::BadUserInput,
                message: "The request body must be JSON, sent with Content-Type: application/json.".to_owned(),
            });
        }
    }
    if body.iter().find(|byte| !byte.is_ascii_whitespace()) == Some(&b'[') {
        return Err(Refused::bad_request("Batched requests are not supported: send one operation per request."));
    }
    serde_json::from_slice(body).map_err(|err| {
        use serde_json::error::Category;
        let (line, column) = (err.line(), err.column());
        Refused::bad_request(match err.classify() {
            Category::Eof => format!("The request body is empty or its JSON is incomplete (line {line}, column {column})."),
            Category::Data => format!(
                "The request body is not a GraphQL request: send an object with `query` and optionally `variables` and `operationName` (line {line}, column {column})."
            ),
            Category::Syntax | Category::Io => {
                format!("The request body is not valid JSON (line {line}, column {column}).")
            }
        })
    })
}

/// A GET query string: `query`, and optionally `variables` (JSON), `operationName` and
/// `extensions` (JSON), as the GraphQL-over-HTTP spec names them.
fn parse_get(request: &Request) -> Result<async_graphql::Request, Refused> {
    #[derive(serde::Deserialize)]
    struct Params {
        #[serde(default)]
        query: String,
        #[serde(rename = "operationName", alias = "operation_name")]
        operation_name: Option<String>,
        variables: Option<String>,
        extensions: Option<String>,
    }
    let invalid = || {
        Refused::bad_request(
            "The query string is not a GraphQL request: send `query`, and optionally `variables` as JSON and `operationName`.",
        )
    };
    let Query(params) = Query::<Params>::try_from_uri(request.uri()).map_err(|_| invalid())?;
    let json_param = |param: Option<&str>| -> Result<serde_json::Value, Refused> {
        param
            .filter(|text| !text.is_empty())
            .map_or(Ok(serde_json::Value::Null), |text| serde_json::from_str(text).map_err(|_| invalid()))
    };
    let mut gql = json!({ "query": params.query, "operationName": params.operation_name });
    for (name, value) in [
        ("variables", json_param(params.variables.as_deref())?),
        ("extensions", json_param(params.extensions.as_deref())?),
    ] {
        if !value.is_null() {
            gql[name] = value;
        }
    }
    serde_json::from_value(gql).map_err(|_| invalid())
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"))
}

async fn graphiql(State(http): State<HttpState>) -> Response {
    playground::page(http.app.site.introspection)
}

/// A request authenticated by a session cookie may not be a cross-site one, and a POST must say
/// it is JSON (`Content-Type: application/json`): a form of another site can do neither, so a
/// forged request changes nothing even if a browser sent the cookie along.
fn cookie_request_refused(headers: &HeaderMap, transport: Transport) -> Option<Response> {
    if signin::cross_site(headers) {
        return Some(error_response(
            StatusCode::FORBIDDEN,
            ErrorClass::Forbidden,
            "Cross-site requests with a session cookie are refused.",
        ));
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("application/json"));
    (transport == Transport::Post && !json).then(|| {
        error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorClass::BadUserInput,
            "With a session cookie, send GraphQL as JSON: Content-Type: application/json.",
        )
    })
}

/// CORS for the configured origins only (no credentials: cookies stay same-site); `None`
/// without any, so that browsers refuse cross-origin reads.
fn cors_layer(origins: &[String]) -> Option<tower_http::cors::CorsLayer> {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o.trim()).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
            .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, header::HeaderName::from_static("api-key")]),
    )
}

async fn healthz(State(http): State<HttpState>) -> Response {
    match http.app.db.ping().await {
        Ok(()) => Json(json!({ "status": "ok" })).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable" }))).into_response()
        }
    }
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, ErrorClass::NotFound, "Not found: GraphQL is served at /graphql.")
}

/// An error answer in NerdGraph's shape: `{"errors":[{"message":…,"extensions":{"errorClass":…}}]}`.
pub fn error_response(status: StatusCode, class: ErrorClass, message: &str) -> Response {
    (status, Json(json!({ "errors": [{ "message": message, "extensions": { "errorClass": class.as_str() } }] })))
        .into_response()
}

/// A request refused before it runs, answered with `status` and NerdGraph's error shape.
#[derive(Debug)]
struct Refused {
    status: StatusCode,
    class: ErrorClass,
    message: String,
}

impl Refused {
    fn bad_request(message: impl Into<String>) -> Self {
        Refused { status: StatusCode::BAD_REQUEST, class: ErrorClass::BadUserInput, message: message.into() }
    }

    fn payload_too_large(max: usize) -> Self {
        Refused {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            class: ErrorClass::BadUserInput,
            message: format!("The request body is larger than {max} bytes."),
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        error_response(self.status, self.class, &self.message)
    }
}

fn too_many_failed_attempts(wait: Duration, message: &str) -> Response {
    let mut response = error_response(StatusCode::TOO_MANY_REQUESTS, ErrorClass::TooManyRequests, message);
    response.headers_mut().insert(header::RETRY_AFTER, retry_after(wait));
    response
}

/// `Retry-After` for `wait`: whole seconds, rounded up, at least 1.
fn retry_after(wait: Duration) -> HeaderValue {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    HeaderValue::from(seconds.max(1))
}

/// HTTP 401 with NerdGraph's exact body.
pub fn bad_api_key() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({
            "errors": [{ "message": BAD_API_KEY_MESSAGE, "extensions": { "error_code": "BAD_API_KEY" } }]
        })),
    )
        .into_response()
}

fn server_error() -> Response {
    error_response(StatusCode::INTERNAL_SERVER_ERROR, ErrorClass::InternalServerError, INTERNAL_ERROR_MESSAGE)
}

/// Counts a SCIM request refused for its bearer token (401) as a failed attempt of its client
/// address, in the throttle API keys go through: past the limit, the answer is 429 in SCIM's error
/// shape with `Retry-After`. A request without a token gets 429 while its address is blocked; a
/// valid token is served whatever its address did (as a valid key is).
async fn scim_failed_auth(State(http): State<HttpState>, request: Request, next: middleware::Next) -> Response {
    let ip = client_ip(&request, http.limits.trust_forwarded_for);
    let presented = crate::scim::bearer_token(request.headers()).is_some();
    let response = next.run(request).await;
    if response.status() != StatusCode::UNAUTHORIZED {
        return response;
    }
    let blocked = if presented {
        let blocked = http.auth_throttle.record_failure(ip);
        if blocked.is_some() {
            tracing::warn!(client = %ip, "failed SCIM token attempts over the limit: address blocked");
        }
        blocked
    } else {
        http.auth_throttle.blocked_for(ip)
    };
    match blocked {
        Some(wait) => {
            http.metrics.rate_limited(RateLimit::FailedAuth);
            let mut response =
                crate::scim::scim_error(StatusCode::TOO_MANY_REQUESTS, None, TOO_MANY_FAILED_ATTEMPTS_MESSAGE);
            response.headers_mut().insert(header::RETRY_AFTER, retry_after(wait));
            response
        }
        None => response,
    }
}

/// Whether `path` is one of SCIM's (`/scim/v2` and below).
fn is_scim_path(path: &str) -> bool {
    path.strip_prefix("/scim/v2").is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Gives every error answer on a SCIM path that is not SCIM's yet (the layers' 408 and 413, a
/// panic's 500) SCIM's error shape and content type, keeping its status and headers.
fn scim_error_body(response: Response, max_body_bytes: usize) -> Response {
    let status = response.status();
    let is_scim = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(crate::scim::CONTENT_TYPE));
    if !(status.is_client_error() || status.is_server_error()) || is_scim {
        return response;
    }
    let message = match status {
        StatusCode::UNAUTHORIZED => "A valid SCIM bearer token is required".to_owned(),
        status => error_message(status, max_body_bytes).1,
    };
    let (parts, _) = response.into_parts();
    let mut answer = crate::scim::scim_error(status, None, &message);
    copy_headers(&parts.headers, &mut answer);
    answer
}

/// Keeps the headers of an answer whose body is replaced (such as `Allow` and `Retry-After`), but
/// its content type and length.
fn copy_headers(from: &HeaderMap, to: &mut Response) {
    for (name, value) in from {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            to.headers_mut().append(name.clone(), value.clone());
        }
    }
}

/// The errorClass and message of an error answer the HTTP layer gives without a body of its own.
fn error_message(status: StatusCode, max_body_bytes: usize) -> (ErrorClass, String) {
    let (class, message) = match status {
        StatusCode::NOT_FOUND => (ErrorClass::NotFound, "Not found: GraphQL is served at /graphql."),
        StatusCode::METHOD_NOT_ALLOWED => (ErrorClass::BadUserInput, "Method not allowed."),
        StatusCode::REQUEST_TIMEOUT => (ErrorClass::Timeout, "The request took too long and was cancelled."),
        StatusCode::PAYLOAD_TOO_LARGE => {
            return (ErrorClass::BadUserInput, Refused::payload_too_large(max_body_bytes).message);
        }
        StatusCode::FORBIDDEN => (ErrorClass::Forbidden, "Forbidden."),
        StatusCode::TOO_MANY_REQUESTS => (ErrorClass::TooManyRequests, "Too many requests."),
        status if status.is_server_error() => (ErrorClass::InternalServerError, INTERNAL_ERROR_MESSAGE),
        status => (ErrorClass::BadUserInput, status.canonical_reason().unwrap_or("Bad request.")),
    };
    (class, message.to_owned())
}

/// Gives every error answer that is not JSON yet (the layers' 408 and 413, axum's 405 and
/// rejections) a JSON body in NerdGraph's shape, keeping its status and headers (such as `Allow`).
fn json_error_body(response: Response, max_body_bytes: usize) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|essence| essence.trim().ends_with("json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    if status == StatusCode::UNAUTHORIZED {
        return bad_api_key();
    }
    let (class, message) = error_message(status, max_body_bytes);
    let (parts, _) = response.into_parts();
    let mut answer = error_response(status, class, &message);
    copy_headers(&parts.headers, &mut answer);
    answer
}

fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = detail, "request handler panicked");
    let mut response = server_error();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
