//! The facts behind "delegation never escalates" and "an organization keeps its manager", read
//! inside a change's transaction; `access::decision` decides.
//!
//! - Acting on a user (changing, deactivating or deleting them, taking away their memberships or
//!   keys) needs everything that user can do to be within what the actor can do.
//! - A change that gives or takes away access (a membership, a grant, a group, a user type, a
//!   role's capabilities) may move only access the actor holds: the users' access is read before
//!   and after the change, and what they gained or lost must be within the actor's.
//! - An organization always keeps at least one active organization manager: a change that would
//!   leave none is refused.

use std::collections::HashMap;

use entity::enums::UserType;
use entity::{access_grant, authentication_domain, group_membership, role, user};
use sea_orm::sea_query::{Expr, ExprTrait, JoinType, Query};
use sea_orm::{ConnectionTrait, DbErr};

use super::access_facts;
use crate::access::EffectiveAccess;
use crate::access::caps::roles::ORGANIZATION_MANAGER;
use crate::access::decision::{self, Action, Principal};
use crate::error::{AppError, AppResult};

/// The message of a change that would leave the organization without a manager.
pub const LAST_ORGANIZATION_MANAGER: &str =
    "This change would leave the organization without an active organization manager";

/// The effective access of each of `users` now (users that do not exist have none).
pub async fn access_of(
    db: &impl ConnectionTrait,
    principal: &Principal,
    users: &[i64],
) -> Result<HashMap<i64, EffectiveAccess>, DbErr> {
    let mut found = access_facts::effective_access(db, &principal.catalog, users).await?;
    for id in users {
        found.entry(*id).or_default();
    }
    Ok(found)
}

/// Refuses unless the actor may act on every one of `users` (their whole access is within the
/// actor's; acting on oneself is always allowed here).
pub async fn check_acting_on(db: &impl ConnectionTrait, principal: &Principal, users: &[i64]) -> AppResult<()> {
    for (user, access) in access_of(db, principal, users).await? {
        decision::check(principal, Action::ActOnUser { user, access: &access })?;
    }
    Ok(())
}

/// Refuses when a change made after `before` was read gave any of its users, or took away from
/// them, access the actor does not hold.
pub async fn check_changes(
    db: &impl ConnectionTrait,
    principal: &Principal,
    before: &HashMap<i64, EffectiveAccess>,
) -> AppResult<()> {
    let users: Vec<i64> = before.keys().copied().collect();
    let after = access_of(db, principal, &users).await?;
    for (user, now) in &after {
        let was = before.get(user).cloned().unwrap_or_default();
        decision::check(principal, Action::Carry(&now.gained_since(&was)))?;
        decision::check(principal, Action::Carry(&was.gained_since(now)))?;
    }
    Ok(())
}

/// The active users of `organization_id` who hold the Organization manager role through a group.
pub async fn organization_managers(db: &impl ConnectionTrait, organization_id: &str) -> Result<Vec<i64>, DbErr> {
    let stmt = Query::select()
        .distinct()
        .column((user::Entity, user::Column::Id))
        .from(user::Entity)
        .join(
            JoinType::InnerJoin,
            authentication_domain::Entity,
            Expr::col((authentication_domain::Entity, authentication_domain::Column::Id))
                .equals((user::Entity, user::Column::AuthenticationDomainId)),
        )
        .join(
            JoinType::InnerJoin,
            group_membership::Entity,
            Expr::col((group_membership::Entity, group_membership::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .join(
            JoinType::InnerJoin,
            access_grant::Entity,
            Expr::col((access_grant::Entity, access_grant::Column::GroupId))
                .equals((group_membership::Entity, group_membership::Column::GroupId)),
        )
        .join(
            JoinType::InnerJoin,
            role::Entity,
            Expr::col((role::Entity, role::Column::Id)).equals((access_grant::Entity, access_grant::Column::RoleId)),
        )
        .and_where(
            Expr::col((authentication_domain::Entity, authentication_domain::Column::OrganizationId))
                .eq(organization_id),
        )
        .and_where(Expr::col((access_grant::Entity, access_grant::Column::OrganizationId)).eq(organization_id))
        .and_where(Expr::col((role::Entity, role::Column::Name)).eq(ORGANIZATION_MANAGER))
        .and_where(Expr::col((user::Entity, user::Column::Active)).eq(true))
        // Organization roles give a basic user nothing.
        .and_where(Expr::col((user::Entity, user::Column::UserType)).ne(UserType::Basic))
        .to_owned();
    let mut managers = Vec::new();
    for row in db.query_all(&stmt).await? {
        managers.push(row.try_get::<i64>("", "id")?);
    }
    Ok(managers)
}

/// Refuses a change that left `organization_id` without an active organization manager.
pub async fn ensure_organization_manager(db: &impl ConnectionTrait, organization_id: &str) -> AppResult<()> {
    if organization_managers(db, organization_id).await?.is_empty() {
        Err(AppError::bad_input(LAST_ORGANIZATION_MANAGER))
    } else {
        Ok(())
    }
}
