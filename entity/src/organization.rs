use sea_orm::entity::prelude::*;

use crate::enums::Edition;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    pub edition: Edition,
    pub customer_id: String,
    pub created_at: DateTimeUtc,
    /// Bumped by every access-changing write (see `domain::confirm`); caches of effective access
    /// are valid only under the version they were computed at.
    pub access_version: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
