//! Who may see, create, change and delete which API keys (NerdGraph's `apiAccess`).
//!
//! - A user key belongs to one user and one account and carries exactly its user's current access
//!   (enforced at authentication, `auth/`). A viewer always sees and manages their own user keys.
//!   They may create one for themselves on any account they can access.
//! - Another user's keys: seen, created, changed and deleted only with "Manage user keys of other
//!   users" ([`MANAGE_OTHER_USERS_KEYS`]) on the key's account; a new one only for a user of the
//!   viewer's organization who can access that account.
//! - Ingest keys: "Read ingest keys" or "Manage ingest keys" to see them, "Manage ingest keys" to
//!   create, change and delete them, on the key's account; at most
//!   [`MAX_INGEST_KEYS_PER_ACCOUNT_AND_TYPE`] keys of one ingest type per account.
//!
//! A key the viewer may not see is "not found" (its existence is not revealed); one they may see
//! but not change is "forbidden".

use std::collections::BTreeSet;

use entity::enums::IngestType;

use super::caps::{MANAGE_INGEST_KEYS, MANAGE_OTHER_USERS_KEYS, READ_INGEST_KEYS};
use super::{AccountId, EffectiveAccess};

pub type UserId = i64;

/// New Relic's documented limit of license (or browser) keys per account.
pub const MAX_INGEST_KEYS_PER_ACCOUNT_AND_TYPE: u64 = 1_000;

/// The text of "no such key" answers. Terraform treats any error containing it as "the key was
/// deleted": do not change it.
pub const KEY_NOT_FOUND: &str = "Key not found";

/// Whose a key is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A user key of this user.
    User(UserId),
    Ingest(IngestType),
}

/// What the permission model needs to know about one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyFacts {
    pub kind: KeyKind,
    pub account: AccountId,
}

/// Why an API key operation is refused. [`KeyRefusal::kind`] says which payload `errorType` it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRefusal {
    /// The key does not exist, or the viewer may not see it.
    #[error("Key not found")]
    KeyNotFound,
    /// A user key for oneself on an account one cannot access.
    #[error("You do not have access to account {0}")]
    NoAccountAccess(AccountId),
    #[error("You are not authorized to manage user keys of other users on account {0}")]
    OtherUsersKeys(AccountId),
    #[error("You are not authorized to manage ingest keys on account {0}")]
    IngestKeys(AccountId),
    /// The owner of a new user key is not a user of the viewer's organization.
    #[error("User {0} not found")]
    UserNotFound(UserId),
    /// The owner of a new user key cannot access its account.
    #[error("User {user} cannot access account {account}")]
    UserLacksAccess { user: UserId, account: AccountId },
    #[error(
        "Account {account} already has the maximum of {MAX_INGEST_KEYS_PER_ACCOUNT_AND_TYPE} {} keys",
        ingest_type_name(*.ingest_type)
    )]
    TooManyIngestKeys { account: AccountId, ingest_type: IngestType },
}

/// The three `errorType`s of NerdGraph's key errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Forbidden,
    Invalid,
    NotFound,
}

impl KeyRefusal {
    pub fn kind(&self) -> RefusalKind {
        match self {
            KeyRefusal::KeyNotFound | KeyRefusal::UserNotFound(_) => RefusalKind::NotFound,
            KeyRefusal::NoAccountAccess(_) | KeyRefusal::OtherUsersKeys(_) | KeyRefusal::IngestKeys(_) => {
                RefusalKind::Forbidden
            }
            KeyRefusal::UserLacksAccess { .. } | KeyRefusal::TooManyIngestKeys { .. } => RefusalKind::Invalid,
        }
    }
}

fn ingest_type_name(ingest_type: IngestType) -> &'static str {
    match ingest_type {
        IngestType::License => "license",
        IngestType::Browser => "browser",
    }
}

fn may_read_ingest_keys(access: &EffectiveAccess, account: AccountId) -> bool {
    access.has_account_capability(account, READ_INGEST_KEYS)
        || access.has_account_capability(account, MANAGE_INGEST_KEYS)
}

/// Whether `viewer` (with `access`) may see `key`.
pub fn may_see(viewer: UserId, access: &EffectiveAccess, key: &KeyFacts) -> bool {
    match key.kind {
        KeyKind::User(owner) => owner == viewer || access.has_account_capability(key.account, MANAGE_OTHER_USERS_KEYS),
        KeyKind::Ingest(_) => may_read_ingest_keys(access, key.account),
    }
}

/// Whether `viewer` may change or delete `key`: "not found" when they may not even see it.
pub fn check_manage(viewer: UserId, access: &EffectiveAccess, key: &KeyFacts) -> Result<(), KeyRefusal> {
    if !may_see(viewer, access, key) {
        return Err(KeyRefusal::KeyNotFound);
    }
    match key.kind {
        // A visible user key is the viewer's own, or one they hold the manage capability for.
        KeyKind::User(_) => Ok(()),
        KeyKind::Ingest(_) if access.has_account_capability(key.account, MANAGE_INGEST_KEYS) => Ok(()),
        KeyKind::Ingest(_) => Err(KeyRefusal::IngestKeys(key.account)),
    }
}

