//! Operations on AccessGraph's data. Each change is one transaction that checks the invariants,
//! writes, and records an audit event in the same transaction. GraphQL, SCIM and the CLI all call
//! these; nothing here knows about GraphQL.

use std::sync::Arc;

use entity::organization;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::access::CapabilityId;
use crate::access::decision::{Allowed, Decidable, Principal, UseCapability};

use crate::error::{AppError, AppResult};

pub mod access_cache;
pub mod access_facts;
pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod authentication_domains;
pub mod authorization;
pub mod bootstrap;
pub mod catalog;
pub mod customer_administration;
pub mod delegation;
pub mod directory;
pub mod explain;
pub mod groups;
pub mod lookup;
pub mod organizations;
pub mod original_users;
pub mod passwords;
pub mod reads;
pub mod roles;
pub(crate) mod rows;
pub mod scim;
pub mod session_settings;
pub mod synthetics;
pub mod user_management;
pub mod users;
pub mod validate;
pub mod what_if;

/// Who asks for a change: the acting user and their organization. Every change is confined to
/// the actor's organization; ids of other organizations are "not found".
pub use crate::access::decision::Actor;

/// Decides `proof`'s action again inside a transaction, with the actor's access as it is now
/// (a grant revoked since the request began counts). Returns the actor with that access, for the
/// delegation checks that follow.
///
/// It also bumps the organization's access version (see [`access_cache`]): every write of the
/// domain layer confirms first, so every change is counted, in its own transaction, before any
/// row it changes. On PostgreSQL the bump holds the organization's row until commit, so the
/// organization's changes take their turns, always locking that row first.
pub async fn confirm<T: Decidable + Clone>(db: &impl ConnectionTrait, proof: &Allowed<T>) -> AppResult<Principal> {
    let principal = proof.principal();
    bump_access_version(db, &principal.actor.organization_id).await?;
    let user_id = principal.actor.user_id;
    let access = access_facts::effective_access(db, &principal.catalog, &[user_id]).await?.remove(&user_id);
    let fresh = proof.reconfirm(Arc::new(access.unwrap_or_default()))?;
    Ok(fresh.principal().clone())
}

/// Counts a change of `organization_id`'s access (in the caller's transaction).
pub async fn bump_access_version(db: &impl ConnectionTrait, organization_id: &str) -> Result<(), DbErr> {
    organization::Entity::update_many()
        .col_expr(organization::Column::AccessVersion, Expr::col(organization::Column::AccessVersion).add(1))
        .filter(organization::Column::Id.eq(organization_id))
        .exec(db)
        .await?;
    Ok(())
}

/// How every change begins its transaction. On SQLite `BEGIN IMMEDIATE`: the transaction takes
/// the database's write lock at once, waiting for it (up to the busy timeout of `db.rs`) while
/// another writer holds it, so concurrent changes queue one after the other. A deferred
/// transaction would start as a reader and fail with "database is locked" (SQLITE_BUSY) at its
/// first write whenever another writer committed in between: SQLite cannot upgrade a read
/// snapshot that is no longer the latest, and the busy timeout does not help there. On PostgreSQL
/// the option is ignored (READ COMMITTED); there a change locks the rows its checks depend on
/// (`SELECT ... FOR UPDATE / FOR SHARE`, see `lookup`), which SQLite, one writer at a time, does
/// not need.
pub(crate) fn write_transaction() -> TransactionOptions {
    TransactionOptions { sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate), ..Default::default() }
}

/// Runs `body` in one transaction: commits when it succeeds and rolls back, before returning,
/// when it fails. Never leave the rollback to `Drop`: a dropped transaction only *schedules* its
/// rollback for the connection's next use, so the pooled connection would sit idle in a
/// transaction, holding its locks, until some later request happens to pick it.
///
/// The transaction is a write transaction ([`write_transaction`]): on SQLite concurrent changes
/// run one at a time instead of failing with "database is locked".
pub async fn in_transaction<T>(
    db: &DatabaseConnection,
    body: impl AsyncFnOnce(&DatabaseTransaction) -> AppResult<T>,
) -> AppResult<T> {
    let txn = db.begin_with_options(write_transaction()).await?;
    match body(&txn).await {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!(error = %rollback, "rolling back a failed change failed");
            }
            Err(err)
        }
    }
}

/// The account a proof of an account capability is for, when it proves `capability` there.
pub fn account_proved(proof: &Allowed<UseCapability>, capability: CapabilityId) -> AppResult<i32> {
    let UseCapability(account, proved) = *proof.what();
    if proved == capability {
        Ok(account)
    } else {
        Err(AppError::Internal(format!(
            "a proof of capability {proved} was handed to a change that needs {capability}"
        )))
    }
}

/// The error of a change handed a proof of some other change (a programming error).
pub fn wrong_proof(what: &str) -> AppError {
    AppError::Internal(format!("a change of {what} was handed a proof of another change"))
}

/// A new UUID for an organization, authentication domain or group.
pub(crate) fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
