//! SCIM 2.0 provisioning: one bearer token per SCIM-provisioned authentication domain (only its
//! hash is stored), SCIM's bookkeeping for the users and groups it provisions (externalId,
//! lastModified, version, and the attributes AccessGraph does not model), and the SCIM token an
//! audit event was made with.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000030_scim"
    }
}

#[derive(DeriveIden)]
enum ScimTokens {
    Table,
    Id,
    AuthenticationDomainId,
    TokenHash,
    CreatedByUserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ScimResources {
    Table,
    ResourceType,
    ResourceId,
    AuthenticationDomainId,
    ExternalId,
    Attributes,
    Version,
    LastModified,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    ActorScimTokenId,
}

fn domains() -> Alias {
    Alias::new("authentication_domains")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScimTokens::Table)
                    .col(big_pk_auto(ScimTokens::Id))
                    .col(string_len(ScimTokens::AuthenticationDomainId, 36))
                    .col(string_len(ScimTokens::TokenHash, 64))
                    .col(big_integer_null(ScimTokens::CreatedByUserId))
                    .col(timestamp_with_time_zone(ScimTokens::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scim_tokens_domain")
                            .from(ScimTokens::Table, ScimTokens::AuthenticationDomainId)
                            .to(domains(), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // One token per domain: generating again replaces it.
        manager
            .create_index(
                Index::create()
                    .name("uq_scim_tokens_domain")
                    .table(ScimTokens::Table)
                    .col(ScimTokens::AuthenticationDomainId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_scim_tokens_hash")
                    .table(ScimTokens::Table)
                    .col(ScimTokens::TokenHash)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ScimResources::Table)
                    .col(string_len(ScimResources::ResourceType, 16))
                    .col(string_len(ScimResources::ResourceId, 36))
                    .col(string_len(ScimResources::AuthenticationDomainId, 36))
                    .col(string_null(ScimResources::ExternalId))
                    .col(json_null(ScimResources::Attributes))
                    .col(big_integer(ScimResources::Version))
                    .col(timestamp_with_time_zone(ScimResources::LastModified))
                    .primary_key(Index::create().col(ScimResources::ResourceType).col(ScimResources::ResourceId))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_scim_resources_domain")
                            .from(ScimResources::Table, ScimResources::AuthenticationDomainId)
                            .to(domains(), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_scim_resources_external_id")
                    .table(ScimResources::Table)
                    .col(ScimResources::AuthenticationDomainId)
                    .col(ScimResources::ResourceType)
                    .col(ScimResources::ExternalId)
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(big_integer_null(AuditEvents::ActorScimTokenId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(AuditEvents::Table).drop_column(AuditEvents::ActorScimTokenId).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(ScimResources::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(ScimTokens::Table).to_owned()).await
    }
}
