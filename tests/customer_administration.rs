//! `customerAdministration`, with the operations newrelic-client-go (and Terraform through it) sends:
//! the declared variables of SURFACE.md §8, plus the undeclared `cursor` and the zero-valued filter
//! sub-objects Go serializes.

use axum::http::StatusCode;
use entity::enums::{AccountStatus, AuthenticationType, ProvisioningType, Scope, UserType};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY, TestApp};

const GET_ACCOUNTS: &str = r#"query($filter: OrganizationAccountFilterInput!, $sort: [OrganizationAccountSortInput!]) {
  customerAdministration { accounts(filter: $filter, sort: $sort) { items { id name regionCode status } nextCursor totalCount } } }"#;

/// As Terraform's `newrelic_account_management` reads an account.
const GET_ACCOUNTS_MINIMIZED: &str = r#"query($filter: OrganizationAccountFilterInput!, $sort: [OrganizationAccountSortInput!]) {
  customerAdministration { accounts(filter: $filter, sort: $sort) { items { id name regionCode status } } } }"#;

const GET_ACCOUNT_SHARES: &str = r#"query($filter: OrganizationAccountShareFilterInput!, $sort: [OrganizationAccountShareSortInput!]) {
  customerAdministration { accountShares(filter: $filter, sort: $sort) { items { accountId id limitingDataAccessPolicy { id }
    limitingRole { id } name source { id name } target { id name } } nextCursor } } }"#;

const GET_AUTHENTICATION_DOMAINS: &str = r#"query($filter: OrganizationAuthenticationDomainFilterInput!, $sort: [OrganizationAuthenticationDomainSortInput!]) {
  customerAdministration { authenticationDomains(filter: $filter, sort: $sort) {
    items { authenticationType id name organizationId provisioningType } nextCursor } } }"#;

const GET_USERS: &str = r#"query($filter: MultiTenantIdentityUserFilterInput!, $sort: [MultiTenantIdentityUserSortInput!]) {
  customerAdministration { users(filter: $filter, sort: $sort) {
    items { authenticationDomainId email emailVerificationState groups { items { id name } nextCursor totalCount }
      id lastActive name pendingUpgradeRequest { id message requestedUserType { id name } } timeZone type { id name } }
    nextCursor totalCount } } }"#;

const GET_GROUPS: &str = r#"query($filter: MultiTenantIdentityGroupFilterInput!, $sort: [MultiTenantIdentityGroupSortInput!]) {
  customerAdministration { groups(filter: $filter, sort: $sort) {
    items { authenticationDomainId id name users { items { email id name timeZone } nextCursor totalCount } }
    nextCursor totalCount } } }"#;

const GET_ROLES: &str = r#"query($filter: MultiTenantAuthorizationRoleFilterInputExpression!, $sort: [MultiTenantAuthorizationRoleSortInput!]) {
  customerAdministration { roles(filter: $filter, sort: $sort) { items { id name scope type } nextCursor totalCount } } }"#;

const GET_GRANTS: &str = r#"query($filter: MultiTenantAuthorizationGrantFilterInputExpression!, $sort: [MultiTenantAuthorizationGrantSortInput!]) {
  customerAdministration { grants(filter: $filter, sort: $sort) {
    items { dataAccessPolicy { id name } grantee { id type } group { id } id role { id name } scope { id type typev2 } }
    nextCursor } } }"#;

const GET_PERMISSIONS: &str = r#"query { customerAdministration { permissions {
  items { category feature featureDescription featureDocumentationPath id name product } nextCursor } } }"#;

const GET_ORGANIZATIONS: &str =
    r#"query { customerAdministration { organizations { items { contractId customerId id name } nextCursor } } }"#;

const GET_CONTRACTS: &str = r#"query { customerAdministration { contracts {
  items { billingStructure customerId id organizationGroups { items { id name } nextCursor } telemetryId } nextCursor } } }"#;

const GET_CONSUMPTION: &str =
    r#"query($customerId: ID!) { customerAdministration { consumption(customerId: $customerId) { customerId } } }"#;

const GET_USER: &str = r#"query { customerAdministration { user { email id name } } }"#;

/// Invalid as client-go generates it: an empty selection.
const GET_JOBS: &str = "query { customerAdministration { jobs {\n\t\n} } }";

const GET_ORGANIZATION_CREATE_ASYNC_RESULTS: &str = r#"query($filter: OrganizationOrganizationCreateAsyncResultFilterInput!) {
  customerAdministration { jobs { organizationCreateAsyncResults(filter: $filter) {
    items { customer { customerId } job { createdUtc errorMessage finishedUtc id status } organization { id name } }
    nextCursor } } } }"#;

const GET_AUDIT_EVENTS: &str = r#"query($cursor: String, $filter: CustomerAdministrationAuditEventFilterInput!) {
  customerAdministration { auditEvents(cursor: $cursor, filter: $filter) {
    items { id action actorUserId targetType targetId createdAt before after } nextCursor totalCount } } }"#;

/// Runs `query` with `variables` as `key`; asserts HTTP 200 and no errors.
async fn run_as(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    let (status, body) = app.graphql_as(Some(key), query, variables).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    body
}

async fn run(app: &TestApp, query: &str, variables: Value) -> Value {
    run_as(app, ADMIN_KEY, query, variables).await
}

/// `data.customerAdministration.<field>`.
fn field<'a>(body: &'a Value, name: &str) -> &'a Value {
    &body["data"]["customerAdministration"][name]
}

/// The `key` of every item of `data.customerAdministration.<name>.items`.
fn column(body: &Value, name: &str, key: &str) -> Vec<Value> {
    field(body, name)["items"]
        .as_array()
        .unwrap_or_else(|| panic!("items of {name}: {body}"))
        .iter()
        .map(|i| i[key].clone())
        .collect()
}

