//! `customerAdministration.auditEvents` shows a reader only the events whose target they may read,
//! and redacts what they could not read otherwise (issue 12, item 3).

use std::collections::BTreeSet;

use chrono::Utc;
use entity::enums::UserType;
use entity::{access_grant, audit_event};
use sea_orm::{ActiveModelTrait, EntityTrait, QuerySelect, Set};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY, TestApp};

const AUDIT: &str = r#"query($f: CustomerAdministrationAuditEventFilterInput!, $c: String) {
  customerAdministration { auditEvents(filter: $f, cursor: $c) {
    items { action targetType targetId before after } nextCursor totalCount } } }"#;

const CREATE_USER: &str = r#"mutation($o: UserManagementCreateUser!) {
  userManagementCreateUser(createUserOptions: $o) { createdUser { id } } }"#;
const CREATE_GROUP: &str = r#"mutation($o: UserManagementCreateGroup) {
  userManagementCreateGroup(createGroupOptions: $o) { group { id } } }"#;
const ADD_USERS: &str = r#"mutation($o: UserManagementUsersGroupsInput) {
  userManagementAddUsersToGroups(addUsersToGroupsOptions: $o) { groups { id } } }"#;
const CREATE_ROLE: &str = r#"mutation($container: CustomRoleContainerInput!, $name: String!, $permissionIds: [Int!]!, $scope: String!) {
  customRoleCreate(container: $container, name: $name, permissionIds: $permissionIds, scope: $scope) { id } }"#;
const CREATE_KEYS: &str = r#"mutation($keys: ApiAccessCreateInput!) {
  apiAccessCreateKeys(keys: $keys) { createdKeys { id } errors { message } } }"#;
const CREATE_MONITOR: &str = r#"mutation($a: Int!, $m: SyntheticsCreateSimpleMonitorInput!) {
  syntheticsCreateSimpleMonitor(accountId: $a, monitor: $m) { errors { description } monitor { guid } } }"#;
const CREATE_CREDENTIAL: &str = r#"mutation($a: Int!, $k: String!, $v: SecureValue!, $d: String) {
  syntheticsCreateSecureCredential(accountId: $a, key: $k, value: $v, description: $d) { key errors { description } } }"#;
const CREATE_LOCATION: &str = r#"mutation($a: Int!, $n: String!, $d: String) {
  syntheticsCreatePrivateLocation(accountId: $a, name: $n, description: $d, verifiedScriptExecution: false) {
    guid errors { description } } }"#;
const CREATE_PERMISSION_GROUP: &str = r#"mutation($a: Int!, $n: String!) {
  syntheticsCreatePermissionGroup(accountId: $a, name: $n) { group { id } errors { description } } }"#;
const RENAME_ORGANIZATION: &str = r#"mutation($o: OrganizationUpdateInput!, $id: ID) {
  organizationUpdate(organization: $o, organizationId: $id) { organizationInformation { name } errors { message } } }"#;

/// Every event the reader with `key` sees, all pages, as (targetType, action, before, after).
async fn events(app: &TestApp, key: &str) -> (Vec<Value>, u64) {
    let mut items = Vec::new();
    let mut cursor = Value::Null;
    let mut total = None;
    loop {
        let body =
            app.run_as(key, AUDIT, json!({"f": {"organizationId": {"eq": app.organization_id}}, "c": cursor})).await;
        assert!(body.get("errors").is_none(), "{body}");
        let page = &body["data"]["customerAdministration"]["auditEvents"];
        let count = page["totalCount"].as_u64().expect("totalCount");
        assert!(total.is_none_or(|t| t == count), "the count does not change between pages");
        total = Some(count);
        items.extend(page["items"].as_array().expect("items").iter().cloned());
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            return (items, count);
        }
    }
}

fn types(items: &[Value]) -> BTreeSet<String> {
    items.iter().map(|e| e["targetType"].as_str().expect("targetType").to_owned()).collect()
}

fn json_text(value: &Value) -> Value {
    value.as_str().map_or(Value::Null, |t| serde_json::from_str(t).expect("JSON text"))
}

/// A user of the default domain in a new group with `grants` (standard role names; `None` for the
/// organization); returns the user's key.
async fn member_with(app: &TestApp, email: &str, grants: &[(&str, Option<i32>)]) -> (i64, String) {
    let user = app.create_user(email, UserType::Full).await;
    let group = app.create_group(&format!("Group of {email}")).await;
    for (role, account) in grants {
        app.grant(&group, role, *account).await;
    }
    app.add_member(&group, user).await;
    (user, app.create_key(user).await)
}

