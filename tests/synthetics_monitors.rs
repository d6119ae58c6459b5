//! Synthetics monitors: the `syntheticsCreate*Monitor` / `syntheticsUpdate*Monitor` /
//! `syntheticsDeleteMonitor` mutations and the `GetScript` / `GetSteps` reads, sent as
//! newrelic-client-go sends them (its operation strings, variables shaped by Go's JSON tags), and
//! AccessGraph's own monitor reads (`monitors`, `monitor`, `monitorChanges`) — with the Synthetics
//! permission system off (capabilities alone decide) and on (permission groups decide).

use accessgraph::domain::synthetics::guid::{self, GuidKind};
use chrono::Utc;
use entity::enums::{MonitorKind, MonitorStatus, SyntheticsEntityKind, UserType};
use entity::{
    audit_event, synthetics_monitor, synthetics_permission_group, synthetics_permission_group_member,
    synthetics_permission_rule, synthetics_permission_setting, synthetics_private_location,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{TestApp, first_error};

// ---------------------------------------------------------------------------------------------
// client-go's operations (pkg/synthetics/synthetics_api.go), as it sends them.

const CREATE_SIMPLE: &str = "mutation(
	$accountId: Int!,
	$monitor: SyntheticsCreateSimpleMonitorInput!,
) { syntheticsCreateSimpleMonitor(
	accountId: $accountId,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			enableScreenshotOnFailureAndScript
			responseValidationText
			useTlsValidation
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		runtime {
			runtimeType
			runtimeTypeVersion
			scriptLanguage
		}
		status
		uri
	}
} }";

const UPDATE_SIMPLE: &str = "mutation(
	$guid: EntityGuid!,
	$monitor: SyntheticsUpdateSimpleMonitorInput!,
) { syntheticsUpdateSimpleMonitor(
	guid: $guid,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			redirectIsFailure
			responseValidationText
			shouldBypassHeadRequest
			useTlsValidation
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		status
		uri
	}
} }";

const CREATE_SIMPLE_BROWSER: &str = "mutation(
	$accountId: Int!,
	$monitor: SyntheticsCreateSimpleBrowserMonitorInput!,
) { syntheticsCreateSimpleBrowserMonitor(
	accountId: $accountId,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			customHeaders {
				name
				value
			}
			deviceEmulation {
				deviceOrientation
				deviceType
			}
			enableScreenshotOnFailureAndScript
			responseValidationText
			useTlsValidation
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		runtime {
			runtimeType
			runtimeTypeVersion
			scriptLanguage
		}
		status
		uri
	}
} }";

const UPDATE_SIMPLE_BROWSER: &str = "mutation(
	$guid: EntityGuid!,
	$monitor: SyntheticsUpdateSimpleBrowserMonitorInput!,
) { syntheticsUpdateSimpleBrowserMonitor(
	guid: $guid,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			customHeaders {
				name
				value
			}
			deviceEmulation {
				deviceOrientation
				deviceType
			}
			enableScreenshotOnFailureAndScript
			responseValidationText
			useTlsValidation
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		runtime {
			runtimeType
			runtimeTypeVersion
			scriptLanguage
		}
		status
		uri
	}
} }";

const CREATE_SCRIPT_API: &str = "mutation(
	$accountId: Int!,
	$monitor: SyntheticsCreateScriptApiMonitorInput!,
) { syntheticsCreateScriptApiMonitor(
	accountId: $accountId,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		runtime {
			runtimeType
			runtimeTypeVersion
			scriptLanguage
		}
		status
	}
} }";

const UPDATE_SCRIPT_API: &str = "mutation(
	$guid: EntityGuid!,
	$monitor: SyntheticsUpdateScriptApiMonitorInput!,
) { syntheticsUpdateScriptApiMonitor(
	guid: $guid,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		runtime {
			runtimeType
			runtimeTypeVersion
			scriptLanguage
		}
		status
	}
} }";

const CREATE_SCRIPT_BROWSER: &str = "mutation(
	$accountId: Int!,
	$monitor: SyntheticsCreateScriptBrowserMonitorInput!,
) { syntheticsCreateScriptBrowserMonitor(
	accountId: $accountId,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			enableScreenshotOnFailureAndScript
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		runtime {
			runtimeType
			runtimeTypeVersion
			scriptLanguage
		}
		status
	}
} }";

const UPDATE_SCRIPT_BROWSER: &str = "mutation(
	$guid: EntityGuid!,
	$monitor: SyntheticsUpdateScriptBrowserMonitorInput!,
) { syntheticsUpdateScriptBrowserMonitor(
	guid: $guid,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			enableScreenshotOnFailureAndScript
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		runtime {
			runtimeType
			runtimeTypeVersion
			scriptLanguage
		}
		status
	}
} }";

const CREATE_STEP: &str = "mutation(
	$accountId: Int!,
	$monitor: SyntheticsCreateStepMonitorInput!,
) { syntheticsCreateStepMonitor(
	accountId: $accountId,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			enableScreenshotOnFailureAndScript
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		status
		steps {
			ordinal
			type
			values
		}
	}
} }";

const UPDATE_STEP: &str = "mutation(
	$guid: EntityGuid!,
	$monitor: SyntheticsUpdateStepMonitorInput!,
) { syntheticsUpdateStepMonitor(
	guid: $guid,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		advancedOptions {
			enableScreenshotOnFailureAndScript
		}
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		status
		steps {
			ordinal
			type
			values
		}
	}
} }";

const CREATE_BROKEN_LINKS: &str = "mutation(
	$accountId: Int!,
	$monitor: SyntheticsCreateBrokenLinksMonitorInput!,
) { syntheticsCreateBrokenLinksMonitor(
	accountId: $accountId,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		status
		uri
	}
} }";

const UPDATE_BROKEN_LINKS: &str = "mutation(
	$guid: EntityGuid!,
	$monitor: SyntheticsUpdateBrokenLinksMonitorInput!,
) { syntheticsUpdateBrokenLinksMonitor(
	guid: $guid,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		createdAt
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		period
		status
		uri
	}
} }";

