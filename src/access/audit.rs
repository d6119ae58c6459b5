//! Who may read which audit event, and how much of it.
//!
//! The audit trail is no back door: a reader sees an event only when they may read its target
//! through the target's own read, and sees of the event's snapshots (`before`/`after`) only what
//! that read would show them.
//!
//! | target type | shown with |
//! | --- | --- |
//! | `organization` | Read or Modify organization settings |
//! | `account` | Read or Manage organization accounts |
//! | `authentication_domain` | Read or Manage authentication domains, or Read or Manage users |
//! | `user` | Read or Manage users |
//! | `group` (and its membership changes) | Read or Manage groups |
//! | `access_grant` | Read or Manage access grants |
//! | `role` | Read or Manage custom roles |
//! | `api_key` | the key's own visibility ([`api_keys::may_see`]) |
//! | `synthetics_monitor` | View or Edit on the monitor; settings (the snapshots) only with Edit |
//! | `synthetics_private_location` | View on the location |
//! | `synthetics_secure_credential` | View synthetics secure credentials on its account |
//! | `synthetics_permission_group`, `synthetics_permissions` | Manage synthetics permissions on its account |
//! | anything else | nobody |
//!
//! [`kind_scope`] answers the same question for a whole target type at once, so that a read can
//! select in SQL the types a reader sees entirely or not at all, and decide event by event only the
//! rest.

use std::sync::Arc;

use super::api_keys::{self, KeyFacts, KeyKind, UserId};
use super::decision::{self, Action, KeyOp, OrgArea, OriginalUsersOp, SyntheticsOp};
use super::synthetics::SyntheticsSubject;
use super::{AccountId, CapabilityId, EffectiveAccess, caps};

/// The kinds of object the audit trail records changes of, with their stored `target_type` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    Organization,
    Account,
    AuthenticationDomain,
    User,
    Group,
    AccessGrant,
    Role,
    ApiKey,
    SyntheticsMonitor,
    SyntheticsPrivateLocation,
    SyntheticsSecureCredential,
    SyntheticsPermissionGroup,
    SyntheticsPermissions,
    /// A user's original-model roles on an account (target id `<account id>:<user id>`).
    OriginalMembership,
    /// An original-model add-on role of an account.
    OriginalAddOnRole,
    /// The organization's original-model Owner.
    OriginalOwner,
}

impl TargetKind {
    pub const ALL: [TargetKind; 16] = [
        TargetKind::Organization,
        TargetKind::Account,
        TargetKind::AuthenticationDomain,
        TargetKind::User,
        TargetKind::Group,
        TargetKind::AccessGrant,
        TargetKind::Role,
        TargetKind::ApiKey,
        TargetKind::SyntheticsMonitor,
        TargetKind::SyntheticsPrivateLocation,
        TargetKind::SyntheticsSecureCredential,
        TargetKind::SyntheticsPermissionGroup,
        TargetKind::SyntheticsPermissions,
        TargetKind::OriginalMembership,
        TargetKind::OriginalAddOnRole,
        TargetKind::OriginalOwner,
    ];

