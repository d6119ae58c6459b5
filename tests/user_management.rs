//! `actor.organization.userManagement`, with the operations newrelic-client-go and Terraform send.

use entity::enums::UserType;
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, Backend, TestApp};

/// client-go `usermanagement.GetAuthenticationDomains` (sent with an undeclared `cursor`).
const GET_AUTHENTICATION_DOMAINS: &str = r#"query($id: [ID!]) { actor { organization { userManagement {
  authenticationDomains(id: $id) { authenticationDomains { id name provisioningType } nextCursor totalCount } } } } }"#;

/// Shaped like client-go `usermanagement.UserManagementGetUsers`: inline filter literals whose
/// variables may be absent.
const GET_USERS: &str = r#"query($authenticationDomainIDs: [ID!], $userIDs: [ID!], $name: String, $emailID: String) {
  actor { organization { userManagement { authenticationDomains(id: $authenticationDomainIDs) {
    authenticationDomains { id name
      users(id: $userIDs, filter: { name: { contains: $name }, email: { contains: $emailID } }) {
        users { id email name emailVerificationState lastActive timeZone
          pendingUpgradeRequest { id message requestedUserType { displayName id } }
          type { displayName id }
          groups { groups { displayName id } } }
        nextCursor totalCount } } } } } } }"#;

/// Shaped like client-go `usermanagement.UserManagementGetGroupsWithUsers`.
const GET_GROUPS_WITH_USERS: &str = r#"query($authenticationDomainIDs: [ID!], $groupIDs: [ID!], $name: String) {
  actor { organization { userManagement { authenticationDomains(id: $authenticationDomainIDs) {
    authenticationDomains { id name
      groups(id: $groupIDs, filter: { displayName: { contains: $name } }) {
        groups { displayName id users { users { email id name timeZone } } } nextCursor totalCount } } } } } } }"#;

async fn run(app: &TestApp, query: &str, variables: Value) -> Value {
    let (status, body) = app.graphql_as(Some(crate::common::ADMIN_KEY), query, variables).await;
    assert_eq!(status, axum::http::StatusCode::OK, "{body}");
    assert!(body.get("errors").is_none(), "{body}");
    body
}

fn domains(body: &Value) -> &Value {
    &body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]
}

backend_test!(authentication_domains_with_no_variables, |app| {
    let (status, body) =
        app.graphql_as(Some(crate::common::ADMIN_KEY), GET_AUTHENTICATION_DOMAINS, json!({"cursor": null})).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    assert_eq!(
        domains(&body),
        &json!({
            "authenticationDomains": [{"id": app.default_domain_id().await, "name": "Default", "provisioningType": "manual"}],
            "nextCursor": null,
            "totalCount": 1
        })
    );
});

backend_test!(unknown_authentication_domain_ids_give_an_empty_page, |app| {
    let body = run(&app, GET_AUTHENTICATION_DOMAINS, json!({"id": ["00000000-0000-0000-0000-000000000000"]})).await;
    assert_eq!(domains(&body), &json!({"authenticationDomains": [], "nextCursor": null, "totalCount": 0}));
});

backend_test!(get_users_by_id_as_terraform_reads_a_user, |app| {
    let user = app.create_user("Jane.Doe@example.com", UserType::Core).await;
    let group = app.create_group("Developers").await;
    app.add_member(&group, user).await;
    let body = run(&app, GET_USERS, json!({"userIDs": [user.to_string()]})).await;
    let page = &domains(&body)["authenticationDomains"][0]["users"];
    assert_eq!(page["totalCount"], 1);
    assert_eq!(page["nextCursor"], Value::Null);
    assert_eq!(
        page["users"][0],
        json!({
            "id": user.to_string(),
            "email": "Jane.Doe@example.com",
            "name": "User Jane.Doe@example.com",
            "emailVerificationState": "Pending",
            "lastActive": null,
            "timeZone": "Etc/UTC",
            "pendingUpgradeRequest": null,
            "type": {"displayName": "Core", "id": "2"},
            "groups": {"groups": [{"displayName": "Developers", "id": group}]}
        })
    );
});

