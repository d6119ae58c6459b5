//! The original (v1) user model: per (user, account) base roles, the organization's one Owner,
//! add-on roles (the nine product manager roles of every account and custom ones) and their
//! assignment to users.
//!
//! - `original_owners` is keyed by the organization: an organization has exactly one Owner (the
//!   primary key makes a second impossible). The Owner also holds the `OWNER` base role on the
//!   organization's primary account in `original_memberships`; only an ownership transfer changes
//!   either, in one transaction.
//! - The product manager add-on roles are seeded per account: here for the accounts that exist,
//!   and by `domain/` for accounts created later (idempotently, see `domain::original_users`).
//!   Their capabilities are not stored: they are the Admin capabilities of their product in the
//!   catalog. Custom add-on roles store their capabilities.
//! - Existing organizations get their Owner here: their first user (the bootstrap admin).

use sea_orm_migration::sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000100_original_user_model"
    }
}

#[derive(DeriveIden)]
enum OriginalOwners {
    Table,
    OrganizationId,
    UserId,
}

#[derive(DeriveIden)]
enum OriginalMemberships {
    Table,
    Id,
    UserId,
    AccountId,
    BaseRole,
}

#[derive(DeriveIden)]
enum OriginalAddOnRoles {
    Table,
    Id,
    AccountId,
    Name,
    Product,
}

#[derive(DeriveIden)]
enum OriginalAddOnRoleCapabilities {
    Table,
    AddOnRoleId,
    CapabilityId,
}

#[derive(DeriveIden)]
enum OriginalUserAddOnRoles {
    Table,
    UserId,
    AddOnRoleId,
}

/// The nine product manager roles: (stored product, name), frozen here.
const MANAGER_ROLES: [(&str, &str); 9] = [
    ("ALERTS", "Alerts manager"),
    ("APM", "APM manager"),
    ("BROWSER", "Browser manager"),
    ("INFRASTRUCTURE", "Infrastructure manager"),
    ("INSIGHTS", "Insights manager"),
    ("MOBILE", "Mobile manager"),
    ("SYNTHETICS", "Synthetics manager"),
    ("WORKLOADS", "Workloads manager"),
    ("NERDPACK", "Nerdpack manager"),
];

fn fk(name: &str, from: (impl IntoIden, impl IntoIden), to: &str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(Alias::new(to), Alias::new("id"))
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OriginalOwners::Table)
                    .col(string_len(OriginalOwners::OrganizationId, 36).primary_key())
                    .col(big_integer(OriginalOwners::UserId))
                    .foreign_key(&mut fk(
                        "fk_original_owners_organization",
                        (OriginalOwners::Table, OriginalOwners::OrganizationId),
                        "organizations",
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_original_owners_user")
                            .from(OriginalOwners::Table, OriginalOwners::UserId)
                            .to(Alias::new("users"), Alias::new("id"))
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OriginalMemberships::Table)
                    .col(big_pk_auto(OriginalMemberships::Id))
                    .col(big_integer(OriginalMemberships::UserId))
                    .col(integer(OriginalMemberships::AccountId))
                    .col(string_len(OriginalMemberships::BaseRole, 16))
                    .foreign_key(&mut fk(
                        "fk_original_memberships_user",
                        (OriginalMemberships::Table, OriginalMemberships::UserId),
                        "users",
                    ))
                    .foreign_key(&mut fk(
                        "fk_original_memberships_account",
                        (OriginalMemberships::Table, OriginalMemberships::AccountId),
                        "accounts",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_original_memberships_user_account")
                    .table(OriginalMemberships::Table)
                    .col(OriginalMemberships::UserId)
                    .col(OriginalMemberships::AccountId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_original_memberships_account")
                    .table(OriginalMemberships::Table)
                    .col(OriginalMemberships::AccountId)
                    .col(OriginalMemberships::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OriginalAddOnRoles::Table)
                    .col(pk_auto(OriginalAddOnRoles::Id))
                    .col(integer(OriginalAddOnRoles::AccountId))
                    .col(string(OriginalAddOnRoles::Name))
                    .col(string_len_null(OriginalAddOnRoles::Product, 16))
                    .foreign_key(&mut fk(
                        "fk_original_add_on_roles_account",
                        (OriginalAddOnRoles::Table, OriginalAddOnRoles::AccountId),
                        "accounts",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_original_add_on_roles_account_name")
                    .table(OriginalAddOnRoles::Table)
                    .col(OriginalAddOnRoles::AccountId)
                    .col(OriginalAddOnRoles::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OriginalAddOnRoleCapabilities::Table)
                    .col(integer(OriginalAddOnRoleCapabilities::AddOnRoleId))
                    .col(integer(OriginalAddOnRoleCapabilities::CapabilityId))
                    .primary_key(
                        Index::create()
                            .col(OriginalAddOnRoleCapabilities::AddOnRoleId)
                            .col(OriginalAddOnRoleCapabilities::CapabilityId),
                    )
                    .foreign_key(&mut fk(
                        "fk_original_add_on_role_capabilities_role",
                        (OriginalAddOnRoleCapabilities::Table, OriginalAddOnRoleCapabilities::AddOnRoleId),
                        "original_add_on_roles",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(OriginalUserAddOnRoles::Table)
                    .col(big_integer(OriginalUserAddOnRoles::UserId))
                    .col(integer(OriginalUserAddOnRoles::AddOnRoleId))
                    .primary_key(
                        Index::create().col(OriginalUserAddOnRoles::UserId).col(OriginalUserAddOnRoles::AddOnRoleId),
                    )
                    .foreign_key(&mut fk(
                        "fk_original_user_add_on_roles_user",
                        (OriginalUserAddOnRoles::Table, OriginalUserAddOnRoles::UserId),
                        "users",
                    ))
                    .foreign_key(&mut fk(
                        "fk_original_user_add_on_roles_role",
                        (OriginalUserAddOnRoles::Table, OriginalUserAddOnRoles::AddOnRoleId),
                        "original_add_on_roles",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_original_user_add_on_roles_role")
                    .table(OriginalUserAddOnRoles::Table)
                    .col(OriginalUserAddOnRoles::AddOnRoleId)
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        // Every existing organization's first user becomes its Owner, on its primary account.
        db.execute_unprepared(
            "INSERT INTO original_owners (organization_id, user_id) \
             SELECT d.organization_id, MIN(u.id) FROM users u \
             JOIN authentication_domains d ON d.id = u.authentication_domain_id \
             WHERE EXISTS (SELECT 1 FROM accounts a WHERE a.organization_id = d.organization_id) \
             GROUP BY d.organization_id",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO original_memberships (user_id, account_id, base_role) \
             SELECT o.user_id, (SELECT MIN(a.id) FROM accounts a WHERE a.organization_id = o.organization_id), 'OWNER' \
             FROM original_owners o",
        )
        .await?;
        for (product, name) in MANAGER_ROLES {
            db.execute_unprepared(&format!(
                "INSERT INTO original_add_on_roles (account_id, name, product) SELECT id, '{name}', '{product}' FROM accounts"
            ))
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "original_user_add_on_roles",
            "original_add_on_role_capabilities",
            "original_add_on_roles",
            "original_memberships",
            "original_owners",
        ] {
            manager.drop_table(Table::drop().table(Alias::new(table)).to_owned()).await?;
        }
        Ok(())
    }
}
