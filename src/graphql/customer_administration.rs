//! `customerAdministration`: NerdGraph's organization-wide reads (accounts, authentication domains,
//! users, groups, roles, grants, the permission catalog, the organization itself), plus
//! AccessGraph's own audit trail read, `auditEvents`.
//!
//! Conventions shared by every list:
//! - Pages of [`PAGE_SIZE`] rows; the cursor is opaque (the offset of the next page; the audit trail
//!   keys it by event instead).
//! - The filter names an organization; any organization but the viewer's (or a domain, group or role
//!   of another organization) gives an empty page, never an error and never another
//!   organization's data.
//! - Filter sub-objects that are absent, `null` or `{}` constrain nothing. Go clients send `""` and
//!   `0` for the fields they leave unset; no id, name or text AccessGraph holds is blank or zero, so
//!   those mean "no constraint" too.
//! - A user's groups and a group's users come from the request's batched loaders, primed with the
//!   whole page: statements per request do not grow with the rows returned.

pub mod audit;
pub mod authorization;
pub mod explain;
pub mod identity;
pub mod organization;
pub mod what_if;

use async_graphql::{Context, ID, Object, Result};
use sea_orm::DbErr;

use self::audit::{CustomerAdministrationAuditEventCollection, CustomerAdministrationAuditEventFilterInput};
use self::authorization::{
    MultiTenantAuthorizationGrantCollection, MultiTenantAuthorizationGrantFilterInputExpression,
    MultiTenantAuthorizationGrantSortInput, MultiTenantAuthorizationPermissionCollection,
    MultiTenantAuthorizationPermissionFilter, MultiTenantAuthorizationRoleCollection,
    MultiTenantAuthorizationRoleFilterInputExpression, MultiTenantAuthorizationRoleSortInput,
};
use self::explain::{CustomerAdministrationAccessExplanation, CustomerAdministrationAccessHolderCollection};
use self::identity::{
    MultiTenantIdentityGroupCollection, MultiTenantIdentityGroupFilterInput, MultiTenantIdentityGroupSortInput,
    MultiTenantIdentityUserCollection, MultiTenantIdentityUserFilterInput, MultiTenantIdentityUserSortInput,
};
use self::organization::{
    Consumption, CustomerAdministrationJobs, OrganizationAccountCollection, OrganizationAccountFilterInput,
    OrganizationAccountShareCollection, OrganizationAccountShareFilterInput, OrganizationAccountShareSortInput,
    OrganizationAccountSortInput, OrganizationAuthenticationDomainCollection,
    OrganizationAuthenticationDomainFilterInput, OrganizationAuthenticationDomainSortInput,
    OrganizationCustomerContractFilterInput, OrganizationCustomerContractWrapper,
    OrganizationCustomerOrganizationFilterInput, OrganizationCustomerOrganizationWrapper,
};
use self::what_if::{CustomerAdministrationAccessWhatIf, CustomerAdministrationAccessWhatIfChanges};
use super::actor::User;
use super::context::{loaders, viewer};
use super::error::storage;
use super::guard::Can;
use super::pagination;
use crate::access::decision::{Action, OrgArea};
use crate::domain::customer_administration::SortBy;
use crate::error::AppError;

/// Rows per page of every `customerAdministration` list.
pub const PAGE_SIZE: u64 = 500;

pub struct CustomerAdministration;

