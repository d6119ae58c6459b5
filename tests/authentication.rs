//! `Api-Key` (and `Authorization: Bearer`) authentication and NerdGraph's 401 answer.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY};

const QUERY: &str = "{ actor { user { email } } }";

fn bad_api_key_body() -> Value {
    json!({"errors":[{"message":"Bad API Key or no API Key provided","extensions":{"error_code":"BAD_API_KEY"}}]})
}

fn post() -> axum::http::request::Builder {
    Request::post("/graphql").header("Content-Type", "application/json")
}

fn body(query: &str) -> Body {
    Body::from(json!({ "query": query }).to_string())
}

backend_test!(missing_key_is_401_bad_api_key, |app| {
    let (status, body) = app.graphql_as(None, QUERY, Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, bad_api_key_body());
});

backend_test!(wrong_key_is_401_bad_api_key, |app| {
    for key in ["NRAK-WRONGWRONGWRONGWRONGWRONG12", "", "not a key", "NRAK-TESTADMINKEY000000000000"] {
        let (status, body) = app.graphql_as(Some(key), QUERY, Value::Null).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "key {key:?}");
        assert_eq!(body, bad_api_key_body());
    }
});

backend_test!(api_key_header_resolves_the_admin, |app| {
    let body = app.query(QUERY).await;
    assert_eq!(body, json!({"data": {"actor": {"user": {"email": ADMIN_EMAIL}}}}));
});

backend_test!(header_name_is_case_insensitive_and_bearer_works, |app| {
    let request = post().header("API-KEY", ADMIN_KEY).body(body(QUERY)).expect("request");
    let (status, answer) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["data"]["actor"]["user"]["email"], ADMIN_EMAIL);

    let request = post().header("Authorization", format!("Bearer {ADMIN_KEY}")).body(body(QUERY)).expect("request");
    let (status, answer) = app.send(request).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(answer["data"]["actor"]["user"]["email"], ADMIN_EMAIL);

    let request = post().header("Authorization", format!("Basic {ADMIN_KEY}")).body(body(QUERY)).expect("request");
    assert_eq!(app.send(request).await.0, StatusCode::UNAUTHORIZED);
});

backend_test!(a_deactivated_users_key_stops_working_at_once, |app| {
    let user = app.create_user("deactivated@example.com", entity::enums::UserType::Full).await;
    let key = app.create_key(user).await;
    assert_eq!(app.query_as(&key, QUERY).await["data"]["actor"]["user"]["email"], "deactivated@example.com");
    app.set_user(user, |u| u.active = sea_orm::Set(false)).await;
    let (status, body) = app.graphql_as(Some(&key), QUERY, Value::Null).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body, bad_api_key_body());
});

backend_test!(a_deleted_users_key_stops_working, |app| {
    use sea_orm::EntityTrait;
    let user = app.create_user("gone@example.com", entity::enums::UserType::Basic).await;
    let key = app.create_key(user).await;
    assert_eq!(app.graphql_as(Some(&key), QUERY, Value::Null).await.0, StatusCode::OK);
    entity::user::Entity::delete_by_id(user).exec(&app.db).await.expect("delete user");
    assert_eq!(app.graphql_as(Some(&key), QUERY, Value::Null).await.0, StatusCode::UNAUTHORIZED);
});

backend_test!(requests_record_the_users_last_activity, |app| {
    let user = app.create_user("active@example.com", entity::enums::UserType::Basic).await;
    let key = app.create_key(user).await;
    let query = format!(
        r#"{{ actor {{ organization {{ userManagement {{ authenticationDomains {{ authenticationDomains {{
          users(id: ["{user}"]) {{ users {{ lastActive }} }} }} }} }} }} }} }}"#
    );
    let last_active = |body: serde_json::Value| {
        body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["authenticationDomains"][0]
            ["users"]["users"][0]["lastActive"]
            .clone()
    };
    assert_eq!(last_active(app.query(&query).await), serde_json::Value::Null);
    app.query_as(&key, "{ actor { user { id } } }").await;
    let seen = last_active(app.query(&query).await);
    let at = seen.as_str().and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()).expect("an ISO-8601 time");
    assert!((chrono::Utc::now() - at.to_utc()).num_seconds().abs() < 60, "{seen}");
});

fn hash_of(key: &str) -> String {
    accessgraph::auth::keys::ApiKeySecret::presented(key).hash()
}

