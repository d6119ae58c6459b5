//! `organizations.access_version`: a number every access-changing write bumps in its own
//! transaction (`domain::confirm`). Authentication reads it in the statement that checks the key,
//! so an instance may reuse a user's effective access computed under the same version and must
//! recompute it after any change, whichever instance made it.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000001_access_version"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("organizations"))
                    .add_column(ColumnDef::new(Alias::new("access_version")).big_integer().not_null().default(0))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Alias::new("organizations")).drop_column(Alias::new("access_version")).to_owned(),
            )
            .await
    }
}
