//! Operations on AccessGraph's data. Each change is one transaction that checks the invariants,
//! writes, and records an audit event in the same transaction. GraphQL, SCIM and the CLI all call
//! these; nothing here knows about GraphQL.

pub mod access_facts;
pub mod api_keys;
pub mod audit;
pub mod authentication_domains;
pub mod bootstrap;
pub mod catalog;
pub mod customer_administration;
pub mod directory;
pub mod user_management;

/// A new UUID for an organization, authentication domain or group.
pub(crate) fn new_uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}
