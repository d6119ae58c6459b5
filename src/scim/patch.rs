//! SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON: `add`, `remove` and `replace`, with
//! or without a path, paths into sub-attributes, extension attributes, and value filters
//! (`emails[type eq "work"].value`). The result is then validated like a PUT body.

use serde_json::{Map, Value};

use super::filter::{CompareOp, Filter, PatchPath, parse_path};

/// Why a PATCH was refused: the SCIM `scimType` and a detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub scim_type: &'static str,
    pub detail: String,
}

fn error(scim_type: &'static str, detail: impl Into<String>) -> PatchError {
    PatchError { scim_type, detail: detail.into() }
}

/// One operation of a PATCH request.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub op: Op,
    pub path: Option<String>,
    pub value: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Remove,
    Replace,
}

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The operations of a PATCH body.
pub fn operations(body: &Value) -> Result<Vec<Operation>, PatchError> {
    let schemas = body.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|v| v.as_str().is_some_and(|v| v.eq_ignore_ascii_case(PATCH_OP)))) {
        return Err(error("invalidSyntax", format!("A PATCH body must name the schema {PATCH_OP}")));
    }
    let ops = get_ci(body, "Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| error("invalidSyntax", "A PATCH body must have Operations"))?;
    ops.iter()
        .map(|op| {
            let name = get_ci(op, "op").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
            let op_kind = match name.as_str() {
                "add" => Op::Add,
                "remove" => Op::Remove,
                "replace" => Op::Replace,
                _ => return Err(error("invalidSyntax", format!("Unknown PATCH operation {name:?}"))),
            };
            let path = get_ci(op, "path").and_then(Value::as_str).map(str::to_owned);
            let value = get_ci(op, "value").cloned();
            if op_kind == Op::Remove && path.is_none() {
                return Err(error("noTarget", "A remove operation needs a path"));
            }
            if op_kind != Op::Remove && value.is_none() {
                return Err(error("invalidValue", "An add or replace operation needs a value"));
            }
            Ok(Operation { op: op_kind, path, value })
        })
        .collect()
}

/// A member of an object by case-insensitive name.
pub fn get_ci<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    value.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

fn key_ci(object: &Map<String, Value>, name: &str) -> Option<String> {
    object.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned()
}

/// Whether an element of a multi-valued attribute matches a value filter.
pub fn matches(filter: &Filter, element: &Value) -> bool {
    match filter {
        Filter::And(a, b) => matches(a, element) && matches(b, element),
        Filter::Or(a, b) => matches(a, element) || matches(b, element),
        Filter::Not(a) => !matches(a, element),
        Filter::Present(attr) => get_ci(element, attr).is_some_and(|v| !v.is_null()),
        Filter::ValuePath { .. } => false,
        Filter::Compare { attr, op, value } => {
            let Some(actual) = get_ci(element, attr) else { return *op == CompareOp::Ne };
            compare(actual, *op, value)
        }
    }
}

fn compare(actual: &Value, op: CompareOp, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::String(a), Value::String(e)) => {
            let (a, e) = (a.to_lowercase(), e.to_lowercase());
            match op {
                CompareOp::Eq => a == e,
                CompareOp::Ne => a != e,
                CompareOp::Co => a.contains(&e),
                CompareOp::Sw => a.starts_with(&e),
                CompareOp::Ew => a.ends_with(&e),
                CompareOp::Gt => a > e,
                CompareOp::Ge => a >= e,
                CompareOp::Lt => a < e,
                CompareOp::Le => a <= e,
            }
        }
        (a, e) => match op {
            CompareOp::Eq => a == e,
            CompareOp::Ne => a != e,
            _ => false,
        },
    }
}

/// Splits a path that starts with an extension schema URN into the URN and the rest.
fn split_extension<'p>(path: &'p str, extensions: &[&str]) -> Option<(String, &'p str)> {
    for urn in extensions {
        if path.len() >= urn.len() && path[..urn.len()].eq_ignore_ascii_case(urn) {
            let rest = &path[urn.len()..];
            if rest.is_empty() {
                return Some(((*urn).to_owned(), ""));
            }
            if let Some(rest) = rest.strip_prefix(':') {
                return Some(((*urn).to_owned(), rest));
            }
        }
    }
    None
}

/// Applies `operations` to `resource` (an object). `extensions` are the extension schema URNs the
/// resource may hold (their attributes are addressed as `urn:...:attr`).
pub fn apply(resource: &mut Value, operations: &[Operation], extensions: &[&str]) -> Result<(), PatchError> {
    for operation in operations {
        apply_one(resource, operation, extensions)?;
    }
    Ok(())
}

