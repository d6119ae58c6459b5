//! Loads what the permission model needs about many users at once, in two statements, and asks
//! `access::effective_access` for each user's answer.

use std::collections::HashMap;

use entity::enums::{Scope, UserType};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{ConnectionTrait, DbErr};

use crate::access::{self, Catalog, EffectiveAccess, GrantFacts, GrantTarget, RoleFacts, Subject};

fn col(table: &str, column: &str) -> Expr {
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
        let subject = Subject { user_type, active: row.try_get("", "active")?, grants: Vec::new() };
        subjects.insert(id, (row.try_get("", "organization_id")?, subject));
    }

    // 2. Every grant reaching them through their groups, with the role and its capabilities.
    let grants = Query::select()
        .expr_as(col("m", "user_id"), Alias::new("user_id"))
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
        .and_where(col("m", "user_id").is_in(subjects.keys().copied()))
        .to_owned();
    let mut roles: HashMap<i32, RoleFacts> = HashMap::new();
    for row in db.query_all(&grants).await? {
        let user_id: i64 = row.try_get("", "user_id")?;
        let Some((organization_id, subject)) = subjects.get_mut(&user_id) else { continue };
        let role_id: i32 = row.try_get("", "role_id")?;
        let account_id: Option<i32> = row.try_get("", "account_id")?;
        let target = match account_id {
            Some(account) => {
                // Only active accounts of the user's own organization.
                let account_org: Option<String> = row.try_get("", "account_organization_id")?;
                let status: Option<String> = row.try_get("", "account_status")?;
                if account_org.as_deref() != Some(organization_id.as_str()) || status.as_deref() != Some("ACTIVE") {
                    continue;
                }
                GrantTarget::Account(account)
            }
            None => {
                let grant_org: Option<String> = row.try_get("", "grant_organization_id")?;
                if grant_org.as_deref() != Some(organization_id.as_str()) {
                    continue;
                }
                GrantTarget::Organization
            }
        };
        let grant = GrantFacts { role_id, target };
        if !subject.grants.contains(&grant) {
            subject.grants.push(grant);
        }
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
    }

    Ok(subjects
        .into_iter()
        .map(|(id, (_, subject))| (id, access::effective_access(&subject, &roles, catalog)))
        .collect())
}

fn parse<T: sea_orm::ActiveEnum<Value = String>>(text: String) -> Result<T, DbErr> {
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
