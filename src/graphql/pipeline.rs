//! The request pipeline: what every request needs around async-graphql's execution.
//!
//! - every parsed document's inputs are checked against the input limits ([`super::limits`])
//!   before it runs, and async-graphql's own input errors are classified like ours;
//! - a nullable field's error leaves null at the field ([`super::partial`]);
//! - every root mutation field starts with the request's loaders emptied, and answers only once
//!   what it wrote applies on every instance ([`RootMutation`]).
//!
//! None of it is a schema extension: with any extension registered, async-graphql looks up the
//! type of every field it resolves in its registry, formats two type names for every list item and
//! runs the extension's hook around each (in a profile of a 500-user page the hook's own frames
//! took 4.5% of the samples, besides the lookups; README, "Performance").
//!
//! A change reads its facts inside its own transaction (`domain/`), and the fields of its payload
//! then read through the loaders: emptied before the change, they can hold nothing that the change
//! made stale except the viewer's access as it was decided before the change (which is what the
//! payload's guards should use). Mutations of one request run one after the other, so the next one
//! starts from nothing as well. Resolvers never reset loaders by hand.

use std::borrow::Cow;

use async_graphql::parser::types::Field;
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::{ContainerType, resolve_container_serial};
use async_graphql::{
    Context, ContextSelectionSet, ObjectType, OutputType, Positioned, Request, Response, ServerResult, Value,
};

use super::loaders::Loaders;
use super::partial::{FieldTypes, settle};
use super::{AppSchema, RootMutationType, Services, limits};

/// Runs `request` on `schema`: its inputs checked, its nullable fields' errors settled, its input
/// errors classified.
pub async fn execute(schema: &AppSchema, mut request: Request) -> Response {
    let variables = std::mem::take(&mut request.variables);
    // A document that does not parse is not checked: executing it reports the syntax error.
    let refused = request.parsed_query().ok().and_then(|document| limits::check_document(document, &variables).err());
    request.variables = variables;
    if let Some(refused) = refused {
        return limits::classify_input_errors(Response::from_errors(vec![refused]));
    }
    let query = request.query.clone();
    let operation_name = request.operation_name.clone();
    let mut response = schema.execute(request).await;
    settle(FieldTypes::of_schema(), &query, operation_name.as_deref(), &mut response);
    limits::classify_input_errors(response)
}

/// Whether the request answered by `response` got past async-graphql's validation. Validation's
/// errors carry no path, nor do the refusals around it (input limits, depth, complexity, an
/// unknown operation); the errors of fields, which come after it, do.
pub fn passed_validation(response: &Response) -> bool {
    response.errors.iter().all(|error| !error.path.is_empty())
}

/// The mutation root: every mutation of [`RootMutationType`], each run with the request's loaders
/// emptied first.
#[derive(Default)]
pub struct RootMutation(RootMutationType);

impl ContainerType for RootMutation {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        if let Some(loaders) = ctx.data_opt::<Loaders>() {
            loaders.forget();
        }
        let resolved = self.0.resolve_field(ctx).await;
        // Whatever it wrote applies to the next request on every instance before it answers.
        if let Some(services) = ctx.data_opt::<Services>() {
            services.key_check.after_write().await;
        }
        resolved
    }
}

impl OutputType for RootMutation {
    fn type_name() -> Cow<'static, str> {
        RootMutationType::type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        RootMutationType::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, _field: &Positioned<Field>) -> ServerResult<Value> {
        resolve_container_serial(ctx, self).await
    }
}

impl ObjectType for RootMutation {}
