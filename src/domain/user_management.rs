//! Reads of authentication domains, users and groups, for user management.
//!
//! Lists are pages of at most `limit` rows after a key (keyset pagination: a row inserted while a
//! client pages never makes it see a row twice or skip one). Relations (a user's groups, a group's
//! users) are loaded for many parents in one statement.

use std::collections::HashMap;

use entity::enums::{EmailVerificationState, UserType};
use entity::{authentication_domain, group, group_membership, user};
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, Func, LikeExpr, Query, QueryStatementBuilder, SelectStatement, Values,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, JoinType, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, RelationTrait, Select, Statement, Value,
};

use super::reads::{self, ReadRows};
use super::rows::{self, Driver};

/// One page of a list, and how many rows the whole list has.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    /// True when rows follow the last one of this page.
    pub has_more: bool,
}

/// Fetches `limit + 1` rows (after `after`, skipping `offset`) to learn whether another page
/// follows, and the whole list's count, in one statement: the count is a column of every row
/// (an uncorrelated subquery, computed once). Only a page with no rows past the list's start asks
/// for the count separately.
pub(crate) async fn page<E: EntityTrait>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    after: Option<Condition>,
    offset: u64,
    limit: u64,
) -> Result<Page<E::Model>, DbErr>
where
    E::Model: Send + Sync,
{
    let (statement, listing) = Listing::new(db.get_database_backend(), select, after, offset, limit);
    let rows = db.query_all_raw(statement).await?;
    let total = rows.first().map(|row| row.try_get::<i64>("", TOTAL)).transpose()?;
    let items = rows.iter().map(|row| E::Model::from_query_result(row, "")).collect::<Result<_, _>>()?;
    listing.finish(db, items, total).await
}

/// [`page`], each row read by `read` (one of [`super::rows`]), on the embedded SQLite file's
/// connections when `db` reads there ([`super::reads`]).
pub(crate) async fn page_read_by<E: EntityTrait, T>(
    db: &impl ReadRows,
    select: Select<E>,
    after: Option<Condition>,
    offset: u64,
    limit: u64,
    mut read: impl FnMut(Driver<'_>) -> Result<T, DbErr>,
) -> Result<Page<T>, DbErr> {
    let (statement, listing) = Listing::new(db.get_database_backend(), select, after, offset, limit);
    let mut total_at = None;
    let read = |row: Driver<'_>| {
        let at = match total_at {
            Some(at) => at,
            None => *total_at.insert(row.positions([TOTAL])?[0]),
        };
        Ok((read(row)?, row.get::<i64>(at)?))
    };
    let rows = reads::rows(db, statement, read).await?;
    let total = rows.first().map(|(_, total)| *total);
    let items = rows.into_iter().map(|(item, _)| item).collect();
    listing.finish(db, items, total).await
}

/// What a page of a list needs after its statement ran: the statement of the list's count, and
/// whether another page follows.
struct Listing {
    counted: SelectStatement,
    starts_the_list: bool,
    limit: u64,
}

impl Listing {
    fn new<E: EntityTrait>(
        backend: DbBackend,
        select: Select<E>,
        after: Option<Condition>,
        offset: u64,
        limit: u64,
    ) -> (Statement, Self) {
        // The count needs no order; with one, PostgreSQL walked the primary key in order to count
        // (0.21 ms against 0.11 ms for a 1,000-user domain, EXPLAIN ANALYZE).
        let mut listed = select.clone().into_query();
        listed.clear_order_by();
        let counted =
            Query::select().expr(Expr::cust("COUNT(*)")).from_subquery(listed, Alias::new("listed")).to_owned();
        let starts_the_list = after.is_none() && offset == 0;
        let select = match after {
            Some(cond) => select.filter(cond),
            None => select,
        };
        let mut query = select.into_query();
        query.expr_as(Expr::SubQuery(None, Box::new(counted.clone().into_sub_query_statement())), Alias::new(TOTAL));
        let statement = with_limit(backend.build(&query), limit + 1, offset);
        (statement, Listing { counted, starts_the_list, limit })
    }

    /// The page of `items` (up to `limit + 1` rows), the list's count `total` read with them.
    async fn finish<T>(
        self,
        db: &impl ConnectionTrait,
        mut items: Vec<T>,
        total: Option<i64>,
    ) -> Result<Page<T>, DbErr> {
        let total = match total {
            Some(total) => u64::try_from(total).unwrap_or_default(),
            None if self.starts_the_list => 0,
            None => {
                let row = db.query_one(&self.counted).await?;
                row.map(|r| r.try_get_by_index::<i64>(0))
                    .transpose()?
                    .map_or(0, |n| u64::try_from(n).unwrap_or_default())
            }
        };
        let has_more = items.len() as u64 > self.limit;
        items.truncate(usize::try_from(self.limit).unwrap_or(usize::MAX));
        Ok(Page { items, total, has_more })
    }
}

