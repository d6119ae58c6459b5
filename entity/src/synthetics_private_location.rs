use sea_orm::entity::prelude::*;

/// A Synthetics private location of an account.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "synthetics_private_locations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub account_id: i32,
    /// Unpadded base64 of `<accountId>|SYNTH|PRIVATE_LOCATION|<id>`.
    pub guid: String,
    pub name: String,
    pub description: String,
    pub verified_script_execution: bool,
    pub shared: bool,
    /// SHA-256 of the location key shown once at creation.
    pub key_hash: String,
    pub job_queue_size: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
