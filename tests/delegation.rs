//! No escalation by delegation (issue 12's critical finding): nobody creates, reads, changes or
//! deletes a key of a user who can do something they cannot; nobody adds users to groups, grants
//! roles or acts on users beyond their own access; the organization keeps an active manager.

use entity::enums::UserType;
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_KEY, TestApp, first_error};

const CREATE_KEYS: &str = "mutation($keys: ApiAccessCreateInput!) {
  apiAccessCreateKeys(keys: $keys) { createdKeys { id key } errors { message type ... on ApiAccessUserKeyError { errorType } } }
}";
const DELETE_KEYS: &str = "mutation($ids: [ID!]) {
  apiAccessDeleteKeys(keys: { userKeyIds: $ids }) { deletedKeys { id } errors { message type ... on ApiAccessUserKeyError { errorType } } }
}";
const UPDATE_KEYS: &str = "mutation($id: ID!) {
  apiAccessUpdateKeys(keys: { user: [{ keyId: $id, name: \"mine now\" }] }) { updatedKeys { id } errors { message type ... on ApiAccessUserKeyError { errorType } } }
}";
const KEY: &str = "query($id: ID!) { actor { apiAccess { key(id: $id, keyType: USER) { id name } } } }";
const SEARCH: &str = "{ actor { apiAccess { keySearch(query: { types: [USER] }) { count keys { id } } } } }";
const ADD_TO_GROUPS: &str = "mutation($groups: [ID!]!, $users: [ID!]!) {
  userManagementAddUsersToGroups(addUsersToGroupsOptions: { groupIds: $groups, userIds: $users }) { groups { id } }
}";
const REMOVE_FROM_GROUPS: &str = "mutation($groups: [ID!]!, $users: [ID!]!) {
  userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions: { groupIds: $groups, userIds: $users }) { groups { id } }
}";
const DELETE_USER: &str =
    "mutation($id: ID!) { userManagementDeleteUser(deleteUserOptions: { id: $id }) { deletedUser { id } } }";
const GRANT: &str = "mutation($group: ID!, $role: ID!, $account: Int!) {
  authorizationManagementGrantAccess(grantAccessOptions: {
    groupId: $group, accountAccessGrants: [{ accountId: $account, roleId: $role }]
  }) { roles { id } }
}";

/// The admin's only key id, as the admin sees it.
async fn admin_key_id(app: &TestApp) -> String {
    let query = "query($me: [Int]) { actor { apiAccess {
      keySearch(query: { types: [USER], scope: { userIds: $me } }) { keys { id } } } } }";
    let body = app.ok(query, json!({ "me": [app.admin_user_id] })).await;
    let keys = body["data"]["actor"]["apiAccess"]["keySearch"]["keys"].as_array().cloned().unwrap_or_default();
    assert_eq!(keys.len(), 1, "{body}");
    keys[0]["id"].as_str().expect("key id").to_owned()
}

/// A user in a new custom group granted `role` on the primary account; returns their key.
async fn user_with_role(app: &TestApp, email: &str, user_type: UserType, role: &str) -> (i64, String) {
    user_granted(app, email, user_type, role, Some(app.primary_account_id)).await
}

/// A FULL user in a new custom group granted the organization role `role`; returns their key.
async fn organization_role_holder(app: &TestApp, email: &str, role: &str) -> (i64, String) {
    user_granted(app, email, UserType::Full, role, None).await
}

async fn user_granted(app: &TestApp, email: &str, user_type: UserType, role: &str, on: Option<i32>) -> (i64, String) {
    let user = app.create_user(email, user_type).await;
    let group = app.create_group(&format!("group of {email}")).await;
    app.add_member(&group, user).await;
    app.grant(&group, role, on).await;
    (user, app.create_key(user).await)
}

/// A basic user of the default User group, as every new user is: they hold "Manage user keys of
/// other users" through the basic set.
async fn basic_user(app: &TestApp, email: &str) -> (i64, String) {
    let user = app.create_user(email, UserType::Basic).await;
    app.add_member(&app.group_id("User").await, user).await;
    (user, app.create_key(user).await)
}

fn payload_errors(body: &Value, field: &str) -> Vec<(String, String)> {
    body["data"][field]["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    let kind = e["errorType"].as_str().unwrap_or_default().to_owned();
                    (kind, e["message"].as_str().unwrap_or_default().to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of a group's members, as the admin reads them.
async fn members(app: &TestApp, group: &str) -> Vec<String> {
    let query = "query($id: [ID!]) { actor { organization { userManagement { authenticationDomains {
      authenticationDomains { groups(id: $id) { groups { users { users { id } } } } } } } } } }";
    let body = app.ok(query, json!({ "id": [group] })).await;
    let domains =
        body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["authenticationDomains"]
            .as_array()
            .cloned()
            .unwrap_or_default();
    domains
        .iter()
        .flat_map(|d| d["groups"]["groups"].as_array().cloned().unwrap_or_default())
        .flat_map(|g| g["users"]["users"].as_array().cloned().unwrap_or_default())
        .filter_map(|u| u["id"].as_str().map(str::to_owned))
        .collect()
}

