//! Accounts and the organization: `actor.organization` (account management, account shares), the
//! `accountManagement*Account` mutations and `organizationUpdate`, sent as newrelic-client-go sends
//! them.

use entity::enums::{AccountStatus, UserType};
use entity::{account, audit_event};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{TestApp, first_error};

const NOT_FOUND: &str = "Could not find the target or you are unauthorized.";

/// client-go `accountmanagement.GetManagedAccounts` (it sends an `isCanceled` it does not declare).
const GET_MANAGED_ACCOUNTS: &str =
    "query { actor { organization { accountManagement { managedAccounts { id isCanceled name regionCode } } } } }";

/// client-go `accountmanagement.GetManagedAccountsWithAdditionalArguments`.
const GET_MANAGED_ACCOUNTS_WITH_ARGS: &str = r#"query($isCanceled: Boolean) { actor { organization {
  accountManagement { managedAccounts(isCanceled: $isCanceled) { id isCanceled name regionCode } } } } }"#;

/// client-go `accountmanagement.AccountManagementCreateAccount`.
const CREATE_ACCOUNT: &str = r#"mutation($managedAccount: AccountManagementCreateInput!) {
  accountManagementCreateAccount(managedAccount: $managedAccount) { managedAccount { id isCanceled name regionCode } } }"#;

/// client-go `accountmanagement.AccountManagementUpdateAccount`.
const UPDATE_ACCOUNT: &str = r#"mutation($managedAccount: AccountManagementUpdateInput!) {
  accountManagementUpdateAccount(managedAccount: $managedAccount) { managedAccount { id isCanceled name regionCode } } }"#;

/// client-go `accountmanagement.AccountManagementCancelAccount`.
const CANCEL_ACCOUNT: &str =
    r#"mutation($id: Int!) { accountManagementCancelAccount(id: $id) { id isCanceled name regionCode } }"#;

/// client-go `organization.GetOrganization`: the organization's own fields and its stitched areas.
const GET_ORGANIZATION: &str = r#"query { actor { organization {
  accountManagement { managedAccounts { id isCanceled name regionCode } }
  accountShares { sharedAccounts { accountId id limitingDataAccessPolicyId limitingRoleId name sourceOrganizationId
    sourceOrganizationName targetOrganizationId targetOrganizationName } }
  administrator { organizationId organizationName }
  customerId id name storageAccountId telemetryId } } }"#;

/// client-go `organization.GetWorkflow`.
const GET_WORKFLOW: &str = r#"query($name: String!) { actor { organization { workflowAutomation {
  workflow(name: $name) { definition { definitionId description name version yaml } } } } } }"#;

/// client-go `organization.OrganizationUpdate` (Go sends `organizationId: ""` when it has none).
const ORGANIZATION_UPDATE: &str = r#"mutation($organization: OrganizationUpdateInput!, $organizationId: ID) {
  organizationUpdate(organization: $organization, organizationId: $organizationId) {
    errors { message type } organizationInformation { id name } } }"#;

/// client-go `accounts.ListAccounts` (it sends an `accountId` it does not declare).
const LIST_ACCOUNTS: &str = "query($scope: RegionScope) { actor { accounts(scope: $scope) { id name } } }";

fn assert_error(body: &Value, message: &str, class: &str) {
    assert_eq!(first_error(body), (message.to_owned(), class.to_owned()), "{body}");
}

fn create_vars(name: &str, region: Option<&str>) -> Value {
    json!({"managedAccount": {"name": name, "regionCode": region}})
}

/// Every account as (id, name, status, region, parent), by id: what a refused change must leave.
async fn accounts_table(app: &TestApp) -> Vec<(i32, String, AccountStatus, String, Option<i32>)> {
    account::Entity::find()
        .order_by_asc(account::Column::Id)
        .all(&app.db)
        .await
        .expect("accounts")
        .into_iter()
        .map(|a| (a.id, a.name, a.status, a.region_code, a.parent_id))
        .collect()
}

/// The audit actions on `target_type` made by the bootstrap admin, oldest first.
async fn audit_actions(app: &TestApp, target_type: &str) -> Vec<String> {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetType.eq(target_type))
        .filter(audit_event::Column::ActorUserId.eq(app.admin_user_id))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .expect("audit events")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn audit_count(app: &TestApp) -> u64 {
    audit_event::Entity::find().count(&app.db).await.expect("count audit events")
}

