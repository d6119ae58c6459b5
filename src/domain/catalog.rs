//! Loading the capability catalog (immutable seeded data) for the permission model.

use entity::enums::RoleType;
use entity::{capability, role, role_capability};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::access::caps::roles::ALL_PRODUCT_ADMIN;
use crate::access::{CapabilityFacts, Catalog};

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
    Ok(Catalog::new(
        capabilities.iter().map(|c| CapabilityFacts {
            id: c.id,
            full_stack_observability: c.full_stack_observability,
            hidden: c.hidden,
            scope: c.scope.into(),
        }),
        apa_caps.iter().map(|rc| rc.capability_id),
    ))
}
