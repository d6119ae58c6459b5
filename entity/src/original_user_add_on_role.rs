use sea_orm::entity::prelude::*;

/// An add-on role held by a user.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "original_user_add_on_roles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub add_on_role_id: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::original_add_on_role::Entity",
        from = "Column::AddOnRoleId",
        to = "super::original_add_on_role::Column::Id"
    )]
    AddOnRole,
}

impl Related<super::original_add_on_role::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AddOnRole.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