async fn create(app: &TestApp, name: &str) -> i32 {
    let body = app.ok(CREATE_ACCOUNT, create_vars(name, None)).await;
    let id = &body["data"]["accountManagementCreateAccount"]["managedAccount"]["id"];
    i32::try_from(id.as_i64().expect("a numeric account id")).expect("an Int")
}

fn managed(app_primary: i32, name: &str) -> Value {
    json!({"id": app_primary, "isCanceled": false, "name": name, "regionCode": "us01"})
}

/// A CORE user in a group with Read only on the primary account and nothing on the organization.
async fn account_only_user(app: &TestApp) -> (i64, String, String) {
    let user = app.create_user("core@example.com", UserType::Core).await;
    let group = app.create_group("Observers").await;
    app.grant(&group, "read_only", Some(app.primary_account_id)).await;
    app.add_member(&group, user).await;
    let key = app.create_key(user).await;
    (user, group, key)
}

backend_test!(managed_accounts_are_the_active_ones_unless_canceled_ones_are_asked_for, |app| {
    let body = app.ok(GET_MANAGED_ACCOUNTS, json!({"isCanceled": false})).await;
    assert_eq!(
        body["data"]["actor"]["organization"]["accountManagement"]["managedAccounts"],
        json!([managed(app.primary_account_id, "Test Organization")])
    );

    let staging = create(&app, "Staging").await;
    let body = app.ok(CREATE_ACCOUNT, create_vars("Europe", Some("eu01"))).await;
    let europe = body["data"]["accountManagementCreateAccount"]["managedAccount"]["id"].clone();
    app.ok(CANCEL_ACCOUNT, json!({"id": staging})).await;

    let active = json!([
        managed(app.primary_account_id, "Test Organization"),
        {"id": europe, "isCanceled": false, "name": "Europe", "regionCode": "eu01"},
    ]);
    let canceled = json!([{"id": staging, "isCanceled": true, "name": "Staging", "regionCode": "us01"}]);
    let list = |body: Value| body["data"]["actor"]["organization"]["accountManagement"]["managedAccounts"].clone();
    assert_eq!(list(app.ok(GET_MANAGED_ACCOUNTS, Value::Null).await), active);
    assert_eq!(list(app.ok(GET_MANAGED_ACCOUNTS_WITH_ARGS, json!({})).await), active);
    assert_eq!(list(app.ok(GET_MANAGED_ACCOUNTS_WITH_ARGS, json!({"isCanceled": null})).await), active);
    assert_eq!(list(app.ok(GET_MANAGED_ACCOUNTS_WITH_ARGS, json!({"isCanceled": false})).await), active);
    assert_eq!(list(app.ok(GET_MANAGED_ACCOUNTS_WITH_ARGS, json!({"isCanceled": true})).await), canceled);
});

backend_test!(create_account_returns_it_and_audits_it, |app| {
    let vars = json!({"managedAccount": {"name": "  Production EU ", "regionCode": "eu01",
        "organizationId": app.organization_id}});
    let body = app.ok(CREATE_ACCOUNT, vars).await;
    let created = &body["data"]["accountManagementCreateAccount"]["managedAccount"];
    assert_eq!(created["name"], "Production EU");
    assert_eq!(created["regionCode"], "eu01");
    assert_eq!(created["isCanceled"], false);
    let id = i32::try_from(created["id"].as_i64().expect("id is a JSON number")).expect("Int");
    let stored = account::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("stored");
    assert_eq!((stored.organization_id.as_str(), stored.status), (app.organization_id.as_str(), AccountStatus::Active));

    // Without a region: us01. Go's `""` for an unset organization id means "the caller's".
    let vars = json!({"managedAccount": {"name": "Staging", "organizationId": ""}});
    let body = app.ok(CREATE_ACCOUNT, vars).await;
    assert_eq!(body["data"]["accountManagementCreateAccount"]["managedAccount"]["regionCode"], "us01");

    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("account.create"))
        .filter(audit_event::Column::TargetId.eq(id.to_string()))
        .all(&app.db)
        .await
        .expect("audit events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor_user_id, Some(app.admin_user_id));
    assert_eq!(events[0].organization_id.as_deref(), Some(app.organization_id.as_str()));
    assert_eq!(
        events[0].after,
        Some(json!({"name": "Production EU", "regionCode": "eu01", "status": "ACTIVE", "parentId": null}))
    );
    assert_eq!(audit_actions(&app, "account").await, vec!["account.create", "account.create"]);
});

