//! The original (v1) user model's rules (seed 001 and `shared/DESIGN.md`), as capability sets over
//! the catalog, so that every guard of the newer model applies to original-model users unchanged.
//!
//! - A user has at most one base role per account: OWNER, ADMIN, USER or RESTRICTED.
//!   RESTRICTED views and changes nothing: the catalog's Read tier (the Read only role's set).
//!   USER uses features: Read and Use (the Standard user role's set).
//!   ADMIN sets up features and adds, updates and deletes Admins, Users and Restricted users: the
//!   All product admin set, with "Read v1 users" and "Manage v1 users" (2701, 2702).
//!   OWNER is an Admin who also maintains billing (the Billing user role's set) and alone may hand
//!   the ownership over (a decision of [`super::decision`], not a capability).
//! - An add-on manager role for product P gives the Admin capabilities of P only (those of the All
//!   product admin set whose catalog product is P); a custom add-on role gives its chosen
//!   capabilities, which must be selectable (not hidden) account capabilities.
//! - What a user has on an account extends to its child accounts (and theirs): a role held on a
//!   child itself is explicit there, one reaching it from a parent is inherited. Alert emails and
//!   weekly reports go to explicit users only ([`RoleOn::receives_notifications`]).
//! - The user's type still caps it all (`super::effective_access`).

use std::collections::{BTreeMap, HashMap};

use super::{AccountId, CapabilityId, CapabilitySet, Catalog, RuleViolation, Scope};

/// A base role. Ordered by what it allows: RESTRICTED < USER < ADMIN < OWNER.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BaseRole {
    Restricted,
    User,
    Admin,
    Owner,
}

/// The products with an add-on manager role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Product {
    Alerts,
    Apm,
    Browser,
    Infrastructure,
    Insights,
    Mobile,
    Synthetics,
    Workloads,
    Nerdpack,
}

impl Product {
    pub const ALL: [Product; 9] = [
        Product::Alerts,
        Product::Apm,
        Product::Browser,
        Product::Infrastructure,
        Product::Insights,
        Product::Mobile,
        Product::Synthetics,
        Product::Workloads,
        Product::Nerdpack,
    ];

    /// The product's name in the capability catalog.
    pub fn catalog_product(self) -> &'static str {
        match self {
            Product::Alerts => "Alerts",
            Product::Apm => "APM",
            Product::Browser => "Browser",
            Product::Infrastructure => "Infrastructure",
            Product::Insights => "Insights",
            Product::Mobile => "Mobile",
            Product::Synthetics => "Synthetics",
            Product::Workloads => "Workloads",
            Product::Nerdpack => "Nerdpacks",
        }
    }

    /// The name of the product's manager role.
    pub fn manager_role_name(self) -> &'static str {
        match self {
            Product::Alerts => "Alerts manager",
            Product::Apm => "APM manager",
            Product::Browser => "Browser manager",
            Product::Infrastructure => "Infrastructure manager",
            Product::Insights => "Insights manager",
            Product::Mobile => "Mobile manager",
            Product::Synthetics => "Synthetics manager",
            Product::Workloads => "Workloads manager",
            Product::Nerdpack => "Nerdpack manager",
        }
    }
}

/// The capability sets behind the base roles and the manager roles, taken from the catalog's
/// standard roles (whose sets are the catalog's tiers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleSets {
    restricted: CapabilitySet,
    user: CapabilitySet,
    admin: CapabilitySet,
    owner: CapabilitySet,
    managers: BTreeMap<Product, CapabilitySet>,
}

/// The standard roles' capabilities the base roles are made of.
#[derive(Debug, Clone, Default)]
pub struct StandardSets {
    /// Read only: the Read tier.
    pub read_only: CapabilitySet,
    /// Standard user: Read and Use.
    pub standard_user: CapabilitySet,
    /// All product admin: Read, Use, Configure and AdminHidden.
    pub all_product_admin: CapabilitySet,
    /// Billing user: Read and Billing.
    pub billing_user: CapabilitySet,
    /// Manage v1 users: 2701 and 2702.
    pub manage_v1_users: CapabilitySet,
}

