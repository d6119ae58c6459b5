//! The permission model: who may do what, as pure functions over plain data.
//!
//! Nothing here touches the database or knows about GraphQL. Callers (the GraphQL guards, SCIM, the
//! CLI) load the facts — the user's type, the grants reaching them through their groups, the roles
//! and the catalog — and ask this module for the answer. Every permission decision in AccessGraph
//! is made here: this module computes a user's effective access, and [`decision`] names every
//! action and decides it, in one function, over that access. `access/` owns its types; the storage
//! enums are converted at the boundary (`domain::access_facts`).
//!
//! The rules (newer user model, `shared/DESIGN.md` and the seeds):
//! - Membership without a grant gives nothing; a user with only organization-scoped grants has no
//!   account access.
//! - Account capabilities on an account are the union of the capabilities of every account-scoped
//!   role granted on that account to any of the user's groups, then capped by user type:
//!   FULL as granted; CORE minus the Full-Stack Observability (full platform only) capabilities;
//!   BASIC exactly the basic set (All product admin minus Full-Stack Observability) on every account
//!   the user can access, no more and no less.
//! - A role whose minimum user type is above the user's type ("core or full required") gives that
//!   user nothing, not even account access.
//! - Organization capabilities come from organization-scoped grants, for CORE and FULL users only.
//! - Deactivated users have no access at all.

pub mod api_keys;
pub mod audit;
pub mod caps;
pub mod decision;
pub mod edition;
pub mod explain;
pub mod original;
pub mod synthetics;

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A user's type: what roles can give them at most. Ordered: BASIC < CORE < FULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UserType {
    Basic,
    Core,
    Full,
}

/// Whether a role (or capability) applies to one account or to the whole organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Account,
    Organization,
}

/// The organization's edition, which decides the account, group, role and grant limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edition {
    Standard,
    Pro,
    Enterprise,
}

/// The kinds of ingest key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IngestType {
    License,
    Browser,
}

pub type AccountId = i32;
pub type CapabilityId = i32;
pub type RoleId = i32;
pub type CapabilitySet = BTreeSet<CapabilityId>;

/// What the permission model needs to know about one capability of the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapabilityFacts {
    pub id: CapabilityId,
    /// Full-Stack Observability: full platform users only.
    pub full_stack_observability: bool,
    /// Not selectable for custom roles.
    pub hidden: bool,
    pub scope: Scope,
}

/// The capability catalog with the basic user's fixed set derived from it.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    capabilities: HashMap<CapabilityId, CapabilityFacts>,
    basic_set: CapabilitySet,
    /// The original (v1) user model's role sets over this catalog.
    original: original::RoleSets,
}

impl Catalog {
    /// Builds the catalog; the basic set is the All product admin role's capabilities minus the
    /// Full-Stack Observability ones.
    pub fn new(
        capabilities: impl IntoIterator<Item = CapabilityFacts>,
        all_product_admin: impl IntoIterator<Item = CapabilityId>,
    ) -> Self {
        let capabilities: HashMap<_, _> = capabilities.into_iter().map(|c| (c.id, c)).collect();
        let basic_set = all_product_admin
            .into_iter()
            .filter(|id| capabilities.get(id).is_some_and(|c| !c.full_stack_observability))
            .collect();
        Catalog { capabilities, basic_set, original: original::RoleSets::default() }
    }

    /// The catalog with the original user model's role sets.
    pub fn with_original(mut self, sets: original::RoleSets) -> Self {
        self.original = sets;
        self
    }

    /// The original user model's role sets.
    pub fn original(&self) -> &original::RoleSets {
        &self.original
    }

    pub fn get(&self, id: CapabilityId) -> Option<&CapabilityFacts> {
        self.capabilities.get(&id)
    }

    /// The capabilities every basic user has on every account they can access.
    pub fn basic_set(&self) -> &CapabilitySet {
        &self.basic_set
    }

    fn is_full_platform_only(&self, id: CapabilityId) -> bool {
        self.capabilities.get(&id).is_none_or(|c| c.full_stack_observability)
    }

    fn has_scope(&self, id: CapabilityId, scope: Scope) -> bool {
        self.capabilities.get(&id).is_some_and(|c| c.scope == scope)
    }
}

/// What the permission model needs to know about one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleFacts {
    pub id: RoleId,
    pub scope: Scope,
    /// The least user type the role gives anything to.
    pub min_user_type: UserType,
    pub capabilities: CapabilitySet,
}

/// Where an access grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GrantTarget {
    Account(AccountId),
    /// The user's own organization.
    Organization,
}

impl GrantTarget {
    pub fn scope(self) -> Scope {
        match self {
            GrantTarget::Account(_) => Scope::Account,
            GrantTarget::Organization => Scope::Organization,
        }
    }
}

/// One access grant that reaches a user through one of their groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GrantFacts {
    pub role_id: RoleId,
    pub target: GrantTarget,
}

/// A user as the permission model sees them. `grants` holds the grants of all the user's groups,
/// on active accounts of the user's organization and on the organization itself; `original` the
/// account capabilities their original (v1) user model roles give ([`original::account_capabilities`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub user_type: UserType,
    pub active: bool,
    pub grants: Vec<GrantFacts>,
    pub original: BTreeMap<AccountId, CapabilitySet>,
}

/// A user's effective capabilities: per account, and on their organization.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EffectiveAccess {
    accounts: BTreeMap<AccountId, CapabilitySet>,
    organization: CapabilitySet,
}

impl EffectiveAccess {
    /// The accounts the user can access (those where they have at least one capability).
    pub fn accounts(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.accounts.keys().copied()
    }

    pub fn has_account_access(&self, account: AccountId) -> bool {
        self.accounts.contains_key(&account)
    }

