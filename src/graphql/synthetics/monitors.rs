//! Synthetics monitors: NerdGraph's `syntheticsCreate*Monitor`, `syntheticsUpdate*Monitor` and
//! `syntheticsDeleteMonitor` mutations, and the monitor reads of `actor.account(id).synthetics`
//! (module [`reads`]).
//!
//! The create and update mutations report problems inside their payload, as NerdGraph does:
//! `errors[] {description, type}` with HTTP 200 and no GraphQL error. `BAD_REQUEST` for invalid
//! input, `NOT_FOUND` for a GUID that names no monitor, `UNAUTHORIZED` when the permission model
//! refuses. Storage failures stay GraphQL errors (`INTERNAL_SERVER_ERROR`, which clients retry).
//! `syntheticsDeleteMonitor`'s payload has no `errors`, so its refusals are GraphQL errors
//! (`NOT_FOUND`, `FORBIDDEN`) and the field is null.
//!
//! Every right comes from the permission model (`access::synthetics`) through [`subject`]: a
//! create needs Edit on all monitors of the account, an update Edit on the monitor, a delete its
//! Delete right; a viewer without access to the account is refused the same way.

mod enums;
mod inputs;
mod outputs;
mod reads;

use crate::domain::validate::echo;
use async_graphql::{Context, Object, Result, SimpleObject};
use entity::enums::MonitorKind;

use self::enums::{SyntheticsMonitorCreateErrorType, SyntheticsMonitorUpdateErrorType};
use self::inputs::{
    SyntheticsCreateBrokenLinksMonitorInput, SyntheticsCreateCertCheckMonitorInput,
    SyntheticsCreateScriptApiMonitorInput, SyntheticsCreateScriptBrowserMonitorInput,
    SyntheticsCreateSimpleBrowserMonitorInput, SyntheticsCreateSimpleMonitorInput, SyntheticsCreateStepMonitorInput,
    SyntheticsUpdateBrokenLinksMonitorInput, SyntheticsUpdateCertCheckMonitorInput,
    SyntheticsUpdateScriptApiMonitorInput, SyntheticsUpdateScriptBrowserMonitorInput,
    SyntheticsUpdateSimpleBrowserMonitorInput, SyntheticsUpdateSimpleMonitorInput, SyntheticsUpdateStepMonitorInput,
};
use self::outputs::{
    SyntheticsBrokenLinksMonitor, SyntheticsCertCheckMonitor, SyntheticsScriptApiMonitor,
    SyntheticsScriptBrowserMonitor, SyntheticsSimpleBrowserMonitor, SyntheticsSimpleMonitor, SyntheticsStepMonitor,
};
pub use self::reads::SyntheticsMonitorReads;
use super::{EntityGuid, subject};
use crate::access::decision::SyntheticsWrite;
use crate::domain::synthetics::monitors::{self, Monitor, MonitorChanges};
use crate::error::AppError;
use crate::graphql::context::services;
use crate::graphql::error::{ErrorClass, NOT_AUTHORIZED_MESSAGE};

/// Why a monitor change was refused, as a payload error reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Refusal {
    BadRequest(String),
    NotFound(String),
    Unauthorized(String),
}

impl Refusal {
    /// The refusal for a failed domain call; storage and internal failures stay GraphQL errors.
    fn from_app(err: AppError) -> Result<Self> {
        match err {
            AppError::BadInput(message) => Ok(Refusal::BadRequest(message)),
            AppError::NotFound(message) => Ok(Refusal::NotFound(message)),
            AppError::Forbidden(message) => Ok(Refusal::Unauthorized(message)),
            other => Err(other.into()),
        }
    }

    fn unknown_guid(guid: &str) -> Self {
        Refusal::NotFound(format!("Monitor {} not found", echo(guid)))
    }

    fn on_monitor(guid: &str) -> Self {
        Refusal::Unauthorized(format!("{NOT_AUTHORIZED_MESSAGE} on monitor {}", echo(guid)))
    }
}

/// What a create or update mutation did: the monitor as stored, or why not.
type Outcome = std::result::Result<Monitor, Refusal>;

#[derive(SimpleObject)]
pub struct SyntheticsMonitorCreateError {
    description: String,
    r#type: SyntheticsMonitorCreateErrorType,
}

