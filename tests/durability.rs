//! Durability: the server process is killed with SIGKILL in the middle of a burst of writes and
//! started again on the same database. Every change it acknowledged (HTTP 200 with data and no
//! errors) must still be there, and the database must be consistent. SQLite runs with the
//! production settings of `db::connect_options` (WAL, synchronous NORMAL: see `src/db.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use entity::{group_membership, user};
use futures_util::future::join_all;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Statement};
use serde_json::{Value, json};

use crate::common::{ADMIN_KEY, Backend, TestApp};
use crate::instances::{ADD_USERS, CREATE_USER, Server, database_url, graphql};

/// Tasks sending writes at once, and the acknowledged writes after which the process is killed.
const TASKS: usize = 6;
const KILL_AFTER: usize = 40;
/// Writes one task sends at most (a bound should the kill never come).
const MAX_WRITES_PER_TASK: usize = 400;

/// What the server acknowledged before it was killed.
#[derive(Default)]
struct Acknowledged {
    /// User id -> email.
    users: BTreeMap<i64, String>,
    /// Users added to the burst group.
    members: BTreeSet<i64>,
    /// Answers that were neither a success nor a lost connection (none are expected).
    failures: Vec<String>,
}

enum Outcome {
    Acknowledged(Value),
    /// The server answered, but not with a success.
    Failed(String),
    /// No complete answer: the process was killed.
    Lost,
}

async fn send(addr: std::net::SocketAddr, query: &str, variables: Value) -> Outcome {
    match graphql(addr, ADMIN_KEY, query, variables).await {
        Ok((200, body)) if body.get("errors").is_none() && body["data"].is_object() => Outcome::Acknowledged(body),
        Ok((status, body)) => Outcome::Failed(format!("{status} {body}")),
        Err(_) => Outcome::Lost,
    }
}

