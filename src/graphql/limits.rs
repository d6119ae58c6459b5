//! Input limits: every list and every string a request carries is capped, before anything runs.
//!
//! [`check_document`] looks at each operation once it is parsed (the request pipeline calls it): every
//! argument (with the variables it uses put in place) and every variable. A list longer than its
//! cap or a text longer than its cap fails the whole request with `BAD_USER_INPUT` and a message
//! that names the field and the limit; nothing runs, so nothing changes. The caps also keep every
//! SQL statement far below the bound-variable limits of SQLite (32,766) and PostgreSQL (65,535):
//! no statement binds more than a few lists of at most [`MAX_LIST_ITEMS`] ids.
//!
//! Fields have tighter limits of their own where `domain/` checks them (names 255 characters,
//! notes 1,000, secure credential values 3,000, scripts 256 KiB, ...); these caps are the outer
//! bound for everything, listed in the README's "Input limits".

use async_graphql::parser::Pos;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Response, ServerError, ServerResult, Value, Variables};

use super::error::ErrorClass;

/// Most items of any list input (ids, filter `in` lists, locations, members, ...).
pub const MAX_LIST_ITEMS: usize = 1_000;
/// Most characters of any text input but a script.
pub const MAX_TEXT_CHARS: usize = 4_096;
/// Most characters of a monitor's `script` (the domain then allows at most 256 KiB of it).
pub const MAX_SCRIPT_CHARS: usize = 1_048_576;
/// Most characters of the `csv` of a bulk user action (the domain then allows at most
/// [`crate::domain::original_users::bulk::MAX_BYTES`] bytes and 10,000 rows of it).
pub const MAX_CSV_CHARS: usize = crate::domain::original_users::bulk::MAX_BYTES;
/// The loosest text cap: that of a variable not yet known to feed a field.
const MAX_ANY_TEXT_CHARS: usize = if MAX_CSV_CHARS > MAX_SCRIPT_CHARS { MAX_CSV_CHARS } else { MAX_SCRIPT_CHARS };
/// Most keys created, changed or deleted by one `apiAccess*Keys` call, of each kind.
pub const MAX_KEYS_PER_CALL: usize = 100;
/// Most tags of one monitor.
pub const MAX_TAGS: usize = 100;
/// Most permission ids of one custom role (the catalog holds fewer than 100 capabilities).
pub const MAX_PERMISSION_IDS: usize = 500;
/// Most characters of input echoed in an error message: see [`crate::domain::validate::echo`].
pub use crate::domain::validate::MAX_ECHOED_CHARS;

/// Lists with a cap below [`MAX_LIST_ITEMS`], by input field or argument name. Each name is used
/// by the intended inputs only (a test checks the schema).
const LIST_CAPS: &[(&str, usize)] = &[
    ("user", MAX_KEYS_PER_CALL),
    ("ingest", MAX_KEYS_PER_CALL),
    ("userKeyIds", MAX_KEYS_PER_CALL),
    ("ingestKeyIds", MAX_KEYS_PER_CALL),
    ("tags", MAX_TAGS),
    ("permissionIds", MAX_PERMISSION_IDS),
];

/// Texts with a cap other than [`MAX_TEXT_CHARS`], by input field or argument name.
const TEXT_CAPS: &[(&str, usize)] = &[("script", MAX_SCRIPT_CHARS), ("csv", MAX_CSV_CHARS)];

/// The cap of a list given for `field`; for a value whose field is not known (a variable, before
/// it is put in place), the loosest cap.
fn list_cap(field: Option<&str>) -> usize {
    let Some(field) = field else { return MAX_LIST_ITEMS };
    LIST_CAPS.iter().find(|(name, _)| *name == field).map_or(MAX_LIST_ITEMS, |(_, cap)| *cap)
}

fn text_cap(field: Option<&str>) -> usize {
    let Some(field) = field else { return MAX_ANY_TEXT_CHARS };
    TEXT_CAPS.iter().find(|(name, _)| *name == field).map_or(MAX_TEXT_CHARS, |(_, cap)| *cap)
}

/// Why an input is refused: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation(String);

impl Violation {
    pub fn message(&self) -> &str {
        &self.0
    }
}

/// Checks `value`, given for the input field or argument `field`, and everything inside it.
pub fn check(field: &str, value: &Value) -> Result<(), Violation> {
    check_in(Some(field), field, value)
}