backend_test!(create_account_refusals_change_nothing, |app| {
    let other = app.create_other_organization().await;
    let before = (accounts_table(&app).await, audit_count(&app).await);

    let body = app.run(CREATE_ACCOUNT, create_vars("Test", Some("test"))).await;
    assert_error(&body, "Region code 'test' is not valid: it must be one of us01, eu01", "BAD_USER_INPUT");
    assert_eq!(body["data"]["accountManagementCreateAccount"], Value::Null);
    let body = app.run(CREATE_ACCOUNT, create_vars("Test", Some("US01"))).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT");
    assert_error(&app.run(CREATE_ACCOUNT, create_vars("   ", None)).await, "Name can't be blank", "BAD_USER_INPUT");
    let long = "x".repeat(256);
    assert_error(
        &app.run(CREATE_ACCOUNT, create_vars(&long, None)).await,
        "Name is too long (maximum is 255 characters)",
        "BAD_USER_INPUT",
    );
    let vars = json!({"managedAccount": {"name": "Theirs", "organizationId": other.id}});
    assert_error(&app.run(CREATE_ACCOUNT, vars).await, NOT_FOUND, "NOT_FOUND");
    let vars =
        json!({"managedAccount": {"name": "Nobody's", "organizationId": "00000000-0000-0000-0000-000000000000"}});
    assert_error(&app.run(CREATE_ACCOUNT, vars).await, NOT_FOUND, "NOT_FOUND");

    assert_eq!((accounts_table(&app).await, audit_count(&app).await), before);
});

backend_test!(standard_edition_has_a_single_account, edition = Standard, |app| {
    let before = (accounts_table(&app).await, audit_count(&app).await);
    let body = app.run(CREATE_ACCOUNT, create_vars("Second", None)).await;
    assert_error(&body, "The Standard edition allows a single account", "BAD_USER_INPUT");
    assert_eq!(body["data"]["accountManagementCreateAccount"], Value::Null);
    assert_eq!((accounts_table(&app).await, audit_count(&app).await), before);
    // Its one account is the primary account, which cannot be canceled to make room.
    let body = app.run(CANCEL_ACCOUNT, json!({"id": app.primary_account_id})).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT");
});

backend_test!(update_account_renames_it_and_audits_it, |app| {
    let id = create(&app, "Staging").await;
    let vars = json!({"managedAccount": {"id": id, "name": "Pre-production"}});
    let body = app.ok(UPDATE_ACCOUNT, vars.clone()).await;
    assert_eq!(
        body["data"]["accountManagementUpdateAccount"]["managedAccount"],
        json!({"id": id, "isCanceled": false, "name": "Pre-production", "regionCode": "us01"})
    );
    // The same name again changes nothing and records nothing.
    app.ok(UPDATE_ACCOUNT, vars).await;
    assert_eq!(audit_actions(&app, "account").await, vec!["account.create", "account.update"]);
    let update = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("account.update"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the update event");
    assert_eq!(update.before.as_ref().map(|b| b["name"].clone()), Some(json!("Staging")));
    assert_eq!(update.after.as_ref().map(|a| a["name"].clone()), Some(json!("Pre-production")));

    // The primary account can be renamed too; actor.accounts shows the new name.
    let vars = json!({"managedAccount": {"id": app.primary_account_id, "name": "Main"}});
    app.ok(UPDATE_ACCOUNT, vars).await;
    let body = app.ok(LIST_ACCOUNTS, json!({"scope": "GLOBAL", "accountId": app.primary_account_id})).await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([{"id": app.primary_account_id, "name": "Main"}]));
});

backend_test!(update_account_refusals_change_nothing, |app| {
    let other = app.create_other_organization().await;
    let canceled = create(&app, "Old").await;
    app.ok(CANCEL_ACCOUNT, json!({"id": canceled})).await;
    let before = (accounts_table(&app).await, audit_count(&app).await);

    for id in [999_999, other.account_id] {
        let body = app.run(UPDATE_ACCOUNT, json!({"managedAccount": {"id": id, "name": "Mine now"}})).await;
        assert_error(&body, NOT_FOUND, "NOT_FOUND");
        assert_eq!(body["data"]["accountManagementUpdateAccount"], Value::Null);
    }
    let body = app.run(UPDATE_ACCOUNT, json!({"managedAccount": {"id": canceled, "name": "Revived"}})).await;
    assert_error(&body, &format!("Account {canceled} is canceled and cannot be renamed"), "BAD_USER_INPUT");
    let vars = json!({"managedAccount": {"id": app.primary_account_id, "name": "\t"}});
    assert_error(&app.run(UPDATE_ACCOUNT, vars).await, "Name can't be blank", "BAD_USER_INPUT");

    assert_eq!((accounts_table(&app).await, audit_count(&app).await), before);
});

