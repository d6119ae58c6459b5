//! The monitor reads of `actor.account(id).synthetics`.
//!
//! NerdGraph's `script(monitorGuid)` and `steps(monitorGuid)` are settings: they need Edit on the
//! monitor (seed 003: View shows results, not settings or script). AccessGraph adds, in
//! NerdGraph's style: `monitors(cursor)`, the monitors the viewer may View (Edit alone does not
//! list a monitor), each with its settings only when the viewer also has Edit; `monitor(guid)`,
//! one monitor for View or Edit; and `monitorChanges(guid)`, who changed the monitor and when.
//!
//! A refusal is null plus a `FORBIDDEN` error at the field's path; a GUID of another account (or
//! no monitor GUID at all) is `NOT_FOUND`. The list costs the same statements for any number of
//! monitors: the viewer's facts come from the request's batched loaders, then one count and one
//! page query; the rights on each listed monitor are computed from those facts.

use crate::domain::validate::echo;
use async_graphql::{Context, ID, Object, Result, SimpleObject};

use super::enums::{
    SyntheticsBrowser, SyntheticsDevice, SyntheticsMonitorPeriod, SyntheticsMonitorStatus, SyntheticsMonitorType,
    from_name,
};
use super::outputs::{SyntheticsLocations, SyntheticsRuntime, SyntheticsStep};
use crate::access::decision::SyntheticsOp;
use crate::domain::synthetics::monitors::{self, Monitor, PageKey};
use crate::error::AppError;
use crate::graphql::context::{loaders, services};
use crate::graphql::error::{ErrorClass, NOT_AUTHORIZED_MESSAGE, storage};
use crate::graphql::pagination;
use crate::graphql::synthetics::{EntityGuid, EpochMilliseconds, subject};
use crate::graphql::user_management::count;

/// Monitors per page of `monitors`.
const PAGE_SIZE: u64 = 200;

/// The monitor reads of one account.
pub struct SyntheticsMonitorReads {
    pub account_id: i32,
}

#[derive(SimpleObject)]
pub struct SyntheticsMonitorScriptQueryResponse {
    text: Option<String>,
}

/// A page of the monitors the viewer may View. Not in NerdGraph.
#[derive(SimpleObject)]
pub struct SyntheticsMonitorSearchResult {
    monitors: Vec<SyntheticsMonitorSummary>,
    next_cursor: Option<String>,
    total_count: i32,
}

/// A monitor as a viewer with View or Edit on it sees it. Not in NerdGraph.
#[derive(SimpleObject)]
pub struct SyntheticsMonitorSummary {
    guid: EntityGuid,
    id: ID,
    name: String,
    r#type: SyntheticsMonitorType,
    period: Option<SyntheticsMonitorPeriod>,
    status: SyntheticsMonitorStatus,
    created_at: EpochMilliseconds,
    modified_at: EpochMilliseconds,
    /// The monitor's settings: null unless the viewer has Edit on it.
    settings: Option<SyntheticsMonitorSettings>,
}

/// A monitor's settings (its script and steps are read with `script` and `steps`). Not in
/// NerdGraph.
#[derive(SimpleObject)]
pub struct SyntheticsMonitorSettings {
    apdex_target: Option<f64>,
    browsers: Option<Vec<SyntheticsBrowser>>,
    devices: Option<Vec<SyntheticsDevice>>,
    /// Certificate check monitors: the host whose certificate is checked.
    domain: Option<String>,
    locations: SyntheticsLocations,
    number_days_to_fail_before_cert_expires: Option<i32>,
    /// Null for the legacy runtime.
    runtime: Option<SyntheticsRuntime>,
    tags: Vec<SyntheticsMonitorTag>,
    uri: Option<String>,
}

/// A tag of a monitor. Not in NerdGraph.
#[derive(SimpleObject)]
pub struct SyntheticsMonitorTag {
    key: String,
    values: Vec<String>,
}

