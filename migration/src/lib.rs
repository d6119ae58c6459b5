//! Database migrations for AccessGraph.
//!
//! Migrations are frozen history: they never import the live `entity` crate. The capability catalog
//! and the standard roles are seeded here with sea-query statements over a frozen description of
//! the data, so later changes to entities cannot change what an old migration did.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_core_tables;
mod m20261123_000002_seed_catalog;
mod m20261123_000003_synthetics;
mod m20261123_000004_api_key_account_index;
mod m20261130_000001_access_version;
mod m20261130_000020_sessions;
mod m20261130_000030_scim;
mod m20261201_000100_original_user_model;
mod m20261201_000200_key_change_notifications;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_core_tables::Migration),
            Box::new(m20261123_000002_seed_catalog::Migration),
            Box::new(m20261123_000003_synthetics::Migration),
            Box::new(m20261123_000004_api_key_account_index::Migration),
            Box::new(m20261130_000001_access_version::Migration),
            Box::new(m20261130_000020_sessions::Migration),
            Box::new(m20261130_000030_scim::Migration),
            Box::new(m20261201_000100_original_user_model::Migration),
            Box::new(m20261201_000200_key_change_notifications::Migration),
        ]
    }
}