/// Events of every kind, made through the API as the admin (and one user key by `own_key_user`).
async fn make_history(app: &TestApp, own_key: &str, own_key_user: i64) -> String {
    let account = app.primary_account_id;
    let domain = app.default_domain_id().await;
    let body = app
        .ok(CREATE_USER, json!({"o": {"authenticationDomainId": domain, "email": "jane@example.com", "name": "Jane"}}))
        .await;
    let jane = body["data"]["userManagementCreateUser"]["createdUser"]["id"].as_str().expect("id").to_owned();
    let body = app.ok(CREATE_GROUP, json!({"o": {"authenticationDomainId": domain, "displayName": "Auditors"}})).await;
    let group = body["data"]["userManagementCreateGroup"]["group"]["id"].as_str().expect("id").to_owned();
    app.ok(ADD_USERS, json!({"o": {"groupIds": [group], "userIds": [jane]}})).await;
    app.ok(
        CREATE_ROLE,
        json!({"container": {"id": app.organization_id, "type": "ORGANIZATION"}, "name": "Viewers",
            "permissionIds": [caps::READ_SYNTHETIC_MONITORS], "scope": "ACCOUNT"}),
    )
    .await;
    let body = app.ok(RENAME_ORGANIZATION, json!({"o": {"name": "Renamed"}, "id": app.organization_id})).await;
    assert_eq!(body["data"]["organizationUpdate"]["errors"], json!([]), "{body}");
    // A user key of the admin's, and one of the other user's made by that user.
    let keys = |user: i64| json!({"keys": {"user": [{"accountId": account, "userId": user, "name": "k"}]}});
    let body = app.ok(CREATE_KEYS, keys(app.admin_user_id)).await;
    assert_eq!(body["data"]["apiAccessCreateKeys"]["errors"], json!([]), "{body}");
    let body = app.run_as(own_key, CREATE_KEYS, keys(own_key_user)).await;
    assert_eq!(body["data"]["apiAccessCreateKeys"]["errors"], json!([]), "{body}");
    let monitor = json!({"locations": {"public": ["AWS_US_WEST_2"]}, "name": "Intranet", "period": "EVERY_5_MINUTES",
        "status": "ENABLED", "uri": "https://intranet.example.com/secret-path", "tags": [{"key": "team", "values": ["web"]}]});
    let body = app.ok(CREATE_MONITOR, json!({"a": account, "m": monitor})).await;
    let guid = body["data"]["syntheticsCreateSimpleMonitor"]["monitor"]["guid"].as_str().expect("guid").to_owned();
    let body =
        app.ok(CREATE_CREDENTIAL, json!({"a": account, "k": "DB_PASSWORD", "v": "s3cret", "d": "the database"})).await;
    assert_eq!(body["data"]["syntheticsCreateSecureCredential"]["errors"], json!([]), "{body}");
    let body = app.ok(CREATE_LOCATION, json!({"a": account, "n": "Office", "d": "the office"})).await;
    assert_eq!(body["data"]["syntheticsCreatePrivateLocation"]["errors"], json!([]), "{body}");
    let body = app.ok(CREATE_PERMISSION_GROUP, json!({"a": account, "n": "Monitor team"})).await;
    assert_eq!(body["data"]["syntheticsCreatePermissionGroup"]["errors"], json!([]), "{body}");
    guid
}

use accessgraph::access::caps;

