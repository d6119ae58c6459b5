//! Authentication domains and the default groups every domain starts with.

use std::collections::HashMap;

use entity::enums::{AuthenticationType, ProvisioningType, RoleType};
use entity::{access_grant, authentication_domain, group, role, user};
use sea_orm::sea_query::LockType;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use serde_json::json;

use super::audit::{self, Audit};
use super::{confirm, lookup, validate};
use crate::access::caps::roles::{
    ALL_PRODUCT_ADMIN, AUTHENTICATION_DOMAIN_MANAGER, BILLING_USER, ORGANIZATION_MANAGER,
};
use crate::access::decision::{Allowed, ManageAuthenticationDomains};
use crate::error::{AppError, AppResult};

pub const DEFAULT_ADMIN_GROUP: &str = "Admin";
pub const DEFAULT_USER_GROUP: &str = "User";

/// A new domain's default groups.
#[derive(Debug, Clone)]
pub struct DefaultGroups {
    pub admin: group::Model,
    pub user: group::Model,
}

/// The standard roles by name.
pub async fn standard_roles(db: &impl ConnectionTrait) -> Result<HashMap<String, role::Model>, DbErr> {
    Ok(role::Entity::find()
        .filter(role::Column::RoleType.eq(RoleType::Standard))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.name.clone(), r))
        .collect())
}