backend_test!(user_filters_constrain_only_what_is_given, |app| {
    app.create_user("alice@example.com", UserType::Basic).await;
    app.create_user("bob@example.com", UserType::Full).await;
    let emails = |body: &Value| -> Vec<String> {
        domains(body)["authenticationDomains"][0]["users"]["users"]
            .as_array()
            .expect("users")
            .iter()
            .map(|u| u["email"].as_str().expect("email").to_owned())
            .collect()
    };
    // No variables at all: every user.
    let all = run(&app, GET_USERS, json!({})).await;
    assert_eq!(emails(&all), vec![ADMIN_EMAIL, "alice@example.com", "bob@example.com"]);
    // Contains is case-insensitive.
    let body = run(&app, GET_USERS, json!({"emailID": "ALICE"})).await;
    assert_eq!(emails(&body), vec!["alice@example.com"]);
    let body = run(&app, GET_USERS, json!({"name": "bob"})).await;
    assert_eq!(emails(&body), vec!["bob@example.com"]);
    // The typed filters.
    let typed = r#"query($t: UserManagementTypeEnum!) { actor { organization { userManagement { authenticationDomains {
      authenticationDomains { users(filter: { type: { eq: $t } }) { users { email } totalCount } } } } } } }"#;
    let body = run(&app, typed, json!({"t": "BASIC"})).await;
    assert_eq!(emails(&body), vec!["alice@example.com"]);
    let body = run(&app, typed, json!({"t": "FULL_PLATFORM"})).await;
    assert_eq!(emails(&body), vec![ADMIN_EMAIL, "bob@example.com"]);
    let exact = r#"{ actor { organization { userManagement { authenticationDomains { authenticationDomains {
      users(filter: { email: { eq: "BOB@example.com" }, emailVerificationState: { pending: true } }) { users { email } } } } } } } }"#;
    assert_eq!(emails(&run(&app, exact, json!(null)).await), vec!["bob@example.com"]);
    // Unknown and malformed ids match nobody.
    let body = run(&app, GET_USERS, json!({"userIDs": ["999999", "not-a-number"]})).await;
    assert_eq!(emails(&body), Vec::<String>::new());
});

backend_test!(users_page_by_500_with_stable_cursors, |app| {
    app.create_users("bulk", 1_004, UserType::Basic).await;
    let query = r#"query($cursor: String) { actor { organization { userManagement { authenticationDomains {
      authenticationDomains { users(cursor: $cursor) { users { id } nextCursor totalCount } } } } } } }"#;
    let mut cursor = Value::Null;
    let mut seen = std::collections::BTreeSet::new();
    let mut pages = Vec::new();
    loop {
        let body = run(&app, query, json!({"cursor": cursor})).await;
        let page = domains(&body)["authenticationDomains"][0]["users"].clone();
        // The late user (added after the first page) is counted from then on.
        assert_eq!(page["totalCount"], if pages.is_empty() { 1_005 } else { 1_006 });
        let ids = page["users"].as_array().expect("users").clone();
        pages.push(ids.len());
        for id in ids {
            assert!(seen.insert(id["id"].as_str().expect("id").to_owned()), "a user appeared twice");
        }
        if pages.len() == 1 {
            // A user added between pages does not shift the pages that follow.
            app.create_user("late@example.com", UserType::Basic).await;
        }
        cursor = page["nextCursor"].clone();
        if cursor.is_null() {
            break;
        }
        assert!(cursor.as_str().is_some_and(|c| c.starts_with('=')));
    }
    assert_eq!(pages, vec![500, 500, 6]);
    assert_eq!(seen.len(), 1_006);
});

backend_test!(a_bad_cursor_is_bad_user_input, |app| {
    let query =
        r#"{ actor { organization { userManagement { authenticationDomains(cursor: "garbage") { totalCount } } } } }"#;
    let body = app.query(query).await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "BAD_USER_INPUT");
    assert_eq!(body["errors"][0]["path"], json!(["actor", "organization", "userManagement", "authenticationDomains"]));
});

