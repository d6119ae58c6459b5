//! `actor.organization.authorizationManagement`, the grant and revoke mutations, custom roles and
//! authentication domains — and the newer permission model end to end: a user's effective
//! capabilities follow their groups, grants, roles and user type.

use entity::enums::UserType;
use entity::{access_grant, role};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{TestApp, first_error};

const NOT_FOUND: &str = "Could not find the target or you are unauthorized.";
const SCOPE_MISMATCH: &str = "Validation failed: Role scope does not match granted_on type";

/// client-go `authorizationmanagement.GetRoles` (sent with an undeclared `cursor`).
const GET_ROLES: &str = r#"query($id: [ID!]) { actor { organization { authorizationManagement {
  roles(id: $id) { nextCursor totalCount roles { displayName id name scope type } } } } } }"#;

const GROUP_ROLES: &str = r#"query($groupId: [ID!]) { actor { organization { authorizationManagement {
  authenticationDomains { totalCount authenticationDomains { id name
    groups(id: $groupId) { totalCount groups { displayName id
      roles { totalCount roles { accountId displayName groupId id name organizationId roleId type } } } } } } } } } }"#;

/// client-go `authorizationmanagement.AuthorizationManagementGrantAccess`.
const GRANT: &str = r#"mutation($grantAccessOptions: AuthorizationManagementGrantAccess) {
  authorizationManagementGrantAccess(grantAccessOptions: $grantAccessOptions) {
    roles { accountId displayName groupId id name organizationId roleId type } } }"#;

/// client-go `authorizationmanagement.AuthorizationManagementRevokeAccess`.
const REVOKE: &str = r#"mutation($revokeAccessOptions: AuthorizationManagementRevokeAccess) {
  authorizationManagementRevokeAccess(revokeAccessOptions: $revokeAccessOptions) {
    accessGrants { id } roles { accountId name roleId } } }"#;

const CREATE_ROLE: &str = r#"mutation($container: CustomRoleContainerInput!, $name: String!, $permissionIds: [Int!]!, $scope: String!) {
  customRoleCreate(container: $container, name: $name, permissionIds: $permissionIds, scope: $scope) { id } }"#;
const UPDATE_ROLE: &str = r#"mutation($id: Int!, $name: String, $permissionIds: [Int]) {
  customRoleUpdate(id: $id, name: $name, permissionIds: $permissionIds) { id } }"#;
const DELETE_ROLE: &str = "mutation($id: Int!) { customRoleDelete(id: $id) { id } }";

const CREATE_DOMAIN: &str = r#"mutation($name: String!, $a: OrganizationAuthenticationTypeEnum!, $p: OrganizationProvisioningTypeEnum!) {
  authenticationDomainCreate(name: $name, authenticationType: $a, provisioningType: $p) { id } }"#;
const DELETE_DOMAIN: &str = "mutation($id: ID!) { authenticationDomainDelete(id: $id) { id } }";

const CAPABILITIES: &str = "query($id: Int!) { actor { account(id: $id) { capabilityIds } } }";
const ACCOUNTS: &str = "{ actor { accounts { id } } }";

/// Selectable, not Full-Stack Observability: "Modify dashboards" and "Read data retention".
const MODIFY_DASHBOARDS: i64 = 1702;
const READ_DATA_RETENTION: i64 = 1901;
/// Full-Stack Observability: "Read APM applications".
const READ_APM: i64 = 1001;
/// Hidden: "Read billing".
const READ_BILLING: i64 = 2601;

fn assert_error(body: &Value, message: &str, class: &str) {
    assert_eq!(first_error(body), (message.to_owned(), class.to_owned()), "{body}");
}

fn account_grant(group: &str, role: i32, account: i32) -> Value {
    json!({"groupId": group, "accountAccessGrants": [{"accountId": account, "roleId": role.to_string()}]})
}

/// The effective capabilities of the holder of `key` on `account` (empty without access).
async fn capabilities(app: &TestApp, key: &str, account: i32) -> Vec<i64> {
    let body = app.run_as(key, CAPABILITIES, json!({"id": account})).await;
    match &body["data"]["actor"]["account"]["capabilityIds"] {
        Value::Array(ids) => ids.iter().filter_map(Value::as_i64).collect(),
        _ => Vec::new(),
    }
}

