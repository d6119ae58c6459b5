//! The README's worked example, operation by operation: create a group, grant it a role on an
//! account, add a user, and read the user's groups and roles back. Keep the two in step.

use serde_json::{Value, json};

use crate::backend_test;

const FIND: &str = r#"{
  actor { organization {
    userManagement { authenticationDomains { authenticationDomains { id name } } }
    authorizationManagement { roles { roles { id name scope } } }
  } }
}"#;

const CREATE_GROUP: &str = r#"mutation($domain: ID!) {
  userManagementCreateGroup(createGroupOptions: {authenticationDomainId: $domain, displayName: "Observers"}) {
    group { id displayName }
  }
}"#;

const GRANT: &str = r#"mutation($group: ID!, $role: ID!) {
  authorizationManagementGrantAccess(grantAccessOptions: {
    groupId: $group, accountAccessGrants: [{accountId: 1, roleId: $role}]
  }) {
    roles { name accountId organizationId }
  }
}"#;

const CREATE_USER: &str = r#"mutation($domain: ID!) {
  userManagementCreateUser(createUserOptions: {
    authenticationDomainId: $domain, email: "ada@example.com", name: "Ada", userType: CORE_USER_TIER
  }) {
    createdUser { id type { displayName } }
  }
}"#;

const ADD: &str = r#"mutation($group: ID!, $user: ID!) {
  userManagementAddUsersToGroups(addUsersToGroupsOptions: {groupIds: [$group], userIds: [$user]}) {
    groups { displayName users { users { email } } }
  }
}"#;

const READ_BACK: &str = r#"query($user: [ID!], $group: [ID!]) {
  actor { organization {
    userManagement { authenticationDomains { authenticationDomains {
      users(id: $user) { users { email type { displayName } groups { groups { displayName } } } }
    } } }
    authorizationManagement { authenticationDomains { authenticationDomains {
      groups(id: $group) { groups { displayName roles { roles { name accountId } } } }
    } } }
  } }
}"#;

backend_test!(the_readme_worked_example_holds, |app| {
    assert_eq!(app.primary_account_id, 1, "the README grants on account 1");
    let body = app.ok(FIND, Value::Null).await;
    let organization = &body["data"]["actor"]["organization"];
    let domain = organization["userManagement"]["authenticationDomains"]["authenticationDomains"][0]["id"].clone();
    let roles = organization["authorizationManagement"]["roles"]["roles"].as_array().expect("roles");
    assert!(roles.contains(&json!({"id": "3", "name": "read_only", "scope": "account"})), "{roles:?}");

    let body = app.ok(CREATE_GROUP, json!({"domain": domain})).await;
    let group = body["data"]["userManagementCreateGroup"]["group"]["id"].clone();

    let body = app.ok(GRANT, json!({"group": group, "role": "3"})).await;
    assert_eq!(
        body["data"]["authorizationManagementGrantAccess"]["roles"],
        json!([{"name": "read_only", "accountId": 1, "organizationId": null}])
    );

    let body = app.ok(CREATE_USER, json!({"domain": domain})).await;
    let created = &body["data"]["userManagementCreateUser"]["createdUser"];
    assert_eq!(created["type"]["displayName"], "Core");
    let user = created["id"].clone();

    let body = app.ok(ADD, json!({"group": group, "user": user})).await;
    assert_eq!(
        body["data"]["userManagementAddUsersToGroups"]["groups"],
        json!([{"displayName": "Observers", "users": {"users": [{"email": "ada@example.com"}]}}])
    );

    let body = app.ok(READ_BACK, json!({"user": [user], "group": [group]})).await;
    let organization = &body["data"]["actor"]["organization"];
    assert_eq!(
        organization["userManagement"]["authenticationDomains"]["authenticationDomains"][0]["users"]["users"],
        json!([{"email": "ada@example.com", "type": {"displayName": "Core"}, "groups": {"groups": [{"displayName": "Observers"}]}}])
    );
    assert_eq!(
        organization["authorizationManagement"]["authenticationDomains"]["authenticationDomains"][0]["groups"]["groups"],
        json!([{"displayName": "Observers", "roles": {"roles": [{"name": "read_only", "accountId": 1}]}}])
    );
});
