//! Custom roles: an organization's own sets of selectable capabilities (NerdGraph's
//! `customRole*` mutations). Standard roles are seeded and never change here.

use std::collections::{BTreeMap, BTreeSet};

use entity::enums::{RoleType, Scope, UserType};
use entity::{access_grant, role, role_capability};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QuerySelect, Set,
};
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::{Actor, confirm, lookup, validate};
use crate::access::decision::{self, Action, Allowed, ManageCustomRoles};
use crate::access::{self, CapabilityId, Catalog, EffectiveAccess, edition};
use crate::error::{AppError, AppResult, on_unique_violation};

const NAME_TAKEN: &str = "Name has already been taken";

/// A custom role's scope as the client writes it (`account` or `organization`, any case).
pub fn parse_scope(text: &str) -> AppResult<Scope> {
    match text.trim().to_ascii_uppercase().as_str() {
        "ACCOUNT" => Ok(Scope::Account),
        "ORGANIZATION" => Ok(Scope::Organization),
        _ => Err(AppError::bad_input(format!(
            "Scope '{}' is not valid: use ACCOUNT or ORGANIZATION",
            validate::echo(text.trim())
        ))),
    }
}

/// The capabilities of a custom role: at least one, each selectable and of the role's scope.
fn capability_set(scope: Scope, ids: &[CapabilityId], catalog: &Catalog) -> AppResult<BTreeSet<CapabilityId>> {
    if ids.is_empty() {
        return Err(AppError::bad_input("A custom role needs at least one permission"));
    }
    access::check_custom_role_capabilities(scope.into(), ids, catalog)?;
    Ok(ids.iter().copied().collect())
}

fn snapshot(role: &role::Model, capabilities: &BTreeSet<CapabilityId>) -> Value {
    json!({ "name": role.display_name, "scope": role.scope, "permissionIds": capabilities })
}

async fn name_in_use(
    db: &impl ConnectionTrait,
    organization_id: &str,
    name: &str,
    except: Option<i32>,
) -> AppResult<bool> {
    let mut select = role::Entity::find()
        .filter(role::Column::OrganizationId.eq(organization_id))
        .filter(role::Column::Name.eq(name));
    if let Some(id) = except {
        select = select.filter(role::Column::Id.ne(id));
    }
    Ok(select.count(db).await? > 0)
}

async fn write_capabilities(db: &impl ConnectionTrait, role_id: i32, ids: &BTreeSet<CapabilityId>) -> AppResult<()> {
    role_capability::Entity::delete_many().filter(role_capability::Column::RoleId.eq(role_id)).exec(db).await?;
    let rows = ids.iter().map(|id| role_capability::ActiveModel { role_id: Set(role_id), capability_id: Set(*id) });
    role_capability::Entity::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

async fn capabilities_of(db: &impl ConnectionTrait, role_id: i32) -> AppResult<BTreeSet<CapabilityId>> {
    Ok(role_capability::Entity::find()
        .filter(role_capability::Column::RoleId.eq(role_id))
        .all(db)
        .await?
        .into_iter()
        .map(|rc| rc.capability_id)
        .collect())
}

/// `customRoleCreate`: a role of `scope` for the caller's organization (`container_id`).
pub async fn create(
    db: &DatabaseConnection,
    catalog: &Catalog,
    proof: &Allowed<ManageCustomRoles>,
    container_id: &str,
    name: &str,
    permission_ids: &[CapabilityId],
    scope: &str,
) -> AppResult<role::Model> {
    let caller = proof.actor();
    let name = validate::name("Name", name)?;
    let scope = parse_scope(scope)?;
    let capabilities = capability_set(scope, permission_ids, catalog)?;
    if container_id.trim() != caller.organization_id {
        return Err(lookup::not_found());
    }
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let organization = lookup::organization_for_update(txn, &caller.organization_id).await?;
        edition::check_custom_role(organization.edition.into())?;
        if name_in_use(txn, &caller.organization_id, &name, None).await? {
            return Err(AppError::bad_input(NAME_TAKEN));
        }
        let created = role::ActiveModel {
            name: Set(name.clone()),
            display_name: Set(name.clone()),
            scope: Set(scope),
            role_type: Set(RoleType::Custom),
            organization_id: Set(Some(caller.organization_id.clone())),
            // Organization roles give nothing to basic users; the type cap trims the rest.
            min_user_type: Set(if scope == Scope::Organization { UserType::Core } else { UserType::Basic }),
            created_at: Set(super::now()),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| on_unique_violation(e, || NAME_TAKEN.to_owned()))?;
        write_capabilities(txn, created.id, &capabilities).await?;
        audit::record(
            txn,
            Audit::changed(caller, "create", "role", created.id, None, Some(snapshot(&created, &capabilities))),
        )
        .await?;
        Ok(created)
    })
    .await
}

