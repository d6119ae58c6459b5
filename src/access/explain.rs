//! Why a user has, or lacks, a capability: the same facts [`effective_access`] decides from,
//! walked grant by grant.
//!
//! `allowed` is never computed separately: it is [`decision`]'s answer over the user's effective
//! access (`Action::UseCapability` on an account, `Action::UseOrganizationCapability` on the
//! organization). A *path* is a grant that, alone, would give the capability to this user under
//! the same [`effective_access`]; since effective access is the union of what each grant gives,
//! an active user is allowed exactly when some path exists. *Limits* are the rules that take the
//! capability away, or would have: user type, "core or full required" roles, the basic user set,
//! missing or organization-only grants, canceled accounts, deactivation, the edition.

use std::collections::{BTreeMap, HashMap};

use super::api_keys::UserId;
use super::caps;
use super::decision::{self, Action, SyntheticsOp};
use super::synthetics::{EntityKind, Rule, Target};
use super::{
    AccountId, CapabilityId, CapabilitySet, Catalog, Edition, EffectiveAccess, GrantFacts, GrantTarget, RoleFacts,
    RoleId, Scope, Subject, UserType, effective_access,
};

/// One grant reaching the user through one of their groups, with what an explanation names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainGrant {
    pub grant_id: i64,
    pub group_id: String,
    pub group_name: String,
    pub role_id: RoleId,
    pub role_name: String,
    pub target: GrantTarget,
    /// False for a grant on a canceled account (it gives nothing).
    pub account_active: bool,
}

impl ExplainGrant {
    fn facts(&self) -> GrantFacts {
        GrantFacts { role_id: self.role_id, target: self.target }
    }
}

/// A user as an explanation sees them: every grant of their groups on their organization and its
/// accounts, canceled accounts included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainSubject {
    pub user_id: UserId,
    /// How the user is named in the summary (their email).
    pub label: String,
    pub user_type: UserType,
    pub active: bool,
    pub grants: Vec<ExplainGrant>,
    /// What their original (v1) user model roles give, per account (parent accounts' included).
    pub original: BTreeMap<AccountId, CapabilitySet>,
}

impl ExplainSubject {
    /// The subject [`effective_access`] decides from: the grants on active accounts and on the
    /// organization, and the original user model's capabilities (exactly what
    /// `domain::access_facts` loads).
    pub fn subject(&self) -> Subject {
        let mut grants: Vec<GrantFacts> = Vec::new();
        for grant in self.grants.iter().filter(|g| g.account_active) {
            if !grants.contains(&grant.facts()) {
                grants.push(grant.facts());
            }
        }
        Subject { user_type: self.user_type, active: self.active, grants, original: self.original.clone() }
    }
}

/// Where the capability is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// An account of the user's organization, and whether it is active.
    Account {
        id: AccountId,
        active: bool,
    },
    Organization,
}

/// The question: one capability, on an account or on the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub capability: CapabilityId,
    pub capability_name: String,
    pub on: On,
}

/// What the asker may read: names they may not read are left out of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visibility {
    pub groups: bool,
    pub roles: bool,
    pub grants: bool,
}

impl Visibility {
    pub const ALL: Visibility = Visibility { groups: true, roles: true, grants: true };
}

