//! `actor.organization.authorizationManagement` and the `authorizationManagement*` mutations:
//! roles, the roles each group holds, and granting or revoking them.
//!
//! A group's granted roles come from a batched loader primed with every group of the page, so the
//! statements per request do not grow with the number of groups.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::RoleType;
use entity::{authentication_domain, group, role};
use sea_orm::{DatabaseConnection, DbErr};

use super::context::{loaders, services};
use super::error::{ErrorClass, storage};
use super::guard::{Can, authorize};
use super::pagination;
use super::user_management::{count, domains_page};
use crate::access::decision::{Action, Allowed, ManageGrants, OrgArea};
use crate::domain::authorization::{
    self, GrantChange, GrantOutcome, GrantedRole, RequestedGrant, RequestedTarget, scope_text,
};
use crate::domain::user_management::{self as um, GroupFilter, GroupOrder};

const PAGE: u64 = 500;

/// A page of `items` after the offset in `cursor`, and the cursor of the next page.
fn page_of<T>(items: Vec<T>, cursor: Option<&str>) -> Result<(Vec<T>, Option<String>, i32)> {
    let offset = cursor.map(pagination::decode_number::<usize>).transpose()?.unwrap_or(0);
    let total = items.len();
    let limit = usize::try_from(PAGE).unwrap_or(usize::MAX);
    let page: Vec<T> = items.into_iter().skip(offset).take(limit).collect();
    let next = (offset + page.len() < total).then(|| pagination::encode(&(offset + page.len()).to_string()));
    Ok((page, next, count(total as u64)))
}

fn ids_of(ids: Option<Vec<ID>>) -> Option<Vec<String>> {
    ids.map(|ids| ids.into_iter().map(|i| i.0.trim().to_owned()).collect())
}

pub struct AuthorizationManagement {
    pub organization_id: String,
}

#[Object(name = "AuthorizationManagementOrganizationStitchedFields")]
impl AuthorizationManagement {
    /// The organization's authentication domains, 10 a page, with their groups and granted roles.
    #[graphql(guard = "Can(Action::Read(OrgArea::AuthenticationDomains))")]
    async fn authentication_domains(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        id: Option<Vec<ID>>,
    ) -> Result<Option<AuthorizationManagementAuthenticationDomainSearch>> {
        let ids = ids_of(id);
        let page = domains_page(ctx, &self.organization_id, cursor.as_deref(), ids.as_deref()).await?;
        Ok(Some(AuthorizationManagementAuthenticationDomainSearch {
            authentication_domains: page.items.into_iter().map(AuthorizationManagementAuthenticationDomain).collect(),
            next_cursor: page.next_cursor,
            total_count: page.total_count,
        }))
    }

    /// The standard roles and the organization's custom roles.
    #[graphql(guard = "Can(Action::Read(OrgArea::Roles))")]
    async fn roles(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        id: Option<Vec<ID>>,
    ) -> Result<Option<AuthorizationManagementRoleSearch>> {
        let ids: Option<Vec<i32>> = id.map(|ids| ids.iter().filter_map(|i| i.0.trim().parse().ok()).collect());
        let roles = authorization::visible_roles(&services(ctx)?.db, &self.organization_id, ids.as_deref())
            .await
            .map_err(|e| storage(Arc::new(e)))?;
        let (roles, next_cursor, total_count) = page_of(roles, cursor.as_deref())?;
        Ok(Some(AuthorizationManagementRoleSearch {
            roles: roles.into_iter().map(AuthorizationManagementRole::from).collect(),
            next_cursor,
            total_count,
        }))
    }
}

#[derive(SimpleObject)]
pub struct AuthorizationManagementAuthenticationDomainSearch {
    authentication_domains: Vec<AuthorizationManagementAuthenticationDomain>,
    next_cursor: Option<String>,
    total_count: i32,
}

#[derive(SimpleObject)]
pub struct AuthorizationManagementRoleSearch {
    next_cursor: Option<String>,
    roles: Vec<AuthorizationManagementRole>,
    total_count: i32,
}

/// A role: `scope` is `account` or `organization`, `type` is `standard` or `custom`.
#[derive(SimpleObject)]
pub struct AuthorizationManagementRole {
    display_name: Option<String>,
    id: ID,
    name: String,
    scope: String,
    r#type: ID,
}