backend_test!(groups_with_users_as_terraform_reads_a_group, |app| {
    let user = app.create_user("member@example.com", UserType::Basic).await;
    let group = app.create_group("Support").await;
    app.add_member(&group, user).await;
    let body = run(&app, GET_GROUPS_WITH_USERS, json!({"groupIDs": [group]})).await;
    assert_eq!(
        domains(&body)["authenticationDomains"][0]["groups"],
        json!({
            "groups": [{"displayName": "Support", "id": group, "users": {"users": [
                {"email": "member@example.com", "id": user.to_string(), "name": "User member@example.com", "timeZone": "Etc/UTC"}
            ]}}],
            "nextCursor": null,
            "totalCount": 1
        })
    );
    // By name, as the newrelic_group data source does; sorted by display name.
    let body = run(&app, GET_GROUPS_WITH_USERS, json!({"name": "supp"})).await;
    assert_eq!(domains(&body)["authenticationDomains"][0]["groups"]["totalCount"], 1);
    let sorted = r#"{ actor { organization { userManagement { authenticationDomains { authenticationDomains {
      groups(sort: [{key: DISPLAY_NAME, direction: DESCENDING}]) { groups { displayName } } } } } } } }"#;
    let body = run(&app, sorted, json!(null)).await;
    assert_eq!(
        domains(&body)["authenticationDomains"][0]["groups"]["groups"],
        json!([{"displayName": "User"}, {"displayName": "Support"}, {"displayName": "Admin"}])
    );
});

backend_test!(user_management_needs_an_organization_capability, |app| {
    let user = app.create_user("plain@example.com", UserType::Full).await;
    let key = app.create_key(user).await;
    app.add_member(&app.group_id("User").await, user).await;
    let body = app
        .query_as(&key, "{ actor { organization { name userManagement { authenticationDomains { totalCount } } } } }")
        .await;
    assert_eq!(body["data"]["actor"]["organization"]["name"], "Test Organization");
    assert_eq!(body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN");

    // Authentication domain read only lets them read users and groups.
    let readers = app.create_group("Readers").await;
    app.grant(&readers, "authentication_domain_read_only", None).await;
    app.add_member(&readers, user).await;
    let body = app.query_as(&key, "{ actor { organization { userManagement { authenticationDomains { totalCount authenticationDomains { users { totalCount } groups { totalCount } } } } } } }").await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(domains(&body)["totalCount"], 1);
    assert_eq!(domains(&body)["authenticationDomains"][0]["users"]["totalCount"], 2);

    // A basic user gets no organization capability from the same grant.
    app.set_user(user, |u| u.user_type = sea_orm::Set(UserType::Basic)).await;
    let body = app
        .query_as(&key, "{ actor { organization { userManagement { authenticationDomains { totalCount } } } } }")
        .await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN");
});

backend_test!(types_are_nerdgraphs, |app| {
    let body = app.query("{ actor { organization { userManagement { types { displayName id } } } } }").await;
    assert_eq!(
        body["data"]["actor"]["organization"]["userManagement"]["types"],
        json!([{"displayName": "Basic", "id": "1"}, {"displayName": "Core", "id": "2"}, {"displayName": "Full platform", "id": "3"}])
    );
});

// Users with their groups, groups with their users and their granted roles: the statements of one
// request are the same for 10 users and for 1,000 (300 of them in a group).
backend_test!(statements_per_request_do_not_grow_with_users, |app| {
    let group = app.group_id("User").await;
    let query = "{ actor { organization { userManagement { authenticationDomains { authenticationDomains {
      users { users { id email type { displayName } groups { groups { id displayName } } } }
      groups { groups { id users { users { id } } } } } } }
      authorizationManagement { authenticationDomains { authenticationDomains {
        groups { groups { id roles { roles { roleId name accountId organizationId } } } } } } } } } }";
    app.create_users("small", 10, UserType::Basic).await;
    let small = app.statements_for(query).await;
    app.create_users("large", 990, UserType::Core).await;
    for id in app.user_ids("large").await.into_iter().take(300) {
        app.add_member(&group, id).await;
    }
    let large = app.statements_for(query).await;
    assert_eq!(small, large, "statements for 10 users: {small}, for 1,000: {large}");
});