/// One change of a monitor, from the audit trail. Not in NerdGraph.
#[derive(SimpleObject)]
pub struct SyntheticsMonitorChange {
    /// `synthetics_monitor.create`, `synthetics_monitor.update` or `synthetics_monitor.delete`.
    action: String,
    /// The user who made the change; null if the id does not fit NerdGraph's Int.
    actor_user_id: Option<i32>,
    /// Their email; null once the user is deleted.
    actor_email: Option<String>,
    created_at: EpochMilliseconds,
}

impl SyntheticsMonitorSummary {
    /// The monitor, with its settings when `with_settings` (the viewer has Edit on it).
    fn of(m: &Monitor, with_settings: bool) -> Self {
        SyntheticsMonitorSummary {
            guid: EntityGuid(m.guid.clone()),
            id: ID(m.id.clone()),
            name: m.name.clone(),
            r#type: m.kind.into(),
            period: from_name(&m.period),
            status: m.status.into(),
            created_at: m.created_at.into(),
            modified_at: m.updated_at.into(),
            settings: with_settings.then(|| SyntheticsMonitorSettings::of(m)),
        }
    }
}

impl SyntheticsMonitorSettings {
    fn of(m: &Monitor) -> Self {
        SyntheticsMonitorSettings {
            apdex_target: m.settings.apdex_target,
            browsers: names(&m.settings.browsers),
            devices: names(&m.settings.devices),
            domain: m.settings.domain.clone(),
            locations: SyntheticsLocations::of(m),
            number_days_to_fail_before_cert_expires: m.settings.number_days_to_fail_before_cert_expires,
            runtime: m.runtime.as_ref().map(Into::into),
            tags: m
                .tags
                .iter()
                .map(|t| SyntheticsMonitorTag { key: t.key.clone(), values: t.values.clone() })
                .collect(),
            uri: m.uri.clone(),
        }
    }
}

/// Stored enum names as values (names NerdGraph does not know are left out).
fn names<T: async_graphql::InputType>(list: &Option<Vec<String>>) -> Option<Vec<T>> {
    list.as_ref().map(|l| l.iter().filter_map(|n| from_name(n)).collect())
}

/// The cursor of the page after `monitor`.
fn cursor_after(monitor: &Monitor) -> Result<String> {
    let key = PageKey { name: monitor.name.clone(), id: monitor.id.clone() };
    let text = serde_json::to_string(&key).map_err(|e| AppError::Internal(format!("page key: {e}")))?;
    Ok(pagination::encode(&text))
}

/// The page key in a cursor AccessGraph made; anything else is `BAD_USER_INPUT`.
fn key_in(cursor: &str) -> Result<PageKey> {
    serde_json::from_str(&pagination::decode(cursor)?)
        .map_err(|_| ErrorClass::BadUserInput.error(format!("Invalid cursor: {}", echo(cursor))))
}

fn not_found(guid: &str) -> async_graphql::Error {
    ErrorClass::NotFound.error(format!("Monitor {} not found", echo(guid)))
}

fn forbidden(guid: &str, needs: &str) -> async_graphql::Error {
    ErrorClass::Forbidden.error(format!("{NOT_AUTHORIZED_MESSAGE} on monitor {}: {needs}", echo(guid)))
}

impl SyntheticsMonitorReads {
    /// The canonical GUID of a monitor of this account, with whether the viewer may View and
    /// Edit it.
    async fn rights(&self, ctx: &Context<'_>, guid: &EntityGuid) -> Result<(String, bool, bool)> {
        let Some((_, canonical)) = monitors::parse_guid(&guid.0).filter(|(account, _)| *account == self.account_id)
        else {
            return Err(not_found(&guid.0));
        };
        let viewer = subject(ctx, self.account_id).await?;
        let view = viewer.allows(SyntheticsOp::ViewMonitor(&canonical));
        let edit = viewer.allows(SyntheticsOp::EditMonitor(&canonical));
        Ok((canonical, view, edit))
    }

    /// The monitor `guid`, when the viewer has Edit on it (its settings, script and steps).
    async fn editable(&self, ctx: &Context<'_>, guid: &EntityGuid, what: &str) -> Result<Monitor> {
        let (guid, _, edit) = self.rights(ctx, guid).await?;
        if !edit {
            return Err(forbidden(&guid, &format!("reading its {what} needs Edit on it")));
        }
        monitors::find(&services(ctx)?.db, self.account_id, &guid).await?.ok_or_else(|| not_found(&guid))
    }