fn apply_one(resource: &mut Value, operation: &Operation, extensions: &[&str]) -> Result<(), PatchError> {
    let object = resource.as_object_mut().ok_or_else(|| error("invalidSyntax", "The resource is not an object"))?;
    let Some(path) = operation.path.as_deref().map(str::trim).filter(|p| !p.is_empty()) else {
        // No path: the value is an object of attributes to add or replace.
        let value =
            operation.value.as_ref().and_then(Value::as_object).ok_or_else(|| {
                error("invalidValue", "Without a path, the value of an add or replace must be an object")
            })?;
        for (name, value) in value {
            if let Some((urn, rest)) = split_extension(name, extensions) {
                if rest.is_empty() {
                    let target = entry_object(object, &urn);
                    merge_object(target, value, operation.op);
                } else {
                    let target = entry_object(object, &urn);
                    set_attr(target, rest, value.clone(), operation.op);
                }
            } else {
                set_attr(object, name, value.clone(), operation.op);
            }
        }
        return Ok(());
    };
    // An extension attribute: `urn:...:User:attr`.
    if let Some((urn, rest)) = split_extension(path, extensions) {
        if rest.is_empty() {
            match operation.op {
                Op::Remove => {
                    if let Some(key) = key_ci(object, &urn) {
                        object.remove(&key);
                    }
                }
                op => {
                    let target = entry_object(object, &urn);
                    merge_object(target, operation.value.as_ref().unwrap_or(&Value::Null), op);
                }
            }
            return Ok(());
        }
        let target = entry_object(object, &urn);
        let inner = PatchPath { attr: rest.to_owned(), filter: None, sub_attr: None };
        return apply_path(target, &inner, operation);
    }
    let parsed = parse_path(path).map_err(|e| error("invalidPath", e.0))?;
    apply_path(object, &parsed, operation)
}

fn entry_object<'o>(object: &'o mut Map<String, Value>, name: &str) -> &'o mut Map<String, Value> {
    let key = key_ci(object, name).unwrap_or_else(|| name.to_owned());
    let entry = object.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    entry.as_object_mut().expect("made an object above")
}

/// Adds or replaces the attributes of `value` (an object) in `target`.
fn merge_object(target: &mut Map<String, Value>, value: &Value, op: Op) {
    if let Some(value) = value.as_object() {
        for (name, value) in value {
            set_attr(target, name, value.clone(), op);
        }
    }
}

/// `add` or `replace` of one attribute by name: add appends to multi-valued attributes and merges
/// complex ones; replace sets.
fn set_attr(object: &mut Map<String, Value>, name: &str, value: Value, op: Op) {
    let key = key_ci(object, name).unwrap_or_else(|| name.to_owned());
    match (op, object.get_mut(&key), value) {
        (Op::Add, Some(Value::Array(existing)), Value::Array(new)) => {
            for item in new {
                if !existing.contains(&item) {
                    existing.push(item);
                }
            }
        }
        (Op::Add, Some(Value::Array(existing)), item) => {
            if !existing.contains(&item) {
                existing.push(item);
            }
        }
        (_, Some(Value::Object(existing)), Value::Object(new)) => {
            for (name, value) in new {
                set_attr(existing, &name, value, op);
            }
        }
        (_, _, value) => {
            object.insert(key, value);
        }
    }
}

