//! Reads for customer administration: an organization's accounts, authentication domains, users,
//! groups, roles, access grants and audit trail, and the capability catalog.
//!
//! Every read takes the organization it is scoped to (the caller passes the viewer's own) and
//! selects nothing of any other organization: an id of another organization's domain, group or
//! role simply matches nothing. Lists are pages of at most `limit` rows, `offset` rows in, sorted
//! by the given keys and then by id, so that pages are stable. The audit trail pages by key instead
//! (newest first), since events keep arriving while a client pages. What a row refers to (a grant's
//! role) is loaded for the whole page in one statement.

use std::collections::HashMap;

use entity::enums::{AccountStatus, ProvisioningType, RoleType, Scope};
use entity::{
    access_grant, account, audit_event, authentication_domain, capability, group, group_membership, organization, role,
    role_capability, user,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, IntoColumnRef, NullOrdering, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, Order, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};

use super::reads::ReadRows;
use super::rows;
use super::user_management::{Page, UserFilter, contains_pattern, page, page_read_by, users_matching};

/// One key a list is sorted by, and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortBy<K> {
    pub key: K,
    pub descending: bool,
}

fn direction(descending: bool) -> Order {
    if descending { Order::Desc } else { Order::Asc }
}

/// `LOWER(column)`: names sort and match without regard to case.
fn lower(column: impl IntoColumnRef) -> Expr {
    Expr::expr(Func::lower(Expr::col(column)))
}

/// The ids of `organization_id`'s authentication domains, as a sub-select.
fn domains_of(organization_id: &str) -> SelectStatement {
    Query::select()
        .column(authentication_domain::Column::Id)
        .from(authentication_domain::Entity)
        .and_where(authentication_domain::Column::OrganizationId.eq(organization_id))
        .to_owned()
}

/// The ids of the groups of `organization_id`'s authentication domains, as a sub-select.
fn groups_of(organization_id: &str) -> SelectStatement {
    Query::select()
        .column(group::Column::Id)
        .from(group::Entity)
        .and_where(group::Column::AuthenticationDomainId.in_subquery(domains_of(organization_id)))
        .to_owned()
}

/// The ids of the groups `user_ids` belong to (any of them), as a sub-select.
fn groups_with_members(user_ids: &[i64]) -> SelectStatement {
    Query::select()
        .column(group_membership::Column::GroupId)
        .from(group_membership::Entity)
        .and_where(group_membership::Column::UserId.is_in(user_ids.iter().copied()))
        .to_owned()
}

/// The ids of the members of `group_ids` (any of them), as a sub-select.
fn members_of(group_ids: &[String]) -> SelectStatement {
    Query::select()
        .column(group_membership::Column::UserId)
        .from(group_membership::Entity)
        .and_where(group_membership::Column::GroupId.is_in(group_ids.iter().cloned()))
        .to_owned()
}

/// The constraints of an account list; `None` fields constrain nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountFilter {
    pub id: Option<i32>,
    pub name_contains: Option<String>,
    pub status: Option<AccountStatus>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKey {
    Id,
    Name,
}

/// A page of the accounts of `organization_id`.
pub async fn accounts(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &AccountFilter,
    sort: &[SortBy<AccountKey>],
    offset: u64,
    limit: u64,
) -> Result<Page<account::Model>, DbErr> {
    let mut select = account::Entity::find().filter(account::Column::OrganizationId.eq(organization_id));
    if let Some(id) = filter.id {
        select = select.filter(account::Column::Id.eq(id));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(lower(account::Column::Name).like(contains_pattern(text)));
    }
    if let Some(status) = filter.status {
        select = select.filter(account::Column::Status.eq(status));
    }
    for by in sort {
        let order = direction(by.descending);
        select = match by.key {
            AccountKey::Id => select.order_by(account::Column::Id, order),
            AccountKey::Name => select.order_by(lower(account::Column::Name), order),
        };
    }
    page(db, select.order_by_asc(account::Column::Id), None, offset, limit).await
}

