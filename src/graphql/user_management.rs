//! `actor.organization.userManagement`: authentication domains, their users and groups.
//!
//! Page sizes are NerdGraph's: 10 authentication domains, 500 users (and 500 groups) a page.
//! A user's groups and a group's users come from batched loaders primed with every id of the page,
//! so a page of 500 users costs the same number of statements as a page of 5.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::parser::types::SelectionSet;
use async_graphql::{
    Context, Enum, Guard as _, ID, InputObject, Object, OutputType, Result, ScalarType, SimpleObject, Value,
};
use chrono::{DateTime, Utc};
use entity::enums::{EmailVerificationState, UserType};
use entity::{authentication_domain, group, user};
use sea_orm::DbErr;

use super::context::{loaders, services};
use super::error::storage;
use super::fast_rows::{self, FastRow, Rows};
use super::guard::Can;
use super::pagination;
use crate::access::decision::{Action, OrgArea};
use crate::domain::reads::Reads;
use crate::domain::user_management::{self as um, GroupFilter, GroupOrder, UserFilter};

const DOMAINS_PAGE: u64 = 10;
const USERS_PAGE: u64 = 500;
const GROUPS_PAGE: u64 = 500;

pub struct UserManagement {
    pub organization_id: String,
}

#[Object(name = "UserManagementOrganizationStitchedFields")]
impl UserManagement {
    /// The organization's authentication domains, 10 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::AuthenticationDomains))")]
    async fn authentication_domains(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        id: Option<Vec<ID>>,
    ) -> Result<Option<UserManagementAuthenticationDomains>> {
        let ids: Option<Vec<String>> = id.map(|ids| ids.into_iter().map(|i| i.0).collect());
        let page = domains_page(ctx, &self.organization_id, cursor.as_deref(), ids.as_deref()).await?;
        Ok(Some(UserManagementAuthenticationDomains {
            authentication_domains: page.items.into_iter().map(UserManagementAuthenticationDomain).collect(),
            next_cursor: page.next_cursor,
            total_count: page.total_count,
        }))
    }

    /// The user types, with the ids and display names NerdGraph uses.
    async fn types(&self) -> Option<Vec<UserManagementOrganizationUserType>> {
        Some(
            [UserType::Basic, UserType::Core, UserType::Full]
                .into_iter()
                .map(|t| {
                    let (display_name, id) = type_name_and_id(t);
                    UserManagementOrganizationUserType { display_name: display_name.into(), id: ID(id.into()) }
                })
                .collect(),
        )
    }
}

