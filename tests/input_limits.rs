//! Every list and text input is capped with `BAD_USER_INPUT`, nothing changes when one is over its
//! cap, and error messages echo at most a short piece of the input (issue 12, item 5).

use entity::{api_key, audit_event, role, synthetics_monitor, synthetics_secure_credential, user};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{TestApp, first_error};

const CREATE_USER: &str = r#"mutation($o: UserManagementCreateUser!) {
  userManagementCreateUser(createUserOptions: $o) { createdUser { id } } }"#;
const CREATE_CREDENTIAL: &str = r#"mutation($a: Int!, $k: String!, $v: SecureValue!, $d: String) {
  syntheticsCreateSecureCredential(accountId: $a, key: $k, value: $v, description: $d) { key errors { description } } }"#;
const CREATE_MONITOR: &str = r#"mutation($a: Int!, $m: SyntheticsCreateSimpleMonitorInput!) {
  syntheticsCreateSimpleMonitor(accountId: $a, monitor: $m) { errors { description } monitor { guid } } }"#;
const CREATE_KEYS: &str = r#"mutation($keys: ApiAccessCreateInput!) {
  apiAccessCreateKeys(keys: $keys) { createdKeys { id } errors { message } } }"#;
const CREATE_ROLE: &str = r#"mutation($container: CustomRoleContainerInput!, $name: String!, $p: [Int!]!, $scope: String!) {
  customRoleCreate(container: $container, name: $name, permissionIds: $p, scope: $scope) { id } }"#;
const USERS_BY_ID: &str = r#"query($domain: ID!, $ids: [ID!]) { customerAdministration {
  users(filter: {authenticationDomainId: {eq: $domain}, id: {in: $ids}}) { totalCount } } }"#;
const GROUPS_WITH_MEMBERS: &str = r#"query($org: ID!, $with: [ID!], $without: [ID!]) { customerAdministration {
  groups(filter: {organizationId: {eq: $org}, members: {contains: $with, excludes: $without}}) { totalCount } } }"#;
const DOMAINS_BY_ID: &str = r#"query($ids: [ID!]) { actor { organization { userManagement {
  authenticationDomains(id: $ids) { totalCount } } } } }"#;

/// Row counts of every table a refused input could have changed.
async fn state(app: &TestApp) -> [u64; 6] {
    [
        user::Entity::find().count(&app.db).await.expect("count"),
        api_key::Entity::find().count(&app.db).await.expect("count"),
        role::Entity::find().count(&app.db).await.expect("count"),
        synthetics_monitor::Entity::find().count(&app.db).await.expect("count"),
        synthetics_secure_credential::Entity::find().count(&app.db).await.expect("count"),
        audit_event::Entity::find().count(&app.db).await.expect("count"),
    ]
}

/// Runs `query` as the admin and returns its one error's message, asserting the class is
/// BAD_USER_INPUT.
async fn refused(app: &TestApp, query: &str, variables: Value) -> String {
    let body = app.run(query, variables).await;
    let (message, class) = first_error(&body);
    assert_eq!(class, "BAD_USER_INPUT", "{body}");
    assert!(message.len() < 300, "a short message: {message}");
    message
}

backend_test!(a_huge_invalid_email_is_refused_with_a_short_message, |app| {
    let before = state(&app).await;
    let domain = app.default_domain_id().await;
    let huge = format!("{}@", "x".repeat(1_000_000));
    let message =
        refused(&app, CREATE_USER, json!({"o": {"authenticationDomainId": domain, "email": huge, "name": "X"}})).await;
    assert_eq!(message, "createUserOptions.email is too long (maximum is 4096 characters)");
    // Under the outer cap the domain's own check answers, echoing a cut piece of the input.
    let long = format!("{}@", "y".repeat(4_000));
    let message =
        refused(&app, CREATE_USER, json!({"o": {"authenticationDomainId": domain, "email": long, "name": "Y"}})).await;
    assert_eq!(message, format!("Email '{}…' is not a valid email address", "y".repeat(100)));
    assert_eq!(state(&app).await, before);
});

