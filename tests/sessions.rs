//! Password sign-in sessions over HTTP: the cookie door yields the same viewer as an API key,
//! the session limits, idle timeouts, deactivation and deletion, passwords (setup links, change,
//! reset), and cross-site safety. Every test runs on SQLite and PostgreSQL.

use std::time::Duration;

use accessgraph::SiteOptions;
use accessgraph::http::HttpLimits;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use entity::enums::{AuthenticationType, ProvisioningType, UserType};
use entity::{password_token, session};
use http_body_util::BodyExt;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, sea_query::Expr};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, TestApp};

const PASSWORD: &str = "Correct-Horse-42";

async fn call(router: &Router, request: Request<Body>) -> (StatusCode, HeaderMap, Value) {
    let response = router.clone().oneshot(request).await.expect("router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, headers, body)
}

fn json_post(path: &str, body: Value) -> axum::http::request::Builder {
    let _ = body;
    Request::post(path).header("Content-Type", "application/json")
}

fn login_request(email: &str, password: &str, domain: Option<&str>, forwarded_for: Option<&str>) -> Request<Body> {
    let mut body = json!({ "email": email, "password": password });
    if let Some(domain) = domain {
        body["authenticationDomainId"] = json!(domain);
    }
    let mut request = json_post("/login", body.clone()).header("User-Agent", "sessions-test");
    if let Some(ip) = forwarded_for {
        request = request.header("X-Forwarded-For", ip);
    }
    request.body(Body::from(body.to_string())).expect("request")
}

/// The `name=value` of the session cookie a response sets.
fn cookie_of(headers: &HeaderMap) -> String {
    let set = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("accessgraph_session="))
        .expect("a session cookie");
    set.split(';').next().expect("name=value").to_owned()
}

async fn login(router: &Router, email: &str, password: &str) -> (StatusCode, HeaderMap, Value) {
    call(router, login_request(email, password, None, None)).await
}

