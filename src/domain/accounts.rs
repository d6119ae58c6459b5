//! Creating, renaming and canceling the organization's accounts (NerdGraph's
//! `accountManagement*Account` mutations), and listing them for `managedAccounts`.
//!
//! Accounts are never deleted. A canceled account stays, with status CANCELED and its grants, but
//! gives nobody access: the access loader reads grants on active accounts only, so `actor.accounts`
//! no longer lists it and `actor.account(id)` refuses it. The primary account (the first created)
//! cannot be canceled, and a STANDARD organization has exactly one active account.

use entity::account;
use entity::enums::AccountStatus;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::{confirm, directory, lookup, validate};
use crate::access::decision::{Allowed, ManageAccounts};
use crate::access::edition;
use crate::error::{AppError, AppResult};

/// The data center regions an account may be in (NerdGraph's `regionCode`).
pub const REGION_CODES: &[&str] = &["us01", "eu01"];
/// The region of an account created without one.
pub const DEFAULT_REGION_CODE: &str = "us01";

/// `accountManagementCreateAccount`'s input.
#[derive(Debug, Clone, Default)]
pub struct NewAccount {
    pub name: String,
    /// The organization to create the account in; when given, it must be the caller's.
    pub organization_id: Option<String>,
    /// `us01` (when absent or blank) or `eu01`.
    pub region_code: Option<String>,
    /// The parent of a child account: an active account of the organization. Not reachable from
    /// NerdGraph's input (which has no such field); for AccessGraph's own callers.
    pub parent_id: Option<i32>,
}

fn snapshot(account: &account::Model) -> Value {
    json!({
        "name": account.name,
        "regionCode": account.region_code,
        "status": account.status,
        "parentId": account.parent_id,
    })
}

/// A region code as NerdGraph accepts it: `us01` or `eu01`; absent or blank (Go clients send `""`
/// for unset strings) means [`DEFAULT_REGION_CODE`].
pub fn region_code(value: Option<&str>) -> AppResult<&'static str> {
    match value.map(str::trim) {
        None | Some("") => Ok(DEFAULT_REGION_CODE),
        Some(code) => REGION_CODES.iter().copied().find(|c| *c == code).ok_or_else(|| {
            AppError::bad_input(format!(
                "Region code '{}' is not valid: it must be one of us01, eu01",
                validate::echo(code)
            ))
        }),
    }
}

/// The organization's accounts with `status` (all of them for `None`), by id.
pub async fn list(
    db: &impl ConnectionTrait,
    organization_id: &str,
    status: Option<AccountStatus>,
) -> Result<Vec<account::Model>, DbErr> {
    let mut select = account::Entity::find().filter(account::Column::OrganizationId.eq(organization_id));
    if let Some(status) = status {
        select = select.filter(account::Column::Status.eq(status));
    }
    select.order_by_asc(account::Column::Id).all(db).await
}

