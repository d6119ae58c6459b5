//! The `userManagement*` mutations, sent as newrelic-client-go and Terraform send them.

use entity::enums::UserType;
use entity::{api_key, audit_event, group, group_membership, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{TestApp, first_error};

const NOT_FOUND: &str = "Could not find the target or you are unauthorized.";

/// client-go `usermanagement.UserManagementCreateUser`.
const CREATE_USER: &str = r#"mutation($createUserOptions: UserManagementCreateUser!) {
  userManagementCreateUser(createUserOptions: $createUserOptions) {
    createdUser { authenticationDomainId email id name type { displayName id } } } }"#;

/// client-go `usermanagement.UserManagementUpdateUser`.
const UPDATE_USER: &str = r#"mutation($updateUserOptions: UserManagementUpdateUser!) {
  userManagementUpdateUser(updateUserOptions: $updateUserOptions) {
    user { email emailVerificationState id name timeZone type { displayName id } } } }"#;

/// client-go `usermanagement.UserManagementDeleteUser`.
const DELETE_USER: &str = r#"mutation($deleteUserOptions: UserManagementDeleteUser!) {
  userManagementDeleteUser(deleteUserOptions: $deleteUserOptions) { deletedUser { id } } }"#;

/// client-go `usermanagement.UserManagementCreateGroup`.
const CREATE_GROUP: &str = r#"mutation($createGroupOptions: UserManagementCreateGroup) {
  userManagementCreateGroup(createGroupOptions: $createGroupOptions) { group { displayName id } } }"#;

/// client-go `usermanagement.UserManagementUpdateGroup`.
const UPDATE_GROUP: &str = r#"mutation($updateGroupOptions: UserManagementUpdateGroup) {
  userManagementUpdateGroup(updateGroupOptions: $updateGroupOptions) { group { displayName id } } }"#;

/// client-go `usermanagement.UserManagementDeleteGroup`.
const DELETE_GROUP: &str = r#"mutation($groupOptions: UserManagementDeleteGroup) {
  userManagementDeleteGroup(groupOptions: $groupOptions) { group { displayName id } } }"#;

/// client-go `usermanagement.UserManagementAddUsersToGroups`.
const ADD_USERS: &str = r#"mutation($addUsersToGroupsOptions: UserManagementUsersGroupsInput) {
  userManagementAddUsersToGroups(addUsersToGroupsOptions: $addUsersToGroupsOptions) {
    groups { displayName id users { users { email id name timeZone } totalCount } } } }"#;

/// client-go `usermanagement.UserManagementRemoveUsersFromGroups`.
const REMOVE_USERS: &str = r#"mutation($removeUsersFromGroupsOptions: UserManagementUsersGroupsInput!) {
  userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions: $removeUsersFromGroupsOptions) {
    groups { displayName id users { users { id } } } } }"#;

const ACCOUNTS: &str = "{ actor { accounts { id name } } }";

async fn user_count(app: &TestApp) -> u64 {
    user::Entity::find().count(&app.db).await.expect("count users")
}

async fn members(app: &TestApp, group_id: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = group_membership::Entity::find()
        .filter(group_membership::Column::GroupId.eq(group_id))
        .all(&app.db)
        .await
        .expect("memberships")
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    ids.sort_unstable();
    ids
}

async fn audit_actions(app: &TestApp, target_type: &str) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetType.eq(target_type))
        .filter(audit_event::Column::ActorUserId.eq(app.admin_user_id))
        .all(&app.db)
        .await
        .expect("audit events")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn create_user_vars(domain: &str, email: &str, tier: Option<&str>) -> Value {
    json!({"createUserOptions": {"authenticationDomainId": domain, "email": email, "name": "Jane Doe", "userType": tier}})
}

fn assert_error(body: &Value, message: &str, class: &str) {
    assert_eq!(first_error(body), (message.to_owned(), class.to_owned()), "{body}");
}

backend_test!(create_user_returns_the_user_and_audits_it, |app| {
    let domain = app.default_domain_id().await;
    let body = app.ok(CREATE_USER, create_user_vars(&domain, " Jane.Doe@Example.com ", Some("CORE_USER_TIER"))).await;
    let created = &body["data"]["userManagementCreateUser"]["createdUser"];
    assert_eq!(created["authenticationDomainId"], json!(domain));
    assert_eq!(created["email"], "Jane.Doe@Example.com");
    assert_eq!(created["name"], "Jane Doe");
    assert_eq!(created["type"], json!({"displayName": "Core", "id": "2"}));
    let id: i64 = created["id"].as_str().expect("id is a string").parse().expect("numeric id");
    let stored = user::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("stored");
    assert_eq!(stored.user_type, UserType::Core);
    assert_eq!(audit_actions(&app, "user").await, vec!["user.create".to_owned()]);

    // Without a user type the user is basic.
    let body = app.ok(CREATE_USER, create_user_vars(&domain, "basic@example.com", None)).await;
    assert_eq!(body["data"]["userManagementCreateUser"]["createdUser"]["type"]["displayName"], "Basic");
});

