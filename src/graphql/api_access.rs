//! NerdGraph's API access keys: `actor.apiAccess { key, keySearch }` and the mutations
//! `apiAccessCreateKeys`, `apiAccessUpdateKeys`, `apiAccessDeleteKeys`.
//!
//! Keys are the interface `ApiAccessKey` (`ApiAccessUserKey`, `ApiAccessIngestKey`). A key's
//! plaintext `key` is sent once, in the create payload; everywhere else `key` is null (only hashes
//! are stored) and `obfuscatedKey` shows the key's format prefix and 4 characters, then `...`
//! (`NRAK-ABCD...`, `NRJS-0a1b...`, `0a1b...` for a license key).
//!
//! `key(id, keyType)` on an unknown id, or on a key the viewer may not see, is a `NOT_FOUND` error
//! whose message is `Key not found` (Terraform drops such a key from its state). The mutations
//! decide each element on its own, each in its own transaction, and report refusals in the
//! payload's `errors` (`FORBIDDEN`, `INVALID`, `NOT_FOUND`), not as top-level errors; only a server
//! failure on an element is a top-level error (the other elements' results are still sent).

use std::collections::BTreeSet;
use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Interface, Object, Result, SimpleObject};
use entity::api_key;
use entity::enums::{IngestType, KeyType};

use super::context::{loaders, services};
use super::error::{ErrorClass, storage};
use super::guard::{Can, principal};
use super::pagination;
use super::scalars::EpochSeconds;
use super::user_management::count;
use crate::access::api_keys::{self as rules, KEY_NOT_FOUND, KeyKind};
use crate::access::decision::{self, Action, DenialKind, KeyOp};
use crate::domain::api_keys::{self, CreatedKey, KeyChanges, KeySearch, NewIngestKey, NewUserKey};
use crate::error::AppError;

/// Keys per page of `keySearch`.
const KEYS_PAGE: u64 = 500;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiAccessKeyType {
    Ingest,
    User,
}

impl From<ApiAccessKeyType> for KeyType {
    fn from(t: ApiAccessKeyType) -> Self {
        match t {
            ApiAccessKeyType::Ingest => KeyType::Ingest,
            ApiAccessKeyType::User => KeyType::User,
        }
    }
}

