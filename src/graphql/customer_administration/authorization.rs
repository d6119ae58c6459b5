//! The authorization side of `customerAdministration`: roles, access grants and the permission
//! (capability) catalog.
//!
//! AccessGraph's roles and grants are scoped to an account or to the organization, and every grant
//! goes to a group: filters on the other NerdGraph scopes (`GROUP`, `OTHER`), on other grantee types
//! or on data access policies (which AccessGraph does not have) match nothing.

use async_graphql::{Context, Enum, ID, InputObject, Result, SimpleObject};
use entity::enums::{CapabilityCategory, RoleType, Scope};
use entity::{capability, role};

use super::{
    PAGE_SIZE, db_error, eq_or_in, given, given_id, given_int, next_cursor, offset, sorts, viewers_organization,
};
use crate::domain::customer_administration::{
    self as ca, Grant, GrantFilter, PermissionFilter, RoleFilter, RoleKey, SortBy,
};
use crate::graphql::context::{services, viewer};
use crate::graphql::user_management::{count, intersect};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationSortDirectionEnum {
    Ascending,
    Descending,
}

/// A scope's name as NerdGraph writes it in text fields: `account` or `organization`.
fn scope_name(scope: Scope) -> &'static str {
    match scope {
        Scope::Account => "account",
        Scope::Organization => "organization",
    }
}

/// The scope a text filter names (case-insensitively); `Err` for a scope AccessGraph does not have.
fn scope_named(text: Option<String>) -> Result<Option<Scope>, ()> {
    match given(text).map(|t| t.trim().to_lowercase()) {
        None => Ok(None),
        Some(t) if t == "account" => Ok(Some(Scope::Account)),
        Some(t) if t == "organization" => Ok(Some(Scope::Organization)),
        Some(_) => Err(()),
    }
}

/// Two scope constraints together; `Err` when they cannot both hold.
fn both_scopes(a: Option<Scope>, b: Option<Scope>) -> Result<Option<Scope>, ()> {
    match (a, b) {
        (Some(a), Some(b)) if a != b => Err(()),
        (a, b) => Ok(a.or(b)),
    }
}

// ---------------------------------------------------------------------------------------------
// Roles