impl RoleSets {
    /// The sets, from the standard roles and the product of each capability of the catalog.
    pub fn new<'a>(standard: StandardSets, products: impl IntoIterator<Item = (CapabilityId, &'a str)>) -> Self {
        let mut admin = standard.all_product_admin.clone();
        admin.extend(standard.manage_v1_users.iter().copied());
        let mut owner = admin.clone();
        owner.extend(standard.billing_user.iter().copied());
        let mut managers: BTreeMap<Product, CapabilitySet> =
            Product::ALL.iter().map(|p| (*p, Default::default())).collect();
        for (id, product) in products {
            if !standard.all_product_admin.contains(&id) {
                continue;
            }
            if let Some(p) = Product::ALL.iter().find(|p| p.catalog_product() == product) {
                managers.entry(*p).or_default().insert(id);
            }
        }
        RoleSets { restricted: standard.read_only, user: standard.standard_user, admin, owner, managers }
    }

    /// What a base role gives on an account.
    pub fn base(&self, role: BaseRole) -> &CapabilitySet {
        match role {
            BaseRole::Restricted => &self.restricted,
            BaseRole::User => &self.user,
            BaseRole::Admin => &self.admin,
            BaseRole::Owner => &self.owner,
        }
    }

    /// What the add-on manager role of `product` gives: the Admin capabilities of that product.
    pub fn manager(&self, product: Product) -> CapabilitySet {
        self.managers.get(&product).cloned().unwrap_or_default()
    }
}

/// What a user holds explicitly on one account: a base role and the capabilities of their add-on
/// roles of that account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    pub role: Option<BaseRole>,
    pub add_on: CapabilitySet,
}

/// The accounts of an organization and their parents (active accounts only).
#[derive(Debug, Clone, Default)]
pub struct AccountTree {
    parents: HashMap<AccountId, Option<AccountId>>,
}

impl AccountTree {
    pub fn new(accounts: impl IntoIterator<Item = (AccountId, Option<AccountId>)>) -> Self {
        AccountTree { parents: accounts.into_iter().collect() }
    }

    pub fn contains(&self, account: AccountId) -> bool {
        self.parents.contains_key(&account)
    }

    /// `account` and its ancestors, nearest first (a cycle or an unknown parent ends the chain).
    pub fn chain(&self, account: AccountId) -> Vec<AccountId> {
        let mut chain = Vec::new();
        let mut next = self.parents.contains_key(&account).then_some(account);
        while let Some(current) = next {
            if chain.contains(&current) {
                break;
            }
            chain.push(current);
            next = self.parents.get(&current).copied().flatten().filter(|p| self.parents.contains_key(p));
        }
        chain
    }

    pub fn accounts(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.parents.keys().copied()
    }
}

/// The account capabilities a user's original-model roles give, on every account of `tree`: what
/// they hold on the account or on any of its ancestors. Only account-scoped capabilities count.
pub fn account_capabilities(
    held: &BTreeMap<AccountId, Held>,
    tree: &AccountTree,
    sets: &RoleSets,
    catalog: &Catalog,
) -> BTreeMap<AccountId, CapabilitySet> {
    let mut out = BTreeMap::new();
    if held.is_empty() {
        return out;
    }
    for account in tree.accounts() {
        let mut caps = CapabilitySet::new();
        for ancestor in tree.chain(account) {
            if let Some(h) = held.get(&ancestor) {
                if let Some(role) = h.role {
                    caps.extend(sets.base(role).iter().copied());
                }
                caps.extend(h.add_on.iter().copied());
            }
        }
        caps.retain(|c| catalog.has_scope(*c, Scope::Account));
        if !caps.is_empty() {
            out.insert(account, caps);
        }
    }
    out
}

/// A user's base role on one account as the account's user list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleOn {
    pub role: BaseRole,
    /// True when the role comes from a parent account.
    pub inherited: bool,
}

