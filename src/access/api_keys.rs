//! Who may see, create, change and delete which API keys (NerdGraph's `apiAccess`).
//!
//! The decisions themselves are [`decision`](super::decision)'s (actions `UserKey`, `IngestKey`):
//! - A user key belongs to one user and one account and carries exactly its user's current access
//!   (enforced at authentication, `auth/`). A viewer always sees and manages their own user keys.
//!   They may create one for themselves on any account they can access.
//! - Another user's keys: seen, created, changed and deleted only with "Manage user keys of other
//!   users" ([`MANAGE_OTHER_USERS_KEYS`]) on the key's account, and only when everything the
//!   owner can do, the viewer can do too (no escalation by delegation); a new one only for a user
//!   of the viewer's organization who can access that account.
//! - Ingest keys: "Read ingest keys" or "Manage ingest keys" to see them, "Manage ingest keys" to
//!   create, change and delete them, on the key's account; at most
//!   [`MAX_INGEST_KEYS_PER_ACCOUNT_AND_TYPE`] keys of one ingest type per account.
//!
//! A key the viewer may not see is "not found" (its existence is not revealed); one they may see
//! but not change is "forbidden".

use std::collections::BTreeSet;

use super::caps::{MANAGE_INGEST_KEYS, MANAGE_OTHER_USERS_KEYS, READ_INGEST_KEYS};
use super::decision::{Action, DenialKind, KeyOp};
use super::{AccountId, EffectiveAccess, IngestType};

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

/// Why an API key operation is refused. [`KeyRefusal::kind`] says which payload `errorType` it is
/// (NerdGraph's three: forbidden, invalid, not found).
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

impl KeyRefusal {
    pub fn kind(&self) -> DenialKind {
        match self {
            KeyRefusal::KeyNotFound | KeyRefusal::UserNotFound(_) => DenialKind::NotFound,
            KeyRefusal::NoAccountAccess(_) | KeyRefusal::OtherUsersKeys(_) | KeyRefusal::IngestKeys(_) => {
                DenialKind::Forbidden
            }
            KeyRefusal::UserLacksAccess { .. } | KeyRefusal::TooManyIngestKeys { .. } => DenialKind::Invalid,
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

/// Whether one more ingest key of `ingest_type` fits `account`, which has `existing` of them.
pub fn check_ingest_key_count(account: AccountId, ingest_type: IngestType, existing: u64) -> Result<(), KeyRefusal> {
    if existing < MAX_INGEST_KEYS_PER_ACCOUNT_AND_TYPE {
        Ok(())
    } else {
        Err(KeyRefusal::TooManyIngestKeys { account, ingest_type })
    }
}

/// The action of `op` on `key`, owned by a user with `owner_access` (for a user key of someone
/// else; `None` when not known), for [`decision`](super::decision).
pub fn action<'a>(op: KeyOp, key: &KeyFacts, owner_access: Option<&'a EffectiveAccess>) -> Action<'a> {
    match key.kind {
        KeyKind::User(owner) => Action::UserKey { op, account: key.account, owner, owner_access },
        KeyKind::Ingest(_) => Action::IngestKey { op, account: key.account },
    }
}

/// The keys a viewer may see, as sets a search can filter on: a superset of what they may see
/// (other users' keys still have to pass the delegation rule, owner by owner, see
/// [`decision`](super::decision)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyVisibility {
    /// The viewer: their own user keys, on any account.
    pub own_user: UserId,
    /// Accounts where the viewer sees every user's keys.
    pub user_keys_on: BTreeSet<AccountId>,
    /// Accounts where the viewer sees the ingest keys.
    pub ingest_keys_on: BTreeSet<AccountId>,
    /// Users whose keys stay hidden even there: they can do something the viewer cannot.
    pub hidden_owners: BTreeSet<UserId>,
}