backend_test!(create_user_refusals_change_nothing, |app| {
    let domain = app.default_domain_id().await;
    app.ok(CREATE_USER, create_user_vars(&domain, "taken@example.com", None)).await;
    let before = user_count(&app).await;

    let body =
        app.run(CREATE_USER, create_user_vars("00000000-0000-0000-0000-000000000000", "a@example.com", None)).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
    assert_eq!(body["data"]["userManagementCreateUser"], Value::Null);

    let body = app.run(CREATE_USER, create_user_vars(&domain, "TAKEN@example.com", None)).await;
    assert_error(
        &body,
        "Email 'TAKEN@example.com' has already been taken within authentication domain",
        "BAD_USER_INPUT",
    );

    let body = app.run(CREATE_USER, create_user_vars(&domain, "not-an-email", None)).await;
    assert_error(&body, "Email 'not-an-email' is not a valid email address", "BAD_USER_INPUT");

    let vars = json!({"createUserOptions": {"authenticationDomainId": domain, "email": "b@example.com", "name": "  "}});
    assert_error(&app.run(CREATE_USER, vars).await, "Name can't be blank", "BAD_USER_INPUT");

    let scim = app.create_scim_domain("Okta").await;
    let body = app.run(CREATE_USER, create_user_vars(&scim, "c@example.com", None)).await;
    assert_error(
        &body,
        "This API can only be used to create users within Authentication Domains set for manually provisioned users.",
        "BAD_USER_INPUT",
    );
    assert_eq!(user_count(&app).await, before);
});

backend_test!(the_same_email_may_exist_in_two_domains, |app| {
    let scim = app.create_scim_domain("Okta").await;
    app.create_user_in(&scim, "twice@example.com", UserType::Basic).await;
    let domain = app.default_domain_id().await;
    app.ok(CREATE_USER, create_user_vars(&domain, "twice@example.com", None)).await;
});

backend_test!(standard_edition_allows_five_full_users, edition = Standard, |app| {
    let domain = app.default_domain_id().await;
    // The bootstrap admin is the first full user.
    for i in 0..4 {
        app.ok(CREATE_USER, create_user_vars(&domain, &format!("full{i}@example.com"), Some("FULL_USER_TIER"))).await;
    }
    let body = app.run(CREATE_USER, create_user_vars(&domain, "sixth@example.com", Some("FULL_USER_TIER"))).await;
    assert_error(&body, "The Standard edition allows at most 5 full platform users", "BAD_USER_INPUT");
    // A core user still fits, but cannot become the sixth full user.
    let body = app.ok(CREATE_USER, create_user_vars(&domain, "core@example.com", Some("CORE_USER_TIER"))).await;
    let id = body["data"]["userManagementCreateUser"]["createdUser"]["id"].clone();
    let body = app.run(UPDATE_USER, json!({"updateUserOptions": {"id": id, "userType": "FULL_USER_TIER"}})).await;
    assert_error(&body, "The Standard edition allows at most 5 full platform users", "BAD_USER_INPUT");
});

backend_test!(update_user_changes_each_field, |app| {
    let id = app.create_user("old@example.com", UserType::Basic).await;
    app.set_user(id, |u| u.email_verification_state = sea_orm::Set(entity::enums::EmailVerificationState::Verified))
        .await;
    let vars = json!({"updateUserOptions": {"id": id.to_string(), "name": "New Name", "timeZone": "Europe/Berlin",
        "userType": "FULL_USER_TIER", "email": null}});
    let body = app.ok(UPDATE_USER, vars).await;
    assert_eq!(
        body["data"]["userManagementUpdateUser"]["user"],
        json!({"email": "old@example.com", "emailVerificationState": "Verified", "id": id.to_string(),
            "name": "New Name", "timeZone": "Europe/Berlin", "type": {"displayName": "Full platform", "id": "3"}})
    );
    // A new email must be verified again.
    let vars = json!({"updateUserOptions": {"id": id.to_string(), "email": "new@example.com"}});
    let body = app.ok(UPDATE_USER, vars).await;
    assert_eq!(body["data"]["userManagementUpdateUser"]["user"]["email"], "new@example.com");
    assert_eq!(body["data"]["userManagementUpdateUser"]["user"]["emailVerificationState"], "Pending");
    assert_eq!(audit_actions(&app, "user").await, vec!["user.update".to_owned(), "user.update".to_owned()]);
});