/// One task of the burst: creates users, and adds every other one to `group`, until the server
/// stops answering. True when the task was cut by the kill (a request left without an answer).
async fn writer(
    task: usize,
    addr: std::net::SocketAddr,
    domain: String,
    group: String,
    acknowledged: Arc<std::sync::Mutex<Acknowledged>>,
    count: Arc<AtomicUsize>,
) -> bool {
    let record = |f: &mut dyn FnMut(&mut Acknowledged)| {
        if let Ok(mut acknowledged) = acknowledged.lock() {
            f(&mut acknowledged);
        }
    };
    for i in 0..MAX_WRITES_PER_TASK {
        let email = format!("burst{task}-{i}@example.com");
        let options =
            json!({ "o": { "authenticationDomainId": domain, "email": email, "name": format!("Burst {task} {i}") } });
        let id = match send(addr, CREATE_USER, options).await {
            Outcome::Acknowledged(body) => {
                let id = body["data"]["userManagementCreateUser"]["createdUser"]["id"]
                    .as_str()
                    .and_then(|id| id.parse::<i64>().ok())
                    .unwrap_or_else(|| panic!("a created user id: {body}"));
                record(&mut |a| {
                    a.users.insert(id, email.clone());
                });
                count.fetch_add(1, Ordering::SeqCst);
                id
            }
            Outcome::Failed(answer) => {
                record(&mut |a| a.failures.push(answer.clone()));
                return false;
            }
            Outcome::Lost => return true,
        };
        if i % 2 == 1 {
            let options = json!({ "o": { "groupIds": [group], "userIds": [id.to_string()] } });
            match send(addr, ADD_USERS, options).await {
                Outcome::Acknowledged(_) => {
                    record(&mut |a| {
                        a.members.insert(id);
                    });
                    count.fetch_add(1, Ordering::SeqCst);
                }
                Outcome::Failed(answer) => {
                    record(&mut |a| a.failures.push(answer.clone()));
                    return false;
                }
                Outcome::Lost => return true,
            }
        }
    }
    false
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

async fn acknowledged_changes_survive_a_kill(app: TestApp) {
    let url = database_url(&app).await;
    let domain = app.default_domain_id().await;
    let group = app.create_group("Burst").await;
    let mut server = Server::start(&url);

    let acknowledged = Arc::new(std::sync::Mutex::new(Acknowledged::default()));
    let writes = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            tokio::spawn(writer(task, server.addr, domain.clone(), group.clone(), acknowledged.clone(), writes.clone()))
        })
        .collect();
    // Readiness of the burst, bounded: the kill comes once enough writes are acknowledged.
    for _ in 0..1200 {
        if writes.load(Ordering::SeqCst) >= KILL_AFTER || tasks.iter().all(|t| t.is_finished()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    server.kill();
    let cut = join_all(tasks).await.into_iter().filter(|task| *task.as_ref().expect("writer task")).count();
    let acknowledged = std::mem::take(&mut *acknowledged.lock().expect("lock"));
    assert!(acknowledged.failures.is_empty(), "answers that were not a success: {:?}", acknowledged.failures);
    // The kill landed in the middle of the burst: no task had finished its writes.
    assert_eq!(cut, TASKS, "tasks cut by the kill; the server's log:\n{}", server.log_text());
    assert!(acknowledged.users.len() >= KILL_AFTER / 2, "{} users acknowledged", acknowledged.users.len());
    eprintln!(
        "killed after {} users and {} memberships were acknowledged",
        acknowledged.users.len(),
        acknowledged.members.len()
    );

    // Started again on the same database, the server has every acknowledged change.
    let restarted = Server::start(&url);
    let stored: BTreeMap<i64, String> =
        user::Entity::find().all(&app.db).await.expect("users").into_iter().map(|u| (u.id, u.email)).collect();
    for (id, email) in &acknowledged.users {
        assert_eq!(stored.get(id), Some(email), "acknowledged user {id} <{email}> after the restart");
    }
    let members: BTreeSet<i64> = group_membership::Entity::find()
        .filter(group_membership::Column::GroupId.eq(&group))
        .all(&app.db)
        .await
        .expect("memberships")
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let missing: Vec<_> = acknowledged.members.difference(&members).collect();
    assert!(missing.is_empty(), "acknowledged memberships lost: {missing:?}");
    // The restarted server serves them, and takes writes.
    let body = restarted
        .ok(
            r#"query($g: [ID!]) { actor { organization { userManagement { authenticationDomains {
              authenticationDomains { groups(id: $g) { groups { users { totalCount } } } } } } } } }"#,
            json!({ "g": [group] }),
        )
        .await;
    let served = &body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["authenticationDomains"]
        [0]["groups"]["groups"][0]["users"]["totalCount"];
    assert_eq!(served, &json!(members.len()), "{body}");
    restarted
        .ok(
            CREATE_USER,
            json!({ "o": { "authenticationDomainId": domain, "email": "after@example.com", "name": "After" } }),
        )
        .await;

    // Consistent: every user's domain exists, every membership's user and group exist.
    let orphans = count(
        &app,
        "SELECT COUNT(*) FROM users u LEFT JOIN authentication_domains d ON d.id = u.authentication_domain_id
         WHERE d.id IS NULL",
    )
    .await;
    assert_eq!(orphans, 0, "users without their domain");
    let orphans = count(
        &app,
        "SELECT COUNT(*) FROM group_memberships m LEFT JOIN users u ON u.id = m.user_id
         LEFT JOIN groups g ON g.id = m.group_id WHERE u.id IS NULL OR g.id IS NULL",
    )
    .await;
    assert_eq!(orphans, 0, "memberships of missing users or groups");
    assert_eq!(
        user::Entity::find().filter(user::Column::Email.eq("after@example.com")).all(&app.db).await.expect("q").len(),
        1
    );
    if app.backend == Backend::Sqlite {
        let backend = app.db.get_database_backend();
        let rows = app
            .db
            .query_all_raw(Statement::from_string(backend, "PRAGMA integrity_check"))
            .await
            .expect("integrity_check");
        let results: Vec<String> = rows.iter().map(|r| r.try_get_by_index::<String>(0).expect("text")).collect();
        assert_eq!(results, vec!["ok".to_owned()]);
        let rows = app
            .db
            .query_all_raw(Statement::from_string(backend, "PRAGMA foreign_key_check"))
            .await
            .expect("foreign_key_check");
        assert!(rows.is_empty(), "foreign key violations: {}", rows.len());
    }
}

mod killed_in_a_burst_of_writes {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        acknowledged_changes_survive_a_kill(TestApp::sqlite().await).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        let Some(app) = TestApp::postgres().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        acknowledged_changes_survive_a_kill(app).await;
    }
}
