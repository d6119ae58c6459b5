//! Request-scoped DataLoaders. They are made fresh for every request and cache only within it (never
//! shared between requests, so a revoked grant is seen by the very next request). They batch the
//! keys asked for together into one statement; list resolvers prime them with a whole page, so
//! per-row fields find their answer in the cache. Keys with no rows get an empty answer.
//!
//! The viewer's own access is the exception: [`ViewerAccess`] takes it from the
//! [`AccessCache`] kept between requests when the organization's access version read with the key
//! says it is current, and otherwise loads it at once (no batch window) and keeps it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{account, organization, user};
use sea_orm::{DatabaseConnection, DbErr};

pub use super::authorization_management::GroupRolesLoader;
pub use super::synthetics::SyntheticsFactsLoader;
pub use super::user_management::{GroupUsersLoader, UserGroupsLoader};
use crate::access::{Catalog, EffectiveAccess};
use crate::auth::Viewer;
use crate::domain::access_cache::AccessCache;
use crate::domain::reads::Reads;
use crate::domain::{access_facts, directory};

/// A loader that remembers what it loaded for the rest of its request (and only that request).
pub type Cached<L> = DataLoader<L, HashMapCache>;

/// Every loader of one request.
pub struct Loaders {
    pub viewer: ViewerAccess,
    pub access: Cached<AccessLoader>,
    pub users: Cached<UserLoader>,
    pub accounts: Cached<AccountLoader>,
    pub organizations: Cached<OrganizationLoader>,
    pub user_groups: Cached<UserGroupsLoader>,
    pub group_users: Cached<GroupUsersLoader>,
    pub group_roles: Cached<GroupRolesLoader>,
    pub synthetics: Cached<SyntheticsFactsLoader>,
}

impl Loaders {
    /// The loaders of one request of `viewer`, with the viewer's user and organization, as
    /// authentication read them, already in their loaders.
    pub async fn for_viewer(reads: &Reads, catalog: &Arc<Catalog>, cache: &Arc<AccessCache>, viewer: &Viewer) -> Self {
        let loaders = Loaders::new(reads, catalog, ViewerAccess::new(reads.db(), catalog, cache, viewer));
        loaders.users.feed_one(viewer.user_id, viewer.user.clone()).await;
        loaders.organizations.feed_one(viewer.organization_id().to_owned(), viewer.organization.clone()).await;
        loaders
    }

    fn new(reads: &Reads, catalog: &Arc<Catalog>, viewer: ViewerAccess) -> Self {
        let db = reads.db();
        Loaders {
            viewer,
            access: batched(AccessLoader { db: db.clone(), catalog: catalog.clone() }),
            users: batched(UserLoader(db.clone())),
            accounts: batched(AccountLoader(db.clone())),
            organizations: batched(OrganizationLoader(db.clone())),
            user_groups: batched(UserGroupsLoader(reads.clone())),
            group_users: batched(GroupUsersLoader(reads.clone())),
            group_roles: batched(GroupRolesLoader(db.clone())),
            synthetics: batched(SyntheticsFactsLoader(db.clone())),
        }
    }
}

/// A request-scoped loader that batches the keys asked for while the resolving task runs and then
/// loads them at once. async-graphql's default batch window (1 ms) would add a millisecond to every
/// request that loads anything: all sibling fields are polled in the same pass, so the keys of one
/// level are already in when the batch task first runs.
fn batched<T: Send + Sync + 'static>(loader: T) -> Cached<T> {
    DataLoader::with_cache(loader, tokio::spawn, HashMapCache::default()).delay(Duration::ZERO)
}

impl Loaders {
    /// Forgets everything loaded so far in this request. The mutation root calls it before each
    /// mutation ([`super::pipeline::RootMutation`]), so its payload (and any later field of the
    /// request) reads the data as it is after the change.
    pub fn forget(&self) {
        self.viewer.forget();
        self.access.clear::<i64>();
        self.users.clear::<i64>();
        self.accounts.clear::<i32>();
        self.organizations.clear::<String>();
        self.user_groups.clear::<i64>();
        self.group_users.clear::<String>();
        self.group_roles.clear::<String>();
        self.synthetics.clear::<(i64, i32)>();
    }
}

