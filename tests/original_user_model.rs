//! The original (v1) user model over HTTP: base roles and add-on roles per account, the one Owner,
//! parent -> child inheritance, and that every existing guard and API key applies to v1 users.
//!
//! The capability sets asserted here are literals from the catalog (migration
//! `m20261123_000002_seed_catalog`): Read tier = Read only role, Read + Use = Standard user, All
//! product admin = Read, Use, Configure and AdminHidden; an Admin adds 2701 and 2702, the Owner the
//! Billing user role's 2601-2603.

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use entity::enums::UserType;
use entity::{account, original_membership, original_owner, user};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY, TestApp};

const ADD: &str = "mutation($a: Int!, $u: OriginalUserModelUserInput!) { originalUserModelAddUser(accountId: $a, user: $u) { user { id email name role addOnRoles { id name product } inherited receivesNotifications } errors { message type } } }";
const UPDATE: &str = "mutation($a: Int!, $id: ID!, $r: OriginalUserModelRole!, $ids: [ID!]) { originalUserModelUpdateUser(accountId: $a, userId: $id, role: $r, addOnRoleIds: $ids) { user { id role addOnRoles { id name } } errors { message type } } }";
const REMOVE: &str = "mutation($a: Int!, $id: ID!) { originalUserModelRemoveUser(accountId: $a, userId: $id) { removedUserId errors { message type } } }";
const TRANSFER: &str = "mutation($id: ID!) { originalUserModelTransferOwnership(newOwnerUserId: $id) { owner { id email } errors { message type } } }";
const CREATE_ROLE: &str = "mutation($a: Int!, $n: String!, $c: [Int!]!) { originalUserModelCreateAddOnRole(accountId: $a, name: $n, capabilityIds: $c) { addOnRole { id name product capabilityIds } errors { message type } } }";
const UPDATE_ROLE: &str = "mutation($a: Int!, $id: ID!, $n: String, $c: [Int!]) { originalUserModelUpdateAddOnRole(accountId: $a, addOnRoleId: $id, name: $n, capabilityIds: $c) { addOnRole { id name capabilityIds } errors { message type } } }";
const DELETE_ROLE: &str = "mutation($a: Int!, $id: ID!) { originalUserModelDeleteAddOnRole(accountId: $a, addOnRoleId: $id) { addOnRole { id } errors { message type } } }";
const READ: &str = "query($a: Int!, $c: String) { actor { account(id: $a) { originalUserModel { users(cursor: $c) { users { id email name role addOnRoles { id name product } inherited receivesNotifications } nextCursor } owner { id email } addOnRoles { id name product capabilityIds } } } } }";
const CAPS: &str = "query($a: Int!) { actor { account(id: $a) { capabilityIds } } }";

fn set(ids: impl IntoIterator<Item = i32>) -> BTreeSet<i32> {
    ids.into_iter().collect()
}

/// Read tier: what a Restricted user holds.
fn read_tier() -> BTreeSet<i32> {
    set([
        1001, 1002, 1101, 1104, 1201, 1202, 1301, 1304, 1401, 1501, 1504, 1601, 1701, 1704, 1801, 1802, 1901, 2001,
        2101, 2103, 2201, 2203, 2301, 2401, 2501,
    ])
}

/// Use tier: what a User holds beyond the Read tier.
fn use_tier() -> BTreeSet<i32> {
    set([1005, 1006, 1107, 1108, 1507, 1702, 1703])
}

/// Configure and AdminHidden tiers: what an Admin holds beyond a User (2403 is AdminHidden).
fn configure_tier() -> BTreeSet<i32> {
    set([
        1003, 1004, 1102, 1103, 1105, 1106, 1109, 1110, 1203, 1204, 1302, 1303, 1402, 1403, 1502, 1503, 1505, 1506,
        1508, 1509, 1510, 1602, 1603, 1803, 1804, 1902, 2002, 2003, 2102, 2104, 2202, 2204, 2302, 2402, 2403, 2502,
    ])
}

fn union(sets: &[BTreeSet<i32>]) -> BTreeSet<i32> {
    sets.iter().flatten().copied().collect()
}

/// The payload of mutation `field`, asserting no top-level error.
fn payload<'a>(body: &'a Value, field: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "no top-level errors: {body}");
    &body["data"][field]
}

