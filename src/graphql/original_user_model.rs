//! The original (v1) user model in NerdGraph's naming style: `actor.account(id).originalUserModel`
//! (the account's users with their base role and add-on roles, its Owner, its add-on roles) and
//! the `originalUserModel*` mutations. Not in NerdGraph, whose clients used the REST API and the
//! Users and roles UI for these.
//!
//! Reading needs "Read v1 users" or "Manage v1 users" on the account; every change needs "Manage
//! v1 users" there (Admins and the Owner hold both), except the ownership transfer (the Owner
//! only). The mutations report refusals in their payload's `errors { message type }` (`FORBIDDEN`,
//! `INVALID`, `NOT_FOUND`), HTTP 200; storage failures stay top-level errors.

pub mod bulk;

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use entity::enums::OriginalProduct;
use entity::{original_add_on_role, user};

use super::context::services;
use super::error::{ErrorClass, NOT_AUTHORIZED_MESSAGE};
use super::guard::{authorize, principal};
use super::pagination;
use super::user_management_mutations::UserManagementRequestedTierName;
use crate::access::decision::{self, Action, ManageOriginalUsers, OriginalUsersOp, TransferOwnership};
use crate::access::original::{BaseRole, RoleOn};
use crate::domain::original_users::{self, AccountUser, AddOnRole, Membership, NewOriginalUser};
use crate::error::AppError;

/// Users per page of `originalUserModel.users`.
pub const PAGE_SIZE: u64 = 100;

/// A base role.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OriginalUserModelRole")]
pub enum Role {
    Owner,
    Admin,
    User,
    Restricted,
}

impl From<BaseRole> for Role {
    fn from(role: BaseRole) -> Self {
        match role {
            BaseRole::Owner => Role::Owner,
            BaseRole::Admin => Role::Admin,
            BaseRole::User => Role::User,
            BaseRole::Restricted => Role::Restricted,
        }
    }
}

impl From<Role> for BaseRole {
    fn from(role: Role) -> Self {
        match role {
            Role::Owner => BaseRole::Owner,
            Role::Admin => BaseRole::Admin,
            Role::User => BaseRole::User,
            Role::Restricted => BaseRole::Restricted,
        }
    }
}

/// The product of an add-on manager role.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OriginalUserModelProduct")]
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

impl From<OriginalProduct> for Product {
    fn from(p: OriginalProduct) -> Self {
        match p {
            OriginalProduct::Alerts => Product::Alerts,
            OriginalProduct::Apm => Product::Apm,
            OriginalProduct::Browser => Product::Browser,
            OriginalProduct::Infrastructure => Product::Infrastructure,
            OriginalProduct::Insights => Product::Insights,
            OriginalProduct::Mobile => Product::Mobile,
            OriginalProduct::Synthetics => Product::Synthetics,
            OriginalProduct::Workloads => Product::Workloads,
            OriginalProduct::Nerdpack => Product::Nerdpack,
        }
    }
}

/// `actor.account(id).originalUserModel`, for readers of the account's v1 users.
pub struct OriginalUserModel {
    account_id: i32,
}

