//! Creating, changing and deleting users (NerdGraph's `userManagement*User` mutations).
//!
//! Each operation is one transaction: find the target in the caller's organization, check the
//! input, the domain's provisioning and the edition, write, and record the audit event.

use entity::enums::{EmailVerificationState, UserType};
use entity::{api_key, group, group_membership, user};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::{Actor, confirm, delegation, lookup, validate};
use crate::access::decision::{Allowed, ManageUsers};
use crate::access::edition;
use crate::error::{AppError, AppResult, on_unique_violation};

/// The time zone of a user who has not chosen one.
pub const DEFAULT_TIME_ZONE: &str = "Etc/UTC";

const SCIM_CREATE: &str =
    "This API can only be used to create users within Authentication Domains set for manually provisioned users.";
const SCIM_DELETE: &str =
    "This API can only be used to delete users within Authentication Domains set for manually provisioned users.";
const SCIM_UPDATE: &str = "Users of Authentication Domains set for SCIM provisioning are managed by SCIM: only their user type can be changed here.";

/// `userManagementCreateUser`'s input.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub authentication_domain_id: String,
    pub email: String,
    pub name: String,
    /// Basic when not given.
    pub user_type: Option<UserType>,
}

/// `userManagementUpdateUser`'s input: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub email: Option<String>,
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub user_type: Option<UserType>,
}

pub(crate) fn snapshot(user: &user::Model) -> Value {
    json!({
        "authenticationDomainId": user.authentication_domain_id,
        "email": user.email,
        "name": user.name,
        "type": user.user_type,
        "timeZone": user.time_zone,
    })
}

fn email_taken(email: &str) -> impl FnOnce() -> String + '_ {
    move || format!("Email '{}' has already been taken within authentication domain", validate::echo(email))
}

pub(crate) async fn email_in_use(
    db: &impl ConnectionTrait,
    domain_id: &str,
    email: &str,
    except: Option<i64>,
) -> AppResult<bool> {
    let mut select = user::Entity::find()
        .filter(user::Column::AuthenticationDomainId.eq(domain_id))
        .filter(user::Column::EmailLower.eq(email.to_lowercase()));
    if let Some(id) = except {
        select = select.filter(user::Column::Id.ne(id));
    }
    Ok(select.one(db).await?.is_some())
}

/// A full platform user more would still fit the organization's edition.
pub(crate) async fn check_full_user_added(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<()> {
    let organization = lookup::organization_for_update(db, organization_id).await?;
    let full = lookup::full_users(db, organization_id).await?;
    edition::check_full_users(organization.edition.into(), full + 1)?;
    Ok(())
}

pub async fn create(db: &DatabaseConnection, proof: &Allowed<ManageUsers>, input: NewUser) -> AppResult<user::Model> {
    let caller = proof.actor();
    let email = validate::email(&input.email)?;
    let name = validate::name("Name", &input.name)?;
    let user_type = input.user_type.unwrap_or(UserType::Basic);

    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        if user_type == UserType::Full {
            // The organization before the domain: the order every change locks in.
            lookup::organization_for_update(txn, &caller.organization_id).await?;
        }
        // Shared: creations in one domain run side by side, a deletion of the domain waits for
        // them (and then counts their users), or they wait for it (and find no domain).
        let domain =
            lookup::domain_locked(txn, &caller.organization_id, &input.authentication_domain_id, LockType::Share)
                .await?;
        lookup::require_manual(&domain, SCIM_CREATE)?;
        if user_type == UserType::Full {
            check_full_user_added(txn, &caller.organization_id).await?;
        }
        if email_in_use(txn, &domain.id, &email, None).await? {
            return Err(AppError::bad_input(email_taken(&email)()));
        }
        let created = user::ActiveModel {
            authentication_domain_id: Set(domain.id.clone()),
            email_lower: Set(email.to_lowercase()),
            email: Set(email.clone()),
            name: Set(name),
            user_type: Set(user_type),
            time_zone: Set(DEFAULT_TIME_ZONE.to_owned()),
            email_verification_state: Set(EmailVerificationState::Pending),
            pending_upgrade_type: Set(None),
            pending_upgrade_message: Set(None),
            active: Set(true),
            last_active: Set(None),
            created_at: Set(super::now()),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| on_unique_violation(e, email_taken(&email)))?;
        audit::record(txn, Audit::changed(caller, "create", "user", created.id, None, Some(snapshot(&created))))
            .await?;
        Ok(created)
    })
    .await
}

/// Changes a user. The actor must be able to do everything the user can, and a new user type may
/// give the user only access the actor holds; the organization keeps an active manager.
pub async fn update(
    db: &DatabaseConnection,
    proof: &Allowed<ManageUsers>,
    id: &str,
    changes: UserChanges,
) -> AppResult<user::Model> {
    super::in_transaction(db, async |txn| update_in(txn, proof, id, changes).await).await
}