/// The viewer's effective access for one request: from the cache between requests while the
/// organization's access version is the one read with the key; after a change made by this
/// request ([`Loaders::forget`]), always from the database.
pub struct ViewerAccess {
    db: DatabaseConnection,
    catalog: Arc<Catalog>,
    cache: Arc<AccessCache>,
    user_id: i64,
    version: i64,
    /// The access this request has settled on, and how many changes the request has made.
    slot: Mutex<(u64, Option<Arc<EffectiveAccess>>)>,
}

impl ViewerAccess {
    fn new(db: &DatabaseConnection, catalog: &Arc<Catalog>, cache: &Arc<AccessCache>, viewer: &Viewer) -> Self {
        ViewerAccess {
            db: db.clone(),
            catalog: catalog.clone(),
            cache: cache.clone(),
            user_id: viewer.user_id,
            version: viewer.access_version(),
            slot: Mutex::new((0, None)),
        }
    }

    /// The viewer's effective access as of now.
    pub async fn get(&self) -> Result<Arc<EffectiveAccess>, Arc<DbErr>> {
        match self.settled() {
            Ok(access) => Ok(access),
            // Boxed: every guard awaits `get`, and async-graphql boxes a future per field as large
            // as its type's largest field future; with the load inline, that was the load's
            // (3.2 KB for every field of a user, against 632 bytes boxed, `-Zprint-type-sizes`).
            Err(changes) => Box::pin(self.load(changes)).await,
        }
    }

    /// The access this request settled on, or the one kept between requests (then settled on);
    /// otherwise how many changes the request has made.
    fn settled(&self) -> Result<Arc<EffectiveAccess>, u64> {
        let changes = {
            let slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(access) = &slot.1 {
                return Ok(access.clone());
            }
            slot.0
        };
        // Before any change of this request, the version read with the key is current.
        if changes == 0
            && let Some(access) = self.cache.get(self.user_id, self.version)
        {
            return Ok(self.settle(changes, access));
        }
        Err(changes)
    }

    /// Loads the access from the database (after `changes` changes of this request).
    async fn load(&self, changes: u64) -> Result<Arc<EffectiveAccess>, Arc<DbErr>> {
        let mut found = access_facts::effective_access(&self.db, &self.catalog, &[self.user_id]).await?;
        let access = Arc::new(found.remove(&self.user_id).unwrap_or_default());
        if changes == 0 {
            self.cache.insert(self.user_id, self.version, access.clone());
        }
        Ok(self.settle(changes, access))
    }

    /// Settles on `access`, loaded after `changes` changes of this request, unless another change
    /// came since (then the next call loads again).
    fn settle(&self, changes: u64, access: Arc<EffectiveAccess>) -> Arc<EffectiveAccess> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.0 == changes {
            slot.1 = Some(access.clone());
        }
        access
    }

    fn forget(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        *slot = (slot.0 + 1, None);
    }
}

/// A user's effective capabilities, keyed by user id.
pub struct AccessLoader {
    db: DatabaseConnection,
    catalog: Arc<Catalog>,
}

impl Loader<i64> for AccessLoader {
    type Value = Arc<EffectiveAccess>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = access_facts::effective_access(&self.db, &self.catalog, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

pub struct UserLoader(DatabaseConnection);

impl Loader<i64> for UserLoader {
    type Value = Arc<user::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i64]) -> Result<HashMap<i64, Self::Value>, Self::Error> {
        let found = directory::users_by_id(&self.0, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

pub struct AccountLoader(DatabaseConnection);

impl Loader<i32> for AccountLoader {
    type Value = Arc<account::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[i32]) -> Result<HashMap<i32, Self::Value>, Self::Error> {
        let found = directory::accounts_by_id(&self.0, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

pub struct OrganizationLoader(DatabaseConnection);

impl Loader<String> for OrganizationLoader {
    type Value = Arc<organization::Model>;
    type Error = Arc<DbErr>;

    async fn load(&self, keys: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        let found = directory::organizations_by_id(&self.0, keys).await?;
        Ok(found.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}
