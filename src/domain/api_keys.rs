//! API keys: stored as hashes, shown once.

use entity::api_key;
use entity::enums::KeyType;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};

use crate::auth::keys::{ApiKeySecret, new_key_id};

/// Stores a user key for `user_id` on `account_id`; the caller holds the plaintext.
pub async fn insert_user_key(
    db: &impl ConnectionTrait,
    user_id: i64,
    account_id: i32,
    name: &str,
    notes: &str,
    secret: &ApiKeySecret,
) -> Result<api_key::Model, DbErr> {
    api_key::ActiveModel {
        id: Set(new_key_id()),
        key_hash: Set(secret.hash()),
        key_prefix: Set(secret.shown_prefix().to_owned()),
        key_type: Set(KeyType::User),
        ingest_type: Set(None),
        user_id: Set(Some(user_id)),
        account_id: Set(account_id),
        name: Set(name.to_owned()),
        notes: Set(notes.to_owned()),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await
}
