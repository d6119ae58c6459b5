//! The permission model end to end: a user's key sees exactly what their groups, grants, roles and
//! user type give them now, through `actor.accounts` and the account guard.

use entity::enums::UserType;
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::TestApp;

async fn account_ids(app: &TestApp, key: &str) -> Value {
    app.query_as(key, "{ actor { accounts { id } } }").await["data"]["actor"]["accounts"].clone()
}

fn ids(ids: &[i32]) -> Value {
    Value::Array(ids.iter().map(|id| json!({ "id": id })).collect())
}

backend_test!(a_user_without_groups_sees_no_account_but_themselves, |app| {
    let user = app.create_user("nobody@example.com", UserType::Full).await;
    let key = app.create_key(user).await;
    assert_eq!(account_ids(&app, &key).await, ids(&[]));
    let body = app
        .query_as(
            &key,
            &format!(
                "{{ actor {{ account(id: {}) {{ id }} user {{ email }} organization {{ name }} }} }}",
                app.primary_account_id
            ),
        )
        .await;
    assert_eq!(body["data"]["actor"]["account"], Value::Null);
    assert_eq!(body["data"]["actor"]["user"]["email"], "nobody@example.com");
    assert_eq!(body["data"]["actor"]["organization"]["name"], "Test Organization");
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN");
});

backend_test!(joining_and_leaving_a_group_changes_access_on_the_next_request, |app| {
    let user = app.create_user("mover@example.com", UserType::Core).await;
    let key = app.create_key(user).await;
    let group = app.group_id("User").await;
    assert_eq!(account_ids(&app, &key).await, ids(&[]));
    app.add_member(&group, user).await;
    assert_eq!(account_ids(&app, &key).await, ids(&[app.primary_account_id]));
    app.remove_member(&group, user).await;
    assert_eq!(account_ids(&app, &key).await, ids(&[]));
});

backend_test!(membership_without_a_grant_gives_nothing, |app| {
    let user = app.create_user("member@example.com", UserType::Full).await;
    let key = app.create_key(user).await;
    let group = app.create_group("No grants").await;
    app.add_member(&group, user).await;
    assert_eq!(account_ids(&app, &key).await, ids(&[]));
});

backend_test!(organization_scoped_grants_alone_give_no_account, |app| {
    let user = app.create_user("orgonly@example.com", UserType::Full).await;
    let key = app.create_key(user).await;
    let group = app.create_group("Domain managers").await;
    app.grant(&group, "authentication_domain_manager", None).await;
    app.add_member(&group, user).await;
    assert_eq!(account_ids(&app, &key).await, ids(&[]));
});

backend_test!(a_role_requiring_core_gives_a_basic_user_no_account, |app| {
    let basic = app.create_user("basic@example.com", UserType::Basic).await;
    let core = app.create_user("core@example.com", UserType::Core).await;
    let group = app.create_group("Billing").await;
    app.grant(&group, "billing_user", Some(app.primary_account_id)).await;
    app.add_member(&group, basic).await;
    app.add_member(&group, core).await;
    assert_eq!(account_ids(&app, &app.create_key(basic).await).await, ids(&[]));
    assert_eq!(account_ids(&app, &app.create_key(core).await).await, ids(&[app.primary_account_id]));
});

backend_test!(grants_reach_exactly_their_accounts_and_changing_type_applies_at_once, |app| {
    // An integration-style user granted 3 of 5 accounts sees exactly those 3.
    let mut accounts = vec![app.primary_account_id];
    for n in 2..=5 {
        accounts.push(app.create_account(&format!("Account {n}")).await);
    }
    let user = app.create_user("integration@example.com", UserType::Full).await;
    let key = app.create_key(user).await;
    let group = app.create_group("Integration").await;
    for &account in &accounts[..3] {
        app.grant(&group, "read_only", Some(account)).await;
    }
    app.add_member(&group, user).await;
    assert_eq!(account_ids(&app, &key).await, ids(&accounts[..3]));
    for &account in &accounts[3..] {
        let body = app.query_as(&key, &format!("{{ actor {{ account(id: {account}) {{ id }} }} }}")).await;
        assert_eq!(body["data"]["actor"]["account"], Value::Null);
    }

    // Manage v1 users requires a full platform user: as core, that grant gives nothing.
    let v1 = app.create_account("v1 only").await;
    app.grant(&group, "manage_v1_users", Some(v1)).await;
    let mut expected = accounts[..3].to_vec();
    expected.push(v1);
    assert_eq!(account_ids(&app, &key).await, ids(&expected));
    app.set_user(user, |u| u.user_type = sea_orm::Set(UserType::Core)).await;
    assert_eq!(account_ids(&app, &key).await, ids(&accounts[..3]));
});

backend_test!(canceled_accounts_give_no_access, |app| {
    use entity::enums::AccountStatus;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let other = app.create_account("Soon canceled").await;
    app.grant(&app.group_id("Admin").await, "all_product_admin", Some(other)).await;
    let admin = crate::common::ADMIN_KEY;
    assert_eq!(account_ids(&app, admin).await, ids(&[app.primary_account_id, other]));
    let mut model: entity::account::ActiveModel =
        entity::account::Entity::find_by_id(other).one(&app.db).await.expect("query").expect("account").into();
    model.status = Set(AccountStatus::Canceled);
    model.update(&app.db).await.expect("cancel");
    assert_eq!(account_ids(&app, admin).await, ids(&[app.primary_account_id]));
});
