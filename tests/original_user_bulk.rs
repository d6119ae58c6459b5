//! Bulk CSV user actions of the original user model over HTTP (issue 14, item 3; seed 001, "Bulk
//! user management"): `originalUserModelBulkUserAction` and the backup CSV
//! (`originalUserModel.usersCsv`), on both backends, and `accessgraph users backup|bulk` as a
//! client of a running server.

use std::process::{Command, Output, Stdio};
use std::sync::atomic::Ordering;

use entity::enums::UserType;
use entity::{api_key, original_membership, user};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::backend_test;
use crate::common::{ADMIN_EMAIL, ADMIN_KEY, TestApp};
use crate::instances::{Server, database_url};

const BULK: &str = "mutation($a: Int!, $action: OriginalUserModelBulkUserActionType!, $csv: String!, $dry: Boolean) { originalUserModelBulkUserAction(accountId: $a, action: $action, csv: $csv, dryRun: $dry) { applied rows { line email status message } errors { message type } } }";
const BACKUP: &str = "query($a: Int!) { actor { account(id: $a) { originalUserModel { usersCsv } } } }";
const USERS: &str = "query($a: Int!) { actor { account(id: $a) { originalUserModel { users { users { email name role addOnRoles { name } } } } } } }";

/// The bulk action's payload as `key`, asserting no top-level error.
async fn bulk_as(app: &TestApp, key: &str, action: &str, csv: &str, dry_run: bool) -> Value {
    let body =
        app.run_as(key, BULK, json!({"a": app.primary_account_id, "action": action, "csv": csv, "dry": dry_run})).await;
    assert!(body.get("errors").is_none(), "no top-level errors: {body}");
    body["data"]["originalUserModelBulkUserAction"].clone()
}

async fn bulk(app: &TestApp, action: &str, csv: &str) -> Value {
    bulk_as(app, ADMIN_KEY, action, csv, false).await
}

/// Asserts the file applied, with every row APPLIED or UNCHANGED.
fn applied(payload: &Value) {
    assert_eq!(payload["applied"], true, "{payload}");
    assert_eq!(payload["errors"], json!([]), "{payload}");
}

