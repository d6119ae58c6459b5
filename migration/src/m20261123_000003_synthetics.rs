//! Synthetics: monitors, private locations and secure credentials per account, and the Synthetics
//! permission system (per-account switch, permission groups, their members and rules).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000003_synthetics"
    }
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SyntheticsMonitors {
    Table,
    Id,
    AccountId,
    Guid,
    Kind,
    Name,
    Period,
    Status,
    Uri,
    Script,
    Steps,
    PublicLocations,
    PrivateLocations,
    Runtime,
    Settings,
    Tags,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SyntheticsPrivateLocations {
    Table,
    Id,
    AccountId,
    Guid,
    Name,
    Description,
    VerifiedScriptExecution,
    Shared,
    KeyHash,
    JobQueueSize,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SyntheticsSecureCredentials {
    Table,
    AccountId,
    Key,
    Description,
    ValueHash,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SyntheticsPermissionSettings {
    Table,
    AccountId,
    Enabled,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SyntheticsPermissionGroups {
    Table,
    Id,
    AccountId,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SyntheticsPermissionGroupMembers {
    Table,
    GroupId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SyntheticsPermissionRules {
    Table,
    Id,
    GroupId,
    EntityKind,
    Target,
    CanView,
    CanEdit,
}

fn one_of(col: impl IntoIden, values: &[&str]) -> SimpleExpr {
    Expr::col(col.into_iden()).is_in(values.iter().copied())
}

fn cascade(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .on_update(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(name: &str, table: impl IntoIden, cols: &[&'static str], unique: bool) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    if unique {
        stmt.unique();
    }
    stmt.to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SyntheticsMonitors::Table)
                    .col(string_len(SyntheticsMonitors::Id, 36).primary_key())
                    .col(integer(SyntheticsMonitors::AccountId))
                    .col(string_len_uniq(SyntheticsMonitors::Guid, 128))
                    .col(string_len(SyntheticsMonitors::Kind, 16).check(one_of(
                        SyntheticsMonitors::Kind,
                        &[
                            "SIMPLE",
                            "BROWSER",
                            "SCRIPT_API",
                            "SCRIPT_BROWSER",
                            "STEP_MONITOR",
                            "BROKEN_LINKS",
                            "CERT_CHECK",
                        ],
                    )))
                    .col(string(SyntheticsMonitors::Name))
                    .col(string_len(SyntheticsMonitors::Period, 32))
                    .col(
                        string_len(SyntheticsMonitors::Status, 16)
                            .check(one_of(SyntheticsMonitors::Status, &["ENABLED", "DISABLED", "MUTED"])),
                    )
                    .col(text_null(SyntheticsMonitors::Uri))
                    .col(text_null(SyntheticsMonitors::Script))
                    .col(json_null(SyntheticsMonitors::Steps))
                    .col(json(SyntheticsMonitors::PublicLocations))
                    .col(json(SyntheticsMonitors::PrivateLocations))
                    .col(json_null(SyntheticsMonitors::Runtime))
                    .col(json(SyntheticsMonitors::Settings))
                    .col(json(SyntheticsMonitors::Tags))
                    .col(timestamp_with_time_zone(SyntheticsMonitors::CreatedAt))
                    .col(timestamp_with_time_zone(SyntheticsMonitors::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_synthetics_monitors_account",
                        (SyntheticsMonitors::Table, SyntheticsMonitors::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_synthetics_monitors_account",
                SyntheticsMonitors::Table,
                &["account_id", "name"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyntheticsPrivateLocations::Table)
                    .col(string_len(SyntheticsPrivateLocations::Id, 36).primary_key())
                    .col(integer(SyntheticsPrivateLocations::AccountId))
                    .col(string_len_uniq(SyntheticsPrivateLocations::Guid, 128))
                    .col(string(SyntheticsPrivateLocations::Name))
                    .col(text(SyntheticsPrivateLocations::Description))
                    .col(boolean(SyntheticsPrivateLocations::VerifiedScriptExecution))
                    .col(boolean(SyntheticsPrivateLocations::Shared))
                    .col(string_len(SyntheticsPrivateLocations::KeyHash, 64))
                    .col(integer(SyntheticsPrivateLocations::JobQueueSize))
                    .col(timestamp_with_time_zone(SyntheticsPrivateLocations::CreatedAt))
                    .col(timestamp_with_time_zone(SyntheticsPrivateLocations::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_synthetics_private_locations_account",
                        (SyntheticsPrivateLocations::Table, SyntheticsPrivateLocations::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_synthetics_private_locations_name",
                SyntheticsPrivateLocations::Table,
                &["account_id", "name"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyntheticsSecureCredentials::Table)
                    .col(integer(SyntheticsSecureCredentials::AccountId))
                    .col(string_len(SyntheticsSecureCredentials::Key, 64))
                    .col(text(SyntheticsSecureCredentials::Description))
                    .col(string_len(SyntheticsSecureCredentials::ValueHash, 64))
                    .col(timestamp_with_time_zone(SyntheticsSecureCredentials::CreatedAt))
                    .col(timestamp_with_time_zone(SyntheticsSecureCredentials::UpdatedAt))
                    .primary_key(
                        Index::create()
                            .col(SyntheticsSecureCredentials::AccountId)
                            .col(SyntheticsSecureCredentials::Key),
                    )
                    .foreign_key(&mut cascade(
                        "fk_synthetics_secure_credentials_account",
                        (SyntheticsSecureCredentials::Table, SyntheticsSecureCredentials::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyntheticsPermissionSettings::Table)
                    .col(integer(SyntheticsPermissionSettings::AccountId).primary_key())
                    .col(boolean(SyntheticsPermissionSettings::Enabled))
                    .col(timestamp_with_time_zone(SyntheticsPermissionSettings::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_synthetics_permission_settings_account",
                        (SyntheticsPermissionSettings::Table, SyntheticsPermissionSettings::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyntheticsPermissionGroups::Table)
                    .col(string_len(SyntheticsPermissionGroups::Id, 36).primary_key())
                    .col(integer(SyntheticsPermissionGroups::AccountId))
                    .col(string(SyntheticsPermissionGroups::Name))
                    .col(timestamp_with_time_zone(SyntheticsPermissionGroups::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_synthetics_permission_groups_account",
                        (SyntheticsPermissionGroups::Table, SyntheticsPermissionGroups::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_synthetics_permission_groups_name",
                SyntheticsPermissionGroups::Table,
                &["account_id", "name"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyntheticsPermissionGroupMembers::Table)
                    .col(string_len(SyntheticsPermissionGroupMembers::GroupId, 36))
                    .col(big_integer(SyntheticsPermissionGroupMembers::UserId))
                    .col(timestamp_with_time_zone(SyntheticsPermissionGroupMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(SyntheticsPermissionGroupMembers::GroupId)
                            .col(SyntheticsPermissionGroupMembers::UserId),
                    )
                    .foreign_key(&mut cascade(
                        "fk_synthetics_members_group",
                        (SyntheticsPermissionGroupMembers::Table, SyntheticsPermissionGroupMembers::GroupId),
                        (SyntheticsPermissionGroups::Table, SyntheticsPermissionGroups::Id),
                    ))
                    .foreign_key(&mut cascade(
                        "fk_synthetics_members_user",
                        (SyntheticsPermissionGroupMembers::Table, SyntheticsPermissionGroupMembers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_synthetics_members_user",
                SyntheticsPermissionGroupMembers::Table,
                &["user_id", "group_id"],
                false,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SyntheticsPermissionRules::Table)
                    .col(pk_auto(SyntheticsPermissionRules::Id))
                    .col(string_len(SyntheticsPermissionRules::GroupId, 36))
                    .col(
                        string_len(SyntheticsPermissionRules::EntityKind, 16)
                            .check(one_of(SyntheticsPermissionRules::EntityKind, &["MONITOR", "PRIVATE_LOCATION"])),
                    )
                    // `*` for every entity of the kind, else the entity's GUID.
                    .col(string_len(SyntheticsPermissionRules::Target, 128))
                    .col(boolean(SyntheticsPermissionRules::CanView))
                    .col(boolean(SyntheticsPermissionRules::CanEdit))
                    .foreign_key(&mut cascade(
                        "fk_synthetics_rules_group",
                        (SyntheticsPermissionRules::Table, SyntheticsPermissionRules::GroupId),
                        (SyntheticsPermissionGroups::Table, SyntheticsPermissionGroups::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_synthetics_rules_target",
                SyntheticsPermissionRules::Table,
                &["group_id", "entity_kind", "target"],
                true,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SyntheticsPermissionRules::Table.into_iden(),
            SyntheticsPermissionGroupMembers::Table.into_iden(),
            SyntheticsPermissionGroups::Table.into_iden(),
            SyntheticsPermissionSettings::Table.into_iden(),
            SyntheticsSecureCredentials::Table.into_iden(),
            SyntheticsPrivateLocations::Table.into_iden(),
            SyntheticsMonitors::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
