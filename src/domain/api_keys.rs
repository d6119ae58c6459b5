//! API keys: user keys and ingest (license, browser) keys, stored as hashes and shown once.
//!
//! Creating, changing or deleting one key is one transaction with its audit event (target type
//! `api_key`; the audit never holds the secret or its hash). NerdGraph's `apiAccess*Keys`
//! mutations take lists and decide each element on its own, so they call these once per element.
//! Every permission decision is `access::api_keys`'; a key the viewer may not see answers
//! [`KEY_NOT_FOUND`](crate::access::api_keys::KEY_NOT_FOUND), like an unknown id.

use std::collections::BTreeSet;
use std::sync::Arc;

use entity::enums::{IngestType, KeyType};
use entity::{account, api_key};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};

use super::audit::{self, Audit};
use super::user_management::{Page, page};
use super::{Actor, delegation, lookup, validate};
use crate::access::EffectiveAccess;
use crate::access::api_keys::{self as rules, KeyFacts, KeyKind, KeyRefusal, KeyVisibility};
use crate::access::decision::{self, Allowed, IngestKeyChange, KeyOp, Principal, UserKeyChange};
use crate::auth::keys::{ApiKeySecret, new_key_id};
use crate::error::{AppError, AppResult};

/// The audit trail's target type for keys.
const TARGET: &str = "api_key";

/// Names of keys created without one.
const DEFAULT_USER_KEY_NAME: &str = "User key";
const DEFAULT_LICENSE_KEY_NAME: &str = "License key";
const DEFAULT_BROWSER_KEY_NAME: &str = "Browser key";

/// A user key to create: for `user_id` on `account_id`.
#[derive(Debug, Clone)]
pub struct NewUserKey {
    pub account_id: i32,
    pub user_id: i64,
    pub name: Option<String>,
    pub notes: Option<String>,
}

/// An ingest key to create on `account_id`.
#[derive(Debug, Clone)]
pub struct NewIngestKey {
    pub account_id: i32,
    pub ingest_type: IngestType,
    pub name: Option<String>,
    pub notes: Option<String>,
}

/// A change of a key: `None` leaves a field as it is. Only names and notes can change.
#[derive(Debug, Clone, Default)]
pub struct KeyChanges {
    pub name: Option<String>,
    pub notes: Option<String>,
}

/// A key just created, with the plaintext that is shown this once.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub key: api_key::Model,
    pub secret: ApiKeySecret,
}

/// The constraints of a key search; `None` constrains nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySearch {
    /// The key types wanted; none means no keys.
    pub types: BTreeSet<KeyType>,
    pub account_ids: Option<Vec<i32>>,
    /// Constrains ingest keys only.
    pub ingest_types: Option<Vec<IngestType>>,
    /// Constrains user keys only: keys of these users.
    pub user_ids: Option<Vec<i64>>,
}

/// What the permission model needs to know about a stored key. `None` for a row that is neither a
/// user key with its user nor an ingest key with its type (AccessGraph never writes one): nobody
/// may see such a row.
pub fn facts(key: &api_key::Model) -> Option<KeyFacts> {
    let kind = match key.key_type {
        KeyType::User => KeyKind::User(key.user_id?),
        KeyType::Ingest => KeyKind::Ingest(key.ingest_type?.into()),
    };
    Some(KeyFacts { kind, account: key.account_id })
}

/// How a key is shown after its creation: its shown prefix and `...` (`NRAK-ABCD...`,
/// `NRJS-0a1b...`, `0a1b...` for a license key).
pub fn obfuscated(key: &api_key::Model) -> String {
    format!("{}...", key.key_prefix)
}

/// A key id as a client sends it: ids are 64 hex digits, stored in upper case.
fn normalized_id(id: &str) -> String {
    id.trim().to_ascii_uppercase()
}

/// The key `id` of `key_type`, whoever may see it.
pub async fn find(db: &impl ConnectionTrait, key_type: KeyType, id: &str) -> Result<Option<api_key::Model>, DbErr> {
    api_key::Entity::find_by_id(normalized_id(id)).filter(api_key::Column::KeyType.eq(key_type)).one(db).await
}

/// The users other than `except` who have user keys on any of `accounts`.
pub async fn key_owners_on(
    db: &impl ConnectionTrait,
    accounts: &BTreeSet<i32>,
    except: i64,
) -> Result<Vec<i64>, DbErr> {
    if accounts.is_empty() {
        return Ok(Vec::new());
    }
    let owners: Vec<Option<i64>> = api_key::Entity::find()
        .select_only()
        .column(api_key::Column::UserId)
        .distinct()
        .filter(api_key::Column::KeyType.eq(KeyType::User))
        .filter(api_key::Column::AccountId.is_in(accounts.iter().copied()))
        .filter(api_key::Column::UserId.ne(except))
        .into_tuple()
        .all(db)
        .await?;
    Ok(owners.into_iter().flatten().collect())
}