impl From<Refusal> for SyntheticsMonitorCreateError {
    fn from(refusal: Refusal) -> Self {
        let (r#type, description) = match refusal {
            Refusal::BadRequest(d) => (SyntheticsMonitorCreateErrorType::BadRequest, d),
            Refusal::NotFound(d) => (SyntheticsMonitorCreateErrorType::NotFound, d),
            Refusal::Unauthorized(d) => (SyntheticsMonitorCreateErrorType::Unauthorized, d),
        };
        SyntheticsMonitorCreateError { description, r#type }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsMonitorUpdateError {
    description: String,
    r#type: SyntheticsMonitorUpdateErrorType,
}

impl From<Refusal> for SyntheticsMonitorUpdateError {
    fn from(refusal: Refusal) -> Self {
        let (r#type, description) = match refusal {
            Refusal::BadRequest(d) => (SyntheticsMonitorUpdateErrorType::BadRequest, d),
            Refusal::NotFound(d) => (SyntheticsMonitorUpdateErrorType::NotFound, d),
            Refusal::Unauthorized(d) => (SyntheticsMonitorUpdateErrorType::Unauthorized, d),
        };
        SyntheticsMonitorUpdateError { description, r#type }
    }
}

/// The payload types `{errors: [<error>]!, monitor: <monitor>}`, each built from an [`Outcome`].
macro_rules! payloads {
    ($($(#[$meta:meta])* $name:ident { $error:ident, $monitor:ident })*) => {$(
        $(#[$meta])*
        #[derive(SimpleObject)]
        pub struct $name {
            errors: Vec<Option<$error>>,
            monitor: Option<$monitor>,
        }

        impl From<Outcome> for $name {
            fn from(outcome: Outcome) -> Self {
                match outcome {
                    Ok(monitor) => $name { errors: Vec::new(), monitor: Some($monitor::from(&monitor)) },
                    Err(refusal) => $name { errors: vec![Some($error::from(refusal))], monitor: None },
                }
            }
        }
    )*};
}

payloads! {
    /// The answer of both `syntheticsCreateSimpleMonitor` and `syntheticsCreateSimpleBrowserMonitor`.
    SyntheticsSimpleBrowserMonitorCreateMutationResult { SyntheticsMonitorCreateError, SyntheticsSimpleBrowserMonitor }
    SyntheticsScriptApiMonitorCreateMutationResult { SyntheticsMonitorCreateError, SyntheticsScriptApiMonitor }
    SyntheticsScriptBrowserMonitorCreateMutationResult { SyntheticsMonitorCreateError, SyntheticsScriptBrowserMonitor }
    SyntheticsStepMonitorCreateMutationResult { SyntheticsMonitorCreateError, SyntheticsStepMonitor }
    SyntheticsBrokenLinksMonitorCreateMutationResult { SyntheticsMonitorCreateError, SyntheticsBrokenLinksMonitor }
    SyntheticsCertCheckMonitorCreateMutationResult { SyntheticsMonitorCreateError, SyntheticsCertCheckMonitor }
    SyntheticsSimpleMonitorUpdateMutationResult { SyntheticsMonitorUpdateError, SyntheticsSimpleMonitor }
    SyntheticsSimpleBrowserMonitorUpdateMutationResult { SyntheticsMonitorUpdateError, SyntheticsSimpleBrowserMonitor }
    SyntheticsScriptApiMonitorUpdateMutationResult { SyntheticsMonitorUpdateError, SyntheticsScriptApiMonitor }
    SyntheticsScriptBrowserMonitorUpdateMutationResult { SyntheticsMonitorUpdateError, SyntheticsScriptBrowserMonitor }
    SyntheticsStepMonitorUpdateMutationResult { SyntheticsMonitorUpdateError, SyntheticsStepMonitor }
    SyntheticsBrokenLinksMonitorUpdateMutationResult { SyntheticsMonitorUpdateError, SyntheticsBrokenLinksMonitor }
    SyntheticsCertCheckMonitorUpdateMutationResult { SyntheticsMonitorUpdateError, SyntheticsCertCheckMonitor }
}

#[derive(SimpleObject)]
pub struct SyntheticsMonitorDeleteMutationResult {
    deleted_guid: Option<EntityGuid>,
}

/// Creates a monitor of `kind` in `account_id` when the viewer may create monitors there.
async fn create(ctx: &Context<'_>, account_id: i32, kind: MonitorKind, changes: MonitorChanges) -> Result<Outcome> {
    let Ok(proof) = subject(ctx, account_id).await?.decide(SyntheticsWrite::CreateMonitor) else {
        return Ok(Err(Refusal::Unauthorized(format!(
            "{NOT_AUTHORIZED_MESSAGE}: creating monitors in account {account_id} needs Edit on all monitors"
        ))));
    };
    let created = monitors::create(&services(ctx)?.db, &proof, kind, changes).await;
    finish(created)
}

/// Changes the monitor `guid` (of `kind`) when the viewer has Edit on it.
async fn update(ctx: &Context<'_>, guid: &EntityGuid, kind: MonitorKind, changes: MonitorChanges) -> Result<Outcome> {
    let Some((account_id, guid)) = monitors::parse_guid(&guid.0) else {
        return Ok(Err(Refusal::unknown_guid(&guid.0)));
    };
    let Ok(proof) = subject(ctx, account_id).await?.decide(SyntheticsWrite::EditMonitor(guid.clone())) else {
        return Ok(Err(Refusal::on_monitor(&guid)));
    };
    let updated = monitors::update(&services(ctx)?.db, &proof, kind, changes).await;
    finish(updated)
}

/// The outcome of a domain change: a refusal for the payload, or a top-level error.
fn finish(result: crate::error::AppResult<Monitor>) -> Result<Outcome> {
    match result {
        Ok(monitor) => Ok(Ok(monitor)),
        Err(err) => Ok(Err(Refusal::from_app(err)?)),
    }
}

#[derive(Default)]
pub struct SyntheticsMonitorMutations;

#[Object]
impl SyntheticsMonitorMutations {
    /// Creates a simple (ping) monitor. NerdGraph answers with the simple *browser* result type.
    async fn synthetics_create_simple_monitor(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        monitor: SyntheticsCreateSimpleMonitorInput,
    ) -> Result<Option<SyntheticsSimpleBrowserMonitorCreateMutationResult>> {
        Ok(Some(create(ctx, account_id, MonitorKind::Simple, monitor.into()).await?.into()))
    }

    /// Creates a simple browser monitor.
    async fn synthetics_create_simple_browser_monitor(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        monitor: SyntheticsCreateSimpleBrowserMonitorInput,
    ) -> Result<Option<SyntheticsSimpleBrowserMonitorCreateMutationResult>> {
        Ok(Some(create(ctx, account_id, MonitorKind::Browser, monitor.into()).await?.into()))
    }

    /// Creates a scripted API monitor.
    async fn synthetics_create_script_api_monitor(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        monitor: SyntheticsCreateScriptApiMonitorInput,
    ) -> Result<Option<SyntheticsScriptApiMonitorCreateMutationResult>> {
        Ok(Some(create(ctx, account_id, MonitorKind::ScriptApi, monitor.into()).await?.into()))
    }

    /// Creates a scripted browser monitor.
    async fn synthetics_create_script_browser_monitor(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        monitor: SyntheticsCreateScriptBrowserMonitorInput,
    ) -> Result<Option<SyntheticsScriptBrowserMonitorCreateMutationResult>> {
        Ok(Some(create(ctx, account_id, MonitorKind::ScriptBrowser, monitor.into()).await?.into()))
    }

    /// Creates a step monitor.
    async fn synthetics_create_step_monitor(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        monitor: SyntheticsCreateStepMonitorInput,
    ) -> Result<Option<SyntheticsStepMonitorCreateMutationResult>> {
        Ok(Some(create(ctx, account_id, MonitorKind::StepMonitor, monitor.into()).await?.into()))
    }

    /// Creates a broken links monitor.
    async fn synthetics_create_broken_links_monitor(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        monitor: SyntheticsCreateBrokenLinksMonitorInput,
    ) -> Result<Option<SyntheticsBrokenLinksMonitorCreateMutationResult>> {
        Ok(Some(create(ctx, account_id, MonitorKind::BrokenLinks, monitor.into()).await?.into()))
    }

    /// Creates a certificate check monitor.
    async fn synthetics_create_cert_check_monitor(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        monitor: SyntheticsCreateCertCheckMonitorInput,
    ) -> Result<Option<SyntheticsCertCheckMonitorCreateMutationResult>> {
        Ok(Some(create(ctx, account_id, MonitorKind::CertCheck, monitor.into()).await?.into()))
    }

    /// Changes a simple (ping) monitor.
    async fn synthetics_update_simple_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
        monitor: SyntheticsUpdateSimpleMonitorInput,
    ) -> Result<Option<SyntheticsSimpleMonitorUpdateMutationResult>> {
        Ok(Some(update(ctx, &guid, MonitorKind::Simple, monitor.into()).await?.into()))
    }

    /// Changes a simple browser monitor.
    async fn synthetics_update_simple_browser_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
        monitor: SyntheticsUpdateSimpleBrowserMonitorInput,
    ) -> Result<Option<SyntheticsSimpleBrowserMonitorUpdateMutationResult>> {
        Ok(Some(update(ctx, &guid, MonitorKind::Browser, monitor.into()).await?.into()))
    }

    /// Changes a scripted API monitor.
    async fn synthetics_update_script_api_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
        monitor: SyntheticsUpdateScriptApiMonitorInput,
    ) -> Result<Option<SyntheticsScriptApiMonitorUpdateMutationResult>> {
        Ok(Some(update(ctx, &guid, MonitorKind::ScriptApi, monitor.into()).await?.into()))
    }

    /// Changes a scripted browser monitor.
    async fn synthetics_update_script_browser_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
        monitor: SyntheticsUpdateScriptBrowserMonitorInput,
    ) -> Result<Option<SyntheticsScriptBrowserMonitorUpdateMutationResult>> {
        Ok(Some(update(ctx, &guid, MonitorKind::ScriptBrowser, monitor.into()).await?.into()))
    }

    /// Changes a step monitor.
    async fn synthetics_update_step_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
        monitor: SyntheticsUpdateStepMonitorInput,
    ) -> Result<Option<SyntheticsStepMonitorUpdateMutationResult>> {
        Ok(Some(update(ctx, &guid, MonitorKind::StepMonitor, monitor.into()).await?.into()))
    }

