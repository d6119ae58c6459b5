//! Synthetics private locations: NerdGraph's `syntheticsCreatePrivateLocation`,
//! `syntheticsUpdatePrivateLocation`, `syntheticsDeletePrivateLocation` and
//! `syntheticsPurgePrivateLocationQueue`, and AccessGraph's own list
//! `actor.account(id).syntheticsPrivateLocations`.
//!
//! Rights come from the permission model (`access::synthetics`): creating needs Edit on all private
//! locations, changing settings and purging the queue need Edit on the location, deleting needs
//! its delete right, and the list shows only the locations the viewer may View (an Edit-only
//! location is not listed, as seed 003 says). An unknown GUID is `NOT_FOUND` whoever asks.

use std::sync::Arc;

use async_graphql::{Context, Enum, Object, Result, SimpleObject};
use entity::synthetics_private_location as location;

use super::{EntityGuid, Problem, ViewerSynthetics, outcome, subject};
use crate::access::caps;
use crate::access::decision::{SyntheticsOp, SyntheticsWrite, UseCapability};
use crate::domain::synthetics::guid::{self, GuidKind};
use crate::domain::synthetics::private_locations::{
    self as domain, CreatedPrivateLocation, NewPrivateLocation, PrivateLocationChanges,
};
use crate::graphql::context::services;
use crate::graphql::error::storage;
use crate::graphql::guard::authorize;
use crate::graphql::pagination;
use crate::graphql::user_management::count;

/// Private locations a page of `syntheticsPrivateLocations` holds.
pub const PAGE_SIZE: usize = 100;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsPrivateLocationMutationErrorType {
    BadRequest,
    InternalServerError,
    NotFound,
    Unauthorized,
}

#[derive(SimpleObject, Debug, Clone)]
pub struct SyntheticsPrivateLocationMutationError {
    description: String,
    r#type: SyntheticsPrivateLocationMutationErrorType,
}

impl From<Problem> for SyntheticsPrivateLocationMutationError {
    fn from(problem: Problem) -> Self {
        let r#type = match problem {
            Problem::BadRequest(_) => SyntheticsPrivateLocationMutationErrorType::BadRequest,
            Problem::NotFound(_) => SyntheticsPrivateLocationMutationErrorType::NotFound,
            Problem::Unauthorized => SyntheticsPrivateLocationMutationErrorType::Unauthorized,
            Problem::Internal => SyntheticsPrivateLocationMutationErrorType::InternalServerError,
        };
        SyntheticsPrivateLocationMutationError { description: problem.message(), r#type }
    }
}

/// A payload's `errors`: empty on success, the one problem otherwise.
type Errors = Option<Vec<Option<SyntheticsPrivateLocationMutationError>>>;

fn errors(problem: Option<Problem>) -> Errors {
    Some(problem.into_iter().map(|p| Some(p.into())).collect())
}

/// The result of a create or an update: the location (with its key only at creation), or errors.
#[derive(SimpleObject, Default)]
pub struct SyntheticsPrivateLocationMutationResult {
    account_id: Option<i32>,
    description: Option<String>,
    domain_id: Option<String>,
    errors: Errors,
    guid: Option<EntityGuid>,
    key: Option<String>,
    location_id: Option<String>,
    name: Option<String>,
    shared: Option<bool>,
    verified_script_execution: Option<bool>,
}

impl SyntheticsPrivateLocationMutationResult {
    fn location(location: location::Model, key: Option<String>) -> Self {
        SyntheticsPrivateLocationMutationResult {
            account_id: Some(location.account_id),
            location_id: Some(domain::location_id(&location)),
            description: Some(location.description),
            domain_id: Some(location.id),
            errors: errors(None),
            guid: Some(EntityGuid(location.guid)),
            key,
            name: Some(location.name),
            shared: Some(location.shared),
            verified_script_execution: Some(location.verified_script_execution),
        }
    }

    fn created(created: CreatedPrivateLocation) -> Self {
        let key = created.key.expose().to_owned();
        Self::location(created.location, Some(key))
    }

