use sea_orm::entity::prelude::*;

/// A capability of a custom add-on role.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "original_add_on_role_capabilities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub add_on_role_id: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub capability_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