/// The keys `viewer` (with `access`) might see.
pub fn visibility(viewer: UserId, access: &EffectiveAccess) -> KeyVisibility {
    KeyVisibility {
        own_user: viewer,
        user_keys_on: access
            .accounts()
            .filter(|a| access.has_account_capability(*a, MANAGE_OTHER_USERS_KEYS))
            .collect(),
        ingest_keys_on: access.accounts().filter(|a| may_read_ingest_keys(access, *a)).collect(),
        hidden_owners: BTreeSet::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::access::decision::{self, Actor, Denied, Principal};
    use crate::access::{CapabilitySet, Catalog};

    const VIEWER: UserId = 1;
    const OTHER: UserId = 2;
    const DASHBOARDS: i32 = 1;

    /// Access with exactly these capabilities per account.
    fn access(accounts: &[(AccountId, &[i32])]) -> EffectiveAccess {
        EffectiveAccess::of(
            accounts.iter().map(|(a, caps)| (*a, caps.iter().copied().collect::<CapabilitySet>())).collect(),
            CapabilitySet::new(),
        )
    }

    fn decide(access: &EffectiveAccess, action: Action<'_>) -> Result<(), Denied> {
        let principal = Principal {
            actor: Actor { user_id: VIEWER, organization_id: "org".to_owned() },
            access: Arc::new(access.clone()),
            catalog: Arc::new(Catalog::default()),
        };
        decision::check(&principal, action)
    }

    fn user_key(owner: UserId, account: AccountId) -> KeyFacts {
        KeyFacts { kind: KeyKind::User(owner), account }
    }

    fn license_key(account: AccountId) -> KeyFacts {
        KeyFacts { kind: KeyKind::Ingest(IngestType::License), account }
    }

    fn not_found() -> Result<(), Denied> {
        Err(Denied::Key(KeyRefusal::KeyNotFound))
    }

    #[test]
    fn own_user_keys_are_always_visible_and_manageable() {
        let none = access(&[]);
        for op in [KeyOp::Read, KeyOp::Update, KeyOp::Delete] {
            assert_eq!(decide(&none, action(op, &user_key(VIEWER, 10), None)), Ok(()));
        }
    }

    #[test]
    fn other_users_keys_need_the_manage_capability_and_no_more_access_than_the_viewers() {
        let colleague = access(&[(10, &[DASHBOARDS])]);
        let plain = access(&[(10, &[DASHBOARDS, READ_INGEST_KEYS, MANAGE_INGEST_KEYS])]);
        assert_eq!(decide(&plain, action(KeyOp::Read, &user_key(OTHER, 10), Some(&colleague))), not_found());
        assert_eq!(decide(&plain, action(KeyOp::Delete, &user_key(OTHER, 10), Some(&colleague))), not_found());

        let manager = access(&[(10, &[DASHBOARDS, MANAGE_OTHER_USERS_KEYS]), (11, &[DASHBOARDS])]);
        assert_eq!(decide(&manager, action(KeyOp::Read, &user_key(OTHER, 10), Some(&colleague))), Ok(()));
        assert_eq!(decide(&manager, action(KeyOp::Delete, &user_key(OTHER, 10), Some(&colleague))), Ok(()));
        assert_eq!(decide(&manager, action(KeyOp::Read, &user_key(OTHER, 11), Some(&colleague))), not_found());

        // The owner can do something the manager cannot: their keys are out of reach.
        let superior = access(&[(10, &[DASHBOARDS, MANAGE_OTHER_USERS_KEYS, MANAGE_INGEST_KEYS])]);
        for op in [KeyOp::Read, KeyOp::Update, KeyOp::Delete] {
            assert_eq!(decide(&manager, action(op, &user_key(OTHER, 10), Some(&superior))), not_found());
        }
        assert_eq!(
            decide(&manager, action(KeyOp::Create, &user_key(OTHER, 10), Some(&superior))),
            Err(Denied::Escalation)
        );
        // Access on another account counts too.
        let elsewhere = access(&[(10, &[DASHBOARDS]), (12, &[DASHBOARDS])]);
        assert_eq!(decide(&manager, action(KeyOp::Update, &user_key(OTHER, 10), Some(&elsewhere))), not_found());
    }

    #[test]
    fn ingest_keys_are_read_with_either_capability_and_managed_with_manage_only() {
        let reader = access(&[(10, &[READ_INGEST_KEYS])]);
        assert_eq!(decide(&reader, action(KeyOp::Read, &license_key(10), None)), Ok(()));
        assert_eq!(
            decide(&reader, action(KeyOp::Update, &license_key(10), None)),
            Err(Denied::Key(KeyRefusal::IngestKeys(10)))
        );
        assert_eq!(
            decide(&reader, action(KeyOp::Create, &license_key(10), None)),
            Err(Denied::Key(KeyRefusal::IngestKeys(10)))
        );

        let manager = access(&[(10, &[MANAGE_INGEST_KEYS])]);
        assert_eq!(decide(&manager, action(KeyOp::Read, &license_key(10), None)), Ok(()));
        assert_eq!(decide(&manager, action(KeyOp::Delete, &license_key(10), None)), Ok(()));
        assert_eq!(decide(&manager, action(KeyOp::Create, &license_key(10), None)), Ok(()));
        assert_eq!(decide(&manager, action(KeyOp::Delete, &license_key(11), None)), not_found());
        assert_eq!(
            decide(&manager, action(KeyOp::Create, &license_key(11), None)),
            Err(Denied::Key(KeyRefusal::IngestKeys(11)))
        );
    }

    #[test]
    fn own_user_keys_need_access_to_the_account() {
        let a = access(&[(10, &[DASHBOARDS])]);
        assert_eq!(decide(&a, action(KeyOp::Create, &user_key(VIEWER, 10), None)), Ok(()));
        assert_eq!(
            decide(&a, action(KeyOp::Create, &user_key(VIEWER, 11), None)),
            Err(Denied::Key(KeyRefusal::NoAccountAccess(11)))
        );
    }

    #[test]
    fn keys_for_others_need_the_capability_then_a_colleague_with_access() {
        let plain = access(&[(10, &[DASHBOARDS])]);
        let colleague = access(&[(10, &[DASHBOARDS])]);
        let refused = Err(Denied::Key(KeyRefusal::OtherUsersKeys(10)));
        // Without the capability the owner is not looked at: unknown and known owners look alike.
        assert_eq!(decide(&plain, action(KeyOp::Create, &user_key(OTHER, 10), Some(&colleague))), refused);
        assert_eq!(decide(&plain, action(KeyOp::Create, &user_key(OTHER, 10), None)), refused);

        let manager = access(&[(10, &[DASHBOARDS, MANAGE_OTHER_USERS_KEYS]), (11, &[DASHBOARDS])]);
        assert_eq!(decide(&manager, action(KeyOp::Create, &user_key(OTHER, 10), Some(&colleague))), Ok(()));
        assert_eq!(
            decide(&manager, action(KeyOp::Create, &user_key(OTHER, 10), None)),
            Err(Denied::Key(KeyRefusal::UserNotFound(OTHER)))
        );
        let elsewhere = access(&[(11, &[DASHBOARDS])]);
        assert_eq!(
            decide(&manager, action(KeyOp::Create, &user_key(OTHER, 10), Some(&elsewhere))),
            Err(Denied::Key(KeyRefusal::UserLacksAccess { user: OTHER, account: 10 }))
        );
        assert_eq!(
            decide(&manager, action(KeyOp::Create, &user_key(OTHER, 11), Some(&elsewhere))),
            Err(Denied::Key(KeyRefusal::OtherUsersKeys(11)))
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
        assert_eq!(KeyRefusal::KeyNotFound.kind(), DenialKind::NotFound);
        assert_eq!(KeyRefusal::UserNotFound(2).kind(), DenialKind::NotFound);
        assert_eq!(KeyRefusal::IngestKeys(1).kind(), DenialKind::Forbidden);
        assert_eq!(KeyRefusal::UserLacksAccess { user: 2, account: 1 }.kind(), DenialKind::Invalid);
    }

    #[test]
    fn visibility_lists_every_key_the_viewer_may_see() {
        let a = access(&[
            (10, &[MANAGE_OTHER_USERS_KEYS, READ_INGEST_KEYS]),
            (11, &[MANAGE_INGEST_KEYS]),
            (12, &[DASHBOARDS]),
        ]);
        let nobody = EffectiveAccess::default();
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
                let seen = decide(&a, action(KeyOp::Read, &key, Some(&nobody))).is_ok();
                assert_eq!(listed, seen, "{key:?}");
            }
        }
    }
}