const CREATE_CERT_CHECK: &str = "mutation(
	$accountId: Int!,
	$monitor: SyntheticsCreateCertCheckMonitorInput!,
) { syntheticsCreateCertCheckMonitor(
	accountId: $accountId,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		createdAt
		domain
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		numberDaysToFailBeforeCertExpires
		period
		status
	}
} }";

const UPDATE_CERT_CHECK: &str = "mutation(
	$guid: EntityGuid!,
	$monitor: SyntheticsUpdateCertCheckMonitorInput!,
) { syntheticsUpdateCertCheckMonitor(
	guid: $guid,
	monitor: $monitor,
) {
	errors {
		description
		type
	}
	monitor {
		createdAt
		domain
		guid
		id
		locations {
			private
			public
		}
		modifiedAt
		name
		numberDaysToFailBeforeCertExpires
		period
		status
	}
} }";

const DELETE: &str = "mutation(
	$guid: EntityGuid!,
) { syntheticsDeleteMonitor(
	guid: $guid,
) {
	deletedGuid
} }";

const GET_SCRIPT: &str = "query(
	$accountID: Int!,
	$monitorGuid: EntityGuid!,
) { actor { account(id: $accountID) { synthetics { script(
	monitorGuid: $monitorGuid,
) {
	text
} } } } }";

const GET_STEPS: &str = "query(
	$accountID: Int!,
	$monitorGuid: EntityGuid!,
) { actor { account(id: $accountID) { synthetics { steps(
	monitorGuid: $monitorGuid,
) {
	ordinal
	type
	values
} } } } }";

// AccessGraph's own reads.

const MONITORS: &str = r#"query($accountId: Int!, $cursor: String) { actor { account(id: $accountId) { synthetics {
  monitors(cursor: $cursor) { totalCount nextCursor monitors { guid id name type period status createdAt modifiedAt
    settings { uri domain apdexTarget numberDaysToFailBeforeCertExpires browsers devices
      locations { public private } runtime { runtimeType runtimeTypeVersion scriptLanguage } tags { key values } } } } } } } }"#;

const MONITOR: &str = r#"query($accountId: Int!, $guid: EntityGuid!) { actor { account(id: $accountId) { synthetics {
  monitor(guid: $guid) { guid name type period status settings { uri locations { public private } } } } } } }"#;

const MONITOR_CHANGES: &str = r#"query($accountId: Int!, $guid: EntityGuid!) { actor { account(id: $accountId) { synthetics {
  monitorChanges(guid: $guid) { action actorUserId actorEmail createdAt } } } } }"#;

const NODE: &str = "NODE_API";
const CHROME: &str = "CHROME_BROWSER";

// ---------------------------------------------------------------------------------------------
// Helpers.

/// A create-simple `monitor` variable as Go serializes it.
fn simple_input(name: &str) -> Value {
    json!({
        "advancedOptions": {"responseValidationText": "Welcome", "useTlsValidation": true},
        "locations": {"public": ["AP_SOUTH_1", "AWS_US_WEST_2"]},
        "name": name,
        "period": "EVERY_5_MINUTES",
        "status": "ENABLED",
        "tags": [{"key": "team", "values": ["web"]}],
        "uri": "https://example.com",
    })
}

fn script_api_input(name: &str) -> Value {
    json!({
        "locations": {"public": ["US_EAST_1"]},
        "name": name,
        "period": "EVERY_HOUR",
        "runtime": {"runtimeType": NODE, "runtimeTypeVersion": "16.10", "scriptLanguage": "JAVASCRIPT"},
        "script": "const assert = require('assert'); $http.get('https://example.com');",
        "status": "ENABLED",
    })
}

/// The payload of mutation `field`, asserting HTTP 200 and no top-level error.
async fn mutate(app: &TestApp, key: &str, query: &str, field: &str, variables: Value) -> Value {
    let body = app.run_as(key, query, variables).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"][field].clone()
}

/// The payload of a successful mutation `field`.
async fn mutate_ok(app: &TestApp, key: &str, query: &str, field: &str, variables: Value) -> Value {
    let payload = mutate(app, key, query, field, variables).await;
    assert_eq!(payload["errors"], json!([]), "{payload}");
    assert!(payload["monitor"].is_object(), "{payload}");
    payload
}

/// The type of a refused mutation's first payload error (the monitor being null).
fn refusal(payload: &Value) -> String {
    assert_eq!(payload["monitor"], Value::Null, "{payload}");
    let error = &payload["errors"][0];
    assert!(error["description"].as_str().is_some_and(|d| !d.is_empty()), "{payload}");
    error["type"].as_str().unwrap_or_default().to_owned()
}

async fn create_simple(app: &TestApp, key: &str, name: &str) -> String {
    let payload = mutate_ok(
        app,
        key,
        CREATE_SIMPLE,
        "syntheticsCreateSimpleMonitor",
        json!({"accountId": app.primary_account_id, "monitor": simple_input(name)}),
    )
    .await;
    payload["monitor"]["guid"].as_str().expect("guid").to_owned()
}

async fn create_script_api(app: &TestApp, key: &str, name: &str) -> String {
    let payload = mutate_ok(
        app,
        key,
        CREATE_SCRIPT_API,
        "syntheticsCreateScriptApiMonitor",
        json!({"accountId": app.primary_account_id, "monitor": script_api_input(name)}),
    )
    .await;
    payload["monitor"]["guid"].as_str().expect("guid").to_owned()
}

async fn script_of(app: &TestApp, key: &str, guid: &str) -> Value {
    app.run_as(key, GET_SCRIPT, json!({"accountID": app.primary_account_id, "monitorGuid": guid})).await
}

async fn monitor_count(app: &TestApp) -> u64 {
    synthetics_monitor::Entity::find().count(&app.db).await.expect("count monitors")
}

async fn monitor_events(app: &TestApp) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .filter(audit_event::Column::TargetType.eq("synthetics_monitor"))
        .all(&app.db)
        .await
        .expect("audit events")
}

