//! Synthetics: monitors, private locations and secure credentials of an account, and the
//! Synthetics permission system.
//!
//! Every monitor and private-location field and mutation asks [`subject`] for the viewer's
//! Synthetics facts on the entity's account; the facts come from a request-scoped batched loader
//! (one load for every account a request touches), and `access::synthetics` decides. Secure
//! credentials are outside the permission system (seed 003 covers monitors and private locations
//! only): the account's capabilities alone decide.
//!
//! The mutations report their problems inside their payload (`errors[]`, HTTP 200, no GraphQL
//! error), as NerdGraph does; [`Problem`] is what every payload error is made from.

pub mod explain;
pub mod private_locations;
pub mod secure_credentials;

pub mod permissions;

pub mod monitors;

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, InputValueError, InputValueResult, MergedObject, Result, Scalar, ScalarType, Value};
use sea_orm::{DatabaseConnection, DbErr};

use super::context::{loaders, viewer};
use super::error::{INTERNAL_ERROR_MESSAGE, NOT_AUTHORIZED_MESSAGE, storage};
use super::guard::principal;
use crate::access::decision::{self, Action, Allowed, Principal, SyntheticsChange, SyntheticsOp, SyntheticsWrite};
use crate::access::synthetics::{MonitorScope, SyntheticsSubject};
use crate::domain::synthetics::{self, SyntheticsFacts};
use crate::error::{AppError, AppResult};

/// NerdGraph's `EntityGuid`: a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityGuid(pub String);

#[Scalar(name = "EntityGuid")]
impl ScalarType for EntityGuid {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(EntityGuid(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

pub use crate::graphql::scalars::EpochMilliseconds;

/// NerdGraph's `SemVer`: a version such as `100` or `16.10`, as a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemVer(pub String);

#[Scalar(name = "SemVer")]
impl ScalarType for SemVer {
    fn parse(value: Value) -> InputValueResult<Self> {
        match value {
            Value::String(s) => Ok(SemVer(s)),
            // Go clients may send a bare number for a version such as 100.
            Value::Number(n) => Ok(SemVer(n.to_string())),
            other => Err(InputValueError::expected_type(other)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.clone())
    }
}

/// `actor.account(id).synthetics`: one object per Synthetics area, merged.
#[derive(MergedObject)]
pub struct SyntheticsAccountStitchedFields(monitors::SyntheticsMonitorReads, explain::SyntheticsExplainReads);

impl SyntheticsAccountStitchedFields {
    pub fn new(account_id: i32) -> Self {
        SyntheticsAccountStitchedFields(
            monitors::SyntheticsMonitorReads { account_id },
            explain::SyntheticsExplainReads { account_id },
        )
    }
}

/// The Synthetics facts of each (user, account) pair.
pub struct SyntheticsFactsLoader(pub DatabaseConnection);

impl Loader<(i64, i32)> for SyntheticsFactsLoader {
    type Value = Arc<SyntheticsFacts>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[(i64, i32)]) -> Result<HashMap<(i64, i32), Self::Value>, Self::Error> {
        Ok(synthetics::facts(&self.0, keys).await?.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

/// What the viewer brings to the Synthetics permission system on one account; every answer is
/// [`decision`]'s.
pub struct ViewerSynthetics {
    principal: Principal,
    facts: Arc<SyntheticsFacts>,
    account_id: i32,
}

impl ViewerSynthetics {
    fn action<'a>(&'a self, op: SyntheticsOp<'a>) -> Action<'a> {
        Action::Synthetics { account: self.account_id, op, enabled: self.facts.enabled, rules: &self.facts.rules }
    }

    /// Whether the viewer may do `op` on this account.
    pub fn allows(&self, op: SyntheticsOp<'_>) -> bool {
        decision::allows(&self.principal, self.action(op))
    }

    /// The proof for a change, or why not.
    pub fn decide(&self, op: SyntheticsWrite) -> Result<Allowed<SyntheticsChange>, AppError> {
        let change = SyntheticsChange {
            account: self.account_id,
            op,
            enabled: self.facts.enabled,
            rules: self.facts.rules.clone().into(),
        };
        Ok(decision::decide(&self.principal, change)?)
    }

    /// How a refused change of an entity of this account is answered: "not found" to those who
    /// cannot see the account (its entities' existence is not revealed), "not authorized" to others.
    pub fn refusal(&self) -> AppError {
        if decision::allows(&self.principal, Action::SeeAccount(self.account_id)) {
            AppError::forbidden(NOT_AUTHORIZED_MESSAGE)
        } else {
            AppError::not_found(crate::domain::synthetics::private_locations::NOT_FOUND)
        }
    }

    /// The monitors the viewer may View, as one query can filter them (see
    /// `SyntheticsSubject::viewable_monitors`, which agrees with `allows(ViewMonitor)`).
    pub fn viewable_monitors(&self) -> MonitorScope {
        static NONE: crate::access::CapabilitySet = crate::access::CapabilitySet::new();
        let subject = SyntheticsSubject {
            capabilities: self.principal.access.account_capabilities(self.account_id).unwrap_or(&NONE),
            enabled: self.facts.enabled,
            rules: &self.facts.rules,
        };
        subject.viewable_monitors()
    }
}

/// The viewer's Synthetics facts on `account_id`, through the request's batched loaders.
pub async fn subject(ctx: &Context<'_>, account_id: i32) -> Result<ViewerSynthetics> {
    let principal = principal(ctx).await?;
    let user = viewer(ctx)?.user_id;
    let facts = loaders(ctx)?.synthetics.load_one((user, account_id)).await.map_err(storage)?.unwrap_or_default();
    Ok(ViewerSynthetics { principal, facts, account_id })
}

/// A change's outcome as a payload reports it: refusals in the payload, storage and internal
/// failures as top-level errors (clients retry those).
pub fn outcome<T>(result: AppResult<T>) -> Result<std::result::Result<T, Problem>> {
    match result {
        Ok(value) => Ok(Ok(value)),
        Err(err @ (AppError::Database(_) | AppError::Internal(_))) => Err(err.into()),
        Err(refusal) => Ok(Err(Problem::from(refusal))),
    }
}

/// A refused or failed Synthetics change, as a payload's `errors[]` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Invalid input or a conflict with existing data; nothing was changed.
    BadRequest(String),
    /// The target does not exist in the viewer's organization.
    NotFound(String),
    /// The viewer may not do this: NerdGraph's "You are not authorized to perform this action".
    Unauthorized,
    /// A storage or internal failure: logged here, a fixed message for the client.
    Internal,
}

impl Problem {
    /// What the client reads.
    pub fn message(&self) -> String {
        match self {
            Problem::BadRequest(message) | Problem::NotFound(message) => message.clone(),
            Problem::Unauthorized => NOT_AUTHORIZED_MESSAGE.to_owned(),
            Problem::Internal => INTERNAL_ERROR_MESSAGE.to_owned(),
        }
    }
}

impl From<AppError> for Problem {
    fn from(err: AppError) -> Self {
        match err {
            AppError::BadInput(message) => Problem::BadRequest(message),
            AppError::NotFound(message) => Problem::NotFound(message),
            AppError::Forbidden(_) => Problem::Unauthorized,
            AppError::Database(_) | AppError::Internal(_) => {
                tracing::error!(error = %err, "a Synthetics change failed");
                Problem::Internal
            }
        }
    }
}
