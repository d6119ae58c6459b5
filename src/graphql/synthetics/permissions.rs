//! The Synthetics permission system's API. NerdGraph has none; these follow the style of its
//! `synthetics*` mutations: problems are reported in the payload's `errors[]` (HTTP 200, no
//! top-level error). Everything here needs "Manage synthetics permissions" on the account, which
//! admins keep whether the system is on or off.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::SyntheticsEntityKind;
use entity::{synthetics_permission_group as sgroup, synthetics_permission_rule as rule};

use super::{EntityGuid, Problem, subject};
use crate::access::decision::{Allowed, SyntheticsChange, SyntheticsWrite};
use crate::domain::synthetics::permissions::{self, GroupDetails, RuleRequest};
use crate::error::AppError;
use crate::graphql::context::{caller, services};
use crate::graphql::error::{ErrorClass, NOT_AUTHORIZED_MESSAGE};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsPermissionEntityType {
    Monitors,
    PrivateLocations,
}

impl From<SyntheticsPermissionEntityType> for SyntheticsEntityKind {
    fn from(value: SyntheticsPermissionEntityType) -> Self {
        match value {
            SyntheticsPermissionEntityType::Monitors => SyntheticsEntityKind::Monitor,
            SyntheticsPermissionEntityType::PrivateLocations => SyntheticsEntityKind::PrivateLocation,
        }
    }
}

/// FULL = View and Edit.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsPermissionAccess {
    Full,
    View,
    Edit,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum SyntheticsPermissionErrorType {
    BadRequest,
    InternalServerError,
    NotFound,
    Unauthorized,
}

#[derive(SimpleObject, Clone)]
pub struct SyntheticsPermissionError {
    description: String,
    r#type: SyntheticsPermissionErrorType,
}

impl From<Problem> for SyntheticsPermissionError {
    fn from(problem: Problem) -> Self {
        let r#type = match problem {
            Problem::BadRequest(_) => SyntheticsPermissionErrorType::BadRequest,
            Problem::NotFound(_) => SyntheticsPermissionErrorType::NotFound,
            Problem::Unauthorized => SyntheticsPermissionErrorType::Unauthorized,
            Problem::Internal => SyntheticsPermissionErrorType::InternalServerError,
        };
        SyntheticsPermissionError { description: problem.message(), r#type }
    }
}

impl From<AppError> for SyntheticsPermissionError {
    fn from(err: AppError) -> Self {
        Problem::from(err).into()
    }
}

/// A rule: View and/or Edit on every entity of a type (`entityGuid` null) or on one entity.
#[derive(SimpleObject)]
pub struct SyntheticsPermissionRule {
    entity_type: SyntheticsPermissionEntityType,
    entity_guid: Option<EntityGuid>,
    view: bool,
    edit: bool,
}

impl From<&rule::Model> for SyntheticsPermissionRule {
    fn from(r: &rule::Model) -> Self {
        SyntheticsPermissionRule {
            entity_type: match r.entity_kind {
                SyntheticsEntityKind::Monitor => SyntheticsPermissionEntityType::Monitors,
                SyntheticsEntityKind::PrivateLocation => SyntheticsPermissionEntityType::PrivateLocations,
            },
            entity_guid: (r.target != rule::ALL).then(|| EntityGuid(r.target.clone())),
            view: r.can_view,
            edit: r.can_edit,
        }
    }
}

#[derive(SimpleObject)]
pub struct SyntheticsPermissionGroupMember {
    id: i32,
    email: String,
    name: String,
}

#[derive(SimpleObject)]
pub struct SyntheticsPermissionGroup {
    id: ID,
    account_id: i32,
    name: String,
    members: Vec<SyntheticsPermissionGroupMember>,
    rules: Vec<SyntheticsPermissionRule>,
}

impl From<GroupDetails> for SyntheticsPermissionGroup {
    fn from(details: GroupDetails) -> Self {
        SyntheticsPermissionGroup {
            id: ID(details.group.id),
            account_id: details.group.account_id,
            name: details.group.name,
            members: details
                .members
                .into_iter()
                .map(|u| SyntheticsPermissionGroupMember {
                    id: i32::try_from(u.id).unwrap_or(i32::MAX),
                    email: u.email,
                    name: u.name,
                })
                .collect(),
            rules: details.rules.iter().map(SyntheticsPermissionRule::from).collect(),
        }
    }
}

/// The permission system of an account: whether it is on, and its groups.
#[derive(SimpleObject)]
pub struct SyntheticsPermissions {
    enabled: bool,
    groups: Vec<SyntheticsPermissionGroup>,
}

#[derive(SimpleObject)]
pub struct SyntheticsPermissionsMutationResult {
    account_id: i32,
    enabled: Option<bool>,
    errors: Vec<SyntheticsPermissionError>,
}