    /// The canonical GUID, when the viewer has View or Edit on the monitor, with whether they
    /// have Edit.
    async fn visible(&self, ctx: &Context<'_>, guid: &EntityGuid) -> Result<(String, bool)> {
        let (guid, view, edit) = self.rights(ctx, guid).await?;
        if !view && !edit {
            return Err(forbidden(&guid, "it needs View or Edit on it"));
        }
        Ok((guid, edit))
    }
}

#[Object]
impl SyntheticsMonitorReads {
    /// The script of a scripted monitor (null text for other kinds). Needs Edit on the monitor.
    async fn script(
        &self,
        ctx: &Context<'_>,
        monitor_guid: EntityGuid,
    ) -> Result<Option<SyntheticsMonitorScriptQueryResponse>> {
        let monitor = self.editable(ctx, &monitor_guid, "script").await?;
        Ok(Some(SyntheticsMonitorScriptQueryResponse { text: monitor.script }))
    }

    /// The steps of a step monitor (null for other kinds). Needs Edit on the monitor.
    async fn steps(&self, ctx: &Context<'_>, monitor_guid: EntityGuid) -> Result<Option<Vec<SyntheticsStep>>> {
        let monitor = self.editable(ctx, &monitor_guid, "steps").await?;
        Ok(monitor.steps.map(|steps| steps.iter().filter_map(SyntheticsStep::of).collect()))
    }

    /// The account's monitors the viewer may View, by name, 200 a page. Not in NerdGraph.
    async fn monitors(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
    ) -> Result<Option<SyntheticsMonitorSearchResult>> {
        let after = cursor.as_deref().map(key_in).transpose()?;
        let viewer = subject(ctx, self.account_id).await?;
        let scope = viewer.viewable_monitors();
        let page = monitors::page_of(&services(ctx)?.db, self.account_id, &scope, after.as_ref(), PAGE_SIZE).await?;
        let next_cursor = match page.items.last() {
            Some(last) if page.has_more => Some(cursor_after(last)?),
            _ => None,
        };
        let monitors = page
            .items
            .iter()
            .map(|m| SyntheticsMonitorSummary::of(m, viewer.allows(SyntheticsOp::EditMonitor(&m.guid))));
        Ok(Some(SyntheticsMonitorSearchResult {
            monitors: monitors.collect(),
            next_cursor,
            total_count: count(page.total),
        }))
    }

    /// One monitor, for a viewer with View (its results-level fields) or Edit (its settings too);
    /// null when the account has no such monitor. Not in NerdGraph.
    async fn monitor(&self, ctx: &Context<'_>, guid: EntityGuid) -> Result<Option<SyntheticsMonitorSummary>> {
        let (guid, edit) = self.visible(ctx, &guid).await?;
        let found = monitors::find(&services(ctx)?.db, self.account_id, &guid).await?;
        Ok(found.map(|m| SyntheticsMonitorSummary::of(&m, edit)))
    }

    /// Who changed the monitor and when, newest first (kept after a deletion). Needs View or
    /// Edit on the monitor. Not in NerdGraph.
    async fn monitor_changes(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
    ) -> Result<Option<Vec<SyntheticsMonitorChange>>> {
        let (guid, _) = self.visible(ctx, &guid).await?;
        let events = monitors::history(&services(ctx)?.db, &guid).await.map_err(AppError::from)?;
        let mut actor_ids: Vec<i64> = events.iter().filter_map(|e| e.actor_user_id).collect();
        actor_ids.sort_unstable();
        actor_ids.dedup();
        let users = loaders(ctx)?.users.load_many(actor_ids).await.map_err(storage)?;
        let changes = events.into_iter().map(|event| SyntheticsMonitorChange {
            actor_email: event.actor_user_id.and_then(|id| users.get(&id)).map(|u| u.email.clone()),
            actor_user_id: event.actor_user_id.and_then(|id| i32::try_from(id).ok()),
            action: event.action,
            created_at: event.created_at.into(),
        });
        Ok(Some(changes.collect()))
    }
}