fn apply_path(object: &mut Map<String, Value>, path: &PatchPath, operation: &Operation) -> Result<(), PatchError> {
    let value = operation.value.clone().unwrap_or(Value::Null);
    let (attr, sub) = match path.attr.split_once('.') {
        Some((attr, sub)) if path.filter.is_none() => (attr.to_owned(), Some(sub.to_owned())),
        _ => (path.attr.clone(), path.sub_attr.clone()),
    };
    let key = key_ci(object, &attr);
    match &path.filter {
        None => match sub {
            None => match operation.op {
                Op::Remove => {
                    if let Some(key) = key {
                        object.remove(&key);
                    }
                }
                op => set_attr(object, &attr, value, op),
            },
            Some(sub) => {
                if operation.op == Op::Remove {
                    if let Some(Value::Object(inner)) = key.and_then(|k| object.get_mut(&k))
                        && let Some(k) = key_ci(inner, &sub)
                    {
                        inner.remove(&k);
                    }
                } else {
                    let inner = entry_object(object, &attr);
                    set_attr(inner, &sub, value, operation.op);
                }
            }
        },
        Some(filter) => {
            let Some(Value::Array(items)) = key.as_ref().and_then(|k| object.get_mut(k)) else {
                return match operation.op {
                    Op::Remove => Ok(()),
                    _ => Err(error("noTarget", format!("No value of {attr} matches the filter"))),
                };
            };
            let matching: Vec<usize> = (0..items.len()).filter(|i| matches(filter, &items[*i])).collect();
            if matching.is_empty() && operation.op != Op::Remove {
                return Err(error("noTarget", format!("No value of {attr} matches the filter")));
            }
            match (operation.op, sub) {
                (Op::Remove, None) => {
                    let mut index = 0;
                    items.retain(|_| {
                        let keep = !matching.contains(&index);
                        index += 1;
                        keep
                    });
                    if items.is_empty()
                        && let Some(k) = key
                    {
                        object.remove(&k);
                    }
                }
                (Op::Remove, Some(sub)) => {
                    for i in matching {
                        if let Some(inner) = items[i].as_object_mut()
                            && let Some(k) = key_ci(inner, &sub)
                        {
                            inner.remove(&k);
                        }
                    }
                }
                (op, None) => {
                    for i in matching {
                        match (&mut items[i], &value) {
                            (Value::Object(inner), Value::Object(_)) if op == Op::Add => {
                                merge_object(inner, &value, op);
                            }
                            (slot, _) => *slot = value.clone(),
                        }
                    }
                }
                (op, Some(sub)) => {
                    for i in matching {
                        if let Some(inner) = items[i].as_object_mut() {
                            set_attr(inner, &sub, value.clone(), op);
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const EXT: &str = "urn:ietf:params:scim:schemas:extension:newrelic:2.0:User";

    fn patch(resource: Value, ops: Value) -> Result<Value, PatchError> {
        let mut resource = resource;
        let ops = operations(&json!({ "schemas": [PATCH_OP], "Operations": ops }))?;
        apply(&mut resource, &ops, &[EXT])?;
        Ok(resource)
    }

    #[test]
    fn replace_without_path_and_with_paths() {
        let user = json!({ "userName": "a@x.com", "active": true, "name": { "givenName": "A" } });
        let out = patch(user.clone(), json!([{ "op": "replace", "value": { "active": false } }])).expect("applies");
        assert_eq!(out["active"], json!(false));
        let out = patch(user.clone(), json!([{ "op": "Replace", "path": "name.familyName", "value": "B" }]))
            .expect("applies");
        assert_eq!(out["name"], json!({ "givenName": "A", "familyName": "B" }));
        let out = patch(user.clone(), json!([{ "op": "remove", "path": "name.givenName" }])).expect("applies");
        assert_eq!(out["name"], json!({}));
        let out = patch(user, json!([{ "op": "replace", "path": format!("{EXT}:nrUserType"), "value": "Core User" }]))
            .expect("applies");
        assert_eq!(out[EXT]["nrUserType"], json!("Core User"));
    }

    #[test]
    fn multi_valued_attributes_with_filters() {
        let group = json!({ "displayName": "G", "members": [{ "value": "1" }, { "value": "2" }] });
        let out =
            patch(group.clone(), json!([{ "op": "remove", "path": "members[value eq \"1\"]" }])).expect("applies");
        assert_eq!(out["members"], json!([{ "value": "2" }]));
        let out = patch(group.clone(), json!([{ "op": "add", "path": "members", "value": [{ "value": "3" }] }]))
            .expect("applies");
        assert_eq!(out["members"].as_array().map(Vec::len), Some(3));
        let out = patch(group, json!([{ "op": "remove", "path": "members" }])).expect("applies");
        assert!(out.get("members").is_none());
        let user = json!({ "emails": [{ "type": "work", "value": "a@x.com" }] });
        let out = patch(
            user.clone(),
            json!([{ "op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x.com" }]),
        )
        .expect("applies");
        assert_eq!(out["emails"][0]["value"], json!("b@x.com"));
        let refused = patch(user, json!([{ "op": "replace", "path": "emails[type eq \"home\"].value", "value": "c" }]));
        assert_eq!(refused.map_err(|e| e.scim_type), Err("noTarget"));
    }

    #[test]
    fn malformed_patches_are_refused() {
        let refused = |body: Value| operations(&body).map_err(|e| e.scim_type);
        assert_eq!(refused(json!({ "Operations": [] })), Err("invalidSyntax"));
        assert_eq!(refused(json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "move" }] })), Err("invalidSyntax"));
        assert_eq!(refused(json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "remove" }] })), Err("noTarget"));
        assert_eq!(
            refused(json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "x" }] })),
            Err("invalidValue")
        );
        let mut resource = json!({});
        let ops =
            operations(&json!({ "schemas": [PATCH_OP], "Operations": [{ "op": "add", "path": "a b", "value": 1 }] }))
                .expect("applies");
        assert_eq!(apply(&mut resource, &ops, &[]).map_err(|e| e.scim_type), Err("invalidPath"));
    }
}