/// The one payload error's type, asserting there is one.
fn refusal(body: &Value, field: &str) -> String {
    let errors = &payload(body, field)["errors"];
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "one payload error: {body}");
    errors[0]["type"].as_str().unwrap_or_default().to_owned()
}

fn accepted(body: &Value, field: &str) -> Value {
    let p = payload(body, field);
    assert_eq!(p["errors"], json!([]), "{body}");
    p.clone()
}

/// Adds `email` to `account` with `role` as `key`; returns the whole body.
async fn add_as(app: &TestApp, key: &str, account: i32, email: &str, role: &str, add_ons: &[String]) -> Value {
    let user = json!({"email": email, "name": format!("Name of {email}"), "userType": "FULL_USER_TIER", "role": role, "addOnRoleIds": add_ons});
    app.run_as(key, ADD, json!({"a": account, "u": user})).await
}

/// Adds `email` as the admin (the Owner); returns the new user's id and a key of theirs on `account`.
async fn v1_user(app: &TestApp, account: i32, email: &str, role: &str, add_ons: &[String]) -> (i64, String) {
    let body = add_as(app, ADMIN_KEY, account, email, role, add_ons).await;
    let added = accepted(&body, "originalUserModelAddUser");
    let id: i64 = added["user"]["id"].as_str().expect("id").parse().expect("numeric id");
    let key = app.create_key_on(id, account).await.0;
    (id, key)
}

