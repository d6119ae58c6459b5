use sea_orm::entity::prelude::*;

use crate::enums::{CapabilityCategory, Scope};

/// One entry of the capability catalog (NerdGraph calls them permissions).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "capabilities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub name: String,
    pub feature: String,
    pub product: String,
    pub category: CapabilityCategory,
    pub description: String,
    /// Part of Full-Stack Observability: never available to basic users, and full platform only.
    pub full_stack_observability: bool,
    /// Not selectable for custom roles.
    pub hidden: bool,
    pub scope: Scope,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
