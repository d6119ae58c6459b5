//! The original (v1) user model: users of accounts with a base role and add-on roles, the
//! organization's Owner, and the accounts' add-on roles (`originalUserModel*` mutations and reads).
//!
//! Each change is one transaction through [`super::confirm`], audited, deciding again inside it
//! with the facts read there ([`Action::OriginalUserChange`], and [`Action::Carry`] of what the
//! target gains or loses, through `delegation::check_changes`). The user changes have `*_in`
//! forms that run inside a caller's transaction after [`confirm_manage`], so that many of them
//! (a bulk action) apply in one transaction or not at all.
//!
//! The nine add-on manager roles of an account are stored rows, seeded by the migration for the
//! accounts that existed and created here, idempotently, when an account is created and before any
//! change of the account's users or add-on roles ([`ensure_manager_roles`]).

pub mod bulk;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use entity::enums::{EmailVerificationState, OriginalBaseRole, OriginalProduct, ProvisioningType, UserType};
use entity::{
    account, api_key, authentication_domain, original_add_on_role, original_add_on_role_capability,
    original_membership, original_owner, original_user_add_on_role, user,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::{access_facts, confirm, delegation, lookup, users, validate};
use crate::access::decision::{
    self, Action, Allowed, ManageOriginalUsers, OriginalUserChange, Principal, TransferOwnership,
};
use crate::access::original::{self, AccountTree, BaseRole, Product, RoleOn};
use crate::access::{CapabilityId, CapabilitySet, Catalog};
use crate::error::{AppError, AppResult, on_unique_violation};

const ADD_ON_NAME_TAKEN: &str = "An add-on role of this name already exists on the account";

/// `originalUserModelAddUser`'s input.
#[derive(Debug, Clone)]
pub struct NewOriginalUser {
    pub email: String,
    pub name: String,
    /// BASIC when not given; a higher type than the user's raises it (the highest type counts).
    pub user_type: Option<UserType>,
    pub role: BaseRole,
    pub add_on_role_ids: Vec<i32>,
}

/// A user's original-model roles on one account, after a change.
#[derive(Debug, Clone)]
pub struct Membership {
    pub user: user::Model,
    pub account_id: i32,
    pub role: BaseRole,
    pub add_on_roles: Vec<original_add_on_role::Model>,
}

/// A change of an account's users, confirmed inside its transaction: the actor with their access
/// as read there, and the account.
pub struct Confirmed<'a> {
    proof: &'a Allowed<ManageOriginalUsers>,
    principal: Principal,
}

impl Confirmed<'_> {
    pub fn account(&self) -> i32 {
        self.proof.what().0
    }
}

/// Confirms a proof of managing an account's original-model users inside `txn` (once per
/// transaction, before any `*_in` change), with the account checked to be an active account of the
/// actor's organization, and its manager roles in place.
pub async fn confirm_manage<'a>(
    txn: &DatabaseTransaction,
    proof: &'a Allowed<ManageOriginalUsers>,
) -> AppResult<Confirmed<'a>> {
    let principal = confirm(txn, proof).await?;
    let account = active_account(txn, &principal.actor.organization_id, proof.what().0).await?;
    ensure_manager_roles(txn, account.id).await?;
    Ok(Confirmed { proof, principal })
}

async fn active_account(db: &impl ConnectionTrait, organization_id: &str, id: i32) -> AppResult<account::Model> {
    let account = lookup::account_for_update(db, organization_id, id).await?;
    if account.status != entity::enums::AccountStatus::Active {
        return Err(lookup::not_found());
    }
    Ok(account)
}

