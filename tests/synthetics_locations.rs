//! Synthetics private locations and secure credentials: client-go's mutations as it sends them,
//! their payload errors (HTTP 200, no top-level error, nothing changed), the reads
//! `actor.account(id).syntheticsPrivateLocations` / `syntheticsSecureCredentials`, and the
//! private-location rules of the Synthetics permission system (seed 003).

use accessgraph::auth::keys::sha256_hex;
use accessgraph::domain::synthetics::guid::{self, GuidKind};
use chrono::Utc;
use entity::enums::{SyntheticsEntityKind, UserType};
use entity::{
    audit_event, synthetics_permission_group, synthetics_permission_group_member, synthetics_permission_rule,
    synthetics_permission_setting, synthetics_private_location, synthetics_secure_credential,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_KEY, TestApp};

// client-go `synthetics` operations (v2.93.1: the private-location ones send `shared`).

const CREATE_LOCATION: &str = r#"mutation(
	$accountId: Int!,
	$description: String,
	$name: String!,
	$shared: Boolean,
	$verifiedScriptExecution: Boolean!,
) { syntheticsCreatePrivateLocation(
	accountId: $accountId,
	description: $description,
	name: $name,
	shared: $shared,
	verifiedScriptExecution: $verifiedScriptExecution,
) {
	accountId
	description
	domainId
	errors {
		description
		type
	}
	guid
	key
	locationId
	name
	shared
	verifiedScriptExecution
} }"#;

const UPDATE_LOCATION: &str = r#"mutation(
	$description: String,
	$guid: EntityGuid!,
	$shared: Boolean,
	$verifiedScriptExecution: Boolean,
) { syntheticsUpdatePrivateLocation(
	description: $description,
	guid: $guid,
	shared: $shared,
	verifiedScriptExecution: $verifiedScriptExecution,
) {
	accountId
	description
	domainId
	errors {
		description
		type
	}
	guid
	key
	locationId
	name
	shared
	verifiedScriptExecution
} }"#;

const DELETE_LOCATION: &str = r#"mutation(
	$guid: EntityGuid!,
) { syntheticsDeletePrivateLocation(
	guid: $guid,
) {
	errors {
		description
		type
	}
} }"#;

const PURGE_QUEUE: &str = r#"mutation(
	$guid: EntityGuid!,
) { syntheticsPurgePrivateLocationQueue(
	guid: $guid,
) {
	errors {
		description
		type
	}
} }"#;

const CREATE_CREDENTIAL: &str = r#"mutation(
	$accountId: Int!,
	$description: String,
	$key: String!,
	$value: SecureValue!,
) { syntheticsCreateSecureCredential(
	accountId: $accountId,
	description: $description,
	key: $key,
	value: $value,
) {
	createdAt
	description
	errors {
		description
	}
	key
	lastUpdate
} }"#;

const UPDATE_CREDENTIAL: &str = r#"mutation(
	$accountId: Int!,
	$description: String,
	$key: String!,
	$value: SecureValue,
) { syntheticsUpdateSecureCredential(
	accountId: $accountId,
	description: $description,
	key: $key,
	value: $value,
) {
	createdAt
	description
	errors {
		description
	}
	key
	lastUpdate
} }"#;

const DELETE_CREDENTIAL: &str = r#"mutation(
	$accountId: Int!,
	$key: String!,
) { syntheticsDeleteSecureCredential(
	accountId: $accountId,
	key: $key,
) {
	createdAt
	description
	errors {
		description
	}
	key
	lastUpdate
} }"#;

const LOCATIONS: &str = r#"query($id: Int!, $cursor: String) { actor { account(id: $id) {
  syntheticsPrivateLocations(cursor: $cursor) { nextCursor totalCount privateLocations {
    accountId description domainId guid jobQueueSize locationId name shared verifiedScriptExecution } } } } }"#;

const CREDENTIALS: &str = r#"query($id: Int!, $cursor: String) { actor { account(id: $id) {
  syntheticsSecureCredentials(cursor: $cursor) { nextCursor totalCount secureCredentials {
    createdAt description key lastUpdate } } } } }"#;

const BAD_KEY: &str = "Invalid key specified: key is blank, too long, or contains invalid characters.";
const UNAUTHORIZED: &str = "You are not authorized to perform this action";
const SECRET: &str = "s3cr3t-Value-never-shown";

// ---------------------------------------------------------------------------------------------
// Helpers

