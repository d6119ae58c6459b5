//! Issue 17: explaining access from the code that decides it, over HTTP on both backends, with
//! the seeds' cases: a basic user in a minimal custom group (more than the full user beside them),
//! a core user refused a full-platform capability, organization-only grants, a role requiring core
//! or full given to a basic user, Austin's monitor C; who may ask; every holder of a capability
//! in a fixed number of statements.

use chrono::Utc;
use entity::enums::{Scope, UserType};
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{TestApp, first_error};

const READ_DASHBOARDS: i32 = 1701;
const MODIFY_DASHBOARDS: i32 = 1702;
const READ_APM: i32 = 1001;
const READ_ORGANIZATION_SETTINGS: i32 = 2801;

const EXPLAIN: &str = "query($user: ID!, $account: Int, $capability: ID!) {
  customerAdministration { accessExplanation(userId: $user, accountId: $account, capabilityId: $capability) {
    allowed summary paths { group { id name } role { id name } grantId scope } limits { kind message } } }
}";

const HOLDERS: &str = "query($account: Int, $capability: ID!, $cursor: String) {
  customerAdministration { accessHolders(accountId: $account, capabilityId: $capability, cursor: $cursor) {
    items { user { id email } paths { group { name } role { name } scope } } nextCursor } }
}";

/// A user of `user_type` in a new custom group; returns (user id, group id).
async fn member_of_new_group(app: &TestApp, email: &str, user_type: UserType, group: &str) -> (i64, String) {
    let user = app.create_user(email, user_type).await;
    let group = app.create_group(group).await;
    app.add_member(&group, user).await;
    (user, group)
}

