//! Field guards and the proofs mutations hand to `domain/`, both decided by
//! [`access::decision`](crate::access::decision): `#[graphql(guard = "Can(Action::Read(OrgArea::Users))")]`.
//!
//! The viewer's effective access comes from the request's batched
//! [`AccessLoader`](super::loaders::AccessLoader); nothing here decides by itself or queries.

use std::sync::Arc;

use async_graphql::{Context, Guard, Result};

use super::context::{loaders, services, viewer};
use super::error::storage;
use crate::access::EffectiveAccess;
use crate::access::decision::{self, Action, Actor, Allowed, Decidable, Principal};
use crate::error::AppError;

/// Requires `Action` of the viewer.
pub struct Can(pub Action<'static>);

impl Guard for Can {
    async fn check(&self, ctx: &Context<'_>) -> Result<()> {
        decision::check(&principal(ctx).await?, self.0).map_err(|denied| AppError::from(denied).into())
    }
}

/// The viewer's effective capabilities (kept between requests while current).
pub async fn viewer_access(ctx: &Context<'_>) -> Result<Arc<EffectiveAccess>> {
    loaders(ctx)?.viewer.get().await.map_err(storage)
}

/// The viewer as the permission model sees them.
pub async fn principal(ctx: &Context<'_>) -> Result<Principal> {
    let viewer = viewer(ctx)?;
    Ok(Principal {
        actor: Actor { user_id: viewer.user_id, organization_id: viewer.organization_id().to_owned() },
        access: viewer_access(ctx).await?,
        catalog: services(ctx)?.catalog.clone(),
    })
}

/// Decides `what` for the viewer: the proof `domain/` asks for, or the refusal as an error.
pub async fn authorize<T: Decidable>(ctx: &Context<'_>, what: T) -> Result<Allowed<T>, AppError> {
    let principal = principal(ctx).await.map_err(|e| AppError::Internal(e.message))?;
    Ok(decision::decide(&principal, what)?)
}

/// Whether the viewer may do `action` (visibility filters).
pub async fn can(ctx: &Context<'_>, action: Action<'_>) -> Result<bool> {
    Ok(decision::allows(&principal(ctx).await?, action))
}
