use super::*;
use crate::access::CapabilityFacts;

// Account capabilities 1-4 (3, 4 Full-Stack Observability; 4 outside All product admin),
// organization capabilities 100-101.
const ALERTS: CapabilityId = 1;
const DASHBOARDS: CapabilityId = 2;
const APM: CapabilityId = 3;
const BILLING: CapabilityId = 4;
const USERS_READ: CapabilityId = 100;
const USERS_MANAGE: CapabilityId = 101;
const CAPABILITIES: [CapabilityId; 6] = [ALERTS, DASHBOARDS, APM, BILLING, USERS_READ, USERS_MANAGE];

const APA: RoleId = 1;
const MINIMAL: RoleId = 2;
const BILLING_USER: RoleId = 3;
const ORG_MANAGER: RoleId = 4;
const V1: RoleId = 5;
const ROLES: [RoleId; 5] = [APA, MINIMAL, BILLING_USER, ORG_MANAGER, V1];

const ACCOUNT: AccountId = 7;
const CANCELED: AccountId = 8;

fn cap(id: CapabilityId, fso: bool, scope: Scope) -> CapabilityFacts {
    CapabilityFacts { id, full_stack_observability: fso, hidden: false, scope }
}

fn catalog() -> Catalog {
    Catalog::new(
        [
            cap(ALERTS, false, Scope::Account),
            cap(DASHBOARDS, false, Scope::Account),
            cap(APM, true, Scope::Account),
            cap(BILLING, false, Scope::Account),
            cap(USERS_READ, false, Scope::Organization),
            cap(USERS_MANAGE, false, Scope::Organization),
        ],
        [ALERTS, DASHBOARDS, APM],
    )
}

fn roles() -> HashMap<RoleId, RoleFacts> {
    let role = |id, scope, min_user_type, caps: &[CapabilityId]| {
        (id, RoleFacts { id, scope, min_user_type, capabilities: caps.iter().copied().collect() })
    };
    HashMap::from([
        role(APA, Scope::Account, UserType::Basic, &[ALERTS, DASHBOARDS, APM]),
        role(MINIMAL, Scope::Account, UserType::Basic, &[DASHBOARDS]),
        role(BILLING_USER, Scope::Account, UserType::Core, &[BILLING, ALERTS]),
        role(ORG_MANAGER, Scope::Organization, UserType::Core, &[USERS_READ, USERS_MANAGE]),
        role(V1, Scope::Account, UserType::Full, &[ALERTS]),
    ])
}

fn grant(id: i64, role: RoleId, target: GrantTarget) -> ExplainGrant {
    ExplainGrant {
        grant_id: id,
        group_id: format!("g{id}"),
        group_name: format!("Group {id}"),
        role_id: role,
        role_name: format!("Role {role}"),
        target,
        account_active: target != GrantTarget::Account(CANCELED),
    }
}

fn user(user_type: UserType, grants: Vec<ExplainGrant>) -> ExplainSubject {
    ExplainSubject {
        user_id: 42,
        label: "u@example.com".into(),
        user_type,
        active: true,
        grants,
        original: Default::default(),
    }
}

fn on_account(capability: CapabilityId) -> Question {
    Question { capability, capability_name: format!("cap {capability}"), on: On::Account { id: ACCOUNT, active: true } }
}

fn on_organization(capability: CapabilityId) -> Question {
    Question { capability, capability_name: format!("cap {capability}"), on: On::Organization }
}

fn run(subject: &ExplainSubject, question: &Question) -> Explanation {
    run_in(subject, question, Edition::Enterprise)
}

fn run_in(subject: &ExplainSubject, question: &Question, edition: Edition) -> Explanation {
    let (roles, catalog) = (roles(), catalog());
    explain(subject, question, &Context { roles: &roles, catalog: &catalog, edition }, Visibility::ALL)
}

fn kinds(explanation: &Explanation) -> Vec<LimitKind> {
    explanation.limits.iter().map(|l| l.kind).collect()
}