/// Creates the account's nine add-on manager roles that it lacks.
pub async fn ensure_manager_roles(db: &impl ConnectionTrait, account_id: i32) -> AppResult<()> {
    let existing: BTreeSet<OriginalProduct> = original_add_on_role::Entity::find()
        .filter(original_add_on_role::Column::AccountId.eq(account_id))
        .filter(original_add_on_role::Column::Product.is_not_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| r.product)
        .collect();
    let missing: Vec<_> = Product::ALL
        .iter()
        .filter(|p| !existing.contains(&OriginalProduct::from(**p)))
        .map(|p| original_add_on_role::ActiveModel {
            account_id: Set(account_id),
            name: Set(p.manager_role_name().to_owned()),
            product: Set(Some((*p).into())),
            ..Default::default()
        })
        .collect();
    if !missing.is_empty() {
        original_add_on_role::Entity::insert_many(missing)
            .on_conflict(
                OnConflict::columns([original_add_on_role::Column::AccountId, original_add_on_role::Column::Name])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Makes `user_id` the Owner of a new organization, on its primary account (bootstrap).
pub async fn make_first_owner(
    db: &impl ConnectionTrait,
    organization_id: &str,
    primary_account_id: i32,
    user_id: i64,
) -> AppResult<()> {
    original_owner::ActiveModel { organization_id: Set(organization_id.to_owned()), user_id: Set(user_id) }
        .insert(db)
        .await?;
    original_membership::ActiveModel {
        user_id: Set(user_id),
        account_id: Set(primary_account_id),
        base_role: Set(OriginalBaseRole::Owner),
        ..Default::default()
    }
    .insert(db)
    .await?;
    ensure_manager_roles(db, primary_account_id).await
}

/// The organization's Owner, if it has one.
pub async fn owner_of(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<Option<i64>> {
    Ok(original_owner::Entity::find_by_id(organization_id).one(db).await?.map(|o| o.user_id))
}

/// The organization's active accounts with their parents.
pub async fn account_tree(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<AccountTree> {
    Ok(access_facts::account_trees(db, &[organization_id.to_owned()])
        .await?
        .remove(organization_id)
        .unwrap_or_default())
}

/// `user_id`'s explicit base roles on `accounts`.
async fn roles_of(db: &impl ConnectionTrait, user_id: i64, accounts: &[i32]) -> AppResult<BTreeMap<i32, BaseRole>> {
    Ok(original_membership::Entity::find()
        .filter(original_membership::Column::UserId.eq(user_id))
        .filter(original_membership::Column::AccountId.is_in(accounts.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.account_id, m.base_role.into()))
        .collect())
}

/// The actor's base role on `account` (explicit or inherited).
async fn actor_role(
    db: &impl ConnectionTrait,
    tree: &AccountTree,
    actor: i64,
    account: i32,
) -> AppResult<Option<BaseRole>> {
    let chain = tree.chain(account);
    let roles = roles_of(db, actor, &chain).await?;
    Ok(original::role_on(&roles, tree, account).map(|r| r.role))
}

fn snapshot(role: BaseRole, add_on_role_ids: &[i32]) -> Value {
    json!({ "role": OriginalBaseRole::from(role), "addOnRoleIds": add_on_role_ids })
}

fn audit_target(user_id: i64, account_id: i32) -> String {
    format!("{account_id}:{user_id}")
}

/// The add-on roles of `account` among `ids` (all of them, or an input error).
async fn add_on_roles_of_account(
    db: &impl ConnectionTrait,
    account: i32,
    ids: &[i32],
) -> AppResult<Vec<original_add_on_role::Model>> {
    let wanted: BTreeSet<i32> = ids.iter().copied().collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let found = original_add_on_role::Entity::find()
        .filter(original_add_on_role::Column::Id.is_in(wanted.iter().copied()))
        .filter(original_add_on_role::Column::AccountId.eq(account))
        .all(db)
        .await?;
    if let Some(missing) = wanted.iter().find(|id| !found.iter().any(|r| r.id == **id)) {
        return Err(AppError::bad_input(format!("Add-on role {missing} is not an add-on role of account {account}")));
    }
    Ok(found)
}

/// Replaces `user_id`'s add-on roles of `account` with `roles`.
async fn set_add_on_roles(
    db: &impl ConnectionTrait,
    user_id: i64,
    account: i32,
    roles: &[original_add_on_role::Model],
) -> AppResult<()> {
    let of_account: Vec<i32> = original_add_on_role::Entity::find()
        .filter(original_add_on_role::Column::AccountId.eq(account))
        .select_only()
        .column(original_add_on_role::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    original_user_add_on_role::Entity::delete_many()
        .filter(original_user_add_on_role::Column::UserId.eq(user_id))
        .filter(original_user_add_on_role::Column::AddOnRoleId.is_in(of_account))
        .exec(db)
        .await?;
    if !roles.is_empty() {
        let rows = roles
            .iter()
            .map(|r| original_user_add_on_role::ActiveModel { user_id: Set(user_id), add_on_role_id: Set(r.id) });
        original_user_add_on_role::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

/// The explicit membership of `user_id` on `account`.
async fn membership(
    db: &impl ConnectionTrait,
    user_id: i64,
    account: i32,
) -> AppResult<Option<original_membership::Model>> {
    Ok(original_membership::Entity::find()
        .filter(original_membership::Column::UserId.eq(user_id))
        .filter(original_membership::Column::AccountId.eq(account))
        .one(db)
        .await?)
}

/// The facts of a change of `target` on the confirmed account, decided.
async fn decide_change(
    txn: &DatabaseTransaction,
    confirmed: &Confirmed<'_>,
    target: i64,
    target_role: Option<BaseRole>,
) -> AppResult<()> {
    let principal = &confirmed.principal;
    let account = confirmed.account();
    let tree = account_tree(txn, &principal.actor.organization_id).await?;
    let owner = owner_of(txn, &principal.actor.organization_id).await?;
    let change = OriginalUserChange {
        account,
        actor_role: actor_role(txn, &tree, principal.actor.user_id, account).await?,
        target,
        target_role,
        target_is_owner: owner == Some(target),
    };
    decision::check(principal, Action::OriginalUserChange(&change))?;
    Ok(())
}

fn settable(role: BaseRole) -> AppResult<BaseRole> {
    if role == BaseRole::Owner {
        return Err(AppError::bad_input(
            "OWNER cannot be given: the Owner hands the ownership over with originalUserModelTransferOwnership",
        ));
    }
    Ok(role)
}

/// `originalUserModelAddUser`: adds a user (found by email in the organization, or created in its
/// first manually provisioned domain) to the account with a base role and add-on roles.
pub async fn add_user(
    db: &DatabaseConnection,
    proof: &Allowed<ManageOriginalUsers>,
    input: NewOriginalUser,
) -> AppResult<Membership> {
    super::in_transaction(db, async |txn| {
        let confirmed = confirm_manage(txn, proof).await?;
        add_user_in(txn, &confirmed, input).await
    })
    .await
}

/// [`add_user`] inside the caller's transaction.
pub async fn add_user_in(
    txn: &DatabaseTransaction,
    confirmed: &Confirmed<'_>,
    input: NewOriginalUser,
) -> AppResult<Membership> {
    let email = validate::email(&input.email)?;
    let name = validate::name("Name", &input.name)?;
    let role = settable(input.role)?;
    let user_type = input.user_type.unwrap_or(UserType::Basic);
    let principal = &confirmed.principal;
    let caller = &principal.actor;
    let account = confirmed.account();
    let add_ons = add_on_roles_of_account(txn, account, &input.add_on_role_ids).await?;

    let existing = user::Entity::find()
        .inner_join(authentication_domain::Entity)
        .filter(authentication_domain::Column::OrganizationId.eq(&caller.organization_id))
        .filter(user::Column::EmailLower.eq(email.to_lowercase()))
        .order_by_asc(user::Column::Id)
        .one(txn)
        .await?;
    let (target, created) = match existing {
        Some(user) => {
            if membership(txn, user.id, account).await?.is_some() {
                return Err(AppError::bad_input(format!(
                    "{} is already a user of account {account}",
                    validate::echo(&email)
                )));
            }
            (user, false)
        }
        None => {
            if user_type == UserType::Full {
                users::check_full_user_added(txn, &caller.organization_id).await?;
            }
            let domain = authentication_domain::Entity::find()
                .filter(authentication_domain::Column::OrganizationId.eq(&caller.organization_id))
                .filter(authentication_domain::Column::ProvisioningType.eq(ProvisioningType::Manual))
                .order_by_asc(authentication_domain::Column::CreatedAt)
                .order_by_asc(authentication_domain::Column::Id)
                .one(txn)
                .await?
                .ok_or_else(|| {
                    AppError::bad_input(
                        "The organization has no manually provisioned authentication domain for new users",
                    )
                })?;
            let created = user::ActiveModel {
                authentication_domain_id: Set(domain.id.clone()),
                email_lower: Set(email.to_lowercase()),
                email: Set(email.clone()),
                name: Set(name.clone()),
                user_type: Set(user_type),
                time_zone: Set(users::DEFAULT_TIME_ZONE.to_owned()),
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
            .map_err(|e| on_unique_violation(e, || format!("{} has already been taken", validate::echo(&email))))?;
            audit::record(
                txn,
                Audit::changed(caller, "create", "user", created.id, None, Some(users::snapshot(&created))),
            )
            .await?;
            (created, true)
        }
    };
    decide_change(txn, confirmed, target.id, None).await?;
    let before = delegation::access_of(txn, principal, &[target.id]).await?;

    let mut target = target;
    if !created && user_type > target.user_type {
        // The highest type counts everywhere (seed 001).
        users::check_type_change(txn, caller, &target, user_type).await?;
        let old = target.clone();
        let mut model: user::ActiveModel = target.into();
        model.user_type = Set(user_type);
        model.pending_upgrade_type = Set(None);
        model.pending_upgrade_message = Set(None);
        target = model.update(txn).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "update",
                "user",
                target.id,
                Some(users::snapshot(&old)),
                Some(users::snapshot(&target)),
            ),
        )
        .await?;
    }
    original_membership::ActiveModel {
        user_id: Set(target.id),
        account_id: Set(account),
        base_role: Set(role.into()),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map_err(|e| {
        on_unique_violation(e, || format!("{} is already a user of account {account}", validate::echo(&email)))
    })?;
    set_add_on_roles(txn, target.id, account, &add_ons).await?;
    delegation::check_changes(txn, principal, &before).await?;
    let ids: Vec<i32> = add_ons.iter().map(|r| r.id).collect();
    audit::record(
        txn,
        Audit::changed(
            caller,
            "create",
            "original_membership",
            audit_target(target.id, account),
            None,
            Some(snapshot(role, &ids)),
        ),
    )
    .await?;
    Ok(Membership { user: target, account_id: account, role, add_on_roles: add_ons })
}

/// `originalUserModelUpdateUser`: a new base role and add-on roles for a user of the account
/// (explicitly on it; an inherited user is changed on the parent account).
pub async fn update_user(
    db: &DatabaseConnection,
    proof: &Allowed<ManageOriginalUsers>,
    user_id: i64,
    role: BaseRole,
    add_on_role_ids: Vec<i32>,
) -> AppResult<Membership> {
    super::in_transaction(db, async |txn| {
        let confirmed = confirm_manage(txn, proof).await?;
        update_user_in(txn, &confirmed, user_id, role, add_on_role_ids).await
    })
    .await
}

/// The target user of the actor's organization.
async fn target_user(db: &impl ConnectionTrait, organization_id: &str, user_id: i64) -> AppResult<user::Model> {
    user::Entity::find_by_id(user_id)
        .inner_join(authentication_domain::Entity)
        .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?
        .ok_or_else(lookup::not_found)
}

fn not_a_user(account: i32) -> AppError {
    AppError::not_found(format!(
        "The user is not a user of account {account} (users inherited from a parent account are changed there)"
    ))
}

/// [`update_user`] inside the caller's transaction.
pub async fn update_user_in(
    txn: &DatabaseTransaction,
    confirmed: &Confirmed<'_>,
    user_id: i64,
    role: BaseRole,
    add_on_role_ids: Vec<i32>,
) -> AppResult<Membership> {
    let role = settable(role)?;
    let principal = &confirmed.principal;
    let caller = &principal.actor;
    let account = confirmed.account();
    let target = target_user(txn, &caller.organization_id, user_id).await?;
    let before_row = membership(txn, target.id, account).await?.ok_or_else(|| not_a_user(account))?;
    let before_role: BaseRole = before_row.base_role.into();
    decide_change(txn, confirmed, target.id, Some(before_role)).await?;
    let add_ons = add_on_roles_of_account(txn, account, &add_on_role_ids).await?;
    let before_ids = held_add_on_ids(txn, target.id, account).await?;
    let before = delegation::access_of(txn, principal, &[target.id]).await?;
    let mut model: original_membership::ActiveModel = before_row.into();
    model.base_role = Set(role.into());
    model.update(txn).await?;
    set_add_on_roles(txn, target.id, account, &add_ons).await?;
    delegation::check_changes(txn, principal, &before).await?;
    let ids: Vec<i32> = add_ons.iter().map(|r| r.id).collect();
    audit::record(
        txn,
        Audit::changed(
            caller,
            "update",
            "original_membership",
            audit_target(target.id, account),
            Some(snapshot(before_role, &before_ids)),
            Some(snapshot(role, &ids)),
        ),
    )
    .await?;
    Ok(Membership { user: target, account_id: account, role, add_on_roles: add_ons })
}

async fn held_add_on_ids(db: &impl ConnectionTrait, user_id: i64, account: i32) -> AppResult<Vec<i32>> {
    let mut ids: Vec<i32> = original_user_add_on_role::Entity::find()
        .inner_join(original_add_on_role::Entity)
        .filter(original_user_add_on_role::Column::UserId.eq(user_id))
        .filter(original_add_on_role::Column::AccountId.eq(account))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.add_on_role_id)
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// `originalUserModelRemoveUser`: removes a user from the account's original user model, with
/// their add-on roles of the account and their API keys for it (seed 001).
pub async fn remove_user(
    db: &DatabaseConnection,
    proof: &Allowed<ManageOriginalUsers>,
    user_id: i64,
) -> AppResult<user::Model> {
    super::in_transaction(db, async |txn| {
        let confirmed = confirm_manage(txn, proof).await?;
        remove_user_in(txn, &confirmed, user_id).await
    })
    .await
}

/// [`remove_user`] inside the caller's transaction.
pub async fn remove_user_in(
    txn: &DatabaseTransaction,
    confirmed: &Confirmed<'_>,
    user_id: i64,
) -> AppResult<user::Model> {
    let principal = &confirmed.principal;
    let caller = &principal.actor;
    let account = confirmed.account();
    let target = target_user(txn, &caller.organization_id, user_id).await?;
    let row = membership(txn, target.id, account).await?.ok_or_else(|| not_a_user(account))?;
    let before_role: BaseRole = row.base_role.into();
    decide_change(txn, confirmed, target.id, Some(before_role)).await?;
    let before_ids = held_add_on_ids(txn, target.id, account).await?;
    let before = delegation::access_of(txn, principal, &[target.id]).await?;
    original_membership::Entity::delete_by_id(row.id).exec(txn).await?;
    set_add_on_roles(txn, target.id, account, &[]).await?;
    api_key::Entity::delete_many()
        .filter(api_key::Column::UserId.eq(target.id))
        .filter(api_key::Column::AccountId.eq(account))
        .exec(txn)
        .await?;
    delegation::check_changes(txn, principal, &before).await?;
    audit::record(
        txn,
        Audit::changed(
            caller,
            "delete",
            "original_membership",
            audit_target(target.id, account),
            Some(snapshot(before_role, &before_ids)),
            None,
        ),
    )
    .await?;
    Ok(target)
}

/// `originalUserModelTransferOwnership`: the Owner hands the organization over to another active
/// user of it, who becomes Owner on the primary account; the former Owner stays an Admin there.
/// The Owner row is locked (PostgreSQL) and the decision taken again with it: of two concurrent
/// transfers, the second finds that its actor is no longer the Owner.
pub async fn transfer_ownership(
    db: &DatabaseConnection,
    proof: &Allowed<TransferOwnership>,
    new_owner: i64,
) -> AppResult<user::Model> {
    super::in_transaction(db, async |txn| {
        let principal = confirm(txn, proof).await?;
        let caller = &principal.actor;
        let owner = original_owner::Entity::find_by_id(&caller.organization_id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or_else(lookup::not_found)?;
        decision::check(&principal, Action::TransferOwnership { owner: Some(owner.user_id) })?;
        let target = target_user(txn, &caller.organization_id, new_owner).await?;
        if !target.active {
            return Err(AppError::bad_input("A deactivated user cannot become the Owner"));
        }
        if target.id == owner.user_id {
            return Err(AppError::bad_input("The user is already the Owner"));
        }
        let primary = account::Entity::find()
            .filter(account::Column::OrganizationId.eq(&caller.organization_id))
            .order_by_asc(account::Column::Id)
            .one(txn)
            .await?
            .ok_or_else(lookup::not_found)?;
        let previous = owner.user_id;
        let mut model: original_owner::ActiveModel = owner.into();
        model.user_id = Set(target.id);
        model.update(txn).await?;
        upsert_role(txn, previous, primary.id, OriginalBaseRole::Admin).await?;
        upsert_role(txn, target.id, primary.id, OriginalBaseRole::Owner).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "transfer",
                "original_owner",
                &caller.organization_id,
                Some(json!({ "userId": previous })),
                Some(json!({ "userId": target.id })),
            ),
        )
        .await?;
        Ok(target)
    })
    .await
}

async fn upsert_role(db: &impl ConnectionTrait, user_id: i64, account: i32, role: OriginalBaseRole) -> AppResult<()> {
    match membership(db, user_id, account).await? {
        Some(row) => {
            let mut model: original_membership::ActiveModel = row.into();
            model.base_role = Set(role);
            model.update(db).await?;
        }
        None => {
            original_membership::ActiveModel {
                user_id: Set(user_id),
                account_id: Set(account),
                base_role: Set(role),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Add-on roles

/// An add-on role with its capabilities (a manager role's come from the catalog).
#[derive(Debug, Clone)]
pub struct AddOnRole {
    pub role: original_add_on_role::Model,
    pub capabilities: CapabilitySet,
}

fn custom_capabilities(ids: &[CapabilityId], catalog: &Catalog) -> AppResult<CapabilitySet> {
    if ids.is_empty() {
        return Err(AppError::bad_input("A custom add-on role needs at least one capability"));
    }
    original::check_custom_add_on(ids, catalog)?;
    Ok(ids.iter().copied().collect())
}

fn role_snapshot(role: &original_add_on_role::Model, capabilities: &CapabilitySet) -> Value {
    json!({ "accountId": role.account_id, "name": role.name, "product": role.product, "capabilityIds": capabilities })
}

/// `originalUserModelCreateAddOnRole`: a custom add-on role of the account.
pub async fn create_add_on_role(
    db: &DatabaseConnection,
    catalog: &Catalog,
    proof: &Allowed<ManageOriginalUsers>,
    name: &str,
    capability_ids: &[CapabilityId],
) -> AppResult<AddOnRole> {
    let name = validate::name("Name", name)?;
    let capabilities = custom_capabilities(capability_ids, catalog)?;
    super::in_transaction(db, async |txn| {
        let confirmed = confirm_manage(txn, proof).await?;
        let caller = &confirmed.principal.actor;
        let created = original_add_on_role::ActiveModel {
            account_id: Set(confirmed.account()),
            name: Set(name.clone()),
            product: Set(None),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| on_unique_violation(e, || ADD_ON_NAME_TAKEN.to_owned()))?;
        write_capabilities(txn, created.id, &capabilities).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "create",
                "original_add_on_role",
                created.id,
                None,
                Some(role_snapshot(&created, &capabilities)),
            ),
        )
        .await?;
        Ok(AddOnRole { role: created, capabilities })
    })
    .await
}

async fn write_capabilities(db: &impl ConnectionTrait, role_id: i32, ids: &CapabilitySet) -> AppResult<()> {
    original_add_on_role_capability::Entity::delete_many()
        .filter(original_add_on_role_capability::Column::AddOnRoleId.eq(role_id))
        .exec(db)
        .await?;
    if !ids.is_empty() {
        let rows = ids.iter().map(|id| original_add_on_role_capability::ActiveModel {
            add_on_role_id: Set(role_id),
            capability_id: Set(*id),
        });
        original_add_on_role_capability::Entity::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

/// A custom add-on role of the confirmed account, locked (PostgreSQL).
async fn custom_add_on_role(
    db: &impl ConnectionTrait,
    account: i32,
    id: i32,
) -> AppResult<(original_add_on_role::Model, CapabilitySet)> {
    let role = original_add_on_role::Entity::find_by_id(id)
        .filter(original_add_on_role::Column::AccountId.eq(account))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or_else(lookup::not_found)?;
    if role.product.is_some() {
        return Err(AppError::bad_input("Add-on manager roles cannot be changed or deleted"));
    }
    let caps = original_add_on_role_capability::Entity::find()
        .filter(original_add_on_role_capability::Column::AddOnRoleId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.capability_id)
        .collect();
    Ok((role, caps))
}

async fn holders(db: &impl ConnectionTrait, role_id: i32) -> AppResult<Vec<i64>> {
    Ok(original_user_add_on_role::Entity::find()
        .filter(original_user_add_on_role::Column::AddOnRoleId.eq(role_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

/// `originalUserModelUpdateAddOnRole`: a new name and/or capabilities for a custom add-on role;
/// what its holders gain or lose must be within the actor's access.
pub async fn update_add_on_role(
    db: &DatabaseConnection,
    catalog: &Catalog,
    proof: &Allowed<ManageOriginalUsers>,
    id: i32,
    name: Option<&str>,
    capability_ids: Option<&[CapabilityId]>,
) -> AppResult<AddOnRole> {
    let name = name.map(|n| validate::name("Name", n)).transpose()?;
    let capabilities = capability_ids.map(|ids| custom_capabilities(ids, catalog)).transpose()?;
    super::in_transaction(db, async |txn| {
        let confirmed = confirm_manage(txn, proof).await?;
        let principal = &confirmed.principal;
        let (before, before_caps) = custom_add_on_role(txn, confirmed.account(), id).await?;
        let before_access = delegation::access_of(txn, principal, &holders(txn, id).await?).await?;
        let mut model: original_add_on_role::ActiveModel = before.clone().into();
        if let Some(name) = &name {
            model.name = Set(name.clone());
        }
        let after = model.update(txn).await.map_err(|e| on_unique_violation(e, || ADD_ON_NAME_TAKEN.to_owned()))?;
        if let Some(caps) = &capabilities {
            write_capabilities(txn, id, caps).await?;
        }
        delegation::check_changes(txn, principal, &before_access).await?;
        let after_caps = capabilities.unwrap_or_else(|| before_caps.clone());
        audit::record(
            txn,
            Audit::changed(
                &principal.actor,
                "update",
                "original_add_on_role",
                id,
                Some(role_snapshot(&before, &before_caps)),
                Some(role_snapshot(&after, &after_caps)),
            ),
        )
        .await?;
        Ok(AddOnRole { role: after, capabilities: after_caps })
    })
    .await
}

/// `originalUserModelDeleteAddOnRole`: deletes a custom add-on role; its holders lose it.
pub async fn delete_add_on_role(
    db: &DatabaseConnection,
    proof: &Allowed<ManageOriginalUsers>,
    id: i32,
) -> AppResult<AddOnRole> {
    super::in_transaction(db, async |txn| {
        let confirmed = confirm_manage(txn, proof).await?;
        let principal = &confirmed.principal;
        let (role, caps) = custom_add_on_role(txn, confirmed.account(), id).await?;
        let before_access = delegation::access_of(txn, principal, &holders(txn, id).await?).await?;
        original_user_add_on_role::Entity::delete_many()
            .filter(original_user_add_on_role::Column::AddOnRoleId.eq(id))
            .exec(txn)
            .await?;
        original_add_on_role_capability::Entity::delete_many()
            .filter(original_add_on_role_capability::Column::AddOnRoleId.eq(id))
            .exec(txn)
            .await?;
        original_add_on_role::Entity::delete_by_id(id).exec(txn).await?;
        delegation::check_changes(txn, principal, &before_access).await?;
        audit::record(
            txn,
            Audit::changed(
                &principal.actor,
                "delete",
                "original_add_on_role",
                id,
                Some(role_snapshot(&role, &caps)),
                None,
            ),
        )
        .await?;
        Ok(AddOnRole { role, capabilities: caps })
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Reads

/// One user of an account's original user model, as its user list shows them.
#[derive(Debug, Clone)]
pub struct AccountUser {
    pub user: user::Model,
    pub role: RoleOn,
    /// Their add-on roles of the account and of its ancestors.
    pub add_on_roles: Vec<original_add_on_role::Model>,
}

/// A page of the users of `account` (explicit and inherited), by user id after `after` (skipping
/// `offset`), at most `limit`, optionally only those of `email` (any case); and whether more follow. Five statements
/// whatever the page's size.
pub async fn account_users(
    db: &impl ConnectionTrait,
    organization_id: &str,
    account: i32,
    email: Option<&str>,
    after: Option<i64>,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<AccountUser>, bool)> {
    let tree = account_tree(db, organization_id).await?;
    let chain = tree.chain(account);
    if chain.is_empty() {
        return Ok((Vec::new(), false));
    }
    let mut ids_query = original_membership::Entity::find()
        .select_only()
        .column(original_membership::Column::UserId)
        .distinct()
        .filter(original_membership::Column::AccountId.is_in(chain.iter().copied()))
        .order_by_asc(original_membership::Column::UserId)
        .offset(offset)
        .limit(limit + 1);
    if let Some(after) = after {
        ids_query = ids_query.filter(original_membership::Column::UserId.gt(after));
    }
    if let Some(email) = email {
        let matching = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::EmailLower.eq(email.trim().to_lowercase()));
        ids_query = ids_query
            .filter(original_membership::Column::UserId.in_subquery(sea_orm::QueryTrait::into_query(matching)));
    }
    let mut ids: Vec<i64> = ids_query.into_tuple().all(db).await?;
    let more = ids.len() as u64 > limit;
    ids.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    if ids.is_empty() {
        return Ok((Vec::new(), false));
    }
    let users = super::directory::users_by_id(db, &ids).await?;
    let mut roles: HashMap<i64, BTreeMap<i32, BaseRole>> = HashMap::new();
    for m in original_membership::Entity::find()
        .filter(original_membership::Column::UserId.is_in(ids.iter().copied()))
        .filter(original_membership::Column::AccountId.is_in(chain.iter().copied()))
        .all(db)
        .await?
    {
        roles.entry(m.user_id).or_default().insert(m.account_id, m.base_role.into());
    }
    let mut add_ons: HashMap<i64, Vec<original_add_on_role::Model>> = HashMap::new();
    for (held, role) in original_user_add_on_role::Entity::find()
        .find_also_related(original_add_on_role::Entity)
        .filter(original_user_add_on_role::Column::UserId.is_in(ids.iter().copied()))
        .filter(original_add_on_role::Column::AccountId.is_in(chain.iter().copied()))
        .all(db)
        .await?
    {
        if let Some(role) = role {
            add_ons.entry(held.user_id).or_default().push(role);
        }
    }
    let mut page = Vec::with_capacity(ids.len());
    for id in ids {
        let (Some(user), Some(role)) =
            (users.get(&id), roles.get(&id).and_then(|r| original::role_on(r, &tree, account)))
        else {
            continue;
        };
        let mut held = add_ons.remove(&id).unwrap_or_default();
        held.sort_by_key(|r| r.id);
        page.push(AccountUser { user: user.clone(), role, add_on_roles: held });
    }
    Ok((page, more))
}

/// The add-on roles of `account` with their capabilities (two statements).
pub async fn add_on_roles(db: &impl ConnectionTrait, catalog: &Catalog, account: i32) -> AppResult<Vec<AddOnRole>> {
    let roles = original_add_on_role::Entity::find()
        .filter(original_add_on_role::Column::AccountId.eq(account))
        .order_by_asc(original_add_on_role::Column::Id)
        .all(db)
        .await?;
    let mut caps: HashMap<i32, CapabilitySet> = HashMap::new();
    for c in original_add_on_role_capability::Entity::find()
        .filter(original_add_on_role_capability::Column::AddOnRoleId.is_in(roles.iter().map(|r| r.id)))
        .all(db)
        .await?
    {
        caps.entry(c.add_on_role_id).or_default().insert(c.capability_id);
    }
    Ok(roles
        .into_iter()
        .map(|role| {
            let capabilities = match role.product {
                Some(product) => catalog.original().manager(product.into()),
                None => caps.remove(&role.id).unwrap_or_default(),
            };
            AddOnRole { role, capabilities }
        })
        .collect())
}

/// The accounts on which `user_id` holds the Restricted base role explicitly (active accounts).
pub async fn restricted_accounts(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<i32>, sea_orm::DbErr> {
    original_membership::Entity::find()
        .select_only()
        .column(original_membership::Column::AccountId)
        .inner_join(account::Entity)
        .filter(original_membership::Column::UserId.eq(user_id))
        .filter(original_membership::Column::BaseRole.eq(OriginalBaseRole::Restricted))
        .filter(account::Column::Status.eq(entity::enums::AccountStatus::Active))
        .into_tuple()
        .all(db)
        .await
}

/// Whether `user_id` is an organization's Owner (they cannot be deleted; ownership goes first).
pub async fn is_owner(db: &impl ConnectionTrait, user_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(original_owner::Entity::find().filter(original_owner::Column::UserId.eq(user_id)).one(db).await?.is_some())
}
