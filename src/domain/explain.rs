//! Loads what `access::explain` walks: users of an organization with every grant of their groups
//! (group and role names, canceled accounts included), in two statements per 1,000 users.

use std::collections::HashMap;

use entity::enums::{AccountStatus, UserType};
use sea_orm::sea_query::{Alias, ExprTrait, JoinType, Order, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::access_facts::{self, col, parse};
use super::lookup;
use crate::access::explain::{
    self, Context, ExplainGrant, ExplainSubject, Explanation, NamedRule, On, Question, Visibility,
};
use crate::access::{Catalog, RoleFacts, RoleId};
use crate::error::{AppError, AppResult};

/// The explanation facts of users and of the roles granted to them.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// By user id, in the order asked (users of other organizations are absent).
    pub subjects: Vec<ExplainSubject>,
    pub roles: HashMap<RoleId, RoleFacts>,
}

/// Most users one pair of statements reads.
const USERS_PER_STATEMENT: usize = 1_000;

/// The facts of each of `user_ids` that is a user of `organization_id`.
pub async fn load(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    organization_id: &str,
    user_ids: &[i64],
) -> Result<Facts, DbErr> {
    let mut facts = Facts::default();
    for chunk in user_ids.chunks(USERS_PER_STATEMENT) {
        load_chunk(db, organization_id, chunk, &mut facts).await?;
    }
    // What the original (v1) user model gives them (at most two statements more).
    let users: Vec<(i64, String)> = facts.subjects.iter().map(|s| (s.user_id, organization_id.to_owned())).collect();
    let mut original = access_facts::original_capabilities(db, catalog, &users).await?;
    for subject in &mut facts.subjects {
        subject.original = original.remove(&subject.user_id).unwrap_or_default();
    }
    Ok(facts)
}