/// A user of `user_type` in a new group "Team" that has no grants; returns (user, group, key).
async fn member_of_new_group(app: &TestApp, user_type: UserType) -> (i64, String, String) {
    let user = app.create_user("member@example.com", user_type).await;
    let group = app.create_group("Team").await;
    app.add_member(&group, user).await;
    let key = app.create_key(user).await;
    (user, group, key)
}

backend_test!(roles_lists_standard_and_custom_roles, |app| {
    let body = app.ok(GET_ROLES, json!({"cursor": null})).await;
    let search = &body["data"]["actor"]["organization"]["authorizationManagement"]["roles"];
    assert_eq!(search["totalCount"], 9);
    assert_eq!(search["nextCursor"], Value::Null);
    let apa = app.standard_role_id("all_product_admin").await;
    let roles = search["roles"].as_array().expect("roles");
    assert!(roles.contains(&json!({"displayName": "All product admin", "id": apa.to_string(),
        "name": "all_product_admin", "scope": "account", "type": "standard"})));
    assert!(roles.iter().any(|r| r["name"] == "organization_manager" && r["scope"] == "organization"));

    let body = app
        .ok(
            CREATE_ROLE,
            json!({"container": {"id": app.organization_id, "type": "ORGANIZATION"}, "name": "Dashboards",
            "permissionIds": [MODIFY_DASHBOARDS], "scope": "ACCOUNT"}),
        )
        .await;
    let id = body["data"]["customRoleCreate"]["id"].as_i64().expect("role id");
    let body = app.ok(GET_ROLES, json!({"id": [id.to_string()]})).await;
    assert_eq!(
        body["data"]["actor"]["organization"]["authorizationManagement"]["roles"],
        json!({"nextCursor": null, "totalCount": 1, "roles": [{"displayName": "Dashboards", "id": id.to_string(),
            "name": "Dashboards", "scope": "account", "type": "custom"}]})
    );
});

backend_test!(groups_show_their_granted_roles, |app| {
    let admin = app.group_id("Admin").await;
    let body = app.ok(GROUP_ROLES, json!({"groupId": [admin]})).await;
    let domains = &body["data"]["actor"]["organization"]["authorizationManagement"]["authenticationDomains"];
    assert_eq!(domains["totalCount"], 1);
    let group = &domains["authenticationDomains"][0]["groups"]["groups"][0];
    assert_eq!(group["displayName"], "Admin");
    assert_eq!(group["roles"]["totalCount"], 4);
    let roles = group["roles"]["roles"].as_array().expect("roles");
    let by_name = |name: &str| roles.iter().find(|r| r["name"] == name).cloned().expect(name);
    let apa = by_name("all_product_admin");
    assert_eq!(apa["accountId"], json!(app.primary_account_id));
    assert_eq!(apa["organizationId"], Value::Null);
    assert_eq!(apa["groupId"], json!(admin));
    assert_eq!(apa["type"], "standard");
    assert_eq!(apa["id"], json!(apa["roleId"].as_i64().expect("roleId is an Int").to_string()));
    let manager = by_name("organization_manager");
    assert_eq!(manager["accountId"], Value::Null);
    assert_eq!(manager["organizationId"], json!(app.organization_id));
});