/// Checks a value whose field is not known yet (a variable, under its own name): only the loosest
/// caps apply at its top level; the fields inside it are known by name.
fn check_variable(name: &str, value: &Value) -> Result<(), Violation> {
    check_in(None, &format!("${name}"), value)
}

/// Checks `value` given for `field` (`None`: not known), named `shown` (its path from the argument)
/// in messages.
fn check_in(field: Option<&str>, shown: &str, value: &Value) -> Result<(), Violation> {
    match value {
        Value::String(text) => {
            let cap = text_cap(field);
            // More bytes than 4 per character allowed is too long without counting.
            if text.len() > cap && (text.len() > 4 * cap || text.chars().count() > cap) {
                return Err(Violation(format!("{shown} is too long (maximum is {cap} characters)")));
            }
            Ok(())
        }
        Value::List(items) => {
            let cap = list_cap(field);
            if items.len() > cap {
                return Err(Violation(format!("{shown} has {} items (maximum is {cap})", items.len())));
            }
            items.iter().try_for_each(|item| check_in(field, shown, item))
        }
        Value::Object(fields) => {
            fields.iter().try_for_each(|(name, v)| check_in(Some(name.as_str()), &format!("{shown}.{name}"), v))
        }
        _ => Ok(()),
    }
}

/// async-graphql's own input errors (a value of the wrong type, which it reports while validating
/// the document) get the class of every input error, and a bounded message. Run on every response
/// by the request pipeline ([`super::pipeline`]).
pub(super) fn classify_input_errors(mut response: Response) -> Response {
    for error in &mut response.errors {
        let classified = error.extensions.as_ref().is_some_and(|e| e.get("errorClass").is_some());
        if !classified && is_input_error(&error.message) {
            error.extensions.get_or_insert_with(Default::default).set("errorClass", ErrorClass::BadUserInput.as_str());
            error.message = crate::domain::validate::echo_message(&error.message);
        }
    }
    response
}

/// Whether `message` is one of async-graphql's errors about an input value.
fn is_input_error(message: &str) -> bool {
    message.starts_with("Invalid value for argument") || message.starts_with("Failed to parse")
}

fn refused(violation: Violation, pos: Pos) -> ServerError {
    ErrorClass::BadUserInput.error(violation.0).into_server_error(pos)
}

/// Checks a parsed document's inputs against the limits: every argument of `document`, with the
/// variables it uses (named by the fields they feed), then every variable (those no argument uses,
/// with the loosest caps). Run by the request pipeline ([`super::pipeline`]) on every document
/// before it runs.
pub(super) fn check_document(document: &ExecutableDocument, variables: &Variables) -> ServerResult<()> {
    for (_, operation) in document.operations.iter() {
        let defaults = &operation.node.variable_definitions;
        let lookup = |name: &async_graphql::Name| -> Value {
            variables.get(name).cloned().unwrap_or_else(|| {
                defaults
                    .iter()
                    .find(|d| d.node.name.node == *name)
                    .and_then(|d| d.node.default_value.as_ref())
                    .map(|v| v.node.clone())
                    .unwrap_or(Value::Null)
            })
        };
        for definition in defaults {
            if let Some(default) = &definition.node.default_value {
                check_variable(definition.node.name.node.as_str(), &default.node)
                    .map_err(|v| refused(v, default.pos))?;
            }
        }
        check_selections(&operation.node.selection_set.node, &lookup)?;
        for fragment in document.fragments.values() {
            check_selections(&fragment.node.selection_set.node, &lookup)?;
        }
    }
    for (name, value) in variables.iter() {
        check_variable(name.as_str(), value).map_err(|v| refused(v, Pos::default()))?;
    }
    Ok(())
}