backend_test!(cancel_account_cancels_once_and_never_the_primary, |app| {
    let other = app.create_other_organization().await;
    let id = create(&app, "Short-lived").await;
    let body = app.ok(CANCEL_ACCOUNT, json!({"id": id})).await;
    assert_eq!(
        body["data"]["accountManagementCancelAccount"],
        json!({"id": id, "isCanceled": true, "name": "Short-lived", "regionCode": "us01"})
    );
    let stored = account::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("kept, not deleted");
    assert_eq!(stored.status, AccountStatus::Canceled);
    assert_eq!(audit_actions(&app, "account").await, vec!["account.create", "account.cancel"]);

    let before = (accounts_table(&app).await, audit_count(&app).await);
    let body = app.run(CANCEL_ACCOUNT, json!({"id": id})).await;
    assert_error(&body, &format!("Account {id} is already canceled"), "BAD_USER_INPUT");
    assert_eq!(body["data"]["accountManagementCancelAccount"], Value::Null);
    let primary = app.primary_account_id;
    assert_error(
        &app.run(CANCEL_ACCOUNT, json!({"id": primary})).await,
        &format!("Account {primary} is the organization's primary account and cannot be canceled"),
        "BAD_USER_INPUT",
    );
    for unknown in [other.account_id, 424_242] {
        assert_error(&app.run(CANCEL_ACCOUNT, json!({"id": unknown})).await, NOT_FOUND, "NOT_FOUND");
    }
    assert_eq!((accounts_table(&app).await, audit_count(&app).await), before);
    let theirs = account::Entity::find_by_id(other.account_id).one(&app.db).await.expect("query").expect("theirs");
    assert_eq!(theirs.status, AccountStatus::Active);
});

backend_test!(a_canceled_accounts_grants_give_no_access, |app| {
    let team = create(&app, "Team").await;
    let user = app.create_user("member@example.com", UserType::Core).await;
    let group = app.create_group("Team members").await;
    app.grant(&group, "read_only", Some(team)).await;
    app.add_member(&group, user).await;
    let key = app.create_key(user).await;
    let account_query = format!("{{ actor {{ account(id: {team}) {{ id name }} }} }}");

    let body = app.run_as(&key, LIST_ACCOUNTS, json!({"scope": "IN_REGION"})).await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([{"id": team, "name": "Team"}]), "{body}");
    let body = app.run_as(&key, &account_query, Value::Null).await;
    assert_eq!(body["data"]["actor"]["account"], json!({"id": team, "name": "Team"}), "{body}");

    app.ok(CANCEL_ACCOUNT, json!({"id": team})).await;

    let body = app.run_as(&key, LIST_ACCOUNTS, json!({"scope": "IN_REGION"})).await;
    assert_eq!(body, json!({"data": {"actor": {"accounts": []}}}));
    let body = app.run_as(&key, &account_query, Value::Null).await;
    assert_eq!(body["data"]["actor"]["account"], Value::Null);
    assert_error(&body, &format!("You are not authorized to perform this action on account {team}"), "FORBIDDEN");
    // The admin (whose Admin group has no grant on it) does not list it either.
    let body = app.ok(LIST_ACCOUNTS, Value::Null).await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([{"id": app.primary_account_id, "name": "Test Organization"}]));
});