/// The monitors page of `account` as `key` sees it.
async fn monitors_as(app: &TestApp, key: &str, cursor: Option<&str>) -> Value {
    let body = app.run_as(key, MONITORS, json!({"accountId": app.primary_account_id, "cursor": cursor})).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["actor"]["account"]["synthetics"]["monitors"].clone()
}

/// A user of `user_type` in a new group `group` granted `role` on the primary account; returns
/// (user id, key).
async fn user_with_role(app: &TestApp, email: &str, user_type: UserType, group: &str, role: &str) -> (i64, String) {
    let user = app.create_user(email, user_type).await;
    let group = app.create_group(group).await;
    app.add_member(&group, user).await;
    app.grant(&group, role, Some(app.primary_account_id)).await;
    let key = app.create_key(user).await;
    (user, key)
}

impl TestApp {
    /// A private location of `account_id`; returns its GUID.
    async fn create_private_location(&self, account_id: i32, name: &str, verified_script_execution: bool) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let guid = guid::encode(account_id, GuidKind::PrivateLocation, &id);
        synthetics_private_location::ActiveModel {
            id: Set(id),
            account_id: Set(account_id),
            guid: Set(guid.clone()),
            name: Set(name.into()),
            description: Set(String::new()),
            verified_script_execution: Set(verified_script_execution),
            shared: Set(false),
            key_hash: Set("0".repeat(64)),
            job_queue_size: Set(0),
            created_at: Set(Utc::now()),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert private location");
        guid
    }

    /// `n` simple monitors `<prefix> <i>` in the primary account, in one statement.
    async fn insert_monitors(&self, prefix: &str, n: usize) {
        let models: Vec<synthetics_monitor::ActiveModel> = (0..n)
            .map(|i| {
                let id = uuid::Uuid::new_v4().to_string();
                synthetics_monitor::ActiveModel {
                    guid: Set(guid::encode(self.primary_account_id, GuidKind::Monitor, &id)),
                    id: Set(id),
                    account_id: Set(self.primary_account_id),
                    kind: Set(MonitorKind::Simple),
                    name: Set(format!("{prefix} {i:04}")),
                    period: Set("EVERY_15_MINUTES".into()),
                    status: Set(MonitorStatus::Enabled),
                    uri: Set(Some(format!("https://example.com/{i}"))),
                    script: Set(None),
                    steps: Set(None),
                    public_locations: Set(json!(["US_EAST_1"])),
                    private_locations: Set(json!([])),
                    runtime: Set(None),
                    settings: Set(json!({})),
                    tags: Set(json!([])),
                    created_at: Set(Utc::now()),
                    updated_at: Set(Utc::now()),
                }
            })
            .collect();
        synthetics_monitor::Entity::insert_many(models).exec(&self.db).await.expect("insert monitors");
    }

    /// Turns the Synthetics permission system on for the primary account.
    async fn enable_synthetics_permissions(&self) {
        synthetics_permission_setting::ActiveModel {
            account_id: Set(self.primary_account_id),
            enabled: Set(true),
            updated_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert permission setting");
    }

    /// A permission group of the primary account with `members` and monitor rules
    /// `(target, view, edit)` (`*` for all monitors).
    async fn synthetics_group(&self, name: &str, members: &[i64], rules: &[(&str, bool, bool)]) {
        let group_id = uuid::Uuid::new_v4().to_string();
        synthetics_permission_group::ActiveModel {
            id: Set(group_id.clone()),
            account_id: Set(self.primary_account_id),
            name: Set(name.into()),
            created_at: Set(Utc::now()),
        }
        .insert(&self.db)
        .await
        .expect("insert permission group");
        for user in members {
            synthetics_permission_group_member::ActiveModel {
                group_id: Set(group_id.clone()),
                user_id: Set(*user),
                created_at: Set(Utc::now()),
            }
            .insert(&self.db)
            .await
            .expect("insert member");
        }
        for (target, view, edit) in rules {
            synthetics_permission_rule::ActiveModel {
                group_id: Set(group_id.clone()),
                entity_kind: Set(SyntheticsEntityKind::Monitor),
                target: Set((*target).into()),
                can_view: Set(*view),
                can_edit: Set(*edit),
                ..Default::default()
            }
            .insert(&self.db)
            .await
            .expect("insert rule");
        }
    }
}

const ADMIN: &str = crate::common::ADMIN_KEY;

// ---------------------------------------------------------------------------------------------
// Happy paths, one kind at a time.

backend_test!(simple_monitor_is_created_updated_and_deleted, |app| {
    let created = mutate_ok(
        &app,
        ADMIN,
        CREATE_SIMPLE,
        "syntheticsCreateSimpleMonitor",
        json!({"accountId": app.primary_account_id, "monitor": simple_input("Home page")}),
    )
    .await;
    let monitor = &created["monitor"];
    let guid = monitor["guid"].as_str().expect("guid").to_owned();
    let parsed = guid::decode(&guid).expect("a Synthetics GUID");
    assert_eq!((parsed.account_id, parsed.kind), (app.primary_account_id, GuidKind::Monitor));
    assert_eq!(monitor["id"], json!(parsed.id));
    assert_eq!(monitor["name"], "Home page");
    assert_eq!(monitor["period"], "EVERY_5_MINUTES");
    assert_eq!(monitor["status"], "ENABLED");
    assert_eq!(monitor["uri"], "https://example.com");
    assert_eq!(monitor["locations"], json!({"private": [], "public": ["AP_SOUTH_1", "AWS_US_WEST_2"]}));
    assert_eq!(monitor["runtime"], Value::Null);
    assert_eq!(monitor["advancedOptions"]["responseValidationText"], "Welcome");
    assert_eq!(monitor["advancedOptions"]["useTlsValidation"], true);
    assert!(monitor["createdAt"].as_i64().is_some_and(|ms| ms > 1_600_000_000_000), "{monitor}");

    // Go sends the update's empty locations struct as `{}`: the locations stay.
    let updated = mutate_ok(
        &app,
        ADMIN,
        UPDATE_SIMPLE,
        "syntheticsUpdateSimpleMonitor",
        json!({"guid": guid, "monitor": {"locations": {}, "name": "Home page (HEAD)", "period": "EVERY_MINUTE",
            "status": "MUTED", "advancedOptions": {"shouldBypassHeadRequest": true}}}),
    )
    .await;
    let monitor = &updated["monitor"];
    assert_eq!(monitor["guid"], json!(guid));
    assert_eq!(
        (monitor["name"].as_str(), monitor["period"].as_str()),
        (Some("Home page (HEAD)"), Some("EVERY_MINUTE"))
    );
    assert_eq!(monitor["status"], "MUTED");
    assert_eq!(monitor["uri"], "https://example.com");
    assert_eq!(monitor["locations"]["public"], json!(["AP_SOUTH_1", "AWS_US_WEST_2"]));
    assert_eq!(monitor["advancedOptions"]["shouldBypassHeadRequest"], true);
    assert_eq!(monitor["advancedOptions"]["responseValidationText"], "Welcome", "merged, not replaced");

    // A simple monitor has no script.
    let body = script_of(&app, ADMIN, &guid).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["actor"]["account"]["synthetics"]["script"], json!({"text": null}));

    let body = app.ok(DELETE, json!({"guid": guid})).await;
    assert_eq!(body["data"]["syntheticsDeleteMonitor"], json!({"deletedGuid": guid}));
    assert_eq!(monitor_count(&app).await, 0);
    let body = app.run(DELETE, json!({"guid": guid})).await;
    assert_eq!(body["data"]["syntheticsDeleteMonitor"], Value::Null);
    assert_eq!(first_error(&body).1, "NOT_FOUND");

    let actions: Vec<String> = monitor_events(&app).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["synthetics_monitor.create", "synthetics_monitor.update", "synthetics_monitor.delete"]);
});

