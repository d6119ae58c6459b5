//! The core identity and access model: organizations, accounts, authentication domains, users,
//! groups, memberships, the capability catalog, roles, access grants, API keys and audit events.

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_core_tables"
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    Edition,
    CustomerId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    OrganizationId,
    Name,
    ParentId,
    RegionCode,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuthenticationDomains {
    Table,
    Id,
    OrganizationId,
    Name,
    AuthenticationType,
    ProvisioningType,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    AuthenticationDomainId,
    Email,
    EmailLower,
    Name,
    UserType,
    TimeZone,
    EmailVerificationState,
    PendingUpgradeType,
    PendingUpgradeMessage,
    Active,
    LastActive,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    Id,
    AuthenticationDomainId,
    DisplayName,
    IsDefault,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GroupMemberships {
    Table,
    GroupId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Capabilities {
    Table,
    Id,
    Name,
    Feature,
    Product,
    Category,
    Description,
    FullStackObservability,
    Hidden,
    Scope,
}

#[derive(DeriveIden)]
enum Roles {
    Table,
    Id,
    Name,
    DisplayName,
    Scope,
    RoleType,
    OrganizationId,
    MinUserType,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RoleCapabilities {
    Table,
    RoleId,
    CapabilityId,
}

#[derive(DeriveIden)]
enum AccessGrants {
    Table,
    Id,
    GroupId,
    RoleId,
    AccountId,
    OrganizationId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    KeyHash,
    KeyPrefix,
    KeyType,
    IngestType,
    UserId,
    AccountId,
    Name,
    Notes,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    OrganizationId,
    ActorUserId,
    Action,
    TargetType,
    TargetId,
    Before,
    After,
    CreatedAt,
}

/// `col IN ('A', 'B', ...)`, for CHECK constraints on the enumerated text columns.
fn one_of(col: impl IntoIden, values: &[&str]) -> SimpleExpr {
    Expr::col(col.into_iden()).is_in(values.iter().copied())
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
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
        use ForeignKeyAction::{Cascade, Restrict};

        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(string_len(Organizations::Id, 36).primary_key())
                    .col(string(Organizations::Name))
                    .col(
                        string_len(Organizations::Edition, 16)
                            .check(one_of(Organizations::Edition, &["STANDARD", "PRO", "ENTERPRISE"])),
                    )
                    .col(string_len_uniq(Organizations::CustomerId, 32))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(pk_auto(Accounts::Id))
                    .col(string_len(Accounts::OrganizationId, 36))
                    .col(string(Accounts::Name))
                    .col(integer_null(Accounts::ParentId))
                    .col(string_len(Accounts::RegionCode, 8).check(one_of(Accounts::RegionCode, &["us01", "eu01"])))
                    .col(string_len(Accounts::Status, 16).check(one_of(Accounts::Status, &["ACTIVE", "CANCELED"])))
                    .col(timestamp_with_time_zone(Accounts::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_accounts_organization",
                        (Accounts::Table, Accounts::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_accounts_parent",
                        (Accounts::Table, Accounts::ParentId),
                        (Accounts::Table, Accounts::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_accounts_organization", Accounts::Table, &["organization_id", "id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuthenticationDomains::Table)
                    .col(string_len(AuthenticationDomains::Id, 36).primary_key())
                    .col(string_len(AuthenticationDomains::OrganizationId, 36))
                    .col(string(AuthenticationDomains::Name))
                    .col(
                        string_len(AuthenticationDomains::AuthenticationType, 16)
                            .check(one_of(AuthenticationDomains::AuthenticationType, &["PASSWORD", "SAML"])),
                    )
                    .col(
                        string_len(AuthenticationDomains::ProvisioningType, 16)
                            .check(one_of(AuthenticationDomains::ProvisioningType, &["MANUAL", "SCIM"])),
                    )
                    .col(timestamp_with_time_zone(AuthenticationDomains::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_authentication_domains_organization",
                        (AuthenticationDomains::Table, AuthenticationDomains::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_authentication_domains_name",
                AuthenticationDomains::Table,
                &["organization_id", "name"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(big_pk_auto(Users::Id))
                    .col(string_len(Users::AuthenticationDomainId, 36))
                    .col(string(Users::Email))
                    .col(string(Users::EmailLower))
                    .col(string(Users::Name))
                    .col(string_len(Users::UserType, 8).check(one_of(Users::UserType, &["BASIC", "CORE", "FULL"])))
                    .col(string(Users::TimeZone))
                    .col(
                        string_len(Users::EmailVerificationState, 16)
                            .check(one_of(Users::EmailVerificationState, &["PENDING", "VERIFIED", "NOT_VERIFIABLE"])),
                    )
                    .col(
                        string_len_null(Users::PendingUpgradeType, 8)
                            .check(one_of(Users::PendingUpgradeType, &["BASIC", "CORE", "FULL"])),
                    )
                    .col(text_null(Users::PendingUpgradeMessage))
                    .col(boolean(Users::Active).default(true))
                    .col(timestamp_with_time_zone_null(Users::LastActive))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_users_authentication_domain",
                        (Users::Table, Users::AuthenticationDomainId),
                        (AuthenticationDomains::Table, AuthenticationDomains::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_users_domain_email",
                Users::Table,
                &["authentication_domain_id", "email_lower"],
                true,
            ))
            .await?;
        manager
            .create_index(index("idx_users_domain_id", Users::Table, &["authentication_domain_id", "id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Groups::Table)
                    .col(string_len(Groups::Id, 36).primary_key())
                    .col(string_len(Groups::AuthenticationDomainId, 36))
                    .col(string(Groups::DisplayName))
                    .col(boolean(Groups::IsDefault).default(false))
                    .col(timestamp_with_time_zone(Groups::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_groups_authentication_domain",
                        (Groups::Table, Groups::AuthenticationDomainId),
                        (AuthenticationDomains::Table, AuthenticationDomains::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_groups_domain_display_name",
                Groups::Table,
                &["authentication_domain_id", "display_name"],
                true,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(GroupMemberships::Table)
                    .col(string_len(GroupMemberships::GroupId, 36))
                    .col(big_integer(GroupMemberships::UserId))
                    .col(timestamp_with_time_zone(GroupMemberships::CreatedAt))
                    .primary_key(Index::create().col(GroupMemberships::GroupId).col(GroupMemberships::UserId))
                    .foreign_key(&mut fk(
                        "fk_group_memberships_group",
                        (GroupMemberships::Table, GroupMemberships::GroupId),
                        (Groups::Table, Groups::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_group_memberships_user",
                        (GroupMemberships::Table, GroupMemberships::UserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("idx_group_memberships_user", GroupMemberships::Table, &["user_id", "group_id"], false))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Capabilities::Table)
                    .col(integer(Capabilities::Id).primary_key())
                    .col(string_uniq(Capabilities::Name))
                    .col(string(Capabilities::Feature))
                    .col(string(Capabilities::Product))
                    .col(string_len(Capabilities::Category, 8).check(one_of(
                        Capabilities::Category,
                        &["READ", "VIEW", "MODIFY", "DELETE", "MANAGE", "OTHER"],
                    )))
                    .col(text(Capabilities::Description))
                    .col(boolean(Capabilities::FullStackObservability))
                    .col(boolean(Capabilities::Hidden))
                    .col(
                        string_len(Capabilities::Scope, 16)
                            .check(one_of(Capabilities::Scope, &["ACCOUNT", "ORGANIZATION"])),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Roles::Table)
                    .col(pk_auto(Roles::Id))
                    .col(string(Roles::Name))
                    .col(string(Roles::DisplayName))
                    .col(string_len(Roles::Scope, 16).check(one_of(Roles::Scope, &["ACCOUNT", "ORGANIZATION"])))
                    .col(string_len(Roles::RoleType, 16).check(one_of(Roles::RoleType, &["STANDARD", "CUSTOM"])))
                    .col(string_len_null(Roles::OrganizationId, 36))
                    .col(
                        string_len(Roles::MinUserType, 8).check(one_of(Roles::MinUserType, &["BASIC", "CORE", "FULL"])),
                    )
                    .col(timestamp_with_time_zone(Roles::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_roles_organization",
                        (Roles::Table, Roles::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        // Custom role names are unique per organization; standard roles (no organization) by name.
        manager
            .create_index(index("uq_roles_organization_name", Roles::Table, &["organization_id", "name"], true))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RoleCapabilities::Table)
                    .col(integer(RoleCapabilities::RoleId))
                    .col(integer(RoleCapabilities::CapabilityId))
                    .primary_key(Index::create().col(RoleCapabilities::RoleId).col(RoleCapabilities::CapabilityId))
                    .foreign_key(&mut fk(
                        "fk_role_capabilities_role",
                        (RoleCapabilities::Table, RoleCapabilities::RoleId),
                        (Roles::Table, Roles::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_role_capabilities_capability",
                        (RoleCapabilities::Table, RoleCapabilities::CapabilityId),
                        (Capabilities::Table, Capabilities::Id),
                        Restrict,
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccessGrants::Table)
                    .col(pk_auto(AccessGrants::Id))
                    .col(string_len(AccessGrants::GroupId, 36))
                    .col(integer(AccessGrants::RoleId))
                    .col(integer_null(AccessGrants::AccountId))
                    .col(string_len_null(AccessGrants::OrganizationId, 36))
                    .col(timestamp_with_time_zone(AccessGrants::CreatedAt))
                    // A grant targets exactly one of an account or the organization.
                    .check(
                        Expr::col(AccessGrants::AccountId)
                            .is_null()
                            .ne(Expr::col(AccessGrants::OrganizationId).is_null()),
                    )
                    .foreign_key(&mut fk(
                        "fk_access_grants_group",
                        (AccessGrants::Table, AccessGrants::GroupId),
                        (Groups::Table, Groups::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_access_grants_role",
                        (AccessGrants::Table, AccessGrants::RoleId),
                        (Roles::Table, Roles::Id),
                        Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "fk_access_grants_account",
                        (AccessGrants::Table, AccessGrants::AccountId),
                        (Accounts::Table, Accounts::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_access_grants_organization",
                        (AccessGrants::Table, AccessGrants::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "uq_access_grants_account",
                AccessGrants::Table,
                &["group_id", "role_id", "account_id"],
                true,
            ))
            .await?;
        manager
            .create_index(index(
                "uq_access_grants_organization",
                AccessGrants::Table,
                &["group_id", "role_id", "organization_id"],
                true,
            ))
            .await?;
        manager.create_index(index("idx_access_grants_role", AccessGrants::Table, &["role_id"], false)).await?;
        manager.create_index(index("idx_access_grants_account", AccessGrants::Table, &["account_id"], false)).await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(string_len(ApiKeys::Id, 64).primary_key())
                    .col(string_len_uniq(ApiKeys::KeyHash, 64))
                    .col(string_len(ApiKeys::KeyPrefix, 16))
                    .col(string_len(ApiKeys::KeyType, 8).check(one_of(ApiKeys::KeyType, &["USER", "INGEST"])))
                    .col(
                        string_len_null(ApiKeys::IngestType, 8)
                            .check(one_of(ApiKeys::IngestType, &["LICENSE", "BROWSER"])),
                    )
                    .col(big_integer_null(ApiKeys::UserId))
                    .col(integer(ApiKeys::AccountId))
                    .col(string(ApiKeys::Name))
                    .col(text(ApiKeys::Notes))
                    .col(timestamp_with_time_zone(ApiKeys::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_api_keys_user",
                        (ApiKeys::Table, ApiKeys::UserId),
                        (Users::Table, Users::Id),
                        Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "fk_api_keys_account",
                        (ApiKeys::Table, ApiKeys::AccountId),
                        (Accounts::Table, Accounts::Id),
                        Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("idx_api_keys_user", ApiKeys::Table, &["user_id"], false)).await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .col(big_pk_auto(AuditEvents::Id))
                    .col(string_len_null(AuditEvents::OrganizationId, 36))
                    .col(big_integer_null(AuditEvents::ActorUserId))
                    .col(string(AuditEvents::Action))
                    .col(string(AuditEvents::TargetType))
                    .col(string(AuditEvents::TargetId))
                    .col(json_null(AuditEvents::Before))
                    .col(json_null(AuditEvents::After))
                    .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                    // No foreign keys: audit history outlives the people and organizations it
                    // mentions, and keeps the actor's id after the actor is deleted.
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                "idx_audit_events_target",
                AuditEvents::Table,
                &["target_type", "target_id", "created_at"],
                false,
            ))
            .await?;
        manager
            .create_index(index(
                "idx_audit_events_organization",
                AuditEvents::Table,
                &["organization_id", "created_at"],
                false,
            ))
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AuditEvents::Table.into_iden(),
            ApiKeys::Table.into_iden(),
            AccessGrants::Table.into_iden(),
            RoleCapabilities::Table.into_iden(),
            Roles::Table.into_iden(),
            Capabilities::Table.into_iden(),
            GroupMemberships::Table.into_iden(),
            Groups::Table.into_iden(),
            Users::Table.into_iden(),
            AuthenticationDomains::Table.into_iden(),
            Accounts::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
