//! The one authorization path: every action AccessGraph knows is named by [`Action`], and
//! [`rule`] alone decides it over the actor's effective access.
//!
//! Front doors (GraphQL guards, payload-error mutations, visibility filters, and the doors to
//! come) ask [`decide`] for a proof, an [`Allowed<T>`], and the `domain/` write functions take
//! that proof as an argument: a change that was not decided does not compile. Where a decision
//! depends on rows a concurrent request can change (the actor's own grants, the target user's
//! access), `domain/` decides again inside its transaction with facts read there.
//!
//! Delegation never escalates: nobody acts on a user, a user key, a grant or a group membership
//! that carries access the actor does not hold themselves ([`EffectiveAccess::within`]).

use std::sync::Arc;

use super::api_keys::{KeyRefusal, UserId};
use super::caps;
use super::original::BaseRole;
use super::synthetics::{Rule, SyntheticsSubject};
use super::{AccountId, CapabilityId, CapabilitySet, Catalog, EffectiveAccess};

/// NerdGraph's text for an operation the caller may not perform.
pub const NOT_AUTHORIZED_MESSAGE: &str = "You are not authorized to perform this action";

/// Who acts: a user of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub organization_id: String,
}

/// No user has this id (user ids start at 1): the actor of a SCIM provisioner, who is nobody's
/// self and holds no access of its own.
pub const PROVISIONER: UserId = 0;

/// An actor with their effective access as it was read for this decision, and the catalog it was
/// computed with (so that `domain/` can read the access again inside a transaction).
#[derive(Debug, Clone)]
pub struct Principal {
    pub actor: Actor,
    pub access: Arc<EffectiveAccess>,
    pub catalog: Arc<Catalog>,
}

impl Principal {
    /// An identity provider presenting the SCIM token of one authentication domain of
    /// `organization_id`: no user and no access; the one action allowed to it is
    /// [`Action::Provision`] of the token's own domain.
    pub fn provisioner(organization_id: &str, catalog: Arc<Catalog>) -> Principal {
        Principal {
            actor: Actor { user_id: PROVISIONER, organization_id: organization_id.to_owned() },
            access: Arc::new(EffectiveAccess::default()),
            catalog,
        }
    }

    /// Whether this is a SCIM provisioner rather than a user.
    pub fn is_provisioner(&self) -> bool {
        self.actor.user_id == PROVISIONER
    }
}

/// Organization-wide areas. Each has a read and a manage capability; the manage capability
/// implies the read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgArea {
    Users,
    Groups,
    /// Reading domains is also allowed to those who read or manage users.
    AuthenticationDomains,
    Roles,
    Grants,
    Accounts,
    Settings,
}

impl OrgArea {
    /// The capabilities any one of which lets the actor read the area.
    pub fn read_capabilities(self) -> &'static [CapabilityId] {
        match self {
            OrgArea::Users => caps::USERS_READ_OR_MANAGE,
            OrgArea::Groups => caps::GROUPS_READ_OR_MANAGE,
            OrgArea::AuthenticationDomains => caps::DOMAINS_READ_OR_MANAGE,
            OrgArea::Roles => caps::ROLES_READ_OR_MANAGE,
            OrgArea::Grants => caps::GRANTS_READ_OR_MANAGE,
            OrgArea::Accounts => caps::ACCOUNTS_READ_OR_MANAGE,
            OrgArea::Settings => caps::ORGANIZATION_READ_OR_MODIFY,
        }
    }

    /// The capability that lets the actor change the area.
    pub fn manage_capability(self) -> CapabilityId {
        match self {
            OrgArea::Users => caps::MANAGE_USERS,
            OrgArea::Groups => caps::MANAGE_GROUPS,
            OrgArea::AuthenticationDomains => caps::MANAGE_AUTHENTICATION_DOMAINS,
            OrgArea::Roles => caps::MANAGE_CUSTOM_ROLES,
            OrgArea::Grants => caps::MANAGE_ACCESS_GRANTS,
            OrgArea::Accounts => caps::MANAGE_ORGANIZATION_ACCOUNTS,
            OrgArea::Settings => caps::MODIFY_ORGANIZATION_SETTINGS,
        }
    }
}

