//! Synthetics secure credentials: NerdGraph's `syntheticsCreateSecureCredential`,
//! `syntheticsUpdateSecureCredential` and `syntheticsDeleteSecureCredential`, and AccessGraph's
//! own list `actor.account(id).syntheticsSecureCredentials`.
//!
//! The Synthetics permission groups do not govern secure credentials (seed 003 covers monitors and
//! private locations): the capabilities on the account decide, View to list, Modify to create and
//! update, Delete to delete. A value is write-only: no response ever holds it.

use std::sync::Arc;

use async_graphql::{Context, Object, Result, SimpleObject};
use entity::synthetics_secure_credential as credential;

use super::{Problem, outcome};
use crate::access::decision::{Allowed, UseCapability};
use crate::access::{CapabilityId, caps};
use crate::domain::synthetics::secure_credentials::{
    self as domain, CredentialValue, NewSecureCredential, SecureCredentialChanges,
};
use crate::graphql::context::services;
use crate::graphql::error::storage;
use crate::graphql::guard::authorize;
use crate::graphql::pagination;
use crate::graphql::scalars::{EpochMilliseconds, SecureValue};
use crate::graphql::user_management::count;

/// Secure credentials a page of `syntheticsSecureCredentials` holds.
pub const PAGE_SIZE: u64 = 100;

#[derive(SimpleObject, Debug, Clone)]
pub struct SyntheticsError {
    description: Option<String>,
}

/// The result of every secure credential mutation: the credential (never its value), or errors.
#[derive(SimpleObject, Default)]
pub struct SyntheticsSecureCredentialMutationResult {
    created_at: Option<EpochMilliseconds>,
    description: Option<String>,
    errors: Option<Vec<Option<SyntheticsError>>>,
    key: Option<String>,
    last_update: Option<EpochMilliseconds>,
}

impl SyntheticsSecureCredentialMutationResult {
    fn credential(credential: credential::Model) -> Self {
        SyntheticsSecureCredentialMutationResult {
            created_at: Some(credential.created_at.into()),
            description: Some(credential.description),
            errors: Some(Vec::new()),
            key: Some(credential.key),
            last_update: Some(credential.updated_at.into()),
        }
    }

    fn refused(problem: Problem) -> Self {
        SyntheticsSecureCredentialMutationResult {
            errors: Some(vec![Some(SyntheticsError { description: Some(problem.message()) })]),
            ..Default::default()
        }
    }

    fn outcome(outcome: std::result::Result<credential::Model, Problem>) -> Option<Self> {
        Some(match outcome {
            Ok(credential) => Self::credential(credential),
            Err(problem) => Self::refused(problem),
        })
    }
}

/// The proof that the viewer has `capability` on `account_id`, or the problem a payload reports.
async fn proof(
    ctx: &Context<'_>,
    account_id: i32,
    capability: CapabilityId,
) -> std::result::Result<Allowed<UseCapability>, Problem> {
    authorize(ctx, UseCapability(account_id, capability)).await.map_err(Problem::from)
}

#[derive(Default)]
pub struct SyntheticsSecureCredentialMutations;

#[Object]
impl SyntheticsSecureCredentialMutations {
    /// Creates a secure credential. Needs Modify synthetics secure credentials on the account.
    async fn synthetics_create_secure_credential(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        description: Option<String>,
        key: String,
        value: SecureValue,
    ) -> Result<Option<SyntheticsSecureCredentialMutationResult>> {
        let proof = match proof(ctx, account_id, caps::MODIFY_SECURE_CREDENTIALS).await {
            Ok(proof) => proof,
            Err(problem) => return Ok(Some(SyntheticsSecureCredentialMutationResult::refused(problem))),
        };
        let input = NewSecureCredential { account_id, key, description, value: CredentialValue::new(value.0) };
        let result = domain::create(&services(ctx)?.db, &proof, input).await;
        Ok(SyntheticsSecureCredentialMutationResult::outcome(outcome(result)?))
    }

    /// Changes a secure credential's description and/or value (absent arguments stay as they
    /// are). Needs Modify synthetics secure credentials on the account.
    async fn synthetics_update_secure_credential(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        description: Option<String>,
        key: String,
        value: Option<SecureValue>,
    ) -> Result<Option<SyntheticsSecureCredentialMutationResult>> {
        let proof = match proof(ctx, account_id, caps::MODIFY_SECURE_CREDENTIALS).await {
            Ok(proof) => proof,
            Err(problem) => return Ok(Some(SyntheticsSecureCredentialMutationResult::refused(problem))),
        };
        let changes = SecureCredentialChanges { description, value: value.map(|v| CredentialValue::new(v.0)) };
        let result = domain::update(&services(ctx)?.db, &proof, &key, changes).await;
        Ok(SyntheticsSecureCredentialMutationResult::outcome(outcome(result)?))
    }

    /// Deletes a secure credential; the result shows it as it was. Needs Delete synthetics secure
    /// credentials on the account.
    async fn synthetics_delete_secure_credential(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        key: String,
    ) -> Result<Option<SyntheticsSecureCredentialMutationResult>> {
        let proof = match proof(ctx, account_id, caps::DELETE_SECURE_CREDENTIALS).await {
            Ok(proof) => proof,
            Err(problem) => return Ok(Some(SyntheticsSecureCredentialMutationResult::refused(problem))),
        };
        let result = domain::delete(&services(ctx)?.db, &proof, &key).await;
        Ok(SyntheticsSecureCredentialMutationResult::outcome(outcome(result)?))
    }
}

// ---------------------------------------------------------------------------------------------
// actor.account(id).syntheticsSecureCredentials (AccessGraph only)

/// A page of an account's secure credentials.
#[derive(SimpleObject)]
pub struct SyntheticsSecureCredentialCollection {
    secure_credentials: Vec<SyntheticsSecureCredentialSummary>,
    next_cursor: Option<String>,
    total_count: i32,
}

/// A secure credential without its value.
#[derive(SimpleObject)]
pub struct SyntheticsSecureCredentialSummary {
    created_at: EpochMilliseconds,
    description: String,
    key: String,
    last_update: EpochMilliseconds,
}

impl From<credential::Model> for SyntheticsSecureCredentialSummary {
    fn from(credential: credential::Model) -> Self {
        SyntheticsSecureCredentialSummary {
            created_at: credential.created_at.into(),
            description: credential.description,
            key: credential.key,
            last_update: credential.updated_at.into(),
        }
    }
}

/// `Account.syntheticsSecureCredentials`: the account's secure credentials by key, [`PAGE_SIZE`]
/// a page. Needs View synthetics secure credentials on the account.
pub async fn secure_credentials(
    ctx: &Context<'_>,
    account_id: i32,
    cursor: Option<String>,
) -> Result<SyntheticsSecureCredentialCollection> {
    authorize(ctx, UseCapability(account_id, caps::VIEW_SECURE_CREDENTIALS)).await?;
    let after = cursor.as_deref().map(pagination::decode).transpose()?;
    let page = domain::page_of(&services(ctx)?.db, account_id, after.as_deref(), PAGE_SIZE)
        .await
        .map_err(|e| storage(Arc::new(e)))?;
    let next_cursor = page.has_more.then(|| page.items.last().map(|c| pagination::encode(&c.key))).flatten();
    Ok(SyntheticsSecureCredentialCollection {
        next_cursor,
        total_count: count(page.total),
        secure_credentials: page.items.into_iter().map(Into::into).collect(),
    })
}
