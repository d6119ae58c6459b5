//! SCIM 2.0 at `/scim/v2/` (issue 16): tokens, discovery, users and groups with RFC 7644 status
//! codes, filters, PATCH of members, isolation between domains, deactivation, edition rules and
//! the audit trail, over HTTP on both backends.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use entity::enums::UserType;
use entity::{audit_event, scim_token};
use http_body_util::BodyExt;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::backend_test;
use crate::common::{TestApp, first_error};

const CREATE_DOMAIN: &str = r#"mutation($name: String!) {
  authenticationDomainCreate(name: $name, authenticationType: SAML_SSO, provisioningType: SCIM) { id } }"#;
const GENERATE: &str = "mutation($id: ID!) {
  authenticationDomainGenerateScimToken(id: $id) { authenticationDomainId token } }";
const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const NR: &str = "urn:ietf:params:scim:schemas:extension:newrelic:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn scim(app: &TestApp, token: Option<&str>, method: &str, path: &str, body: Option<Value>) -> Reply {
    let mut request = Request::builder().method(method).uri(format!("/scim/v2{path}")).header("Host", "scim.test");
    if let Some(token) = token {
        request = request.header("Authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some(body) => {
            request.header("Content-Type", "application/scim+json").body(Body::from(body.to_string())).expect("request")
        }
        None => request.body(Body::empty()).expect("request"),
    };
    let response = app.router.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body = if bytes.is_empty() { Value::Null } else { serde_json::from_slice(&bytes).expect("JSON body") };
    Reply { status, headers, body }
}

/// A SCIM domain created over GraphQL, and its token.
async fn scim_domain(app: &TestApp, name: &str) -> (String, String) {
    let body = app.ok(CREATE_DOMAIN, json!({ "name": name })).await;
    let id = body["data"]["authenticationDomainCreate"]["id"].as_str().expect("domain id").to_owned();
    (id.clone(), generate(app, &id).await)
}

async fn generate(app: &TestApp, domain: &str) -> String {
    let body = app.ok(GENERATE, json!({ "id": domain })).await;
    assert_eq!(body["data"]["authenticationDomainGenerateScimToken"]["authenticationDomainId"], json!(domain));
    body["data"]["authenticationDomainGenerateScimToken"]["token"].as_str().expect("token").to_owned()
}

fn user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA, NR],
        "userName": user_name,
        "name": { "givenName": "Barbara", "familyName": "Jensen" },
        "emails": [{ "value": user_name, "type": "work", "primary": true }],
        "active": true,
    })
}