    /// Changes a broken links monitor.
    async fn synthetics_update_broken_links_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
        monitor: SyntheticsUpdateBrokenLinksMonitorInput,
    ) -> Result<Option<SyntheticsBrokenLinksMonitorUpdateMutationResult>> {
        Ok(Some(update(ctx, &guid, MonitorKind::BrokenLinks, monitor.into()).await?.into()))
    }

    /// Changes a certificate check monitor.
    async fn synthetics_update_cert_check_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
        monitor: SyntheticsUpdateCertCheckMonitorInput,
    ) -> Result<Option<SyntheticsCertCheckMonitorUpdateMutationResult>> {
        Ok(Some(update(ctx, &guid, MonitorKind::CertCheck, monitor.into()).await?.into()))
    }

    /// Deletes a monitor of any kind. Refusals are GraphQL errors (this payload has no
    /// `errors`): `NOT_FOUND` for an unknown GUID, `FORBIDDEN` without the Delete right.
    async fn synthetics_delete_monitor(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
    ) -> Result<Option<SyntheticsMonitorDeleteMutationResult>> {
        let Some((account_id, guid)) = monitors::parse_guid(&guid.0) else {
            return Err(ErrorClass::NotFound.error(format!("Monitor {} not found", echo(&guid.0))));
        };
        let Ok(proof) = subject(ctx, account_id).await?.decide(SyntheticsWrite::DeleteMonitor(guid.clone())) else {
            return Err(ErrorClass::Forbidden.error(format!("{NOT_AUTHORIZED_MESSAGE} on monitor {}", echo(&guid))));
        };
        let deleted = monitors::delete(&services(ctx)?.db, &proof).await?;
        Ok(Some(SyntheticsMonitorDeleteMutationResult { deleted_guid: Some(EntityGuid(deleted)) }))
    }
}
