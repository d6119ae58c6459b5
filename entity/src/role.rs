use sea_orm::entity::prelude::*;

use crate::enums::{RoleType, Scope, UserType};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    /// Machine name, e.g. `all_product_admin`.
    pub name: String,
    pub display_name: String,
    pub scope: Scope,
    pub role_type: RoleType,
    /// The owning organization of a custom role; `None` for standard roles.
    pub organization_id: Option<String>,
    /// The least user type this role gives anything to ("core or full required").
    pub min_user_type: UserType,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
