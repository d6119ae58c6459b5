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
