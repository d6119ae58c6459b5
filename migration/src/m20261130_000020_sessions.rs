//! Password sign-in: sign-in sessions, password credentials, one-time password tokens, and the
//! session settings (idle timeout per authentication domain; the kiosk exemption per account).
//!
//! Sessions live in the database so that several instances share them. Only hashes of session
//! tokens, passwords (argon2id) and password tokens (SHA-256) are stored. Every row of a user goes
//! with the user (ON DELETE CASCADE).

use sea_orm_migration::{prelude::*, schema::*};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000020_sessions"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AuthenticationDomains {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    ClientAddress,
    UserAgent,
    CreatedAt,
    LastSeenAt,
}

#[derive(DeriveIden)]
enum PasswordCredentials {
    Table,
    UserId,
    PasswordHash,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PasswordTokens {
    Table,
    TokenHash,
    UserId,
    Purpose,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AuthenticationDomainSessionSettings {
    Table,
    AuthenticationDomainId,
    IdleTimeoutMinutes,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AccountSessionSettings {
    Table,
    AccountId,
    RestrictedUsersNeverTimeOut,
    UpdatedAt,
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 36).primary_key())
                    .col(string_len_uniq(Sessions::TokenHash, 64))
                    .col(big_integer(Sessions::UserId))
                    .col(string_len(Sessions::ClientAddress, 64))
                    .col(string_len(Sessions::UserAgent, 256))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .foreign_key(&mut cascade(
                        "fk_sessions_user",
                        (Sessions::Table, Sessions::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_sessions_user").table(Sessions::Table).col(Sessions::UserId).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasswordCredentials::Table)
                    .col(big_integer(PasswordCredentials::UserId).primary_key())
                    .col(string(PasswordCredentials::PasswordHash))
                    .col(timestamp_with_time_zone(PasswordCredentials::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_password_credentials_user",
                        (PasswordCredentials::Table, PasswordCredentials::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasswordTokens::Table)
                    .col(string_len(PasswordTokens::TokenHash, 64).primary_key())
                    .col(big_integer(PasswordTokens::UserId))
                    .col(
                        string_len(PasswordTokens::Purpose, 8)
                            .check(Expr::col(PasswordTokens::Purpose).is_in(["SETUP", "RESET"])),
                    )
                    .col(timestamp_with_time_zone(PasswordTokens::ExpiresAt))
                    .col(timestamp_with_time_zone(PasswordTokens::CreatedAt))
                    .foreign_key(&mut cascade(
                        "fk_password_tokens_user",
                        (PasswordTokens::Table, PasswordTokens::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_password_tokens_user")
                    .table(PasswordTokens::Table)
                    .col(PasswordTokens::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthenticationDomainSessionSettings::Table)
                    .col(string_len(AuthenticationDomainSessionSettings::AuthenticationDomainId, 36).primary_key())
                    .col(integer(AuthenticationDomainSessionSettings::IdleTimeoutMinutes))
                    .col(timestamp_with_time_zone(AuthenticationDomainSessionSettings::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_domain_session_settings_domain",
                        (
                            AuthenticationDomainSessionSettings::Table,
                            AuthenticationDomainSessionSettings::AuthenticationDomainId,
                        ),
                        (AuthenticationDomains::Table, AuthenticationDomains::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccountSessionSettings::Table)
                    .col(integer(AccountSessionSettings::AccountId).primary_key())
                    .col(boolean(AccountSessionSettings::RestrictedUsersNeverTimeOut))
                    .col(timestamp_with_time_zone(AccountSessionSettings::UpdatedAt))
                    .foreign_key(&mut cascade(
                        "fk_account_session_settings_account",
                        (AccountSessionSettings::Table, AccountSessionSettings::AccountId),
                        (Accounts::Table, Accounts::Id),
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AccountSessionSettings::Table.into_iden(),
            AuthenticationDomainSessionSettings::Table.into_iden(),
            PasswordTokens::Table.into_iden(),
            PasswordCredentials::Table.into_iden(),
            Sessions::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