/// The column of a page's rows that carries the list's count.
const TOTAL: &str = "ag_list_total";

/// `statement` with `LIMIT limit OFFSET offset`, the limit written into the SQL and the offset
/// bound. SQLite re-prepares a statement whose LIMIT is a bound parameter every time that parameter
/// is bound (the limit may change its plan), so a page whose limit came as a parameter was
/// compiled anew on every request; a page's limit is one of a few constants, so the text stays the
/// same and the prepared statement is reused.
fn with_limit(mut statement: Statement, limit: u64, offset: u64) -> Statement {
    let values = statement.values.get_or_insert_with(|| Values(Vec::new()));
    values.0.push(Value::BigUnsigned(Some(offset)));
    let offset_parameter = match statement.db_backend {
        DbBackend::Postgres => format!("${}", values.0.len()),
        _ => "?".to_owned(),
    };
    statement.sql = format!("{} LIMIT {limit} OFFSET {offset_parameter}", statement.sql);
    statement
}

/// `%text%` for LIKE, with the wildcards in `text` escaped, in lower case.
pub(crate) fn contains_pattern(text: &str) -> LikeExpr {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

pub async fn authentication_domains(
    db: &impl ConnectionTrait,
    organization_id: &str,
    ids: Option<&[String]>,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<authentication_domain::Model>, DbErr> {
    let mut select = authentication_domain::Entity::find()
        .filter(authentication_domain::Column::OrganizationId.eq(organization_id))
        .order_by_asc(authentication_domain::Column::Id);
    if let Some(ids) = ids {
        select = select.filter(authentication_domain::Column::Id.is_in(ids.iter().cloned()));
    }
    let after = after.map(|id| Condition::all().add(authentication_domain::Column::Id.gt(id)));
    page(db, select, after, 0, limit).await
}

/// The constraints of a user list; `None` fields constrain nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UserFilter {
    pub email_eq: Option<String>,
    pub email_contains: Option<String>,
    pub name_eq: Option<String>,
    pub name_contains: Option<String>,
    /// Only these ids (the intersection of every id constraint given).
    pub ids: Option<Vec<i64>>,
    /// True: only users whose email is not verified yet; false: only verified ones.
    pub email_pending: Option<bool>,
    pub pending_upgrade_exists: Option<bool>,
    pub user_type: Option<UserType>,
}

pub async fn users(
    db: &impl ReadRows,
    domain_id: &str,
    filter: &UserFilter,
    after: Option<i64>,
    limit: u64,
) -> Result<Page<user::Model>, DbErr> {
    let select = users_matching(domain_id, filter).order_by_asc(user::Column::Id);
    let after = after.map(|id| Condition::all().add(user::Column::Id.gt(id)));
    page_read_by(db, select, after, 0, limit, rows::user()).await
}

/// The users of `domain_id` that `filter` lets through, unordered.
pub(crate) fn users_matching(domain_id: &str, filter: &UserFilter) -> Select<user::Entity> {
    let mut select = user::Entity::find().filter(user::Column::AuthenticationDomainId.eq(domain_id));
    if let Some(email) = &filter.email_eq {
        select = select.filter(user::Column::EmailLower.eq(email.trim().to_lowercase()));
    }
    if let Some(text) = &filter.email_contains {
        select = select.filter(Expr::col(user::Column::EmailLower).like(contains_pattern(text)));
    }
    if let Some(name) = &filter.name_eq {
        select = select.filter(user::Column::Name.eq(name.as_str()));
    }
    if let Some(text) = &filter.name_contains {
        select = select.filter(Expr::expr(Func::lower(Expr::col(user::Column::Name))).like(contains_pattern(text)));
    }
    if let Some(ids) = &filter.ids {
        select = select.filter(user::Column::Id.is_in(ids.iter().copied()));
    }
    if let Some(pending) = filter.email_pending {
        let col = user::Column::EmailVerificationState;
        select = select.filter(if pending {
            col.eq(EmailVerificationState::Pending)
        } else {
            col.ne(EmailVerificationState::Pending)
        });
    }
    if let Some(exists) = filter.pending_upgrade_exists {
        let col = user::Column::PendingUpgradeType;
        select = select.filter(if exists { col.is_not_null() } else { col.is_null() });
    }
    if let Some(user_type) = filter.user_type {
        select = select.filter(user::Column::UserType.eq(user_type));
    }
    select
}

/// The constraints of a group list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupFilter {
    pub display_name_eq: Option<String>,
    pub display_name_contains: Option<String>,
    pub ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupOrder {
    #[default]
    Id,
    DisplayName,
}

/// A page of a domain's groups, sorted; `offset` rows are skipped.
pub async fn groups(
    db: &impl ConnectionTrait,
    domain_id: &str,
    filter: &GroupFilter,
    order: GroupOrder,
    descending: bool,
    offset: u64,
    limit: u64,
) -> Result<Page<group::Model>, DbErr> {
    let mut select = group::Entity::find().filter(group::Column::AuthenticationDomainId.eq(domain_id));
    if let Some(name) = &filter.display_name_eq {
        select = select.filter(group::Column::DisplayName.eq(name.as_str()));
    }
    if let Some(text) = &filter.display_name_contains {
        select =
            select.filter(Expr::expr(Func::lower(Expr::col(group::Column::DisplayName))).like(contains_pattern(text)));
    }
    if let Some(ids) = &filter.ids {
        select = select.filter(group::Column::Id.is_in(ids.iter().cloned()));
    }
    let direction = if descending { sea_orm::Order::Desc } else { sea_orm::Order::Asc };
    if order == GroupOrder::DisplayName {
        select = select.order_by(group::Column::DisplayName, direction.clone());
    }
    select = select.order_by(group::Column::Id, direction);
    page(db, select, None, offset, limit).await
}

/// The groups of each of `user_ids`, by display name; users without groups map to nothing.
pub async fn groups_of_users(db: &impl ReadRows, user_ids: &[i64]) -> Result<HashMap<i64, Vec<group::Model>>, DbErr> {
    // One statement: each group once per member asked about, with only that member's id from
    // the membership.
    let select = group::Entity::find()
        .join(JoinType::InnerJoin, group_membership::Relation::Group.def().rev())
        .column_as(group_membership::Column::UserId, MEMBER)
        .filter(one_of(db.get_database_backend(), group_membership::Column::UserId, user_ids))
        .build(db.get_database_backend());
    let mut by_user: HashMap<i64, Vec<group::Model>> = HashMap::new();
    for (group, user_id) in reads::rows(db, select, rows::group_with::<i64>(MEMBER)).await? {
        by_user.entry(user_id).or_default().push(group);
    }
    for groups in by_user.values_mut() {
        groups.sort_by(|a, b| a.display_name.cmp(&b.display_name).then_with(|| a.id.cmp(&b.id)));
    }
    Ok(by_user)
}

/// `column IN (ids)`. On PostgreSQL, `column = ANY(...)` of one parameter that lists the ids: a page's
/// 500 user ids as 500 parameters took PostgreSQL 0.32 ms to bind and plan on every page (its log),
/// and a statement of one parameter has one shape whatever the page, so its plan can be kept.
///
/// The list is split in a scalar subquery so that the planner never sees it as a constant: given
/// the constant array, PostgreSQL estimates the selectivity of every element against the column's
/// statistics, and with a page's 500 ids its custom plan cost more to make (0.38 ms, its log) than
/// the statement took to run, and it kept choosing it over the generic plan. Behind the subquery
/// the custom and generic plans are the same, so the generic one is kept after the first runs.
fn one_of(backend: DbBackend, column: impl ColumnTrait, ids: &[i64]) -> Condition {
    if backend != DbBackend::Postgres {
        return Condition::all().add(column.is_in(ids.iter().copied()));
    }
    let listed = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        r#""{}"."{}" = ANY(CAST((SELECT string_to_array($1, ',')) AS BIGINT[]))"#,
        column.entity_name(),
        column.as_str()
    );
    Condition::all().add(Expr::cust_with_values(sql, [listed]))
}

