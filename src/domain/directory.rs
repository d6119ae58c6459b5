//! Reads of organizations, accounts and users, batched by id for the DataLoaders.

use std::collections::HashMap;

use entity::enums::AccountStatus;
use entity::{account, organization, user};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

pub async fn users_by_id(db: &impl ConnectionTrait, ids: &[i64]) -> Result<HashMap<i64, user::Model>, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

pub async fn accounts_by_id(db: &impl ConnectionTrait, ids: &[i32]) -> Result<HashMap<i32, account::Model>, DbErr> {
    Ok(account::Entity::find()
        .filter(account::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect())
}

pub async fn organizations_by_id(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<HashMap<String, organization::Model>, DbErr> {
    Ok(organization::Entity::find()
        .filter(organization::Column::Id.is_in(ids.iter().cloned()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect())
}

/// The organization's primary account: its first-created active account.
pub async fn primary_account(
    db: &impl ConnectionTrait,
    organization_id: &str,
) -> Result<Option<account::Model>, DbErr> {
    account::Entity::find()
        .filter(account::Column::OrganizationId.eq(organization_id))
        .filter(account::Column::Status.eq(AccountStatus::Active))
        .order_by_asc(account::Column::Id)
        .one(db)
        .await
}