async fn load_chunk(
    db: &impl ConnectionTrait,
    organization_id: &str,
    user_ids: &[i64],
    facts: &mut Facts,
) -> Result<(), DbErr> {
    let users = Query::select()
        .expr_as(col("u", "id"), Alias::new("id"))
        .expr_as(col("u", "email"), Alias::new("email"))
        .expr_as(col("u", "user_type"), Alias::new("user_type"))
        .expr_as(col("u", "active"), Alias::new("active"))
        .from_as(Alias::new("users"), Alias::new("u"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("authentication_domains"),
            Alias::new("d"),
            col("d", "id").equals((Alias::new("u"), Alias::new("authentication_domain_id"))),
        )
        .and_where(col("u", "id").is_in(user_ids.iter().copied()))
        .and_where(col("d", "organization_id").eq(organization_id))
        .to_owned();
    let mut found: HashMap<i64, ExplainSubject> = HashMap::new();
    for row in db.query_all(&users).await? {
        let id: i64 = row.try_get("", "id")?;
        let user_type: UserType = parse(row.try_get::<String>("", "user_type")?)?;
        found.insert(
            id,
            ExplainSubject {
                user_id: id,
                label: row.try_get("", "email")?,
                user_type: user_type.into(),
                active: row.try_get("", "active")?,
                grants: Vec::new(),
                original: Default::default(),
            },
        );
    }
    if found.is_empty() {
        return Ok(());
    }

    // The grants of access itself, with the names an explanation shows.
    let mut grants = access_facts::grant_rows(found.keys().copied());
    grants
        .expr_as(col("gr", "id"), Alias::new("group_id"))
        .expr_as(col("gr", "display_name"), Alias::new("group_name"))
        .expr_as(col("r", "display_name"), Alias::new("role_name"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("groups"),
            Alias::new("gr"),
            col("gr", "id").equals((Alias::new("m"), Alias::new("group_id"))),
        )
        .order_by((Alias::new("g"), Alias::new("id")), Order::Asc);
    for row in db.query_all(&grants).await? {
        let user_id: i64 = row.try_get("", "user_id")?;
        let Some(subject) = found.get_mut(&user_id) else { continue };
        // Only grants of the organization; those on canceled accounts are kept, and give nothing.
        let Some((target, account_active)) = access_facts::grant_target(&row, organization_id)? else { continue };
        let role_id = access_facts::add_role_row(&mut facts.roles, &row)?;
        let grant_id: i32 = row.try_get("", "grant_id")?;
        if !subject.grants.iter().any(|g| g.grant_id == i64::from(grant_id)) {
            subject.grants.push(ExplainGrant {
                grant_id: grant_id.into(),
                group_id: row.try_get("", "group_id")?,
                group_name: row.try_get("", "group_name")?,
                role_id,
                role_name: row.try_get("", "role_name")?,
                target,
                account_active,
            });
        }
    }
    for id in user_ids {
        if let Some(subject) = found.remove(id) {
            facts.subjects.push(subject);
        }
    }
    Ok(())
}

/// What an explanation is asked about, as the client named it.
#[derive(Debug, Clone, Copy)]
pub struct Asked {
    pub account: Option<i32>,
    pub capability: i32,
}

/// The organization-level facts of a question: the edition, the question itself (the account must
/// be one of the organization's, the capability one of the catalog's).
async fn question(
    db: &impl ConnectionTrait,
    organization_id: &str,
    asked: Asked,
) -> AppResult<(crate::access::Edition, Question)> {
    let organization = entity::organization::Entity::find_by_id(organization_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::Internal("the viewer's organization is gone".into()))?;
    let capability = entity::capability::Entity::find_by_id(asked.capability)
        .one(db)
        .await?
        .ok_or_else(|| AppError::not_found(format!("No capability {} in the catalog", asked.capability)))?;
    let on = match asked.account {
        None => On::Organization,
        Some(id) => {
            let account = entity::account::Entity::find_by_id(id)
                .filter(entity::account::Column::OrganizationId.eq(organization_id))
                .one(db)
                .await?
                .ok_or_else(lookup::not_found)?;
            On::Account { id, active: account.status == AccountStatus::Active }
        }
    };
    Ok((organization.edition.into(), Question { capability: capability.id, capability_name: capability.name, on }))
}

/// Why `user_id` of `organization_id` has or lacks the capability.
pub async fn explanation(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    organization_id: &str,
    user_id: i64,
    asked: Asked,
    visible: Visibility,
) -> AppResult<Explanation> {
    let (edition, question) = question(db, organization_id, asked).await?;
    let facts = load(db, catalog, organization_id, &[user_id]).await?;
    let subject = facts.subjects.first().ok_or_else(lookup::not_found)?;
    let cx = Context { roles: &facts.roles, catalog, edition };
    Ok(explain::explain(subject, &question, &cx, visible))
}

/// Users per page of [`holders`].
pub const HOLDERS_PAGE: u64 = 500;

/// A page of the users holding the capability: the organization's users after `after` (a user
/// id), [`HOLDERS_PAGE`] of them, of whom those allowed are returned with their explanation; the
/// cursor of the next page when users follow. A fixed number of statements per page.
pub async fn holders(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    organization_id: &str,
    asked: Asked,
    after: Option<i64>,
    visible: Visibility,
) -> AppResult<(Vec<(ExplainSubject, Explanation)>, Option<i64>)> {
    let (edition, question) = question(db, organization_id, asked).await?;
    let mut page = Query::select()
        .expr_as(col("u", "id"), Alias::new("id"))
        .from_as(Alias::new("users"), Alias::new("u"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("authentication_domains"),
            Alias::new("d"),
            col("d", "id").equals((Alias::new("u"), Alias::new("authentication_domain_id"))),
        )
        .and_where(col("d", "organization_id").eq(organization_id))
        .order_by((Alias::new("u"), Alias::new("id")), Order::Asc)
        .limit(HOLDERS_PAGE + 1)
        .to_owned();
    if let Some(after) = after {
        page.and_where(col("u", "id").gt(after));
    }
    let mut ids: Vec<i64> =
        db.query_all(&page).await?.iter().map(|row| row.try_get("", "id")).collect::<Result<_, _>>()?;
    let more = ids.len() as u64 > HOLDERS_PAGE;
    ids.truncate(HOLDERS_PAGE as usize);
    let next = if more { ids.last().copied() } else { None };
    let facts = load(db, catalog, organization_id, &ids).await?;
    let cx = Context { roles: &facts.roles, catalog, edition };
    let holders = facts
        .subjects
        .into_iter()
        .filter_map(|subject| {
            let explanation = explain::explain(&subject, &question, &cx, visible);
            explanation.allowed.then_some((subject, explanation))
        })
        .collect();
    Ok((holders, next))
}

/// The Synthetics facts an explanation walks for one user on one account: whether the permission
/// system is on, and every rule of the user's permission groups there, with its group.
pub async fn synthetics_rules(
    db: &impl ConnectionTrait,
    user_id: i64,
    account_id: i32,
) -> Result<(bool, Vec<NamedRule>), DbErr> {
    use entity::{
        synthetics_permission_group as sgroup, synthetics_permission_group_member as member,
        synthetics_permission_rule as rule, synthetics_permission_setting as setting,
    };
    let enabled = setting::Entity::find()
        .filter(setting::Column::AccountId.eq(account_id))
        .one(db)
        .await?
        .is_some_and(|s| s.enabled);
    let groups: Vec<sgroup::Model> = member::Entity::find()
        .filter(member::Column::UserId.eq(user_id))
        .find_also_related(sgroup::Entity)
        .filter(sgroup::Column::AccountId.eq(account_id))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, group)| group)
        .collect();
    if groups.is_empty() {
        return Ok((enabled, Vec::new()));
    }
    let rules = rule::Entity::find()
        .filter(rule::Column::GroupId.is_in(groups.iter().map(|g| g.id.clone())))
        .order_by_asc(rule::Column::Id)
        .all(db)
        .await?;
    Ok((
        enabled,
        rules
            .iter()
            .filter_map(|r| {
                let group = groups.iter().find(|g| g.id == r.group_id)?;
                Some(NamedRule {
                    group_id: group.id.clone(),
                    group_name: group.name.clone(),
                    rule: super::synthetics::to_rule(r),
                })
            })
            .collect(),
    ))
}