/// Signs in and returns the cookie.
async fn signed_in(router: &Router, email: &str) -> String {
    let (status, headers, body) = login(router, email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    cookie_of(&headers)
}

async fn graphql_with_cookie(router: &Router, cookie: &str, query: &str, variables: Value) -> (StatusCode, Value) {
    let body = json!({ "query": query, "variables": variables });
    let request = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Cookie", cookie)
        .body(Body::from(body.to_string()))
        .expect("request");
    let (status, _, body) = call(router, request).await;
    (status, body)
}

async fn whoami(router: &Router, cookie: &str) -> (StatusCode, Value) {
    graphql_with_cookie(router, cookie, "{ actor { user { id email } } }", Value::Null).await
}

const SETUP_LINK: &str =
    "mutation($id: ID!) { userManagementCreatePasswordSetupLink(userId: $id) { link errors { message } } }";

/// The admin invites `user_id` and the user sets `password` through the link.
async fn give_password(app: &TestApp, user_id: i64, password: &str) {
    let body = app.ok(SETUP_LINK, json!({ "id": user_id.to_string() })).await;
    let payload = &body["data"]["userManagementCreatePasswordSetupLink"];
    assert_eq!(payload["errors"], json!([]), "{body}");
    let link = payload["link"].as_str().expect("a link");
    assert!(link.contains("/password?token="), "{link}");
    let token = link.split("token=").nth(1).expect("token");
    let (status, _, body) = call(
        &app.router,
        Request::post("/password")
            .header("Content-Type", "application/json")
            .body(Body::from(json!({ "token": token, "password": password }).to_string()))
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn user_with_password(app: &TestApp, email: &str, user_type: UserType) -> i64 {
    let id = app.create_user(email, user_type).await;
    give_password(app, id, PASSWORD).await;
    id
}

backend_test!(a_session_cookie_is_the_same_viewer_as_a_key, |app| {
    let admin = app.admin_user_id;
    give_password(&app, admin, PASSWORD).await;
    let (status, headers, body) = login(&app.router, ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], json!(admin.to_string()));
    assert_eq!(body["user"]["email"], json!(ADMIN_EMAIL));
    let set_cookie = headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("set-cookie");
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"), "{set_cookie}");
    let cookie = cookie_of(&headers);

    // The same answer as with the admin's key, guards included.
    let domain = app.default_domain_id().await;
    let query = format!(
        "{{ actor {{ user {{ id email }} }} customerAdministration {{ users(filter: {{authenticationDomainId: {{eq: \"{domain}\"}}}}) {{ items {{ email }} }} }} }}"
    );
    let (status, by_cookie) = graphql_with_cookie(&app.router, &cookie, &query, Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert!(by_cookie.get("errors").is_none(), "{by_cookie}");
    assert_eq!(by_cookie, app.query(&query).await);
    assert_eq!(by_cookie["data"]["actor"]["user"]["id"], json!(admin));

    // A user without organization rights is refused the same way by either door.
    let basic = user_with_password(&app, "basic@example.com", UserType::Basic).await;
    let key = app.create_key(basic).await;
    let basic_cookie = signed_in(&app.router, "basic@example.com").await;
    let guarded = format!(
        "{{ customerAdministration {{ users(filter: {{authenticationDomainId: {{eq: \"{domain}\"}}}}) {{ items {{ email }} }} }} }}"
    );
    let (_, by_cookie) = graphql_with_cookie(&app.router, &basic_cookie, &guarded, Value::Null).await;
    let by_key = app.query_as(&key, &guarded).await;
    assert_eq!(by_cookie, by_key);
    assert_eq!(by_cookie["errors"][0]["extensions"]["errorClass"], json!("FORBIDDEN"), "{by_cookie}");
});

backend_test!(a_form_login_works_and_a_failed_one_never_says_whether_the_email_exists, |app| {
    user_with_password(&app, "kim@example.com", UserType::Full).await;
    let form = Request::post("/login")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(Body::from(format!("email=KIM%40example.com&password={PASSWORD}")))
        .expect("request");
    let (status, _, body) = call(&app.router, form).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (wrong_status, wrong_headers, wrong) = login(&app.router, "kim@example.com", "Not-The-Password-1").await;
    let (unknown_status, _, unknown) = login(&app.router, "nobody@example.com", "Not-The-Password-1").await;
    let no_password = app.create_user("nopass@example.com", UserType::Basic).await;
    let (none_status, _, none) = login(&app.router, "nopass@example.com", "Not-The-Password-1").await;
    assert_eq!(wrong_status, StatusCode::UNAUTHORIZED);
    assert_eq!((unknown_status, none_status), (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED));
    assert_eq!(wrong, unknown);
    assert_eq!(wrong, none);
    assert!(wrong_headers.get(header::SET_COOKIE).is_none());
    assert_eq!(wrong["errors"][0]["extensions"]["errorClass"], json!("UNAUTHENTICATED"));
    let _ = no_password;

    // Missing fields and other content types are input errors.
    let (status, _, _) = login(&app.router, "kim@example.com", "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let text = Request::post("/login").header("Content-Type", "text/plain").body(Body::from("x")).expect("request");
    assert_eq!(call(&app.router, text).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
});

backend_test!(failed_sign_ins_are_throttled_per_email_and_per_address, |app| {
    user_with_password(&app, "kim@example.com", UserType::Full).await;
    user_with_password(&app, "lee@example.com", UserType::Full).await;
    let limits = HttpLimits {
        failed_sign_in_burst_per_user: 2,
        failed_sign_in_burst_per_address: 4,
        failed_sign_in_refill: Duration::from_secs(3600),
        trust_forwarded_for: true,
        ..HttpLimits::default()
    };
    let router = app.router_with(limits).await;
    let attempt = |email: &'static str, password: &'static str, ip: &'static str| {
        let router = router.clone();
        async move { call(&router, login_request(email, password, None, Some(ip))).await.0 }
    };
    assert_eq!(attempt("kim@example.com", "Wrong-password-1", "192.0.2.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("kim@example.com", "Wrong-password-1", "192.0.2.2").await, StatusCode::UNAUTHORIZED);
    // Over the email's burst: refused from any address, even with the right password.
    assert_eq!(attempt("kim@example.com", "Wrong-password-1", "192.0.2.3").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt("kim@example.com", PASSWORD, "192.0.2.4").await, StatusCode::TOO_MANY_REQUESTS);
    // An unknown email is throttled the same way.
    assert_eq!(attempt("ghost@example.com", "Wrong-password-1", "198.51.100.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("ghost@example.com", "Wrong-password-1", "198.51.100.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("ghost@example.com", "Wrong-password-1", "198.51.100.1").await, StatusCode::TOO_MANY_REQUESTS);
    // Per address: 198.51.100.1 failed 3 times; one more failure with other emails blocks it.
    assert_eq!(attempt("a@example.com", "Wrong-password-1", "198.51.100.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(attempt("b@example.com", "Wrong-password-1", "198.51.100.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt("lee@example.com", PASSWORD, "198.51.100.1").await, StatusCode::TOO_MANY_REQUESTS);
    // Other users from other addresses are not affected.
    assert_eq!(attempt("lee@example.com", PASSWORD, "203.0.113.9").await, StatusCode::OK);
});

backend_test!(saml_domains_are_refused_clearly_and_several_logins_are_offered_to_choose, |app| {
    let saml =
        app.create_domain_in(&app.organization_id, "Okta", AuthenticationType::Saml, ProvisioningType::Manual).await;
    app.create_user_in(&saml, "kim@example.com", UserType::Basic).await;
    let (status, _, body) = call(&app.router, login_request("kim@example.com", PASSWORD, Some(&saml), None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let message = body["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("'Okta' signs in with SAML"), "{message}");
    // A setup link for a SAML user is refused.
    let saml_user = app.create_user_in(&saml, "sam@example.com", UserType::Basic).await;
    let refused = app.ok(SETUP_LINK, json!({ "id": saml_user.to_string() })).await;
    let payload = &refused["data"]["userManagementCreatePasswordSetupLink"];
    assert_eq!(payload["link"], Value::Null);
    assert!(payload["errors"][0]["message"].as_str().expect("error").contains("SAML"), "{refused}");

    // Two PASSWORD logins with one email and one password: choose.
    let first = user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let other = app
        .create_domain_in(&app.organization_id, "Contractors", AuthenticationType::Password, ProvisioningType::Manual)
        .await;
    let second = app.create_user_in(&other, "kim@example.com", UserType::Basic).await;
    give_password(&app, second, PASSWORD).await;
    let (status, _, body) = login(&app.router, "kim@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], json!("MULTIPLE_ACCOUNTS_FOUND"));
    let mut names: Vec<&str> =
        body["authenticationDomains"].as_array().expect("domains").iter().filter_map(|d| d["name"].as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Contractors", "Default"]);
    let (status, _, body) = call(&app.router, login_request("kim@example.com", PASSWORD, Some(&other), None)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["user"]["id"], json!(second.to_string()));
    let _ = first;
});

backend_test!(signing_out_deactivating_or_deleting_ends_sessions_at_once, |app| {
    let kim = user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let cookie = signed_in(&app.router, "kim@example.com").await;
    assert_eq!(whoami(&app.router, &cookie).await.0, StatusCode::OK);
    let logout = Request::post("/logout").header("Cookie", &cookie).body(Body::empty()).expect("request");
    let (status, headers, body) = call(&app.router, logout).await;
    assert_eq!((status, body), (StatusCode::OK, json!({ "signedOut": true })));
    assert!(headers.get(header::SET_COOKIE).and_then(|v| v.to_str().ok()).expect("cleared").contains("Max-Age=0"));
    let (status, body) = whoami(&app.router, &cookie).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], json!("UNAUTHENTICATED"));

    // Deactivated: the very next request is refused.
    let cookie = signed_in(&app.router, "kim@example.com").await;
    app.set_user(kim, |u| u.active = Set(false)).await;
    assert_eq!(whoami(&app.router, &cookie).await.0, StatusCode::UNAUTHORIZED);
    let (status, _, _) = login(&app.router, "kim@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a deactivated user cannot sign in");
    app.set_user(kim, |u| u.active = Set(true)).await;
    let cookie = signed_in(&app.router, "kim@example.com").await;

    // Deleted: every session goes with the user.
    app.ok(
        "mutation($id: ID!) { userManagementDeleteUser(deleteUserOptions: {id: $id}) { deletedUser { id } } }",
        json!({ "id": kim.to_string() }),
    )
    .await;
    assert_eq!(whoami(&app.router, &cookie).await.0, StatusCode::UNAUTHORIZED);
    let left = session::Entity::find().filter(session::Column::UserId.eq(kim)).all(&app.db).await.expect("query");
    assert!(left.is_empty(), "{left:?}");
});

backend_test!(a_fourth_sign_in_ends_the_oldest_session, |app| {
    user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let mut cookies = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (status, headers, body) = login(&app.router, "kim@example.com", PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["endedSessionIds"], json!([]));
        cookies.push(cookie_of(&headers));
        ids.push(body["session"]["id"].clone());
    }
    for cookie in &cookies {
        assert_eq!(whoami(&app.router, cookie).await.0, StatusCode::OK);
    }
    let (status, headers, body) = login(&app.router, "kim@example.com", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["endedSessionIds"], json!([ids[0]]));
    assert_eq!(whoami(&app.router, &cookies[0]).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&app.router, &cookies[1]).await.0, StatusCode::OK);
    assert_eq!(whoami(&app.router, &cookie_of(&headers)).await.0, StatusCode::OK);
});

backend_test!(sessions_from_a_fourth_address_end_the_oldest, |app| {
    user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let router = app.router_with(HttpLimits { trust_forwarded_for: true, ..HttpLimits::default() }).await;
    let mut first = None;
    for ip in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        let (status, headers, _) = call(&router, login_request("kim@example.com", PASSWORD, None, Some(ip))).await;
        assert_eq!(status, StatusCode::OK);
        first.get_or_insert(cookie_of(&headers));
    }
    let (status, _, body) = call(&router, login_request("kim@example.com", PASSWORD, None, Some("192.0.2.4"))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["endedSessionIds"].as_array().map(Vec::len), Some(1));
    assert_eq!(whoami(&router, &first.expect("first")).await.0, StatusCode::UNAUTHORIZED);
    let (_, listed) = graphql_with_cookie(
        &router,
        &signed_in_at(&router, "192.0.2.4").await,
        "{ actor { sessions { clientAddress current } } }",
        Value::Null,
    )
    .await;
    let addresses: Vec<&str> = listed["data"]["actor"]["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .filter_map(|s| s["clientAddress"].as_str())
        .collect();
    assert_eq!(addresses.len(), 3, "{listed}");
    assert!(!addresses.contains(&"192.0.2.1") && !addresses.contains(&"192.0.2.2"), "{listed}");
});

async fn signed_in_at(router: &Router, ip: &str) -> String {
    let (status, headers, body) = call(router, login_request("kim@example.com", PASSWORD, None, Some(ip))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    cookie_of(&headers)
}

/// Makes every session of `user_id` look unused for `minutes`.
async fn age_sessions(app: &TestApp, user_id: i64, minutes: i64) {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(chrono::Utc::now() - chrono::TimeDelta::minutes(minutes)))
        .filter(session::Column::UserId.eq(user_id))
        .exec(&app.db)
        .await
        .expect("age sessions");
}

backend_test!(idle_sessions_time_out_by_their_domains_setting, |app| {
    let kim = user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let cookie = signed_in(&app.router, "kim@example.com").await;
    // The default is 60 minutes.
    age_sessions(&app, kim, 30).await;
    assert_eq!(whoami(&app.router, &cookie).await.0, StatusCode::OK);

    let domain = app.default_domain_id().await;
    let set = "mutation($d: ID!, $m: Int!) { authenticationDomainUpdateSessionSettings(authenticationDomainId: $d, idleTimeoutMinutes: $m) { sessionSettings { authenticationDomainId idleTimeoutMinutes } } }";
    let body = app.ok(set, json!({ "d": domain, "m": 15 })).await;
    assert_eq!(
        body["data"]["authenticationDomainUpdateSessionSettings"]["sessionSettings"],
        json!({ "authenticationDomainId": domain, "idleTimeoutMinutes": 15 })
    );
    let refused = app.run(set, json!({ "d": domain, "m": 1 })).await;
    assert_eq!(refused["errors"][0]["extensions"]["errorClass"], json!("BAD_USER_INPUT"), "{refused}");
    // Only those who manage authentication domains may change it.
    let key = app.create_key(kim).await;
    let refused = app.run_as(&key, set, json!({ "d": domain, "m": 30 })).await;
    assert_eq!(refused["errors"][0]["extensions"]["errorClass"], json!("FORBIDDEN"), "{refused}");

    age_sessions(&app, kim, 20).await;
    assert_eq!(whoami(&app.router, &cookie).await.0, StatusCode::UNAUTHORIZED);
    let left = session::Entity::find().filter(session::Column::UserId.eq(kim)).all(&app.db).await.expect("query");
    assert!(left.is_empty(), "an idle session is deleted when it is refused");

    // The account setting for kiosk mode is stored (the exemption applies to Restricted users,
    // a role of the original user model).
    let kiosk = "mutation($a: Int!) { accountManagementUpdateSessionSettings(accountId: $a, restrictedUsersNeverTimeOut: true) { sessionSettings { accountId restrictedUsersNeverTimeOut } } }";
    let body = app.ok(kiosk, json!({ "a": app.primary_account_id })).await;
    assert_eq!(
        body["data"]["accountManagementUpdateSessionSettings"]["sessionSettings"],
        json!({ "accountId": app.primary_account_id, "restrictedUsersNeverTimeOut": true })
    );
    // Kim is not Restricted anywhere: her sessions still time out.
    let cookie = signed_in(&app.router, "kim@example.com").await;
    age_sessions(&app, kim, 20).await;
    assert_eq!(whoami(&app.router, &cookie).await.0, StatusCode::UNAUTHORIZED);
});

backend_test!(restricted_users_sessions_skip_the_idle_timeout_where_the_account_is_a_kiosk, |app| {
    let kim = user_with_password(&app, "kiosk-kim@example.com", UserType::Full).await;
    let lee = user_with_password(&app, "kiosk-lee@example.com", UserType::Full).await;
    // Kim is Restricted on the primary account, Lee a User there (original user model).
    let add = "mutation($a: Int!, $u: OriginalUserModelUserInput!) { originalUserModelAddUser(accountId: $a, user: $u) { errors { message type } } }";
    for (email, role) in [("kiosk-kim@example.com", "RESTRICTED"), ("kiosk-lee@example.com", "USER")] {
        let body =
            app.ok(add, json!({"a": app.primary_account_id, "u": {"email": email, "name": email, "role": role}})).await;
        assert_eq!(body["data"]["originalUserModelAddUser"]["errors"], json!([]), "{body}");
    }
    let kiosk = "mutation($a: Int!, $on: Boolean!) { accountManagementUpdateSessionSettings(accountId: $a, restrictedUsersNeverTimeOut: $on) { sessionSettings { restrictedUsersNeverTimeOut } } }";
    app.ok(kiosk, json!({ "a": app.primary_account_id, "on": true })).await;
    let kim_cookie = signed_in(&app.router, "kiosk-kim@example.com").await;
    let lee_cookie = signed_in(&app.router, "kiosk-lee@example.com").await;
    age_sessions(&app, kim, 120).await;
    age_sessions(&app, lee, 120).await;
    assert_eq!(whoami(&app.router, &kim_cookie).await.0, StatusCode::OK, "a Restricted user's kiosk session stays");
    assert_eq!(whoami(&app.router, &lee_cookie).await.0, StatusCode::UNAUTHORIZED, "a User's session times out");
    // With kiosk mode off, the Restricted user's sessions time out too.
    app.ok(kiosk, json!({ "a": app.primary_account_id, "on": false })).await;
    age_sessions(&app, kim, 120).await;
    assert_eq!(whoami(&app.router, &kim_cookie).await.0, StatusCode::UNAUTHORIZED);
});

backend_test!(a_user_lists_and_ends_their_own_sessions, |app| {
    user_with_password(&app, "kim@example.com", UserType::Basic).await;
    user_with_password(&app, "lee@example.com", UserType::Basic).await;
    let first = signed_in(&app.router, "kim@example.com").await;
    let second = signed_in(&app.router, "kim@example.com").await;
    let lee = signed_in(&app.router, "lee@example.com").await;
    let list = "{ actor { sessions { id current userAgent } } }";
    let (_, body) = graphql_with_cookie(&app.router, &second, list, Value::Null).await;
    let sessions = body["data"]["actor"]["sessions"].as_array().expect("sessions").clone();
    assert_eq!(sessions.len(), 2, "{body}");
    assert_eq!(sessions[0]["current"], json!(true), "newest first, and it is this one");
    assert_eq!(sessions[1]["current"], json!(false));
    assert_eq!(sessions[0]["userAgent"], json!("sessions-test"));
    let (_, lee_list) = graphql_with_cookie(&app.router, &lee, list, Value::Null).await;
    let lee_id = lee_list["data"]["actor"]["sessions"][0]["id"].clone();

    let end = "mutation($ids: [ID!]!) { userManagementEndSessions(sessionIds: $ids) { endedSessionIds } }";
    let (_, body) = graphql_with_cookie(&app.router, &second, end, json!({ "ids": [sessions[1]["id"], lee_id] })).await;
    assert_eq!(body["data"]["userManagementEndSessions"]["endedSessionIds"], json!([sessions[1]["id"]]), "{body}");
    assert_eq!(whoami(&app.router, &first).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(whoami(&app.router, &second).await.0, StatusCode::OK);
    assert_eq!(whoami(&app.router, &lee).await.0, StatusCode::OK, "another user's session is not ended");
});

backend_test!(setup_links_are_one_time_expiring_and_only_for_users_without_a_password, |app| {
    let kim = app.create_user("kim@example.com", UserType::Basic).await;
    let body = app.ok(SETUP_LINK, json!({ "id": kim.to_string() })).await;
    let link = body["data"]["userManagementCreatePasswordSetupLink"]["link"].as_str().expect("link").to_owned();
    assert!(link.starts_with("http://"), "{link}");
    let token = link.split("token=").nth(1).expect("token").to_owned();
    let stored = password_token::Entity::find().all(&app.db).await.expect("query");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token, "only a hash is stored");

    let set_password = |token: String, password: &'static str| {
        let router = app.router.clone();
        async move {
            call(
                &router,
                Request::post("/password")
                    .header("Content-Type", "application/json")
                    .body(Body::from(json!({ "token": token, "password": password }).to_string()))
                    .expect("request"),
            )
            .await
        }
    };
    // Too weak: refused, and the link still works.
    let (status, _, body) = set_password(token.clone(), "password").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["errors"][0]["message"].as_str().expect("message").contains("at least 10"), "{body}");
    let (status, _, _) = set_password(token.clone(), PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    // One-time.
    let (status, _, body) = set_password(token.clone(), "Another-Horse-43").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(login(&app.router, "kim@example.com", PASSWORD).await.0, StatusCode::OK);

    // Nobody sets or resets another user's password: a user with one gets no link.
    let body = app.ok(SETUP_LINK, json!({ "id": kim.to_string() })).await;
    let payload = &body["data"]["userManagementCreatePasswordSetupLink"];
    assert_eq!(payload["link"], Value::Null);
    assert!(payload["errors"][0]["message"].as_str().expect("error").contains("already has a password"));

    // Expired links are refused.
    let lee = app.create_user("lee@example.com", UserType::Basic).await;
    let body = app.ok(SETUP_LINK, json!({ "id": lee.to_string() })).await;
    let link = body["data"]["userManagementCreatePasswordSetupLink"]["link"].as_str().expect("link").to_owned();
    password_token::Entity::update_many()
        .col_expr(password_token::Column::ExpiresAt, Expr::value(chrono::Utc::now() - chrono::TimeDelta::minutes(1)))
        .exec(&app.db)
        .await
        .expect("expire");
    let (status, _, _) = set_password(link.split("token=").nth(1).expect("token").to_owned(), PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Without the right to manage users (or over a user with more access), no link.
    let key = app.create_key(kim).await;
    let body = app.run_as(&key, SETUP_LINK, json!({ "id": lee.to_string() })).await;
    let payload = &body["data"]["userManagementCreatePasswordSetupLink"];
    assert_eq!(payload["link"], Value::Null, "{body}");
    assert!(!payload["errors"].as_array().expect("errors").is_empty());
});

backend_test!(users_change_their_own_password_with_the_current_one, |app| {
    user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let other = signed_in(&app.router, "kim@example.com").await;
    let current = signed_in(&app.router, "kim@example.com").await;
    let change = "mutation($c: String!, $n: String!) { userManagementUpdateOwnPassword(currentPassword: $c, newPassword: $n) { updated errors { message } } }";
    let (_, body) =
        graphql_with_cookie(&app.router, &current, change, json!({ "c": "Wrong-password-9", "n": "Brand-New-Pass-7" }))
            .await;
    assert_eq!(
        body["data"]["userManagementUpdateOwnPassword"],
        json!({ "updated": false, "errors": [{ "message": "The current password is wrong" }] })
    );
    let (_, body) =
        graphql_with_cookie(&app.router, &current, change, json!({ "c": PASSWORD, "n": "Brand-New-Pass-7" })).await;
    assert_eq!(body["data"]["userManagementUpdateOwnPassword"], json!({ "updated": true, "errors": [] }), "{body}");
    assert_eq!(whoami(&app.router, &current).await.0, StatusCode::OK, "the session that changed it stays");
    assert_eq!(whoami(&app.router, &other).await.0, StatusCode::UNAUTHORIZED, "other sessions end");
    assert_eq!(login(&app.router, "kim@example.com", PASSWORD).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&app.router, "kim@example.com", "Brand-New-Pass-7").await.0, StatusCode::OK);
});

backend_test!(a_reset_without_smtp_says_so_and_sends_nothing, |app| {
    user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let reset = |email: &'static str| {
        let router = app.router.clone();
        async move {
            call(
                &router,
                Request::post("/password/reset")
                    .header("Content-Type", "application/json")
                    .body(Body::from(json!({ "email": email }).to_string()))
                    .expect("request"),
            )
            .await
        }
    };
    let (status, _, known) = reset("kim@example.com").await;
    let (_, _, unknown) = reset("nobody@example.com").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(known, unknown);
    assert!(known["errors"][0]["message"].as_str().expect("message").contains("no SMTP server configured"));
    let tokens = password_token::Entity::find().all(&app.db).await.expect("query");
    assert!(tokens.is_empty(), "nothing is made when nothing can be sent");
});

backend_test!(a_reset_link_arrives_by_smtp_and_works_once, |app| {
    user_with_password(&app, "kim@example.com", UserType::Basic).await;
    let (port, mut mails) = fake_smtp::start().await;
    let site = SiteOptions {
        public_url: Some("https://ag.example.com".into()),
        smtp: Some(accessgraph::mail::SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            security: accessgraph::mail::SmtpSecurity::Plain,
            username: None,
            password: None,
            from: "AccessGraph <no-reply@example.com>".into(),
        }),
        ..SiteOptions::default()
    };
    let router = app.router_with_site(HttpLimits::default(), site).await;
    let reset = |email: &'static str| {
        let router = router.clone();
        async move {
            call(
                &router,
                Request::post("/password/reset")
                    .header("Content-Type", "application/json")
                    .body(Body::from(json!({ "email": email }).to_string()))
                    .expect("request"),
            )
            .await
        }
    };
    let (status, _, unknown) = reset("nobody@example.com").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _, known) = reset("kim@example.com").await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(known, unknown, "the same answer whether the email exists or not");
    let mail =
        tokio::time::timeout(Duration::from_secs(30), mails.recv()).await.expect("a mail in time").expect("mail");
    // Undo quoted-printable's soft line breaks and escapes.
    let mail = mail.replace("=\n", "").replace("=3D", "=");
    assert!(mail.contains("kim@example.com"), "{mail}");
    let token = mail
        .split("https://ag.example.com/password?token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("a link in the mail")
        .to_owned();
    let set = |token: String| {
        let router = router.clone();
        async move {
            call(
                &router,
                Request::post("/password")
                    .header("Content-Type", "application/json")
                    .body(Body::from(json!({ "token": token, "password": "Reset-Horse-99" }).to_string()))
                    .expect("request"),
            )
            .await
            .0
        }
    };
    assert_eq!(set(token.clone()).await, StatusCode::OK);
    assert_eq!(set(token).await, StatusCode::BAD_REQUEST, "one-time");
    assert_eq!(login(&router, "kim@example.com", "Reset-Horse-99").await.0, StatusCode::OK);
    assert!(mails.try_recv().is_err(), "no mail for an unknown email");
});

backend_test!(a_cross_site_form_post_with_the_cookie_changes_nothing, |app| {
    give_password(&app, app.admin_user_id, PASSWORD).await;
    let cookie = signed_in(&app.router, ADMIN_EMAIL).await;
    let domain = app.default_domain_id().await;
    let mutation = format!(
        "mutation {{ userManagementCreateUser(createUserOptions: {{authenticationDomainId: \"{domain}\", email: \"evil@example.com\", name: \"Evil\"}}) {{ createdUser {{ id }} }} }}"
    );
    let form_body = format!("query={}", urlencode(&mutation));
    for content_type in ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"] {
        let request = Request::post("/graphql")
            .header("Content-Type", content_type)
            .header("Origin", "https://evil.example")
            .header("Cookie", &cookie)
            .body(Body::from(form_body.clone()))
            .expect("request");
        let (status, _, body) = call(&app.router, request).await;
        assert!(status == StatusCode::FORBIDDEN || status == StatusCode::UNSUPPORTED_MEDIA_TYPE, "{status} {body}");
    }
    // Same-site but not JSON: refused too (a form cannot send JSON).
    let request = Request::post("/graphql")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Cookie", &cookie)
        .body(Body::from(form_body.clone()))
        .expect("request");
    assert_eq!(call(&app.router, request).await.0, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // JSON from another site's page, with the cookie: refused.
    let request = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Origin", "https://evil.example")
        .header("Cookie", &cookie)
        .body(Body::from(json!({ "query": mutation }).to_string()))
        .expect("request");
    assert_eq!(call(&app.router, request).await.0, StatusCode::FORBIDDEN);
    // A mutation over GET with the cookie: 405.
    let request =
        Request::get(format!("/graphql?{form_body}")).header("Cookie", &cookie).body(Body::empty()).expect("request");
    assert_eq!(call(&app.router, request).await.0, StatusCode::METHOD_NOT_ALLOWED);
    // Signing in or out from another site: refused.
    let request = Request::post("/logout")
        .header("Origin", "https://evil.example")
        .header("Cookie", &cookie)
        .body(Body::empty())
        .expect("request");
    assert_eq!(call(&app.router, request).await.0, StatusCode::FORBIDDEN);
    let mut login = login_request(ADMIN_EMAIL, PASSWORD, None, None);
    login.headers_mut().insert("Origin", "https://evil.example".parse().expect("header"));
    assert_eq!(call(&app.router, login).await.0, StatusCode::FORBIDDEN);

    // Nothing changed, and the session still works.
    let evil = entity::user::Entity::find()
        .filter(entity::user::Column::EmailLower.eq("evil@example.com"))
        .all(&app.db)
        .await
        .expect("query");
    assert!(evil.is_empty(), "{evil:?}");
    assert_eq!(whoami(&app.router, &cookie).await.0, StatusCode::OK);
    // The same mutation from the playground's own page (same origin, JSON) works.
    let request = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Origin", "http://localhost:4000")
        .header("Host", "localhost:4000")
        .header("Cookie", &cookie)
        .body(Body::from(json!({ "query": mutation }).to_string()))
        .expect("request");
    let (status, _, body) = call(&app.router, request).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("errors").is_none(), "{body}");
});

backend_test!(no_cors_unless_configured, |app| {
    let preflight = || {
        Request::options("/graphql")
            .header("Origin", "https://app.example.com")
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .body(Body::empty())
            .expect("request")
    };
    let (_, headers, _) = call(&app.router, preflight()).await;
    assert!(headers.get("access-control-allow-origin").is_none());
    let site = SiteOptions { cors_allowed_origins: vec!["https://app.example.com".into()], ..SiteOptions::default() };
    let router = app.router_with_site(HttpLimits::default(), site).await;
    let (_, headers, _) = call(&router, preflight()).await;
    assert_eq!(
        headers.get("access-control-allow-origin").and_then(|v| v.to_str().ok()),
        Some("https://app.example.com")
    );
    assert!(headers.get("access-control-allow-credentials").is_none(), "cookies stay same-site");
});

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// A minimal SMTP server on 127.0.0.1 that hands each message it receives to a channel.
mod fake_smtp {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpListener;
    use tokio::sync::mpsc;

    pub async fn start() -> (u16, mpsc::UnboundedReceiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let tx = tx.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 fake ESMTP\r\n").await;
                    let mut envelope = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            b"250 fake\r\n"
                        } else if upper.starts_with("DATA") {
                            let _ = write.write_all(b"354 go on\r\n").await;
                            let mut data = envelope.clone();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            let _ = tx.send(data);
                            b"250 queued\r\n"
                        } else if upper.starts_with("QUIT") {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            envelope.push_str(&line);
                            envelope.push('\n');
                            b"250 ok\r\n"
                        };
                        let _ = write.write_all(answer).await;
                    }
                });
            }
        });
        (port, rx)
    }
}