    fn refused(problem: Problem) -> Self {
        SyntheticsPrivateLocationMutationResult { errors: errors(Some(problem)), ..Default::default() }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsPrivateLocationDeleteResult {
    errors: Errors,
}

#[derive(SimpleObject)]
pub struct SyntheticsPrivateLocationPurgeQueueResult {
    errors: Errors,
}

#[derive(Default)]
pub struct SyntheticsPrivateLocationMutations;

/// The private location `guid` names and the viewer's Synthetics facts on its account; a GUID
/// that names no private location is `NOT_FOUND`.
async fn target(
    ctx: &Context<'_>,
    guid: &EntityGuid,
) -> Result<std::result::Result<(String, ViewerSynthetics), Problem>> {
    match domain::parse_guid(&guid.0) {
        Ok(target) => {
            let viewer = subject(ctx, target.account_id).await?;
            Ok(Ok((guid::encode(target.account_id, GuidKind::PrivateLocation, &target.id), viewer)))
        }
        Err(err) => Ok(Err(err.into())),
    }
}

#[Object]
impl SyntheticsPrivateLocationMutations {
    /// Creates a private location; its key is in this result only. Needs Edit on all private
    /// locations of the account.
    async fn synthetics_create_private_location(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        description: Option<String>,
        name: String,
        shared: Option<bool>,
        verified_script_execution: bool,
    ) -> Result<Option<SyntheticsPrivateLocationMutationResult>> {
        let Ok(proof) = subject(ctx, account_id).await?.decide(SyntheticsWrite::CreateLocation) else {
            return Ok(Some(SyntheticsPrivateLocationMutationResult::refused(Problem::Unauthorized)));
        };
        let input = NewPrivateLocation { account_id, name, description, verified_script_execution, shared };
        let result = domain::create(&services(ctx)?.db, &proof, input).await;
        Ok(Some(match outcome(result)? {
            Ok(created) => SyntheticsPrivateLocationMutationResult::created(created),
            Err(problem) => SyntheticsPrivateLocationMutationResult::refused(problem),
        }))
    }

    /// Changes a private location's description, sharing or verified script execution (absent
    /// arguments stay as they are). Needs Edit on the location.
    async fn synthetics_update_private_location(
        &self,
        ctx: &Context<'_>,
        description: Option<String>,
        guid: EntityGuid,
        shared: Option<bool>,
        verified_script_execution: Option<bool>,
    ) -> Result<Option<SyntheticsPrivateLocationMutationResult>> {
        let (target, viewer) = match target(ctx, &guid).await? {
            Ok(found) => found,
            Err(problem) => return Ok(Some(SyntheticsPrivateLocationMutationResult::refused(problem))),
        };
        let changes = PrivateLocationChanges { description, shared, verified_script_execution };
        let result = match viewer.decide(SyntheticsWrite::EditLocation(target)) {
            Ok(proof) => domain::update(&services(ctx)?.db, &proof, changes).await,
            Err(_) => Err(viewer.refusal()),
        };
        Ok(Some(match outcome(result)? {
            Ok(location) => SyntheticsPrivateLocationMutationResult::location(location, None),
            Err(problem) => SyntheticsPrivateLocationMutationResult::refused(problem),
        }))
    }

    /// Deletes a private location and the permission rules that name it. Needs the delete right
    /// on the location.
    async fn synthetics_delete_private_location(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
    ) -> Result<Option<SyntheticsPrivateLocationDeleteResult>> {
        let (target, viewer) = match target(ctx, &guid).await? {
            Ok(found) => found,
            Err(problem) => return Ok(Some(SyntheticsPrivateLocationDeleteResult { errors: errors(Some(problem)) })),
        };
        let result = match viewer.decide(SyntheticsWrite::DeleteLocation(target)) {
            Ok(proof) => domain::delete(&services(ctx)?.db, &proof).await,
            Err(_) => Err(viewer.refusal()),
        };
        Ok(Some(SyntheticsPrivateLocationDeleteResult { errors: errors(outcome(result)?.err()) }))
    }

    /// Empties a private location's job queue. Needs Edit on the location.
    async fn synthetics_purge_private_location_queue(
        &self,
        ctx: &Context<'_>,
        guid: EntityGuid,
    ) -> Result<Option<SyntheticsPrivateLocationPurgeQueueResult>> {
        let (target, viewer) = match target(ctx, &guid).await? {
            Ok(found) => found,
            Err(problem) => {
                return Ok(Some(SyntheticsPrivateLocationPurgeQueueResult { errors: errors(Some(problem)) }));
            }
        };
        let result = match viewer.decide(SyntheticsWrite::EditLocation(target)) {
            Ok(proof) => domain::purge_queue(&services(ctx)?.db, &proof).await,
            Err(_) => Err(viewer.refusal()),
        };
        Ok(Some(SyntheticsPrivateLocationPurgeQueueResult { errors: errors(outcome(result)?.err()) }))
    }
}

// ---------------------------------------------------------------------------------------------
// actor.account(id).syntheticsPrivateLocations (AccessGraph only)

/// A page of the private locations the viewer may View.
#[derive(SimpleObject)]
pub struct SyntheticsPrivateLocationCollection {
    private_locations: Vec<SyntheticsPrivateLocationOverview>,
    next_cursor: Option<String>,
    total_count: i32,
}

/// A private location as View shows it: its overview, with the job queue numbers.
pub struct SyntheticsPrivateLocationOverview(location::Model);

#[Object]
impl SyntheticsPrivateLocationOverview {
    async fn account_id(&self) -> i32 {
        self.0.account_id
    }

    async fn description(&self) -> &str {
        &self.0.description
    }

    /// The location's globally unique identifier (a UUID).
    async fn domain_id(&self) -> &str {
        &self.0.id
    }

    async fn guid(&self) -> EntityGuid {
        EntityGuid(self.0.guid.clone())
    }

    /// Jobs waiting in the location's queue.
    async fn job_queue_size(&self) -> i32 {
        self.0.job_queue_size
    }

    /// An alternate identifier based on the name: `<accountId>-<name slug>-<3 hex>`.
    async fn location_id(&self) -> String {
        domain::location_id(&self.0)
    }

    async fn name(&self) -> &str {
        &self.0.name
    }

    async fn shared(&self) -> bool {
        self.0.shared
    }

    async fn verified_script_execution(&self) -> bool {
        self.0.verified_script_execution
    }
}

/// `Account.syntheticsPrivateLocations`: the account's private locations the viewer may View, by
/// name, [`PAGE_SIZE`] a page. Needs Read synthetics private locations on the account. One query
/// reads the account's locations, whatever their number; the permission model filters them.
pub async fn private_locations(
    ctx: &Context<'_>,
    account_id: i32,
    cursor: Option<String>,
) -> Result<SyntheticsPrivateLocationCollection> {
    authorize(ctx, UseCapability(account_id, caps::READ_PRIVATE_LOCATIONS)).await?;
    let after = cursor.as_deref().map(pagination::decode).transpose()?;
    let viewer = subject(ctx, account_id).await?;
    let all = domain::list(&services(ctx)?.db, account_id).await.map_err(|e| storage(Arc::new(e)))?;
    let visible: Vec<location::Model> =
        all.into_iter().filter(|l| viewer.allows(SyntheticsOp::ViewLocation(&l.guid))).collect();
    let total_count = count(visible.len() as u64);
    let mut page: Vec<location::Model> = visible
        .into_iter()
        .filter(|l| after.as_deref().is_none_or(|a| l.name.as_str() > a))
        .take(PAGE_SIZE + 1)
        .collect();
    let next_cursor = (page.len() > PAGE_SIZE).then(|| page.get(PAGE_SIZE - 1).map(|l| pagination::encode(&l.name)));
    page.truncate(PAGE_SIZE);
    Ok(SyntheticsPrivateLocationCollection {
        private_locations: page.into_iter().map(SyntheticsPrivateLocationOverview).collect(),
        next_cursor: next_cursor.flatten(),
        total_count,
    })
}