/// Whether the admin's key still answers.
async fn admin_still_works(app: &TestApp) {
    let body = app.query_as(ADMIN_KEY, "{ actor { user { id } } }").await;
    assert!(body.get("errors").is_none(), "{body}");
}

backend_test!(nobody_below_the_admin_mints_reads_or_deletes_the_admins_keys, |app| {
    let admin = app.admin_user_id;
    let (_, basic) = basic_user(&app, "basic@example.com").await;
    let (_, apa) = user_with_role(&app, "apa@example.com", UserType::Full, "all_product_admin").await;
    let other_domain = app
        .create_domain_in(
            &app.organization_id,
            "Second",
            entity::enums::AuthenticationType::Password,
            entity::enums::ProvisioningType::Manual,
        )
        .await;
    let stranger = app.create_user_in(&other_domain, "stranger@example.com", UserType::Full).await;
    let stranger_key = app.create_key(stranger).await;
    let admin_key = admin_key_id(&app).await;

    for key in [&basic, &apa, &stranger_key] {
        let keys = json!({ "user": [{ "accountId": app.primary_account_id, "userId": admin, "name": "x" }] });
        let body = app.run_as(key, CREATE_KEYS, json!({ "keys": keys })).await;
        assert_eq!(body["data"]["apiAccessCreateKeys"]["createdKeys"], json!([]), "{body}");
        let errors = payload_errors(&body, "apiAccessCreateKeys");
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(errors[0].0, "FORBIDDEN", "{body}");

        // Not even the key's existence shows.
        let body = app.run_as(key, KEY, json!({ "id": admin_key })).await;
        assert_eq!(first_error(&body), ("Key not found".to_owned(), "NOT_FOUND".to_owned()), "{body}");
        let body = app.run_as(key, SEARCH, Value::Null).await;
        let listed = body["data"]["actor"]["apiAccess"]["keySearch"]["keys"].as_array().cloned().unwrap_or_default();
        assert!(listed.iter().all(|k| k["id"] != json!(admin_key)), "{body}");

        let body = app.run_as(key, UPDATE_KEYS, json!({ "id": admin_key })).await;
        assert_eq!(payload_errors(&body, "apiAccessUpdateKeys")[0].0, "NOT_FOUND", "{body}");
        let body = app.run_as(key, DELETE_KEYS, json!({ "ids": [admin_key] })).await;
        assert_eq!(body["data"]["apiAccessDeleteKeys"]["deletedKeys"], json!([]), "{body}");
        assert_eq!(payload_errors(&body, "apiAccessDeleteKeys")[0].0, "NOT_FOUND", "{body}");
    }
    admin_still_works(&app).await;
    // The admin's own view is unchanged: still exactly one key.
    assert_eq!(admin_key_id(&app).await, admin_key);
});

backend_test!(keys_of_users_with_no_more_access_can_still_be_managed, |app| {
    let (_, manager) = user_with_role(&app, "manager@example.com", UserType::Full, "all_product_admin").await;
    let (colleague, _) = user_with_role(&app, "reader@example.com", UserType::Full, "read_only").await;
    let keys = json!({ "user": [{ "accountId": app.primary_account_id, "userId": colleague, "name": "for reader" }] });
    let body = app.run_as(&manager, CREATE_KEYS, json!({ "keys": keys })).await;
    assert_eq!(payload_errors(&body, "apiAccessCreateKeys"), vec![], "{body}");
    let created = body["data"]["apiAccessCreateKeys"]["createdKeys"][0]["id"].as_str().expect("created").to_owned();
    let key = body["data"]["apiAccessCreateKeys"]["createdKeys"][0]["key"].as_str().expect("plaintext").to_owned();
    let read = app.run_as(&manager, KEY, json!({ "id": created })).await;
    assert_eq!(read["data"]["actor"]["apiAccess"]["key"]["name"], json!("for reader"), "{read}");

    // Once the colleague gains access on another account, the manager loses their keys.
    let elsewhere = app.create_account("Elsewhere").await;
    let group = app.create_group("elsewhere readers").await;
    app.add_member(&group, colleague).await;
    app.grant(&group, "read_only", Some(elsewhere)).await;
    let body = app.run_as(&manager, DELETE_KEYS, json!({ "ids": [created] })).await;
    assert_eq!(payload_errors(&body, "apiAccessDeleteKeys")[0].0, "NOT_FOUND", "{body}");
    let still = app.query_as(&key, "{ actor { user { id } } }").await;
    assert!(still.get("errors").is_none(), "{still}");
});