/// The kinds of rule that take a capability away (or would have).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitKind {
    /// The user's type caps it (core: no Full-Stack Observability; basic: no organization capability).
    UserType,
    /// A role that would give it requires a core or full user.
    RoleRequiresUserType,
    /// Basic users have exactly the basic set on every account they can access.
    BasicUserSet,
    /// None of the user's groups has a grant on the account.
    NoGrantOnAccount,
    /// The user's groups have only organization-scoped grants: no account access.
    OrganizationGrantOnly,
    /// The account is canceled: grants on it give nothing.
    AccountCanceled,
    /// Deactivated users have no access at all.
    UserInactive,
    /// The organization's edition does not allow what would give it.
    Edition,
    /// Grants reach the target, but none of their roles includes the capability.
    RoleLacksCapability,
    /// None of the user's groups has an organization-scoped grant.
    NoOrganizationGrant,
    /// The capability has the other scope (an organization capability asked on an account, or
    /// the reverse).
    CapabilityScope,
    /// A grant whose role has the other scope than its target (refused when made): it gives nothing.
    RoleScopeMismatch,
    /// Synthetics: the user lacks the capability the right needs on the account.
    MissingCapability,
    /// Synthetics: the permission system is on and no rule of the user's permission groups gives
    /// the right (the rules are whitelist-only).
    NoSyntheticsRule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limit {
    pub kind: LimitKind,
    pub message: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// `access::decision`'s answer.
    pub allowed: bool,
    /// One plain sentence.
    pub summary: String,
    /// Every grant that gives the capability (all of them, visible or not: the caller shows what
    /// the asker may read).
    pub paths: Vec<ExplainGrant>,
    pub limits: Vec<Limit>,
}

/// The organization-level facts an explanation also needs.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub roles: &'a HashMap<RoleId, RoleFacts>,
    pub catalog: &'a Catalog,
    pub edition: Edition,
}

/// Whether `access` holds the capability of `question`, as `access::decision` answers it.
pub fn decides(user: UserId, access: &EffectiveAccess, question: &Question) -> bool {
    let action = match question.on {
        On::Account { id, .. } => Action::UseCapability(id, question.capability),
        On::Organization => Action::UseOrganizationCapability(question.capability),
    };
    decision::allows_user(user, access, action)
}

/// The grants that alone give the capability to this user.
fn paths(subject: &ExplainSubject, question: &Question, cx: &Context<'_>) -> Vec<ExplainGrant> {
    subject
        .grants
        .iter()
        .filter(|g| g.account_active)
        .filter(|g| {
            let alone = Subject {
                user_type: subject.user_type,
                active: subject.active,
                grants: vec![g.facts()],
                original: BTreeMap::new(),
            };
            decides(subject.user_id, &effective_access(&alone, cx.roles, cx.catalog), question)
        })
        .cloned()
        .collect()
}

fn targets(grant: &ExplainGrant, on: On) -> bool {
    match (grant.target, on) {
        (GrantTarget::Account(a), On::Account { id, .. }) => a == id,
        (GrantTarget::Organization, On::Organization) => true,
        _ => false,
    }
}

fn type_name(user_type: UserType) -> &'static str {
    match user_type {
        UserType::Basic => "basic",
        UserType::Core => "core",
        UserType::Full => "full platform",
    }
}

fn where_text(on: On) -> String {
    match on {
        On::Account { id, .. } => format!("on account {id}"),
        On::Organization => "on the organization".to_owned(),
    }
}

/// Explains `question` for `subject`, naming only what `visible` allows.
pub fn explain(subject: &ExplainSubject, question: &Question, cx: &Context<'_>, visible: Visibility) -> Explanation {
    let access = effective_access(&subject.subject(), cx.roles, cx.catalog);
    let allowed = decides(subject.user_id, &access, question);
    let paths = paths(subject, question, cx);
    let limits = limits(subject, question, cx, visible, allowed, &paths);
    let summary = summary(subject, question, allowed, &paths, &limits);
    Explanation { allowed, summary, paths, limits }
}

fn role_text(grant: &ExplainGrant, visible: Visibility) -> String {
    if visible.roles { format!("the role \"{}\"", grant.role_name) } else { "a role".to_owned() }
}