backend_test!(the_playground_is_served_offline_and_says_when_introspection_is_off, |app| {
    let page = |router: Router, path: &'static str| async move {
        let response = router
            .oneshot(Request::get(path).header("Accept", "text/html").body(Body::empty()).expect("request"))
            .await
            .expect("answer");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        (status, headers, String::from_utf8_lossy(&bytes).into_owned())
    };
    for path in ["/graphiql", "/graphql"] {
        let (status, headers, html) = page(app.router.clone(), path).await;
        assert_eq!(status, StatusCode::OK);
        let csp = headers.get("content-security-policy").and_then(|v| v.to_str().ok()).expect("csp");
        assert!(csp.contains("default-src 'self'") && csp.contains("connect-src 'self'"), "{csp}");
        assert!(html.contains("/playground/graphiql.min.js") && html.contains("data-introspection=\"true\""));
        assert!(!html.contains("http://") && !html.contains("https://"), "every asset is this server's: {html}");
    }
    for asset in [
        "/playground/graphiql.min.js",
        "/playground/graphiql.min.css",
        "/playground/app.js",
        "/playground/LICENSES.txt",
    ] {
        let (status, _, body) = page(app.router.clone(), asset).await;
        assert_eq!(status, StatusCode::OK, "{asset}");
        assert!(!body.is_empty());
    }
    assert_eq!(page(app.router.clone(), "/playground/nope.js").await.0, StatusCode::NOT_FOUND);

    let site = SiteOptions { introspection: false, ..SiteOptions::default() };
    let router = app.router_with_site(HttpLimits::default(), site).await;
    let (_, _, html) = page(router.clone(), "/graphiql").await;
    assert!(html.contains("data-introspection=\"false\"") && html.contains("Introspection is turned off"));
    let request = Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Api-Key", crate::common::ADMIN_KEY)
        .body(Body::from(json!({ "query": "{ __schema { queryType { name } } }" }).to_string()))
        .expect("request");
    let (_, _, body) = call(&router, request).await;
    assert!(body.get("errors").is_some() || body["data"]["__schema"].is_null(), "{body}");
    let (_, _, body) = call(
        &app.router,
        Request::post("/graphql")
            .header("Content-Type", "application/json")
            .header("Api-Key", crate::common::ADMIN_KEY)
            .body(Body::from(json!({ "query": "{ __schema { queryType { name } } }" }).to_string()))
            .expect("request"),
    )
    .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], json!("RootQueryType"));
});
