//! SCIM 2.0 (RFC 7643 / RFC 7644) at `/scim/v2/`: identity providers provision the users and
//! groups of one SCIM-provisioned authentication domain, named by the bearer token.
//!
//! The token's holder is a provisioner (`access::decision::Principal::provisioner`); every read
//! and change is decided by `access::decision` (`Action::Provision`) and made by `domain::scim`,
//! which decides again in its transaction and audits with the token as the actor. Answers are
//! `application/scim+json`; errors are SCIM Error messages with `scimType` where RFC 7644 names one.

// Helpers return the finished SCIM answer as their error; it is built once per failed request.
#![allow(clippy::result_large_err)]

pub mod filter;
mod patch;
mod schema;

use std::collections::HashMap;
use std::str::FromStr;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use entity::enums::UserType;
use serde_json::{Map, Value, json};

use self::filter::Filter;
use self::patch::{Op, get_ci};
use self::schema::{ERROR, GROUP_SCHEMA, LIST_RESPONSE, MAX_RESULTS, NR_USER_SCHEMA, USER_SCHEMA};
use crate::AppState;
use crate::access::decision::{self, Allowed, Principal, Provision};
use crate::domain::scim::{
    self as provisioning, GroupChange, MemberOp, ProvisionError, ProvisionedUser, ScimGroup, ScimUser,
};
use crate::error::AppError;

pub const CONTENT_TYPE: &str = "application/scim+json";

/// The SCIM router; mount it at `/scim/v2`.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema_by_id))
        .route("/Users", get(list_users).post(create_user))
        .route("/.search", post(search_all))
        .route("/Users/.search", post(search_users))
        .route("/Groups/.search", post(search_groups))
        .route("/Users/{id}", get(get_user).put(replace_user).patch(patch_user).delete(delete_user))
        .route("/Groups", get(list_groups).post(create_group))
        .route("/Groups/{id}", get(get_group).put(replace_group).patch(patch_group).delete(delete_group))
        .fallback(|| async { scim_error(StatusCode::NOT_FOUND, None, "No such SCIM endpoint") })
        .method_not_allowed_fallback(|| async {
            scim_error(StatusCode::METHOD_NOT_ALLOWED, None, "The method is not allowed on this endpoint")
        })
        .with_state(state)
}

// ---------------------------------------------------------------------------------------------
// Answers

fn scim_json(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    response
}

/// A SCIM Error message.
pub fn scim_error(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Response {
    let mut body = json!({ "schemas": [ERROR], "status": status.as_u16().to_string(), "detail": detail });
    if let Some(scim_type) = scim_type {
        body["scimType"] = json!(scim_type);
    }
    scim_json(status, body)
}

fn app_error(err: AppError) -> Response {
    match err {
        AppError::BadInput(message) => scim_error(StatusCode::BAD_REQUEST, Some("invalidValue"), &message),
        AppError::NotFound(_) => scim_error(StatusCode::NOT_FOUND, None, "Resource not found"),
        AppError::Forbidden(message) => scim_error(StatusCode::FORBIDDEN, None, &message),
        AppError::Database(err) => {
            tracing::error!(error = %err, "database error in SCIM");
            scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, "An internal error occurred.")
        }
        AppError::Internal(err) => {
            tracing::error!(error = %err, "internal error in SCIM");
            scim_error(StatusCode::INTERNAL_SERVER_ERROR, None, "An internal error occurred.")
        }
    }
}

fn provision_error(err: ProvisionError) -> Response {
    match err {
        ProvisionError::Conflict(conflict) => scim_error(StatusCode::CONFLICT, Some("uniqueness"), &conflict.0),
        ProvisionError::App(err) => app_error(err),
    }
}

fn invalid_value(detail: impl AsRef<str>) -> Response {
    scim_error(StatusCode::BAD_REQUEST, Some("invalidValue"), detail.as_ref())
}

// ---------------------------------------------------------------------------------------------
// Who asks

/// The base URL of this service's SCIM endpoints, as the client reached it.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let scheme = headers.get("x-forwarded-proto").and_then(|h| h.to_str().ok()).unwrap_or("http");
    format!("{scheme}://{host}/scim/v2")
}