/// Asserts HTTP 200 (by `run_as`) and no top-level errors; returns the mutation's payload.
async fn payload(app: &TestApp, key: &str, query: &str, field: &str, variables: Value) -> Value {
    let body = app.run_as(key, query, variables).await;
    assert!(body.get("errors").is_none(), "no top-level errors expected: {body}");
    assert!(!body.to_string().contains(SECRET), "a secure credential value was sent back: {body}");
    body["data"][field].clone()
}

/// The one payload error of a private-location mutation, as (type, description).
fn location_error(result: &Value) -> (String, String) {
    let errors = result["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{result}");
    (
        errors[0]["type"].as_str().unwrap_or_default().into(),
        errors[0]["description"].as_str().unwrap_or_default().into(),
    )
}

fn no_errors(result: &Value) {
    assert_eq!(result["errors"], json!([]), "{result}");
}

/// Creates a private location as the holder of `key`; returns the whole payload.
async fn create_location(app: &TestApp, key: &str, name: &str) -> Value {
    let variables = json!({"accountId": app.primary_account_id, "description": format!("{name} location"),
        "name": name, "shared": false, "verifiedScriptExecution": false});
    payload(app, key, CREATE_LOCATION, "syntheticsCreatePrivateLocation", variables).await
}

/// Creates a private location as the admin; returns its GUID.
async fn location(app: &TestApp, name: &str) -> String {
    let result = create_location(app, ADMIN_KEY, name).await;
    no_errors(&result);
    result["guid"].as_str().expect("guid").to_owned()
}

async fn update_location(app: &TestApp, key: &str, guid: &str, description: &str) -> Value {
    let variables = json!({"description": description, "guid": guid, "shared": true, "verifiedScriptExecution": true});
    payload(app, key, UPDATE_LOCATION, "syntheticsUpdatePrivateLocation", variables).await
}

/// The private locations the holder of `key` sees on the primary account (null when refused).
async fn locations(app: &TestApp, key: &str) -> Value {
    let body = app.run_as(key, LOCATIONS, json!({"id": app.primary_account_id})).await;
    body["data"]["actor"]["account"]["syntheticsPrivateLocations"].clone()
}

fn names(list: &Value) -> Vec<String> {
    list["privateLocations"]
        .as_array()
        .expect("privateLocations")
        .iter()
        .filter_map(|l| l["name"].as_str().map(str::to_owned))
        .collect()
}

async fn credentials(app: &TestApp, key: &str) -> Value {
    let body = app.run_as(key, CREDENTIALS, json!({"id": app.primary_account_id})).await;
    assert!(!body.to_string().contains(SECRET), "{body}");
    body["data"]["actor"]["account"]["syntheticsSecureCredentials"].clone()
}

async fn create_credential(app: &TestApp, key: &str, credential: &str) -> Value {
    let variables = json!({"accountId": app.primary_account_id, "description": "a description",
        "key": credential, "value": SECRET});
    payload(app, key, CREATE_CREDENTIAL, "syntheticsCreateSecureCredential", variables).await
}

/// The one payload error of a secure credential mutation, and that nothing else is in it.
fn credential_error(result: &Value) -> String {
    assert_eq!(result["key"], Value::Null, "{result}");
    assert_eq!(result["lastUpdate"], Value::Null, "{result}");
    let errors = result["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{result}");
    errors[0]["description"].as_str().unwrap_or_default().to_owned()
}

async fn audit_count(app: &TestApp, target_type: &str) -> u64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetType.eq(target_type))
        .count(&app.db)
        .await
        .expect("count audit events")
}

/// A user of `user_type` in a new group granted the standard `role` on the primary account;
/// returns (user id, key).
async fn user_with_role(app: &TestApp, email: &str, user_type: UserType, role: &str) -> (i64, String) {
    let user = app.create_user(email, user_type).await;
    let group = app.create_group(&format!("Group of {email}")).await;
    app.grant(&group, role, Some(app.primary_account_id)).await;
    app.add_member(&group, user).await;
    (user, app.create_key(user).await)
}

// Synthetics permission system fixtures: written directly (its API is built elsewhere).

