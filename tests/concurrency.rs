//! Writes under contention: many mutations sent at once, each on its own task of a multi-threaded
//! runtime, through the real router against the real database (SQLite with the production
//! connection options of `db::connect_options`, and PostgreSQL). No change may fail with an
//! internal error, and none that was acknowledged may be lost to a racing delete.

use std::collections::BTreeSet;
use std::sync::Arc;

use entity::enums::{Scope, UserType};
use entity::{
    access_grant, authentication_domain, group, group_membership, role, synthetics_monitor,
    synthetics_permission_group as sgroup, synthetics_permission_group_member as smember,
    synthetics_permission_rule as srule, user,
};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{TestApp, first_error};

const NOT_FOUND: &str = "Could not find the target or you are unauthorized.";
const ROLE_MUST_EXIST: &str = "Validation failed: Role must exist, Role can't be blank";
/// "Modify dashboards": selectable, account scope.
const MODIFY_DASHBOARDS: i32 = 1702;

const CREATE_USER: &str = r#"mutation($o: UserManagementCreateUser!) {
  userManagementCreateUser(createUserOptions: $o) { createdUser { id } } }"#;
const UPDATE_USER: &str = r#"mutation($o: UserManagementUpdateUser!) {
  userManagementUpdateUser(updateUserOptions: $o) { user { id } } }"#;
const CREATE_GROUP: &str = r#"mutation($o: UserManagementCreateGroup) {
  userManagementCreateGroup(createGroupOptions: $o) { group { id } } }"#;
const DELETE_GROUP: &str = r#"mutation($o: UserManagementDeleteGroup) {
  userManagementDeleteGroup(groupOptions: $o) { group { id } } }"#;
const ADD_USERS: &str = r#"mutation($o: UserManagementUsersGroupsInput) {
  userManagementAddUsersToGroups(addUsersToGroupsOptions: $o) { groups { id } } }"#;
const GRANT: &str = r#"mutation($o: AuthorizationManagementGrantAccess) {
  authorizationManagementGrantAccess(grantAccessOptions: $o) { roles { id } } }"#;
const CREATE_ROLE: &str = r#"mutation($container: CustomRoleContainerInput!, $name: String!, $permissionIds: [Int!]!, $scope: String!) {
  customRoleCreate(container: $container, name: $name, permissionIds: $permissionIds, scope: $scope) { id } }"#;
const DELETE_ROLE: &str = "mutation($id: Int!) { customRoleDelete(id: $id) { id } }";
const CREATE_DOMAIN: &str = r#"mutation($name: String!, $a: OrganizationAuthenticationTypeEnum!, $p: OrganizationProvisioningTypeEnum!) {
  authenticationDomainCreate(name: $name, authenticationType: $a, provisioningType: $p) { id } }"#;
const DELETE_DOMAIN: &str = "mutation($id: ID!) { authenticationDomainDelete(id: $id) { id } }";
const CREATE_ACCOUNT: &str = r#"mutation($o: AccountManagementCreateInput!) {
  accountManagementCreateAccount(managedAccount: $o) { managedAccount { id } } }"#;
const SYNTHETICS_CREATE_GROUP: &str = "mutation($a: Int!, $n: String!) {
  syntheticsCreatePermissionGroup(accountId: $a, name: $n) { errors { description type } group { id } } }";
const SYNTHETICS_DELETE_GROUP: &str =
    "mutation($id: ID!) { syntheticsDeletePermissionGroup(id: $id) { errors { description type } group { id } } }";
const SYNTHETICS_ADD_MEMBERS: &str = "mutation($id: ID!, $u: [Int!]) {
  syntheticsAddPermissionGroupMembers(id: $id, userIds: $u) { errors { description type } group { id } } }";
const SYNTHETICS_SET_RULE: &str = "mutation($id: ID!, $r: SyntheticsPermissionRuleInput!) {
  syntheticsSetPermissionGroupRule(id: $id, rule: $r) { errors { description type } group { id } } }";
const DELETE_MONITOR: &str = "mutation($guid: EntityGuid!) { syntheticsDeleteMonitor(guid: $guid) { deletedGuid } }";

/// Like `backend_test!`, on a multi-threaded runtime, with the app shared by the tasks.
macro_rules! concurrency_test {
    ($name:ident, |$app:ident| $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                let $app = std::sync::Arc::new($crate::common::TestApp::sqlite().await);
                $body
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some($app) = $crate::common::TestApp::postgres().await else {
                    eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
                    return;
                };
                let $app = std::sync::Arc::new($app);
                $body
            }
        }
    };
}

