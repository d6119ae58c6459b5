//! API access keys (`actor.apiAccess`, `apiAccess*Keys`), sent as newrelic-client-go (and so
//! Terraform's `newrelic_api_access_key`) sends them: the same operation strings, with the inline
//! fragments on the key interface and the aliased `errorType` fields.

use accessgraph::auth::keys::{ApiKeySecret, new_key_id};
use axum::http::StatusCode;
use chrono::Utc;
use entity::enums::{IngestType, KeyType, UserType};
use entity::{api_key, audit_event};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_KEY, TestApp, first_error};

/// client-go `graphqlAPIAccessKeyBaseFields`.
macro_rules! key_fields {
    () => {
        "
		id
		key
		name
		createdAt
		notes
		type
		... on ApiAccessIngestKey {
			id
			name
			accountId
			ingestType
			key
			notes
			type
		}
		... on ApiAccessUserKey {
			id
			name
			accountId
			key
			notes
			type
			userId
		}
		... on ApiAccessKey {
			id
			name
			key
			notes
			type
		}"
    };
}

/// client-go `graphqlAPIAccessKeyErrorFields`.
macro_rules! error_fields {
    () => {
        "errors {
		  message
		  type
		... on ApiAccessIngestKeyError {
			id
			ingestErrorType: errorType
			accountId
			ingestType
			message
			type
		  }
		... on ApiAccessKeyError {
			message
			type
		  }
		... on ApiAccessUserKeyError {
			id
			accountId
			userErrorType: errorType
			message
			type
			userId
		  }
		}
	"
    };
}

/// client-go `apiaccess.CreateAPIAccessKeys`.
const CREATE_KEYS: &str = concat!(
    "mutation($keys: ApiAccessCreateInput!) {
			apiAccessCreateKeys(keys: $keys) {",
    "createdKeys {",
    key_fields!(),
    "}",
    error_fields!(),
    "
		}}"
);

/// client-go `apiaccess.GetAPIAccessKey`.
const GET_KEY: &str = concat!(
    "query($id: ID!, $keyType: ApiAccessKeyType!) {
		actor {
			apiAccess {
				key(id: $id, keyType: $keyType) {",
    key_fields!(),
    "}}}}"
);

/// client-go `apiaccess.SearchAPIAccessKeys`.
const SEARCH_KEYS: &str = concat!(
    "query($query: ApiAccessKeySearchQuery!) {
		actor {
			apiAccess {
				keySearch(query: $query) {
					keys {",
    key_fields!(),
    "}
				}}}}"
);

/// client-go `apiaccess.UpdateAPIAccessKeys`.
const UPDATE_KEYS: &str = concat!(
    "mutation($keys: ApiAccessUpdateInput!) {
			apiAccessUpdateKeys(keys: $keys) {",
    "updatedKeys {",
    key_fields!(),
    "}",
    error_fields!(),
    "
		}}"
);

/// client-go `apiaccess.DeleteAPIAccessKey`.
const DELETE_KEYS: &str = concat!(
    "mutation($keys: ApiAccessDeleteInput!) {
			apiAccessDeleteKeys(keys: $keys) {
				deletedKeys {
					id
				}",
    error_fields!(),
    "}}"
);

/// A key search with the fields client-go does not ask for.
const SEARCH_DETAILS: &str = "query($query: ApiAccessKeySearchQuery!, $cursor: String) {
  actor { apiAccess { keySearch(query: $query, cursor: $cursor) {
    count nextCursor
    keys { id type obfuscatedKey createdAt
      ... on ApiAccessUserKey { account { id name } userId user { id email name gravatar } }
      ... on ApiAccessIngestKey { account { id name } ingestType } } } } } }";

/// client-go's id of a key that does not exist.
const UNKNOWN_KEY_ID: &str = "00000FF000F0FFFF000F0F0000FF0FF0000000F000F00F0FF000FFFFF0FF00F0";

const WHO_AM_I: &str =
    "query($account: Int!) { actor { user { email } account(id: $account) { id } accounts { id } } }";

/// A user of the test organization with a user key on the primary account and the standard
/// `role` on `account` through a group of their own.
struct Member {
    id: i64,
    key: String,
    group: String,
}

async fn member(app: &TestApp, email: &str, role: &str, account: i32) -> Member {
    let id = app.create_user(email, UserType::Full).await;
    let group = app.create_group(&format!("Group of {email}")).await;
    app.grant(&group, role, Some(account)).await;
    app.add_member(&group, id).await;
    let key = app.create_key(id).await;
    Member { id, key, group }
}

/// Stores `n` keys directly (for limits, paging and statement counts).
async fn insert_keys(
    app: &TestApp,
    key_type: KeyType,
    ingest_type: Option<IngestType>,
    user: Option<i64>,
    account: i32,
    n: usize,
) {
    let models: Vec<api_key::ActiveModel> = (0..n)
        .map(|i| {
            let secret = ApiKeySecret::generate_license_key();
            api_key::ActiveModel {
                id: sea_orm::Set(new_key_id()),
                key_hash: sea_orm::Set(secret.hash()),
                key_prefix: sea_orm::Set(secret.shown_prefix().to_owned()),
                key_type: sea_orm::Set(key_type),
                ingest_type: sea_orm::Set(ingest_type),
                user_id: sea_orm::Set(user),
                account_id: sea_orm::Set(account),
                name: sea_orm::Set(format!("bulk {i}")),
                notes: sea_orm::Set(String::new()),
                created_at: sea_orm::Set(Utc::now()),
            }
        })
        .collect();
    for chunk in models.chunks(250) {
        api_key::Entity::insert_many(chunk.to_vec()).exec(&app.db).await.expect("insert keys");
    }
}

fn ingest(account: i32, ingest_type: &str, name: &str) -> Value {
    json!({"accountId": account, "ingestType": ingest_type, "name": name, "notes": "made by a test"})
}

fn user_key(account: i32, user: i64, name: &str) -> Value {
    json!({"accountId": account, "userId": user, "name": name, "notes": null})
}

fn payload<'a>(body: &'a Value, mutation: &str) -> &'a Value {
    assert!(body.get("errors").is_none(), "top-level errors: {body}");
    &body["data"][mutation]
}