/// The bearer token a request presents (`Authorization: Bearer <token>`), if any.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
}

/// The request's bearer token decided into a provisioner's proof for its domain, or the answer.
async fn provisioner(state: &AppState, headers: &HeaderMap) -> Result<Allowed<Provision>, Response> {
    let unauthorized = || {
        let mut response = scim_error(StatusCode::UNAUTHORIZED, None, "A valid SCIM bearer token is required");
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"AccessGraph SCIM\""));
        response
    };
    let token = bearer_token(headers).ok_or_else(unauthorized)?;
    let holder = match provisioning::token_holder(&state.db, token).await {
        Ok(Some(holder)) => holder,
        Ok(None) => return Err(unauthorized()),
        Err(err) => return Err(app_error(err.into())),
    };
    let principal = Principal::provisioner(&holder.organization_id, state.catalog.clone());
    let what =
        Provision { token_id: holder.token_id, token_domain: holder.domain_id.clone(), domain: holder.domain_id };
    decision::decide(&principal, what).map_err(|denied| app_error(denied.into()))
}

/// Parses a JSON body.
fn json_body(body: &Bytes) -> Result<Value, Response> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| scim_error(StatusCode::BAD_REQUEST, Some("invalidSyntax"), "The body is not valid JSON"))?;
    if !value.is_object() {
        return Err(scim_error(StatusCode::BAD_REQUEST, Some("invalidSyntax"), "The body must be a JSON object"));
    }
    Ok(value)
}

// ---------------------------------------------------------------------------------------------
// Discovery

async fn service_provider_config(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = provisioner(&state, &headers).await {
        return response;
    }
    scim_json(StatusCode::OK, schema::service_provider_config(&base_url(&headers)))
}

