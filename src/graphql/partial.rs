//! Partial data, as the GraphQL spec (and NerdGraph) give it: when a *nullable* field fails (a guard
//! refuses it, or its resolver errs), that field is null, its error is reported with the field's
//! path, and its siblings still resolve.
//!
//! async-graphql stops a field's error at the object that holds the field: the error goes to the
//! response with the field's path, and the field is left out of the object (an object whose every
//! field failed is left null). [`settle`] then puts `null` where a nullable field failed, once the
//! operation has run, from the schema's field types and the document. It costs nothing when no
//! field fails; doing it in a schema extension's per-field hook instead made async-graphql look up
//! every resolved field's type in its registry and call the hook for each ([`super::pipeline`]).

use std::collections::HashMap;
use std::sync::OnceLock;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet, TypeKind,
    TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Response, Value};

/// A field's declared type, as far as partial data needs it.
struct FieldType {
    nullable: bool,
    /// The named type inside any list wrappers: the type of the field's own fields.
    named: String,
}

/// Every object and interface type's fields, by type name and field name.
pub(super) struct FieldTypes(HashMap<String, HashMap<String, FieldType>>);

impl FieldTypes {
    /// The field types of the schema whose SDL is `sdl`.
    fn of_sdl(sdl: &str) -> FieldTypes {
        let mut types = HashMap::new();
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return FieldTypes(types);
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else { continue };
            let fields = match &definition.node.kind {
                TypeKind::Object(object) => &object.fields,
                TypeKind::Interface(interface) => &interface.fields,
                _ => continue,
            };
            let fields = fields
                .iter()
                .map(|field| {
                    let ty = &field.node.ty.node;
                    let mut base = &ty.base;
                    while let BaseType::List(inner) = base {
                        base = &inner.base;
                    }
                    let named = match base {
                        BaseType::Named(name) => name.to_string(),
                        BaseType::List(_) => String::new(),
                    };
                    (field.node.name.node.to_string(), FieldType { nullable: ty.nullable, named })
                })
                .collect();
            types.insert(definition.node.name.node.to_string(), fields);
        }
        FieldTypes(types)
    }

    /// The field types of this service's schema, read once from its SDL.
    pub(super) fn of_schema() -> &'static FieldTypes {
        static TYPES: OnceLock<FieldTypes> = OnceLock::new();
        TYPES.get_or_init(|| FieldTypes::of_sdl(&super::sdl()))
    }

    fn field(&self, type_name: &str, field: &str) -> Option<&FieldType> {
        self.0.get(type_name).and_then(|fields| fields.get(field))
    }
}

/// Puts `null` in `response`'s data where a nullable field failed. `query` and `operation_name`
/// are the request's; the document is parsed again only when some error names a field.
pub(super) fn settle(types: &FieldTypes, query: &str, operation_name: Option<&str>, response: &mut Response) {
    let failed: Vec<Vec<PathSegment>> = response
        .errors
        .iter()
        .filter(|error| matches!(error.path.last(), Some(PathSegment::Field(_))))
        .map(|error| error.path.clone())
        .collect();
    if failed.is_empty() {
        return;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else { return };
    let Some((root_type, root)) = operation(&document, operation_name) else { return };
    for path in failed {
        let Some(order) = nullable_field(types, &document, root_type, root, &path) else { continue };
        put_null(&mut response.data, &path, &order);
    }
}

/// The operation that ran: its root type's name and selection set.
fn operation<'d>(document: &'d ExecutableDocument, name: Option<&str>) -> Option<(&'static str, &'d SelectionSet)> {
    let operation = match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => operations.values().next()?,
        (DocumentOperations::Multiple(_), None) => return None,
    };
    let root_type = match operation.node.ty {
        OperationType::Query => "RootQueryType",
        OperationType::Mutation => "RootMutationType",
        OperationType::Subscription => return None,
    };
    Some((root_type, &operation.node.selection_set.node))
}

/// When the field that `path` ends at is nullable: the response keys its object selects, in the
/// document's order (where its `null` goes among its siblings). `None` for a non-null field, or a
/// path the document does not lead along.
fn nullable_field(
    types: &FieldTypes,
    document: &ExecutableDocument,
    root_type: &str,
    root: &SelectionSet,
    path: &[PathSegment],
) -> Option<Vec<String>> {
    let mut type_name = root_type.to_owned();
    let mut sets = vec![root];
    let last = path.len().checked_sub(1)?;
    for (at, segment) in path.iter().enumerate() {
        let PathSegment::Field(key) = segment else { continue };
        let mut found = Vec::new();
        for set in &sets {
            matching_fields(document, set, key, None, &mut found);
        }
        let (field, on) = found.first()?;
        let name = field.name.node.as_str();
        let declared = on.and_then(|on| types.field(on, name)).or_else(|| types.field(&type_name, name))?;
        if at == last {
            if !declared.nullable {
                return None;
            }
            let mut order = Vec::new();
            for set in &sets {
                response_keys(document, set, &mut order);
            }
            return Some(order);
        }
        type_name.clone_from(&declared.named);
        sets = found.iter().map(|(field, _)| &field.selection_set.node).collect();
    }
    None
}