fn limits(
    subject: &ExplainSubject,
    question: &Question,
    cx: &Context<'_>,
    visible: Visibility,
    allowed: bool,
    paths: &[ExplainGrant],
) -> Vec<Limit> {
    let mut limits = Vec::new();
    let mut add = |kind: LimitKind, message: String| limits.push(Limit { kind, message });
    let cap = &question.capability_name;
    let who = &subject.label;
    let facts = cx.catalog.get(question.capability);
    let full_platform_only = facts.is_none_or(|c| c.full_stack_observability);

    if !subject.active {
        add(LimitKind::UserInactive, format!("{who} is deactivated: deactivated users have no access at all."));
    }
    let asked_scope = match question.on {
        On::Account { .. } => Scope::Account,
        On::Organization => Scope::Organization,
    };
    if facts.is_some_and(|c| c.scope != asked_scope) {
        let text = match asked_scope {
            Scope::Account => {
                format!("\"{cap}\" is an organization capability: no account grant gives it; ask without an account.")
            }
            Scope::Organization => format!("\"{cap}\" is an account capability: ask about it on an account."),
        };
        add(LimitKind::CapabilityScope, text);
    }
    if let On::Account { id, active: false } = question.on {
        add(LimitKind::AccountCanceled, format!("Account {id} is canceled: grants on it give nothing."));
    }

    let on_target: Vec<&ExplainGrant> = subject.grants.iter().filter(|g| targets(g, question.on)).collect();
    match question.on {
        On::Account { id, .. } => {
            if on_target.is_empty() {
                add(LimitKind::NoGrantOnAccount, format!("None of {who}'s groups has a grant on account {id}."));
                let account_grants = subject.grants.iter().any(|g| matches!(g.target, GrantTarget::Account(_)));
                let organization_grants = subject.grants.iter().any(|g| g.target == GrantTarget::Organization);
                if organization_grants && !account_grants {
                    add(
                        LimitKind::OrganizationGrantOnly,
                        format!(
                            "{who}'s groups have only organization-scoped grants: they give organization \
                             capabilities, never access to an account."
                        ),
                    );
                }
            }
        }
        On::Organization => {
            if on_target.is_empty() {
                add(
                    LimitKind::NoOrganizationGrant,
                    format!("None of {who}'s groups has an organization-scoped grant."),
                );
            }
        }
    }

    for grant in on_target.iter().filter(|g| g.account_active) {
        if cx.roles.get(&grant.role_id).is_none_or(|r| r.scope != grant.target.scope()) {
            add(
                LimitKind::RoleScopeMismatch,
                format!(
                    "{} is granted {} but is not of that scope: the grant gives nothing.",
                    capitalized(&role_text(grant, visible)),
                    where_text(question.on)
                ),
            );
        }
    }
    // Roles that would have given it to a user of the type they require.
    for grant in on_target.iter().filter(|g| g.account_active) {
        let Some(role) = cx.roles.get(&grant.role_id) else { continue };
        if role.scope != grant.target.scope() {
            continue;
        }
        if subject.user_type >= role.min_user_type {
            continue;
        }
        let as_required = Subject {
            user_type: role.min_user_type,
            active: true,
            grants: vec![grant.facts()],
            original: BTreeMap::new(),
        };
        let would = decides(subject.user_id, &effective_access(&as_required, cx.roles, cx.catalog), question)
            || (subject.user_type == UserType::Basic
                && role.scope == Scope::Account
                && cx.catalog.basic_set().contains(&question.capability));
        if would {
            let needed =
                if role.min_user_type == UserType::Full { "a full platform user" } else { "a core or full user" };
            add(
                LimitKind::RoleRequiresUserType,
                format!(
                    "{} requires {needed}: it gives this {} user nothing, not even access to the account.",
                    capitalized(&role_text(grant, visible)),
                    type_name(subject.user_type),
                ),
            );
        }
    }

    match (subject.user_type, question.on) {
        (UserType::Basic, On::Account { .. })
            if !cx.catalog.basic_set().contains(&question.capability) && asked_scope_matches(facts, Scope::Account) =>
        {
            add(
                LimitKind::BasicUserSet,
                format!(
                    "{who} is a basic user: basic users have exactly the basic user set on every account \
                     they can access, whatever their roles give, and \"{cap}\" is not in it."
                ),
            );
        }
        (UserType::Basic, On::Organization) => {
            add(LimitKind::UserType, format!("{who} is a basic user: basic users have no organization capabilities."))
        }
        (UserType::Core, _) if full_platform_only && facts.is_some() => add(
            LimitKind::UserType,
            format!(
                "{who} is a core user: \"{cap}\" is a Full-Stack Observability capability, for full \
                 platform users only."
            ),
        ),
        _ => {}
    }

    // Grants reach the target, yet no role includes the capability.
    if paths.is_empty() && subject.user_type != UserType::Basic {
        let usable: Vec<&&ExplainGrant> = on_target
            .iter()
            .filter(|g| g.account_active)
            .filter(|g| cx.roles.get(&g.role_id).is_some_and(|r| r.scope == g.target.scope()))
            .collect();
        let included = usable
            .iter()
            .any(|g| cx.roles.get(&g.role_id).is_some_and(|r| r.capabilities.contains(&question.capability)));
        if !usable.is_empty() && !included {
            add(
                LimitKind::RoleLacksCapability,
                format!("None of the roles granted to {who}'s groups {} includes \"{cap}\".", where_text(question.on)),
            );
        }
    }

    if !allowed && cx.edition == Edition::Standard {
        add(
            LimitKind::Edition,
            "The Standard edition allows no custom groups, custom roles or new access grants: no new grant can \
             give it."
                .to_owned(),
        );
    }
    limits
}

