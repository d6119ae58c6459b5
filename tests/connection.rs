//! How AccessGraph connects to PostgreSQL (`db::connect`): on this host, plaintext unless the URL
//! asks for a TLS mode.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Whether `db`'s connection is encrypted, by the server's own account.
async fn encrypted(db: &DatabaseConnection) -> bool {
    let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("query");
    row.expect("a row for this backend").try_get("", "ssl").expect("ssl")
}

fn with_parameter(url: &str, parameter: &str) -> String {
    format!("{url}{}{parameter}", if url.contains('?') { '&' } else { '?' })
}

#[tokio::test]
async fn a_loopback_server_is_spoken_to_in_plaintext_unless_the_url_names_a_tls_mode() {
    let Some(url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else { return };
    if url.contains("sslmode") || std::env::var_os("PGSSLMODE").is_some() {
        return;
    }
    let db = accessgraph::db::connect(&url, 1).await.expect("connect");
    let server_has_tls = {
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), "SHOW ssl")).await.expect("show");
        row.expect("a row").try_get::<String>("", "ssl").expect("ssl") == "on"
    };
    let loopback = ["127.", "localhost", "[::1]"].iter().any(|host| url.contains(&format!("@{host}")));
    if loopback {
        assert!(!encrypted(&db).await, "a loopback connection that names no mode is plaintext");
    }
    if server_has_tls {
        let prefer = accessgraph::db::connect(&with_parameter(&url, "sslmode=prefer"), 1).await.expect("connect");
        assert!(encrypted(&prefer).await, "sslmode=prefer is followed: the server offers TLS");
    }
}