#[derive(InputObject)]
pub struct MultiTenantAuthorizationRoleFilterInputExpression {
    pub group_id: Option<MultiTenantAuthorizationRoleGroupIdInputFilter>,
    pub id: Option<MultiTenantAuthorizationRoleIdInputFilter>,
    pub name: Option<MultiTenantAuthorizationRoleNameInputFilter>,
    pub organization_id: MultiTenantAuthorizationRoleOrganizationIdInputFilter,
    pub scope: Option<MultiTenantAuthorizationRoleScopeInputFilter>,
    pub scope_v2: Option<MultiTenantAuthorizationRoleScopeV2InputFilter>,
    pub r#type: Option<MultiTenantAuthorizationRoleTypeInputFilter>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationRoleGroupIdInputFilter {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationRoleIdInputFilter {
    pub eq: Option<i32>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationRoleNameInputFilter {
    pub contains: Option<String>,
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationRoleOrganizationIdInputFilter {
    pub eq: ID,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationRoleScopeInputFilter {
    pub eq: Option<MultiTenantAuthorizationRoleScopeEnum>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationRoleScopeV2InputFilter {
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationRoleTypeInputFilter {
    pub eq: Option<MultiTenantAuthorizationRoleTypeEnum>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationRoleScopeEnum {
    Account,
    Group,
    Organization,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationRoleTypeEnum {
    Custom,
    Standard,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationRoleSortInput {
    pub direction: Option<MultiTenantAuthorizationSortDirectionEnum>,
    pub key: MultiTenantAuthorizationRoleSortEnum,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationRoleSortEnum {
    Id,
    Name,
    Scope,
    Type,
}

impl MultiTenantAuthorizationRoleFilterInputExpression {
    /// The domain filter; `None` when the filter names a scope AccessGraph roles never have.
    fn into_filter(self) -> Option<RoleFilter> {
        let scope = match self.scope.and_then(|s| s.eq) {
            None => None,
            Some(MultiTenantAuthorizationRoleScopeEnum::Account) => Some(Scope::Account),
            Some(MultiTenantAuthorizationRoleScopeEnum::Organization) => Some(Scope::Organization),
            Some(MultiTenantAuthorizationRoleScopeEnum::Group | MultiTenantAuthorizationRoleScopeEnum::Other) => {
                return None;
            }
        };
        let scope = both_scopes(scope, scope_named(self.scope_v2.and_then(|s| s.eq)).ok()?).ok()?;
        let name = self.name.unwrap_or_default();
        let groups = self.group_id.unwrap_or_default();
        Some(RoleFilter {
            id: given_int(self.id.and_then(|i| i.eq)),
            name_eq: given(name.eq),
            name_contains: given(name.contains),
            scope,
            role_type: self.r#type.and_then(|t| t.eq).map(|t| match t {
                MultiTenantAuthorizationRoleTypeEnum::Custom => RoleType::Custom,
                MultiTenantAuthorizationRoleTypeEnum::Standard => RoleType::Standard,
            }),
            granted_to: eq_or_in(groups.eq, groups.r#in),
        })
    }
}

impl MultiTenantAuthorizationRoleSortInput {
    fn sort_by(self) -> Option<SortBy<RoleKey>> {
        let key = match self.key {
            MultiTenantAuthorizationRoleSortEnum::Id => RoleKey::Id,
            MultiTenantAuthorizationRoleSortEnum::Name => RoleKey::Name,
            MultiTenantAuthorizationRoleSortEnum::Scope => RoleKey::Scope,
            MultiTenantAuthorizationRoleSortEnum::Type => RoleKey::Type,
        };
        Some(SortBy { key, descending: self.direction == Some(MultiTenantAuthorizationSortDirectionEnum::Descending) })
    }
}

#[derive(SimpleObject, Default)]
pub struct MultiTenantAuthorizationRoleCollection {
    pub items: Vec<MultiTenantAuthorizationRole>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationRole {
    pub id: i32,
    /// The role's display name, e.g. `All product admin`.
    pub name: String,
    /// `account` or `organization`.
    pub scope: String,
    /// `standard` or `custom`.
    pub r#type: String,
}

impl From<role::Model> for MultiTenantAuthorizationRole {
    fn from(role: role::Model) -> Self {
        MultiTenantAuthorizationRole {
            id: role.id,
            name: role.display_name,
            scope: scope_name(role.scope).into(),
            r#type: role.role_type.as_str().to_lowercase(),
        }
    }
}

/// `customerAdministration.roles`: the standard roles and the viewer's organization's custom roles.
pub(super) async fn roles(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: MultiTenantAuthorizationRoleFilterInputExpression,
    sort: Option<Vec<MultiTenantAuthorizationRoleSortInput>>,
) -> Result<MultiTenantAuthorizationRoleCollection> {
    let offset = offset(cursor.as_deref())?;
    let Some(organization_id) = viewers_organization(ctx, &filter.organization_id.eq)? else {
        return Ok(MultiTenantAuthorizationRoleCollection::default());
    };
    let Some(filter) = filter.into_filter() else { return Ok(MultiTenantAuthorizationRoleCollection::default()) };
    let sort = sorts(sort, MultiTenantAuthorizationRoleSortInput::sort_by);
    let page =
        ca::roles(&services(ctx)?.db, &organization_id, &filter, &sort, offset, PAGE_SIZE).await.map_err(db_error)?;
    Ok(MultiTenantAuthorizationRoleCollection {
        next_cursor: next_cursor(offset, page.has_more),
        total_count: count(page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Grants

#[derive(InputObject)]
pub struct MultiTenantAuthorizationGrantFilterInputExpression {
    pub authentication_domain_id: Option<MultiTenantAuthorizationGrantAuthenticationDomainIdInputFilter>,
    pub data_access_policy_id: Option<MultiTenantAuthorizationGrantDataAccessPolicyIdInputFilter>,
    pub grantee: Option<MultiTenantAuthorizationGranteeInputFilter>,
    pub group_id: Option<MultiTenantAuthorizationGrantGroupIdInputFilter>,
    pub id: Option<MultiTenantAuthorizationGrantIdInputFilter>,
    pub organization_id: MultiTenantAuthorizationGrantOrganizationIdInputFilter,
    pub role_id: Option<MultiTenantAuthorizationGrantRoleIdInputFilter>,
    pub scope_id: Option<MultiTenantAuthorizationGrantScopeIdInputFilter>,
    pub scope_type: Option<MultiTenantAuthorizationGrantScopeTypeInputFilter>,
    pub scope_v2_type: Option<MultiTenantAuthorizationGrantScopeTypeV2InputFilter>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGrantAuthenticationDomainIdInputFilter {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGrantDataAccessPolicyIdInputFilter {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGranteeInputFilter {
    pub grantee_id: Option<MultiTenantAuthorizationGranteeIdInputFilter>,
    pub grantee_type: Option<MultiTenantAuthorizationGranteeTypeInputFilter>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGranteeIdInputFilter {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGranteeTypeInputFilter {
    pub eq: Option<MultiTenantAuthorizationGranteeTypeEnum>,
    pub r#in: Option<Vec<MultiTenantAuthorizationGranteeTypeEnum>>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationGranteeTypeEnum {
    Group,
    Organization,
    SystemIdentity,
    SystemIdentityGroup,
    User,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGrantGroupIdInputFilter {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationGrantIdInputFilter {
    pub eq: Option<i32>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationGrantOrganizationIdInputFilter {
    pub eq: ID,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGrantRoleIdInputFilter {
    pub eq: Option<i32>,
    pub r#in: Option<Vec<i32>>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationGrantScopeIdInputFilter {
    pub eq: Option<String>,
    pub r#in: Option<Vec<String>>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationGrantScopeTypeInputFilter {
    pub eq: Option<MultiTenantAuthorizationGrantScopeEnum>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationGrantScopeEnum {
    Account,
    Group,
    Organization,
    Other,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationGrantScopeTypeV2InputFilter {
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationGrantSortInput {
    pub direction: Option<MultiTenantAuthorizationSortDirectionEnum>,
    pub key: MultiTenantAuthorizationGrantSortEnum,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationGrantSortEnum {
    Id,
}

impl MultiTenantAuthorizationGrantFilterInputExpression {
    /// The domain filter; `None` when the filter can match no AccessGraph grant (another scope or
    /// grantee type, or a data access policy).
    fn into_filter(self) -> Option<GrantFilter> {
        let policies = self.data_access_policy_id.unwrap_or_default();
        if eq_or_in(policies.eq, policies.r#in).is_some() {
            return None;
        }
        let grantee = self.grantee.unwrap_or_default();
        let types = grantee.grantee_type.unwrap_or_default();
        let types = intersect(types.eq.map(|t| vec![t]), types.r#in);
        if types.is_some_and(|t| !t.contains(&MultiTenantAuthorizationGranteeTypeEnum::Group)) {
            return None;
        }
        let scope = match self.scope_type.and_then(|s| s.eq) {
            None => None,
            Some(MultiTenantAuthorizationGrantScopeEnum::Account) => Some(Scope::Account),
            Some(MultiTenantAuthorizationGrantScopeEnum::Organization) => Some(Scope::Organization),
            Some(MultiTenantAuthorizationGrantScopeEnum::Group | MultiTenantAuthorizationGrantScopeEnum::Other) => {
                return None;
            }
        };
        let scope = both_scopes(scope, scope_named(self.scope_v2_type.and_then(|s| s.eq)).ok()?).ok()?;
        let groups = self.group_id.unwrap_or_default();
        let grantees = grantee.grantee_id.unwrap_or_default();
        let domains = self.authentication_domain_id.unwrap_or_default();
        let roles = self.role_id.unwrap_or_default();
        let scope_ids = self.scope_id.unwrap_or_default();
        Some(GrantFilter {
            id: given_int(self.id.and_then(|i| i.eq)),
            group_ids: intersect(eq_or_in(groups.eq, groups.r#in), eq_or_in(grantees.eq, grantees.r#in)),
            domain_ids: eq_or_in(domains.eq, domains.r#in),
            role_ids: intersect(given_int(roles.eq).map(|r| vec![r]), roles.r#in),
            scope,
            scope_ids: intersect(given(scope_ids.eq).map(|s| vec![s]), scope_ids.r#in),
        })
    }
}

#[derive(SimpleObject, Default)]
pub struct MultiTenantAuthorizationGrantCollection {
    pub items: Vec<MultiTenantAuthorizationGrant>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationGrant {
    /// AccessGraph has no data access policies: always null.
    pub data_access_policy: Option<MultiTenantAuthorizationGrantDataAccessPolicy>,
    pub grantee: MultiTenantAuthorizationGrantee,
    pub group: MultiTenantAuthorizationGrantGroup,
    pub id: i32,
    pub role: MultiTenantAuthorizationGrantRole,
    pub scope: MultiTenantAuthorizationGrantScope,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationGrantDataAccessPolicy {
    pub id: Option<ID>,
    pub name: Option<String>,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationGrantee {
    pub id: ID,
    pub r#type: MultiTenantAuthorizationGranteeTypeEnum,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationGrantGroup {
    pub id: ID,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationGrantRole {
    pub id: i32,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationGrantScope {
    /// The account id (as text) or the organization id.
    pub id: String,
    pub r#type: MultiTenantAuthorizationGrantScopeEnum,
    /// `account` or `organization`.
    pub typev2: String,
}

impl From<Grant> for MultiTenantAuthorizationGrant {
    fn from(Grant { grant, role_name }: Grant) -> Self {
        let scope = match (grant.account_id, grant.organization_id) {
            (Some(account), _) => MultiTenantAuthorizationGrantScope {
                id: account.to_string(),
                r#type: MultiTenantAuthorizationGrantScopeEnum::Account,
                typev2: scope_name(Scope::Account).into(),
            },
            (None, organization) => MultiTenantAuthorizationGrantScope {
                id: organization.unwrap_or_default(),
                r#type: MultiTenantAuthorizationGrantScopeEnum::Organization,
                typev2: scope_name(Scope::Organization).into(),
            },
        };
        MultiTenantAuthorizationGrant {
            data_access_policy: None,
            grantee: MultiTenantAuthorizationGrantee {
                id: ID(grant.group_id.clone()),
                r#type: MultiTenantAuthorizationGranteeTypeEnum::Group,
            },
            group: MultiTenantAuthorizationGrantGroup { id: ID(grant.group_id) },
            id: grant.id,
            role: MultiTenantAuthorizationGrantRole { id: grant.role_id, name: role_name },
            scope,
        }
    }
}

/// `customerAdministration.grants`: the access grants of the viewer's organization's groups.
pub(super) async fn grants(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: MultiTenantAuthorizationGrantFilterInputExpression,
    sort: Option<Vec<MultiTenantAuthorizationGrantSortInput>>,
) -> Result<MultiTenantAuthorizationGrantCollection> {
    let offset = offset(cursor.as_deref())?;
    let Some(organization_id) = viewers_organization(ctx, &filter.organization_id.eq)? else {
        return Ok(MultiTenantAuthorizationGrantCollection::default());
    };
    let Some(filter) = filter.into_filter() else { return Ok(MultiTenantAuthorizationGrantCollection::default()) };
    let descending = sort
        .and_then(|s| s.into_iter().next())
        .and_then(|s| s.direction)
        .is_some_and(|d| d == MultiTenantAuthorizationSortDirectionEnum::Descending);
    let page = ca::grants(&services(ctx)?.db, &organization_id, &filter, descending, offset, PAGE_SIZE)
        .await
        .map_err(db_error)?;
    Ok(MultiTenantAuthorizationGrantCollection {
        next_cursor: next_cursor(offset, page.has_more),
        total_count: count(page.total),
        items: page.items.into_iter().map(Into::into).collect(),
    })
}

// ---------------------------------------------------------------------------------------------
// Permissions

#[derive(InputObject, Default)]
pub struct MultiTenantAuthorizationPermissionFilter {
    pub role_id: Option<MultiTenantAuthorizationPermissionFilterRoleIdInput>,
    pub scope: Option<MultiTenantAuthorizationPermissionFilterScopeInput>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationPermissionFilterRoleIdInput {
    pub eq: Option<ID>,
}

#[derive(InputObject)]
pub struct MultiTenantAuthorizationPermissionFilterScopeInput {
    pub eq: Option<String>,
}

impl MultiTenantAuthorizationPermissionFilter {
    /// The domain filter; `None` when it names a role id that is not a number or an unknown scope.
    fn into_filter(self) -> Option<PermissionFilter> {
        let role_id = match given_id(self.role_id.and_then(|r| r.eq)) {
            Some(id) => Some(id.trim().parse::<i32>().ok()?),
            None => None,
        };
        Some(PermissionFilter { role_id, scope: scope_named(self.scope.and_then(|s| s.eq)).ok()? })
    }
}

#[derive(SimpleObject, Default)]
pub struct MultiTenantAuthorizationPermissionCollection {
    pub items: Vec<MultiTenantAuthorizationPermission>,
    pub next_cursor: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantAuthorizationPermissionCategoryEnum {
    Delete,
    Manage,
    Modify,
    Other,
    Read,
    View,
}

#[derive(SimpleObject)]
pub struct MultiTenantAuthorizationPermission {
    pub category: Option<MultiTenantAuthorizationPermissionCategoryEnum>,
    pub feature: Option<String>,
    /// What the capability allows.
    pub feature_description: Option<String>,
    /// AccessGraph links no documentation: always null.
    pub feature_documentation_path: Option<String>,
    pub id: ID,
    pub name: Option<String>,
    pub product: Option<String>,
}

impl From<capability::Model> for MultiTenantAuthorizationPermission {
    fn from(c: capability::Model) -> Self {
        let category = match c.category {
            CapabilityCategory::Delete => MultiTenantAuthorizationPermissionCategoryEnum::Delete,
            CapabilityCategory::Manage => MultiTenantAuthorizationPermissionCategoryEnum::Manage,
            CapabilityCategory::Modify => MultiTenantAuthorizationPermissionCategoryEnum::Modify,
            CapabilityCategory::Other => MultiTenantAuthorizationPermissionCategoryEnum::Other,
            CapabilityCategory::Read => MultiTenantAuthorizationPermissionCategoryEnum::Read,
            CapabilityCategory::View => MultiTenantAuthorizationPermissionCategoryEnum::View,
        };
        MultiTenantAuthorizationPermission {
            category: Some(category),
            feature: Some(c.feature),
            feature_description: Some(c.description),
            feature_documentation_path: None,
            id: ID(c.id.to_string()),
            name: Some(c.name),
            product: Some(c.product),
        }
    }
}

/// `customerAdministration.permissions`: the capability catalog, or one role's capabilities.
pub(super) async fn permissions(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: Option<MultiTenantAuthorizationPermissionFilter>,
) -> Result<MultiTenantAuthorizationPermissionCollection> {
    let offset = offset(cursor.as_deref())?;
    let Some(filter) = filter.unwrap_or_default().into_filter() else {
        return Ok(MultiTenantAuthorizationPermissionCollection::default());
    };
    let organization_id = viewer(ctx)?.organization_id();
    let page =
        ca::permissions(&services(ctx)?.db, organization_id, &filter, offset, PAGE_SIZE).await.map_err(db_error)?;
    Ok(MultiTenantAuthorizationPermissionCollection {
        next_cursor: next_cursor(offset, page.has_more),
        items: page.items.into_iter().map(Into::into).collect(),
    })
}
