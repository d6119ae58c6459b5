//! SeaORM entities: one module per table. Data only: no permission rules and no GraphQL here.

pub mod access_grant;
pub mod account;
pub mod api_key;
pub mod audit_event;
pub mod authentication_domain;
pub mod capability;
pub mod enums;
pub mod group;
pub mod group_membership;
pub mod organization;
pub mod role;
pub mod role_capability;
pub mod user;