/// Asserts the file was refused, with errors of `types`; returns the rejected rows' (line, message).
fn refused(payload: &Value, types: &[&str]) -> Vec<(i64, String)> {
    assert_eq!(payload["applied"], false, "{payload}");
    let got: Vec<&str> =
        payload["errors"].as_array().expect("errors").iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(got, types, "{payload}");
    payload["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r["status"] == "REJECTED")
        .map(|r| (r["line"].as_i64().expect("line"), r["message"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

fn statuses(payload: &Value) -> Vec<String> {
    payload["rows"].as_array().expect("rows").iter().map(|r| r["status"].as_str().expect("status").to_owned()).collect()
}

async fn backup(app: &TestApp) -> String {
    let body = app.ok(BACKUP, json!({"a": app.primary_account_id})).await;
    body["data"]["actor"]["account"]["originalUserModel"]["usersCsv"].as_str().expect("csv").to_owned()
}

/// The account's users as (email, name, role, add-on role names), by id.
async fn users(app: &TestApp) -> Vec<(String, String, String, Vec<String>)> {
    let body = app.ok(USERS, json!({"a": app.primary_account_id})).await;
    body["data"]["actor"]["account"]["originalUserModel"]["users"]["users"]
        .as_array()
        .expect("users")
        .iter()
        .map(|u| {
            let mut add_ons: Vec<String> = u["addOnRoles"]
                .as_array()
                .expect("add-ons")
                .iter()
                .map(|r| r["name"].as_str().expect("name").to_owned())
                .collect();
            add_ons.sort();
            (
                u["email"].as_str().expect("email").to_owned(),
                u["name"].as_str().expect("name").to_owned(),
                u["role"].as_str().expect("role").to_owned(),
                add_ons,
            )
        })
        .collect()
}

async fn memberships(app: &TestApp) -> u64 {
    original_membership::Entity::find()
        .filter(original_membership::Column::AccountId.eq(app.primary_account_id))
        .count(&app.db)
        .await
        .expect("count")
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    user::Entity::find()
        .filter(user::Column::EmailLower.eq(email.to_lowercase()))
        .one(&app.db)
        .await
        .expect("query")
        .expect("user")
        .id
}

fn row(email: &str, name: &str, role: &str, add_ons: &[&str]) -> (String, String, String, Vec<String>) {
    (email.to_owned(), name.to_owned(), role.to_owned(), add_ons.iter().map(|s| (*s).to_owned()).collect())
}

fn admin_row() -> (String, String, String, Vec<String>) {
    row(ADMIN_EMAIL, "Test Admin", "OWNER", &[])
}

backend_test!(add_update_and_delete_follow_the_seeds_rules, |app| {
    // ADD: a BOM, CRLF, quoted fields (a comma in a name, two add-on roles), the header in another
    // order and case.
    let add = "\u{feff}BASE ROLE,email,Add-on roles,\"Name\",type\r\n\
               admin,ada@example.com,\"APM manager; alerts MANAGER\",\"Lovelace, Ada\",full\r\n\
               restricted,\"bob@example.com\",,Bob,basic\r\n";
    let payload = bulk(&app, "ADD", add).await;
    applied(&payload);
    assert_eq!(statuses(&payload), ["APPLIED", "APPLIED"]);
    assert_eq!(payload["rows"][0]["line"], 2);
    assert_eq!(payload["rows"][1]["email"], "bob@example.com");
    assert_eq!(
        users(&app).await,
        vec![
            admin_row(),
            row("ada@example.com", "Lovelace, Ada", "ADMIN", &["APM manager", "Alerts manager"]),
            row("bob@example.com", "Bob", "RESTRICTED", &[]),
        ]
    );
    let ada = user::Entity::find_by_id(user_id(&app, "ada@example.com").await)
        .one(&app.db)
        .await
        .expect("present")
        .expect("present");
    assert_eq!(ada.user_type, UserType::Full);

    // ADD needs email, name, type and base role.
    let payload = bulk(&app, "ADD", "Email,Name,Base role\ncy@example.com,Cy,user\n").await;
    assert_eq!(payload["rows"], json!([]));
    assert_eq!(payload["errors"][0]["type"], "INVALID", "{payload}");
    assert!(payload["errors"][0]["message"].as_str().expect("present").contains("Type"), "{payload}");
    let rejected = refused(
        &bulk(&app, "ADD", "Email,Name,Type,Base role\ncy@example.com,Cy,basic,user\ndee@example.com,,basic,user\n")
            .await,
        &["INVALID"],
    );
    assert_eq!(rejected, vec![(3, "Name can't be blank".to_owned())]);
    // Nothing was added, not even the good row.
    assert!(!users(&app).await.iter().any(|u| u.0 == "cy@example.com"));
    assert_eq!(
        user::Entity::find()
            .filter(user::Column::EmailLower.eq("cy@example.com"))
            .count(&app.db)
            .await
            .expect("present"),
        0
    );
    // Nobody is given OWNER; an unknown add-on role or type is a rejected row; a user already on
    // the account with another role is for UPDATE.
    let rejected = refused(
        &bulk(
            &app,
            "ADD",
            "Email,Name,Type,Base role,Add-on role\ncy@example.com,Cy,basic,owner,\ndee@example.com,Dee,basic,user,Nope\n\
             eve@example.com,Eve,superuser,user,\nbob@example.com,Bob,basic,admin,\n",
        )
        .await,
        &["INVALID"],
    );
    assert_eq!(rejected.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 3, 4, 5], "{rejected:?}");
    assert!(rejected[0].1.contains("OWNER"), "{rejected:?}");
    assert!(rejected[1].1.contains("no add-on role named 'Nope'"), "{rejected:?}");
    assert!(rejected[3].1.contains("UPDATE"), "{rejected:?}");

    // UPDATE needs email, name (not editable) and base role; the add-on roles are replaced.
    let payload = bulk(&app, "UPDATE", "Name,Email,Base role\n\"Lovelace, Ada\",ADA@example.com,user\n").await;
    applied(&payload);
    assert_eq!(users(&app).await[1], row("ada@example.com", "Lovelace, Ada", "USER", &[]));
    let payload = bulk(
        &app,
        "UPDATE",
        "Email,Name,Base role\nada@example.com,Ada Lovelace,admin\nbob@example.com,Bob,user\nnobody@example.com,No,user\n",
    )
    .await;
    let rejected = refused(&payload, &["NOT_FOUND", "INVALID"]);
    assert_eq!(rejected.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 4]);
    assert!(rejected[0].1.contains("name cannot be changed"), "{rejected:?}");
    assert_eq!(statuses(&payload), ["REJECTED", "VALID", "REJECTED"]);
    assert_eq!(users(&app).await[2], row("bob@example.com", "Bob", "RESTRICTED", &[]), "nothing changed");
    // A row that changes nothing is UNCHANGED.
    let payload = bulk(&app, "UPDATE", "Email,Name,Base role\nbob@example.com,Bob,restricted\n").await;
    applied(&payload);
    assert_eq!(statuses(&payload), ["UNCHANGED"]);

    // DELETE needs only the email; the user's API keys for the account go with them.
    let bob = user_id(&app, "bob@example.com").await;
    app.create_key_on(bob, app.primary_account_id).await;
    let rejected = refused(&bulk(&app, "DELETE", "Email\nbob@example.com\nghost@example.com\n").await, &["NOT_FOUND"]);
    assert_eq!(rejected.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3]);
    assert_eq!(
        api_key::Entity::find().filter(api_key::Column::UserId.eq(bob)).count(&app.db).await.expect("present"),
        1
    );
    let payload = bulk(&app, "DELETE", "email\r\nbob@example.com\r\n").await;
    applied(&payload);
    assert_eq!(users(&app).await.len(), 2);
    assert_eq!(
        api_key::Entity::find().filter(api_key::Column::UserId.eq(bob)).count(&app.db).await.expect("present"),
        0
    );
    // The same email twice in one file, and an unknown column, are refused.
    let rejected = refused(&bulk(&app, "DELETE", "Email\nada@example.com\nAda@example.com\n").await, &["INVALID"]);
    assert_eq!(rejected[0].0, 3);
    let payload = bulk(&app, "DELETE", "Email,Shoe size\nada@example.com,9\n").await;
    assert_eq!(payload["errors"][0]["type"], "INVALID");
    assert!(payload["errors"][0]["message"].as_str().expect("present").contains("Unknown column 'Shoe size'"));
});

backend_test!(nobody_changes_their_own_role_or_the_owners_and_delegation_never_escalates, |app| {
    let payload = bulk(
        &app,
        "ADD",
        "Email,Name,Type,Base role\nboss@example.com,Boss,full,admin\nrita@example.com,Rita,basic,restricted\n",
    )
    .await;
    applied(&payload);
    let boss = user_id(&app, "boss@example.com").await;
    let boss_key = app.create_key_on(boss, app.primary_account_id).await.0;

    // An Admin changes others, never their own role nor the Owner's.
    let file = format!(
        "Email,Name,Base role\nrita@example.com,Rita,user\nboss@example.com,Boss,user\n{ADMIN_EMAIL},Test Admin,admin\n"
    );
    let rejected = refused(&bulk_as(&app, &boss_key, "UPDATE", &file, false).await, &["FORBIDDEN"]);
    assert_eq!(rejected.iter().map(|r| r.0).collect::<Vec<_>>(), vec![3, 4]);
    assert_eq!(rejected[0].1, "You cannot change your own role");
    assert!(rejected[1].1.starts_with("The Owner's role cannot be changed"), "{rejected:?}");
    let rejected =
        refused(&bulk_as(&app, &boss_key, "DELETE", &format!("Email\n{ADMIN_EMAIL}\n"), false).await, &["FORBIDDEN"]);
    assert_eq!(rejected.len(), 1);
    // Their own row and the Owner's, unchanged, are fine.
    let file = format!(
        "Email,Name,Base role\nrita@example.com,Rita,user\nboss@example.com,Boss,admin\n{ADMIN_EMAIL},Test Admin,owner\n"
    );
    let payload = bulk_as(&app, &boss_key, "UPDATE", &file, false).await;
    applied(&payload);
    assert_eq!(statuses(&payload), ["APPLIED", "UNCHANGED", "UNCHANGED"]);

    // A Restricted user changes nothing.
    let rita = user_id(&app, "rita@example.com").await;
    applied(&bulk(&app, "UPDATE", "Email,Name,Base role\nrita@example.com,Rita,restricted\n").await);
    let rita_key = app.create_key_on(rita, app.primary_account_id).await.0;
    let payload = bulk_as(&app, &rita_key, "DELETE", "Email\nboss@example.com\n", false).await;
    assert_eq!(payload["errors"][0]["type"], "FORBIDDEN", "{payload}");
    assert_eq!(payload["rows"], json!([]));

    // "Manage v1 users" alone through a group: adding a basic user would give them the basic
    // set, which the actor does not hold: refused row by row.
    let manager = app.create_user("v1-manager@example.com", UserType::Full).await;
    let group = app.create_group("V1 managers").await;
    app.add_member(&group, manager).await;
    app.grant(&group, "manage_v1_users", Some(app.primary_account_id)).await;
    let manager_key = app.create_key_on(manager, app.primary_account_id).await.0;
    let payload =
        bulk_as(&app, &manager_key, "ADD", "Email,Name,Type,Base role\nnew@example.com,New,basic,restricted\n", false)
            .await;
    let rejected = refused(&payload, &["FORBIDDEN"]);
    assert!(rejected[0].1.contains("access you do not have yourself"), "{rejected:?}");
    assert_eq!(
        user::Entity::find()
            .filter(user::Column::EmailLower.eq("new@example.com"))
            .count(&app.db)
            .await
            .expect("present"),
        0
    );
});

backend_test!(a_backup_restores_what_a_delete_removed_and_a_dry_run_changes_nothing, |app| {
    applied(
        &bulk(
            &app,
            "ADD",
            "Email,Name,Type,Base role,Add-on roles\n\
             a@example.com,\"Quote \"\"A\"\"\",core,admin,Synthetics manager\n\
             b@example.com,B,basic,user,APM manager;Browser manager\n\
             c@example.com,C,full,restricted,\n",
        )
        .await,
    );
    let saved = backup(&app).await;
    assert_eq!(
        saved,
        format!(
            "Email,Name,Type,Base role,Add-on roles\r\n{ADMIN_EMAIL},Test Admin,FULL,OWNER,\r\n\
             a@example.com,\"Quote \"\"A\"\"\",CORE,ADMIN,Synthetics manager\r\n\
             b@example.com,B,BASIC,USER,APM manager; Browser manager\r\n\
             c@example.com,C,FULL,RESTRICTED,\r\n"
        )
    );
    let before = users(&app).await;

    // A dry run reports and changes nothing.
    let payload = bulk_as(&app, ADMIN_KEY, "DELETE", "Email\na@example.com\nb@example.com\n", true).await;
    assert_eq!(payload["applied"], false);
    assert_eq!(payload["errors"], json!([]));
    assert_eq!(statuses(&payload), ["VALID", "VALID"]);
    assert_eq!(users(&app).await, before);
    let payload =
        bulk_as(&app, ADMIN_KEY, "ADD", "Email,Name,Type,Base role\nd@example.com,D,basic,user\n", true).await;
    assert_eq!(statuses(&payload), ["VALID"]);
    assert_eq!(
        user::Entity::find()
            .filter(user::Column::EmailLower.eq("d@example.com"))
            .count(&app.db)
            .await
            .expect("present"),
        0
    );

    // Delete two, restore them from the backup: the others stay as they are.
    applied(&bulk(&app, "DELETE", "Email\na@example.com\nb@example.com\n").await);
    assert_eq!(users(&app).await.len(), 2);
    let payload = bulk(&app, "ADD", &saved).await;
    applied(&payload);
    assert_eq!(statuses(&payload), ["UNCHANGED", "APPLIED", "APPLIED", "UNCHANGED"]);
    assert_eq!(users(&app).await, before);
    assert_eq!(backup(&app).await, saved);
    // The backup is an UPDATE file too: it changes nothing now.
    let payload = bulk(&app, "UPDATE", &saved).await;
    applied(&payload);
    assert_eq!(statuses(&payload), ["UNCHANGED"; 4]);
});

fn add_file(rows: usize, bad_row: Option<usize>) -> String {
    let mut csv = String::from("Email,Name,Type,Base role,Add-on roles\n");
    for i in 1..=rows {
        let role = if Some(i) == bad_row { "emperor" } else { "restricted" };
        csv.push_str(&format!("bulk-{i}@example.com,Bulk user {i},basic,{role},APM manager\n"));
    }
    csv
}

backend_test!(ten_thousand_rows_apply_all_or_nothing, |app| {
    // Row 9,999 (line 10,000) is bad: nothing is added.
    let payload = bulk(&app, "ADD", &add_file(10_000, Some(9_999))).await;
    let rejected = refused(&payload, &["INVALID"]);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, 10_000);
    assert_eq!(payload["rows"].as_array().map(Vec::len), Some(10_000));
    assert_eq!(memberships(&app).await, 1);
    assert_eq!(user::Entity::find().count(&app.db).await.expect("present"), 1);

    // All good: all are added, in one go.
    let started = std::time::Instant::now();
    let payload = bulk(&app, "ADD", &add_file(10_000, None)).await;
    let took = started.elapsed();
    applied(&payload);
    assert!(statuses(&payload).iter().all(|s| s == "APPLIED"));
    assert_eq!(memberships(&app).await, 10_001);
    eprintln!("10,000-row bulk add ({:?}, debug build): {took:?}", app.backend);
    // The backup lists them all.
    assert_eq!(backup(&app).await.lines().count(), 10_002);
    // One more row than the cap is refused as a whole.
    let payload = bulk(&app, "DELETE", &add_file(10_001, None)).await;
    assert_eq!(payload["errors"][0]["type"], "INVALID");
    assert!(payload["errors"][0]["message"].as_str().expect("present").contains("10000 rows"), "{payload}");
});

/// A file of `rows` users `<prefix>-<i>@example.com` for `action`.
fn file_of(action: &str, prefix: &str, rows: usize) -> String {
    let mut csv = String::from("Email,Name,Type,Base role,Add-on roles\n");
    for i in 1..=rows {
        let role = if action == "UPDATE" { "user" } else { "restricted" };
        csv.push_str(&format!("{prefix}-{i}@example.com,{prefix} {i},basic,{role},APM manager\n"));
    }
    csv
}

backend_test!(a_file_takes_a_few_statements_whatever_its_rows, |app| {
    let mut counts = Vec::new();
    for (prefix, rows) in [("small", 100), ("large", 1_000)] {
        let mut statements = Vec::new();
        for action in ["ADD", "UPDATE", "DELETE"] {
            let before = app.statements.load(Ordering::SeqCst);
            applied(&bulk(&app, action, &file_of(action, prefix, rows)).await);
            statements.push(app.statements.load(Ordering::SeqCst) - before);
        }
        counts.push(statements);
    }
    // Ten times the rows: a few more statements of 500 rows each, never one per row.
    for (small, large) in counts[0].iter().zip(&counts[1]) {
        assert!(*large <= small + 25, "{counts:?}");
    }
    assert!(counts[1].iter().all(|n| *n < 150), "{counts:?}");
});

backend_test!(only_managers_of_the_accounts_v1_users_read_the_backup, |app| {
    let payload = bulk(&app, "ADD", "Email,Name,Type,Base role\nr@example.com,R,basic,restricted\n").await;
    applied(&payload);
    let r = user_id(&app, "r@example.com").await;
    let key = app.create_key_on(r, app.primary_account_id).await.0;
    let body = app.run_as(&key, BACKUP, json!({"a": app.primary_account_id})).await;
    assert_eq!(body["errors"][0]["extensions"]["errorClass"], "FORBIDDEN", "{body}");
});

// ---------------------------------------------------------------------------------------------
// The command line

fn users_command(server: &Server, args: &[&str]) -> Output {
    let url = format!("http://{}", server.addr);
    let (sub, rest) = args.split_first().expect("a subcommand");
    Command::new(env!("CARGO_BIN_EXE_accessgraph"))
        .args(["users", sub, "--url", &url, "--api-key", ADMIN_KEY])
        .args(rest)
        .env_remove("ACCESSGRAPH_URL")
        .env_remove("ACCESSGRAPH_API_KEY")
        .stdin(Stdio::null())
        .output()
        .expect("run accessgraph users")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

backend_test!(the_command_line_backs_up_and_applies_files_through_a_running_server, |app| {
    let server = Server::start(&database_url(&app).await);
    let dir = tempfile::tempdir().expect("temporary directory");
    let account = app.primary_account_id.to_string();
    let add = dir.path().join("add.csv");
    std::fs::write(&add, "Email,Name,Type,Base role\ncli@example.com,Cli,basic,user\n").expect("write");
    let add = add.to_str().expect("path");

    // A dry run, then the file.
    let out = users_command(&server, &["bulk", "--account", &account, "--action", "add", "--dry-run", add]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "line 2\tcli@example.com\tVALID\tWould be created and added as USER\ndry run: 1 rows would apply; nothing was changed\n"
    );
    let out = users_command(&server, &["bulk", "--account", &account, "--action", "add", add]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).ends_with("applied: 1 rows\n"), "{}", text(&out.stdout));

    // The backup, to stdout.
    let out = users_command(&server, &["backup", "--account", &account]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let saved = text(&out.stdout);
    assert_eq!(
        saved,
        format!(
            "Email,Name,Type,Base role,Add-on roles\r\n{ADMIN_EMAIL},Test Admin,FULL,OWNER,\r\ncli@example.com,Cli,BASIC,USER,\r\n"
        )
    );

    // A refused file: non-zero, with the per-row report.
    let delete = dir.path().join("delete.csv");
    std::fs::write(&delete, format!("Email\ncli@example.com\n{ADMIN_EMAIL}\n")).expect("write");
    let out = users_command(
        &server,
        &["bulk", "--account", &account, "--action", "delete", delete.to_str().expect("present")],
    );
    assert!(!out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains(&format!("line 3\t{ADMIN_EMAIL}\tREJECTED\tYou cannot change your own role")), "{stdout}");
    assert!(stdout.contains("line 2\tcli@example.com\tVALID"), "{stdout}");
    assert!(stdout.ends_with("refused: nothing was changed\n"), "{stdout}");
    assert!(text(&out.stderr).contains("the file was refused and nothing was changed"), "{}", text(&out.stderr));
    assert_eq!(memberships(&app).await, 2);
});