impl From<KeyType> for ApiAccessKeyType {
    fn from(t: KeyType) -> Self {
        match t {
            KeyType::Ingest => ApiAccessKeyType::Ingest,
            KeyType::User => ApiAccessKeyType::User,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiAccessIngestKeyType {
    Browser,
    License,
}

impl From<ApiAccessIngestKeyType> for IngestType {
    fn from(t: ApiAccessIngestKeyType) -> Self {
        match t {
            ApiAccessIngestKeyType::Browser => IngestType::Browser,
            ApiAccessIngestKeyType::License => IngestType::License,
        }
    }
}

impl From<IngestType> for ApiAccessIngestKeyType {
    fn from(t: IngestType) -> Self {
        match t {
            IngestType::Browser => ApiAccessIngestKeyType::Browser,
            IngestType::License => ApiAccessIngestKeyType::License,
        }
    }
}

/// Why an ingest key element was refused.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiAccessIngestKeyErrorType {
    Forbidden,
    Invalid,
    NotFound,
}

/// Why a user key element was refused.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ApiAccessUserKeyErrorType {
    Forbidden,
    Invalid,
    NotFound,
}

impl From<DenialKind> for ApiAccessIngestKeyErrorType {
    fn from(kind: DenialKind) -> Self {
        match kind {
            DenialKind::Forbidden => ApiAccessIngestKeyErrorType::Forbidden,
            DenialKind::Invalid => ApiAccessIngestKeyErrorType::Invalid,
            DenialKind::NotFound => ApiAccessIngestKeyErrorType::NotFound,
        }
    }
}

impl From<DenialKind> for ApiAccessUserKeyErrorType {
    fn from(kind: DenialKind) -> Self {
        match kind {
            DenialKind::Forbidden => ApiAccessUserKeyErrorType::Forbidden,
            DenialKind::Invalid => ApiAccessUserKeyErrorType::Invalid,
            DenialKind::NotFound => ApiAccessUserKeyErrorType::NotFound,
        }
    }
}

// ---- inputs ----

#[derive(InputObject)]
pub struct ApiAccessCreateIngestKeyInput {
    account_id: i32,
    ingest_type: ApiAccessIngestKeyType,
    name: Option<String>,
    notes: Option<String>,
}

#[derive(InputObject)]
pub struct ApiAccessCreateUserKeyInput {
    account_id: i32,
    name: Option<String>,
    notes: Option<String>,
    user_id: i32,
}

#[derive(InputObject)]
pub struct ApiAccessCreateInput {
    ingest: Option<Vec<Option<ApiAccessCreateIngestKeyInput>>>,
    user: Option<Vec<Option<ApiAccessCreateUserKeyInput>>>,
}

#[derive(InputObject)]
pub struct ApiAccessUpdateIngestKeyInput {
    key_id: String,
    name: Option<String>,
    notes: Option<String>,
}

#[derive(InputObject)]
pub struct ApiAccessUpdateUserKeyInput {
    key_id: String,
    name: Option<String>,
    notes: Option<String>,
}

#[derive(InputObject)]
pub struct ApiAccessUpdateInput {
    ingest: Option<Vec<Option<ApiAccessUpdateIngestKeyInput>>>,
    user: Option<Vec<Option<ApiAccessUpdateUserKeyInput>>>,
}

#[derive(InputObject)]
pub struct ApiAccessDeleteInput {
    ingest_key_ids: Option<Vec<Option<String>>>,
    user_key_ids: Option<Vec<Option<String>>>,
}

/// Narrows a key search; absent (or null) fields narrow nothing. `ingestTypes` narrows ingest keys
/// only and `userIds` user keys only.
#[derive(InputObject)]
pub struct ApiAccessKeySearchScope {
    account_ids: Option<Vec<Option<i32>>>,
    ingest_types: Option<Vec<Option<ApiAccessIngestKeyType>>>,
    user_ids: Option<Vec<Option<i32>>>,
}

#[derive(InputObject)]
pub struct ApiAccessKeySearchQuery {
    scope: Option<ApiAccessKeySearchScope>,
    types: Vec<Option<ApiAccessKeyType>>,
}

/// The non-null elements of a nullable list of nullable elements.
fn present<T>(list: Option<Vec<Option<T>>>) -> impl Iterator<Item = T> {
    list.into_iter().flatten().flatten()
}

impl From<ApiAccessKeySearchQuery> for KeySearch {
    fn from(query: ApiAccessKeySearchQuery) -> Self {
        let types: BTreeSet<KeyType> = query.types.into_iter().flatten().map(Into::into).collect();
        let Some(scope) = query.scope else { return KeySearch { types, ..KeySearch::default() } };
        KeySearch {
            types,
            account_ids: scope.account_ids.map(|ids| ids.into_iter().flatten().collect()),
            ingest_types: scope.ingest_types.map(|t| t.into_iter().flatten().map(Into::into).collect()),
            user_ids: scope.user_ids.map(|ids| ids.into_iter().flatten().map(i64::from).collect()),
        }
    }
}

// ---- keys ----

/// NerdGraph's reference to an account.
#[derive(SimpleObject)]
pub struct AccountReference {
    id: Option<i32>,
    name: Option<String>,
}

/// NerdGraph's reference to a user. AccessGraph links no avatars: `gravatar` is null.
#[derive(SimpleObject)]
pub struct UserReference {
    email: Option<String>,
    gravatar: Option<String>,
    id: Option<i32>,
    name: Option<String>,
}

/// A user id as NerdGraph's `Int`.
fn nerdgraph_int(id: i64) -> Result<i32> {
    i32::try_from(id).map_err(|_| ErrorClass::InternalServerError.error("The user id does not fit NerdGraph's Int"))
}

/// A stored key, with its plaintext when it was created by this request.
struct StoredKey {
    model: Arc<api_key::Model>,
    secret: Option<String>,
}

impl StoredKey {
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<AccountReference>> {
        let found = loaders(ctx)?.accounts.load_one(self.model.account_id).await.map_err(storage)?;
        Ok(found.map(|a| AccountReference { id: Some(a.id), name: Some(a.name.clone()) }))
    }