/// Whether `viewer` may create an ingest key on `account`.
pub fn check_create_ingest_key(access: &EffectiveAccess, account: AccountId) -> Result<(), KeyRefusal> {
    if access.has_account_capability(account, MANAGE_INGEST_KEYS) {
        Ok(())
    } else {
        Err(KeyRefusal::IngestKeys(account))
    }
}

/// Whether one more ingest key of `ingest_type` fits `account`, which has `existing` of them.
pub fn check_ingest_key_count(account: AccountId, ingest_type: IngestType, existing: u64) -> Result<(), KeyRefusal> {
    if existing < MAX_INGEST_KEYS_PER_ACCOUNT_AND_TYPE {
        Ok(())
    } else {
        Err(KeyRefusal::TooManyIngestKeys { account, ingest_type })
    }
}

/// Whether `viewer` may create a user key for `owner` on `account`. `owner_access` is the owner's
/// effective access, `None` when the owner is not a user of the viewer's organization; it is not
/// looked at when the owner is the viewer. The viewer's own right is checked first, so that
/// without it the answer says nothing about the owner.
pub fn check_create_user_key(
    viewer: UserId,
    access: &EffectiveAccess,
    account: AccountId,
    owner: UserId,
    owner_access: Option<&EffectiveAccess>,
) -> Result<(), KeyRefusal> {
    if owner == viewer {
        return if access.has_account_access(account) { Ok(()) } else { Err(KeyRefusal::NoAccountAccess(account)) };
    }
    if !access.has_account_capability(account, MANAGE_OTHER_USERS_KEYS) {
        return Err(KeyRefusal::OtherUsersKeys(account));
    }
    let owner_access = owner_access.ok_or(KeyRefusal::UserNotFound(owner))?;
    if owner_access.has_account_access(account) {
        Ok(())
    } else {
        Err(KeyRefusal::UserLacksAccess { user: owner, account })
    }
}

/// The keys a viewer may see, as sets a search can filter on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVisibility {
    /// The viewer: their own user keys, on any account.
    pub own_user: UserId,
    /// Accounts where the viewer sees every user's keys.
    pub user_keys_on: BTreeSet<AccountId>,
    /// Accounts where the viewer sees the ingest keys.
    pub ingest_keys_on: BTreeSet<AccountId>,
}

