//! Seed 003's worked examples, end to end through the API: monitors and private locations are
//! created, the permission system is switched on, permission groups are set up, and each user's
//! requests show what they may see and change.

use entity::enums::UserType;
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_KEY, TestApp};

const CREATE_MONITOR: &str = r#"mutation($accountId: Int!, $monitor: SyntheticsCreateSimpleMonitorInput!) {
  syntheticsCreateSimpleMonitor(accountId: $accountId, monitor: $monitor) { errors { description type } monitor { guid } } }"#;
const UPDATE_MONITOR: &str = r#"mutation($guid: EntityGuid!, $monitor: SyntheticsUpdateSimpleMonitorInput!) {
  syntheticsUpdateSimpleMonitor(guid: $guid, monitor: $monitor) { errors { description type } monitor { name } } }"#;
const MONITORS: &str =
    r#"query($id: Int!) { actor { account(id: $id) { synthetics { monitors { monitors { name } } } } } }"#;
const CREATE_LOCATION: &str = r#"mutation($accountId: Int!, $name: String!) {
  syntheticsCreatePrivateLocation(accountId: $accountId, name: $name, verifiedScriptExecution: false) {
    errors { description type } guid } }"#;
const UPDATE_LOCATION: &str = r#"mutation($guid: EntityGuid!, $description: String) {
  syntheticsUpdatePrivateLocation(guid: $guid, description: $description) { errors { description type } } }"#;
const LOCATIONS: &str =
    r#"query($id: Int!) { actor { account(id: $id) { syntheticsPrivateLocations { privateLocations { name } } } } }"#;
const ENABLE: &str = "mutation($a: Int!) { syntheticsEnablePermissions(accountId: $a) { errors { description } } }";
const CREATE_GROUP: &str = r#"mutation($a: Int!, $n: String!) {
  syntheticsCreatePermissionGroup(accountId: $a, name: $n) { errors { description } group { id } } }"#;
const ADD_MEMBERS: &str = r#"mutation($id: ID!, $u: [Int!]) {
  syntheticsAddPermissionGroupMembers(id: $id, userIds: $u) { errors { description } } }"#;
const SET_RULE: &str = r#"mutation($id: ID!, $r: SyntheticsPermissionRuleInput!) {
  syntheticsSetPermissionGroupRule(id: $id, rule: $r) { errors { description } } }"#;
const DELETE_GROUP: &str = "mutation($id: ID!) { syntheticsDeletePermissionGroup(id: $id) { errors { description } } }";

/// Monitors A to D and private locations A and B, created by the admin with the system off.
struct Estate {
    monitors: Vec<(String, String)>,
    locations: Vec<(String, String)>,
}

impl Estate {
    fn monitor(&self, name: &str) -> &str {
        &self.monitors.iter().find(|(n, _)| n == name).expect("monitor").1
    }

    fn location(&self, name: &str) -> &str {
        &self.locations.iter().find(|(n, _)| n == name).expect("location").1
    }
}

fn first_payload(body: &Value) -> &Value {
    assert!(body.get("errors").is_none(), "no top-level errors: {body}");
    body["data"].as_object().and_then(|o| o.values().next()).expect("one field")
}

async fn ok(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    let body = app.run_as(key, query, variables).await;
    let payload = first_payload(&body).clone();
    assert_eq!(payload["errors"], json!([]), "{payload}");
    payload
}

async fn estate(app: &TestApp) -> Estate {
    let mut monitors = Vec::new();
    for name in ["Monitor A", "Monitor B", "Monitor C", "Monitor D"] {
        let monitor = json!({"name": name, "period": "EVERY_15_MINUTES", "status": "ENABLED",
            "uri": "https://example.com", "locations": {"public": ["AWS_US_WEST_2"]}});
        let payload =
            ok(app, ADMIN_KEY, CREATE_MONITOR, json!({"accountId": app.primary_account_id, "monitor": monitor})).await;
        monitors.push((name.to_owned(), payload["monitor"]["guid"].as_str().expect("guid").to_owned()));
    }
    let mut locations = Vec::new();
    for name in ["Private Location A", "Private Location B"] {
        let payload =
            ok(app, ADMIN_KEY, CREATE_LOCATION, json!({"accountId": app.primary_account_id, "name": name})).await;
        locations.push((name.to_owned(), payload["guid"].as_str().expect("guid").to_owned()));
    }
    Estate { monitors, locations }
}

/// A full platform developer with All product admin on the account (every Synthetics
/// capability); returns (user, key).
async fn developer(app: &TestApp, email: &str) -> (i64, String) {
    let user = app.create_user(email, UserType::Full).await;
    let group = app.create_group(&format!("Developers {email}")).await;
    app.grant(&group, "all_product_admin", Some(app.primary_account_id)).await;
    app.add_member(&group, user).await;
    (user, app.create_key(user).await)
}

