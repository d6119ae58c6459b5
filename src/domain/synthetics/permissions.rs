//! Operations of the Synthetics permission system: the per-account switch, permission groups,
//! their members and their rules. Who may call them is decided by `access::synthetics`
//! (`can_manage_permissions`) before they run; each one is a transaction with its audit event.

use crate::domain::validate::echo;
use std::collections::HashMap;

use entity::enums::SyntheticsEntityKind;
use entity::{
    account, authentication_domain, synthetics_monitor, synthetics_permission_group as sgroup,
    synthetics_permission_group_member as member, synthetics_permission_rule as rule, synthetics_permission_setting,
    synthetics_private_location, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, LockType, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use super::guid::{self, GuidKind};
use crate::access::Catalog;
use crate::access::decision::{Allowed, SyntheticsChange, SyntheticsWrite};
use crate::access::synthetics::{self as rules, Rule, Target};
use crate::domain::audit::{self, Audit};
use crate::domain::{Actor, access_facts, confirm, lookup, validate, wrong_proof};
use crate::error::{AppError, AppResult, on_unique_violation};
use entity::enums::SyntheticsEntityKind as EntityKind;

/// Most users one membership change may name.
pub const MAX_USERS_PER_CHANGE: usize = 100;

/// A permission group with its members and rules, as read back after a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDetails {
    pub group: sgroup::Model,
    pub members: Vec<user::Model>,
    pub rules: Vec<rule::Model>,
}

/// An account of the caller's organization (active or not).
pub async fn account_of(db: &impl ConnectionTrait, caller: &Actor, id: i32) -> AppResult<account::Model> {
    account::Entity::find_by_id(id)
        .filter(account::Column::OrganizationId.eq(&caller.organization_id))
        .one(db)
        .await?
        .ok_or_else(lookup::not_found)
}

/// A permission group of an account of the caller's organization.
pub async fn group(db: &impl ConnectionTrait, caller: &Actor, id: &str) -> AppResult<sgroup::Model> {
    let found = sgroup::Entity::find_by_id(id.trim()).one(db).await?.ok_or_else(lookup::not_found)?;
    account_of(db, caller, found.account_id).await?;
    Ok(found)
}

/// Refuses a proof that is not of managing `account_id`'s permission system.
fn managed(proof: &Allowed<SyntheticsChange>, account_id: i32) -> AppResult<()> {
    match *proof.what() {
        SyntheticsChange { account, op: SyntheticsWrite::ManagePermissions, .. } if account == account_id => Ok(()),
        _ => Err(wrong_proof("the Synthetics permission system")),
    }
}

/// A permission group of the account whose permission system `proof` lets the actor manage,
/// locked with `lock` for the rest of the transaction on PostgreSQL.
async fn managed_group(
    db: &impl ConnectionTrait,
    proof: &Allowed<SyntheticsChange>,
    id: &str,
    lock: LockType,
) -> AppResult<sgroup::Model> {
    let found = sgroup::Entity::find_by_id(id.trim()).lock(lock).one(db).await?.ok_or_else(lookup::not_found)?;
    account_of(db, proof.actor(), found.account_id).await?;
    managed(proof, found.account_id)?;
    Ok(found)
}

/// Whether the account has the permission system on.
pub async fn enabled(db: &impl ConnectionTrait, account_id: i32) -> Result<bool, DbErr> {
    Ok(synthetics_permission_setting::Entity::find_by_id(account_id).one(db).await?.is_some_and(|s| s.enabled))
}