/// Every user type, active or not, with every set of up to two grants drawn from every role on
/// the account, the canceled account and the organization, asked about every capability on the
/// account, the canceled account and the organization: `allowed` is exactly the decision code's
/// answer over `effective_access`, and an active user is allowed exactly when a path exists.
#[test]
fn allowed_is_the_decision_and_paths_are_its_reasons() {
    let (roles, catalog) = (roles(), catalog());
    let targets = [GrantTarget::Account(ACCOUNT), GrantTarget::Account(CANCELED), GrantTarget::Organization];
    let mut single = Vec::new();
    let mut id = 0;
    for role in ROLES {
        for target in targets {
            id += 1;
            single.push(grant(id, role, target));
        }
    }
    let mut grant_sets: Vec<Vec<ExplainGrant>> = vec![vec![]];
    for (i, a) in single.iter().enumerate() {
        grant_sets.push(vec![a.clone()]);
        for b in &single[i + 1..] {
            grant_sets.push(vec![a.clone(), b.clone()]);
        }
    }
    let mut questions = Vec::new();
    for capability in CAPABILITIES {
        questions.push(on_account(capability));
        questions.push(Question {
            capability,
            capability_name: "c".into(),
            on: On::Account { id: CANCELED, active: false },
        });
        questions.push(on_organization(capability));
    }
    let mut checked = 0;
    let mut allowed_seen = 0;
    for user_type in [UserType::Basic, UserType::Core, UserType::Full] {
        for active in [true, false] {
            for grants in &grant_sets {
                let subject = ExplainSubject { active, ..user(user_type, grants.clone()) };
                let access = effective_access(&subject.subject(), &roles, &catalog);
                for question in &questions {
                    let explanation = run(&subject, question);
                    let decided = match question.on {
                        On::Account { id, .. } => {
                            decision::allows_user(42, &access, Action::UseCapability(id, question.capability))
                        }
                        On::Organization => access.has_organization_capability(question.capability),
                    };
                    assert_eq!(explanation.allowed, decided, "{subject:?} {question:?}");
                    if active {
                        assert_eq!(explanation.allowed, !explanation.paths.is_empty(), "{subject:?} {question:?}");
                    }
                    // A refusal always says why.
                    if !explanation.allowed {
                        assert!(!explanation.limits.is_empty(), "{subject:?} {question:?}");
                    }
                    checked += 1;
                    allowed_seen += usize::from(explanation.allowed);
                }
            }
        }
    }
    assert!(checked > 10_000 && allowed_seen > 200, "{checked} {allowed_seen}");
}

#[test]
fn basic_user_in_a_minimal_group_has_more_than_the_full_user_beside_them() {
    let minimal = vec![grant(1, MINIMAL, GrantTarget::Account(ACCOUNT))];
    let basic = run(&user(UserType::Basic, minimal.clone()), &on_account(ALERTS));
    assert!(basic.allowed);
    assert_eq!(basic.paths, minimal);
    assert!(basic.summary.contains("basic user set"), "{}", basic.summary);
    let full = run(&user(UserType::Full, minimal), &on_account(ALERTS));
    assert!(!full.allowed);
    assert!(full.paths.is_empty());
    assert_eq!(kinds(&full), [LimitKind::RoleLacksCapability]);
}

#[test]
fn basic_user_set_takes_away_what_it_lacks() {
    let explanation =
        run(&user(UserType::Basic, vec![grant(1, APA, GrantTarget::Account(ACCOUNT))]), &on_account(BILLING));
    assert!(!explanation.allowed);
    assert_eq!(kinds(&explanation), [LimitKind::BasicUserSet]);
}

#[test]
fn core_user_is_refused_a_full_platform_capability() {
    let explanation = run(&user(UserType::Core, vec![grant(1, APA, GrantTarget::Account(ACCOUNT))]), &on_account(APM));
    assert!(!explanation.allowed);
    assert_eq!(kinds(&explanation), [LimitKind::UserType]);
    assert!(explanation.summary.contains("core user"), "{}", explanation.summary);
}