backend_test!(simple_browser_monitor_round_trips_its_options, |app| {
    let created = mutate_ok(
        &app,
        ADMIN,
        CREATE_SIMPLE_BROWSER,
        "syntheticsCreateSimpleBrowserMonitor",
        json!({"accountId": app.primary_account_id, "monitor": {
            "advancedOptions": {"customHeaders": [{"name": "X-Test", "value": "1"}],
                "deviceEmulation": {"deviceOrientation": "PORTRAIT", "deviceType": "MOBILE"},
                "enableScreenshotOnFailureAndScript": true},
            "browsers": ["CHROME", "FIREFOX"], "devices": ["DESKTOP"],
            "locations": {"public": ["EU_WEST_1"]}, "name": "Browser", "period": "EVERY_15_MINUTES",
            "runtime": {"runtimeType": CHROME, "runtimeTypeVersion": "100", "scriptLanguage": "JAVASCRIPT"},
            "status": "ENABLED", "uri": "https://example.com/login"}}),
    )
    .await;
    let monitor = &created["monitor"];
    assert_eq!(
        monitor["advancedOptions"],
        json!({"customHeaders": [{"name": "X-Test", "value": "1"}],
            "deviceEmulation": {"deviceOrientation": "PORTRAIT", "deviceType": "MOBILE"},
            "enableScreenshotOnFailureAndScript": true, "responseValidationText": null, "useTlsValidation": null})
    );
    assert_eq!(
        monitor["runtime"],
        json!({"runtimeType": CHROME, "runtimeTypeVersion": "100", "scriptLanguage": "JAVASCRIPT"})
    );
    let guid = monitor["guid"].as_str().expect("guid");
    let updated = mutate_ok(
        &app,
        ADMIN,
        UPDATE_SIMPLE_BROWSER,
        "syntheticsUpdateSimpleBrowserMonitor",
        json!({"guid": guid, "monitor": {"uri": "https://example.com/home", "locations": {"public": ["EU_WEST_2"]}}}),
    )
    .await;
    assert_eq!(updated["monitor"]["uri"], "https://example.com/home");
    assert_eq!(updated["monitor"]["locations"], json!({"private": [], "public": ["EU_WEST_2"]}));
    assert_eq!(updated["monitor"]["advancedOptions"]["customHeaders"], json!([{"name": "X-Test", "value": "1"}]));
});

backend_test!(scripted_monitors_keep_their_scripts, |app| {
    let api = create_script_api(&app, ADMIN, "API check").await;
    let body = script_of(&app, ADMIN, &api).await;
    assert_eq!(
        body["data"]["actor"]["account"]["synthetics"]["script"]["text"],
        script_api_input("x")["script"],
        "{body}"
    );
    let updated = mutate_ok(
        &app,
        ADMIN,
        UPDATE_SCRIPT_API,
        "syntheticsUpdateScriptApiMonitor",
        json!({"guid": api, "monitor": {"locations": {"public": null}, "script": "console.log('v2');"}}),
    )
    .await;
    assert_eq!(updated["monitor"]["runtime"]["runtimeType"], NODE);
    assert_eq!(updated["monitor"]["locations"]["public"], json!(["US_EAST_1"]));
    let body = script_of(&app, ADMIN, &api).await;
    assert_eq!(body["data"]["actor"]["account"]["synthetics"]["script"]["text"], "console.log('v2');");

    let created = mutate_ok(
        &app,
        ADMIN,
        CREATE_SCRIPT_BROWSER,
        "syntheticsCreateScriptBrowserMonitor",
        json!({"accountId": app.primary_account_id, "monitor": {
            "advancedOptions": {"enableScreenshotOnFailureAndScript": false},
            "browsers": ["CHROME"], "devices": ["DESKTOP", "MOBILE_PORTRAIT"],
            "locations": {"public": ["US_WEST_1"]}, "name": "Checkout", "period": "EVERY_30_MINUTES",
            "runtime": {"runtimeType": CHROME, "runtimeTypeVersion": "100", "scriptLanguage": "JAVASCRIPT"},
            "script": "$webDriver.get('https://example.com');", "status": "DISABLED"}}),
    )
    .await;
    let browser = created["monitor"]["guid"].as_str().expect("guid").to_owned();
    assert_eq!(created["monitor"]["status"], "DISABLED");
    assert_eq!(created["monitor"]["advancedOptions"]["enableScreenshotOnFailureAndScript"], false);
    let updated = mutate_ok(
        &app,
        ADMIN,
        UPDATE_SCRIPT_BROWSER,
        "syntheticsUpdateScriptBrowserMonitor",
        json!({"guid": browser, "monitor": {"status": "ENABLED", "script": "$webDriver.get('https://example.org');"}}),
    )
    .await;
    assert_eq!(updated["monitor"]["status"], "ENABLED");
    let body = script_of(&app, ADMIN, &browser).await;
    assert_eq!(
        body["data"]["actor"]["account"]["synthetics"]["script"]["text"],
        "$webDriver.get('https://example.org');"
    );

    // The audit trail shows that the script changed, never the script.
    for event in monitor_events(&app).await {
        let text = format!("{:?} {:?}", event.before, event.after);
        assert!(!text.contains("webDriver") && !text.contains("console.log"), "{text}");
    }
});