async fn active_accounts(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<u64> {
    Ok(account::Entity::find()
        .filter(account::Column::OrganizationId.eq(organization_id))
        .filter(account::Column::Status.eq(AccountStatus::Active))
        .count(db)
        .await?)
}

/// The parent of a new child account must be an active account of the organization. Unknown ids,
/// other organizations' accounts and canceled accounts get the same answer.
async fn check_parent(db: &impl ConnectionTrait, organization_id: &str, parent_id: i32) -> AppResult<()> {
    let parent = account::Entity::find_by_id(parent_id)
        .filter(account::Column::OrganizationId.eq(organization_id))
        .one(db)
        .await?;
    if parent.is_some_and(|p| p.status == AccountStatus::Active) {
        Ok(())
    } else {
        Err(AppError::bad_input(format!("The parent account {parent_id} is not an active account of the organization")))
    }
}

/// Creates an active account in the caller's organization.
pub async fn create(
    db: &DatabaseConnection,
    proof: &Allowed<ManageAccounts>,
    input: NewAccount,
) -> AppResult<account::Model> {
    let caller = proof.actor();
    let name = validate::name("Name", &input.name)?;
    let region_code = region_code(input.region_code.as_deref())?;
    let target = input.organization_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    if target.is_some_and(|id| id != caller.organization_id) {
        return Err(lookup::not_found());
    }

    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        // Locked: concurrent creations are counted one after the other.
        let organization = lookup::organization_for_update(txn, &caller.organization_id).await?;
        edition::check_new_account(organization.edition.into(), active_accounts(txn, &organization.id).await?)?;
        if let Some(parent_id) = input.parent_id {
            check_parent(txn, &organization.id, parent_id).await?;
        }
        let created = account::ActiveModel {
            organization_id: Set(organization.id.clone()),
            name: Set(name),
            parent_id: Set(input.parent_id),
            region_code: Set(region_code.to_owned()),
            status: Set(AccountStatus::Active),
            created_at: Set(super::now()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        super::original_users::ensure_manager_roles(txn, created.id).await?;
        audit::record(txn, Audit::changed(caller, "create", "account", created.id, None, Some(snapshot(&created))))
            .await?;
        Ok(created)
    })
    .await
}

/// Renames an active account of the caller's organization. Renaming to the current name changes
/// nothing and records nothing.
pub async fn rename(
    db: &DatabaseConnection,
    proof: &Allowed<ManageAccounts>,
    id: i32,
    name: &str,
) -> AppResult<account::Model> {
    let caller = proof.actor();
    let name = validate::name("Name", name)?;
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let before = lookup::account_for_update(txn, &caller.organization_id, id).await?;
        if before.status == AccountStatus::Canceled {
            return Err(AppError::bad_input(format!("Account {id} is canceled and cannot be renamed")));
        }
        if before.name == name {
            return Ok(before);
        }
        let mut model: account::ActiveModel = before.clone().into();
        model.name = Set(name);
        let after = model.update(txn).await?;
        audit::record(
            txn,
            Audit::changed(caller, "update", "account", after.id, Some(snapshot(&before)), Some(snapshot(&after))),
        )
        .await?;
        Ok(after)
    })
    .await
}

/// Cancels an active account of the caller's organization. The primary account, and a parent of
/// active child accounts, cannot be canceled; nor can an account twice.
pub async fn cancel(db: &DatabaseConnection, proof: &Allowed<ManageAccounts>, id: i32) -> AppResult<account::Model> {
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        // The organization first, then the account: the order `create` locks in too.
        let organization = lookup::organization_for_update(txn, &caller.organization_id).await?;
        let before = lookup::account_for_update(txn, &organization.id, id).await?;
        if before.status == AccountStatus::Canceled {
            return Err(AppError::bad_input(format!("Account {id} is already canceled")));
        }
        let primary = directory::primary_account(txn, &organization.id).await?;
        if primary.is_some_and(|p| p.id == id) {
            return Err(AppError::bad_input(format!(
                "Account {id} is the organization's primary account and cannot be canceled"
            )));
        }
        let active_children = account::Entity::find()
            .filter(account::Column::ParentId.eq(id))
            .filter(account::Column::Status.eq(AccountStatus::Active))
            .count(txn)
            .await?;
        if active_children > 0 {
            return Err(AppError::bad_input(format!("Account {id} has active child accounts: cancel them first")));
        }
        let mut model: account::ActiveModel = before.clone().into();
        model.status = Set(AccountStatus::Canceled);
        let after = model.update(txn).await?;
        audit::record(
            txn,
            Audit::changed(caller, "cancel", "account", after.id, Some(snapshot(&before)), Some(snapshot(&after))),
        )
        .await?;
        Ok(after)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_are_us01_or_eu01() {
        assert_eq!(region_code(None).ok(), Some("us01"));
        assert_eq!(region_code(Some(" ")).ok(), Some("us01"));
        assert_eq!(region_code(Some("eu01")).ok(), Some("eu01"));
        assert_eq!(region_code(Some(" us01 ")).ok(), Some("us01"));
        for bad in ["test", "US01", "jp01", "eu"] {
            assert!(region_code(Some(bad)).is_err(), "{bad}");
        }
    }
}
