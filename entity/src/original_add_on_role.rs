use sea_orm::entity::prelude::*;

use crate::enums::OriginalProduct;

/// An add-on role of an account: a product manager role (`product` set) or a custom one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "original_add_on_roles")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub account_id: i32,
    pub name: String,
    pub product: Option<OriginalProduct>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
