//! The audit trail: who did what to which object, when, with the object before and after.

use entity::audit_event;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde_json::Value;

/// One audit record, written in the transaction of the change it describes.
#[derive(Debug, Clone)]
pub struct Audit<'a> {
    pub organization_id: Option<&'a str>,
    /// The acting user; `None` for the system (bootstrap, migrations).
    pub actor_user_id: Option<i64>,
    /// What happened, e.g. `organization.create`.
    pub action: String,
    pub target_type: &'a str,
    pub target_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Audit<'a> {
    /// The creation of `target_type` `target_id`, with its state after: action `<target_type>.create`.
    pub fn created(
        organization_id: &'a str,
        actor_user_id: Option<i64>,
        target_type: &'a str,
        target_id: impl ToString,
        after: Value,
    ) -> Self {
        Audit {
            organization_id: Some(organization_id),
            actor_user_id,
            action: format!("{target_type}.create"),
            target_type,
            target_id: target_id.to_string(),
            before: None,
            after: Some(after),
        }
    }

    /// A change of `target_type` `target_id`: action `<target_type>.<verb>`, with the state before
    /// and after (`None` for a deletion's after).
    pub fn changed(
        caller: &'a super::Actor,
        verb: &str,
        target_type: &'a str,
        target_id: impl ToString,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Self {
        Audit {
            organization_id: Some(&caller.organization_id),
            actor_user_id: Some(caller.user_id),
            action: format!("{target_type}.{verb}"),
            target_type,
            target_id: target_id.to_string(),
            before,
            after,
        }
    }
}

pub async fn record(db: &impl ConnectionTrait, audit: Audit<'_>) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        organization_id: Set(audit.organization_id.map(str::to_owned)),
        actor_user_id: Set(audit.actor_user_id),
        action: Set(audit.action),
        target_type: Set(audit.target_type.to_owned()),
        target_id: Set(audit.target_id),
        before: Set(audit.before),
        after: Set(audit.after),
        created_at: Set(super::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