/// A row count as NerdGraph's `Int` (saturating).
/// A page of the organization's authentication domains (10 a page, keyset cursor), shared by
/// `userManagement` and `authorizationManagement`.
pub(crate) struct DomainsPage {
    pub items: Vec<authentication_domain::Model>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

pub(crate) async fn domains_page(
    ctx: &Context<'_>,
    organization_id: &str,
    cursor: Option<&str>,
    ids: Option<&[String]>,
) -> Result<DomainsPage> {
    let after = cursor.map(pagination::decode).transpose()?;
    let page = um::authentication_domains(&services(ctx)?.db, organization_id, ids, after.as_deref(), DOMAINS_PAGE)
        .await
        .map_err(|e| storage(Arc::new(e)))?;
    let next_cursor = page.has_more.then(|| page.items.last().map(|d| pagination::encode(&d.id))).flatten();
    Ok(DomainsPage { items: page.items, next_cursor, total_count: count(page.total) })
}

pub(crate) fn count(total: u64) -> i32 {
    i32::try_from(total).unwrap_or(i32::MAX)
}

/// NerdGraph's display name and id of a user type. Terraform maps the names back to tiers.
pub fn type_name_and_id(user_type: UserType) -> (&'static str, &'static str) {
    match user_type {
        UserType::Basic => ("Basic", "1"),
        UserType::Core => ("Core", "2"),
        UserType::Full => ("Full platform", "3"),
    }
}

#[derive(SimpleObject)]
pub struct UserManagementOrganizationUserType {
    display_name: String,
    id: ID,
}

#[derive(SimpleObject)]
pub struct UserManagementAuthenticationDomains {
    authentication_domains: Vec<UserManagementAuthenticationDomain>,
    next_cursor: Option<String>,
    total_count: i32,
}

pub struct UserManagementAuthenticationDomain(authentication_domain::Model);

#[derive(InputObject, Default)]
pub struct UserManagementEmailInput {
    contains: Option<String>,
    eq: Option<String>,
}

#[derive(InputObject, Default)]
pub struct UserManagementNameInput {
    contains: Option<String>,
    eq: Option<String>,
}

#[derive(InputObject, Default)]
pub struct UserManagementUserIdInput {
    eq: Option<ID>,
    r#in: Option<Vec<ID>>,
}

#[derive(InputObject)]
pub struct UserManagementEmailVerificationStateInput {
    pending: bool,
}

#[derive(InputObject)]
pub struct UserManagementPendingUpgradeRequestInput {
    exists: bool,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum UserManagementTypeEnum {
    Basic,
    Core,
    FullPlatform,
}

#[derive(InputObject)]
pub struct UserManagementTypeInput {
    eq: UserManagementTypeEnum,
}

#[derive(InputObject, Default)]
pub struct UserManagementUserFilterInput {
    email: Option<UserManagementEmailInput>,
    email_verification_state: Option<UserManagementEmailVerificationStateInput>,
    id: Option<UserManagementUserIdInput>,
    name: Option<UserManagementNameInput>,
    pending_upgrade_request: Option<UserManagementPendingUpgradeRequestInput>,
    r#type: Option<UserManagementTypeInput>,
}

#[derive(InputObject, Default)]
pub struct UserManagementDisplayNameInput {
    contains: Option<String>,
    eq: Option<String>,
}

#[derive(InputObject, Default)]
pub struct UserManagementGroupIdInput {
    eq: Option<ID>,
    r#in: Option<Vec<ID>>,
}

#[derive(InputObject, Default)]
pub struct UserManagementGroupFilterInput {
    display_name: Option<UserManagementDisplayNameInput>,
    id: Option<UserManagementGroupIdInput>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum UserManagementGroupSortKey {
    DisplayName,
    Id,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum UserManagementSortDirection {
    Ascending,
    Descending,
}

#[derive(InputObject)]
pub struct UserManagementGroupSortInput {
    direction: Option<UserManagementSortDirection>,
    key: Option<UserManagementGroupSortKey>,
}

/// Intersects id constraints: `None` is no constraint.
pub(crate) fn intersect<T: PartialEq + Clone>(a: Option<Vec<T>>, b: Option<Vec<T>>) -> Option<Vec<T>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.into_iter().filter(|x| b.contains(x)).collect()),
        (a, b) => a.or(b),
    }
}

/// User ids as NerdGraph sends them (numeric strings); one that is not a number matches no user.
pub(crate) fn user_ids(ids: Vec<ID>) -> Vec<i64> {
    ids.iter().filter_map(|id| id.0.trim().parse().ok()).collect()
}

impl UserManagementUserFilterInput {
    fn into_filter(self, id_arg: Option<Vec<ID>>) -> UserFilter {
        let email = self.email.unwrap_or_default();
        let name = self.name.unwrap_or_default();
        let id = self.id.unwrap_or_default();
        let ids = intersect(intersect(id.eq.map(|i| user_ids(vec![i])), id.r#in.map(user_ids)), id_arg.map(user_ids));
        UserFilter {
            email_eq: email.eq,
            email_contains: email.contains,
            name_eq: name.eq,
            name_contains: name.contains,
            ids,
            email_pending: self.email_verification_state.map(|s| s.pending),
            pending_upgrade_exists: self.pending_upgrade_request.map(|p| p.exists),
            user_type: self.r#type.map(|t| match t.eq {
                UserManagementTypeEnum::Basic => UserType::Basic,
                UserManagementTypeEnum::Core => UserType::Core,
                UserManagementTypeEnum::FullPlatform => UserType::Full,
            }),
        }
    }
}

#[Object]
impl UserManagementAuthenticationDomain {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    /// `manual` or `scim`.
    async fn provisioning_type(&self) -> String {
        self.0.provisioning_type.as_str().to_lowercase()
    }