backend_test!(granting_and_revoking_changes_what_members_can_do, |app| {
    let (_, group, key) = member_of_new_group(&app, UserType::Full).await;
    let account = app.primary_account_id;
    assert_eq!(capabilities(&app, &key, account).await, Vec::<i64>::new(), "membership without a grant gives nothing");

    let read_only = app.standard_role_id("read_only").await;
    let body = app.ok(GRANT, json!({"grantAccessOptions": account_grant(&group, read_only, account)})).await;
    assert_eq!(
        body["data"]["authorizationManagementGrantAccess"]["roles"],
        json!([{"accountId": account, "displayName": "Read only", "groupId": group, "id": read_only.to_string(),
            "name": "read_only", "organizationId": null, "roleId": read_only, "type": "standard"}])
    );
    let granted = capabilities(&app, &key, account).await;
    assert!(granted.contains(&READ_APM) && granted.contains(&READ_DATA_RETENTION), "{granted:?}");
    assert!(!granted.contains(&MODIFY_DASHBOARDS), "read only does not modify");

    // Granting again changes nothing; a second role adds to the first.
    app.ok(GRANT, json!({"grantAccessOptions": account_grant(&group, read_only, account)})).await;
    let standard = app.standard_role_id("standard_user").await;
    let body = app.ok(GRANT, json!({"grantAccessOptions": account_grant(&group, standard, account)})).await;
    assert_eq!(body["data"]["authorizationManagementGrantAccess"]["roles"].as_array().map(Vec::len), Some(2));
    assert!(capabilities(&app, &key, account).await.contains(&MODIFY_DASHBOARDS));

    let body = app.ok(REVOKE, json!({"revokeAccessOptions": account_grant(&group, standard, account)})).await;
    let payload = &body["data"]["authorizationManagementRevokeAccess"];
    assert_eq!(payload["roles"], json!([{"accountId": account, "name": "read_only", "roleId": read_only}]));
    assert_eq!(payload["accessGrants"].as_array().map(Vec::len), Some(1));
    assert!(!capabilities(&app, &key, account).await.contains(&MODIFY_DASHBOARDS));
    app.ok(REVOKE, json!({"revokeAccessOptions": account_grant(&group, read_only, account)})).await;
    let body = app.run_as(&key, ACCOUNTS, Value::Null).await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([]));
});

backend_test!(grant_refusals_change_nothing, |app| {
    let group = app.create_group("Team").await;
    let account = app.primary_account_id;
    let other = app.create_other_organization().await;
    let grants = || async { access_grant::Entity::find().count(&app.db).await.expect("count") };
    let before = grants().await;

    // An organization role on an account, and an account role on the organization.
    let manager = app.standard_role_id("organization_manager").await;
    let body = app.run(GRANT, json!({"grantAccessOptions": account_grant(&group, manager, account)})).await;
    assert_error(&body, SCOPE_MISMATCH, "BAD_USER_INPUT");
    let apa = app.standard_role_id("all_product_admin").await;
    let vars =
        json!({"grantAccessOptions": {"groupId": group, "organizationAccessGrants": [{"roleId": apa.to_string()}]}});
    assert_error(&app.run(GRANT, vars).await, SCOPE_MISMATCH, "BAD_USER_INPUT");
    // One bad grant among good ones: none is made.
    let vars = json!({"grantAccessOptions": {"groupId": group,
        "accountAccessGrants": [{"accountId": account, "roleId": apa.to_string()}],
        "organizationAccessGrants": [{"roleId": apa.to_string()}]}});
    assert_error(&app.run(GRANT, vars).await, SCOPE_MISMATCH, "BAD_USER_INPUT");

    let body = app.run(GRANT, json!({"grantAccessOptions": account_grant(&group, 999_999, account)})).await;
    assert_error(&body, "Validation failed: Role must exist, Role can't be blank", "BAD_USER_INPUT");
    let body = app.run(GRANT, json!({"grantAccessOptions": account_grant(&group, apa, 424_242)})).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
    let body = app.run(GRANT, json!({"grantAccessOptions": account_grant("no-such-group", apa, account)})).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
    let body = app.run(GRANT, json!({"grantAccessOptions": {"groupId": group}})).await;
    assert_error(&body, "Provide at least one access grant", "BAD_USER_INPUT");
    let vars =
        json!({"grantAccessOptions": {"groupId": group, "groupAccessGrants": [{"groupId": group, "roleId": "1"}]}});
    assert_error(&app.run(GRANT, vars).await, "Group access grants are not supported", "BAD_USER_INPUT");

    // Another organization's account and custom role are not found.
    let body = app.run(GRANT, json!({"grantAccessOptions": account_grant(&group, apa, other.account_id)})).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
    let foreign = app.create_custom_role(&other.id, "Theirs", entity::enums::Scope::Account).await;
    let body = app.run(GRANT, json!({"grantAccessOptions": account_grant(&group, foreign, account)})).await;
    assert_error(&body, "Validation failed: Role must exist, Role can't be blank", "BAD_USER_INPUT");
    assert_eq!(grants().await, before);
});

