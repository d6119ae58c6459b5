use sea_orm::entity::prelude::*;

/// SCIM's bookkeeping for a user or group it provisions: the identity provider's externalId, the
/// SCIM attributes AccessGraph does not model (name parts, emails), and lastModified/version.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "scim_resources")]
pub struct Model {
    /// `User` or `Group`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_type: String,
    /// The user's id (as text) or the group's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub resource_id: String,
    pub authentication_domain_id: String,
    pub external_id: Option<String>,
    pub attributes: Option<Json>,
    pub version: i64,
    pub last_modified: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