async fn capabilities(app: &TestApp, key: &str, account: i32) -> Option<BTreeSet<i32>> {
    let (status, body) = app.graphql_as(Some(key), CAPS, json!({"a": account})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"]["actor"]["account"]["capabilityIds"]
        .as_array()
        .map(|ids| ids.iter().filter_map(Value::as_i64).map(|i| i as i32).collect())
}

async fn child_account(app: &TestApp, name: &str, parent: i32) -> i32 {
    let id = app.create_account(name).await;
    let mut model: account::ActiveModel =
        account::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("account").into();
    model.parent_id = Set(Some(parent));
    model.update(&app.db).await.expect("set the parent");
    app.access_changed().await;
    id
}

async fn manager_role(app: &TestApp, account: i32, product: &str) -> String {
    let body = app.ok(READ, json!({"a": account})).await;
    let roles = body["data"]["actor"]["account"]["originalUserModel"]["addOnRoles"].as_array().expect("roles").clone();
    roles.iter().find(|r| r["product"] == product).unwrap_or_else(|| panic!("{product} manager in {body}"))["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

backend_test!(the_bootstrap_admin_is_the_owner_and_each_account_has_nine_manager_roles, |app| {
    let body = app.ok(READ, json!({"a": app.primary_account_id})).await;
    let model = &body["data"]["actor"]["account"]["originalUserModel"];
    assert_eq!(model["owner"], json!({"id": app.admin_user_id.to_string(), "email": ADMIN_EMAIL}));
    assert_eq!(
        model["users"]["users"],
        json!([{"id": app.admin_user_id.to_string(), "email": ADMIN_EMAIL, "name": "Test Admin", "role": "OWNER",
            "addOnRoles": [], "inherited": false, "receivesNotifications": true}])
    );
    let products: Vec<&str> =
        model["addOnRoles"].as_array().expect("roles").iter().filter_map(|r| r["product"].as_str()).collect();
    assert_eq!(
        products,
        ["ALERTS", "APM", "BROWSER", "INFRASTRUCTURE", "INSIGHTS", "MOBILE", "SYNTHETICS", "WORKLOADS", "NERDPACK"]
    );
    let synthetics =
        model["addOnRoles"].as_array().expect("roles").iter().find(|r| r["product"] == "SYNTHETICS").cloned();
    let ids: BTreeSet<i32> = synthetics.expect("synthetics manager")["capabilityIds"]
        .as_array()
        .expect("ids")
        .iter()
        .filter_map(Value::as_i64)
        .map(|i| i as i32)
        .collect();
    assert_eq!(ids, set(1501..=1510), "the Admin capabilities of Synthetics");
    // The Owner holds the Owner's set on the primary account (on top of the Admin group's grants).
    let caps = capabilities(&app, ADMIN_KEY, app.primary_account_id).await.expect("access");
    assert!(caps.is_superset(&set([2601, 2602, 2603, 2701, 2702])), "{caps:?}");
});

backend_test!(base_roles_give_the_seed_summary_as_capabilities, |app| {
    let account = app.primary_account_id;
    let (_, restricted) = v1_user(&app, account, "restricted@example.com", "RESTRICTED", &[]).await;
    let (_, user) = v1_user(&app, account, "user@example.com", "USER", &[]).await;
    let (_, admin) = v1_user(&app, account, "admin1@example.com", "ADMIN", &[]).await;
    assert_eq!(capabilities(&app, &restricted, account).await, Some(read_tier()));
    assert_eq!(capabilities(&app, &user, account).await, Some(union(&[read_tier(), use_tier()])));
    assert_eq!(
        capabilities(&app, &admin, account).await,
        Some(union(&[read_tier(), use_tier(), configure_tier(), set([2701, 2702])]))
    );
    // The user list shows them.
    let body = app.ok(READ, json!({"a": account})).await;
    let roles: Vec<(String, String)> = body["data"]["actor"]["account"]["originalUserModel"]["users"]["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            (u["email"].as_str().unwrap_or_default().to_owned(), u["role"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    assert_eq!(
        roles,
        [
            (ADMIN_EMAIL.to_owned(), "OWNER".to_owned()),
            ("restricted@example.com".to_owned(), "RESTRICTED".to_owned()),
            ("user@example.com".to_owned(), "USER".to_owned()),
            ("admin1@example.com".to_owned(), "ADMIN".to_owned()),
        ]
    );
});

backend_test!(a_parent_accounts_users_have_the_same_access_on_its_children_without_notifications, |app| {
    let parent = app.primary_account_id;
    let child = child_account(&app, "Child", parent).await;
    let grandchild = child_account(&app, "Grandchild", child).await;
    let (id, key) = v1_user(&app, parent, "parent-user@example.com", "USER", &[]).await;
    let expected = union(&[read_tier(), use_tier()]);
    assert_eq!(capabilities(&app, &key, child).await, Some(expected.clone()));
    assert_eq!(capabilities(&app, &key, grandchild).await, Some(expected));
    let body = app.ok(READ, json!({"a": child})).await;
    let users =
        body["data"]["actor"]["account"]["originalUserModel"]["users"]["users"].as_array().expect("users").clone();
    let listed = users
        .iter()
        .find(|u| u["id"].as_str() == Some(id.to_string().as_str()))
        .expect("the parent's user on the child");
    assert_eq!(listed["role"], "USER");
    assert_eq!(listed["inherited"], true);
    assert_eq!(listed["receivesNotifications"], false);
    // The Owner is inherited too.
    assert!(users.iter().any(|u| u["role"] == "OWNER" && u["inherited"] == true), "{body}");
    // Granted on the child explicitly as well: explicit there, with notifications.
    accepted(
        &add_as(&app, ADMIN_KEY, child, "parent-user@example.com", "ADMIN", &[]).await,
        "originalUserModelAddUser",
    );
    let body = app.ok(READ, json!({"a": child})).await;
    let users =
        body["data"]["actor"]["account"]["originalUserModel"]["users"]["users"].as_array().expect("users").clone();
    let listed = users.iter().find(|u| u["id"].as_str() == Some(id.to_string().as_str())).expect("listed");
    assert_eq!(
        (listed["role"].clone(), listed["inherited"].clone(), listed["receivesNotifications"].clone()),
        (json!("ADMIN"), json!(false), json!(true))
    );
    // An inherited user is changed on the parent, not on the child.
    let body = app.run(REMOVE, json!({"a": grandchild, "id": id.to_string()})).await;
    assert_eq!(refusal(&body, "originalUserModelRemoveUser"), "NOT_FOUND");
});

backend_test!(restricted_users_are_refused_every_change, |app| {
    let account = app.primary_account_id;
    let (restricted_id, key) = v1_user(&app, account, "kiosk@example.com", "RESTRICTED", &[]).await;
    let (other, _) = v1_user(&app, account, "other@example.com", "USER", &[]).await;
    let role = manager_role(&app, account, "APM").await;
    let attempts = [
        (
            ADD,
            "originalUserModelAddUser",
            json!({"a": account, "u": {"email": "new@example.com", "name": "New", "role": "RESTRICTED"}}),
        ),
        (UPDATE, "originalUserModelUpdateUser", json!({"a": account, "id": other.to_string(), "r": "RESTRICTED"})),
        (UPDATE, "originalUserModelUpdateUser", json!({"a": account, "id": restricted_id.to_string(), "r": "ADMIN"})),
        (REMOVE, "originalUserModelRemoveUser", json!({"a": account, "id": other.to_string()})),
        (TRANSFER, "originalUserModelTransferOwnership", json!({"id": restricted_id.to_string()})),
        (CREATE_ROLE, "originalUserModelCreateAddOnRole", json!({"a": account, "n": "Mine", "c": [1701]})),
        (UPDATE_ROLE, "originalUserModelUpdateAddOnRole", json!({"a": account, "id": role, "n": "Renamed"})),
        (DELETE_ROLE, "originalUserModelDeleteAddOnRole", json!({"a": account, "id": role})),
    ];
    for (doc, field, variables) in attempts {
        let body = app.run_as(&key, doc, variables).await;
        assert_eq!(refusal(&body, field), "FORBIDDEN", "{field}: {body}");
    }
    // Nor may they read the account's users.
    let body = app.run_as(&key, READ, json!({"a": account})).await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN", "{body}");
    // Nothing changed.
    assert_eq!(original_membership::Entity::find().count(&app.db).await.expect("count"), 3);
});

backend_test!(nobody_changes_their_own_role_or_the_owners, |app| {
    let account = app.primary_account_id;
    let (admin_id, admin) = v1_user(&app, account, "second-admin@example.com", "ADMIN", &[]).await;
    let body = app.run_as(&admin, UPDATE, json!({"a": account, "id": admin_id.to_string(), "r": "USER"})).await;
    assert_eq!(refusal(&body, "originalUserModelUpdateUser"), "FORBIDDEN");
    let owner = app.admin_user_id.to_string();
    let body = app.run_as(&admin, UPDATE, json!({"a": account, "id": owner, "r": "USER"})).await;
    assert_eq!(refusal(&body, "originalUserModelUpdateUser"), "FORBIDDEN");
    let body = app.run_as(&admin, REMOVE, json!({"a": account, "id": owner})).await;
    assert_eq!(refusal(&body, "originalUserModelRemoveUser"), "FORBIDDEN");
    let body = app.run(UPDATE, json!({"a": account, "id": owner, "r": "ADMIN"})).await;
    assert_eq!(refusal(&body, "originalUserModelUpdateUser"), "FORBIDDEN", "not even the Owner's own");
    // OWNER is given only by a transfer.
    let body = app.run(UPDATE, json!({"a": account, "id": admin_id.to_string(), "r": "OWNER"})).await;
    assert_eq!(refusal(&body, "originalUserModelUpdateUser"), "INVALID");
    // Only the Owner transfers the ownership.
    let body = app.run_as(&admin, TRANSFER, json!({"id": admin_id.to_string()})).await;
    assert_eq!(refusal(&body, "originalUserModelTransferOwnership"), "FORBIDDEN");
    // An Admin changes other Admins, Users and Restricted users.
    let (other, _) = v1_user(&app, account, "third@example.com", "ADMIN", &[]).await;
    for role in ["USER", "RESTRICTED", "ADMIN"] {
        let body = app.run_as(&admin, UPDATE, json!({"a": account, "id": other.to_string(), "r": role})).await;
        assert_eq!(accepted(&body, "originalUserModelUpdateUser")["user"]["role"], role);
    }
    let body = app.run_as(&admin, REMOVE, json!({"a": account, "id": other.to_string()})).await;
    assert_eq!(accepted(&body, "originalUserModelRemoveUser")["removedUserId"], other.to_string());
    // The Owner cannot be deleted through user management either, not even by someone holding
    // all the Owner's access (the Admin group, and Admin on the primary account).
    app.add_member(&app.group_id("Admin").await, admin_id).await;
    let body = app
        .run_as(
            &admin,
            "mutation($id: ID!) { userManagementDeleteUser(deleteUserOptions: {id: $id}) { deletedUser { id } } }",
            json!({"id": owner}),
        )
        .await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("Owner"), "{body}");
    assert!(user::Entity::find_by_id(app.admin_user_id).one(&app.db).await.expect("query").is_some());
});

backend_test!(the_owner_hands_the_ownership_over_and_two_concurrent_transfers_leave_one_owner, |app| {
    let account = app.primary_account_id;
    let (a, a_key) = v1_user(&app, account, "heir-a@example.com", "ADMIN", &[]).await;
    let (b, _) = v1_user(&app, account, "heir-b@example.com", "ADMIN", &[]).await;
    let (first, second) = tokio::join!(
        app.graphql_as(Some(ADMIN_KEY), TRANSFER, json!({"id": a.to_string()})),
        app.graphql_as(Some(ADMIN_KEY), TRANSFER, json!({"id": b.to_string()})),
    );
    let outcomes =
        [&first.1, &second.1].map(|body| payload(body, "originalUserModelTransferOwnership")["errors"].clone());
    let succeeded = outcomes.iter().filter(|e| **e == json!([])).count();
    assert_eq!(succeeded, 1, "exactly one transfer: {first:?} {second:?}");
    let owners = original_owner::Entity::find().all(&app.db).await.expect("owners");
    assert_eq!(owners.len(), 1);
    let new_owner = owners[0].user_id;
    assert!(new_owner == a || new_owner == b);
    let owner_rows = original_membership::Entity::find()
        .filter(original_membership::Column::BaseRole.eq(entity::enums::OriginalBaseRole::Owner))
        .all(&app.db)
        .await
        .expect("memberships");
    assert_eq!(owner_rows.iter().map(|m| m.user_id).collect::<Vec<_>>(), vec![new_owner], "one OWNER role");
    // The former Owner is an Admin now; the new Owner bills.
    let body = app.ok(READ, json!({"a": account})).await;
    let users =
        body["data"]["actor"]["account"]["originalUserModel"]["users"]["users"].as_array().expect("users").clone();
    let role_of =
        |id: i64| users.iter().find(|u| u["id"].as_str() == Some(id.to_string().as_str())).map(|u| u["role"].clone());
    assert_eq!(role_of(app.admin_user_id), Some(json!("ADMIN")));
    assert_eq!(role_of(new_owner), Some(json!("OWNER")));
    if new_owner == a {
        let caps = capabilities(&app, &a_key, account).await.expect("access");
        assert!(caps.contains(&2602), "the Owner manages billing: {caps:?}");
    }
});

backend_test!(an_add_on_manager_role_gives_admin_capabilities_of_its_product_only, |app| {
    let account = app.primary_account_id;
    let synthetics = manager_role(&app, account, "SYNTHETICS").await;
    let (_, plain) = v1_user(&app, account, "plain@example.com", "RESTRICTED", &[]).await;
    let (id, manager) =
        v1_user(&app, account, "synth@example.com", "RESTRICTED", std::slice::from_ref(&synthetics)).await;
    let caps = capabilities(&app, &manager, account).await.expect("access");
    assert_eq!(caps, union(&[read_tier(), set(1501..=1510)]), "Synthetics admin, Restricted elsewhere");
    assert!(!caps.contains(&1003), "no APM admin capability");
    // An existing guarded operation: the Synthetics permission system needs 1510.
    let enable =
        "mutation($a: Int!) { syntheticsEnablePermissions(accountId: $a) { enabled errors { description type } } }";
    let body = app.run_as(&plain, enable, json!({"a": account})).await;
    assert_ne!(body["data"]["syntheticsEnablePermissions"]["errors"], json!([]), "{body}");
    let body = app.run_as(&manager, enable, json!({"a": account})).await;
    assert_eq!(body["data"]["syntheticsEnablePermissions"]["errors"], json!([]), "{body}");
    assert_eq!(body["data"]["syntheticsEnablePermissions"]["enabled"], true);
    // Taking the add-on role away takes the capabilities.
    let body = app.run(UPDATE, json!({"a": account, "id": id.to_string(), "r": "RESTRICTED", "ids": []})).await;
    accepted(&body, "originalUserModelUpdateUser");
    assert_eq!(capabilities(&app, &manager, account).await, Some(read_tier()));
});

backend_test!(custom_add_on_roles_hold_chosen_selectable_capabilities, |app| {
    let account = app.primary_account_id;
    let body = app.run(CREATE_ROLE, json!({"a": account, "n": "Incident closer", "c": [2403]})).await;
    assert_eq!(refusal(&body, "originalUserModelCreateAddOnRole"), "INVALID", "hidden capabilities are not selectable");
    let body = app.run(CREATE_ROLE, json!({"a": account, "n": "Incident closer", "c": [1107, 1108]})).await;
    let role = accepted(&body, "originalUserModelCreateAddOnRole")["addOnRole"].clone();
    assert_eq!(role["product"], Value::Null);
    assert_eq!(role["capabilityIds"], json!([1107, 1108]));
    let role_id = role["id"].as_str().expect("id").to_owned();
    let (_, key) = v1_user(&app, account, "closer@example.com", "RESTRICTED", std::slice::from_ref(&role_id)).await;
    assert_eq!(capabilities(&app, &key, account).await, Some(union(&[read_tier(), set([1107, 1108])])));
    let body = app.run(UPDATE_ROLE, json!({"a": account, "id": role_id, "c": [1107]})).await;
    assert_eq!(accepted(&body, "originalUserModelUpdateAddOnRole")["addOnRole"]["capabilityIds"], json!([1107]));
    assert_eq!(capabilities(&app, &key, account).await, Some(union(&[read_tier(), set([1107])])));
    let manager = manager_role(&app, account, "APM").await;
    let body = app.run(DELETE_ROLE, json!({"a": account, "id": manager})).await;
    assert_eq!(refusal(&body, "originalUserModelDeleteAddOnRole"), "INVALID", "manager roles stay");
    let body = app.run(DELETE_ROLE, json!({"a": account, "id": role_id})).await;
    accepted(&body, "originalUserModelDeleteAddOnRole");
    assert_eq!(capabilities(&app, &key, account).await, Some(read_tier()));
});

backend_test!(nobody_gives_capabilities_they_do_not_hold, |app| {
    let account = app.primary_account_id;
    // A holder of the standard "Manage v1 users" role holds 2701 and 2702 only.
    let holder = app.create_user("v1-manager@example.com", UserType::Full).await;
    let group = app.create_group("v1 managers").await;
    app.add_member(&group, holder).await;
    app.grant(&group, "manage_v1_users", Some(account)).await;
    let key = app.create_key_on(holder, account).await.0;
    let body = add_as(&app, &key, account, "escalated@example.com", "RESTRICTED", &[]).await;
    assert_eq!(refusal(&body, "originalUserModelAddUser"), "FORBIDDEN");
    assert!(
        user::Entity::find()
            .filter(user::Column::EmailLower.eq("escalated@example.com"))
            .one(&app.db)
            .await
            .expect("q")
            .is_none(),
        "nothing changed"
    );
    // Reading needs only 2702 (or 2701).
    let body = app.run_as(&key, READ, json!({"a": account})).await;
    assert!(body.get("errors").is_none(), "2702 reads: {body}");
});

backend_test!(adding_an_existing_user_raises_their_type_to_the_highest, |app| {
    let id = app.create_user("basic@example.com", UserType::Basic).await;
    let body = add_as(&app, ADMIN_KEY, app.primary_account_id, "BASIC@example.com", "USER", &[]).await;
    assert_eq!(accepted(&body, "originalUserModelAddUser")["user"]["id"], id.to_string(), "found by email");
    let stored = user::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("user");
    assert_eq!(stored.user_type, UserType::Full);
    // Adding again is an input error.
    let body = add_as(&app, ADMIN_KEY, app.primary_account_id, "basic@example.com", "USER", &[]).await;
    assert_eq!(refusal(&body, "originalUserModelAddUser"), "INVALID");
});

backend_test!(a_v1_users_key_carries_their_v1_access_and_loses_it_at_once, |app| {
    let parent = app.primary_account_id;
    let child = child_account(&app, "Keyed child", parent).await;
    let (id, key) = v1_user(&app, parent, "keyed@example.com", "USER", &[]).await;
    let (child_key, _) = app.create_key_on(id, child).await;
    assert_eq!(capabilities(&app, &key, parent).await, Some(union(&[read_tier(), use_tier()])));
    assert_eq!(capabilities(&app, &child_key, child).await, Some(union(&[read_tier(), use_tier()])));
    let body = app.run(REMOVE, json!({"a": parent, "id": id.to_string()})).await;
    accepted(&body, "originalUserModelRemoveUser");
    // The key for the account is deleted with the membership (seed 001): 401 at once.
    let (status, _) = app.graphql_as(Some(&key), CAPS, json!({"a": parent})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The key on the child stays, with no access left there.
    let (status, body) = app.graphql_as(Some(&child_key), CAPS, json!({"a": child})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN", "{body}");
});

backend_test!(the_user_list_pages_in_a_fixed_number_of_statements, |app| {
    let account = app.primary_account_id;
    app.create_users("paged", 150, UserType::Basic).await;
    let users =
        user::Entity::find().filter(user::Column::Email.starts_with("paged")).all(&app.db).await.expect("users");
    let rows = users.iter().map(|u| original_membership::ActiveModel {
        user_id: Set(u.id),
        account_id: Set(account),
        base_role: Set(entity::enums::OriginalBaseRole::Restricted),
        ..Default::default()
    });
    original_membership::Entity::insert_many(rows).exec_without_returning(&app.db).await.expect("memberships");
    app.access_changed().await;
    let body = app.ok(READ, json!({"a": account})).await;
    let page = &body["data"]["actor"]["account"]["originalUserModel"]["users"];
    assert_eq!(page["users"].as_array().map(Vec::len), Some(100));
    let cursor = page["nextCursor"].as_str().expect("a next page").to_owned();
    let body = app.ok(READ, json!({"a": account, "c": cursor})).await;
    let page = &body["data"]["actor"]["account"]["originalUserModel"]["users"];
    assert_eq!(page["users"].as_array().map(Vec::len), Some(51));
    assert_eq!(page["nextCursor"], Value::Null);
    let query = format!(
        "{{ actor {{ account(id: {account}) {{ originalUserModel {{ users {{ users {{ id role addOnRoles {{ id }} }} }} }} }} }} }}"
    );
    let statements = app.statements_for(&query).await;
    assert!(statements <= 8, "{statements} statements for a page of 100");
});

backend_test!(the_users_rest_read_answers_for_the_keys_account, |app| {
    let account = app.primary_account_id;
    let (_, key) = v1_user(&app, account, "rest-admin@example.com", "ADMIN", &[]).await;
    v1_user(&app, account, "Rest.User@example.com", "USER", &[]).await;
    let get = |key: Option<String>, uri: &str| {
        let mut request = Request::get(uri.to_owned());
        if let Some(key) = key {
            request = request.header("X-Api-Key", key);
        }
        request.body(Body::empty()).expect("request")
    };
    let (status, body) = app.send(get(Some(key.clone()), "/v2/users.json")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let users = body["users"].as_array().expect("users");
    assert_eq!(users.len(), 3, "{body}");
    assert_eq!(users[0]["email"], ADMIN_EMAIL);
    assert_eq!(users[0]["role"], "owner");
    assert_eq!(users[0]["first_name"], "Test");
    assert_eq!(users[0]["last_name"], "Admin");
    let (status, body) =
        app.send(get(Some(key.clone()), "/v2/users.json?filter%5Bemail%5D=rest.user%40example.com")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["users"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(body["users"][0]["role"], "user");
    let (status, body) = app.send(get(Some(key.clone()), "/v2/users.json?page=2")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"users": []}));
    // The last page there is, and hostile pages: a clear 400, never a database error.
    let (status, body) = app.send(get(Some(key.clone()), "/v2/users.json?page=1000000")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"users": []})));
    for page in ["0", "-1", "1000001", "18446744073709551615", "99999999999999999999", "x"] {
        let (status, body) = app.send(get(Some(key.clone()), &format!("/v2/users.json?page={page}"))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "page={page}: {body}");
        assert!(body["error"]["title"].as_str().is_some_and(|t| t.contains("page")), "{body}");
    }
    let (status, body) = app.send(get(Some("NRAK-NOTAKEY".into()), "/v2/users.json")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]["title"].is_string(), "{body}");
    let (status, _) = app.send(get(None, "/v2/users.json")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Needs Read v1 users (2701): a User lacks it.
    let (_, user_key) = v1_user(&app, account, "plain-user@example.com", "USER", &[]).await;
    let (status, body) = app.send(get(Some(user_key), "/v2/users.json")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
});

backend_test!(the_users_rest_read_shares_the_failed_key_throttle, |app| {
    use tower::ServiceExt;
    let limits = accessgraph::http::HttpLimits {
        failed_auth_burst: 2,
        failed_auth_refill: std::time::Duration::from_secs(3600),
        ..accessgraph::http::HttpLimits::default()
    };
    let router = app.router_with(limits).await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let request =
            Request::get("/v2/users.json").header("X-Api-Key", "NRAK-WRONG").body(Body::empty()).expect("request");
        statuses.push(router.clone().oneshot(request).await.expect("answer").status());
    }
    assert_eq!(statuses, [StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS]);
});

backend_test!(the_readme_example_adds_a_kiosk_user_with_the_synthetics_manager_role, |app| {
    assert_eq!(app.primary_account_id, 1, "the README adds to account 1");
    let body = app
        .ok(
            r#"mutation {
  originalUserModelAddUser(accountId: 1, user: {
    email: "kiosk@example.com", name: "Lobby screen", userType: FULL_USER_TIER,
    role: RESTRICTED, addOnRoleIds: ["7"]
  }) {
    user { id email role addOnRoles { id name product } inherited receivesNotifications }
    errors { message type }
  }
}"#,
            Value::Null,
        )
        .await;
    let added = accepted(&body, "originalUserModelAddUser");
    assert_eq!(added["user"]["role"], "RESTRICTED");
    assert_eq!(
        added["user"]["addOnRoles"],
        json!([{"id": "7", "name": "Synthetics manager", "product": "SYNTHETICS"}])
    );
    assert_eq!(
        (added["user"]["inherited"].clone(), added["user"]["receivesNotifications"].clone()),
        (json!(false), json!(true))
    );
});

backend_test!(changes_are_audited_for_readers_of_the_accounts_v1_users, |app| {
    let account = app.primary_account_id;
    let (id, user_key) = v1_user(&app, account, "audited@example.com", "USER", &[]).await;
    let body = app.run(UPDATE, json!({"a": account, "id": id.to_string(), "r": "RESTRICTED"})).await;
    accepted(&body, "originalUserModelUpdateUser");
    let audit = r#"query($f: CustomerAdministrationAuditEventFilterInput!) { customerAdministration { auditEvents(filter: $f) { items { action targetId before after } } } }"#;
    let filter =
        json!({"f": {"organizationId": {"eq": app.organization_id}, "targetType": {"eq": "original_membership"}}});
    let body = app.ok(audit, filter.clone()).await;
    let items = body["data"]["customerAdministration"]["auditEvents"]["items"].as_array().expect("items").clone();
    let actions: Vec<&str> = items.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["original_membership.update", "original_membership.create"], "newest first: {body}");
    assert_eq!(items[0]["targetId"], format!("{account}:{id}"));
    // A Restricted user of the account cannot read its v1 users, nor their audit events.
    let body = app.run_as(&user_key, audit, filter).await;
    assert_eq!(body["data"]["customerAdministration"]["auditEvents"]["items"], json!([]), "{body}");
});

backend_test!(explanations_and_holders_count_original_model_access, |app| {
    let parent = app.primary_account_id;
    let child = child_account(&app, "Explained child", parent).await;
    let (id, _) = v1_user(&app, parent, "explained@example.com", "USER", &[]).await;
    let explain = r#"query($u: ID!, $a: Int!) { customerAdministration { accessExplanation(userId: $u, accountId: $a, capabilityId: "1702") { allowed summary } } }"#;
    let body = app.ok(explain, json!({"u": id.to_string(), "a": child})).await;
    let answer = &body["data"]["customerAdministration"]["accessExplanation"];
    assert_eq!(answer["allowed"], true, "{body}");
    assert!(answer["summary"].as_str().unwrap_or_default().contains("original (v1) user model"), "{body}");
    // "Modify alert policies" (1102) is Configure tier: a User lacks it.
    let body = app.ok(&explain.replace("1702", "1102"), json!({"u": id.to_string(), "a": child})).await;
    assert_eq!(body["data"]["customerAdministration"]["accessExplanation"]["allowed"], false, "{body}");
});
