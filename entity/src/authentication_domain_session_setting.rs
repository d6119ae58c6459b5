use sea_orm::entity::prelude::*;

/// An authentication domain's session settings; a domain without a row has the defaults.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "authentication_domain_session_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub authentication_domain_id: String,
    /// A session unused for this long ends.
    pub idle_timeout_minutes: i32,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