async fn enable_permissions(app: &TestApp) {
    synthetics_permission_setting::ActiveModel {
        account_id: Set(app.primary_account_id),
        enabled: Set(true),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .expect("insert setting");
}

/// A rule's target: every private location, or one by GUID.
enum On<'a> {
    All,
    One(&'a str),
}

/// A permission group on the primary account with `members` and private-location `rules`
/// (target, view, edit).
async fn permission_group(app: &TestApp, name: &str, members: &[i64], rules: &[(On<'_>, bool, bool)]) {
    let group = synthetics_permission_group::ActiveModel {
        id: Set(uuid::Uuid::new_v4().to_string()),
        account_id: Set(app.primary_account_id),
        name: Set(name.into()),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .expect("insert group")
    .id;
    for user in members {
        synthetics_permission_group_member::ActiveModel {
            group_id: Set(group.clone()),
            user_id: Set(*user),
            created_at: Set(Utc::now()),
        }
        .insert(&app.db)
        .await
        .expect("insert member");
    }
    for (target, view, edit) in rules {
        let target = match target {
            On::All => synthetics_permission_rule::ALL.to_owned(),
            On::One(guid) => (*guid).to_owned(),
        };
        synthetics_permission_rule::ActiveModel {
            group_id: Set(group.clone()),
            entity_kind: Set(SyntheticsEntityKind::PrivateLocation),
            target: Set(target),
            can_view: Set(*view),
            can_edit: Set(*edit),
            ..Default::default()
        }
        .insert(&app.db)
        .await
        .expect("insert rule");
    }
}

// ---------------------------------------------------------------------------------------------
// Private locations

backend_test!(private_location_create_update_purge_delete, |app| {
    let created = create_location(&app, ADMIN_KEY, "Berlin DC").await;
    no_errors(&created);
    let guid = created["guid"].as_str().expect("guid").to_owned();
    let parsed = guid::decode(&guid).expect("a Synthetics GUID");
    assert_eq!((parsed.account_id, parsed.kind), (app.primary_account_id, GuidKind::PrivateLocation));
    assert_eq!(created["domainId"], json!(parsed.id), "domainId is the location's UUID");
    let suffix = parsed.id[..3].to_uppercase();
    assert_eq!(created["locationId"], json!(format!("{}-berlin_dc-{suffix}", app.primary_account_id)));
    assert_eq!(created["accountId"], json!(app.primary_account_id));
    assert_eq!(created["name"], "Berlin DC");
    assert_eq!(created["description"], "Berlin DC location");
    assert_eq!((created["shared"].clone(), created["verifiedScriptExecution"].clone()), (json!(false), json!(false)));
    // The key: shown once, stored only as its SHA-256.
    let key = created["key"].as_str().expect("key at creation").to_owned();
    assert!(key.starts_with("NRSP-us01") && key.len() == 41, "{key}");
    let stored = synthetics_private_location::Entity::find_by_id(parsed.id.clone())
        .one(&app.db)
        .await
        .expect("query")
        .expect("stored location");
    assert_eq!(stored.key_hash, sha256_hex(&key));
    assert_eq!(stored.guid, guid);

    let updated = update_location(&app, ADMIN_KEY, &guid, "Moved to rack 7").await;
    no_errors(&updated);
    assert_eq!(updated["key"], Value::Null, "the key is never shown again");
    assert_eq!(updated["description"], "Moved to rack 7");
    assert_eq!((updated["shared"].clone(), updated["verifiedScriptExecution"].clone()), (json!(true), json!(true)));
    assert_eq!((updated["guid"].clone(), updated["name"].clone()), (json!(guid), json!("Berlin DC")));
    // Absent arguments stay as they are.
    let variables = json!({"guid": guid, "description": null, "shared": null, "verifiedScriptExecution": false});
    let result = payload(&app, ADMIN_KEY, UPDATE_LOCATION, "syntheticsUpdatePrivateLocation", variables).await;
    assert_eq!(
        (result["description"].clone(), result["shared"].clone(), result["verifiedScriptExecution"].clone()),
        (json!("Moved to rack 7"), json!(true), json!(false))
    );

    // The list shows the overview with the job queue; purging empties the queue.
    let mut model: synthetics_private_location::ActiveModel = stored.into();
    model.job_queue_size = Set(42);
    model.update(&app.db).await.expect("fill the queue");
    let list = locations(&app, ADMIN_KEY).await;
    assert_eq!(list["totalCount"], 1);
    assert_eq!(list["nextCursor"], Value::Null);
    assert_eq!(
        list["privateLocations"][0],
        json!({"accountId": app.primary_account_id, "description": "Moved to rack 7", "domainId": parsed.id,
            "guid": guid, "jobQueueSize": 42, "locationId": created["locationId"], "name": "Berlin DC",
            "shared": true, "verifiedScriptExecution": false})
    );
    let purged =
        payload(&app, ADMIN_KEY, PURGE_QUEUE, "syntheticsPurgePrivateLocationQueue", json!({"guid": guid})).await;
    assert_eq!(purged, json!({"errors": []}));
    assert_eq!(locations(&app, ADMIN_KEY).await["privateLocations"][0]["jobQueueSize"], 0);

    let deleted =
        payload(&app, ADMIN_KEY, DELETE_LOCATION, "syntheticsDeletePrivateLocation", json!({"guid": guid})).await;
    assert_eq!(deleted, json!({"errors": []}));
    assert_eq!(locations(&app, ADMIN_KEY).await, json!({"nextCursor": null, "totalCount": 0, "privateLocations": []}));
    // create, 2 updates, purge, delete: each one audit event.
    assert_eq!(audit_count(&app, "synthetics_private_location").await, 5);
});

backend_test!(private_location_refusals_are_payload_errors_and_change_nothing, |app| {
    let guid = location(&app, "Existing").await;
    let audited = audit_count(&app, "synthetics_private_location").await;
    let before = locations(&app, ADMIN_KEY).await;

    let blank = create_location(&app, ADMIN_KEY, "   ").await;
    assert_eq!(location_error(&blank), ("BAD_REQUEST".into(), "Name can't be blank".into()));
    assert_eq!((blank["guid"].clone(), blank["key"].clone()), (Value::Null, Value::Null));
    let duplicate = create_location(&app, ADMIN_KEY, "Existing").await;
    assert_eq!(
        location_error(&duplicate),
        (
            "BAD_REQUEST".into(),
            format!("A private location named 'Existing' already exists in account {}", app.primary_account_id)
        )
    );

    let unknown = guid::encode(app.primary_account_id, GuidKind::PrivateLocation, &uuid::Uuid::new_v4().to_string());
    let monitor = guid::encode(app.primary_account_id, GuidKind::Monitor, &guid::decode(&guid).expect("guid").id);
    for target in [unknown.as_str(), monitor.as_str(), "not-a-guid"] {
        let updated = update_location(&app, ADMIN_KEY, target, "x").await;
        assert_eq!(location_error(&updated), ("NOT_FOUND".into(), "Private location not found".into()));
        assert_eq!(updated["guid"], Value::Null);
        for (query, field) in
            [(DELETE_LOCATION, "syntheticsDeletePrivateLocation"), (PURGE_QUEUE, "syntheticsPurgePrivateLocationQueue")]
        {
            let result = payload(&app, ADMIN_KEY, query, field, json!({"guid": target})).await;
            assert_eq!(location_error(&result), ("NOT_FOUND".into(), "Private location not found".into()));
        }
    }
    // Another organization's location is not found either.
    let other = app.create_other_organization().await;
    let foreign_id = uuid::Uuid::new_v4().to_string();
    let foreign_guid = guid::encode(other.account_id, GuidKind::PrivateLocation, &foreign_id);
    let foreign = synthetics_private_location::ActiveModel {
        id: Set(foreign_id.clone()),
        account_id: Set(other.account_id),
        guid: Set(foreign_guid.clone()),
        name: Set("Foreign".into()),
        description: Set(String::new()),
        verified_script_execution: Set(false),
        shared: Set(false),
        key_hash: Set(sha256_hex("k")),
        job_queue_size: Set(3),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    };
    foreign.insert(&app.db).await.expect("insert foreign location");
    let result =
        payload(&app, ADMIN_KEY, DELETE_LOCATION, "syntheticsDeletePrivateLocation", json!({"guid": foreign_guid}))
            .await;
    assert_eq!(location_error(&result).0, "NOT_FOUND");
    assert!(synthetics_private_location::Entity::find_by_id(foreign_id).one(&app.db).await.expect("query").is_some());
    // Creating in another organization's account is not allowed.
    let variables = json!({"accountId": other.account_id, "name": "Elsewhere", "verifiedScriptExecution": false});
    let result = payload(&app, ADMIN_KEY, CREATE_LOCATION, "syntheticsCreatePrivateLocation", variables).await;
    assert_eq!(location_error(&result), ("UNAUTHORIZED".into(), UNAUTHORIZED.into()));

    assert_eq!(locations(&app, ADMIN_KEY).await, before);
    assert_eq!(audit_count(&app, "synthetics_private_location").await, audited);
});

backend_test!(private_locations_need_the_capabilities, |app| {
    let guid = location(&app, "Guarded").await;
    let before = locations(&app, ADMIN_KEY).await;
    // Synthetics capabilities are full-platform only: a core user has none of them.
    let (_, core) = user_with_role(&app, "core@example.com", UserType::Core, "all_product_admin").await;
    // A full user with Read only may read, not change.
    let (_, reader) = user_with_role(&app, "reader@example.com", UserType::Full, "read_only").await;
    for key in [&core, &reader] {
        let created = create_location(&app, key, "Mine").await;
        assert_eq!(location_error(&created), ("UNAUTHORIZED".into(), UNAUTHORIZED.into()));
        let updated = update_location(&app, key, &guid, "changed").await;
        assert_eq!(location_error(&updated), ("UNAUTHORIZED".into(), UNAUTHORIZED.into()));
        for (query, field) in
            [(DELETE_LOCATION, "syntheticsDeletePrivateLocation"), (PURGE_QUEUE, "syntheticsPurgePrivateLocationQueue")]
        {
            let result = payload(&app, key, query, field, json!({"guid": guid})).await;
            assert_eq!(location_error(&result), ("UNAUTHORIZED".into(), UNAUTHORIZED.into()));
        }
    }
    assert_eq!(names(&locations(&app, &reader).await), ["Guarded"]);
    // Without Read synthetics private locations the list is null with a FORBIDDEN error; siblings resolve.
    let body = app.run_as(&core, LOCATIONS, json!({"id": app.primary_account_id})).await;
    assert_eq!(body["data"]["actor"]["account"]["syntheticsPrivateLocations"], Value::Null);
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN");
    assert_eq!(body["errors"][0]["path"], json!(["actor", "account", "syntheticsPrivateLocations"]));
    assert_eq!(locations(&app, ADMIN_KEY).await, before, "nothing changed");
});

backend_test!(austin_edits_location_a_not_b_and_sees_both, |app| {
    let pl_a = location(&app, "Private Location A").await;
    let pl_b = location(&app, "Private Location B").await;
    let (austin, austin_key) = user_with_role(&app, "austin@example.com", UserType::Full, "all_product_admin").await;
    let (violet, violet_key) = user_with_role(&app, "violet@example.com", UserType::Full, "all_product_admin").await;
    enable_permissions(&app).await;
    permission_group(&app, "New Developers", &[austin], &[(On::One(&pl_a), true, true), (On::One(&pl_b), true, false)])
        .await;
    permission_group(&app, "Senior Developers", &[violet], &[(On::All, true, true)]).await;

    assert_eq!(names(&locations(&app, &austin_key).await), ["Private Location A", "Private Location B"]);
    no_errors(&update_location(&app, &austin_key, &pl_a, "Austin was here").await);
    let refused = update_location(&app, &austin_key, &pl_b, "Austin was here").await;
    assert_eq!(location_error(&refused), ("UNAUTHORIZED".into(), UNAUTHORIZED.into()));
    for (query, field) in
        [(DELETE_LOCATION, "syntheticsDeletePrivateLocation"), (PURGE_QUEUE, "syntheticsPurgePrivateLocationQueue")]
    {
        let result = payload(&app, &austin_key, query, field, json!({"guid": pl_b})).await;
        assert_eq!(location_error(&result).0, "UNAUTHORIZED");
    }
    // Per-location Edit is not Edit on all private locations: no creating.
    assert_eq!(location_error(&create_location(&app, &austin_key, "Austin's").await).0, "UNAUTHORIZED");

    // Violet has everything.
    no_errors(&update_location(&app, &violet_key, &pl_b, "Violet was here").await);
    no_errors(&create_location(&app, &violet_key, "Private Location C").await);
    let list = locations(&app, &violet_key).await;
    assert_eq!(names(&list), ["Private Location A", "Private Location B", "Private Location C"]);
    let descriptions: Vec<&str> =
        list["privateLocations"].as_array().expect("list").iter().filter_map(|l| l["description"].as_str()).collect();
    assert_eq!(descriptions[..2], ["Austin was here", "Violet was here"]);
    // Deleting PL-A takes its per-location rules with it.
    let deleted =
        payload(&app, &violet_key, DELETE_LOCATION, "syntheticsDeletePrivateLocation", json!({"guid": pl_a})).await;
    no_errors(&deleted);
    let rules_left = synthetics_permission_rule::Entity::find()
        .filter(synthetics_permission_rule::Column::Target.eq(pl_a.as_str()))
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(rules_left, 0);
    assert_eq!(names(&locations(&app, &austin_key).await), ["Private Location B"]);
});

backend_test!(an_edit_only_location_is_not_listed_but_can_be_updated, |app| {
    let guid = location(&app, "Edit only").await;
    location(&app, "Not granted").await;
    let (user, key) = user_with_role(&app, "editor@example.com", UserType::Full, "all_product_admin").await;
    enable_permissions(&app).await;
    permission_group(&app, "Editors", &[user], &[(On::One(&guid), false, true)]).await;
    assert_eq!(locations(&app, &key).await, json!({"nextCursor": null, "totalCount": 0, "privateLocations": []}));
    let updated = update_location(&app, &key, &guid, "edited blind").await;
    no_errors(&updated);
    assert_eq!(updated["description"], "edited blind");
});

backend_test!(enabling_the_permission_system_cuts_access_off, |app| {
    let guid = location(&app, "Before").await;
    let (_, key) = user_with_role(&app, "dev@example.com", UserType::Full, "all_product_admin").await;
    assert_eq!(names(&locations(&app, &key).await), ["Before"]);
    no_errors(&update_location(&app, &key, &guid, "still open").await);

    enable_permissions(&app).await;
    for holder in [key.as_str(), ADMIN_KEY] {
        assert_eq!(locations(&app, holder).await["totalCount"], 0);
        assert_eq!(location_error(&update_location(&app, holder, &guid, "closed").await).0, "UNAUTHORIZED");
        assert_eq!(location_error(&create_location(&app, holder, "After").await).0, "UNAUTHORIZED");
        let result =
            payload(&app, holder, DELETE_LOCATION, "syntheticsDeletePrivateLocation", json!({"guid": guid})).await;
        assert_eq!(location_error(&result).0, "UNAUTHORIZED");
    }
    let stored = synthetics_private_location::Entity::find().all(&app.db).await.expect("query");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].description, "still open");
});

// ---------------------------------------------------------------------------------------------
// Secure credentials

backend_test!(secure_credential_create_update_delete, |app| {
    let created = create_credential(&app, ADMIN_KEY, "TEST_SECURE_CRED").await;
    assert_eq!(created["errors"], json!([]));
    assert_eq!(
        (created["key"].clone(), created["description"].clone()),
        (json!("TEST_SECURE_CRED"), json!("a description"))
    );
    let created_at = created["createdAt"].as_i64().expect("createdAt: an unquoted integer");
    assert!((1_000_000_000_000..10_000_000_000_000_i64).contains(&created_at), "epoch milliseconds: {created_at}");
    assert_eq!(created["lastUpdate"].as_i64(), Some(created_at));
    let stored =
        synthetics_secure_credential::Entity::find_by_id((app.primary_account_id, "TEST_SECURE_CRED".to_owned()))
            .one(&app.db)
            .await
            .expect("query")
            .expect("stored credential");
    assert_eq!(stored.value_hash, sha256_hex(SECRET), "only the value's SHA-256 is stored");

    // A new value only (Terraform sends the description it has).
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let variables = json!({"accountId": app.primary_account_id, "description": "a description",
        "key": "TEST_SECURE_CRED", "value": format!("{SECRET}-2")});
    let updated = payload(&app, ADMIN_KEY, UPDATE_CREDENTIAL, "syntheticsUpdateSecureCredential", variables).await;
    assert_eq!(updated["errors"], json!([]));
    assert_eq!(updated["createdAt"].as_i64(), Some(created_at));
    let last_update = updated["lastUpdate"].as_i64().expect("lastUpdate");
    assert!(last_update > created_at, "{updated}");
    // A new description without a value keeps the value.
    let variables = json!({"accountId": app.primary_account_id, "description": "rotated", "key": "TEST_SECURE_CRED"});
    let updated = payload(&app, ADMIN_KEY, UPDATE_CREDENTIAL, "syntheticsUpdateSecureCredential", variables).await;
    assert_eq!(updated["description"], "rotated");
    let stored = synthetics_secure_credential::Entity::find().one(&app.db).await.expect("query").expect("stored");
    assert_eq!(stored.value_hash, sha256_hex(&format!("{SECRET}-2")));

    let list = credentials(&app, ADMIN_KEY).await;
    assert_eq!(
        list,
        json!({"nextCursor": null, "totalCount": 1, "secureCredentials": [{"createdAt": created_at,
            "description": "rotated", "key": "TEST_SECURE_CRED", "lastUpdate": updated["lastUpdate"]}]})
    );

    let variables = json!({"accountId": app.primary_account_id, "key": "TEST_SECURE_CRED"});
    let deleted = payload(&app, ADMIN_KEY, DELETE_CREDENTIAL, "syntheticsDeleteSecureCredential", variables).await;
    assert_eq!((deleted["errors"].clone(), deleted["key"].clone()), (json!([]), json!("TEST_SECURE_CRED")));
    assert_eq!(credentials(&app, ADMIN_KEY).await["totalCount"], 0);
    assert_eq!(audit_count(&app, "synthetics_secure_credential").await, 4);
    // The audit trail holds no value and no hash.
    let trail = audit_event::Entity::find().all(&app.db).await.expect("audit");
    let text = format!("{trail:?}");
    assert!(!text.contains(SECRET) && !text.contains(&sha256_hex(SECRET)), "{text}");
});

backend_test!(secure_credential_refusals_are_payload_errors_and_change_nothing, |app| {
    assert_eq!(create_credential(&app, ADMIN_KEY, "EXISTING").await["errors"], json!([]));
    let before = credentials(&app, ADMIN_KEY).await;
    let audited = audit_count(&app, "synthetics_secure_credential").await;

    // client-go's and Terraform's bad keys, and other invalid ones.
    for bad in ["TEST-BAD-KEY", "bad-key", "", "lower_case", &"K".repeat(65)] {
        assert_eq!(credential_error(&create_credential(&app, ADMIN_KEY, bad).await), BAD_KEY, "{bad}");
        let variables = json!({"accountId": app.primary_account_id, "key": bad, "value": SECRET});
        let result = payload(&app, ADMIN_KEY, UPDATE_CREDENTIAL, "syntheticsUpdateSecureCredential", variables).await;
        assert_eq!(credential_error(&result), BAD_KEY);
        let variables = json!({"accountId": app.primary_account_id, "key": bad});
        let result = payload(&app, ADMIN_KEY, DELETE_CREDENTIAL, "syntheticsDeleteSecureCredential", variables).await;
        assert_eq!(credential_error(&result), BAD_KEY);
    }
    assert_eq!(
        credential_error(&create_credential(&app, ADMIN_KEY, "EXISTING").await),
        "Secure credential with key 'EXISTING' already exists."
    );
    let variables = json!({"accountId": app.primary_account_id, "key": "MISSING", "value": SECRET});
    let result = payload(&app, ADMIN_KEY, UPDATE_CREDENTIAL, "syntheticsUpdateSecureCredential", variables).await;
    assert_eq!(credential_error(&result), "Secure credential with key 'MISSING' not found.");
    let variables = json!({"accountId": app.primary_account_id, "key": "MISSING"});
    let result = payload(&app, ADMIN_KEY, DELETE_CREDENTIAL, "syntheticsDeleteSecureCredential", variables).await;
    assert_eq!(credential_error(&result), "Secure credential with key 'MISSING' not found.");
    let variables = json!({"accountId": app.primary_account_id, "key": "EMPTY_VALUE", "value": ""});
    let result = payload(&app, ADMIN_KEY, CREATE_CREDENTIAL, "syntheticsCreateSecureCredential", variables).await;
    assert!(credential_error(&result).starts_with("Invalid value specified"), "{result}");

    assert_eq!(credentials(&app, ADMIN_KEY).await, before);
    assert_eq!(audit_count(&app, "synthetics_secure_credential").await, audited);
});

backend_test!(secure_credentials_need_the_capabilities_not_permission_groups, |app| {
    assert_eq!(create_credential(&app, ADMIN_KEY, "SHARED").await["errors"], json!([]));
    let before = credentials(&app, ADMIN_KEY).await;
    let (_, core) = user_with_role(&app, "core@example.com", UserType::Core, "all_product_admin").await;
    let (_, reader) = user_with_role(&app, "reader@example.com", UserType::Full, "read_only").await;
    let (_, standard) = user_with_role(&app, "standard@example.com", UserType::Full, "standard_user").await;
    for key in [&core, &reader, &standard] {
        assert_eq!(credential_error(&create_credential(&app, key, "MINE").await), UNAUTHORIZED);
        let variables = json!({"accountId": app.primary_account_id, "key": "SHARED", "value": SECRET});
        let result = payload(&app, key, UPDATE_CREDENTIAL, "syntheticsUpdateSecureCredential", variables).await;
        assert_eq!(credential_error(&result), UNAUTHORIZED);
        let variables = json!({"accountId": app.primary_account_id, "key": "SHARED"});
        let result = payload(&app, key, DELETE_CREDENTIAL, "syntheticsDeleteSecureCredential", variables).await;
        assert_eq!(credential_error(&result), UNAUTHORIZED);
    }
    // View synthetics secure credentials: the standard user has it, read only and core users do not.
    assert_eq!(credentials(&app, &standard).await, before);
    for key in [&core, &reader] {
        let body = app.run_as(key, CREDENTIALS, json!({"id": app.primary_account_id})).await;
        assert_eq!(body["data"]["actor"]["account"]["syntheticsSecureCredentials"], Value::Null);
        assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN");
    }
    // The permission system does not govern secure credentials.
    enable_permissions(&app).await;
    assert_eq!(create_credential(&app, ADMIN_KEY, "AFTER_ENABLING").await["errors"], json!([]));
    assert_eq!(credentials(&app, ADMIN_KEY).await["totalCount"], 2);
});

// ---------------------------------------------------------------------------------------------
// Lists: pages, and a constant number of statements

backend_test!(lists_page_by_100_with_constant_statements, |app| {
    let account = app.primary_account_id;
    let statements = |query: &'static str| {
        let app = &app;
        async move {
            // Warm: the viewer's access is then kept, as between any two requests with no change.
            app.ok(query, json!({"id": account})).await;
            let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
            let body = app.ok(query, json!({"id": account})).await;
            (app.statements.load(std::sync::atomic::Ordering::SeqCst) - before, body)
        }
    };
    location(&app, "L000").await;
    create_credential(&app, ADMIN_KEY, "K000").await;
    let (few_locations, _) = statements(LOCATIONS).await;
    let (few_credentials, _) = statements(CREDENTIALS).await;

    let now = Utc::now();
    let extra_locations: Vec<synthetics_private_location::ActiveModel> = (1..=100)
        .map(|i| {
            let id = uuid::Uuid::new_v4().to_string();
            synthetics_private_location::ActiveModel {
                guid: Set(guid::encode(account, GuidKind::PrivateLocation, &id)),
                id: Set(id),
                account_id: Set(account),
                name: Set(format!("L{i:03}")),
                description: Set(String::new()),
                verified_script_execution: Set(false),
                shared: Set(false),
                key_hash: Set(sha256_hex("k")),
                job_queue_size: Set(i),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    synthetics_private_location::Entity::insert_many(extra_locations).exec(&app.db).await.expect("insert locations");
    let extra_credentials: Vec<synthetics_secure_credential::ActiveModel> = (1..=100)
        .map(|i| synthetics_secure_credential::ActiveModel {
            account_id: Set(account),
            key: Set(format!("K{i:03}")),
            description: Set(String::new()),
            value_hash: Set(sha256_hex("v")),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    synthetics_secure_credential::Entity::insert_many(extra_credentials)
        .exec(&app.db)
        .await
        .expect("insert credentials");

    let (many_locations, body) = statements(LOCATIONS).await;
    assert_eq!(many_locations, few_locations, "statements do not grow with the number of locations");
    let page = &body["data"]["actor"]["account"]["syntheticsPrivateLocations"];
    assert_eq!((page["totalCount"].clone(), names(page).len()), (json!(101), 100));
    assert_eq!(names(page).last().map(String::as_str), Some("L099"));
    let cursor = page["nextCursor"].as_str().expect("a next page");
    let body = app.ok(LOCATIONS, json!({"id": account, "cursor": cursor})).await;
    let page = &body["data"]["actor"]["account"]["syntheticsPrivateLocations"];
    assert_eq!((names(page), page["nextCursor"].clone()), (vec!["L100".to_owned()], Value::Null));

    let (many_credentials, body) = statements(CREDENTIALS).await;
    assert_eq!(many_credentials, few_credentials, "statements do not grow with the number of credentials");
    let page = &body["data"]["actor"]["account"]["syntheticsSecureCredentials"];
    assert_eq!(
        (page["totalCount"].clone(), page["secureCredentials"].as_array().map(Vec::len)),
        (json!(101), Some(100))
    );
    let cursor = page["nextCursor"].as_str().expect("a next page");
    let body = app.ok(CREDENTIALS, json!({"id": account, "cursor": cursor})).await;
    let page = &body["data"]["actor"]["account"]["syntheticsSecureCredentials"];
    assert_eq!(
        page["secureCredentials"],
        json!([{"createdAt": now.timestamp_millis(), "description": "",
        "key": "K100", "lastUpdate": now.timestamp_millis()}])
    );
    assert_eq!(page["nextCursor"], Value::Null);
});
