//! Several AccessGraph processes on one PostgreSQL database: a change made through one instance
//! applies to the very next request through the other (nothing an instance keeps in memory may
//! outlive a write made elsewhere), and writes interleaved through both lose nothing.
//!
//! These tests start the real `accessgraph serve` binary as child processes and talk HTTP to them;
//! [`Server`] and [`graphql`] are shared with `durability.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entity::enums::UserType;
use futures_util::future::join_all;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::common::{ADMIN_KEY, Backend, TestApp};

/// A running `accessgraph serve` process. Killed (SIGKILL) and reaped when dropped, so a failing
/// test leaves no process behind.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts the binary on `database_url`, listening on a port the system picks, and waits until
    /// it answers `GET /healthz`. An empty database is bootstrapped with [`ADMIN_KEY`].
    pub fn start(database_url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_accessgraph"))
            .arg("serve")
            .env("DATABASE_URL", database_url)
            .env("ACCESSGRAPH_LISTEN", "127.0.0.1:0")
            .env("ACCESSGRAPH_LOG_FORMAT", "json")
            .env("ACCESSGRAPH_BOOTSTRAP_KEY", ADMIN_KEY)
            .env("ACCESSGRAPH_ORGANIZATION_NAME", "Test Organization")
            // The tests send many requests at once as the admin.
            .env("ACCESSGRAPH_MAX_CONCURRENT_REQUESTS_PER_USER", "1000")
            .env("RUST_LOG", "warn,accessgraph=info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the accessgraph binary");
        let stderr = child.stderr.take().expect("piped stderr");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = mpsc::channel();
        let lines = log.clone();
        // Reads the process's log to its end (a full pipe would block the server), and reports the
        // address from the "AccessGraph listening" line.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if line.contains("AccessGraph listening")
                    && let Ok(entry) = serde_json::from_str::<Value>(&line)
                    && let Some(addr) = entry["fields"]["addr"].as_str().and_then(|a| a.parse::<SocketAddr>().ok())
                {
                    let _ = addr_tx.send(addr);
                }
                if let Ok(mut log) = lines.lock() {
                    log.push(line);
                }
            }
        });
        let mut server = Server { child, addr: SocketAddr::from(([127, 0, 0, 1], 0)), log };
        // Migrating and bootstrapping take a moment; a loaded CI machine gets a generous bound.
        match addr_rx.recv_timeout(Duration::from_secs(90)) {
            Ok(addr) => server.addr = addr,
            Err(_) => panic!("the server did not report its address; its log:\n{}", server.log_text()),
        }
        server.wait_ready();
        server
    }

    /// Polls `GET /healthz` a bounded number of times (readiness, not an assertion of speed).
    fn wait_ready(&mut self) {
        for _ in 0..300 {
            if let Ok((200, _)) = http(self.addr, "GET", "/healthz", None, None) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the server exited ({status}); its log:\n{}", self.log_text());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("the server never answered /healthz; its log:\n{}", self.log_text());
    }

    /// Kills the process with SIGKILL (no shutdown, no flush) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log_text(&self) -> String {
        self.log.lock().map(|log| log.join("\n")).unwrap_or_default()
    }

    /// POST /graphql as `key`; `Err` when the process did not answer (it was killed).
    pub async fn graphql_as(&self, key: &str, query: &str, variables: Value) -> std::io::Result<(u16, Value)> {
        graphql(self.addr, key, query, variables).await
    }

    /// An operation as `key` that must succeed: HTTP 200, data and no errors.
    pub async fn ok_as(&self, key: &str, query: &str, variables: Value) -> Value {
        let (status, body) = self.graphql_as(key, query, variables).await.expect("the server answers");
        assert_eq!(status, 200, "{body}");
        assert!(body.get("errors").is_none() && !body["data"].is_null(), "{body}");
        body
    }

    pub async fn ok(&self, query: &str, variables: Value) -> Value {
        self.ok_as(ADMIN_KEY, query, variables).await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// POST /graphql to `addr` as `key`: the status and the JSON body.
pub async fn graphql(addr: SocketAddr, key: &str, query: &str, variables: Value) -> std::io::Result<(u16, Value)> {
    let body = json!({ "query": query, "variables": variables }).to_string();
    let key = key.to_owned();
    let (status, text) = tokio::task::spawn_blocking(move || http(addr, "POST", "/graphql", Some(&key), Some(&body)))
        .await
        .expect("the request thread")?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
}

/// One HTTP/1.1 request on its own connection (`Connection: close`): the status and the body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10))?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(key) = key {
        request.push_str(&format!("Api-Key: {key}\r\n"));
    }
    let body = body.unwrap_or_default();
    request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned());
    let text = String::from_utf8(response).map_err(|_| invalid("a response that is not UTF-8"))?;
    let (head, content) = text.split_once("\r\n\r\n").ok_or_else(|| invalid("an incomplete response"))?;
    let status = head.split(' ').nth(1).and_then(|s| s.parse::<u16>().ok()).ok_or_else(|| invalid("no status line"))?;
    let chunked = head.lines().any(|line| {
        let line = line.to_ascii_lowercase();
        line.starts_with("transfer-encoding:") && line.contains("chunked")
    });
    if !chunked {
        return Ok((status, content.to_owned()));
    }
    let (mut rest, mut decoded) = (content, String::new());
    loop {
        let (size, after) = rest.split_once("\r\n").ok_or_else(|| invalid("a cut chunk"))?;
        let size = usize::from_str_radix(size.trim(), 16).map_err(|_| invalid("a bad chunk size"))?;
        if size == 0 {
            return Ok((status, decoded));
        }
        decoded.push_str(after.get(..size).ok_or_else(|| invalid("a cut chunk"))?);
        rest = after.get(size + 2..).ok_or_else(|| invalid("a cut chunk"))?;
    }
}