fn asked_scope_matches(facts: Option<&super::CapabilityFacts>, scope: Scope) -> bool {
    facts.is_some_and(|c| c.scope == scope)
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn summary(
    subject: &ExplainSubject,
    question: &Question,
    allowed: bool,
    paths: &[ExplainGrant],
    limits: &[Limit],
) -> String {
    let who = &subject.label;
    let cap = &question.capability_name;
    let at = where_text(question.on);
    let grants = if paths.len() == 1 { "1 grant".to_owned() } else { format!("{} grants", paths.len()) };
    if allowed {
        let basic = subject.user_type == UserType::Basic && matches!(question.on, On::Account { .. });
        if basic {
            format!(
                "{who} can use \"{cap}\" {at}: as a basic user they have the basic user set there, whatever \
                 their roles give ({grants} giving access to the account)."
            )
        } else if paths.is_empty() && original_gives(subject, question) {
            format!(
                "{who} can use \"{cap}\" {at} through their original (v1) user model roles on the account or \
                 a parent account."
            )
        } else {
            format!("{who} can use \"{cap}\" {at} through {grants}.")
        }
    } else {
        match limits.first() {
            Some(limit) => format!("{who} cannot use \"{cap}\" {at}: {}", lowercase_first(&limit.message)),
            None => format!("{who} cannot use \"{cap}\" {at}."),
        }
    }
}

/// Whether the user's original (v1) user model roles give the capability asked on an account.
fn original_gives(subject: &ExplainSubject, question: &Question) -> bool {
    match question.on {
        On::Account { id, .. } => subject.original.get(&id).is_some_and(|caps| caps.contains(&question.capability)),
        On::Organization => false,
    }
}

/// A limit's sentence inside the summary (keeps names and capitalized words as they are).
fn lowercase_first(text: &str) -> String {
    let mut words = text.splitn(2, ' ');
    match (words.next(), words.next()) {
        (Some(first), Some(rest)) if ["None", "Account", "The"].contains(&first) => {
            format!("{} {rest}", first.to_lowercase())
        }
        _ => text.to_owned(),
    }
}

/// A Synthetics permission rule with the permission group it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedRule {
    pub group_id: String,
    pub group_name: String,
    pub rule: Rule,
}

/// View and Edit of one monitor or private location, with the rules that give them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticsExplanation {
    /// `access::decision`'s answers.
    pub view: bool,
    pub edit: bool,
    pub enabled: bool,
    /// The rules giving View (Edit) on the entity; empty while the permission system is off.
    pub view_rules: Vec<NamedRule>,
    pub edit_rules: Vec<NamedRule>,
    pub limits: Vec<Limit>,
    pub summary: String,
}

/// One monitor or private location of an account, as the question names it.
#[derive(Debug, Clone, Copy)]
pub struct SyntheticsQuestion<'a> {
    pub account: AccountId,
    pub kind: EntityKind,
    pub guid: &'a str,
    /// How the summary names it.
    pub label: &'a str,
}

