//! `actor`: the viewer's own user, organization and accounts.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use entity::enums::AccountStatus;
use entity::{account, organization, user};

use super::account_management::AccountManagementOrganizationStitchedFields;
use super::api_access::ApiAccess;
use super::authorization_management::AuthorizationManagement;
use super::context::{loaders, viewer};
use super::error::{ErrorClass, storage};
use super::guard::{Can, viewer_access};
use super::organization::{OrganizationAccountShares, WorkflowAutomationOrganizationStitchedFields};
use super::synthetics::SyntheticsAccountStitchedFields;
use super::synthetics::private_locations::{self, SyntheticsPrivateLocationCollection};
use super::synthetics::secure_credentials::{self, SyntheticsSecureCredentialCollection};
use super::user_management::UserManagement;
use crate::access::decision::{Action, OrgArea};

pub struct Actor;

/// NerdGraph's `RegionScope`: accounts of every region, or of this region only. AccessGraph is one
/// region, so both answer the same.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum RegionScope {
    Global,
    InRegion,
}

#[Object]
impl Actor {
    /// The account `id`, if the viewer can access it.
    #[graphql(guard = "Can(Action::SeeAccount(id))")]
    async fn account(&self, ctx: &Context<'_>, id: i32) -> Result<Option<Account>> {
        let found = loaders(ctx)?.accounts.load_one(id).await.map_err(storage)?;
        Ok(found.map(Account))
    }

    /// API keys: one by id, and a search of the keys the viewer may see.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn api_access(&self) -> Option<ApiAccess> {
        Some(ApiAccess)
    }

    /// The accounts the viewer can access. Canceled accounts give no access and are never listed.
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        scope: Option<RegionScope>,
    ) -> Result<Option<Vec<Option<AccountOutline>>>> {
        let _ = scope;
        let access = viewer_access(ctx).await?;
        let ids: Vec<i32> = access.accounts().collect();
        let mut found: Vec<_> = loaders(ctx)?.accounts.load_many(ids).await.map_err(storage)?.into_values().collect();
        // The access loader already reads grants on active accounts only; this repeats it here.
        found.retain(|a| a.status == AccountStatus::Active);
        found.sort_by_key(|a| a.id);
        Ok(Some(found.into_iter().map(|a| Some(AccountOutline(a))).collect()))
    }

    /// The viewer's organization.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn organization(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        let viewer = viewer(ctx)?;
        let found = loaders(ctx)?.organizations.load_one(viewer.organization_id().to_owned()).await.map_err(storage)?;
        Ok(found.map(Organization))
    }

    /// The viewer's sign-in sessions, newest first (at most 3). Not in NerdGraph.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn sessions(&self, ctx: &Context<'_>) -> Result<Vec<super::sessions::UserSession>> {
        super::sessions::own_sessions(ctx).await
    }

    /// The viewer.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let viewer = viewer(ctx)?;
        let found = loaders(ctx)?.users.load_one(viewer.user_id).await.map_err(storage)?;
        Ok(found.map(User))
    }
}

/// An account as `actor.account(id)` shows it.
pub struct Account(pub Arc<account::Model>);

#[Object]
impl Account {
    async fn id(&self) -> Option<i32> {
        Some(self.0.id)
    }