backend_test!(step_monitor_keeps_its_steps, |app| {
    let steps = json!([
        {"ordinal": 0, "type": "NAVIGATE", "values": ["https://example.com"]},
        {"ordinal": 1, "type": "ASSERT_TITLE", "values": ["%=", "Example"]},
    ]);
    let created = mutate_ok(
        &app,
        ADMIN,
        CREATE_STEP,
        "syntheticsCreateStepMonitor",
        json!({"accountId": app.primary_account_id, "monitor": {
            "advancedOptions": {"enableScreenshotOnFailureAndScript": true},
            "locations": {"public": ["AP_SOUTH_1"]}, "name": "Steps", "period": "EVERY_DAY",
            "runtime": {"runtimeType": CHROME, "runtimeTypeVersion": "100"},
            "status": "ENABLED", "steps": steps}}),
    )
    .await;
    assert_eq!(created["monitor"]["steps"], steps);
    let guid = created["monitor"]["guid"].as_str().expect("guid").to_owned();
    let body = app.ok(GET_STEPS, json!({"accountID": app.primary_account_id, "monitorGuid": guid})).await;
    assert_eq!(body["data"]["actor"]["account"]["synthetics"]["steps"], steps);

    let new_steps = json!([{"ordinal": 1, "type": "NAVIGATE", "values": ["https://example.org"]},
        {"ordinal": 2, "type": "CLICK_ELEMENT", "values": ["#buy"]}]);
    let updated = mutate_ok(
        &app,
        ADMIN,
        UPDATE_STEP,
        "syntheticsUpdateStepMonitor",
        json!({"guid": guid, "monitor": {"steps": new_steps}}),
    )
    .await;
    assert_eq!(updated["monitor"]["steps"], new_steps);
    let body = app.ok(GET_STEPS, json!({"accountID": app.primary_account_id, "monitorGuid": guid})).await;
    assert_eq!(body["data"]["actor"]["account"]["synthetics"]["steps"], new_steps);
});

backend_test!(broken_links_and_cert_check_monitors, |app| {
    let created = mutate_ok(
        &app,
        ADMIN,
        CREATE_BROKEN_LINKS,
        "syntheticsCreateBrokenLinksMonitor",
        json!({"accountId": app.primary_account_id, "monitor": {
            "locations": {"public": ["CA_CENTRAL_1"]}, "name": "Links", "period": "EVERY_6_HOURS",
            "runtime": {"runtimeType": NODE, "runtimeTypeVersion": "16.10"},
            "status": "ENABLED", "tags": [{"key": "env", "values": ["prod", null]}], "uri": "https://example.com"}}),
    )
    .await;
    let links = created["monitor"]["guid"].as_str().expect("guid").to_owned();
    let updated = mutate_ok(
        &app,
        ADMIN,
        UPDATE_BROKEN_LINKS,
        "syntheticsUpdateBrokenLinksMonitor",
        json!({"guid": links, "monitor": {"period": "EVERY_12_HOURS"}}),
    )
    .await;
    assert_eq!(updated["monitor"]["period"], "EVERY_12_HOURS");

    let created = mutate_ok(
        &app,
        ADMIN,
        CREATE_CERT_CHECK,
        "syntheticsCreateCertCheckMonitor",
        json!({"accountId": app.primary_account_id, "monitor": {
            "domain": "www.example.com", "locations": {"public": ["AP_SOUTH_1"]}, "name": "Certificate",
            "numberDaysToFailBeforeCertExpires": 10, "period": "EVERY_6_HOURS",
            "runtime": {"runtimeType": NODE, "runtimeTypeVersion": "16.10"}, "status": "ENABLED"}}),
    )
    .await;
    let monitor = &created["monitor"];
    assert_eq!(
        (monitor["domain"].as_str(), monitor["numberDaysToFailBeforeCertExpires"].as_i64()),
        (Some("www.example.com"), Some(10))
    );
    let cert = monitor["guid"].as_str().expect("guid").to_owned();
    let updated = mutate_ok(
        &app,
        ADMIN,
        UPDATE_CERT_CHECK,
        "syntheticsUpdateCertCheckMonitor",
        json!({"guid": cert, "monitor": {"numberDaysToFailBeforeCertExpires": 30, "domain": "api.example.com"}}),
    )
    .await;
    assert_eq!(updated["monitor"]["numberDaysToFailBeforeCertExpires"], 30);
    assert_eq!(updated["monitor"]["domain"], "api.example.com");

    let page = monitors_as(&app, ADMIN, None).await;
    assert_eq!(page["totalCount"], 2);
    let listed = page["monitors"].as_array().expect("monitors");
    assert_eq!(listed[0]["name"], "Certificate");
    assert_eq!(listed[0]["type"], "CERT_CHECK");
    assert_eq!(listed[0]["settings"]["domain"], "api.example.com");
    assert_eq!(listed[1]["type"], "BROKEN_LINKS");
    assert_eq!(listed[1]["settings"]["tags"], json!([{"key": "env", "values": ["prod"]}]));
    assert_eq!(
        listed[1]["settings"]["runtime"],
        json!({"runtimeType": NODE, "runtimeTypeVersion": "16.10", "scriptLanguage": null})
    );
});

