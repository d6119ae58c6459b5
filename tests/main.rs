//! AccessGraph's integration tests: one binary, files shaped like the API. Every test drives the
//! real router against a real database (SQLite, and PostgreSQL when `TEST_DATABASE_URL` is set).

mod common;

mod access;
mod access_explanation;
mod accounts;
mod actor;
mod api_access;
mod audit_events;
mod authentication;
mod authorization_management;
mod authorization_matrix;
mod bootstrap;
mod catalog;
mod cli;
mod concurrency;
mod connection;
mod contract;
mod customer_administration;
mod delegation;
mod durability;
mod http;
mod http_limits;
mod input_limits;
mod instances;
mod integration_users;
mod metrics;
mod original_user_bulk;
mod original_user_model;
mod readme_example;
mod schema;
mod scim;
mod sessions;
mod synthetics_locations;
mod synthetics_monitors;
mod synthetics_permissions;
mod synthetics_scenarios;
mod user_management;
mod user_management_mutations;
mod wire;