impl RoleOn {
    /// Alert emails and weekly reports: only where the role is held explicitly.
    pub fn receives_notifications(self) -> bool {
        !self.inherited
    }
}

/// The base role shown for a user on `account`: the one held there; otherwise the highest held on
/// an ancestor (inherited).
pub fn role_on(roles: &BTreeMap<AccountId, BaseRole>, tree: &AccountTree, account: AccountId) -> Option<RoleOn> {
    if let Some(role) = roles.get(&account) {
        return Some(RoleOn { role: *role, inherited: false });
    }
    tree.chain(account)
        .into_iter()
        .skip(1)
        .filter_map(|a| roles.get(&a).copied())
        .max()
        .map(|role| RoleOn { role, inherited: true })
}

/// A custom add-on role holds at least one capability, each a selectable account capability.
pub fn check_custom_add_on(capabilities: &[CapabilityId], catalog: &Catalog) -> Result<(), RuleViolation> {
    super::check_custom_role_capabilities(Scope::Account, capabilities, catalog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::decision::{self, Actor, OriginalUserChange, Principal};
    use crate::access::{CapabilityFacts, EffectiveAccess, Subject, UserType, effective_access};
    use std::sync::Arc;

    fn cap(id: CapabilityId, hidden: bool) -> CapabilityFacts {
        CapabilityFacts { id, full_stack_observability: false, hidden, scope: Scope::Account }
    }

    fn set(ids: &[CapabilityId]) -> CapabilitySet {
        ids.iter().copied().collect()
    }

    /// A small catalog: 1 read (Synthetics), 2 use (Synthetics), 3 configure (Synthetics),
    /// 4 configure (APM), 5 read (APM), 2403-like 9 admin hidden, 2601 billing, 2701/2702 v1.
    fn catalog() -> Catalog {
        let caps = [1, 2, 3, 4, 5].map(|id| cap(id, false)).into_iter().chain([
            cap(9, true),
            cap(2601, true),
            cap(2701, true),
            cap(2702, true),
        ]);
        let sets = RoleSets::new(
            StandardSets {
                read_only: set(&[1, 5]),
                standard_user: set(&[1, 2, 5]),
                all_product_admin: set(&[1, 2, 3, 4, 5, 9]),
                billing_user: set(&[1, 5, 2601]),
                manage_v1_users: set(&[2701, 2702]),
            },
            [(1, "Synthetics"), (2, "Synthetics"), (3, "Synthetics"), (4, "APM"), (5, "APM"), (9, "API keys")],
        );
        Catalog::new(caps, [1, 2, 3, 4, 5, 9]).with_original(sets)
    }

    #[test]
    fn base_roles_are_the_seed_summary_over_the_catalog_tiers() {
        let catalog = catalog();
        let sets = catalog.original();
        assert_eq!(sets.base(BaseRole::Restricted), &set(&[1, 5]), "Restricted views only");
        assert_eq!(sets.base(BaseRole::User), &set(&[1, 2, 5]), "Users use features");
        assert_eq!(
            sets.base(BaseRole::Admin),
            &set(&[1, 2, 3, 4, 5, 9, 2701, 2702]),
            "Admins set up and manage v1 users"
        );
        assert_eq!(sets.base(BaseRole::Owner), &set(&[1, 2, 3, 4, 5, 9, 2601, 2701, 2702]), "the Owner also bills");
        assert_eq!(sets.manager(Product::Synthetics), set(&[1, 2, 3]), "admin capabilities of one product only");
        assert_eq!(sets.manager(Product::Apm), set(&[4, 5]));
        assert!(sets.manager(Product::Mobile).is_empty());
    }

    #[test]
    fn a_parent_account_role_extends_to_its_children_but_is_inherited_there() {
        let catalog = catalog();
        let tree = AccountTree::new([(10, None), (11, Some(10)), (12, Some(11)), (20, None)]);
        let held = BTreeMap::from([(10, Held { role: Some(BaseRole::Restricted), add_on: CapabilitySet::new() })]);
        let caps = account_capabilities(&held, &tree, catalog.original(), &catalog);
        assert_eq!(caps.keys().copied().collect::<Vec<_>>(), vec![10, 11, 12]);
        let roles = BTreeMap::from([(10, BaseRole::Restricted), (11, BaseRole::Admin)]);
        assert_eq!(role_on(&roles, &tree, 10), Some(RoleOn { role: BaseRole::Restricted, inherited: false }));
        assert_eq!(role_on(&roles, &tree, 11), Some(RoleOn { role: BaseRole::Admin, inherited: false }));
        let child = role_on(&roles, &tree, 12).expect("inherited");
        assert_eq!(child, RoleOn { role: BaseRole::Admin, inherited: true });
        assert!(!child.receives_notifications());
        assert_eq!(role_on(&roles, &tree, 20), None);
    }

    #[test]
    fn add_on_roles_add_to_the_base_role_and_the_user_type_still_caps() {
        let catalog = catalog();
        let tree = AccountTree::new([(10, None)]);
        let add_on = catalog.original().manager(Product::Synthetics);
        let held = BTreeMap::from([(10, Held { role: Some(BaseRole::Restricted), add_on })]);
        let original = account_capabilities(&held, &tree, catalog.original(), &catalog);
        let subject = Subject { user_type: UserType::Full, active: true, grants: Vec::new(), original };
        let access = effective_access(&subject, &HashMap::new(), &catalog);
        assert_eq!(access.account_capabilities(10), Some(&set(&[1, 2, 3, 5])));
        let inactive = Subject { active: false, ..subject };
        assert!(!effective_access(&inactive, &HashMap::new(), &catalog).has_any_access());
    }

    #[test]
    fn custom_add_on_roles_take_selectable_capabilities_only() {
        let catalog = catalog();
        assert!(check_custom_add_on(&[1, 4], &catalog).is_ok());
        assert_eq!(check_custom_add_on(&[9], &catalog), Err(RuleViolation::CapabilityNotSelectable(9)));
        assert_eq!(check_custom_add_on(&[77], &catalog), Err(RuleViolation::UnknownCapability(77)));
    }

    fn principal(me: i64, caps: &[CapabilityId]) -> Principal {
        Principal {
            actor: Actor { user_id: me, organization_id: "o".into() },
            access: Arc::new(EffectiveAccess::of(BTreeMap::from([(10, set(caps))]), CapabilitySet::new())),
            catalog: Arc::new(catalog()),
        }
    }

    #[test]
    fn changes_need_manage_v1_users_and_spare_oneself_the_owner_and_restricted_actors() {
        let admin = principal(1, &[1, 2701, 2702]);
        let change = |target, target_role, actor_role| OriginalUserChange {
            account: 10,
            actor_role,
            target,
            target_role,
            target_is_owner: target_role == Some(BaseRole::Owner),
        };
        let allowed = |p: &Principal, c: &OriginalUserChange| decision::allows(p, Action::OriginalUserChange(c));
        use decision::Action;
        assert!(allowed(&admin, &change(2, Some(BaseRole::Admin), Some(BaseRole::Admin))));
        assert!(!allowed(&admin, &change(1, Some(BaseRole::Admin), Some(BaseRole::Admin))), "own role");
        assert!(!allowed(&admin, &change(2, Some(BaseRole::Owner), Some(BaseRole::Admin))), "the Owner's role");
        let reader = principal(1, &[1, 2701]);
        assert!(!allowed(&reader, &change(2, None, None)), "reading is not managing");
        assert!(!allowed(&admin, &change(2, None, Some(BaseRole::Restricted))), "Restricted users change nothing");
        assert!(decision::allows(&reader, Action::OriginalUsers { account: 10, op: decision::OriginalUsersOp::Read }));
        assert!(!decision::allows(
            &reader,
            Action::OriginalUsers { account: 10, op: decision::OriginalUsersOp::Manage }
        ));
        assert!(decision::allows(&reader, Action::TransferOwnership { owner: Some(1) }));
        assert!(!decision::allows(&admin, Action::TransferOwnership { owner: Some(2) }), "only the Owner");
    }
}