fn list<'a>(value: &'a Value, field: &str) -> &'a Vec<Value> {
    value[field].as_array().unwrap_or_else(|| panic!("{field} is a list: {value}"))
}

fn id_of(key: &Value) -> String {
    key["id"].as_str().expect("key id").to_owned()
}

/// The `key` read of client-go, as `key_owner` (a key plaintext).
async fn get_key(app: &TestApp, as_key: &str, id: &str, key_type: &str) -> Value {
    app.run_as(as_key, GET_KEY, json!({"id": id, "keyType": key_type})).await
}

fn assert_key_not_found(body: &Value) {
    let (message, class) = first_error(body);
    assert!(message.contains("Key not found"), "{body}");
    assert_eq!(class, "NOT_FOUND", "{body}");
    assert_eq!(body["errors"][0]["path"], json!(["actor", "apiAccess", "key"]));
    assert_eq!(body["data"]["actor"]["apiAccess"]["key"], Value::Null, "{body}");
}

async fn audit_actions(app: &TestApp, id: &str) -> Vec<(String, Value)> {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetType.eq("api_key"))
        .filter(audit_event::Column::TargetId.eq(id))
        .all(&app.db)
        .await
        .expect("audit events")
        .into_iter()
        .map(|e| (e.action, json!({"before": e.before, "after": e.after})))
        .collect()
}