fn list_response(resources: Vec<Value>, total: u64, start_index: u64) -> Value {
    json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

async fn resource_types(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = provisioner(&state, &headers).await {
        return response;
    }
    let types = schema::resource_types(&base_url(&headers));
    let total = types.len() as u64;
    scim_json(StatusCode::OK, list_response(types, total, 1))
}

async fn resource_type(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(response) = provisioner(&state, &headers).await {
        return response;
    }
    match schema::resource_types(&base_url(&headers)).into_iter().find(|t| t["id"] == json!(id)) {
        Some(found) => scim_json(StatusCode::OK, found),
        None => scim_error(StatusCode::NOT_FOUND, None, "No such resource type"),
    }
}

async fn schemas(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Err(response) = provisioner(&state, &headers).await {
        return response;
    }
    let all = schema::schemas(&base_url(&headers));
    let total = all.len() as u64;
    scim_json(StatusCode::OK, list_response(all, total, 1))
}

async fn schema_by_id(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(response) = provisioner(&state, &headers).await {
        return response;
    }
    match schema::schemas(&base_url(&headers)).into_iter().find(|s| s["id"] == json!(id)) {
        Some(found) => scim_json(StatusCode::OK, found),
        None => scim_error(StatusCode::NOT_FOUND, None, "No such schema"),
    }
}

// ---------------------------------------------------------------------------------------------
// Lists and projections

/// `filter`, `startIndex`, `count`, `attributes`, `excludedAttributes`.
struct ListParams {
    filter: Option<Filter>,
    start_index: u64,
    count: u64,
    projection: Projection,
}

#[derive(Default)]
struct Projection {
    attributes: Vec<String>,
    excluded: Vec<String>,
}

fn attribute_list(text: Option<&String>) -> Vec<String> {
    text.map(|t| t.split(',').map(|a| filter::normalize_attr(a.trim())).filter(|a| !a.is_empty()).collect())
        .unwrap_or_default()
}

impl Projection {
    fn from_query(query: &HashMap<String, String>) -> Projection {
        let param = |name: &str| query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        Projection {
            attributes: attribute_list(param("attributes")),
            excluded: attribute_list(param("excludedAttributes")),
        }
    }

    fn excludes(&self, attr: &str) -> bool {
        self.excluded.iter().any(|a| a == attr)
            || (!self.attributes.is_empty()
                && !self.attributes.iter().any(|a| a == attr || a.starts_with(&format!("{attr}."))))
    }

    /// Keeps `schemas`, `id` and the requested attributes (sub-attributes too), drops the excluded.
    fn apply(&self, resource: Value) -> Value {
        if self.attributes.is_empty() && self.excluded.is_empty() {
            return resource;
        }
        let Value::Object(object) = resource else { return resource };
        let mut kept = Map::new();
        for (key, value) in object {
            let lower = key.to_ascii_lowercase();
            if lower == "schemas" || lower == "id" {
                kept.insert(key, value);
                continue;
            }
            if self.excluded.contains(&lower) {
                continue;
            }
            if self.attributes.is_empty() || self.attributes.contains(&lower) {
                kept.insert(key, value);
                continue;
            }
            let prefix = format!("{lower}.");
            let subs: Vec<&str> = self.attributes.iter().filter_map(|a| a.strip_prefix(&prefix)).collect();
            let extension_prefix = format!("{lower}:");
            let extension_subs: Vec<&str> =
                self.attributes.iter().filter_map(|a| a.strip_prefix(&extension_prefix)).collect();
            let subs = if subs.is_empty() { extension_subs } else { subs };
            if subs.is_empty() {
                continue;
            }
            let pick = |v: &Value| -> Value {
                match v {
                    Value::Object(o) => Value::Object(
                        o.iter()
                            .filter(|(k, _)| subs.iter().any(|s| k.eq_ignore_ascii_case(s)))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                }
            };
            let value = match &value {
                Value::Array(items) => Value::Array(items.iter().map(pick).collect()),
                other => pick(other),
            };
            kept.insert(key, value);
        }
        Value::Object(kept)
    }
}

fn list_params(query: &HashMap<String, String>) -> Result<ListParams, Response> {
    let param = |name: &str| query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let filter = match param("filter").map(str::trim).filter(|f| !f.is_empty()) {
        Some(text) => {
            Some(filter::parse(text).map_err(|e| scim_error(StatusCode::BAD_REQUEST, Some("invalidFilter"), &e.0))?)
        }
        None => None,
    };
    let number = |name: &str, default: i64| -> Result<i64, Response> {
        match param(name) {
            None => Ok(default),
            Some(text) => i64::from_str(text.trim()).map_err(|_| invalid_value(format!("{name} must be an integer"))),
        }
    };
    let start_index = number("startIndex", 1)?.max(1) as u64;
    let count = (number("count", MAX_RESULTS as i64)?.max(0) as u64).min(MAX_RESULTS);
    Ok(ListParams { filter, start_index, count, projection: Projection::from_query(query) })
}

/// A `POST .search` body (RFC 7644 §3.4.3) as the query parameters of a list.
fn search_query(body: &Bytes) -> Result<HashMap<String, String>, Response> {
    let body = json_body(body)?;
    let mut query = HashMap::new();
    for name in ["filter", "startIndex", "count", "attributes", "excludedAttributes", "sortBy", "sortOrder"] {
        let value = match get_ci(&body, name) {
            None | Some(Value::Null) => continue,
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
            Some(_) => return Err(invalid_value(format!("{name} has the wrong type"))),
        };
        query.insert(name.to_owned(), value);
    }
    Ok(query)
}

async fn search_users(state: State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match search_query(&body) {
        Ok(query) => list_users(state, headers, Query(query)).await,
        Err(response) => response,
    }
}

async fn search_groups(state: State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match search_query(&body) {
        Ok(query) => list_groups(state, headers, Query(query)).await,
        Err(response) => response,
    }
}

/// `POST /.search`: users, then groups, that the filter selects (a filter naming an attribute one
/// type does not have selects none of that type).
async fn search_all(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let params = match search_query(&body).and_then(|query| list_params(&query)) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let filter = params.filter.as_ref();
    let base = base_url(&headers);
    let users = match provisioning::list_users(&state.db, &proof, filter, params.start_index, params.count).await {
        Ok(Ok(page)) => page,
        Ok(Err(_)) => provisioning::ScimPage { total: 0, items: Vec::new() },
        Err(err) => return app_error(err),
    };
    let remaining = params.count.saturating_sub(users.items.len() as u64);
    let group_start = params.start_index.saturating_sub(users.total).max(1);
    let groups = match provisioning::list_groups(&state.db, &proof, filter, group_start, remaining, true).await {
        Ok(Ok(page)) => page,
        Ok(Err(_)) => provisioning::ScimPage { total: 0, items: Vec::new() },
        Err(err) => return app_error(err),
    };
    let mut resources: Vec<Value> = users.items.iter().map(|u| params.projection.apply(user_json(u, &base))).collect();
    resources.extend(groups.items.iter().map(|g| params.projection.apply(group_json(g, &base, true))));
    scim_json(StatusCode::OK, list_response(resources, users.total + groups.total, params.start_index))
}

// ---------------------------------------------------------------------------------------------
// Users

fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn user_type_name(user_type: UserType) -> &'static str {
    match user_type {
        UserType::Full => "Full User",
        UserType::Core => "Core User",
        UserType::Basic => "Basic User",
    }
}

fn user_type_from(name: &str) -> Option<UserType> {
    match name.trim().to_ascii_lowercase().as_str() {
        "full user" | "full" | "full_user" | "full platform user" => Some(UserType::Full),
        "core user" | "core" | "core_user" => Some(UserType::Core),
        "basic user" | "basic" | "basic_user" => Some(UserType::Basic),
        _ => None,
    }
}

fn user_json(scim: &ScimUser, base: &str) -> Value {
    let user = &scim.user;
    let attributes = scim.resource.as_ref().and_then(|r| r.attributes.clone()).unwrap_or(Value::Null);
    let location = format!("{base}/Users/{}", user.id);
    // A user SCIM provisioned shows the optional attributes the identity provider gave (a PATCH
    // remove takes them away); a user made otherwise shows them all.
    let given = |name: &str| !attributes.is_object() || get_ci(&attributes, name).is_some();
    let mut body = json!({
        "schemas": [USER_SCHEMA],
        "id": user.id.to_string(),
        "userName": user.email,
        "meta": {
            "resourceType": "User",
            "created": timestamp(user.created_at),
            "lastModified": timestamp(scim.resource.as_ref().map_or(user.created_at, |r| r.last_modified)),
            "location": location,
        },
    });
    if let Some(name) =
        get_ci(&attributes, "name").cloned().or_else(|| given("name").then(|| json!({ "formatted": user.name })))
    {
        body["name"] = name;
    }
    if let Some(display_name) =
        get_ci(&attributes, "displayName").cloned().or_else(|| given("displayName").then(|| json!(user.name)))
    {
        body["displayName"] = display_name;
    }
    if given("active") {
        body["active"] = json!(user.active);
    }
    if given("timezone") {
        body["timezone"] = json!(user.time_zone);
    }
    if given(NR_USER_SCHEMA) {
        body["schemas"] = json!([USER_SCHEMA, NR_USER_SCHEMA]);
        body[NR_USER_SCHEMA] = json!({ "nrUserType": user_type_name(user.user_type) });
    }
    if let Some(emails) = get_ci(&attributes, "emails").filter(|e| e.as_array().is_some_and(|a| !a.is_empty())) {
        body["emails"] = emails.clone();
    }
    if let Some(external_id) = scim.resource.as_ref().and_then(|r| r.external_id.clone()) {
        body["externalId"] = json!(external_id);
    }
    if !scim.groups.is_empty() {
        body["groups"] = scim
            .groups
            .iter()
            .map(|g| json!({ "value": g.id, "display": g.display_name, "$ref": format!("{base}/Groups/{}", g.id), "type": "direct" }))
            .collect();
    }
    body
}

/// A user resource (POST or PUT body, or a patched resource) as AccessGraph keeps it.
fn provisioned_user(body: &Value) -> Result<ProvisionedUser, Response> {
    let user_name = get_ci(body, "userName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid_value("userName is required"))?;
    let name_object = get_ci(body, "name").filter(|n| n.is_object());
    let part = |key: &str| {
        name_object.and_then(|n| get_ci(n, key)).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
    };
    let display_name = get_ci(body, "displayName").and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
    let joined =
        [part("givenName"), part("middleName"), part("familyName")].into_iter().flatten().collect::<Vec<_>>().join(" ");
    let name = part("formatted")
        .map(str::to_owned)
        .or_else(|| (!joined.is_empty()).then_some(joined))
        .or_else(|| display_name.map(str::to_owned))
        .unwrap_or_else(|| user_name.to_owned());
    let active = match get_ci(body, "active") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(invalid_value("active must be a boolean")),
    };
    let time_zone = match get_ci(body, "timezone") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid_value("timezone must be a string")),
    };
    let external_id = match get_ci(body, "externalId") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(invalid_value("externalId must be a string")),
    };
    let user_type = match get_ci(body, NR_USER_SCHEMA).and_then(|e| get_ci(e, "nrUserType")) {
        None | Some(Value::Null) => UserType::Basic,
        Some(Value::String(s)) => user_type_from(s)
            .ok_or_else(|| invalid_value("nrUserType must be \"Full User\", \"Core User\" or \"Basic User\""))?,
        Some(_) => return Err(invalid_value("nrUserType must be a string")),
    };
    let mut attributes = Map::new();
    for (name, present) in [
        ("active", get_ci(body, "active").is_some_and(|v| !v.is_null())),
        ("timezone", time_zone.is_some()),
        (
            NR_USER_SCHEMA,
            get_ci(body, NR_USER_SCHEMA).and_then(|e| get_ci(e, "nrUserType")).is_some_and(|v| !v.is_null()),
        ),
    ] {
        if present {
            attributes.insert(name.into(), json!(true));
        }
    }
    if let Some(name) = name_object {
        attributes.insert("name".into(), name.clone());
    }
    if let Some(display_name) = display_name {
        attributes.insert("displayName".into(), json!(display_name));
    }
    match get_ci(body, "emails") {
        None | Some(Value::Null) => {}
        Some(Value::Array(emails)) => {
            if emails.iter().any(|e| !e.is_object()) {
                return Err(invalid_value("emails must be a list of objects"));
            }
            attributes.insert("emails".into(), Value::Array(emails.clone()));
        }
        Some(_) => return Err(invalid_value("emails must be a list")),
    }
    Ok(ProvisionedUser {
        email: user_name.to_owned(),
        name,
        user_type,
        time_zone,
        active,
        external_id,
        attributes: Value::Object(attributes),
    })
}