async fn grant_role_id(app: &TestApp, group: &str, role_id: i32, account: i32) {
    entity::access_grant::ActiveModel {
        group_id: Set(group.into()),
        role_id: Set(role_id),
        account_id: Set(Some(account)),
        organization_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert grant");
}

async fn explain_as(app: &TestApp, key: Option<&str>, user: i64, account: Option<i32>, capability: i32) -> Value {
    let variables = json!({ "user": user.to_string(), "account": account, "capability": capability.to_string() });
    let body = match key {
        Some(key) => app.run_as(key, EXPLAIN, variables).await,
        None => app.run(EXPLAIN, variables).await,
    };
    if body.get("errors").is_some() {
        return body;
    }
    body["data"]["customerAdministration"]["accessExplanation"].clone()
}

async fn explain(app: &TestApp, user: i64, account: Option<i32>, capability: i32) -> Value {
    let answer = explain_as(app, None, user, account, capability).await;
    assert!(answer.get("errors").is_none(), "{answer}");
    answer
}

fn kinds(answer: &Value) -> Vec<String> {
    answer["limits"]
        .as_array()
        .expect("limits")
        .iter()
        .map(|l| l["kind"].as_str().expect("present").to_owned())
        .collect()
}

backend_test!(a_basic_user_in_a_minimal_group_has_more_than_the_full_user_beside_them, |app| {
    let account = app.primary_account_id;
    let role = app.create_custom_role(&app.organization_id, "Dashboards viewer", Scope::Account).await;
    app.grant_capability(role, READ_DASHBOARDS).await;
    let (basic, group) = member_of_new_group(&app, "basic@example.com", UserType::Basic, "Minimal").await;
    let full = app.create_user("full@example.com", UserType::Full).await;
    app.add_member(&group, full).await;
    grant_role_id(&app, &group, role, account).await;

    let answer = explain(&app, basic, Some(account), MODIFY_DASHBOARDS).await;
    assert_eq!(answer["allowed"], true, "{answer}");
    assert!(answer["summary"].as_str().expect("present").contains("basic user set"), "{answer}");
    let paths = answer["paths"].as_array().expect("present");
    assert_eq!(paths.len(), 1, "{answer}");
    assert_eq!(paths[0]["group"], json!({ "id": group, "name": "Minimal" }));
    assert_eq!(paths[0]["role"]["name"], "Dashboards viewer");
    assert_eq!(paths[0]["scope"], "account");
    assert!(paths[0]["grantId"].is_string(), "{answer}");
    assert_eq!(kinds(&answer), Vec::<String>::new());

    let answer = explain(&app, full, Some(account), MODIFY_DASHBOARDS).await;
    assert_eq!(answer["allowed"], false, "{answer}");
    assert_eq!(answer["paths"], json!([]));
    assert_eq!(kinds(&answer), ["ROLE_LACKS_CAPABILITY"]);
    // What the role does give, the full user has.
    assert_eq!(explain(&app, full, Some(account), READ_DASHBOARDS).await["allowed"], true);
});

backend_test!(a_core_user_is_refused_a_full_platform_capability, |app| {
    let (core, group) = member_of_new_group(&app, "core@example.com", UserType::Core, "Core devs").await;
    app.grant(&group, "all_product_admin", Some(app.primary_account_id)).await;
    let answer = explain(&app, core, Some(app.primary_account_id), READ_APM).await;
    assert_eq!(answer["allowed"], false, "{answer}");
    assert_eq!(kinds(&answer), ["USER_TYPE"]);
    assert!(answer["summary"].as_str().expect("present").contains("core user"), "{answer}");
    assert_eq!(explain(&app, core, Some(app.primary_account_id), READ_DASHBOARDS).await["allowed"], true);
});

backend_test!(organization_grants_give_no_account_access, |app| {
    let (user, group) = member_of_new_group(&app, "org@example.com", UserType::Full, "Org readers").await;
    app.grant(&group, "organization_read_only", None).await;
    let answer = explain(&app, user, Some(app.primary_account_id), READ_DASHBOARDS).await;
    assert_eq!(answer["allowed"], false, "{answer}");
    assert_eq!(kinds(&answer), ["NO_GRANT_ON_ACCOUNT", "ORGANIZATION_GRANT_ONLY"]);

    let answer = explain(&app, user, None, READ_ORGANIZATION_SETTINGS).await;
    assert_eq!(answer["allowed"], true, "{answer}");
    assert_eq!(answer["paths"][0]["scope"], "organization");
    assert_eq!(answer["paths"][0]["role"]["name"], "Organization read only");
});

backend_test!(a_role_requiring_core_or_full_gives_a_basic_user_nothing, |app| {
    let (basic, group) = member_of_new_group(&app, "basic@example.com", UserType::Basic, "Billing").await;
    app.grant(&group, "billing_user", Some(app.primary_account_id)).await;
    let answer = explain(&app, basic, Some(app.primary_account_id), READ_DASHBOARDS).await;
    assert_eq!(answer["allowed"], false, "{answer}");
    assert_eq!(kinds(&answer), ["ROLE_REQUIRES_USER_TYPE"]);
    assert!(
        answer["limits"][0]["message"]
            .as_str()
            .expect("present")
            .contains("\"Billing user\" requires a core or full user")
    );
});

backend_test!(canceled_accounts_deactivated_users_and_the_answer_matches_the_account_read, |app| {
    let second = app.create_account("Second").await;
    let (user, group) = member_of_new_group(&app, "dev@example.com", UserType::Full, "Devs").await;
    app.grant(&group, "all_product_admin", Some(second)).await;
    assert_eq!(explain(&app, user, Some(second), READ_DASHBOARDS).await["allowed"], true);
    app.set_account_status(second, entity::enums::AccountStatus::Canceled).await;
    let answer = explain(&app, user, Some(second), READ_DASHBOARDS).await;
    assert_eq!(answer["allowed"], false, "{answer}");
    assert_eq!(kinds(&answer), ["ACCOUNT_CANCELED"]);

    app.grant(&group, "all_product_admin", Some(app.primary_account_id)).await;
    app.set_user(user, |u| u.active = Set(false)).await;
    let answer = explain(&app, user, Some(app.primary_account_id), READ_DASHBOARDS).await;
    assert_eq!(answer["allowed"], false, "{answer}");
    assert_eq!(kinds(&answer), ["USER_INACTIVE"]);
    assert_eq!(answer["paths"], json!([]));
});

backend_test!(unknown_users_accounts_and_capabilities_are_not_found, |app| {
    let other = app.create_other_organization().await;
    for (user, account, capability) in [
        (other.user_id, Some(app.primary_account_id), READ_DASHBOARDS),
        (app.admin_user_id, Some(other.account_id), READ_DASHBOARDS),
        (app.admin_user_id, Some(app.primary_account_id), 999_999),
    ] {
        let body = explain_as(&app, None, user, account, capability).await;
        assert_eq!(first_error(&body).1, "NOT_FOUND", "{body}");
    }
});

backend_test!(anyone_asks_about_themselves_and_only_readers_about_others, |app| {
    let (user, group) = member_of_new_group(&app, "dev@example.com", UserType::Full, "Devs").await;
    app.grant(&group, "all_product_admin", Some(app.primary_account_id)).await;
    let key = app.create_key(user).await;

    // About themselves: the answer, without the names they may not read.
    let answer = explain_as(&app, Some(&key), user, Some(app.primary_account_id), READ_DASHBOARDS).await;
    assert_eq!(answer["allowed"], true, "{answer}");
    assert_eq!(answer["paths"], json!([{ "group": null, "role": null, "grantId": null, "scope": "account" }]));

    // About others: refused, whether the user exists or not.
    for other in [app.admin_user_id, 987_654] {
        let body = explain_as(&app, Some(&key), other, Some(app.primary_account_id), READ_DASHBOARDS).await;
        assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    }
    let body = app
        .run_as(&key, HOLDERS, json!({ "account": app.primary_account_id, "capability": READ_DASHBOARDS.to_string() }))
        .await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");

    // Reading groups and grants is not enough: users too.
    let (reader, readers) = member_of_new_group(&app, "reader@example.com", UserType::Full, "Readers").await;
    app.grant(&readers, "organization_read_only", None).await;
    let reader_key = app.create_key(reader).await;
    let body = explain_as(&app, Some(&reader_key), user, Some(app.primary_account_id), READ_DASHBOARDS).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    app.grant(&readers, "authentication_domain_read_only", None).await;
    let answer = explain_as(&app, Some(&reader_key), user, Some(app.primary_account_id), READ_DASHBOARDS).await;
    assert_eq!(answer["allowed"], true, "{answer}");
    assert_eq!(answer["paths"][0]["group"]["name"], "Devs");
    assert_eq!(answer["paths"][0]["role"]["name"], "All product admin");
});

backend_test!(access_holders_lists_every_holder_in_a_fixed_number_of_statements, |app| {
    let account = app.primary_account_id;
    app.create_users("many", 1_000, UserType::Full).await;
    let (holder, group) = member_of_new_group(&app, "holder@example.com", UserType::Core, "Holders").await;
    app.grant(&group, "read_only", Some(account)).await;
    let variables = json!({ "account": account, "capability": READ_DASHBOARDS.to_string() });

    let mut emails = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut vars = variables.clone();
        vars["cursor"] = json!(cursor);
        let body = app.ok(HOLDERS, vars).await;
        let page = &body["data"]["customerAdministration"]["accessHolders"];
        for item in page["items"].as_array().expect("present") {
            emails.push(item["user"]["email"].as_str().expect("present").to_owned());
            if item["user"]["id"] == json!(holder.to_string()) {
                assert_eq!(
                    item["paths"],
                    json!([{ "group": { "name": "Holders" }, "role": { "name": "Read only" }, "scope": "account" }])
                );
            }
        }
        pages += 1;
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    emails.sort();
    assert_eq!(emails, ["admin@example.com", "holder@example.com"]);
    assert_eq!(pages, 3);

    // One page of 500 users and the first: the same statements, whatever the users.
    let query = |cursor: Option<&str>| {
        format!(
            "{{ customerAdministration {{ accessHolders(accountId: {account}, capabilityId: \"{READ_DASHBOARDS}\"{}) {{ items {{ user {{ id }} paths {{ scope }} }} nextCursor }} }} }}",
            cursor.map(|c| format!(", cursor: \"{c}\"")).unwrap_or_default()
        )
    };
    let first = app.statements_for(&query(None)).await;
    let body = app.query(&query(None)).await;
    let next =
        body["data"]["customerAdministration"]["accessHolders"]["nextCursor"].as_str().expect("present").to_owned();
    let second = app.statements_for(&query(Some(&next))).await;
    assert_eq!(first, second);
    assert!(first <= 12, "{first} statements");
});

const SYNTHETICS_EXPLAIN: &str = "query($account: Int!, $user: ID!, $guid: EntityGuid!) {
  actor { account(id: $account) { synthetics { accessExplanation(userId: $user, guid: $guid) {
    view edit permissionSystemEnabled summary
    viewGrantedBy { group { name } target view edit } editGrantedBy { group { name } target view edit }
    limits { kind message } } } } }
}";