    pub fn account_capabilities(&self, account: AccountId) -> Option<&CapabilitySet> {
        self.accounts.get(&account)
    }

    pub fn has_account_capability(&self, account: AccountId, capability: CapabilityId) -> bool {
        self.accounts.get(&account).is_some_and(|caps| caps.contains(&capability))
    }

    pub fn organization_capabilities(&self) -> &CapabilitySet {
        &self.organization
    }

    pub fn has_organization_capability(&self, capability: CapabilityId) -> bool {
        self.organization.contains(&capability)
    }

    /// True when the user has any access at all, on an account or on the organization.
    pub fn has_any_access(&self) -> bool {
        !self.accounts.is_empty() || !self.organization.is_empty()
    }

    /// Whether everything this access allows, `other` allows too: every capability on every
    /// account, and every organization capability. The test of "no escalation by delegation".
    pub fn within(&self, other: &EffectiveAccess) -> bool {
        self.organization.is_subset(&other.organization)
            && self
                .accounts
                .iter()
                .all(|(account, caps)| other.accounts.get(account).is_some_and(|theirs| caps.is_subset(theirs)))
    }

    /// Access of exactly these capabilities (for access carried by a grant or a role).
    pub fn of(accounts: BTreeMap<AccountId, CapabilitySet>, organization: CapabilitySet) -> Self {
        let mut access = EffectiveAccess { accounts, organization };
        access.accounts.retain(|_, caps| !caps.is_empty());
        access
    }

    /// Everything `other` allows, added to this access.
    pub fn extend(&mut self, other: &EffectiveAccess) {
        for (account, caps) in &other.accounts {
            self.accounts.entry(*account).or_default().extend(caps.iter().copied());
        }
        self.organization.extend(other.organization.iter().copied());
    }

    /// What this access allows that `before` did not.
    pub fn gained_since(&self, before: &EffectiveAccess) -> EffectiveAccess {
        let accounts = self
            .accounts
            .iter()
            .map(|(account, caps)| {
                let old = before.accounts.get(account);
                (*account, caps.iter().filter(|c| old.is_none_or(|o| !o.contains(c))).copied().collect())
            })
            .collect();
        let organization = self.organization.difference(&before.organization).copied().collect();
        EffectiveAccess::of(accounts, organization)
    }
}

/// Computes a user's effective capabilities. Grants whose role is unknown, or whose scope does not
/// match the grant's target, give nothing (such grants are refused when made; see
/// [`check_grant_scope`]).
pub fn effective_access(subject: &Subject, roles: &HashMap<RoleId, RoleFacts>, catalog: &Catalog) -> EffectiveAccess {
    let mut access = EffectiveAccess::default();
    if !subject.active {
        return access;
    }
    for grant in &subject.grants {
        let Some(role) = roles.get(&grant.role_id) else { continue };
        if role.scope != grant.target.scope() || subject.user_type < role.min_user_type {
            continue;
        }
        match grant.target {
            GrantTarget::Account(account) => {
                let caps = access.accounts.entry(account).or_default();
                caps.extend(role.capabilities.iter().filter(|c| catalog.has_scope(**c, Scope::Account)));
            }
            GrantTarget::Organization => {
                if subject.user_type == UserType::Basic {
                    continue;
                }
                access
                    .organization
                    .extend(role.capabilities.iter().filter(|c| catalog.has_scope(**c, Scope::Organization)));
            }
        }
    }
    for (account, caps) in &subject.original {
        let held = access.accounts.entry(*account).or_default();
        held.extend(caps.iter().filter(|c| catalog.has_scope(**c, Scope::Account)));
    }
    match subject.user_type {
        UserType::Full => {}
        UserType::Core => {
            for caps in access.accounts.values_mut() {
                caps.retain(|c| !catalog.is_full_platform_only(*c));
            }
            access.organization.retain(|c| !catalog.is_full_platform_only(*c));
        }
        UserType::Basic => {
            for caps in access.accounts.values_mut() {
                caps.clone_from(catalog.basic_set());
            }
            access.organization.clear();
        }
    }
    // An account where a role gave no capability after capping is no access at all.
    access.accounts.retain(|_, caps| !caps.is_empty());
    access
}

/// Why a change to roles or grants is not allowed by the permission model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    /// NerdGraph's own text for a grant whose role scope does not fit its target.
    #[error("Validation failed: Role scope does not match granted_on type")]
    ScopeMismatch,
    #[error("Capability {0} cannot be added to a custom role")]
    CapabilityNotSelectable(CapabilityId),
    #[error("Capability {capability} has {actual:?} scope, but the role has {expected:?} scope")]
    CapabilityScopeMismatch { capability: CapabilityId, expected: Scope, actual: Scope },
    #[error("Unknown capability {0}")]
    UnknownCapability(CapabilityId),
}

/// A role may only be granted on a target of its own scope.
pub fn check_grant_scope(role_scope: Scope, target: GrantTarget) -> Result<(), RuleViolation> {
    if role_scope == target.scope() { Ok(()) } else { Err(RuleViolation::ScopeMismatch) }
}

/// A custom role may hold only selectable (non-hidden) capabilities of its own scope.
pub fn check_custom_role_capabilities(
    scope: Scope,
    capabilities: &[CapabilityId],
    catalog: &Catalog,
) -> Result<(), RuleViolation> {
    for &id in capabilities {
        let facts = catalog.get(id).ok_or(RuleViolation::UnknownCapability(id))?;
        if facts.hidden {
            return Err(RuleViolation::CapabilityNotSelectable(id));
        }
        if facts.scope != scope {
            return Err(RuleViolation::CapabilityScopeMismatch {
                capability: id,
                expected: scope,
                actual: facts.scope,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
