//! Field guards: `#[graphql(guard = "Needs(Need::AccountAccess(id))")]`.
//!
//! A guard asks the request's batched [`AccessLoader`](super::loaders::AccessLoader) for the
//! viewer's effective capabilities and hands the decision to `access/`. It never queries by itself.

use std::sync::Arc;

use async_graphql::{Context, Guard, Result};

use super::context::{loaders, viewer};
use super::error::{ErrorClass, NOT_AUTHORIZED_MESSAGE, storage};
use crate::access::{EffectiveAccess, Need};

/// Requires `Need` of the viewer.
pub struct Needs(pub Need);

impl Guard for Needs {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        if viewer_access(ctx).await?.allows(&self.0) { Ok(()) } else { Err(denied(&self.0)) }
    }
}

/// The viewer's effective capabilities, through the request's batched loader.
pub async fn viewer_access(ctx: &Context<'_>) -> Result<Arc<EffectiveAccess>> {
    let viewer = viewer(ctx)?;
    Ok(loaders(ctx)?.access.load_one(viewer.user_id).await.map_err(storage)?.unwrap_or_default())
}

/// The error for a need the viewer does not meet.
pub fn denied(need: &Need) -> async_graphql::Error {
    let message = match need {
        Need::AccountAccess(account) | Need::AccountCapability(account, _) => {
            format!("{NOT_AUTHORIZED_MESSAGE} on account {account}")
        }
        _ => NOT_AUTHORIZED_MESSAGE.to_owned(),
    };
    ErrorClass::Forbidden.error(message)
}