/// An account filter as Go serializes it: every sub-object present, unset ones empty.
fn account_filter(app: &TestApp) -> Value {
    json!({"id": {}, "name": {}, "organizationId": {"eq": app.organization_id}, "sharingMode": {}, "status": {}})
}

backend_test!(accounts_as_client_go_and_terraform_read_them, |app| {
    let second = app.create_account("Second").await;
    let gone = app.create_account("Gone").await;
    app.set_account_status(gone, AccountStatus::Canceled).await;
    let primary = app.primary_account_id;

    // Go's shape: undeclared cursor, empty sub-objects, null sort. Active accounts by default.
    let body = run(&app, GET_ACCOUNTS, json!({"cursor": "", "filter": account_filter(&app), "sort": null})).await;
    assert_eq!(
        field(&body, "accounts"),
        &json!({
            "items": [
                {"id": primary, "name": "Test Organization", "regionCode": "us01", "status": "active"},
                {"id": second, "name": "Second", "regionCode": "us01", "status": "active"}
            ],
            "nextCursor": null,
            "totalCount": 2
        })
    );

    // Terraform: by id and status, ACTIVE first, then CANCELED.
    let by = |id: i32, status: &str| {
        let mut filter = account_filter(&app);
        filter["id"] = json!({"eq": id});
        filter["status"] = json!({"eq": status});
        json!({"filter": filter})
    };
    let body = run(&app, GET_ACCOUNTS_MINIMIZED, by(second, "ACTIVE")).await;
    assert_eq!(column(&body, "accounts", "id"), vec![json!(second)]);
    let body = run(&app, GET_ACCOUNTS_MINIMIZED, by(gone, "ACTIVE")).await;
    assert_eq!(field(&body, "accounts")["items"], json!([]));
    let body = run(&app, GET_ACCOUNTS_MINIMIZED, by(gone, "CANCELED")).await;
    assert_eq!(
        field(&body, "accounts")["items"],
        json!([{"id": gone, "name": "Gone", "regionCode": "us01", "status": "canceled"}])
    );

    // Name, sort and sharing mode.
    let mut filter = account_filter(&app);
    filter["name"] = json!({"contains": "SEC"});
    let body = run(&app, GET_ACCOUNTS, json!({"filter": filter})).await;
    assert_eq!(column(&body, "accounts", "name"), vec![json!("Second")]);
    let sort = json!([{"key": "NAME", "direction": "DESCENDING"}]);
    let body = run(&app, GET_ACCOUNTS, json!({"filter": account_filter(&app), "sort": sort})).await;
    assert_eq!(column(&body, "accounts", "name"), vec![json!("Test Organization"), json!("Second")]);
    let mut filter = account_filter(&app);
    filter["sharingMode"] = json!({"eq": "MANAGED"});
    assert_eq!(field(&run(&app, GET_ACCOUNTS, json!({"filter": filter})).await, "accounts")["totalCount"], 2);
    filter["sharingMode"] = json!({"eq": "SHARED_WITH_THIS_ORGANIZATION"});
    assert_eq!(
        field(&run(&app, GET_ACCOUNTS, json!({"filter": filter})).await, "accounts"),
        &json!({"items": [], "nextCursor": null, "totalCount": 0})
    );
});

backend_test!(authentication_domains_with_their_enums, |app| {
    let default = app.default_domain_id().await;
    let saml =
        app.create_domain_in(&app.organization_id, "Okta", AuthenticationType::Saml, ProvisioningType::Scim).await;
    let filter = json!({"id": {}, "name": {}, "organizationId": {"eq": app.organization_id}});
    let sort = json!([{"key": "NAME", "direction": "DESCENDING"}]);
    let body = run(&app, GET_AUTHENTICATION_DOMAINS, json!({"cursor": "", "filter": filter, "sort": sort})).await;
    assert_eq!(
        field(&body, "authenticationDomains"),
        &json!({
            "items": [
                {"authenticationType": "SAML_SSO", "id": saml, "name": "Okta", "organizationId": app.organization_id, "provisioningType": "SCIM"},
                {"authenticationType": "PASSWORD", "id": default, "name": "Default", "organizationId": app.organization_id, "provisioningType": "MANUAL"}
            ],
            "nextCursor": null
        })
    );
    let named = |name: Value| json!({"filter": {"name": name, "organizationId": {"eq": app.organization_id}}});
    let body = run(&app, GET_AUTHENTICATION_DOMAINS, named(json!({"contains": "def"}))).await;
    assert_eq!(column(&body, "authenticationDomains", "id"), vec![json!(default)]);
    let body = run(&app, GET_AUTHENTICATION_DOMAINS, named(json!({"eq": "Okta"}))).await;
    assert_eq!(column(&body, "authenticationDomains", "id"), vec![json!(saml)]);
    let by_id = json!({"filter": {"id": {"eq": "00000000-0000-0000-0000-000000000000"}, "organizationId": {"eq": app.organization_id}}});
    let body = run(&app, GET_AUTHENTICATION_DOMAINS, by_id).await;
    assert_eq!(field(&body, "authenticationDomains"), &json!({"items": [], "nextCursor": null}));
});

