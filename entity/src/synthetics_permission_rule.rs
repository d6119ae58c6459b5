use sea_orm::entity::prelude::*;

use crate::enums::SyntheticsEntityKind;

/// View and/or Edit on every entity of a kind (`target` = `*`) or on one entity (its GUID).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "synthetics_permission_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub group_id: String,
    pub entity_kind: SyntheticsEntityKind,
    pub target: String,
    pub can_view: bool,
    pub can_edit: bool,
}

/// The `target` of a rule on every entity of its kind.
pub const ALL: &str = "*";

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
