//! The command line as a client of a running server (issue 17, item 5): `accessgraph explain`
//! run as a process against a real `accessgraph serve` process, on both backends, with the
//! README's "Explaining access" example seeded: a basic user in a custom group whose only role is
//! "Dashboards viewer", and a full user beside them.

use std::process::{Command, Output, Stdio};

use chrono::Utc;
use entity::enums::{AuthenticationType, ProvisioningType, Scope, UserType};
use sea_orm::{ActiveModelTrait, Set};

use crate::backend_test;
use crate::common::{ADMIN_KEY, TestApp};
use crate::instances::{Server, database_url};

const READ_DASHBOARDS: i32 = 1701;

/// `accessgraph explain` against `server` as the admin, with `args` after the server's.
fn explain(server: &Server, args: &[&str]) -> Output {
    let url = format!("http://{}", server.addr);
    Command::new(env!("CARGO_BIN_EXE_accessgraph"))
        .args(["explain", "--url", &url, "--api-key", ADMIN_KEY])
        .args(args)
        .env_remove("ACCESSGRAPH_URL")
        .env_remove("ACCESSGRAPH_API_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run accessgraph explain")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The README's example: returns (group id, role id, grant id).
async fn seed_readme_example(app: &TestApp) -> (String, i32, i64) {
    let role = app.create_custom_role(&app.organization_id, "Dashboards viewer", Scope::Account).await;
    app.grant_capability(role, READ_DASHBOARDS).await;
    let group = app.create_group("Minimal").await;
    let basic = app.create_user("basic@example.com", UserType::Basic).await;
    let full = app.create_user("full@example.com", UserType::Full).await;
    app.add_member(&group, basic).await;
    app.add_member(&group, full).await;
    let grant = entity::access_grant::ActiveModel {
        group_id: Set(group.clone()),
        role_id: Set(role),
        account_id: Set(Some(app.primary_account_id)),
        organization_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert grant");
    (group, role, grant.id.into())
}

backend_test!(explain_prints_the_servers_answer_and_fails_clearly, |app| {
    assert_eq!(app.primary_account_id, 1, "the README asks about account 1");
    let (group, role, grant) = seed_readme_example(&app).await;
    let server = Server::start(&database_url(&app).await);

    // Allowed: the basic user, by email and capability name (any case).
    let out = explain(&server, &["--user", "basic@example.com", "--account", "1", "--capability", "modify dashboards"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "basic@example.com can use \"Modify dashboards\" on account 1: as a basic user they have the basic user set there, whatever their roles give (1 grant giving access to the account).\n\
             allowed: yes\n\
             paths:\n  group \"Minimal\" ({group}), role \"Dashboards viewer\" ({role}), grant {grant}, scope account\n\
             limits: none\n"
        )
    );

    // Refused: the full user beside them (still exit code 0: the answer is data), by capability id.
    let out = explain(&server, &["--user", "FULL@example.com", "--account", "1", "--capability", "1702"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("full@example.com cannot use \"Modify dashboards\" on account 1"), "{stdout}");
    assert_eq!(lines[1..3], ["allowed: no", "paths: none"], "{stdout}");
    assert_eq!(lines[3], "limits:", "{stdout}");
    assert!(lines[4].starts_with("  ROLE_LACKS_CAPABILITY: "), "{stdout}");
    assert_eq!(lines.len(), 5, "{stdout}");

    // An unknown capability: non-zero, a clear message on stderr, nothing on stdout.
    let out = explain(&server, &["--user", "basic@example.com", "--account", "1", "--capability", "dashboards"]);
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr).trim(),
        "error: no capability is named \"dashboards\"; did you mean: \"Read dashboards\" (1701), \"Modify dashboards\" (1702), \"Delete dashboards\" (1703)"
    );
    let out = explain(&server, &["--user", "basic@example.com", "--account", "1", "--capability", "999999"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("(NOT_FOUND)"), "{}", text(&out.stderr));

    // An unknown user, an email in two domains, a wrong key, no server.
    let out = explain(&server, &["--user", "nobody@example.com", "--capability", "1702"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("no user with the email nobody@example.com"), "{}", text(&out.stderr));
    let okta =
        app.create_domain_in(&app.organization_id, "Okta", AuthenticationType::Saml, ProvisioningType::Manual).await;
    let twin = app.create_user_in(&okta, "basic@example.com", UserType::Core).await;
    let out = explain(&server, &["--user", "basic@example.com", "--account", "1", "--capability", "1702"]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(stderr.contains("basic@example.com is a user in 2 authentication domains"), "{stderr}");
    assert!(stderr.contains(&format!("user {twin} in \"Okta\"")), "{stderr}");
    assert!(stderr.contains("pass --user with one of these user ids"), "{stderr}");
    let out = explain(&server, &["--user", &twin.to_string(), "--account", "1", "--capability", "1702"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("allowed: no"), "{}", text(&out.stdout));

    let out = Command::new(env!("CARGO_BIN_EXE_accessgraph"))
        .args(["explain", "--url", &format!("http://{}", server.addr), "--api-key", "NRAK-WRONGWRONGWRONGWRONGWRONG12"])
        .args(["--user", "basic@example.com", "--capability", "1702"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("HTTP 401: Bad API Key or no API Key provided"), "{}", text(&out.stderr));
    let out = Command::new(env!("CARGO_BIN_EXE_accessgraph"))
        .args(["explain", "--url", "https://127.0.0.1:1", "--api-key", ADMIN_KEY, "--user", "1", "--capability", "1"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("https is not supported"), "{}", text(&out.stderr));
});