/// The constraints of an authentication domain list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DomainFilter {
    pub id: Option<String>,
    pub name_eq: Option<String>,
    pub name_contains: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainKey {
    Id,
    Name,
}

/// A page of the authentication domains of `organization_id`.
pub async fn authentication_domains(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &DomainFilter,
    sort: &[SortBy<DomainKey>],
    offset: u64,
    limit: u64,
) -> Result<Page<authentication_domain::Model>, DbErr> {
    use authentication_domain::Column;
    let mut select = authentication_domain::Entity::find().filter(Column::OrganizationId.eq(organization_id));
    if let Some(id) = &filter.id {
        select = select.filter(Column::Id.eq(id.as_str()));
    }
    if let Some(name) = &filter.name_eq {
        select = select.filter(Column::Name.eq(name.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(lower(Column::Name).like(contains_pattern(text)));
    }
    for by in sort {
        let order = direction(by.descending);
        select = match by.key {
            DomainKey::Id => select.order_by(Column::Id, order),
            DomainKey::Name => select.order_by(lower(Column::Name), order),
        };
    }
    page(db, select.order_by_asc(Column::Id), None, offset, limit).await
}

/// The constraints of a user list: user management's, plus group membership.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFilter {
    pub user: UserFilter,
    /// Only members of at least one of these groups.
    pub in_groups: Option<Vec<String>>,
    /// Only users who are not members of this group.
    pub not_in_group: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKey {
    Email,
    Id,
    LastActive,
    Name,
    Type,
}

/// A page of the users of authentication domain `domain_id`, when that domain belongs to
/// `organization_id` (none otherwise). Users never active sort last either way.
pub async fn users(
    db: &impl ReadRows,
    organization_id: &str,
    domain_id: &str,
    filter: &MemberFilter,
    sort: &[SortBy<UserKey>],
    offset: u64,
    limit: u64,
) -> Result<Page<user::Model>, DbErr> {
    let mut select = users_matching(domain_id, &filter.user)
        .filter(user::Column::AuthenticationDomainId.in_subquery(domains_of(organization_id)));
    if let Some(groups) = &filter.in_groups {
        select = select.filter(user::Column::Id.in_subquery(members_of(groups)));
    }
    if let Some(group) = &filter.not_in_group {
        select = select.filter(user::Column::Id.not_in_subquery(members_of(std::slice::from_ref(group))));
    }
    for by in sort {
        let order = direction(by.descending);
        select = match by.key {
            UserKey::Email => select.order_by(user::Column::EmailLower, order),
            UserKey::Id => select.order_by(user::Column::Id, order),
            UserKey::LastActive => select.order_by_with_nulls(user::Column::LastActive, order, NullOrdering::Last),
            UserKey::Name => select.order_by(lower(user::Column::Name), order),
            UserKey::Type => select.order_by(user::Column::UserType, order),
        };
    }
    page_read_by(db, select.order_by_asc(user::Column::Id), None, offset, limit, rows::user()).await
}

/// The constraints of a group list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationGroupFilter {
    pub domain_id: Option<String>,
    pub id: Option<String>,
    pub name_eq: Option<String>,
    pub name_contains: Option<String>,
    /// Only groups that have every one of these users as members.
    pub with_members: Vec<i64>,
    /// Only groups that have none of these users as members.
    pub without_members: Vec<i64>,
    /// Only groups whose name and members may be changed outside SCIM: those of manually
    /// provisioned domains.
    pub editable_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupKey {
    AuthenticationDomainId,
    Id,
    Name,
}

/// A page of the groups of every authentication domain of `organization_id`.
pub async fn groups(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &OrganizationGroupFilter,
    sort: &[SortBy<GroupKey>],
    offset: u64,
    limit: u64,
) -> Result<Page<group::Model>, DbErr> {
    use group::Column;
    let mut select =
        group::Entity::find().filter(Column::AuthenticationDomainId.in_subquery(domains_of(organization_id)));
    if let Some(domain) = &filter.domain_id {
        select = select.filter(Column::AuthenticationDomainId.eq(domain.as_str()));
    }
    if let Some(id) = &filter.id {
        select = select.filter(Column::Id.eq(id.as_str()));
    }
    if let Some(name) = &filter.name_eq {
        select = select.filter(Column::DisplayName.eq(name.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(lower(Column::DisplayName).like(contains_pattern(text)));
    }
    if !filter.with_members.is_empty() {
        // One sub-select for every member at once (a condition per member would nest as deep as
        // the list is long).
        let mut members = filter.with_members.clone();
        members.sort_unstable();
        members.dedup();
        let required = i64::try_from(members.len()).unwrap_or(i64::MAX);
        let with_all = groups_with_members(&members)
            .group_by_col(group_membership::Column::GroupId)
            .and_having(Expr::col(group_membership::Column::UserId).count_distinct().eq(required))
            .to_owned();
        select = select.filter(Column::Id.in_subquery(with_all));
    }
    if !filter.without_members.is_empty() {
        select = select.filter(Column::Id.not_in_subquery(groups_with_members(&filter.without_members)));
    }
    if filter.editable_only {
        let manual = domains_of(organization_id)
            .and_where(authentication_domain::Column::ProvisioningType.eq(ProvisioningType::Manual))
            .to_owned();
        select = select.filter(Column::AuthenticationDomainId.in_subquery(manual));
    }
    for by in sort {
        let order = direction(by.descending);
        select = match by.key {
            GroupKey::AuthenticationDomainId => select.order_by(Column::AuthenticationDomainId, order),
            GroupKey::Id => select.order_by(Column::Id, order),
            GroupKey::Name => select.order_by(lower(Column::DisplayName), order),
        };
    }
    page(db, select.order_by_asc(Column::Id), None, offset, limit).await
}

/// The constraints of a role list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleFilter {
    pub id: Option<i32>,
    /// On the display name.
    pub name_eq: Option<String>,
    pub name_contains: Option<String>,
    pub scope: Option<Scope>,
    pub role_type: Option<RoleType>,
    /// Only roles granted to at least one of these groups (of the organization).
    pub granted_to: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleKey {
    Id,
    Name,
    Scope,
    Type,
}

/// The roles `organization_id` may use: the standard roles and its own custom roles.
fn visible_roles(organization_id: &str) -> Condition {
    Condition::any().add(role::Column::OrganizationId.is_null()).add(role::Column::OrganizationId.eq(organization_id))
}

/// A page of the standard roles and `organization_id`'s custom roles.
pub async fn roles(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &RoleFilter,
    sort: &[SortBy<RoleKey>],
    offset: u64,
    limit: u64,
) -> Result<Page<role::Model>, DbErr> {
    use role::Column;
    let mut select = role::Entity::find().filter(visible_roles(organization_id));
    if let Some(id) = filter.id {
        select = select.filter(Column::Id.eq(id));
    }
    if let Some(name) = &filter.name_eq {
        select = select.filter(Column::DisplayName.eq(name.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(lower(Column::DisplayName).like(contains_pattern(text)));
    }
    if let Some(scope) = filter.scope {
        select = select.filter(Column::Scope.eq(scope));
    }
    if let Some(role_type) = filter.role_type {
        select = select.filter(Column::RoleType.eq(role_type));
    }
    if let Some(groups) = &filter.granted_to {
        let granted = Query::select()
            .column(access_grant::Column::RoleId)
            .from(access_grant::Entity)
            .and_where(access_grant::Column::GroupId.is_in(groups.iter().cloned()))
            .and_where(access_grant::Column::GroupId.in_subquery(groups_of(organization_id)))
            .to_owned();
        select = select.filter(Column::Id.in_subquery(granted));
    }
    for by in sort {
        let order = direction(by.descending);
        select = match by.key {
            RoleKey::Id => select.order_by(Column::Id, order),
            RoleKey::Name => select.order_by(lower(Column::DisplayName), order),
            RoleKey::Scope => select.order_by(Column::Scope, order),
            RoleKey::Type => select.order_by(Column::RoleType, order),
        };
    }
    page(db, select.order_by_asc(Column::Id), None, offset, limit).await
}

/// The constraints of an access grant list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantFilter {
    pub id: Option<i32>,
    pub group_ids: Option<Vec<String>>,
    /// Only grants to groups of these authentication domains.
    pub domain_ids: Option<Vec<String>>,
    pub role_ids: Option<Vec<i32>>,
    pub scope: Option<Scope>,
    /// Account ids (as text) or organization ids the grant applies to.
    pub scope_ids: Option<Vec<String>>,
}

/// An access grant with the display name of its role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub grant: access_grant::Model,
    pub role_name: String,
}

/// A page of the access grants of the groups of `organization_id`, by id.
pub async fn grants(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &GrantFilter,
    descending: bool,
    offset: u64,
    limit: u64,
) -> Result<Page<Grant>, DbErr> {
    use access_grant::Column;
    let mut select = access_grant::Entity::find().filter(Column::GroupId.in_subquery(groups_of(organization_id)));
    if let Some(id) = filter.id {
        select = select.filter(Column::Id.eq(id));
    }
    if let Some(groups) = &filter.group_ids {
        select = select.filter(Column::GroupId.is_in(groups.iter().cloned()));
    }
    if let Some(domains) = &filter.domain_ids {
        let groups = Query::select()
            .column(group::Column::Id)
            .from(group::Entity)
            .and_where(group::Column::AuthenticationDomainId.is_in(domains.iter().cloned()))
            .to_owned();
        select = select.filter(Column::GroupId.in_subquery(groups));
    }
    if let Some(roles) = &filter.role_ids {
        select = select.filter(Column::RoleId.is_in(roles.iter().copied()));
    }
    select = match filter.scope {
        Some(Scope::Account) => select.filter(Column::AccountId.is_not_null()),
        Some(Scope::Organization) => select.filter(Column::OrganizationId.is_not_null()),
        None => select,
    };
    if let Some(ids) = &filter.scope_ids {
        let accounts = ids.iter().filter_map(|id| id.trim().parse::<i32>().ok());
        select = select.filter(
            Condition::any()
                .add(Column::AccountId.is_in(accounts))
                .add(Column::OrganizationId.is_in(ids.iter().cloned())),
        );
    }
    let page = page(db, select.order_by(Column::Id, direction(descending)), None, offset, limit).await?;
    let names = role_names(db, page.items.iter().map(|g| g.role_id)).await?;
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|grant| Grant { role_name: names.get(&grant.role_id).cloned().unwrap_or_default(), grant })
            .collect(),
        total: page.total,
        has_more: page.has_more,
    })
}

/// The display names of roles `ids`, in one statement (none for no ids).
async fn role_names(db: &impl ConnectionTrait, ids: impl Iterator<Item = i32>) -> Result<HashMap<i32, String>, DbErr> {
    let ids: Vec<i32> = ids.collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(role::Entity::find()
        .filter(role::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.display_name))
        .collect())
}