/// One page of the keys `visible` lets the viewer see that match `search`, in id order, after the
/// key id `after`.
pub async fn search(
    db: &impl ConnectionTrait,
    visible: &KeyVisibility,
    search: &KeySearch,
    after: Option<&str>,
    limit: u64,
) -> Result<Page<api_key::Model>, DbErr> {
    let mut kinds = Condition::any();
    if search.types.contains(&KeyType::User) {
        let mut user_keys = Condition::all().add(api_key::Column::KeyType.eq(KeyType::User)).add(
            Condition::any().add(api_key::Column::UserId.eq(visible.own_user)).add(
                Condition::all()
                    .add(api_key::Column::AccountId.is_in(visible.user_keys_on.iter().copied()))
                    .add(api_key::Column::UserId.is_not_in(visible.hidden_owners.iter().copied())),
            ),
        );
        if let Some(users) = &search.user_ids {
            user_keys = user_keys.add(api_key::Column::UserId.is_in(users.iter().copied()));
        }
        kinds = kinds.add(user_keys);
    }
    if search.types.contains(&KeyType::Ingest) {
        let mut ingest_keys = Condition::all()
            .add(api_key::Column::KeyType.eq(KeyType::Ingest))
            .add(api_key::Column::AccountId.is_in(visible.ingest_keys_on.iter().copied()));
        if let Some(types) = &search.ingest_types {
            ingest_keys = ingest_keys.add(api_key::Column::IngestType.is_in(types.iter().copied()));
        }
        kinds = kinds.add(ingest_keys);
    }
    if kinds.is_empty() {
        return Ok(Page { items: Vec::new(), total: 0, has_more: false });
    }
    let mut select = api_key::Entity::find().filter(kinds).order_by_asc(api_key::Column::Id);
    if let Some(accounts) = &search.account_ids {
        select = select.filter(api_key::Column::AccountId.is_in(accounts.iter().copied()));
    }
    let after = after.map(|id| Condition::all().add(api_key::Column::Id.gt(normalized_id(id))));
    page(db, select, after, 0, limit).await
}

/// Stores the user key `proof` allows creating; the caller holds the plaintext.
async fn insert_user_key(
    db: &impl ConnectionTrait,
    proof: &Allowed<UserKeyChange>,
    name: &str,
    notes: &str,
    secret: &ApiKeySecret,
) -> AppResult<api_key::Model> {
    let UserKeyChange { op: KeyOp::Create, account, owner, .. } = *proof.what() else {
        return Err(super::wrong_proof("a user key"));
    };
    Ok(insert(db, KeyKind::User(owner), account, name, notes, secret).await?)
}

/// Stores the bootstrap admin's first user key: the system acts, before anyone can.
pub(super) async fn insert_bootstrap_key(
    db: &impl ConnectionTrait,
    user_id: i64,
    account_id: i32,
    name: &str,
    notes: &str,
    secret: &ApiKeySecret,
) -> Result<api_key::Model, DbErr> {
    insert(db, KeyKind::User(user_id), account_id, name, notes, secret).await
}

async fn insert(
    db: &impl ConnectionTrait,
    kind: KeyKind,
    account_id: i32,
    name: &str,
    notes: &str,
    secret: &ApiKeySecret,
) -> Result<api_key::Model, DbErr> {
    let (key_type, user_id, ingest_type) = match kind {
        KeyKind::User(user) => (KeyType::User, Some(user), None),
        KeyKind::Ingest(ingest_type) => (KeyType::Ingest, None, Some(ingest_type.into())),
    };
    api_key::ActiveModel {
        id: Set(new_key_id()),
        key_hash: Set(secret.hash()),
        key_prefix: Set(secret.shown_prefix().to_owned()),
        key_type: Set(key_type),
        ingest_type: Set(ingest_type),
        user_id: Set(user_id),
        account_id: Set(account_id),
        name: Set(name.to_owned()),
        notes: Set(notes.to_owned()),
        created_at: Set(super::now()),
    }
    .insert(db)
    .await
}

/// The audit trail's view of a key: everything but the secret and its hash.
fn snapshot(key: &api_key::Model) -> Value {
    json!({
        "type": key.key_type,
        "ingestType": key.ingest_type,
        "userId": key.user_id,
        "accountId": key.account_id,
        "name": key.name,
        "notes": key.notes,
        "obfuscatedKey": obfuscated(key),
    })
}