/// The fields of `set` (fragments included) whose response key is `key`, each with the type
/// condition of the fragment it was selected in.
fn matching_fields<'d>(
    document: &'d ExecutableDocument,
    set: &'d SelectionSet,
    key: &str,
    on: Option<&'d str>,
    found: &mut Vec<(&'d Field, Option<&'d str>)>,
) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                if field.node.response_key().node.as_str() == key {
                    found.push((&field.node, on));
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    matching_fields(document, &fragment.node.selection_set.node, key, Some(on), found);
                }
            }
            Selection::InlineFragment(inline) => {
                let on = inline.node.type_condition.as_ref().map(|c| c.node.on.node.as_str()).or(on);
                matching_fields(document, &inline.node.selection_set.node, key, on, found);
            }
        }
    }
}

/// The response keys `set` selects (fragments included), in order, each once.
fn response_keys(document: &ExecutableDocument, set: &SelectionSet, keys: &mut Vec<String>) {
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                let key = field.node.response_key().node.as_str();
                if !keys.iter().any(|k| k == key) {
                    keys.push(key.to_owned());
                }
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    response_keys(document, &fragment.node.selection_set.node, keys);
                }
            }
            Selection::InlineFragment(inline) => response_keys(document, &inline.node.selection_set.node, keys),
        }
    }
}

/// Puts `null` at `path` in `data` when the object that should hold it is there without it,
/// among its siblings in the order `order`. An object left null because every one of its fields
/// failed becomes an object again (a null value is never resolved further, so no error can lie
/// below one).
fn put_null(data: &mut Value, path: &[PathSegment], order: &[String]) {
    let Some((PathSegment::Field(key), parents)) = path.split_last() else { return };
    let mut value = data;
    for segment in parents {
        value = match segment {
            PathSegment::Field(name) => {
                if matches!(value, Value::Null) {
                    *value = Value::Object(Default::default());
                }
                let Value::Object(object) = value else { return };
                match object.get_mut(name.as_str()) {
                    Some(child) => child,
                    None => return,
                }
            }
            PathSegment::Index(index) => {
                let Value::List(items) = value else { return };
                match items.get_mut(*index) {
                    Some(item) => item,
                    None => return,
                }
            }
        };
    }
    if matches!(value, Value::Null) {
        *value = Value::Object(Default::default());
    }
    let Value::Object(object) = value else { return };
    if object.contains_key(key.as_str()) {
        return;
    }
    let rank = |name: &str| order.iter().position(|k| k == name).unwrap_or(usize::MAX);
    let own = rank(key);
    let at = object.keys().position(|name| rank(name.as_str()) > own).unwrap_or(object.len());
    object.shift_insert(at, Name::new(key), Value::Null);
}

#[cfg(test)]
mod tests {
    use async_graphql::{Name, PathSegment, Value};

    use super::{FieldTypes, nullable_field, operation, put_null};

    fn path(segments: &[&str]) -> Vec<PathSegment> {
        segments
            .iter()
            .map(|s| s.parse().map_or_else(|_| PathSegment::Field((*s).to_owned()), PathSegment::Index))
            .collect()
    }

    #[test]
    fn the_schemas_field_types_are_read_from_its_sdl() {
        let types = FieldTypes::of_schema();
        assert!(types.field("Actor", "account").is_some_and(|f| f.nullable && f.named == "Account"));
        assert!(
            types.field("Actor", "accounts").is_some_and(|f| f.nullable && f.named == "AccountOutline"),
            "inside a list"
        );
        assert!(types.field("RootMutationType", "userManagementCreateUser").is_some_and(|f| f.nullable));
        assert!(types.field("UserManagementUser", "id").is_some_and(|f| !f.nullable));
    }

    #[test]
    fn a_failed_nullable_field_is_found_through_aliases_fragments_and_lists() {
        let types = FieldTypes::of_schema();
        let document = async_graphql::parser::parse_query(
            "query Q { actor { ...A } }
             fragment A on Actor { organization { userManagement { authenticationDomains {
               authenticationDomains { users { users { first: id ... on UserManagementUser { g: groups { totalCount } } } } } } } } }",
        )
        .expect("parses");
        let (root_type, root) = operation(&document, Some("Q")).expect("the operation");
        let to_groups = path(&[
            "actor",
            "organization",
            "userManagement",
            "authenticationDomains",
            "authenticationDomains",
            "0",
            "users",
            "users",
            "3",
            "g",
        ]);
        assert_eq!(
            nullable_field(types, &document, root_type, root, &to_groups),
            Some(vec!["first".into(), "g".into()])
        );
        let mut to_id = to_groups.clone();
        *to_id.last_mut().expect("a field") = PathSegment::Field("first".into());
        assert_eq!(nullable_field(types, &document, root_type, root, &to_id), None, "id is non-null");
    }

    #[test]
    fn the_null_goes_among_its_siblings_in_the_documents_order() {
        let mut data = Value::from_json(serde_json::json!({"a": {"x": 1, "z": 3}})).expect("json");
        put_null(&mut data, &path(&["a", "y"]), &["x".into(), "y".into(), "z".into()]);
        let Value::Object(a) = &data else { panic!("an object") };
        let Value::Object(a) = &a[&Name::new("a")] else { panic!("an object") };
        assert_eq!(a.keys().map(Name::as_str).collect::<Vec<_>>(), ["x", "y", "z"]);
        // An object left null because every field of it failed becomes an object again.
        let mut data = Value::from_json(serde_json::json!({"a": null})).expect("json");
        put_null(&mut data, &path(&["a", "y"]), &["y".into()]);
        assert_eq!(data.into_json().expect("json"), serde_json::json!({"a": {"y": null}}));
    }
}