#[derive(SimpleObject)]
pub struct SyntheticsPermissionGroupMutationResult {
    errors: Vec<SyntheticsPermissionError>,
    group: Option<SyntheticsPermissionGroup>,
}

impl SyntheticsPermissionGroupMutationResult {
    fn failed(err: AppError) -> Self {
        SyntheticsPermissionGroupMutationResult { errors: vec![err.into()], group: None }
    }
}

#[derive(InputObject)]
pub struct SyntheticsPermissionRuleInput {
    entity_type: SyntheticsPermissionEntityType,
    /// One monitor or private location; omit for every entity of the type.
    entity_guid: Option<EntityGuid>,
    access: SyntheticsPermissionAccess,
}

/// The proof that the viewer may manage the permission system of `account_id`, or the refusal.
async fn require_manager(ctx: &Context<'_>, account_id: i32) -> Result<Result<Allowed<SyntheticsChange>, AppError>> {
    let synthetics = subject(ctx, account_id).await?;
    Ok(synthetics.decide(SyntheticsWrite::ManagePermissions).map_err(|_| AppError::forbidden(NOT_AUTHORIZED_MESSAGE)))
}

/// Runs `change` on group `id` when the viewer manages its account, and answers with the group as
/// it is after the change (or as it was, for a deletion).
async fn on_group(
    ctx: &Context<'_>,
    id: &str,
    change: impl AsyncFnOnce(&Allowed<SyntheticsChange>) -> Result<sgroup::Model, AppError>,
) -> Result<SyntheticsPermissionGroupMutationResult> {
    let db = &services(ctx)?.db;
    let found = match permissions::group(db, &caller(ctx)?, id).await {
        Ok(found) => found,
        Err(err) => return Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
    };
    let proof = match require_manager(ctx, found.account_id).await? {
        Ok(proof) => proof,
        Err(err) => return Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
    };
    let group = match change(&proof).await {
        Ok(group) => group,
        Err(err) => return Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
    };
    group_result(ctx, group).await
}

async fn group_result(ctx: &Context<'_>, group: sgroup::Model) -> Result<SyntheticsPermissionGroupMutationResult> {
    let details = permissions::details(&services(ctx)?.db, vec![group]).await.map_err(AppError::from)?;
    Ok(SyntheticsPermissionGroupMutationResult { errors: vec![], group: details.into_iter().next().map(Into::into) })
}

#[derive(Default)]
pub struct SyntheticsPermissionMutations;

#[Object]
impl SyntheticsPermissionMutations {
    /// Turns the Synthetics permission system on for an account: from then on only permission
    /// groups give access to its monitors and private locations. Not in NerdGraph.
    async fn synthetics_enable_permissions(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
    ) -> Result<SyntheticsPermissionsMutationResult> {
        switch(ctx, account_id, true).await
    }

    /// Turns the Synthetics permission system off: account capabilities alone decide again.
    /// Not in NerdGraph.
    async fn synthetics_disable_permissions(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
    ) -> Result<SyntheticsPermissionsMutationResult> {
        switch(ctx, account_id, false).await
    }

    /// Creates a permission group (no members, no rules). Not in NerdGraph.
    async fn synthetics_create_permission_group(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        name: String,
    ) -> Result<SyntheticsPermissionGroupMutationResult> {
        let caller = caller(ctx)?;
        let db = &services(ctx)?.db;
        if let Err(err) = permissions::account_of(db, &caller, account_id).await {
            return Ok(SyntheticsPermissionGroupMutationResult::failed(err));
        }
        let proof = match require_manager(ctx, account_id).await? {
            Ok(proof) => proof,
            Err(err) => return Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
        };
        match permissions::create_group(db, &proof, account_id, &name).await {
            Ok(group) => group_result(ctx, group).await,
            Err(err) => Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
        }
    }