    /// The account's Synthetics permission system: whether it is on, and its permission groups
    /// with their members and rules. For those who may manage it. Not in NerdGraph.
    async fn synthetics_permissions(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::synthetics::permissions::SyntheticsPermissions>> {
        super::synthetics::permissions::read(ctx, self.0.id).await
    }

    /// The account's users on the original (v1) user model, its Owner and its add-on roles. For
    /// holders of "Read v1 users" or "Manage v1 users" on the account. Not in NerdGraph.
    async fn original_user_model(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Option<super::original_user_model::OriginalUserModel>> {
        super::original_user_model::read(ctx, self.0.id).await
    }

    /// The viewer's effective capabilities on this account, as ids of
    /// `customerAdministration.permissions`: what their groups' grants give, capped by their user
    /// type. Not in NerdGraph.
    async fn capability_ids(&self, ctx: &Context<'_>) -> Result<Vec<i32>> {
        let access = viewer_access(ctx).await?;
        Ok(access.account_capabilities(self.0.id).map(|caps| caps.iter().copied().collect()).unwrap_or_default())
    }

    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    /// The account's Synthetics private locations the viewer may View, 100 a page. Not in
    /// NerdGraph (whose clients read them through entity search).
    async fn synthetics_private_locations(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
    ) -> Result<Option<SyntheticsPrivateLocationCollection>> {
        private_locations::private_locations(ctx, self.0.id, cursor).await.map(Some)
    }

    /// The account's Synthetics secure credentials (keys and descriptions, never values), 100 a
    /// page. Not in NerdGraph (whose clients read them through entity search).
    async fn synthetics_secure_credentials(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
    ) -> Result<Option<SyntheticsSecureCredentialCollection>> {
        secure_credentials::secure_credentials(ctx, self.0.id, cursor).await.map(Some)
    }

    /// The account's Synthetics monitors, as the viewer's Synthetics rights show them.
    async fn synthetics(&self) -> Option<SyntheticsAccountStitchedFields> {
        Some(SyntheticsAccountStitchedFields::new(self.0.id))
    }
}

/// An account in `actor.accounts`.
pub struct AccountOutline(pub Arc<account::Model>);

#[Object]
impl AccountOutline {
    async fn id(&self) -> Option<i32> {
        Some(self.0.id)
    }

    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    /// The viewer's effective capabilities on this account, as ids of
    /// `customerAdministration.permissions` (as `actor.account(id).capabilityIds`). Not in
    /// NerdGraph.
    async fn capability_ids(&self, ctx: &Context<'_>) -> Result<Vec<i32>> {
        let access = viewer_access(ctx).await?;
        Ok(access.account_capabilities(self.0.id).map(|caps| caps.iter().copied().collect()).unwrap_or_default())
    }
}

pub struct Organization(pub Arc<organization::Model>);

/// NerdGraph's organization administrator: the organization itself.
#[derive(SimpleObject)]
#[graphql(name = "OrganizationOrganizationAdministrator")]
pub struct OrganizationAdministrator {
    organization_id: Option<ID>,
    organization_name: Option<String>,
}

#[Object]
impl Organization {
    async fn id(&self) -> Option<ID> {
        Some(ID(self.0.id.clone()))
    }

    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    async fn customer_id(&self) -> Option<&str> {
        Some(&self.0.customer_id)
    }

    /// Roles and the roles each group holds.
    async fn authorization_management(&self) -> Option<AuthorizationManagement> {
        Some(AuthorizationManagement { organization_id: self.0.id.clone() })
    }

    /// AccessGraph keeps no organization-level data in an account: always null (as
    /// `customerAdministration.organizations` answers).
    async fn storage_account_id(&self) -> Option<i32> {
        None
    }

    /// AccessGraph sends no telemetry of its own: always null.
    async fn telemetry_id(&self) -> Option<&str> {
        None
    }

    /// The organization's accounts, for administration.
    async fn account_management(&self) -> Option<AccountManagementOrganizationStitchedFields> {
        Some(AccountManagementOrganizationStitchedFields { organization_id: self.0.id.clone() })
    }

    /// Accounts shared with or by other organizations: none in AccessGraph (an empty list).
    #[graphql(guard = "Can(Action::Read(OrgArea::Accounts))")]
    async fn account_shares(
        &self,
        limiting_role_id: Option<i32>,
        source_organization_id: Option<ID>,
        target_organization_id: Option<ID>,
    ) -> Option<OrganizationAccountShares> {
        let _ = (limiting_role_id, source_organization_id, target_organization_id);
        Some(OrganizationAccountShares::none())
    }

    /// Workflow automation: AccessGraph runs no workflows, so every workflow is null.
    async fn workflow_automation(&self) -> Option<WorkflowAutomationOrganizationStitchedFields> {
        Some(WorkflowAutomationOrganizationStitchedFields)
    }

    /// Users, groups and authentication domains.
    async fn user_management(&self) -> Option<UserManagement> {
        Some(UserManagement { organization_id: self.0.id.clone() })
    }

    async fn administrator(&self) -> Option<OrganizationAdministrator> {
        Some(OrganizationAdministrator {
            organization_id: Some(ID(self.0.id.clone())),
            organization_name: Some(self.0.name.clone()),
        })
    }
}

/// The viewer as NerdGraph's `User`.
pub struct User(pub Arc<user::Model>);

#[Object]
impl User {
    /// When the user was created, in epoch seconds.
    async fn created_at(&self) -> Option<i32> {
        i32::try_from(self.0.created_at.timestamp()).ok()
    }

    async fn email(&self) -> Option<&str> {
        Some(&self.0.email)
    }

    async fn id(&self) -> Result<Option<i32>> {
        i32::try_from(self.0.id)
            .map(Some)
            .map_err(|_| ErrorClass::InternalServerError.error("The user id does not fit NerdGraph's Int"))
    }

    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    async fn time_zone_name(&self) -> Option<&str> {
        Some(&self.0.time_zone)
    }
}
