//! Edition limits (the seeds): STANDARD organizations have one account, no custom groups, roles
//! or new grants, at most five full users, and basic users only in the default User group.

use super::{Edition, UserType};

/// Most full platform users a STANDARD organization may have.
pub const STANDARD_MAX_FULL_USERS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditionViolation {
    #[error("The Standard edition allows at most {STANDARD_MAX_FULL_USERS} full platform users")]
    TooManyFullUsers,
    #[error("On the Standard edition, basic users can only be in the default User group")]
    BasicUserOutsideUserGroup,
    #[error("The Standard edition does not allow custom groups")]
    CustomGroups,
    #[error("The Standard edition does not allow custom roles")]
    CustomRoles,
    #[error("The Standard edition does not allow new access grants")]
    NewGrants,
    #[error("The Standard edition allows a single account")]
    MoreAccounts,
}

/// After a change, the organization would have `full_users` full platform users.
pub fn check_full_users(edition: Edition, full_users: u64) -> Result<(), EditionViolation> {
    if edition == Edition::Standard && full_users > STANDARD_MAX_FULL_USERS {
        Err(EditionViolation::TooManyFullUsers)
    } else {
        Ok(())
    }
}

/// An account more would be created while the organization has `active_accounts` active ones.
/// Canceled accounts do not count: they no longer hold data or give access.
pub fn check_new_account(edition: Edition, active_accounts: u64) -> Result<(), EditionViolation> {
    if edition == Edition::Standard && active_accounts >= 1 { Err(EditionViolation::MoreAccounts) } else { Ok(()) }
}

/// A user of `user_type` would be in a group; `default_user_group` when it is the default User group.
pub fn check_membership(
    edition: Edition,
    user_type: UserType,
    default_user_group: bool,
) -> Result<(), EditionViolation> {
    if edition == Edition::Standard && user_type == UserType::Basic && !default_user_group {
        Err(EditionViolation::BasicUserOutsideUserGroup)
    } else {
        Ok(())
    }
}

pub fn check_custom_group(edition: Edition) -> Result<(), EditionViolation> {
    if edition == Edition::Standard { Err(EditionViolation::CustomGroups) } else { Ok(()) }
}

pub fn check_custom_role(edition: Edition) -> Result<(), EditionViolation> {
    if edition == Edition::Standard { Err(EditionViolation::CustomRoles) } else { Ok(()) }
}

pub fn check_new_grant(edition: Edition) -> Result<(), EditionViolation> {
    if edition == Edition::Standard { Err(EditionViolation::NewGrants) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_caps_full_users_at_five() {
        assert_eq!(check_full_users(Edition::Standard, 5), Ok(()));
        assert_eq!(check_full_users(Edition::Standard, 6), Err(EditionViolation::TooManyFullUsers));
        assert_eq!(check_full_users(Edition::Pro, 600), Ok(()));
    }

    #[test]
    fn standard_has_a_single_account() {
        assert_eq!(check_new_account(Edition::Standard, 0), Ok(()));
        assert_eq!(check_new_account(Edition::Standard, 1), Err(EditionViolation::MoreAccounts));
        assert_eq!(check_new_account(Edition::Pro, 1), Ok(()));
        assert_eq!(check_new_account(Edition::Enterprise, 40), Ok(()));
    }

    #[test]
    fn standard_keeps_basic_users_in_the_user_group() {
        assert_eq!(check_membership(Edition::Standard, UserType::Basic, true), Ok(()));
        assert_eq!(
            check_membership(Edition::Standard, UserType::Basic, false),
            Err(EditionViolation::BasicUserOutsideUserGroup)
        );
        assert_eq!(check_membership(Edition::Standard, UserType::Full, false), Ok(()));
        assert_eq!(check_membership(Edition::Enterprise, UserType::Basic, false), Ok(()));
    }

    #[test]
    fn standard_has_no_custom_groups() {
        assert_eq!(check_custom_group(Edition::Standard), Err(EditionViolation::CustomGroups));
        assert_eq!(check_custom_group(Edition::Pro), Ok(()));
    }

    #[test]
    fn standard_has_no_custom_roles_or_new_grants() {
        assert_eq!(check_custom_role(Edition::Standard), Err(EditionViolation::CustomRoles));
        assert_eq!(check_new_grant(Edition::Standard), Err(EditionViolation::NewGrants));
        assert_eq!(check_custom_role(Edition::Enterprise), Ok(()));
        assert_eq!(check_new_grant(Edition::Pro), Ok(()));
    }
}
