//! SCIM provisioning: the bearer token of a SCIM-provisioned authentication domain, and the
//! changes an identity provider makes with it to that domain's users and groups.
//!
//! Every change takes an `Allowed<Provision>` proof (decided by `access::decision`'s one rule:
//! only a provisioner, only in its token's domain), decides it again inside its one transaction
//! ([`confirm_provisioner`]: the token must still be the domain's, so a rotation stops the old
//! token at once), enforces the edition's rules with the same checks as NerdGraph's user and
//! group changes (`users`, `groups`), and records an audit event whose actor is the SCIM token.
//! Reads are confined to the token's domain: an id of another domain is "not found".

use std::collections::{BTreeSet, HashMap};

use entity::enums::{ProvisioningType, UserType};
use entity::{api_key, authentication_domain, group, group_membership, scim_resource, scim_token, user};
use rand::Rng;
use rand::distr::Alphanumeric;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LockType, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::reads::ReadRows;
use super::{confirm, delegation, groups, lookup, users, validate};
use crate::access::decision::{self, Allowed, ManageAuthenticationDomains, Provision};
use crate::access::edition;
use crate::auth::keys::{hashes_match, sha256_hex};
use crate::error::{AppError, AppResult};
use crate::scim::filter::{CompareOp, Filter};

/// SCIM tokens start with this, to be recognizable.
pub const TOKEN_PREFIX: &str = "NRSC-";
const TOKEN_BODY_LEN: usize = 40;

pub const USER: &str = "User";
pub const GROUP: &str = "Group";

/// A change SCIM refuses because it would break uniqueness (SCIM: 409 `uniqueness`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict(pub String);

/// A SCIM change's failure: a conflict, or any other error.
#[derive(Debug)]
pub enum ProvisionError {
    Conflict(Conflict),
    App(AppError),
}

impl<E: Into<AppError>> From<E> for ProvisionError {
    fn from(err: E) -> Self {
        ProvisionError::App(err.into())
    }
}

pub type ProvisionResult<T> = Result<T, ProvisionError>;