backend_test!(each_reader_sees_what_they_may_read, |app| {
    let account = app.primary_account_id;
    let (_, org_reader) = member_with(&app, "org-reader@example.com", &[("organization_read_only", None)]).await;
    let (account_user, account_key) = member_with(&app, "viewer@example.com", &[("read_only", Some(account))]).await;
    // Only Read users: a custom organization role with that one capability.
    let users_reader = app.create_user("people@example.com", UserType::Full).await;
    let role = app.create_custom_role(&app.organization_id, "People readers", entity::enums::Scope::Organization).await;
    app.grant_capability(role, caps::READ_USERS).await;
    let group = app.create_group("People").await;
    access_grant::ActiveModel {
        group_id: Set(group.clone()),
        role_id: Set(role),
        account_id: Set(None),
        organization_id: Set(Some(app.organization_id.clone())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("grant");
    app.add_member(&group, users_reader).await;
    let users_key = app.create_key(users_reader).await;

    let guid = make_history(&app, &account_key, account_user).await;

    // The admin sees every event of the organization, nothing redacted.
    let written: Vec<(String, Option<Value>, Option<Value>)> = audit_event::Entity::find()
        .select_only()
        .columns([audit_event::Column::TargetType, audit_event::Column::Before, audit_event::Column::After])
        .into_tuple()
        .all(&app.db)
        .await
        .expect("events");
    let (all, total) = events(&app, ADMIN_KEY).await;
    assert_eq!((all.len(), total), (written.len(), written.len() as u64));
    let every_type: BTreeSet<String> = written.iter().map(|(t, _, _)| t.clone()).collect();
    assert_eq!(types(&all), every_type);
    for kind in [
        "organization",
        "account",
        "authentication_domain",
        "user",
        "group",
        "access_grant",
        "role",
        "api_key",
        "synthetics_monitor",
        "synthetics_secure_credential",
        "synthetics_private_location",
        "synthetics_permission_group",
    ] {
        assert!(every_type.contains(kind), "{kind} events are made: {every_type:?}");
        // Every recorded type is one the permission model knows (an unknown one is shown to nobody).
        assert!(accessgraph::access::audit::TargetKind::from_name(kind).is_some(), "{kind}");
    }
    for kind in &every_type {
        assert!(accessgraph::access::audit::TargetKind::from_name(kind).is_some(), "unknown target type {kind}");
    }
    assert!(!all.iter().any(|e| e.to_string().contains("[redacted]")), "the admin sees everything");
    let monitor = all.iter().find(|e| e["targetType"] == "synthetics_monitor").expect("monitor event");
    assert_eq!(json_text(&monitor["after"])["uri"], "https://intranet.example.com/secret-path");

    // Organization read only: the organization, its accounts, roles, grants and groups; no user, no
    // email, no key, no domain, nothing of Synthetics.
    let (seen, total) = events(&app, &org_reader).await;
    assert_eq!(total, seen.len() as u64);
    assert_eq!(
        types(&seen),
        ["access_grant", "account", "group", "organization", "role"].into_iter().map(String::from).collect()
    );
    let text = Value::Array(seen.clone()).to_string();
    assert!(!text.contains("@example.com"), "no email reaches an organization reader: {text}");
    assert!(!text.contains("DB_PASSWORD") && !text.contains("intranet"), "{text}");
    assert!(seen.iter().any(|e| e["action"] == "group.add_members"), "memberships are group events");
    assert!(seen.iter().any(|e| e["action"] == "organization.update"));

    // Only Read users: users (with their emails), authentication domains, and who the
    // organization's original-model Owner is.
    let (seen, total) = events(&app, &users_key).await;
    assert_eq!(total, seen.len() as u64);
    assert_eq!(
        types(&seen),
        ["authentication_domain", "original_owner", "user"].into_iter().map(String::from).collect()
    );
    let jane =
        seen.iter().find(|e| e["action"] == "user.create" && e["after"].as_str().is_some_and(|a| a.contains("jane")));
    assert_eq!(json_text(&jane.expect("Jane's creation")["after"])["email"], "jane@example.com");
    assert!(seen.iter().any(|e| json_text(&e["after"])["email"] == ADMIN_EMAIL));

    // Read only on one account: their own key; the monitor's summary (View), its settings
    // redacted; the private location (View). Not the admin's key, not the credential (no View
    // secure credentials in Read only), not the permission groups, nothing organization-wide.
    let (seen, total) = events(&app, &account_key).await;
    assert_eq!(total, seen.len() as u64);
    assert_eq!(
        types(&seen),
        ["api_key", "synthetics_monitor", "synthetics_private_location"].into_iter().map(String::from).collect()
    );
    let keys: Vec<&Value> = seen.iter().filter(|e| e["targetType"] == "api_key").collect();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert_eq!(json_text(&keys[0]["after"])["userId"], json!(account_user));
    let monitor = seen.iter().find(|e| e["targetType"] == "synthetics_monitor").expect("monitor event");
    assert_eq!(monitor["targetId"], json!(guid));
    let after = json_text(&monitor["after"]);
    assert_eq!(after["name"], "Intranet");
    assert_eq!(after["status"], "ENABLED");
    assert_eq!(after["uri"], "[redacted]");
    assert_eq!(after["tags"], "[redacted]");
    assert!(!monitor.to_string().contains("secret-path"), "{monitor}");
});

backend_test!(filters_and_paging_apply_to_what_the_reader_sees, |app| {
    let (_, org_reader) = member_with(&app, "org-reader@example.com", &[("organization_read_only", None)]).await;
    // Many user events the reader may not see, around the events they may see.
    let domain = app.default_domain_id().await;
    for i in 0..3 {
        let email = format!("u{i}@example.com");
        app.ok(CREATE_USER, json!({"o": {"authenticationDomainId": domain, "email": email, "name": "U"}})).await;
    }
    let by_type = |t: &str| json!({"f": {"organizationId": {"eq": app.organization_id}, "targetType": {"eq": t}}});
    let body = app.run_as(&org_reader, AUDIT, by_type("user")).await;
    assert_eq!(
        body["data"]["customerAdministration"]["auditEvents"],
        json!({"items": [], "nextCursor": null, "totalCount": 0})
    );
    let body = app.run_as(&org_reader, AUDIT, by_type("nonsense")).await;
    assert_eq!(body["data"]["customerAdministration"]["auditEvents"]["totalCount"], 0);
    let body = app.run_as(&org_reader, AUDIT, by_type("organization")).await;
    assert_eq!(body["data"]["customerAdministration"]["auditEvents"]["totalCount"], 1);
    // A user with no capability at all sees nothing, and is not refused.
    let nobody = app.create_user("nobody@example.com", UserType::Core).await;
    let key = app.create_key(nobody).await;
    let (seen, total) = events(&app, &key).await;
    assert_eq!((seen, total), (vec![], 0));
});

backend_test!(hidden_events_between_visible_ones_are_skipped_in_batches, |app| {
    let account = app.primary_account_id;
    let (user, key) = member_with(&app, "viewer@example.com", &[("read_only", Some(account))]).await;
    // 1,200 events on other users' keys (hidden from this reader), with one of their own keys'
    // events every 400.
    let event = |owner: i64, i: usize| audit_event::ActiveModel {
        organization_id: Set(Some(app.organization_id.clone())),
        actor_user_id: Set(Some(app.admin_user_id)),
        action: Set("api_key.update".into()),
        target_type: Set("api_key".into()),
        target_id: Set(format!("key-{owner}-{i}")),
        before: Set(None),
        after: Set(Some(json!({"type": "USER", "userId": owner, "accountId": account, "name": format!("k{i}")}))),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    let rows: Vec<audit_event::ActiveModel> =
        (0..1_200).map(|i| if i % 400 == 7 { event(user, i) } else { event(app.admin_user_id, i) }).collect();
    for chunk in rows.chunks(200) {
        audit_event::Entity::insert_many(chunk.to_vec()).exec(&app.db).await.expect("insert events");
    }
    let (seen, total) = events(&app, &key).await;
    let names: Vec<&str> = seen.iter().map(|e| e["targetId"].as_str().expect("id")).collect();
    let own = |i: usize| format!("key-{user}-{i}");
    assert_eq!(names, vec![own(807).as_str(), own(407).as_str(), own(7).as_str()]);
    assert_eq!(total, 3);
    // The admin pages through all of them, 500 a page.
    let (all, total) = events(&app, ADMIN_KEY).await;
    assert_eq!(all.len() as u64, total);
    assert!(total > 1_200);
});

backend_test!(a_deleted_permission_groups_events_stay_with_its_account, |app| {
    let account = app.primary_account_id;
    let body = app.ok(CREATE_PERMISSION_GROUP, json!({"a": account, "n": "Gone soon"})).await;
    let id = body["data"]["syntheticsCreatePermissionGroup"]["group"]["id"].as_str().expect("id").to_owned();
    let rename = "mutation($id: ID!, $n: String!) { syntheticsUpdatePermissionGroup(id: $id, name: $n) { errors { description } } }";
    app.ok(rename, json!({"id": id, "n": "Renamed"})).await;
    let delete = "mutation($id: ID!) { syntheticsDeletePermissionGroup(id: $id) { errors { description } } }";
    app.ok(delete, json!({"id": id})).await;
    let filter = json!({"f": {"organizationId": {"eq": app.organization_id},
        "targetType": {"eq": "synthetics_permission_group"}, "targetId": {"eq": id}}});
    // The rename names no account: after the deletion its account comes from the creation event.
    let body = app.ok(AUDIT, filter.clone()).await;
    let actions: Vec<&str> = body["data"]["customerAdministration"]["auditEvents"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["action"].as_str().expect("action"))
        .collect();
    assert_eq!(
        actions,
        vec![
            "synthetics_permission_group.delete",
            "synthetics_permission_group.update",
            "synthetics_permission_group.create"
        ]
    );
    // Without Manage synthetics permissions on the account: none of them.
    let (_, reader) = member_with(&app, "viewer@example.com", &[("read_only", Some(account))]).await;
    let body = app.run_as(&reader, AUDIT, filter).await;
    assert_eq!(body["data"]["customerAdministration"]["auditEvents"]["totalCount"], 0, "{body}");
});
