//! The identity side of `customerAdministration`: users of an authentication domain and groups of
//! the organization, each with their memberships through the request's batched loaders.

use std::sync::Arc;

use async_graphql::parser::types::SelectionSet;
use async_graphql::resolver_utils::enum_value;
use async_graphql::{Context, Enum, ID, InputObject, Object, OutputType, Result, ScalarType, SimpleObject, Value};
use chrono::{DateTime, Utc};
use entity::enums::EmailVerificationState;
use entity::{group, user};

use super::{PAGE_SIZE, db_error, eq_or_in, given, given_id, next_cursor, offset, sorts, viewers_organization};
use crate::access::decision::{Action, OrgArea};
use crate::domain::customer_administration::{
    self as ca, GroupKey, MemberFilter, OrganizationGroupFilter, SortBy, UserKey,
};
use crate::domain::user_management::UserFilter;
use crate::graphql::context::{loaders, services, viewer};
use crate::graphql::error::{ErrorClass, storage};
use crate::graphql::fast_rows::{self, FastRow, Rows};
use crate::graphql::guard::{Can, can};
use crate::graphql::user_management::{PageGroups, count, intersect, type_name_and_id, user_ids};

// ---------------------------------------------------------------------------------------------
// Users

#[derive(InputObject)]
pub struct MultiTenantIdentityUserFilterInput {
    pub authentication_domain_id: MultiTenantIdentityAuthenticationDomainIdInput,
    pub email: Option<MultiTenantIdentityUserEmailInput>,
    pub email_verification_state: Option<MultiTenantIdentityEmailVerificationStateInput>,
    pub group_id: Option<MultiTenantIdentityUserGroupIdInput>,
    pub id: Option<MultiTenantIdentityUserIdInput>,
    pub name: Option<MultiTenantIdentityUserNameInput>,
    pub pending_upgrade_request: Option<MultiTenantIdentityPendingUpgradeRequestInput>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityAuthenticationDomainIdInput {
    pub eq: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityUserEmailInput {
    pub contains: Option<String>,
    pub eq: Option<String>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityEmailVerificationStateInput {
    pub pending: Option<bool>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityUserGroupIdInput {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
    pub not: Option<MultiTenantIdentityUserNotGroupIdInput>,
}

#[derive(InputObject)]
pub struct MultiTenantIdentityUserNotGroupIdInput {
    pub eq: ID,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityUserIdInput {
    pub eq: Option<ID>,
    pub r#in: Option<Vec<ID>>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityUserNameInput {
    pub contains: Option<String>,
    pub eq: Option<String>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityPendingUpgradeRequestInput {
    pub exists: Option<bool>,
}

#[derive(InputObject)]
pub struct MultiTenantIdentityUserSortInput {
    pub direction: Option<MultiTenantIdentitySortDirection>,
    pub key: Option<MultiTenantIdentityUserSortKey>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantIdentitySortDirection {
    Ascending,
    Descending,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantIdentityUserSortKey {
    Email,
    Id,
    LastActive,
    Name,
    Type,
}

impl MultiTenantIdentityUserIdInput {
    /// The user ids allowed (numeric strings; any other id matches nobody).
    fn ids(self) -> Option<Vec<i64>> {
        let eq = given_id(self.eq).map(|id| user_ids(vec![ID(id)]));
        intersect(eq, self.r#in.map(user_ids))
    }
}

impl MultiTenantIdentityUserFilterInput {
    /// The domain filter: user management's filter plus group membership.
    fn into_filter(self) -> MemberFilter {
        let email = self.email.unwrap_or_default();
        let name = self.name.unwrap_or_default();
        let groups = self.group_id.unwrap_or_default();
        MemberFilter {
            user: UserFilter {
                email_eq: given(email.eq),
                email_contains: given(email.contains),
                name_eq: given(name.eq),
                name_contains: given(name.contains),
                ids: self.id.unwrap_or_default().ids(),
                email_pending: self.email_verification_state.and_then(|s| s.pending),
                pending_upgrade_exists: self.pending_upgrade_request.and_then(|p| p.exists),
                user_type: None,
            },
            in_groups: eq_or_in(groups.eq, groups.r#in),
            not_in_group: given_id(groups.not.map(|n| n.eq)),
        }
    }
}

impl MultiTenantIdentityUserSortInput {
    fn sort_by(self) -> Option<SortBy<UserKey>> {
        let key = match self.key? {
            MultiTenantIdentityUserSortKey::Email => UserKey::Email,
            MultiTenantIdentityUserSortKey::Id => UserKey::Id,
            MultiTenantIdentityUserSortKey::LastActive => UserKey::LastActive,
            MultiTenantIdentityUserSortKey::Name => UserKey::Name,
            MultiTenantIdentityUserSortKey::Type => UserKey::Type,
        };
        Some(SortBy { key, descending: self.direction == Some(MultiTenantIdentitySortDirection::Descending) })
    }
}

// Rows' types resolve their fields one after another: see `UserManagementUsers`.
#[derive(SimpleObject, Default)]
#[graphql(serial)]
pub struct MultiTenantIdentityUserCollection {
    pub items: Rows<MultiTenantIdentityUser>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantIdentityEmailVerificationState {
    NotVerifiable,
    Pending,
    Verified,
}

#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct MultiTenantIdentityUserType {
    pub id: ID,
    pub name: String,
}

impl FastRow for MultiTenantIdentityUserType {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        fast_rows::object(selection, &Self::type_name(), |field| match field.name.node.as_str() {
            "id" => Some(Value::String(self.id.0.clone())),
            "name" => Some(Value::String(self.name.clone())),
            _ => None,
        })
    }
}

impl From<entity::enums::UserType> for MultiTenantIdentityUserType {
    fn from(user_type: entity::enums::UserType) -> Self {
        let (name, id) = type_name_and_id(user_type);
        MultiTenantIdentityUserType { id: ID(id.into()), name: name.into() }
    }
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct MultiTenantIdentityPendingUpgradeRequest {
    pub id: ID,
    pub message: Option<String>,
    pub requested_user_type: Option<MultiTenantIdentityUserType>,
}

impl FastRow for MultiTenantIdentityPendingUpgradeRequest {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        fast_rows::object(selection, &Self::type_name(), |field| match field.name.node.as_str() {
            "id" => Some(Value::String(self.id.0.clone())),
            "message" => Some(self.message.clone().map_or(Value::Null, Value::String)),
            "requestedUserType" => match &self.requested_user_type {
                Some(requested) => requested.fast_value(&field.selection_set.node),
                None => Some(Value::Null),
            },
            _ => None,
        })
    }
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct MultiTenantIdentityUserGroups {
    pub items: Vec<MultiTenantIdentityUserGroup>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct MultiTenantIdentityUserGroup {
    pub id: ID,
    pub name: String,
}

impl MultiTenantIdentityUserGroups {
    fn of<'a>(groups: impl Iterator<Item = &'a group::Model>) -> Self {
        let items: Vec<MultiTenantIdentityUserGroup> = groups
            .map(|g| MultiTenantIdentityUserGroup { id: ID(g.id.clone()), name: g.display_name.clone() })
            .collect();
        MultiTenantIdentityUserGroups { total_count: count(items.len() as u64), items, next_cursor: None }
    }
}

impl FastRow for MultiTenantIdentityUserGroups {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        fast_rows::object(selection, &Self::type_name(), |field| match field.name.node.as_str() {
            "items" => fast_rows::list(&self.items, |group| {
                fast_rows::object(&field.selection_set.node, &MultiTenantIdentityUserGroup::type_name(), |field| {
                    match field.name.node.as_str() {
                        "id" => Some(Value::String(group.id.0.clone())),
                        "name" => Some(Value::String(group.name.clone())),
                        _ => None,
                    }
                })
            }),
            "nextCursor" => Some(self.next_cursor.clone().map_or(Value::Null, Value::String)),
            "totalCount" => Some(Value::from(self.total_count)),
            _ => None,
        })
    }
}

/// A user, and the groups its page kept for it (`PageGroups`).
pub struct MultiTenantIdentityUser(pub Arc<user::Model>, pub Option<Arc<[group::Model]>>);

impl MultiTenantIdentityUser {
    fn email_verification_state_value(&self) -> MultiTenantIdentityEmailVerificationState {
        match self.0.email_verification_state {
            EmailVerificationState::NotVerifiable => MultiTenantIdentityEmailVerificationState::NotVerifiable,
            EmailVerificationState::Pending => MultiTenantIdentityEmailVerificationState::Pending,
            EmailVerificationState::Verified => MultiTenantIdentityEmailVerificationState::Verified,
        }
    }

    fn pending_upgrade(&self) -> Option<MultiTenantIdentityPendingUpgradeRequest> {
        self.0.pending_upgrade_type.map(|requested| MultiTenantIdentityPendingUpgradeRequest {
            id: ID(self.0.id.to_string()),
            message: self.0.pending_upgrade_message.clone(),
            requested_user_type: Some(requested.into()),
        })
    }
}

impl FastRow for MultiTenantIdentityUser {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        let user = &self.0;
        fast_rows::object(selection, &Self::type_name(), |field| {
            Some(match field.name.node.as_str() {
                "authenticationDomainId" => Value::String(user.authentication_domain_id.clone()),
                "email" => Value::String(user.email.clone()),
                "emailVerificationState" => enum_value(self.email_verification_state_value()),
                "groups" if field.arguments.is_empty() => {
                    MultiTenantIdentityUserGroups::of(self.1.as_ref()?.iter()).fast_value(&field.selection_set.node)?
                }
                "id" => Value::String(user.id.to_string()),
                "lastActive" => user.last_active.as_ref().map_or(Value::Null, ScalarType::to_value),
                "name" => Value::String(user.name.clone()),
                "pendingUpgradeRequest" => match self.pending_upgrade() {
                    Some(request) => request.fast_value(&field.selection_set.node)?,
                    None => Value::Null,
                },
                "timeZone" => Value::String(user.time_zone.clone()),
                "type" => MultiTenantIdentityUserType::from(user.user_type).fast_value(&field.selection_set.node)?,
                _ => return None,
            })
        })
    }
}

#[Object(serial)]
impl MultiTenantIdentityUser {
    async fn authentication_domain_id(&self) -> ID {
        ID(self.0.authentication_domain_id.clone())
    }

    async fn email(&self) -> Option<&str> {
        Some(&self.0.email)
    }

    async fn email_verification_state(&self) -> MultiTenantIdentityEmailVerificationState {
        self.email_verification_state_value()
    }

    /// The user's groups (one page holds them all).
    #[graphql(guard = "Can(Action::Read(OrgArea::Groups))")]
    async fn groups(&self, ctx: &Context<'_>, cursor: Option<String>) -> Result<Option<MultiTenantIdentityUserGroups>> {
        let _ = cursor;
        let groups = PageGroups::or_loaded(ctx, self.1.as_ref(), self.0.id).await?;
        Ok(Some(MultiTenantIdentityUserGroups::of(groups.iter())))
    }

    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn last_active(&self) -> Option<DateTime<Utc>> {
        self.0.last_active
    }

    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    async fn pending_upgrade_request(&self) -> Option<MultiTenantIdentityPendingUpgradeRequest> {
        self.pending_upgrade()
    }

    async fn time_zone(&self) -> Option<&str> {
        Some(&self.0.time_zone)
    }

    async fn r#type(&self) -> MultiTenantIdentityUserType {
        self.0.user_type.into()
    }
}

/// `customerAdministration.users`: the users of one of the viewer's organization's domains.
pub(super) async fn users(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: MultiTenantIdentityUserFilterInput,
    sort: Option<Vec<MultiTenantIdentityUserSortInput>>,
) -> Result<MultiTenantIdentityUserCollection> {
    let offset = offset(cursor.as_deref())?;
    let Some(domain_id) = given_id(filter.authentication_domain_id.eq.clone()) else {
        return Err(ErrorClass::BadUserInput.error("filter.authenticationDomainId.eq is required"));
    };
    let organization_id = viewer(ctx)?.organization_id().to_owned();
    let filter = filter.into_filter();
    let sort = sorts(sort, MultiTenantIdentityUserSortInput::sort_by);
    let page = ca::users(&services(ctx)?.reads, &organization_id, &domain_id, &filter, &sort, offset, PAGE_SIZE)
        .await
        .map_err(db_error)?;
    let groups = PageGroups::load(ctx, &page.items, ctx.look_ahead().field("items").field("groups").exists()).await?;
    let row = |user: user::Model| {
        let kept = groups.of(user.id);
        MultiTenantIdentityUser(Arc::new(user), kept)
    };
    Ok(MultiTenantIdentityUserCollection {
        next_cursor: next_cursor(offset, page.has_more),
        total_count: count(page.total),
        items: Rows(page.items.into_iter().map(row).collect()),
    })
}

// ---------------------------------------------------------------------------------------------
// Groups

#[derive(InputObject)]
pub struct MultiTenantIdentityGroupFilterInput {
    pub allows_capability: Option<MultiTenantIdentityAllowsCapabilityInput>,
    pub authentication_domain_id: Option<MultiTenantIdentityAuthenticationDomainIdInput>,
    pub id: Option<MultiTenantIdentityGroupIdInput>,
    pub members: Option<MultiTenantIdentityGroupMemberIdInput>,
    pub name: Option<MultiTenantIdentityGroupNameInput>,
    pub organization_id: MultiTenantIdentityOrganizationIdInput,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityAllowsCapabilityInput {
    pub r#in: Option<Vec<MultiTenantIdentityCapability>>,
}

/// What the viewer may do to a group.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantIdentityCapability {
    DeleteGroup,
    GrantGroupMembership,
    RevokeGroupMembership,
    UpdateGroupName,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityGroupIdInput {
    pub eq: Option<ID>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityGroupMemberIdInput {
    pub contains: Option<Vec<ID>>,
    pub excludes: Option<Vec<ID>>,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityGroupNameInput {
    pub contains: Option<String>,
    pub eq: Option<String>,
}

#[derive(InputObject)]
pub struct MultiTenantIdentityOrganizationIdInput {
    pub eq: ID,
}

#[derive(InputObject)]
pub struct MultiTenantIdentityGroupSortInput {
    pub direction: Option<MultiTenantIdentitySortDirection>,
    pub key: Option<MultiTenantIdentitySortKeyEnum>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum MultiTenantIdentitySortKeyEnum {
    AuthenticationDomainId,
    Id,
    Name,
}

impl MultiTenantIdentityGroupFilterInput {
    /// The domain filter. `allowsCapability` asks for groups the viewer may change: with the manage
    /// groups capability, those of manually provisioned domains (SCIM owns the others); without it,
    /// none (`None`). A required member that cannot be a user (not a number) matches no group.
    fn into_filter(self, may_manage_groups: bool) -> Option<OrganizationGroupFilter> {
        let wants_changes = self.allows_capability.and_then(|c| c.r#in).is_some_and(|caps| !caps.is_empty());
        if wants_changes && !may_manage_groups {
            return None;
        }
        let name = self.name.unwrap_or_default();
        let members = self.members.unwrap_or_default();
        let required = members.contains.unwrap_or_default();
        let with_members = user_ids(required.clone());
        if with_members.len() != required.len() {
            return None;
        }
        Some(OrganizationGroupFilter {
            domain_id: given_id(self.authentication_domain_id.and_then(|d| d.eq)),
            id: given_id(self.id.and_then(|i| i.eq)),
            name_eq: given(name.eq),
            name_contains: given(name.contains),
            with_members,
            without_members: members.excludes.map(user_ids).unwrap_or_default(),
            editable_only: wants_changes,
        })
    }
}

impl MultiTenantIdentityGroupSortInput {
    fn sort_by(self) -> Option<SortBy<GroupKey>> {
        let key = match self.key? {
            MultiTenantIdentitySortKeyEnum::AuthenticationDomainId => GroupKey::AuthenticationDomainId,
            MultiTenantIdentitySortKeyEnum::Id => GroupKey::Id,
            MultiTenantIdentitySortKeyEnum::Name => GroupKey::Name,
        };
        Some(SortBy { key, descending: self.direction == Some(MultiTenantIdentitySortDirection::Descending) })
    }
}

#[derive(SimpleObject, Default)]
pub struct MultiTenantIdentityGroupCollection {
    pub items: Vec<MultiTenantIdentityGroup>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

#[derive(InputObject, Default)]
pub struct MultiTenantIdentityGroupUserFilterInput {
    pub id: Option<MultiTenantIdentityUserIdInput>,
}

#[derive(SimpleObject)]
pub struct MultiTenantIdentityGroupUsers {
    pub items: Vec<MultiTenantIdentityGroupUser>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

#[derive(SimpleObject)]
pub struct MultiTenantIdentityGroupUser {
    pub email: String,
    pub id: ID,
    pub name: String,
    pub time_zone: Option<String>,
}

pub struct MultiTenantIdentityGroup(pub group::Model);

#[Object]
impl MultiTenantIdentityGroup {
    async fn authentication_domain_id(&self) -> ID {
        ID(self.0.authentication_domain_id.clone())
    }

    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self) -> &str {
        &self.0.display_name
    }

    /// The group's active members (one page holds them all).
    #[graphql(guard = "Can(Action::Read(OrgArea::Users))")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: Option<MultiTenantIdentityGroupUserFilterInput>,
    ) -> Result<Option<MultiTenantIdentityGroupUsers>> {
        let _ = cursor;
        let ids = filter.unwrap_or_default().id.unwrap_or_default().ids();
        let members = loaders(ctx)?.group_users.load_one(self.0.id.clone()).await.map_err(storage)?.unwrap_or_default();
        let items: Vec<MultiTenantIdentityGroupUser> = members
            .iter()
            .filter(|u| u.active && ids.as_ref().is_none_or(|ids| ids.contains(&u.id)))
            .map(|u| MultiTenantIdentityGroupUser {
                email: u.email.clone(),
                id: ID(u.id.to_string()),
                name: u.name.clone(),
                time_zone: Some(u.time_zone.clone()),
            })
            .collect();
        Ok(Some(MultiTenantIdentityGroupUsers { total_count: count(items.len() as u64), items, next_cursor: None }))
    }
}

/// `customerAdministration.groups`: the groups of the viewer's organization.
pub(super) async fn groups(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: MultiTenantIdentityGroupFilterInput,
    sort: Option<Vec<MultiTenantIdentityGroupSortInput>>,
) -> Result<MultiTenantIdentityGroupCollection> {
    let offset = offset(cursor.as_deref())?;
    let Some(organization_id) = viewers_organization(ctx, &filter.organization_id.eq)? else {
        return Ok(MultiTenantIdentityGroupCollection::default());
    };
    let may_manage = can(ctx, Action::Manage(OrgArea::Groups)).await?;
    let Some(filter) = filter.into_filter(may_manage) else {
        return Ok(MultiTenantIdentityGroupCollection::default());
    };
    let sort = sorts(sort, MultiTenantIdentityGroupSortInput::sort_by);
    let page =
        ca::groups(&services(ctx)?.db, &organization_id, &filter, &sort, offset, PAGE_SIZE).await.map_err(db_error)?;
    // Prime the members loader with the whole page when members are asked for.
    if ctx.look_ahead().field("items").field("users").exists() {
        let ids: Vec<String> = page.items.iter().map(|g| g.id.clone()).collect();
        loaders(ctx)?.group_users.load_many(ids).await.map_err(storage)?;
    }
    Ok(MultiTenantIdentityGroupCollection {
        next_cursor: next_cursor(offset, page.has_more),
        total_count: count(page.total),
        items: page.items.into_iter().map(MultiTenantIdentityGroup).collect(),
    })
}