backend_test!(update_user_refusals_change_nothing, |app| {
    let id = app.create_user("one@example.com", UserType::Basic).await;
    app.create_user("two@example.com", UserType::Basic).await;
    let domain = app.default_domain_id().await;

    let body = app.run(UPDATE_USER, json!({"updateUserOptions": {"id": "999999", "name": "X"}})).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
    let body = app.run(UPDATE_USER, json!({"updateUserOptions": {"id": "not-a-number", "name": "X"}})).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
    let vars = json!({"updateUserOptions": {"id": id.to_string(), "email": "Two@example.com", "name": "Changed"}});
    assert_error(
        &app.run(UPDATE_USER, vars).await,
        &format!("User with email: Two@example.com and authentication domain: {domain} already exists."),
        "BAD_USER_INPUT",
    );
    let vars = json!({"updateUserOptions": {"id": id.to_string(), "timeZone": "Mars Base One"}});
    assert_error(&app.run(UPDATE_USER, vars).await, "Time zone 'Mars Base One' is not valid", "BAD_USER_INPUT");

    let stored = user::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("user");
    assert_eq!((stored.email.as_str(), stored.name.as_str()), ("one@example.com", "User one@example.com"));
});

backend_test!(scim_users_only_change_their_type, |app| {
    let scim = app.create_scim_domain("Okta").await;
    let id = app.create_user_in(&scim, "scim@example.com", UserType::Basic).await;
    let vars = json!({"updateUserOptions": {"id": id.to_string(), "userType": "CORE_USER_TIER"}});
    app.ok(UPDATE_USER, vars).await;
    let vars = json!({"updateUserOptions": {"id": id.to_string(), "name": "Renamed"}});
    let (message, class) = first_error(&app.run(UPDATE_USER, vars).await);
    assert!(message.contains("SCIM"), "{message}");
    assert_eq!(class, "BAD_USER_INPUT");
    let body = app.run(DELETE_USER, json!({"deleteUserOptions": {"id": id.to_string()}})).await;
    assert_error(
        &body,
        "This API can only be used to delete users within Authentication Domains set for manually provisioned users.",
        "BAD_USER_INPUT",
    );
});

backend_test!(delete_user_removes_memberships_and_keys, |app| {
    let id = app.create_user("leaver@example.com", UserType::Full).await;
    let group = app.group_id("User").await;
    app.add_member(&group, id).await;
    let key = app.create_key(id).await;
    assert!(app.run_as(&key, ACCOUNTS, Value::Null).await.get("errors").is_none());

    let body = app.ok(DELETE_USER, json!({"deleteUserOptions": {"id": id.to_string()}})).await;
    assert_eq!(body["data"]["userManagementDeleteUser"]["deletedUser"]["id"], json!(id.to_string()));
    assert!(!members(&app, &group).await.contains(&id));
    let keys = api_key::Entity::find().filter(api_key::Column::UserId.eq(id)).count(&app.db).await.expect("count");
    assert_eq!(keys, 0);
    let (status, body) = app.graphql_as(Some(&key), ACCOUNTS, Value::Null).await;
    assert_eq!(status, axum::http::StatusCode::UNAUTHORIZED, "{body}");
    // The audit trail keeps the deletion and who made it.
    assert!(audit_actions(&app, "user").await.contains(&"user.delete".to_owned()));

    let body = app.run(DELETE_USER, json!({"deleteUserOptions": {"id": id.to_string()}})).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
});

backend_test!(nobody_deletes_their_own_user, |app| {
    let body = app.run(DELETE_USER, json!({"deleteUserOptions": {"id": app.admin_user_id.to_string()}})).await;
    assert_error(&body, "You cannot delete your own user", "BAD_USER_INPUT");
});