#[Object]
impl CustomerAdministration {
    /// The organization's accounts, 500 a page. Without a status filter, active accounts only (as
    /// NerdGraph). AccessGraph shares no accounts between organizations, so the `SHARED_*` sharing
    /// modes match none.
    #[graphql(guard = "Can(Action::Read(OrgArea::Accounts))")]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: OrganizationAccountFilterInput,
        sort: Option<Vec<OrganizationAccountSortInput>>,
    ) -> Result<Option<OrganizationAccountCollection>> {
        organization::accounts(ctx, cursor, filter, sort).await.map(Some)
    }

    /// Accounts shared with or by other organizations: none in AccessGraph.
    #[graphql(guard = "Can(Action::Read(OrgArea::Accounts))")]
    async fn account_shares(
        &self,
        cursor: Option<String>,
        filter: OrganizationAccountShareFilterInput,
        sort: Option<Vec<OrganizationAccountShareSortInput>>,
    ) -> Result<Option<OrganizationAccountShareCollection>> {
        let _ = (filter, sort);
        offset(cursor.as_deref())?;
        Ok(Some(OrganizationAccountShareCollection::default()))
    }

    /// The organization's authentication domains, 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::AuthenticationDomains))")]
    async fn authentication_domains(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: OrganizationAuthenticationDomainFilterInput,
        sort: Option<Vec<OrganizationAuthenticationDomainSortInput>>,
    ) -> Result<Option<OrganizationAuthenticationDomainCollection>> {
        organization::authentication_domains(ctx, cursor, filter, sort).await.map(Some)
    }

    /// Consumption data of the viewer's organization's customer id (null for any other id).
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn consumption(&self, ctx: &Context<'_>, customer_id: ID) -> Result<Option<Consumption>> {
        organization::consumption(ctx, customer_id).await
    }

    /// Customer contracts: none in AccessGraph.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn contracts(
        &self,
        cursor: Option<String>,
        filter: Option<OrganizationCustomerContractFilterInput>,
    ) -> Result<Option<OrganizationCustomerContractWrapper>> {
        let _ = filter;
        offset(cursor.as_deref())?;
        Ok(Some(OrganizationCustomerContractWrapper::default()))
    }

    /// The access grants of the groups of the organization's authentication domains, 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::Grants))")]
    async fn grants(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: MultiTenantAuthorizationGrantFilterInputExpression,
        sort: Option<Vec<MultiTenantAuthorizationGrantSortInput>>,
    ) -> Result<Option<MultiTenantAuthorizationGrantCollection>> {
        authorization::grants(ctx, cursor, filter, sort).await.map(Some)
    }

    /// The groups of the organization's authentication domains, 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::Groups))")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: MultiTenantIdentityGroupFilterInput,
        sort: Option<Vec<MultiTenantIdentityGroupSortInput>>,
    ) -> Result<Option<MultiTenantIdentityGroupCollection>> {
        identity::groups(ctx, cursor, filter, sort).await.map(Some)
    }

    /// Asynchronous jobs.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn jobs(&self) -> Option<CustomerAdministrationJobs> {
        Some(CustomerAdministrationJobs)
    }

    /// The viewer's organization (the only one they can see).
    #[graphql(guard = "Can(Action::Read(OrgArea::Settings))")]
    async fn organizations(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: Option<OrganizationCustomerOrganizationFilterInput>,
    ) -> Result<Option<OrganizationCustomerOrganizationWrapper>> {
        organization::organizations(ctx, cursor, filter).await.map(Some)
    }

    /// The capability catalog, 500 a page.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn permissions(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: Option<MultiTenantAuthorizationPermissionFilter>,
    ) -> Result<Option<MultiTenantAuthorizationPermissionCollection>> {
        authorization::permissions(ctx, cursor, filter).await.map(Some)
    }

    /// The standard roles and the organization's custom roles, 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::Roles))")]
    async fn roles(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: MultiTenantAuthorizationRoleFilterInputExpression,
        sort: Option<Vec<MultiTenantAuthorizationRoleSortInput>>,
    ) -> Result<Option<MultiTenantAuthorizationRoleCollection>> {
        authorization::roles(ctx, cursor, filter, sort).await.map(Some)
    }

    /// The viewer.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let found = loaders(ctx)?.users.load_one(viewer(ctx)?.user_id).await.map_err(storage)?;
        Ok(found.map(User))
    }

    /// The users of one authentication domain of the organization (`authenticationDomainId.eq` is
    /// required), 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::Users))")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: MultiTenantIdentityUserFilterInput,
        sort: Option<Vec<MultiTenantIdentityUserSortInput>>,
    ) -> Result<Option<MultiTenantIdentityUserCollection>> {
        identity::users(ctx, cursor, filter, sort).await.map(Some)
    }

    /// AccessGraph's own (not NerdGraph's): why user `userId` has or lacks capability
    /// `capabilityId` on account `accountId` (without `accountId`: the organization capability),
    /// answered by the code that decides. Anyone may ask about themselves; about others, those who
    /// read the organization's users, groups and grants.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn access_explanation(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        account_id: Option<i32>,
        capability_id: ID,
    ) -> Result<CustomerAdministrationAccessExplanation> {
        explain::access_explanation(ctx, user_id, account_id, capability_id).await
    }

    /// AccessGraph's own: every user of the organization holding capability `capabilityId` on
    /// account `accountId` (without it: on the organization), with the grants that give it, read
    /// 500 users a page. For those who read the organization's users, groups and grants.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn access_holders(
        &self,
        ctx: &Context<'_>,
        account_id: Option<i32>,
        capability_id: ID,
        cursor: Option<String>,
    ) -> Result<CustomerAdministrationAccessHolderCollection> {
        explain::access_holders(ctx, account_id, capability_id, cursor).await
    }

    /// AccessGraph's own: what the changes would do to everyone's access. They are made through
    /// the same operations as their mutations, in a transaction that is always rolled back:
    /// nothing changes. For those who read the organization's users, groups and grants; each
    /// change also needs what its mutation needs.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn access_what_if(
        &self,
        ctx: &Context<'_>,
        changes: CustomerAdministrationAccessWhatIfChanges,
    ) -> Result<CustomerAdministrationAccessWhatIf> {
        what_if::access_what_if(ctx, changes).await
    }

    /// AccessGraph's own (not NerdGraph's): the organization's audit trail, newest first, 500 a page:
    /// only the events whose target the viewer may read, with what they may not read redacted.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: CustomerAdministrationAuditEventFilterInput,
    ) -> Result<Option<CustomerAdministrationAuditEventCollection>> {
        audit::audit_events(ctx, cursor, filter).await.map(Some)
    }
}