/// A key's name as given, or `default` when none is.
fn name_or(name: Option<&str>, default: &str) -> AppResult<String> {
    name.map_or_else(|| Ok(default.to_owned()), |n| validate::name("Name", n))
}

fn notes_or_empty(notes: Option<&str>) -> AppResult<String> {
    notes.map_or_else(|| Ok(String::new()), |n| validate::notes("Notes", n))
}

/// The current access of `user_id` if they are a user of the actor's organization, else `None`.
async fn colleague_access(
    db: &impl ConnectionTrait,
    principal: &Principal,
    user_id: i64,
) -> AppResult<Option<Arc<EffectiveAccess>>> {
    match lookup::users(db, &principal.actor.organization_id, &[user_id]).await {
        Ok(_) => {}
        Err(AppError::NotFound(_)) => return Ok(None),
        Err(other) => return Err(other),
    }
    let mut found = delegation::access_of(db, principal, &[user_id]).await?;
    Ok(Some(Arc::new(found.remove(&user_id).unwrap_or_default())))
}

/// The actor with their access as it is now, inside the transaction.
async fn current(db: &impl ConnectionTrait, principal: &Principal) -> AppResult<Principal> {
    let id = principal.actor.user_id;
    let access = delegation::access_of(db, principal, &[id]).await?.remove(&id).unwrap_or_default();
    Ok(Principal { access: Arc::new(access), ..principal.clone() })
}

/// Decides `op` on a user key of `owner` on `account` with the facts as they are inside the
/// transaction: the actor's access and the owner's.
async fn decide_user_key(
    db: &impl ConnectionTrait,
    principal: &Principal,
    op: KeyOp,
    account: i32,
    owner: i64,
) -> AppResult<Allowed<UserKeyChange>> {
    let principal = current(db, principal).await?;
    let owner_access =
        if owner == principal.actor.user_id { None } else { colleague_access(db, &principal, owner).await? };
    Ok(decision::decide(&principal, UserKeyChange { op, account, owner, owner_access })?)
}

/// Creates a user key for `input.user_id` on `input.account_id`: for oneself on an account one
/// can access; for a colleague who can access it, and can do nothing the actor cannot, with
/// "Manage user keys of other users" there.
pub async fn create_user_key(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &NewUserKey,
) -> AppResult<CreatedKey> {
    let name = name_or(input.name.as_deref(), DEFAULT_USER_KEY_NAME)?;
    let notes = notes_or_empty(input.notes.as_deref())?;
    super::in_transaction(db, async |txn| {
        // The owner, shared on PostgreSQL: a deletion of the user waits for this key (and deletes
        // it with the user), or this change waits for it and then finds no owner.
        entity::user::Entity::find_by_id(input.user_id).lock_shared().one(txn).await?;
        let proof = decide_user_key(txn, principal, KeyOp::Create, input.account_id, input.user_id).await?;
        let secret = ApiKeySecret::generate_user_key();
        let key = insert_user_key(txn, &proof, &name, &notes, &secret).await?;
        audit::record(txn, Audit::changed(proof.actor(), "create", TARGET, &key.id, None, Some(snapshot(&key))))
            .await?;
        Ok(CreatedKey { key, secret })
    })
    .await
}

/// Creates a license or browser key on `input.account_id` ("Manage ingest keys" there), within the
/// limit of keys of that type per account. The account is locked while its keys are counted.
pub async fn create_ingest_key(
    db: &DatabaseConnection,
    principal: &Principal,
    input: &NewIngestKey,
) -> AppResult<CreatedKey> {
    let (default_name, generate): (_, fn() -> ApiKeySecret) = match input.ingest_type {
        IngestType::License => (DEFAULT_LICENSE_KEY_NAME, ApiKeySecret::generate_license_key),
        IngestType::Browser => (DEFAULT_BROWSER_KEY_NAME, ApiKeySecret::generate_browser_key),
    };
    let name = name_or(input.name.as_deref(), default_name)?;
    let notes = notes_or_empty(input.notes.as_deref())?;
    super::in_transaction(db, async |txn| {
        let principal = current(txn, principal).await?;
        let proof = decision::decide(&principal, IngestKeyChange { op: KeyOp::Create, account: input.account_id })?;
        let caller = proof.actor();
        account::Entity::find_by_id(input.account_id)
            .lock_exclusive()
            .one(txn)
            .await?
            .ok_or(KeyRefusal::IngestKeys(input.account_id))?;
        let existing = api_key::Entity::find()
            .filter(api_key::Column::AccountId.eq(input.account_id))
            .filter(api_key::Column::KeyType.eq(KeyType::Ingest))
            .filter(api_key::Column::IngestType.eq(input.ingest_type))
            .count(txn)
            .await?;
        rules::check_ingest_key_count(input.account_id, input.ingest_type.into(), existing)?;
        let secret = generate();
        let key =
            insert(txn, KeyKind::Ingest(input.ingest_type.into()), input.account_id, &name, &notes, &secret).await?;
        audit::record(txn, Audit::changed(caller, "create", TARGET, &key.id, None, Some(snapshot(&key)))).await?;
        Ok(CreatedKey { key, secret })
    })
    .await
}

