//! PostgreSQL only: what lets an instance keep key rows between requests (`auth::key_cache`).
//!
//! - `accessgraph_instances`: each running instance's lease, renewed by its heartbeat. A write
//!   waits for every instance whose lease has not run out to acknowledge it (`auth::peers`).
//! - Triggers on the four tables the key check reads (`api_keys`, `users`,
//!   `authentication_domains`, `organizations`) send a notification on the channel
//!   `accessgraph.<schema>` with every committed change; every instance empties its key cache
//!   when it reads one. An update of a user that changes only `last_active` (recorded at most
//!   every few minutes per user) sends none: it decides nothing.
//!
//! SQLite has neither: there, the key is checked on the request's own thread on every request.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000200_key_change_notifications"
    }
}

/// The tables whose every change may change a key check's answer.
const WATCHED: [&str; 3] = ["api_keys", "authentication_domains", "organizations"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let mut sql = String::from(
            "CREATE TABLE accessgraph_instances (\
                 id TEXT PRIMARY KEY, \
                 lease_until TIMESTAMPTZ NOT NULL\
             );\
             CREATE FUNCTION accessgraph_key_change() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM pg_notify('accessgraph.' || TG_TABLE_SCHEMA, 'c'); RETURN NULL; END $$;",
        );
        for table in WATCHED {
            sql.push_str(&format!(
                "CREATE TRIGGER accessgraph_key_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION accessgraph_key_change();"
            ));
        }
        sql.push_str(
            "CREATE TRIGGER accessgraph_key_change AFTER INSERT OR DELETE OR TRUNCATE ON users \
             FOR EACH STATEMENT EXECUTE FUNCTION accessgraph_key_change();\
             CREATE TRIGGER accessgraph_key_change_update AFTER UPDATE ON users FOR EACH ROW \
             WHEN ((to_jsonb(OLD) - 'last_active') IS DISTINCT FROM (to_jsonb(NEW) - 'last_active')) \
             EXECUTE FUNCTION accessgraph_key_change();",
        );
        db.execute_unprepared(&sql).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let mut sql = String::new();
        for table in WATCHED.into_iter().chain(["users"]) {
            sql.push_str(&format!("DROP TRIGGER IF EXISTS accessgraph_key_change ON {table};"));
        }
        sql.push_str(
            "DROP TRIGGER IF EXISTS accessgraph_key_change_update ON users;\
             DROP FUNCTION IF EXISTS accessgraph_key_change();\
             DROP TABLE IF EXISTS accessgraph_instances;",
        );
        db.execute_unprepared(&sql).await?;
        Ok(())
    }
}