fn role_type_text(role_type: RoleType) -> &'static str {
    match role_type {
        RoleType::Standard => "standard",
        RoleType::Custom => "custom",
    }
}

impl From<role::Model> for AuthorizationManagementRole {
    fn from(role: role::Model) -> Self {
        AuthorizationManagementRole {
            display_name: Some(role.display_name),
            id: ID(role.id.to_string()),
            name: role.name,
            scope: scope_text(role.scope).into(),
            r#type: ID(role_type_text(role.role_type).into()),
        }
    }
}

pub struct AuthorizationManagementAuthenticationDomain(authentication_domain::Model);

#[Object]
impl AuthorizationManagementAuthenticationDomain {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// The domain's groups, 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::Groups))")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        id: Option<Vec<ID>>,
    ) -> Result<AuthorizationManagementGroupSearch> {
        let offset = cursor.as_deref().map(pagination::decode_number::<u64>).transpose()?.unwrap_or(0);
        let filter = GroupFilter { ids: ids_of(id), ..Default::default() };
        let page = um::groups(&services(ctx)?.db, &self.0.id, &filter, GroupOrder::Id, false, offset, PAGE)
            .await
            .map_err(|e| storage(Arc::new(e)))?;
        if ctx.look_ahead().field("groups").field("roles").exists() {
            let ids: Vec<String> = page.items.iter().map(|g| g.id.clone()).collect();
            loaders(ctx)?.group_roles.load_many(ids).await.map_err(storage)?;
        }
        let next_cursor = page.has_more.then(|| pagination::encode(&(offset + PAGE).to_string()));
        Ok(AuthorizationManagementGroupSearch {
            groups: page.items.into_iter().map(AuthorizationManagementGroup).collect(),
            next_cursor,
            total_count: count(page.total),
        })
    }
}

#[derive(SimpleObject)]
pub struct AuthorizationManagementGroupSearch {
    groups: Vec<AuthorizationManagementGroup>,
    next_cursor: Option<String>,
    total_count: i32,
}

pub struct AuthorizationManagementGroup(group::Model);

#[Object]
impl AuthorizationManagementGroup {
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The roles granted to the group, each on an account or on the organization.
    #[graphql(guard = "Can(Action::Read(OrgArea::Grants))")]
    async fn roles(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        id: Option<Vec<ID>>,
        role_id: Option<Vec<ID>>,
    ) -> Result<AuthorizationManagementGrantedRoleSearch> {
        let granted = loaders(ctx)?.group_roles.load_one(self.0.id.clone()).await.map_err(storage)?.unwrap_or_default();
        let wanted = |ids: &Option<Vec<ID>>, role: i32| {
            ids.as_ref().is_none_or(|ids| ids.iter().any(|i| i.0.trim() == role.to_string()))
        };
        let roles: Vec<AuthorizationManagementGrantedRole> = granted
            .iter()
            .filter(|g| wanted(&id, g.role.id) && wanted(&role_id, g.role.id))
            .map(AuthorizationManagementGrantedRole::from)
            .collect();
        let (roles, next_cursor, total_count) = page_of(roles, cursor.as_deref())?;
        Ok(AuthorizationManagementGrantedRoleSearch { next_cursor, roles, total_count })
    }
}

#[derive(SimpleObject)]
pub struct AuthorizationManagementGrantedRoleSearch {
    next_cursor: Option<String>,
    roles: Vec<AuthorizationManagementGrantedRole>,
    total_count: i32,
}

/// A role as a group holds it: on an account (`accountId`) or on the organization
/// (`organizationId`); `id` is the role's id, as in NerdGraph.
#[derive(SimpleObject)]
pub struct AuthorizationManagementGrantedRole {
    account_id: Option<i32>,
    data_access_policy_id: Option<ID>,
    display_name: Option<String>,
    group_id: Option<ID>,
    id: ID,
    name: String,
    organization_id: Option<ID>,
    role_id: i32,
    r#type: ID,
}

impl From<&GrantedRole> for AuthorizationManagementGrantedRole {
    fn from(granted: &GrantedRole) -> Self {
        AuthorizationManagementGrantedRole {
            account_id: granted.grant.account_id,
            data_access_policy_id: None,
            display_name: Some(granted.role.display_name.clone()),
            group_id: Some(ID(granted.grant.group_id.clone())),
            id: ID(granted.role.id.to_string()),
            name: granted.role.name.clone(),
            organization_id: granted.grant.organization_id.clone().map(ID),
            role_id: granted.role.id,
            r#type: ID(role_type_text(granted.role.role_type).into()),
        }
    }
}