/// The key `id` of `key_type`, locked, if the actor may do `op` with it: "not found" when it does
/// not exist or they may not see it, "forbidden" when they may see it only.
async fn manageable(
    db: &impl ConnectionTrait,
    principal: &Principal,
    op: KeyOp,
    key_type: KeyType,
    id: &str,
) -> AppResult<(Actor, api_key::Model)> {
    let key = api_key::Entity::find_by_id(normalized_id(id))
        .filter(api_key::Column::KeyType.eq(key_type))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(KeyRefusal::KeyNotFound)?;
    let actor = match facts(&key).ok_or(KeyRefusal::KeyNotFound)? {
        KeyFacts { kind: KeyKind::User(owner), account } => {
            decide_user_key(db, principal, op, account, owner).await?.actor().clone()
        }
        KeyFacts { kind: KeyKind::Ingest(_), account } => {
            let principal = current(db, principal).await?;
            decision::decide(&principal, IngestKeyChange { op, account })?.actor().clone()
        }
    };
    Ok((actor, key))
}

/// Renames a key or changes its notes.
pub async fn update_key(
    db: &DatabaseConnection,
    principal: &Principal,
    key_type: KeyType,
    id: &str,
    changes: &KeyChanges,
) -> AppResult<api_key::Model> {
    let name = changes.name.as_deref().map(|n| validate::name("Name", n)).transpose()?;
    let notes = changes.notes.as_deref().map(|n| validate::notes("Notes", n)).transpose()?;
    super::in_transaction(db, async |txn| {
        let (caller, before) = manageable(txn, principal, KeyOp::Update, key_type, id).await?;
        let mut model: api_key::ActiveModel = before.clone().into();
        if let Some(name) = &name {
            model.name = Set(name.clone());
        }
        if let Some(notes) = &notes {
            model.notes = Set(notes.clone());
        }
        if !model.is_changed() {
            return Ok(before);
        }
        let after = model.update(txn).await?;
        if after != before {
            audit::record(
                txn,
                Audit::changed(&caller, "update", TARGET, &after.id, Some(snapshot(&before)), Some(snapshot(&after))),
            )
            .await?;
        }
        Ok(after)
    })
    .await
}

/// Deletes a key; a deleted user key stops authenticating at once. Nobody but the organization's
/// last active manager may delete that manager's last user key (the organization's way in).
pub async fn delete_key(
    db: &DatabaseConnection,
    principal: &Principal,
    key_type: KeyType,
    id: &str,
) -> AppResult<api_key::Model> {
    super::in_transaction(db, async |txn| {
        let (caller, key) = manageable(txn, principal, KeyOp::Delete, key_type, id).await?;
        if let Some(owner) = key.user_id.filter(|owner| *owner != caller.user_id) {
            check_way_in_kept(txn, &caller.organization_id, owner).await?;
        }
        api_key::Entity::delete_by_id(key.id.clone()).exec(txn).await?;
        audit::record(txn, Audit::changed(&caller, "delete", TARGET, &key.id, Some(snapshot(&key)), None)).await?;
        Ok(key)
    })
    .await
}

/// The message of a refused deletion of the last organization manager's last key.
pub const LAST_WAY_IN: &str =
    "This is the last user key of the organization's last organization manager; only they can delete it";

/// Refuses to take away `owner`'s last user key when they are the organization's last active
/// manager.
async fn check_way_in_kept(db: &impl ConnectionTrait, organization_id: &str, owner: i64) -> AppResult<()> {
    if delegation::organization_managers(db, organization_id).await? != [owner] {
        return Ok(());
    }
    let keys = api_key::Entity::find()
        .filter(api_key::Column::UserId.eq(owner))
        .filter(api_key::Column::KeyType.eq(KeyType::User))
        .count(db)
        .await?;
    if keys <= 1 { Err(AppError::bad_input(LAST_WAY_IN)) } else { Ok(()) }
}