async fn permission_group(app: &TestApp, name: &str, members: &[i64], rules: &[Value]) -> String {
    let payload = ok(app, ADMIN_KEY, CREATE_GROUP, json!({"a": app.primary_account_id, "n": name})).await;
    let id = payload["group"]["id"].as_str().expect("id").to_owned();
    ok(app, ADMIN_KEY, ADD_MEMBERS, json!({"id": id, "u": members})).await;
    for rule in rules {
        ok(app, ADMIN_KEY, SET_RULE, json!({"id": id, "r": rule})).await;
    }
    id
}

fn all(entity_type: &str, access: &str) -> Value {
    json!({"entityType": entity_type, "access": access})
}

fn one(entity_type: &str, guid: &str, access: &str) -> Value {
    json!({"entityType": entity_type, "entityGuid": guid, "access": access})
}

async fn listed(app: &TestApp, key: &str, query: &str, list: &str) -> Vec<String> {
    let body = app.run_as(key, query, json!({"id": app.primary_account_id})).await;
    let account = &body["data"]["actor"]["account"];
    let items = match list {
        "monitors" => &account["synthetics"]["monitors"]["monitors"],
        _ => &account["syntheticsPrivateLocations"]["privateLocations"],
    };
    let mut names: Vec<String> = items
        .as_array()
        .map(|a| a.iter().filter_map(|m| m["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// The error type of a monitor or location update by `key` ("" when it succeeded).
async fn update_error(app: &TestApp, key: &str, query: &str, variables: Value) -> String {
    let body = app.run_as(key, query, variables).await;
    first_payload(&body)["errors"][0]["type"].as_str().unwrap_or_default().to_owned()
}

async fn edit_monitor(app: &TestApp, key: &str, guid: &str) -> String {
    update_error(app, key, UPDATE_MONITOR, json!({"guid": guid, "monitor": {"period": "EVERY_30_MINUTES"}})).await
}

async fn edit_location(app: &TestApp, key: &str, guid: &str) -> String {
    update_error(app, key, UPDATE_LOCATION, json!({"guid": guid, "description": "changed"})).await
}

async fn create_monitor_error(app: &TestApp, key: &str) -> String {
    let monitor = json!({"name": "New", "period": "EVERY_15_MINUTES", "status": "ENABLED",
        "uri": "https://example.com", "locations": {"public": ["AWS_US_WEST_2"]}});
    let body = app.run_as(key, CREATE_MONITOR, json!({"accountId": app.primary_account_id, "monitor": monitor})).await;
    first_payload(&body)["errors"][0]["type"].as_str().unwrap_or_default().to_owned()
}

const ALL_MONITORS: [&str; 4] = ["Monitor A", "Monitor B", "Monitor C", "Monitor D"];

backend_test!(off_by_default_then_enabling_cuts_access_off, |app| {
    let estate = estate(&app).await;
    let (_, key) = developer(&app, "dev@example.com").await;
    assert_eq!(listed(&app, &key, MONITORS, "monitors").await, ALL_MONITORS);
    assert_eq!(edit_monitor(&app, &key, estate.monitor("Monitor C")).await, "");

    ok(&app, ADMIN_KEY, ENABLE, json!({"a": app.primary_account_id})).await;
    assert_eq!(listed(&app, &key, MONITORS, "monitors").await, Vec::<String>::new());
    assert_eq!(listed(&app, &key, LOCATIONS, "locations").await, Vec::<String>::new());
    assert_eq!(edit_monitor(&app, &key, estate.monitor("Monitor C")).await, "UNAUTHORIZED");
    assert_eq!(edit_location(&app, &key, estate.location("Private Location A")).await, "UNAUTHORIZED");
    assert_eq!(create_monitor_error(&app, &key).await, "UNAUTHORIZED");
});

backend_test!(violet_the_senior_developer_has_full_access_to_all_monitors, |app| {
    let estate = estate(&app).await;
    let (violet, key) = developer(&app, "violet@example.com").await;
    ok(&app, ADMIN_KEY, ENABLE, json!({"a": app.primary_account_id})).await;
    permission_group(&app, "Senior Developers", &[violet], &[all("MONITORS", "FULL")]).await;

    assert_eq!(listed(&app, &key, MONITORS, "monitors").await, ALL_MONITORS);
    for name in ALL_MONITORS {
        assert_eq!(edit_monitor(&app, &key, estate.monitor(name)).await, "", "{name}");
    }
    assert_eq!(create_monitor_error(&app, &key).await, "", "full access to all monitors can create");
});

backend_test!(austin_the_new_developer_views_all_but_cannot_edit_monitor_c, |app| {
    let estate = estate(&app).await;
    let (austin, key) = developer(&app, "austin@example.com").await;
    ok(&app, ADMIN_KEY, ENABLE, json!({"a": app.primary_account_id})).await;
    let mut rules: Vec<Value> = ALL_MONITORS.iter().map(|m| one("MONITORS", estate.monitor(m), "VIEW")).collect();
    for name in ["Monitor A", "Monitor B", "Monitor D"] {
        rules.push(one("MONITORS", estate.monitor(name), "FULL"));
    }
    permission_group(&app, "New Developers", &[austin], &rules).await;

    assert_eq!(listed(&app, &key, MONITORS, "monitors").await, ALL_MONITORS);
    for name in ["Monitor A", "Monitor B", "Monitor D"] {
        assert_eq!(edit_monitor(&app, &key, estate.monitor(name)).await, "", "{name}");
    }
    assert_eq!(edit_monitor(&app, &key, estate.monitor("Monitor C")).await, "UNAUTHORIZED");
    let script = r#"query($id: Int!, $g: EntityGuid!) { actor { account(id: $id) { synthetics { script(monitorGuid: $g) { text } } } } }"#;
    let body = app.run_as(&key, script, json!({"id": app.primary_account_id, "g": estate.monitor("Monitor C")})).await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN", "view does not show the script: {body}");
    assert_eq!(create_monitor_error(&app, &key).await, "UNAUTHORIZED", "creating needs edit on all monitors");
});

backend_test!(the_combined_example_with_private_locations, |app| {
    let estate = estate(&app).await;
    let (violet, violet_key) = developer(&app, "violet@example.com").await;
    let (austin, austin_key) = developer(&app, "austin@example.com").await;
    ok(&app, ADMIN_KEY, ENABLE, json!({"a": app.primary_account_id})).await;
    let mut rules: Vec<Value> = ALL_MONITORS.iter().map(|m| one("MONITORS", estate.monitor(m), "VIEW")).collect();
    for name in ["Monitor A", "Monitor B", "Monitor D"] {
        rules.push(one("MONITORS", estate.monitor(name), "FULL"));
    }
    rules.push(one("PRIVATE_LOCATIONS", estate.location("Private Location A"), "FULL"));
    rules.push(one("PRIVATE_LOCATIONS", estate.location("Private Location B"), "VIEW"));
    permission_group(&app, "New Developers", &[austin], &rules).await;
    permission_group(
        &app,
        "Senior Developers",
        &[violet],
        &[all("MONITORS", "FULL"), all("PRIVATE_LOCATIONS", "FULL")],
    )
    .await;

    let both = vec!["Private Location A".to_owned(), "Private Location B".to_owned()];
    assert_eq!(listed(&app, &violet_key, LOCATIONS, "locations").await, both);
    assert_eq!(listed(&app, &austin_key, LOCATIONS, "locations").await, both);
    assert_eq!(edit_location(&app, &violet_key, estate.location("Private Location B")).await, "");
    assert_eq!(edit_location(&app, &austin_key, estate.location("Private Location A")).await, "");
    assert_eq!(edit_location(&app, &austin_key, estate.location("Private Location B")).await, "UNAUTHORIZED");
    assert_eq!(edit_monitor(&app, &violet_key, estate.monitor("Monitor C")).await, "");
    assert_eq!(edit_monitor(&app, &austin_key, estate.monitor("Monitor C")).await, "UNAUTHORIZED");
});

backend_test!(groups_add_up_and_deleting_one_takes_its_access_away_at_once, |app| {
    let estate = estate(&app).await;
    let (user, key) = developer(&app, "dev@example.com").await;
    ok(&app, ADMIN_KEY, ENABLE, json!({"a": app.primary_account_id})).await;
    let viewers = permission_group(&app, "Viewers", &[user], &[all("MONITORS", "VIEW")]).await;
    permission_group(&app, "Monitor A editors", &[user], &[one("MONITORS", estate.monitor("Monitor A"), "EDIT")]).await;

    // All monitors from one group, one monitor's Edit from the other: the most permissive wins.
    assert_eq!(listed(&app, &key, MONITORS, "monitors").await, ALL_MONITORS);
    assert_eq!(edit_monitor(&app, &key, estate.monitor("Monitor A")).await, "");
    assert_eq!(edit_monitor(&app, &key, estate.monitor("Monitor B")).await, "UNAUTHORIZED");

    ok(&app, ADMIN_KEY, DELETE_GROUP, json!({"id": viewers})).await;
    assert_eq!(listed(&app, &key, MONITORS, "monitors").await, Vec::<String>::new(), "edit alone does not list");
    assert_eq!(edit_monitor(&app, &key, estate.monitor("Monitor A")).await, "");
});
