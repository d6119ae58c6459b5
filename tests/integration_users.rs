//! Integration users (issue 14, item 5; seed 000): the README's "Integration users" section, run
//! verbatim. The GraphQL operations are read from the README itself, in order, so the text and
//! this test cannot drift apart: a dedicated user in a dedicated group, granted Read only on
//! exactly one account, with a user key that sees that account and nothing else, and loses it at
//! its very next request when the grant is revoked.

use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{TestApp, first_error};

const README: &str = include_str!("../README.md");

/// The ```graphql blocks of the README section headed `heading`, in order.
fn graphql_blocks(heading: &str) -> Vec<&'static str> {
    let start = README.find(&format!("\n{heading}\n")).unwrap_or_else(|| panic!("the README has no {heading:?}"));
    let section = &README[start + heading.len() + 2..];
    let end = ["\n## ", "\n### "].iter().filter_map(|h| section.find(h)).min().unwrap_or(section.len());
    let mut blocks = Vec::new();
    let mut rest = &section[..end];
    while let Some(open) = rest.find("```graphql\n") {
        let body = &rest[open + "```graphql\n".len()..];
        let close = body.find("\n```").expect("a closed code block");
        blocks.push(&body[..close]);
        rest = &body[close + 4..];
    }
    blocks
}

async fn ok_as(app: &TestApp, key: &str, query: &str, variables: Value) -> Value {
    let body = app.run_as(key, query, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"].clone()
}

backend_test!(the_readme_integration_user_sees_exactly_its_accounts_until_revoked, |app| {
    let blocks = graphql_blocks("### Integration users");
    let [create_group, grant, create_user, add, create_key, check, revoke] = blocks[..] else {
        panic!("the section has 7 GraphQL operations, not {}: {blocks:#?}", blocks.len());
    };
    assert_eq!(app.primary_account_id, 1, "the README's production account");
    assert_eq!(app.create_account("Staging").await, 2, "the README's staging account");
    // Where the admin holds All product admin, as on the primary account.
    app.grant(&app.group_id("Admin").await, "all_product_admin", Some(2)).await;
    let domain = app.default_domain_id().await;

    let data = app.ok(create_group, json!({ "domain": domain })).await;
    let group = data["data"]["userManagementCreateGroup"]["group"].clone();
    assert_eq!(group["displayName"], "Integration: Jira");
    let group = group["id"].clone();

    let data = app.ok(grant, json!({ "group": group })).await;
    assert_eq!(
        data["data"]["authorizationManagementGrantAccess"]["roles"],
        json!([{ "name": "read_only", "accountId": 2 }])
    );

    let data = app.ok(create_user, json!({ "domain": domain })).await;
    let user = data["data"]["userManagementCreateUser"]["createdUser"]["id"].clone();
    let user_int: i64 = user.as_str().and_then(|id| id.parse().ok()).expect("a numeric user id");

    let data = app.ok(add, json!({ "group": group, "user": user })).await;
    assert_eq!(
        data["data"]["userManagementAddUsersToGroups"]["groups"],
        json!([{ "displayName": "Integration: Jira" }])
    );

    let data = app.ok(create_key, json!({ "user": user_int })).await;
    let payload = &data["data"]["apiAccessCreateKeys"];
    assert_eq!(payload["errors"], json!([]), "{payload}");
    let key = payload["createdKeys"][0]["key"].as_str().expect("the key, shown once").to_owned();

    // The key sees account 2, and account 1 is refused.
    let body = app.run_as(&key, check, Value::Null).await;
    assert_eq!(body["data"]["actor"]["accounts"], json!([{ "id": 2, "name": "Staging" }]), "{body}");
    assert_eq!(body["data"]["actor"]["production"], Value::Null, "{body}");
    assert_eq!(
        first_error(&body),
        ("You are not authorized to perform this action on account 1".to_owned(), "FORBIDDEN".to_owned())
    );
    // Read only: what the account allows the key is what the role gives a core user, no more.
    let data = ok_as(&app, &key, "{ actor { account(id: 2) { capabilityIds } } }", Value::Null).await;
    let capabilities = data["actor"]["account"]["capabilityIds"].as_array().expect("capabilities").clone();
    assert!(capabilities.contains(&json!(1701)), "Read dashboards: {capabilities:?}");
    assert!(!capabilities.contains(&json!(1702)), "no Modify dashboards: {capabilities:?}");
    // Nor may the key change what Read only does not cover: it creates no group.
    let body = app.run_as(&key, create_group, json!({ "domain": domain })).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");

    // Revoked: the very next request has no account left.
    app.ok(revoke, json!({ "group": group })).await;
    let data = app.run_as(&key, check, Value::Null).await;
    assert_eq!(data["data"]["actor"]["accounts"], json!([]), "{data}");
    assert_eq!(data["data"]["actor"]["production"], Value::Null, "{data}");
});

#[test]
fn the_readme_section_is_found_whole() {
    let blocks = graphql_blocks("### Integration users");
    assert_eq!(blocks.len(), 7);
    assert!(blocks[0].starts_with("mutation($domain: ID!) {\n  userManagementCreateGroup("), "{}", blocks[0]);
    assert!(blocks[6].trim_end().ends_with('}'), "{}", blocks[6]);
}