/// The URL a server process uses to reach `app`'s database: the SQLite file, or the PostgreSQL
/// test schema (through the `search_path` connection option).
pub async fn database_url(app: &TestApp) -> String {
    let backend = app.db.get_database_backend();
    match app.backend {
        Backend::Sqlite => {
            let row = app
                .db
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT file FROM pragma_database_list WHERE name = 'main'",
                ))
                .await
                .expect("query")
                .expect("the main database");
            let file: String = row.try_get("", "file").expect("file");
            format!("sqlite://{file}?mode=rwc")
        }
        Backend::Postgres => {
            let row = app
                .db
                .query_one_raw(Statement::from_string(DbBackend::Postgres, "SELECT current_schema() AS s"))
                .await
                .expect("query")
                .expect("a row");
            let schema: String = row.try_get("", "s").expect("schema");
            let url = std::env::var("TEST_DATABASE_URL").expect("TEST_DATABASE_URL");
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}options[search_path]={schema}")
        }
    }
}

const ACCOUNTS: &str = "{ actor { accounts { id } } }";
pub const ADD_USERS: &str = r#"mutation($o: UserManagementUsersGroupsInput!) {
  userManagementAddUsersToGroups(addUsersToGroupsOptions: $o) { groups { id } } }"#;
const REMOVE_USERS: &str = r#"mutation($o: UserManagementUsersGroupsInput!) {
  userManagementRemoveUsersFromGroups(removeUsersFromGroupsOptions: $o) { groups { id } } }"#;
const GRANT: &str = r#"mutation($o: AuthorizationManagementGrantAccess) {
  authorizationManagementGrantAccess(grantAccessOptions: $o) { roles { id } } }"#;
const REVOKE: &str = r#"mutation($o: AuthorizationManagementRevokeAccess) {
  authorizationManagementRevokeAccess(revokeAccessOptions: $o) { roles { id } } }"#;
const UPDATE_USER: &str = r#"mutation($o: UserManagementUpdateUser!) {
  userManagementUpdateUser(updateUserOptions: $o) { user { id } } }"#;