backend_test!(account_management_needs_the_organization_capabilities, |app| {
    let (_, group, key) = account_only_user(&app).await;
    let team = create(&app, "Team").await;
    let before = (accounts_table(&app).await, audit_count(&app).await);

    // Reading: the list is null with FORBIDDEN at its path; the rest of the organization answers.
    let body = app.run_as(&key, GET_ORGANIZATION, Value::Null).await;
    let organization = &body["data"]["actor"]["organization"];
    assert_eq!(organization["accountManagement"], json!({"managedAccounts": null}), "{body}");
    assert_eq!(organization["accountShares"], Value::Null);
    assert_eq!(organization["id"], json!(app.organization_id));
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 2, "{body}");
    assert!(errors.iter().all(|e| e["extensions"]["errorClass"] == "FORBIDDEN"), "{body}");
    assert!(
        errors.iter().any(|e| e["path"] == json!(["actor", "organization", "accountManagement", "managedAccounts"]))
    );

    // Changing: FORBIDDEN, and nothing changes.
    let body = app.run_as(&key, CREATE_ACCOUNT, create_vars("Mine", None)).await;
    assert_error(&body, "You are not authorized to perform this action", "FORBIDDEN");
    assert_eq!(body["data"]["accountManagementCreateAccount"], Value::Null);
    let vars = json!({"managedAccount": {"id": team, "name": "Mine"}});
    assert_eq!(first_error(&app.run_as(&key, UPDATE_ACCOUNT, vars).await).1, "FORBIDDEN");
    assert_eq!(first_error(&app.run_as(&key, CANCEL_ACCOUNT, json!({"id": team})).await).1, "FORBIDDEN");
    assert_eq!((accounts_table(&app).await, audit_count(&app).await), before);

    // Organization read only lets them read, not change.
    app.grant(&group, "organization_read_only", None).await;
    let body = app.run_as(&key, GET_MANAGED_ACCOUNTS, Value::Null).await;
    let listed = &body["data"]["actor"]["organization"]["accountManagement"]["managedAccounts"];
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{body}");
    assert_eq!(first_error(&app.run_as(&key, CANCEL_ACCOUNT, json!({"id": team})).await).1, "FORBIDDEN");

    // Organization manager lets them change.
    app.grant(&group, "organization_manager", None).await;
    let body = app.run_as(&key, CANCEL_ACCOUNT, json!({"id": team})).await;
    assert_eq!(body["data"]["accountManagementCancelAccount"]["isCanceled"], true, "{body}");
});

backend_test!(get_organization_answers_every_field, |app| {
    let body = app.ok(GET_ORGANIZATION, Value::Null).await;
    let organization = &body["data"]["actor"]["organization"];
    assert!(organization["customerId"].as_str().is_some_and(|c| c.starts_with("CC-")), "{body}");
    assert_eq!(
        organization,
        &json!({
            "accountManagement": {"managedAccounts": [managed(app.primary_account_id, "Test Organization")]},
            "accountShares": {"sharedAccounts": []},
            "administrator": {"organizationId": app.organization_id, "organizationName": "Test Organization"},
            "customerId": organization["customerId"],
            "id": app.organization_id,
            "name": "Test Organization",
            "storageAccountId": null,
            "telemetryId": null,
        })
    );
    let vars = json!({"limitingRoleId": 0, "sourceOrganizationId": "", "targetOrganizationId": app.organization_id});
    let query = r#"query($limitingRoleId: Int, $sourceOrganizationId: ID, $targetOrganizationId: ID) { actor {
      organization { accountShares(limitingRoleId: $limitingRoleId, sourceOrganizationId: $sourceOrganizationId,
        targetOrganizationId: $targetOrganizationId) { sharedAccounts { id } } } } }"#;
    let body = app.ok(query, vars).await;
    assert_eq!(body["data"]["actor"]["organization"]["accountShares"], json!({"sharedAccounts": []}));

    // AccessGraph runs no workflows: any workflow is null.
    let body = app.ok(GET_WORKFLOW, json!({"name": "nightly", "version": 2})).await;
    assert_eq!(body["data"]["actor"]["organization"]["workflowAutomation"], json!({"workflow": null}));
});

