//! Session settings: an authentication domain's idle timeout, and an account's kiosk setting
//! (Restricted users' sessions never time out). The rules that use them live in
//! `auth::sessions`.

use entity::{account_session_setting, authentication_domain_session_setting};
use sea_orm::sea_query::{LockType, OnConflict};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::json;

use super::audit::{self, Audit};
use super::{confirm, lookup};
use crate::access::decision::{Allowed, ManageAccounts, ManageAuthenticationDomains};
use crate::auth::sessions::{DEFAULT_IDLE_TIMEOUT_MINUTES, IDLE_TIMEOUT_RANGE_MINUTES};
use crate::error::{AppError, AppResult};

/// A domain's session settings as they apply (defaults for a domain that set none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSessionSettings {
    pub authentication_domain_id: String,
    pub idle_timeout_minutes: i32,
}

/// An account's session settings as they apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSessionSettings {
    pub account_id: i32,
    pub restricted_users_never_time_out: bool,
}

pub async fn of_domain(db: &impl ConnectionTrait, domain_id: &str) -> AppResult<DomainSessionSettings> {
    let stored = authentication_domain_session_setting::Entity::find_by_id(domain_id).one(db).await?;
    Ok(DomainSessionSettings {
        authentication_domain_id: domain_id.to_owned(),
        idle_timeout_minutes: stored.map_or(DEFAULT_IDLE_TIMEOUT_MINUTES, |s| s.idle_timeout_minutes),
    })
}

pub async fn of_account(db: &impl ConnectionTrait, account_id: i32) -> AppResult<AccountSessionSettings> {
    let stored = account_session_setting::Entity::find_by_id(account_id).one(db).await?;
    Ok(AccountSessionSettings {
        account_id,
        restricted_users_never_time_out: stored.is_some_and(|s| s.restricted_users_never_time_out),
    })
}

/// Sets a domain's idle timeout (minutes, within [`IDLE_TIMEOUT_RANGE_MINUTES`]). Applies to the
/// domain's sessions at their next request.
pub async fn set_idle_timeout(
    db: &DatabaseConnection,
    proof: &Allowed<ManageAuthenticationDomains>,
    domain_id: &str,
    minutes: i32,
) -> AppResult<DomainSessionSettings> {
    if !IDLE_TIMEOUT_RANGE_MINUTES.contains(&minutes) {
        return Err(AppError::bad_input(format!(
            "idleTimeoutMinutes must be between {} and {}",
            IDLE_TIMEOUT_RANGE_MINUTES.start(),
            IDLE_TIMEOUT_RANGE_MINUTES.end()
        )));
    }
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let domain = lookup::domain_locked(txn, &caller.organization_id, domain_id, LockType::Update).await?;
        let before = of_domain(txn, &domain.id).await?;
        authentication_domain_session_setting::Entity::insert(authentication_domain_session_setting::ActiveModel {
            authentication_domain_id: Set(domain.id.clone()),
            idle_timeout_minutes: Set(minutes),
            updated_at: Set(super::now()),
        })
        .on_conflict(
            OnConflict::column(authentication_domain_session_setting::Column::AuthenticationDomainId)
                .update_columns([
                    authentication_domain_session_setting::Column::IdleTimeoutMinutes,
                    authentication_domain_session_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "session_settings",
                "authentication_domain",
                &domain.id,
                Some(json!({"idleTimeoutMinutes": before.idle_timeout_minutes})),
                Some(json!({"idleTimeoutMinutes": minutes})),
            ),
        )
        .await?;
        Ok(DomainSessionSettings { authentication_domain_id: domain.id, idle_timeout_minutes: minutes })
    })
    .await
}

/// Sets whether the sessions of users who are Restricted on `account_id` never time out (kiosk
/// mode, seed 001).
pub async fn set_restricted_users_never_time_out(
    db: &DatabaseConnection,
    proof: &Allowed<ManageAccounts>,
    account_id: i32,
    never: bool,
) -> AppResult<AccountSessionSettings> {
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let account = lookup::account_for_update(txn, &caller.organization_id, account_id).await?;
        let before = of_account(txn, account.id).await?;
        account_session_setting::Entity::insert(account_session_setting::ActiveModel {
            account_id: Set(account.id),
            restricted_users_never_time_out: Set(never),
            updated_at: Set(super::now()),
        })
        .on_conflict(
            OnConflict::column(account_session_setting::Column::AccountId)
                .update_columns([
                    account_session_setting::Column::RestrictedUsersNeverTimeOut,
                    account_session_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(txn)
        .await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "session_settings",
                "account",
                account.id,
                Some(json!({"restrictedUsersNeverTimeOut": before.restricted_users_never_time_out})),
                Some(json!({"restrictedUsersNeverTimeOut": never})),
            ),
        )
        .await?;
        Ok(AccountSessionSettings { account_id: account.id, restricted_users_never_time_out: never })
    })
    .await
}