// A page of groups with their users: the users of all its groups come in one statement.
backend_test!(the_users_of_a_page_of_groups_take_one_statement, |app| {
    app.create_users("member", 3, UserType::Core).await;
    let group = app.group_id("User").await;
    for id in app.user_ids("member").await {
        app.add_member(&group, id).await;
    }
    let groups = |users: &str| {
        format!(
            "{{ actor {{ organization {{ userManagement {{ authenticationDomains {{ authenticationDomains {{
              groups {{ groups {{ id {users} }} }} }} }} }} }} }} }}"
        )
    };
    let without = app.statements_for(&groups("")).await;
    let with = app.statements_for(&groups("users { users { id email } }")).await;
    assert_eq!(with, without + 1, "statements without the groups' users: {without}, with them: {with}");
    let body = app.query(&groups("users { users { email } }")).await;
    let domains = &body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"];
    let emails: Vec<&str> = domains["authenticationDomains"][0]["groups"]["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["users"]["users"].as_array().expect("users").iter())
        .filter_map(|u| u["email"].as_str())
        .filter(|email| email.starts_with("member"))
        .collect();
    assert_eq!(emails.len(), 3, "{body}");
});

// On the SQLite file, a page of users and the groups of its users are read on the request's own
// thread (`domain::reads`); on PostgreSQL, through the pool. Either way the rows are the ones the
// pool reads, NULLs, times and enums included.
backend_test!(pages_read_on_the_request_s_thread_are_the_pool_s_rows, |app| {
    use accessgraph::domain::reads::Reads;
    use accessgraph::domain::user_management as um;
    use sea_orm::Set;
    app.create_users("paged", 30, UserType::Core).await;
    let ids = app.user_ids("paged").await;
    let group = app.group_id("User").await;
    for id in ids.iter().take(10) {
        app.add_member(&group, *id).await;
    }
    app.set_user(ids[3], |u| {
        u.pending_upgrade_type = Set(Some(UserType::Full));
        u.pending_upgrade_message = Set(Some("please".into()));
        u.last_active = Set(Some(chrono::Utc::now()));
    })
    .await;
    let domain = app.default_domain_id().await;
    let (reads, filter) = (Reads::new(&app.db), um::UserFilter::default());
    let embedded = um::users(&reads, &domain, &filter, None, 20).await.expect("page");
    let pooled = um::users(&app.db, &domain, &filter, None, 20).await.expect("page");
    assert_eq!(embedded.items, pooled.items);
    assert_eq!((embedded.total, embedded.has_more), (pooled.total, pooled.has_more));
    assert_eq!(embedded.items.len(), 20);
    assert!(embedded.total > 30 && embedded.has_more, "{} users", embedded.total);
    assert!(embedded.items.iter().any(|u| u.pending_upgrade_type == Some(UserType::Full) && u.last_active.is_some()));
    let after = embedded.items.last().map(|u| u.id);
    let rest = um::users(&reads, &domain, &filter, after, 20).await.expect("second page");
    let pooled_rest = um::users(&app.db, &domain, &filter, after, 20).await.expect("second page");
    assert_eq!(rest.items, pooled_rest.items);
    assert!(!rest.items.is_empty());
    assert_eq!((rest.total, rest.has_more), (pooled_rest.total, pooled_rest.has_more));
    assert_eq!(rest.total, embedded.total);
    let groups = um::groups_of_users(&reads, &ids).await.expect("groups");
    assert_eq!(groups, um::groups_of_users(&app.db, &ids).await.expect("groups"));
    assert_eq!(groups.len(), 10);
    let members = um::users_of_groups(&reads, std::slice::from_ref(&group)).await.expect("members");
    assert_eq!(members, um::users_of_groups(&app.db, std::slice::from_ref(&group)).await.expect("members"));
    // Four reads through `reads`: two pages, the page's groups and the group's members.
    let direct = reads.direct_statements();
    match app.backend {
        Backend::Sqlite => assert_eq!(direct, 4, "on the SQLite file every read runs on the request's thread"),
        Backend::Postgres => assert_eq!(direct, 0, "on PostgreSQL every read goes through the pool"),
    }
});

