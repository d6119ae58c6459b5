//! Changing the organization itself (NerdGraph's `organizationUpdate`): today, its name.

use entity::organization;
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set};
use serde_json::json;

use super::audit::{self, Audit};
use super::{confirm, lookup, validate};
use crate::access::decision::{Allowed, ModifyOrganizationSettings};
use crate::error::AppResult;

/// `organizationUpdate`'s input: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
}

/// Changes the caller's organization; `organization_id`, when given (and not blank), must be the
/// caller's, or the answer is "not found". An unchanged organization records nothing.
pub async fn update(
    db: &DatabaseConnection,
    proof: &Allowed<ModifyOrganizationSettings>,
    organization_id: Option<&str>,
    changes: OrganizationChanges,
) -> AppResult<organization::Model> {
    let caller = proof.actor();
    let target = organization_id.map(str::trim).filter(|id| !id.is_empty());
    if target.is_some_and(|id| id != caller.organization_id) {
        return Err(lookup::not_found());
    }
    let name = changes.name.as_deref().map(|n| validate::name("Name", n)).transpose()?;

    super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let before = lookup::organization_for_update(txn, &caller.organization_id).await?;
        let Some(name) = name.filter(|n| *n != before.name) else { return Ok(before) };
        let mut model: organization::ActiveModel = before.clone().into();
        model.name = Set(name);
        let after = model.update(txn).await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "update",
                "organization",
                &after.id,
                Some(json!({ "name": before.name })),
                Some(json!({ "name": after.name })),
            ),
        )
        .await?;
        Ok(after)
    })
    .await
}