#[test]
fn organization_grants_give_no_account_access() {
    let subject = user(UserType::Full, vec![grant(1, ORG_MANAGER, GrantTarget::Organization)]);
    let explanation = run(&subject, &on_account(ALERTS));
    assert!(!explanation.allowed);
    assert_eq!(kinds(&explanation), [LimitKind::NoGrantOnAccount, LimitKind::OrganizationGrantOnly]);
    let organization = run(&subject, &on_organization(USERS_READ));
    assert!(organization.allowed);
    assert_eq!(organization.paths.len(), 1);
}

#[test]
fn a_role_requiring_core_or_full_gives_a_basic_user_nothing() {
    let explanation =
        run(&user(UserType::Basic, vec![grant(1, BILLING_USER, GrantTarget::Account(ACCOUNT))]), &on_account(ALERTS));
    assert!(!explanation.allowed);
    assert_eq!(kinds(&explanation), [LimitKind::RoleRequiresUserType]);
    assert!(explanation.limits[0].message.contains("\"Role 3\" requires a core or full user"));
}

#[test]
fn canceled_accounts_and_deactivated_users_give_nothing() {
    let subject = user(UserType::Full, vec![grant(1, APA, GrantTarget::Account(CANCELED))]);
    let canceled = Question { on: On::Account { id: CANCELED, active: false }, ..on_account(ALERTS) };
    let explanation = run(&subject, &canceled);
    assert!(!explanation.allowed && explanation.paths.is_empty());
    assert_eq!(kinds(&explanation), [LimitKind::AccountCanceled]);

    let inactive =
        ExplainSubject { active: false, ..user(UserType::Full, vec![grant(1, APA, GrantTarget::Account(ACCOUNT))]) };
    let explanation = run(&inactive, &on_account(ALERTS));
    assert!(!explanation.allowed);
    assert_eq!(kinds(&explanation), [LimitKind::UserInactive]);
}

#[test]
fn the_standard_edition_is_named_when_access_is_missing() {
    let explanation = run_in(&user(UserType::Full, vec![]), &on_account(ALERTS), Edition::Standard);
    assert_eq!(kinds(&explanation), [LimitKind::NoGrantOnAccount, LimitKind::Edition]);
    let allowed = run_in(
        &user(UserType::Full, vec![grant(1, APA, GrantTarget::Account(ACCOUNT))]),
        &on_account(ALERTS),
        Edition::Standard,
    );
    assert!(allowed.allowed && allowed.limits.is_empty());
}

#[test]
fn every_granting_path_is_listed_and_hidden_names_stay_hidden() {
    let subject = user(
        UserType::Full,
        vec![
            grant(1, APA, GrantTarget::Account(ACCOUNT)),
            grant(2, BILLING_USER, GrantTarget::Account(ACCOUNT)),
            grant(3, MINIMAL, GrantTarget::Account(ACCOUNT)),
        ],
    );
    let explanation = run(&subject, &on_account(ALERTS));
    assert_eq!(explanation.paths.iter().map(|p| p.grant_id).collect::<Vec<_>>(), [1, 2]);
    assert!(explanation.summary.contains("through 2 grants"), "{}", explanation.summary);

    let basic = user(UserType::Basic, vec![grant(1, V1, GrantTarget::Account(ACCOUNT))]);
    let (roles, catalog) = (roles(), catalog());
    let cx = Context { roles: &roles, catalog: &catalog, edition: Edition::Pro };
    let hidden = explain(&basic, &on_account(ALERTS), &cx, Visibility { groups: false, roles: false, grants: false });
    assert!(
        hidden
            .limits
            .iter()
            .chain([&Limit { kind: LimitKind::Edition, message: hidden.summary.clone() }])
            .all(|l| !l.message.contains("Role 5"))
    );
    assert!(hidden.limits[0].message.starts_with("A role requires a full platform user"), "{:?}", hidden.limits);
}