backend_test!(users_of_a_domain_with_their_groups, |app| {
    let domain = app.default_domain_id().await;
    let jane = app.create_user("jane@example.com", UserType::Core).await;
    let bob = app.create_user("bob@example.com", UserType::Basic).await;
    app.set_user(bob, |u| {
        u.pending_upgrade_type = sea_orm::Set(Some(UserType::Full));
        u.pending_upgrade_message = sea_orm::Set(Some("I need APM".into()));
        u.email_verification_state = sea_orm::Set(entity::enums::EmailVerificationState::Verified);
    })
    .await;
    let developers = app.create_group("Developers").await;
    app.add_member(&developers, jane).await;

    // Go's shape: every sub-object present, unset ones empty or null.
    let go_filter = json!({"authenticationDomainId": {"eq": domain}, "email": {}, "emailVerificationState": {"pending": null},
        "groupId": {"in": null}, "id": {"in": null}, "name": {}, "pendingUpgradeRequest": {"exists": null}});
    let body = run(&app, GET_USERS, json!({"cursor": "", "filter": go_filter, "sort": null})).await;
    let users = field(&body, "users");
    assert_eq!(users["totalCount"], 3);
    assert_eq!(users["nextCursor"], Value::Null);
    assert_eq!(
        column(&body, "users", "email"),
        vec![json!(ADMIN_EMAIL), json!("jane@example.com"), json!("bob@example.com")]
    );
    assert_eq!(
        users["items"][1],
        json!({
            "authenticationDomainId": domain,
            "email": "jane@example.com",
            "emailVerificationState": "PENDING",
            "groups": {"items": [{"id": developers, "name": "Developers"}], "nextCursor": null, "totalCount": 1},
            "id": jane.to_string(),
            "lastActive": null,
            "name": "User jane@example.com",
            "pendingUpgradeRequest": null,
            "timeZone": "Etc/UTC",
            "type": {"id": "2", "name": "Core"}
        })
    );
    assert_eq!(
        users["items"][2]["pendingUpgradeRequest"],
        json!({"id": bob.to_string(), "message": "I need APM", "requestedUserType": {"id": "3", "name": "Full platform"}})
    );
    assert_eq!(users["items"][0]["type"], json!({"id": "3", "name": "Full platform"}));

    // Each filter field.
    let with = |extra: Value| {
        let mut filter = json!({"authenticationDomainId": {"eq": domain}});
        for (k, v) in extra.as_object().expect("object") {
            filter[k] = v.clone();
        }
        json!({"filter": filter})
    };
    let emails = |body: &Value| column(body, "users", "email");
    let cases = [
        (json!({"email": {"contains": "JANE"}}), vec!["jane@example.com"]),
        (json!({"email": {"eq": "Bob@Example.com"}}), vec!["bob@example.com"]),
        (json!({"name": {"eq": "User bob@example.com"}}), vec!["bob@example.com"]),
        (json!({"name": {"contains": "user"}}), vec!["jane@example.com", "bob@example.com"]),
        (json!({"id": {"in": [jane.to_string(), "nope"]}}), vec!["jane@example.com"]),
        (json!({"id": {"eq": bob.to_string(), "in": [jane.to_string()]}}), vec![]),
        (json!({"groupId": {"eq": developers}}), vec!["jane@example.com"]),
        (json!({"groupId": {"not": {"eq": developers}}}), vec![ADMIN_EMAIL, "bob@example.com"]),
        (json!({"emailVerificationState": {"pending": true}}), vec!["jane@example.com"]),
        (json!({"emailVerificationState": {"pending": false}}), vec![ADMIN_EMAIL, "bob@example.com"]),
        (json!({"pendingUpgradeRequest": {"exists": true}}), vec!["bob@example.com"]),
    ];
    for (extra, expected) in cases {
        let body = run(&app, GET_USERS, with(extra.clone())).await;
        assert_eq!(emails(&body), expected.iter().map(|e| json!(e)).collect::<Vec<_>>(), "filter {extra}");
    }
    let sorted = json!({"filter": {"authenticationDomainId": {"eq": domain}}, "sort": [{"key": "EMAIL", "direction": "DESCENDING"}]});
    let body = run(&app, GET_USERS, sorted).await;
    assert_eq!(emails(&body), vec![json!("jane@example.com"), json!("bob@example.com"), json!(ADMIN_EMAIL)]);
    let by_type = json!({"filter": {"authenticationDomainId": {"eq": domain}}, "sort": [{"key": "TYPE"}, {"key": "ID", "direction": "DESCENDING"}]});
    let body = run(&app, GET_USERS, by_type).await;
    assert_eq!(emails(&body), vec![json!("bob@example.com"), json!("jane@example.com"), json!(ADMIN_EMAIL)]);

    // An unknown domain gives nothing; no domain at all is an input error.
    let unknown = json!({"filter": {"authenticationDomainId": {"eq": "00000000-0000-0000-0000-000000000000"}}});
    let body = run(&app, GET_USERS, unknown).await;
    assert_eq!(field(&body, "users"), &json!({"items": [], "nextCursor": null, "totalCount": 0}));
    let (_, body) = app.graphql_as(Some(ADMIN_KEY), GET_USERS, json!({"filter": {"authenticationDomainId": {}}})).await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "BAD_USER_INPUT", "{body}");
    assert_eq!(field(&body, "users"), &Value::Null);
});

