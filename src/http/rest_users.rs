//! New Relic's REST API v2 read of an account's users: `GET /v2/users.json` with the `X-Api-Key`
//! header, answering `{"users":[{"id","first_name","last_name","email","role"}]}` for the key's
//! account: its original (v1) user model users, inherited ones included, 100 a page (`page`, from
//! 1), optionally only the user of one email (`filter[email]`).
//!
//! The key goes through the same authentication and failed-key throttle as `/graphql`; reading
//! needs "Read v1 users" (or "Manage v1 users") on the key's account, decided by
//! `access::decision` like every other door. Errors use the REST API's shape,
//! `{"error":{"title":…}}`: 401 for a missing or bad key, 403 without the capability.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::HttpState;
use super::limits::client_ip;
use crate::access::decision::{self, Action, Actor, OriginalUsersOp, Principal};
use crate::access::original::BaseRole;
use crate::auth::Credential;
use crate::domain::original_users;
use crate::graphql::loaders::Loaders;

/// Users per page.
pub const PAGE_SIZE: u64 = 100;
/// The highest page asked for (far beyond any account's users, and an offset the database takes).
pub const MAX_PAGE: u64 = 1_000_000;
/// The REST API's text for a missing or bad key.
pub const INVALID_KEY: &str = "The API key provided is invalid";

fn rest_error(status: StatusCode, title: &str) -> Response {
    (status, Json(json!({ "error": { "title": title } }))).into_response()
}

/// The request's headers with `X-Api-Key` also presented as `Api-Key` (the header `/graphql`
/// reads), so that both doors authenticate a key the same way.
fn with_api_key(headers: &HeaderMap) -> HeaderMap {
    let mut headers = headers.clone();
    if let Some(value) = headers.get("x-api-key").cloned()
        && headers.get("api-key").is_none()
    {
        headers.insert("api-key", value);
    }
    headers
}

fn role_name(role: BaseRole) -> &'static str {
    match role {
        BaseRole::Owner => "owner",
        BaseRole::Admin => "admin",
        BaseRole::User => "user",
        BaseRole::Restricted => "restricted",
    }
}

/// `GET /v2/users.json`.
pub(super) async fn users(
    State(http): State<HttpState>,
    Query(params): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let ip = client_ip(&request, http.limits.trust_forwarded_for);
    let headers = with_api_key(request.headers());
    let viewer = match http.authenticate(&headers, ip).await {
        Ok(viewer) => viewer,
        Err(response) if response.status() == StatusCode::UNAUTHORIZED => {
            return rest_error(StatusCode::UNAUTHORIZED, INVALID_KEY);
        }
        Err(response) => return response,
    };
    let Credential::ApiKey { account_id, .. } = viewer.credential else {
        return rest_error(StatusCode::UNAUTHORIZED, INVALID_KEY);
    };
    let page = match params.get("page").map(|p| p.trim().parse::<u64>()) {
        None => 1,
        Some(Ok(page)) if (1..=MAX_PAGE).contains(&page) => page,
        Some(_) => {
            return rest_error(StatusCode::BAD_REQUEST, &format!("page must be an integer from 1 to {MAX_PAGE}"));
        }
    };
    let email = params.get("filter[email]").map(String::as_str).filter(|e| !e.trim().is_empty());
    let state = &http.app;
    let loaders = Loaders::for_viewer(&state.reads, &state.catalog, &state.access_cache, &viewer).await;
    let access = match loaders.viewer.get().await {
        Ok(access) => access,
        Err(err) => {
            tracing::error!(error = %err, "database error while reading access");
            return super::server_error();
        }
    };
    let principal = Principal {
        actor: Actor { user_id: viewer.user_id, organization_id: viewer.organization_id().to_owned() },
        access,
        catalog: state.catalog.clone(),
    };
    if let Err(denied) =
        decision::check(&principal, Action::OriginalUsers { account: account_id, op: OriginalUsersOp::Read })
    {
        return rest_error(StatusCode::FORBIDDEN, &denied.to_string());
    }
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let found =
        original_users::account_users(&state.db, viewer.organization_id(), account_id, email, None, offset, PAGE_SIZE)
            .await;
    let (users, _) = match found {
        Ok(found) => found,
        Err(err) => {
            tracing::error!(error = %err, "error while listing v1 users");
            return super::server_error();
        }
    };
    let users: Vec<Value> = users
        .into_iter()
        .map(|u| {
            let name = u.user.name.trim();
            let (first, last) = name.split_once(char::is_whitespace).unwrap_or((name, ""));
            json!({
                "id": u.user.id,
                "first_name": first,
                "last_name": last.trim(),
                "email": u.user.email,
                "role": role_name(u.role.role),
            })
        })
        .collect();
    let mut response = Json(json!({ "users": users })).into_response();
    response.headers_mut().insert("cache-control", HeaderValue::from_static("no-store"));
    response
}
