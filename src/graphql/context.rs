//! What a resolver can reach: schema-wide services, and the request's viewer and loaders.

use std::sync::Arc;

use async_graphql::{Context, Result};
use sea_orm::DatabaseConnection;

use super::loaders::Loaders;
use crate::access::Catalog;
use crate::auth::Viewer;
use crate::auth::key_check::KeyCheck;
use crate::domain::reads::Reads;

/// Schema-wide data: the database pool, the immutable capability catalog and the key check.
/// Nothing that belongs to one caller lives here.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    /// The same database, for reads outside any transaction (on SQLite, on the request's thread).
    pub reads: Reads,
    pub catalog: Arc<Catalog>,
    /// Where keys are checked; a mutation waits on it before it answers
    /// ([`KeyCheck::after_write`]).
    pub key_check: Arc<KeyCheck>,
}

pub fn services<'a>(ctx: &Context<'a>) -> Result<&'a Services> {
    ctx.data::<Services>()
}

pub fn viewer<'a>(ctx: &Context<'a>) -> Result<&'a Viewer> {
    ctx.data::<Viewer>()
}

pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
    ctx.data::<Loaders>()
}

/// The viewer as the caller of a change in `domain/`.
pub fn caller(ctx: &Context<'_>) -> Result<crate::domain::Actor> {
    let viewer = viewer(ctx)?;
    Ok(crate::domain::Actor { user_id: viewer.user_id, organization_id: viewer.organization_id().to_owned() })
}