/// The user type to keep when a PUT does not name one: the current one.
fn keep_user_type(body: &Value, mut input: ProvisionedUser, current: UserType) -> ProvisionedUser {
    let named = get_ci(body, NR_USER_SCHEMA).and_then(|e| get_ci(e, "nrUserType")).is_some_and(|v| !v.is_null());
    if !named {
        input.user_type = current;
        if let Value::Object(attributes) = &mut input.attributes {
            attributes.insert(NR_USER_SCHEMA.into(), json!(true));
        }
    }
    input
}

fn one_user(status: StatusCode, scim: &ScimUser, headers: &HeaderMap) -> Response {
    let base = base_url(headers);
    let mut response = scim_json(status, user_json(scim, &base));
    if status == StatusCode::CREATED
        && let Ok(location) = HeaderValue::from_str(&format!("{base}/Users/{}", scim.user.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn list_users(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let params = match list_params(&query) {
        Ok(params) => params,
        Err(response) => return response,
    };
    match provisioning::list_users(&state.db, &proof, params.filter.as_ref(), params.start_index, params.count).await {
        Ok(Ok(page)) => {
            let base = base_url(&headers);
            let resources = page.items.iter().map(|u| params.projection.apply(user_json(u, &base))).collect();
            scim_json(StatusCode::OK, list_response(resources, page.total, params.start_index))
        }
        Ok(Err(unsupported)) => scim_error(StatusCode::BAD_REQUEST, Some("invalidFilter"), &unsupported.0),
        Err(err) => app_error(err),
    }
}

async fn get_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    match provisioning::get_user(&state.db, &proof, &id).await {
        Ok(user) => {
            scim_json(StatusCode::OK, Projection::from_query(&query).apply(user_json(&user, &base_url(&headers))))
        }
        Err(err) => app_error(err),
    }
}

async fn create_user(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let input = match json_body(&body).and_then(|b| provisioned_user(&b)) {
        Ok(input) => input,
        Err(response) => return response,
    };
    match provisioning::create_user(&state.db, &proof, input).await {
        Ok(user) => one_user(StatusCode::CREATED, &user, &headers),
        Err(err) => provision_error(err),
    }
}

fn user_id(id: &str) -> Result<i64, Response> {
    id.trim().parse().map_err(|_| scim_error(StatusCode::NOT_FOUND, None, "Resource not found"))
}

async fn replace_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let current = match provisioning::get_user(&state.db, &proof, &id).await {
        Ok(current) => current,
        Err(err) => return app_error(err),
    };
    let input = match json_body(&body)
        .and_then(|b| provisioned_user(&b).map(|i| keep_user_type(&b, i, current.user.user_type)))
    {
        Ok(input) => input,
        Err(response) => return response,
    };
    match provisioning::replace_user(&state.db, &proof, current.user.id, input).await {
        Ok(user) => one_user(StatusCode::OK, &user, &headers),
        Err(err) => provision_error(err),
    }
}

fn patch_error(err: patch::PatchError) -> Response {
    scim_error(StatusCode::BAD_REQUEST, Some(err.scim_type), &err.detail)
}

async fn patch_user(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let operations = match json_body(&body).and_then(|b| patch::operations(&b).map_err(patch_error)) {
        Ok(ops) => ops,
        Err(response) => return response,
    };
    // Applied to the user as read, written only if nobody changed them since; otherwise read
    // and apply again (a concurrent change is never lost).
    for _ in 0..PATCH_ATTEMPTS {
        let current = match provisioning::get_user(&state.db, &proof, &id).await {
            Ok(current) => current,
            Err(err) => return app_error(err),
        };
        let read = user_json(&current, &base_url(&headers));
        let mut resource = read.clone();
        if let Err(err) = patch::apply(&mut resource, &operations, &[NR_USER_SCHEMA]) {
            return patch_error(err);
        }
        for (attr, label) in [("id", "id"), ("meta", "meta"), ("groups", "groups")] {
            if get_ci(&resource, attr) != get_ci(&read, attr) {
                return scim_error(StatusCode::BAD_REQUEST, Some("mutability"), &format!("{label} cannot be changed"));
            }
        }
        let input = match provisioned_user(&resource) {
            Ok(input) => input,
            Err(response) => return response,
        };
        match provisioning::replace_user_if_unchanged(&state.db, &proof, current.user.id, input, Some(&current)).await {
            Ok(Some(user)) => return one_user(StatusCode::OK, &user, &headers),
            Ok(None) => continue,
            Err(err) => return provision_error(err),
        }
    }
    scim_error(StatusCode::CONFLICT, None, "The user kept changing while the patch was applied; try again")
}

/// How many times a PATCH of a user is applied again when the user changed meanwhile.
const PATCH_ATTEMPTS: usize = 5;

async fn delete_user(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let id = match user_id(&id) {
        Ok(id) => id,
        Err(response) => return response,
    };
    match provisioning::delete_user(&state.db, &proof, id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => app_error(err),
    }
}

// ---------------------------------------------------------------------------------------------
// Groups

fn group_json(scim: &ScimGroup, base: &str, with_members: bool) -> Value {
    let group = &scim.group;
    let mut body = json!({
        "schemas": [GROUP_SCHEMA],
        "id": group.id,
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": timestamp(group.created_at),
            "lastModified": timestamp(scim.resource.as_ref().map_or(group.created_at, |r| r.last_modified)),
            "location": format!("{base}/Groups/{}", group.id),
        },
    });
    if with_members && !scim.members.is_empty() {
        body["members"] = scim
            .members
            .iter()
            .map(|u| json!({ "value": u.id.to_string(), "$ref": format!("{base}/Users/{}", u.id), "type": "User" }))
            .collect();
    }
    if let Some(external_id) = scim.resource.as_ref().and_then(|r| r.external_id.clone()) {
        body["externalId"] = json!(external_id);
    }
    body
}