backend_test!(groups_are_created_renamed_and_deleted, |app| {
    let domain = app.default_domain_id().await;
    let body = app
        .ok(
            CREATE_GROUP,
            json!({"createGroupOptions": {"authenticationDomainId": domain, "displayName": "Developers"}}),
        )
        .await;
    let id = body["data"]["userManagementCreateGroup"]["group"]["id"].as_str().expect("id").to_owned();
    assert_eq!(body["data"]["userManagementCreateGroup"]["group"]["displayName"], "Developers");

    let body = app
        .run(
            CREATE_GROUP,
            json!({"createGroupOptions": {"authenticationDomainId": domain, "displayName": "Developers"}}),
        )
        .await;
    assert_error(&body, "Display name has already been taken", "BAD_USER_INPUT");

    let body = app.ok(UPDATE_GROUP, json!({"updateGroupOptions": {"id": id, "displayName": "Engineers"}})).await;
    assert_eq!(body["data"]["userManagementUpdateGroup"]["group"], json!({"displayName": "Engineers", "id": id}));
    let body = app.run(UPDATE_GROUP, json!({"updateGroupOptions": {"id": id, "displayName": "Admin"}})).await;
    assert_error(&body, "Display name has already been taken", "BAD_USER_INPUT");

    let body = app.ok(DELETE_GROUP, json!({"groupOptions": {"id": id}})).await;
    assert_eq!(body["data"]["userManagementDeleteGroup"]["group"]["id"], json!(id));
    let body = app.run(DELETE_GROUP, json!({"groupOptions": {"id": id}})).await;
    assert_error(&body, NOT_FOUND, "NOT_FOUND");
    assert_eq!(
        audit_actions(&app, "group").await,
        vec!["group.create".to_owned(), "group.update".to_owned(), "group.delete".to_owned()]
    );
});

backend_test!(default_groups_stay, |app| {
    let admin = app.group_id("Admin").await;
    assert_error(
        &app.run(DELETE_GROUP, json!({"groupOptions": {"id": admin}})).await,
        "Default groups cannot be deleted",
        "BAD_USER_INPUT",
    );
    assert_error(
        &app.run(UPDATE_GROUP, json!({"updateGroupOptions": {"id": admin, "displayName": "Bosses"}})).await,
        "Default groups cannot be renamed",
        "BAD_USER_INPUT",
    );
    assert_error(
        &app.run(CREATE_GROUP, json!({"createGroupOptions": null})).await,
        "createGroupOptions is required",
        "BAD_USER_INPUT",
    );
    let groups = group::Entity::find().count(&app.db).await.expect("count");
    assert_eq!(groups, 2);
});

backend_test!(add_and_remove_users_change_membership_and_access, |app| {
    let user = app.create_user("member@example.com", UserType::Full).await;
    let key = app.create_key(user).await;
    let body = app.run_as(&key, ACCOUNTS, Value::Null).await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([]), "no group, no access");

    let group = app.create_group("Observers").await;
    app.grant(&group, "read_only", Some(app.primary_account_id)).await;
    let vars = json!({"addUsersToGroupsOptions": {"groupIds": [group], "userIds": [user.to_string()]}});
    let body = app.ok(ADD_USERS, vars.clone()).await;
    assert_eq!(
        body["data"]["userManagementAddUsersToGroups"]["groups"],
        json!([{"displayName": "Observers", "id": group, "users": {"users": [
            {"email": "member@example.com", "id": user.to_string(), "name": "User member@example.com", "timeZone": "Etc/UTC"}
        ], "totalCount": 1}}])
    );
    // Adding again changes nothing.
    app.ok(ADD_USERS, vars).await;
    assert_eq!(members(&app, &group).await, vec![user]);
    let body = app.run_as(&key, ACCOUNTS, Value::Null).await;
    assert_eq!(body["data"]["actor"]["accounts"][0]["id"], json!(app.primary_account_id));

    let vars = json!({"removeUsersFromGroupsOptions": {"groupIds": [group], "userIds": [user.to_string()]}});
    let body = app.ok(REMOVE_USERS, vars).await;
    assert_eq!(body["data"]["userManagementRemoveUsersFromGroups"]["groups"][0]["users"]["users"], json!([]));
    let body = app.run_as(&key, ACCOUNTS, Value::Null).await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([]), "access ends with the membership");
});

backend_test!(membership_changes_are_all_or_nothing, |app| {
    let user = app.create_user("member@example.com", UserType::Core).await;
    let group = app.create_group("Observers").await;

    let vars = json!({"addUsersToGroupsOptions": {"groupIds": [group], "userIds": [user.to_string(), "424242"]}});
    assert_error(&app.run(ADD_USERS, vars).await, NOT_FOUND, "NOT_FOUND");
    let vars =
        json!({"addUsersToGroupsOptions": {"groupIds": [group, "no-such-group"], "userIds": [user.to_string()]}});
    assert_error(&app.run(ADD_USERS, vars).await, NOT_FOUND, "NOT_FOUND");
    assert_eq!(members(&app, &group).await, Vec::<i64>::new());

    let eleven: Vec<String> = (0..11).map(|i| format!("g{i}")).collect();
    let vars = json!({"addUsersToGroupsOptions": {"groupIds": eleven, "userIds": [user.to_string()]}});
    assert_error(&app.run(ADD_USERS, vars).await, "groupIds must contain at most 10 ids", "BAD_USER_INPUT");
    let fifty_one: Vec<String> = (0..51).map(|i| i.to_string()).collect();
    let vars = json!({"removeUsersFromGroupsOptions": {"groupIds": [group], "userIds": fifty_one}});
    assert_error(&app.run(REMOVE_USERS, vars).await, "userIds must contain at most 50 ids", "BAD_USER_INPUT");

    let scim = app.create_scim_domain("Okta").await;
    let scim_user = app.create_user_in(&scim, "scim@example.com", UserType::Basic).await;
    let vars = json!({"addUsersToGroupsOptions": {"groupIds": [group], "userIds": [scim_user.to_string()]}});
    let (message, class) = first_error(&app.run(ADD_USERS, vars).await);
    assert_eq!(
        (message.as_str(), class.as_str()),
        ("Users and groups must belong to the same authentication domain", "BAD_USER_INPUT")
    );
});

