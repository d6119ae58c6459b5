//! Passwords: setup invitations, completing a setup or reset link, changing one's own password,
//! and asking for a reset link. Nobody sets or resets another user's password (seed 001): a
//! manager can only invite a user who has never had one to choose it.
//!
//! Links carry a one-time token whose SHA-256 is stored; using it deletes it, and it expires
//! ([`SETUP_LINK_LIFETIME`], [`RESET_LINK_LIFETIME`]). A new password ends the user's other
//! sessions.

use chrono::TimeDelta;
use entity::enums::AuthenticationType;
use entity::{authentication_domain, password_credential, password_token, user};
use sea_orm::sea_query::{LockType, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::audit::{self, Audit};
use super::{confirm, delegation, lookup};
use crate::access::decision::{Allowed, ManageUsers};
use crate::auth::passwords::{self, Password, SecretToken};
use crate::auth::sessions;
use crate::error::{AppError, AppResult};

/// How long a setup invitation stays valid.
pub const SETUP_LINK_LIFETIME: TimeDelta = TimeDelta::days(3);
/// How long a reset link stays valid.
pub const RESET_LINK_LIFETIME: TimeDelta = TimeDelta::hours(1);

pub const SETUP: &str = "SETUP";
pub const RESET: &str = "RESET";

/// The answer to a link that is unknown, used or expired (the same for each).
pub const INVALID_LINK: &str = "This link is invalid, was already used, or has expired: ask for a new one";
/// The answer to a setup invitation for a user of a SAML domain.
pub const SAML_NO_PASSWORD: &str =
    "Users of SAML authentication domains sign in through their identity provider: they have no password here";
/// The answer to a setup invitation for a user who has a password.
pub const ALREADY_HAS_PASSWORD: &str = "This user already has a password: nobody can set or reset another user's password. They can change it when signed in, or reset it themselves with POST /password/reset";
/// The answer to a wrong current password.
pub const WRONG_CURRENT_PASSWORD: &str = "The current password is wrong";

async fn has_password(db: &impl ConnectionTrait, user_id: i64) -> AppResult<bool> {
    Ok(password_credential::Entity::find_by_id(user_id).one(db).await?.is_some())
}

async fn store_token(
    db: &impl ConnectionTrait,
    user_id: i64,
    purpose: &str,
    lifetime: TimeDelta,
) -> AppResult<SecretToken> {
    let token = SecretToken::generate();
    let now = super::now();
    // One live link per user and purpose: a new one replaces the last.
    password_token::Entity::delete_many()
        .filter(password_token::Column::UserId.eq(user_id))
        .filter(password_token::Column::Purpose.eq(purpose))
        .exec(db)
        .await?;
    password_token::ActiveModel {
        token_hash: Set(token.hash()),
        user_id: Set(user_id),
        purpose: Set(purpose.to_owned()),
        expires_at: Set(now + lifetime),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// `userManagementCreatePasswordSetupLink`: a one-time token inviting user `id`, who has never had
/// a password, to choose one. Needs the right to manage users and to act on that user (delegation).
pub async fn create_setup_link(
    db: &DatabaseConnection,
    proof: &Allowed<ManageUsers>,
    id: &str,
) -> AppResult<SecretToken> {
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        let principal = confirm(txn, proof).await?;
        let (target, domain) = lookup::user_locked(txn, &caller.organization_id, id, LockType::Update).await?;
        delegation::check_acting_on(txn, &principal, &[target.id]).await?;
        if domain.authentication_type != AuthenticationType::Password {
            return Err(AppError::bad_input(SAML_NO_PASSWORD));
        }
        if !target.active {
            return Err(AppError::bad_input("This user is deactivated"));
        }
        if has_password(txn, target.id).await? {
            return Err(AppError::bad_input(ALREADY_HAS_PASSWORD));
        }
        let token = store_token(txn, target.id, SETUP, SETUP_LINK_LIFETIME).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "password_setup_link",
                "user",
                target.id,
                None,
                Some(json!({"expiresInHours": SETUP_LINK_LIFETIME.num_hours()})),
            ),
        )
        .await?;
        Ok(token)
    })
    .await
}

/// The user a live token belongs to, with their domain.
async fn token_user(
    db: &impl ConnectionTrait,
    token: &SecretToken,
) -> AppResult<(password_token::Model, user::Model, authentication_domain::Model)> {
    let invalid = || AppError::bad_input(INVALID_LINK);
    let stored = password_token::Entity::find_by_id(token.hash()).one(db).await?.ok_or_else(invalid)?;
    if stored.expires_at <= super::now() {
        return Err(invalid());
    }
    let (user, domain) = user::Entity::find_by_id(stored.user_id)
        .find_also_related(authentication_domain::Entity)
        .one(db)
        .await?
        .and_then(|(u, d)| d.map(|d| (u, d)))
        .ok_or_else(invalid)?;
    if !user.active || domain.authentication_type != AuthenticationType::Password {
        return Err(invalid());
    }
    Ok((stored, user, domain))
}