backend_test!(oversized_id_lists_are_refused_not_internal_errors, |app| {
    let domain = app.default_domain_id().await;
    let ids: Vec<String> = (1..=40_000).map(|i| i.to_string()).collect();
    let message = refused(&app, USERS_BY_ID, json!({"domain": domain, "ids": ids})).await;
    assert_eq!(message, "filter.id.in has 40000 items (maximum is 1000)");
    let uuids: Vec<String> = (0..40_000).map(|i| format!("00000000-0000-0000-0000-{i:012}")).collect();
    let message = refused(&app, DOMAINS_BY_ID, json!({"ids": uuids})).await;
    assert_eq!(message, "id has 40000 items (maximum is 1000)");
    // At the cap, the lists are served.
    let ids: Vec<String> = (1..=1_000).map(|i| i.to_string()).collect();
    let body = app.ok(USERS_BY_ID, json!({"domain": domain, "ids": ids})).await;
    assert_eq!(body["data"]["customerAdministration"]["users"]["totalCount"], 1);
    let body = app.ok(DOMAINS_BY_ID, json!({"ids": uuids[..1_000]})).await;
    assert_eq!(body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["totalCount"], 0);
    // Lists at the cap in a filter that SQL nests: an answer, not an internal error.
    let admin = app.admin_user_id.to_string();
    let mut members: Vec<String> = (1..1_000).map(|i| (1_000_000 + i).to_string()).collect();
    members.push(admin.clone());
    let body = app.ok(GROUPS_WITH_MEMBERS, json!({"org": app.organization_id, "with": members, "without": null})).await;
    assert_eq!(body["data"]["customerAdministration"]["groups"]["totalCount"], 0);
    let body = app
        .ok(GROUPS_WITH_MEMBERS, json!({"org": app.organization_id, "with": [admin], "without": members[..999]}))
        .await;
    assert_eq!(body["data"]["customerAdministration"]["groups"]["totalCount"], 1);
    // A sort of 1,000 keys is a flat ORDER BY: an answer too.
    let sort: Vec<Value> = (0..1_000).map(|_| json!({"key": "NAME", "direction": "ASCENDING"})).collect();
    let sorted = r#"query($domain: ID!, $sort: [MultiTenantIdentityUserSortInput!]) { customerAdministration {
      users(filter: {authenticationDomainId: {eq: $domain}}, sort: $sort) { totalCount } } }"#;
    let body = app.ok(sorted, json!({"domain": domain, "sort": sort})).await;
    assert_eq!(body["data"]["customerAdministration"]["users"]["totalCount"], 1);
    // Literal lists in the document are capped too.
    let literal: Vec<String> = (1..=1_001).map(|i| format!("\"{i}\"")).collect();
    let query = format!(
        "{{ actor {{ organization {{ userManagement {{ authenticationDomains(id: [{}]) {{ totalCount }} }} }} }} }}",
        literal.join(",")
    );
    assert_eq!(refused(&app, &query, Value::Null).await, "id has 1001 items (maximum is 1000)");
});

backend_test!(a_huge_credential_description_changes_nothing, |app| {
    let before = state(&app).await;
    let variables = json!({"a": app.primary_account_id, "k": "BIG", "v": "secret", "d": "d".repeat(1_000_000)});
    let message = refused(&app, CREATE_CREDENTIAL, variables).await;
    assert_eq!(message, "description is too long (maximum is 4096 characters)");
    assert_eq!(state(&app).await, before);
});

backend_test!(ten_thousand_monitor_tags_change_nothing, |app| {
    let before = state(&app).await;
    let tags: Vec<Value> = (0..10_000).map(|i| json!({"key": format!("k{i}"), "values": ["v"]})).collect();
    let monitor = json!({"locations": {"public": ["AWS_US_WEST_2"]}, "name": "Tagged", "period": "EVERY_5_MINUTES",
        "status": "ENABLED", "uri": "https://example.com", "tags": tags});
    let message = refused(&app, CREATE_MONITOR, json!({"a": app.primary_account_id, "m": monitor})).await;
    assert_eq!(message, "monitor.tags has 10000 items (maximum is 100)");
    assert_eq!(state(&app).await, before);
});

backend_test!(two_thousand_user_keys_in_one_call_change_nothing, |app| {
    let before = state(&app).await;
    let keys: Vec<Value> = (0..2_000)
        .map(|i| json!({"accountId": app.primary_account_id, "userId": app.admin_user_id, "name": format!("k{i}")}))
        .collect();
    let message = refused(&app, CREATE_KEYS, json!({"keys": {"user": keys}})).await;
    assert_eq!(message, "keys.user has 2000 items (maximum is 100)");
    assert_eq!(state(&app).await, before);
});

backend_test!(a_hundred_thousand_permission_ids_change_nothing, |app| {
    let before = state(&app).await;
    let ids: Vec<i32> = (0..100_000).collect();
    let variables = json!({"container": {"id": app.organization_id, "type": "ORGANIZATION"}, "name": "Huge",
        "p": ids, "scope": "ACCOUNT"});
    let message = refused(&app, CREATE_ROLE, variables).await;
    assert_eq!(message, "permissionIds has 100000 items (maximum is 500)");
    assert_eq!(state(&app).await, before);
});

backend_test!(values_of_the_wrong_type_are_input_errors_with_short_messages, |app| {
    let before = state(&app).await;
    let body =
        app.run("mutation($id: Int!) { customRoleDelete(id: $id) { id } }", json!({"id": "x".repeat(4_000)})).await;
    let (message, class) = first_error(&body);
    assert_eq!(class, "BAD_USER_INPUT", "{body}");
    assert!(message.starts_with("Invalid value for argument"), "{message}");
    assert!(message.chars().count() <= 301, "{message}");
    let body = app.run("mutation { customRoleDelete(id: \"nope\") { id } }", Value::Null).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT", "{body}");
    assert_eq!(state(&app).await, before);
});
