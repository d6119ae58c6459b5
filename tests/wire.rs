//! Wire tolerance real NerdGraph clients rely on (SURFACE.md section 3): undeclared variables,
//! absent variables inside inline literals, `{}` and `null` inputs, list coercion.

use entity::enums::UserType;
use serde_json::{Value, json};

use crate::backend_test;

const USERS: &str = r#"query($f: UserManagementUserFilterInput) { actor { organization { userManagement {
  authenticationDomains { authenticationDomains { users(filter: $f) { totalCount } } } } } } }"#;

fn total(body: &Value) -> i64 {
    body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["authenticationDomains"][0]["users"]
        ["totalCount"]
        .as_i64()
        .unwrap_or(-1)
}

backend_test!(empty_and_null_filters_constrain_nothing, |app| {
    app.create_users("u", 3, UserType::Basic).await;
    for filter in [
        Value::Null,
        json!({}),
        json!({"email": {}, "name": null, "id": {"in": null, "eq": null}, "type": null}),
        json!({"email": {"eq": null, "contains": null}, "pendingUpgradeRequest": null}),
    ] {
        let body = app.ok(USERS, json!({"f": filter})).await;
        assert_eq!(total(&body), 4, "filter {filter}");
    }
});

backend_test!(absent_variables_in_inline_literals_mean_no_constraint, |app| {
    app.create_users("u", 2, UserType::Basic).await;
    let query = r#"query($name: String, $emailID: String, $ids: [ID!]) { actor { organization { userManagement {
      authenticationDomains { authenticationDomains {
        users(id: $ids, filter: {name: {contains: $name}, email: {eq: $emailID}}) { totalCount } } } } } } }"#;
    assert_eq!(total(&app.ok(query, json!({})).await), 3);
    assert_eq!(total(&app.ok(query, json!({"name": "u 1"})).await), 1);
});

backend_test!(undeclared_variables_are_ignored, |app| {
    // client-go sends `cursor` to GetRoles and GetAuthenticationDomains, which do not declare it.
    let roles =
        r#"query($id: [ID!]) { actor { organization { authorizationManagement { roles(id: $id) { totalCount } } } } }"#;
    let body = app.ok(roles, json!({"cursor": null, "id": null, "accountId": 1})).await;
    assert_eq!(body["data"]["actor"]["organization"]["authorizationManagement"]["roles"]["totalCount"], 9);
    // A query that declares nothing, sent with variables.
    let body = app.ok("{ actor { user { email } } }", json!({"filter": {}, "cursor": "x"})).await;
    assert_eq!(body["data"]["actor"]["user"]["email"], "admin@example.com");
});

backend_test!(single_values_coerce_to_lists, |app| {
    let user = app.create_user("one@example.com", UserType::Core).await;
    let group = app.create_group("Team").await;
    let add = r#"mutation($o: UserManagementUsersGroupsInput) {
      userManagementAddUsersToGroups(addUsersToGroupsOptions: $o) { groups { users { totalCount } } } }"#;
    let body = app.ok(add, json!({"o": {"groupIds": group, "userIds": user.to_string()}})).await;
    assert_eq!(body["data"]["userManagementAddUsersToGroups"]["groups"][0]["users"]["totalCount"], 1);
    // In a literal too.
    let query = format!(
        r#"{{ actor {{ organization {{ userManagement {{ authenticationDomains {{ authenticationDomains {{
      groups(id: "{group}") {{ totalCount }} }} }} }} }} }} }}"#
    );
    let body = app.ok(&query, Value::Null).await;
    assert_eq!(
        body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["authenticationDomains"][0]["groups"]
            ["totalCount"],
        1
    );
});

backend_test!(variable_nullability_follows_nerdgraph, |app| {
    // `removeUsersFromGroupsOptions` is non-null: a nullable variable for it is a validation error.
    let query = r#"mutation($o: UserManagementUsersGroupsInput) {
      userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions: $o) { groups { id } } }"#;
    let body = app.run(query, json!({"o": null})).await;
    assert!(
        body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("removeUsersFromGroupsOptions")),
        "{body}"
    );
    assert_eq!(body["data"], Value::Null);
});