async fn search_ids(app: &TestApp, as_key: &str, query: Value) -> Vec<String> {
    let body = app.run_as(as_key, SEARCH_KEYS, json!({ "query": query })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let mut ids: Vec<String> =
        list(&body["data"]["actor"]["apiAccess"]["keySearch"], "keys").iter().map(id_of).collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

async fn stored_key_ids(app: &TestApp, filter: impl Fn(&api_key::Model) -> bool) -> Vec<String> {
    let all = api_key::Entity::find().all(&app.db).await.expect("keys");
    sorted(all.into_iter().filter(|k| filter(k)).map(|k| k.id).collect())
}

backend_test!(created_keys_carry_their_plaintext_once, |app| {
    let account = app.primary_account_id;
    let keys = json!({
        "ingest": [ingest(account, "LICENSE", "APM agents"), ingest(account, "BROWSER", "Browser agent")],
        "user": [user_key(account, app.admin_user_id, "Terraform")],
    });
    let body = app.run(CREATE_KEYS, json!({ "keys": keys })).await;
    let created = payload(&body, "apiAccessCreateKeys");
    assert_eq!(created["errors"], json!([]));
    let keys = list(created, "createdKeys");
    assert_eq!(keys.len(), 3, "{body}");

    let license = &keys[0];
    let secret = license["key"].as_str().expect("license key");
    assert_eq!(secret.len(), 40);
    assert!(secret.ends_with("NRAL"), "{secret}");
    assert_eq!(license["type"], "INGEST");
    assert_eq!(license["ingestType"], "LICENSE");
    assert_eq!(license["accountId"], json!(account));
    assert_eq!(license["name"], "APM agents");
    assert_eq!(license["notes"], "made by a test");
    assert!(license["createdAt"].as_i64().is_some_and(|t| t > 1_700_000_000), "EpochSeconds is a number: {license}");
    assert!(license.get("userId").is_none());

    let browser = keys[1]["key"].as_str().expect("browser key");
    assert!(browser.starts_with("NRJS-") && browser.len() == 24, "{browser}");
    assert_eq!(keys[1]["ingestType"], "BROWSER");

    let user = &keys[2];
    let user_secret = user["key"].as_str().expect("user key");
    assert!(user_secret.starts_with("NRAK-") && user_secret.len() == 32, "{user_secret}");
    assert!(ApiKeySecret::parse_user_key(user_secret).is_ok());
    assert_eq!(user["type"], "USER");
    assert_eq!(user["userId"], json!(app.admin_user_id));
    assert_eq!(user["notes"], "");

    for key in keys {
        let id = id_of(key);
        assert_eq!(id.len(), 64);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
        // Stored as a hash only; the audit trail never holds the secret.
        let stored = api_key::Entity::find_by_id(id.clone()).one(&app.db).await.expect("query").expect("stored");
        let secret = key["key"].as_str().expect("secret");
        assert_eq!(stored.key_hash, ApiKeySecret::presented(secret).hash());
        let audit = audit_actions(&app, &id).await;
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].0, "api_key.create");
        assert!(!audit[0].1.to_string().contains(secret));
        assert!(!audit[0].1.to_string().contains(&stored.key_hash));

        // A read never shows the key again, only its obfuscated form.
        let key_type = key["type"].as_str().expect("type");
        let body = app.ok(GET_KEY, json!({"id": id, "keyType": key_type})).await;
        let read = &body["data"]["actor"]["apiAccess"]["key"];
        assert_eq!(read["key"], Value::Null, "{read}");
        assert_eq!(read["name"], key["name"]);
        assert_eq!(read["createdAt"], key["createdAt"]);
        let query = "query($id: ID!, $keyType: ApiAccessKeyType!) { actor { apiAccess {
            key(id: $id, keyType: $keyType) { obfuscatedKey
              ... on ApiAccessUserKey { account { id name } } ... on ApiAccessIngestKey { account { id name } } } } } }";
        let body = app.ok(query, json!({"id": id, "keyType": key_type})).await;
        let read = &body["data"]["actor"]["apiAccess"]["key"];
        let obfuscated = read["obfuscatedKey"].as_str().expect("obfuscated");
        assert!(obfuscated.ends_with("...") && secret.starts_with(obfuscated.trim_end_matches("...")), "{obfuscated}");
        assert!(obfuscated.len() < 13, "{obfuscated}");
        assert_eq!(read["account"], json!({"id": account, "name": "Test Organization"}));
    }
    let body = app.ok(
        "query($id: ID!) { actor { apiAccess { key(id: $id, keyType: USER) { ... on ApiAccessUserKey { user { id email } } } } } }",
        json!({"id": id_of(user)}),
    )
    .await;
    assert_eq!(
        body["data"]["actor"]["apiAccess"]["key"]["user"],
        json!({"id": app.admin_user_id, "email": "admin@example.com"})
    );
});

