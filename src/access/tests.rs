use super::decision::{self, Action, Actor, Principal};
use super::*;

// A small catalog: account capabilities 1-6 (4, 5 Full-Stack Observability; 6 hidden), organization
// capabilities 100-101.
const ALERTS_READ: CapabilityId = 1;
const ALERTS_MODIFY: CapabilityId = 2;
const DASHBOARDS: CapabilityId = 3;
const APM_READ: CapabilityId = 4;
const APM_MODIFY: CapabilityId = 5;
const OTHER_KEYS: CapabilityId = 6;
const BILLING: CapabilityId = 7;
const USERS_READ: CapabilityId = 100;
const USERS_MANAGE: CapabilityId = 101;

const APA: RoleId = 1;
const READ_ONLY: RoleId = 2;
const MINIMAL: RoleId = 3;
const BILLING_USER: RoleId = 4;
const DOMAIN_MANAGER: RoleId = 5;
const V1: RoleId = 6;

fn account_cap(id: CapabilityId, fso: bool, hidden: bool) -> CapabilityFacts {
    CapabilityFacts { id, full_stack_observability: fso, hidden, scope: Scope::Account }
}

fn catalog() -> Catalog {
    Catalog::new(
        [
            account_cap(ALERTS_READ, false, false),
            account_cap(ALERTS_MODIFY, false, false),
            account_cap(DASHBOARDS, false, false),
            account_cap(APM_READ, true, false),
            account_cap(APM_MODIFY, true, false),
            account_cap(OTHER_KEYS, false, true),
            account_cap(BILLING, false, true),
            CapabilityFacts {
                id: USERS_READ,
                full_stack_observability: false,
                hidden: true,
                scope: Scope::Organization,
            },
            CapabilityFacts {
                id: USERS_MANAGE,
                full_stack_observability: false,
                hidden: true,
                scope: Scope::Organization,
            },
        ],
        [ALERTS_READ, ALERTS_MODIFY, DASHBOARDS, APM_READ, APM_MODIFY, OTHER_KEYS],
    )
}

fn role(id: RoleId, scope: Scope, min: UserType, caps: &[CapabilityId]) -> (RoleId, RoleFacts) {
    (id, RoleFacts { id, scope, min_user_type: min, capabilities: caps.iter().copied().collect() })
}

fn roles() -> HashMap<RoleId, RoleFacts> {
    HashMap::from([
        role(
            APA,
            Scope::Account,
            UserType::Basic,
            &[ALERTS_READ, ALERTS_MODIFY, DASHBOARDS, APM_READ, APM_MODIFY, OTHER_KEYS],
        ),
        role(READ_ONLY, Scope::Account, UserType::Basic, &[ALERTS_READ, APM_READ]),
        role(MINIMAL, Scope::Account, UserType::Basic, &[DASHBOARDS]),
        role(BILLING_USER, Scope::Account, UserType::Core, &[BILLING, ALERTS_READ, APM_READ]),
        role(DOMAIN_MANAGER, Scope::Organization, UserType::Core, &[USERS_READ, USERS_MANAGE]),
        role(V1, Scope::Account, UserType::Full, &[ALERTS_READ]),
    ])
}

fn on_account(role_id: RoleId, account: AccountId) -> GrantFacts {
    GrantFacts { role_id, target: GrantTarget::Account(account) }
}

fn on_org(role_id: RoleId) -> GrantFacts {
    GrantFacts { role_id, target: GrantTarget::Organization }
}

fn access(user_type: UserType, grants: &[GrantFacts]) -> EffectiveAccess {
    let subject = Subject { user_type, active: true, grants: grants.to_vec(), original: Default::default() };
    effective_access(&subject, &roles(), &catalog())
}

fn set(caps: &[CapabilityId]) -> CapabilitySet {
    caps.iter().copied().collect()
}

#[test]
fn membership_without_grants_gives_nothing() {
    for user_type in [UserType::Basic, UserType::Core, UserType::Full] {
        let a = access(user_type, &[]);
        assert!(!a.has_any_access(), "{user_type:?}");
        assert_eq!(a.accounts().count(), 0);
    }
}

#[test]
fn full_user_gets_exactly_what_is_granted_per_account() {
    let a = access(UserType::Full, &[on_account(READ_ONLY, 10), on_account(MINIMAL, 11)]);
    assert_eq!(a.account_capabilities(10), Some(&set(&[ALERTS_READ, APM_READ])));
    assert_eq!(a.account_capabilities(11), Some(&set(&[DASHBOARDS])));
    assert!(!a.has_account_access(12));
    assert!(a.organization_capabilities().is_empty());
}