const DELETE_KEYS: &str = r#"mutation($keys: ApiAccessDeleteInput!) {
  apiAccessDeleteKeys(keys: $keys) { deletedKeys { id } errors { message } } }"#;
pub const CREATE_USER: &str = r#"mutation($o: UserManagementCreateUser!) {
  userManagementCreateUser(createUserOptions: $o) { createdUser { id } } }"#;
const GROUP_MEMBERS: &str = r#"query($g: [ID!]) { actor { organization { userManagement { authenticationDomains {
  authenticationDomains { groups(id: $g) { groups { users { users { id } totalCount } } } } } } } } }"#;

/// The account ids the holder of `key` sees through `server`.
async fn accounts(server: &Server, key: &str) -> Value {
    server.ok_as(key, ACCOUNTS, Value::Null).await["data"]["actor"]["accounts"].clone()
}

/// Asserts what the holder of `key` sees through `reader` first (the instance that did not make the
/// change), then through `writer`.
async fn assert_accounts(reader: &Server, writer: &Server, key: &str, expected: &Value, after: &str) {
    assert_eq!(&accounts(reader, key).await, expected, "through the other instance, after {after}");
    assert_eq!(&accounts(writer, key).await, expected, "through the writing instance, after {after}");
}

mod two_instances_on_one_postgresql {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn see_each_others_changes_at_once() {
        let Some(app) = TestApp::postgres().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let user = app.create_user("mover@example.com", UserType::Core).await;
        let (key, key_id) = app.create_key_on(user, app.primary_account_id).await;
        let group = app.create_group("Movers").await;
        // Billing user needs a core user: a basic user holding it gets no account.
        let billing = app.standard_role_id("billing_user").await;
        let url = database_url(&app).await;
        let (a, b) = (Server::start(&url), Server::start(&url));

        let none = json!([]);
        let primary = json!([{ "id": app.primary_account_id }]);
        let membership = json!({ "o": { "groupIds": [group], "userIds": [user.to_string()] } });
        let grant = json!({ "o": { "groupId": group,
            "accountAccessGrants": [{ "accountId": app.primary_account_id, "roleId": billing.to_string() }] } });
        // Both instances have served the user before any change.
        assert_accounts(&a, &b, &key, &none, "nothing").await;

        a.ok(ADD_USERS, membership.clone()).await;
        assert_accounts(&b, &a, &key, &none, "joining a group without grants").await;
        b.ok(GRANT, grant.clone()).await;
        assert_accounts(&a, &b, &key, &primary, "a grant to the group").await;
        a.ok(REVOKE, grant.clone()).await;
        assert_accounts(&b, &a, &key, &none, "revoking the grant").await;
        b.ok(GRANT, grant.clone()).await;
        assert_accounts(&a, &b, &key, &primary, "granting again").await;

        a.ok(REMOVE_USERS, membership.clone()).await;
        assert_accounts(&b, &a, &key, &none, "leaving the group").await;
        b.ok(ADD_USERS, membership.clone()).await;
        assert_accounts(&a, &b, &key, &primary, "joining the group again").await;

        a.ok(UPDATE_USER, json!({ "o": { "id": user.to_string(), "userType": "BASIC_USER_TIER" } })).await;
        assert_accounts(&b, &a, &key, &none, "becoming a basic user").await;
        b.ok(UPDATE_USER, json!({ "o": { "id": user.to_string(), "userType": "CORE_USER_TIER" } })).await;
        assert_accounts(&a, &b, &key, &primary, "becoming a core user again").await;