backend_test!(groups_of_the_organization_with_their_members, |app| {
    let domain = app.default_domain_id().await;
    let admin_group = app.group_id("Admin").await;
    let user_group = app.group_id("User").await;
    let member = app.create_user("member@example.com", UserType::Basic).await;
    let support = app.create_group("Support").await;
    app.add_member(&support, member).await;
    let scim =
        app.create_domain_in(&app.organization_id, "Okta", AuthenticationType::Saml, ProvisioningType::Scim).await;
    let synced = app.create_group_in(&scim, "Synced").await;

    // Go's shape: blank ids and null lists for what is not set.
    let go_filter = json!({"allowsCapability": {"in": null}, "authenticationDomainId": {"eq": ""}, "id": {"eq": ""},
        "members": {"contains": null}, "name": {}, "organizationId": {"eq": app.organization_id}});
    let sort = json!([{"key": "NAME", "direction": "ASCENDING"}]);
    let body = run(&app, GET_GROUPS, json!({"cursor": "", "filter": go_filter, "sort": sort})).await;
    let groups = field(&body, "groups");
    assert_eq!(groups["totalCount"], 4);
    assert_eq!(column(&body, "groups", "name"), vec![json!("Admin"), json!("Support"), json!("Synced"), json!("User")]);
    assert_eq!(
        groups["items"][0],
        json!({
            "authenticationDomainId": domain,
            "id": admin_group,
            "name": "Admin",
            "users": {"items": [{"email": ADMIN_EMAIL, "id": app.admin_user_id.to_string(), "name": "Test Admin", "timeZone": "Etc/UTC"}],
                      "nextCursor": null, "totalCount": 1}
        })
    );
    assert_eq!(groups["items"][3]["users"], json!({"items": [], "nextCursor": null, "totalCount": 0}));

    let with = |extra: Value| {
        let mut filter = json!({"organizationId": {"eq": app.organization_id}});
        for (k, v) in extra.as_object().expect("object") {
            filter[k] = v.clone();
        }
        json!({"filter": filter, "sort": [{"key": "NAME"}]})
    };
    let cases = [
        (json!({"name": {"contains": "SUP"}}), vec![support.clone()]),
        (json!({"name": {"eq": "User"}}), vec![user_group.clone()]),
        (json!({"id": {"eq": admin_group}}), vec![admin_group.clone()]),
        (json!({"authenticationDomainId": {"eq": scim}}), vec![synced.clone()]),
        (json!({"members": {"contains": [member.to_string()]}}), vec![support.clone()]),
        (json!({"members": {"contains": [member.to_string(), app.admin_user_id.to_string()]}}), vec![]),
        (json!({"members": {"contains": [member.to_string(), "not-a-user"]}}), vec![]),
        (
            json!({"members": {"excludes": [app.admin_user_id.to_string(), member.to_string()]}}),
            vec![synced.clone(), user_group.clone()],
        ),
        // Groups the admin may change: not those SCIM owns.
        (
            json!({"allowsCapability": {"in": ["GRANT_GROUP_MEMBERSHIP"]}}),
            vec![admin_group.clone(), support.clone(), user_group.clone()],
        ),
    ];
    for (extra, expected) in cases {
        let body = run(&app, GET_GROUPS, with(extra.clone())).await;
        assert_eq!(
            column(&body, "groups", "id"),
            expected.iter().map(|g| json!(g)).collect::<Vec<_>>(),
            "filter {extra}"
        );
    }
    // Members filtered by id.
    let query = r#"query($filter: MultiTenantIdentityGroupFilterInput!, $ids: [ID!]) { customerAdministration {
      groups(filter: $filter) { items { users(filter: { id: { in: $ids } }) { items { id } totalCount } } } } }"#;
    let mut variables = with(json!({"id": {"eq": admin_group}}));
    variables["ids"] = json!([app.admin_user_id.to_string(), "999999"]);
    let body = run(&app, query, variables.clone()).await;
    assert_eq!(field(&body, "groups")["items"][0]["users"]["items"], json!([{"id": app.admin_user_id.to_string()}]));
    variables["ids"] = json!(["999999"]);
    let body = run(&app, query, variables).await;
    assert_eq!(field(&body, "groups")["items"][0]["users"], json!({"items": [], "totalCount": 0}));
});

backend_test!(roles_standard_and_custom, |app| {
    let custom = app.create_custom_role(&app.organization_id, "Integration Test Role", Scope::Account).await;
    let other = app.create_other_organization().await;
    app.create_custom_role(&other.id, "Not Ours", Scope::Account).await;
    let filter = |extra: Value| {
        let mut filter = json!({"organizationId": {"eq": app.organization_id}});
        for (k, v) in extra.as_object().expect("object") {
            filter[k] = v.clone();
        }
        filter
    };
    let body = run(&app, GET_ROLES, json!({"cursor": "", "filter": filter(json!({})), "sort": null})).await;
    let roles = field(&body, "roles");
    assert_eq!(roles["totalCount"], 10, "{body}");
    assert_eq!(roles["nextCursor"], Value::Null);
    let apa = app.standard_role_id("all_product_admin").await;
    let items = roles["items"].as_array().expect("items");
    assert!(items.contains(&json!({"id": apa, "name": "All product admin", "scope": "account", "type": "standard"})));
    assert!(
        items.contains(&json!({"id": custom, "name": "Integration Test Role", "scope": "account", "type": "custom"}))
    );
    assert!(!items.iter().any(|r| r["name"] == "Not Ours"));

    let names = |extra: Value, sort: Value| {
        let app = &app;
        let filter = filter(extra);
        async move { column(&run(app, GET_ROLES, json!({"filter": filter, "sort": sort})).await, "roles", "name") }
    };
    let by_name = json!([{"key": "NAME"}]);
    assert_eq!(names(json!({"type": {"eq": "CUSTOM"}}), Value::Null).await, vec![json!("Integration Test Role")]);
    assert_eq!(
        names(json!({"scope": {"eq": "ORGANIZATION"}}), by_name.clone()).await,
        vec![
            json!("Authentication domain manager"),
            json!("Authentication domain read only"),
            json!("Organization manager"),
            json!("Organization read only")
        ]
    );
    assert_eq!(names(json!({"scopeV2": {"eq": "organization"}}), Value::Null).await.len(), 4);
    assert_eq!(names(json!({"scope": {"eq": "GROUP"}}), Value::Null).await, Vec::<Value>::new());
    assert_eq!(
        names(json!({"scope": {"eq": "ACCOUNT"}, "scopeV2": {"eq": "organization"}}), Value::Null).await.len(),
        0
    );
    assert_eq!(names(json!({"id": {"eq": apa}}), Value::Null).await, vec![json!("All product admin")]);
    assert_eq!(names(json!({"id": {"eq": 0}, "name": {"eq": ""}}), Value::Null).await.len(), 10);
    assert_eq!(names(json!({"name": {"eq": "Read only"}}), Value::Null).await, vec![json!("Read only")]);
    assert_eq!(
        names(json!({"name": {"contains": "READ ONLY"}}), json!([{"key": "NAME", "direction": "DESCENDING"}])).await,
        vec![json!("Read only"), json!("Organization read only"), json!("Authentication domain read only")]
    );
    // Roles granted to a group: the default Admin group's four; another organization's group: none.
    assert_eq!(
        names(json!({"groupId": {"eq": app.group_id("Admin").await}}), by_name.clone()).await,
        vec![
            json!("All product admin"),
            json!("Authentication domain manager"),
            json!("Billing user"),
            json!("Organization manager")
        ]
    );
    assert_eq!(names(json!({"groupId": {"in": [other.group_id]}}), Value::Null).await, Vec::<Value>::new());
});

