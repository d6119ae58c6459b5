//! Loading the capability catalog (immutable seeded data) for the permission model.

use entity::enums::RoleType;
use entity::{capability, role, role_capability};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use std::collections::HashMap;

use crate::access::caps::roles::{ALL_PRODUCT_ADMIN, BILLING_USER, MANAGE_V1_USERS, READ_ONLY, STANDARD_USER};
use crate::access::original::{RoleSets, StandardSets};
use crate::access::{CapabilityFacts, CapabilitySet, Catalog};

/// The catalog with its basic set (All product admin minus Full-Stack Observability). Loaded once
/// at start: capabilities and standard roles only change with a migration.
pub async fn load(db: &impl ConnectionTrait) -> Result<Catalog, DbErr> {
    let capabilities = capability::Entity::find().all(db).await?;
    let apa = role::Entity::find()
        .filter(role::Column::Name.eq(ALL_PRODUCT_ADMIN))
        .filter(role::Column::RoleType.eq(RoleType::Standard))
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the All product admin role is not seeded".into()))?;
    let apa_caps = role_capability::Entity::find().filter(role_capability::Column::RoleId.eq(apa.id)).all(db).await?;
    let original = original_sets(db, &capabilities).await?;
    Ok(Catalog::new(
        capabilities.iter().map(|c| CapabilityFacts {
            id: c.id,
            full_stack_observability: c.full_stack_observability,
            hidden: c.hidden,
            scope: c.scope.into(),
        }),
        apa_caps.iter().map(|rc| rc.capability_id),
    )
    .with_original(original))
}

/// The original user model's role sets, from the standard roles they are made of.
async fn original_sets(db: &impl ConnectionTrait, capabilities: &[capability::Model]) -> Result<RoleSets, DbErr> {
    let standard = role::Entity::find()
        .filter(role::Column::RoleType.eq(RoleType::Standard))
        .filter(role::Column::Name.is_in([READ_ONLY, STANDARD_USER, ALL_PRODUCT_ADMIN, BILLING_USER, MANAGE_V1_USERS]))
        .all(db)
        .await?;
    let ids: HashMap<i32, String> = standard.into_iter().map(|r| (r.id, r.name)).collect();
    let mut by_name: HashMap<String, CapabilitySet> = HashMap::new();
    for rc in role_capability::Entity::find()
        .filter(role_capability::Column::RoleId.is_in(ids.keys().copied()))
        .all(db)
        .await?
    {
        if let Some(name) = ids.get(&rc.role_id) {
            by_name.entry(name.clone()).or_default().insert(rc.capability_id);
        }
    }
    let mut take = |name: &str| by_name.remove(name).unwrap_or_default();
    let sets = StandardSets {
        read_only: take(READ_ONLY),
        standard_user: take(STANDARD_USER),
        all_product_admin: take(ALL_PRODUCT_ADMIN),
        billing_user: take(BILLING_USER),
        manage_v1_users: take(MANAGE_V1_USERS),
    };
    Ok(RoleSets::new(sets, capabilities.iter().map(|c| (c.id, c.product.as_str()))))
}