/// The user ids of a `members` value: a list of `{"value": "<user id>"}`.
fn member_ids(value: &Value) -> Result<Vec<i64>, Response> {
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        Value::Object(_) => vec![value],
        Value::Null => Vec::new(),
        _ => return Err(invalid_value("members must be a list of objects with a value")),
    };
    items
        .into_iter()
        .map(|item| {
            if get_ci(item, "type").and_then(Value::as_str).is_some_and(|t| t.eq_ignore_ascii_case("group")) {
                return Err(invalid_value("Groups cannot be members of groups"));
            }
            let value = get_ci(item, "value").ok_or_else(|| invalid_value("A member needs a value"))?;
            let text = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return Err(invalid_value("A member's value is a user id")),
            };
            text.parse::<i64>()
                .map_err(|_| invalid_value(format!("{text} is not a user of this authentication domain")))
        })
        .collect()
}

fn optional_string(value: Option<&Value>, name: &str) -> Result<Option<String>, Response> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid_value(format!("{name} must be a string"))),
    }
}

fn display_name(body: &Value) -> Result<String, Response> {
    get_ci(body, "displayName")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| invalid_value("displayName is required"))
}

fn wants_members(query: &HashMap<String, String>) -> bool {
    !Projection::from_query(query).excludes("members")
}

