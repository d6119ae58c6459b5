//! The HTTP surface: `POST /graphql` (and GraphQL over `GET /graphql`), GraphiQL at `GET /graphiql`
//! (and `GET /graphql` from a browser), and `GET /healthz`.
//!
//! Every request passes the same stack: a panic becomes a JSON 500, a request taking longer than
//! the timeout is answered 408, bodies are size-limited, and each request is traced.

use std::any::Any;
use std::time::Duration;

use async_graphql::http::GraphiQLSource;
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::AppState;
use crate::auth::{self, AuthError};
use crate::graphql::loaders::Loaders;

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// NerdGraph's answer to a missing or wrong key (HTTP 401).
pub const BAD_API_KEY_MESSAGE: &str = "Bad API Key or no API Key provided";

pub fn router(state: AppState, request_timeout: Duration) -> Router {
    Router::new()
        .route("/graphql", get(graphql_get).post(graphql_post))
        .route("/graphiql", get(graphiql))
        .route("/healthz", get(healthz))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(TraceLayer::new_for_http())
                .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout)),
        )
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// A GraphQL request: authenticate, then execute with this request's viewer and fresh loaders.
async fn graphql_post(State(state): State<AppState>, request: Request) -> Response {
    execute(state, request).await
}

/// A browser gets GraphiQL; anything else is GraphQL over GET (query string).
async fn graphql_get(State(state): State<AppState>, request: Request) -> Response {
    if wants_html(request.headers()) {
        return graphiql().await.into_response();
    }
    execute(state, request).await
}

async fn execute(state: AppState, request: Request) -> Response {
    let viewer = match auth::authenticate(&state.db, request.headers()).await {
        Ok(viewer) => viewer,
        Err(AuthError::BadApiKey) => return bad_api_key(),
        Err(AuthError::Database(err)) => {
            tracing::error!(error = %err, "database error while authenticating");
            return server_error();
        }
    };
    let gql = match <GraphQLRequest as FromRequest<()>>::from_request(request, &()).await {
        Ok(gql) => gql.into_inner(),
        Err(rejection) => return rejection.into_response(),
    };
    tracing::debug!(user_id = viewer.user_id, "graphql request");
    let gql = gql.data(Loaders::new(&state.db, &state.catalog)).data(viewer);
    GraphQLResponse::from(state.schema.execute(gql).await).into_response()
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|accept| accept.contains("text/html"))
}

async fn graphiql() -> Html<String> {
    Html(GraphiQLSource::build().endpoint("/graphql").title("AccessGraph").header("Api-Key", "").finish())
}

async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.ping().await {
        Ok(()) => Json(json!({ "status": "ok" })).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "health check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "unavailable" }))).into_response()
        }
    }
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
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Json(json!({
            "errors": [{
                "message": crate::graphql::error::INTERNAL_ERROR_MESSAGE,
                "extensions": { "errorClass": "INTERNAL_SERVER_ERROR" }
            }]
        })),
    )
        .into_response()
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