backend_test!(standard_edition_refuses_new_grants_and_custom_roles, edition = Standard, |app| {
    let group = app.group_id("User").await;
    let read_only = app.standard_role_id("read_only").await;
    let body =
        app.run(GRANT, json!({"grantAccessOptions": account_grant(&group, read_only, app.primary_account_id)})).await;
    assert_error(&body, "The Standard edition does not allow new access grants", "BAD_USER_INPUT");
    let body = app
        .run(
            CREATE_ROLE,
            json!({"container": {"id": app.organization_id}, "name": "Mine",
            "permissionIds": [MODIFY_DASHBOARDS], "scope": "ACCOUNT"}),
        )
        .await;
    assert_error(&body, "The Standard edition does not allow custom roles", "BAD_USER_INPUT");
});

backend_test!(reading_and_granting_need_their_capabilities, |app| {
    // A full user with All product admin on the account but no organization role.
    let (_, group, key) = member_of_new_group(&app, UserType::Full).await;
    app.grant(&group, "all_product_admin", Some(app.primary_account_id)).await;
    let body = app.run_as(&key, GET_ROLES, Value::Null).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN");
    assert_eq!(body["data"]["actor"]["organization"]["authorizationManagement"]["roles"], Value::Null);
    let read_only = app.standard_role_id("read_only").await;
    let vars = json!({"grantAccessOptions": account_grant(&group, read_only, app.primary_account_id)});
    assert_eq!(first_error(&app.run_as(&key, GRANT, vars.clone()).await).1, "FORBIDDEN");

    // Organization read only lets them read roles and grants, not change them.
    app.grant(&group, "organization_read_only", None).await;
    let body = app.run_as(&key, GET_ROLES, Value::Null).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(first_error(&app.run_as(&key, GRANT, vars.clone()).await).1, "FORBIDDEN");
    // Organization manager lets them grant.
    app.grant(&group, "organization_manager", None).await;
    assert!(app.run_as(&key, GRANT, vars).await.get("errors").is_none());
});

backend_test!(user_type_caps_what_grants_give, |app| {
    let (user, group, key) = member_of_new_group(&app, UserType::Full).await;
    let account = app.primary_account_id;
    app.grant(&group, "all_product_admin", Some(account)).await;
    let full = capabilities(&app, &key, account).await;
    assert!(full.contains(&READ_APM) && full.contains(&MODIFY_DASHBOARDS));

    let update = r#"mutation($o: UserManagementUpdateUser!) { userManagementUpdateUser(updateUserOptions: $o) { user { id } } }"#;
    app.ok(update, json!({"o": {"id": user.to_string(), "userType": "CORE_USER_TIER"}})).await;
    let core = capabilities(&app, &key, account).await;
    assert!(!core.contains(&READ_APM), "core users lose Full-Stack Observability");
    assert!(core.contains(&MODIFY_DASHBOARDS));

    app.ok(update, json!({"o": {"id": user.to_string(), "userType": "BASIC_USER_TIER"}})).await;
    let basic = capabilities(&app, &key, account).await;
    assert!(!basic.contains(&READ_APM));
    // A basic user gets the basic set whatever the role: the same with Read only.
    let read_only = app.standard_role_id("read_only").await;
    let apa = app.standard_role_id("all_product_admin").await;
    app.ok(GRANT, json!({"grantAccessOptions": account_grant(&group, read_only, account)})).await;
    app.ok(REVOKE, json!({"revokeAccessOptions": account_grant(&group, apa, account)})).await;
    assert_eq!(capabilities(&app, &key, account).await, basic, "basic users get exactly the basic set");

    // A "core or full required" role gives a basic user nothing, not even access.
    app.ok(REVOKE, json!({"revokeAccessOptions": account_grant(&group, read_only, account)})).await;
    let billing = app.standard_role_id("billing_user").await;
    app.ok(GRANT, json!({"grantAccessOptions": account_grant(&group, billing, account)})).await;
    assert_eq!(capabilities(&app, &key, account).await, Vec::<i64>::new());
    assert_eq!(app.run_as(&key, ACCOUNTS, Value::Null).await["data"]["actor"]["accounts"], json!([]));
});