/// Turns the permission system on or off for an account.
pub async fn set_enabled(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    account_id: i32,
    on: bool,
) -> AppResult<bool> {
    let caller = proof.actor();
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        managed(proof, account_id)?;
        account_of(txn, caller, account_id).await?;
        let before = enabled(txn, account_id).await?;
        let row = synthetics_permission_setting::ActiveModel {
            account_id: Set(account_id),
            enabled: Set(on),
            updated_at: Set(crate::domain::now()),
        };
        synthetics_permission_setting::Entity::insert(row)
            .on_conflict(
                OnConflict::column(synthetics_permission_setting::Column::AccountId)
                    .update_columns([
                        synthetics_permission_setting::Column::Enabled,
                        synthetics_permission_setting::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        if before != on {
            let verb = if on { "enable" } else { "disable" };
            audit::record(
                txn,
                Audit::changed(
                    caller,
                    verb,
                    "synthetics_permissions",
                    account_id,
                    Some(json!({ "enabled": before })),
                    Some(json!({ "enabled": on })),
                ),
            )
            .await?;
        }
        Ok(on)
    })
    .await
}

async fn name_in_use(db: &impl ConnectionTrait, account_id: i32, name: &str, except: Option<&str>) -> AppResult<bool> {
    let mut select =
        sgroup::Entity::find().filter(sgroup::Column::AccountId.eq(account_id)).filter(sgroup::Column::Name.eq(name));
    if let Some(id) = except {
        select = select.filter(sgroup::Column::Id.ne(id));
    }
    Ok(select.count(db).await? > 0)
}

const NAME_TAKEN: &str = "A permission group with this name already exists in the account";

pub async fn create_group(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    account_id: i32,
    name: &str,
) -> AppResult<sgroup::Model> {
    let caller = proof.actor();
    let name = validate::name("Name", name)?;
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        managed(proof, account_id)?;
        account_of(txn, caller, account_id).await?;
        if name_in_use(txn, account_id, &name, None).await? {
            return Err(AppError::bad_input(NAME_TAKEN));
        }
        let created = sgroup::ActiveModel {
            id: Set(crate::domain::new_uuid()),
            account_id: Set(account_id),
            name: Set(name.clone()),
            created_at: Set(crate::domain::now()),
        }
        .insert(txn)
        .await
        .map_err(|e| on_unique_violation(e, || NAME_TAKEN.to_owned()))?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "create",
                "synthetics_permission_group",
                &created.id,
                None,
                Some(json!({"name": name, "accountId": account_id})),
            ),
        )
        .await?;
        Ok(created)
    })
    .await
}

pub async fn rename_group(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    id: &str,
    name: &str,
) -> AppResult<sgroup::Model> {
    let caller = proof.actor();
    let name = validate::name("Name", name)?;
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let before = managed_group(txn, proof, id, LockType::Update).await?;
        if name_in_use(txn, before.account_id, &name, Some(&before.id)).await? {
            return Err(AppError::bad_input(NAME_TAKEN));
        }
        let mut model: sgroup::ActiveModel = before.clone().into();
        model.name = Set(name.clone());
        let after = model.update(txn).await.map_err(|e| on_unique_violation(e, || NAME_TAKEN.to_owned()))?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "update",
                "synthetics_permission_group",
                &after.id,
                Some(json!({"name": before.name})),
                Some(json!({"name": name})),
            ),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Deletes a group with its members and rules, at once and for good.
pub async fn delete_group(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    id: &str,
) -> AppResult<sgroup::Model> {
    let caller = proof.actor();
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let found = managed_group(txn, proof, id, LockType::Update).await?;
        sgroup::Entity::delete_by_id(found.id.clone()).exec(txn).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "delete",
                "synthetics_permission_group",
                &found.id,
                Some(json!({"name": found.name, "accountId": found.account_id})),
                None,
            ),
        )
        .await?;
        Ok(found)
    })
    .await
}

/// The users of the caller's organization that can access `account_id`, by their effective access.
async fn users_with_access(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    caller: &Actor,
    account_id: i32,
    only: Option<&[i64]>,
) -> AppResult<Vec<i64>> {
    let domains = Query::select()
        .column(authentication_domain::Column::Id)
        .from(authentication_domain::Entity)
        .and_where(Expr::col(authentication_domain::Column::OrganizationId).eq(caller.organization_id.as_str()))
        .to_owned();
    let mut select = user::Entity::find().filter(user::Column::AuthenticationDomainId.in_subquery(domains));
    if let Some(ids) = only {
        select = select.filter(user::Column::Id.is_in(ids.iter().copied()));
    }
    // Shared on PostgreSQL (only `add_members` calls this): a deletion of one of these users waits
    // until the new members are committed (and deletes them with the user), or is waited for.
    let ids: Vec<i64> =
        select.order_by_asc(user::Column::Id).lock_shared().all(db).await?.into_iter().map(|u| u.id).collect();
    let access = access_facts::effective_access(db, catalog, &ids).await?;
    let mut with_access: Vec<i64> =
        ids.into_iter().filter(|id| access.get(id).is_some_and(|a| a.has_account_access(account_id))).collect();
    with_access.sort_unstable();
    Ok(with_access)
}