#[test]
fn grants_on_one_account_are_a_union() {
    let a = access(UserType::Full, &[on_account(READ_ONLY, 10), on_account(MINIMAL, 10)]);
    assert_eq!(a.account_capabilities(10), Some(&set(&[ALERTS_READ, APM_READ, DASHBOARDS])));
}

#[test]
fn core_user_loses_full_stack_observability_capabilities() {
    let a = access(UserType::Core, &[on_account(APA, 10)]);
    assert_eq!(a.account_capabilities(10), Some(&set(&[ALERTS_READ, ALERTS_MODIFY, DASHBOARDS, OTHER_KEYS])));
}

#[test]
fn core_user_with_only_full_platform_capabilities_has_no_account_access() {
    let roles = HashMap::from([role(9, Scope::Account, UserType::Basic, &[APM_READ])]);
    let subject = Subject {
        user_type: UserType::Core,
        active: true,
        grants: vec![on_account(9, 10)],
        original: Default::default(),
    };
    let a = effective_access(&subject, &roles, &catalog());
    assert!(!a.has_account_access(10));
}

#[test]
fn basic_user_gets_exactly_the_basic_set_whatever_the_role() {
    let basic = set(&[ALERTS_READ, ALERTS_MODIFY, DASHBOARDS, OTHER_KEYS]);
    assert_eq!(catalog().basic_set(), &basic);
    // More than granted (Read only), and less than granted (All product admin minus FSO).
    let a = access(UserType::Basic, &[on_account(READ_ONLY, 10), on_account(APA, 11)]);
    assert_eq!(a.account_capabilities(10), Some(&basic));
    assert_eq!(a.account_capabilities(11), Some(&basic));
    assert!(!a.has_account_capability(11, APM_READ));
}

#[test]
fn basic_user_in_a_minimal_group_has_more_than_a_full_user_in_it() {
    // The seeds' non-intuitive case: a custom group with a very minimal role.
    let grants = [on_account(MINIMAL, 10)];
    let full = access(UserType::Full, &grants);
    let basic = access(UserType::Basic, &grants);
    assert_eq!(full.account_capabilities(10), Some(&set(&[DASHBOARDS])));
    let basic_caps = basic.account_capabilities(10).cloned().unwrap_or_default();
    assert!(basic_caps.is_superset(&set(&[DASHBOARDS])));
    assert!(basic_caps.len() > 1);
    assert!(basic_caps.contains(&ALERTS_MODIFY));
}

#[test]
fn roles_requiring_core_or_full_give_a_basic_user_nothing() {
    let a = access(UserType::Basic, &[on_account(BILLING_USER, 10), on_org(DOMAIN_MANAGER)]);
    assert!(!a.has_any_access());
    let core = access(UserType::Core, &[on_account(BILLING_USER, 10)]);
    assert!(core.has_account_capability(10, BILLING));
}

#[test]
fn roles_requiring_full_give_a_core_user_nothing() {
    assert!(!access(UserType::Core, &[on_account(V1, 10)]).has_any_access());
    assert!(access(UserType::Full, &[on_account(V1, 10)]).has_account_capability(10, ALERTS_READ));
}

#[test]
fn organization_scoped_only_users_cannot_access_any_account() {
    let a = access(UserType::Full, &[on_org(DOMAIN_MANAGER)]);
    assert_eq!(a.accounts().count(), 0);
    assert_eq!(a.organization_capabilities(), &set(&[USERS_READ, USERS_MANAGE]));
    assert!(a.has_organization_capability(USERS_MANAGE));
    assert!(!allows(&a, Action::SeeAccount(10)));
}

#[test]
fn organization_capabilities_for_core_and_full_only() {
    assert!(access(UserType::Core, &[on_org(DOMAIN_MANAGER)]).has_organization_capability(USERS_READ));
    assert!(!access(UserType::Basic, &[on_org(DOMAIN_MANAGER)]).has_organization_capability(USERS_READ));
}

#[test]
fn scope_mismatched_grants_give_nothing_and_are_refused() {
    let a = access(UserType::Full, &[on_org(APA), on_account(DOMAIN_MANAGER, 10)]);
    assert!(!a.has_any_access());
    assert_eq!(check_grant_scope(Scope::Account, GrantTarget::Organization), Err(RuleViolation::ScopeMismatch));
    assert_eq!(check_grant_scope(Scope::Organization, GrantTarget::Account(1)), Err(RuleViolation::ScopeMismatch));
    assert_eq!(check_grant_scope(Scope::Account, GrantTarget::Account(1)), Ok(()));
    assert_eq!(
        RuleViolation::ScopeMismatch.to_string(),
        "Validation failed: Role scope does not match granted_on type"
    );
}

