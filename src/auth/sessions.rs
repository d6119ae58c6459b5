//! Sign-in sessions: the cookie door. A session cookie yields the same [`Viewer`] as an API key.
//!
//! The rules (seed 001, "a maximum of either three concurrent active sessions, or three unique IP
//! addresses in use at any given time"):
//! - a user holds at most [`MAX_SESSIONS_PER_USER`] sessions, from at most
//!   [`MAX_ADDRESSES_PER_USER`] client addresses; a sign-in beyond either ends that user's oldest
//!   sessions, so a user is never locked out ([`sessions_beyond_limits`]);
//! - a session unused for its authentication domain's idle timeout ends (default
//!   [`DEFAULT_IDLE_TIMEOUT_MINUTES`]), except for users exempt by an account's kiosk setting
//!   ([`exempt_from_idle_timeout`]);
//! - every request checks the session, its user (active) and its domain (PASSWORD) again, so a
//!   deactivated user's sessions stop at once, and a deleted user's rows go with the user.
//!
//! Sessions are rows of the database (only the SHA-256 of the cookie token is stored), so several
//! instances share them.

use std::net::IpAddr;

use axum::http::{HeaderMap, HeaderValue, header};
use chrono::{DateTime, TimeDelta, Utc};
use entity::enums::AuthenticationType;
use entity::{
    account_session_setting, authentication_domain, authentication_domain_session_setting, organization, session, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

use super::passwords::SecretToken;
use super::{AuthError, Credential, Viewer, note_activity};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "accessgraph_session";
/// Most sessions one user holds at once.
pub const MAX_SESSIONS_PER_USER: usize = 3;
/// Most distinct client addresses one user's sessions come from at once.
pub const MAX_ADDRESSES_PER_USER: usize = 3;
/// The idle timeout of a domain that has not set one.
pub const DEFAULT_IDLE_TIMEOUT_MINUTES: i32 = 60;
/// The shortest and longest idle timeout a domain may set (5 minutes to 30 days).
pub const IDLE_TIMEOUT_RANGE_MINUTES: std::ops::RangeInclusive<i32> = 5..=43_200;
/// How stale a session's `last_seen_at` may get before a request refreshes it: at most one write
/// per session in this period.
pub const LAST_SEEN_RESOLUTION: TimeDelta = TimeDelta::seconds(30);

/// Where a sign-in comes from.
#[derive(Debug, Clone)]
pub struct Client {
    pub address: IpAddr,
    pub user_agent: String,
}

/// The ids of the sessions a user must lose so that what is left keeps the limits. `sessions` are
/// `(id, client address)`, newest first (the new session first of all): the newest are kept.
pub fn sessions_beyond_limits<'a>(sessions: &[(&'a str, &str)]) -> Vec<&'a str> {
    let mut kept_addresses: Vec<&str> = Vec::new();
    let mut kept = 0;
    let mut ended = Vec::new();
    for (id, address) in sessions {
        let known = kept_addresses.contains(address);
        if kept < MAX_SESSIONS_PER_USER && (known || kept_addresses.len() < MAX_ADDRESSES_PER_USER) {
            kept += 1;
            if !known {
                kept_addresses.push(address);
            }
        } else {
            ended.push(*id);
        }
    }
    ended
}

/// Whether a session last used at `last_seen` has been idle too long at `now`.
pub fn idle_expired(last_seen: DateTime<Utc>, now: DateTime<Utc>, timeout_minutes: i32, exempt: bool) -> bool {
    !exempt && now - last_seen > TimeDelta::minutes(i64::from(timeout_minutes))
}