/// Creates an authentication domain with its default groups: **User** (All product admin on the
/// primary account) and **Admin** (All product admin and Billing user on the primary account,
/// Organization manager and Authentication domain manager on the organization). Call inside the
/// caller's transaction.
pub async fn create_with_default_groups(
    db: &impl ConnectionTrait,
    actor_user_id: Option<i64>,
    organization_id: &str,
    primary_account_id: i32,
    name: &str,
    authentication_type: AuthenticationType,
    provisioning_type: ProvisioningType,
) -> Result<(authentication_domain::Model, DefaultGroups), DbErr> {
    let now = super::now();
    let domain = authentication_domain::ActiveModel {
        id: Set(super::new_uuid()),
        organization_id: Set(organization_id.to_owned()),
        name: Set(name.to_owned()),
        authentication_type: Set(authentication_type),
        provisioning_type: Set(provisioning_type),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    audit::record(
        db,
        Audit::created(
            organization_id,
            actor_user_id,
            "authentication_domain",
            &domain.id,
            json!({
                "name": domain.name,
                "authenticationType": domain.authentication_type,
                "provisioningType": domain.provisioning_type,
            }),
        ),
    )
    .await?;

    let roles = standard_roles(db).await?;
    let role_id = |name: &str| {
        roles
            .get(name)
            .map(|r| r.id)
            .ok_or_else(|| DbErr::RecordNotFound(format!("standard role {name} is not seeded")))
    };
    let user_grants = [(role_id(ALL_PRODUCT_ADMIN)?, Some(primary_account_id))];
    let admin_grants = [
        (role_id(ALL_PRODUCT_ADMIN)?, Some(primary_account_id)),
        (role_id(BILLING_USER)?, Some(primary_account_id)),
        (role_id(ORGANIZATION_MANAGER)?, None),
        (role_id(AUTHENTICATION_DOMAIN_MANAGER)?, None),
    ];

    let make_group = async |display_name: &str, grants: &[(i32, Option<i32>)]| -> Result<group::Model, DbErr> {
        let group = group::ActiveModel {
            id: Set(super::new_uuid()),
            authentication_domain_id: Set(domain.id.clone()),
            display_name: Set(display_name.to_owned()),
            is_default: Set(true),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        for &(role_id, account_id) in grants {
            let grant = access_grant::ActiveModel {
                group_id: Set(group.id.clone()),
                role_id: Set(role_id),
                account_id: Set(account_id),
                organization_id: Set(account_id.is_none().then(|| organization_id.to_owned())),
                created_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
            audit::record(
                db,
                Audit::created(
                    organization_id,
                    actor_user_id,
                    "access_grant",
                    grant.id,
                    json!({
                        "groupId": grant.group_id,
                        "roleId": grant.role_id,
                        "accountId": grant.account_id,
                        "organizationId": grant.organization_id,
                    }),
                ),
            )
            .await?;
        }
        audit::record(
            db,
            Audit::created(
                organization_id,
                actor_user_id,
                "group",
                &group.id,
                json!({ "displayName": group.display_name, "isDefault": true }),
            ),
        )
        .await?;
        Ok(group)
    };
    let user = make_group(DEFAULT_USER_GROUP, &user_grants).await?;
    let admin = make_group(DEFAULT_ADMIN_GROUP, &admin_grants).await?;
    Ok((domain, DefaultGroups { admin, user }))
}

/// `authenticationDomainCreate`: a domain with its default groups, granted on the organization's
/// primary account. SCIM provisioning needs SAML single sign-on.
pub async fn create(
    db: &DatabaseConnection,
    proof: &Allowed<ManageAuthenticationDomains>,
    name: &str,
    authentication_type: AuthenticationType,
    provisioning_type: ProvisioningType,
) -> AppResult<authentication_domain::Model> {
    let caller = proof.actor();
    let name = validate::name("Name", name)?;
    if provisioning_type == ProvisioningType::Scim && authentication_type != AuthenticationType::Saml {
        return Err(AppError::bad_input("SCIM provisioning requires SAML single sign-on"));
    }
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        lookup::organization_for_update(txn, &caller.organization_id).await?;
        let taken = authentication_domain::Entity::find()
            .filter(authentication_domain::Column::OrganizationId.eq(&caller.organization_id))
            .filter(authentication_domain::Column::Name.eq(&name))
            .count(txn)
            .await?;
        if taken > 0 {
            return Err(AppError::bad_input("Name has already been taken"));
        }
        let primary = super::directory::primary_account(txn, &caller.organization_id)
            .await?
            .ok_or_else(|| AppError::bad_input("The organization has no active account for the default groups"))?;
        let (domain, _) = create_with_default_groups(
            txn,
            Some(caller.user_id),
            &caller.organization_id,
            primary.id,
            &name,
            authentication_type,
            provisioning_type,
        )
        .await?;
        Ok(domain)
    })
    .await
}

/// `authenticationDomainDelete`: only an empty domain (no users) that is not the organization's
/// last one; its groups and their grants go with it.
pub async fn delete(
    db: &DatabaseConnection,
    proof: &Allowed<ManageAuthenticationDomains>,
    id: &str,
) -> AppResult<authentication_domain::Model> {
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        // The organization first: two deletions must not both see "not the last domain". Then the
        // domain, so that a user created in it meanwhile has either committed (and is counted
        // below) or waits for this deletion and then finds no domain.
        lookup::organization_for_update(txn, &caller.organization_id).await?;
        let domain = lookup::domain_locked(txn, &caller.organization_id, id, LockType::Update).await?;
        let users = user::Entity::find().filter(user::Column::AuthenticationDomainId.eq(&domain.id)).count(txn).await?;
        if users > 0 {
            return Err(AppError::bad_input(format!(
                "The authentication domain still has {users} user(s); delete them before deleting the domain"
            )));
        }
        let domains = authentication_domain::Entity::find()
            .filter(authentication_domain::Column::OrganizationId.eq(&caller.organization_id))
            .count(txn)
            .await?;
        if domains <= 1 {
            return Err(AppError::bad_input("The organization's last authentication domain cannot be deleted"));
        }
        // Groups, their memberships and grants go with the domain (ON DELETE CASCADE).
        authentication_domain::Entity::delete_by_id(domain.id.clone()).exec(txn).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "delete",
                "authentication_domain",
                &domain.id,
                Some(json!({
                    "name": domain.name,
                    "authenticationType": domain.authentication_type,
                    "provisioningType": domain.provisioning_type,
                })),
                None,
            ),
        )
        .await?;
        Ok(domain)
    })
    .await
}