/// Sends every operation at once, each on its own task, at most as many in flight as one user may
/// have (25, beyond which the server answers 429); the response bodies, in order.
async fn concurrently(app: &Arc<TestApp>, operations: Vec<(&'static str, Value)>) -> Vec<Value> {
    let slots = Arc::new(tokio::sync::Semaphore::new(25));
    let tasks = operations.into_iter().map(|(query, variables)| {
        let (app, slots) = (app.clone(), slots.clone());
        tokio::spawn(async move {
            let _slot = slots.acquire_owned().await.expect("open semaphore");
            app.run(query, variables).await
        })
    });
    join_all(tasks).await.into_iter().map(|done| done.expect("the request task finishes")).collect()
}

/// `Ok(data)` of a body without errors, else `Err((message, errorClass))` of its first error.
fn outcome(body: &Value) -> Result<&Value, (String, String)> {
    if body.get("errors").is_some() { Err(first_error(body)) } else { Ok(&body["data"]) }
}

fn refused(message: &str, class: &str) -> Result<&'static Value, (String, String)> {
    Err((message.to_owned(), class.to_owned()))
}

fn id_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not an id: {other}"),
    }
}

fn create_user(domain: &str, email: &str, tier: Option<&str>) -> (&'static str, Value) {
    (CREATE_USER, json!({"o": {"authenticationDomainId": domain, "email": email, "name": "Racer", "userType": tier}}))
}

fn account_grant(group: &str, role: i32, account: i32) -> Value {
    json!({"o": {"groupId": group, "accountAccessGrants": [{"accountId": account, "roleId": role.to_string()}]}})
}

concurrency_test!(concurrent_admin_mutations_of_every_kind_all_succeed, |app| {
    let domain = app.default_domain_id().await;
    let apa = app.standard_role_id("all_product_admin").await;
    let account = app.primary_account_id;
    for round in 0..2 {
        let mut groups = Vec::new();
        let mut users = Vec::new();
        for i in 0..6 {
            groups.push(app.create_group(&format!("Team {round}-{i}")).await);
            users.push(app.create_user(&format!("member{round}-{i}@example.com"), UserType::Core).await);
        }
        let mut operations = Vec::new();
        for i in 0..6 {
            let tier = ["BASIC_USER_TIER", "CORE_USER_TIER", "FULL_USER_TIER"][i % 3];
            operations.push(create_user(&domain, &format!("new{round}-{i}@example.com"), Some(tier)));
        }
        for i in 0..3 {
            let name = format!("Created {round}-{i}");
            operations.push((CREATE_GROUP, json!({"o": {"authenticationDomainId": domain, "displayName": name}})));
        }
        for i in 0..4 {
            operations.push((ADD_USERS, json!({"o": {"groupIds": [groups[i]], "userIds": [users[i].to_string()]}})));
        }
        for group in &groups[0..3] {
            operations.push((GRANT, account_grant(group, apa, account)));
        }
        for i in 0..3 {
            operations.push((
                CREATE_ROLE,
                json!({"container": {"id": app.organization_id}, "name": format!("Role {round}-{i}"),
                    "permissionIds": [MODIFY_DASHBOARDS], "scope": "account"}),
            ));
        }
        for i in 0..2 {
            operations.push((CREATE_ACCOUNT, json!({"o": {"name": format!("Account {round}-{i}")}})));
        }
        for user in &users[4..6] {
            operations.push((
                UPDATE_USER,
                json!({"o": {"id": user.to_string(), "name": "Renamed", "userType": "FULL_USER_TIER"}}),
            ));
        }
        operations.push((CREATE_DOMAIN, json!({"name": format!("Domain {round}"), "a": "PASSWORD", "p": "MANUAL"})));
        operations.push((DELETE_GROUP, json!({"o": {"id": groups[5]}})));
        operations.push((DELETE_GROUP, json!({"o": {"id": groups[4]}})));
        assert!(operations.len() >= 20);

        for body in concurrently(&app, operations).await {
            assert!(body.get("errors").is_none(), "round {round}: {body}");
        }

        let created = user::Entity::find()
            .filter(user::Column::EmailLower.starts_with(format!("new{round}-")))
            .count(&app.db)
            .await
            .expect("count users");
        assert_eq!(created, 6);
        for i in 0..4 {
            let members = group_membership::Entity::find()
                .filter(group_membership::Column::GroupId.eq(groups[i].as_str()))
                .filter(group_membership::Column::UserId.eq(users[i]))
                .count(&app.db)
                .await
                .expect("count memberships");
            assert_eq!(members, 1, "round {round}: group {i}");
        }
        let grants = access_grant::Entity::find()
            .filter(access_grant::Column::GroupId.is_in(groups[0..3].iter().cloned()))
            .count(&app.db)
            .await
            .expect("count grants");
        assert_eq!(grants, 3);
        for deleted in &groups[4..6] {
            assert!(group::Entity::find_by_id(deleted.as_str()).one(&app.db).await.expect("query").is_none());
        }
    }
});