/// [`update`] inside the caller's transaction (which commits or rolls back).
pub async fn update_in(
    txn: &DatabaseTransaction,
    proof: &Allowed<ManageUsers>,
    id: &str,
    changes: UserChanges,
) -> AppResult<user::Model> {
    let caller = proof.actor();
    let email = changes.email.as_deref().map(validate::email).transpose()?;
    let name = changes.name.as_deref().map(|n| validate::name("Name", n)).transpose()?;
    let time_zone = changes.time_zone.as_deref().map(validate::time_zone).transpose()?;

    {
        let principal = confirm(txn, proof).await?;
        if changes.user_type.is_some() {
            // A change of type locks the organization (`check_type_change`): first, as always.
            lookup::organization_for_update(txn, &caller.organization_id).await?;
        }
        let (before, domain) = lookup::user_locked(txn, &caller.organization_id, id, LockType::Update).await?;
        let access_before = delegation::access_of(txn, &principal, &[before.id]).await?;
        delegation::check_acting_on(txn, &principal, &[before.id]).await?;
        let edits_profile = email.as_ref().is_some_and(|e| *e != before.email)
            || name.as_ref().is_some_and(|n| *n != before.name)
            || time_zone.as_ref().is_some_and(|t| *t != before.time_zone);
        if edits_profile {
            lookup::require_manual(&domain, SCIM_UPDATE)?;
        }
        let mut model: user::ActiveModel = before.clone().into();
        if let Some(email) = &email {
            if email_in_use(txn, &domain.id, email, Some(before.id)).await? {
                return Err(AppError::bad_input(format!(
                    "User with email: {} and authentication domain: {} already exists.",
                    validate::echo(email),
                    domain.id
                )));
            }
            if !email.eq_ignore_ascii_case(&before.email) {
                model.email_verification_state = Set(EmailVerificationState::Pending);
            }
            model.email_lower = Set(email.to_lowercase());
            model.email = Set(email.clone());
        }
        if let Some(name) = name {
            model.name = Set(name);
        }
        if let Some(time_zone) = time_zone {
            model.time_zone = Set(time_zone);
        }
        if let Some(user_type) = changes.user_type.filter(|t| *t != before.user_type) {
            check_type_change(txn, caller, &before, user_type).await?;
            model.user_type = Set(user_type);
            // A granted change settles any pending request for an upgrade.
            model.pending_upgrade_type = Set(None);
            model.pending_upgrade_message = Set(None);
        }
        let after = model.update(txn).await.map_err(|e| {
            on_unique_violation(e, || {
                format!("User with email: {} and authentication domain: {} already exists.", before.email, domain.id)
            })
        })?;
        if after != before {
            if after.user_type != before.user_type {
                delegation::check_changes(txn, &principal, &access_before).await?;
                delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
            }
            audit::record(
                txn,
                Audit::changed(caller, "update", "user", after.id, Some(snapshot(&before)), Some(snapshot(&after))),
            )
            .await?;
        }
        Ok(after)
    }
}

/// The edition limits a change of user type must keep: the full user count, and basic users
/// only in the default User group.
pub(crate) async fn check_type_change(
    db: &impl ConnectionTrait,
    caller: &Actor,
    user: &user::Model,
    user_type: UserType,
) -> AppResult<()> {
    let organization = lookup::organization_for_update(db, &caller.organization_id).await?;
    if user_type == UserType::Full {
        let full = lookup::full_users(db, &caller.organization_id).await?;
        edition::check_full_users(organization.edition.into(), full + 1)?;
    }
    let memberships = group_membership::Entity::find()
        .filter(group_membership::Column::UserId.eq(user.id))
        .find_also_related(group::Entity)
        .all(db)
        .await?;
    for (_, group) in memberships {
        if let Some(group) = group {
            edition::check_membership(
                organization.edition.into(),
                user_type.into(),
                super::groups::is_default_user_group(&group),
            )?;
        }
    }
    Ok(())
}

/// Deletes a user with their group memberships and API keys. A user cannot delete themselves, nor
/// a user who can do something the actor cannot, nor the organization's last active manager.
pub async fn delete(db: &DatabaseConnection, proof: &Allowed<ManageUsers>, id: &str) -> AppResult<user::Model> {
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        let principal = confirm(txn, proof).await?;
        let (user, domain) = lookup::user_locked(txn, &caller.organization_id, id, LockType::Update).await?;
        delegation::check_acting_on(txn, &principal, &[user.id]).await?;
        lookup::require_manual(&domain, SCIM_DELETE)?;
        if user.id == caller.user_id {
            return Err(AppError::bad_input("You cannot delete your own user"));
        }
        if super::original_users::is_owner(txn, user.id).await? {
            return Err(AppError::bad_input(
                "The Owner cannot be deleted: the Owner must first transfer the ownership to another user",
            ));
        }
        group_membership::Entity::delete_many().filter(group_membership::Column::UserId.eq(user.id)).exec(txn).await?;
        api_key::Entity::delete_many().filter(api_key::Column::UserId.eq(user.id)).exec(txn).await?;
        user::Entity::delete_by_id(user.id).exec(txn).await?;
        delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
        audit::record(txn, Audit::changed(caller, "delete", "user", user.id, Some(snapshot(&user)), None)).await?;
        Ok(user)
    })
    .await
}