    fn created_at(&self) -> Option<EpochSeconds> {
        Some(self.model.created_at.into())
    }

    fn id(&self) -> Option<ID> {
        Some(ID(self.model.id.clone()))
    }

    fn obfuscated_key(&self) -> Option<String> {
        Some(api_keys::obfuscated(&self.model))
    }
}

/// A user key: it authenticates requests as its user, with that user's current access.
pub struct ApiAccessUserKey(StoredKey);

#[Object]
impl ApiAccessUserKey {
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<AccountReference>> {
        self.0.account(ctx).await
    }

    async fn account_id(&self) -> Option<i32> {
        Some(self.0.model.account_id)
    }

    /// When the key was created.
    async fn created_at(&self) -> Option<EpochSeconds> {
        self.0.created_at()
    }

    /// 64 hex digits.
    async fn id(&self) -> Option<ID> {
        self.0.id()
    }

    /// The key itself: only in the payload of `apiAccessCreateKeys`, null everywhere else.
    async fn key(&self) -> Option<String> {
        self.0.secret.clone()
    }

    async fn name(&self) -> Option<String> {
        Some(self.0.model.name.clone())
    }

    async fn notes(&self) -> Option<String> {
        Some(self.0.model.notes.clone())
    }

    /// The key's format prefix and first characters, then `...`.
    async fn obfuscated_key(&self) -> Option<String> {
        self.0.obfuscated_key()
    }

    #[graphql(name = "type")]
    async fn key_type(&self) -> Option<ApiAccessKeyType> {
        Some(ApiAccessKeyType::User)
    }

    /// The user the key belongs to.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<UserReference>> {
        let Some(user_id) = self.0.model.user_id else { return Ok(None) };
        let Some(user) = loaders(ctx)?.users.load_one(user_id).await.map_err(storage)? else { return Ok(None) };
        Ok(Some(UserReference {
            email: Some(user.email.clone()),
            gravatar: None,
            id: Some(nerdgraph_int(user.id)?),
            name: Some(user.name.clone()),
        }))
    }

    async fn user_id(&self) -> Result<Option<i32>> {
        self.0.model.user_id.map(nerdgraph_int).transpose()
    }
}

/// A license or browser key: it identifies data sent to its account; it does not authenticate
/// NerdGraph requests.
pub struct ApiAccessIngestKey(StoredKey);

#[Object]
impl ApiAccessIngestKey {
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<AccountReference>> {
        self.0.account(ctx).await
    }

    async fn account_id(&self) -> Option<i32> {
        Some(self.0.model.account_id)
    }

    /// When the key was created.
    async fn created_at(&self) -> Option<EpochSeconds> {
        self.0.created_at()
    }

    /// 64 hex digits.
    async fn id(&self) -> Option<ID> {
        self.0.id()
    }

    async fn ingest_type(&self) -> Option<ApiAccessIngestKeyType> {
        self.0.model.ingest_type.map(Into::into)
    }

    /// The key itself: only in the payload of `apiAccessCreateKeys`, null everywhere else.
    async fn key(&self) -> Option<String> {
        self.0.secret.clone()
    }

    async fn name(&self) -> Option<String> {
        Some(self.0.model.name.clone())
    }

    async fn notes(&self) -> Option<String> {
        Some(self.0.model.notes.clone())
    }

