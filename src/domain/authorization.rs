//! Roles and access grants: which roles a group holds where, and granting or revoking them
//! (NerdGraph's `authorizationManagement*`).
//!
//! A grant gives a group an account-scoped role on one account of the organization, or an
//! organization-scoped role on the organization. The permission model decides whether a grant
//! fits (`access::check_grant_scope`) and the edition whether new grants are allowed.

use std::collections::HashMap;

use entity::enums::Scope;
use entity::{access_grant, account, role, role_capability};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::audit::{self, Audit};
use super::{Actor, confirm, delegation, lookup};
use crate::access::decision::{self, Action, Allowed, ManageGrants};
use crate::access::{self, CapabilitySet, EffectiveAccess, GrantTarget, edition};
use crate::error::{AppError, AppResult};

/// NerdGraph's text for a role id that names no role the organization can use.
pub const ROLE_MUST_EXIST: &str = "Validation failed: Role must exist, Role can't be blank";

/// A grant as a group holds it, with its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantedRole {
    pub grant: access_grant::Model,
    pub role: role::Model,
}

/// The granted roles of each of `group_ids`, by role name then target, in one statement.
pub async fn granted_roles_of_groups(
    db: &impl ConnectionTrait,
    group_ids: &[String],
) -> Result<HashMap<String, Vec<GrantedRole>>, DbErr> {
    let rows = access_grant::Entity::find()
        .filter(access_grant::Column::GroupId.is_in(group_ids.iter().cloned()))
        .find_also_related(role::Entity)
        .order_by_asc(access_grant::Column::Id)
        .all(db)
        .await?;
    let mut by_group: HashMap<String, Vec<GrantedRole>> = HashMap::new();
    for (grant, role) in rows {
        if let Some(role) = role {
            by_group.entry(grant.group_id.clone()).or_default().push(GrantedRole { grant, role });
        }
    }
    Ok(by_group)
}

/// The standard roles and the organization's custom roles with these ids, in id order.
pub async fn visible_roles(
    db: &impl ConnectionTrait,
    organization_id: &str,
    ids: Option<&[i32]>,
) -> Result<Vec<role::Model>, DbErr> {
    let mut select = role::Entity::find().filter(
        Condition::any()
            .add(role::Column::OrganizationId.is_null())
            .add(role::Column::OrganizationId.eq(organization_id)),
    );
    if let Some(ids) = ids {
        select = select.filter(role::Column::Id.is_in(ids.iter().copied()));
    }
    select.order_by_asc(role::Column::Id).all(db).await
}

/// One requested grant: a role (as the client sent its id) on a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedGrant {
    pub role_id: String,
    pub target: RequestedTarget,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestedTarget {
    Account(i32),
    Organization,
    /// NerdGraph's group-scoped and entity-scoped grants, which AccessGraph's model does not have.
    Unsupported(&'static str),
}

/// Whether grants are added or taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantChange {
    Grant,
    Revoke,
}

/// What a grant or revoke did: the grants created (or removed), and the group's grants after it.
#[derive(Debug, Clone)]
pub struct GrantOutcome {
    pub changed: Vec<access_grant::Model>,
    pub roles_after: Vec<GrantedRole>,
}

/// Grants or revokes `requested` for group `group_id`, all or nothing. Granting what the group
/// already holds, or revoking what it does not hold, changes nothing. Only a role whose every
/// capability the actor holds on the target can be granted or revoked, and the organization keeps
/// an active manager.
pub async fn change_grants(
    db: &DatabaseConnection,
    proof: &Allowed<ManageGrants>,
    change: GrantChange,
    group_id: &str,
    requested: &[RequestedGrant],
) -> AppResult<GrantOutcome> {
    super::in_transaction(db, async |txn| change_grants_in(txn, proof, change, group_id, requested).await).await
}

/// [`change_grants`] inside the caller's transaction (which commits or rolls back).
pub async fn change_grants_in(
    txn: &DatabaseTransaction,
    proof: &Allowed<ManageGrants>,
    change: GrantChange,
    group_id: &str,
    requested: &[RequestedGrant],
) -> AppResult<GrantOutcome> {
    if requested.is_empty() {
        return Err(AppError::bad_input("Provide at least one access grant"));
    }
    if let Some(kind) = requested.iter().find_map(|r| match r.target {
        RequestedTarget::Unsupported(kind) => Some(kind),
        _ => None,
    }) {
        return Err(AppError::bad_input(format!("{kind} access grants are not supported")));
    }
    let caller = proof.actor();
    {
        let principal = confirm(txn, proof).await?;
        // The organization first, then the group, role and account, shared: a deletion of the
        // group or role waits until this change commits (and then sees its grants), or this change
        // waits for it and finds it gone.
        let organization = lookup::organization_for_update(txn, &caller.organization_id).await?;
        let (group, _) = lookup::group_locked(txn, &caller.organization_id, group_id, LockType::Share).await?;
        if change == GrantChange::Grant {
            edition::check_new_grant(organization.edition.into())?;
        }
        let mut changed = Vec::new();
        for request in requested {
            let role = role_to_grant(txn, &caller.organization_id, &request.role_id).await?;
            let target = match request.target {
                RequestedTarget::Account(id) => {
                    account_of(txn, &caller.organization_id, id).await?;
                    GrantTarget::Account(id)
                }
                _ => GrantTarget::Organization,
            };
            access::check_grant_scope(role.scope.into(), target)?;
            let carried = carried_by(txn, &role, target).await?;
            decision::check(&principal, Action::Carry(&carried))?;
            let done = match change {
                GrantChange::Grant => grant(txn, caller, &group.id, &role, target).await?,
                GrantChange::Revoke => revoke(txn, caller, &group.id, &role, target).await?,
            };
            changed.extend(done);
        }
        if change == GrantChange::Revoke {
            delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
        }
        let roles_after =
            granted_roles_of_groups(txn, std::slice::from_ref(&group.id)).await?.remove(&group.id).unwrap_or_default();
        Ok(GrantOutcome { changed, roles_after })
    }
}

