//! Partial data, as the GraphQL spec (and NerdGraph) give it: when a *nullable* field fails (a guard
//! refuses it, or its resolver errs), that field is null, its error is reported with the field's
//! path, and its siblings still resolve.
//!
//! async-graphql on its own carries a resolver's error up to the nearest nullable *parent value*,
//! so one refused field would null its whole parent object. This extension stops the error at the
//! field itself when the field's type is nullable, and adds the error to the response.

use std::sync::{Arc, Mutex};

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute, NextResolve, ResolveInfo};
use async_graphql::{Response, ServerError, ServerResult, Value};

pub struct NullableFieldErrors;

impl ExtensionFactory for NullableFieldErrors {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Collector::default())
    }
}

#[derive(Default)]
struct Collector {
    errors: Mutex<Vec<ServerError>>,
}

#[async_trait::async_trait]
impl Extension for Collector {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        let caught = std::mem::take(&mut *self.errors.lock().unwrap_or_else(|p| p.into_inner()));
        response.errors.extend(caught);
        response
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        let nullable = !info.return_type.ends_with('!');
        match next.run(ctx, info).await {
            Err(err) if nullable => {
                self.errors.lock().unwrap_or_else(|p| p.into_inner()).push(err);
                Ok(Some(Value::Null))
            }
            other => other,
        }
    }
}
