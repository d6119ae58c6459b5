//! The rows of a long list resolved without a future per field, when their selection allows.
//!
//! async-graphql resolves every field of every object as a boxed future of its own, with a
//! context, a name lookup and an insertion into the object's map; a row's fields are plain reads of
//! a model already in memory, so for a 500-user page (ten fields a user) that machinery was the
//! largest part of the page's CPU (README, "Performance"). A row type that implements [`FastRow`] builds its
//! value directly from its selection set instead, when that selection set holds only plain fields
//! it knows (aliases and `__typename` included). Anything else, a fragment, a directive, an argument
//! the row does not take here, the same response key twice, a field whose answer needs the
//! database or a guard not settled for the page, makes the whole list resolve the usual way, so
//! every answer is the one async-graphql's own resolution gives (a test compares both).

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value};

/// A row type that can build its value for a selection set without async-graphql's per-field
/// resolution.
pub trait FastRow {
    /// The row's value for `selection`, or `None` when it cannot tell without the usual resolution.
    fn fast_value(&self, selection: &SelectionSet) -> Option<Value>;
}

/// A list of rows, in the schema exactly a `[T!]!`, resolved by [`FastRow`] when every row's
/// selection allows.
pub struct Rows<T>(pub Vec<T>);

impl<T> Default for Rows<T> {
    fn default() -> Self {
        Rows(Vec::new())
    }
}

impl<T: OutputType + FastRow> OutputType for Rows<T> {
    fn type_name() -> Cow<'static, str> {
        <Vec<T> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<T> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<T> as OutputType>::create_type_info(registry)
    }

    async fn resolve(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> ServerResult<Value> {
        let mut values = Vec::with_capacity(self.0.len());
        for row in &self.0 {
            match row.fast_value(&ctx.item.node) {
                Some(value) => values.push(value),
                None => return OutputType::resolve(&self.0, ctx, field).await,
            }
        }
        Ok(Value::List(values))
    }
}

/// The value of an object named `type_name` for `selection`, each field's value given by
/// `value_of` (`None`: not known here); `None` when `selection` holds anything but plain fields,
/// or a response key twice.
pub fn object(
    selection: &SelectionSet,
    type_name: &str,
    mut value_of: impl FnMut(&Field) -> Option<Value>,
) -> Option<Value> {
    let mut map = IndexMap::with_capacity(selection.items.len());
    for item in &selection.items {
        let Selection::Field(field) = &item.node else { return None };
        let field = &field.node;
        if !field.directives.is_empty() {
            return None;
        }
        let value =
            if field.name.node == "__typename" { Value::String(type_name.to_owned()) } else { value_of(field)? };
        let key: Name = field.response_key().node.clone();
        if map.insert(key, value).is_some() {
            return None;
        }
    }
    // What async-graphql answers for an object none of whose fields resolved.
    Some(if map.is_empty() { Value::Null } else { Value::Object(map) })
}

/// A list of objects, each `value_of` one of `items`; `None` when any is.
pub fn list<T>(items: impl IntoIterator<Item = T>, value_of: impl FnMut(T) -> Option<Value>) -> Option<Value> {
    items.into_iter().map(value_of).collect::<Option<Vec<_>>>().map(Value::List)
}