backend_test!(custom_roles_give_exactly_their_permissions, |app| {
    let (_, group, key) = member_of_new_group(&app, UserType::Full).await;
    let account = app.primary_account_id;
    let body = app
        .ok(
            CREATE_ROLE,
            json!({"container": {"id": app.organization_id}, "name": "Dashboards",
            "permissionIds": [MODIFY_DASHBOARDS], "scope": "account"}),
        )
        .await;
    let id = body["data"]["customRoleCreate"]["id"].as_i64().expect("id");
    let role_id = i32::try_from(id).expect("i32");
    app.ok(GRANT, json!({"grantAccessOptions": account_grant(&group, role_id, account)})).await;
    assert_eq!(capabilities(&app, &key, account).await, vec![MODIFY_DASHBOARDS]);

    app.ok(UPDATE_ROLE, json!({"id": id, "permissionIds": [MODIFY_DASHBOARDS, READ_DATA_RETENTION, null]})).await;
    assert_eq!(capabilities(&app, &key, account).await, vec![MODIFY_DASHBOARDS, READ_DATA_RETENTION]);

    let body = app.run(DELETE_ROLE, json!({"id": id})).await;
    assert_error(
        &body,
        "The role 'Dashboards' is granted 1 time(s); revoke its access grants before deleting it",
        "BAD_USER_INPUT",
    );
    app.ok(REVOKE, json!({"revokeAccessOptions": account_grant(&group, role_id, account)})).await;
    let body = app.ok(DELETE_ROLE, json!({"id": id})).await;
    assert_eq!(body["data"]["customRoleDelete"]["id"], json!(id));
    assert!(role::Entity::find_by_id(role_id).one(&app.db).await.expect("query").is_none());
});

backend_test!(custom_role_refusals_change_nothing, |app| {
    let roles = || async { role::Entity::find().count(&app.db).await.expect("count") };
    let before = roles().await;
    let create = |name: &str, ids: Value, scope: &str| json!({"container": {"id": app.organization_id}, "name": name, "permissionIds": ids, "scope": scope});
    let body = app.run(CREATE_ROLE, create("Billing", json!([READ_BILLING]), "ACCOUNT")).await;
    assert_error(&body, "Capability 2601 cannot be added to a custom role", "BAD_USER_INPUT");
    let body = app.run(CREATE_ROLE, create("Empty", json!([]), "ACCOUNT")).await;
    assert_error(&body, "A custom role needs at least one permission", "BAD_USER_INPUT");
    let body = app.run(CREATE_ROLE, create("Unknown", json!([77]), "ACCOUNT")).await;
    assert_error(&body, "Unknown capability 77", "BAD_USER_INPUT");
    let body = app.run(CREATE_ROLE, create("Org", json!([MODIFY_DASHBOARDS]), "ORGANIZATION")).await;
    assert_error(&body, "Capability 1702 has Account scope, but the role has Organization scope", "BAD_USER_INPUT");
    let body = app.run(CREATE_ROLE, create("Weird", json!([MODIFY_DASHBOARDS]), "GALAXY")).await;
    assert_error(&body, "Scope 'GALAXY' is not valid: use ACCOUNT or ORGANIZATION", "BAD_USER_INPUT");
    let vars = json!({"container": {"id": "00000000-0000-0000-0000-000000000000"}, "name": "X",
        "permissionIds": [MODIFY_DASHBOARDS], "scope": "ACCOUNT"});
    assert_error(&app.run(CREATE_ROLE, vars).await, NOT_FOUND, "NOT_FOUND");
    app.ok(CREATE_ROLE, create("Mine", json!([MODIFY_DASHBOARDS]), "ACCOUNT")).await;
    let body = app.run(CREATE_ROLE, create("Mine", json!([READ_DATA_RETENTION]), "ACCOUNT")).await;
    assert_error(&body, "Name has already been taken", "BAD_USER_INPUT");
    assert_eq!(roles().await, before + 1);

    let apa = app.standard_role_id("all_product_admin").await;
    let body = app.run(UPDATE_ROLE, json!({"id": apa, "name": "Mine now"})).await;
    assert_error(&body, "Standard roles cannot be changed or deleted", "BAD_USER_INPUT");
    assert_error(
        &app.run(DELETE_ROLE, json!({"id": apa})).await,
        "Standard roles cannot be changed or deleted",
        "BAD_USER_INPUT",
    );
    assert_error(&app.run(DELETE_ROLE, json!({"id": 999_999})).await, NOT_FOUND, "NOT_FOUND");
});