backend_test!(group_managers_cannot_give_access_they_do_not_hold, |app| {
    // An Authentication domain manager manages users and groups but holds no account access.
    let (user, key) = organization_role_holder(&app, "domains@example.com", "authentication_domain_manager").await;
    let admin_group = app.group_id("Admin").await;

    let body = app.run_as(&key, ADD_TO_GROUPS, json!({ "groups": [admin_group], "users": [user.to_string()] })).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    assert_eq!(members(&app, &admin_group).await, vec![app.admin_user_id.to_string()]);

    // Nor act on the admin, who can do more than they can.
    let body = app.run_as(&key, DELETE_USER, json!({ "id": app.admin_user_id.to_string() })).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    admin_still_works(&app).await;

    // A user with no access can still be added to a group that carries none.
    let plain = app.create_user("plain@example.com", UserType::Basic).await;
    let empty = app.create_group("empty").await;
    let body = app.run_as(&key, ADD_TO_GROUPS, json!({ "groups": [empty], "users": [plain.to_string()] })).await;
    assert!(body.get("errors").is_none(), "{body}");
});

backend_test!(grant_managers_cannot_grant_roles_beyond_their_own_access, |app| {
    // Organization manager: grants on the organization, but no account capabilities of its own.
    let (_, key) = organization_role_holder(&app, "orgmanager@example.com", "organization_manager").await;
    let target = app.create_group("target").await;
    let apa = app.standard_role_id("all_product_admin").await;
    let body = app
        .run_as(&key, GRANT, json!({ "group": target, "role": apa.to_string(), "account": app.primary_account_id }))
        .await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    // The admin, who holds it, can.
    let body =
        app.run(GRANT, json!({ "group": target, "role": apa.to_string(), "account": app.primary_account_id })).await;
    assert!(body.get("errors").is_none(), "{body}");
});

backend_test!(the_organization_keeps_an_active_manager, |app| {
    let admin_group = app.group_id("Admin").await;
    let admin = app.admin_user_id.to_string();
    let body = app.run(REMOVE_FROM_GROUPS, json!({ "groups": [admin_group], "users": [admin] })).await;
    let (message, class) = first_error(&body);
    assert_eq!(class, "BAD_USER_INPUT", "{body}");
    assert!(message.contains("without an active organization manager"), "{body}");
    admin_still_works(&app).await;

    // With a second manager the first can step down.
    let second = app.create_user("second@example.com", UserType::Full).await;
    app.add_member(&admin_group, second).await;
    let body = app.run(REMOVE_FROM_GROUPS, json!({ "groups": [admin_group], "users": [admin] })).await;
    assert!(body.get("errors").is_none(), "{body}");
});

backend_test!(nobody_changes_a_user_who_can_do_more_or_strips_what_they_do_not_hold, |app| {
    let (_, domain_manager) =
        organization_role_holder(&app, "domains@example.com", "authentication_domain_manager").await;
    let update = "mutation($o: UserManagementUpdateUser!) { userManagementUpdateUser(updateUserOptions: $o) { user { email } } }";
    let takeover = json!({ "o": { "id": app.admin_user_id.to_string(), "email": "mine@example.com" } });
    let body = app.run_as(&domain_manager, update, takeover).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    let admin = app.query("{ actor { user { email } } }").await;
    assert_eq!(admin["data"]["actor"]["user"]["email"], json!(crate::common::ADMIN_EMAIL), "{admin}");

    // An Organization manager holds no Authentication domain manager capabilities: they cannot take
    // them from the Admin group.
    let (_, manager_key) = organization_role_holder(&app, "orgmanager@example.com", "organization_manager").await;
    let revoke = "mutation($group: ID!, $role: ID!) {
      authorizationManagementRevokeAccess(revokeAccessOptions: {
        groupId: $group, organizationAccessGrants: [{ roleId: $role }]
      }) { roles { id } } }";
    let admin_group = app.group_id("Admin").await;
    let role = app.standard_role_id("authentication_domain_manager").await.to_string();
    let body = app.run_as(&manager_key, revoke, json!({ "group": admin_group, "role": role })).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
});

backend_test!(the_last_organization_manager_cannot_be_made_basic_or_lose_the_role, |app| {
    let update = "mutation($o: UserManagementUpdateUser!) { userManagementUpdateUser(updateUserOptions: $o) { user { type { id } } } }";
    let basic = json!({ "o": { "id": app.admin_user_id.to_string(), "userType": "BASIC_USER_TIER" } });
    let body = app.run(update, basic).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT", "{body}");
    let revoke = "mutation($group: ID!, $role: ID!) {
      authorizationManagementRevokeAccess(revokeAccessOptions: {
        groupId: $group, organizationAccessGrants: [{ roleId: $role }]
      }) { roles { id } } }";
    let admin_group = app.group_id("Admin").await;
    let role = app.standard_role_id("organization_manager").await.to_string();
    let body = app.run(revoke, json!({ "group": admin_group, "role": role })).await;
    let (message, class) = first_error(&body);
    assert_eq!(class, "BAD_USER_INPUT", "{body}");
    assert!(message.contains("without an active organization manager"), "{body}");
    admin_still_works(&app).await;
});