backend_test!(organization_update_renames_the_organization, |app| {
    let vars = json!({"organization": {"name": " Acme Corp "}, "organizationId": app.organization_id});
    let body = app.ok(ORGANIZATION_UPDATE, vars).await;
    assert_eq!(
        body["data"]["organizationUpdate"],
        json!({"errors": [], "organizationInformation": {"id": app.organization_id, "name": "Acme Corp"}})
    );
    // Go sends `""` for an unset organization id; a null name changes nothing.
    let vars = json!({"organization": {"name": null}, "organizationId": ""});
    let body = app.ok(ORGANIZATION_UPDATE, vars).await;
    assert_eq!(body["data"]["organizationUpdate"]["organizationInformation"]["name"], "Acme Corp");
    let body = app.ok("{ actor { organization { name administrator { organizationName } } } }", Value::Null).await;
    assert_eq!(
        body["data"]["actor"]["organization"],
        json!({"name": "Acme Corp", "administrator": {"organizationName": "Acme Corp"}})
    );
    assert_eq!(audit_actions(&app, "organization").await, vec!["organization.update"]);
    let event = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("organization.update"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("the event");
    assert_eq!(
        (event.before, event.after),
        (Some(json!({"name": "Test Organization"})), Some(json!({"name": "Acme Corp"})))
    );
});

backend_test!(organization_update_reports_problems_in_its_payload, |app| {
    let other = app.create_other_organization().await;
    let (_, _, key) = account_only_user(&app).await;
    let before = audit_count(&app).await;
    let refused = |body: &Value, message: &str, kind: &str| {
        assert!(body.get("errors").is_none(), "no top-level errors: {body}");
        assert_eq!(
            body["data"]["organizationUpdate"],
            json!({"errors": [{"message": message, "type": kind}], "organizationInformation": null})
        );
    };

    let vars = json!({"organization": {"name": "  "}, "organizationId": ""});
    refused(&app.run(ORGANIZATION_UPDATE, vars).await, "Name can't be blank", "INVALID_RECORD");
    let vars = json!({"organization": {"name": "x".repeat(300)}});
    refused(
        &app.run(ORGANIZATION_UPDATE, vars).await,
        "Name is too long (maximum is 255 characters)",
        "INVALID_RECORD",
    );
    let vars = json!({"organization": {"name": "Taken over"}, "organizationId": other.id});
    refused(
        &app.run(ORGANIZATION_UPDATE, vars).await,
        "You are not authorized to perform this action",
        "NOT_AUTHORIZED",
    );
    // Without Modify organization settings.
    let vars = json!({"organization": {"name": "Renamed"}, "organizationId": app.organization_id});
    let body = app.run_as(&key, ORGANIZATION_UPDATE, vars).await;
    refused(&body, "You are not authorized to perform this action", "NOT_AUTHORIZED");

    let body = app.ok("{ actor { organization { name } } }", Value::Null).await;
    assert_eq!(body["data"]["actor"]["organization"]["name"], "Test Organization");
    assert_eq!(audit_count(&app).await, before);
});

backend_test!(child_accounts_need_an_active_parent_and_keep_it, |app| {
    // `parentId` is AccessGraph's optional addition to NerdGraph's create input.
    let other = app.create_other_organization().await;
    let child_of = |name: &str, parent: i32| json!({"managedAccount": {"name": name, "parentId": parent}});
    let created =
        |body: Value| body["data"]["accountManagementCreateAccount"]["managedAccount"]["id"].as_i64().expect("id");

    let child = created(app.ok(CREATE_ACCOUNT, child_of("Child", app.primary_account_id)).await);
    let filter = json!({"filter": {"organizationId": {"eq": app.organization_id}, "id": {"eq": child}}});
    let query = r#"query($filter: OrganizationAccountFilterInput!) {
      customerAdministration { accounts(filter: $filter) { items { id parentId } } } }"#;
    let body = app.ok(query, filter).await;
    assert_eq!(
        body["data"]["customerAdministration"]["accounts"]["items"],
        json!([{"id": child, "parentId": app.primary_account_id}])
    );

    // A parent with an active child stays until the child is canceled.
    let parent = create(&app, "Parent").await;
    let grandchild = created(app.ok(CREATE_ACCOUNT, child_of("Grandchild", parent)).await);
    let body = app.run(CANCEL_ACCOUNT, json!({"id": parent})).await;
    assert_error(&body, &format!("Account {parent} has active child accounts: cancel them first"), "BAD_USER_INPUT");
    app.ok(CANCEL_ACCOUNT, json!({"id": grandchild})).await;
    app.ok(CANCEL_ACCOUNT, json!({"id": parent})).await;

    let before = (accounts_table(&app).await, audit_count(&app).await);
    for bad in [parent, other.account_id, 999_999] {
        let body = app.run(CREATE_ACCOUNT, child_of("Orphan", bad)).await;
        assert_error(
            &body,
            &format!("The parent account {bad} is not an active account of the organization"),
            "BAD_USER_INPUT",
        );
    }
    assert_eq!((accounts_table(&app).await, audit_count(&app).await), before);
});