    /// The `target_type` the audit trail stores.
    pub fn name(self) -> &'static str {
        match self {
            TargetKind::Organization => "organization",
            TargetKind::Account => "account",
            TargetKind::AuthenticationDomain => "authentication_domain",
            TargetKind::User => "user",
            TargetKind::Group => "group",
            TargetKind::AccessGrant => "access_grant",
            TargetKind::Role => "role",
            TargetKind::ApiKey => "api_key",
            TargetKind::SyntheticsMonitor => "synthetics_monitor",
            TargetKind::SyntheticsPrivateLocation => "synthetics_private_location",
            TargetKind::SyntheticsSecureCredential => "synthetics_secure_credential",
            TargetKind::SyntheticsPermissionGroup => "synthetics_permission_group",
            TargetKind::SyntheticsPermissions => "synthetics_permissions",
            TargetKind::OriginalMembership => "original_membership",
            TargetKind::OriginalAddOnRole => "original_add_on_role",
            TargetKind::OriginalOwner => "original_owner",
        }
    }

    pub fn from_name(name: &str) -> Option<TargetKind> {
        TargetKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The organization area whose read shows every event of this kind; `None` for the kinds
    /// decided per account or per event.
    fn area(self) -> Option<OrgArea> {
        match self {
            TargetKind::Organization => Some(OrgArea::Settings),
            TargetKind::Account => Some(OrgArea::Accounts),
            TargetKind::AuthenticationDomain => Some(OrgArea::AuthenticationDomains),
            TargetKind::User => Some(OrgArea::Users),
            TargetKind::Group => Some(OrgArea::Groups),
            TargetKind::AccessGrant => Some(OrgArea::Grants),
            TargetKind::Role => Some(OrgArea::Roles),
            // Who owns the organization: as its users are read.
            TargetKind::OriginalOwner => Some(OrgArea::Users),
            _ => None,
        }
    }

    /// The account capabilities of which a reader needs one on some account to possibly see an
    /// event of this kind (for the kinds decided per event).
    fn account_read(self) -> &'static [CapabilityId] {
        match self {
            TargetKind::SyntheticsMonitor => &[caps::READ_SYNTHETIC_MONITORS, caps::MODIFY_SYNTHETIC_MONITORS],
            TargetKind::SyntheticsPrivateLocation => &[caps::READ_PRIVATE_LOCATIONS],
            TargetKind::SyntheticsSecureCredential => &[caps::VIEW_SECURE_CREDENTIALS],
            TargetKind::SyntheticsPermissionGroup | TargetKind::SyntheticsPermissions => {
                &[caps::MANAGE_SYNTHETICS_PERMISSIONS]
            }
            TargetKind::OriginalMembership | TargetKind::OriginalAddOnRole => {
                &[caps::READ_V1_USERS, caps::MANAGE_V1_USERS]
            }
            _ => &[],
        }
    }
}

/// What the decision needs to know about one event's target. An account that could not be told
/// (`None`) shows the event to nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    Organization,
    Account,
    AuthenticationDomain,
    User,
    Group,
    AccessGrant,
    Role,
    /// The key as its snapshot describes it.
    ApiKey(Option<KeyFacts>),
    SyntheticsMonitor {
        account: Option<AccountId>,
        guid: &'a str,
    },
    SyntheticsPrivateLocation {
        account: Option<AccountId>,
        guid: &'a str,
    },
    SyntheticsSecureCredential {
        account: Option<AccountId>,
    },
    SyntheticsPermissionGroup {
        account: Option<AccountId>,
    },
    SyntheticsPermissions {
        account: Option<AccountId>,
    },
    /// Original-model users or add-on roles of an account: shown to readers of its v1 users.
    OriginalUsers {
        account: Option<AccountId>,
    },
    /// A target type this module does not know: shown to nobody.
    Unknown,
}

/// How much of one event a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Not listed, not counted.
    Hidden,
    /// Listed; its snapshots keep only these top-level keys, every other value is replaced by
    /// [`REDACTED`].
    Redacted(&'static [&'static str]),
    /// Listed whole.
    Full,
}

/// What replaces a snapshot value the reader may not see.
pub const REDACTED: &str = "[redacted]";

/// What a monitor's View (without Edit) shows: its summary, not its settings.
pub const MONITOR_SUMMARY_KEYS: &[&str] = &["type", "name", "period", "status"];