/// The constraints of a capability list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PermissionFilter {
    /// Only the capabilities of this role (a standard role or one of the organization's).
    pub role_id: Option<i32>,
    pub scope: Option<Scope>,
}

/// A page of the capability catalog, by id.
pub async fn permissions(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &PermissionFilter,
    offset: u64,
    limit: u64,
) -> Result<Page<capability::Model>, DbErr> {
    let mut select = capability::Entity::find();
    if let Some(role_id) = filter.role_id {
        let visible = Query::select()
            .column(role::Column::Id)
            .from(role::Entity)
            .cond_where(visible_roles(organization_id))
            .to_owned();
        let of_role = Query::select()
            .column(role_capability::Column::CapabilityId)
            .from(role_capability::Entity)
            .and_where(role_capability::Column::RoleId.eq(role_id))
            .and_where(role_capability::Column::RoleId.in_subquery(visible))
            .to_owned();
        select = select.filter(capability::Column::Id.in_subquery(of_role));
    }
    if let Some(scope) = filter.scope {
        select = select.filter(capability::Column::Scope.eq(scope));
    }
    page(db, select.order_by_asc(capability::Column::Id), None, offset, limit).await
}

/// The constraints of an organization list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationFilter {
    pub id: Option<String>,
    pub name_eq: Option<String>,
    pub name_contains: Option<String>,
    pub customer_id: Option<String>,
    /// Only the organization holding this account.
    pub account_id: Option<i32>,
    /// Only the organization holding this authentication domain.
    pub domain_id: Option<String>,
}