/// What is done with an API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOp {
    Create,
    /// See it (it is listed, or read by id).
    Read,
    Update,
    Delete,
}

/// What is done under the Synthetics permission system of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyntheticsOp<'a> {
    CreateMonitor,
    /// See the monitor and its results.
    ViewMonitor(&'a str),
    /// Read or change its settings and script.
    EditMonitor(&'a str),
    DeleteMonitor(&'a str),
    CreateLocation,
    ViewLocation(&'a str),
    EditLocation(&'a str),
    DeleteLocation(&'a str),
    /// Turn the system on or off, manage its groups, members and rules.
    ManagePermissions,
}

/// Every action AccessGraph decides.
#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// Anything a signed-in user may do about themselves (their user, their organization's name).
    SignedIn,
    /// See an account (any capability on it).
    SeeAccount(AccountId),
    /// Use one capability on an account.
    UseCapability(AccountId, CapabilityId),
    /// Read an organization-wide area.
    Read(OrgArea),
    /// Change an organization-wide area.
    Manage(OrgArea),
    /// Change, deactivate or delete a user (or their memberships): allowed only when everything
    /// the user can do, the actor can do too.
    ActOnUser { user: UserId, access: &'a EffectiveAccess },
    /// Give or take away access (a grant, a revoke, a membership, a role's new capabilities):
    /// allowed only when the actor holds all of it.
    Carry(&'a EffectiveAccess),
    /// A user key of `owner` on `account`; `owner_access` is the owner's current access, `None`
    /// when the owner is not a user of the actor's organization.
    UserKey { op: KeyOp, account: AccountId, owner: UserId, owner_access: Option<&'a EffectiveAccess> },
    /// An ingest (license or browser) key of `account`.
    IngestKey { op: KeyOp, account: AccountId },
    /// Under the Synthetics permission system of `account`, with the account's switch and the
    /// rules of the actor's permission groups there.
    Synthetics { account: AccountId, op: SyntheticsOp<'a>, enabled: bool, rules: &'a [Rule] },
    /// Provision (read, create, change, deactivate, delete) the users and groups of `domain` over
    /// SCIM, as the holder of the SCIM token of `token_domain`: only a provisioner, and only in
    /// its own token's domain.
    Provision { token_domain: &'a str, domain: &'a str },
    /// Hold one organization capability.
    UseOrganizationCapability(CapabilityId),
    /// Read (`Read`) or manage (`Manage`) the original (v1) user model users and add-on roles of
    /// `account`: "Read v1 users" (2701) or "Manage v1 users" (2702) to read, 2702 to manage
    /// (Admins and the Owner hold both there).
    OriginalUsers { account: AccountId, op: OriginalUsersOp },
    /// One change of one user's original-model roles on `account`, with the facts read inside
    /// the change's transaction (see [`OriginalUserChange`]).
    OriginalUserChange(&'a OriginalUserChange),
    /// Hand the organization's ownership over: only its current Owner (`owner`).
    TransferOwnership { owner: Option<UserId> },
    /// Ask why `user` has or lacks access (an explanation, or the user among a capability's
    /// holders): anyone about themselves; about others, whoever reads the organization's users,
    /// groups and grants.
    ExplainAccess { user: Option<UserId> },
}

/// Reading or managing original-model users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginalUsersOp {
    Read,
    Manage,
}

/// A change of `target`'s original-model roles on `account` (an add, an update or a removal).
/// Whether it gives or takes only access the actor holds is decided apart ([`Action::Carry`] of
/// what the target gains or loses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalUserChange {
    pub account: AccountId,
    /// The actor's own base role on the account (explicit or inherited), if any.
    pub actor_role: Option<BaseRole>,
    pub target: UserId,
    /// The target's explicit base role on the account before the change.
    pub target_role: Option<BaseRole>,
    /// Whether the target is the organization's Owner.
    pub target_is_owner: bool,
}

/// Why an action is refused. [`Denied::kind`] says how a client is told.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    /// NerdGraph's generic refusal.
    #[error("{NOT_AUTHORIZED_MESSAGE}")]
    NotAuthorized,
    /// A refusal about one account.
    #[error("{NOT_AUTHORIZED_MESSAGE} on account {0}")]
    OnAccount(AccountId),
    /// The target carries access the actor does not hold.
    #[error("{NOT_AUTHORIZED_MESSAGE}: it would give or affect access you do not have yourself")]
    Escalation,
    /// An API key refusal, with NerdGraph's texts.
    #[error(transparent)]
    Key(#[from] KeyRefusal),
    /// A Synthetics refusal about one monitor or private location.
    #[error("{NOT_AUTHORIZED_MESSAGE} on {0}")]
    OnEntity(String),
    /// A rule of the original user model forbids the change (the text says which).
    #[error("{0}")]
    Original(&'static str),
}

/// How a refusal reaches a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenialKind {
    Forbidden,
    /// The target's existence is not revealed.
    NotFound,
    /// The request itself is wrong (for example a key for a user who cannot use the account).
    Invalid,
}

impl Denied {
    pub fn kind(&self) -> DenialKind {
        match self {
            Denied::NotAuthorized
            | Denied::OnAccount(_)
            | Denied::Escalation
            | Denied::OnEntity(_)
            | Denied::Original(_) => DenialKind::Forbidden,
            Denied::Key(refusal) => refusal.kind(),
        }
    }
}

/// Something that can be decided: it names its [`Action`]. The typed values below are what
/// `domain/` write functions ask a proof of.
pub trait Decidable {
    fn action(&self) -> Action<'_>;
}

impl Decidable for Action<'_> {
    fn action(&self) -> Action<'_> {
        *self
    }
}

/// Proof that `what` was decided for an actor. Only [`decide`] makes one.
#[derive(Debug, Clone)]
pub struct Allowed<T> {
    principal: Principal,
    what: T,
}

impl<T> Allowed<T> {
    pub fn actor(&self) -> &Actor {
        &self.principal.actor
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    pub fn what(&self) -> &T {
        &self.what
    }
}

impl<T: Decidable + Clone> Allowed<T> {
    /// Decides the same action again for the same actor with their access as read now (inside a
    /// transaction).
    pub fn reconfirm(&self, access: Arc<EffectiveAccess>) -> Result<Allowed<T>, Denied> {
        let principal = Principal { access, ..self.principal.clone() };
        decide(&principal, self.what.clone())
    }
}

/// Decides `what` for `principal`: the proof, or why not.
pub fn decide<T: Decidable>(principal: &Principal, what: T) -> Result<Allowed<T>, Denied> {
    check(principal, what.action())?;
    Ok(Allowed { principal: principal.clone(), what })
}

/// Decides an action without keeping a proof (reads, filters, delegation checks).
pub fn check(principal: &Principal, action: Action<'_>) -> Result<(), Denied> {
    rule(principal.actor.user_id, &principal.access, action)
}

/// Whether `action` is allowed.
pub fn allows(principal: &Principal, action: Action<'_>) -> bool {
    check(principal, action).is_ok()
}

/// Whether `action` is allowed to user `me` with `access` (for filters that hold only those).
pub fn allows_user(me: UserId, access: &EffectiveAccess, action: Action<'_>) -> bool {
    rule(me, access, action).is_ok()
}

/// THE decision: every rule about who may do what, over the actor's effective access.
fn rule(me: UserId, access: &EffectiveAccess, action: Action<'_>) -> Result<(), Denied> {
    match action {
        Action::SignedIn => Ok(()),
        Action::SeeAccount(account) => allow(access.has_account_access(account), || Denied::OnAccount(account)),
        Action::UseCapability(account, capability) => {
            allow(access.has_account_capability(account, capability), || Denied::OnAccount(account))
        }
        Action::Read(area) => {
            allow(area.read_capabilities().iter().any(|c| access.has_organization_capability(*c)), || {
                Denied::NotAuthorized
            })
        }
        Action::Manage(area) => {
            allow(access.has_organization_capability(area.manage_capability()), || Denied::NotAuthorized)
        }
        Action::ActOnUser { user, access: target } => allow(user == me || target.within(access), || Denied::Escalation),
        Action::Carry(carried) => allow(carried.within(access), || Denied::Escalation),
        Action::UserKey { op, account, owner, owner_access } => user_key(me, access, op, account, owner, owner_access),
        Action::IngestKey { op, account } => ingest_key(access, op, account),
        Action::Synthetics { account, op, enabled, rules } => {
            static NONE: CapabilitySet = CapabilitySet::new();
            if !access.has_account_access(account) {
                return Err(Denied::OnAccount(account));
            }
            let subject = SyntheticsSubject {
                capabilities: access.account_capabilities(account).unwrap_or(&NONE),
                enabled,
                rules,
            };
            synthetics(&subject, account, op)
        }
        Action::Provision { token_domain, domain } => {
            allow(me == PROVISIONER && token_domain == domain, || Denied::NotAuthorized)
        }
        Action::UseOrganizationCapability(capability) => {
            allow(access.has_organization_capability(capability), || Denied::NotAuthorized)
        }
        Action::OriginalUsers { account, op } => {
            let manage = access.has_account_capability(account, caps::MANAGE_V1_USERS);
            let read = manage || access.has_account_capability(account, caps::READ_V1_USERS);
            allow(if op == OriginalUsersOp::Read { read } else { manage }, || Denied::OnAccount(account))
        }
        Action::OriginalUserChange(change) => original_user_change(me, access, change),
        Action::TransferOwnership { owner } => allow(owner == Some(me), || Denied::Original(ONLY_THE_OWNER)),
        Action::ExplainAccess { user } => {
            let reads_all = [OrgArea::Users, OrgArea::Groups, OrgArea::Grants]
                .iter()
                .all(|area| rule(me, access, Action::Read(*area)).is_ok());
            allow(user == Some(me) || reads_all, || Denied::NotAuthorized)
        }
    }
}

/// The refusal of an ownership transfer by anyone but the Owner.
pub const ONLY_THE_OWNER: &str = "Only the account Owner can change the account Owner";
/// The refusal of a change of one's own role.
pub const OWN_ROLE: &str = "You cannot change your own role";
/// The refusal of a change of the Owner's role.
pub const OWNER_ROLE: &str = "The Owner's role cannot be changed: the Owner can transfer the ownership";
/// The refusal of any change by a Restricted user.
pub const RESTRICTED: &str = "Restricted users cannot change users";

/// Admins (and holders of "Manage v1 users") add, update and delete Admins, Users and Restricted
/// users; nobody changes their own role or the Owner's; Restricted users change nothing.
fn original_user_change(me: UserId, access: &EffectiveAccess, change: &OriginalUserChange) -> Result<(), Denied> {
    if change.actor_role == Some(BaseRole::Restricted) {
        return Err(Denied::Original(RESTRICTED));
    }
    if !access.has_account_capability(change.account, caps::MANAGE_V1_USERS) {
        return Err(Denied::OnAccount(change.account));
    }
    if change.target == me {
        return Err(Denied::Original(OWN_ROLE));
    }
    if change.target_is_owner || change.target_role == Some(BaseRole::Owner) {
        return Err(Denied::Original(OWNER_ROLE));
    }
    Ok(())
}

/// `Ok` when `yes`; otherwise the refusal, made only then (list filters ask once per row).
fn allow(yes: bool, otherwise: impl FnOnce() -> Denied) -> Result<(), Denied> {
    if yes { Ok(()) } else { Err(otherwise()) }
}

/// User keys. One's own: always seen and managed, created on any account one can access.
/// Another user's: "Manage user keys of other users" on the key's account, and the owner's whole
/// current access within the actor's (no escalation by delegation). A key the actor may not see
/// is "not found".
fn user_key(
    me: UserId,
    access: &EffectiveAccess,
    op: KeyOp,
    account: AccountId,
    owner: UserId,
    owner_access: Option<&EffectiveAccess>,
) -> Result<(), Denied> {
    if owner == me {
        return match op {
            KeyOp::Create => allow(access.has_account_access(account), || KeyRefusal::NoAccountAccess(account).into()),
            KeyOp::Read | KeyOp::Update | KeyOp::Delete => Ok(()),
        };
    }
    let manager = access.has_account_capability(account, caps::MANAGE_OTHER_USERS_KEYS);
    match op {
        KeyOp::Create => {
            if !manager {
                return Err(KeyRefusal::OtherUsersKeys(account).into());
            }
            let owner_access = owner_access.ok_or(KeyRefusal::UserNotFound(owner))?;
            if !owner_access.within(access) {
                return Err(Denied::Escalation);
            }
            allow(owner_access.has_account_access(account), || {
                KeyRefusal::UserLacksAccess { user: owner, account }.into()
            })
        }
        KeyOp::Read | KeyOp::Update | KeyOp::Delete => {
            // Not even its existence is shown to those who may not manage it.
            let visible = manager && owner_access.is_some_and(|o| o.within(access));
            allow(visible, || KeyRefusal::KeyNotFound.into())
        }
    }
}

fn ingest_key(access: &EffectiveAccess, op: KeyOp, account: AccountId) -> Result<(), Denied> {
    let manage = access.has_account_capability(account, caps::MANAGE_INGEST_KEYS);
    let read = manage || access.has_account_capability(account, caps::READ_INGEST_KEYS);
    match op {
        KeyOp::Read => allow(read, || KeyRefusal::KeyNotFound.into()),
        KeyOp::Create => allow(manage, || KeyRefusal::IngestKeys(account).into()),
        KeyOp::Update | KeyOp::Delete if !read => Err(KeyRefusal::KeyNotFound.into()),
        KeyOp::Update | KeyOp::Delete => allow(manage, || KeyRefusal::IngestKeys(account).into()),
    }
}

fn synthetics(subject: &SyntheticsSubject<'_>, account: AccountId, op: SyntheticsOp<'_>) -> Result<(), Denied> {
    let on = |guid: &str| Denied::OnEntity(guid.to_owned());
    match op {
        SyntheticsOp::CreateMonitor => allow(subject.can_create_monitor(), || Denied::OnAccount(account)),
        SyntheticsOp::ViewMonitor(guid) => allow(subject.monitor(guid).view, || on(guid)),
        SyntheticsOp::EditMonitor(guid) => allow(subject.monitor(guid).edit, || on(guid)),
        SyntheticsOp::DeleteMonitor(guid) => allow(subject.monitor(guid).delete, || on(guid)),
        SyntheticsOp::CreateLocation => allow(subject.can_create_location(), || Denied::OnAccount(account)),
        SyntheticsOp::ViewLocation(guid) => allow(subject.location(guid).view, || on(guid)),
        SyntheticsOp::EditLocation(guid) => allow(subject.location(guid).edit, || on(guid)),
        SyntheticsOp::DeleteLocation(guid) => allow(subject.location(guid).delete, || on(guid)),
        SyntheticsOp::ManagePermissions => allow(subject.can_manage_permissions(), || Denied::OnAccount(account)),
    }
}

/// The typed organization-level writes: each is the proof one family of `domain/` writes asks
/// for, so a proof for groups cannot stand in for one for users.
macro_rules! organization_writes {
    ($($(#[$doc:meta])* $name:ident => $area:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;

        impl Decidable for $name {
            fn action(&self) -> Action<'_> {
                Action::Manage(OrgArea::$area)
            }
        }
    )*};
}

organization_writes! {
    /// Create, change and delete users.
    ManageUsers => Users;
    /// Create, rename and delete groups, and change their members.
    ManageGroups => Groups;
    /// Create and delete authentication domains.
    ManageAuthenticationDomains => AuthenticationDomains;
    /// Create, change and delete custom roles.
    ManageCustomRoles => Roles;
    /// Grant and revoke roles.
    ManageGrants => Grants;
    /// Create, rename and cancel accounts.
    ManageAccounts => Accounts;
    /// Change the organization's settings.
    ModifyOrganizationSettings => Settings;
}

/// Using a capability on an account: the proof of account-level writes (secure credentials).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UseCapability(pub AccountId, pub CapabilityId);

impl Decidable for UseCapability {
    fn action(&self) -> Action<'_> {
        Action::UseCapability(self.0, self.1)
    }
}

/// A Synthetics change on an account, with the facts it was decided on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntheticsChange {
    pub account: AccountId,
    pub op: SyntheticsWrite,
    pub enabled: bool,
    pub rules: Arc<[Rule]>,
}

/// The Synthetics writes, by target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntheticsWrite {
    CreateMonitor,
    EditMonitor(String),
    DeleteMonitor(String),
    CreateLocation,
    EditLocation(String),
    DeleteLocation(String),
    ManagePermissions,
}

impl Decidable for SyntheticsChange {
    fn action(&self) -> Action<'_> {
        let op = match &self.op {
            SyntheticsWrite::CreateMonitor => SyntheticsOp::CreateMonitor,
            SyntheticsWrite::EditMonitor(g) => SyntheticsOp::EditMonitor(g),
            SyntheticsWrite::DeleteMonitor(g) => SyntheticsOp::DeleteMonitor(g),
            SyntheticsWrite::CreateLocation => SyntheticsOp::CreateLocation,
            SyntheticsWrite::EditLocation(g) => SyntheticsOp::EditLocation(g),
            SyntheticsWrite::DeleteLocation(g) => SyntheticsOp::DeleteLocation(g),
            SyntheticsWrite::ManagePermissions => SyntheticsOp::ManagePermissions,
        };
        Action::Synthetics { account: self.account, op, enabled: self.enabled, rules: &self.rules }
    }
}

/// A change of a user key, decided with the owner's current access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserKeyChange {
    pub op: KeyOp,
    pub account: AccountId,
    pub owner: UserId,
    pub owner_access: Option<Arc<EffectiveAccess>>,
}

