//! Finding the targets of a change inside the caller's organization.
//!
//! An id that does not exist and an id of another organization give the same answer, NerdGraph's
//! "Could not find the target or you are unauthorized.", so ids of other organizations cannot be
//! probed.

use entity::enums::{ProvisioningType, UserType};
use entity::{account, authentication_domain, group, organization, user};
use sea_orm::sea_query::{Expr, ExprTrait, LockType, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};

/// NerdGraph's answer for an unknown id, or one the caller may not see.
pub const NOT_FOUND_OR_UNAUTHORIZED: &str = "Could not find the target or you are unauthorized.";

pub fn not_found() -> AppError {
    AppError::not_found(NOT_FOUND_OR_UNAUTHORIZED)
}

/// The caller's organization, locked for the rest of the transaction on PostgreSQL, so that
/// changes checked against edition limits (counts of full users, accounts) run one at a time per
/// organization. SQLite runs one write transaction at a time anyway.
pub async fn organization_for_update(db: &impl ConnectionTrait, id: &str) -> AppResult<organization::Model> {
    organization::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or_else(not_found)
}

/// An account of the organization (active or canceled), locked for the rest of the transaction on
/// PostgreSQL, so that a rename and a cancellation of one account run one after the other.
pub async fn account_for_update(
    db: &impl ConnectionTrait,
    organization_id: &str,
    id: i32,
) -> AppResult<account::Model> {
    account::Entity::find_by_id(id)
        .filter(account::Column::OrganizationId.eq(organization_id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// An authentication domain of the organization.
pub async fn domain(
    db: &impl ConnectionTrait,
    organization_id: &str,
    id: &str,
) -> AppResult<authentication_domain::Model> {
    authentication_domain::Entity::find_by_id(id.trim())
        .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

// Row locks for changes that race each other on PostgreSQL (SQLite runs one write transaction at
// a time: the locks are no-ops there). A change locks the rows its checks depend on, `Share` when
// it adds under them (a user to a domain, members to a group), `Update` when it changes or
// deletes them, so that a check holds until the change commits; a row deleted meanwhile is "not
// found". To keep deadlocks away, a change locks in this order: the organization first (when it
// locks it at all), then domains, groups, users, roles; rows of one table in id order.

/// An authentication domain of the organization, locked with `lock` for the rest of the
/// transaction on PostgreSQL.
pub async fn domain_locked(
    db: &impl ConnectionTrait,
    organization_id: &str,
    id: &str,
    lock: LockType,
) -> AppResult<authentication_domain::Model> {
    authentication_domain::Entity::find_by_id(id.trim())
        .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
        .lock(lock)
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// Like [`groups`], the groups locked with `lock` first (in id order) on PostgreSQL.
pub async fn groups_locked(
    db: &impl ConnectionTrait,
    organization_id: &str,
    ids: &[String],
    lock: LockType,
) -> AppResult<Vec<(group::Model, authentication_domain::Model)>> {
    group::Entity::find()
        .filter(group::Column::Id.is_in(ids.iter().map(|i| i.trim().to_owned())))
        .order_by_asc(group::Column::Id)
        .lock(lock)
        .all(db)
        .await?;
    groups(db, organization_id, ids).await
}

/// Like [`group`], the group locked with `lock` first on PostgreSQL.
pub async fn group_locked(
    db: &impl ConnectionTrait,
    organization_id: &str,
    id: &str,
    lock: LockType,
) -> AppResult<(group::Model, authentication_domain::Model)> {
    groups_locked(db, organization_id, &[id.to_owned()], lock).await?.pop().ok_or_else(not_found)
}

/// Like [`users`], the users locked with `lock` first (in id order) on PostgreSQL.
pub async fn users_locked(
    db: &impl ConnectionTrait,
    organization_id: &str,
    ids: &[i64],
    lock: LockType,
) -> AppResult<Vec<(user::Model, authentication_domain::Model)>> {
    user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .order_by_asc(user::Column::Id)
        .lock(lock)
        .all(db)
        .await?;
    users(db, organization_id, ids).await
}

/// Like [`user`], the user locked with `lock` first on PostgreSQL.
pub async fn user_locked(
    db: &impl ConnectionTrait,
    organization_id: &str,
    id: &str,
    lock: LockType,
) -> AppResult<(user::Model, authentication_domain::Model)> {
    let id = user_id(id)?;
    users_locked(db, organization_id, &[id], lock).await?.pop().ok_or_else(not_found)
}

/// A user id as NerdGraph sends it (a numeric string); anything else names no user.
pub fn user_id(id: &str) -> AppResult<i64> {
    id.trim().parse().map_err(|_| not_found())
}

/// Users of the organization, with their domains, in the order of `ids`; every id must exist.
pub async fn users(
    db: &impl ConnectionTrait,
    organization_id: &str,
    ids: &[i64],
) -> AppResult<Vec<(user::Model, authentication_domain::Model)>> {
    let found = user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .find_also_related(authentication_domain::Entity)
        .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    ids.iter()
        .map(|id| {
            found
                .iter()
                .find(|(u, _)| u.id == *id)
                .and_then(|(u, d)| d.clone().map(|d| (u.clone(), d)))
                .ok_or_else(not_found)
        })
        .collect()
}

/// One user of the organization, with their domain.
pub async fn user(
    db: &impl ConnectionTrait,
    organization_id: &str,
    id: &str,
) -> AppResult<(user::Model, authentication_domain::Model)> {
    let id = user_id(id)?;
    users(db, organization_id, &[id]).await?.pop().ok_or_else(not_found)
}

/// Groups of the organization, with their domains, in the order of `ids`; every id must exist.
pub async fn groups(
    db: &impl ConnectionTrait,
    organization_id: &str,
    ids: &[String],
) -> AppResult<Vec<(group::Model, authentication_domain::Model)>> {
    let found = group::Entity::find()
        .filter(group::Column::Id.is_in(ids.iter().map(|i| i.trim().to_owned())))
        .find_also_related(authentication_domain::Entity)
        .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
        .all(db)
        .await?;
    ids.iter()
        .map(|id| {
            found
                .iter()
                .find(|(g, _)| g.id == id.trim())
                .and_then(|(g, d)| d.clone().map(|d| (g.clone(), d)))
                .ok_or_else(not_found)
        })
        .collect()
}

/// One group of the organization, with its domain.
pub async fn group(
    db: &impl ConnectionTrait,
    organization_id: &str,
    id: &str,
) -> AppResult<(group::Model, authentication_domain::Model)> {
    groups(db, organization_id, &[id.to_owned()]).await?.pop().ok_or_else(not_found)
}

/// How many full platform users the organization has, in all its domains.
pub async fn full_users(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<u64> {
    let domains = Query::select()
        .column(authentication_domain::Column::Id)
        .from(authentication_domain::Entity)
        .and_where(Expr::col(authentication_domain::Column::OrganizationId).eq(organization_id))
        .to_owned();
    Ok(user::Entity::find()
        .filter(user::Column::UserType.eq(UserType::Full))
        .filter(user::Column::AuthenticationDomainId.in_subquery(domains))
        .count(db)
        .await?)
}

/// Refuses a change that only SCIM may make in a SCIM-provisioned domain.
pub fn require_manual(domain: &authentication_domain::Model, message: &str) -> AppResult<()> {
    if domain.provisioning_type == ProvisioningType::Manual { Ok(()) } else { Err(AppError::bad_input(message)) }
}