concurrency_test!(a_domain_delete_racing_user_creates_never_loses_an_acknowledged_user, |app| {
    for round in 0..6 {
        let body =
            app.ok(CREATE_DOMAIN, json!({"name": format!("Race {round}"), "a": "PASSWORD", "p": "MANUAL"})).await;
        let domain = id_of(&body["data"]["authenticationDomainCreate"]["id"]);
        let mut operations: Vec<_> = (0..12)
            .map(|i| {
                let tier = if i % 2 == 0 { None } else { Some("FULL_USER_TIER") };
                create_user(&domain, &format!("racer{round}-{i}@example.com"), tier)
            })
            .collect();
        // The delete goes out after some creates and before others.
        let at = 2 + round % 6;
        operations.insert(at, (DELETE_DOMAIN, json!({"id": domain})));

        let bodies = concurrently(&app, operations).await;
        let deleted = match outcome(&bodies[at]) {
            Ok(_) => true,
            Err((message, class)) => {
                assert_eq!(class, "BAD_USER_INPUT", "round {round}: {}", bodies[at]);
                assert!(message.starts_with("The authentication domain still has"), "round {round}: {message}");
                false
            }
        };
        let mut acknowledged = BTreeSet::new();
        for (i, body) in bodies.iter().enumerate().filter(|(i, _)| *i != at) {
            match outcome(body) {
                Ok(data) => {
                    acknowledged.insert(id_of(&data["userManagementCreateUser"]["createdUser"]["id"]));
                }
                Err(error) => assert_eq!(Err(error), refused(NOT_FOUND, "NOT_FOUND"), "round {round}, create {i}"),
            }
        }

        let stored: BTreeSet<String> = user::Entity::find()
            .filter(user::Column::AuthenticationDomainId.eq(domain.as_str()))
            .all(&app.db)
            .await
            .expect("users")
            .into_iter()
            .map(|u| u.id.to_string())
            .collect();
        assert_eq!(stored, acknowledged, "round {round}: every acknowledged user exists, and no other");
        let domain_left = authentication_domain::Entity::find_by_id(domain.as_str()).one(&app.db).await.expect("query");
        assert_eq!(domain_left.is_none(), deleted, "round {round}");
        if deleted {
            assert!(acknowledged.is_empty(), "round {round}: a deleted domain had acknowledged users");
        } else {
            assert!(!acknowledged.is_empty(), "round {round}: the delete was refused for users that exist");
        }
    }
});

concurrency_test!(adding_members_racing_a_group_delete_answers_not_found_and_stays_consistent, |app| {
    let mut users = Vec::new();
    for i in 0..6 {
        users.push(app.create_user(&format!("joiner{i}@example.com"), UserType::Core).await);
    }
    for round in 0..3 {
        let doomed = app.create_group(&format!("Doomed {round}")).await;
        let mut operations: Vec<_> = users
            .iter()
            .map(|user| (ADD_USERS, json!({"o": {"groupIds": [doomed], "userIds": [user.to_string()]}})))
            .collect();
        operations.insert(2, (DELETE_GROUP, json!({"o": {"id": doomed}})));

        let bodies = concurrently(&app, operations).await;
        assert!(outcome(&bodies[2]).is_ok(), "round {round}: {}", bodies[2]);
        for (i, body) in bodies.iter().enumerate().filter(|(i, _)| *i != 2) {
            if let Err(error) = outcome(body) {
                assert_eq!(Err(error), refused(NOT_FOUND, "NOT_FOUND"), "round {round}, add {i}");
            }
        }
        assert!(group::Entity::find_by_id(doomed.as_str()).one(&app.db).await.expect("query").is_none());
        let orphans = group_membership::Entity::find()
            .filter(group_membership::Column::GroupId.eq(doomed.as_str()))
            .count(&app.db)
            .await
            .expect("count memberships");
        assert_eq!(orphans, 0, "round {round}");
    }
    let left = user::Entity::find().filter(user::Column::Id.is_in(users.clone())).count(&app.db).await.expect("count");
    assert_eq!(left, users.len() as u64);
});