        let body = a.ok(DELETE_KEYS, json!({ "keys": { "userKeyIds": [key_id] } })).await;
        assert_eq!(
            body["data"]["apiAccessDeleteKeys"],
            json!({ "deletedKeys": [{ "id": key_id }], "errors": [] }),
            "{body}"
        );
        for (server, which) in [(&b, "the other instance"), (&a, "the deleting instance")] {
            let (status, body) = server.graphql_as(&key, ACCOUNTS, Value::Null).await.expect("answers");
            assert_eq!(status, 401, "a deleted key through {which}: {body}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn lose_no_interleaved_writes() {
        let Some(app) = TestApp::postgres().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let domain = app.default_domain_id().await;
        let group = app.create_group("Everyone new").await;
        let url = database_url(&app).await;
        let servers = Arc::new([Server::start(&url), Server::start(&url)]);
        const USERS: usize = 40;

        // 40 users created at once, alternately through each instance.
        let created = join_all((0..USERS).map(|i| {
            let (servers, domain) = (servers.clone(), domain.clone());
            tokio::spawn(async move {
                let options = json!({ "o": { "authenticationDomainId": domain,
                    "email": format!("interleaved{i}@example.com"), "name": format!("Interleaved {i}") } });
                let body = servers[i % 2].ok(CREATE_USER, options).await;
                body["data"]["userManagementCreateUser"]["createdUser"]["id"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| panic!("a created user id: {body}"))
            })
        }))
        .await;
        let mut ids: Vec<String> = created.into_iter().map(|r| r.expect("task")).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), USERS, "every creation has its own user");

        // Each joins the one group, alternately through each instance, all at once.
        let joined = join_all(ids.iter().enumerate().map(|(i, id)| {
            let (servers, group, id) = (servers.clone(), group.clone(), id.clone());
            tokio::spawn(async move {
                servers[(i + 1) % 2].ok(ADD_USERS, json!({ "o": { "groupIds": [group], "userIds": [id] } })).await;
            })
        }))
        .await;
        joined.into_iter().for_each(|r| r.expect("task"));

        // Both instances list every user in the group.
        for server in servers.iter() {
            let body = server.ok(GROUP_MEMBERS, json!({ "g": [group] })).await;
            let users = &body["data"]["actor"]["organization"]["userManagement"]["authenticationDomains"]["authenticationDomains"]
                [0]["groups"]["groups"][0]["users"];
            assert_eq!(users["totalCount"], json!(USERS), "{body}");
            let mut members: Vec<String> = users["users"]
                .as_array()
                .expect("users")
                .iter()
                .filter_map(|u| u["id"].as_str().map(str::to_owned))
                .collect();
            members.sort();
            assert_eq!(members, ids);
        }
    }
}

/// On PostgreSQL an instance keeps key rows between requests (`auth::key_cache`), served only
/// while its lease runs and emptied by every change (`auth::peers`). These tests take the place of
/// another instance where they need one: they listen on the instances' channel, hold a lease in
/// `accessgraph_instances`, and answer (or not) a write's ping.
mod kept_key_rows {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    use accessgraph::auth::peers::CHANNEL;
    use sea_orm::sqlx::postgres::PgListener;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

    use super::*;

    const USER_ID: &str = "{ actor { user { id } } }";

    /// Requests with `key` until one costs no statement: the key row is kept and the lease runs.
    async fn until_kept(app: &TestApp, key: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let before = app.statements.load(std::sync::atomic::Ordering::SeqCst);
            let (status, body) = app.graphql_as(Some(key), USER_ID, Value::Null).await;
            assert_eq!(status, 200, "{body}");
            if app.statements.load(std::sync::atomic::Ordering::SeqCst) == before {
                return;
            }
            assert!(Instant::now() < deadline, "the key row was never kept");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A listener on `app`'s channel, as another instance would have.
    async fn listen(app: &TestApp) -> PgListener {
        let mut listener = PgListener::connect(&database_url(app).await).await.expect("listen");
        let (schema,): (String,) =
            sea_orm::sqlx::query_as("SELECT current_schema()").fetch_one(&mut listener).await.expect("schema");
        listener.listen(&format!("{CHANNEL}{schema}")).await.expect("listen");
        listener
    }

    /// The next message on the channel that `wanted` accepts.
    async fn message(listener: &mut PgListener, wanted: impl Fn(&str) -> bool) -> String {
        let read = async {
            loop {
                let notification = listener.recv().await.expect("a message");
                if wanted(notification.payload()) {
                    return notification.payload().to_owned();
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), read).await.expect("the message in time")
    }

    /// Holds a lease for `instance` for `seconds` from now.
    async fn hold_lease(app: &TestApp, instance: &str, seconds: f64) {
        app.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "INSERT INTO accessgraph_instances (id, lease_until) VALUES ($1, now() + make_interval(secs => $2))",
                [instance.into(), seconds.into()],
            ))
            .await
            .expect("a lease");
    }

