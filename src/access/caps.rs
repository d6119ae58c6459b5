//! The capabilities that AccessGraph's own operations check, by catalog id.
//!
//! The catalog itself is data seeded by a migration; these ids must match it, and a test checks
//! each one against the seeded catalog by name (see `CHECKED`).

use super::CapabilityId;

pub const READ_SYNTHETIC_MONITORS: CapabilityId = 1501;
pub const MODIFY_SYNTHETIC_MONITORS: CapabilityId = 1502;
pub const DELETE_SYNTHETIC_MONITORS: CapabilityId = 1503;
pub const READ_PRIVATE_LOCATIONS: CapabilityId = 1504;
pub const MODIFY_PRIVATE_LOCATIONS: CapabilityId = 1505;
pub const DELETE_PRIVATE_LOCATIONS: CapabilityId = 1506;
pub const VIEW_SECURE_CREDENTIALS: CapabilityId = 1507;
pub const MODIFY_SECURE_CREDENTIALS: CapabilityId = 1508;
pub const DELETE_SECURE_CREDENTIALS: CapabilityId = 1509;
pub const MANAGE_SYNTHETICS_PERMISSIONS: CapabilityId = 1510;
pub const READ_INGEST_KEYS: CapabilityId = 2401;
pub const MANAGE_INGEST_KEYS: CapabilityId = 2402;
pub const MANAGE_OTHER_USERS_KEYS: CapabilityId = 2403;
pub const READ_ACCOUNT_SETTINGS: CapabilityId = 2501;
pub const MODIFY_ACCOUNT_SETTINGS: CapabilityId = 2502;
pub const MANAGE_BILLING: CapabilityId = 2602;
pub const READ_V1_USERS: CapabilityId = 2701;
pub const MANAGE_V1_USERS: CapabilityId = 2702;

pub const READ_ORGANIZATION_SETTINGS: CapabilityId = 2801;
pub const MODIFY_ORGANIZATION_SETTINGS: CapabilityId = 2802;
pub const READ_ORGANIZATION_ACCOUNTS: CapabilityId = 2803;
pub const MANAGE_ORGANIZATION_ACCOUNTS: CapabilityId = 2804;
pub const READ_ROLES: CapabilityId = 2805;
pub const MANAGE_CUSTOM_ROLES: CapabilityId = 2806;
pub const READ_ACCESS_GRANTS: CapabilityId = 2807;
pub const MANAGE_ACCESS_GRANTS: CapabilityId = 2808;
pub const READ_AUTHENTICATION_DOMAINS: CapabilityId = 2901;
pub const MANAGE_AUTHENTICATION_DOMAINS: CapabilityId = 2902;
pub const READ_USERS: CapabilityId = 2903;
pub const MANAGE_USERS: CapabilityId = 2904;
pub const READ_GROUPS: CapabilityId = 2905;
pub const MANAGE_GROUPS: CapabilityId = 2906;