    /// The key's format prefix and first characters, then `...`.
    async fn obfuscated_key(&self) -> Option<String> {
        self.0.obfuscated_key()
    }

    #[graphql(name = "type")]
    async fn key_type(&self) -> Option<ApiAccessKeyType> {
        Some(ApiAccessKeyType::Ingest)
    }
}

/// An API key: a user key or an ingest key.
#[derive(Interface)]
#[expect(clippy::duplicated_attributes, reason = "several interface fields share a type")]
#[graphql(
    field(name = "created_at", ty = "Option<EpochSeconds>"),
    field(name = "id", ty = "Option<ID>"),
    field(name = "key", ty = "Option<String>"),
    field(name = "name", ty = "Option<String>"),
    field(name = "notes", ty = "Option<String>"),
    field(name = "obfuscated_key", ty = "Option<String>"),
    field(name = "type", method = "key_type", ty = "Option<ApiAccessKeyType>")
)]
pub enum ApiAccessKey {
    Ingest(ApiAccessIngestKey),
    User(ApiAccessUserKey),
}

impl ApiAccessKey {
    fn new(model: api_key::Model, secret: Option<String>) -> Self {
        let key_type = model.key_type;
        let stored = StoredKey { model: Arc::new(model), secret };
        match key_type {
            KeyType::User => ApiAccessKey::User(ApiAccessUserKey(stored)),
            KeyType::Ingest => ApiAccessKey::Ingest(ApiAccessIngestKey(stored)),
        }
    }

    /// A stored key, without its plaintext.
    fn stored(model: api_key::Model) -> Self {
        Self::new(model, None)
    }

    /// A key just created, with its plaintext.
    fn created(created: CreatedKey) -> Self {
        Self::new(created.key, Some(created.secret.expose().to_owned()))
    }
}

// ---- payload errors ----

/// A refused ingest key element. `id` is the key id of an update or delete (null for a create).
pub struct ApiAccessIngestKeyError {
    account_id: Option<i32>,
    error_type: ApiAccessIngestKeyErrorType,
    id: Option<String>,
    ingest_type: Option<ApiAccessIngestKeyType>,
    message: String,
}

#[Object]
impl ApiAccessIngestKeyError {
    async fn account_id(&self) -> Option<i32> {
        self.account_id
    }

    async fn error_type(&self) -> Option<ApiAccessIngestKeyErrorType> {
        Some(self.error_type)
    }

    async fn id(&self) -> Option<String> {
        self.id.clone()
    }

    async fn ingest_type(&self) -> Option<ApiAccessIngestKeyType> {
        self.ingest_type
    }

    async fn message(&self) -> Option<String> {
        Some(self.message.clone())
    }

    #[graphql(name = "type")]
    async fn key_type(&self) -> Option<ApiAccessKeyType> {
        Some(ApiAccessKeyType::Ingest)
    }
}

/// A refused user key element. `id` is the key id of an update or delete (null for a create).
pub struct ApiAccessUserKeyError {
    account_id: Option<i32>,
    error_type: ApiAccessUserKeyErrorType,
    id: Option<String>,
    message: String,
    user_id: Option<i32>,
}

#[Object]
impl ApiAccessUserKeyError {
    async fn account_id(&self) -> Option<i32> {
        self.account_id
    }

    async fn error_type(&self) -> Option<ApiAccessUserKeyErrorType> {
        Some(self.error_type)
    }

    async fn id(&self) -> Option<String> {
        self.id.clone()
    }

    async fn message(&self) -> Option<String> {
        Some(self.message.clone())
    }

    #[graphql(name = "type")]
    async fn key_type(&self) -> Option<ApiAccessKeyType> {
        Some(ApiAccessKeyType::User)
    }

    async fn user_id(&self) -> Option<i32> {
        self.user_id
    }
}