    /// The domain's users, 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::Users))")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: Option<UserManagementUserFilterInput>,
        id: Option<Vec<ID>>,
    ) -> Result<Option<UserManagementUsers>> {
        let after = cursor.as_deref().map(pagination::decode_number::<i64>).transpose()?;
        let filter = filter.unwrap_or_default().into_filter(id);
        let page = um::users(&services(ctx)?.reads, &self.0.id, &filter, after, USERS_PAGE)
            .await
            .map_err(|e| storage(Arc::new(e)))?;
        let asked = ctx.look_ahead().field("users").field("groups").exists();
        let groups = PageGroups::load(ctx, &page.items, asked).await?;
        let next_cursor =
            page.has_more.then(|| page.items.last().map(|u| pagination::encode(&u.id.to_string()))).flatten();
        Ok(Some(UserManagementUsers {
            users: Rows(
                page.items
                    .into_iter()
                    .map(|u| {
                        let kept = groups.of(u.id);
                        UserManagementUser(Arc::new(u), kept)
                    })
                    .collect(),
            ),
            next_cursor,
            total_count: count(page.total),
        }))
    }

    /// The domain's groups, 500 a page.
    #[graphql(guard = "Can(Action::Read(OrgArea::Groups))")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        filter: Option<UserManagementGroupFilterInput>,
        id: Option<Vec<ID>>,
        sort: Option<Vec<UserManagementGroupSortInput>>,
    ) -> Result<Option<UserManagementGroups>> {
        let offset = cursor.as_deref().map(pagination::decode_number::<u64>).transpose()?.unwrap_or(0);
        let filter = filter.unwrap_or_default();
        let name = filter.display_name.unwrap_or_default();
        let fid = filter.id.unwrap_or_default();
        let to_strings = |ids: Vec<ID>| ids.into_iter().map(|i| i.0).collect::<Vec<_>>();
        let ids = intersect(intersect(fid.eq.map(|i| vec![i.0]), fid.r#in.map(to_strings)), id.map(to_strings));
        let group_filter = GroupFilter { display_name_eq: name.eq, display_name_contains: name.contains, ids };
        let first_sort = sort.and_then(|s| s.into_iter().next());
        let order = match first_sort.as_ref().and_then(|s| s.key) {
            Some(UserManagementGroupSortKey::DisplayName) => GroupOrder::DisplayName,
            _ => GroupOrder::Id,
        };
        let descending = first_sort.and_then(|s| s.direction) == Some(UserManagementSortDirection::Descending);
        let page = um::groups(&services(ctx)?.db, &self.0.id, &group_filter, order, descending, offset, GROUPS_PAGE)
            .await
            .map_err(|e| storage(Arc::new(e)))?;
        if ctx.look_ahead().field("groups").field("users").exists() {
            let ids: Vec<String> = page.items.iter().map(|g| g.id.clone()).collect();
            loaders(ctx)?.group_users.load_many(ids).await.map_err(storage)?;
        }
        let next_cursor = page.has_more.then(|| pagination::encode(&(offset + GROUPS_PAGE).to_string()));
        Ok(Some(UserManagementGroups {
            groups: page.items.into_iter().map(UserManagementGroup).collect(),
            next_cursor,
            total_count: count(page.total),
        }))
    }
}

// The types of a page's rows resolve their fields one after another (`serial`). In the default,
// parallel resolution every field of every object is a task of its own in a `FuturesUnordered`;
// a row's fields are ready at once or wait on one loader, so that bought nothing, and it cost a
// task per field: 5,000 for the benchmark's 500-user page (ten fields a user). Lists still resolve
// their rows together, so a field's loader still batches the whole page.
#[derive(SimpleObject)]
#[graphql(serial)]
pub struct UserManagementUsers {
    users: Rows<UserManagementUser>,
    next_cursor: Option<String>,
    total_count: i32,
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct UserManagementGroups {
    groups: Vec<UserManagementGroup>,
    next_cursor: Option<String>,
    total_count: i32,
}

/// The groups of a page's users. When the page's rows' `groups` are asked for, they are loaded
/// for the whole page at once (which primes the groups loader), and kept for the rows when the
/// viewer may read groups: the rows' `groups` guard depends on the viewer alone, so it is decided
/// once for the page, and each row's fast resolution (`fast_rows`) has its groups at hand.
pub(crate) struct PageGroups(Option<HashMap<i64, Arc<[group::Model]>>>);

impl PageGroups {
    /// The groups of `users`, when `asked` for.
    pub(crate) async fn load(ctx: &Context<'_>, users: &[user::Model], asked: bool) -> Result<Self> {
        if !asked {
            return Ok(PageGroups(None));
        }
        let ids: Vec<i64> = users.iter().map(|u| u.id).collect();
        let loaded = loaders(ctx)?.user_groups.load_many(ids).await.map_err(storage)?;
        let readable = Can(Action::Read(OrgArea::Groups)).check(ctx).await.is_ok();
        Ok(PageGroups(readable.then_some(loaded)))
    }

    /// What the row of `user_id` keeps (`None`: its `groups` goes through the guard and the loader).
    pub(crate) fn of(&self, user_id: i64) -> Option<Arc<[group::Model]>> {
        self.0.as_ref().map(|groups| groups.get(&user_id).cloned().unwrap_or_default())
    }

    /// The groups of `user_id`: those its row kept, or the loader's.
    pub(crate) async fn or_loaded(
        ctx: &Context<'_>,
        kept: Option<&Arc<[group::Model]>>,
        user_id: i64,
    ) -> Result<Arc<[group::Model]>> {
        Ok(match kept {
            Some(groups) => groups.clone(),
            // Boxed: every field's future of a user is as large as the largest.
            None => Box::pin(loaders(ctx)?.user_groups.load_one(user_id)).await.map_err(storage)?.unwrap_or_default(),
        })
    }
}

/// A user, and the groups its page kept for it ([`PageGroups`]).
pub struct UserManagementUser(pub Arc<user::Model>, pub Option<Arc<[group::Model]>>);

impl UserManagementUser {
    pub fn new(user: Arc<user::Model>) -> Self {
        UserManagementUser(user, None)
    }

    /// `Pending`, `Verified` or `Not Verifiable`.
    fn email_verification_state_name(&self) -> &'static str {
        match self.0.email_verification_state {
            EmailVerificationState::Pending => "Pending",
            EmailVerificationState::Verified => "Verified",
            EmailVerificationState::NotVerifiable => "Not Verifiable",
        }
    }

    fn pending_upgrade(&self) -> Option<UserManagementPendingUpgradeRequest> {
        self.0.pending_upgrade_type.map(|requested| UserManagementPendingUpgradeRequest {
            id: ID(self.0.id.to_string()),
            message: self.0.pending_upgrade_message.clone(),
            requested_user_type: Some(requested.into()),
        })
    }
}

impl FastRow for UserManagementUser {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        let user = &self.0;
        fast_rows::object(selection, &Self::type_name(), |field| {
            Some(match field.name.node.as_str() {
                "id" => Value::String(user.id.to_string()),
                "email" => Value::String(user.email.clone()),
                "name" => Value::String(user.name.clone()),
                "emailVerificationState" => Value::String(self.email_verification_state_name().to_owned()),
                "lastActive" => user.last_active.as_ref().map_or(Value::Null, ScalarType::to_value),
                "timeZone" => Value::String(user.time_zone.clone()),
                "type" => UserManagementUserType::from(user.user_type).fast_value(&field.selection_set.node)?,
                "pendingUpgradeRequest" => match self.pending_upgrade() {
                    Some(request) => request.fast_value(&field.selection_set.node)?,
                    None => Value::Null,
                },
                "groups" if field.arguments.is_empty() => {
                    user_groups(self.1.as_ref()?.iter()).fast_value(&field.selection_set.node)?
                }
                _ => return None,
            })
        })
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct UserManagementUserType {
    display_name: String,
    id: ID,
}

impl FastRow for UserManagementUserType {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        display_name_and_id(selection, &Self::type_name(), &self.display_name, &self.id)
    }
}

/// The value of an object of two fields, `displayName` and `id` (a user's type, one of their
/// groups), for `selection`.
fn display_name_and_id(selection: &SelectionSet, type_name: &str, display_name: &str, id: &str) -> Option<Value> {
    fast_rows::object(selection, type_name, |field| match field.name.node.as_str() {
        "displayName" => Some(Value::String(display_name.to_owned())),
        "id" => Some(Value::String(id.to_owned())),
        _ => None,
    })
}

impl From<UserType> for UserManagementUserType {
    fn from(user_type: UserType) -> Self {
        let (display_name, id) = type_name_and_id(user_type);
        UserManagementUserType { display_name: display_name.into(), id: ID(id.into()) }
    }
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct UserManagementPendingUpgradeRequest {
    id: ID,
    message: Option<String>,
    requested_user_type: Option<UserManagementUserType>,
}

impl FastRow for UserManagementPendingUpgradeRequest {
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
pub struct UserManagementUserGroups {
    groups: Vec<UserManagementUserGroup>,
    next_cursor: Option<String>,
    total_count: i32,
}

impl FastRow for UserManagementUserGroups {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        fast_rows::object(selection, &Self::type_name(), |field| match field.name.node.as_str() {
            "groups" => fast_rows::list(&self.groups, |group| group.fast_value(&field.selection_set.node)),
            "nextCursor" => Some(self.next_cursor.clone().map_or(Value::Null, Value::String)),
            "totalCount" => Some(Value::from(self.total_count)),
            _ => None,
        })
    }
}

/// The groups of a user, as `groups` answers them.
fn user_groups<'a>(groups: impl Iterator<Item = &'a group::Model>) -> UserManagementUserGroups {
    let groups: Vec<UserManagementUserGroup> = groups
        .map(|g| UserManagementUserGroup { display_name: g.display_name.clone(), id: ID(g.id.clone()) })
        .collect();
    UserManagementUserGroups { total_count: count(groups.len() as u64), groups, next_cursor: None }
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct UserManagementUserGroup {
    display_name: String,
    id: ID,
}

impl FastRow for UserManagementUserGroup {
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value> {
        display_name_and_id(selection, &Self::type_name(), &self.display_name, &self.id)
    }
}

/// Keeps the groups whose id is in `ids` (all when `None`).
fn only_ids<T>(items: Vec<T>, ids: Option<&[ID]>, id_of: impl Fn(&T) -> &str) -> Vec<T> {
    match ids {
        Some(ids) => items.into_iter().filter(|i| ids.iter().any(|id| id.0 == id_of(i))).collect(),
        None => items,
    }
}

#[Object(serial)]
impl UserManagementUser {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    async fn email(&self) -> Option<&str> {
        Some(&self.0.email)
    }

    async fn name(&self) -> Option<&str> {
        Some(&self.0.name)
    }

    /// `Pending`, `Verified` or `Not Verifiable`.
    async fn email_verification_state(&self) -> &'static str {
        self.email_verification_state_name()
    }

    async fn last_active(&self) -> Option<DateTime<Utc>> {
        self.0.last_active
    }

    async fn time_zone(&self) -> Option<&str> {
        Some(&self.0.time_zone)
    }

    async fn r#type(&self) -> UserManagementUserType {
        self.0.user_type.into()
    }

    async fn pending_upgrade_request(&self) -> Option<UserManagementPendingUpgradeRequest> {
        self.pending_upgrade()
    }

    /// The user's groups (one page holds them all).
    #[graphql(guard = "Can(Action::Read(OrgArea::Groups))")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        id: Option<Vec<ID>>,
    ) -> Result<Option<UserManagementUserGroups>> {
        let _ = cursor;
        let groups = PageGroups::or_loaded(ctx, self.1.as_ref(), self.0.id).await?;
        Ok(Some(user_groups(only_ids(groups.iter().collect(), id.as_deref(), |g| &g.id).into_iter())))
    }
}