backend_test!(standard_edition_limits_groups, edition = Standard, |app| {
    let domain = app.default_domain_id().await;
    let body = app
        .run(CREATE_GROUP, json!({"createGroupOptions": {"authenticationDomainId": domain, "displayName": "Devs"}}))
        .await;
    assert_error(&body, "The Standard edition does not allow custom groups", "BAD_USER_INPUT");

    let basic = app.create_user("basic@example.com", UserType::Basic).await;
    let admin_group = app.group_id("Admin").await;
    let user_group = app.group_id("User").await;
    let vars = json!({"addUsersToGroupsOptions": {"groupIds": [admin_group], "userIds": [basic.to_string()]}});
    assert_error(
        &app.run(ADD_USERS, vars).await,
        "On the Standard edition, basic users can only be in the default User group",
        "BAD_USER_INPUT",
    );
    let vars = json!({"addUsersToGroupsOptions": {"groupIds": [user_group], "userIds": [basic.to_string()]}});
    app.ok(ADD_USERS, vars).await;

    // A core user in the Admin group cannot become basic.
    let core = app.create_user("core@example.com", UserType::Core).await;
    app.add_member(&admin_group, core).await;
    let vars = json!({"updateUserOptions": {"id": core.to_string(), "userType": "BASIC_USER_TIER"}});
    assert_error(
        &app.run(UPDATE_USER, vars).await,
        "On the Standard edition, basic users can only be in the default User group",
        "BAD_USER_INPUT",
    );
});

backend_test!(mutations_need_the_manage_capabilities, |app| {
    // A full user in a group with All product admin on the account, but no organization role.
    let user = app.create_user("dev@example.com", UserType::Full).await;
    let group = app.create_group("Developers").await;
    app.grant(&group, "all_product_admin", Some(app.primary_account_id)).await;
    app.add_member(&group, user).await;
    let key = app.create_key(user).await;
    let domain = app.default_domain_id().await;
    let before = user_count(&app).await;

    let body = app.run_as(&key, CREATE_USER, create_user_vars(&domain, "x@example.com", None)).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    assert_eq!(body["data"]["userManagementCreateUser"], Value::Null);
    let vars = json!({"createGroupOptions": {"authenticationDomainId": domain, "displayName": "Mine"}});
    assert_eq!(first_error(&app.run_as(&key, CREATE_GROUP, vars).await).1, "FORBIDDEN");
    assert_eq!(user_count(&app).await, before);

    // Organization manager gives nothing here; Authentication domain manager gives user and group management.
    app.grant(&group, "authentication_domain_manager", None).await;
    app.ok(CREATE_USER, create_user_vars(&domain, "y@example.com", None)).await;
    let body = app.run_as(&key, CREATE_USER, create_user_vars(&domain, "x@example.com", None)).await;
    assert!(body.get("errors").is_none(), "{body}");
});

backend_test!(later_mutations_of_one_request_see_earlier_changes, |app| {
    let user = app.create_user("member@example.com", UserType::Core).await;
    let group = app.create_group("Observers").await;
    let query = r#"mutation($a: UserManagementUsersGroupsInput, $r: UserManagementUsersGroupsInput!) {
      add: userManagementAddUsersToGroups(addUsersToGroupsOptions: $a) { groups { users { totalCount } } }
      remove: userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions: $r) { groups { users { totalCount } } } }"#;
    let ids = json!({"groupIds": [group], "userIds": [user.to_string()]});
    let body = app.ok(query, json!({"a": ids, "r": ids})).await;
    assert_eq!(body["data"]["add"]["groups"][0]["users"]["totalCount"], 1);
    assert_eq!(body["data"]["remove"]["groups"][0]["users"]["totalCount"], 0);
});