/// The accounts on which `user_id` has the original user model's Restricted base role (explicitly,
/// on active accounts).
pub async fn restricted_accounts(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<i32>, DbErr> {
    crate::domain::original_users::restricted_accounts(db, user_id).await
}

/// Whether `user_id`'s sessions never time out: they are Restricted on an account whose session
/// settings exempt Restricted users (kiosk mode, seed 001).
pub async fn exempt_from_idle_timeout(db: &impl ConnectionTrait, user_id: i64) -> Result<bool, DbErr> {
    let restricted = restricted_accounts(db, user_id).await?;
    if restricted.is_empty() {
        return Ok(false);
    }
    let exempting = account_session_setting::Entity::find()
        .filter(account_session_setting::Column::AccountId.is_in(restricted))
        .filter(account_session_setting::Column::RestrictedUsersNeverTimeOut.eq(true))
        .count(db)
        .await?;
    Ok(exempting > 0)
}

/// The idle timeout of an authentication domain, in minutes.
pub async fn idle_timeout_minutes(db: &impl ConnectionTrait, domain_id: &str) -> Result<i32, DbErr> {
    Ok(authentication_domain_session_setting::Entity::find_by_id(domain_id)
        .one(db)
        .await?
        .map_or(DEFAULT_IDLE_TIMEOUT_MINUTES, |s| s.idle_timeout_minutes))
}

/// A new session of `user_id`, and the ids of the sessions it ended (idle ones, and the oldest
/// beyond the limits), in one transaction that first locks the user's row, so that concurrent
/// sign-ins of one user keep the limits on PostgreSQL too.
pub async fn start(
    db: &DatabaseConnection,
    user_id: i64,
    domain_id: &str,
    client: &Client,
) -> Result<(SecretToken, session::Model, Vec<String>), DbErr> {
    let token = SecretToken::generate();
    let now = Utc::now();
    let txn = db.begin_with_options(crate::domain::write_transaction()).await?;
    let result = async {
        user::Entity::find_by_id(user_id).lock_exclusive().one(&txn).await?;
        let created = session::ActiveModel {
            id: Set(uuid::Uuid::new_v4().to_string()),
            token_hash: Set(token.hash()),
            user_id: Set(user_id),
            client_address: Set(client.address.to_string()),
            user_agent: Set(client.user_agent.chars().take(256).collect()),
            created_at: Set(now),
            last_seen_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let timeout = idle_timeout_minutes(&txn, domain_id).await?;
        let exempt = exempt_from_idle_timeout(&txn, user_id).await?;
        let all = session::Entity::find()
            .filter(session::Column::UserId.eq(user_id))
            .order_by_desc(session::Column::CreatedAt)
            .order_by_desc(session::Column::Id)
            .all(&txn)
            .await?;
        let (idle, live): (Vec<_>, Vec<_>) =
            all.iter().filter(|s| s.id != created.id).partition(|s| idle_expired(s.last_seen_at, now, timeout, exempt));
        let mut newest_first: Vec<(&str, &str)> = vec![(created.id.as_str(), created.client_address.as_str())];
        newest_first.extend(live.iter().map(|s| (s.id.as_str(), s.client_address.as_str())));
        let mut ended: Vec<String> = idle.iter().map(|s| s.id.clone()).collect();
        ended.extend(sessions_beyond_limits(&newest_first).into_iter().map(str::to_owned));
        if !ended.is_empty() {
            session::Entity::delete_many().filter(session::Column::Id.is_in(ended.clone())).exec(&txn).await?;
        }
        Ok::<_, DbErr>((created, ended))
    }
    .await;
    match result {
        Ok((created, ended)) => {
            txn.commit().await?;
            Ok((token, created, ended))
        }
        Err(err) => {
            let _ = txn.rollback().await;
            Err(err)
        }
    }
}

/// The session cookie a request presents, if any.
pub fn presented_token(headers: &HeaderMap) -> Option<SecretToken> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| SecretToken::presented(value.trim_matches('"')))
}

/// `Set-Cookie` for a new session: HttpOnly, SameSite=Strict, the whole site, and `Secure` when
/// the server is reached over HTTPS. No `Max-Age`: the idle timeout ends it on the server.
pub fn session_cookie(token: &SecretToken, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict{secure}", token.expose()))
        .unwrap_or_else(|_| HeaderValue::from_static("accessgraph_session=; Path=/"))
}

/// `Set-Cookie` that removes the session cookie.
pub fn cleared_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static("accessgraph_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure")
    } else {
        HeaderValue::from_static("accessgraph_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
    }
}

/// The viewer of a session cookie, in one query; an idle session is ended here. The user must be
/// active and their domain a PASSWORD domain, now.
pub async fn authenticate(db: &DatabaseConnection, token: &SecretToken) -> Result<Viewer, AuthError> {
    use session::Column as S;
    let mut stmt = Query::select();
    stmt.expr_as(Expr::col((session::Entity, S::Id)), "session_id")
        .expr_as(Expr::col((session::Entity, S::LastSeenAt)), "last_seen_at")
        .expr_as(
            Expr::col((
                authentication_domain_session_setting::Entity,
                authentication_domain_session_setting::Column::IdleTimeoutMinutes,
            )),
            "idle_timeout_minutes",
        );
    super::select_user(&mut stmt, user::Entity);
    super::select_organization(&mut stmt, organization::Entity);
    stmt.from(session::Entity)
        .join(
            JoinType::InnerJoin,
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((session::Entity, S::UserId)),
        )
        .join(
            JoinType::InnerJoin,
            authentication_domain::Entity,
            Expr::col((authentication_domain::Entity, authentication_domain::Column::Id))
                .equals((user::Entity, user::Column::AuthenticationDomainId)),
        )
        .join(
            JoinType::LeftJoin,
            authentication_domain_session_setting::Entity,
            Expr::col((
                authentication_domain_session_setting::Entity,
                authentication_domain_session_setting::Column::AuthenticationDomainId,
            ))
            .equals((authentication_domain::Entity, authentication_domain::Column::Id)),
        )
        .join(
            JoinType::InnerJoin,
            organization::Entity,
            Expr::col((organization::Entity, organization::Column::Id))
                .equals((authentication_domain::Entity, authentication_domain::Column::OrganizationId)),
        )
        .and_where(Expr::col((session::Entity, S::TokenHash)).eq(token.hash()))
        .and_where(Expr::col((user::Entity, user::Column::Active)).eq(true))
        .and_where(
            Expr::col((authentication_domain::Entity, authentication_domain::Column::AuthenticationType))
                .eq(AuthenticationType::Password.as_str()),
        );
    let row = db.query_one(&stmt).await?.ok_or(AuthError::SessionEnded)?;
    let session_id: String = row.try_get("", "session_id")?;
    let user = super::user_of(&row)?;
    let user_id = user.id;
    let last_seen: DateTime<Utc> = row.try_get("", "last_seen_at")?;
    let timeout: Option<i32> = row.try_get("", "idle_timeout_minutes")?;
    let now = Utc::now();
    let timeout = timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT_MINUTES);
    if idle_expired(last_seen, now, timeout, false) && !exempt_from_idle_timeout(db, user_id).await? {
        session::Entity::delete_by_id(session_id).exec(db).await?;
        return Err(AuthError::SessionEnded);
    }
    if now - last_seen >= LAST_SEEN_RESOLUTION {
        session::Entity::update_many()
            .col_expr(S::LastSeenAt, Expr::value(now))
            .filter(S::Id.eq(&session_id))
            .exec(db)
            .await?;
    }
    note_activity(db, user_id, user.last_active).await?;
    let organization = super::organization_of(&row)?;
    Ok(Viewer {
        user_id,
        authentication_domain_id: user.authentication_domain_id.clone(),
        credential: Credential::Session { session_id },
        user: std::sync::Arc::new(user),
        organization: std::sync::Arc::new(organization),
    })
}