backend_test!(grants_of_the_organizations_groups, |app| {
    let org = app.organization_id.clone();
    let primary = app.primary_account_id.to_string();
    let admin_group = app.group_id("Admin").await;
    let user_group = app.group_id("User").await;
    let other = app.create_other_organization().await;
    let filter = |extra: Value| {
        let mut filter = json!({"organizationId": {"eq": org}});
        for (k, v) in extra.as_object().expect("object") {
            filter[k] = v.clone();
        }
        filter
    };
    // The default groups' grants: User has All product admin on the primary account; Admin has All
    // product admin and Billing user on it, and Organization manager and Authentication domain
    // manager on the organization. Nothing of the other organization.
    let body = run(&app, GET_GRANTS, json!({"cursor": "", "filter": filter(json!({})), "sort": null})).await;
    let items = field(&body, "grants")["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 5, "{body}");
    assert_eq!(field(&body, "grants")["nextCursor"], Value::Null);
    assert!(items.iter().all(|g| g["group"]["id"] != json!(other.group_id)));
    let ids: Vec<i64> = items.iter().map(|g| g["id"].as_i64().expect("Int id")).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "by id: {ids:?}");
    let user_grant = items.iter().find(|g| g["group"]["id"] == json!(user_group)).expect("the User group's grant");
    assert_eq!(
        user_grant,
        &json!({
            "dataAccessPolicy": null,
            "grantee": {"id": user_group, "type": "GROUP"},
            "group": {"id": user_group},
            "id": user_grant["id"],
            "role": {"id": app.standard_role_id("all_product_admin").await, "name": "All product admin"},
            "scope": {"id": primary, "type": "ACCOUNT", "typev2": "account"}
        })
    );

    let grants = |extra: Value, sort: Value| {
        let app = &app;
        let filter = filter(extra);
        async move { field(&run(app, GET_GRANTS, json!({"filter": filter, "sort": sort})).await, "grants")["items"].clone() }
    };
    let count = |v: &Value| v.as_array().map(Vec::len).unwrap_or(0);
    // Go's zero values constrain nothing.
    let zeros = json!({"groupId": {"in": null}, "id": {"eq": 0}, "roleId": {"in": null}, "scopeId": {"in": null}});
    assert_eq!(count(&grants(zeros, Value::Null).await), 5);
    assert_eq!(count(&grants(json!({"groupId": {"eq": user_group}}), Value::Null).await), 1);
    assert_eq!(count(&grants(json!({"grantee": {"granteeId": {"in": [admin_group]}}}), Value::Null).await), 4);
    assert_eq!(count(&grants(json!({"grantee": {"granteeType": {"eq": "GROUP"}}}), Value::Null).await), 5);
    assert_eq!(count(&grants(json!({"grantee": {"granteeType": {"eq": "USER"}}}), Value::Null).await), 0);
    assert_eq!(count(&grants(json!({"dataAccessPolicyId": {"eq": "policy"}}), Value::Null).await), 0);
    assert_eq!(count(&grants(json!({"scopeId": {"eq": primary}}), Value::Null).await), 3);
    let on_org = grants(json!({"scopeType": {"eq": "ORGANIZATION"}}), Value::Null).await;
    assert_eq!(count(&on_org), 2);
    assert!(
        on_org
            .as_array()
            .expect("items")
            .iter()
            .all(|g| g["scope"] == json!({"id": org, "type": "ORGANIZATION", "typev2": "organization"}))
    );
    assert_eq!(count(&grants(json!({"scopeV2Type": {"eq": "account"}}), Value::Null).await), 3);
    assert_eq!(count(&grants(json!({"scopeType": {"eq": "GROUP"}}), Value::Null).await), 0);
    let apa = app.standard_role_id("all_product_admin").await;
    assert_eq!(count(&grants(json!({"roleId": {"eq": apa}}), Value::Null).await), 2);
    assert_eq!(
        count(&grants(json!({"authenticationDomainId": {"eq": app.default_domain_id().await}}), Value::Null).await),
        5
    );
    assert_eq!(count(&grants(json!({"authenticationDomainId": {"eq": other.domain_id}}), Value::Null).await), 0);
    assert_eq!(count(&grants(json!({"groupId": {"eq": other.group_id}}), Value::Null).await), 0);
    assert_eq!(count(&grants(json!({"id": {"eq": ids[0]}}), Value::Null).await), 1);
    let newest_first = grants(json!({}), json!([{"key": "ID", "direction": "DESCENDING"}])).await;
    assert_eq!(newest_first[0]["id"], json!(ids[4]));
});