/// A custom role of the caller's organization; standard roles cannot be changed.
/// Locked for the rest of the transaction on PostgreSQL: a grant of the role commits before (and
/// `delete` counts it) or waits and then finds no role.
async fn custom_role(db: &impl ConnectionTrait, caller: &Actor, id: i32) -> AppResult<role::Model> {
    let role = role::Entity::find_by_id(id).lock_exclusive().one(db).await?.ok_or_else(lookup::not_found)?;
    match (&role.organization_id, role.role_type) {
        (Some(org), RoleType::Custom) if *org == caller.organization_id => Ok(role),
        (None, RoleType::Standard) => Err(AppError::bad_input("Standard roles cannot be changed or deleted")),
        _ => Err(lookup::not_found()),
    }
}

/// `customRoleUpdate`: a new name, a new set of permissions, or both. Where the role is granted,
/// the capabilities added or removed must be capabilities the actor holds there.
pub async fn update(
    db: &DatabaseConnection,
    catalog: &Catalog,
    proof: &Allowed<ManageCustomRoles>,
    id: i32,
    name: Option<&str>,
    permission_ids: Option<&[CapabilityId]>,
) -> AppResult<role::Model> {
    let caller = proof.actor();
    let name = name.map(|n| validate::name("Name", n)).transpose()?;
    super::in_transaction(db, async |txn| {
        let principal = confirm(txn, proof).await?;
        let before = custom_role(txn, caller, id).await?;
        let before_caps = capabilities_of(txn, id).await?;
        let capabilities = permission_ids.map(|ids| capability_set(before.scope, ids, catalog)).transpose()?;
        if let Some(capabilities) = &capabilities {
            let moved: BTreeSet<CapabilityId> = capabilities.symmetric_difference(&before_caps).copied().collect();
            let carried = carried_where_granted(txn, id, &moved).await?;
            decision::check(&principal, Action::Carry(&carried))?;
        }
        let mut model: role::ActiveModel = before.clone().into();
        if let Some(name) = &name {
            if name_in_use(txn, &caller.organization_id, name, Some(id)).await? {
                return Err(AppError::bad_input(NAME_TAKEN));
            }
            model.name = Set(name.clone());
            model.display_name = Set(name.clone());
        }
        let after = model.update(txn).await.map_err(|e| on_unique_violation(e, || NAME_TAKEN.to_owned()))?;
        if let Some(capabilities) = &capabilities {
            write_capabilities(txn, id, capabilities).await?;
        }
        let after_caps = capabilities.unwrap_or_else(|| before_caps.clone());
        audit::record(
            txn,
            Audit::changed(
                caller,
                "update",
                "role",
                id,
                Some(snapshot(&before, &before_caps)),
                Some(snapshot(&after, &after_caps)),
            ),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// The access `capabilities` amount to on every target where role `id` is granted.
async fn carried_where_granted(
    db: &impl ConnectionTrait,
    id: i32,
    capabilities: &BTreeSet<CapabilityId>,
) -> AppResult<EffectiveAccess> {
    let mut accounts = BTreeMap::new();
    let mut organization = BTreeSet::new();
    for grant in access_grant::Entity::find().filter(access_grant::Column::RoleId.eq(id)).all(db).await? {
        match grant.account_id {
            Some(account) => {
                accounts.insert(account, capabilities.clone());
            }
            None => organization.clone_from(capabilities),
        }
    }
    Ok(EffectiveAccess::of(accounts, organization))
}

/// `customRoleDelete`: refused while any group holds the role.
pub async fn delete(db: &DatabaseConnection, proof: &Allowed<ManageCustomRoles>, id: i32) -> AppResult<role::Model> {
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let role = custom_role(txn, caller, id).await?;
        let grants = access_grant::Entity::find().filter(access_grant::Column::RoleId.eq(id)).count(txn).await?;
        if grants > 0 {
            return Err(AppError::bad_input(format!(
                "The role '{}' is granted {grants} time(s); revoke its access grants before deleting it",
                role.display_name
            )));
        }
        let capabilities = capabilities_of(txn, id).await?;
        role_capability::Entity::delete_many().filter(role_capability::Column::RoleId.eq(id)).exec(txn).await?;
        role::Entity::delete_by_id(id).exec(txn).await?;
        audit::record(txn, Audit::changed(caller, "delete", "role", id, Some(snapshot(&role, &capabilities)), None))
            .await?;
        Ok(role)
    })
    .await
}