/// `organization_id` itself, as a page of at most one organization, when `filter` lets it through.
pub async fn organizations(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &OrganizationFilter,
    offset: u64,
    limit: u64,
) -> Result<Page<organization::Model>, DbErr> {
    use organization::Column;
    let mut select = organization::Entity::find().filter(Column::Id.eq(organization_id));
    if let Some(id) = &filter.id {
        select = select.filter(Column::Id.eq(id.as_str()));
    }
    if let Some(name) = &filter.name_eq {
        select = select.filter(Column::Name.eq(name.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(lower(Column::Name).like(contains_pattern(text)));
    }
    if let Some(customer) = &filter.customer_id {
        select = select.filter(Column::CustomerId.eq(customer.as_str()));
    }
    if let Some(account) = filter.account_id {
        let holding = Query::select()
            .column(account::Column::OrganizationId)
            .from(account::Entity)
            .and_where(account::Column::Id.eq(account))
            .to_owned();
        select = select.filter(Column::Id.in_subquery(holding));
    }
    if let Some(domain) = &filter.domain_id {
        let holding = Query::select()
            .column(authentication_domain::Column::OrganizationId)
            .from(authentication_domain::Entity)
            .and_where(authentication_domain::Column::Id.eq(domain.as_str()))
            .to_owned();
        select = select.filter(Column::Id.in_subquery(holding));
    }
    page(db, select, None, offset, limit).await
}

/// The constraints of an audit trail read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub actor_user_id: Option<i64>,
}

/// `organization_id`'s audit events of the target types `types` that `filter` admits.
fn audit_select(organization_id: &str, filter: &AuditFilter, types: &[&str]) -> Select<audit_event::Entity> {
    use audit_event::Column;
    let mut select = audit_event::Entity::find()
        .filter(Column::OrganizationId.eq(organization_id))
        .filter(Column::TargetType.is_in(types.iter().copied()));
    if let Some(target_type) = &filter.target_type {
        select = select.filter(Column::TargetType.eq(target_type.as_str()));
    }
    if let Some(target_id) = &filter.target_id {
        select = select.filter(Column::TargetId.eq(target_id.as_str()));
    }
    if let Some(actor) = filter.actor_user_id {
        select = select.filter(Column::ActorUserId.eq(actor));
    }
    select
}

/// Up to `limit` of `organization_id`'s audit events of the target types `types`, newest first
/// (ids grow with every event written), starting after the event `before` when given.
pub async fn audit_events(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &AuditFilter,
    types: &[&str],
    before: Option<i64>,
    limit: u64,
) -> Result<Vec<audit_event::Model>, DbErr> {
    use audit_event::Column;
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = audit_select(organization_id, filter, types);
    if let Some(before) = before {
        select = select.filter(Column::Id.lt(before));
    }
    select.order_by_desc(Column::Id).limit(limit).all(db).await
}

/// How many of `organization_id`'s audit events of the target types `types` `filter` admits.
pub async fn count_audit_events(
    db: &impl ConnectionTrait,
    organization_id: &str,
    filter: &AuditFilter,
    types: &[&str],
) -> Result<u64, DbErr> {
    if types.is_empty() {
        return Ok(0);
    }
    audit_select(organization_id, filter, types).count(db).await
}