concurrency_test!(grants_racing_a_custom_role_delete_are_kept_or_refused_never_lost, |app| {
    let account = app.primary_account_id;
    for round in 0..3 {
        let role_id = app.create_custom_role(&app.organization_id, &format!("Contested {round}"), Scope::Account).await;
        app.grant_capability(role_id, MODIFY_DASHBOARDS).await;
        let mut groups = Vec::new();
        for i in 0..6 {
            groups.push(app.create_group(&format!("Grantee {round}-{i}")).await);
        }
        let mut operations: Vec<_> =
            groups.iter().map(|group| (GRANT, account_grant(group, role_id, account))).collect();
        operations.insert(2, (DELETE_ROLE, json!({"id": role_id})));

        let bodies = concurrently(&app, operations).await;
        let deleted = match outcome(&bodies[2]) {
            Ok(_) => true,
            Err((message, class)) => {
                assert_eq!(class, "BAD_USER_INPUT", "round {round}: {}", bodies[2]);
                assert!(message.starts_with(&format!("The role 'Contested {round}' is granted")), "{message}");
                false
            }
        };
        let mut acknowledged = 0;
        for (i, body) in bodies.iter().enumerate().filter(|(i, _)| *i != 2) {
            match outcome(body) {
                Ok(_) => acknowledged += 1,
                Err(error) => {
                    assert_eq!(Err(error), refused(ROLE_MUST_EXIST, "BAD_USER_INPUT"), "round {round}, grant {i}")
                }
            }
        }

        let stored = access_grant::Entity::find()
            .filter(access_grant::Column::RoleId.eq(role_id))
            .count(&app.db)
            .await
            .expect("count grants");
        assert_eq!(stored, acknowledged, "round {round}: every acknowledged grant exists");
        let role_left = role::Entity::find_by_id(role_id).one(&app.db).await.expect("query");
        assert_eq!(role_left.is_none(), deleted, "round {round}");
        assert_eq!(deleted, acknowledged == 0, "round {round}: the role goes only when nobody holds it");
    }
});

/// A Synthetics mutation's answer: `Ok` without errors, else the first error's text and type (a
/// payload error, or a top-level one with its errorClass).
fn synthetics_outcome(body: &Value) -> Result<(), (String, String)> {
    if body.get("errors").is_some() {
        return Err(first_error(body));
    }
    let payload = body["data"].as_object().and_then(|o| o.values().next()).cloned().unwrap_or(Value::Null);
    match payload["errors"].get(0) {
        Some(error) => Err((
            error["description"].as_str().unwrap_or_default().to_owned(),
            error["type"].as_str().unwrap_or_default().to_owned(),
        )),
        None => Ok(()),
    }
}

concurrency_test!(synthetics_permission_changes_racing_deletes_leave_no_orphans, |app| {
    let account = app.primary_account_id;
    // Members need access to the account: the default User group gives it.
    let user_group = app.group_id("User").await;
    let mut users = Vec::new();
    for i in 0..4 {
        let id = app.create_user(&format!("synth{i}@example.com"), UserType::Core).await;
        app.add_member(&user_group, id).await;
        users.push(id);
    }
    for round in 0..3 {
        let monitor = app.insert_monitor(account, &format!("Probe {round}")).await;
        let mut groups = Vec::new();
        for i in 0..4 {
            let body = app.ok(SYNTHETICS_CREATE_GROUP, json!({"a": account, "n": format!("Perm {round}-{i}")})).await;
            groups.push(id_of(&body["data"]["syntheticsCreatePermissionGroup"]["group"]["id"]));
        }
        let doomed = groups[0].clone();
        let rule = |group: &str| json!({"id": group, "r": {"entityType": "MONITORS", "entityGuid": monitor, "access": "VIEW"}});
        let mut operations: Vec<(&'static str, Value)> =
            users.iter().map(|user| (SYNTHETICS_ADD_MEMBERS, json!({"id": doomed, "u": [user]}))).collect();
        operations.push((SYNTHETICS_SET_RULE, rule(&doomed)));
        operations.insert(2, (SYNTHETICS_DELETE_GROUP, json!({"id": doomed})));
        for group in &groups[1..] {
            operations.push((SYNTHETICS_SET_RULE, rule(group)));
        }
        operations.insert(6, (DELETE_MONITOR, json!({"guid": monitor})));

        for (i, body) in concurrently(&app, operations).await.iter().enumerate() {
            match synthetics_outcome(body) {
                Ok(()) => {}
                Err((message, kind)) => {
                    assert!(i != 2 && i != 6, "round {round}: the deletes succeed: {body}");
                    assert!(kind.contains("NOT_FOUND"), "round {round}, operation {i}: {message} ({kind}): {body}");
                }
            }
        }

        assert!(sgroup::Entity::find_by_id(doomed.as_str()).one(&app.db).await.expect("query").is_none());
        for (what, orphans) in [
            (
                "members",
                smember::Entity::find().filter(smember::Column::GroupId.eq(doomed.as_str())).count(&app.db).await,
            ),
            ("rules", srule::Entity::find().filter(srule::Column::GroupId.eq(doomed.as_str())).count(&app.db).await),
            (
                "rules on the deleted monitor",
                srule::Entity::find().filter(srule::Column::Target.eq(monitor.as_str())).count(&app.db).await,
            ),
            (
                "monitors",
                synthetics_monitor::Entity::find()
                    .filter(synthetics_monitor::Column::Guid.eq(monitor.as_str()))
                    .count(&app.db)
                    .await,
            ),
        ] {
            assert_eq!(orphans.expect("count"), 0, "round {round}: {what} left");
        }
    }
});