backend_test!(permissions_are_the_capability_catalog, |app| {
    use sea_orm::{EntityTrait, PaginatorTrait};
    let catalog = entity::capability::Entity::find().count(&app.db).await.expect("count");
    // Sent with undeclared variables, as client-go does; any signed-in user may read the catalog.
    let user = app.create_user("plain@example.com", UserType::Basic).await;
    let key = app.create_key(user).await;
    let body = run_as(&app, &key, GET_PERMISSIONS, json!({"cursor": "", "filter": {"roleId": {"eq": ""}}})).await;
    let items = field(&body, "permissions")["items"].as_array().expect("items").clone();
    assert_eq!(items.len() as u64, catalog);
    assert_eq!(field(&body, "permissions")["nextCursor"], Value::Null);
    assert!(items.contains(&json!({
        "category": "READ",
        "feature": "Roles",
        "featureDescription": "See standard and custom roles.",
        "featureDocumentationPath": null,
        "id": "2805",
        "name": "Read roles",
        "product": "Organization"
    })));

    let filtered = |filter: &str| {
        let app = &app;
        let query = format!("{{ customerAdministration {{ permissions(filter: {filter}) {{ items {{ id }} }} }} }}");
        async move { column(&run(app, &query, Value::Null).await, "permissions", "id") }
    };
    let read_only = app.standard_role_id("read_only").await;
    let of_role = filtered(&format!(r#"{{ roleId: {{ eq: "{read_only}" }} }}"#)).await;
    assert!(!of_role.is_empty() && (of_role.len() as u64) < catalog);
    assert!(of_role.contains(&json!("1001")) && !of_role.contains(&json!("1003")));
    let org_scoped = filtered(r#"{ scope: { eq: "ORGANIZATION" } }"#).await;
    assert!(org_scoped.contains(&json!("2805")) && !org_scoped.contains(&json!("1001")));
    assert_eq!(filtered(r#"{ roleId: { eq: "not-a-role" } }"#).await, Vec::<Value>::new());
    assert_eq!(filtered(r#"{ scope: { eq: "GROUP" } }"#).await, Vec::<Value>::new());
    // Another organization's custom role shows nothing.
    let other = app.create_other_organization().await;
    let theirs = app.create_custom_role(&other.id, "Theirs", Scope::Account).await;
    app.grant_capability(theirs, 1001).await;
    assert_eq!(filtered(&format!(r#"{{ roleId: {{ eq: "{theirs}" }} }}"#)).await, Vec::<Value>::new());
});

backend_test!(organizations_user_and_the_empty_lists, |app| {
    use sea_orm::EntityTrait;
    let org = entity::organization::Entity::find_by_id(app.organization_id.clone())
        .one(&app.db)
        .await
        .expect("query")
        .expect("organization");
    let body = run(&app, GET_ORGANIZATIONS, json!({"cursor": "", "filter": {}})).await;
    assert_eq!(
        field(&body, "organizations"),
        &json!({"items": [{"contractId": null, "customerId": org.customer_id, "id": org.id, "name": "Test Organization"}], "nextCursor": null})
    );
    let organizations = |filter: String| {
        let app = &app;
        let query = format!("{{ customerAdministration {{ organizations(filter: {filter}) {{ items {{ id }} }} }} }}");
        async move { column(&run(app, &query, Value::Null).await, "organizations", "id") }
    };
    let ours = vec![json!(org.id)];
    assert_eq!(organizations(format!("{{ accountId: {{ eq: {} }} }}", app.primary_account_id)).await, ours);
    assert_eq!(organizations(format!(r#"{{ customerId: {{ eq: "{}" }} }}"#, org.customer_id)).await, ours);
    assert_eq!(organizations(r#"{ name: { contains: "test" } }"#.into()).await, ours);
    let other = app.create_other_organization().await;
    assert_eq!(organizations(format!(r#"{{ id: {{ eq: "{}" }} }}"#, other.id)).await, Vec::<Value>::new());
    assert_eq!(organizations(format!("{{ accountId: {{ eq: {} }} }}", other.account_id)).await, Vec::<Value>::new());

    let body = run(&app, GET_USER, json!({})).await;
    assert_eq!(field(&body, "user"), &json!({"email": ADMIN_EMAIL, "id": app.admin_user_id, "name": "Test Admin"}));

    let body =
        run(&app, GET_CONTRACTS, json!({"cursor": "", "filter": {"customerId": {}, "organizationId": {}}})).await;
    assert_eq!(field(&body, "contracts"), &json!({"items": [], "nextCursor": null}));

    let body = run(&app, GET_CONSUMPTION, json!({"customerId": org.customer_id})).await;
    assert_eq!(field(&body, "consumption"), &json!({"customerId": org.customer_id}));
    let body = run(&app, GET_CONSUMPTION, json!({"customerId": "CC-0000000002"})).await;
    assert_eq!(field(&body, "consumption"), &Value::Null);

    let shares = json!({"cursor": "", "filter": {"accountId": {"eq": app.primary_account_id}, "limitingDataAccessPolicyId": {},
        "targetId": {"eq": ""}}, "sort": null});
    let body = run(&app, GET_ACCOUNT_SHARES, shares).await;
    assert_eq!(field(&body, "accountShares"), &json!({"items": [], "nextCursor": null}));

    let jobs = json!({"cursor": "", "filter": {"customerId": {}, "jobId": {"in": null}, "status": {"in": null}}});
    let body = run(&app, GET_ORGANIZATION_CREATE_ASYNC_RESULTS, jobs).await;
    assert_eq!(field(&body, "jobs"), &json!({"organizationCreateAsyncResults": {"items": [], "nextCursor": null}}));
});

backend_test!(get_jobs_is_a_syntax_error, |app| {
    let (status, body) = app.graphql_as(Some(ADMIN_KEY), GET_JOBS, Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    let message = body["errors"][0]["message"].as_str().expect("an error message");
    assert!(message.contains("expected selection"), "{message}");
});

backend_test!(each_list_needs_its_capability, |app| {
    let org = app.organization_id.clone();
    let domain = app.default_domain_id().await;
    let reads = [
        ("accounts", GET_ACCOUNTS, json!({"filter": {"organizationId": {"eq": org}}})),
        ("authenticationDomains", GET_AUTHENTICATION_DOMAINS, json!({"filter": {"organizationId": {"eq": org}}})),
        ("users", GET_USERS, json!({"filter": {"authenticationDomainId": {"eq": domain}}})),
        ("groups", GET_GROUPS, json!({"filter": {"organizationId": {"eq": org}}})),
        ("roles", GET_ROLES, json!({"filter": {"organizationId": {"eq": org}}})),
        ("grants", GET_GRANTS, json!({"filter": {"organizationId": {"eq": org}}})),
        ("organizations", GET_ORGANIZATIONS, Value::Null),
        ("accountShares", GET_ACCOUNT_SHARES, json!({"filter": {"accountId": {"eq": 1}}})),
    ];
    // The audit trail is not refused: each reader sees the events they may read (tests/audit_events.rs).
    for user_type in [UserType::Basic, UserType::Core] {
        // A user in no group has no organization capability.
        let user = app.create_user(&format!("{}@example.com", user_type.as_str().to_lowercase()), user_type).await;
        let key = app.create_key(user).await;
        for (name, query, variables) in &reads {
            let (status, body) = app.graphql_as(Some(&key), query, variables.clone()).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            assert_eq!(field(&body, name), &Value::Null, "{name}: {body}");
            assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN", "{name}: {body}");
            assert_eq!(body["errors"][0]["path"], json!(["customerAdministration", name]));
        }
        // What any signed-in user may read, with a refused sibling in the same request.
        let body = app
            .query_as(&key, "{ customerAdministration { user { email } contracts { nextCursor } jobs { organizationCreateAsyncResults(filter: {}) { nextCursor } } grants(filter: { organizationId: { eq: \"x\" } }) { nextCursor } } }")
            .await;
        assert_eq!(field(&body, "user")["email"], json!(format!("{}@example.com", user_type.as_str().to_lowercase())));
        assert_eq!(field(&body, "contracts"), &json!({"nextCursor": null}));
        assert_eq!(field(&body, "grants"), &Value::Null);
        assert_eq!(body["errors"].as_array().map(Vec::len), Some(1), "{body}");
    }
    // Organization read only (a core user) reads accounts, roles, grants and the organization, not users.
    let reader = app.create_user("reader@example.com", UserType::Core).await;
    let readers = app.create_group("Readers").await;
    app.grant(&readers, "organization_read_only", None).await;
    app.add_member(&readers, reader).await;
    let key = app.create_key(reader).await;
    for (name, query, variables) in &reads {
        let (_, body) = app.graphql_as(Some(&key), query, variables.clone()).await;
        let refused = field(&body, name).is_null();
        let expect_refused = matches!(*name, "users" | "authenticationDomains");
        assert_eq!(refused, expect_refused, "{name}: {body}");
    }
});

backend_test!(another_organizations_ids_give_empty_pages, |app| {
    let other = app.create_other_organization().await;
    let empty = |name: &str, body: &Value| {
        let page = field(body, name);
        assert_eq!(page["items"], json!([]), "{name}: {body}");
        assert_eq!(page["nextCursor"], Value::Null);
    };
    let theirs = json!({"filter": {"organizationId": {"eq": other.id}}});
    empty("accounts", &run(&app, GET_ACCOUNTS, theirs.clone()).await);
    empty("authenticationDomains", &run(&app, GET_AUTHENTICATION_DOMAINS, theirs.clone()).await);
    empty("groups", &run(&app, GET_GROUPS, theirs.clone()).await);
    empty("roles", &run(&app, GET_ROLES, theirs.clone()).await);
    empty("grants", &run(&app, GET_GRANTS, theirs.clone()).await);
    empty("auditEvents", &run(&app, GET_AUDIT_EVENTS, theirs.clone()).await);
    let their_users = json!({"filter": {"authenticationDomainId": {"eq": other.domain_id}}});
    empty("users", &run(&app, GET_USERS, their_users).await);
    // Their ids inside our organization's filter match nothing either.
    let ours = |extra: Value| {
        let mut filter = json!({"organizationId": {"eq": app.organization_id}});
        for (k, v) in extra.as_object().expect("object") {
            filter[k] = v.clone();
        }
        json!({"filter": filter})
    };
    empty("groups", &run(&app, GET_GROUPS, ours(json!({"authenticationDomainId": {"eq": other.domain_id}}))).await);
    empty("groups", &run(&app, GET_GROUPS, ours(json!({"id": {"eq": other.group_id}}))).await);
    empty("accounts", &run(&app, GET_ACCOUNTS, ours(json!({"id": {"eq": other.account_id}}))).await);
    empty("grants", &run(&app, GET_GRANTS, ours(json!({"scopeId": {"eq": other.account_id.to_string()}}))).await);
    let users_of_their_group = json!({"filter": {"authenticationDomainId": {"eq": app.default_domain_id().await},
        "groupId": {"eq": other.group_id}}});
    empty("users", &run(&app, GET_USERS, users_of_their_group).await);
});

backend_test!(statements_per_request_do_not_grow_with_rows, |app| {
    let domain = app.default_domain_id().await;
    let org = app.organization_id.clone();
    let query = format!(
        r#"{{ customerAdministration {{
          users(filter: {{ authenticationDomainId: {{ eq: "{domain}" }} }}) {{ items {{ id type {{ id }} groups {{ items {{ id name }} }} }} totalCount }}
          groups(filter: {{ organizationId: {{ eq: "{org}" }} }}) {{ items {{ id users {{ items {{ id email }} }} }} }}
          grants(filter: {{ organizationId: {{ eq: "{org}" }} }}) {{ items {{ id role {{ name }} }} }} }} }}"#
    );
    app.create_users("small", 10, UserType::Basic).await;
    let small = app.statements_for(&query).await;
    app.create_users("large", 990, UserType::Core).await;
    let group = app.group_id("User").await;
    for id in app.user_ids("large").await.into_iter().take(300) {
        app.add_member(&group, id).await;
    }
    for i in 0..20 {
        let extra = app.create_group(&format!("Team {i}")).await;
        app.grant(&extra, "read_only", Some(app.primary_account_id)).await;
    }
    let large = app.statements_for(&query).await;
    assert_eq!(small, large, "statements for 10 users: {small}, for 1,000: {large}");
});

backend_test!(users_page_by_500_with_opaque_cursors, |app| {
    app.create_users("bulk", 1_000, UserType::Basic).await;
    let query = r#"query($cursor: String, $filter: MultiTenantIdentityUserFilterInput!) {
      customerAdministration { users(cursor: $cursor, filter: $filter) { items { id } nextCursor totalCount } } }"#;
    let filter = json!({"authenticationDomainId": {"eq": app.default_domain_id().await}});
    let mut cursor = Value::Null;
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = Vec::new();
    loop {
        let body = run(&app, query, json!({"cursor": cursor, "filter": filter})).await;
        let page = field(&body, "users").clone();
        assert_eq!(page["totalCount"], 1_001);
        let ids = page["items"].as_array().expect("items").clone();
        pages.push(ids.len());
        for id in ids {
            assert!(seen.insert(id["id"].as_str().expect("id").to_owned()), "a user appeared twice");
        }
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            break;
        }
        assert!(cursor.as_str().is_some_and(|c| c.starts_with('=')));
    }
    assert_eq!(pages, vec![500, 500, 1]);
    let bad = json!({"cursor": "garbage", "filter": filter});
    let (_, body) = app.graphql_as(Some(ADMIN_KEY), query, bad).await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "BAD_USER_INPUT", "{body}");
});

backend_test!(audit_events_newest_first, |app| {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let org = app.organization_id.clone();
    let written = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::OrganizationId.eq(org.as_str()))
        .count(&app.db)
        .await
        .expect("count");
    let body = run(&app, GET_AUDIT_EVENTS, json!({"filter": {"organizationId": {"eq": org}}})).await;
    let page = field(&body, "auditEvents");
    assert_eq!(page["totalCount"].as_u64(), Some(written));
    assert_eq!(page["nextCursor"], Value::Null);
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len() as u64, written);
    let ids: Vec<i64> = items.iter().map(|e| e["id"].as_str().expect("ID").parse().expect("number")).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    // The bootstrap made the organization first: it is the oldest event.
    let oldest = items.last().expect("an event");
    assert_eq!(oldest["action"], "organization.create");
    assert_eq!(oldest["targetType"], "organization");
    assert_eq!(oldest["targetId"], json!(org));
    assert_eq!(oldest["actorUserId"], Value::Null);
    assert_eq!(oldest["before"], Value::Null);
    let after: Value = serde_json::from_str(oldest["after"].as_str().expect("JSON text")).expect("JSON");
    assert_eq!(after["name"], "Test Organization");
    assert!(oldest["createdAt"].as_str().is_some_and(|t| t.contains('T')));

    // By target.
    let admin = app.admin_user_id.to_string();
    let by_target =
        json!({"filter": {"organizationId": {"eq": org}, "targetType": {"eq": "user"}, "targetId": {"eq": admin}}});
    let body = run(&app, GET_AUDIT_EVENTS, by_target).await;
    assert_eq!(column(&body, "auditEvents", "action"), vec![json!("user.create")]);
    let after: Value =
        serde_json::from_str(field(&body, "auditEvents")["items"][0]["after"].as_str().expect("JSON text"))
            .expect("JSON");
    assert_eq!(after["email"], ADMIN_EMAIL);
    let groups = json!({"filter": {"organizationId": {"eq": org}, "targetType": {"eq": "group"}, "targetId": {}}});
    assert_eq!(field(&run(&app, GET_AUDIT_EVENTS, groups).await, "auditEvents")["totalCount"], 2);
    // By actor: the bootstrap acted as the system, not as a user.
    let by_actor = json!({"filter": {"organizationId": {"eq": org}, "actorUserId": {"eq": app.admin_user_id}}});
    assert_eq!(field(&run(&app, GET_AUDIT_EVENTS, by_actor).await, "auditEvents")["totalCount"], 0);

    // Paging by key: the page after the newest event starts with the one before it.
    let first = ids[0].to_string();
    let cursor = accessgraph::graphql::pagination::encode(&first);
    let body = run(&app, GET_AUDIT_EVENTS, json!({"cursor": cursor, "filter": {"organizationId": {"eq": org}}})).await;
    assert_eq!(field(&body, "auditEvents")["items"][0]["id"], json!(ids[1].to_string()));
});

// The rows of a users page built directly (`graphql::fast_rows`) answer exactly what
// async-graphql's own resolution answers (the same fields under an inline fragment).
backend_test!(user_rows_built_directly_answer_what_async_graphql_answers, |app| {
    use sea_orm::Set;
    app.create_users("row", 4, UserType::Core).await;
    let ids = app.user_ids("row").await;
    let team = app.create_group("Team").await;
    app.add_member(&team, ids[0]).await;
    app.add_member(&app.group_id("Admin").await, ids[0]).await;
    app.set_user(ids[1], |u| {
        u.pending_upgrade_type = Set(Some(UserType::Full));
        u.last_active = Set(Some(chrono::Utc::now()));
    })
    .await;
    let domain = app.default_domain_id().await;
    let fields = "__typename authenticationDomainId email emailVerificationState id i: id lastActive name timeZone
        type { id name __typename } pendingUpgradeRequest { id message requestedUserType { id name } }
        groups { __typename totalCount nextCursor items { id name __typename } }";
    let query = |row: &str| {
        format!(
            r#"{{ customerAdministration {{ users(filter: {{ authenticationDomainId: {{ eq: "{domain}" }} }}) {{
                 items {{ {row} }} totalCount nextCursor }} }} }}"#
        )
    };
    let body = app.query(&query(fields)).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body, app.query(&query(&format!("... on MultiTenantIdentityUser {{ {fields} }}"))).await);
    let items = body["data"]["customerAdministration"]["users"]["items"].as_array().expect("items").clone();
    let row = |id: i64| {
        let id = id.to_string();
        items.iter().find(|u| u["id"] == id.as_str()).expect("the user's row").clone()
    };
    assert_eq!(row(ids[0])["groups"]["totalCount"], 2);
    assert_eq!(row(ids[0])["emailVerificationState"], "PENDING", "an enum: {}", row(ids[0]));
    assert_eq!(row(ids[1])["pendingUpgradeRequest"]["requestedUserType"]["id"], "3");
});
