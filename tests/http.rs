//! The HTTP surface around GraphQL: health, GraphiQL, GraphQL over GET, malformed requests.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY};

backend_test!(healthz_checks_the_database, |app| {
    let (status, body) = app.send(Request::get("/healthz").body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"status": "ok"}));
});

backend_test!(graphiql_is_served_to_browsers, |app| {
    for uri in ["/graphiql", "/graphql"] {
        let request =
            Request::get(uri).header("Accept", "text/html,application/xhtml+xml").body(Body::empty()).expect("request");
        let (status, body) = app.send(request).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let html = body.as_str().expect("html");
        assert!(html.contains("graphiql") || html.contains("GraphiQL"), "{uri}");
        assert!(html.contains("Api-Key"), "pre-filled header in {uri}");
    }
});

backend_test!(graphql_over_get_needs_a_key_too, |app| {
    let uri = "/graphql?query=%7B%20actor%20%7B%20user%20%7B%20email%20%7D%20%7D%20%7D";
    let (status, _) = app.send(Request::get(uri).body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) =
        app.send(Request::get(uri).header("Api-Key", ADMIN_KEY).body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["actor"]["user"]["email"], ADMIN_EMAIL);
});

backend_test!(syntax_errors_and_unknown_fields_are_graphql_errors, |app| {
    // client-go's GetJobs operation is syntactically invalid (an empty selection).
    let body = app.query("{ actor { } }").await;
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    assert!(body.get("data").is_none_or(Value::is_null));
    let body = app.query("{ actor { nonsense } }").await;
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("nonsense")), "{body}");
});

backend_test!(a_document_is_validated_alike_however_often_it_comes, |app| {
    // A document that passed validation once with the same operation and variables runs on the
    // schema that skips GraphQL's validation rules (they would pass again): every answer must be
    // the one full validation gives.
    for _ in 0..3 {
        let body = app.query("{ actor { user { email nonsense } } }").await;
        assert_eq!(body["errors"][0]["message"], json!("Unknown field \"nonsense\" on type \"User\"."), "{body}");
        assert!(body.get("data").is_none_or(Value::is_null), "{body}");
    }
    // The same document with variables that break it, then fit it, then break it again: the
    // variables that fit pass, and never let the ones that do not run unvalidated.
    let query = "query($ids: [ID!]) { actor { organization { userManagement { authenticationDomains(id: $ids) { totalCount } } } } }";
    let refused = app.run(query, json!({"ids": [{"an": "object"}]})).await;
    let message = refused["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.starts_with("Invalid value for argument \"id.0\""), "{refused}");
    let fits = json!({"ids": ["no-such-domain"]});
    for _ in 0..2 {
        let body = app.ok(query, fits.clone()).await;
        assert_eq!(body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["totalCount"], 0);
    }
    for _ in 0..2 {
        assert_eq!(app.run(query, json!({"ids": [{"an": "object"}]})).await, refused);
    }
    // Another document over the same variables is validated on its own.
    let other = "query($ids: [ID!]) { actor { organization { userManagement { authenticationDomains(id: $ids) { nonsense } } } } }";
    let body = app.run(other, fits).await;
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("nonsense")), "{body}");
});

backend_test!(undeclared_variables_are_ignored, |app| {
    let (status, body) = app
        .graphql_as(Some(ADMIN_KEY), "query { actor { user { email } } }", json!({"cursor": null, "accountId": 1}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, json!({"data": {"actor": {"user": {"email": ADMIN_EMAIL}}}}));
});

backend_test!(a_malformed_body_is_a_client_error, |app| {
    let request = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Api-Key", ADMIN_KEY)
        .body(Body::from("{not json"))
        .expect("request");
    let (status, _) = app.send(request).await;
    assert!(status.is_client_error(), "{status}");
});