/// Adds users to a group: the ones named, or every user of the organization with access to the
/// group's account (`add_all`). A named user must exist in the organization and have access to
/// the account.
pub async fn add_members(
    db: &DatabaseConnection,
    catalog: &Catalog,
    proof: &Allowed<SyntheticsChange>,
    id: &str,
    user_ids: &[i64],
    add_all: bool,
) -> AppResult<sgroup::Model> {
    let caller = proof.actor();
    if !add_all && user_ids.is_empty() {
        return Err(AppError::bad_input("Name at least one user, or add all users"));
    }
    if user_ids.len() > MAX_USERS_PER_CHANGE {
        return Err(AppError::bad_input(format!("userIds must contain at most {MAX_USERS_PER_CHANGE} ids")));
    }
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let found = managed_group(txn, proof, id, LockType::Share).await?;
        let members = if add_all {
            users_with_access(txn, catalog, caller, found.account_id, None).await?
        } else {
            let known = lookup::users_locked(txn, &caller.organization_id, user_ids, LockType::Share).await?;
            let ids: Vec<i64> = known.iter().map(|(u, _)| u.id).collect();
            let allowed = users_with_access(txn, catalog, caller, found.account_id, Some(&ids)).await?;
            if let Some(missing) = ids.iter().find(|id| !allowed.contains(id)) {
                return Err(AppError::bad_input(format!(
                    "User {missing} has no access to account {}",
                    found.account_id
                )));
            }
            allowed
        };
        let now = crate::domain::now();
        let rows = members.iter().map(|user_id| member::ActiveModel {
            group_id: Set(found.id.clone()),
            user_id: Set(*user_id),
            created_at: Set(now),
        });
        member::Entity::insert_many(rows).on_conflict_do_nothing().exec_without_returning(txn).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "add_members",
                "synthetics_permission_group",
                &found.id,
                None,
                Some(json!({"userIds": members})),
            ),
        )
        .await?;
        Ok(found)
    })
    .await
}

pub async fn remove_members(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    id: &str,
    user_ids: &[i64],
) -> AppResult<sgroup::Model> {
    let caller = proof.actor();
    if user_ids.is_empty() {
        return Err(AppError::bad_input("Name at least one user"));
    }
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let found = managed_group(txn, proof, id, LockType::Share).await?;
        member::Entity::delete_many()
            .filter(member::Column::GroupId.eq(found.id.clone()))
            .filter(member::Column::UserId.is_in(user_ids.iter().copied()))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "remove_members",
                "synthetics_permission_group",
                &found.id,
                None,
                Some(json!({"userIds": user_ids})),
            ),
        )
        .await?;
        Ok(found)
    })
    .await
}

/// The target of a rule a client asks for: every entity of the kind, or one by GUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRequest {
    pub kind: EntityKind,
    /// `None` for every entity of the kind.
    pub guid: Option<String>,
    pub view: bool,
    pub edit: bool,
}

/// Checks that `guid` names an entity of `kind` in `account_id`; returns the GUID as stored.
async fn entity_target(db: &impl ConnectionTrait, account_id: i32, kind: EntityKind, guid: &str) -> AppResult<String> {
    let parsed = guid::decode(guid).ok_or_else(lookup::not_found)?;
    let expected = match kind {
        SyntheticsEntityKind::Monitor => GuidKind::Monitor,
        SyntheticsEntityKind::PrivateLocation => GuidKind::PrivateLocation,
    };
    if parsed.kind != expected || parsed.account_id != account_id {
        return Err(AppError::bad_input(format!(
            "{} is not a {} of account {account_id}",
            echo(guid.trim()),
            match kind {
                SyntheticsEntityKind::Monitor => "monitor",
                SyntheticsEntityKind::PrivateLocation => "private location",
            }
        )));
    }
    // Shared on PostgreSQL: a deletion of the entity (which deletes the rules naming it) waits
    // until this rule is committed, or this change waits for it and finds no entity.
    let exists = match kind {
        SyntheticsEntityKind::Monitor => synthetics_monitor::Entity::find()
            .filter(synthetics_monitor::Column::Guid.eq(guid.trim()))
            .lock_shared()
            .one(db)
            .await?
            .is_some(),
        SyntheticsEntityKind::PrivateLocation => synthetics_private_location::Entity::find()
            .filter(synthetics_private_location::Column::Guid.eq(guid.trim()))
            .lock_shared()
            .one(db)
            .await?
            .is_some(),
    };
    if !exists {
        return Err(lookup::not_found());
    }
    Ok(guid.trim().to_owned())
}

