//! Loads what the permission model needs about many users at once, in two statements, and asks
//! `access::effective_access` for each user's answer.

use std::collections::{BTreeMap, HashMap};

use entity::enums::{OriginalBaseRole, OriginalProduct, Scope, UserType};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement, UnionType};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};

use crate::access::original::{self, AccountTree, BaseRole, Held};
use crate::access::{self, CapabilitySet, Catalog, EffectiveAccess, GrantFacts, GrantTarget, RoleFacts, Subject};

pub(super) fn col(table: &str, column: &str) -> Expr {
    Expr::col((Alias::new(table), Alias::new(column)))
}

/// The effective access of each of `user_ids` that exists (two statements per 1,000 users).
pub async fn effective_access(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    user_ids: &[i64],
) -> Result<HashMap<i64, EffectiveAccess>, DbErr> {
    let mut found = HashMap::with_capacity(user_ids.len());
    // Two statements per chunk, each well below the databases' limits of bound variables.
    for chunk in user_ids.chunks(USERS_PER_STATEMENT) {
        found.extend(effective_access_of_chunk(db, catalog, chunk).await?);
    }
    Ok(found)
}

/// Most users whose access one pair of statements reads.
const USERS_PER_STATEMENT: usize = 1_000;

async fn effective_access_of_chunk(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    user_ids: &[i64],
) -> Result<HashMap<i64, EffectiveAccess>, DbErr> {
    if user_ids.is_empty() {
        return Ok(HashMap::new());
    }
    // 1. The users, with their organization.
    let users = Query::select()
        .expr_as(col("u", "id"), Alias::new("id"))
        .expr_as(col("u", "user_type"), Alias::new("user_type"))
        .expr_as(col("u", "active"), Alias::new("active"))
        .expr_as(col("d", "organization_id"), Alias::new("organization_id"))
        .from_as(Alias::new("users"), Alias::new("u"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("authentication_domains"),
            Alias::new("d"),
            col("d", "id").equals((Alias::new("u"), Alias::new("authentication_domain_id"))),
        )
        .and_where(col("u", "id").is_in(user_ids.iter().copied()))
        .to_owned();
    let mut subjects: HashMap<i64, (String, Subject)> = HashMap::new();
    for row in db.query_all(&users).await? {
        let id: i64 = row.try_get("", "id")?;
        let user_type = parse::<UserType>(row.try_get::<String>("", "user_type")?)?.into();
        let subject =
            Subject { user_type, active: row.try_get("", "active")?, grants: Vec::new(), original: BTreeMap::new() };
        subjects.insert(id, (row.try_get("", "organization_id")?, subject));
    }

    // 2. Every grant reaching them through their groups, with the role and its capabilities.
    let grants = grant_rows(subjects.keys().copied());
    let mut roles: HashMap<i32, RoleFacts> = HashMap::new();
    for row in db.query_all(&grants).await? {
        let user_id: i64 = row.try_get("", "user_id")?;
        let Some((organization_id, subject)) = subjects.get_mut(&user_id) else { continue };
        // Only active accounts of the user's own organization.
        let Some((target, true)) = grant_target(&row, organization_id)? else { continue };
        let role_id = add_role_row(&mut roles, &row)?;
        let grant = GrantFacts { role_id, target };
        if !subject.grants.contains(&grant) {
            subject.grants.push(grant);
        }
    }

    original_facts(db, catalog, &mut subjects).await?;

    Ok(subjects
        .into_iter()
        .map(|(id, (_, subject))| (id, access::effective_access(&subject, &roles, catalog)))
        .collect())
}

/// The grants reaching `user_ids` through their groups: a row per membership, grant and capability
/// of the grant's role (`user_id`, `grant_id`, `role_id`, the grant's account or organization, the
/// account's organization and status, the role's scope and user-type floor, `capability_id`).
/// Read with [`grant_target`] and [`add_role_row`]; explanations add the names they show.
pub(super) fn grant_rows(user_ids: impl IntoIterator<Item = i64>) -> SelectStatement {
    Query::select()
        .expr_as(col("m", "user_id"), Alias::new("user_id"))
        .expr_as(col("g", "id"), Alias::new("grant_id"))
        .expr_as(col("g", "role_id"), Alias::new("role_id"))
        .expr_as(col("g", "account_id"), Alias::new("account_id"))
        .expr_as(col("g", "organization_id"), Alias::new("grant_organization_id"))
        .expr_as(col("a", "organization_id"), Alias::new("account_organization_id"))
        .expr_as(col("a", "status"), Alias::new("account_status"))
        .expr_as(col("r", "scope"), Alias::new("scope"))
        .expr_as(col("r", "min_user_type"), Alias::new("min_user_type"))
        .expr_as(col("rc", "capability_id"), Alias::new("capability_id"))
        .from_as(Alias::new("group_memberships"), Alias::new("m"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("access_grants"),
            Alias::new("g"),
            col("g", "group_id").equals((Alias::new("m"), Alias::new("group_id"))),
        )
        .join_as(
            JoinType::InnerJoin,
            Alias::new("roles"),
            Alias::new("r"),
            col("r", "id").equals((Alias::new("g"), Alias::new("role_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("role_capabilities"),
            Alias::new("rc"),
            col("rc", "role_id").equals((Alias::new("r"), Alias::new("id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("accounts"),
            Alias::new("a"),
            col("a", "id").equals((Alias::new("g"), Alias::new("account_id"))),
        )
        .and_where(col("m", "user_id").is_in(user_ids))
        .to_owned()
}

/// Where the grant of a [`grant_rows`] row applies for a user of `organization_id`, and whether
/// that is an active account (an organization grant counts as active); `None` for a grant of
/// another organization or on another organization's account.
pub(super) fn grant_target(row: &QueryResult, organization_id: &str) -> Result<Option<(GrantTarget, bool)>, DbErr> {
    Ok(match row.try_get::<Option<i32>>("", "account_id")? {
        Some(account) => {
            let account_org: Option<String> = row.try_get("", "account_organization_id")?;
            let status: Option<String> = row.try_get("", "account_status")?;
            (account_org.as_deref() == Some(organization_id))
                .then(|| (GrantTarget::Account(account), status.as_deref() == Some("ACTIVE")))
        }
        None => {
            let grant_org: Option<String> = row.try_get("", "grant_organization_id")?;
            (grant_org.as_deref() == Some(organization_id)).then_some((GrantTarget::Organization, true))
        }
    })
}

/// Adds the role of a [`grant_rows`] row to `roles` (its scope and user-type floor, read once) with
/// the row's capability; the role's id.
pub(super) fn add_role_row(roles: &mut HashMap<i32, RoleFacts>, row: &QueryResult) -> Result<i32, DbErr> {
    let role_id: i32 = row.try_get("", "role_id")?;
    let role = match roles.entry(role_id) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(e) => e.insert(RoleFacts {
            id: role_id,
            scope: parse::<Scope>(row.try_get("", "scope")?)?.into(),
            min_user_type: parse::<UserType>(row.try_get::<String>("", "min_user_type")?)?.into(),
            capabilities: Default::default(),
        }),
    };
    if let Some(cap) = row.try_get::<Option<i32>>("", "capability_id")? {
        role.capabilities.insert(cap);
    }
    Ok(role_id)
}

/// The original (v1) user model's part of each subject: their base roles and add-on roles (one
/// statement), and their organizations' account trees (one more).
async fn original_facts(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    subjects: &mut HashMap<i64, (String, Subject)>,
) -> Result<(), DbErr> {
    let users: Vec<(i64, String)> = subjects.iter().map(|(id, (org, _))| (*id, org.clone())).collect();
    for (user_id, original) in original_capabilities(db, catalog, &users).await? {
        if let Some((_, subject)) = subjects.get_mut(&user_id) {
            subject.original = original;
        }
    }
    Ok(())
}

/// The account capabilities the original (v1) user model gives each of `users` (user id and
/// organization id), per account (users without any are absent). Two statements.
pub async fn original_capabilities(
    db: &impl ConnectionTrait,
    catalog: &Catalog,
    users: &[(i64, String)],
) -> Result<HashMap<i64, BTreeMap<i32, CapabilitySet>>, DbErr> {
    let mut out = HashMap::new();
    if users.is_empty() {
        return Ok(out);
    }
    let ids = || users.iter().map(|(id, _)| *id);
    let memberships = Query::select()
        .expr_as(col("m", "user_id"), Alias::new("user_id"))
        .expr_as(col("m", "account_id"), Alias::new("account_id"))
        .expr_as(col("m", "base_role"), Alias::new("base_role"))
        .expr_as(Expr::cust("NULL"), Alias::new("product"))
        .expr_as(Expr::cust("NULL"), Alias::new("capability_id"))
        .from_as(Alias::new("original_memberships"), Alias::new("m"))
        .and_where(col("m", "user_id").is_in(ids()))
        .to_owned();
    let add_ons = Query::select()
        .expr_as(col("ua", "user_id"), Alias::new("user_id"))
        .expr_as(col("r", "account_id"), Alias::new("account_id"))
        .expr_as(Expr::cust("NULL"), Alias::new("base_role"))
        .expr_as(col("r", "product"), Alias::new("product"))
        .expr_as(col("rc", "capability_id"), Alias::new("capability_id"))
        .from_as(Alias::new("original_user_add_on_roles"), Alias::new("ua"))
        .join_as(
            JoinType::InnerJoin,
            Alias::new("original_add_on_roles"),
            Alias::new("r"),
            col("r", "id").equals((Alias::new("ua"), Alias::new("add_on_role_id"))),
        )
        .join_as(
            JoinType::LeftJoin,
            Alias::new("original_add_on_role_capabilities"),
            Alias::new("rc"),
            col("rc", "add_on_role_id").equals((Alias::new("r"), Alias::new("id"))),
        )
        .and_where(col("ua", "user_id").is_in(ids()))
        .to_owned();
    let mut statement = memberships;
    statement.union(UnionType::All, add_ons);
    let sets = catalog.original();
    let mut held: HashMap<i64, BTreeMap<i32, Held>> = HashMap::new();
    for row in db.query_all(&statement).await? {
        let user_id: i64 = row.try_get("", "user_id")?;
        let account_id: i32 = row.try_get("", "account_id")?;
        let entry = held.entry(user_id).or_default().entry(account_id).or_default();
        if let Some(role) = row.try_get::<Option<String>>("", "base_role")? {
            let role: BaseRole = parse::<OriginalBaseRole>(role)?.into();
            entry.role = entry.role.max(Some(role));
        }
        if let Some(product) = row.try_get::<Option<String>>("", "product")? {
            entry.add_on.extend(sets.manager(parse::<OriginalProduct>(product)?.into()));
        }
        if let Some(capability) = row.try_get::<Option<i32>>("", "capability_id")? {
            entry.add_on.insert(capability);
        }
    }
    // Read whether or not anyone holds a role: the same statements whatever the users.
    let organization_of: HashMap<i64, &String> = users.iter().map(|(id, org)| (*id, org)).collect();
    let organizations: Vec<String> =
        users.iter().map(|(_, org)| org.clone()).collect::<std::collections::BTreeSet<_>>().into_iter().collect();
    let trees = account_trees(db, &organizations).await?;
    for (user_id, held) in held {
        let Some(tree) = organization_of.get(&user_id).and_then(|org| trees.get(org.as_str())) else { continue };
        out.insert(user_id, original::account_capabilities(&held, tree, sets, catalog));
    }
    Ok(out)
}

/// The active accounts of each of `organizations`, with their parents.
pub async fn account_trees(
    db: &impl ConnectionTrait,
    organizations: &[String],
) -> Result<HashMap<String, AccountTree>, DbErr> {
    let accounts = Query::select()
        .columns([Alias::new("id"), Alias::new("parent_id"), Alias::new("organization_id")])
        .from(Alias::new("accounts"))
        .and_where(Expr::col(Alias::new("organization_id")).is_in(organizations.iter().cloned()))
        .and_where(Expr::col(Alias::new("status")).eq("ACTIVE"))
        .to_owned();
    let mut by_org: HashMap<String, Vec<(i32, Option<i32>)>> = HashMap::new();
    for row in db.query_all(&accounts).await? {
        by_org
            .entry(row.try_get("", "organization_id")?)
            .or_default()
            .push((row.try_get("", "id")?, row.try_get("", "parent_id")?));
    }
    Ok(by_org.into_iter().map(|(org, accounts)| (org, AccountTree::new(accounts))).collect())
}

pub(super) fn parse<T: sea_orm::ActiveEnum<Value = String>>(text: String) -> Result<T, DbErr> {
    T::try_from_value(&text).map_err(|e| DbErr::Type(format!("{e:?}")))
}

/// The permission model's own enums and their stored twins: `access/` knows nothing of storage.
macro_rules! same_variants {
    ($($stored:ident <=> $model:ident { $($variant:ident),+ $(,)? })*) => {$(
        impl From<entity::enums::$stored> for access::$model {
            fn from(value: entity::enums::$stored) -> Self {
                match value { $(entity::enums::$stored::$variant => access::$model::$variant,)+ }
            }
        }

        impl From<access::$model> for entity::enums::$stored {
            fn from(value: access::$model) -> Self {
                match value { $(access::$model::$variant => entity::enums::$stored::$variant,)+ }
            }
        }
    )*};
}

same_variants! {
    UserType <=> UserType { Basic, Core, Full }
    Scope <=> Scope { Account, Organization }
    Edition <=> Edition { Standard, Pro, Enterprise }
    IngestType <=> IngestType { License, Browser }
}

impl From<entity::enums::OriginalBaseRole> for original::BaseRole {
    fn from(value: entity::enums::OriginalBaseRole) -> Self {
        use entity::enums::OriginalBaseRole as S;
        match value {
            S::Owner => BaseRole::Owner,
            S::Admin => BaseRole::Admin,
            S::User => BaseRole::User,
            S::Restricted => BaseRole::Restricted,
        }
    }
}

impl From<original::BaseRole> for entity::enums::OriginalBaseRole {
    fn from(value: original::BaseRole) -> Self {
        use entity::enums::OriginalBaseRole as S;
        match value {
            BaseRole::Owner => S::Owner,
            BaseRole::Admin => S::Admin,
            BaseRole::User => S::User,
            BaseRole::Restricted => S::Restricted,
        }
    }
}

impl From<entity::enums::OriginalProduct> for original::Product {
    fn from(value: entity::enums::OriginalProduct) -> Self {
        use entity::enums::OriginalProduct as S;
        use original::Product as P;
        match value {
            S::Alerts => P::Alerts,
            S::Apm => P::Apm,
            S::Browser => P::Browser,
            S::Infrastructure => P::Infrastructure,
            S::Insights => P::Insights,
            S::Mobile => P::Mobile,
            S::Synthetics => P::Synthetics,
            S::Workloads => P::Workloads,
            S::Nerdpack => P::Nerdpack,
        }
    }
}

impl From<original::Product> for entity::enums::OriginalProduct {
    fn from(value: original::Product) -> Self {
        use entity::enums::OriginalProduct as S;
        use original::Product as P;
        match value {
            P::Alerts => S::Alerts,
            P::Apm => S::Apm,
            P::Browser => S::Browser,
            P::Infrastructure => S::Infrastructure,
            P::Insights => S::Insights,
            P::Mobile => S::Mobile,
            P::Synthetics => S::Synthetics,
            P::Workloads => S::Workloads,
            P::Nerdpack => S::Nerdpack,
        }
    }
}

impl From<entity::enums::SyntheticsEntityKind> for access::synthetics::EntityKind {
    fn from(value: entity::enums::SyntheticsEntityKind) -> Self {
        match value {
            entity::enums::SyntheticsEntityKind::Monitor => access::synthetics::EntityKind::Monitor,
            entity::enums::SyntheticsEntityKind::PrivateLocation => access::synthetics::EntityKind::PrivateLocation,
        }
    }
}

impl From<access::synthetics::EntityKind> for entity::enums::SyntheticsEntityKind {
    fn from(value: access::synthetics::EntityKind) -> Self {
        match value {
            access::synthetics::EntityKind::Monitor => entity::enums::SyntheticsEntityKind::Monitor,
            access::synthetics::EntityKind::PrivateLocation => entity::enums::SyntheticsEntityKind::PrivateLocation,
        }
    }
}
