//! An index for reading API keys by account: `keySearch` narrowed to accounts, and the count of an
//! account's ingest keys of one type (at most 1,000) that every ingest key creation makes.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000004_api_key_account_index"
    }
}

const INDEX: &str = "idx_api_keys_account_type";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(INDEX)
                    .table(Alias::new("api_keys"))
                    .col(Alias::new("account_id"))
                    .col(Alias::new("key_type"))
                    .col(Alias::new("ingest_type"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name(INDEX).table(Alias::new("api_keys")).to_owned()).await
    }
}
