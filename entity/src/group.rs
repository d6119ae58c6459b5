use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub authentication_domain_id: String,
    pub display_name: String,
    /// The default Admin and User groups every authentication domain starts with.
    pub is_default: bool,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::authentication_domain::Entity",
        from = "Column::AuthenticationDomainId",
        to = "super::authentication_domain::Column::Id"
    )]
    AuthenticationDomain,
}

impl Related<super::authentication_domain::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::AuthenticationDomain.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