// ---------------------------------------------------------------------------------------------
// Refusals: payload errors, HTTP 200, nothing changed.

backend_test!(invalid_input_is_a_bad_request_that_changes_nothing, |app| {
    let account = app.primary_account_id;
    let other_account = app.create_account("Second").await;
    let foreign_location = app.create_private_location(other_account, "Elsewhere", false).await;
    let with = |change: Value| {
        let mut input = simple_input("Home");
        for (k, v) in change.as_object().expect("object") {
            input[k] = v.clone();
        }
        json!({"accountId": account, "monitor": input})
    };
    let cases = [
        with(json!({"name": "  "})),
        with(json!({"uri": "example.com"})),
        with(json!({"uri": "ftp://example.com"})),
        with(json!({"locations": {}})),
        with(json!({"locations": {"public": ["MOON_BASE_1"]}})),
        with(json!({"locations": {"private": [foreign_location]}})),
        with(json!({"locations": {"private": ["not a guid"]}})),
        with(json!({"tags": [{"key": " ", "values": []}]})),
        with(json!({"apdexTarget": -1.0})),
    ];
    for variables in cases {
        let payload = mutate(&app, ADMIN, CREATE_SIMPLE, "syntheticsCreateSimpleMonitor", variables.clone()).await;
        assert_eq!(refusal(&payload), "BAD_REQUEST", "{variables}");
    }

    let mut script = script_api_input("API");
    script["script"] = json!(" ");
    let mut runtime = script_api_input("API");
    runtime["runtime"] = json!({"runtimeType": CHROME, "runtimeTypeVersion": "100"});
    for monitor in [script, runtime] {
        let payload = mutate(
            &app,
            ADMIN,
            CREATE_SCRIPT_API,
            "syntheticsCreateScriptApiMonitor",
            json!({"accountId": account, "monitor": monitor}),
        )
        .await;
        assert_eq!(refusal(&payload), "BAD_REQUEST");
    }
    let step_cases = [
        json!([]),
        json!([{"ordinal": 1, "type": "NAVIGATE", "values": ["not a url"]}]),
        json!([{"ordinal": 1, "type": "NAVIGATE", "values": ["https://a.example"]},
            {"ordinal": 1, "type": "CLICK_ELEMENT", "values": ["#x"]}]),
    ];
    for steps in step_cases {
        let payload = mutate(
            &app,
            ADMIN,
            CREATE_STEP,
            "syntheticsCreateStepMonitor",
            json!({"accountId": account, "monitor": {"locations": {"public": ["AP_SOUTH_1"]}, "name": "Steps",
                "period": "EVERY_DAY", "status": "ENABLED", "steps": steps}}),
        )
        .await;
        assert_eq!(refusal(&payload), "BAD_REQUEST");
    }
    for (domain, days) in [("www.example.com", 0), ("https://www.example.com", 10)] {
        let payload = mutate(
            &app,
            ADMIN,
            CREATE_CERT_CHECK,
            "syntheticsCreateCertCheckMonitor",
            json!({"accountId": account, "monitor": {"domain": domain, "locations": {"public": ["AP_SOUTH_1"]},
                "name": "Cert", "numberDaysToFailBeforeCertExpires": days, "period": "EVERY_DAY", "status": "ENABLED"}}),
        )
        .await;
        assert_eq!(refusal(&payload), "BAD_REQUEST");
    }
    assert_eq!(monitor_count(&app).await, 0);
    assert!(monitor_events(&app).await.is_empty());

    // Updates: invalid changes, another kind's mutation, unknown GUIDs.
    let guid = create_simple(&app, ADMIN, "Home").await;
    let events = monitor_events(&app).await.len();
    for change in [json!({"uri": "nope"}), json!({"locations": {"public": []}}), json!({"name": ""})] {
        let payload = mutate(
            &app,
            ADMIN,
            UPDATE_SIMPLE,
            "syntheticsUpdateSimpleMonitor",
            json!({"guid": guid, "monitor": change}),
        )
        .await;
        assert_eq!(refusal(&payload), "BAD_REQUEST");
    }
    let payload = mutate(
        &app,
        ADMIN,
        UPDATE_SCRIPT_API,
        "syntheticsUpdateScriptApiMonitor",
        json!({"guid": guid, "monitor": {"script": "x"}}),
    )
    .await;
    assert_eq!(refusal(&payload), "BAD_REQUEST");
    let unknown = guid::encode(account, GuidKind::Monitor, &uuid::Uuid::new_v4().to_string());
    let location = guid::encode(account, GuidKind::PrivateLocation, &uuid::Uuid::new_v4().to_string());
    for target in [unknown.as_str(), location.as_str(), "garbage"] {
        let payload = mutate(
            &app,
            ADMIN,
            UPDATE_SIMPLE,
            "syntheticsUpdateSimpleMonitor",
            json!({"guid": target, "monitor": {"name": "x"}}),
        )
        .await;
        assert_eq!(refusal(&payload), "NOT_FOUND", "{target}");
    }
    let body = app.run(DELETE, json!({"guid": "garbage"})).await;
    assert_eq!(first_error(&body).1, "NOT_FOUND");
    assert_eq!(monitor_events(&app).await.len(), events, "refusals record nothing");
    let page = monitors_as(&app, ADMIN, None).await;
    assert_eq!(page["monitors"][0]["name"], "Home");
    assert_eq!(page["monitors"][0]["settings"]["uri"], "https://example.com");
});

