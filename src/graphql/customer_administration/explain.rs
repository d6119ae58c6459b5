//! AccessGraph's own (not NerdGraph's): why a user has or lacks a capability
//! (`accessExplanation`) and who holds it (`accessHolders`), answered by `access::explain` from the
//! same facts and the same decision code that decide every request.
//!
//! Who may ask is `access::decision`'s `Action::ExplainAccess`: anyone about themselves; about
//! others, whoever reads the organization's users, groups and grants. Group names, role names and
//! grant ids the asker may not read are left out (null), in the paths and in the sentences.

use async_graphql::{Context, Enum, ID, Result, SimpleObject};

use crate::access::GrantTarget;
use crate::access::decision::{self, Action, OrgArea, Principal};
use crate::access::explain::{ExplainGrant, Explanation, LimitKind, Visibility};
use crate::domain::explain::{self as domain, Asked};
use crate::domain::lookup;
use crate::error::AppError;
use crate::graphql::context::services;
use crate::graphql::guard::principal;
use crate::graphql::pagination;

/// Why a user has, or lacks, one capability.
#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessExplanation {
    /// Whether the user has the capability: the answer AccessGraph's decision code gives.
    pub allowed: bool,
    /// One plain sentence.
    pub summary: String,
    /// Every grant that gives the capability.
    pub paths: Vec<CustomerAdministrationAccessPath>,
    /// Every rule that takes the capability away, or would have.
    pub limits: Vec<CustomerAdministrationAccessLimit>,
}

/// One grant that gives the capability: a role granted to one of the user's groups.
#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessPath {
    /// The group (null when the asker may not read groups).
    pub group: Option<CustomerAdministrationAccessGroup>,
    /// The role (null when the asker may not read roles).
    pub role: Option<CustomerAdministrationAccessRole>,
    /// The access grant (null when the asker may not read grants).
    pub grant_id: Option<ID>,
    /// `account` or `organization`.
    pub scope: String,
}

#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessGroup {
    pub id: ID,
    pub name: String,
}

#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessRole {
    pub id: ID,
    pub name: String,
}

/// A rule that takes the capability away, or would have.
#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessLimit {
    pub kind: CustomerAdministrationAccessLimitKind,
    pub message: String,
}

/// The rules that limit access.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CustomerAdministrationAccessLimitKind {
    /// The user's type caps it: core users have no Full-Stack Observability capability, basic
    /// users no organization capability.
    UserType,
    /// A role that would give it requires a core or full user.
    RoleRequiresUserType,
    /// Basic users have exactly the basic user set on every account they can access.
    BasicUserSet,
    /// None of the user's groups has a grant on the account.
    NoGrantOnAccount,
    /// The user's groups have only organization-scoped grants, which give no account access.
    OrganizationGrantOnly,
    /// The account is canceled.
    AccountCanceled,
    /// The user is deactivated.
    UserInactive,
    /// The organization's edition does not allow what would give it.
    Edition,
    /// Grants reach the account (or organization), but none of their roles includes it.
    RoleLacksCapability,
    /// None of the user's groups has an organization-scoped grant.
    NoOrganizationGrant,
    /// The capability has the other scope than asked (account or organization).
    CapabilityScope,
    /// A grant whose role has the other scope than its target: it gives nothing.
    RoleScopeMismatch,
    /// Synthetics: the user lacks the capability the right needs on the account.
    MissingCapability,
    /// Synthetics: the permission system is on and no rule of the user's permission groups gives
    /// the right.
    NoSyntheticsRule,
}

impl From<LimitKind> for CustomerAdministrationAccessLimitKind {
    fn from(kind: LimitKind) -> Self {
        match kind {
            LimitKind::UserType => Self::UserType,
            LimitKind::RoleRequiresUserType => Self::RoleRequiresUserType,
            LimitKind::BasicUserSet => Self::BasicUserSet,
            LimitKind::NoGrantOnAccount => Self::NoGrantOnAccount,
            LimitKind::OrganizationGrantOnly => Self::OrganizationGrantOnly,
            LimitKind::AccountCanceled => Self::AccountCanceled,
            LimitKind::UserInactive => Self::UserInactive,
            LimitKind::Edition => Self::Edition,
            LimitKind::RoleLacksCapability => Self::RoleLacksCapability,
            LimitKind::NoOrganizationGrant => Self::NoOrganizationGrant,
            LimitKind::CapabilityScope => Self::CapabilityScope,
            LimitKind::RoleScopeMismatch => Self::RoleScopeMismatch,
            LimitKind::MissingCapability => Self::MissingCapability,
            LimitKind::NoSyntheticsRule => Self::NoSyntheticsRule,
        }
    }
}

