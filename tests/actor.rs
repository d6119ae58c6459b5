//! `actor { user organization accounts account(id) }`.

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY};

backend_test!(actor_user_is_the_keys_owner, |app| {
    let body = app.query("{ actor { user { id email name timeZoneName createdAt } } }").await;
    let user = &body["data"]["actor"]["user"];
    assert_eq!(user["id"], json!(app.admin_user_id));
    assert_eq!(user["email"], ADMIN_EMAIL);
    assert_eq!(user["name"], "Test Admin");
    assert_eq!(user["timeZoneName"], "Etc/UTC");
    assert!(user["createdAt"].as_i64().is_some_and(|t| t > 1_700_000_000), "epoch seconds: {user}");
    assert!(body.get("errors").is_none());
});

backend_test!(actor_organization_has_id_and_name, |app| {
    let body = app
        .query("{ actor { organization { id name customerId administrator { organizationId organizationName } } } }")
        .await;
    let org = &body["data"]["actor"]["organization"];
    assert_eq!(org["id"], json!(app.organization_id));
    assert_eq!(org["name"], "Test Organization");
    assert!(org["customerId"].as_str().is_some_and(|c| c.starts_with("CC-") && c.len() == 13), "{org}");
    assert_eq!(org["administrator"]["organizationId"], json!(app.organization_id));
});

backend_test!(actor_accounts_lists_the_accessible_accounts, |app| {
    let body = app.query("{ actor { accounts(scope: GLOBAL) { id name } } }").await;
    assert_eq!(
        body["data"]["actor"]["accounts"],
        json!([{ "id": app.primary_account_id, "name": "Test Organization" }])
    );
    // An account the admin has no grant on is not listed.
    let other = app.create_account("Not granted").await;
    let body = app.query("{ actor { accounts { id } } }").await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([{ "id": app.primary_account_id }]));
    // Granted on it, it is.
    app.grant(&app.group_id("Admin").await, "read_only", Some(other)).await;
    let body = app.query("{ actor { accounts { id } } }").await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([{ "id": app.primary_account_id }, { "id": other }]));
});

backend_test!(actor_account_by_id, |app| {
    let query = format!("{{ actor {{ account(id: {}) {{ id name }} }} }}", app.primary_account_id);
    let body = app.query(&query).await;
    assert_eq!(
        body,
        json!({"data": {"actor": {"account": {"id": app.primary_account_id, "name": "Test Organization"}}}})
    );
});

backend_test!(an_inaccessible_account_is_null_with_a_forbidden_error_and_siblings_resolve, |app| {
    let other = app.create_account("Hidden").await;
    for id in [other, 999_999] {
        let body = app.query(&format!("{{ actor {{ account(id: {id}) {{ id name }} user {{ email }} }} }}")).await;
        assert_eq!(body["data"], json!({"actor": {"account": null, "user": {"email": ADMIN_EMAIL}}}));
        let errors = body["errors"].as_array().expect("errors");
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(errors[0]["path"], json!(["actor", "account"]));
        assert_eq!(errors[0]["extensions"]["errorClass"], "FORBIDDEN");
        assert_eq!(errors[0]["message"], format!("You are not authorized to perform this action on account {id}"));
    }
});

backend_test!(a_refused_field_is_null_under_its_alias_in_fragments_and_when_it_is_its_objects_only_field, |app| {
    let other = app.create_account("Hidden").await;
    // The only field of `actor`: `actor` is still an object, holding the null.
    let body = app.query(&format!("{{ actor {{ account(id: {other}) {{ id }} }} }}")).await;
    assert_eq!(body["data"], json!({"actor": {"account": null}}), "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["actor", "account"]));
    // Under an alias, in an inline fragment and in a named fragment, between siblings.
    let query = format!(
        "query {{ actor {{ ... on Actor {{ hidden: account(id: {other}) {{ id }} }} user {{ email }} ...More }} }}
         fragment More on Actor {{ again: account(id: {other}) {{ name }} mine: account(id: {}) {{ id }} }}",
        app.primary_account_id
    );
    let body = app.query(&query).await;
    assert_eq!(
        body["data"],
        json!({"actor": {"hidden": null, "user": {"email": ADMIN_EMAIL}, "again": null, "mine": {"id": app.primary_account_id}}}),
        "{body}"
    );
    // The nulls sit among their siblings in the document's order, as the response's text shows.
    let request = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Api-Key", ADMIN_KEY)
        .body(Body::from(json!({ "query": query }).to_string()))
        .expect("request");
    let response = app.router.clone().oneshot(request).await.expect("router answers");
    let text =
        String::from_utf8(response.into_body().collect().await.expect("body").to_bytes().to_vec()).expect("utf-8");
    let at = |key: &str| text.find(&format!("\"{key}\":")).unwrap_or_else(|| panic!("{key} in {text}"));
    assert!(at("hidden") < at("user") && at("user") < at("again") && at("again") < at("mine"), "{text}");
    let mut paths: Vec<Value> = body["errors"].as_array().expect("errors").iter().map(|e| e["path"].clone()).collect();
    paths.sort_by_key(|p| p.to_string());
    assert_eq!(paths, [json!(["actor", "again"]), json!(["actor", "hidden"])]);
});

backend_test!(actor_user_is_one_statement_while_the_viewers_access_is_unchanged, |app| {
    // The key check reads the user and the organization's access version; the viewer's access is
    // kept from the previous request under that version, and the user comes with the key.
    assert_eq!(app.statements_for("{ actor { user { id email name } } }").await, 1);
    // A change of access anywhere in the organization is recomputed once, then kept again.
    let group = app.create_group("Readers").await;
    app.ok(
        "mutation($o: AuthorizationManagementGrantAccess) { authorizationManagementGrantAccess(grantAccessOptions: $o) { roles { id } } }",
        json!({"o": {"groupId": group, "accountAccessGrants": [{
            "accountId": app.primary_account_id, "roleId": app.standard_role_id("read_only").await.to_string() }]}}),
    )
    .await;
    let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    app.query("{ actor { user { id } } }").await;
    let after_change = app.statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert!(after_change > 1, "the first request after a change recomputes access: {after_change}");
    assert_eq!(app.statements_for("{ actor { user { id } } }").await, 1);
});

backend_test!(actor_organization_comes_with_the_key_and_is_current, |app| {
    // The key check reads the organization with the key, and the request's organization loader
    // starts with it: no statement of its own.
    assert_eq!(app.statements_for("{ actor { organization { id name } } }").await, 1);
    // A rename is what the mutation's payload and the very next request read.
    let renamed = app
        .ok(
            "mutation($o: OrganizationUpdateInput!, $id: ID) { organizationUpdate(organization: $o, organizationId: $id) { organizationInformation { id name } } }",
            json!({"o": {"name": "Renamed Org"}, "id": app.organization_id}),
        )
        .await;
    assert_eq!(renamed["data"]["organizationUpdate"]["organizationInformation"]["name"], "Renamed Org", "{renamed}");
    let after = app.ok("{ actor { organization { id name } } }", json!({})).await;
    assert_eq!(after["data"]["actor"]["organization"], json!({"id": app.organization_id, "name": "Renamed Org"}));
});
