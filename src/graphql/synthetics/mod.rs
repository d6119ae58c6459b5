//! Synthetics: monitors, private locations and secure credentials of an account, and the
//! Synthetics permission system.
//!
//! Every monitor and private-location field and mutation asks [`subject`] for the viewer's
//! Synthetics facts on the entity's account; the facts come from a request-scoped batched loader
//! (one load for every account a request touches), and `access::synthetics` decides.

pub mod monitors;

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, InputValueError, InputValueResult, MergedObject, Result, Scalar, ScalarType, Value};
use sea_orm::{DatabaseConnection, DbErr};

use super::context::{loaders, viewer};
use super::error::storage;
use super::guard::viewer_access;
use crate::access::EffectiveAccess;
use crate::access::synthetics::SyntheticsSubject;
use crate::domain::synthetics::{self, SyntheticsFacts};

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

/// NerdGraph's `EpochMilliseconds`: milliseconds since the Unix epoch, as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochMilliseconds(pub i64);

impl From<chrono::DateTime<chrono::Utc>> for EpochMilliseconds {
    fn from(at: chrono::DateTime<chrono::Utc>) -> Self {
        EpochMilliseconds(at.timestamp_millis())
    }
}

#[Scalar(name = "EpochMilliseconds")]
impl ScalarType for EpochMilliseconds {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::Number(n) => n.as_i64().map(EpochMilliseconds).ok_or_else(|| InputValueError::expected_type(value)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::Number(self.0.into())
    }
}

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
pub struct SyntheticsAccountStitchedFields(monitors::SyntheticsMonitorReads);

impl SyntheticsAccountStitchedFields {
    pub fn new(account_id: i32) -> Self {
        SyntheticsAccountStitchedFields(monitors::SyntheticsMonitorReads { account_id })
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

/// What the viewer brings to the Synthetics permission system on one account.
pub struct ViewerSynthetics {
    access: Arc<EffectiveAccess>,
    facts: Arc<SyntheticsFacts>,
    account_id: i32,
}

impl ViewerSynthetics {
    /// The permission model's view of the viewer on the account.
    pub fn subject(&self) -> SyntheticsSubject<'_> {
        static NONE: std::sync::LazyLock<crate::access::CapabilitySet> = std::sync::LazyLock::new(Default::default);
        SyntheticsSubject {
            capabilities: self.access.account_capabilities(self.account_id).unwrap_or(&NONE),
            enabled: self.facts.enabled,
            rules: &self.facts.rules,
        }
    }

    /// Whether the viewer can access the account at all.
    pub fn has_account_access(&self) -> bool {
        self.access.has_account_access(self.account_id)
    }
}

/// The viewer's Synthetics facts on `account_id`, through the request's batched loaders.
pub async fn subject(ctx: &Context<'_>, account_id: i32) -> Result<ViewerSynthetics> {
    let access = viewer_access(ctx).await?;
    let user = viewer(ctx)?.user_id;
    let facts = loaders(ctx)?.synthetics.load_one((user, account_id)).await.map_err(storage)?.unwrap_or_default();
    Ok(ViewerSynthetics { access, facts, account_id })
}