backend_test!(private_locations_must_be_the_accounts_own, |app| {
    let account = app.primary_account_id;
    let plain = app.create_private_location(account, "Office", false).await;
    let verified = app.create_private_location(account, "Vault", true).await;
    let mut input = simple_input("Intranet");
    // A padded GUID names the same location.
    input["locations"] = json!({"private": [format!("{plain}==")]});
    let payload = mutate_ok(
        &app,
        ADMIN,
        CREATE_SIMPLE,
        "syntheticsCreateSimpleMonitor",
        json!({"accountId": account, "monitor": input}),
    )
    .await;
    assert_eq!(payload["monitor"]["locations"], json!({"private": [plain], "public": []}));

    // A scripted monitor in a location with verified script execution needs its password; Go
    // sends `"public": null` when only private locations are set.
    let mut script = script_api_input("Internal API");
    script["locations"] = json!({"public": null, "private": [{"guid": verified}]});
    let payload = mutate(
        &app,
        ADMIN,
        CREATE_SCRIPT_API,
        "syntheticsCreateScriptApiMonitor",
        json!({"accountId": account, "monitor": script.clone()}),
    )
    .await;
    assert_eq!(refusal(&payload), "BAD_REQUEST");
    script["locations"] = json!({"public": null, "private": [{"guid": verified, "vsePassword": "s3cret"}]});
    let payload = mutate_ok(
        &app,
        ADMIN,
        CREATE_SCRIPT_API,
        "syntheticsCreateScriptApiMonitor",
        json!({"accountId": account, "monitor": script}),
    )
    .await;
    assert_eq!(payload["monitor"]["locations"]["private"], json!([verified]));
    let stored = synthetics_monitor::Entity::find()
        .filter(synthetics_monitor::Column::Name.eq("Internal API"))
        .one(&app.db)
        .await
        .expect("query")
        .expect("monitor");
    assert!(!stored.settings.to_string().contains("s3cret"), "only a hash of the password is kept");
});