/// The access a grant of `role` on `target` gives a full platform user.
async fn carried_by(db: &impl ConnectionTrait, role: &role::Model, target: GrantTarget) -> AppResult<EffectiveAccess> {
    let capabilities: CapabilitySet = role_capability::Entity::find()
        .filter(role_capability::Column::RoleId.eq(role.id))
        .all(db)
        .await?
        .into_iter()
        .map(|rc| rc.capability_id)
        .collect();
    Ok(match target {
        GrantTarget::Account(account) => EffectiveAccess::of([(account, capabilities)].into(), CapabilitySet::new()),
        GrantTarget::Organization => EffectiveAccess::of(Default::default(), capabilities),
    })
}

/// A role the organization may grant: a standard role or one of its own custom roles.
async fn role_to_grant(db: &impl ConnectionTrait, organization_id: &str, id: &str) -> AppResult<role::Model> {
    let id: i32 = id.trim().parse().map_err(|_| AppError::bad_input(ROLE_MUST_EXIST))?;
    // Locked (shared) on PostgreSQL: `roles::delete` counts the role's grants under its lock.
    role::Entity::find_by_id(id).lock_shared().one(db).await?;
    visible_roles(db, organization_id, Some(&[id])).await?.pop().ok_or_else(|| AppError::bad_input(ROLE_MUST_EXIST))
}

/// An account of the organization (active or not: revoking a grant on a canceled account works).
async fn account_of(db: &impl ConnectionTrait, organization_id: &str, id: i32) -> AppResult<account::Model> {
    account::Entity::find_by_id(id)
        .filter(account::Column::OrganizationId.eq(organization_id))
        .lock_shared()
        .one(db)
        .await?
        .ok_or_else(lookup::not_found)
}

fn target_columns(caller: &Actor, target: GrantTarget) -> (Option<i32>, Option<String>) {
    match target {
        GrantTarget::Account(id) => (Some(id), None),
        GrantTarget::Organization => (None, Some(caller.organization_id.clone())),
    }
}

async fn existing(
    db: &impl ConnectionTrait,
    group_id: &str,
    role_id: i32,
    account_id: Option<i32>,
    organization_id: Option<&str>,
) -> Result<Option<access_grant::Model>, DbErr> {
    let select = access_grant::Entity::find()
        .filter(access_grant::Column::GroupId.eq(group_id))
        .filter(access_grant::Column::RoleId.eq(role_id));
    let select = match (account_id, organization_id) {
        (Some(account), _) => select.filter(access_grant::Column::AccountId.eq(account)),
        (None, Some(organization)) => select.filter(access_grant::Column::OrganizationId.eq(organization)),
        (None, None) => return Ok(None),
    };
    select.one(db).await
}

fn grant_snapshot(grant: &access_grant::Model) -> serde_json::Value {
    json!({
        "groupId": grant.group_id,
        "roleId": grant.role_id,
        "accountId": grant.account_id,
        "organizationId": grant.organization_id,
    })
}

async fn grant(
    db: &impl ConnectionTrait,
    caller: &Actor,
    group_id: &str,
    role: &role::Model,
    target: GrantTarget,
) -> AppResult<Option<access_grant::Model>> {
    let (account_id, organization_id) = target_columns(caller, target);
    if existing(db, group_id, role.id, account_id, organization_id.as_deref()).await?.is_some() {
        return Ok(None);
    }
    let created = access_grant::ActiveModel {
        group_id: Set(group_id.to_owned()),
        role_id: Set(role.id),
        account_id: Set(account_id),
        organization_id: Set(organization_id),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Audit::changed(caller, "create", "access_grant", created.id, None, Some(grant_snapshot(&created))),
    )
    .await?;
    Ok(Some(created))
}

async fn revoke(
    db: &impl ConnectionTrait,
    caller: &Actor,
    group_id: &str,
    role: &role::Model,
    target: GrantTarget,
) -> AppResult<Option<access_grant::Model>> {
    let (account_id, organization_id) = target_columns(caller, target);
    let Some(found) = existing(db, group_id, role.id, account_id, organization_id.as_deref()).await? else {
        return Ok(None);
    };
    access_grant::Entity::delete_by_id(found.id).exec(db).await?;
    audit::record(db, Audit::changed(caller, "delete", "access_grant", found.id, Some(grant_snapshot(&found)), None))
        .await?;
    Ok(Some(found))
}

/// The scope of a role as NerdGraph writes it in text fields.
pub fn scope_text(scope: Scope) -> &'static str {
    match scope {
        Scope::Account => "account",
        Scope::Organization => "organization",
    }
}