/// Explains View and Edit of one entity for `user`, whose effective access is `access`, under the
/// account's Synthetics permission system (`enabled`, and the rules of the user's groups there).
pub fn explain_synthetics(
    user: UserId,
    who: &str,
    access: &EffectiveAccess,
    question: SyntheticsQuestion<'_>,
    enabled: bool,
    rules: &[NamedRule],
) -> SyntheticsExplanation {
    let plain: Vec<Rule> = rules.iter().map(|r| r.rule.clone()).collect();
    let SyntheticsQuestion { account, kind, guid, label } = question;
    let decide = |op| decision::allows_user(user, access, Action::Synthetics { account, op, enabled, rules: &plain });
    let (view, edit) = match kind {
        EntityKind::Monitor => (decide(SyntheticsOp::ViewMonitor(guid)), decide(SyntheticsOp::EditMonitor(guid))),
        EntityKind::PrivateLocation => {
            (decide(SyntheticsOp::ViewLocation(guid)), decide(SyntheticsOp::EditLocation(guid)))
        }
    };
    let reaching = |right: fn(&Rule) -> bool| -> Vec<NamedRule> {
        if !enabled {
            return Vec::new();
        }
        rules
            .iter()
            .filter(|r| {
                r.rule.kind == kind
                    && right(&r.rule)
                    && (r.rule.target == Target::All || r.rule.target == Target::One(guid.to_owned()))
            })
            .cloned()
            .collect()
    };
    let view_rules = reaching(|r| r.view);
    let edit_rules = reaching(|r| r.edit);

    let (read_cap, modify_cap, noun) = match kind {
        EntityKind::Monitor => (caps::READ_SYNTHETIC_MONITORS, caps::MODIFY_SYNTHETIC_MONITORS, "monitors"),
        EntityKind::PrivateLocation => {
            (caps::READ_PRIVATE_LOCATIONS, caps::MODIFY_PRIVATE_LOCATIONS, "private locations")
        }
    };
    let mut limits = Vec::new();
    if !access.has_account_access(account) {
        limits.push(Limit {
            kind: LimitKind::NoGrantOnAccount,
            message: format!("{who} has no access to account {account}."),
        });
    } else {
        for (cap, right) in [(read_cap, "View"), (modify_cap, "Edit")] {
            if !access.has_account_capability(account, cap) {
                limits.push(Limit {
                    kind: LimitKind::MissingCapability,
                    message: format!(
                        "{who} lacks the capability {right} needs on account {account} (\"{}\").",
                        capability_label(cap)
                    ),
                });
            }
        }
    }
    if enabled {
        for (rights, right) in [(&view_rules, "View"), (&edit_rules, "Edit")] {
            if rights.is_empty() {
                limits.push(Limit {
                    kind: LimitKind::NoSyntheticsRule,
                    message: format!(
                        "The Synthetics permission system is on for account {account} and no rule of {who}'s \
                         permission groups gives {right} on {label}: rules are whitelist-only."
                    ),
                });
            }
        }
    }
    let rights = match (view, edit) {
        (true, true) => "can view and edit",
        (true, false) => "can view but not edit",
        (false, true) => "can edit but not view",
        (false, false) => "can neither view nor edit",
    };
    let how = if !enabled {
        format!("the permission system is off, so {who}'s capabilities on the account decide")
    } else {
        let names = |rules: &[NamedRule]| {
            let mut groups: Vec<&str> = rules.iter().map(|r| r.group_name.as_str()).collect();
            groups.dedup();
            if groups.is_empty() { "no rule".to_owned() } else { format!("rules of {}", groups.join(", ")) }
        };
        format!("View from {}; Edit from {}", names(&view_rules), names(&edit_rules))
    };
    let summary = format!("{who} {rights} {label} ({noun} of account {account}): {how}.");
    SyntheticsExplanation { view, edit, enabled, view_rules, edit_rules, limits, summary }
}

fn capability_label(cap: CapabilityId) -> &'static str {
    caps::CHECKED.iter().find(|(id, _)| *id == cap).map_or("unknown", |(_, name)| name)
}

#[cfg(test)]
mod tests;