/// Ends the session of `token` (sign-out); whether there was one.
pub async fn end_by_token(db: &DatabaseConnection, token: &SecretToken) -> Result<bool, DbErr> {
    let deleted = session::Entity::delete_many().filter(session::Column::TokenHash.eq(token.hash())).exec(db).await?;
    Ok(deleted.rows_affected > 0)
}

/// `user_id`'s sessions, newest first.
pub async fn of_user(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::CreatedAt)
        .order_by_desc(session::Column::Id)
        .all(db)
        .await
}

/// Ends those of `ids` that are `user_id`'s own sessions; the ids ended.
pub async fn end_own(db: &DatabaseConnection, user_id: i64, ids: &[String]) -> Result<Vec<String>, DbErr> {
    let own: Vec<String> = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::Id.is_in(ids.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if !own.is_empty() {
        session::Entity::delete_many()
            .filter(session::Column::UserId.eq(user_id))
            .filter(session::Column::Id.is_in(own.clone()))
            .exec(db)
            .await?;
    }
    Ok(own)
}

/// Ends every session of `user_id` (a new password, for example), except `keep`.
pub async fn end_all_of_user(db: &impl ConnectionTrait, user_id: i64, keep: Option<&str>) -> Result<u64, DbErr> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep));
    }
    Ok(delete.exec(db).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fourth_session_ends_the_oldest() {
        let sessions = [("new", "10.0.0.1"), ("b", "10.0.0.1"), ("c", "10.0.0.1"), ("oldest", "10.0.0.1")];
        assert_eq!(sessions_beyond_limits(&sessions), vec!["oldest"]);
        assert!(sessions_beyond_limits(&sessions[..3]).is_empty());
    }

    #[test]
    fn a_fourth_address_ends_the_sessions_of_the_oldest_address() {
        // Within three sessions, a fourth address cannot appear: the session limit binds first.
        let sessions = [("new", "192.0.2.4"), ("c", "192.0.2.3"), ("b", "192.0.2.2"), ("a", "192.0.2.1")];
        assert_eq!(sessions_beyond_limits(&sessions), vec!["a"]);
        let two_places = [("new", "192.0.2.1"), ("b", "192.0.2.2"), ("a", "192.0.2.1")];
        assert!(sessions_beyond_limits(&two_places).is_empty());
    }

    #[test]
    fn idle_sessions_expire_unless_exempt() {
        let now = Utc::now();
        let an_hour_ago = now - TimeDelta::minutes(61);
        assert!(idle_expired(an_hour_ago, now, 60, false));
        assert!(!idle_expired(an_hour_ago, now, 60, true), "kiosk mode");
        assert!(!idle_expired(an_hour_ago, now, 120, false));
    }

    #[test]
    fn cookies() {
        let token = SecretToken::generate();
        let cookie = session_cookie(&token, false);
        let text = cookie.to_str().expect("ascii");
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Strict") && !text.contains("Secure"), "{text}");
        assert!(session_cookie(&token, true).to_str().expect("ascii").ends_with("; Secure"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {SESSION_COOKIE}={}", token.expose())).expect("header"),
        );
        assert_eq!(presented_token(&headers), Some(token));
        headers.insert(header::COOKIE, HeaderValue::from_static("accessgraph_session="));
        assert_eq!(presented_token(&headers), None);
    }
}