/// Every constant above with the catalog name it must have.
pub const CHECKED: &[(CapabilityId, &str)] = &[
    (READ_SYNTHETIC_MONITORS, "Read synthetic monitors"),
    (MODIFY_SYNTHETIC_MONITORS, "Modify synthetic monitors"),
    (DELETE_SYNTHETIC_MONITORS, "Delete synthetic monitors"),
    (READ_PRIVATE_LOCATIONS, "Read synthetics private locations"),
    (MODIFY_PRIVATE_LOCATIONS, "Modify synthetics private locations"),
    (DELETE_PRIVATE_LOCATIONS, "Delete synthetics private locations"),
    (VIEW_SECURE_CREDENTIALS, "View synthetics secure credentials"),
    (MODIFY_SECURE_CREDENTIALS, "Modify synthetics secure credentials"),
    (DELETE_SECURE_CREDENTIALS, "Delete synthetics secure credentials"),
    (MANAGE_SYNTHETICS_PERMISSIONS, "Manage synthetics permissions"),
    (READ_INGEST_KEYS, "Read ingest keys"),
    (MANAGE_INGEST_KEYS, "Manage ingest keys"),
    (MANAGE_OTHER_USERS_KEYS, "Manage user keys of other users"),
    (READ_ACCOUNT_SETTINGS, "Read account settings"),
    (MODIFY_ACCOUNT_SETTINGS, "Modify account settings"),
    (MANAGE_BILLING, "Manage billing"),
    (READ_V1_USERS, "Read v1 users"),
    (MANAGE_V1_USERS, "Manage v1 users"),
    (READ_ORGANIZATION_SETTINGS, "Read organization settings"),
    (MODIFY_ORGANIZATION_SETTINGS, "Modify organization settings"),
    (READ_ORGANIZATION_ACCOUNTS, "Read organization accounts"),
    (MANAGE_ORGANIZATION_ACCOUNTS, "Manage organization accounts"),
    (READ_ROLES, "Read roles"),
    (MANAGE_CUSTOM_ROLES, "Manage custom roles"),
    (READ_ACCESS_GRANTS, "Read access grants"),
    (MANAGE_ACCESS_GRANTS, "Manage access grants"),
    (READ_AUTHENTICATION_DOMAINS, "Read authentication domains"),
    (MANAGE_AUTHENTICATION_DOMAINS, "Manage authentication domains"),
    (READ_USERS, "Read users"),
    (MANAGE_USERS, "Manage users"),
    (READ_GROUPS, "Read groups"),
    (MANAGE_GROUPS, "Manage groups"),
];

/// Reading users: either user capability.
pub const USERS_READ_OR_MANAGE: &[CapabilityId] = &[READ_USERS, MANAGE_USERS];
/// Reading organization settings: either organization-settings capability.
pub const ORGANIZATION_READ_OR_MODIFY: &[CapabilityId] = &[READ_ORGANIZATION_SETTINGS, MODIFY_ORGANIZATION_SETTINGS];

/// The standard role names, as seeded.
pub mod roles {
    pub const ALL_PRODUCT_ADMIN: &str = "all_product_admin";
    pub const STANDARD_USER: &str = "standard_user";
    pub const READ_ONLY: &str = "read_only";
    pub const BILLING_USER: &str = "billing_user";
    pub const MANAGE_V1_USERS: &str = "manage_v1_users";
    pub const ORGANIZATION_MANAGER: &str = "organization_manager";
    pub const ORGANIZATION_READ_ONLY: &str = "organization_read_only";
    pub const AUTHENTICATION_DOMAIN_MANAGER: &str = "authentication_domain_manager";
    pub const AUTHENTICATION_DOMAIN_READ_ONLY: &str = "authentication_domain_read_only";
}

/// Reading authentication domains: either domain capability, or either user capability.
pub const DOMAINS_READ_OR_MANAGE: &[CapabilityId] =
    &[READ_AUTHENTICATION_DOMAINS, MANAGE_AUTHENTICATION_DOMAINS, READ_USERS, MANAGE_USERS];
/// Reading groups: either group capability.
pub const GROUPS_READ_OR_MANAGE: &[CapabilityId] = &[READ_GROUPS, MANAGE_GROUPS];
/// Reading the organization's accounts: either account capability.
pub const ACCOUNTS_READ_OR_MANAGE: &[CapabilityId] = &[READ_ORGANIZATION_ACCOUNTS, MANAGE_ORGANIZATION_ACCOUNTS];
/// Reading roles: either role capability.
pub const ROLES_READ_OR_MANAGE: &[CapabilityId] = &[READ_ROLES, MANAGE_CUSTOM_ROLES];
/// Reading access grants: either access grant capability.
pub const GRANTS_READ_OR_MANAGE: &[CapabilityId] = &[READ_ACCESS_GRANTS, MANAGE_ACCESS_GRANTS];