backend_test!(a_created_user_key_carries_its_users_current_access, |app| {
    let account = app.primary_account_id;
    let member = member(&app, "integration@example.com", "read_only", account).await;
    // The admin creates a key for the integration user (All product admin holds "Manage user keys
    // of other users").
    let body = app.run(CREATE_KEYS, json!({"keys": {"user": [user_key(account, member.id, "Integration")]}})).await;
    let created = &list(payload(&body, "apiAccessCreateKeys"), "createdKeys")[0];
    let key = created["key"].as_str().expect("key").to_owned();
    assert_eq!(created["userId"], json!(member.id));

    let body = app.run_as(&key, WHO_AM_I, json!({"account": account})).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["actor"]["user"]["email"], "integration@example.com");
    assert_eq!(body["data"]["actor"]["account"], json!({"id": account}));

    // Out of their group, the user (and so the key) loses the account at once.
    let remove = r#"mutation($removeUsersFromGroupsOptions: UserManagementUsersGroupsInput!) {
      userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions: $removeUsersFromGroupsOptions) { groups { id } } }"#;
    app.ok(
        remove,
        json!({"removeUsersFromGroupsOptions": {"groupIds": [member.group], "userIds": [member.id.to_string()]}}),
    )
    .await;
    let body = app.run_as(&key, WHO_AM_I, json!({"account": account})).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN", "{body}");
    assert_eq!(body["data"]["actor"]["account"], Value::Null);
    assert_eq!(body["data"]["actor"]["accounts"], json!([]));

    // Deleted, the key no longer authenticates.
    let body = app.run(DELETE_KEYS, json!({"keys": {"userKeyIds": [id_of(created)]}})).await;
    assert_eq!(list(payload(&body, "apiAccessDeleteKeys"), "deletedKeys"), &vec![json!({"id": id_of(created)})]);
    let (status, body) = app.graphql_as(Some(&key), WHO_AM_I, json!({"account": account})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // The user's other key still works.
    assert_eq!(app.graphql_as(Some(&member.key), WHO_AM_I, json!({"account": account})).await.0, StatusCode::OK);
});

backend_test!(unknown_and_invisible_keys_are_key_not_found, |app| {
    let account = app.primary_account_id;
    let member = member(&app, "reader@example.com", "standard_user", account).await;
    let hidden = app.create_account("Hidden").await;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, hidden, 1).await;
    let hidden_ingest = stored_key_ids(&app, |k| k.account_id == hidden).await.remove(0);
    let admin_key = stored_key_ids(&app, |k| k.user_id == Some(app.admin_user_id)).await.remove(0);
    let other = app.create_other_organization().await;
    insert_keys(&app, KeyType::User, None, Some(other.user_id), other.account_id, 1).await;
    let foreign_key = stored_key_ids(&app, |k| k.user_id == Some(other.user_id)).await.remove(0);

    assert_key_not_found(&get_key(&app, ADMIN_KEY, UNKNOWN_KEY_ID, "USER").await);
    assert_key_not_found(&get_key(&app, ADMIN_KEY, "not an id", "INGEST").await);
    // The right id with the wrong type.
    assert_key_not_found(&get_key(&app, ADMIN_KEY, &admin_key, "INGEST").await);
    // Ingest keys of an account the admin cannot access; keys of another organization.
    assert_key_not_found(&get_key(&app, ADMIN_KEY, &hidden_ingest, "INGEST").await);
    assert_key_not_found(&get_key(&app, ADMIN_KEY, &foreign_key, "USER").await);
    // Another user's key without "Manage user keys of other users".
    assert_key_not_found(&get_key(&app, &member.key, &admin_key, "USER").await);

    // Ids are accepted in either case; one's own key is always visible.
    let body = get_key(&app, ADMIN_KEY, &admin_key.to_lowercase(), "USER").await;
    assert_eq!(body["data"]["actor"]["apiAccess"]["key"]["id"], json!(admin_key), "{body}");
    let own = stored_key_ids(&app, |k| k.user_id == Some(member.id)).await.remove(0);
    let body = get_key(&app, &member.key, &own, "USER").await;
    assert_eq!(body["data"]["actor"]["apiAccess"]["key"]["userId"], json!(member.id), "{body}");
});