/// Why one element of an `apiAccess*Keys` mutation was refused.
#[derive(Interface)]
#[graphql(
    field(name = "message", ty = "Option<String>"),
    field(name = "type", method = "key_type", ty = "Option<ApiAccessKeyType>")
)]
pub enum ApiAccessKeyError {
    Ingest(ApiAccessIngestKeyError),
    User(ApiAccessUserKeyError),
}

/// What a refused element's error says about it.
#[derive(Clone, Default)]
struct ElementFacts {
    account_id: Option<i32>,
    id: Option<String>,
    ingest_type: Option<ApiAccessIngestKeyType>,
    user_id: Option<i32>,
}

impl ElementFacts {
    fn key(id: &str) -> Self {
        ElementFacts { id: Some(id.to_owned()), ..ElementFacts::default() }
    }

    fn error(self, key_type: KeyType, kind: DenialKind, message: String) -> ApiAccessKeyError {
        match key_type {
            KeyType::Ingest => ApiAccessKeyError::Ingest(ApiAccessIngestKeyError {
                account_id: self.account_id,
                error_type: kind.into(),
                id: self.id,
                ingest_type: self.ingest_type,
                message,
            }),
            KeyType::User => ApiAccessKeyError::User(ApiAccessUserKeyError {
                account_id: self.account_id,
                error_type: kind.into(),
                id: self.id,
                message,
                user_id: self.user_id,
            }),
        }
    }
}

/// The results of a mutation's elements: what was done, and the payload errors.
struct Outcomes<T> {
    done: Vec<Option<T>>,
    errors: Vec<Option<ApiAccessKeyError>>,
}

impl<T> Outcomes<T> {
    fn new() -> Self {
        Outcomes { done: Vec::new(), errors: Vec::new() }
    }

    /// Records one element's result. A refusal becomes a payload error; a server failure becomes a
    /// top-level error (logged by the conversion), and the element appears in neither list.
    fn record(
        &mut self,
        ctx: &Context<'_>,
        result: Result<T, AppError>,
        key_type: KeyType,
        facts: impl FnOnce() -> ElementFacts,
    ) {
        let (kind, message) = match result {
            Ok(value) => {
                self.done.push(Some(value));
                return;
            }
            Err(AppError::Forbidden(message)) => (DenialKind::Forbidden, message),
            Err(AppError::NotFound(message)) => (DenialKind::NotFound, message),
            Err(AppError::BadInput(message)) => (DenialKind::Invalid, message),
            Err(failure) => {
                let error: async_graphql::Error = failure.into();
                ctx.add_error(ctx.set_error_path(error.into_server_error(ctx.item.pos)));
                return;
            }
        };
        self.errors.push(Some(facts().error(key_type, kind, message)));
    }
}

// ---- queries ----

/// `actor.apiAccess`.
pub struct ApiAccess;

#[derive(SimpleObject)]
pub struct ApiAccessKeySearchResult {
    /// How many keys match, on every page.
    count: Option<i32>,
    keys: Option<Vec<Option<ApiAccessKey>>>,
    next_cursor: Option<String>,
}

#[Object(name = "ApiAccessActorStitchedFields")]
impl ApiAccess {
    /// One key by id and type. An unknown id, or a key the viewer may not see, is a `NOT_FOUND`
    /// error "Key not found".
    async fn key(&self, ctx: &Context<'_>, id: ID, key_type: ApiAccessKeyType) -> Result<Option<ApiAccessKey>> {
        let principal = principal(ctx).await?;
        let found = api_keys::find(&services(ctx)?.db, key_type.into(), &id).await.map_err(|e| storage(Arc::new(e)))?;
        let Some((key, facts)) = found.and_then(|key| api_keys::facts(&key).map(|facts| (key, facts))) else {
            return Err(ErrorClass::NotFound.error(KEY_NOT_FOUND));
        };
        let owner_access = match facts.kind {
            KeyKind::User(owner) => loaders(ctx)?.access.load_one(owner).await.map_err(storage)?,
            KeyKind::Ingest(_) => None,
        };
        decision::check(&principal, rules::action(KeyOp::Read, &facts, owner_access.as_deref()))
            .map_err(|_| ErrorClass::NotFound.error(KEY_NOT_FOUND))?;
        Ok(Some(ApiAccessKey::stored(key)))
    }

