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
pub mod scim_resource;
pub mod scim_token;
pub mod synthetics_monitor;
pub mod synthetics_permission_group;
pub mod synthetics_permission_group_member;
pub mod synthetics_permission_rule;
pub mod synthetics_permission_setting;
pub mod synthetics_private_location;
pub mod synthetics_secure_credential;
pub mod user;