fn one_group(status: StatusCode, scim: &ScimGroup, headers: &HeaderMap) -> Response {
    let base = base_url(headers);
    let mut response = scim_json(status, group_json(scim, &base, true));
    if status == StatusCode::CREATED
        && let Ok(location) = HeaderValue::from_str(&format!("{base}/Groups/{}", scim.group.id))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn list_groups(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let params = match list_params(&query) {
        Ok(params) => params,
        Err(response) => return response,
    };
    let with_members = wants_members(&query);
    match provisioning::list_groups(
        &state.db,
        &proof,
        params.filter.as_ref(),
        params.start_index,
        params.count,
        with_members,
    )
    .await
    {
        Ok(Ok(page)) => {
            let base = base_url(&headers);
            let resources =
                page.items.iter().map(|g| params.projection.apply(group_json(g, &base, with_members))).collect();
            scim_json(StatusCode::OK, list_response(resources, page.total, params.start_index))
        }
        Ok(Err(unsupported)) => scim_error(StatusCode::BAD_REQUEST, Some("invalidFilter"), &unsupported.0),
        Err(err) => app_error(err),
    }
}

async fn get_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    match provisioning::get_group(&state.db, &proof, &id).await {
        Ok(group) => scim_json(
            StatusCode::OK,
            Projection::from_query(&query).apply(group_json(&group, &base_url(&headers), true)),
        ),
        Err(err) => app_error(err),
    }
}