/// The keys `viewer` (with `access`) may see: the same answer as [`may_see`], for every key.
pub fn visibility(viewer: UserId, access: &EffectiveAccess) -> KeyVisibility {
    KeyVisibility {
        own_user: viewer,
        user_keys_on: access
            .accounts()
            .filter(|a| access.has_account_capability(*a, MANAGE_OTHER_USERS_KEYS))
            .collect(),
        ingest_keys_on: access.accounts().filter(|a| may_read_ingest_keys(access, *a)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::CapabilitySet;

    const VIEWER: UserId = 1;
    const OTHER: UserId = 2;

    /// Access with exactly these capabilities per account.
    fn access(accounts: &[(AccountId, &[i32])]) -> EffectiveAccess {
        EffectiveAccess {
            accounts: accounts.iter().map(|(a, caps)| (*a, caps.iter().copied().collect::<CapabilitySet>())).collect(),
            organization: CapabilitySet::new(),
        }
    }

    fn user_key(owner: UserId, account: AccountId) -> KeyFacts {
        KeyFacts { kind: KeyKind::User(owner), account }
    }

    fn license_key(account: AccountId) -> KeyFacts {
        KeyFacts { kind: KeyKind::Ingest(IngestType::License), account }
    }

    const DASHBOARDS: i32 = 1;

    #[test]
    fn own_user_keys_are_always_visible_and_manageable() {
        let none = access(&[]);
        assert!(may_see(VIEWER, &none, &user_key(VIEWER, 10)));
        assert_eq!(check_manage(VIEWER, &none, &user_key(VIEWER, 10)), Ok(()));
    }

    #[test]
    fn other_users_keys_need_the_manage_capability_on_the_keys_account() {
        let plain = access(&[(10, &[DASHBOARDS, READ_INGEST_KEYS, MANAGE_INGEST_KEYS])]);
        assert!(!may_see(VIEWER, &plain, &user_key(OTHER, 10)));
        assert_eq!(check_manage(VIEWER, &plain, &user_key(OTHER, 10)), Err(KeyRefusal::KeyNotFound));

        let manager = access(&[(10, &[MANAGE_OTHER_USERS_KEYS]), (11, &[DASHBOARDS])]);
        assert!(may_see(VIEWER, &manager, &user_key(OTHER, 10)));
        assert_eq!(check_manage(VIEWER, &manager, &user_key(OTHER, 10)), Ok(()));
        assert!(!may_see(VIEWER, &manager, &user_key(OTHER, 11)));
    }

    #[test]
    fn ingest_keys_are_read_with_either_capability_and_managed_with_manage_only() {
        let reader = access(&[(10, &[READ_INGEST_KEYS])]);
        assert!(may_see(VIEWER, &reader, &license_key(10)));
        assert_eq!(check_manage(VIEWER, &reader, &license_key(10)), Err(KeyRefusal::IngestKeys(10)));
        assert_eq!(check_create_ingest_key(&reader, 10), Err(KeyRefusal::IngestKeys(10)));

        let manager = access(&[(10, &[MANAGE_INGEST_KEYS])]);
        assert!(may_see(VIEWER, &manager, &license_key(10)));
        assert_eq!(check_manage(VIEWER, &manager, &license_key(10)), Ok(()));
        assert_eq!(check_create_ingest_key(&manager, 10), Ok(()));

        assert!(!may_see(VIEWER, &manager, &license_key(11)));
        assert_eq!(check_manage(VIEWER, &manager, &license_key(11)), Err(KeyRefusal::KeyNotFound));
        assert_eq!(check_create_ingest_key(&manager, 11), Err(KeyRefusal::IngestKeys(11)));
    }

    #[test]
    fn own_user_keys_need_access_to_the_account() {
        let a = access(&[(10, &[DASHBOARDS])]);
        assert_eq!(check_create_user_key(VIEWER, &a, 10, VIEWER, None), Ok(()));
        assert_eq!(check_create_user_key(VIEWER, &a, 11, VIEWER, None), Err(KeyRefusal::NoAccountAccess(11)));
    }

    #[test]
    fn keys_for_others_need_the_capability_then_a_colleague_with_access() {
        let plain = access(&[(10, &[DASHBOARDS])]);
        let colleague = access(&[(10, &[DASHBOARDS])]);
        // Without the capability the owner is not looked at: unknown and known owners look alike.
        assert_eq!(
            check_create_user_key(VIEWER, &plain, 10, OTHER, Some(&colleague)),
            Err(KeyRefusal::OtherUsersKeys(10))
        );
        assert_eq!(check_create_user_key(VIEWER, &plain, 10, OTHER, None), Err(KeyRefusal::OtherUsersKeys(10)));

        let manager = access(&[(10, &[MANAGE_OTHER_USERS_KEYS])]);
        assert_eq!(check_create_user_key(VIEWER, &manager, 10, OTHER, Some(&colleague)), Ok(()));
        assert_eq!(check_create_user_key(VIEWER, &manager, 10, OTHER, None), Err(KeyRefusal::UserNotFound(OTHER)));
        let elsewhere = access(&[(11, &[DASHBOARDS])]);
        assert_eq!(
            check_create_user_key(VIEWER, &manager, 10, OTHER, Some(&elsewhere)),
            Err(KeyRefusal::UserLacksAccess { user: OTHER, account: 10 })
        );
        assert_eq!(
            check_create_user_key(VIEWER, &manager, 11, OTHER, Some(&elsewhere)),
            Err(KeyRefusal::OtherUsersKeys(11))
        );
    }

    #[test]
    fn ingest_keys_are_limited_per_account_and_type() {
        assert_eq!(check_ingest_key_count(10, IngestType::Browser, 999), Ok(()));
        let refusal = check_ingest_key_count(10, IngestType::Browser, 1_000);
        assert_eq!(refusal, Err(KeyRefusal::TooManyIngestKeys { account: 10, ingest_type: IngestType::Browser }));
        assert_eq!(
            refusal.map_err(|r| r.to_string()),
            Err("Account 10 already has the maximum of 1000 browser keys".to_owned())
        );
    }

    #[test]
    fn refusals_have_nerdgraphs_error_types() {
        assert_eq!(KeyRefusal::KeyNotFound.to_string(), KEY_NOT_FOUND);
        assert_eq!(KeyRefusal::KeyNotFound.kind(), RefusalKind::NotFound);
        assert_eq!(KeyRefusal::UserNotFound(2).kind(), RefusalKind::NotFound);
        assert_eq!(KeyRefusal::IngestKeys(1).kind(), RefusalKind::Forbidden);
        assert_eq!(KeyRefusal::UserLacksAccess { user: 2, account: 1 }.kind(), RefusalKind::Invalid);
    }

    #[test]
    fn visibility_is_may_see_for_every_key() {
        let a = access(&[
            (10, &[MANAGE_OTHER_USERS_KEYS, READ_INGEST_KEYS]),
            (11, &[MANAGE_INGEST_KEYS]),
            (12, &[DASHBOARDS]),
        ]);
        let v = visibility(VIEWER, &a);
        assert_eq!(v.own_user, VIEWER);
        assert_eq!(v.user_keys_on, BTreeSet::from([10]));
        assert_eq!(v.ingest_keys_on, BTreeSet::from([10, 11]));
        for account in [10, 11, 12, 13] {
            for key in [user_key(VIEWER, account), user_key(OTHER, account), license_key(account)] {
                let listed = match key.kind {
                    KeyKind::User(owner) => owner == v.own_user || v.user_keys_on.contains(&account),
                    KeyKind::Ingest(_) => v.ingest_keys_on.contains(&account),
                };
                assert_eq!(listed, may_see(VIEWER, &a, &key), "{key:?}");
            }
        }
    }
}