/// How much of an event on `target` the user `viewer` (with `access`) sees, as
/// [`decision`](super::decision) decides the target's own read. `synthetics` gives the viewer's
/// Synthetics facts on an account (`None` when unknown: then nothing is shown); `owners` the
/// current access of a user key's owner (`None` when unknown: then only one's own keys show).
pub fn may_read<'s>(
    viewer: UserId,
    access: &EffectiveAccess,
    target: &Target<'_>,
    synthetics: impl Fn(AccountId) -> Option<SyntheticsSubject<'s>>,
    owners: &dyn Fn(UserId) -> Option<Arc<EffectiveAccess>>,
) -> Visibility {
    let can = |action: Action<'_>| decision::allows_user(viewer, access, action);
    let shown = |yes: bool| if yes { Visibility::Full } else { Visibility::Hidden };
    let synthetics_allows = |account: Option<AccountId>, op: SyntheticsOp<'_>| {
        let Some(account) = account else { return false };
        let Some(subject) = synthetics(account) else { return false };
        can(Action::Synthetics { account, op, enabled: subject.enabled, rules: subject.rules })
    };
    match target {
        Target::Organization => shown(can(Action::Read(OrgArea::Settings))),
        Target::Account => shown(can(Action::Read(OrgArea::Accounts))),
        Target::AuthenticationDomain => shown(can(Action::Read(OrgArea::AuthenticationDomains))),
        Target::User => shown(can(Action::Read(OrgArea::Users))),
        Target::Group => shown(can(Action::Read(OrgArea::Groups))),
        Target::AccessGrant => shown(can(Action::Read(OrgArea::Grants))),
        Target::Role => shown(can(Action::Read(OrgArea::Roles))),
        Target::ApiKey(key) => shown(key.is_some_and(|key| {
            let owner = match key.kind {
                KeyKind::User(owner) => owners(owner),
                KeyKind::Ingest(_) => None,
            };
            can(api_keys::action(KeyOp::Read, &key, owner.as_deref()))
        })),
        Target::SyntheticsMonitor { account, guid } => {
            if synthetics_allows(*account, SyntheticsOp::EditMonitor(guid)) {
                Visibility::Full
            } else if synthetics_allows(*account, SyntheticsOp::ViewMonitor(guid)) {
                Visibility::Redacted(MONITOR_SUMMARY_KEYS)
            } else {
                Visibility::Hidden
            }
        }
        Target::SyntheticsPrivateLocation { account, guid } => {
            shown(synthetics_allows(*account, SyntheticsOp::ViewLocation(guid)))
        }
        Target::SyntheticsSecureCredential { account } => {
            shown(account.is_some_and(|a| can(Action::UseCapability(a, caps::VIEW_SECURE_CREDENTIALS))))
        }
        Target::SyntheticsPermissionGroup { account } | Target::SyntheticsPermissions { account } => {
            shown(synthetics_allows(*account, SyntheticsOp::ManagePermissions))
        }
        Target::OriginalUsers { account } => {
            shown(account.is_some_and(|a| can(Action::OriginalUsers { account: a, op: OriginalUsersOp::Read })))
        }
        Target::Unknown => Visibility::Hidden,
    }
}

/// What a reader sees of every event of one kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindScope {
    /// No event of the kind.
    None,
    /// Every event of the kind, whole.
    All,
    /// Some, maybe: [`may_read`] decides each event.
    PerEvent,
}

/// What `access` shows of the events of `kind`: the same answer as [`may_read`] for every event of
/// the kind where it says `None` or `All`.
pub fn kind_scope(kind: TargetKind, access: &EffectiveAccess) -> KindScope {
    if let Some(area) = kind.area() {
        return if area.read_capabilities().iter().any(|c| access.has_organization_capability(*c)) {
            KindScope::All
        } else {
            KindScope::None
        };
    }
    if kind == TargetKind::ApiKey {
        // One's own keys are always visible.
        return KindScope::PerEvent;
    }
    let needed = kind.account_read();
    let possible = access.accounts().any(|a| needed.iter().any(|c| access.has_account_capability(a, *c)));
    if possible { KindScope::PerEvent } else { KindScope::None }
}