#[test]
fn unknown_roles_give_nothing() {
    assert!(!access(UserType::Full, &[on_account(999, 10)]).has_any_access());
}

#[test]
fn deactivated_users_have_no_access() {
    let subject = Subject {
        user_type: UserType::Full,
        active: false,
        grants: vec![on_account(APA, 10)],
        original: Default::default(),
    };
    assert!(!effective_access(&subject, &roles(), &catalog()).has_any_access());
}

#[test]
fn account_actions_are_decided_against_the_right_account() {
    let a = access(UserType::Full, &[on_account(READ_ONLY, 10), on_org(DOMAIN_MANAGER)]);
    assert!(allows(&a, Action::SignedIn));
    assert!(allows(&a, Action::SeeAccount(10)));
    assert!(allows(&a, Action::UseCapability(10, APM_READ)));
    assert!(!allows(&a, Action::UseCapability(10, APM_MODIFY)));
    assert!(!allows(&a, Action::UseCapability(11, APM_READ)));
    assert!(!allows(&access(UserType::Full, &[]), Action::SeeAccount(10)));
}

/// Decides `action` for a user with `access`.
fn allows(access: &EffectiveAccess, action: Action<'_>) -> bool {
    let principal = Principal {
        actor: Actor { user_id: 1, organization_id: "org".to_owned() },
        access: std::sync::Arc::new(access.clone()),
        catalog: std::sync::Arc::new(catalog()),
    };
    decision::allows(&principal, action)
}

#[test]
fn within_compares_every_account_and_the_organization() {
    let reader = access(UserType::Full, &[on_account(READ_ONLY, 10)]);
    let admin = access(UserType::Full, &[on_account(APA, 10), on_org(DOMAIN_MANAGER)]);
    assert!(reader.within(&admin));
    assert!(!admin.within(&reader));
    assert!(EffectiveAccess::default().within(&reader));
    let elsewhere = access(UserType::Full, &[on_account(READ_ONLY, 11)]);
    assert!(!elsewhere.within(&admin));
    let mut both = reader.clone();
    both.extend(&elsewhere);
    assert_eq!(both.accounts().collect::<Vec<_>>(), vec![10, 11]);
    assert_eq!(both.gained_since(&reader), elsewhere);
    assert!(reader.gained_since(&admin).within(&EffectiveAccess::default()));
}

#[test]
fn custom_roles_take_only_selectable_capabilities_of_their_scope() {
    let c = catalog();
    assert_eq!(check_custom_role_capabilities(Scope::Account, &[ALERTS_READ, APM_MODIFY], &c), Ok(()));
    assert_eq!(
        check_custom_role_capabilities(Scope::Account, &[BILLING], &c),
        Err(RuleViolation::CapabilityNotSelectable(BILLING))
    );
    assert_eq!(
        check_custom_role_capabilities(Scope::Account, &[12345], &c),
        Err(RuleViolation::UnknownCapability(12345))
    );
    let org_cap = Catalog::new(
        [CapabilityFacts { id: 200, full_stack_observability: false, hidden: false, scope: Scope::Organization }],
        [],
    );
    assert!(matches!(
        check_custom_role_capabilities(Scope::Account, &[200], &org_cap),
        Err(RuleViolation::CapabilityScopeMismatch { .. })
    ));
}

#[test]
fn a_provisioner_provisions_its_own_domain_only_and_nothing_else() {
    let provisioner = Principal::provisioner("org", std::sync::Arc::new(catalog()));
    assert!(provisioner.is_provisioner());
    assert!(decision::allows(&provisioner, Action::Provision { token_domain: "a", domain: "a" }));
    assert!(!decision::allows(&provisioner, Action::Provision { token_domain: "a", domain: "b" }));
    // It holds no access: no organization area, no account.
    assert!(!decision::allows(&provisioner, Action::Manage(decision::OrgArea::Users)));
    assert!(!decision::allows(&provisioner, Action::Read(decision::OrgArea::Users)));
    assert!(!decision::allows(&provisioner, Action::SeeAccount(10)));
    // A user, even an administrator, never provisions.
    let admin = access(UserType::Full, &[on_account(APA, 10), on_org(DOMAIN_MANAGER)]);
    assert!(!allows(&admin, Action::Provision { token_domain: "a", domain: "a" }));
}
