//! Creating, renaming and deleting groups, and changing their members (NerdGraph's
//! `userManagement*Group` and `userManagement*UsersFromGroups` mutations).
//!
//! A membership change is all or nothing: every group and user must exist in the caller's
//! organization, share one authentication domain, and keep the edition's rules, or nothing changes.

use std::collections::HashSet;

use entity::enums::UserType;
use entity::{authentication_domain, group, group_membership, user};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    Set,
};
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::authentication_domains::DEFAULT_USER_GROUP;
use super::{confirm, delegation, lookup, validate};
use crate::access::decision::{Allowed, ManageGroups};
use crate::access::edition;
use crate::error::{AppError, AppResult, on_unique_violation};

/// Most groups one membership change may name (NerdGraph's limit).
pub const MAX_GROUPS_PER_CHANGE: usize = 10;
/// Most users one membership change may name (NerdGraph's limit).
pub const MAX_USERS_PER_CHANGE: usize = 50;

pub(crate) const DISPLAY_NAME_TAKEN: &str = "Display name has already been taken";
const SCIM_GROUPS: &str =
    "Groups of Authentication Domains set for SCIM provisioning are managed by SCIM and cannot be changed here.";
const SCIM_MEMBERSHIP: &str = "This API can only be used to change group membership within Authentication Domains set for manually provisioned users.";

/// The default User group of a domain: the only group a basic user may join on the Standard
/// edition. Default groups cannot be renamed, so the name identifies it.
pub fn is_default_user_group(group: &group::Model) -> bool {
    group.is_default && group.display_name == DEFAULT_USER_GROUP
}

pub(crate) fn snapshot(group: &group::Model) -> Value {
    json!({
        "authenticationDomainId": group.authentication_domain_id,
        "displayName": group.display_name,
        "isDefault": group.is_default,
    })
}

pub(crate) async fn name_in_use(
    db: &impl ConnectionTrait,
    domain_id: &str,
    name: &str,
    except: Option<&str>,
) -> AppResult<bool> {
    let mut select = group::Entity::find()
        .filter(group::Column::AuthenticationDomainId.eq(domain_id))
        .filter(group::Column::DisplayName.eq(name));
    if let Some(id) = except {
        select = select.filter(group::Column::Id.ne(id));
    }
    Ok(select.one(db).await?.is_some())
}

pub async fn create(
    db: &DatabaseConnection,
    proof: &Allowed<ManageGroups>,
    domain_id: &str,
    display_name: &str,
) -> AppResult<group::Model> {
    let caller = proof.actor();
    let display_name = validate::name("Display name", display_name)?;
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        // The organization, then the domain (shared: a deletion of the domain waits, or is waited for).
        let organization = lookup::organization_for_update(txn, &caller.organization_id).await?;
        let domain = lookup::domain_locked(txn, &caller.organization_id, domain_id, LockType::Share).await?;
        edition::check_custom_group(organization.edition.into())?;
        lookup::require_manual(&domain, SCIM_GROUPS)?;
        if name_in_use(txn, &domain.id, &display_name, None).await? {
            return Err(AppError::bad_input(DISPLAY_NAME_TAKEN));
        }
        let created = group::ActiveModel {
            id: Set(super::new_uuid()),
            authentication_domain_id: Set(domain.id.clone()),
            display_name: Set(display_name),
            is_default: Set(false),
            created_at: Set(super::now()),
        }
        .insert(txn)
        .await
        .map_err(|e| on_unique_violation(e, || DISPLAY_NAME_TAKEN.to_owned()))?;
        audit::record(txn, Audit::changed(caller, "create", "group", &created.id, None, Some(snapshot(&created))))
            .await?;
        Ok(created)
    })
    .await
}

