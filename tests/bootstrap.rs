//! Bootstrapping an empty database, and doing nothing on a bootstrapped one.

use std::collections::BTreeSet;

use accessgraph::auth::keys::ApiKeySecret;
use accessgraph::domain::bootstrap::{self, BootstrapOutcome, BootstrapSpec};
use accessgraph::error::AppError;
use entity::enums::{Edition, UserType};
use entity::{access_grant, api_key, group, group_membership, organization, role, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, TestApp};

fn spec(key: Option<&str>) -> BootstrapSpec {
    BootstrapSpec {
        organization_name: "Another".into(),
        edition: Edition::Pro,
        admin_email: "other@example.com".into(),
        admin_name: "Other".into(),
        key: key.map(|k| ApiKeySecret::parse_user_key(k).expect("valid")),
    }
}

async fn counts(app: &TestApp) -> [u64; 4] {
    [
        organization::Entity::find().count(&app.db).await.expect("count"),
        user::Entity::find().count(&app.db).await.expect("count"),
        group::Entity::find().count(&app.db).await.expect("count"),
        api_key::Entity::find().count(&app.db).await.expect("count"),
    ]
}

backend_test!(bootstrapping_again_changes_nothing, |app| {
    let before = counts(&app).await;
    assert_eq!(before, [1, 1, 2, 1]);
    let outcome = bootstrap::bootstrap(&app.db, spec(Some("NRAK-ANOTHERKEY00000000000000000"))).await.expect("runs");
    assert!(matches!(outcome, BootstrapOutcome::AlreadyBootstrapped));
    assert_eq!(counts(&app).await, before);
    // The second key was not stored.
    let (status, _) =
        app.graphql_as(Some("NRAK-ANOTHERKEY00000000000000000"), "{ actor { user { id } } }", json!(null)).await;
    assert_eq!(status, axum::http::StatusCode::UNAUTHORIZED);
});

backend_test!(the_admin_is_a_full_user_in_the_default_admin_group, |app| {
    let admin = user::Entity::find_by_id(app.admin_user_id).one(&app.db).await.expect("query").expect("admin");
    assert_eq!(admin.user_type, UserType::Full);
    assert_eq!(admin.email, ADMIN_EMAIL);
    let memberships = group_membership::Entity::find()
        .filter(group_membership::Column::UserId.eq(app.admin_user_id))
        .all(&app.db)
        .await
        .expect("query");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].group_id, app.group_id("Admin").await);
});

backend_test!(default_groups_have_their_standard_grants, |app| {
    let roles: std::collections::HashMap<i32, String> =
        role::Entity::find().all(&app.db).await.expect("query").into_iter().map(|r| (r.id, r.name)).collect();
    let grants_of = async |name: &str| -> BTreeSet<(String, Option<i32>, bool)> {
        let group = group::Entity::find()
            .filter(group::Column::DisplayName.eq(name))
            .one(&app.db)
            .await
            .expect("query")
            .expect("group");
        assert!(group.is_default);
        access_grant::Entity::find()
            .filter(access_grant::Column::GroupId.eq(group.id))
            .all(&app.db)
            .await
            .expect("query")
            .into_iter()
            .map(|g| (roles[&g.role_id].clone(), g.account_id, g.organization_id.is_some()))
            .collect()
    };
    let primary = Some(app.primary_account_id);
    assert_eq!(grants_of("User").await, BTreeSet::from([("all_product_admin".into(), primary, false)]));
    assert_eq!(
        grants_of("Admin").await,
        BTreeSet::from([
            ("all_product_admin".into(), primary, false),
            ("billing_user".into(), primary, false),
            ("organization_manager".into(), None, true),
            ("authentication_domain_manager".into(), None, true),
        ])
    );
});

backend_test!(bootstrap_is_audited, |app| {
    let actions: BTreeSet<String> =
        entity::audit_event::Entity::find().all(&app.db).await.expect("query").into_iter().map(|e| e.action).collect();
    for action in [
        "organization.create",
        "account.create",
        "authentication_domain.create",
        "group.create",
        "access_grant.create",
        "user.create",
        "api_key.create",
    ] {
        assert!(actions.contains(action), "missing audit action {action}: {actions:?}");
    }
});

#[tokio::test]
async fn without_a_key_a_random_key_is_made_and_works() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("fresh.db").display());
    let db = accessgraph::db::connect(&url, 4).await.expect("connect");
    accessgraph::db::migrate(&db).await.expect("migrate");
    let outcome = bootstrap::bootstrap(&db, spec(None)).await.expect("bootstrap");
    let BootstrapOutcome::Created { key, key_generated, .. } = outcome else { panic!("fresh database") };
    assert!(key_generated);
    assert!(ApiKeySecret::parse_user_key(key.expose()).is_ok(), "{key:?}");
    let org = organization::Entity::find().one(&db).await.expect("query").expect("org");
    assert_eq!(org.edition, Edition::Pro);

    let state = accessgraph::AppState::new(db).await.expect("state");
    let router = accessgraph::http::router(
        state,
        accessgraph::http::HttpLimits { request_timeout: std::time::Duration::from_secs(5), ..Default::default() },
    );
    use tower::ServiceExt;
    let request = axum::http::Request::post("/graphql")
        .header("Content-Type", "application/json")
        .header("Api-Key", key.expose())
        .body(axum::body::Body::from(json!({"query": "{ actor { user { email } } }"}).to_string()))
        .expect("request");
    let response = router.oneshot(request).await.expect("answer");
    assert_eq!(response.status(), axum::http::StatusCode::OK);
}

#[tokio::test]
async fn migrating_twice_is_a_no_op_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("twice.db").display());
    let db = accessgraph::db::connect(&url, 4).await.expect("connect");
    accessgraph::db::migrate(&db).await.expect("migrate");
    accessgraph::db::migrate(&db).await.expect("migrate again");
    let mut bad = spec(None);
    bad.admin_email = "not-an-email".into();
    assert!(matches!(bootstrap::bootstrap(&db, bad).await, Err(AppError::BadInput(_))));
    let mut bad = spec(None);
    bad.organization_name = "  ".into();
    assert!(matches!(bootstrap::bootstrap(&db, bad).await, Err(AppError::BadInput(_))));
    assert_eq!(organization::Entity::find().count(&db).await.expect("count"), 0);
}
