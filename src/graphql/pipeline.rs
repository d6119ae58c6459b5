//! The mutation pipeline's one piece of bookkeeping: every root mutation field starts with the
//! request's loaders emptied.
//!
//! A change reads its facts inside its own transaction (`domain/`), and the fields of its payload
//! then read through the loaders: emptied before the change, they can hold nothing that the change
//! made stale except the viewer's access as it was decided before the change (which is what the
//! payload's guards should use). Mutations of one request run one after the other, so the next one
//! starts from nothing as well. Resolvers never reset loaders by hand.

use std::sync::Arc;

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextResolve, ResolveInfo};
use async_graphql::{ServerResult, Value};

use super::loaders::Loaders;

/// The name of the mutation root type.
const MUTATION_ROOT: &str = "RootMutationType";

pub struct FreshLoadersPerMutation;

impl ExtensionFactory for FreshLoadersPerMutation {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FreshLoadersPerMutation)
    }
}

#[async_trait::async_trait]
impl Extension for FreshLoadersPerMutation {
    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if info.parent_type == MUTATION_ROOT
            && let Some(loaders) = ctx.data_opt::<Loaders>()
        {
            loaders.forget();
        }
        next.run(ctx, info).await
    }
}