backend_test!(authentication_domains_are_created_and_deleted, |app| {
    let body = app.ok(CREATE_DOMAIN, json!({"name": "Okta", "a": "SAML_SSO", "p": "SCIM"})).await;
    let id = body["data"]["authenticationDomainCreate"]["id"].as_str().expect("id").to_owned();
    // The new domain starts with its default groups and their grants.
    let query = r#"query($id: [ID!]) { actor { organization { authorizationManagement { authenticationDomains(id: $id) {
      authenticationDomains { name groups { groups { displayName roles { totalCount } } } } } } } } }"#;
    let body = app.ok(query, json!({"id": [id]})).await;
    let domain = &body["data"]["actor"]["organization"]["authorizationManagement"]["authenticationDomains"]["authenticationDomains"]
        [0];
    assert_eq!(domain["name"], "Okta");
    let mut groups: Vec<(String, i64)> = domain["groups"]["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            (g["displayName"].as_str().unwrap_or_default().to_owned(), g["roles"]["totalCount"].as_i64().unwrap_or(-1))
        })
        .collect();
    groups.sort();
    assert_eq!(groups, vec![("Admin".to_owned(), 4), ("User".to_owned(), 1)]);

    let body = app.run(CREATE_DOMAIN, json!({"name": "Okta", "a": "SAML_SSO", "p": "MANUAL"})).await;
    assert_error(&body, "Name has already been taken", "BAD_USER_INPUT");
    let body = app.run(CREATE_DOMAIN, json!({"name": "Other", "a": "PASSWORD", "p": "SCIM"})).await;
    assert_error(&body, "SCIM provisioning requires SAML single sign-on", "BAD_USER_INPUT");
    let body = app.run(CREATE_DOMAIN, json!({"name": "Other", "a": "OIDC_SSO", "p": "MANUAL"})).await;
    assert_error(&body, "Authentication type OIDC_SSO is not supported: use PASSWORD or SAML_SSO", "BAD_USER_INPUT");

    // A domain with users stays; an empty one goes, with its groups.
    app.create_user_in(&id, "scim@example.com", UserType::Basic).await;
    let (message, class) = first_error(&app.run(DELETE_DOMAIN, json!({"id": id})).await);
    assert_eq!(class, "BAD_USER_INPUT");
    assert!(message.contains("still has 1 user"), "{message}");
    let empty = app.ok(CREATE_DOMAIN, json!({"name": "Empty", "a": "PASSWORD", "p": "MANUAL"})).await;
    let empty = empty["data"]["authenticationDomainCreate"]["id"].clone();
    let body = app.ok(DELETE_DOMAIN, json!({"id": empty})).await;
    assert_eq!(body["data"]["authenticationDomainDelete"]["id"], empty);
    assert_error(&app.run(DELETE_DOMAIN, json!({"id": empty})).await, NOT_FOUND, "NOT_FOUND");
});

backend_test!(statements_stay_constant_as_groups_grow, |app| {
    let query = r#"{ actor { organization { authorizationManagement { authenticationDomains { authenticationDomains {
      groups { groups { id roles { roles { roleId accountId organizationId } } } } } } } } } }"#;
    for i in 0..8 {
        let group = app.create_group(&format!("Team {i}")).await;
        app.grant(&group, "read_only", Some(app.primary_account_id)).await;
    }
    let few = app.statements_for(query).await;
    for i in 8..120 {
        let group = app.create_group(&format!("Team {i}")).await;
        app.grant(&group, "read_only", Some(app.primary_account_id)).await;
    }
    let many = app.statements_for(query).await;
    assert_eq!(few, many, "statements per request must not grow with groups");
});