// The rows of a users page built directly (`graphql::fast_rows`) answer exactly what
// async-graphql's own resolution answers: the same fields under an inline fragment, which the
// direct building leaves to async-graphql, give the same response, errors included.
backend_test!(rows_built_directly_answer_what_async_graphql_answers, |app| {
    use accessgraph::access::caps;
    use sea_orm::{ActiveModelTrait, Set};
    app.create_users("row", 5, UserType::Core).await;
    let ids = app.user_ids("row").await;
    let (admins, support) = (app.group_id("Admin").await, app.create_group("Support").await);
    for id in &ids[..3] {
        app.add_member(&support, *id).await;
    }
    app.add_member(&admins, ids[0]).await;
    app.set_user(ids[1], |u| {
        u.pending_upgrade_type = Set(Some(UserType::Full));
        u.pending_upgrade_message = Set(Some("please".into()));
        u.last_active = Set(Some(chrono::Utc::now()));
    })
    .await;
    let fields = "id first: id email name emailVerificationState lastActive timeZone __typename
        type { displayName id __typename } t: type { id }
        pendingUpgradeRequest { id message requestedUserType { displayName id } __typename }
        groups { __typename totalCount nextCursor groups { id displayName __typename } g: groups { id } }";
    let query = |row: &str| {
        format!(
            "{{ actor {{ organization {{ userManagement {{ authenticationDomains {{ authenticationDomains {{
               users {{ totalCount nextCursor users {{ {row} }} }} }} }} }} }} }} }}"
        )
    };
    let (direct, through_fragment) = (query(fields), query(&format!("... on UserManagementUser {{ {fields} }}")));
    let body = app.query(&direct).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body, app.query(&through_fragment).await);
    let users = body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]
        ["authenticationDomains"][0]["users"]["users"]
        .as_array()
        .expect("users")
        .clone();
    let row = |id: i64| {
        let id = id.to_string();
        users.iter().find(|u| u["id"] == id.as_str()).expect("the user's row").clone()
    };
    assert_eq!(row(ids[0])["groups"]["totalCount"], 2);
    assert_eq!(row(ids[1])["pendingUpgradeRequest"]["requestedUserType"]["displayName"], "Full platform");
    assert!(row(ids[1])["lastActive"].is_string());
    assert_eq!(
        row(ids[4])["groups"],
        json!({"__typename": "UserManagementUserGroups", "totalCount": 0, "nextCursor": null, "groups": [], "g": []})
    );

    // A viewer who may read users but not groups: every row's groups is refused, the same way.
    let reader = app.create_user("people@example.com", UserType::Full).await;
    let role = app.create_custom_role(&app.organization_id, "People readers", entity::enums::Scope::Organization).await;
    app.grant_capability(role, caps::READ_AUTHENTICATION_DOMAINS).await;
    app.grant_capability(role, caps::READ_USERS).await;
    let group = app.create_group("People").await;
    entity::access_grant::ActiveModel {
        group_id: Set(group.clone()),
        role_id: Set(role),
        account_id: Set(None),
        organization_id: Set(Some(app.organization_id.clone())),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("grant");
    app.add_member(&group, reader).await;
    let key = app.create_key(reader).await;
    let refused = app.query_as(&key, &direct).await;
    assert_eq!(refused, app.query_as(&key, &through_fragment).await);
    let errors = refused["errors"].as_array().expect("errors");
    assert!(errors.len() > 5 && errors.iter().all(|e| e["extensions"]["errorClass"] == "FORBIDDEN"), "{refused}");
    assert_eq!(errors[0]["path"].as_array().and_then(|p| p.last()), Some(&json!("groups")), "{refused}");
});
