//! Partial data, as the GraphQL spec (and NerdGraph) give it: when a *nullable* field fails (a guard
//! refuses it, or its resolver errs), that field is null, its error is reported with the field's
//! path, and its siblings still resolve.
//!
//! async-graphql on its own carries a resolver's error up to the nearest nullable *parent value*,
//! so one refused field would null its whole parent object. [`Collector`] stops the error at the
//! field itself when the field's type is nullable, and adds the error to the response.

use std::sync::Mutex;

use async_graphql::{Response, ServerError, ServerResult, Value};

/// The errors of nullable fields, stopped at the field, for one request. The request pipeline
/// ([`super::pipeline`]) holds one per request.
#[derive(Default)]
pub(super) struct Collector {
    errors: Mutex<Vec<ServerError>>,
}

impl Collector {
    /// The field's result as the client sees it: a nullable field's error becomes null here, and
    /// the error is kept for the response.
    pub(super) fn settle(&self, return_type: &str, result: ServerResult<Option<Value>>) -> ServerResult<Option<Value>> {
        match result {
            Err(err) if !return_type.ends_with('!') => {
                self.errors.lock().unwrap_or_else(|p| p.into_inner()).push(err);
                Ok(Some(Value::Null))
            }
            other => other,
        }
    }

    /// The response, with the errors of the fields made null.
    pub(super) fn finish(&self, mut response: Response) -> Response {
        let caught = std::mem::take(&mut *self.errors.lock().unwrap_or_else(|p| p.into_inner()));
        response.errors.extend(caught);
        response
    }
}
