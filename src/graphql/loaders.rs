//! Request-scoped DataLoaders. They are made fresh for every request and cache only within it (never
//! shared between requests, so a revoked grant is seen by the very next request). They batch the
//! keys asked for together into one statement; list resolvers prime them with a whole page, so
//! per-row fields find their answer in the cache. Keys with no rows get an empty answer.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{account, organization, user};
use sea_orm::{DatabaseConnection, DbErr};

pub use super::authorization_management::GroupRolesLoader;
pub use super::synthetics::SyntheticsFactsLoader;
pub use super::user_management::{GroupUsersLoader, UserGroupsLoader};
use crate::access::{Catalog, EffectiveAccess};
use crate::domain::{access_facts, directory};

/// A loader that remembers what it loaded for the rest of its request (and only that request).
pub type Cached<L> = DataLoader<L, HashMapCache>;

/// Every loader of one request.
pub struct Loaders {
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
    pub fn new(db: &DatabaseConnection, catalog: &Arc<Catalog>) -> Self {
        Loaders {
            access: DataLoader::with_cache(
                AccessLoader { db: db.clone(), catalog: catalog.clone() },
                tokio::spawn,
                HashMapCache::default(),
            ),
            users: DataLoader::with_cache(UserLoader(db.clone()), tokio::spawn, HashMapCache::default()),
            accounts: DataLoader::with_cache(AccountLoader(db.clone()), tokio::spawn, HashMapCache::default()),
            organizations: DataLoader::with_cache(
                OrganizationLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
            user_groups: DataLoader::with_cache(UserGroupsLoader(db.clone()), tokio::spawn, HashMapCache::default()),
            group_users: DataLoader::with_cache(GroupUsersLoader(db.clone()), tokio::spawn, HashMapCache::default()),
            group_roles: DataLoader::with_cache(GroupRolesLoader(db.clone()), tokio::spawn, HashMapCache::default()),
            synthetics: DataLoader::with_cache(
                SyntheticsFactsLoader(db.clone()),
                tokio::spawn,
                HashMapCache::default(),
            ),
        }
    }
}

impl Loaders {
    /// Forgets everything loaded so far in this request. Every mutation calls it after its change,
    /// so its payload (and any later field of the request) reads the data as it is now.
    pub fn forget(&self) {
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