/// The granted roles of each group, keyed by group id.
pub struct GroupRolesLoader(pub DatabaseConnection);

impl Loader<String> for GroupRolesLoader {
    type Value = Arc<[GrantedRole]>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let found = authorization::granted_roles_of_groups(&self.0, keys).await?;
        Ok(keys.iter().map(|k| (k.clone(), found.get(k).cloned().unwrap_or_default().into())).collect())
    }
}

// ---- mutations ----

#[derive(InputObject)]
pub struct AuthorizationManagementAccountAccessGrant {
    account_id: i32,
    data_access_policy_id: Option<ID>,
    role_id: ID,
}

#[derive(InputObject)]
pub struct AuthorizationManagementEntity {
    id: ID,
    r#type: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AuthorizationManagementIamParentScopeTypeEnum {
    Account,
    Organization,
}

#[derive(InputObject)]
pub struct AuthorizationManagementIamParent {
    id: ID,
    scope: AuthorizationManagementIamParentScopeTypeEnum,
}

#[derive(InputObject)]
pub struct AuthorizationManagementEntityAccessGrants {
    entity: AuthorizationManagementEntity,
    iam_parent: Option<AuthorizationManagementIamParent>,
    role_id: ID,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AuthorizationManagementGranteeTypeEnum {
    Group,
    Organization,
    SystemIdentity,
    SystemIdentityGroup,
    User,
}

#[derive(InputObject)]
pub struct AuthorizationManagementGrantee {
    id: ID,
    r#type: AuthorizationManagementGranteeTypeEnum,
}

#[derive(InputObject)]
pub struct AuthorizationManagementGroupAccessGrant {
    group_id: ID,
    role_id: ID,
}

#[derive(InputObject)]
pub struct AuthorizationManagementOrganizationAccessGrant {
    role_id: ID,
}

/// The fields NerdGraph's grant and revoke inputs share.
struct GrantInput {
    account_access_grants: Option<Vec<AuthorizationManagementAccountAccessGrant>>,
    entity_access_grants: Option<Vec<AuthorizationManagementEntityAccessGrants>>,
    grantee: Option<AuthorizationManagementGrantee>,
    group_access_grants: Option<Vec<AuthorizationManagementGroupAccessGrant>>,
    group_id: ID,
    organization_access_grants: Option<Vec<AuthorizationManagementOrganizationAccessGrant>>,
}

impl GrantInput {
    /// The group and the grants requested, or a BAD_USER_INPUT error for what AccessGraph does not
    /// model (data access policies, grantees other than the group).
    fn into_requests(self) -> Result<(String, Vec<RequestedGrant>)> {
        if let Some(grantee) = &self.grantee
            && (grantee.r#type != AuthorizationManagementGranteeTypeEnum::Group || grantee.id.0 != self.group_id.0)
        {
            return Err(ErrorClass::BadUserInput.error("Only the group named by groupId can be the grantee"));
        }
        let mut requests = Vec::new();
        for grant in self.account_access_grants.unwrap_or_default() {
            if grant.data_access_policy_id.is_some() {
                return Err(ErrorClass::BadUserInput.error("Data access policies are not supported"));
            }
            requests
                .push(RequestedGrant { role_id: grant.role_id.0, target: RequestedTarget::Account(grant.account_id) });
        }
        for grant in self.organization_access_grants.unwrap_or_default() {
            requests.push(RequestedGrant { role_id: grant.role_id.0, target: RequestedTarget::Organization });
        }
        for grant in self.group_access_grants.unwrap_or_default() {
            requests.push(RequestedGrant { role_id: grant.role_id.0, target: RequestedTarget::Unsupported("Group") });
        }
        for grant in self.entity_access_grants.unwrap_or_default() {
            requests.push(RequestedGrant { role_id: grant.role_id.0, target: RequestedTarget::Unsupported("Entity") });
        }
        Ok((self.group_id.0, requests))
    }
}

macro_rules! grant_input {
    ($name:ident) => {
        #[derive(InputObject)]
        pub struct $name {
            account_access_grants: Option<Vec<AuthorizationManagementAccountAccessGrant>>,
            entity_access_grants: Option<Vec<AuthorizationManagementEntityAccessGrants>>,
            grantee: Option<AuthorizationManagementGrantee>,
            group_access_grants: Option<Vec<AuthorizationManagementGroupAccessGrant>>,
            group_id: ID,
            organization_access_grants: Option<Vec<AuthorizationManagementOrganizationAccessGrant>>,
        }

        impl From<$name> for GrantInput {
            fn from(input: $name) -> Self {
                GrantInput {
                    account_access_grants: input.account_access_grants,
                    entity_access_grants: input.entity_access_grants,
                    grantee: input.grantee,
                    group_access_grants: input.group_access_grants,
                    group_id: input.group_id,
                    organization_access_grants: input.organization_access_grants,
                }
            }
        }
    };
}

grant_input!(AuthorizationManagementGrantAccess);
grant_input!(AuthorizationManagementRevokeAccess);

impl AuthorizationManagementGrantAccess {
    /// The group and the grants requested (for `customerAdministration.accessWhatIf`).
    pub(crate) fn into_requests(self) -> Result<(String, Vec<RequestedGrant>)> {
        GrantInput::from(self).into_requests()
    }
}

impl AuthorizationManagementRevokeAccess {
    /// The group and the grants to revoke (for `customerAdministration.accessWhatIf`).
    pub(crate) fn into_requests(self) -> Result<(String, Vec<RequestedGrant>)> {
        GrantInput::from(self).into_requests()
    }
}

#[derive(SimpleObject)]
pub struct AuthorizationManagementAccessGrant {
    id: ID,
}

macro_rules! access_payload {
    ($name:ident) => {
        /// The grants the change created or removed, and the group's roles after it.
        #[derive(SimpleObject)]
        pub struct $name {
            access_grants: Option<Vec<AuthorizationManagementAccessGrant>>,
            roles: Vec<AuthorizationManagementGrantedRole>,
        }

        impl From<GrantOutcome> for $name {
            fn from(outcome: GrantOutcome) -> Self {
                $name {
                    access_grants: Some(
                        outcome
                            .changed
                            .iter()
                            .map(|g| AuthorizationManagementAccessGrant { id: ID(g.id.to_string()) })
                            .collect(),
                    ),
                    roles: outcome.roles_after.iter().map(AuthorizationManagementGrantedRole::from).collect(),
                }
            }
        }
    };
}

access_payload!(AuthorizationManagementGrantAccessPayload);
access_payload!(AuthorizationManagementRevokeAccessPayload);

#[derive(Default)]
pub struct AuthorizationManagementMutations;

async fn change(
    ctx: &Context<'_>,
    proof: &Allowed<ManageGrants>,
    change: GrantChange,
    input: GrantInput,
) -> Result<GrantOutcome> {
    let (group_id, requests) = input.into_requests()?;
    let outcome = authorization::change_grants(&services(ctx)?.db, proof, change, &group_id, &requests).await?;
    Ok(outcome)
}

#[Object]
impl AuthorizationManagementMutations {
    /// Grants roles to a group: account roles on accounts, organization roles on the organization.
    async fn authorization_management_grant_access(
        &self,
        ctx: &Context<'_>,
        grant_access_options: Option<AuthorizationManagementGrantAccess>,
    ) -> Result<Option<AuthorizationManagementGrantAccessPayload>> {
        let proof = authorize(ctx, ManageGrants).await?;
        let input =
            grant_access_options.ok_or_else(|| ErrorClass::BadUserInput.error("grantAccessOptions is required"))?;
        Ok(Some(change(ctx, &proof, GrantChange::Grant, input.into()).await?.into()))
    }

    /// Revokes roles from a group.
    async fn authorization_management_revoke_access(
        &self,
        ctx: &Context<'_>,
        revoke_access_options: Option<AuthorizationManagementRevokeAccess>,
    ) -> Result<Option<AuthorizationManagementRevokeAccessPayload>> {
        let proof = authorize(ctx, ManageGrants).await?;
        let input =
            revoke_access_options.ok_or_else(|| ErrorClass::BadUserInput.error("revokeAccessOptions is required"))?;
        Ok(Some(change(ctx, &proof, GrantChange::Revoke, input.into()).await?.into()))
    }
}