    /// The keys the viewer may see that match `query`, 500 a page in id order: their own user
    /// keys, other users' keys on accounts where they may manage them, and ingest keys on accounts
    /// where they may read them.
    async fn key_search(
        &self,
        ctx: &Context<'_>,
        cursor: Option<String>,
        query: ApiAccessKeySearchQuery,
    ) -> Result<Option<ApiAccessKeySearchResult>> {
        let after = cursor.as_deref().map(pagination::decode).transpose()?;
        let principal = principal(ctx).await?;
        let db = &services(ctx)?.db;
        let mut visible = rules::visibility(principal.actor.user_id, &principal.access);
        // Other users' keys only of owners who can do nothing the viewer cannot.
        let owners = api_keys::key_owners_on(db, &visible.user_keys_on, principal.actor.user_id)
            .await
            .map_err(|e| storage(Arc::new(e)))?;
        let owner_access = loaders(ctx)?.access.load_many(owners.iter().copied()).await.map_err(storage)?;
        visible.hidden_owners = owners
            .into_iter()
            .filter(|owner| {
                let access = owner_access.get(owner).cloned().unwrap_or_default();
                !decision::allows(&principal, Action::ActOnUser { user: *owner, access: &access })
            })
            .collect();
        let search = KeySearch::from(query);
        let page = api_keys::search(db, &visible, &search, after.as_deref(), KEYS_PAGE)
            .await
            .map_err(|e| storage(Arc::new(e)))?;
        // Prime the loaders with the whole page: one statement for every key's account and user.
        let keys = ctx.look_ahead().field("keys");
        if keys.field("account").exists() {
            let ids: Vec<i32> = page.items.iter().map(|k| k.account_id).collect();
            loaders(ctx)?.accounts.load_many(ids).await.map_err(storage)?;
        }
        if keys.field("user").exists() {
            let ids: Vec<i64> = page.items.iter().filter_map(|k| k.user_id).collect();
            loaders(ctx)?.users.load_many(ids).await.map_err(storage)?;
        }
        let next_cursor = page.has_more.then(|| page.items.last().map(|k| pagination::encode(&k.id))).flatten();
        Ok(Some(ApiAccessKeySearchResult {
            count: Some(count(page.total)),
            keys: Some(page.items.into_iter().map(|k| Some(ApiAccessKey::stored(k))).collect()),
            next_cursor,
        }))
    }
}

// ---- mutations ----

#[derive(Default)]
pub struct ApiAccessMutations;

#[derive(SimpleObject)]
pub struct ApiAccessCreateKeyResponse {
    created_keys: Option<Vec<Option<ApiAccessKey>>>,
    errors: Option<Vec<Option<ApiAccessKeyError>>>,
}

#[derive(SimpleObject)]
pub struct ApiAccessUpdateKeyResponse {
    errors: Option<Vec<Option<ApiAccessKeyError>>>,
    updated_keys: Option<Vec<Option<ApiAccessKey>>>,
}

#[derive(SimpleObject)]
pub struct ApiAccessDeletedKey {
    id: Option<String>,
}

#[derive(SimpleObject)]
pub struct ApiAccessDeleteKeyResponse {
    deleted_keys: Option<Vec<Option<ApiAccessDeletedKey>>>,
    errors: Option<Vec<Option<ApiAccessKeyError>>>,
}