fn path(grant: ExplainGrant, visible: Visibility) -> CustomerAdministrationAccessPath {
    CustomerAdministrationAccessPath {
        group: visible
            .groups
            .then_some(CustomerAdministrationAccessGroup { id: ID(grant.group_id), name: grant.group_name }),
        role: visible
            .roles
            .then_some(CustomerAdministrationAccessRole { id: ID(grant.role_id.to_string()), name: grant.role_name }),
        grant_id: visible.grants.then(|| ID(grant.grant_id.to_string())),
        scope: match grant.target {
            GrantTarget::Account(_) => "account",
            GrantTarget::Organization => "organization",
        }
        .to_owned(),
    }
}

pub fn to_graphql(explanation: Explanation, visible: Visibility) -> CustomerAdministrationAccessExplanation {
    CustomerAdministrationAccessExplanation {
        allowed: explanation.allowed,
        summary: explanation.summary,
        paths: explanation.paths.into_iter().map(|g| path(g, visible)).collect(),
        limits: explanation
            .limits
            .into_iter()
            .map(|l| CustomerAdministrationAccessLimit { kind: l.kind.into(), message: l.message })
            .collect(),
    }
}

/// What the asker may read of an answer.
pub fn visibility(principal: &Principal) -> Visibility {
    Visibility {
        groups: decision::allows(principal, Action::Read(OrgArea::Groups)),
        roles: decision::allows(principal, Action::Read(OrgArea::Roles)),
        grants: decision::allows(principal, Action::Read(OrgArea::Grants)),
    }
}

/// A capability id as the client sent it.
fn capability_id(id: &ID) -> Result<i32, AppError> {
    id.trim().parse().map_err(|_| AppError::not_found(format!("No capability {} in the catalog", id.as_str())))
}

pub(super) async fn access_explanation(
    ctx: &Context<'_>,
    user_id: ID,
    account_id: Option<i32>,
    capability: ID,
) -> Result<CustomerAdministrationAccessExplanation> {
    let principal = principal(ctx).await?;
    // Decided before anything is looked up: a refusal reveals nothing about the user.
    let user = lookup::user_id(&user_id).ok();
    decision::check(&principal, Action::ExplainAccess { user: Some(user.unwrap_or(-1)) }).map_err(AppError::from)?;
    let user = user.ok_or_else(lookup::not_found)?;
    let asked = Asked { account: account_id, capability: capability_id(&capability)? };
    let visible = visibility(&principal);
    let services = services(ctx)?;
    let explanation =
        domain::explanation(&services.db, &services.catalog, &principal.actor.organization_id, user, asked, visible)
            .await?;
    Ok(to_graphql(explanation, visible))
}

/// One user holding the capability, with the grants that give it.
#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessHolder {
    pub user: CustomerAdministrationAccessHolderUser,
    pub paths: Vec<CustomerAdministrationAccessPath>,
}

#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessHolderUser {
    pub id: ID,
    pub email: String,
}

/// A page of the users holding a capability.
#[derive(SimpleObject)]
pub struct CustomerAdministrationAccessHolderCollection {
    /// The holders among the next 500 users of the organization (possibly none).
    pub items: Vec<CustomerAdministrationAccessHolder>,
    /// The cursor of the next page, when users follow.
    pub next_cursor: Option<String>,
}

pub(super) async fn access_holders(
    ctx: &Context<'_>,
    account_id: Option<i32>,
    capability: ID,
    cursor: Option<String>,
) -> Result<CustomerAdministrationAccessHolderCollection> {
    let principal = principal(ctx).await?;
    decision::check(&principal, Action::ExplainAccess { user: None }).map_err(AppError::from)?;
    let after = cursor.as_deref().map(pagination::decode_number::<i64>).transpose()?;
    let asked = Asked { account: account_id, capability: capability_id(&capability)? };
    let visible = visibility(&principal);
    let services = services(ctx)?;
    let (holders, next) =
        domain::holders(&services.db, &services.catalog, &principal.actor.organization_id, asked, after, visible)
            .await?;
    Ok(CustomerAdministrationAccessHolderCollection {
        items: holders
            .into_iter()
            .map(|(subject, explanation)| CustomerAdministrationAccessHolder {
                user: CustomerAdministrationAccessHolderUser {
                    id: ID(subject.user_id.to_string()),
                    email: subject.label,
                },
                paths: explanation.paths.into_iter().map(|g| path(g, visible)).collect(),
            })
            .collect(),
        next_cursor: next.map(|id| pagination::encode(&id.to_string())),
    })
}