/// `POST /password`: sets the password of the token's user and uses the token up. A setup token
/// is refused once the user has a password. Ends the user's sessions.
pub async fn complete_link(db: &DatabaseConnection, token: &SecretToken, password: Password) -> AppResult<user::Model> {
    let (_, user, _) = token_user(db, token).await?;
    passwords::check_strength(&password, &user.email).map_err(|weak| AppError::bad_input(weak.to_string()))?;
    let hash = passwords::hash(password).await.map_err(AppError::Internal)?;
    super::in_transaction(db, async |txn| {
        let (stored, user, domain) = token_user(txn, token).await?;
        // One-time: only the request that deletes the token goes on.
        let used = password_token::Entity::delete_by_id(stored.token_hash.clone()).exec(txn).await?;
        if used.rows_affected != 1 {
            return Err(AppError::bad_input(INVALID_LINK));
        }
        if stored.purpose == SETUP && has_password(txn, user.id).await? {
            return Err(AppError::bad_input(INVALID_LINK));
        }
        set_password(txn, user.id, hash.clone()).await?;
        sessions::end_all_of_user(txn, user.id, None).await?;
        let verb = if stored.purpose == SETUP { "password_setup" } else { "password_reset" };
        audit::record(
            txn,
            Audit {
                organization_id: Some(&domain.organization_id),
                actor_user_id: Some(user.id),
                action: format!("user.{verb}"),
                target_type: "user",
                target_id: user.id.to_string(),
                before: None,
                after: None,
            },
        )
        .await?;
        Ok(user)
    })
    .await
}

async fn set_password(db: &impl ConnectionTrait, user_id: i64, hash: String) -> AppResult<()> {
    password_credential::Entity::insert(password_credential::ActiveModel {
        user_id: Set(user_id),
        password_hash: Set(hash),
        updated_at: Set(super::now()),
    })
    .on_conflict(
        OnConflict::column(password_credential::Column::UserId)
            .update_columns([password_credential::Column::PasswordHash, password_credential::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Changes the signed-in user's own password: the current one is required. Ends their other
/// sessions (`keep_session` is the one asking, if it is a session).
pub async fn change_own(
    db: &DatabaseConnection,
    actor: &super::Actor,
    current: Password,
    new: Password,
    keep_session: Option<&str>,
) -> AppResult<()> {
    let (user, domain) = user::Entity::find_by_id(actor.user_id)
        .find_also_related(authentication_domain::Entity)
        .one(db)
        .await?
        .and_then(|(u, d)| d.map(|d| (u, d)))
        .ok_or_else(lookup::not_found)?;
    if domain.authentication_type != AuthenticationType::Password {
        return Err(AppError::bad_input(SAML_NO_PASSWORD));
    }
    let stored = password_credential::Entity::find_by_id(user.id).one(db).await?;
    let matches = passwords::verify_each(current, stored.into_iter().map(|c| c.password_hash).collect()).await;
    if matches.is_empty() {
        return Err(AppError::bad_input(WRONG_CURRENT_PASSWORD));
    }
    passwords::check_strength(&new, &user.email).map_err(|weak| AppError::bad_input(weak.to_string()))?;
    let hash = passwords::hash(new).await.map_err(AppError::Internal)?;
    super::in_transaction(db, async |txn| {
        set_password(txn, user.id, hash.clone()).await?;
        sessions::end_all_of_user(txn, user.id, keep_session).await?;
        audit::record(txn, Audit::changed(actor, "password_change", "user", user.id, None, None)).await?;
        Ok(())
    })
    .await
}

/// A reset link to send: to whom, and the token.
#[derive(Debug)]
pub struct ResetLink {
    pub email: String,
    pub name: String,
    pub token: SecretToken,
}

/// `POST /password/reset`: a one-time reset token for each active PASSWORD-domain login of
/// `email` that has a password (nothing for an unknown email; the caller answers the same).
pub async fn request_reset(db: &DatabaseConnection, email: &str) -> AppResult<Vec<ResetLink>> {
    let logins = user::Entity::find()
        .filter(user::Column::EmailLower.eq(email.trim().to_lowercase()))
        .filter(user::Column::Active.eq(true))
        .find_also_related(authentication_domain::Entity)
        .filter(authentication_domain::Column::AuthenticationType.eq(AuthenticationType::Password))
        .all(db)
        .await?;
    let mut links = Vec::new();
    for (user, domain) in logins {
        let Some(domain) = domain else { continue };
        let token = super::in_transaction(db, async |txn| {
            if !has_password(txn, user.id).await? {
                return Ok(None);
            }
            let token = store_token(txn, user.id, RESET, RESET_LINK_LIFETIME).await?;
            audit::record(
                txn,
                Audit {
                    organization_id: Some(&domain.organization_id),
                    actor_user_id: Some(user.id),
                    action: "user.password_reset_request".to_owned(),
                    target_type: "user",
                    target_id: user.id.to_string(),
                    before: None,
                    after: None,
                },
            )
            .await?;
            Ok(Some(token))
        })
        .await?;
        if let Some(token) = token {
            links.push(ResetLink { email: user.email.clone(), name: user.name.clone(), token });
        }
    }
    Ok(links)
}