/// `snapshot` as a reader with `visibility` sees it (whole for `Full`).
pub fn redact(snapshot: &serde_json::Value, visibility: Visibility) -> serde_json::Value {
    match (visibility, snapshot) {
        (Visibility::Redacted(keep), serde_json::Value::Object(fields)) => serde_json::Value::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    let shown = if keep.contains(&k.as_str()) { v.clone() } else { REDACTED.into() };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        (Visibility::Redacted(_), _) => REDACTED.into(),
        _ => snapshot.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::access::api_keys::KeyKind;
    use crate::access::synthetics::{EntityKind, Rule, Target as RuleTarget};
    use crate::access::{CapabilitySet, IngestType};

    const VIEWER: UserId = 1;
    const OTHER: UserId = 2;
    const ACCOUNT: AccountId = 10;
    const ELSEWHERE: AccountId = 11;

    fn access(organization: &[CapabilityId], accounts: &[(AccountId, &[CapabilityId])]) -> EffectiveAccess {
        EffectiveAccess {
            accounts: accounts.iter().map(|(a, c)| (*a, c.iter().copied().collect::<CapabilitySet>())).collect(),
            organization: organization.iter().copied().collect(),
        }
    }

    /// Every org-level target with the capability that shows it.
    const ORGANIZATION_TARGETS: &[(Target<'static>, TargetKind, CapabilityId)] = &[
        (Target::Organization, TargetKind::Organization, caps::READ_ORGANIZATION_SETTINGS),
        (Target::Account, TargetKind::Account, caps::READ_ORGANIZATION_ACCOUNTS),
        (Target::AuthenticationDomain, TargetKind::AuthenticationDomain, caps::READ_AUTHENTICATION_DOMAINS),
        (Target::User, TargetKind::User, caps::READ_USERS),
        (Target::Group, TargetKind::Group, caps::READ_GROUPS),
        (Target::AccessGrant, TargetKind::AccessGrant, caps::READ_ACCESS_GRANTS),
        (Target::Role, TargetKind::Role, caps::READ_ROLES),
    ];

    fn no_synthetics(_: AccountId) -> Option<SyntheticsSubject<'static>> {
        None
    }

    fn no_owners(_: UserId) -> Option<Arc<EffectiveAccess>> {
        None
    }

    /// Owners who can do nothing.
    fn powerless_owners(_: UserId) -> Option<Arc<EffectiveAccess>> {
        Some(Arc::new(EffectiveAccess::default()))
    }

    #[test]
    fn names_round_trip() {
        for kind in TargetKind::ALL {
            assert_eq!(TargetKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(TargetKind::from_name("dashboard"), None);
    }

    #[test]
    fn organization_targets_need_their_read_capability() {
        for (target, _, capability) in ORGANIZATION_TARGETS {
            let reader = access(&[*capability], &[]);
            assert_eq!(may_read(VIEWER, &reader, target, no_synthetics, &no_owners), Visibility::Full, "{target:?}");
            let others: Vec<CapabilityId> =
                ORGANIZATION_TARGETS.iter().map(|(_, _, c)| *c).filter(|c| c != capability).collect();
            // Read users also reads domains (as the domain list does); nothing else reaches across.
            let expected = if *target == Target::AuthenticationDomain { Visibility::Full } else { Visibility::Hidden };
            assert_eq!(
                may_read(VIEWER, &access(&others, &[]), target, no_synthetics, &no_owners),
                expected,
                "{target:?}"
            );
            // Account capabilities never show organization targets.
            let account_admin = access(&[], &[(ACCOUNT, &[*capability, caps::MANAGE_OTHER_USERS_KEYS])]);
            assert_eq!(may_read(VIEWER, &account_admin, target, no_synthetics, &no_owners), Visibility::Hidden);
        }
        assert_eq!(
            may_read(VIEWER, &access(&[caps::MANAGE_USERS], &[]), &Target::User, no_synthetics, &no_owners),
            Visibility::Full
        );
    }

    #[test]
    fn organization_read_only_sees_no_users_keys_or_synthetics() {
        let org_read_only = access(
            &[
                caps::READ_ORGANIZATION_SETTINGS,
                caps::READ_ORGANIZATION_ACCOUNTS,
                caps::READ_ROLES,
                caps::READ_ACCESS_GRANTS,
                caps::READ_GROUPS,
            ],
            &[],
        );
        let key = KeyFacts { kind: KeyKind::User(OTHER), account: ACCOUNT };
        for target in [
            Target::User,
            Target::AuthenticationDomain,
            Target::ApiKey(Some(key)),
            Target::SyntheticsMonitor { account: Some(ACCOUNT), guid: "G" },
            Target::SyntheticsSecureCredential { account: Some(ACCOUNT) },
            Target::SyntheticsPermissions { account: Some(ACCOUNT) },
            Target::Unknown,
        ] {
            assert_eq!(
                may_read(VIEWER, &org_read_only, &target, no_synthetics, &no_owners),
                Visibility::Hidden,
                "{target:?}"
            );
        }
    }

    #[test]
    fn keys_follow_their_own_visibility() {
        let plain = access(&[caps::READ_USERS], &[(ACCOUNT, &[caps::READ_INGEST_KEYS])]);
        let own = KeyFacts { kind: KeyKind::User(VIEWER), account: ELSEWHERE };
        let others = KeyFacts { kind: KeyKind::User(OTHER), account: ACCOUNT };
        let license = KeyFacts { kind: KeyKind::Ingest(IngestType::License), account: ACCOUNT };
        assert_eq!(may_read(VIEWER, &plain, &Target::ApiKey(Some(own)), no_synthetics, &no_owners), Visibility::Full);
        assert_eq!(
            may_read(VIEWER, &plain, &Target::ApiKey(Some(others)), no_synthetics, &no_owners),
            Visibility::Hidden
        );
        assert_eq!(
            may_read(VIEWER, &plain, &Target::ApiKey(Some(license)), no_synthetics, &no_owners),
            Visibility::Full
        );
        assert_eq!(may_read(VIEWER, &plain, &Target::ApiKey(None), no_synthetics, &no_owners), Visibility::Hidden);
        let manager = access(&[], &[(ACCOUNT, &[caps::MANAGE_OTHER_USERS_KEYS])]);
        assert_eq!(
            may_read(VIEWER, &manager, &Target::ApiKey(Some(others)), no_synthetics, &powerless_owners),
            Visibility::Full
        );
    }

    #[test]
    fn monitors_show_their_summary_with_view_and_settings_with_edit() {
        let viewer_caps: CapabilitySet = [caps::READ_SYNTHETIC_MONITORS].into_iter().collect();
        let editor_caps: CapabilitySet =
            [caps::READ_SYNTHETIC_MONITORS, caps::MODIFY_SYNTHETIC_MONITORS].into_iter().collect();
        let rules = [Rule { kind: EntityKind::Monitor, target: RuleTarget::One("A".into()), view: true, edit: false }];
        let monitor = |guid| Target::SyntheticsMonitor { account: Some(ACCOUNT), guid };
        let reader = access(&[], &[(ACCOUNT, &[caps::READ_SYNTHETIC_MONITORS])]);

        let off = |_| Some(SyntheticsSubject { capabilities: &editor_caps, enabled: false, rules: &[] });
        let editor = access(&[], &[(ACCOUNT, &[caps::READ_SYNTHETIC_MONITORS, caps::MODIFY_SYNTHETIC_MONITORS])]);
        assert_eq!(may_read(VIEWER, &editor, &monitor("A"), off, &no_owners), Visibility::Full);

        let viewing = |_| Some(SyntheticsSubject { capabilities: &viewer_caps, enabled: false, rules: &[] });
        assert_eq!(
            may_read(VIEWER, &reader, &monitor("A"), viewing, &no_owners),
            Visibility::Redacted(MONITOR_SUMMARY_KEYS)
        );

        let ruled = |_| Some(SyntheticsSubject { capabilities: &editor_caps, enabled: true, rules: &rules });
        assert_eq!(
            may_read(VIEWER, &editor, &monitor("A"), ruled, &no_owners),
            Visibility::Redacted(MONITOR_SUMMARY_KEYS)
        );
        assert_eq!(may_read(VIEWER, &editor, &monitor("B"), ruled, &no_owners), Visibility::Hidden);

        // No access to the account, or an account that could not be told: nothing.
        assert_eq!(may_read(VIEWER, &access(&[], &[]), &monitor("A"), off, &no_owners), Visibility::Hidden);
        let unknown = Target::SyntheticsMonitor { account: None, guid: "A" };
        assert_eq!(may_read(VIEWER, &editor, &unknown, off, &no_owners), Visibility::Hidden);
        assert_eq!(may_read(VIEWER, &editor, &monitor("A"), no_synthetics, &no_owners), Visibility::Hidden);
    }

    #[test]
    fn credentials_and_permission_groups_need_their_account_capability() {
        let credentials = access(&[], &[(ACCOUNT, &[caps::VIEW_SECURE_CREDENTIALS])]);
        let on = |a| Target::SyntheticsSecureCredential { account: Some(a) };
        assert_eq!(may_read(VIEWER, &credentials, &on(ACCOUNT), no_synthetics, &no_owners), Visibility::Full);
        assert_eq!(may_read(VIEWER, &credentials, &on(ELSEWHERE), no_synthetics, &no_owners), Visibility::Hidden);

        let manage: CapabilitySet = [caps::MANAGE_SYNTHETICS_PERMISSIONS].into_iter().collect();
        let manager = access(&[], &[(ACCOUNT, &[caps::MANAGE_SYNTHETICS_PERMISSIONS])]);
        let facts = |_| Some(SyntheticsSubject { capabilities: &manage, enabled: true, rules: &[] });
        let group = Target::SyntheticsPermissionGroup { account: Some(ACCOUNT) };
        assert_eq!(may_read(VIEWER, &manager, &group, facts, &no_owners), Visibility::Full);
        let view: CapabilitySet = [caps::VIEW_SECURE_CREDENTIALS].into_iter().collect();
        let viewer_facts = |_| Some(SyntheticsSubject { capabilities: &view, enabled: true, rules: &[] });
        assert_eq!(may_read(VIEWER, &credentials, &group, viewer_facts, &no_owners), Visibility::Hidden);
        let orphan = Target::SyntheticsPermissionGroup { account: None };
        assert_eq!(may_read(VIEWER, &manager, &orphan, facts, &no_owners), Visibility::Hidden);
    }

    #[test]
    fn kind_scope_agrees_with_may_read() {
        let readers = [
            access(&[], &[]),
            access(&[caps::READ_ORGANIZATION_SETTINGS, caps::READ_GROUPS], &[]),
            access(&[caps::READ_USERS], &[(ACCOUNT, &[caps::READ_INGEST_KEYS])]),
            access(&[], &[(ACCOUNT, &[caps::VIEW_SECURE_CREDENTIALS, caps::READ_SYNTHETIC_MONITORS])]),
        ];
        for reader in &readers {
            for (target, kind, _) in ORGANIZATION_TARGETS {
                let expected = match may_read(VIEWER, reader, target, no_synthetics, &no_owners) {
                    Visibility::Full => KindScope::All,
                    _ => KindScope::None,
                };
                assert_eq!(kind_scope(*kind, reader), expected, "{kind:?}");
            }
            assert_eq!(kind_scope(TargetKind::ApiKey, reader), KindScope::PerEvent);
        }
        // Synthetics kinds: nothing without a capability on some account that could show one.
        assert_eq!(kind_scope(TargetKind::SyntheticsSecureCredential, &readers[2]), KindScope::None);
        assert_eq!(kind_scope(TargetKind::SyntheticsSecureCredential, &readers[3]), KindScope::PerEvent);
        assert_eq!(kind_scope(TargetKind::SyntheticsMonitor, &readers[3]), KindScope::PerEvent);
        assert_eq!(kind_scope(TargetKind::SyntheticsPermissions, &readers[3]), KindScope::None);
    }

    #[test]
    fn redaction_keeps_only_the_listed_keys() {
        let snapshot = json!({"name": "Ping", "uri": "https://internal.example.com", "tags": ["a"]});
        assert_eq!(
            redact(&snapshot, Visibility::Redacted(&["name"])),
            json!({"name": "Ping", "uri": REDACTED, "tags": REDACTED})
        );
        assert_eq!(redact(&snapshot, Visibility::Full), snapshot);
        assert_eq!(redact(&json!("text"), Visibility::Redacted(&["name"])), json!(REDACTED));
    }
}