async fn create_group(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let parsed = json_body(&body).and_then(|b| {
        Ok((
            display_name(&b)?,
            optional_string(get_ci(&b, "externalId"), "externalId")?,
            member_ids(get_ci(&b, "members").unwrap_or(&Value::Null))?,
        ))
    });
    let (name, external_id, members) = match parsed {
        Ok(parsed) => parsed,
        Err(response) => return response,
    };
    match provisioning::create_group(&state.db, &proof, &name, external_id, members).await {
        Ok(group) => one_group(StatusCode::CREATED, &group, &headers),
        Err(err) => provision_error(err),
    }
}

async fn replace_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let parsed = json_body(&body).and_then(|b| {
        Ok(GroupChange {
            display_name: Some(display_name(&b)?),
            external_id: Some(optional_string(get_ci(&b, "externalId"), "externalId")?),
            members: vec![MemberOp::Set(member_ids(get_ci(&b, "members").unwrap_or(&Value::Null))?)],
        })
    });
    let change = match parsed {
        Ok(change) => change,
        Err(response) => return response,
    };
    match provisioning::change_group(&state.db, &proof, &id, change).await {
        Ok(group) => one_group(StatusCode::OK, &group, &headers),
        Err(err) => provision_error(err),
    }
}

/// The user ids a `members[...]` filter names: `value eq "<id>"`, joined by `or`.
fn filtered_member_ids(filter: &Filter) -> Result<Vec<i64>, Response> {
    let invalid = || {
        scim_error(StatusCode::BAD_REQUEST, Some("invalidFilter"), "Members are selected with value eq \"<user id>\"")
    };
    match filter {
        Filter::Or(a, b) => {
            let mut ids = filtered_member_ids(a)?;
            ids.extend(filtered_member_ids(b)?);
            Ok(ids)
        }
        Filter::Compare { attr, op: filter::CompareOp::Eq, value } if attr == "value" => {
            let text = match value {
                Value::String(s) => s.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                _ => return Err(invalid()),
            };
            // An id that names no user removes nothing.
            Ok(text.parse::<i64>().map(|id| vec![id]).unwrap_or_default())
        }
        _ => Err(invalid()),
    }
}