#[test]
fn explaining_access_is_for_oneself_or_for_readers_of_users_groups_and_grants() {
    use crate::access::caps;
    let none = EffectiveAccess::default();
    assert!(decision::allows_user(1, &none, Action::ExplainAccess { user: Some(1) }));
    assert!(!decision::allows_user(1, &none, Action::ExplainAccess { user: Some(2) }));
    assert!(!decision::allows_user(1, &none, Action::ExplainAccess { user: None }));
    let some = |ids: &[CapabilityId]| EffectiveAccess::of(Default::default(), ids.iter().copied().collect());
    let two = some(&[caps::READ_USERS, caps::READ_GROUPS]);
    assert!(!decision::allows_user(1, &two, Action::ExplainAccess { user: Some(2) }));
    let three = some(&[caps::MANAGE_USERS, caps::READ_GROUPS, caps::READ_ACCESS_GRANTS]);
    assert!(decision::allows_user(1, &three, Action::ExplainAccess { user: Some(2) }));
    assert!(decision::allows_user(1, &three, Action::ExplainAccess { user: None }));
}

fn named(group: &str, kind: EntityKind, target: Target, view: bool, edit: bool) -> NamedRule {
    NamedRule { group_id: group.to_lowercase(), group_name: group.into(), rule: Rule { kind, target, view, edit } }
}

/// Seed 003: Amateur Austin may view all four monitors but edit only A, B and D.
#[test]
fn austin_views_monitor_c_but_cannot_edit_it() {
    use crate::access::caps;
    let synthetics: Vec<CapabilityId> = vec![
        caps::READ_SYNTHETIC_MONITORS,
        caps::MODIFY_SYNTHETIC_MONITORS,
        caps::DELETE_SYNTHETIC_MONITORS,
        caps::READ_PRIVATE_LOCATIONS,
        caps::MODIFY_PRIVATE_LOCATIONS,
    ];
    let access = EffectiveAccess::of([(ACCOUNT, synthetics.into_iter().collect())].into(), Default::default());
    let monitor = |m: &str| Target::One(format!("monitor-{m}"));
    let mut rules: Vec<NamedRule> = ["a", "b", "c", "d"]
        .iter()
        .map(|m| named("New Developers", EntityKind::Monitor, monitor(m), true, false))
        .collect();
    rules.extend(["a", "b", "d"].iter().map(|m| named("New Developers", EntityKind::Monitor, monitor(m), false, true)));
    let question = |guid| SyntheticsQuestion { account: ACCOUNT, kind: EntityKind::Monitor, guid, label: "Monitor C" };

    let c = explain_synthetics(42, "austin", &access, question("monitor-c"), true, &rules);
    assert!(c.view && !c.edit);
    assert_eq!(c.view_rules, vec![rules[2].clone()]);
    assert!(c.edit_rules.is_empty());
    assert_eq!(c.limits.iter().map(|l| l.kind).collect::<Vec<_>>(), [LimitKind::NoSyntheticsRule]);
    assert!(c.summary.contains("can view but not edit"), "{}", c.summary);

    let a = explain_synthetics(42, "austin", &access, question("monitor-a"), true, &rules);
    assert!(a.view && a.edit && a.limits.is_empty());

    // With the system off, capabilities alone decide and no rule is named.
    let off = explain_synthetics(42, "austin", &access, question("monitor-c"), false, &rules);
    assert!(off.view && off.edit && off.view_rules.is_empty());

    // The answers are the decision code's for every monitor, rule set and switch.
    for enabled in [true, false] {
        for n in 0..=rules.len() {
            for guid in ["monitor-a", "monitor-c", "monitor-x"] {
                let plain: Vec<Rule> = rules[..n].iter().map(|r| r.rule.clone()).collect();
                let e = explain_synthetics(42, "austin", &access, question(guid), enabled, &rules[..n]);
                let decided = |op| {
                    decision::allows_user(
                        42,
                        &access,
                        Action::Synthetics { account: ACCOUNT, op, enabled, rules: &plain },
                    )
                };
                assert_eq!(e.view, decided(SyntheticsOp::ViewMonitor(guid)));
                assert_eq!(e.edit, decided(SyntheticsOp::EditMonitor(guid)));
                if enabled && e.view {
                    assert!(!e.view_rules.is_empty());
                }
            }
        }
    }
}
