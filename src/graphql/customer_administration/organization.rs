//! The organization side of `customerAdministration`: accounts, account shares, authentication
//! domains, organizations, contracts, consumption and jobs. AccessGraph has no account sharing,
//! contracts or asynchronous organization creation: those lists are always empty, with NerdGraph's
//! types so that clients can still ask.

use async_graphql::{ComplexObject, Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::enums::{AccountStatus, AuthenticationType, ProvisioningType};
use entity::{account, authentication_domain, organization};

use super::{PAGE_SIZE, db_error, given, given_id, given_int, next_cursor, offset, sorts, viewers_organization};
use crate::domain::customer_administration::{
    self as ca, AccountFilter, AccountKey, DomainFilter, DomainKey, OrganizationFilter, SortBy,
};
use crate::graphql::context::{loaders, services, viewer};
use crate::graphql::error::storage;
use crate::graphql::user_management::count;

// ---------------------------------------------------------------------------------------------
// Accounts

#[derive(InputObject)]
pub struct OrganizationAccountFilterInput {
    pub id: Option<OrganizationAccountIdFilterInput>,
    pub name: Option<OrganizationAccountNameFilterInput>,
    pub organization_id: OrganizationAccountOrganizationIdFilterInput,
    pub sharing_mode: Option<OrganizationAccountSharingModeFilterInput>,
    pub status: Option<OrganizationAccountStatusFilterInput>,
}

#[derive(InputObject, Default)]
pub struct OrganizationAccountIdFilterInput {
    pub eq: Option<i32>,
}

#[derive(InputObject, Default)]
pub struct OrganizationAccountNameFilterInput {
    pub contains: Option<String>,
}

#[derive(InputObject)]
pub struct OrganizationAccountOrganizationIdFilterInput {
    pub eq: ID,
}

#[derive(InputObject, Default)]
pub struct OrganizationAccountSharingModeFilterInput {
    pub eq: Option<OrganizationSharingMode>,
}

#[derive(InputObject, Default)]
pub struct OrganizationAccountStatusFilterInput {
    pub eq: Option<OrganizationAccountStatus>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationSharingMode {
    All,
    Managed,
    SharedWithOtherOrganizations,
    SharedWithThisOrganization,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationAccountStatus {
    Active,
    Canceled,
}

#[derive(InputObject)]
pub struct OrganizationAccountSortInput {
    pub direction: Option<OrganizationAccountSortDirectionEnum>,
    pub key: Option<OrganizationAccountSortKeyEnum>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationAccountSortDirectionEnum {
    Ascending,
    Descending,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationAccountSortKeyEnum {
    Id,
    Name,
}

impl OrganizationAccountFilterInput {
    /// The domain filter, with NerdGraph's default of active accounts; `None` when the filter can
    /// match nothing (another organization, or accounts shared between organizations).
    fn into_filter(self) -> Option<AccountFilter> {
        let shared = matches!(
            self.sharing_mode.and_then(|m| m.eq),
            Some(
                OrganizationSharingMode::SharedWithOtherOrganizations
                    | OrganizationSharingMode::SharedWithThisOrganization
            )
        );
        if shared {
            return None;
        }
        let status = match self.status.and_then(|s| s.eq) {
            Some(OrganizationAccountStatus::Canceled) => AccountStatus::Canceled,
            Some(OrganizationAccountStatus::Active) | None => AccountStatus::Active,
        };
        Some(AccountFilter {
            id: given_int(self.id.and_then(|i| i.eq)),
            name_contains: given(self.name.and_then(|n| n.contains)),
            status: Some(status),
        })
    }
}

impl OrganizationAccountSortInput {
    fn sort_by(self) -> Option<SortBy<AccountKey>> {
        let key = match self.key? {
            OrganizationAccountSortKeyEnum::Id => AccountKey::Id,
            OrganizationAccountSortKeyEnum::Name => AccountKey::Name,
        };
        Some(SortBy { key, descending: self.direction == Some(OrganizationAccountSortDirectionEnum::Descending) })
    }
}

#[derive(SimpleObject)]
pub struct OrganizationAccountCollection {
    pub items: Option<Vec<OrganizationAccount>>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

/// No items (an empty list, not null).
impl Default for OrganizationAccountCollection {
    fn default() -> Self {
        OrganizationAccountCollection { items: Some(Vec::new()), next_cursor: None, total_count: 0 }
    }
}

pub struct OrganizationAccount(pub account::Model);

#[Object]
impl OrganizationAccount {
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    async fn id(&self) -> i32 {
        self.0.id
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn parent_id(&self) -> Option<i32> {
        self.0.parent_id
    }

    async fn partnership_id(&self) -> Option<i32> {
        None
    }

    async fn partnership_name(&self) -> Option<String> {
        None
    }

    async fn pay_method(&self) -> Option<String> {
        None
    }

    /// `us01` or `eu01`.
    async fn region_code(&self) -> &str {
        &self.0.region_code
    }

    /// `active` or `canceled`.
    async fn status(&self) -> String {
        self.0.status.as_str().to_lowercase()
    }
}

/// `customerAdministration.accounts`.
pub(super) async fn accounts(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: OrganizationAccountFilterInput,
    sort: Option<Vec<OrganizationAccountSortInput>>,
) -> Result<OrganizationAccountCollection> {
    let offset = offset(cursor.as_deref())?;
    let Some(organization_id) = viewers_organization(ctx, &filter.organization_id.eq)? else {
        return Ok(OrganizationAccountCollection::default());
    };
    let Some(filter) = filter.into_filter() else { return Ok(OrganizationAccountCollection::default()) };
    let sort = sorts(sort, OrganizationAccountSortInput::sort_by);
    let page = ca::accounts(&services(ctx)?.db, &organization_id, &filter, &sort, offset, PAGE_SIZE)
        .await
        .map_err(db_error)?;
    Ok(OrganizationAccountCollection {
        next_cursor: next_cursor(offset, page.has_more),
        total_count: count(page.total),
        items: Some(page.items.into_iter().map(OrganizationAccount).collect()),
    })
}

// ---------------------------------------------------------------------------------------------
// Account shares (always empty)

#[derive(InputObject)]
pub struct OrganizationAccountShareFilterInput {
    pub account_id: OrganizationAccountIdInput,
    pub limiting_data_access_policy_id: Option<OrganizationLimitingDataAccessPolicyIdInput>,
    pub target_id: Option<OrganizationTargetIdInput>,
}

#[derive(InputObject)]
pub struct OrganizationAccountIdInput {
    pub eq: i32,
}

#[derive(InputObject)]
pub struct OrganizationLimitingDataAccessPolicyIdInput {
    pub eq: Option<ID>,
}

#[derive(InputObject)]
pub struct OrganizationTargetIdInput {
    pub eq: Option<ID>,
}

#[derive(InputObject)]
pub struct OrganizationAccountShareSortInput {
    pub direction: Option<OrganizationAccountShareSortDirectionEnum>,
    pub key: Option<OrganizationAccountShareSortKeyEnum>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationAccountShareSortDirectionEnum {
    Ascending,
    Descending,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationAccountShareSortKeyEnum {
    AccountId,
    TargetOrganizationName,
}

#[derive(SimpleObject)]
pub struct OrganizationAccountShareCollection {
    pub items: Option<Vec<OrganizationAccountShare>>,
    pub next_cursor: Option<String>,
}

/// No items (an empty list, not null).
impl Default for OrganizationAccountShareCollection {
    fn default() -> Self {
        OrganizationAccountShareCollection { items: Some(Vec::new()), next_cursor: None }
    }
}

#[derive(SimpleObject)]
pub struct OrganizationAccountShare {
    pub account_id: i32,
    pub id: ID,
    pub limiting_data_access_policy: Option<OrganizationAccountShareLimitingDataAccessPolicyWrapper>,
    pub limiting_role: OrganizationAccountShareLimitingRoleWrapper,
    pub name: String,
    pub source: OrganizationAccountShareOrganizationWrapper,
    pub target: OrganizationAccountShareOrganizationWrapper,
}

#[derive(SimpleObject)]
pub struct OrganizationAccountShareLimitingDataAccessPolicyWrapper {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct OrganizationAccountShareLimitingRoleWrapper {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct OrganizationAccountShareOrganizationWrapper {
    pub id: Option<ID>,
    pub name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Authentication domains

#[derive(InputObject)]
pub struct OrganizationAuthenticationDomainFilterInput {
    pub id: Option<OrganizationIdInput>,
    pub name: Option<OrganizationNameInput>,
    pub organization_id: OrganizationOrganizationIdInput,
}

#[derive(InputObject, Default)]
pub struct OrganizationIdInput {
    pub eq: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct OrganizationNameInput {
    pub contains: Option<String>,
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationIdInput {
    pub eq: ID,
}

#[derive(InputObject)]
pub struct OrganizationAuthenticationDomainSortInput {
    pub direction: Option<OrganizationSortDirectionEnum>,
    pub key: Option<OrganizationSortKeyEnum>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationSortDirectionEnum {
    Ascending,
    Descending,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationSortKeyEnum {
    Id,
    Name,
}

impl OrganizationAuthenticationDomainSortInput {
    fn sort_by(self) -> Option<SortBy<DomainKey>> {
        let key = match self.key? {
            OrganizationSortKeyEnum::Id => DomainKey::Id,
            OrganizationSortKeyEnum::Name => DomainKey::Name,
        };
        Some(SortBy { key, descending: self.direction == Some(OrganizationSortDirectionEnum::Descending) })
    }
}

#[derive(SimpleObject, Default)]
pub struct OrganizationAuthenticationDomainCollection {
    pub items: Vec<OrganizationAuthenticationDomain>,
    pub next_cursor: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationAuthenticationTypeEnum {
    Disabled,
    HerokuSso,
    OidcSso,
    Password,
    SamlSso,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationProvisioningTypeEnum {
    Disabled,
    Manual,
    Scim,
}

pub struct OrganizationAuthenticationDomain(pub authentication_domain::Model);

#[Object]
impl OrganizationAuthenticationDomain {
    async fn authentication_type(&self) -> OrganizationAuthenticationTypeEnum {
        match self.0.authentication_type {
            AuthenticationType::Password => OrganizationAuthenticationTypeEnum::Password,
            AuthenticationType::Saml => OrganizationAuthenticationTypeEnum::SamlSso,
        }
    }

    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn organization_id(&self) -> ID {
        ID(self.0.organization_id.clone())
    }

    async fn provisioning_type(&self) -> OrganizationProvisioningTypeEnum {
        match self.0.provisioning_type {
            ProvisioningType::Manual => OrganizationProvisioningTypeEnum::Manual,
            ProvisioningType::Scim => OrganizationProvisioningTypeEnum::Scim,
        }
    }
}

/// `customerAdministration.authenticationDomains`.
pub(super) async fn authentication_domains(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: OrganizationAuthenticationDomainFilterInput,
    sort: Option<Vec<OrganizationAuthenticationDomainSortInput>>,
) -> Result<OrganizationAuthenticationDomainCollection> {
    let offset = offset(cursor.as_deref())?;
    let Some(organization_id) = viewers_organization(ctx, &filter.organization_id.eq)? else {
        return Ok(OrganizationAuthenticationDomainCollection::default());
    };
    let name = filter.name.unwrap_or_default();
    let domain_filter = DomainFilter {
        id: given_id(filter.id.and_then(|i| i.eq)),
        name_eq: given(name.eq),
        name_contains: given(name.contains),
    };
    let sort = sorts(sort, OrganizationAuthenticationDomainSortInput::sort_by);
    let page =
        ca::authentication_domains(&services(ctx)?.db, &organization_id, &domain_filter, &sort, offset, PAGE_SIZE)
            .await
            .map_err(db_error)?;
    Ok(OrganizationAuthenticationDomainCollection {
        next_cursor: next_cursor(offset, page.has_more),
        items: page.items.into_iter().map(OrganizationAuthenticationDomain).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Organizations

#[derive(InputObject, Default)]
pub struct OrganizationCustomerOrganizationFilterInput {
    pub account_id: Option<OrganizationOrganizationAccountIdInputFilter>,
    pub authentication_domain_id: Option<OrganizationOrganizationAuthenticationDomainIdInputFilter>,
    pub customer_id: Option<OrganizationOrganizationCustomerIdInputFilter>,
    pub id: Option<OrganizationOrganizationIdInputFilter>,
    pub name: Option<OrganizationOrganizationNameInputFilter>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationAccountIdInputFilter {
    pub eq: Option<i32>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationAuthenticationDomainIdInputFilter {
    pub eq: Option<ID>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationCustomerIdInputFilter {
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationIdInputFilter {
    pub eq: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct OrganizationOrganizationNameInputFilter {
    pub contains: Option<String>,
    pub eq: Option<String>,
}

impl OrganizationCustomerOrganizationFilterInput {
    fn into_filter(self) -> OrganizationFilter {
        let name = self.name.unwrap_or_default();
        OrganizationFilter {
            id: given_id(self.id.and_then(|i| i.eq)),
            name_eq: given(name.eq),
            name_contains: given(name.contains),
            customer_id: given(self.customer_id.and_then(|c| c.eq)),
            account_id: given_int(self.account_id.and_then(|a| a.eq)),
            domain_id: given_id(self.authentication_domain_id.and_then(|d| d.eq)),
        }
    }
}

#[derive(SimpleObject, Default)]
pub struct OrganizationCustomerOrganizationWrapper {
    pub items: Vec<OrganizationCustomerOrganization>,
    pub next_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct OrganizationCustomerOrganization {
    /// AccessGraph has no contracts: always null.
    pub contract_id: Option<ID>,
    pub customer_id: Option<String>,
    pub id: ID,
    pub name: Option<String>,
    /// AccessGraph keeps no organization-level data in an account: always null.
    pub storage_account_id: Option<i32>,
}

impl From<organization::Model> for OrganizationCustomerOrganization {
    fn from(org: organization::Model) -> Self {
        OrganizationCustomerOrganization {
            contract_id: None,
            customer_id: Some(org.customer_id),
            id: ID(org.id),
            name: Some(org.name),
            storage_account_id: None,
        }
    }
}

/// `customerAdministration.organizations`: the viewer's organization, when the filter lets it through.
pub(super) async fn organizations(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: Option<OrganizationCustomerOrganizationFilterInput>,
) -> Result<OrganizationCustomerOrganizationWrapper> {
    let offset = offset(cursor.as_deref())?;
    let filter = filter.unwrap_or_default().into_filter();
    let own = viewer(ctx)?.organization_id();
    let page = ca::organizations(&services(ctx)?.db, own, &filter, offset, PAGE_SIZE).await.map_err(db_error)?;
    Ok(OrganizationCustomerOrganizationWrapper {
        next_cursor: next_cursor(offset, page.has_more),
        items: page.items.into_iter().map(Into::into).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Contracts (always empty)

#[derive(InputObject)]
pub struct OrganizationCustomerContractFilterInput {
    pub customer_id: Option<OrganizationContractCustomerIdInputFilter>,
    pub organization_id: Option<OrganizationContractOrganizationIdInputFilter>,
}

#[derive(InputObject)]
pub struct OrganizationContractCustomerIdInputFilter {
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct OrganizationContractOrganizationIdInputFilter {
    pub eq: Option<ID>,
}

#[derive(SimpleObject, Default)]
pub struct OrganizationCustomerContractWrapper {
    pub items: Vec<OrganizationCustomerContract>,
    pub next_cursor: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationBillingStructure {
    AccountHierarchy,
    CustomerContract,
    Unstructured,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct OrganizationCustomerContract {
    pub billing_structure: Option<OrganizationBillingStructure>,
    pub customer_id: String,
    pub id: ID,
    pub telemetry_id: Option<String>,
}

#[ComplexObject]
impl OrganizationCustomerContract {
    /// The contract's organization groups: none in AccessGraph.
    async fn organization_groups(
        &self,
        cursor: Option<String>,
        filter: Option<OrganizationOrganizationGroupFilterInput>,
    ) -> OrganizationOrganizationGroupWrapper {
        let _ = (cursor, filter);
        OrganizationOrganizationGroupWrapper::default()
    }
}

#[derive(InputObject)]
pub struct OrganizationOrganizationGroupFilterInput {
    pub id: Option<OrganizationOrganizationGroupIdInputFilter>,
    pub name: Option<OrganizationOrganizationGroupNameInputFilter>,
    pub organization_id: Option<OrganizationOrganizationGroupOrganizationIdInputFilter>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationGroupIdInputFilter {
    pub eq: ID,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationGroupNameInputFilter {
    pub contains: Option<String>,
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationGroupOrganizationIdInputFilter {
    pub eq: ID,
}

#[derive(SimpleObject)]
pub struct OrganizationOrganizationGroupWrapper {
    pub items: Option<Vec<OrganizationOrganizationGroup>>,
    pub next_cursor: Option<String>,
}

/// No items (an empty list, not null).
impl Default for OrganizationOrganizationGroupWrapper {
    fn default() -> Self {
        OrganizationOrganizationGroupWrapper { items: Some(Vec::new()), next_cursor: None }
    }
}

#[derive(SimpleObject)]
pub struct OrganizationOrganizationGroup {
    pub id: ID,
    pub name: String,
}

// ---------------------------------------------------------------------------------------------
// Consumption

#[derive(SimpleObject)]
pub struct Consumption {
    pub customer_id: Option<ID>,
}

/// `customerAdministration.consumption`: the viewer's organization's customer id, or null.
pub(super) async fn consumption(ctx: &Context<'_>, customer_id: ID) -> Result<Option<Consumption>> {
    let own = viewer(ctx)?.organization_id().to_owned();
    let organization = loaders(ctx)?.organizations.load_one(own).await.map_err(storage)?;
    Ok(organization
        .filter(|o| o.customer_id == customer_id.0.trim())
        .map(|o| Consumption { customer_id: Some(ID(o.customer_id.clone())) }))
}

// ---------------------------------------------------------------------------------------------
// Jobs (no asynchronous organization creation: always empty)

pub struct CustomerAdministrationJobs;

#[Object]
impl CustomerAdministrationJobs {
    /// Results of asynchronous organization creation: none in AccessGraph.
    async fn organization_create_async_results(
        &self,
        cursor: Option<String>,
        filter: OrganizationOrganizationCreateAsyncResultFilterInput,
    ) -> Result<Option<OrganizationOrganizationCreateAsyncResultCollection>> {
        let _ = filter;
        offset(cursor.as_deref())?;
        Ok(Some(OrganizationOrganizationCreateAsyncResultCollection::default()))
    }
}

#[derive(InputObject)]
pub struct OrganizationOrganizationCreateAsyncResultFilterInput {
    pub customer_id: Option<OrganizationOrganizationCreateJobCustomerIdInput>,
    pub job_id: Option<OrganizationOrganizationCreateJobIdInput>,
    pub status: Option<OrganizationOrganizationCreateJobStatusInput>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationCreateJobCustomerIdInput {
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationCreateJobIdInput {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct OrganizationOrganizationCreateJobStatusInput {
    pub eq: Option<OrganizationOrganizationCreateJobStatusEnum>,
    pub r#in: Option<Vec<OrganizationOrganizationCreateJobStatusEnum>>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationOrganizationCreateJobStatusEnum {
    All,
    Created,
    Failed,
    Running,
    Succeeded,
}

#[derive(SimpleObject, Default)]
pub struct OrganizationOrganizationCreateAsyncResultCollection {
    pub items: Vec<OrganizationOrganizationCreateAsyncResult>,
    pub next_cursor: Option<String>,
}

#[derive(SimpleObject)]
pub struct OrganizationOrganizationCreateAsyncResult {
    pub customer: Option<OrganizationOrganizationCreateAsyncCustomerResult>,
    pub job: OrganizationOrganizationCreateAsyncJobResult,
    pub organization: Option<OrganizationOrganizationCreateAsyncOrganizationResult>,
}

#[derive(SimpleObject)]
pub struct OrganizationOrganizationCreateAsyncCustomerResult {
    pub customer_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct OrganizationOrganizationCreateAsyncJobResult {
    pub created_utc: String,
    pub error_message: Option<String>,
    pub finished_utc: Option<String>,
    pub id: ID,
    pub status: OrganizationOrganizationCreateJobResultStatusEnum,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationOrganizationCreateJobResultStatusEnum {
    Created,
    Failed,
    Running,
    Succeeded,
}

#[derive(SimpleObject)]
pub struct OrganizationOrganizationCreateAsyncOrganizationResult {
    pub id: Option<ID>,
    pub name: Option<String>,
}