/// Reads `actor.account(id).originalUserModel`: "Read v1 users" or "Manage v1 users" on it.
pub async fn read(ctx: &Context<'_>, account_id: i32) -> Result<Option<OriginalUserModel>> {
    let principal = principal(ctx).await?;
    if !decision::allows(&principal, Action::OriginalUsers { account: account_id, op: OriginalUsersOp::Read }) {
        return Err(ErrorClass::Forbidden.error(format!("{NOT_AUTHORIZED_MESSAGE} on account {account_id}")));
    }
    Ok(Some(OriginalUserModel { account_id }))
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelUserAddOnRole")]
pub struct UserAddOnRole {
    id: ID,
    name: String,
    /// The product of a manager role; null for a custom add-on role.
    product: Option<Product>,
}

impl From<&original_add_on_role::Model> for UserAddOnRole {
    fn from(r: &original_add_on_role::Model) -> Self {
        UserAddOnRole { id: ID(r.id.to_string()), name: r.name.clone(), product: r.product.map(Into::into) }
    }
}

/// A user of the account on the original user model.
#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelUser")]
pub struct OriginalUser {
    id: ID,
    email: String,
    name: String,
    role: Role,
    /// Their add-on roles of this account and of its parent accounts.
    add_on_roles: Vec<UserAddOnRole>,
    /// True when the base role comes from a parent account.
    inherited: bool,
    /// Alert emails and weekly reports: only where the role is granted on the account itself.
    receives_notifications: bool,
}

impl OriginalUser {
    fn new(user: &user::Model, role: RoleOn, add_ons: &[original_add_on_role::Model]) -> Self {
        OriginalUser {
            id: ID(user.id.to_string()),
            email: user.email.clone(),
            name: user.name.clone(),
            role: role.role.into(),
            add_on_roles: add_ons.iter().map(Into::into).collect(),
            inherited: role.inherited,
            receives_notifications: role.receives_notifications(),
        }
    }
}

impl From<AccountUser> for OriginalUser {
    fn from(u: AccountUser) -> Self {
        OriginalUser::new(&u.user, u.role, &u.add_on_roles)
    }
}

impl From<Membership> for OriginalUser {
    fn from(m: Membership) -> Self {
        OriginalUser::new(&m.user, RoleOn { role: m.role, inherited: false }, &m.add_on_roles)
    }
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelUserCollection")]
pub struct UserCollection {
    users: Vec<OriginalUser>,
    /// The cursor of the next page; null on the last.
    next_cursor: Option<String>,
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelOwner")]
pub struct Owner {
    id: ID,
    email: String,
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelAddOnRole")]
pub struct AddOnRoleOutput {
    id: ID,
    name: String,
    /// The product of a manager role; null for a custom add-on role.
    product: Option<Product>,
    /// Ids of `customerAdministration.permissions`: a manager role's are the Admin capabilities of
    /// its product.
    capability_ids: Vec<i32>,
}

impl From<AddOnRole> for AddOnRoleOutput {
    fn from(r: AddOnRole) -> Self {
        AddOnRoleOutput {
            id: ID(r.role.id.to_string()),
            name: r.role.name,
            product: r.role.product.map(Into::into),
            capability_ids: r.capabilities.into_iter().collect(),
        }
    }
}

#[Object]
impl OriginalUserModel {
    /// The account's users (explicit and inherited from parent accounts), by id, 100 a page.
    async fn users(&self, ctx: &Context<'_>, cursor: Option<String>) -> Result<UserCollection> {
        let after = cursor.as_deref().map(pagination::decode_number::<i64>).transpose()?;
        let services = services(ctx)?;
        let organization_id = super::context::viewer(ctx)?.organization_id();
        let (users, more) =
            original_users::account_users(&services.db, organization_id, self.account_id, None, after, 0, PAGE_SIZE)
                .await?;
        let next_cursor = if more { users.last().map(|u| pagination::encode(&u.user.id.to_string())) } else { None };
        Ok(UserCollection { users: users.into_iter().map(Into::into).collect(), next_cursor })
    }

    /// The organization's Owner.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<Owner>> {
        let services = services(ctx)?;
        let organization_id = super::context::viewer(ctx)?.organization_id();
        let Some(id) = original_users::owner_of(&services.db, organization_id).await? else { return Ok(None) };
        let found = super::context::loaders(ctx)?.users.load_one(id).await.map_err(super::error::storage)?;
        Ok(found.map(|u| Owner { id: ID(u.id.to_string()), email: u.email.clone() }))
    }

    /// The account's add-on roles: its nine manager roles and its custom ones.
    async fn add_on_roles(&self, ctx: &Context<'_>) -> Result<Vec<AddOnRoleOutput>> {
        let services = services(ctx)?;
        let roles = original_users::add_on_roles(&services.db, &services.catalog, self.account_id).await?;
        Ok(roles.into_iter().map(Into::into).collect())
    }

    /// The backup CSV of the account's users (those holding a base role on the account itself):
    /// columns Email, Name, Type, Base role, Add-on roles, the same as
    /// `originalUserModelBulkUserAction` takes, so that it can be uploaded again (as an ADD file)
    /// to restore them.
    async fn users_csv(&self, ctx: &Context<'_>) -> Result<String> {
        let services = services(ctx)?;
        Ok(original_users::bulk::backup_csv(&services.db, self.account_id).await?)
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(name = "OriginalUserModelErrorType")]
pub enum ErrorType {
    Forbidden,
    Invalid,
    NotFound,
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelError")]
pub struct OriginalUserModelError {
    message: String,
    r#type: ErrorType,
}

impl OriginalUserModelError {
    /// The payload error of a refused change; storage and internal failures stay GraphQL errors.
    fn from_app(err: AppError) -> Result<Self> {
        let (message, r#type) = match err {
            AppError::Forbidden(m) => (m, ErrorType::Forbidden),
            AppError::BadInput(m) => (m, ErrorType::Invalid),
            AppError::NotFound(m) => (m, ErrorType::NotFound),
            other => return Err(other.into()),
        };
        Ok(OriginalUserModelError { message, r#type })
    }
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelUserPayload")]
pub struct UserPayload {
    user: Option<OriginalUser>,
    errors: Vec<OriginalUserModelError>,
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelRemoveUserPayload")]
pub struct RemoveUserPayload {
    removed_user_id: Option<ID>,
    errors: Vec<OriginalUserModelError>,
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelTransferOwnershipPayload")]
pub struct TransferOwnershipPayload {
    owner: Option<Owner>,
    errors: Vec<OriginalUserModelError>,
}

#[derive(SimpleObject)]
#[graphql(name = "OriginalUserModelAddOnRolePayload")]
pub struct AddOnRolePayload {
    add_on_role: Option<AddOnRoleOutput>,
    errors: Vec<OriginalUserModelError>,
}

#[derive(InputObject)]
#[graphql(name = "OriginalUserModelUserInput")]
pub struct UserInput {
    email: String,
    name: String,
    /// BASIC when not given; a higher type than the user's raises it.
    user_type: Option<UserManagementRequestedTierName>,
    role: Role,
    add_on_role_ids: Option<Vec<ID>>,
}

/// Runs `change`, turning a refusal into the payload `refused` builds.
async fn payload<T, P>(
    change: impl Future<Output = Result<T, AppError>>,
    ok: impl FnOnce(T) -> P,
    refused: impl FnOnce(Vec<OriginalUserModelError>) -> P,
) -> Result<P> {
    match change.await {
        Ok(value) => Ok(ok(value)),
        Err(err) => Ok(refused(vec![OriginalUserModelError::from_app(err)?])),
    }
}

fn int_id(what: &str, id: &ID) -> Result<i32, AppError> {
    id.trim()
        .parse()
        .map_err(|_| AppError::bad_input(format!("Invalid {what} id: {}", crate::domain::validate::echo(id))))
}

fn user_id(id: &ID) -> Result<i64, AppError> {
    id.trim()
        .parse()
        .map_err(|_| AppError::bad_input(format!("Invalid user id: {}", crate::domain::validate::echo(id))))
}

fn int_ids(what: &str, ids: Option<Vec<ID>>) -> Result<Vec<i32>, AppError> {
    ids.unwrap_or_default().iter().map(|id| int_id(what, id)).collect()
}

#[derive(Default)]
pub struct OriginalUserModelMutations;

#[Object]
impl OriginalUserModelMutations {
    /// Adds a user (found by email in the organization, or created) to an account with a base role
    /// (not OWNER) and add-on roles of the account. Needs "Manage v1 users" on the account.
    async fn original_user_model_add_user(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        user: UserInput,
    ) -> Result<UserPayload> {
        let db = &services(ctx)?.db;
        let change = async {
            let proof = authorize(ctx, ManageOriginalUsers(account_id)).await?;
            let input = NewOriginalUser {
                email: user.email,
                name: user.name,
                user_type: user.user_type.map(Into::into),
                role: user.role.into(),
                add_on_role_ids: int_ids("add-on role", user.add_on_role_ids)?,
            };
            original_users::add_user(db, &proof, input).await
        };
        payload(
            change,
            |m| UserPayload { user: Some(m.into()), errors: vec![] },
            |errors| UserPayload { user: None, errors },
        )
        .await
    }

    /// Sets a user's base role (not OWNER) and add-on roles on an account. Nobody changes their own
    /// role or the Owner's.
    async fn original_user_model_update_user(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        user_id: ID,
        role: Role,
        add_on_role_ids: Option<Vec<ID>>,
    ) -> Result<UserPayload> {
        let db = &services(ctx)?.db;
        let change = async {
            let proof = authorize(ctx, ManageOriginalUsers(account_id)).await?;
            let target = self::user_id(&user_id)?;
            let ids = int_ids("add-on role", add_on_role_ids)?;
            original_users::update_user(db, &proof, target, role.into(), ids).await
        };
        payload(
            change,
            |m| UserPayload { user: Some(m.into()), errors: vec![] },
            |errors| UserPayload { user: None, errors },
        )
        .await
    }

    /// Removes a user from an account's original user model, with their add-on roles of the
    /// account and their API keys for it.
    async fn original_user_model_remove_user(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        user_id: ID,
    ) -> Result<RemoveUserPayload> {
        let db = &services(ctx)?.db;
        let change = async {
            let proof = authorize(ctx, ManageOriginalUsers(account_id)).await?;
            let target = self::user_id(&user_id)?;
            original_users::remove_user(db, &proof, target).await
        };
        payload(
            change,
            |u| RemoveUserPayload { removed_user_id: Some(ID(u.id.to_string())), errors: vec![] },
            |errors| RemoveUserPayload { removed_user_id: None, errors },
        )
        .await
    }

    /// Hands the organization's ownership to another user: the Owner only.
    async fn original_user_model_transfer_ownership(
        &self,
        ctx: &Context<'_>,
        new_owner_user_id: ID,
    ) -> Result<TransferOwnershipPayload> {
        let db = &services(ctx)?.db;
        let organization_id = super::context::viewer(ctx)?.organization_id().to_owned();
        let change = async {
            let owner = original_users::owner_of(db, &organization_id).await?;
            let proof = authorize(ctx, TransferOwnership { owner }).await?;
            let target = self::user_id(&new_owner_user_id)?;
            original_users::transfer_ownership(db, &proof, target).await
        };
        payload(
            change,
            |u| TransferOwnershipPayload {
                owner: Some(Owner { id: ID(u.id.to_string()), email: u.email }),
                errors: vec![],
            },
            |errors| TransferOwnershipPayload { owner: None, errors },
        )
        .await
    }

    /// Creates a custom add-on role of an account from selectable account capabilities.
    async fn original_user_model_create_add_on_role(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        name: String,
        capability_ids: Vec<i32>,
    ) -> Result<AddOnRolePayload> {
        let services = services(ctx)?;
        let change = async {
            let proof = authorize(ctx, ManageOriginalUsers(account_id)).await?;
            original_users::create_add_on_role(&services.db, &services.catalog, &proof, &name, &capability_ids).await
        };
        add_on_role_payload(change).await
    }

    /// Renames a custom add-on role of an account and/or sets its capabilities.
    async fn original_user_model_update_add_on_role(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        add_on_role_id: ID,
        name: Option<String>,
        capability_ids: Option<Vec<i32>>,
    ) -> Result<AddOnRolePayload> {
        let services = services(ctx)?;
        let change = async {
            let proof = authorize(ctx, ManageOriginalUsers(account_id)).await?;
            let id = int_id("add-on role", &add_on_role_id)?;
            original_users::update_add_on_role(
                &services.db,
                &services.catalog,
                &proof,
                id,
                name.as_deref(),
                capability_ids.as_deref(),
            )
            .await
        };
        add_on_role_payload(change).await
    }

    /// Deletes a custom add-on role of an account; its holders lose it.
    async fn original_user_model_delete_add_on_role(
        &self,
        ctx: &Context<'_>,
        account_id: i32,
        add_on_role_id: ID,
    ) -> Result<AddOnRolePayload> {
        let db = &services(ctx)?.db;
        let change = async {
            let proof = authorize(ctx, ManageOriginalUsers(account_id)).await?;
            let id = int_id("add-on role", &add_on_role_id)?;
            original_users::delete_add_on_role(db, &proof, id).await
        };
        add_on_role_payload(change).await
    }
}

async fn add_on_role_payload(change: impl Future<Output = Result<AddOnRole, AppError>>) -> Result<AddOnRolePayload> {
    payload(
        change,
        |r| AddOnRolePayload { add_on_role: Some(r.into()), errors: vec![] },
        |errors| AddOnRolePayload { add_on_role: None, errors },
    )
    .await
}
