//! The Synthetics permission system's API: the switch, permission groups, members and rules.
//! (What the rules let users do with monitors and private locations is tested with them.)

use entity::enums::UserType;
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::TestApp;

const READ: &str = r#"query($id: Int!) { actor { account(id: $id) { syntheticsPermissions {
  enabled groups { name accountId members { email } rules { entityType entityGuid view edit } } } } } }"#;
const ENABLE: &str = "mutation($a: Int!) { syntheticsEnablePermissions(accountId: $a) { accountId enabled errors { description type } } }";
const DISABLE: &str = "mutation($a: Int!) { syntheticsDisablePermissions(accountId: $a) { accountId enabled errors { description type } } }";
const GROUP_FIELDS: &str =
    "errors { description type } group { id name members { id email } rules { entityType entityGuid view edit } }";

fn create_group() -> String {
    format!(
        "mutation($a: Int!, $n: String!) {{ syntheticsCreatePermissionGroup(accountId: $a, name: $n) {{ {GROUP_FIELDS} }} }}"
    )
}
fn rename_group() -> String {
    format!(
        "mutation($id: ID!, $n: String!) {{ syntheticsUpdatePermissionGroup(id: $id, name: $n) {{ {GROUP_FIELDS} }} }}"
    )
}
fn delete_group() -> String {
    format!("mutation($id: ID!) {{ syntheticsDeletePermissionGroup(id: $id) {{ {GROUP_FIELDS} }} }}")
}
fn add_members() -> String {
    format!(
        "mutation($id: ID!, $u: [Int!], $all: Boolean) {{ syntheticsAddPermissionGroupMembers(id: $id, userIds: $u, addAllUsers: $all) {{ {GROUP_FIELDS} }} }}"
    )
}
fn remove_members() -> String {
    format!(
        "mutation($id: ID!, $u: [Int!]!) {{ syntheticsRemovePermissionGroupMembers(id: $id, userIds: $u) {{ {GROUP_FIELDS} }} }}"
    )
}
fn set_rule() -> String {
    format!(
        "mutation($id: ID!, $r: SyntheticsPermissionRuleInput!) {{ syntheticsSetPermissionGroupRule(id: $id, rule: $r) {{ {GROUP_FIELDS} }} }}"
    )
}
fn remove_rule() -> String {
    format!(
        "mutation($id: ID!, $t: SyntheticsPermissionEntityType!, $g: EntityGuid) {{ syntheticsRemovePermissionGroupRule(id: $id, entityType: $t, entityGuid: $g) {{ {GROUP_FIELDS} }} }}"
    )
}

/// The payload of the only mutation in `body`.
fn payload(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "no top-level errors: {body}");
    body["data"].as_object().and_then(|o| o.values().next()).expect("one mutation")
}