    /// Renames a permission group. Not in NerdGraph.
    async fn synthetics_update_permission_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: String,
    ) -> Result<SyntheticsPermissionGroupMutationResult> {
        let db = services(ctx)?.db.clone();
        on_group(ctx, &id, async |proof| permissions::rename_group(&db, proof, &id, &name).await).await
    }

    /// Deletes a permission group at once and for good: its members lose what it gave them.
    /// Not in NerdGraph.
    async fn synthetics_delete_permission_group(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> Result<SyntheticsPermissionGroupMutationResult> {
        let db = &services(ctx)?.db;
        let caller = caller(ctx)?;
        let found = match permissions::group(db, &caller, &id).await {
            Ok(found) => found,
            Err(err) => return Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
        };
        let proof = match require_manager(ctx, found.account_id).await? {
            Ok(proof) => proof,
            Err(err) => return Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
        };
        let details = permissions::details(db, vec![found]).await.map_err(AppError::from)?;
        match permissions::delete_group(db, &proof, &id).await {
            Ok(_) => Ok(SyntheticsPermissionGroupMutationResult {
                errors: vec![],
                group: details.into_iter().next().map(Into::into),
            }),
            Err(err) => Ok(SyntheticsPermissionGroupMutationResult::failed(err)),
        }
    }

    /// Adds users (who can access the account) to a group, or every such user with
    /// `addAllUsers`. Not in NerdGraph.
    async fn synthetics_add_permission_group_members(
        &self,
        ctx: &Context<'_>,
        id: ID,
        user_ids: Option<Vec<i32>>,
        add_all_users: Option<bool>,
    ) -> Result<SyntheticsPermissionGroupMutationResult> {
        let services = services(ctx)?.clone();
        let ids: Vec<i64> = user_ids.unwrap_or_default().into_iter().map(i64::from).collect();
        on_group(ctx, &id, async |proof| {
            permissions::add_members(&services.db, &services.catalog, proof, &id, &ids, add_all_users.unwrap_or(false))
                .await
        })
        .await
    }

    /// Removes users from a group. Not in NerdGraph.
    async fn synthetics_remove_permission_group_members(
        &self,
        ctx: &Context<'_>,
        id: ID,
        user_ids: Vec<i32>,
    ) -> Result<SyntheticsPermissionGroupMutationResult> {
        let db = services(ctx)?.db.clone();
        let ids: Vec<i64> = user_ids.into_iter().map(i64::from).collect();
        on_group(ctx, &id, async |proof| permissions::remove_members(&db, proof, &id, &ids).await).await
    }

    /// Gives a group FULL, VIEW or EDIT access to every monitor (or private location), or to one
    /// by GUID; replaces the group's rule on that target. "All" and per-entity rules of one type
    /// exclude each other. Not in NerdGraph.
    async fn synthetics_set_permission_group_rule(
        &self,
        ctx: &Context<'_>,
        id: ID,
        rule: SyntheticsPermissionRuleInput,
    ) -> Result<SyntheticsPermissionGroupMutationResult> {
        let db = services(ctx)?.db.clone();
        let (view, edit) = match rule.access {
            SyntheticsPermissionAccess::Full => (true, true),
            SyntheticsPermissionAccess::View => (true, false),
            SyntheticsPermissionAccess::Edit => (false, true),
        };
        let request = RuleRequest { kind: rule.entity_type.into(), guid: rule.entity_guid.map(|g| g.0), view, edit };
        on_group(ctx, &id, async |proof| permissions::set_rule(&db, proof, &id, request).await).await
    }

    /// Removes a group's rule on every entity of a type (`entityGuid` omitted) or on one entity.
    /// Not in NerdGraph.
    async fn synthetics_remove_permission_group_rule(
        &self,
        ctx: &Context<'_>,
        id: ID,
        entity_type: SyntheticsPermissionEntityType,
        entity_guid: Option<EntityGuid>,
    ) -> Result<SyntheticsPermissionGroupMutationResult> {
        let db = services(ctx)?.db.clone();
        let guid = entity_guid.map(|g| g.0);
        on_group(ctx, &id, async |proof| {
            permissions::remove_rule(&db, proof, &id, entity_type.into(), guid.as_deref()).await
        })
        .await
    }
}

async fn switch(ctx: &Context<'_>, account_id: i32, on: bool) -> Result<SyntheticsPermissionsMutationResult> {
    let db = &services(ctx)?.db;
    let caller = caller(ctx)?;
    let failed =
        |err: AppError| SyntheticsPermissionsMutationResult { account_id, enabled: None, errors: vec![err.into()] };
    if let Err(err) = permissions::account_of(db, &caller, account_id).await {
        return Ok(failed(err));
    }
    let proof = match require_manager(ctx, account_id).await? {
        Ok(proof) => proof,
        Err(err) => return Ok(failed(err)),
    };
    match permissions::set_enabled(db, &proof, account_id, on).await {
        Ok(enabled) => Ok(SyntheticsPermissionsMutationResult { account_id, enabled: Some(enabled), errors: vec![] }),
        Err(err) => Ok(failed(err)),
    }
}

/// `Account.syntheticsPermissions`: for those who manage the permission system only.
pub async fn read(ctx: &Context<'_>, account_id: i32) -> Result<Option<SyntheticsPermissions>> {
    if require_manager(ctx, account_id).await?.is_err() {
        return Err(ErrorClass::Forbidden.error(format!("{NOT_AUTHORIZED_MESSAGE} on account {account_id}")));
    }
    let db = &services(ctx)?.db;
    let enabled = permissions::enabled(db, account_id).await.map_err(AppError::from)?;
    let groups = permissions::groups_of_account(db, account_id).await.map_err(AppError::from)?;
    Ok(Some(SyntheticsPermissions { enabled, groups: groups.into_iter().map(Into::into).collect() }))
}