backend_test!(create_refusals_are_payload_errors_and_the_rest_is_created, |app| {
    let account = app.primary_account_id;
    // Standard user: "Read ingest keys" but neither manage capability.
    let member = member(&app, "standard@example.com", "standard_user", account).await;
    let elsewhere = app.create_account("Elsewhere").await;
    let keys = json!({
        "ingest": [ingest(account, "LICENSE", "Not mine to make")],
        "user": [
            user_key(elsewhere, member.id, "No access there"),
            user_key(account, app.admin_user_id, "For the admin"),
            user_key(account, member.id, "Mine"),
        ],
    });
    let body = app.run_as(&member.key, CREATE_KEYS, json!({ "keys": keys })).await;
    let created = payload(&body, "apiAccessCreateKeys");
    let keys = list(created, "createdKeys");
    assert_eq!(keys.len(), 1, "{body}");
    assert_eq!(keys[0]["name"], "Mine");
    assert_eq!(
        created["errors"],
        json!([
            {"message": format!("You are not authorized to manage ingest keys on account {account}"), "type": "INGEST",
             "id": null, "ingestErrorType": "FORBIDDEN", "accountId": account, "ingestType": "LICENSE"},
            {"message": format!("You do not have access to account {elsewhere}"), "type": "USER",
             "id": null, "accountId": elsewhere, "userErrorType": "FORBIDDEN", "userId": member.id},
            {"message": format!("You are not authorized to manage user keys of other users on account {account}"),
             "type": "USER", "id": null, "accountId": account, "userErrorType": "FORBIDDEN", "userId": app.admin_user_id},
        ]),
        "{body}"
    );

    // The admin may make keys for others, but only for colleagues who can access the account.
    app.grant(&app.group_id("Admin").await, "all_product_admin", Some(elsewhere)).await;
    let other = app.create_other_organization().await;
    let keys = json!({
        "ingest": [{"accountId": account, "ingestType": "BROWSER", "name": "   "}],
        "user": [
            user_key(elsewhere, member.id, "Member has no access there"),
            user_key(account, other.user_id, "Another organization"),
            user_key(account, 999_999, "Nobody"),
            user_key(account, member.id, "For the member"),
        ],
    });
    let body = app.run(CREATE_KEYS, json!({ "keys": keys })).await;
    let created = payload(&body, "apiAccessCreateKeys");
    assert_eq!(list(created, "createdKeys").len(), 1, "{body}");
    assert_eq!(list(created, "createdKeys")[0]["userId"], json!(member.id));
    let errors: Vec<(Value, Value, Value)> = list(created, "errors")
        .iter()
        .map(|e| {
            (
                e["type"].clone(),
                e.get("ingestErrorType").or(e.get("userErrorType")).cloned().unwrap_or_default(),
                e["message"].clone(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        vec![
            (json!("INGEST"), json!("INVALID"), json!("Name can't be blank")),
            (json!("USER"), json!("INVALID"), json!(format!("User {} cannot access account {elsewhere}", member.id))),
            (json!("USER"), json!("NOT_FOUND"), json!(format!("User {} not found", other.user_id))),
            (json!("USER"), json!("NOT_FOUND"), json!("User 999999 not found")),
        ]
    );
    let members_keys = stored_key_ids(&app, |k| k.user_id == Some(member.id)).await;
    assert_eq!(members_keys.len(), 3, "the fixture key, Mine, For the member");
});

backend_test!(ingest_keys_are_limited_per_account_and_type, |app| {
    let account = app.primary_account_id;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, account, 1_000).await;
    let keys =
        json!({"ingest": [ingest(account, "LICENSE", "One too many"), ingest(account, "BROWSER", "Still fits")]});
    let body = app.run(CREATE_KEYS, json!({ "keys": keys })).await;
    let created = payload(&body, "apiAccessCreateKeys");
    assert_eq!(list(created, "createdKeys").len(), 1);
    assert_eq!(list(created, "createdKeys")[0]["ingestType"], "BROWSER");
    assert_eq!(created["errors"][0]["ingestErrorType"], "INVALID");
    assert_eq!(
        created["errors"][0]["message"],
        format!("Account {account} already has the maximum of 1000 license keys")
    );
});

backend_test!(updates_change_names_and_notes_or_say_why_not, |app| {
    let account = app.primary_account_id;
    let reader = member(&app, "reader@example.com", "read_only", account).await;
    let keys = json!({"ingest": [ingest(account, "LICENSE", "Before")], "user": [user_key(account, app.admin_user_id, "Mine")]});
    let body = app.run(CREATE_KEYS, json!({ "keys": keys })).await;
    let created = list(payload(&body, "apiAccessCreateKeys"), "createdKeys").clone();
    let (license, mine) = (id_of(&created[0]), id_of(&created[1]));

    let changes = json!({
        "ingest": [{"keyId": license, "name": " After ", "notes": ""}],
        "user": [{"keyId": mine, "notes": "rotated yearly"}],
    });
    let body = app.run(UPDATE_KEYS, json!({ "keys": changes })).await;
    let updated = payload(&body, "apiAccessUpdateKeys");
    assert_eq!(updated["errors"], json!([]));
    let keys = list(updated, "updatedKeys");
    assert_eq!(
        (keys[0]["id"].clone(), keys[0]["name"].clone(), keys[0]["notes"].clone()),
        (json!(license), json!("After"), json!(""))
    );
    assert_eq!((keys[1]["name"].clone(), keys[1]["notes"].clone()), (json!("Mine"), json!("rotated yearly")));
    assert_eq!(keys[0]["key"], Value::Null);
    let actions: Vec<String> = audit_actions(&app, &license).await.into_iter().map(|a| a.0).collect();
    assert_eq!(actions, vec!["api_key.create", "api_key.update"]);

    // The reader may see the license key but not change it; the admin's user key is not theirs to see.
    let changes = json!({
        "ingest": [{"keyId": license, "name": "Reader was here"}, {"keyId": UNKNOWN_KEY_ID, "name": "x"}],
        "user": [{"keyId": mine, "name": "Reader was here"}, {"keyId": stored_key_ids(&app, |k| k.user_id == Some(reader.id)).await[0], "name": "Renamed own"}],
    });
    let body = app.run_as(&reader.key, UPDATE_KEYS, json!({ "keys": changes })).await;
    let updated = payload(&body, "apiAccessUpdateKeys");
    assert_eq!(list(updated, "updatedKeys").len(), 1);
    assert_eq!(list(updated, "updatedKeys")[0]["name"], "Renamed own");
    assert_eq!(
        updated["errors"],
        json!([
            {"message": format!("You are not authorized to manage ingest keys on account {account}"), "type": "INGEST",
             "id": license, "ingestErrorType": "FORBIDDEN", "accountId": null, "ingestType": null},
            {"message": "Key not found", "type": "INGEST", "id": UNKNOWN_KEY_ID, "ingestErrorType": "NOT_FOUND",
             "accountId": null, "ingestType": null},
            {"message": "Key not found", "type": "USER", "id": mine, "userErrorType": "NOT_FOUND", "accountId": null,
             "userId": null},
        ]),
        "{body}"
    );

    // Blank names and over-long notes are invalid.
    let changes = json!({"user": [{"keyId": mine, "name": ""}, {"keyId": mine, "notes": "x".repeat(1_001)}]});
    let body = app.run(UPDATE_KEYS, json!({ "keys": changes })).await;
    let errors: Vec<Value> =
        list(payload(&body, "apiAccessUpdateKeys"), "errors").iter().map(|e| e["userErrorType"].clone()).collect();
    assert_eq!(errors, vec![json!("INVALID"), json!("INVALID")]);
});

backend_test!(deletes_remove_keys_or_say_why_not, |app| {
    let account = app.primary_account_id;
    let reader = member(&app, "reader@example.com", "read_only", account).await;
    let keys = json!({"ingest": [ingest(account, "LICENSE", "a"), ingest(account, "BROWSER", "b")], "user": [user_key(account, reader.id, "c")]});
    let body = app.run(CREATE_KEYS, json!({ "keys": keys })).await;
    let created: Vec<String> = list(payload(&body, "apiAccessCreateKeys"), "createdKeys").iter().map(id_of).collect();

    // The reader may delete their own key, not the ingest keys.
    let body = app
        .run_as(&reader.key, DELETE_KEYS, json!({"keys": {"ingestKeyIds": [created[0]], "userKeyIds": [created[2]]}}))
        .await;
    let deleted = payload(&body, "apiAccessDeleteKeys");
    assert_eq!(deleted["deletedKeys"], json!([{"id": created[2]}]));
    assert_eq!(deleted["errors"][0]["ingestErrorType"], "FORBIDDEN");
    assert_eq!(deleted["errors"][0]["id"], json!(created[0]));

    let body = app
        .run(DELETE_KEYS, json!({"keys": {"ingestKeyIds": [created[0], created[1], created[2]], "userKeyIds": null}}))
        .await;
    let deleted = payload(&body, "apiAccessDeleteKeys");
    assert_eq!(deleted["deletedKeys"], json!([{"id": created[0]}, {"id": created[1]}]));
    assert_eq!(
        deleted["errors"],
        json!([{"message": "Key not found", "type": "INGEST", "id": created[2], "ingestErrorType": "NOT_FOUND", "accountId": null, "ingestType": null}])
    );
    for (id, key_type) in [(&created[0], "INGEST"), (&created[2], "USER")] {
        assert_key_not_found(&get_key(&app, ADMIN_KEY, id, key_type).await);
        let actions: Vec<String> = audit_actions(&app, id).await.into_iter().map(|a| a.0).collect();
        assert_eq!(actions, vec!["api_key.create", "api_key.delete"]);
    }
    // Deleting again: not found.
    let body = app.run(DELETE_KEYS, json!({"keys": {"userKeyIds": [created[2]]}})).await;
    assert_eq!(payload(&body, "apiAccessDeleteKeys")["errors"][0]["userErrorType"], "NOT_FOUND");
});

backend_test!(key_search_lists_only_the_keys_the_viewer_may_see, |app| {
    let account = app.primary_account_id;
    let reader = member(&app, "reader@example.com", "read_only", account).await;
    let second = app.create_account("Second").await;
    app.grant(&app.group_id("Admin").await, "all_product_admin", Some(second)).await;
    app.grant(&reader.group, "read_only", Some(second)).await;
    let hidden = app.create_account("Hidden").await;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, account, 2).await;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::Browser), None, account, 1).await;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, second, 1).await;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, hidden, 1).await;
    insert_keys(&app, KeyType::User, None, Some(reader.id), second, 1).await;
    insert_keys(&app, KeyType::User, None, Some(app.admin_user_id), second, 1).await;
    // One's own key on an account one cannot access is still one's own.
    insert_keys(&app, KeyType::User, None, Some(app.admin_user_id), hidden, 1).await;
    let other = app.create_other_organization().await;
    insert_keys(&app, KeyType::User, None, Some(other.user_id), other.account_id, 1).await;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, other.account_id, 1).await;

    let all = json!({"types": ["USER", "INGEST"], "scope": null});
    // The admin: every user key of the accounts where All product admin lets them manage them,
    // their own everywhere, and the ingest keys of the accounts they can read them on.
    let admin_sees =
        stored_key_ids(&app, |k| k.user_id == Some(app.admin_user_id) || [account, second].contains(&k.account_id))
            .await;
    assert_eq!(search_ids(&app, ADMIN_KEY, all.clone()).await, admin_sees);
    // The reader: their own user keys, and ingest keys where Read only lets them read them.
    let reader_sees = stored_key_ids(&app, |k| {
        k.user_id == Some(reader.id) || (k.key_type == KeyType::Ingest && [account, second].contains(&k.account_id))
    })
    .await;
    assert_eq!(search_ids(&app, &reader.key, all).await, reader_sees);

    // Scope and types narrow the search; a single type needs no brackets (list coercion), as a
    // variable or as a literal.
    let reader_user_keys = stored_key_ids(&app, |k| k.user_id == Some(reader.id)).await;
    assert_eq!(
        search_ids(&app, ADMIN_KEY, json!({"types": "USER", "scope": {"userIds": reader.id}})).await,
        reader_user_keys
    );
    let second_ingest = stored_key_ids(&app, |k| k.key_type == KeyType::Ingest && k.account_id == second).await;
    assert_eq!(
        search_ids(
            &app,
            ADMIN_KEY,
            json!({"types": ["INGEST"], "scope": {"accountIds": [second], "ingestTypes": null, "userIds": null}})
        )
        .await,
        second_ingest
    );
    let browser = stored_key_ids(&app, |k| k.ingest_type == Some(IngestType::Browser)).await;
    assert_eq!(
        search_ids(&app, ADMIN_KEY, json!({"types": ["INGEST", null], "scope": {"ingestTypes": "BROWSER"}})).await,
        browser
    );
    assert_eq!(search_ids(&app, ADMIN_KEY, json!({"types": []})).await, Vec::<String>::new());

    let literal = format!(
        "{{ actor {{ apiAccess {{ keySearch(query: {{types: INGEST, scope: {{accountIds: {second}}}}}) {{ count nextCursor keys {{ id }} }} }} }} }}"
    );
    let body = app.ok(&literal, Value::Null).await;
    let result = &body["data"]["actor"]["apiAccess"]["keySearch"];
    assert_eq!(result["count"], json!(1));
    assert_eq!(result["nextCursor"], Value::Null);
    assert_eq!(sorted(list(result, "keys").iter().map(id_of).collect()), second_ingest);

    // Account and user references.
    let body = app
        .ok(
            SEARCH_DETAILS,
            json!({"query": {"types": "USER", "scope": {"userIds": [reader.id], "accountIds": [second]}}}),
        )
        .await;
    let key = &body["data"]["actor"]["apiAccess"]["keySearch"]["keys"][0];
    assert_eq!(key["account"], json!({"id": second, "name": "Second"}));
    assert_eq!(
        key["user"],
        json!({"id": reader.id, "email": "reader@example.com", "name": "User reader@example.com", "gravatar": null})
    );
});