/// Sets the group's rule on a target (replacing the rule it had there). "All" and per-entity
/// rules of one kind exclude each other.
pub async fn set_rule(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    id: &str,
    request: RuleRequest,
) -> AppResult<sgroup::Model> {
    let caller = proof.actor();
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let found = managed_group(txn, proof, id, LockType::Share).await?;
        let target = match &request.guid {
            Some(guid) => entity_target(txn, found.account_id, request.kind, guid).await?,
            None => rule::ALL.to_owned(),
        };
        let existing = rule::Entity::find().filter(rule::Column::GroupId.eq(found.id.clone())).all(txn).await?;
        let others: Vec<Rule> = existing
            .iter()
            .filter(|r| !(r.entity_kind == request.kind && r.target == target))
            .map(super::to_rule)
            .collect();
        let new = Rule {
            kind: request.kind.into(),
            target: if request.guid.is_some() { Target::One(target.clone()) } else { Target::All },
            view: request.view,
            edit: request.edit,
        };
        rules::check_rule(&others, &new).map_err(|e| AppError::bad_input(e.to_string()))?;
        rule::Entity::delete_many()
            .filter(rule::Column::GroupId.eq(found.id.clone()))
            .filter(rule::Column::EntityKind.eq(request.kind))
            .filter(rule::Column::Target.eq(target.clone()))
            .exec(txn)
            .await?;
        rule::ActiveModel {
            group_id: Set(found.id.clone()),
            entity_kind: Set(request.kind),
            target: Set(target.clone()),
            can_view: Set(request.view),
            can_edit: Set(request.edit),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "set_rule",
                "synthetics_permission_group",
                &found.id,
                None,
                Some(json!({"entityKind": request.kind, "target": target, "view": request.view, "edit": request.edit})),
            ),
        )
        .await?;
        Ok(found)
    })
    .await
}

/// Removes the group's rule on a target (a no-op when it has none there).
pub async fn remove_rule(
    db: &DatabaseConnection,
    proof: &Allowed<SyntheticsChange>,
    id: &str,
    kind: EntityKind,
    guid: Option<&str>,
) -> AppResult<sgroup::Model> {
    let caller = proof.actor();
    super::super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let found = managed_group(txn, proof, id, LockType::Share).await?;
        let target = guid.map(|g| g.trim().to_owned()).unwrap_or_else(|| rule::ALL.to_owned());
        rule::Entity::delete_many()
            .filter(rule::Column::GroupId.eq(found.id.clone()))
            .filter(rule::Column::EntityKind.eq(kind))
            .filter(rule::Column::Target.eq(target.clone()))
            .exec(txn)
            .await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "remove_rule",
                "synthetics_permission_group",
                &found.id,
                None,
                Some(json!({"entityKind": kind, "target": target})),
            ),
        )
        .await?;
        Ok(found)
    })
    .await
}

/// The permission groups of an account with their members and rules, in three statements.
pub async fn groups_of_account(db: &impl ConnectionTrait, account_id: i32) -> Result<Vec<GroupDetails>, DbErr> {
    let groups = sgroup::Entity::find()
        .filter(sgroup::Column::AccountId.eq(account_id))
        .order_by_asc(sgroup::Column::Name)
        .all(db)
        .await?;
    details(db, groups).await
}

/// Members and rules for `groups`, in two statements.
pub async fn details(db: &impl ConnectionTrait, groups: Vec<sgroup::Model>) -> Result<Vec<GroupDetails>, DbErr> {
    let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    let mut members: HashMap<String, Vec<user::Model>> = HashMap::new();
    let mut all_rules: HashMap<String, Vec<rule::Model>> = HashMap::new();
    if !ids.is_empty() {
        let rows = member::Entity::find()
            .filter(member::Column::GroupId.is_in(ids.clone()))
            .find_also_related(user::Entity)
            .order_by_asc(member::Column::UserId)
            .all(db)
            .await?;
        for (m, u) in rows {
            if let Some(u) = u {
                members.entry(m.group_id).or_default().push(u);
            }
        }
        for r in
            rule::Entity::find().filter(rule::Column::GroupId.is_in(ids)).order_by_asc(rule::Column::Id).all(db).await?
        {
            all_rules.entry(r.group_id.clone()).or_default().push(r);
        }
    }
    Ok(groups
        .into_iter()
        .map(|g| GroupDetails {
            members: members.remove(&g.id).unwrap_or_default(),
            rules: all_rules.remove(&g.id).unwrap_or_default(),
            group: g,
        })
        .collect())
}
