//! The first start: one organization, its primary account, a default authentication domain with
//! its default groups, one full admin user in Admin, and a user key for them.

use entity::enums::{AccountStatus, AuthenticationType, Edition, EmailVerificationState, ProvisioningType, UserType};
use entity::{account, group_membership, organization, user};
use rand::Rng;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, PaginatorTrait, Set};
use serde_json::json;

use super::audit::{self, Audit};
use super::{api_keys, authentication_domains};
use crate::auth::keys::ApiKeySecret;
use crate::error::{AppError, AppResult};

pub const DEFAULT_DOMAIN_NAME: &str = "Default";

#[derive(Debug, Clone)]
pub struct BootstrapSpec {
    pub organization_name: String,
    pub edition: Edition,
    pub admin_email: String,
    pub admin_name: String,
    /// The admin's key; a random one when `None`.
    pub key: Option<ApiKeySecret>,
}

#[derive(Debug)]
pub enum BootstrapOutcome {
    Created {
        organization_id: String,
        account_id: i32,
        admin_user_id: i64,
        key: ApiKeySecret,
        /// True when the key was made here (and must be shown to the operator once).
        key_generated: bool,
    },
    /// The database already holds an organization: nothing was changed.
    AlreadyBootstrapped,
}

/// Bootstraps an empty database, in one transaction; on a bootstrapped one, changes nothing.
pub async fn bootstrap(db: &DatabaseConnection, spec: BootstrapSpec) -> AppResult<BootstrapOutcome> {
    let email = spec.admin_email.trim();
    if !plausible_email(email) {
        return Err(AppError::bad_input(format!(
            "The admin email {:?} is not a valid email address",
            super::validate::echo(email)
        )));
    }
    let organization_name = spec.organization_name.trim();
    if organization_name.is_empty() {
        return Err(AppError::bad_input("The organization name must not be blank"));
    }

    super::in_transaction(db, async |txn| {
        if db.get_database_backend() == DbBackend::Postgres {
            // Processes starting together against one database bootstrap one after the other.
            txn.execute_unprepared("SELECT pg_advisory_xact_lock(7141592654)").await?;
        }
        if organization::Entity::find().count(txn).await? > 0 {
            return Ok(BootstrapOutcome::AlreadyBootstrapped);
        }
        let now = super::now();

        let org = organization::ActiveModel {
            id: Set(super::new_uuid()),
            name: Set(organization_name.to_owned()),
            edition: Set(spec.edition),
            customer_id: Set(format!("CC-{:010}", rand::rng().random_range(0..10_000_000_000u64))),
            created_at: Set(now),
            access_version: Set(0),
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            Audit::created(&org.id, None, "organization", &org.id, json!({ "name": org.name, "edition": org.edition })),
        )
        .await?;

        let primary = account::ActiveModel {
            organization_id: Set(org.id.clone()),
            name: Set(organization_name.to_owned()),
            parent_id: Set(None),
            region_code: Set("us01".to_owned()),
            status: Set(AccountStatus::Active),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            Audit::created(
                &org.id,
                None,
                "account",
                primary.id,
                json!({ "name": primary.name, "regionCode": primary.region_code }),
            ),
        )
        .await?;

        let (domain, groups) = authentication_domains::create_with_default_groups(
            txn,
            None,
            &org.id,
            primary.id,
            DEFAULT_DOMAIN_NAME,
            AuthenticationType::Password,
            ProvisioningType::Manual,
        )
        .await?;

        let admin = user::ActiveModel {
            authentication_domain_id: Set(domain.id.clone()),
            email: Set(email.to_owned()),
            email_lower: Set(email.to_lowercase()),
            name: Set(spec.admin_name.trim().to_owned()),
            user_type: Set(UserType::Full),
            time_zone: Set("Etc/UTC".to_owned()),
            email_verification_state: Set(EmailVerificationState::Verified),
            pending_upgrade_type: Set(None),
            pending_upgrade_message: Set(None),
            active: Set(true),
            last_active: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        group_membership::ActiveModel {
            group_id: Set(groups.admin.id.clone()),
            user_id: Set(admin.id),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            Audit::created(
                &org.id,
                None,
                "user",
                admin.id,
                json!({
                    "email": admin.email,
                    "name": admin.name,
                    "type": admin.user_type,
                    "groups": [groups.admin.id],
                }),
            ),
        )
        .await?;

        // The bootstrap admin creates the organization: its Owner on the original user model.
        super::original_users::make_first_owner(txn, &org.id, primary.id, admin.id).await?;
        audit::record(txn, Audit::created(&org.id, None, "original_owner", &org.id, json!({ "userId": admin.id })))
            .await?;

        let key_generated = spec.key.is_none();
        let key = spec.key.unwrap_or_else(ApiKeySecret::generate_user_key);
        let stored = api_keys::insert_bootstrap_key(txn, admin.id, primary.id, "Bootstrap key", "", &key).await?;
        audit::record(
            txn,
            Audit::created(
                &org.id,
                None,
                "api_key",
                &stored.id,
                json!({ "type": "USER", "userId": admin.id, "accountId": primary.id }),
            ),
        )
        .await?;
        Ok(BootstrapOutcome::Created {
            organization_id: org.id,
            account_id: primary.id,
            admin_user_id: admin.id,
            key,
            key_generated,
        })
    })
    .await
}

/// One `@` with something on both sides and a dot in the domain. Full validation of user emails
/// belongs to user management; this only keeps an obviously wrong flag from being stored.
fn plausible_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !domain.contains('@') && !email.contains(char::is_whitespace)
        }
        None => false,
    }
}