#[Object]
impl ApiAccessMutations {
    /// Creates keys: ingest keys (with "Manage ingest keys" on the account, at most 1,000 of a
    /// type per account) and user keys (for oneself on an accessible account, or for a colleague
    /// who can access it with "Manage user keys of other users" there). The payload holds each new
    /// key with its plaintext, shown this once.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn api_access_create_keys(
        &self,
        ctx: &Context<'_>,
        keys: ApiAccessCreateInput,
    ) -> Result<Option<ApiAccessCreateKeyResponse>> {
        let services = services(ctx)?;
        let principal = principal(ctx).await?;
        let mut outcomes = Outcomes::new();
        for input in present(keys.ingest) {
            let new = NewIngestKey {
                account_id: input.account_id,
                ingest_type: input.ingest_type.into(),
                name: input.name,
                notes: input.notes,
            };
            let result = api_keys::create_ingest_key(&services.db, &principal, &new).await.map(ApiAccessKey::created);
            outcomes.record(ctx, result, KeyType::Ingest, || ElementFacts {
                account_id: Some(input.account_id),
                ingest_type: Some(input.ingest_type),
                ..ElementFacts::default()
            });
        }
        for input in present(keys.user) {
            let new = NewUserKey {
                account_id: input.account_id,
                user_id: input.user_id.into(),
                name: input.name,
                notes: input.notes,
            };
            let result = api_keys::create_user_key(&services.db, &principal, &new).await.map(ApiAccessKey::created);
            outcomes.record(ctx, result, KeyType::User, || ElementFacts {
                account_id: Some(input.account_id),
                user_id: Some(input.user_id),
                ..ElementFacts::default()
            });
        }
        let Outcomes { done, errors } = outcomes;
        Ok(Some(ApiAccessCreateKeyResponse { created_keys: Some(done), errors: Some(errors) }))
    }

    /// Renames keys or changes their notes: one's own user keys, other users' keys with "Manage
    /// user keys of other users", ingest keys with "Manage ingest keys", on the key's account.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn api_access_update_keys(
        &self,
        ctx: &Context<'_>,
        keys: ApiAccessUpdateInput,
    ) -> Result<Option<ApiAccessUpdateKeyResponse>> {
        let services = services(ctx)?;
        let principal = principal(ctx).await?;
        let ingest = present(keys.ingest).map(|k| (KeyType::Ingest, k.key_id, k.name, k.notes));
        let user = present(keys.user).map(|k| (KeyType::User, k.key_id, k.name, k.notes));
        let mut outcomes = Outcomes::new();
        for (key_type, key_id, name, notes) in ingest.chain(user) {
            let changes = KeyChanges { name, notes };
            let result = api_keys::update_key(&services.db, &principal, key_type, &key_id, &changes)
                .await
                .map(ApiAccessKey::stored);
            outcomes.record(ctx, result, key_type, || ElementFacts::key(&key_id));
        }
        let Outcomes { done, errors } = outcomes;
        Ok(Some(ApiAccessUpdateKeyResponse { errors: Some(errors), updated_keys: Some(done) }))
    }

    /// Deletes keys, with the rights `apiAccessUpdateKeys` needs. A deleted user key stops
    /// authenticating at once.
    #[graphql(guard = "Can(Action::SignedIn)")]
    async fn api_access_delete_keys(
        &self,
        ctx: &Context<'_>,
        keys: ApiAccessDeleteInput,
    ) -> Result<Option<ApiAccessDeleteKeyResponse>> {
        let services = services(ctx)?;
        let principal = principal(ctx).await?;
        let ingest = present(keys.ingest_key_ids).map(|id| (KeyType::Ingest, id));
        let user = present(keys.user_key_ids).map(|id| (KeyType::User, id));
        let mut outcomes = Outcomes::new();
        for (key_type, key_id) in ingest.chain(user) {
            let result = api_keys::delete_key(&services.db, &principal, key_type, &key_id)
                .await
                .map(|deleted| ApiAccessDeletedKey { id: Some(deleted.id) });
            outcomes.record(ctx, result, key_type, || ElementFacts::key(&key_id));
        }
        let Outcomes { done, errors } = outcomes;
        Ok(Some(ApiAccessDeleteKeyResponse { deleted_keys: Some(done), errors: Some(errors) }))
    }
}
