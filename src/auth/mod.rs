//! Who is calling: the `Api-Key` header (or `Authorization: Bearer`), or a sign-in session's
//! cookie, becomes a [`Viewer`]. Both doors yield the same viewer (user, organization, domain), so
//! every guard and every `access::decision` applies unchanged whichever door was used.
//!
//! A user key carries exactly its user's current access: it is looked up on every request, and
//! the permission model (`access/`) evaluates the user's grants as they are now. A deactivated
//! user's keys and sessions stop working at their next request; a deleted user's go with them.

pub mod key_cache;
pub mod key_check;
pub mod keys;
pub mod passwords;
pub mod peers;
pub mod sessions;
pub mod sign_in;

use std::sync::Arc;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use chrono::{DateTime, Utc};
use entity::{organization, user};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, IntoIden, Query, SelectStatement};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, IdenStatic, Iterable, QueryResult};

use self::key_check::KeyCheck;
use self::keys::{ApiKeySecret, hashes_match};
use crate::domain::rows::{Driver, OrganizationColumns, UserColumns};

/// The authenticated caller of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub user_id: i64,
    pub authentication_domain_id: String,
    /// How the caller proved who they are.
    pub credential: Credential,
    /// The user as authentication read them.
    pub user: Arc<user::Model>,
    /// The user's organization as authentication read it (the request's organization loader
    /// starts with it).
    pub organization: Arc<organization::Model>,
}

impl Viewer {
    pub fn organization_id(&self) -> &str {
        &self.organization.id
    }

    /// The organization's access version read with the credential (see `domain::access_cache`).
    pub fn access_version(&self) -> i64 {
        self.organization.access_version
    }
}

/// The door a request came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A user key, and the account it was made for.
    ApiKey { key_id: String, account_id: i32 },
    /// A sign-in session's cookie (see [`sessions`]).
    Session { session_id: String },
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No key, an unknown key, or the key of a deactivated user: HTTP 401, NerdGraph's
    /// `BAD_API_KEY` answer.
    #[error("Bad API Key or no API Key provided")]
    BadApiKey,
    /// A session cookie that names no live session (signed out, ended by a newer sign-in,
    /// timed out, or its user deactivated or deleted): HTTP 401.
    #[error("The session has ended: sign in again")]
    SessionEnded,
    #[error("database error: {0}")]
    Database(#[from] DbErr),
}

/// The key a request presents: `Api-Key` (any case, as HTTP headers are) or a bearer token.
pub fn presented_key(headers: &HeaderMap) -> Option<ApiKeySecret> {
    if let Some(value) = headers.get("api-key").and_then(|v| v.to_str().ok()) {
        let value = value.trim();
        if !value.is_empty() {
            return Some(ApiKeySecret::presented(value));
        }
    }
    let auth = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = auth.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then(|| ApiKeySecret::presented(token))
}

/// How stale a user's `lastActive` may get before a request refreshes it: at most one write per
/// user in this period, not one per request.
pub const LAST_ACTIVE_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

/// Records that `user_id` is active now, when their `lastActive` is older than
/// [`LAST_ACTIVE_RESOLUTION`]. Returns when it wrote it, if it did.
pub(crate) async fn note_activity(
    db: &DatabaseConnection,
    user_id: i64,
    last_active: Option<DateTime<Utc>>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    let now = Utc::now();
    if last_active.is_some_and(|at| now - at < LAST_ACTIVE_RESOLUTION) {
        return Ok(None);
    }
    // Boxed: the write happens every few minutes per user, and its future, inline, would make
    // every request's authentication future (moved at each await) several times larger.
    Box::pin(record_activity(db, user_id, now)).await?;
    Ok(Some(now))
}

async fn record_activity(db: &DatabaseConnection, user_id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    let stmt = Query::update()
        .table(Alias::new("users"))
        .value(Alias::new("last_active"), now)
        .and_where(Expr::col(Alias::new("id")).eq(user_id))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Resolves the request's key to a viewer, in one query that also reads the user and their
/// organization's access version (and, at most every few minutes, a second that records the
/// user's activity).
pub async fn authenticate(
    db: &DatabaseConnection,
    key_check: &KeyCheck,
    headers: &HeaderMap,
) -> Result<Viewer, AuthError> {
    let key = presented_key(headers).ok_or(AuthError::BadApiKey)?;
    let hash = key.hash();
    let row = key_check.row(db, &hash).await?.ok_or(AuthError::BadApiKey)?;
    if !hashes_match(&row.key_hash, &hash) {
        return Err(AuthError::BadApiKey);
    }
    let user = row.user;
    if let Some(at) = note_activity(db, user.id, user.last_active).await? {
        key_check.activity_written(&hash, at);
    }
    Ok(Viewer {
        user_id: user.id,
        authentication_domain_id: user.authentication_domain_id.clone(),
        credential: Credential::ApiKey { key_id: row.key_id, account_id: row.key_account_id },
        user: Arc::new(user),
        organization: Arc::new(row.organization),
    })
}

/// How authentication names the user's columns.
pub(crate) const USER_PREFIX: &str = "u_";

/// Adds every column of the user (`table`: the users table or its alias) to `stmt`, for
/// [`user_of`].
pub(crate) fn select_user(stmt: &mut SelectStatement, table: impl IntoIden + Clone) {
    for column in user::Column::iter() {
        stmt.expr_as(Expr::col((table.clone(), column)), Alias::new(format!("{USER_PREFIX}{}", column.as_str())));
    }
}

/// The user a row of [`select_user`] carries.
pub(crate) fn user_of(row: &QueryResult) -> Result<user::Model, DbErr> {
    let row = Driver::of(row)?;
    UserColumns::find(row, USER_PREFIX)?.read(row)
}

/// How authentication names the organization's columns.
pub(crate) const ORGANIZATION_PREFIX: &str = "o_";

/// Adds every column of the organization (`table`: the organizations table or its alias) to
/// `stmt`, for [`organization_of`].
pub(crate) fn select_organization(stmt: &mut SelectStatement, table: impl IntoIden + Clone) {
    for column in organization::Column::iter() {
        stmt.expr_as(
            Expr::col((table.clone(), column)),
            Alias::new(format!("{ORGANIZATION_PREFIX}{}", column.as_str())),
        );
    }
}

/// The organization a row of [`select_organization`] carries.
pub(crate) fn organization_of(row: &QueryResult) -> Result<organization::Model, DbErr> {
    let row = Driver::of(row)?;
    OrganizationColumns::find(row, ORGANIZATION_PREFIX)?.read(row)
}