async fn in_transaction<T>(
    db: &DatabaseConnection,
    body: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> AppResult<Result<T, Conflict>>,
) -> ProvisionResult<T> {
    match super::in_transaction(db, body).await? {
        Ok(value) => Ok(value),
        Err(conflict) => Err(ProvisionError::Conflict(conflict)),
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// `authenticationDomainGenerateScimToken`: a new SCIM token for a SCIM-provisioned domain,
/// returned once in the clear; only its hash is stored. A previous token stops working at once.
pub async fn generate_token(
    db: &DatabaseConnection,
    proof: &Allowed<ManageAuthenticationDomains>,
    domain_id: &str,
) -> AppResult<(scim_token::Model, String)> {
    let caller = proof.actor();
    let body: String = rand::rng().sample_iter(Alphanumeric).take(TOKEN_BODY_LEN).map(char::from).collect();
    let secret = format!("{TOKEN_PREFIX}{body}");
    let token = super::in_transaction(db, async |txn| {
        confirm(txn, proof).await?;
        let domain = lookup::domain_locked(txn, &caller.organization_id, domain_id, LockType::Update).await?;
        if domain.provisioning_type != ProvisioningType::Scim {
            return Err(AppError::bad_input(
                "SCIM tokens are only for authentication domains set for SCIM provisioning",
            ));
        }
        let previous = scim_token::Entity::find()
            .filter(scim_token::Column::AuthenticationDomainId.eq(&domain.id))
            .one(txn)
            .await?;
        scim_token::Entity::delete_many()
            .filter(scim_token::Column::AuthenticationDomainId.eq(&domain.id))
            .exec(txn)
            .await?;
        let token = scim_token::ActiveModel {
            authentication_domain_id: Set(domain.id.clone()),
            token_hash: Set(sha256_hex(&secret)),
            created_by_user_id: Set(Some(caller.user_id)),
            created_at: Set(super::now()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        audit::record(
            txn,
            Audit::changed(
                caller,
                "generate_scim_token",
                "authentication_domain",
                &domain.id,
                previous.map(|p| json!({ "scimTokenId": p.id })),
                Some(json!({ "scimTokenId": token.id })),
            ),
        )
        .await?;
        Ok(token)
    })
    .await?;
    Ok((token, secret))
}

/// Who holds a SCIM token: its id, its domain and the domain's organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenHolder {
    pub token_id: i64,
    pub domain_id: String,
    pub organization_id: String,
}

/// The holder of `secret`, when it is the token of a domain that is (still) SCIM-provisioned.
pub async fn token_holder(db: &impl ConnectionTrait, secret: &str) -> Result<Option<TokenHolder>, DbErr> {
    let hash = sha256_hex(secret);
    let Some(token) = scim_token::Entity::find().filter(scim_token::Column::TokenHash.eq(&hash)).one(db).await? else {
        return Ok(None);
    };
    let domain = authentication_domain::Entity::find_by_id(token.authentication_domain_id.clone()).one(db).await?;
    Ok(domain.filter(|d| hashes_match(&token.token_hash, &hash) && d.provisioning_type == ProvisioningType::Scim).map(
        |domain| TokenHolder { token_id: token.id, domain_id: domain.id, organization_id: domain.organization_id },
    ))
}

/// Decides a provisioner's proof again inside the transaction (and bumps the organization's
/// access version, as every change does): its token must still be the
/// domain's token (not rotated away) and the domain still SCIM-provisioned. Returns the domain,
/// locked shared on PostgreSQL.
pub async fn confirm_provisioner(
    db: &impl ConnectionTrait,
    proof: &Allowed<Provision>,
) -> AppResult<authentication_domain::Model> {
    let what = proof.what();
    // Like every change ([`super::confirm`]): counted first, so cached access is recomputed.
    super::bump_access_version(db, &proof.actor().organization_id).await?;
    let token = scim_token::Entity::find_by_id(what.token_id).one(db).await?;
    if token.is_none_or(|t| t.authentication_domain_id != what.token_domain) {
        return Err(AppError::forbidden("The SCIM token is no longer valid"));
    }
    let domain = lookup::domain_locked(db, &proof.actor().organization_id, &what.domain, LockType::Share).await?;
    if domain.provisioning_type != ProvisioningType::Scim {
        return Err(AppError::forbidden("The authentication domain is no longer set for SCIM provisioning"));
    }
    decision::check(proof.principal(), decision::Decidable::action(what))?;
    Ok(domain)
}

// ---------------------------------------------------------------------------------------------
// Users

/// A user as SCIM provisions them (the whole resource: PUT and PATCH both end here).
#[derive(Debug, Clone, PartialEq)]
pub struct ProvisionedUser {
    /// `userName`: the email.
    pub email: String,
    pub name: String,
    pub user_type: UserType,
    pub time_zone: Option<String>,
    pub active: bool,
    pub external_id: Option<String>,
    /// The SCIM attributes AccessGraph keeps only for SCIM (name parts, emails, displayName).
    pub attributes: Value,
}

/// A user with SCIM's bookkeeping.
#[derive(Debug, Clone)]
pub struct ScimUser {
    pub user: user::Model,
    pub resource: Option<scim_resource::Model>,
    pub groups: Vec<group::Model>,
}

/// A group with SCIM's bookkeeping and its members.
#[derive(Debug, Clone)]
pub struct ScimGroup {
    pub group: group::Model,
    pub resource: Option<scim_resource::Model>,
    pub members: Vec<user::Model>,
}

fn user_snapshot(user: &user::Model) -> Value {
    let mut snapshot = users::snapshot(user);
    snapshot["active"] = json!(user.active);
    snapshot
}

fn email_conflict(email: &str) -> Conflict {
    Conflict(format!("A user with userName {} already exists in this authentication domain", validate::echo(email)))
}

async fn save_resource(
    db: &impl ConnectionTrait,
    resource_type: &str,
    resource_id: &str,
    domain_id: &str,
    external_id: Option<String>,
    attributes: Option<Value>,
) -> Result<scim_resource::Model, DbErr> {
    let existing =
        scim_resource::Entity::find_by_id((resource_type.to_owned(), resource_id.to_owned())).one(db).await?;
    match existing {
        Some(existing) => {
            let version = existing.version + 1;
            let mut model: scim_resource::ActiveModel = existing.into();
            model.external_id = Set(external_id);
            model.attributes = Set(attributes);
            model.version = Set(version);
            model.last_modified = Set(super::now());
            model.update(db).await
        }
        None => {
            scim_resource::ActiveModel {
                resource_type: Set(resource_type.to_owned()),
                resource_id: Set(resource_id.to_owned()),
                authentication_domain_id: Set(domain_id.to_owned()),
                external_id: Set(external_id),
                attributes: Set(attributes),
                version: Set(1),
                last_modified: Set(super::now()),
            }
            .insert(db)
            .await
        }
    }
}

async fn delete_resource(db: &impl ConnectionTrait, resource_type: &str, resource_id: &str) -> Result<(), DbErr> {
    scim_resource::Entity::delete_by_id((resource_type.to_owned(), resource_id.to_owned())).exec(db).await?;
    Ok(())
}

struct CheckedUser {
    email: String,
    name: String,
    time_zone: Option<String>,
}

fn check_user(input: &ProvisionedUser) -> AppResult<CheckedUser> {
    Ok(CheckedUser {
        email: validate::email(&input.email)?,
        name: validate::name("Name", &input.name)?,
        time_zone: input.time_zone.as_deref().map(validate::time_zone).transpose()?,
    })
}

pub async fn create_user(
    db: &DatabaseConnection,
    proof: &Allowed<Provision>,
    input: ProvisionedUser,
) -> ProvisionResult<ScimUser> {
    let checked = check_user(&input)?;
    let caller = proof.actor();
    let token_id = proof.what().token_id;
    in_transaction(db, async |txn| {
        if input.user_type == UserType::Full {
            lookup::organization_for_update(txn, &caller.organization_id).await?;
        }
        let domain = confirm_provisioner(txn, proof).await?;
        if input.user_type == UserType::Full {
            users::check_full_user_added(txn, &caller.organization_id).await?;
        }
        if users::email_in_use(txn, &domain.id, &checked.email, None).await? {
            return Ok(Err(email_conflict(&checked.email)));
        }
        let created = user::ActiveModel {
            authentication_domain_id: Set(domain.id.clone()),
            email_lower: Set(checked.email.to_lowercase()),
            email: Set(checked.email.clone()),
            name: Set(checked.name.clone()),
            user_type: Set(input.user_type),
            time_zone: Set(checked.time_zone.clone().unwrap_or_else(|| users::DEFAULT_TIME_ZONE.to_owned())),
            email_verification_state: Set(entity::enums::EmailVerificationState::Verified),
            pending_upgrade_type: Set(None),
            pending_upgrade_message: Set(None),
            active: Set(input.active),
            last_active: Set(None),
            created_at: Set(super::now()),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let resource = save_resource(
            txn,
            USER,
            &created.id.to_string(),
            &domain.id,
            input.external_id.clone(),
            Some(input.attributes.clone()),
        )
        .await?;
        audit::record_by_scim_token(
            txn,
            Audit::changed(caller, "create", "user", created.id, None, Some(user_snapshot(&created))),
            token_id,
        )
        .await?;
        Ok(Ok(ScimUser { user: created, resource: Some(resource), groups: Vec::new() }))
    })
    .await
}

/// A user of the token's domain, locked for update.
async fn user_of_domain(
    db: &impl ConnectionTrait,
    organization_id: &str,
    domain_id: &str,
    id: i64,
) -> AppResult<user::Model> {
    let (user, domain) = lookup::user_locked(db, organization_id, &id.to_string(), LockType::Update).await?;
    if domain.id != domain_id {
        return Err(lookup::not_found());
    }
    Ok(user)
}

/// Replaces a user (SCIM PUT). A change of user type keeps the edition's rules; deactivating
/// keeps the user's data (their keys stop working, `auth`).
pub async fn replace_user(
    db: &DatabaseConnection,
    proof: &Allowed<Provision>,
    id: i64,
    input: ProvisionedUser,
) -> ProvisionResult<ScimUser> {
    replace_user_if_unchanged(db, proof, id, input, None)
        .await?
        .ok_or_else(|| ProvisionError::App(AppError::Internal("a user replaced unconditionally was not".into())))
}

/// Replaces a user as [`replace_user`] does, but only if, inside the transaction, the user and
/// their SCIM attributes are still as `read` (SCIM PATCH: the patch was applied to `read`, so a
/// change that committed in between must not be overwritten). `None`: they changed; read again
/// and apply the patch again.
pub async fn replace_user_if_unchanged(
    db: &DatabaseConnection,
    proof: &Allowed<Provision>,
    id: i64,
    input: ProvisionedUser,
    read: Option<&ScimUser>,
) -> ProvisionResult<Option<ScimUser>> {
    let checked = check_user(&input)?;
    let caller = proof.actor();
    let token_id = proof.what().token_id;
    in_transaction(db, async |txn| {
        // The organization first (edition counts), as every change locks.
        lookup::organization_for_update(txn, &caller.organization_id).await?;
        let domain = confirm_provisioner(txn, proof).await?;
        let before = user_of_domain(txn, &caller.organization_id, &domain.id, id).await?;
        if let Some(read) = read {
            let resource = scim_resource::Entity::find_by_id((USER.to_owned(), id.to_string())).one(txn).await?;
            if before != read.user || resource.map(|r| r.version) != read.resource.as_ref().map(|r| r.version) {
                return Ok(Ok(None));
            }
        }
        if users::email_in_use(txn, &domain.id, &checked.email, Some(before.id)).await? {
            return Ok(Err(email_conflict(&checked.email)));
        }
        let mut model: user::ActiveModel = before.clone().into();
        model.email_lower = Set(checked.email.to_lowercase());
        model.email = Set(checked.email.clone());
        model.name = Set(checked.name.clone());
        if let Some(time_zone) = &checked.time_zone {
            model.time_zone = Set(time_zone.clone());
        }
        model.active = Set(input.active);
        if input.user_type != before.user_type {
            users::check_type_change(txn, caller, &before, input.user_type).await?;
            model.user_type = Set(input.user_type);
            model.pending_upgrade_type = Set(None);
            model.pending_upgrade_message = Set(None);
        }
        let after = model.update(txn).await?;
        let resource = save_resource(
            txn,
            USER,
            &after.id.to_string(),
            &domain.id,
            input.external_id.clone(),
            Some(input.attributes.clone()),
        )
        .await?;
        if after != before {
            if !after.active || after.user_type != before.user_type {
                delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
            }
            let verb = match (before.active, after.active) {
                (true, false) => "deactivate",
                (false, true) => "reactivate",
                _ => "update",
            };
            audit::record_by_scim_token(
                txn,
                Audit::changed(
                    caller,
                    verb,
                    "user",
                    after.id,
                    Some(user_snapshot(&before)),
                    Some(user_snapshot(&after)),
                ),
                token_id,
            )
            .await?;
        }
        let groups =
            super::user_management::groups_of_users(txn, &[after.id]).await?.remove(&after.id).unwrap_or_default();
        Ok(Ok(Some(ScimUser { user: after, resource: Some(resource), groups })))
    })
    .await
}

/// Deletes a user with their memberships and API keys.
pub async fn delete_user(db: &DatabaseConnection, proof: &Allowed<Provision>, id: i64) -> AppResult<()> {
    let caller = proof.actor();
    let token_id = proof.what().token_id;
    super::in_transaction(db, async |txn| {
        let domain = confirm_provisioner(txn, proof).await?;
        let user = user_of_domain(txn, &caller.organization_id, &domain.id, id).await?;
        if super::original_users::is_owner(txn, user.id).await? {
            return Err(AppError::bad_input(
                "The Owner cannot be deleted: the Owner must first transfer the ownership to another user",
            ));
        }
        group_membership::Entity::delete_many().filter(group_membership::Column::UserId.eq(user.id)).exec(txn).await?;
        api_key::Entity::delete_many().filter(api_key::Column::UserId.eq(user.id)).exec(txn).await?;
        user::Entity::delete_by_id(user.id).exec(txn).await?;
        delete_resource(txn, USER, &user.id.to_string()).await?;
        delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
        audit::record_by_scim_token(
            txn,
            Audit::changed(caller, "delete", "user", user.id, Some(user_snapshot(&user)), None),
            token_id,
        )
        .await?;
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Groups

/// One step of a change of a group's members, applied in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberOp {
    Set(Vec<i64>),
    Add(Vec<i64>),
    Remove(Vec<i64>),
}

/// A change of a group; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupChange {
    pub display_name: Option<String>,
    /// `Some(None)` clears it.
    pub external_id: Option<Option<String>>,
    pub members: Vec<MemberOp>,
}

fn name_conflict(name: &str) -> Conflict {
    Conflict(format!("A group with displayName {} already exists in this authentication domain", validate::echo(name)))
}

/// Sets the members of `group` to `wanted`: every user must be of the group's domain, and the
/// edition's rules hold. Records the additions and removals. Returns whether anything changed.
async fn set_members(
    txn: &impl ConnectionTrait,
    proof: &Allowed<Provision>,
    edition: entity::enums::Edition,
    group: &group::Model,
    wanted: &BTreeSet<i64>,
) -> AppResult<bool> {
    let caller = proof.actor();
    let current: BTreeSet<i64> = group_membership::Entity::find()
        .filter(group_membership::Column::GroupId.eq(&group.id))
        .all(txn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let added: Vec<i64> = wanted.difference(&current).copied().collect();
    let removed: Vec<i64> = current.difference(wanted).copied().collect();
    if !added.is_empty() {
        let mut found = Vec::with_capacity(added.len());
        for chunk in added.chunks(500) {
            found.extend(
                user::Entity::find()
                    .filter(user::Column::Id.is_in(chunk.iter().copied()))
                    .filter(user::Column::AuthenticationDomainId.eq(&group.authentication_domain_id))
                    .lock_shared()
                    .all(txn)
                    .await?,
            );
        }
        if found.len() != added.len() {
            return Err(AppError::bad_input("Every member must be a user of this authentication domain"));
        }
        for user in found.iter().filter(|u| u.user_type == UserType::Basic) {
            edition::check_membership(edition.into(), user.user_type.into(), groups::is_default_user_group(group))?;
        }
        let now = super::now();
        for chunk in added.chunks(500) {
            let rows = chunk.iter().map(|user_id| group_membership::ActiveModel {
                group_id: Set(group.id.clone()),
                user_id: Set(*user_id),
                created_at: Set(now),
            });
            group_membership::Entity::insert_many(rows).on_conflict_do_nothing().exec_without_returning(txn).await?;
        }
        audit::record_by_scim_token(
            txn,
            Audit::changed(caller, "add_members", "group", &group.id, None, Some(json!({ "userIds": added }))),
            proof.what().token_id,
        )
        .await?;
    }
    if !removed.is_empty() {
        for chunk in removed.chunks(500) {
            group_membership::Entity::delete_many()
                .filter(group_membership::Column::GroupId.eq(&group.id))
                .filter(group_membership::Column::UserId.is_in(chunk.iter().copied()))
                .exec(txn)
                .await?;
        }
        delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
        audit::record_by_scim_token(
            txn,
            Audit::changed(caller, "remove_members", "group", &group.id, None, Some(json!({ "userIds": removed }))),
            proof.what().token_id,
        )
        .await?;
    }
    Ok(!added.is_empty() || !removed.is_empty())
}

pub async fn create_group(
    db: &DatabaseConnection,
    proof: &Allowed<Provision>,
    display_name: &str,
    external_id: Option<String>,
    members: Vec<i64>,
) -> ProvisionResult<ScimGroup> {
    let display_name = validate::name("Display name", display_name)?;
    let caller = proof.actor();
    in_transaction(db, async |txn| {
        let organization = lookup::organization_for_update(txn, &caller.organization_id).await?;
        let domain = confirm_provisioner(txn, proof).await?;
        edition::check_custom_group(organization.edition.into())?;
        if groups::name_in_use(txn, &domain.id, &display_name, None).await? {
            return Ok(Err(name_conflict(&display_name)));
        }
        let created = group::ActiveModel {
            id: Set(super::new_uuid()),
            authentication_domain_id: Set(domain.id.clone()),
            display_name: Set(display_name.clone()),
            is_default: Set(false),
            created_at: Set(super::now()),
        }
        .insert(txn)
        .await?;
        audit::record_by_scim_token(
            txn,
            Audit::changed(caller, "create", "group", &created.id, None, Some(groups::snapshot(&created))),
            proof.what().token_id,
        )
        .await?;
        set_members(txn, proof, organization.edition, &created, &members.into_iter().collect()).await?;
        let resource = save_resource(txn, GROUP, &created.id, &domain.id, external_id.clone(), None).await?;
        let members = super::user_management::users_of_groups(txn, std::slice::from_ref(&created.id))
            .await?
            .remove(&created.id)
            .unwrap_or_default();
        Ok(Ok(ScimGroup { group: created, resource: Some(resource), members }))
    })
    .await
}

/// A group of the token's domain, locked for update.
async fn group_of_domain(
    db: &impl ConnectionTrait,
    organization_id: &str,
    domain_id: &str,
    id: &str,
) -> AppResult<group::Model> {
    let (group, domain) = lookup::group_locked(db, organization_id, id, LockType::Update).await?;
    if domain.id != domain_id {
        return Err(lookup::not_found());
    }
    Ok(group)
}

/// Renames a group, changes its externalId, and changes its members, in one transaction.
pub async fn change_group(
    db: &DatabaseConnection,
    proof: &Allowed<Provision>,
    id: &str,
    change: GroupChange,
) -> ProvisionResult<ScimGroup> {
    let display_name = change.display_name.as_deref().map(|n| validate::name("Display name", n)).transpose()?;
    let caller = proof.actor();
    let token_id = proof.what().token_id;
    in_transaction(db, async |txn| {
        let organization = lookup::organization_for_update(txn, &caller.organization_id).await?;
        let domain = confirm_provisioner(txn, proof).await?;
        let mut group = group_of_domain(txn, &caller.organization_id, &domain.id, id).await?;
        let mut changed = false;
        if let Some(name) = display_name.filter(|n| *n != group.display_name) {
            if group.is_default {
                return Err(AppError::bad_input("Default groups cannot be renamed"));
            }
            if groups::name_in_use(txn, &domain.id, &name, Some(&group.id)).await? {
                return Ok(Err(name_conflict(&name)));
            }
            let before = group.clone();
            let mut model: group::ActiveModel = group.clone().into();
            model.display_name = Set(name);
            group = model.update(txn).await?;
            audit::record_by_scim_token(
                txn,
                Audit::changed(
                    caller,
                    "update",
                    "group",
                    &group.id,
                    Some(groups::snapshot(&before)),
                    Some(groups::snapshot(&group)),
                ),
                token_id,
            )
            .await?;
            changed = true;
        }
        if !change.members.is_empty() {
            let mut wanted: BTreeSet<i64> = group_membership::Entity::find()
                .filter(group_membership::Column::GroupId.eq(&group.id))
                .all(txn)
                .await?
                .into_iter()
                .map(|m| m.user_id)
                .collect();
            for op in &change.members {
                match op {
                    MemberOp::Set(ids) => wanted = ids.iter().copied().collect(),
                    MemberOp::Add(ids) => wanted.extend(ids.iter().copied()),
                    MemberOp::Remove(ids) => {
                        for id in ids {
                            wanted.remove(id);
                        }
                    }
                }
            }
            changed |= set_members(txn, proof, organization.edition, &group, &wanted).await?;
        }
        let existing = scim_resource::Entity::find_by_id((GROUP.to_owned(), group.id.clone())).one(txn).await?;
        let old_external = existing.as_ref().and_then(|r| r.external_id.clone());
        let external_id = change.external_id.clone().unwrap_or(old_external.clone());
        let resource = match existing {
            Some(existing) if !changed && external_id == old_external => existing,
            _ => save_resource(txn, GROUP, &group.id, &domain.id, external_id, None).await?,
        };
        let members = super::user_management::users_of_groups(txn, &[group.id.clone()])
            .await?
            .remove(&group.id)
            .unwrap_or_default();
        Ok(Ok(ScimGroup { group, resource: Some(resource), members }))
    })
    .await
}

pub async fn delete_group(db: &DatabaseConnection, proof: &Allowed<Provision>, id: &str) -> AppResult<()> {
    let caller = proof.actor();
    super::in_transaction(db, async |txn| {
        let domain = confirm_provisioner(txn, proof).await?;
        let group = group_of_domain(txn, &caller.organization_id, &domain.id, id).await?;
        if group.is_default {
            return Err(AppError::bad_input("Default groups cannot be deleted"));
        }
        group::Entity::delete_by_id(group.id.clone()).exec(txn).await?;
        delete_resource(txn, GROUP, &group.id).await?;
        delegation::ensure_organization_manager(txn, &caller.organization_id).await?;
        audit::record_by_scim_token(
            txn,
            Audit::changed(caller, "delete", "group", &group.id, Some(groups::snapshot(&group)), None),
            proof.what().token_id,
        )
        .await?;
        Ok(())
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Reads

/// A filter that names an attribute or operator the SQL translation does not support.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedFilter(pub String);

fn lower(col: impl sea_orm::sea_query::IntoColumnRef) -> SimpleExpr {
    Func::lower(Expr::col(col)).into()
}

fn string_value(value: &Value, attr: &str) -> Result<String, UnsupportedFilter> {
    match value {
        Value::String(s) => Ok(s.clone()),
        _ => Err(UnsupportedFilter(format!("{attr} is compared with a string"))),
    }
}

fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// `expr op value` for a string attribute; `fold` compares case-insensitively.
fn string_condition(expr: SimpleExpr, op: CompareOp, value: &str, fold: bool) -> SimpleExpr {
    let value = if fold { value.to_lowercase() } else { value.to_owned() };
    let like = |pattern: String| sea_orm::sea_query::LikeExpr::new(pattern).escape('\\');
    match op {
        CompareOp::Eq => expr.eq(value),
        CompareOp::Ne => expr.ne(value),
        CompareOp::Co => expr.like(like(format!("%{}%", like_escape(&value)))),
        CompareOp::Sw => expr.like(like(format!("{}%", like_escape(&value)))),
        CompareOp::Ew => expr.like(like(format!("%{}", like_escape(&value)))),
        CompareOp::Gt => expr.gt(value),
        CompareOp::Ge => expr.gte(value),
        CompareOp::Lt => expr.lt(value),
        CompareOp::Le => expr.lte(value),
    }
}

/// Ids of `resource_type` resources of `domain` whose externalId matches.
fn external_id_subquery(
    resource_type: &str,
    domain_id: &str,
    cond: Option<(CompareOp, String)>,
) -> sea_orm::sea_query::SelectStatement {
    let mut query = Query::select();
    query
        .column(scim_resource::Column::ResourceId)
        .from(scim_resource::Entity)
        .and_where(Expr::col(scim_resource::Column::ResourceType).eq(resource_type))
        .and_where(Expr::col(scim_resource::Column::AuthenticationDomainId).eq(domain_id));
    match cond {
        None => {
            query.and_where(Expr::col(scim_resource::Column::ExternalId).is_not_null());
        }
        Some((op, value)) => {
            query.and_where(string_condition(Expr::col(scim_resource::Column::ExternalId), op, &value, false));
        }
    }
    query
}

/// A user id as text, to compare with `scim_resources.resource_id` on both backends.
fn user_id_text() -> SimpleExpr {
    Expr::col((user::Entity, user::Column::Id)).cast_as(sea_orm::sea_query::Alias::new("VARCHAR(36)"))
}

fn user_condition(filter: &Filter, domain_id: &str) -> Result<SimpleExpr, UnsupportedFilter> {
    let unsupported = |attr: &str| UnsupportedFilter(format!("Filtering on {attr} is not supported"));
    Ok(match filter {
        Filter::And(a, b) => user_condition(a, domain_id)?.and(user_condition(b, domain_id)?),
        Filter::Or(a, b) => user_condition(a, domain_id)?.or(user_condition(b, domain_id)?),
        Filter::Not(a) => user_condition(a, domain_id)?.not(),
        Filter::ValuePath { attr, filter } if attr == "emails" => match filter.as_ref() {
            Filter::Compare { attr: sub, op, value } if sub == "value" => user_condition(
                &Filter::Compare { attr: "emails.value".into(), op: *op, value: value.clone() },
                domain_id,
            )?,
            Filter::Present(sub) if sub == "value" => Expr::value(true).eq(true),
            _ => return Err(unsupported("emails[...]")),
        },
        Filter::Present(attr) => match attr.as_str() {
            "username" | "emails" | "emails.value" | "displayname" | "name" | "name.formatted" | "active" | "id"
            | "timezone" | "meta.created" | "meta.lastmodified" => Expr::value(true).eq(true),
            "externalid" => user_id_text().in_subquery(external_id_subquery(USER, domain_id, None)),
            other => return Err(unsupported(other)),
        },
        Filter::Compare { attr, op, value } => match attr.as_str() {
            "username" | "emails.value" | "emails" => {
                string_condition(Expr::col(user::Column::EmailLower), *op, &string_value(value, attr)?, true)
            }
            "displayname" | "name.formatted" => {
                string_condition(lower(user::Column::Name), *op, &string_value(value, attr)?, true)
            }
            "externalid" => user_id_text().in_subquery(external_id_subquery(
                USER,
                domain_id,
                Some((*op, string_value(value, attr)?)),
            )),
            "id" => {
                let text = string_value(value, attr)?;
                match (op, text.parse::<i64>()) {
                    (CompareOp::Eq, Ok(id)) => Expr::col(user::Column::Id).eq(id),
                    (CompareOp::Eq, Err(_)) => Expr::value(false).eq(true),
                    (CompareOp::Ne, Ok(id)) => Expr::col(user::Column::Id).ne(id),
                    (CompareOp::Ne, Err(_)) => Expr::value(true).eq(true),
                    _ => return Err(unsupported("id (other than eq and ne)")),
                }
            }
            "active" => match (op, value) {
                (CompareOp::Eq, Value::Bool(b)) => Expr::col(user::Column::Active).eq(*b),
                (CompareOp::Ne, Value::Bool(b)) => Expr::col(user::Column::Active).ne(*b),
                _ => return Err(UnsupportedFilter("active is compared with eq or ne and true or false".into())),
            },
            other => return Err(unsupported(other)),
        },
        Filter::ValuePath { attr, .. } => return Err(unsupported(attr)),
    })
}

fn group_condition(filter: &Filter, domain_id: &str) -> Result<SimpleExpr, UnsupportedFilter> {
    let unsupported = |attr: &str| UnsupportedFilter(format!("Filtering on {attr} is not supported"));
    let members_with = |cond: SimpleExpr| {
        Expr::col((group::Entity, group::Column::Id)).in_subquery(
            Query::select()
                .column(group_membership::Column::GroupId)
                .from(group_membership::Entity)
                .and_where(cond)
                .to_owned(),
        )
    };
    Ok(match filter {
        Filter::And(a, b) => group_condition(a, domain_id)?.and(group_condition(b, domain_id)?),
        Filter::Or(a, b) => group_condition(a, domain_id)?.or(group_condition(b, domain_id)?),
        Filter::Not(a) => group_condition(a, domain_id)?.not(),
        Filter::ValuePath { attr, filter } if attr == "members" => match filter.as_ref() {
            Filter::Compare { attr: sub, op, value } if sub == "value" => group_condition(
                &Filter::Compare { attr: "members.value".into(), op: *op, value: value.clone() },
                domain_id,
            )?,
            _ => return Err(unsupported("members[...]")),
        },
        Filter::Present(attr) => match attr.as_str() {
            "displayname" | "id" | "meta.created" | "meta.lastmodified" => Expr::value(true).eq(true),
            "members" | "members.value" => members_with(Expr::value(true).eq(true)),
            "externalid" => {
                Expr::col((group::Entity, group::Column::Id)).in_subquery(external_id_subquery(GROUP, domain_id, None))
            }
            other => return Err(unsupported(other)),
        },
        Filter::Compare { attr, op, value } => match attr.as_str() {
            "displayname" => {
                string_condition(lower(group::Column::DisplayName), *op, &string_value(value, attr)?, true)
            }
            "id" => {
                string_condition(Expr::col((group::Entity, group::Column::Id)), *op, &string_value(value, attr)?, false)
            }
            "externalid" => Expr::col((group::Entity, group::Column::Id)).in_subquery(external_id_subquery(
                GROUP,
                domain_id,
                Some((*op, string_value(value, attr)?)),
            )),
            "members.value" | "members" => {
                let text = string_value(value, attr)?;
                match (op, text.parse::<i64>()) {
                    (CompareOp::Eq, Ok(id)) => members_with(Expr::col(group_membership::Column::UserId).eq(id)),
                    (CompareOp::Eq, Err(_)) => Expr::value(false).eq(true),
                    _ => return Err(unsupported("members.value (other than eq)")),
                }
            }
            other => return Err(unsupported(other)),
        },
        Filter::ValuePath { attr, .. } => return Err(unsupported(attr)),
    })
}

/// A page of a list: 1-based `start_index`, at most `count` resources.
#[derive(Debug, Clone)]
pub struct ScimPage<T> {
    pub total: u64,
    pub items: Vec<T>,
}

async fn resources(
    db: &impl ConnectionTrait,
    resource_type: &str,
    ids: Vec<String>,
) -> Result<HashMap<String, scim_resource::Model>, DbErr> {
    Ok(scim_resource::Entity::find()
        .filter(scim_resource::Column::ResourceType.eq(resource_type))
        .filter(scim_resource::Column::ResourceId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.resource_id.clone(), r))
        .collect())
}

/// Checks a provisioner's read proof (reads are not in a transaction: the token was looked up
/// on this request).
fn check_read(proof: &Allowed<Provision>) -> AppResult<&str> {
    decision::check(proof.principal(), decision::Decidable::action(proof.what()))?;
    Ok(&proof.what().domain)
}

/// The users of the token's domain that `filter` lets through, by id; a statement count that does
/// not grow with the page (count, page, groups of the page, bookkeeping of the page).
pub async fn list_users(
    db: &impl ReadRows,
    proof: &Allowed<Provision>,
    filter: Option<&Filter>,
    start_index: u64,
    count: u64,
) -> AppResult<Result<ScimPage<ScimUser>, UnsupportedFilter>> {
    let domain_id = check_read(proof)?;
    let mut condition = Condition::all().add(user::Column::AuthenticationDomainId.eq(domain_id));
    if let Some(filter) = filter {
        match user_condition(filter, domain_id) {
            Ok(expr) => condition = condition.add(expr),
            Err(unsupported) => return Ok(Err(unsupported)),
        }
    }
    let select = user::Entity::find().filter(condition).order_by_asc(user::Column::Id);
    let total = select.clone().count(db).await?;
    let items =
        if count == 0 { Vec::new() } else { select.offset(start_index.saturating_sub(1)).limit(count).all(db).await? };
    Ok(Ok(ScimPage { total, items: complete_users(db, items).await? }))
}

async fn complete_users(db: &impl ReadRows, items: Vec<user::Model>) -> AppResult<Vec<ScimUser>> {
    let ids: Vec<i64> = items.iter().map(|u| u.id).collect();
    let mut groups = super::user_management::groups_of_users(db, &ids).await?;
    let mut resources = resources(db, USER, ids.iter().map(i64::to_string).collect()).await?;
    Ok(items
        .into_iter()
        .map(|user| ScimUser {
            groups: groups.remove(&user.id).unwrap_or_default(),
            resource: resources.remove(&user.id.to_string()),
            user,
        })
        .collect())
}

pub async fn get_user(db: &impl ReadRows, proof: &Allowed<Provision>, id: &str) -> AppResult<ScimUser> {
    let domain_id = check_read(proof)?;
    let id: i64 = id.trim().parse().map_err(|_| lookup::not_found())?;
    let user = user::Entity::find_by_id(id)
        .filter(user::Column::AuthenticationDomainId.eq(domain_id))
        .one(db)
        .await?
        .ok_or_else(lookup::not_found)?;
    Ok(complete_users(db, vec![user]).await?.remove(0))
}

pub async fn list_groups(
    db: &impl ReadRows,
    proof: &Allowed<Provision>,
    filter: Option<&Filter>,
    start_index: u64,
    count: u64,
    with_members: bool,
) -> AppResult<Result<ScimPage<ScimGroup>, UnsupportedFilter>> {
    let domain_id = check_read(proof)?;
    let mut condition = Condition::all().add(group::Column::AuthenticationDomainId.eq(domain_id));
    if let Some(filter) = filter {
        match group_condition(filter, domain_id) {
            Ok(expr) => condition = condition.add(expr),
            Err(unsupported) => return Ok(Err(unsupported)),
        }
    }
    let select =
        group::Entity::find().filter(condition).order_by_asc(group::Column::CreatedAt).order_by_asc(group::Column::Id);
    let total = select.clone().count(db).await?;
    let items =
        if count == 0 { Vec::new() } else { select.offset(start_index.saturating_sub(1)).limit(count).all(db).await? };
    Ok(Ok(ScimPage { total, items: complete_groups(db, items, with_members).await? }))
}

async fn complete_groups(
    db: &impl ReadRows,
    items: Vec<group::Model>,
    with_members: bool,
) -> AppResult<Vec<ScimGroup>> {
    let ids: Vec<String> = items.iter().map(|g| g.id.clone()).collect();
    let mut members =
        if with_members { super::user_management::users_of_groups(db, &ids).await? } else { HashMap::new() };
    let mut resources = resources(db, GROUP, ids).await?;
    Ok(items
        .into_iter()
        .map(|group| ScimGroup {
            members: members.remove(&group.id).unwrap_or_default(),
            resource: resources.remove(&group.id),
            group,
        })
        .collect())
}

pub async fn get_group(db: &impl ReadRows, proof: &Allowed<Provision>, id: &str) -> AppResult<ScimGroup> {
    let domain_id = check_read(proof)?;
    let group = group::Entity::find_by_id(id.trim().to_owned())
        .filter(group::Column::AuthenticationDomainId.eq(domain_id))
        .one(db)
        .await?
        .ok_or_else(lookup::not_found)?;
    Ok(complete_groups(db, vec![group], true).await?.remove(0))
}
