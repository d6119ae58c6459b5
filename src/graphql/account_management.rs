//! NerdGraph's account management: `actor.organization.accountManagement.managedAccounts` and the
//! `accountManagement*Account` mutations.
//!
//! Reading needs either organization accounts capability; every change needs Manage organization
//! accounts, and is one transaction in `domain::accounts`. An unknown account id, another
//! organization's account, or an `organizationId` other than the caller's get NerdGraph's
//! "Could not find the target or you are unauthorized." with errorClass `NOT_FOUND` (as user
//! management does), so other organizations cannot be probed.
//!
//! `managedAccounts(isCanceled)`: `true` lists the canceled accounts, `false` the active ones, and
//! without the argument the active ones too. That is what `customerAdministration.accounts` answers
//! without a status filter, what `actor.accounts` shows, and what client-go's `GetManagedAccounts`
//! (which sends no argument) is used for: the accounts in use.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::account;
use entity::enums::AccountStatus;

use super::context::services;
use super::guard::{Can, authorize};
use crate::access::decision::{Action, ManageAccounts, OrgArea};
use crate::domain::accounts::{self, NewAccount};
use crate::error::AppError;

/// An account as account management shows it.
#[derive(SimpleObject)]
pub struct AccountManagementManagedAccount {
    id: i32,
    is_canceled: bool,
    name: String,
    /// `us01` or `eu01`.
    region_code: String,
}

impl From<account::Model> for AccountManagementManagedAccount {
    fn from(account: account::Model) -> Self {
        AccountManagementManagedAccount {
            id: account.id,
            is_canceled: account.status == AccountStatus::Canceled,
            name: account.name,
            region_code: account.region_code,
        }
    }
}

/// `actor.organization.accountManagement`.
pub struct AccountManagementOrganizationStitchedFields {
    pub organization_id: String,
}

#[Object]
impl AccountManagementOrganizationStitchedFields {
    /// The organization's accounts, by id: the canceled ones for `isCanceled: true`, otherwise the
    /// active ones.
    #[graphql(guard = "Can(Action::Read(OrgArea::Accounts))")]
    async fn managed_accounts(
        &self,
        ctx: &Context<'_>,
        is_canceled: Option<bool>,
    ) -> Result<Option<Vec<AccountManagementManagedAccount>>> {
        let status = if is_canceled == Some(true) { AccountStatus::Canceled } else { AccountStatus::Active };
        let found =
            accounts::list(&services(ctx)?.db, &self.organization_id, Some(status)).await.map_err(AppError::from)?;
        Ok(Some(found.into_iter().map(Into::into).collect()))
    }
}

#[derive(InputObject)]
pub struct AccountManagementCreateInput {
    name: String,
    organization_id: Option<ID>,
    region_code: Option<String>,
    /// AccessGraph's: the parent of a child account, an active account of the organization.
    /// Not in NerdGraph.
    parent_id: Option<i32>,
}

#[derive(InputObject)]
pub struct AccountManagementUpdateInput {
    id: i32,
    name: String,
}

#[derive(SimpleObject)]
pub struct AccountManagementCreateResponse {
    managed_account: Option<AccountManagementManagedAccount>,
}

#[derive(SimpleObject)]
pub struct AccountManagementUpdateResponse {
    managed_account: Option<AccountManagementManagedAccount>,
}

#[derive(Default)]
pub struct AccountManagementMutations;

#[Object]
impl AccountManagementMutations {
    /// Creates an account in the caller's organization, in region `us01` (the default) or `eu01`.
    /// A STANDARD organization has a single account.
    async fn account_management_create_account(
        &self,
        ctx: &Context<'_>,
        managed_account: AccountManagementCreateInput,
    ) -> Result<Option<AccountManagementCreateResponse>> {
        let proof = authorize(ctx, ManageAccounts).await?;
        let input = NewAccount {
            name: managed_account.name,
            organization_id: managed_account.organization_id.map(|id| id.0),
            region_code: managed_account.region_code,
            parent_id: managed_account.parent_id,
        };
        let created = accounts::create(&services(ctx)?.db, &proof, input).await?;
        Ok(Some(AccountManagementCreateResponse { managed_account: Some(created.into()) }))
    }

    /// Renames an active account.
    async fn account_management_update_account(
        &self,
        ctx: &Context<'_>,
        managed_account: AccountManagementUpdateInput,
    ) -> Result<Option<AccountManagementUpdateResponse>> {
        let proof = authorize(ctx, ManageAccounts).await?;
        let updated = accounts::rename(&services(ctx)?.db, &proof, managed_account.id, &managed_account.name).await?;
        Ok(Some(AccountManagementUpdateResponse { managed_account: Some(updated.into()) }))
    }

    /// Cancels an account: it stays listed under `managedAccounts(isCanceled: true)`, and grants
    /// on it no longer give access. The primary account cannot be canceled.
    async fn account_management_cancel_account(
        &self,
        ctx: &Context<'_>,
        id: i32,
    ) -> Result<Option<AccountManagementManagedAccount>> {
        let proof = authorize(ctx, ManageAccounts).await?;
        let canceled = accounts::cancel(&services(ctx)?.db, &proof, id).await?;
        Ok(Some(canceled.into()))
    }
}