async fn create_user(app: &TestApp, token: &str, body: Value) -> String {
    let reply = scim(app, Some(token), "POST", "/Users", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

async fn create_group(app: &TestApp, token: &str, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|m| json!({ "value": m })).collect();
    let body =
        json!({ "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name, "members": members });
    let reply = scim(app, Some(token), "POST", "/Groups", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    reply.body["id"].as_str().expect("id").to_owned()
}

fn patch(ops: Value) -> Value {
    json!({ "schemas": [PATCH_OP], "Operations": ops })
}

fn ids(body: &Value) -> Vec<String> {
    let mut ids: Vec<String> = body["Resources"]
        .as_array()
        .expect("Resources")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

backend_test!(tokens_are_shown_once_stored_hashed_rotated_and_need_manage_domains, |app| {
    let (domain, token) = scim_domain(&app, "Okta").await;
    assert!(token.starts_with("NRSC-") && token.len() > 40, "{token}");
    let stored = scim_token::Entity::find().all(&app.db).await.expect("tokens");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token, "only the hash is stored");
    assert_eq!(scim(&app, Some(&token), "GET", "/Users", None).await.status, StatusCode::OK);

    // Generating again rotates: the old token stops at once.
    let rotated = generate(&app, &domain).await;
    assert_ne!(rotated, token);
    let old = scim(&app, Some(&token), "GET", "/Users", None).await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED, "{}", old.body);
    assert_eq!(old.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:Error"]));
    assert!(old.headers.get("www-authenticate").is_some());
    assert_eq!(scim(&app, Some(&rotated), "GET", "/Users", None).await.status, StatusCode::OK);
    assert_eq!(scim(&app, None, "GET", "/Users", None).await.status, StatusCode::UNAUTHORIZED);
    // An API key is not a SCIM token.
    assert_eq!(
        scim(&app, Some(crate::common::ADMIN_KEY), "GET", "/Users", None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Only for SCIM domains.
    let manual = app.default_domain_id().await;
    let body = app.run(GENERATE, json!({ "id": manual })).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT", "{body}");

    // Needs Manage authentication domains: a basic user of the User group has not.
    let basic = app.create_user("basic@example.com", UserType::Basic).await;
    app.add_member(&app.group_id("User").await, basic).await;
    let key = app.create_key(basic).await;
    let body = app.run_as(&key, GENERATE, json!({ "id": domain })).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    assert_eq!(scim(&app, Some(&rotated), "GET", "/Users", None).await.status, StatusCode::OK);
});

backend_test!(discovery_endpoints_describe_the_service, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let config = scim(&app, Some(&token), "GET", "/ServiceProviderConfig", None).await;
    assert_eq!(config.status, StatusCode::OK);
    assert_eq!(config.headers["content-type"], "application/scim+json");
    assert_eq!(config.body["patch"]["supported"], json!(true));
    assert_eq!(config.body["filter"]["supported"], json!(true));
    assert_eq!(config.body["sort"]["supported"], json!(false));
    let types = scim(&app, Some(&token), "GET", "/ResourceTypes", None).await;
    assert_eq!(types.body["totalResults"], json!(2));
    let user_type = scim(&app, Some(&token), "GET", "/ResourceTypes/User", None).await;
    assert_eq!(user_type.body["schemaExtensions"][0]["schema"], json!(NR));
    let schemas = scim(&app, Some(&token), "GET", "/Schemas", None).await;
    assert_eq!(schemas.body["totalResults"], json!(3));
    let one = scim(&app, Some(&token), "GET", &format!("/Schemas/{NR}"), None).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["attributes"][0]["name"], json!("nrUserType"));
    assert_eq!(scim(&app, Some(&token), "GET", "/Schemas/nope", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(scim(&app, None, "GET", "/ServiceProviderConfig", None).await.status, StatusCode::UNAUTHORIZED);
});

backend_test!(users_are_created_read_replaced_patched_and_deleted_with_rfc_status_codes, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let mut body = user("Bjensen@Example.com");
    body["externalId"] = json!("okta-1");
    body["timezone"] = json!("Europe/Paris");
    body[NR] = json!({ "nrUserType": "Core User" });
    let reply = scim(&app, Some(&token), "POST", "/Users", Some(body)).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.body["id"].as_str().expect("id").to_owned();
    assert_eq!(reply.headers["location"], format!("http://scim.test/scim/v2/Users/{id}").as_str());
    assert_eq!(reply.body["userName"], json!("Bjensen@Example.com"));
    assert_eq!(reply.body["name"]["givenName"], json!("Barbara"));
    assert_eq!(reply.body["externalId"], json!("okta-1"));
    assert_eq!(reply.body["timezone"], json!("Europe/Paris"));
    assert_eq!(reply.body[NR]["nrUserType"], json!("Core User"));
    assert_eq!(reply.body["meta"]["resourceType"], json!("User"));
    assert_eq!(reply.body["meta"]["location"], reply.headers["location"].to_str().expect("present"));
    assert!(reply.body["meta"]["created"].is_string() && reply.body["meta"]["lastModified"].is_string());

    // userName is unique per domain, case-insensitively.
    let dup = scim(&app, Some(&token), "POST", "/Users", Some(user("bjensen@example.COM"))).await;
    assert_eq!(dup.status, StatusCode::CONFLICT, "{}", dup.body);
    assert_eq!(dup.body["scimType"], json!("uniqueness"));
    assert_eq!(dup.body["status"], json!("409"));

    let got = scim(&app, Some(&token), "GET", &format!("/Users/{id}"), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["id"], json!(id));
    assert_eq!(scim(&app, Some(&token), "GET", "/Users/999999", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(scim(&app, Some(&token), "GET", "/Users/abc", None).await.status, StatusCode::NOT_FOUND);

    // PUT replaces: a rename, and the user type kept when not named.
    let mut renamed = user("barbara@example.com");
    renamed["name"] = json!({ "formatted": "Barbara J" });
    let put = scim(&app, Some(&token), "PUT", &format!("/Users/{id}"), Some(renamed)).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.body["userName"], json!("barbara@example.com"));
    assert_eq!(put.body["name"]["formatted"], json!("Barbara J"));
    assert_eq!(put.body[NR]["nrUserType"], json!("Core User"));
    assert!(put.body.get("externalId").is_none(), "PUT replaces externalId too: {}", put.body);

    let patched = scim(
        &app,
        Some(&token),
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([
            { "op": "replace", "path": "name.givenName", "value": "Babs" },
            { "op": "replace", "value": { "active": false } },
            { "op": "add", "path": format!("{NR}:nrUserType"), "value": "Full User" },
        ]))),
    )
    .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    assert_eq!(patched.body["name"]["givenName"], json!("Babs"));
    assert_eq!(patched.body["active"], json!(false));
    assert_eq!(patched.body[NR]["nrUserType"], json!("Full User"));

    // Bad input changes nothing and says why.
    let reply = scim(&app, Some(&token), "PATCH", &format!("/Users/{id}"), Some(json!({ "Operations": [] }))).await;
    assert_eq!((reply.status, reply.body["scimType"].clone()), (StatusCode::BAD_REQUEST, json!("invalidSyntax")));
    let reply = scim(
        &app,
        Some(&token),
        "PATCH",
        &format!("/Users/{id}"),
        Some(patch(json!([{ "op": "replace", "path": "id", "value": "1" }]))),
    )
    .await;
    assert_eq!((reply.status, reply.body["scimType"].clone()), (StatusCode::BAD_REQUEST, json!("mutability")));
    let reply = scim(&app, Some(&token), "POST", "/Users", Some(json!({ "schemas": [USER_SCHEMA] }))).await;
    assert_eq!((reply.status, reply.body["scimType"].clone()), (StatusCode::BAD_REQUEST, json!("invalidValue")));
    let mut bad_type = user("x@example.com");
    bad_type[NR] = json!({ "nrUserType": "Super User" });
    let reply = scim(&app, Some(&token), "POST", "/Users", Some(bad_type)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let request = Request::post("/scim/v2/Users")
        .header("Authorization", format!("Bearer {token}"))
        .body(Body::from("{not json"))
        .expect("request");
    let response = app.router.clone().oneshot(request).await.expect("answer");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    let deleted = scim(&app, Some(&token), "DELETE", &format!("/Users/{id}"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(scim(&app, Some(&token), "GET", &format!("/Users/{id}"), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(scim(&app, Some(&token), "DELETE", &format!("/Users/{id}"), None).await.status, StatusCode::NOT_FOUND);
});

backend_test!(user_filters_run_in_sql_and_unsupported_ones_are_refused, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let mut a = user("alice@acme.com");
    a["externalId"] = json!("ext-a");
    let a = create_user(&app, &token, a).await;
    let mut b = user("bob@acme.com");
    b["active"] = json!(false);
    b["name"] = json!({ "formatted": "Bob Builder" });
    b["displayName"] = json!("Bob Builder");
    let b = create_user(&app, &token, b).await;
    let c = create_user(&app, &token, user("carol@other.org")).await;
    let list = async |filter: &str| {
        let query: String = url_encode(filter);
        let reply = scim(&app, Some(&token), "GET", &format!("/Users?filter={query}"), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{filter}: {}", reply.body);
        assert_eq!(reply.body["schemas"], json!(["urn:ietf:params:scim:api:messages:2.0:ListResponse"]));
        ids(&reply.body)
    };
    assert_eq!(list(r#"userName eq "ALICE@acme.com""#).await, vec![a.clone()]);
    assert_eq!(list(r#"userName co "acme""#).await, sorted(vec![a.clone(), b.clone()]));
    assert_eq!(list(r#"userName sw "car""#).await, vec![c.clone()]);
    assert_eq!(list(r#"externalId pr"#).await, vec![a.clone()]);
    assert_eq!(list(r#"externalId eq "ext-a""#).await, vec![a.clone()]);
    assert_eq!(list(r#"emails.value eq "bob@acme.com""#).await, vec![b.clone()]);
    assert_eq!(list(r#"emails[value eq "bob@acme.com"]"#).await, vec![b.clone()]);
    assert_eq!(list(r#"displayName eq "bob builder""#).await, vec![b.clone()]);
    assert_eq!(list("active eq false").await, vec![b.clone()]);
    assert_eq!(list(r#"userName co "acme" and active eq true"#).await, vec![a.clone()]);
    assert_eq!(
        list(r#"userName eq "alice@acme.com" or userName eq "carol@other.org""#).await,
        sorted(vec![a.clone(), c.clone()])
    );
    assert_eq!(list(r#"not (userName co "acme")"#).await, vec![c.clone()]);
    assert_eq!(list(r#"userName eq "100%_\\x""#).await, Vec::<String>::new());

    for bad in [r#"title eq "x""#, r#"userName eq"#, r#"userName xx "a""#, r#"active eq "yes""#] {
        let reply = scim(&app, Some(&token), "GET", &format!("/Users?filter={}", url_encode(bad)), None).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.body);
        assert_eq!(reply.body["scimType"], json!("invalidFilter"), "{bad}");
    }

    // startIndex is 1-based; count bounds the page; totalResults counts them all.
    let page = scim(&app, Some(&token), "GET", "/Users?startIndex=2&count=1", None).await;
    assert_eq!(page.body["totalResults"], json!(3));
    assert_eq!(page.body["startIndex"], json!(2));
    assert_eq!(page.body["itemsPerPage"], json!(1));
    assert_eq!(ids(&page.body), vec![b.clone()]);
    let none = scim(&app, Some(&token), "GET", "/Users?count=0", None).await;
    assert_eq!((none.body["totalResults"].clone(), none.body["Resources"].clone()), (json!(3), json!([])));
    let projected = scim(&app, Some(&token), "GET", &format!("/Users/{a}?attributes=userName"), None).await;
    assert_eq!(projected.body["userName"], json!("alice@acme.com"));
    assert!(projected.body.get("name").is_none() && projected.body["id"] == json!(a), "{}", projected.body);

    // Statements do not grow with the page.
    let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    scim(&app, Some(&token), "GET", "/Users?count=1", None).await;
    let one = app.statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
    scim(&app, Some(&token), "GET", "/Users", None).await;
    let three = app.statements.load(std::sync::atomic::Ordering::SeqCst) - before;
    assert_eq!(one, three);
});

fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

backend_test!(groups_and_their_members_are_provisioned_and_patched, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let u1 = create_user(&app, &token, user("u1@acme.com")).await;
    let u2 = create_user(&app, &token, user("u2@acme.com")).await;
    let u3 = create_user(&app, &token, user("u3@acme.com")).await;
    let group = create_group(&app, &token, "Engineers", &[&u1, &u2]).await;
    let got = scim(&app, Some(&token), "GET", &format!("/Groups/{group}"), None).await;
    let members: Vec<&str> = got.body["members"]
        .as_array()
        .expect("present")
        .iter()
        .map(|m| m["value"].as_str().expect("present"))
        .collect();
    assert_eq!(members, vec![u1.as_str(), u2.as_str()]);
    assert_eq!(got.body["meta"]["resourceType"], json!("Group"));
    let user1 = scim(&app, Some(&token), "GET", &format!("/Users/{u1}"), None).await;
    assert_eq!(user1.body["groups"][0]["value"], json!(group));

    let dup = scim(&app, Some(&token), "POST", "/Groups", Some(json!({ "displayName": "Engineers" }))).await;
    assert_eq!((dup.status, dup.body["scimType"].clone()), (StatusCode::CONFLICT, json!("uniqueness")));

    let reply = scim(
        &app,
        Some(&token),
        "PATCH",
        &format!("/Groups/{group}"),
        Some(patch(json!([
            { "op": "add", "path": "members", "value": [{ "value": u3 }] },
            { "op": "remove", "path": format!("members[value eq \"{u1}\"]") },
            { "op": "replace", "path": "displayName", "value": "Platform" },
        ]))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let members: Vec<&str> = reply.body["members"]
        .as_array()
        .expect("present")
        .iter()
        .map(|m| m["value"].as_str().expect("present"))
        .collect();
    assert_eq!(members, vec![u2.as_str(), u3.as_str()]);
    assert_eq!(reply.body["displayName"], json!("Platform"));

    let filter = |f: &str| format!("/Groups?filter={}", url_encode(f));
    let found = scim(&app, Some(&token), "GET", &filter(&format!("members.value eq \"{u3}\"")), None).await;
    assert_eq!(ids(&found.body), vec![group.clone()]);
    let found = scim(&app, Some(&token), "GET", &filter("displayName eq \"platform\""), None).await;
    assert_eq!(ids(&found.body), vec![group.clone()]);
    let found = scim(&app, Some(&token), "GET", &filter(&format!("members.value eq \"{u1}\"")), None).await;
    assert_eq!(ids(&found.body), Vec::<String>::new());
    let lean = scim(&app, Some(&token), "GET", "/Groups?excludedAttributes=members", None).await;
    assert!(lean.body["Resources"].as_array().expect("present").iter().all(|g| g.get("members").is_none()));

    // A member that is not a user of the domain: nothing changes.
    let stranger = app.create_user("stranger@example.com", UserType::Basic).await;
    let reply = scim(
        &app,
        Some(&token),
        "PATCH",
        &format!("/Groups/{group}"),
        Some(patch(json!([
            { "op": "remove", "path": "members" },
            { "op": "add", "path": "members", "value": [{ "value": stranger.to_string() }] },
        ]))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let got = scim(&app, Some(&token), "GET", &format!("/Groups/{group}"), None).await;
    assert_eq!(got.body["members"].as_array().map(Vec::len), Some(2));

    // PUT replaces the members; removing all members leaves none.
    let put = scim(
        &app,
        Some(&token),
        "PUT",
        &format!("/Groups/{group}"),
        Some(json!({ "displayName": "Platform", "members": [{ "value": u1 }] })),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.body["members"][0]["value"], json!(u1));
    let cleared = scim(
        &app,
        Some(&token),
        "PATCH",
        &format!("/Groups/{group}"),
        Some(patch(json!([{ "op": "remove", "path": "members" }]))),
    )
    .await;
    assert!(cleared.body.get("members").is_none(), "{}", cleared.body);

    // The domain's default groups are SCIM groups too, but stay.
    let defaults = scim(&app, Some(&token), "GET", &filter("displayName eq \"Admin\""), None).await;
    let admin_group = ids(&defaults.body).pop().expect("the default Admin group");
    let reply = scim(&app, Some(&token), "DELETE", &format!("/Groups/{admin_group}"), None).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);

    assert_eq!(
        scim(&app, Some(&token), "DELETE", &format!("/Groups/{group}"), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(scim(&app, Some(&token), "GET", &format!("/Groups/{group}"), None).await.status, StatusCode::NOT_FOUND);
});

backend_test!(a_token_never_reads_or_changes_another_domain, |app| {
    let (_, token_a) = scim_domain(&app, "Okta").await;
    let (_, token_b) = scim_domain(&app, "Entra").await;
    let user_b = create_user(&app, &token_b, user("b@acme.com")).await;
    let group_b = create_group(&app, &token_b, "B team", &[&user_b]).await;
    let user_a = create_user(&app, &token_a, user("a@acme.com")).await;
    let group_a = create_group(&app, &token_a, "A team", &[]).await;
    // The same email may live in both domains.
    create_user(&app, &token_a, user("b@acme.com")).await;

    let listed = scim(&app, Some(&token_a), "GET", "/Users", None).await;
    assert!(!ids(&listed.body).contains(&user_b));
    let listed = scim(&app, Some(&token_a), "GET", "/Groups", None).await;
    assert!(!ids(&listed.body).contains(&group_b));
    for (method, path, body) in [
        ("GET", format!("/Users/{user_b}"), None),
        ("PUT", format!("/Users/{user_b}"), Some(user("taken@acme.com"))),
        (
            "PATCH",
            format!("/Users/{user_b}"),
            Some(patch(json!([{ "op": "replace", "path": "active", "value": false }]))),
        ),
        ("DELETE", format!("/Users/{user_b}"), None),
        ("GET", format!("/Groups/{group_b}"), None),
        ("PUT", format!("/Groups/{group_b}"), Some(json!({ "displayName": "mine" }))),
        ("PATCH", format!("/Groups/{group_b}"), Some(patch(json!([{ "op": "remove", "path": "members" }])))),
        ("DELETE", format!("/Groups/{group_b}"), None),
    ] {
        let reply = scim(&app, Some(&token_a), method, &path, body).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {path}: {}", reply.body);
    }
    // B's user cannot join A's group, nor A's user B's.
    let reply = scim(
        &app,
        Some(&token_a),
        "PATCH",
        &format!("/Groups/{group_a}"),
        Some(patch(json!([{ "op": "add", "path": "members", "value": [{ "value": user_b }] }]))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let reply = scim(
        &app,
        Some(&token_b),
        "PATCH",
        &format!("/Groups/{group_b}"),
        Some(patch(json!([{ "op": "add", "path": "members", "value": [{ "value": user_a }] }]))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let still = scim(&app, Some(&token_b), "GET", &format!("/Users/{user_b}"), None).await;
    assert_eq!((still.status, still.body["active"].clone()), (StatusCode::OK, json!(true)));
    let still = scim(&app, Some(&token_b), "GET", &format!("/Groups/{group_b}"), None).await;
    assert_eq!(still.body["members"][0]["value"], json!(user_b));
});

backend_test!(deactivation_stops_the_users_keys_and_keeps_their_data, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let id = create_user(&app, &token, user("dev@acme.com")).await;
    let group = create_group(&app, &token, "Devs", &[&id]).await;
    let key = app.create_key(id.parse().expect("present")).await;
    let me = "{ actor { user { id } } }";
    let (status, _) = app.graphql_as(Some(&key), me, Value::Null).await;
    assert_eq!(status, StatusCode::OK);

    let off = patch(json!([{ "op": "replace", "path": "active", "value": false }]));
    assert_eq!(scim(&app, Some(&token), "PATCH", &format!("/Users/{id}"), Some(off)).await.status, StatusCode::OK);
    let (status, body) = app.graphql_as(Some(&key), me, Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Data kept: the user and their membership are still there.
    let kept = scim(&app, Some(&token), "GET", &format!("/Users/{id}"), None).await;
    assert_eq!((kept.body["active"].clone(), kept.body["groups"][0]["value"].clone()), (json!(false), json!(group)));

    let on = patch(json!([{ "op": "replace", "value": { "active": true } }]));
    assert_eq!(scim(&app, Some(&token), "PATCH", &format!("/Users/{id}"), Some(on)).await.status, StatusCode::OK);
    let (status, _) = app.graphql_as(Some(&key), me, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
});

backend_test!(scim_changes_are_audited_with_the_token_as_actor_and_nerdgraph_stays_read_only, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let id = create_user(&app, &token, user("audited@acme.com")).await;
    let group = create_group(&app, &token, "Audited", &[&id]).await;
    let off = patch(json!([{ "op": "replace", "path": "active", "value": false }]));
    scim(&app, Some(&token), "PATCH", &format!("/Users/{id}"), Some(off)).await;
    let token_id = scim_token::Entity::find().one(&app.db).await.expect("query").expect("token").id;
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::ActorScimTokenId.eq(token_id))
        .order_by_asc(audit_event::Column::Id)
        .all(&app.db)
        .await
        .expect("events");
    let actions: Vec<(&str, &str)> = events.iter().map(|e| (e.action.as_str(), e.target_id.as_str())).collect();
    assert_eq!(
        actions,
        vec![
            ("user.create", id.as_str()),
            ("group.create", group.as_str()),
            ("group.add_members", group.as_str()),
            ("user.deactivate", id.as_str())
        ]
    );
    assert!(
        events
            .iter()
            .all(|e| e.actor_user_id.is_none() && e.organization_id.as_deref() == Some(app.organization_id.as_str()))
    );

    // NerdGraph refuses to edit SCIM users and groups.
    let rename = "mutation($id: ID!) { userManagementUpdateUser(updateUserOptions: { id: $id, name: \"Other\" }) { user { id } } }";
    let body = app.run(rename, json!({ "id": id })).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT", "{body}");
    let rename_group = "mutation($id: ID!) { userManagementUpdateGroup(updateGroupOptions: { id: $id, displayName: \"x\" }) { group { id } } }";
    let body = app.run(rename_group, json!({ "id": group })).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT", "{body}");
});

backend_test!(edition_rules_cap_what_scim_provisions, edition = Standard, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    // Standard: no custom groups.
    let reply = scim(&app, Some(&token), "POST", "/Groups", Some(json!({ "displayName": "Custom" }))).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    // At most 5 full users (the bootstrap admin is one).
    for i in 0..4 {
        let mut body = user(&format!("full{i}@acme.com"));
        body[NR] = json!({ "nrUserType": "Full User" });
        create_user(&app, &token, body).await;
    }
    let mut sixth = user("full5@acme.com");
    sixth[NR] = json!({ "nrUserType": "Full User" });
    let reply = scim(&app, Some(&token), "POST", "/Users", Some(sixth)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body["detail"].as_str().expect("present").contains("full platform users"), "{}", reply.body);
    // A basic user joins only the default User group.
    let basic = create_user(&app, &token, user("basic@acme.com")).await;
    let groups =
        scim(&app, Some(&token), "GET", &format!("/Groups?filter={}", url_encode("displayName eq \"Admin\"")), None)
            .await;
    let admin = ids(&groups.body).pop().expect("Admin group");
    let reply = scim(
        &app,
        Some(&token),
        "PATCH",
        &format!("/Groups/{admin}"),
        Some(patch(json!([{ "op": "add", "path": "members", "value": [{ "value": basic }] }]))),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
});

backend_test!(concurrent_patches_of_one_user_lose_no_change, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let id = create_user(&app, &token, user("race@example.com")).await;
    // Two identity-provider pushes at once, each changing a different attribute: both must hold.
    for round in 0..6 {
        let given = format!("Given{round}");
        let family = format!("Family{round}");
        let path = format!("/Users/{id}");
        let first = patch(json!([{ "op": "replace", "path": "name.givenName", "value": given }]));
        let second = patch(json!([{ "op": "replace", "path": "name.familyName", "value": family }]));
        let (a, b) = tokio::join!(
            scim(&app, Some(&token), "PATCH", &path, Some(first)),
            scim(&app, Some(&token), "PATCH", &path, Some(second)),
        );
        assert_eq!((a.status, b.status), (StatusCode::OK, StatusCode::OK), "{} {}", a.body, b.body);
        let read = scim(&app, Some(&token), "GET", &path, None).await;
        assert_eq!(
            (read.body["name"]["givenName"].clone(), read.body["name"]["familyName"].clone()),
            (json!(given), json!(family)),
            "round {round}: {}",
            read.body
        );
    }
});

// ---------------------------------------------------------------------------------------------
// The HTTP layer's answers on SCIM paths, and who the audit trail says made SCIM's changes.

const SCIM_ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// Sends `request` through `router` from client address `ip`.
async fn send_from(router: &axum::Router, ip: [u8; 4], mut request: Request<Body>) -> Reply {
    request.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((ip, 40_000))));
    let response = router.clone().oneshot(request).await.expect("router answers");
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| panic!("{status}: the body is not JSON: {}", String::from_utf8_lossy(&bytes)));
    Reply { status, headers, body }
}

fn scim_request(method: &str, path: &str, token: Option<&str>) -> axum::http::request::Builder {
    let request = Request::builder()
        .method(method)
        .uri(format!("/scim/v2{path}"))
        .header("Host", "scim.test")
        .header("Content-Type", "application/scim+json");
    match token {
        Some(token) => request.header("Authorization", format!("Bearer {token}")),
        None => request,
    }
}

/// Asserts a SCIM Error answer: status, content type and the whole body.
fn assert_scim_error(reply: &Reply, status: StatusCode, detail: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        reply.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/scim+json"),
        "{}",
        reply.body
    );
    assert_eq!(reply.body, json!({ "schemas": [SCIM_ERROR], "status": status.as_u16().to_string(), "detail": detail }));
}

backend_test!(failed_tokens_go_through_the_failed_key_throttle_and_get_429_in_scims_shape, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let limits = accessgraph::http::HttpLimits {
        failed_auth_burst: 2,
        failed_auth_refill: std::time::Duration::from_secs(3600),
        ..accessgraph::http::HttpLimits::default()
    };
    let router = app.router_with(limits).await;
    let (attacker, colleague) = ([203, 0, 113, 7], [198, 51, 100, 1]);
    let wrong = || scim_request("GET", "/Users", Some("NRSC-wrongwrongwrongwrongwrongwrongwrong")).body(Body::empty());
    let wrong_key = || {
        Request::post("/graphql")
            .header("Content-Type", "application/json")
            .header("Api-Key", "NRAK-WRONGWRONGWRONGWRONGWRONG12")
            .body(Body::from(json!({ "query": "{ actor { user { id } } }" }).to_string()))
    };

    // One failed key and one failed token spend the burst of 2 together.
    let reply = send_from(&router, attacker, wrong_key().expect("request")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.body);
    let reply = send_from(&router, attacker, wrong().expect("request")).await;
    assert_scim_error(&reply, StatusCode::UNAUTHORIZED, "A valid SCIM bearer token is required");

    // Then: 429 in SCIM's shape with Retry-After, for a wrong token and for none.
    let throttled = "Too many failed authentication attempts from this address; try again later";
    let reply = send_from(&router, attacker, wrong().expect("request")).await;
    assert_scim_error(&reply, StatusCode::TOO_MANY_REQUESTS, throttled);
    let retry: u64 = reply.headers["retry-after"].to_str().expect("text").parse().expect("seconds");
    assert!(retry > 3000, "{retry}");
    let reply = send_from(&router, attacker, scim_request("GET", "/Users", None).body(Body::empty()).expect("r")).await;
    assert_scim_error(&reply, StatusCode::TOO_MANY_REQUESTS, throttled);
    // GraphQL from the same address is throttled too, in NerdGraph's shape.
    let reply = send_from(&router, attacker, wrong_key().expect("request")).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.body);
    assert_eq!(first_error(&reply.body).1, "TOO_MANY_REQUESTS");

    // A valid token from that address is still served; other addresses are not affected.
    let reply =
        send_from(&router, attacker, scim_request("GET", "/Users", Some(&token)).body(Body::empty()).expect("r")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = send_from(&router, colleague, wrong().expect("request")).await;
    assert_scim_error(&reply, StatusCode::UNAUTHORIZED, "A valid SCIM bearer token is required");
});

backend_test!(oversized_and_timed_out_scim_requests_get_scim_error_bodies, |app| {
    let (_, token) = scim_domain(&app, "Okta").await;
    let limits = accessgraph::http::HttpLimits {
        max_body_bytes: 1024,
        request_timeout: std::time::Duration::from_millis(300),
        ..accessgraph::http::HttpLimits::default()
    };
    let router = app.router_with(limits).await;
    let ip = [192, 0, 2, 1];
    let mut big = user("big@acme.com");
    big["displayName"] = json!("x".repeat(2000));
    let big = big.to_string();
    let too_large = "The request body is larger than 1024 bytes.";

    // A declared length over the limit: refused before anything is read, token or not.
    for token in [Some(token.as_str()), None] {
        let request = scim_request("POST", "/Users", token)
            .header("Content-Length", big.len())
            .body(Body::from(big.clone()))
            .expect("request");
        assert_scim_error(&send_from(&router, ip, request).await, StatusCode::PAYLOAD_TOO_LARGE, too_large);
    }
    // A chunked body, cut off when it passes the limit.
    let chunks = futures_util::stream::iter(
        big.as_bytes()
            .chunks(500)
            .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let request = scim_request("POST", "/Users", Some(&token)).body(Body::from_stream(chunks)).expect("request");
    assert_scim_error(&send_from(&router, ip, request).await, StatusCode::PAYLOAD_TOO_LARGE, too_large);

    // A body that never ends: 408.
    let never = futures_util::stream::pending::<Result<axum::body::Bytes, std::io::Error>>();
    let request = scim_request("POST", "/Users", Some(&token)).body(Body::from_stream(never)).expect("request");
    assert_scim_error(
        &send_from(&router, ip, request).await,
        StatusCode::REQUEST_TIMEOUT,
        "The request took too long and was cancelled.",
    );

    // GraphQL keeps NerdGraph's shape for the same refusal.
    let request = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Content-Length", big.len())
        .body(Body::from(big.clone()))
        .expect("request");
    let reply = send_from(&router, ip, request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(first_error(&reply.body), (too_large.to_owned(), "BAD_USER_INPUT".to_owned()));
});

const AUDIT_ACTORS: &str = r#"query($f: CustomerAdministrationAuditEventFilterInput!) {
  customerAdministration { auditEvents(filter: $f) { items {
    action targetId actorUserId
    actor { type userId scimTokenId authenticationDomainId authenticationDomainName description }
  } } } }"#;

backend_test!(audit_events_name_the_scim_provisioner_of_the_domain_as_actor, |app| {
    let (domain, first) = scim_domain(&app, "Okta").await;
    let first_token_id = scim_token::Entity::find().one(&app.db).await.expect("query").expect("token").id;
    let before_rotation = create_user(&app, &first, user("early@acme.com")).await;
    // Rotated: the first token's row is gone, and its changes still name the domain.
    let second = generate(&app, &domain).await;
    let second_token_id = scim_token::Entity::find().one(&app.db).await.expect("query").expect("token").id;
    let after_rotation = create_user(&app, &second, user("late@acme.com")).await;

    let body = app.ok(AUDIT_ACTORS, json!({ "f": { "organizationId": { "eq": app.organization_id } } })).await;
    let items = body["data"]["customerAdministration"]["auditEvents"]["items"].as_array().expect("items").clone();
    let event = |action: &str, target: &str| {
        items
            .iter()
            .find(|e| e["action"] == action && e["targetId"] == target)
            .unwrap_or_else(|| panic!("no {action} of {target}: {items:#?}"))
            .clone()
    };
    let provisioner = |token: i64| {
        json!({
            "type": "SCIM_PROVISIONER", "userId": null, "scimTokenId": token.to_string(),
            "authenticationDomainId": domain, "authenticationDomainName": "Okta",
            "description": "the SCIM provisioner of authentication domain \"Okta\""
        })
    };
    let early = event("user.create", &before_rotation);
    assert_eq!((early["actorUserId"].clone(), early["actor"].clone()), (Value::Null, provisioner(first_token_id)));
    assert_eq!(event("user.create", &after_rotation)["actor"], provisioner(second_token_id));
    // The admin who generated the token is a user; the bootstrap is the system.
    assert_eq!(
        event("authentication_domain.generate_scim_token", &domain)["actor"],
        json!({
            "type": "USER", "userId": app.admin_user_id, "scimTokenId": null, "authenticationDomainId": null,
            "authenticationDomainName": null, "description": format!("user {}", app.admin_user_id)
        })
    );
    let bootstrap = items.iter().find(|e| e["action"] == "organization.create").expect("the bootstrap's event");
    assert_eq!(bootstrap["actor"]["type"], "SYSTEM", "{bootstrap}");
    assert_eq!(bootstrap["actor"]["description"], "the system");

    // A reader of groups who may not read authentication domains gets the domain's id, not its name.
    let group = create_group(&app, &second, "Provisioned", &[]).await;
    let role = app.create_custom_role(&app.organization_id, "Group reader", entity::enums::Scope::Organization).await;
    app.grant_capability(role, 2905).await; // Read groups
    let readers = app.create_group("Group readers").await;
    let reader = app.create_user("reader@example.com", UserType::Full).await;
    app.add_member(&readers, reader).await;
    entity::access_grant::ActiveModel {
        group_id: sea_orm::Set(readers),
        role_id: sea_orm::Set(role),
        account_id: sea_orm::Set(None),
        organization_id: sea_orm::Set(Some(app.organization_id.clone())),
        created_at: sea_orm::Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert grant");
    app.access_changed().await;
    let key = app.create_key(reader).await;
    let filter = json!({ "f": { "organizationId": { "eq": app.organization_id }, "targetId": { "eq": group } } });
    let body = app.run_as(&key, AUDIT_ACTORS, filter).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["customerAdministration"]["auditEvents"]["items"][0]["actor"],
        json!({
            "type": "SCIM_PROVISIONER", "userId": null, "scimTokenId": second_token_id.to_string(),
            "authenticationDomainId": domain, "authenticationDomainName": null,
            "description": format!("the SCIM provisioner of authentication domain {domain}")
        })
    );
});
