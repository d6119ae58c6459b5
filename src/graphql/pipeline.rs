//! The request pipeline: the one schema extension, doing for every request what every request
//! needs, in one hook per stage (async-graphql calls each extension's hook for every field, so the
//! pieces share one extension rather than adding one each):
//!
//! - every parsed document's inputs are checked against the input limits ([`super::limits`]), and
//!   async-graphql's own input errors are classified like ours;
//! - a nullable field's error stops at the field ([`super::partial`]);
//! - every root mutation field starts with the request's loaders emptied.
//!
//! A change reads its facts inside its own transaction (`domain/`), and the fields of its payload
//! then read through the loaders: emptied before the change, they can hold nothing that the change
//! made stale except the viewer's access as it was decided before the change (which is what the
//! payload's guards should use). Mutations of one request run one after the other, so the next one
//! starts from nothing as well. Resolvers never reset loaders by hand.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest, NextResolve, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{Response, ServerResult, Value, Variables};

use super::loaders::Loaders;
use super::partial::Collector;

/// The name of the mutation root type.
const MUTATION_ROOT: &str = "RootMutationType";

/// The extension's factory: one [`RequestPipeline`] per request.
pub struct Pipeline;

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestPipeline::default())
    }
}

/// One request's pipeline state.
#[derive(Default)]
struct RequestPipeline {
    nullable_field_errors: Collector,
}

#[async_trait::async_trait]
impl Extension for RequestPipeline {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        super::limits::classify_input_errors(next.run(ctx).await)
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        super::limits::check_parsed(next.run(ctx, query, variables).await?, variables)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.nullable_field_errors.finish(next.run(ctx, operation_name).await)
    }

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
        let return_type = info.return_type;
        self.nullable_field_errors.settle(return_type, next.run(ctx, info).await)
    }
}