impl Decidable for UserKeyChange {
    fn action(&self) -> Action<'_> {
        Action::UserKey {
            op: self.op,
            account: self.account,
            owner: self.owner,
            owner_access: self.owner_access.as_deref(),
        }
    }
}

/// A change of an ingest key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IngestKeyChange {
    pub op: KeyOp,
    pub account: AccountId,
}

impl Decidable for IngestKeyChange {
    fn action(&self) -> Action<'_> {
        Action::IngestKey { op: self.op, account: self.account }
    }
}

/// A SCIM change (or read) of the users and groups of `domain`, by the holder of SCIM token
/// `token_id` of `token_domain`. `domain/scim` checks again inside its transaction that the token
/// is still the domain's (a rotation stops the old one at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provision {
    pub token_id: i64,
    pub token_domain: String,
    pub domain: String,
}

impl Decidable for Provision {
    fn action(&self) -> Action<'_> {
        Action::Provision { token_domain: &self.token_domain, domain: &self.domain }
    }
}

/// Managing the original-model users and add-on roles of an account (the proof of
/// `domain::original_users`' writes on that account).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManageOriginalUsers(pub AccountId);

impl Decidable for ManageOriginalUsers {
    fn action(&self) -> Action<'_> {
        Action::OriginalUsers { account: self.0, op: OriginalUsersOp::Manage }
    }
}

/// Handing the ownership of the organization over, decided with the Owner as read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferOwnership {
    pub owner: Option<UserId>,
}

impl Decidable for TransferOwnership {
    fn action(&self) -> Action<'_> {
        Action::TransferOwnership { owner: self.owner }
    }
}
