use sea_orm::entity::prelude::*;

use crate::enums::{IngestType, KeyType};

/// An API key. Only a hash of the secret is stored; the secret is shown once, at creation.
#[derive(Clone, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_keys")]
pub struct Model {
    /// 64 hex characters.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub key_hash: String,
    /// The first characters of the secret, for showing it truncated.
    pub key_prefix: String,
    pub key_type: KeyType,
    pub ingest_type: Option<IngestType>,
    pub user_id: Option<i64>,
    pub account_id: i32,
    pub name: String,
    pub notes: String,
    pub created_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKey")
            .field("id", &self.id)
            .field("key_prefix", &self.key_prefix)
            .field("key_type", &self.key_type)
            .field("user_id", &self.user_id)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