/// The column of [`groups_of_users`]' rows that names the member.
const MEMBER: &str = "ag_member_id";

/// The users of each of `group_ids`, by id.
pub async fn users_of_groups(
    db: &impl ReadRows,
    group_ids: &[String],
) -> Result<HashMap<String, Vec<user::Model>>, DbErr> {
    // One statement: each user once per group asked about, with that group's id from the
    // membership.
    let mut select = user::Entity::find().into_query();
    select
        .inner_join(
            group_membership::Entity,
            Expr::col((group_membership::Entity, group_membership::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .expr_as(Expr::col((group_membership::Entity, group_membership::Column::GroupId)), Alias::new(GROUP))
        .and_where(
            Expr::col((group_membership::Entity, group_membership::Column::GroupId)).is_in(group_ids.iter().cloned()),
        );
    let mut by_group: HashMap<String, Vec<user::Model>> = HashMap::new();
    let select = db.get_database_backend().build(&select);
    for (user, group_id) in reads::rows(db, select, rows::user_with::<String>(GROUP)).await? {
        by_group.entry(group_id).or_default().push(user);
    }
    for users in by_group.values_mut() {
        users.sort_by_key(|u| u.id);
    }
    Ok(by_group)
}

/// The column of [`users_of_groups`]' rows that names the group.
const GROUP: &str = "ag_group_id";