/// A group PATCH as one change: members by operation, displayName and externalId.
fn group_change(body: &Value) -> Result<GroupChange, Response> {
    let operations = patch::operations(body).map_err(patch_error)?;
    let mut change = GroupChange::default();
    for operation in operations {
        let value = operation.value.clone().unwrap_or(Value::Null);
        let path = operation.path.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let Some(path) = path else {
            let Value::Object(attributes) = value else {
                return Err(patch_error(patch::PatchError {
                    scim_type: "invalidValue",
                    detail: "Without a path, the value must be an object".into(),
                }));
            };
            for (name, value) in attributes {
                apply_group_attr(&mut change, operation.op, &filter::normalize_attr(&name), None, &value)?;
            }
            continue;
        };
        let parsed =
            filter::parse_path(path).map_err(|e| scim_error(StatusCode::BAD_REQUEST, Some("invalidPath"), &e.0))?;
        let attr = parsed.attr.to_ascii_lowercase();
        apply_group_attr(&mut change, operation.op, &attr, parsed.filter.as_ref(), &value)?;
    }
    Ok(change)
}

fn apply_group_attr(
    change: &mut GroupChange,
    op: Op,
    attr: &str,
    member_filter: Option<&Filter>,
    value: &Value,
) -> Result<(), Response> {
    match (attr, op) {
        ("members", Op::Remove) => match member_filter {
            Some(filter) => change.members.push(MemberOp::Remove(filtered_member_ids(filter)?)),
            // Some identity providers name the members to remove in the value.
            None if !value.is_null() => change.members.push(MemberOp::Remove(member_ids(value)?)),
            None => change.members.push(MemberOp::Set(Vec::new())),
        },
        ("members", Op::Add) if member_filter.is_none() => change.members.push(MemberOp::Add(member_ids(value)?)),
        ("members", Op::Replace) if member_filter.is_none() => change.members.push(MemberOp::Set(member_ids(value)?)),
        ("displayname", Op::Add | Op::Replace) => {
            let name = value.as_str().map(str::trim).filter(|n| !n.is_empty());
            change.display_name =
                Some(name.ok_or_else(|| invalid_value("displayName must be a non-empty string"))?.to_owned());
        }
        ("displayname", Op::Remove) => {
            return Err(scim_error(StatusCode::BAD_REQUEST, Some("mutability"), "displayName is required"));
        }
        ("externalid", Op::Add | Op::Replace) => {
            change.external_id = Some(optional_string(Some(value), "externalId")?);
        }
        ("externalid", Op::Remove) => change.external_id = Some(None),
        ("id" | "meta", _) => {
            return Err(scim_error(StatusCode::BAD_REQUEST, Some("mutability"), &format!("{attr} cannot be changed")));
        }
        ("schemas", _) => {}
        _ => {
            return Err(scim_error(
                StatusCode::BAD_REQUEST,
                Some("invalidPath"),
                &format!("Groups have no attribute {attr}"),
            ));
        }
    }
    Ok(())
}

async fn patch_group(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    let change = match json_body(&body).and_then(|b| group_change(&b)) {
        Ok(change) => change,
        Err(response) => return response,
    };
    match provisioning::change_group(&state.db, &proof, &id, change).await {
        Ok(group) => one_group(StatusCode::OK, &group, &headers),
        Err(err) => provision_error(err),
    }
}

async fn delete_group(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let proof = match provisioner(&state, &headers).await {
        Ok(proof) => proof,
        Err(response) => return response,
    };
    match provisioning::delete_group(&state.db, &proof, &id).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => app_error(err),
    }
}