fn check_selections(selections: &SelectionSet, lookup: &dyn Fn(&async_graphql::Name) -> Value) -> ServerResult<()> {
    for selection in &selections.items {
        match &selection.node {
            Selection::Field(field) => {
                for (name, value) in &field.node.arguments {
                    let value = value.node.clone().into_const_with(|var| Ok::<_, ()>(lookup(&var))).unwrap_or_default();
                    check(name.node.as_str(), &value).map_err(|v| refused(v, name.pos))?;
                }
                check_selections(&field.node.selection_set.node, lookup)?;
            }
            Selection::InlineFragment(fragment) => check_selections(&fragment.node.selection_set.node, lookup)?,
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The input types (or `Type.field(` for arguments) where a field or argument `name` appears.
    fn holders(sdl: &str, name: &str) -> std::collections::BTreeSet<String> {
        let mut holders = std::collections::BTreeSet::new();
        let mut current = String::new();
        for line in sdl.lines() {
            if let Some(rest) = line.strip_prefix("input ").or_else(|| line.strip_prefix("type ")) {
                current = rest.split_whitespace().next().unwrap_or_default().to_owned();
            } else if line.starts_with('\t') && line.trim_start().starts_with(&format!("{name}: ")) {
                if line.contains('[') {
                    holders.insert(current.clone());
                }
            } else if line.contains(&format!("({name}: ")) || line.contains(&format!(", {name}: ")) {
                let field = line.trim_start().split('(').next().unwrap_or_default();
                holders.insert(format!("{current}.{field}("));
            }
        }
        holders
    }

    #[test]
    fn field_caps_reach_only_the_intended_inputs() {
        let sdl = crate::graphql::sdl();
        let set = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<std::collections::BTreeSet<_>>();
        // `originalUserModelAddUser(user:)` is one object, never a list: the keys-per-call cap on
        // lists named `user` cannot reach it.
        assert_eq!(
            holders(&sdl, "user"),
            set(&["ApiAccessCreateInput", "ApiAccessUpdateInput", "RootMutationType.originalUserModelAddUser("])
        );
        assert_eq!(holders(&sdl, "ingest"), set(&["ApiAccessCreateInput", "ApiAccessUpdateInput"]));
        assert_eq!(holders(&sdl, "userKeyIds"), set(&["ApiAccessDeleteInput"]));
        assert_eq!(holders(&sdl, "ingestKeyIds"), set(&["ApiAccessDeleteInput"]));
        let csv_holders: Vec<String> = sdl
            .lines()
            .filter(|l| l.contains("(csv: ") || l.contains(", csv: ") || l.trim_start().starts_with("csv: "))
            .map(|l| l.trim().split('(').next().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            csv_holders,
            vec!["originalUserModelBulkUserAction".to_owned()],
            "the CSV cap is for bulk files only"
        );
        assert!(holders(&sdl, "tags").iter().all(|t| t.starts_with("Synthetics")), "{:?}", holders(&sdl, "tags"));
        assert_eq!(
            holders(&sdl, "permissionIds"),
            set(&["RootMutationType.customRoleCreate(", "RootMutationType.customRoleUpdate("])
        );
    }

    fn list(n: usize) -> Value {
        Value::List((0..n).map(|i| Value::from(i as i32)).collect())
    }

    #[test]
    fn lists_are_capped_by_field() {
        assert_eq!(check("ids", &list(MAX_LIST_ITEMS)), Ok(()));
        assert_eq!(
            check("ids", &list(MAX_LIST_ITEMS + 1)).map_err(|v| v.0),
            Err("ids has 1001 items (maximum is 1000)".into())
        );
        assert!(check("permissionIds", &list(MAX_PERMISSION_IDS + 1)).is_err());
        assert!(check("user", &list(MAX_KEYS_PER_CALL + 1)).is_err());
        assert_eq!(check("user", &list(MAX_KEYS_PER_CALL)), Ok(()));
    }

    #[test]
    fn texts_are_capped_in_characters_wherever_they_are() {
        let text = |n: usize| Value::String("é".repeat(n));
        assert_eq!(check("name", &text(MAX_TEXT_CHARS)), Ok(()));
        assert!(check("name", &text(MAX_TEXT_CHARS + 1)).is_err());
        assert_eq!(check("script", &text(MAX_TEXT_CHARS + 1)), Ok(()));
        // A variable's own name says nothing of the field it feeds: only the loosest caps.
        assert_eq!(check_variable("s", &text(MAX_TEXT_CHARS + 1)), Ok(()));
        assert!(check_variable("s", &text(MAX_ANY_TEXT_CHARS + 1)).is_err());
        assert_eq!(check("csv", &text(MAX_SCRIPT_CHARS + 1)), Ok(()));
        assert!(check("csv", &text(MAX_CSV_CHARS + 1)).is_err());
        assert!(check("name", &text(MAX_TEXT_CHARS + 1)).is_err(), "other texts keep their cap");
        let nested = Value::from_json(serde_json::json!({"tags": [{"key": "k", "values": ["x".repeat(5_000)]}]}))
            .expect("value");
        assert_eq!(
            check("monitor", &nested).map_err(|v| v.0),
            Err("monitor.tags.values is too long (maximum is 4096 characters)".into())
        );
    }
}