fn payload_error(body: &Value) -> (String, String) {
    let error = &payload(body)["errors"][0];
    (
        error["description"].as_str().unwrap_or_default().to_owned(),
        error["type"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn new_group(app: &TestApp, name: &str) -> String {
    let body = app.ok(&create_group(), json!({"a": app.primary_account_id, "n": name})).await;
    payload(&body)["group"]["id"].as_str().expect("group id").to_owned()
}

backend_test!(the_switch_is_off_by_default_and_audited, |app| {
    let account = app.primary_account_id;
    let body = app.ok(READ, json!({"id": account})).await;
    assert_eq!(body["data"]["actor"]["account"]["syntheticsPermissions"], json!({"enabled": false, "groups": []}));
    let body = app.ok(ENABLE, json!({"a": account})).await;
    assert_eq!(payload(&body), &json!({"accountId": account, "enabled": true, "errors": []}));
    let body = app.ok(READ, json!({"id": account})).await;
    assert_eq!(body["data"]["actor"]["account"]["syntheticsPermissions"]["enabled"], true);
    let body = app.ok(DISABLE, json!({"a": account})).await;
    assert_eq!(payload(&body)["enabled"], false);
    let audit = r#"query($f: CustomerAdministrationAuditEventFilterInput!) { customerAdministration { auditEvents(filter: $f) { items { action } } } }"#;
    let body = app
        .ok(audit, json!({"f": {"organizationId": {"eq": app.organization_id}, "targetType": {"eq": "synthetics_permissions"}}}))
        .await;
    assert_eq!(
        body["data"]["customerAdministration"]["auditEvents"]["items"],
        json!([{"action": "synthetics_permissions.disable"}, {"action": "synthetics_permissions.enable"}])
    );
});

backend_test!(groups_are_created_renamed_and_deleted, |app| {
    let id = new_group(&app, "Senior Developers").await;
    let body = app.run(&create_group(), json!({"a": app.primary_account_id, "n": "Senior Developers"})).await;
    assert_eq!(
        payload_error(&body),
        ("A permission group with this name already exists in the account".to_owned(), "BAD_REQUEST".to_owned())
    );
    let body = app.run(&create_group(), json!({"a": app.primary_account_id, "n": "  "})).await;
    assert_eq!(payload_error(&body), ("Name can't be blank".to_owned(), "BAD_REQUEST".to_owned()));
    let body = app.ok(&rename_group(), json!({"id": id, "n": "Seniors"})).await;
    assert_eq!(payload(&body)["group"]["name"], "Seniors");
    let body = app.ok(&delete_group(), json!({"id": id})).await;
    assert_eq!(payload(&body)["group"]["name"], "Seniors");
    let body = app.run(&delete_group(), json!({"id": id})).await;
    assert_eq!(payload_error(&body).1, "NOT_FOUND");
    let body = app.run(&create_group(), json!({"a": 424_242, "n": "Elsewhere"})).await;
    assert_eq!(payload_error(&body).1, "NOT_FOUND");
});

backend_test!(members_are_users_with_access_to_the_account, |app| {
    let id = new_group(&app, "Team").await;
    let member = app.create_user("violet@example.com", UserType::Full).await;
    let user_group = app.group_id("User").await;
    app.add_member(&user_group, member).await;
    let outsider = app.create_user("outsider@example.com", UserType::Full).await;

    let body = app.ok(&add_members(), json!({"id": id, "u": [member]})).await;
    assert_eq!(payload(&body)["group"]["members"], json!([{"id": member, "email": "violet@example.com"}]));
    let body = app.run(&add_members(), json!({"id": id, "u": [outsider]})).await;
    assert_eq!(
        payload_error(&body),
        (format!("User {outsider} has no access to account {}", app.primary_account_id), "BAD_REQUEST".to_owned())
    );
    let body = app.run(&add_members(), json!({"id": id, "u": [999_999]})).await;
    assert_eq!(payload_error(&body).1, "NOT_FOUND");

    // "Add all" adds every user who can access the account: the admin and the member.
    let body = app.ok(&add_members(), json!({"id": id, "all": true})).await;
    let emails: Vec<&str> = payload(&body)["group"]["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["email"].as_str())
        .collect();
    assert_eq!(emails, vec!["admin@example.com", "violet@example.com"]);

    let body = app.ok(&remove_members(), json!({"id": id, "u": [member]})).await;
    assert_eq!(payload(&body)["group"]["members"], json!([{"id": app.admin_user_id, "email": "admin@example.com"}]));
});

backend_test!(all_and_per_entity_rules_exclude_each_other, |app| {
    let id = new_group(&app, "New Developers").await;
    let monitor = app.insert_monitor(app.primary_account_id, "Monitor A").await;
    let rule = |guid: Value, access: &str| json!({"id": id, "r": {"entityType": "MONITORS", "entityGuid": guid, "access": access}});

    let body = app.ok(&set_rule(), rule(json!(monitor), "VIEW")).await;
    assert_eq!(
        payload(&body)["group"]["rules"],
        json!([{"entityType": "MONITORS", "entityGuid": monitor, "view": true, "edit": false}])
    );
    // Setting the same target again replaces the rule.
    let body = app.ok(&set_rule(), rule(json!(monitor), "FULL")).await;
    assert_eq!(payload(&body)["group"]["rules"][0]["edit"], true);
    assert_eq!(payload(&body)["group"]["rules"].as_array().map(Vec::len), Some(1));

    let body = app.run(&set_rule(), rule(Value::Null, "FULL")).await;
    assert_eq!(
        payload_error(&body),
        (
            "You can't enable access for all monitors while the group has per-entity access rules for them".to_owned(),
            "BAD_REQUEST".to_owned()
        )
    );
    // Private locations are another type: "all" is fine there.
    let vars = json!({"id": id, "r": {"entityType": "PRIVATE_LOCATIONS", "access": "VIEW"}});
    app.ok(&set_rule(), vars).await;

    let body = app.ok(&remove_rule(), json!({"id": id, "t": "MONITORS", "g": monitor})).await;
    assert_eq!(payload(&body)["group"]["rules"].as_array().map(Vec::len), Some(1));
    app.ok(&set_rule(), rule(Value::Null, "EDIT")).await;
    let other = app.insert_monitor(app.primary_account_id, "Monitor B").await;
    let body = app.run(&set_rule(), rule(json!(other), "VIEW")).await;
    assert_eq!(
        payload_error(&body),
        (
            "You can't add per-entity access rules while the group has access to all monitors".to_owned(),
            "BAD_REQUEST".to_owned()
        )
    );

    // A GUID that names nothing, or names a monitor where a private location is expected.
    let vars =
        json!({"id": id, "r": {"entityType": "PRIVATE_LOCATIONS", "entityGuid": "bm90IGEgZ3VpZA", "access": "VIEW"}});
    assert_eq!(payload_error(&app.run(&set_rule(), vars).await).1, "NOT_FOUND");
    app.ok(&remove_rule(), json!({"id": id, "t": "PRIVATE_LOCATIONS"})).await;
    let vars = json!({"id": id, "r": {"entityType": "PRIVATE_LOCATIONS", "entityGuid": monitor, "access": "VIEW"}});
    assert_eq!(payload_error(&app.run(&set_rule(), vars).await).1, "BAD_REQUEST");
});

backend_test!(only_permission_managers_change_or_read_it, |app| {
    // A full user with Standard user (which lacks "Manage synthetics permissions").
    let user = app.create_user("dev@example.com", UserType::Full).await;
    let group = app.create_group("Developers").await;
    app.grant(&group, "standard_user", Some(app.primary_account_id)).await;
    app.add_member(&group, user).await;
    let key = app.create_key(user).await;
    let account = app.primary_account_id;
    let id = new_group(&app, "Team").await;

    let body = app.run_as(&key, ENABLE, json!({"a": account})).await;
    assert_eq!(
        payload_error(&body),
        ("You are not authorized to perform this action".to_owned(), "UNAUTHORIZED".to_owned())
    );
    assert_eq!(payload(&body)["enabled"], Value::Null);
    let body = app.run_as(&key, &create_group(), json!({"a": account, "n": "Mine"})).await;
    assert_eq!(payload_error(&body).1, "UNAUTHORIZED");
    let body = app.run_as(&key, &add_members(), json!({"id": id, "u": [user]})).await;
    assert_eq!(payload_error(&body).1, "UNAUTHORIZED");
    let body = app.run_as(&key, &delete_group(), json!({"id": id})).await;
    assert_eq!(payload_error(&body).1, "UNAUTHORIZED");
    let body = app.run_as(&key, READ, json!({"id": account})).await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN", "{body}");
    assert_eq!(body["data"]["actor"]["account"]["syntheticsPermissions"], Value::Null);
    // Nothing changed.
    let body = app.ok(READ, json!({"id": account})).await;
    assert_eq!(body["data"]["actor"]["account"]["syntheticsPermissions"]["enabled"], false);
    assert_eq!(body["data"]["actor"]["account"]["syntheticsPermissions"]["groups"][0]["members"], json!([]));
});