async fn synthetics_ok(app: &TestApp, query: &str, variables: Value) {
    let body = app.ok(query, variables).await;
    let payload = body["data"].as_object().and_then(|o| o.values().next()).expect("one field").clone();
    assert_eq!(payload["errors"], json!([]), "{payload}");
}

async fn explain_monitor(app: &TestApp, key: &str, user: i64, guid: &str) -> Value {
    let variables = json!({ "account": app.primary_account_id, "user": user.to_string(), "guid": guid });
    let body = app.run_as(key, SYNTHETICS_EXPLAIN, variables).await;
    if body.get("errors").is_some() {
        return body;
    }
    body["data"]["actor"]["account"]["synthetics"]["accessExplanation"].clone()
}

backend_test!(austin_views_monitor_c_but_cannot_edit_it_and_the_rule_is_named, |app| {
    let account = app.primary_account_id;
    let monitors: Vec<String> = {
        let mut guids = Vec::new();
        for name in ["Monitor A", "Monitor B", "Monitor C", "Monitor D"] {
            guids.push(app.insert_monitor(account, name).await);
        }
        guids
    };
    let (austin, group) = member_of_new_group(&app, "austin@example.com", UserType::Full, "Developers").await;
    app.grant(&group, "all_product_admin", Some(account)).await;
    let austin_key = app.create_key(austin).await;
    let (violet, violets) = member_of_new_group(&app, "violet@example.com", UserType::Full, "Seniors").await;
    app.grant(&violets, "all_product_admin", Some(account)).await;
    let violet_key = app.create_key(violet).await;

    // Off: the capabilities alone decide.
    let answer = explain_monitor(&app, crate::common::ADMIN_KEY, austin, &monitors[2]).await;
    assert_eq!((answer["view"].clone(), answer["edit"].clone()), (json!(true), json!(true)), "{answer}");
    assert_eq!(answer["permissionSystemEnabled"], false);
    assert_eq!(answer["viewGrantedBy"], json!([]));

    synthetics_ok(
        &app,
        "mutation($a: Int!) { syntheticsEnablePermissions(accountId: $a) { errors { description } } }",
        json!({ "a": account }),
    )
    .await;
    let body = app
        .ok(
            "mutation($a: Int!) { syntheticsCreatePermissionGroup(accountId: $a, name: \"New Developers\") { errors { description } group { id } } }",
            json!({ "a": account }),
        )
        .await;
    let permission_group =
        body["data"]["syntheticsCreatePermissionGroup"]["group"]["id"].as_str().expect("present").to_owned();
    synthetics_ok(
        &app,
        "mutation($id: ID!, $u: [Int!]) { syntheticsAddPermissionGroupMembers(id: $id, userIds: $u) { errors { description } } }",
        json!({ "id": permission_group, "u": [austin] }),
    )
    .await;
    for (guid, access) in monitors.iter().zip(["FULL", "FULL", "VIEW", "FULL"]) {
        synthetics_ok(
            &app,
            "mutation($id: ID!, $r: SyntheticsPermissionRuleInput!) { syntheticsSetPermissionGroupRule(id: $id, rule: $r) { errors { description } } }",
            json!({ "id": permission_group, "r": { "entityType": "MONITORS", "entityGuid": guid, "access": access } }),
        )
        .await;
    }

    let answer = explain_monitor(&app, crate::common::ADMIN_KEY, austin, &monitors[2]).await;
    assert_eq!(answer["view"], true, "{answer}");
    assert_eq!(answer["edit"], false, "{answer}");
    assert_eq!(answer["permissionSystemEnabled"], true);
    assert_eq!(
        answer["viewGrantedBy"],
        json!([{ "group": { "name": "New Developers" }, "target": monitors[2], "view": true, "edit": false }])
    );
    assert_eq!(answer["editGrantedBy"], json!([]));
    assert_eq!(answer["limits"].as_array().expect("present").len(), 1, "{answer}");
    assert_eq!(answer["limits"][0]["kind"], "NO_SYNTHETICS_RULE");
    assert!(answer["summary"].as_str().expect("present").contains("can view but not edit"), "{answer}");

    // The answer is what Austin's own requests get: Monitor C is listed, its script refused.
    let body = app
        .run_as(
            &austin_key,
            "query($a: Int!) { actor { account(id: $a) { synthetics { monitors { monitors { name } } } } } }",
            json!({ "a": account }),
        )
        .await;
    let listed =
        body["data"]["actor"]["account"]["synthetics"]["monitors"]["monitors"].as_array().expect("present").len();
    assert_eq!(listed, 4, "{body}");

    // Austin may ask about himself (and sees his group); Violet may not ask about Austin.
    let own = explain_monitor(&app, &austin_key, austin, &monitors[0]).await;
    assert_eq!((own["view"].clone(), own["edit"].clone()), (json!(true), json!(true)), "{own}");
    assert_eq!(own["editGrantedBy"][0]["group"]["name"], "New Developers");
    let refused = explain_monitor(&app, &violet_key, austin, &monitors[0]).await;
    assert_eq!(first_error(&refused).1, "FORBIDDEN", "{refused}");
    // Violet, in no permission group, has nothing while the system is on.
    let violets_own = explain_monitor(&app, &violet_key, violet, &monitors[0]).await;
    assert_eq!((violets_own["view"].clone(), violets_own["edit"].clone()), (json!(false), json!(false)));
});

