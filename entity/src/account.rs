use sea_orm::entity::prelude::*;

use crate::enums::AccountStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "accounts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organization_id: String,
    pub name: String,
    /// The parent account of a child account.
    pub parent_id: Option<i32>,
    /// `us01` or `eu01`.
    pub region_code: String,
    pub status: AccountStatus,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