backend_test!(list_arguments_need_no_brackets, |app| {
    let account = app.primary_account_id;
    let mutation = format!(
        r#"mutation {{ apiAccessCreateKeys(keys: {{ingest: {{accountId: {account}, ingestType: LICENSE, name: "Literal"}}}}) {{
          createdKeys {{ id name ... on ApiAccessIngestKey {{ ingestType }} }} errors {{ message }} }} }}"#
    );
    let body = app.ok(&mutation, Value::Null).await;
    let created = &body["data"]["apiAccessCreateKeys"];
    assert_eq!(created["createdKeys"][0]["name"], "Literal");
    assert_eq!(created["createdKeys"][0]["ingestType"], "LICENSE");
    let id = id_of(&created["createdKeys"][0]);

    let body = app.run(CREATE_KEYS, json!({"keys": {"user": user_key(account, app.admin_user_id, "Variable")}})).await;
    assert_eq!(list(payload(&body, "apiAccessCreateKeys"), "createdKeys")[0]["name"], "Variable");

    let body = app.run(UPDATE_KEYS, json!({"keys": {"ingest": {"keyId": id, "name": "Renamed"}}})).await;
    assert_eq!(list(payload(&body, "apiAccessUpdateKeys"), "updatedKeys")[0]["name"], "Renamed");
    let body = app.run(DELETE_KEYS, json!({"keys": {"ingestKeyIds": id}})).await;
    assert_eq!(payload(&body, "apiAccessDeleteKeys")["deletedKeys"], json!([{"id": id}]));
});