const WHAT_IF: &str = "query($changes: CustomerAdministrationAccessWhatIfChanges!) {
  customerAdministration { accessWhatIf(changes: $changes) {
    effects { user { id email } accountId gained { id name } lost { id name } } errors { message } } }
}";

backend_test!(a_what_if_revoke_names_exactly_who_would_lose_access_and_changes_nothing, |app| {
    // The primary account: the admin holds All product admin there (delegation never escalates).
    let second = app.primary_account_id;
    let (a, devs) = member_of_new_group(&app, "a@example.com", UserType::Full, "Devs").await;
    let b = app.create_user("b@example.com", UserType::Core).await;
    app.add_member(&devs, b).await;
    app.grant(&devs, "all_product_admin", Some(second)).await;
    let (c, others) = member_of_new_group(&app, "c@example.com", UserType::Full, "Others").await;
    app.grant(&others, "all_product_admin", Some(second)).await;
    let apa = app.standard_role_id("all_product_admin").await;
    let audit_before = app
        .query(
            "{ customerAdministration { auditEvents(filter: {organizationId: {eq: \"ORG\"}}) { totalCount } } }"
                .replace("ORG", &app.organization_id)
                .as_str(),
        )
        .await;

    let changes = json!({
        "revokeAccess": [{ "groupId": devs, "accountAccessGrants": [{ "accountId": second, "roleId": apa.to_string() }] }],
        "deleteGroups": [{ "id": "no-such-group" }],
    });
    let body = app.ok(WHAT_IF, json!({ "changes": changes })).await;
    let answer = &body["data"]["customerAdministration"]["accessWhatIf"];
    let effects = answer["effects"].as_array().expect("effects");
    let mut who: Vec<&str> = effects.iter().map(|e| e["user"]["email"].as_str().expect("email")).collect();
    who.sort_unstable();
    assert_eq!(who, ["a@example.com", "b@example.com"], "{answer}");
    for effect in effects {
        assert_eq!(effect["accountId"], second, "{effect}");
        assert_eq!(effect["gained"], json!([]));
        let lost: Vec<&str> =
            effect["lost"].as_array().expect("lost").iter().map(|c| c["name"].as_str().expect("name")).collect();
        assert!(lost.contains(&"Read dashboards"), "{effect}");
        // The core user never had the full-platform capabilities, so does not lose them.
        let apm = lost.contains(&"Read APM applications");
        assert_eq!(apm, effect["user"]["id"] == json!(a.to_string()), "{effect}");
    }
    assert_eq!(answer["errors"].as_array().expect("errors").len(), 1, "{answer}");

    // Nothing changed: the grant still gives access, and no audit event was recorded.
    for user in [a, b, c] {
        assert_eq!(explain(&app, user, Some(second), READ_DASHBOARDS).await["allowed"], true);
    }
    let audit_after = app
        .query(
            "{ customerAdministration { auditEvents(filter: {organizationId: {eq: \"ORG\"}}) { totalCount } } }"
                .replace("ORG", &app.organization_id)
                .as_str(),
        )
        .await;
    assert_eq!(audit_before, audit_after);

    // A grant and an added member are previewed as gains.
    let changes = json!({ "addUsersToGroups": [{ "groupIds": [others], "userIds": [b.to_string()] }] });
    let body = app.ok(WHAT_IF, json!({ "changes": changes })).await;
    let effects = body["data"]["customerAdministration"]["accessWhatIf"]["effects"].clone();
    assert_eq!(effects.as_array().expect("effects").len(), 0, "b gains nothing new as a core user: {effects}");

    // Only readers of users, groups and grants may preview.
    let key = app.create_key(a).await;
    let body = app.run_as(&key, WHAT_IF, json!({ "changes": {} })).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
});