backend_test!(the_in_thread_and_pooled_key_checks_read_the_same_row, |app| {
    use accessgraph::auth::key_check::KeyCheck;
    use sea_orm::Set;
    let user = app.create_user("checked@example.com", entity::enums::UserType::Basic).await;
    let key = app.create_key(user).await;
    app.set_user(user, |u| {
        u.pending_upgrade_type = Set(Some(entity::enums::UserType::Full));
        u.pending_upgrade_message = Set(Some("please".into()));
    })
    .await;
    // The admin has a lastActive (set by this request); the new user has none.
    app.query("{ actor { user { id } } }").await;
    let (in_thread, pooled) = (KeyCheck::for_connection(&app.db, accessgraph::KeyRows::Read).await, KeyCheck::pooled());
    for hash in [hash_of(ADMIN_KEY), hash_of(&key)] {
        let read = in_thread.row(&app.db, &hash).await.expect("in-thread key check").expect("a row");
        assert_eq!(Some(read.clone()), pooled.row(&app.db, &hash).await.expect("pooled key check"));
        assert_eq!(read.key_hash, hash);
    }
    let admin = in_thread.row(&app.db, &hash_of(ADMIN_KEY)).await.expect("key check").expect("a row");
    assert!(admin.user.last_active.is_some());
    let checked = in_thread.row(&app.db, &hash_of(&key)).await.expect("key check").expect("a row");
    assert_eq!(checked.user.pending_upgrade_type, Some(entity::enums::UserType::Full));
    assert_eq!(checked.user.email, "checked@example.com");
    for check in [&in_thread, &pooled] {
        assert_eq!(check.row(&app.db, &hash_of("NRAK-NOSUCHKEY")).await.expect("key check"), None);
    }
    // On a SQLite file the check runs on the request's thread; on PostgreSQL, on a connection
    // kept out of the pool. Either way, not through SeaORM.
    assert_eq!(in_thread.direct_statements(), 5);
});

backend_test!(key_checks_that_arrive_together_share_a_statement_and_get_their_own_rows, |app| {
    use accessgraph::auth::key_check::KeyCheck;
    use std::sync::atomic::Ordering;
    let mut keys = Vec::new();
    for i in 0..30 {
        let user = app.create_user(&format!("k{i}@example.com"), entity::enums::UserType::Basic).await;
        keys.push((user, app.create_key(user).await));
    }
    let gone = keys[7].0;
    app.set_user(gone, |u| u.active = sea_orm::Set(false)).await;
    let pooled = KeyCheck::pooled();
    let hashes: Vec<String> = keys.iter().map(|(_, key)| hash_of(key)).chain([hash_of("NRAK-UNKNOWN")]).collect();
    let counted = || app.statements.load(Ordering::SeqCst) as u64 + pooled.direct_statements();
    let before = counted();
    let rows = futures_util::future::join_all(hashes.iter().map(|hash| pooled.row(&app.db, hash))).await;
    let statements = counted() - before;
    assert!(statements <= 2, "31 key checks arriving together took {statements} statements");
    for ((user, _), row) in keys.iter().zip(&rows) {
        let row = row.as_ref().expect("key check");
        if *user == gone {
            assert_eq!(row, &None, "a deactivated user's key");
        } else {
            assert_eq!(row.as_ref().map(|row| row.user.id), Some(*user));
        }
    }
    assert_eq!(rows.last().map(|row| row.as_ref().ok().cloned()), Some(Some(None)));
    // Through the router too: every request answers as its own user.
    let answers = futures_util::future::join_all(
        keys.iter().map(|(_, key)| app.graphql_as(Some(key), "{ actor { user { id } } }", Value::Null)),
    )
    .await;
    for ((user, _), (status, body)) in keys.iter().zip(answers) {
        if *user == gone {
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        } else {
            assert_eq!(body["data"]["actor"]["user"]["id"], json!(*user), "{body}");
        }
    }
});

/// On PostgreSQL the key check keeps connections of its own, out of the pool. One that the server
/// ends (a restart, an administrator, a proxy) costs no request: that batch goes through the pool,
/// and the next gets a new connection.
#[tokio::test]
async fn a_key_check_connection_that_the_server_ends_costs_no_request() {
    use sea_orm::{ConnectionTrait, Statement};
    let Some(app) = crate::common::TestApp::postgres_with(entity::enums::Edition::Enterprise).await else { return };
    let user_id = |body: Value| body["data"]["actor"]["user"]["id"].clone();
    let admin = user_id(app.query("{ actor { user { id } } }").await);
    assert!(admin.is_number(), "{admin}");
    // The key check's kept connections are those whose last statement was the key check (the
    // server shows the start of each statement). Other tests' may be ended too: this is what they
    // must survive as well.
    let ended = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity \
             WHERE query LIKE 'SELECT \"k\".\"id\" AS \"key_id\"%' AND pid <> pg_backend_pid()",
        ))
        .await
        .expect("terminate");
    assert!(!ended.is_empty(), "the key check ran on no connection of its own");
    for _ in 0..3 {
        let (status, body) = app.graphql_as(Some(ADMIN_KEY), "{ actor { user { id } } }", Value::Null).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(user_id(body), admin);
    }
    // Then on a connection of its own again.
    let direct = app.statements.direct();
    app.query("{ actor { user { id } } }").await;
    assert_eq!(app.statements.direct() - direct, 1, "the key check is back on a connection of its own");
}
