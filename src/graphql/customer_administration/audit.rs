//! `customerAdministration.auditEvents`: AccessGraph's own read of the audit trail (NerdGraph has
//! none), shaped like NerdGraph's customer administration lists. Newest first; the cursor holds the
//! last event of the page, so events written while a client pages never shift the pages.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::audit_event;

use super::{PAGE_SIZE, db_error, given, viewers_organization};
use crate::domain::customer_administration::{self as ca, AuditFilter};
use crate::graphql::context::services;
use crate::graphql::error::ErrorClass;
use crate::graphql::pagination;
use crate::graphql::user_management::count;

/// Which audit events to read: those of one organization, optionally of one target or actor.
#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventFilterInput {
    pub actor_user_id: Option<CustomerAdministrationAuditEventActorUserIdInput>,
    pub organization_id: CustomerAdministrationAuditEventOrganizationIdInput,
    pub target_id: Option<CustomerAdministrationAuditEventTargetIdInput>,
    pub target_type: Option<CustomerAdministrationAuditEventTargetTypeInput>,
}

#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventActorUserIdInput {
    pub eq: Option<i32>,
}

#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventOrganizationIdInput {
    pub eq: ID,
}

#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventTargetIdInput {
    pub eq: Option<String>,
}

/// The kind of object changed, e.g. `organization`, `account`, `authentication_domain`, `group`,
/// `user`, `api_key`.
#[derive(InputObject)]
pub struct CustomerAdministrationAuditEventTargetTypeInput {
    pub eq: Option<String>,
}

#[derive(SimpleObject, Default)]
pub struct CustomerAdministrationAuditEventCollection {
    pub items: Vec<CustomerAdministrationAuditEvent>,
    pub next_cursor: Option<String>,
    pub total_count: i32,
}

/// One change: who did what to which object, when, with the object before and after.
pub struct CustomerAdministrationAuditEvent(pub audit_event::Model);

#[Object]
impl CustomerAdministrationAuditEvent {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }

    /// What happened, e.g. `user.create`.
    async fn action(&self) -> &str {
        &self.0.action
    }

    /// The acting user; null for the system (bootstrap, migrations) or a deleted user.
    async fn actor_user_id(&self) -> Result<Option<i32>> {
        self.0
            .actor_user_id
            .map(i32::try_from)
            .transpose()
            .map_err(|_| ErrorClass::InternalServerError.error("The user id does not fit NerdGraph's Int"))
    }

    async fn target_type(&self) -> &str {
        &self.0.target_type
    }

    async fn target_id(&self) -> &str {
        &self.0.target_id
    }

    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// The object before the change, as JSON text; null for a creation.
    async fn before(&self) -> Option<String> {
        self.0.before.as_ref().map(|v| v.to_string())
    }

    /// The object after the change, as JSON text; null for a deletion.
    async fn after(&self) -> Option<String> {
        self.0.after.as_ref().map(|v| v.to_string())
    }
}

/// `customerAdministration.auditEvents`: the viewer's organization's audit trail.
pub(super) async fn audit_events(
    ctx: &Context<'_>,
    cursor: Option<String>,
    filter: CustomerAdministrationAuditEventFilterInput,
) -> Result<CustomerAdministrationAuditEventCollection> {
    let before = cursor.as_deref().map(pagination::decode_number::<i64>).transpose()?;
    let Some(organization_id) = viewers_organization(ctx, &filter.organization_id.eq)? else {
        return Ok(CustomerAdministrationAuditEventCollection::default());
    };
    let audit_filter = AuditFilter {
        target_type: given(filter.target_type.and_then(|t| t.eq)),
        target_id: given(filter.target_id.and_then(|t| t.eq)),
        actor_user_id: filter.actor_user_id.and_then(|a| a.eq).map(i64::from),
    };
    let page = ca::audit_events(&services(ctx)?.db, &organization_id, &audit_filter, before, PAGE_SIZE)
        .await
        .map_err(db_error)?;
    let next_cursor = page.has_more.then(|| page.items.last().map(|e| pagination::encode(&e.id.to_string()))).flatten();
    Ok(CustomerAdministrationAuditEventCollection {
        next_cursor,
        total_count: count(page.total),
        items: page.items.into_iter().map(CustomerAdministrationAuditEvent).collect(),
    })
}
