//! NerdGraph's organization area: `organizationUpdate`, and the parts of `actor.organization`
//! that AccessGraph answers without data of its own (account shares, workflow automation).
//!
//! `organizationUpdate` reports its problems inside its payload (`errors[]`, HTTP 200, no GraphQL
//! error), as NerdGraph does: `NOT_AUTHORIZED` with NerdGraph's "You are not authorized to perform
//! this action" for a viewer without Modify organization settings or for another organization's
//! id, `INVALID_RECORD` for an invalid name. So the field has no guard: it checks inside.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::organization;

use super::context::services;
use super::error::NOT_AUTHORIZED_MESSAGE;
use super::guard::authorize;
use super::scalars::SecureValue;
use crate::access::decision::ModifyOrganizationSettings;
use crate::domain::organizations::{self, OrganizationChanges};
use crate::error::AppError;

// ---------------------------------------------------------------------------------------------
// organizationUpdate

#[derive(InputObject)]
pub struct OrganizationUpdateInput {
    name: Option<String>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrganizationUpdateErrorType {
    InvalidRecord,
    NotAuthorized,
}

#[derive(SimpleObject)]
pub struct OrganizationError {
    message: String,
    r#type: OrganizationUpdateErrorType,
}

impl OrganizationError {
    fn not_authorized() -> Self {
        OrganizationError {
            message: NOT_AUTHORIZED_MESSAGE.to_owned(),
            r#type: OrganizationUpdateErrorType::NotAuthorized,
        }
    }

    /// The payload error for a refused change; storage and internal failures stay GraphQL errors.
    fn from_app(err: AppError) -> Result<Self> {
        match err {
            AppError::BadInput(message) => {
                Ok(OrganizationError { message, r#type: OrganizationUpdateErrorType::InvalidRecord })
            }
            AppError::NotFound(_) | AppError::Forbidden(_) => Ok(Self::not_authorized()),
            other => Err(other.into()),
        }
    }
}

#[derive(SimpleObject)]
pub struct OrganizationInformation {
    id: String,
    name: String,
}

#[derive(SimpleObject)]
pub struct OrganizationUpdateResponse {
    errors: Vec<OrganizationError>,
    organization_information: Option<OrganizationInformation>,
}

impl OrganizationUpdateResponse {
    fn updated(organization: organization::Model) -> Self {
        OrganizationUpdateResponse {
            errors: Vec::new(),
            organization_information: Some(OrganizationInformation { id: organization.id, name: organization.name }),
        }
    }

    fn refused(error: OrganizationError) -> Self {
        OrganizationUpdateResponse { errors: vec![error], organization_information: None }
    }
}

#[derive(Default)]
pub struct OrganizationMutations;

#[Object]
impl OrganizationMutations {
    /// Renames the viewer's organization (`organizationId`, when given, must be it). Needs Modify
    /// organization settings; problems come back in the payload's `errors`.
    async fn organization_update(
        &self,
        ctx: &Context<'_>,
        organization: OrganizationUpdateInput,
        organization_id: Option<ID>,
    ) -> Result<Option<OrganizationUpdateResponse>> {
        let proof = match authorize(ctx, ModifyOrganizationSettings).await {
            Ok(proof) => proof,
            Err(err) => return Ok(Some(OrganizationUpdateResponse::refused(OrganizationError::from_app(err)?))),
        };
        let changes = OrganizationChanges { name: organization.name };
        let target = organization_id.as_ref().map(|id| id.as_str());
        match organizations::update(&services(ctx)?.db, &proof, target, changes).await {
            Ok(updated) => Ok(Some(OrganizationUpdateResponse::updated(updated))),
            Err(err) => Ok(Some(OrganizationUpdateResponse::refused(OrganizationError::from_app(err)?))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// actor.organization.accountShares (always empty)

/// Accounts shared with or by other organizations: AccessGraph shares none.
#[derive(SimpleObject)]
pub struct OrganizationAccountShares {
    pub shared_accounts: Option<Vec<OrganizationSharedAccount>>,
}

impl OrganizationAccountShares {
    pub fn none() -> Self {
        OrganizationAccountShares { shared_accounts: Some(Vec::new()) }
    }
}

#[derive(SimpleObject)]
pub struct OrganizationSharedAccount {
    pub account_id: i32,
    pub id: String,
    pub limiting_data_access_policy_id: Option<ID>,
    pub limiting_role_id: i32,
    pub name: Option<String>,
    pub source_organization_id: ID,
    pub source_organization_name: Option<String>,
    pub target_organization_id: ID,
    pub target_organization_name: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// actor.organization.workflowAutomation (no workflows)

/// `actor.organization.workflowAutomation`: AccessGraph runs no workflows.
pub struct WorkflowAutomationOrganizationStitchedFields;

#[Object]
impl WorkflowAutomationOrganizationStitchedFields {
    /// The workflow `name`: always null, as for any unknown name (AccessGraph stores no workflows).
    async fn workflow(&self, name: String, version: Option<i32>) -> Option<WorkflowAutomationWorkflowResponse> {
        let _ = (name, version);
        None
    }
}

#[derive(SimpleObject)]
pub struct WorkflowAutomationWorkflowResponse {
    pub definition: Option<WorkflowAutomationWorkflowDefinition>,
}

#[derive(SimpleObject)]
pub struct WorkflowAutomationWorkflowDefinition {
    pub definition_id: ID,
    pub description: Option<String>,
    pub name: String,
    pub version: i32,
    pub yaml: SecureValue,
}