    /// `select` (an expression of `pg_stat_activity`'s columns) of each connection listening on
    /// the channel of `schema`, i.e. whose last statement was its `LISTEN`.
    async fn on_listening_connections(app: &TestApp, schema: &str, select: &str) -> Vec<sea_orm::QueryResult> {
        app.db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!("SELECT {select} FROM pg_stat_activity WHERE query = $1"),
                [format!("LISTEN \"{CHANNEL}{schema}\"").into()],
            ))
            .await
            .expect("the listening connections")
    }

    /// A TCP proxy in front of PostgreSQL that can make one of its connections silent: the
    /// connection stays open and nothing more crosses it either way, as with a network partition
    /// or a stalled proxy (no error, no end of stream). Connections are named by the port of their
    /// side towards PostgreSQL (`pg_stat_activity.client_port`).
    struct SilencingProxy {
        addr: SocketAddr,
        connections: Arc<Mutex<HashMap<u16, Arc<AtomicBool>>>>,
    }

    impl SilencingProxy {
        async fn start(upstream: SocketAddr) -> SilencingProxy {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
            let addr = listener.local_addr().expect("the proxy's address");
            let connections: Arc<Mutex<HashMap<u16, Arc<AtomicBool>>>> = Arc::default();
            let registered = connections.clone();
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let Ok(server) = tokio::net::TcpStream::connect(upstream).await else { continue };
                    let silent = Arc::new(AtomicBool::new(false));
                    let port = server.local_addr().expect("a local address").port();
                    registered.lock().expect("connections").insert(port, silent.clone());
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::spawn(pump(client_read, server_write, silent.clone()));
                    tokio::spawn(pump(server_read, client_write, silent));
                }
            });
            SilencingProxy { addr, connections }
        }

        /// Silences the connection whose side towards PostgreSQL has `port`; false if it is not
        /// one of the proxy's.
        fn silence(&self, port: u16) -> bool {
            let connections = self.connections.lock().expect("connections");
            connections.get(&port).inspect(|silent| silent.store(true, Ordering::SeqCst)).is_some()
        }

        fn carries(&self, port: u16) -> bool {
            self.connections.lock().expect("connections").contains_key(&port)
        }

        /// `url` (a PostgreSQL URL) through the proxy.
        fn url(&self, url: &str) -> String {
            let mut url = url::Url::parse(url).expect("a database URL");
            url.set_host(Some(&self.addr.ip().to_string())).expect("a host");
            url.set_port(Some(self.addr.port())).expect("a port");
            url.to_string()
        }
    }

    /// Copies `from` to `to` until either ends; once `silent`, holds what it read and reads no more.
    async fn pump(mut from: OwnedReadHalf, mut to: OwnedWriteHalf, silent: Arc<AtomicBool>) {
        let mut buffer = vec![0; 16 * 1024];
        loop {
            let read = match from.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            if silent.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
            if to.write_all(&buffer[..read]).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    }

    /// The `client_port` of each connection listening on `schema`'s channel.
    async fn listening_ports(app: &TestApp, schema: &str) -> Vec<u16> {
        on_listening_connections(app, schema, "client_port")
            .await
            .iter()
            .map(|row| row.try_get::<i32>("", "client_port").expect("a port"))
            .map(|port| u16::try_from(port).expect("a TCP port"))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_through_the_instance_applies_to_its_next_request() {
        let Some(app) = TestApp::postgres_keeping_key_rows().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let (key, key_id) = app.create_key_on(app.admin_user_id, app.primary_account_id).await;
        until_kept(&app, &key).await;
        let body = app.graphql_as(Some(ADMIN_KEY), DELETE_KEYS, json!({ "keys": { "userKeyIds": [key_id] } })).await.1;
        assert_eq!(body["data"]["apiAccessDeleteKeys"]["deletedKeys"], json!([{ "id": key_id }]), "{body}");
        let (status, body) = app.graphql_as(Some(&key), USER_ID, Value::Null).await;
        assert_eq!(status, 401, "the deleted key, kept before: {body}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_change_made_outside_accessgraph_empties_the_kept_rows() {
        let Some(app) = TestApp::postgres_keeping_key_rows().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let user = app.create_user("outside@example.com", UserType::Full).await;
        let (key, _) = app.create_key_on(user, app.primary_account_id).await;
        until_kept(&app, &key).await;
        // As an administrator with psql would: no request of AccessGraph's waits for it, so the
        // instance learns of it from the trigger's notification, a moment later.
        app.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE users SET active = false WHERE id = $1",
                [user.into()],
            ))
            .await
            .expect("deactivate");
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let (status, _) = app.graphql_as(Some(&key), USER_ID, Value::Null).await;
            if status == 401 {
                break;
            }
            assert!(Instant::now() < deadline, "the deactivated user's key still works");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_write_answers_only_once_every_leased_instance_has_confirmed_it() {
        let Some(app) = TestApp::postgres().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let user = app.create_user("waited@example.com", UserType::Core).await;
        let server = Arc::new(Server::start(&database_url(&app).await));
        let mut listener = listen(&app).await;
        hold_lease(&app, "test-peer", 30.0).await;

        let started = Instant::now();
        let write = tokio::spawn({
            let server = server.clone();
            async move {
                server.ok(UPDATE_USER, json!({ "o": { "id": user.to_string(), "userType": "BASIC_USER_TIER" } })).await
            }
        });
        // The change comes first on the channel, then the write's ping.
        message(&mut listener, |m| m == "c").await;
        let ping = message(&mut listener, |m| m.starts_with("p ")).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!write.is_finished(), "the write answered before this instance confirmed it");

        let (_, writer_and_n) = ping.split_at(2);
        let answer = format!("a {writer_and_n} test-peer");
        sea_orm::sqlx::query(concat!("SELECT pg_notify('", "accessgraph.", "' || current_schema(), $1)"))
            .bind(answer)
            .execute(&mut listener)
            .await
            .expect("answer");
        tokio::time::timeout(Duration::from_secs(10), write)
            .await
            .expect("the write answers once confirmed")
            .expect("task");
        assert!(started.elapsed() < Duration::from_secs(20), "the write waited for the answer, not for the lease");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_write_waits_out_the_lease_of_an_instance_that_does_not_answer() {
        let Some(app) = TestApp::postgres().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let user = app.create_user("unanswered@example.com", UserType::Core).await;
        let server = Server::start(&database_url(&app).await);
        let started = Instant::now();
        hold_lease(&app, "gone-peer", 1.5).await;
        server.ok(UPDATE_USER, json!({ "o": { "id": user.to_string(), "userType": "BASIC_USER_TIER" } })).await;
        // Until then the silent instance might still have served the user's old key row.
        assert!(started.elapsed() >= Duration::from_millis(1_400), "answered after {:?}", started.elapsed());
        // Its lease over, the next write does not wait for it.
        let again = Instant::now();
        server.ok(UPDATE_USER, json!({ "o": { "id": user.to_string(), "userType": "CORE_USER_TIER" } })).await;
        assert!(again.elapsed() < Duration::from_secs(1), "answered after {:?}", again.elapsed());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_instance_whose_listening_connection_is_ended_still_sees_every_change() {
        let Some(app) = TestApp::postgres().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let user = app.create_user("cut-off@example.com", UserType::Core).await;
        let (key, key_id) = app.create_key_on(user, app.primary_account_id).await;
        let url = database_url(&app).await;
        let (a, b) = (Server::start(&url), Server::start(&url));
        assert_accounts(&b, &a, &key, &json!([]), "nothing").await;
        // Every instance's listening connection (this test's schema only), as an administrator,
        // a restart of PostgreSQL or a proxy would end them.
        let schema = url.rsplit('=').next().expect("the schema").to_owned();
        let ended = on_listening_connections(&app, &schema, "pg_terminate_backend(pid)").await;
        assert_eq!(ended.len(), 2, "both instances listen on a connection of their own");
        let (status, body) = b.graphql_as(&key, ACCOUNTS, Value::Null).await.expect("answers");
        assert_eq!(status, 200, "{body}");
        // Both listen again, on new connections, and serve the key again (kept or read).
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let listening = on_listening_connections(&app, &schema, "pid").await;
            if listening.len() == 2 {
                break;
            }
            assert!(Instant::now() < deadline, "{} instances listen again", listening.len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_accounts(&b, &a, &key, &json!([]), "listening again").await;

        a.ok(DELETE_KEYS, json!({ "keys": { "userKeyIds": [key_id] } })).await;
        for (server, which) in [(&b, "the other instance"), (&a, "the deleting instance")] {
            let (status, body) = server.graphql_as(&key, ACCOUNTS, Value::Null).await.expect("answers");
            assert_eq!(status, 401, "a deleted key through {which}: {body}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn an_instance_whose_listening_connection_goes_silent_still_sees_every_change() {
        let Some(app) = TestApp::postgres().await else {
            eprintln!("TEST_DATABASE_URL is not set: PostgreSQL test skipped");
            return;
        };
        let user = app.create_user("partitioned@example.com", UserType::Core).await;
        let (first_key, first_id) = app.create_key_on(user, app.primary_account_id).await;
        let (second_key, second_id) = app.create_key_on(user, app.primary_account_id).await;
        let url = database_url(&app).await;
        let upstream = url::Url::parse(&url).expect("a database URL");
        let upstream = tokio::net::lookup_host((
            upstream.host_str().expect("a PostgreSQL host"),
            upstream.port_or_known_default().unwrap_or(5432),
        ))
        .await
        .expect("the PostgreSQL address")
        .next()
        .expect("an address");
        let proxy = SilencingProxy::start(upstream).await;
        // A reaches PostgreSQL through the proxy, B directly.
        let (a, b) = (Server::start(&proxy.url(&url)), Server::start(&url));
        for key in [&first_key, &second_key] {
            assert_accounts(&b, &a, key, &json!([]), "nothing").await;
        }
        let schema = url.rsplit('=').next().expect("the schema").to_owned();
        let silenced = listening_ports(&app, &schema)
            .await
            .into_iter()
            .find(|port| proxy.carries(*port))
            .expect("A listens through the proxy");
        assert!(proxy.silence(silenced));

        // A hears neither the change nor B's ping: B's write answers once A's lease has run out,
        // and A, its heartbeats no longer coming back, no longer serves the key it kept.
        b.ok(DELETE_KEYS, json!({ "keys": { "userKeyIds": [first_id] } })).await;
        let (status, body) = a.graphql_as(&first_key, ACCOUNTS, Value::Null).await.expect("answers");
        assert_eq!(status, 401, "a key deleted through B, through A while A hears nothing: {body}");
        let (status, body) = a.graphql_as(&second_key, ACCOUNTS, Value::Null).await.expect("answers");
        assert_eq!(status, 200, "A still serves, reading every key: {body}");

        // After two seconds of silence A listens on a new connection, and keeps rows again.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !listening_ports(&app, &schema).await.iter().any(|port| *port != silenced && proxy.carries(*port)) {
            assert!(Instant::now() < deadline, "A never listened again");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_accounts(&b, &a, &second_key, &json!([]), "A listening again").await;
        b.ok(DELETE_KEYS, json!({ "keys": { "userKeyIds": [second_id] } })).await;
        let (status, body) = a.graphql_as(&second_key, ACCOUNTS, Value::Null).await.expect("answers");
        assert_eq!(status, 401, "a key deleted through B, through A listening again: {body}");
    }
}