backend_test!(key_search_pages_with_a_cursor, |app| {
    let account = app.primary_account_id;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, account, 620).await;
    let query = json!({"types": ["INGEST"]});
    let body = app.ok(SEARCH_DETAILS, json!({ "query": query })).await;
    let first = &body["data"]["actor"]["apiAccess"]["keySearch"];
    assert_eq!(first["count"], json!(620));
    let cursor = first["nextCursor"].as_str().expect("a next page").to_owned();
    let mut seen: Vec<String> = list(first, "keys").iter().map(id_of).collect();
    assert_eq!(seen.len(), 500);

    let body = app.ok(SEARCH_DETAILS, json!({ "query": query, "cursor": cursor })).await;
    let second = &body["data"]["actor"]["apiAccess"]["keySearch"];
    assert_eq!(second["count"], json!(620));
    assert_eq!(second["nextCursor"], Value::Null);
    seen.extend(list(second, "keys").iter().map(id_of));
    assert_eq!(sorted(seen), stored_key_ids(&app, |k| k.key_type == KeyType::Ingest).await);

    let body = app.run(SEARCH_DETAILS, json!({ "query": query, "cursor": "not a cursor" })).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT");
});

backend_test!(statements_per_key_search_do_not_grow_with_keys, |app| {
    let account = app.primary_account_id;
    let second = app.create_account("Second").await;
    app.grant(&app.group_id("Admin").await, "all_product_admin", Some(second)).await;
    let search = "{ actor { apiAccess { keySearch(query: {types: [USER, INGEST]}) { count nextCursor
      keys { id name createdAt obfuscatedKey
        ... on ApiAccessUserKey { userId account { id name } user { id email name } }
        ... on ApiAccessIngestKey { accountId account { id name } ingestType } } } } } }";
    let user = app.create_user("few@example.com", UserType::Basic).await;
    insert_keys(&app, KeyType::User, None, Some(user), account, 3).await;
    insert_keys(&app, KeyType::Ingest, Some(IngestType::Browser), None, second, 3).await;
    let few = app.statements_for(search).await;

    app.create_users("many", 40, UserType::Core).await;
    for (i, id) in app.user_ids("many").await.into_iter().enumerate() {
        insert_keys(&app, KeyType::User, None, Some(id), if i % 2 == 0 { account } else { second }, 5).await;
    }
    insert_keys(&app, KeyType::Ingest, Some(IngestType::License), None, account, 100).await;
    let body = app.query(search).await;
    assert_eq!(body["data"]["actor"]["apiAccess"]["keySearch"]["count"], json!(3 + 3 + 200 + 100 + 1));
    let many = app.statements_for(search).await;
    assert_eq!(few, many, "statements for 7 keys: {few}, for 307: {many}");
});