pub async fn rename(
    db: &DatabaseConnection,
    proof: &Allowed<ManageGroups>,
    id: &str,
    display_name: &str,
) -> AppResult<group::Model> {
    let caller = proof.actor();
    let display_name = validate::name("Display name", display_name)?;
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let (before, domain) = lookup::group_locked(txn, &caller.organization_id, id, LockType::Update).await?;
        lookup::require_manual(&domain, SCIM_GROUPS)?;
        if before.display_name == display_name {
            return Ok(before);
        }
        if before.is_default {
            return Err(AppError::bad_input("Default groups cannot be renamed"));
        }
        if name_in_use(txn, &domain.id, &display_name, Some(&before.id)).await? {
            return Err(AppError::bad_input(DISPLAY_NAME_TAKEN));
        }
        let mut model: group::ActiveModel = before.clone().into();
        model.display_name = Set(display_name);
        let after = model.update(txn).await.map_err(|e| on_unique_violation(e, || DISPLAY_NAME_TAKEN.to_owned()))?;
        audit::record(
            txn,
            Audit::changed(caller, "update", "group", &after.id, Some(snapshot(&before)), Some(snapshot(&after))),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Deletes a group with its memberships and grants. Default groups stay; the access its members
/// lose must be access the actor holds, and the organization keeps an active manager.
pub async fn delete(db: &DatabaseConnection, proof: &Allowed<ManageGroups>, id: &str) -> AppResult<group::Model> {
    super::in_transaction(db, async |txn| delete_in(txn, proof, id).await).await
}

/// [`delete`] inside the caller's transaction (which commits or rolls back).
pub async fn delete_in(txn: &DatabaseTransaction, proof: &Allowed<ManageGroups>, id: &str) -> AppResult<group::Model> {
    let caller = proof.actor();
    {
        let principal = confirm(txn, proof).await?;
        // Locked: a membership change or grant on the group commits before, or finds no group.
        let (group, domain) = lookup::group_locked(txn, &caller.organization_id, id, LockType::Update).await?;
        lookup::require_manual(&domain, SCIM_GROUPS)?;
        if group.is_default {
            return Err(AppError::bad_input("Default groups cannot be deleted"));
        }
        let members = members_of(txn, &group.id).await?;
        let before = delegation::access_of(txn, &principal, &members).await?;
        // Memberships and grants go with the group (ON DELETE CASCADE).
        group::Entity::delete_by_id(group.id.clone()).exec(txn).await?;
        delegation::check_changes(txn, &principal, &before).await?;
        delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
        audit::record(txn, Audit::changed(caller, "delete", "group", &group.id, Some(snapshot(&group)), None)).await?;
        Ok(group)
    }
}

/// The users in a group.
async fn members_of(db: &impl ConnectionTrait, group_id: &str) -> AppResult<Vec<i64>> {
    Ok(group_membership::Entity::find()
        .filter(group_membership::Column::GroupId.eq(group_id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// Which way a membership change goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipChange {
    Add,
    Remove,
}

/// The ids of a membership change, without repeats, within NerdGraph's limits.
fn distinct_ids(field: &str, ids: &[String], max: usize) -> AppResult<Vec<String>> {
    let mut seen = HashSet::new();
    let ids: Vec<String> = ids.iter().map(|i| i.trim().to_owned()).filter(|i| seen.insert(i.clone())).collect();
    if ids.is_empty() {
        return Err(AppError::bad_input(format!("{field} must not be empty")));
    }
    if ids.len() > max {
        return Err(AppError::bad_input(format!("{field} must contain at most {max} ids")));
    }
    Ok(ids)
}

/// Adds or removes every user of `user_ids` to or from every group of `group_ids`; returns the
/// groups. Adding a member twice and removing a non-member change nothing. The access the users
/// gain or lose must be access the actor holds, and the organization keeps an active manager.
pub async fn change_members(
    db: &DatabaseConnection,
    proof: &Allowed<ManageGroups>,
    change: MembershipChange,
    group_ids: &[String],
    user_ids: &[String],
) -> AppResult<Vec<group::Model>> {
    super::in_transaction(db, async |txn| change_members_in(txn, proof, change, group_ids, user_ids).await).await
}

/// [`change_members`] inside the caller's transaction (which commits or rolls back).
pub async fn change_members_in(
    txn: &DatabaseTransaction,
    proof: &Allowed<ManageGroups>,
    change: MembershipChange,
    group_ids: &[String],
    user_ids: &[String],
) -> AppResult<Vec<group::Model>> {
    let group_ids = distinct_ids("groupIds", group_ids, MAX_GROUPS_PER_CHANGE)?;
    let user_ids = distinct_ids("userIds", user_ids, MAX_USERS_PER_CHANGE)?
        .iter()
        .map(|id| lookup::user_id(id))
        .collect::<AppResult<Vec<i64>>>()?;

    let caller = proof.actor();
    {
        let principal = confirm(txn, proof).await?;
        // The organization first, then the groups and users, shared: a deletion of one of them
        // waits until this change commits, or this change waits for it and finds it gone.
        let edition = lookup::organization_for_update(txn, &caller.organization_id).await?.edition;
        let groups = lookup::groups_locked(txn, &caller.organization_id, &group_ids, LockType::Share).await?;
        let users = lookup::users_locked(txn, &caller.organization_id, &user_ids, LockType::Share).await?;
        check_same_domain(&groups, &users)?;
        let before = delegation::access_of(txn, &principal, &user_ids).await?;
        if change == MembershipChange::Add {
            for (group, _) in &groups {
                for (user, _) in users.iter().filter(|(u, _)| u.user_type == UserType::Basic) {
                    edition::check_membership(edition.into(), user.user_type.into(), is_default_user_group(group))?;
                }
            }
        }

        let now = super::now();
        for (group, _) in &groups {
            match change {
                MembershipChange::Add => {
                    let rows = users.iter().map(|(user, _)| group_membership::ActiveModel {
                        group_id: Set(group.id.clone()),
                        user_id: Set(user.id),
                        created_at: Set(now),
                    });
                    group_membership::Entity::insert_many(rows)
                        .on_conflict_do_nothing()
                        .exec_without_returning(txn)
                        .await?;
                }
                MembershipChange::Remove => {
                    group_membership::Entity::delete_many()
                        .filter(group_membership::Column::GroupId.eq(group.id.clone()))
                        .filter(group_membership::Column::UserId.is_in(user_ids.iter().copied()))
                        .exec(txn)
                        .await?;
                }
            }
            let verb = match change {
                MembershipChange::Add => "add_members",
                MembershipChange::Remove => "remove_members",
            };
            audit::record(
                txn,
                Audit::changed(caller, verb, "group", &group.id, None, Some(json!({ "userIds": user_ids }))),
            )
            .await?;
        }
        delegation::check_changes(txn, &principal, &before).await?;
        if change == MembershipChange::Remove {
            delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
        }
        Ok(groups.into_iter().map(|(g, _)| g).collect())
    }
}

/// Users join groups of their own authentication domain only, and only in manually provisioned
/// domains.
fn check_same_domain(
    groups: &[(group::Model, authentication_domain::Model)],
    users: &[(user::Model, authentication_domain::Model)],
) -> AppResult<()> {
    for (_, domain) in groups {
        lookup::require_manual(domain, SCIM_MEMBERSHIP)?;
    }
    let domains: HashSet<&str> =
        groups.iter().map(|(_, d)| d.id.as_str()).chain(users.iter().map(|(_, d)| d.id.as_str())).collect();
    if domains.len() > 1 {
        return Err(AppError::bad_input("Users and groups must belong to the same authentication domain"));
    }
    Ok(())
}