pub struct UserManagementGroup(pub group::Model);

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct UserManagementGroupUsers {
    users: Vec<UserManagementGroupUser>,
    next_cursor: Option<String>,
    total_count: i32,
}

#[derive(SimpleObject)]
#[graphql(serial)]
pub struct UserManagementGroupUser {
    email: String,
    id: ID,
    name: String,
    time_zone: String,
}

#[Object(serial)]
impl UserManagementGroup {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn display_name(&self) -> &str {
        &self.0.display_name
    }

    /// The group's members (one page holds them all).
    #[graphql(guard = "Can(Action::Read(OrgArea::Users))")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        id: Option<Vec<ID>>,
    ) -> Result<Option<UserManagementGroupUsers>> {
        let _ = cursor;
        let users = loaders(ctx)?.group_users.load_one(self.0.id.clone()).await.map_err(storage)?.unwrap_or_default();
        let users: Vec<UserManagementGroupUser> = users
            .iter()
            .filter(|u| id.as_ref().is_none_or(|ids| ids.iter().any(|i| i.0 == u.id.to_string())))
            .map(|u| UserManagementGroupUser {
                email: u.email.clone(),
                id: ID(u.id.to_string()),
                name: u.name.clone(),
                time_zone: u.time_zone.clone(),
            })
            .collect();
        Ok(Some(UserManagementGroupUsers { total_count: count(users.len() as u64), users, next_cursor: None }))
    }
}