backend_test!(viewers_without_synthetics_rights_are_unauthorized, |app| {
    let guid = create_simple(&app, ADMIN, "Home").await;
    let script = create_script_api(&app, ADMIN, "API").await;
    // CORE users lose the Synthetics capabilities (full platform only), whatever the role.
    let (_, core) = user_with_role(&app, "core@example.com", UserType::Core, "Core team", "all_product_admin").await;
    // A FULL user with Read only may read monitors, not change them.
    let (_, reader) = user_with_role(&app, "reader@example.com", UserType::Full, "Readers", "read_only").await;
    // A member of a group without any grant cannot access the account at all.
    let outsider = app.create_user("outsider@example.com", UserType::Full).await;
    let nobody = app.create_group("Nobody").await;
    app.add_member(&nobody, outsider).await;
    let outsider = app.create_key(outsider).await;

    let events = monitor_events(&app).await.len();
    for key in [&core, &reader, &outsider] {
        let payload = mutate(
            &app,
            key,
            CREATE_SIMPLE,
            "syntheticsCreateSimpleMonitor",
            json!({"accountId": app.primary_account_id, "monitor": simple_input("Mine")}),
        )
        .await;
        assert_eq!(refusal(&payload), "UNAUTHORIZED");
        let payload = mutate(
            &app,
            key,
            UPDATE_SIMPLE,
            "syntheticsUpdateSimpleMonitor",
            json!({"guid": guid, "monitor": {"name": "Mine"}}),
        )
        .await;
        assert_eq!(refusal(&payload), "UNAUTHORIZED");
        let body = app.run_as(key, DELETE, json!({"guid": guid})).await;
        assert_eq!(body["data"]["syntheticsDeleteMonitor"], Value::Null);
        assert_eq!(first_error(&body).1, "FORBIDDEN");
    }
    assert_eq!(monitor_count(&app).await, 2);
    assert_eq!(monitor_events(&app).await.len(), events, "refusals change nothing");
    let names: Vec<Value> = monitors_as(&app, ADMIN, None).await["monitors"]
        .as_array()
        .expect("monitors")
        .iter()
        .map(|m| m["name"].clone())
        .collect();
    assert_eq!(names, [json!("API"), json!("Home")]);

    // The reader sees the monitors, without their settings, and not the script.
    let page = monitors_as(&app, &reader, None).await;
    assert_eq!(page["totalCount"], 2);
    assert!(page["monitors"].as_array().expect("monitors").iter().all(|m| m["settings"].is_null()), "{page}");
    let body = script_of(&app, &reader, &script).await;
    assert_eq!(body["data"]["actor"]["account"]["synthetics"]["script"], Value::Null);
    let (message, class) = first_error(&body);
    assert_eq!(class, "FORBIDDEN", "{message}");
    assert_eq!(body["errors"][0]["path"], json!(["actor", "account", "synthetics", "script"]));
    let body = app.run_as(&reader, MONITOR, json!({"accountId": app.primary_account_id, "guid": guid})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let monitor = &body["data"]["actor"]["account"]["synthetics"]["monitor"];
    assert_eq!((monitor["name"].as_str(), monitor["status"].as_str()), (Some("Home"), Some("ENABLED")));
    assert_eq!(monitor["settings"], Value::Null);

    // The CORE user reaches the account but no monitor.
    let page = monitors_as(&app, &core, None).await;
    assert_eq!(page, json!({"totalCount": 0, "nextCursor": null, "monitors": []}));
    let body = app.run_as(&core, MONITOR_CHANGES, json!({"accountId": app.primary_account_id, "guid": guid})).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN");
});

// ---------------------------------------------------------------------------------------------
// The permission system on.

backend_test!(permission_groups_decide_when_the_system_is_on, |app| {
    let edit_only = create_script_api(&app, ADMIN, "A edit only").await;
    let view_only = create_simple(&app, ADMIN, "B view only").await;
    let unreached = create_simple(&app, ADMIN, "C unreached").await;
    let (austin, key) =
        user_with_role(&app, "austin@example.com", UserType::Full, "Developers", "all_product_admin").await;
    let admin = app.admin_user_id;
    app.enable_synthetics_permissions().await;
    app.synthetics_group(
        "New developers",
        &[austin],
        &[(edit_only.as_str(), false, true), (view_only.as_str(), true, false)],
    )
    .await;
    app.synthetics_group("Senior developers", &[admin], &[("*", true, true)]).await;

    // Edit alone does not list a monitor; View lists it without settings.
    let page = monitors_as(&app, &key, None).await;
    assert_eq!(page["totalCount"], 1);
    assert_eq!(page["monitors"][0]["guid"], json!(view_only));
    assert_eq!(page["monitors"][0]["settings"], Value::Null);
    assert_eq!(monitors_as(&app, ADMIN, None).await["totalCount"], 3);

    // Edit reads the script and changes the monitor by its GUID.
    let body = script_of(&app, &key, &edit_only).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert!(body["data"]["actor"]["account"]["synthetics"]["script"]["text"].is_string());
    let body = app.run_as(&key, MONITOR, json!({"accountId": app.primary_account_id, "guid": edit_only})).await;
    assert_eq!(
        body["data"]["actor"]["account"]["synthetics"]["monitor"]["settings"]["locations"]["public"],
        json!(["US_EAST_1"])
    );
    mutate_ok(
        &app,
        &key,
        UPDATE_SCRIPT_API,
        "syntheticsUpdateScriptApiMonitor",
        json!({"guid": edit_only, "monitor": {"script": "console.log('austin');"}}),
    )
    .await;

    // View only: no script, no update; no rule: nothing at all.
    let body = script_of(&app, &key, &view_only).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN");
    let payload = mutate(
        &app,
        &key,
        UPDATE_SIMPLE,
        "syntheticsUpdateSimpleMonitor",
        json!({"guid": view_only, "monitor": {"name": "x"}}),
    )
    .await;
    assert_eq!(refusal(&payload), "UNAUTHORIZED");
    let body = app.run_as(&key, MONITOR, json!({"accountId": app.primary_account_id, "guid": unreached})).await;
    assert_eq!(first_error(&body).1, "FORBIDDEN");

    // Creating needs Edit on all monitors, which per-monitor rules are not.
    let payload = mutate(
        &app,
        &key,
        CREATE_SIMPLE,
        "syntheticsCreateSimpleMonitor",
        json!({"accountId": app.primary_account_id, "monitor": simple_input("Austin's")}),
    )
    .await;
    assert_eq!(refusal(&payload), "UNAUTHORIZED");
    create_simple(&app, ADMIN, "D by the admin").await;

    // Edit includes delete; deleting also drops the rules that named the monitor.
    let body = app.run_as(&key, DELETE, json!({"guid": edit_only})).await;
    assert_eq!(body["data"]["syntheticsDeleteMonitor"]["deletedGuid"], json!(edit_only), "{body}");
    let rules = synthetics_permission_rule::Entity::find()
        .filter(synthetics_permission_rule::Column::Target.eq(edit_only.as_str()))
        .count(&app.db)
        .await
        .expect("count rules");
    assert_eq!(rules, 0);
});

backend_test!(monitor_changes_show_who_edited_and_when, |app| {
    let guid = create_simple(&app, ADMIN, "Home").await;
    let (editor, key) =
        user_with_role(&app, "editor@example.com", UserType::Full, "Editors", "all_product_admin").await;
    mutate_ok(
        &app,
        &key,
        UPDATE_SIMPLE,
        "syntheticsUpdateSimpleMonitor",
        json!({"guid": guid, "monitor": {"name": "Home v2"}}),
    )
    .await;
    // An update that changes nothing is not a change.
    mutate_ok(
        &app,
        &key,
        UPDATE_SIMPLE,
        "syntheticsUpdateSimpleMonitor",
        json!({"guid": guid, "monitor": {"name": "Home v2"}}),
    )
    .await;
    let (_, reader) = user_with_role(&app, "reader@example.com", UserType::Full, "Readers", "read_only").await;
    let body = app.run_as(&reader, MONITOR_CHANGES, json!({"accountId": app.primary_account_id, "guid": guid})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let changes = body["data"]["actor"]["account"]["synthetics"]["monitorChanges"].as_array().expect("changes").clone();
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0]["action"], "synthetics_monitor.update");
    assert_eq!(changes[0]["actorUserId"], json!(editor));
    assert_eq!(changes[0]["actorEmail"], "editor@example.com");
    assert_eq!(changes[1]["action"], "synthetics_monitor.create");
    assert_eq!(changes[1]["actorUserId"], json!(app.admin_user_id));
    assert_eq!(changes[1]["actorEmail"], crate::common::ADMIN_EMAIL);
    assert!(changes[0]["createdAt"].as_i64() >= changes[1]["createdAt"].as_i64());

    // A GUID of another account is not found from this one.
    let other = guid::encode(app.primary_account_id + 1000, GuidKind::Monitor, "x");
    let body = app.run(MONITOR_CHANGES, json!({"accountId": app.primary_account_id, "guid": other})).await;
    assert_eq!(first_error(&body).1, "NOT_FOUND");
});

// ---------------------------------------------------------------------------------------------
// The list: pages, and a constant number of statements.

backend_test!(monitors_are_listed_in_pages_at_a_constant_cost, |app| {
    let query = format!(
        "{{ actor {{ account(id: {}) {{ synthetics {{ monitors {{ totalCount nextCursor monitors {{ guid name type period status settings {{ uri locations {{ public }} }} }} }} }} }} }} }}",
        app.primary_account_id
    );
    app.insert_monitors("Small", 10).await;
    let small = app.statements_for(&query).await;
    app.insert_monitors("Large", 990).await;
    let large = app.statements_for(&query).await;
    assert_eq!(small, large, "statements for 10 monitors: {small}, for 1,000: {large}");

    // 1,000 monitors in pages of 200, each listed once, in name order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = monitors_as(&app, ADMIN, cursor.as_deref()).await;
        assert_eq!(page["totalCount"], 1000);
        for monitor in page["monitors"].as_array().expect("monitors") {
            seen.push(monitor["name"].as_str().expect("name").to_owned());
        }
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 1000);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted);
    let body = app.run(MONITORS, json!({"accountId": app.primary_account_id, "cursor": "not a cursor"})).await;
    assert_eq!(first_error(&body).1, "BAD_USER_INPUT");
});