/// The rows a cursor skips (none without a cursor); a cursor AccessGraph did not make is
/// `BAD_USER_INPUT`.
fn offset(cursor: Option<&str>) -> Result<u64> {
    Ok(cursor.map(pagination::decode_number::<u64>).transpose()?.unwrap_or(0))
}

/// The cursor of the page after the page at `offset`, when rows follow it.
fn next_cursor(offset: u64, has_more: bool) -> Option<String> {
    has_more.then(|| pagination::encode(&(offset + PAGE_SIZE).to_string()))
}

/// The viewer's organization id when `organization_id` names it; `None` (match nothing) otherwise.
fn viewers_organization(ctx: &Context<'_>, organization_id: &ID) -> Result<Option<String>> {
    let own = viewer(ctx)?.organization_id();
    Ok((organization_id.0.trim() == own).then(|| own.to_owned()))
}

/// Text a filter gives; blank text (Go's unset string) gives nothing.
fn given(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// An id a filter gives; a blank one gives nothing.
fn given_id(id: Option<ID>) -> Option<String> {
    given(id.map(|id| id.0))
}

/// An integer id a filter gives; zero (Go's unset int) gives nothing.
fn given_int(id: Option<i32>) -> Option<i32> {
    id.filter(|id| *id != 0)
}

/// The ids an `eq`/`in` pair allows: both when both are given, `None` when neither is.
fn eq_or_in(eq: Option<ID>, within: Option<Vec<ID>>) -> Option<Vec<String>> {
    let eq = given_id(eq).map(|id| vec![id]);
    let within = within.map(|ids| ids.into_iter().map(|id| id.0).collect());
    super::user_management::intersect(eq, within)
}

/// The sort keys of a `sort` argument, in order; entries without a key are skipped.
fn sorts<S, K>(sort: Option<Vec<S>>, key: impl Fn(S) -> Option<SortBy<K>>) -> Vec<SortBy<K>> {
    sort.unwrap_or_default().into_iter().filter_map(key).collect()
}

/// A storage failure as NerdGraph's internal error (the cause is logged, not sent).
fn db_error(err: DbErr) -> async_graphql::Error {
    AppError::from(err).into()
}