/// The groups of each user, keyed by user id.
pub struct UserGroupsLoader(pub Reads);

impl Loader<i64> for UserGroupsLoader {
    type Value = Arc<[group::Model]>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<std::collections::HashMap<i64, Self::Value>, Self::Error> {
        // A batch's keys are distinct: each user's groups move out of the map, uncloned.
        let mut found = um::groups_of_users(&self.0, keys).await?;
        Ok(keys.iter().map(|k| (*k, found.remove(k).unwrap_or_default().into())).collect())
    }
}

/// The users of each group, keyed by group id.
pub struct GroupUsersLoader(pub Reads);

impl Loader<String> for GroupUsersLoader {
    type Value = Arc<[user::Model]>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<std::collections::HashMap<String, Self::Value>, Self::Error> {
        let mut found = um::users_of_groups(&self.0, keys).await?;
        Ok(keys.iter().map(|k| (k.clone(), found.remove(k).unwrap_or_default().into())).collect())
    }
}

#[cfg(test)]
mod tests {
    use async_graphql::parser::types::{DocumentOperations, Selection};
    use chrono::TimeZone;

    use super::*;

    /// The selection set of the first field of `query`'s only operation.
    fn rows_selection(query: &str) -> SelectionSet {
        let document = async_graphql::parser::parse_query(query).expect("parses");
        let DocumentOperations::Single(operation) = document.operations else { panic!("one operation") };
        let Selection::Field(field) = &operation.node.selection_set.node.items[0].node else { panic!("a field") };
        field.node.selection_set.node.clone()
    }

    fn user() -> user::Model {
        user::Model {
            id: 7,
            authentication_domain_id: "d".into(),
            email: "a@example.com".into(),
            email_lower: "a@example.com".into(),
            name: "A".into(),
            user_type: UserType::Core,
            time_zone: "Etc/UTC".into(),
            email_verification_state: EmailVerificationState::NotVerifiable,
            pending_upgrade_type: Some(UserType::Full),
            pending_upgrade_message: None,
            active: true,
            last_active: Some(Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()),
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    fn group(id: &str, name: &str) -> group::Model {
        group::Model {
            id: id.into(),
            authentication_domain_id: "d".into(),
            display_name: name.into(),
            is_default: false,
            created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn a_row_of_plain_fields_is_built_directly() {
        let groups: Arc<[group::Model]> = vec![group("g1", "Admin"), group("g2", "User")].into();
        let row = UserManagementUser(Arc::new(user()), Some(groups));
        let selection = rows_selection(
            "{ users { __typename id i: id email emailVerificationState lastActive type { displayName id }
               pendingUpgradeRequest { id message requestedUserType { id } }
               groups { totalCount nextCursor groups { id displayName } } } }",
        );
        let value = row.fast_value(&selection).expect("built directly").into_json().expect("JSON");
        assert_eq!(
            value,
            serde_json::json!({
                "__typename": "UserManagementUser", "id": "7", "i": "7", "email": "a@example.com",
                "emailVerificationState": "Not Verifiable", "lastActive": "2026-12-01T10:00:00+00:00",
                "type": {"displayName": "Core", "id": "2"},
                "pendingUpgradeRequest": {"id": "7", "message": null, "requestedUserType": {"id": "3"}},
                "groups": {"totalCount": 2, "nextCursor": null,
                           "groups": [{"id": "g1", "displayName": "Admin"}, {"id": "g2", "displayName": "User"}]},
            })
        );
    }

    #[test]
    fn anything_but_plain_known_fields_is_left_to_async_graphql() {
        let groups: Arc<[group::Model]> = Vec::new().into();
        let with_groups = UserManagementUser(Arc::new(user()), Some(groups));
        for query in [
            "{ users { ... on UserManagementUser { id } } }",
            "{ users { ...F } } fragment F on UserManagementUser { id }",
            "{ users { id @include(if: true) } }",
            "{ users { groups(id: [\"g1\"]) { totalCount } } }",
            "{ users { type { id } type { displayName } } }",
            "{ users { type { ... on UserManagementUserType { id } } } }",
        ] {
            let selection = rows_selection(query);
            assert_eq!(with_groups.fast_value(&selection), None, "{query}");
        }
        // Without the page's groups (the viewer may not read them), `groups` is left too.
        let without_groups = UserManagementUser::new(Arc::new(user()));
        assert_eq!(without_groups.fast_value(&rows_selection("{ users { groups { totalCount } } }")), None);
        assert!(without_groups.fast_value(&rows_selection("{ users { id } }")).is_some());
    }
}
